"""One exit-code table and the errors that map onto it, shared by every command.

    0  done
    1  a bug (an exception nobody expected); the traceback is printed
    2  bad input or options: a prompt file, a dataset, an argument, an output folder
    3  an unusable checkpoint or model file (missing, corrupt, mismatched, untrusted)

Library code raises :class:`BadInputError` or :class:`ModelFilesError` (or a subclass) with a
message that names the file, line or argument; :func:`run_command` turns them into one line on
stderr and the exit code above. This module imports nothing heavy, so parsing a command's
arguments stays fast.
"""

import sys
from typing import Callable, Optional, Sequence

EXIT_OK = 0
EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_BAD_MODEL = 3


class SMoGError(Exception):
    """Base of the errors a command reports in one line (no traceback)."""

    exit_code = EXIT_BUG


class BadInputError(SMoGError, ValueError):
    """Input files, options or output folders the command cannot use (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class ModelFilesError(SMoGError, RuntimeError):
    """A checkpoint, pretrained folder or model file that cannot be used (exit 3)."""

    exit_code = EXIT_BAD_MODEL


def run_command(main: Callable[[Optional[Sequence[str]]], Optional[int]], argv: Optional[Sequence[str]] = None,
                prog: str = "smog") -> int:
    """Run ``main(argv)`` and return its exit code per the table above.

    Args:
        main: the command's body; returns None or an exit code; raises ``SMoGError`` subclasses
            for expected failures. argparse's own ``SystemExit`` (2 for bad options, 0 for
            ``--help``) passes through unchanged.
        argv: arguments (default: ``sys.argv[1:]``).
        prog: the name printed before a one-line error.
    """
    try:
        code = main(argv)
    except SMoGError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    return EXIT_OK if code is None else int(code)
