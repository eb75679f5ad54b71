"""Import CMU BVH files (B. Hahne's conversions) as AMASS-style SMPL ``.npz`` plus BABEL-style labels.

    python -m src.datasets.bvh_import --input_dir ../shared/data/cmu/more --labels labels.tsv \
        --output_dir data/cmu_bvh [--fps_override 60 | 60_01=60 ...] [--target_fps 30]

How files are matched, retargeted and labelled: ``src.datasets.formats.cmu_bvh``. Exit codes as every
command (``src.errors``): 0 done, 2 unusable options or inputs (also when no file could be imported:
then nothing is written), or an output folder holding an import without ``--overwrite``.
"""

import logging
import sys
from pathlib import Path

from src import cli
from src.errors import BadInputError
from src.parser.data import bvh_import_parser


def main(argv=None) -> int:
    return cli.run(bvh_import_parser(), _import, argv)


def _import(args) -> None:
    from src.datasets.formats.cmu_bvh import import_directory, parse_fps_overrides  # after parsing: no torch before

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        overrides = parse_fps_overrides(args.fps_override)
        if args.target_fps is not None and not args.target_fps > 0:
            raise ValueError(f"--target_fps must be positive, got {args.target_fps}")
        if not (0 <= args.val_fraction and 0 <= args.test_fraction and args.val_fraction + args.test_fraction <= 1):
            raise ValueError("--val_fraction and --test_fraction must be >= 0 and sum to at most 1")
        summary = import_directory(args.input_dir, args.output_dir, args.labels, overrides, args.target_fps,
                                   args.val_fraction, args.test_fraction, args.overwrite)
    except BadInputError:
        raise
    except (FileNotFoundError, ValueError) as err:
        raise BadInputError(str(err)) from None
    print(f"wrote {len(summary.written)} motions under {Path(args.output_dir) / 'CMU_BVH'}")
    print(f"wrote BABEL-style labels: {', '.join(str(p) for p in summary.babel_files)}")
    for name, reason in summary.skipped:
        print(f"skipped {name}: {reason}")


if __name__ == "__main__":
    sys.exit(main())
