"""Options of ``python evaluate_model.py``. Imports no torch, so option errors are instant.

The original SMoG's command (SPEC §3b) parses as it was:
``CKPT --sample_size -1 --batch_size 32 --device cuda --project smog --run_name smog-metrics --n_runs 100``.
Generation runs: ``--n_runs R`` runs with seeds ``--seed``, ``--seed`` + 1, ... (default 3 runs from
0: seeds 0 1 2), or explicit ``--seeds``; the two ways are exclusive.
"""

import argparse
import os
from pathlib import Path
from typing import Optional

from src.parser.base import add_device_args
from src.parser.generation import add_sampler_args
from src import config
from src.parser.types import int_at_least, int_in

DEFAULT_RUNS = 3


def sample_size(value: str) -> int:
    """--sample_size: -1 (every test window) or at least 2 (a Fréchet distance needs two)."""
    number = int_at_least(-1)(value)
    if number in (0, 1):
        raise argparse.ArgumentTypeError(f"{value!r} must be -1 (all) or at least 2")
    return number


def output_folder_problem(folder: Path) -> Optional[str]:
    """Why results cannot be written into ``folder`` (its nearest existing part is a file or is not
    writable), or None; checked before any work, so no evaluation is lost at the end."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None:
        return None
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


class EvaluationParser(argparse.ArgumentParser):
    """Checks the options that depend on each other, and fills in the run seeds."""

    def parse_args(self, args=None, namespace=None):
        opt = super().parse_args(args, namespace)
        if opt.seeds is not None and opt.n_runs is not None:
            self.error("give --n_runs (seeds --seed, --seed + 1, ...) or --seeds, not both")
        if opt.sample_size is not None and opt.max_items is not None:
            self.error("give --sample_size (a random subset) or --max_items (the first windows), not both")
        problem = opt.output_dir and output_folder_problem(opt.output_dir)
        if problem:
            self.error(f"--output_dir {opt.output_dir}: {problem}")
        if opt.seeds is None:
            opt.seeds = [opt.seed + i for i in range(opt.n_runs or DEFAULT_RUNS)]
        return opt


def evaluation_parser(description: str) -> argparse.ArgumentParser:
    parser = EvaluationParser(prog="python evaluate_model.py", description=description,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", default=None, help="checkpoint or pretrained folder "
                        "(default: the shipped model)")
    parser.add_argument("--dataset", default=None, help="dataset name (default: the checkpoint's)")
    parser.add_argument("--datapath", default=None, help="data path (default: the checkpoint's)")
    parser.add_argument("--split", choices=("test", "val"), default="test")
    runs = parser.add_argument_group("runs (generation metrics are the mean and 95%% interval over them)")
    runs.add_argument("--n_runs", type=int_at_least(1), default=None,
                      help=f"generation runs, seeded --seed, --seed + 1, ... (default {DEFAULT_RUNS})")
    runs.add_argument("--seed", type=int_at_least(0), default=0,
                      help="first run's seed; also seeds --sample_size's subset and the sanity rows' splits")
    runs.add_argument("--seeds", type=int_at_least(0), nargs="+", default=None,
                      help="one generation run per seed given (instead of --n_runs)")
    items = parser.add_mutually_exclusive_group()
    items.add_argument("--sample_size", type=sample_size, default=None,
                       help="use N test windows drawn at random (seeded by --seed); -1 = all (the default)")
    items.add_argument("--max_items", type=int_at_least(2), default=None, help="use only the first N test windows")
    parser.add_argument("--batch_size", type=int_in(1, config.MAX_EVAL_BATCH), default=32,
                        help="windows per model call, also MultiModality's motions per decode")
    parser.add_argument("--mm_texts", type=int_at_least(0), default=100, help="MultiModality: captions (0 = skip)")
    parser.add_argument("--mm_samples", type=int_in(1, config.MAX_SAMPLES_PER_PROMPT), default=30,
                        help="MultiModality: generations per caption")
    parser.add_argument("--output_dir", type=Path, default=None,
                        help="where results.json and results.md go (default: evaluation_results beside the "
                             "checkpoint; evaluation_results_val for --split val)")
    parser.add_argument("--overwrite", action="store_true", help="replace results files already in --output_dir")
    log = parser.add_argument_group("wandb (off unless --wandb; offline unless WANDB_MODE says otherwise)")
    log.add_argument("--wandb", action="store_true", help="also log the runs and the summary to wandb")
    log.add_argument("--project", default="smog", help="wandb project (recorded in results.json)")
    log.add_argument("--run_name", default=None, help="wandb run name (recorded in results.json)")
    add_sampler_args(parser)
    add_device_args(parser)
    return parser
