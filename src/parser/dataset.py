"""Dataset options (original SMoG names), read by ``src.datasets.get_dataset`` and, for the feature
layout (--pose_rep, --translation, --glob, --glob_rot), by ``ModelConfig.from_options``."""

import argparse

from src.config import DATASETS, POSE_REPS, SAMPLINGS


def action_weights(text: str) -> dict:
    """'clap=8,wave_left_hand=4' -> {'clap': 8.0, 'wave_left_hand': 4.0} (an argparse type)."""
    weights = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = float("nan")
        if not sep or not name.strip() or not weight > 0:
            raise argparse.ArgumentTypeError(f"{item!r}: write ACTION=WEIGHT with a weight > 0, e.g. clap=8")
        weights[name.strip()] = weight
    return weights


def add_dataset_args(parser: argparse.ArgumentParser) -> None:
    """Add the dataset options to ``parser``."""
    g = parser.add_argument_group("dataset")
    g.add_argument("--dataset", default="amass", choices=DATASETS,
                   help="which data (src/datasets/get_dataset.py lists each one's default --datapath)")
    g.add_argument("--datapath", default=None,
                   help="a <prefix>_db.pt path (a folder for humanml3d); default per --dataset")
    g.add_argument("--num_frames", type=int, default=60,
                   help="window length in frames; -1 the whole sequence (cropped to --max_len), "
                        "-2 a random length in [--min_len, --max_len]")
    g.add_argument("--min_len", type=int, default=-1, help="shortest window for --num_frames -2")
    g.add_argument("--max_len", type=int, default=-1, help="longest window for --num_frames -1/-2 (<= 0: no limit)")
    g.add_argument("--sampling", default="conseq", choices=SAMPLINGS, help="how a window's frames are chosen")
    g.add_argument("--sampling_step", type=int, default=1,
                   help="frame step for conseq sampling (-1: the largest that fits)")
    g.add_argument("--pose_rep", default="rot6d", choices=POSE_REPS, help="feature representation")
    g.add_argument("--glob", default=True, action=argparse.BooleanOptionalAction,
                   help="keep the root orientation (--no-glob replaces it with --glob_rot)")
    g.add_argument("--glob_rot", type=float, nargs=3, default=[0.0, 0.0, 0.0],
                   help="axis-angle root orientation used with --no-glob (the data is Y-up: identity stands upright)")
    g.add_argument("--translation", default=True, action=argparse.BooleanOptionalAction,
                   help="append the root-translation row to rotation features")
    g.add_argument("--action_start_prob", type=float, default=0.0,
                   help="probability that a training window starts where a labelled action starts "
                        "(otherwise anywhere); see src/datasets/dataset.py")
    g.add_argument("--mirror_prob", type=float, default=0.5,
                   help="probability of mirroring a training window (left/right swapped in motion and caption)")
    g.add_argument("--caption_augment", type=float, default=0.0,
                   help="probability of paraphrasing a training caption (EDA-style: another subject, synonyms, "
                        "a neutral modifier, dropped filler words, turns as rotations and degrees; sides and counts kept; "
                        "src/datasets/text/paraphrase.py); never in evaluation")
    g.add_argument("--use_action_cat_as_text_labels", action="store_true",
                   help="captions from BABEL action categories instead of texts")
    g.add_argument("--only_60_classes", action="store_true", help="BABEL-60 category subset (not supported)")
    g.add_argument("--use_only_15_classes", action="store_true", help="BABEL 15-category subset (not supported)")
    g.add_argument("--sequence_weighting", default="none", choices=("none", "length"),
                   help="draw training sequences uniformly, or in proportion to how many windows they hold")
    g.add_argument("--emphasize_actions", type=action_weights, default={}, metavar="ACTION=W,...",
                   help="draw training sequences that hold these action categories W times as often, and start "
                        "their windows at that action (with --action_start_prob); e.g. clap=8,wave_left_hand=4 "
                        "(src/datasets/dataset.py)")
    g.add_argument("--num_workers", type=int, default=2, help="DataLoader worker processes")
