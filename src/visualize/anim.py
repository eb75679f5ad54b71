"""Render a joints ``.npy`` (T, 22, 3), Y-up metres, as a stick-figure GIF/MP4 or a PNG strip of frames.

    python -m src.visualize.anim motion.npy --fps 20 --out motion.gif --title "a person walks" [--renderer matplotlib]

Drawing conventions are in ``src.rendering.anim``. An existing output file is kept unless
``--overwrite`` is given (as every command). Exit codes as every command (``src.errors``):
0 done, 2 an unreadable input, unusable options or an output that exists.
"""

import shutil
import sys
from pathlib import Path

import numpy as np

from src import cli, config
from src.errors import BadInputError
from src.parser.generation import anim_parser
from src.rendering.anim import render_animation, render_frames_png


def main(argv=None) -> int:
    return cli.run(anim_parser(), _render, argv)


def _render(args) -> None:
    fps = args.fps
    if fps is None:
        fps = config.HUMANML3D_FPS
        print(f"--fps not given: assuming {fps:g} fps (HumanML3D)")
    try:
        joints = np.load(args.input)
    except (OSError, ValueError) as err:
        raise BadInputError(f"cannot read {args.input}: {err}") from None
    out = args.out or args.input.with_suffix(".gif")
    _check_output(out, args.input, args.overwrite)
    try:
        if out.suffix.lower() == ".png":
            written = render_frames_png(joints, out, args.frames, fps=fps, title=args.title, renderer=args.renderer)
        else:
            written = render_animation(joints, out, fps, title=args.title, renderer=args.renderer)
    except ValueError as err:
        raise BadInputError(str(err)) from None
    print(f"wrote {written}")


def _check_output(out: Path, source: Path, overwrite: bool) -> None:
    """BadInputError unless ``out`` may be written: never the input itself, and an existing file
    only with ``--overwrite``. Without ffmpeg an .mp4 is written as the .gif beside it, so that
    file is the one checked."""
    if out.resolve() == source.resolve():
        raise BadInputError(f"--out {out} is the input file: choose another name")
    written = out.with_suffix(".gif") if out.suffix.lower() == ".mp4" and shutil.which("ffmpeg") is None else out
    if written.exists() and not overwrite:
        raise BadInputError(f"{written} already exists: pass --overwrite to replace it")


if __name__ == "__main__":
    sys.exit(main())
