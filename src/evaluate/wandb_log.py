"""Optional wandb logging of an evaluation (``evaluate_model.py --wandb``): wandb is imported only
here and only when asked, and runs offline unless ``WANDB_MODE`` says otherwise (as training's)."""

import os

from src.errors import BadInputError


def require_wandb():
    """The wandb module; BadInputError (exit 2) when it is not installed, raised before any work."""
    try:
        import wandb
    except ImportError as err:
        raise BadInputError(f"--wandb needs the wandb package: pip install wandb ({err})") from None
    return wandb


def flat(results: dict) -> dict:
    """The summary figures of a results dict as one flat {name: float} (generated: mean and ci95)."""
    out = {f"deterministic/{k}": v for k, v in results["deterministic"].items()}
    out.update({f"sanity/{k}": v for k, v in results["sanity"].items()})
    for key, value in results["generated"].items():
        out.update({f"generated/{key}": value["mean"], f"generated/{key}_ci95": value["ci95"]})
    judged = results.get("evaluator_space")  # the independent evaluator's figures, under their own prefix
    if judged:
        for group in ("real", "sanity"):
            out.update({f"evaluator/{group}/{k}": v for k, v in judged[group].items()})
        for key, value in judged["generated"].items():
            out.update({f"evaluator/generated/{key}": value["mean"], f"evaluator/generated/{key}_ci95": value["ci95"]})
    return out


def _run_values(run: dict) -> dict:
    """One generation run's figures, flat: own space under run/, the evaluator's under run/evaluator/."""
    out = {f"run/{k}": v for k, v in run.items() if k != "evaluator_space"}
    out.update({f"run/evaluator/{k}": v for k, v in run.get("evaluator_space", {}).items()})
    return out


def log_results(wandb, results: dict, project: str, run_name, folder) -> None:
    """One wandb run: each generation run logged as a step (its seed included), the summary as the
    run's summary, the options as its config; files under ``folder/wandb``."""
    config = {k: v for k, v in results.items() if k not in ("deterministic", "sanity", "generated", "runs",
                                                           "evaluator_space")}
    run = wandb.init(project=project, name=run_name, config=config, dir=str(folder),
                     mode=os.environ.get("WANDB_MODE", "offline"))
    try:
        for step, values in enumerate(results["runs"]):
            run.log(_run_values(values), step=step)
        run.summary.update(flat(results))
    finally:
        run.finish()
