"""Train SMoG: ``python -m src.train.train --dataset builtin --folder exps/smog ...``.

Multi-GPU: ``torchrun --nproc_per_node N -m src.train.train ...`` (gloo on CPUs).
Exit codes: 0 done, 2 unusable options or inputs (bad device, missing data or checkpoint,
a --resume checkpoint of another architecture, an --init_from checkpoint without the asked loss
modules), with the reason on stderr. Set SMOG_DEBUG=1 to get the full traceback instead (these
error types can also come from a bug).
"""

import os
import sys

from src.parser.training import parse_training_args


def main(argv=None) -> int:
    opt = parse_training_args(argv)
    from src.models.get_model import CheckpointMismatchError  # heavy imports after argument errors are reported
    from src.train.trainer import train

    try:
        last = train(opt)
    except CheckpointMismatchError as err:
        if opt.resume:
            print(f"error: --resume {opt.resume}: {err}\n(resume with the options the checkpoint was trained with; "
                  f"they are in its opt.yaml)", file=sys.stderr)
        else:  # --init_from: the message names the checkpoint
            print(f"error: {err}\n(a fine-tuning run keeps the checkpoint's loss modules: use its "
                  f"--clip_text_losses)", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError, NotImplementedError) as err:  # DeviceError is a ValueError
        if os.environ.get("SMOG_DEBUG"):
            raise
        print(f"error: {err} ({type(err).__name__}; SMOG_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 2
    if last is not None:
        print(f"checkpoint: {last}\nlogs: {opt.folder}/training.log, losses.csv, loss_curve.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
