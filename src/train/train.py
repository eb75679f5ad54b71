"""Train SMoG: ``python -m src.train.train --dataset builtin --folder exps/smog ...``.

Multi-GPU: ``torchrun --nproc_per_node N -m src.train.train ...`` (gloo on CPUs).
Exit codes (``src.errors``): 0 done; 2 unusable options or inputs (bad device, missing data), 3 an
unusable checkpoint (--resume or --init_from missing, unreadable, of another architecture, or
without the asked loss modules); 1 a bug. The reason goes to stderr in one line; SMOG_DEBUG=1
shows the full traceback of a data error instead (those error types can also come from a bug).
"""

import os
import sys

from src.errors import BadInputError, run_command
from src.parser.training import parse_training_args

PROG = "python -m src.train.train"


def _main(argv=None) -> None:
    opt = parse_training_args(argv)  # no torch yet: option errors come at once
    # The model stack (torch, seconds to import) loads only once the options are known to be usable.
    from src.train.trainer import train

    try:
        last = train(opt)
    except (FileNotFoundError, ValueError, NotImplementedError) as err:  # the data readers' errors
        if os.environ.get("SMOG_DEBUG") or isinstance(err, BadInputError):
            raise
        raise BadInputError(f"{err} ({type(err).__name__}; SMOG_DEBUG=1 shows the traceback)") from err
    if last is not None:
        print(f"checkpoint: {last}\nlogs: {opt.folder}/training.log, losses.csv, loss_curve.png")


def main(argv=None) -> int:
    return run_command(_main, argv, prog=PROG)


if __name__ == "__main__":
    sys.exit(main())
