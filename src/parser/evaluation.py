"""Options of ``python evaluate_model.py``. Imports no torch, so option errors are instant."""

import argparse
from pathlib import Path

from src.parser.base import add_device_args
from src import config
from src.parser.types import int_at_least, int_in


def evaluation_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python evaluate_model.py", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", default=None, help="checkpoint or pretrained folder "
                        "(default: the shipped model)")
    parser.add_argument("--dataset", default=None, help="dataset name (default: the checkpoint's)")
    parser.add_argument("--datapath", default=None, help="data path (default: the checkpoint's)")
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="one generation run per seed; generation metrics are mean and 95%% interval")
    parser.add_argument("--batch_size", type=int_in(1, config.MAX_EVAL_BATCH), default=32)
    parser.add_argument("--max_items", type=int_at_least(2), default=None, help="use only the first N test windows")
    parser.add_argument("--mm_texts", type=int, default=100, help="MultiModality: captions (0 = skip)")
    parser.add_argument("--mm_samples", type=int_in(1, config.MAX_SAMPLES_PER_PROMPT), default=30,
                        help="MultiModality: generations per caption")
    parser.add_argument("--output_dir", type=Path, default=None)
    parser.add_argument("--overwrite", action="store_true", help="replace metrics files already in --output_dir")
    add_device_args(parser)
    return parser

