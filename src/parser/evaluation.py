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
from src.parser.types import fraction, int_at_least, int_in, non_negative_float, positive_float

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
    parser.add_argument("--mm_runs", type=int_at_least(1), default=None,
                        help="MultiModality in the first K runs only (default: every run, as the reference "
                             "evaluation; its mm_texts x mm_samples motions cost more than a run's own, so "
                             "--mm_runs 1 makes many runs several times faster)")
    parser.add_argument("--workers", type=int_at_least(1), default=1,
                        help="generation runs at a time, each in its own process of one thread (CPU, Linux; "
                             "faster than one process of several threads; 1: one after another)")
    parser.add_argument("--evaluator", default=None, metavar="FILE|none",
                        help="independent evaluator file (python -m prepare.train_evaluator): generated-motion figures "
                             "also in its space; default: the shipped one for the built-in data at its frame rate; "
                             "none: only the model's own space")
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


def train_evaluator_parser(description: str) -> argparse.ArgumentParser:
    """Options of ``python -m prepare.train_evaluator`` (the independent evaluator, ``src.evaluate.tmr``).
    The window options default to the shipped models' (exps/smog_builtin/command.sh)."""
    parser = argparse.ArgumentParser(prog="python -m prepare.train_evaluator", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="builtin", choices=config.DATASETS, help="dataset name")
    parser.add_argument("--datapath", default=None, help="data path (default: the dataset's usual place)")
    parser.add_argument("--output", type=Path, required=True, help="the evaluator file to write (e.g. evaluator.pt)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    windows = parser.add_argument_group("training windows (as the models' training)")
    windows.add_argument("--num_frames", type=int, default=-2, help="window length; -2 random in [min_len, max_len]")
    windows.add_argument("--min_len", type=int_at_least(2), default=40)
    windows.add_argument("--max_len", type=int_at_least(2), default=80)
    windows.add_argument("--mirror_prob", type=fraction, default=0.5)
    windows.add_argument("--action_start_prob", type=fraction, default=0.8)
    net = parser.add_argument_group("network")
    net.add_argument("--latent_dim", type=int_in(8, 1024), default=256)
    net.add_argument("--model_dim", type=int_in(8, 1024), default=128, help="Transformer width (divisible by 4)")
    net.add_argument("--num_layers", type=int_in(1, 12), default=3, help="motion encoder layers")
    net.add_argument("--text_layers", type=int_in(1, 12), default=1, help="text encoder layers")
    net.add_argument("--text_backbone", choices=("minilm", "clip"), default="minilm", help="frozen text backbone")
    fit = parser.add_argument_group("training")
    fit.add_argument("--batch_size", type=int_in(2, 4096), default=64)
    fit.add_argument("--lr", type=positive_float, default=5e-4)
    fit.add_argument("--num_epochs", type=int_at_least(1), default=50)
    fit.add_argument("--max_minutes", type=non_negative_float, default=0.0,
                     help="stop after this much wall-clock training (0 = no limit); the best epoch is kept")
    fit.add_argument("--select", choices=("val", "last"), default="val",
                     help="which epoch is kept: the best val R-precision top-1, or the last")
    fit.add_argument("--seed", type=int_at_least(0), default=1234, help="the evaluator's own seed")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    return parser
