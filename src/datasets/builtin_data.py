"""The built-in data of the shipped models, made on demand, one split at a time.

    python -m src.datasets.builtin_data [--splits test] [--datapath data/synthetic10k_db/babel_20fps_db.pt]

The committed models (exps/smog_builtin, exps/smog_phase, exps/smog_hml) and the shipped evaluator
were trained on the built-in procedural data of one recipe (``RECIPE``: 10,000 sequences, seed 1,
made at 30 fps and parsed at 20 fps, as the data commands of exps/smog_builtin/command.sh). The
generator gained three actions at commit 2062b21: the shipped model's last stages saw that 42-action
data, which this module makes at later commits (the same motions; since a0c61d0 some turn-around and
circle captions also name their side, since 0f0a9c9 some quarter turns their degrees); exps/smog_hml and the evaluator saw the 39-action
data of before (made in a checkout of bd2ac19). Every
sequence depends only on (seed, index), so one split can be made without the others and is the
same as that split of the whole dataset. An evaluation needs only the test split: 1,000
sequences, about a tenth of the time and disk of the whole set. ``evaluate_model.py`` calls
``ensure_split`` itself when the built-in data it needs is absent.

The raw AMASS/BABEL files are generated into a temporary folder and parsed into the db file
(``<prefix>_<split>.pt`` beside ``--datapath``), then deleted: only the db file is kept (the cache).
"""

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterable

from src import cli, config
from src.datasets.formats import db
from src.parser.types import int_at_least

# The recipe of the shipped models' data (exps/smog_builtin/command.sh: its two data commands).
# Generated at 30 fps (the generator's default) and resampled to 20 fps by the parser.
RECIPE = {"num_sequences": 10_000, "seed": 1, "fps": 30.0, "chain_fraction": 0.25, "target_fps": 20.0}
DATAPATH = config.DATA_DIR / "synthetic10k_db" / "babel_20fps_db.pt"


def ensure_split(split: str, datapath=DATAPATH, num_workers: int = 1, log: Callable[[str], None] = print,
                 recipe: dict = None) -> Path:
    """The db file of the built-in recipe's ``split`` at ``datapath``, made first if absent.

    Args:
        split: train, val or test.
        datapath: a db path (``<folder>/babel_20fps_db.pt``); its split file is what is made.
        num_workers: processes generating the sequences.
        log: where the one-line notices go.
        recipe: the generator's options (default ``RECIPE``; tests make small sets).
    Returns:
        the split file's path.
    """
    from src.datasets.amass_db import build_db  # torch and the generator only when something is made
    from src.datasets.synthetic_data import write_dataset

    recipe = recipe or RECIPE
    split = db.canonical_split(split)
    target = db.split_path(datapath, split)
    if target.is_file():
        return target
    log(f"making the built-in {split} split ({recipe['num_sequences']:,} sequences in all, seed {recipe['seed']}, "
        f"{recipe['target_fps']:g} fps; only this split's sequences) into {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smog_builtin_", dir=target.parent) as tmp:
        raw = Path(tmp) / "synthetic"
        summary = write_dataset(raw, recipe["num_sequences"], recipe["seed"], recipe["fps"], recipe["chain_fraction"],
                                num_workers=num_workers, progress=False, splits=(split,))
        args = SimpleNamespace(dataset_name="babel", input_dir=str(raw / "amass"), babel_dir=str(raw / "babel"),
                               output_dir=str(Path(tmp) / "db"), target_fps=recipe["target_fps"], splits=[split],
                               quick_run=False, overwrite=False)
        with contextlib.redirect_stdout(io.StringIO()):  # its log names files deleted with the folder
            build_db(args)
        made = Path(args.output_dir) / db.db_filename("babel", recipe["target_fps"], split)
        made.replace(target)  # same folder, so the rename is atomic: never a half-written cache
    log(f"made {target} ({summary['splits'][split]} sequences in {summary['seconds']:.0f} s of generation)")
    return target


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m src.datasets.builtin_data", description=__doc__.split("\n\n")[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--splits", nargs="+", default=["test"], choices=config.SPLITS + tuple(config.SPLIT_ALIASES),
                   help="the splits to make (default: test, what an evaluation needs)")
    p.add_argument("--datapath", type=Path, default=DATAPATH, help=f"the db path (default {DATAPATH})")
    p.add_argument("--num_workers", type=int_at_least(1), default=1, help="generating processes")
    return p


def _make(args) -> None:
    for split in dict.fromkeys(db.canonical_split(s) for s in args.splits):
        print(f"{ensure_split(split, args.datapath, args.num_workers)} is ready")


def main(argv: Iterable[str] = None) -> int:
    return cli.run(_parser(), _make, argv)


if __name__ == "__main__":
    sys.exit(main())
