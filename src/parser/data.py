"""Options of the data commands: amass_parser, bvh_import, synthetic and prepare/check_smpl_files.
Imports no torch, so option errors are instant."""

import argparse
from pathlib import Path

from src import config
from src.parser.types import float_in, fraction, int_at_least


def amass_parser_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m src.datasets.amass_parser",
                                description="Parse AMASS (and BABEL labels) into the motion db of ``src.datasets.formats.db``.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset_name", choices=("amass", "babel"), default="amass",
                   help="babel: BABEL's sequences and splits; amass: all of AMASS, official split by subset")
    p.add_argument("--input_dir", default=str(config.DATA_DIR / "amass"), help="AMASS root: <subset>/<subject>/*.npz")
    p.add_argument("--babel_dir", default=str(config.DATA_DIR / "babel_v1.0_release"), help="BABEL json files")
    p.add_argument("--output_dir", default=str(config.DATA_DIR / "amass_db"))
    p.add_argument("--target_fps", type=float_in(*config.OUTPUT_FPS_RANGE), default=config.SMOG_FPS,
                   help="frame rate of the db (10|30|60 typical)")
    p.add_argument("--quick_run", action="store_true",
                   help="only the first few files per subset (src.datasets.amass_db.QUICK_RUN_FILES)")
    p.add_argument("--splits", nargs="+", default=list(config.SPLITS),
                   choices=config.SPLITS + tuple(config.SPLIT_ALIASES), help="splits to write")
    p.add_argument("--overwrite", action="store_true", help="replace a db already in --output_dir")
    return p


def bvh_import_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m src.datasets.bvh_import",
                                description="Import CMU BVH files (B. Hahne's conversions) as AMASS-style SMPL "
                                            "``.npz`` plus BABEL-style labels.")
    p.add_argument("--input_dir", required=True, help="folder of CMU .bvh files (SS_TT.bvh)")
    p.add_argument("--labels", default="labels.tsv",
                   help="tab-separated file with columns id, description; a relative path not found from the "
                        "current folder is looked up in --input_dir")
    p.add_argument("--output_dir", required=True, help="writes CMU_BVH/<subject>/<id>_poses.npz and babel/*.json")
    p.add_argument("--fps_override", nargs="+", default=[], metavar="[ID=]FPS",
                   help="true capture rate: FPS for every file, or ID=FPS / SUBJECT=FPS per trial")
    p.add_argument("--target_fps", type=float_in(*config.OUTPUT_FPS_RANGE), default=None,
                   help="resample to this rate (default: keep the source rate)")
    p.add_argument("--val_fraction", type=float, default=0.1, help="share of trials in babel/val.json (by id hash)")
    p.add_argument("--test_fraction", type=float, default=0.1, help="share of trials in babel/test.json (by id hash)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the label files of an earlier import in --output_dir")
    return p


def synthetic_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m src.datasets.synthetic",
                                description="The built-in procedural motion dataset, written in the real AMASS and "
                                            "BABEL formats.")
    p.add_argument("--output_dir", default=str(config.DATA_DIR / "synthetic"), help="where to write the dataset")
    p.add_argument("--num_sequences", type=int_at_least(1), default=2000, help="number of sequences (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed -> same bytes)")
    p.add_argument("--fps", type=float_in(*config.OUTPUT_FPS_RANGE), default=config.SMOG_FPS,
                   help="frame rate of the motions")
    p.add_argument("--chain_fraction", type=fraction, default=0.25,
                   help="fraction of sequences chaining two or three actions")
    p.add_argument("--num_workers", type=int_at_least(1), default=1,
                   help="worker processes (output does not depend on it)")
    p.add_argument("--quick", action="store_true", help="a small set (one sequence per action) for smoke tests")
    p.add_argument("--splits", nargs="+", default=list(config.SPLITS), choices=config.SPLITS,
                   help="write only these splits' sequences (each is the same as in the whole set; an "
                        "evaluation needs only test)")
    p.add_argument("--overwrite", action="store_true", help="write over a dataset already in --output_dir")
    return p


def check_smpl_files_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m prepare.check_smpl_files", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models_dir", type=Path, default=config.MODELS_DIR)
    return parser
