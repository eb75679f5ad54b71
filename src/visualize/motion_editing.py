"""MotionCLIP-style motion editing by latent arithmetic: ``base - v_start + v_end``.

    python -m src.visualize.motion_editing [CHECKPOINT] --input_file assets/paper_edits.csv \
        [--output_dir DIR] [--duration S] [--fps F] [--seed S] [--device ...] [--overwrite] [--no_animation]

Table columns ``motion_source,base,v_start,v_end`` (optional ``duration``, seconds), as the original:
``motion_source`` is ``text`` (``base`` is a caption) or ``data`` (``base`` is an AMASS-style ``.npz``
motion file, relative to the current directory or to the table). ``v_start`` and ``v_end`` are
captions (a ``.npz`` cell there is a motion too). Every operand is embedded as the model normalises
latents (the unsampled means), the result ``base - v_start + v_end`` is normalised again and decoded.

Per row two clips are written, with the outputs of ``text2motion`` (``src.visualize.exporters``):
``<row:02d>_<slug>_s0`` the base decoded unchanged, ``_s1`` the edited motion; ``grid.gif`` shows
them side by side, one row per edit (8 rows a page: ``grid_01.gif``, ... for longer tables). Duration: the row's, else ``--duration``, else the base
motion's own length (``data``), else 4 s.

Exit codes as every command (``src.errors``): 0 done, 2 bad options, table or outputs, 3 unusable
checkpoint. The work is ``src.visualize.generation.motion_editing``.
"""

import sys
from typing import Optional, Sequence

from src import cli
from src.parser.generation import motion_editing_parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    return cli.run(motion_editing_parser(), _run, argv)


def _run(args) -> None:
    from src.visualize import generation  # after parsing: option errors and --help never wait for torch

    generation.motion_editing(args)


if __name__ == "__main__":
    sys.exit(main())
