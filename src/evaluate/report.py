"""Evaluating a checkpoint on a data split and writing ``results.json`` / ``results.md``, for
``python evaluate_model.py`` (the metrics themselves are in ``src.evaluate.evaluator``)."""

import argparse
import json
import warnings
from pathlib import Path
from typing import Tuple

import numpy as np
import torch
from torch.utils.data import Subset

from src.api import DEFAULT_CHECKPOINT, ModelLoadError, load_model
from src.config import DEFAULT_EVALUATOR
from src.datasets import builtin_data
from src.datasets.formats import db
from src.datasets.get_dataset import get_datasets
from src.errors import BadInputError, ModelFilesError
from src.evaluate import tmr
from src.evaluate.evaluator import PHYSICAL_KEYS, evaluate
from src.evaluate.wandb_log import log_results, require_wandb
from src.parser.evaluation import output_folder_problem
from src.parser.generation import decoding_options, sampling_options
from src.runtime import resolve_device
from src.utils.fileio import write_text_atomic


def training_options(path) -> dict:
    """The data options a checkpoint was trained with ({} for a pretrained folder, which has none)."""
    path = Path(path)
    if not path.is_file():
        return {}
    return dict(torch.load(path, map_location="cpu", weights_only=True).get("opt") or {})


def _cell(value) -> str:
    """A table cell: a float, a generated summary "mean ± ci95", or "-" where there is no figure."""
    if value is None:
        return "-"
    if isinstance(value, dict):
        return f"{value['mean']:.4g} ± {value['ci95']:.2g}"
    return f"{value:.4g}"


def sanity_table(results: dict) -> list:
    """Markdown lines: each generated figure beside the real motions' (its ceiling) and its floor,
    in the model's own space."""
    det, sanity, gen = results["deterministic"], results["sanity"], results["generated"]
    rows = _space_rows(gen, det, sanity, "fcd", "FCD")
    rows += [(key, gen.get(f"gen_{key}"), det.get(f"real_{key}"), None, "") for key in PHYSICAL_KEYS]
    return _table(rows)


def evaluator_table(results: dict) -> list:
    """Markdown lines: the generated figures, the real pairs' and the floors in the evaluator's space."""
    space = results["evaluator_space"]
    gen = space["generated"]
    rows = _space_rows(gen, space["real"], space["sanity"], "fid", "FID")
    named = (("MMD sigma", "mmd_sigma"), ("Diversity", "diversity"), ("MultiModality", "multimodality"))
    rows += [(name, gen.get(key), space["real"].get(f"real_{key}"), None, "") for name, key in named]
    return _table(rows)


def _space_rows(gen: dict, real: dict, sanity: dict, frechet: str, name: str) -> list:
    """(metric, generated, real motions, floor, floor is) rows of one embedding space."""
    halves = "real half vs other half"
    rows = [(f"{name} vs real", gen.get(frechet), None, sanity.get(f"real_halves_{frechet}"), halves),
            ("MMD vs real", gen.get("mmd"), None, sanity.get("real_halves_mmd"), halves)]
    for key in ("top1", "top2", "top3", "mm_dist"):
        chance = f"shuffled pairs (chance {int(key[-1]) / 32:.3f})" if key.startswith("top") else "shuffled pairs"
        rows.append((f"R-precision {key}" if key != "mm_dist" else "MM-Dist", gen.get(f"gen_rprec_{key}"),
                     real.get(f"real_rprec_{key}"), sanity.get(f"shuffled_rprec_{key}"), chance))
    return rows


def _table(rows: list) -> list:
    lines = ["| metric | generated | real motions | floor | floor is |", "|---|---|---|---|---|"]
    return lines + [f"| {name} | {_cell(g)} | {_cell(r)} | {_cell(f)} | {what} |" for name, g, r, f, what in rows
                    if g is not None]


def markdown(results: dict) -> str:
    judge = results.get("evaluator") or {}
    lines = [f"# {results['checkpoint']} on {results['dataset']} ({results['split']}, {results['num_items']} windows, "
             f"{results['fps']:g} fps)", "", f"Generation runs ({results.get('sampler', 'regression')} sampler): "
             f"{len(results['seeds'])}, seeds {results['seeds']}; "
             "generated figures are the mean ± 95% interval over them.",
             f"Foot lock (reconstructed and generated motions): {'on' if results.get('foot_lock') else 'off'}.", "",
             f"Independent evaluator: {judge.get('path') or 'none'} ({judge.get('note', '')}).", ""]
    if "evaluator_space" in results:
        lines += ["## In the independent evaluator's space (FID; comparable across models)", "",
                  f"{judge['description']}; it reads joint positions.", ""] + evaluator_table(results) + [""]
    lines += ["## Generated beside real motions and floors (the model's own space: FCD)", ""] + sanity_table(results)
    lines += ["", "## Real data (deterministic; the model's own space)", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4g} |" for k, v in {**results["deterministic"], **results["sanity"]}.items()]
    lines += ["", "## Generated (the model's own space)", "", "| metric | mean | 95% interval | runs |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['mean']:.4g} | ±{v['ci95']:.2g} | {v['n']} |" for k, v in results["generated"].items()]
    return "\n".join(lines) + "\n"


def default_output(checkpoint: Path, split: str) -> Path:
    """The original SMoG's ``<checkpoint dir>/evaluation_results`` (``evaluation_results_val`` for val)."""
    return checkpoint.parent / ("evaluation_results" if split == "test" else f"evaluation_results_{split}")


def sample(dataset, size, seed: int):
    """``size`` windows of ``dataset`` drawn at random with ``seed`` (in dataset order), or all of it
    for None / -1 / a size at least the dataset's (that one with a warning)."""
    if size in (None, -1):
        return dataset
    if size >= len(dataset):
        if size > len(dataset):
            warnings.warn(f"--sample_size {size}: the split has {len(dataset)} windows; using all of them")
        return dataset
    return Subset(dataset, sorted(np.random.default_rng(seed).choice(len(dataset), size, replace=False).tolist()))


def _evaluator(option, device) -> Tuple[object, dict]:
    """The independent evaluator ``--evaluator`` asks for (``src.evaluate.tmr``), loaded before the
    model and the data so a wrong file fails first, and what results.json records of it.

    Returns:
        (evaluator or None, {"path", "default" (True: the shipped one, used only for the built-in
        data at its frame rate), "note", "description"}).
    Raises:
        ModelFilesError: an unusable evaluator file (exit 3).
    """
    if option == "none":
        return None, {"path": None, "default": False, "note": "switched off by --evaluator none"}
    path, default = (Path(option), False) if option else (DEFAULT_EVALUATOR, True)
    if default and not path.is_file():
        return None, {"path": None, "default": True, "note": f"no shipped evaluator at {path}: give --evaluator FILE"}
    judge = tmr.load(path, device=device)
    return judge, {"path": str(path), "default": default, "description": judge.describe(),
                   "trained": judge.cfg.get("trained", {}),
                   "note": "the shipped evaluator of the built-in data" if default else "given by --evaluator"}


def _builtin_on_demand(data_opt: dict, split: str, explicit: bool, fps: float) -> None:
    """Make the built-in data's ``split`` when it is absent (``src.datasets.builtin_data``), so an
    evaluation runs on a fresh clone: for the recipe's own path, and, when no ``--datapath`` was
    given, in place of a built-in datapath the checkpoint records but this machine lacks (a
    notice says so). Other data is left to the usual "not found" message.
    """
    if data_opt["dataset"] != "builtin" or abs(fps - builtin_data.RECIPE["target_fps"]) > 1e-6:
        return
    recorded = Path(data_opt.get("datapath") or builtin_data.DATAPATH)
    if db.split_path(recorded, split).is_file():
        return
    if recorded.resolve() != builtin_data.DATAPATH.resolve():
        if explicit:
            return
        print(f"{recorded} (the checkpoint's data) is absent: evaluating on the shipped models' built-in data, "
              f"{builtin_data.DATAPATH}")
        data_opt["datapath"] = str(builtin_data.DATAPATH)
    builtin_data.ensure_split(split, builtin_data.DATAPATH)


def evaluate_checkpoint(opt: argparse.Namespace) -> Tuple[dict, list]:
    """Evaluate ``opt.checkpoint`` as ``evaluate_model.py``'s options say and write the metrics files.

    Returns:
        (results, [results.json path, results.md path]).
    Raises:
        BadInputError: unusable options, data or output folder (nothing is overwritten without
            ``opt.overwrite``); ModelFilesError: an unusable checkpoint.
    """
    checkpoint = Path(opt.checkpoint) if opt.checkpoint else DEFAULT_CHECKPOINT
    output = opt.output_dir or default_output(checkpoint, opt.split)
    problem = output_folder_problem(output)
    if problem:
        raise BadInputError(f"output folder {output}: {problem}")
    targets = [output / "results.json", output / "results.md"]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not opt.overwrite:
        raise BadInputError(f"{', '.join(existing)} already exist(s); add --overwrite to replace")
    wandb = require_wandb() if opt.wandb else None
    device = resolve_device(opt.device, opt.force_device)  # DeviceError: a BadInputError, exit 2
    judge, judge_info = _evaluator(opt.evaluator, device)
    try:
        model = load_model(checkpoint, device=device)
    except ModelLoadError as err:
        raise ModelFilesError(str(err)) from None
    try:
        model.set_decoding(**decoding_options(opt))
    except ValueError as err:
        raise BadInputError(f"{err} ({checkpoint})") from None
    # the features the model reads are fixed by its config, whatever the data options say
    features = {k: getattr(model.config.features, k) for k in ("pose_rep", "translation", "glob", "glob_rot")}
    data_opt = {**training_options(checkpoint), **features, "num_workers": 0}
    for key in ("dataset", "datapath"):
        if getattr(opt, key) is not None:
            data_opt[key] = getattr(opt, key)
    if "dataset" not in data_opt:
        raise BadInputError(f"{checkpoint} records no training data options: give --dataset and --datapath")
    try:
        _builtin_on_demand(data_opt, opt.split, explicit=opt.datapath is not None, fps=model.fps)
        dataset = get_datasets(data_opt, splits=(opt.split,))[opt.split]
        if dataset is None:
            raise ValueError(f"no {opt.split} split for --dataset {data_opt['dataset']} at {data_opt.get('datapath')} "
                             "(make the data first; the built-in data's splits: python -m src.datasets.builtin_data --splits "
                             f"{opt.split} --datapath PATH)")
        if abs(dataset.fps - model.fps) > 1e-6:
            raise ValueError(f"the data is at {dataset.fps:g} fps but the model was trained at {model.fps:g} fps")
        other_data = data_opt["dataset"] != "builtin" or (judge is not None and abs(judge.fps - dataset.fps) > 1e-6)
        if judge is not None and judge_info["default"] and other_data:
            judge, judge_info = None, {"path": None, "default": True, "note": (
                f"the shipped evaluator judges the built-in data at {judge.fps:g} fps, this is {data_opt['dataset']} "
                f"at {dataset.fps:g} fps: give --evaluator FILE")}
        results = evaluate(model, sample(dataset, opt.sample_size, opt.seed), opt.batch_size, opt.seeds, opt.mm_texts,
                           opt.mm_samples, max_items=opt.max_items, seed=opt.seed, judge=judge,
                           sampling=sampling_options(opt), mm_runs=opt.mm_runs,
                           workers=opt.workers)
    except (FileNotFoundError, ValueError, NotImplementedError) as err:
        raise BadInputError(str(err)) from None
    results = {"checkpoint": str(checkpoint), "dataset": data_opt["dataset"], "datapath": str(data_opt.get("datapath")),
               "split": opt.split, "seed": opt.seed, "sample_size": opt.sample_size, "max_items": opt.max_items,
               "project": opt.project, "run_name": opt.run_name, "workers": opt.workers, "evaluator": judge_info,
               "foot_lock": model.foot_lock,
               **results}
    write_text_atomic(targets[0], json.dumps(results, indent=2) + "\n")
    write_text_atomic(targets[1], markdown(results))
    if wandb is not None:
        log_results(wandb, results, opt.project, opt.run_name, output)
    return results, targets
