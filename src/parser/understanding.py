"""Options of the motion-understanding commands: describe and retrieve. Imports no torch, so
option errors and --help are instant."""

import argparse
from pathlib import Path

from src import config
from src.parser.base import add_device_args
from src.parser.types import int_at_least, positive_float

# --caption with no value: the shipped model.
DEFAULT_MODEL = "default"


def _add_motion_fps(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fps", type=positive_float, default=None,
                        help=f"frame rate of .npy joint files, which do not store one (default "
                             f"{config.HUMANML3D_FPS:g}, HumanML3D's); .npz and .bvh files carry theirs")


def describe_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.describe", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("motion", type=Path,
                        help="a joints .npy (T, 22, 3) Y-up metres, an AMASS-style .npz or a CMU .bvh")
    parser.add_argument("--top_k", type=int_at_least(1), default=3,
                        help="joints detailed in the text (most active first)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    _add_motion_fps(parser)
    parser.add_argument("--caption", nargs="?", const=DEFAULT_MODEL, default=None, metavar="CHECKPOINT",
                        help="also list the training captions closest to the motion, by the model's retrieval "
                             "(default model: the shipped one); put it after MOTION")
    parser.add_argument("--num_captions", type=int_at_least(1), default=5, help="captions listed with --caption")
    parser.add_argument("--captions", type=Path, default=None,
                        help="caption bank for --caption, one per line (default: the model's training captions)")
    parser.add_argument("--output", type=Path, default=None, help="write the description here instead of the screen")
    parser.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    add_device_args(parser)
    return parser


def retrieve_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.retrieve", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", default=None,
                        help="checkpoint file or pretrained folder (default: the shipped model)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--motions", type=Path, default=None,
                        help="a folder of .npy/.npz/.bvh motions (searched recursively) or a motion db "
                             "(<name>_<fps>fps_<split>.pt written by src.datasets.amass_parser)")
    source.add_argument("--motion", type=Path, default=None, help="one motion file (.npz, .bvh or .npy)")
    task = parser.add_mutually_exclusive_group(required=True)
    task.add_argument("--query", default=None, help="text to search the --motions for")
    task.add_argument("--texts", type=Path, default=None,
                      help="candidate texts, one per line: rank them for each motion")
    task.add_argument("--classify", type=Path, default=None, metavar="LABELS_FILE",
                      help="labels, one per line: zero-shot probabilities for each motion")
    parser.add_argument("--top_k", type=int_at_least(1), default=5, help="results shown per query or motion")
    _add_motion_fps(parser)
    parser.add_argument("--output", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    parser.add_argument("--cache_dir", type=Path, default=None,
                        help=f"motion embedding cache, keyed by file content (default: $SMOG_CACHE_DIR or "
                             f"{config.EMBEDDING_CACHE_DIR})")
    parser.add_argument("--no_cache", action="store_true", help="neither read nor write the embedding cache")
    add_device_args(parser)
    return parser
