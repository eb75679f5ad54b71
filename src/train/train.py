"""Train SMoG: ``python -m src.train.train --dataset builtin --folder exps/smog ...``.

Multi-GPU: ``torchrun --nproc_per_node N -m src.train.train ...`` (gloo on CPUs).
"""

import sys

from src.parser.base import DeviceError
from src.parser.training import parse_training_args


def main(argv=None) -> int:
    opt = parse_training_args(argv)
    from src.train.trainer import train  # heavy imports after argument errors are reported

    try:
        last = train(opt)
    except (DeviceError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if last is not None:
        print(f"checkpoint: {last}\nlogs: {opt.folder}/training.log, losses.csv, loss_curve.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
