"""The shape every command shares: parse the options (torch-free), then run the body under the
exit-code table of :mod:`src.errors`, with warnings printed as one line each.

A command module is thin: ``main(argv)`` calls :func:`run` with its parser (from ``src/parser/``) and
a body that imports the library only once the options are known, so ``--help`` and option errors
never wait for torch.
"""

import argparse
import sys
import warnings
from typing import Callable, Optional, Sequence

from src.errors import run_command


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr if file is None else file)


def run(parser: argparse.ArgumentParser, body: Callable[[argparse.Namespace], Optional[int]],
        argv: Optional[Sequence[str]] = None) -> int:
    """Parse ``argv`` with ``parser`` and run ``body(args)``; returns the exit code.

    Args:
        parser: the command's parser; its errors return argparse's code (2; 0 for ``--help``)
            instead of raising, so callers and tests get a code from every path.
        body: the command; returns None or a code, raises ``src.errors.SMoGError`` for expected
            failures (one line on stderr, the table's code).
        argv: arguments (default ``sys.argv[1:]``).
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _one_line_warning
        return run_command(lambda _: body(args), prog=parser.prog)
