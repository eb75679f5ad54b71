"""Render a joints ``.npy`` (T, 22, 3), Y-up metres, as a stick-figure GIF/MP4 or a PNG strip of frames.

    python -m src.visualize.anim motion.npy --fps 20 --out motion.gif --title "a person walks"

Drawing conventions are in ``src.rendering.anim``. Exit codes as every command (``src.errors``):
0 done, 2 an unreadable input or unusable options.
"""

import sys

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
    try:
        if out.suffix.lower() == ".png":
            written = render_frames_png(joints, out, args.frames, fps=fps, title=args.title)
        else:
            written = render_animation(joints, out, fps, title=args.title)
    except ValueError as err:
        raise BadInputError(str(err)) from None
    print(f"wrote {written}")


if __name__ == "__main__":
    sys.exit(main())
