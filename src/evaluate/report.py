"""Evaluating a checkpoint on a data split and writing ``metrics.json`` / ``metrics.md``, for
``python evaluate_model.py`` (the metrics themselves are in ``src.evaluate.evaluator``)."""

import argparse
import json
from pathlib import Path
from typing import Tuple

import torch

from src.api import DEFAULT_CHECKPOINT, ModelLoadError, load_model
from src.datasets.get_dataset import get_datasets
from src.errors import BadInputError, ModelFilesError
from src.evaluate.evaluator import evaluate
from src.runtime import DeviceError, resolve_device
from src.utils.fileio import write_text_atomic


def training_options(path) -> dict:
    """The data options a checkpoint was trained with ({} for a pretrained folder, which has none)."""
    path = Path(path)
    if not path.is_file():
        return {}
    return dict(torch.load(path, map_location="cpu", weights_only=True).get("opt") or {})


def markdown(results: dict) -> str:
    lines = [f"# {results['checkpoint']} on {results['dataset']} ({results['split']}, {results['num_items']} windows, "
             f"{results['fps']:g} fps)", "", "| metric (real data, deterministic) | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4g} |" for k, v in results["deterministic"].items()]
    lines += ["", f"| metric (generated, seeds {results['seeds']}) | mean | 95% interval |", "|---|---|---|"]
    lines += [f"| {k} | {v['mean']:.4g} | ±{v['ci95']:.2g} |" for k, v in results["generated"].items()]
    return "\n".join(lines) + "\n"


def evaluate_checkpoint(opt: argparse.Namespace) -> Tuple[dict, list]:
    """Evaluate ``opt.checkpoint`` as ``evaluate_model.py``'s options say and write the metrics files.

    Returns:
        (results, [metrics.json path, metrics.md path]).
    Raises:
        BadInputError: unusable options, data or output folder (nothing is overwritten without
            ``opt.overwrite``); ModelFilesError: an unusable checkpoint.
    """
    checkpoint = Path(opt.checkpoint) if opt.checkpoint else DEFAULT_CHECKPOINT
    output = opt.output_dir or checkpoint.parent / f"eval_{opt.split}"
    targets = [output / "metrics.json", output / "metrics.md"]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not opt.overwrite:
        raise BadInputError(f"{', '.join(existing)} already exist(s); add --overwrite to replace")
    try:
        model = load_model(checkpoint, device=resolve_device(opt.device, opt.force_device))
    except ModelLoadError as err:
        raise ModelFilesError(str(err)) from None
    except DeviceError as err:
        raise BadInputError(str(err)) from None
    # the features the model reads are fixed by its config, whatever the data options say
    features = {k: getattr(model.config.features, k) for k in ("pose_rep", "translation", "glob", "glob_rot")}
    data_opt = {**training_options(checkpoint), **features, "num_workers": 0}
    for key in ("dataset", "datapath"):
        if getattr(opt, key) is not None:
            data_opt[key] = getattr(opt, key)
    if "dataset" not in data_opt:
        raise BadInputError(f"{checkpoint} records no training data options: give --dataset and --datapath")
    try:
        dataset = get_datasets(data_opt, splits=(opt.split,))[opt.split]
        if dataset is None:
            raise ValueError(f"no {opt.split} split for --dataset {data_opt['dataset']} at {data_opt.get('datapath')} "
                             "(make the data first: see exps/smog_builtin/README.md for the built-in data)")
        if abs(dataset.fps - model.fps) > 1e-6:
            raise ValueError(f"the data is at {dataset.fps:g} fps but the model was trained at {model.fps:g} fps")
        results = evaluate(model, dataset, opt.batch_size, opt.seeds, opt.mm_texts, opt.mm_samples,
                           max_items=opt.max_items)
    except (FileNotFoundError, ValueError, NotImplementedError) as err:
        raise BadInputError(str(err)) from None
    results = {"checkpoint": str(checkpoint), "dataset": data_opt["dataset"], "datapath": str(data_opt.get("datapath")),
               "split": opt.split, **results}
    write_text_atomic(targets[0], json.dumps(results, indent=2) + "\n")
    write_text_atomic(targets[1], markdown(results))
    return results, targets
