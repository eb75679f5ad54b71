"""Strip a training checkpoint down to what inference needs, for shipping.

    python -m prepare.export_model exps/smog_builtin_run/checkpoint_0020.pth.tar exps/smog_builtin/checkpoint.pth.tar

The result is still a self-describing SMoG checkpoint (config, weights, statistics, epoch, training
options): every command loads it. The optimizer and scheduler states (twice the weights' size) are
dropped, so it cannot be resumed. ``--half`` stores the floating parameters as float16 (half the
size; buffers such as the KAN grids and feature statistics stay float32; loaded as float32).
``--default_steps`` / ``--default_guidance_scale`` change the diffusion prior's sampling defaults
(what generation uses when no ``--steps`` / ``--guidance_scale`` is given), e.g. to ship a model
that samples in 10 DDIM steps, and ``--timestep_spacing`` where those steps sit; the weights are
unchanged. Written atomically. Exit codes (``src.errors``): 0 done, 2 bad arguments, 3 an unusable checkpoint.
"""

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Optional

from src.errors import BadInputError, run_command
from src.models.config import TIMESTEP_SPACINGS


def export(src: Path, dst: Path, half: bool = False, default_steps: Optional[int] = None,
           default_guidance_scale: Optional[float] = None, timestep_spacing: Optional[str] = None) -> Path:
    """Load ``src`` strictly and write it again without optimizer and scheduler states.

    Args:
        default_steps, default_guidance_scale, timestep_spacing: new sampling settings of the prior
            (None: kept).
    Raises:
        ModelFilesError: ``src`` is missing, unreadable or its weights do not fit its config.
        BadInputError: a sampling default for a checkpoint without a prior, or an invalid one.
    """
    # The model stack (torch, seconds to import) loads after the arguments are parsed.
    from src.models.backbones import Backbones
    from src.models.checkpoint import save_checkpoint
    from src.models.smog import SMoGModel

    # No backbone: nothing is encoded, and the file names its backbone by name only.
    model, ckpt = SMoGModel.from_checkpoint(src, device="cpu", strict=True, backbones=Backbones())
    defaults = {k: v for k, v in (("steps", default_steps), ("guidance_scale", default_guidance_scale),
                                  ("timestep_spacing", timestep_spacing)) if v is not None}
    if defaults:
        if model.prior is None:
            raise BadInputError(f"--default_steps / --default_guidance_scale / --timestep_spacing: {src} has no "
                                "diffusion prior")
        model.prior.config = dataclasses.replace(model.prior.config, **defaults)  # validated on creation
    return save_checkpoint(dst, model, epoch=ckpt["epoch"], opt=ckpt["opt"],
                           extra={**ckpt.get("extra", {}), "exported_from": str(src)}, half=half)


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(prog="python -m prepare.export_model", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    out.add_argument("source", type=Path)
    out.add_argument("destination", type=Path)
    out.add_argument("--half", action="store_true", help="store the floating parameters as float16")
    out.add_argument("--default_steps", type=int, default=None,
                     help="DDIM steps generation uses when none is given (the prior's; default: kept)")
    out.add_argument("--default_guidance_scale", type=float, default=None,
                     help="guidance scale generation uses when none is given (the prior's; default: kept)")
    out.add_argument("--timestep_spacing", choices=TIMESTEP_SPACINGS, default=None,
                     help="where the prior's DDIM steps sit (see train_prior --help; default: kept)")
    return out


def _main(argv=None) -> None:
    opt = parser().parse_args(argv)
    out = export(opt.source, opt.destination, opt.half, opt.default_steps, opt.default_guidance_scale,
                 opt.timestep_spacing)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


def main(argv=None) -> int:
    return run_command(_main, argv, prog="python -m prepare.export_model")


if __name__ == "__main__":
    sys.exit(main())
