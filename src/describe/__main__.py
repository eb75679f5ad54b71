"""Describe a motion in structured plain text (or JSON): joint angles and their phases, repetitions,
the global trajectory and the most active joints. Rule-based and deterministic; no model needed.

    python -m src.describe MOTION [--top_k 3] [--format text|json] [--fps 20]
    python -m src.describe MOTION --caption [CHECKPOINT]   # + closest training captions, with scores

MOTION is a joints .npy (T, 22, 3) Y-up metres (``--fps``, default 20), an AMASS-style .npz or a CMU
.bvh; every motion is described at 20 fps. The angles, the phase threshold and the wording are
documented in docs/describe.md. Exit codes as every command (``src.errors``): 2 for an unusable
motion file or option, 3 for an unusable checkpoint (``--caption``).
"""

import sys

from src import cli
from src.errors import BadInputError
from src.parser.understanding import DEFAULT_MODEL, describe_parser


def main(argv=None) -> int:
    return cli.run(describe_parser(__doc__), _describe, argv)


def _describe(args) -> None:
    # The library is imported only once the options are known (--help never waits for torch).
    from src import config
    from src.datasets.formats.motion_file import read_motion
    from src.describe import describe_joints, to_json, to_text
    from src.utils.fileio import write_text_atomic

    if args.output is not None and args.output.exists() and not args.overwrite:
        raise BadInputError(f"{args.output} exists (add --overwrite to replace it)")
    clip = read_motion(args.motion, fps=args.fps, target_fps=config.METRIC_FPS)
    description = describe_joints(clip.joints, clip.fps, top_k=args.top_k)
    description["source"] = str(args.motion)
    if args.caption is not None:
        from src.retrieval.captions import caption_motion

        checkpoint = None if args.caption == DEFAULT_MODEL else args.caption
        description["captions"] = caption_motion(clip, str(args.motion), checkpoint, args.num_captions, args.captions,
                                                 args.device, args.force_device)
    rendered = to_json(description) if args.format == "json" else to_text(description)
    if args.output is None:
        sys.stdout.write(rendered)
    else:
        write_text_atomic(args.output, rendered)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
