"""Generate motions from a file of text prompts and write them in every export format.

    python -m src.visualize.text2motion [CHECKPOINT] --input_file assets/paper_texts.txt \
        [--output_dir DIR] [--duration 4] [--num_samples 1] [--seed 10] [--fps F] [--temperature 1] \
        [--sampler diffusion|regression] [--guidance_scale G] [--steps N] \
        [--device auto|cpu|cuda] [--overwrite] [--no_animation] [--renderer pil|matplotlib] [--batch_size 1]

CHECKPOINT defaults to the shipped model (``src.api.DEFAULT_CHECKPOINT``); the checkpoint describes
the model completely, so no dataset is needed; everything runs on the CPU without network.
Prompt file: one prompt per line, ``text#seconds`` for a duration of its own (``#`` means
seconds, not frames), ``#`` comment lines (``src.visualize.prompts``). Each prompt gives
``--num_samples`` motions (they differ when a checkpoint with a diffusion prior samples them, the
default for such checkpoints, and for variational models; ``--num_samples_per_action`` is the
original's name) of T = round(duration x fps) frames. ``--fps`` is the frame rate of the files
(default: the model's); motions are generated at the model's rate and resampled (slerp).
``--seed`` makes runs repeat exactly; prompt i draws its samples from seed + i. ``--batch_size``
prompts go to the model per call and their files are written before the next call, so a crash late
in a long prompt file keeps what was written (the manifest is written once, last).

Outputs in DIR (default ``<checkpoint folder>/text2motion/<prompt file name>``), listed in
``src.visualize.exporters``: per prompt and sample ``<index:02d>_<slug>_s<sample>.{npy,npz,bvh,gif}``,
grid pages of 16 (the first sample of every prompt, titled with the prompt: ``grid.gif``, or
``grid_01.gif``, ``grid_02.gif``, ... for more than 16 prompts) and ``manifest.json``, written last.
The GIFs are drawn by the Pillow renderer (``src.rendering.stick``), or by matplotlib with
``--renderer matplotlib`` (about 12x slower). Existing files are never replaced without ``--overwrite``.

Exit codes (``src.errors``): 0 done; 2 bad arguments or input file, outputs already present or not
writable; 3 the checkpoint cannot be used (missing, unreadable, incompatible, text backbone not
installed); 1 a bug. The work is ``src.visualize.generation.text2motion``.
"""

import sys
from typing import Optional, Sequence

from src import cli
from src.parser.generation import text2motion_parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    return cli.run(text2motion_parser(), _generate, argv)


def _generate(args) -> None:
    from src.visualize import generation  # after parsing: option errors and --help never wait for torch

    generation.text2motion(args)


if __name__ == "__main__":
    sys.exit(main())
