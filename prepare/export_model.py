"""Strip a training checkpoint down to what inference needs, for shipping.

    python -m prepare.export_model exps/smog_builtin_run/checkpoint_0020.pth.tar exps/smog_builtin/checkpoint.pth.tar

The result is still a self-describing SMoG checkpoint (config, weights, statistics, epoch, training
options): every command loads it. The optimizer and scheduler states (twice the weights' size) are
dropped, so it cannot be resumed. (For float16 storage use ``SMoG.save_pretrained(dir, half=True)``.)
Written atomically.
"""

import argparse
import sys
from pathlib import Path

from src.models.get_model import load_checkpoint, save_checkpoint


def export(src: Path, dst: Path) -> Path:
    """Load ``src`` strictly and write it again without optimizer and scheduler states."""
    model, ckpt = load_checkpoint(src, device="cpu", strict=True)
    return save_checkpoint(dst, model, epoch=ckpt["epoch"], opt=ckpt["opt"],
                           extra={**ckpt.get("extra", {}), "exported_from": str(src)})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prepare.export_model", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("destination", type=Path)
    opt = parser.parse_args(argv)
    try:
        out = export(opt.source, opt.destination)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
