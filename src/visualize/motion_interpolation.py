"""Motion interpolation in the latent space: evenly spaced stops between two texts or motions.

    python -m src.visualize.motion_interpolation [CHECKPOINT] --input_file assets/paper_interps.csv \
        [--num_stops 5] [--output_dir DIR] [--duration S] [--fps F] [--seed S] [--device ...] \
        [--overwrite] [--no_animation]

Table columns ``start,end`` (optional ``duration``, seconds), as the original; a cell is a caption,
or an AMASS-style ``.npz`` motion file when it ends in ``.npz`` (relative to the current directory
or to the table). Both ends are embedded as the model normalises latents (unsampled means); stop k
of K decodes normalise((1 - w) a + w b) with w = k / (K - 1), so stop 0 is the start and stop K-1
the end as the model reconstructs them.

Outputs as ``text2motion`` (``src.visualize.exporters``): ``<row:02d>_<slug>_s<k>`` for stop k,
``grid.gif`` with one row of stops per table row (pages of 16 // K rows: ``grid_01.gif``, ... when
more). Duration: the row's, else ``--duration``, else
the first motion end's own length, else 4 s.

Exit codes as every command (``src.errors``): 0 done, 2 bad options, table or outputs, 3 unusable
checkpoint. The work is ``src.visualize.generation.motion_interpolation``.
"""

import sys
from typing import Optional, Sequence

from src import cli
from src.parser.generation import motion_interpolation_parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    return cli.run(motion_interpolation_parser(), _run, argv)


def _run(args) -> None:
    from src.visualize import generation  # after parsing: option errors and --help never wait for torch

    generation.motion_interpolation(args)


if __name__ == "__main__":
    sys.exit(main())
