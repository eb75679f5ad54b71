"""The built-in procedural motion dataset, written in the real AMASS and BABEL formats.

    python -m src.datasets.synthetic --output_dir data/synthetic --num_sequences 2000 --seed 0

What is written: ``src.datasets.synthetic_data``. Exit codes as every command (``src.errors``): 0 done,
2 unusable options or an output folder already holding a dataset without ``--overwrite`` (``--quick``: one
sequence per action, for smoke tests).
"""

import sys
from pathlib import Path

from src import cli
from src.errors import BadInputError
from src.parser.data import synthetic_parser


def main(argv=None) -> int:
    return cli.run(synthetic_parser(), _write, argv)


def _write(args) -> None:
    import torch  # after parsing: option errors and --help never wait for torch

    from src.datasets.synthetic_data import ACTIONS, write_dataset

    out = Path(args.output_dir)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"--output_dir {args.output_dir} exists and is not a directory")
    earlier = [p for p in (out / "babel", out / "amass", out / "meta.json") if p.exists()]
    if earlier and not args.overwrite:  # a smaller new set would leave the old one's extra files in the tree
        raise BadInputError(f"--output_dir {out} already holds a dataset ({', '.join(p.name for p in earlier)}); "
                            "pass --overwrite to replace it, or choose another --output_dir")
    num_sequences = len(ACTIONS) if args.quick else args.num_sequences
    torch.set_num_threads(1)
    summary = write_dataset(args.output_dir, num_sequences, args.seed, args.fps, args.chain_fraction,
                            args.num_workers, splits=tuple(args.splits))
    print(f"wrote {sum(summary['splits'].values())} of {num_sequences} sequences to {summary['output_dir']} "
          f"(splits {summary['splits']}) in {summary['seconds']:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
