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
    return out


def log_results(wandb, results: dict, project: str, run_name, folder) -> None:
    """One wandb run: each generation run logged as a step (its seed included), the summary as the
    run's summary, the options as its config; files under ``folder/wandb``."""
    config = {k: v for k, v in results.items() if k not in ("deterministic", "sanity", "generated", "runs")}
    run = wandb.init(project=project, name=run_name, config=config, dir=str(folder),
                     mode=os.environ.get("WANDB_MODE", "offline"))
    try:
        for step, values in enumerate(results["runs"]):
            run.log({f"run/{k}": v for k, v in values.items()}, step=step)
        run.summary.update(flat(results))
    finally:
        run.finish()
