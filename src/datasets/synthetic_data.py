"""The built-in procedural motion dataset, written in the real AMASS and BABEL formats.

The library behind this command (its options are in ``src.parser.data``):

    python -m src.datasets.synthetic --output_dir data/synthetic --num_sequences 2000 --seed 0

Writes, under ``--output_dir``:
    amass/Synthetic/subject_XX/<id>_poses.npz   AMASS SMPL+H "G" files: poses (T,156) axis-angle
                                                (root 0:3 and body joints 1..21 in 3:66, hands zero),
                                                trans (T,3) metres Z-up, betas (16,), gender, mocap_framerate,
                                                dmpls (T,8) zeros
    babel/{train,val,test}.json                 BABEL-style annotations (deterministic ~80/10/10 split)
    meta.json                                   seed, fps, actions, and each sequence's sampled parameters
    README.md                                   what the folder is

Unlike the real BABEL release, ``test.json`` keeps its labels (texts and categories), because the
project evaluates on them. Motions are made for the built-in skeleton (``BuiltinSkeleton``); only
``betas[0]`` (the body size) is non-zero. The same seed gives byte-identical files.
"""

import json
import sys
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

from src import config
from src.datasets.formats import amass_io
from src.datasets.procedural import captions as captions_mod
from src.datasets.procedural import ACTIONS as _ACTIONS
from src.datasets.procedural.sequence import generate_sequence, sample_chain
from src.utils import rotation
from src.utils.fileio import write_text_atomic

ACTIONS: List[str] = list(_ACTIONS)
ACTION_CAPTIONS: Dict[str, List[str]] = captions_mod.ACTION_CAPTIONS
AMASS_SUBSET = "Synthetic"
BABEL_SUBSET = "Synthetic"
NUM_SUBJECTS = 20
GENDERS = ("male", "female", "neutral")
SPLIT_FRACTIONS = (("train", 0.8), ("val", 0.1), ("test", 0.1))


def subject_body(seed: int, subject: int):
    """(betas (16,), gender) of one synthetic subject; every sequence of that subject shares them."""
    rng = np.random.default_rng([seed, 1_000_000 + subject])
    betas = np.zeros(config.NUM_BETAS)
    betas[0] = float(np.clip(rng.normal(0.0, 0.8), -2.0, 2.0))
    return betas, GENDERS[subject % len(GENDERS)]


def plan_sequence(seed: int, index: int, chain_fraction: float, action_order: List[str]):
    """Actions and rng of sequence ``index``: the primary action cycles through ``action_order``."""
    rng = np.random.default_rng([seed, index])
    primary = action_order[index % len(action_order)]
    return sample_chain(primary, rng, chain_fraction), rng


def amass_arrays(motion: Dict, gender: str) -> Dict[str, np.ndarray]:
    """A ``generate_sequence`` result as the arrays of an AMASS SMPL+H "G" file (Z-up)."""
    rotmats = rotation.axis_angle_to_matrix(torch.from_numpy(motion["rotvec"]).double())
    return amass_io.to_amass_arrays(rotmats, torch.from_numpy(motion["trans"]).double(), motion["fps"],
                                    motion["betas"], gender)


def assign_splits(num: int, seed: int) -> List[str]:
    """Deterministic ~80/10/10 split; with 3 or more sequences val and test get at least one each."""
    order = np.random.default_rng([seed, 2_000_000]).permutation(num)
    n_val = int(round(SPLIT_FRACTIONS[1][1] * num))
    n_test = int(round(SPLIT_FRACTIONS[2][1] * num))
    if num >= 3:
        n_val, n_test = max(n_val, 1), max(n_test, 1)
    split = ["train"] * num
    for i in order[:n_val]:
        split[i] = "val"
    for i in order[n_val:n_val + n_test]:
        split[i] = "test"
    return split


def _label(text: str, seg_id: str, act: List[str], start: float, end: float) -> Dict:
    return {"raw_label": text, "proc_label": text, "seg_id": seg_id, "act_cat": act,
            "start_t": round(start, 4), "end_t": round(end, 4)}


def babel_entry(sid: int, feat_p: str, motion: Dict, dur: float) -> Dict:
    """One BABEL annotation; ``frame_ann`` is null for single actions, else one label per segment."""
    actions = motion["actions"]
    seq = {"babel_lid": f"syn-seq-{sid}", "anntr_id": "procedural", "mul_act": len(actions) > 1,
           "labels": [_label(motion["caption"], f"syn-{sid}-seq", list(actions), 0.0, dur)]}
    frame = None
    if len(actions) > 1:
        frame = {"babel_lid": f"syn-frame-{sid}", "anntr_id": "procedural", "mul_act": True,
                 "labels": [_label(text, f"syn-{sid}-{k}", [act], start, end)
                            for k, (start, end, text, act) in enumerate(motion["labels"])]}
    return {"babel_sid": sid, "url": "", "feat_p": feat_p, "dur": round(dur, 4), "seq_ann": seq, "frame_ann": frame}


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return round(float(x), 5)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def build_one(seed: int, index: int, fps: float, chain_fraction: float, action_order: List[str], out: Path):
    """Generate and write sequence ``index``; returns its BABEL entry and metadata."""
    actions, rng = plan_sequence(seed, index, chain_fraction, action_order)
    subject = index % NUM_SUBJECTS
    betas, gender = subject_body(seed, subject)
    motion = generate_sequence(actions, rng, fps, betas=betas, gender=gender)
    name = f"{index:05d}_{actions[0]}" + ("_chain" if len(actions) > 1 else "")
    rel = f"{AMASS_SUBSET}/subject_{subject:02d}/{name}_poses.npz"
    amass_io.write_amass_npz(out / "amass" / rel, amass_arrays(motion, gender))
    n = motion["rotvec"].shape[0]
    dur = n / fps
    entry = babel_entry(index, f"{BABEL_SUBSET}/{rel}", motion, dur)
    meta = {"file": f"amass/{rel}", "subject": subject, "gender": gender, "beta0": betas[0],
            "actions": actions, "caption": motion["caption"], "num_frames": n, "duration": dur,
            "start_yaw": motion["yaw0"],
            "segments": [{"start": s, "end": e, "caption": c, "action": a} for s, e, c, a in motion["labels"]],
            "params": motion["params"]}
    return entry, _jsonable(meta)


def _work(job):
    return build_one(*job)


def write_dataset(output_dir, num_sequences: int, seed: int = 0, fps: float = config.SMOG_FPS,
                  chain_fraction: float = 0.25, num_workers: int = 1, progress: bool = True,
                  splits=config.SPLITS) -> Dict:
    """Write the dataset; returns a summary (counts per split, seconds taken).

    Args:
        splits: write only the sequences of these splits (the others' annotation files are written
            empty). Each sequence depends only on (seed, index), so a split written alone is the
            same as that split of the whole dataset: ``("test",)`` is what an evaluation needs.
    """
    out = Path(output_dir)
    start = time.time()
    action_order = [ACTIONS[i] for i in np.random.default_rng([seed, 3_000_000]).permutation(len(ACTIONS))]
    split_of = assign_splits(num_sequences, seed)
    chosen = [i for i in range(num_sequences) if split_of[i] in splits]
    jobs = [(seed, i, fps, chain_fraction, action_order, out) for i in chosen]
    if num_workers > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(num_workers, initializer=torch.set_num_threads, initargs=(1,)) as pool:
            results = pool.map(_work, jobs, chunksize=max(1, len(jobs) // (8 * num_workers)))
    else:
        results = []
        for k, job in enumerate(jobs):
            results.append(_work(job))
            if progress and sys.stderr.isatty() and (k + 1) % 100 == 0:
                print(f"\r{k + 1}/{len(jobs)}", end="", file=sys.stderr, flush=True)
    babel = {name: {} for name, _ in SPLIT_FRACTIONS}
    written = [name for name in babel if name in splits]
    sequences = {}
    for i, (entry, meta) in zip(chosen, results):
        babel[split_of[i]][str(i)] = entry
        sequences[str(i)] = dict(meta, split=split_of[i])
    for name, entries in babel.items():
        write_text_atomic(out / "babel" / f"{name}.json", json.dumps(entries, sort_keys=True))
    meta = {"generator": "src.datasets.synthetic", "seed": seed, "num_sequences": num_sequences, "fps": fps,
            "chain_fraction": chain_fraction, "actions": ACTIONS, "action_captions": ACTION_CAPTIONS,
            "skeleton": "builtin", "splits_written": written,
            "sequences": sequences}
    write_text_atomic(out / "meta.json", json.dumps(_jsonable(meta), sort_keys=True, indent=1))
    write_text_atomic(out / "README.md", _readme(seed, num_sequences, fps, written))
    return {"output_dir": str(out), "splits": {k: len(v) for k, v in babel.items()}, "seconds": time.time() - start}


def _readme(seed, num, fps, splits) -> str:
    only = "" if len(splits) == len(SPLIT_FRACTIONS) else f" --splits {' '.join(splits)}"
    return (
        "# Synthetic procedural motions (SMoG built-in dataset)\n\n"
        f"Generated by `python -m src.datasets.synthetic --num_sequences {num} --seed {seed} --fps {fps:g}{only}`.\n"
        f"{len(ACTIONS)} actions, SMPL-24 rotations with a real root trajectory, built-in skeleton.\n\n"
        "- `amass/Synthetic/subject_XX/*_poses.npz`: AMASS SMPL+H \"G\" layout (Z-up `trans`, axis-angle "
        "`poses` (T,156), hands zero, `betas[0]` = body size).\n"
        "- `babel/{train,val,test}.json`: BABEL layout; `feat_p` starts with the BABEL subset name. "
        "Unlike the real BABEL release, `test.json` keeps its label texts and categories (needed for evaluation).\n"
        "- `meta.json`: seed, actions, captions, and every sequence's sampled parameters.\n"
    )
