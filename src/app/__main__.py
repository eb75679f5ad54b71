"""A local web demo of a model.

    python -m src.app [CHECKPOINT] [--host 127.0.0.1] [--port 7860] [--device auto|cpu|cuda]

Loads the model once (default: the shipped one) and serves a page at http://127.0.0.1:7860/: type
prompts (one per line, ``text#seconds`` as in a prompt file), set the duration, samples and seed
(and the diffusion sampler's options when the checkpoint has a prior), press Generate, and each
motion plays as a 3D stick figure (drag to orbit, wheel to zoom, play/pause, scrub) with its
``.npy``, ``.npz``, ``.bvh`` and GIF to download. No network is used: every script and style comes
from this server. ``/?prompt=a+person+jumps&autorun=1`` fills in the prompt and generates at once.

Exit codes (``src.errors``): 0 stopped with Ctrl-C; 2 bad options or an address that cannot be
used (port taken); 3 the checkpoint cannot be used. The work is ``src.app.server``.
"""

import sys
from typing import Optional, Sequence

from src import cli
from src.parser.generation import app_parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    return cli.run(app_parser(), _serve, argv)


def _serve(args) -> None:
    from src.app import server  # after parsing: option errors and --help never wait for torch
    from src.visualize.generation import open_model

    server.serve(open_model(args), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
