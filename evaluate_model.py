"""Evaluate a trained model on a test split (SPEC §4 metrics).

    python evaluate_model.py [CHECKPOINT] [--datapath DB] [--seeds 0 1 2] [--output_dir DIR]

CHECKPOINT defaults to the shipped model. The data options (dataset, path, pose representation,
window lengths) are the checkpoint's training options unless given here; the built-in data of the
shipped model is made by the two commands in exps/smog_builtin/README.md. Writes
``metrics.json`` and ``metrics.md`` to ``--output_dir`` (default: ``eval_<split>`` beside the
checkpoint) and prints the table. Metrics, all in the model's own embedding space:

- retrieval: text-to-motion and motion-to-text R@1/2/3/5/10 and median rank over the whole split
  and in shuffled batches of 32; R-precision and MM-Dist of real motions;
- reconstruction of real motions: MPJPE, PA-MPJPE (mm), acceleration error;
- physical metrics of real and of generated motions: foot skating, floor penetration / floating,
  jitter, bone-length drift;
- generated motions (one per test caption, its window's length; mean and 95% interval over
  ``--seeds``): FCD, MMD (median-heuristic sigma; and the original SMoG's sigma 0.07, text vs
  generated, as a compatibility column), Diversity, MultiModality, R-precision, batch-32 recall.

Exit codes: 0 done; 2 unusable inputs (checkpoint, data, output folder), with the reason on stderr.
"""

import argparse
import json
import sys
from pathlib import Path

from src.parser.base import add_device_args
from src.runtime import resolve_device


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python evaluate_model.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", default=None, help="checkpoint or pretrained folder "
                        "(default: the shipped model)")
    parser.add_argument("--dataset", default=None, help="dataset name (default: the checkpoint's)")
    parser.add_argument("--datapath", default=None, help="data path (default: the checkpoint's)")
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="one generation run per seed; generation metrics are mean and 95%% interval")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--max_items", type=int, default=None, help="use only the first N test windows")
    parser.add_argument("--mm_texts", type=int, default=100, help="MultiModality: captions (0 = skip)")
    parser.add_argument("--mm_samples", type=int, default=30, help="MultiModality: generations per caption")
    parser.add_argument("--output_dir", type=Path, default=None)
    parser.add_argument("--overwrite", action="store_true", help="replace metrics files already in --output_dir")
    add_device_args(parser)
    opt = parser.parse_args(argv)
    for name in ("batch_size", "mm_samples"):
        if getattr(opt, name) <= 0:
            parser.error(f"--{name} must be positive, got {getattr(opt, name)}")
    if opt.max_items is not None and opt.max_items < 2:
        parser.error(f"--max_items must be at least 2, got {opt.max_items}")
    return opt


def training_options(path) -> dict:
    """The data options a checkpoint was trained with ({} for a pretrained folder, which has none)."""
    import torch

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


def main(argv=None) -> int:
    opt = parse_args(argv)
    from src.api import DEFAULT_CHECKPOINT, ModelLoadError, load_model
    from src.datasets.get_dataset import get_datasets
    from src.evaluate.evaluator import evaluate
    from src.utils.fileio import write_text_atomic

    checkpoint = Path(opt.checkpoint) if opt.checkpoint else DEFAULT_CHECKPOINT
    output = opt.output_dir or checkpoint.parent / f"eval_{opt.split}"
    targets = [output / "metrics.json", output / "metrics.md"]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not opt.overwrite:
        print(f"error: {', '.join(existing)} already exist(s); add --overwrite to replace", file=sys.stderr)
        return 2
    try:
        model = load_model(checkpoint, device=resolve_device(opt.device, opt.force_device))
        # the features the model reads are fixed by its config, whatever the data options say
        features = {k: getattr(model.config.features, k) for k in ("pose_rep", "translation", "glob", "glob_rot")}
        data_opt = {**training_options(checkpoint), **features, "num_workers": 0}
        for key in ("dataset", "datapath"):
            if getattr(opt, key) is not None:
                data_opt[key] = getattr(opt, key)
        if "dataset" not in data_opt:
            raise ValueError(f"{checkpoint} records no training data options: give --dataset and --datapath")
        dataset = get_datasets(data_opt, splits=(opt.split,))[opt.split]
        if dataset is None:
            raise ValueError(f"no {opt.split} split for --dataset {data_opt['dataset']} at {data_opt.get('datapath')} "
                             "(make the data first: see exps/smog_builtin/README.md for the built-in data)")
        if abs(dataset.fps - model.fps) > 1e-6:
            raise ValueError(f"the data is at {dataset.fps:g} fps but the model was trained at {model.fps:g} fps")
        results = evaluate(model, dataset, opt.batch_size, opt.seeds, opt.mm_texts, opt.mm_samples,
                           max_items=opt.max_items)
    except (ModelLoadError, FileNotFoundError, ValueError, NotImplementedError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    results = {"checkpoint": str(checkpoint), "dataset": data_opt["dataset"], "datapath": str(data_opt.get("datapath")),
               "split": opt.split, **results}
    table = markdown(results)
    write_text_atomic(targets[0], json.dumps(results, indent=2) + "\n")
    write_text_atomic(targets[1], table)
    print(table + f"\nwrote {targets[0]} and {targets[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
