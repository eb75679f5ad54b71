"""Building the motion db of ``src.datasets.formats.db`` from AMASS files and BABEL labels: the work of
``python -m src.datasets.amass_parser`` (what it writes is in that command's docstring).

``plan_babel`` keeps the sequences BABEL annotates, in BABEL's splits; ``plan_amass`` keeps every
sequence, in AMASS's official split by subset (``AMASS_SPLITS``). ``parse_split`` reads and
resamples each file (``formats.amass_io``); an unusable file is skipped with its reason.
"""

import contextlib
import math
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import torch
from tqdm import tqdm

from src.datasets.formats import amass_io, babel, db
from src.errors import BadInputError
from src.utils.fileio import atomic_path, write_text_atomic

# AMASS's official split (SPEC §2), by subset folder, case-insensitive; newer releases name
# some subsets differently (Transitions, SSM, HDM05, MoSh). Every other subset is train.
AMASS_SPLITS = {
    "transitions_mocap": "test", "transitions": "test", "ssm_synced": "test", "ssm": "test",
    "humaneva": "val", "mpi_hdm05": "val", "hdm05": "val", "sfu": "val", "mpi_mosh": "val", "mosh": "val",
}
QUICK_RUN_FILES = 5  # files per subset (and per split with BABEL) under --quick_run


def amass_split(subset: str) -> str:
    """Official AMASS split of a subset folder name."""
    return AMASS_SPLITS.get(subset.lower(), "train")


def subset_of(rel_path: str) -> str:
    """``CMU/01/01_01_poses.npz`` -> ``CMU`` ("" for a file directly in the AMASS root)."""
    parts = rel_path.split("/")
    return parts[0] if len(parts) > 1 else ""


def find_amass_files(input_dir: Path) -> list:
    """Every ``.npz`` under ``input_dir``, as sorted "/"-separated relative paths."""
    return sorted(p.relative_to(input_dir).as_posix() for p in input_dir.rglob("*.npz") if p.is_file())


def first_per_group(items: list, group, limit: int) -> list:
    """The first ``limit`` items of every group, in the original order."""
    seen = Counter()
    kept = []
    for item in items:
        seen[group(item)] += 1
        if seen[group(item)] <= limit:
            kept.append(item)
    return kept


def plan_amass(files: list, babel_seqs: dict, quick_run: bool) -> dict:
    """split -> [(rel_path, BabelSequence or None)] for ``--dataset_name amass``."""
    motion = [f for f in files if not amass_io.is_shape_only(f)]
    if quick_run:
        motion = first_per_group(motion, subset_of, QUICK_RUN_FILES)
    plan = defaultdict(list)
    for rel in motion:
        plan[amass_split(subset_of(rel))].append((rel, babel_seqs.get(babel.amass_key(rel))))
    return plan


def plan_babel(files: list, babel_seqs: dict, quick_run: bool, skipped: list) -> dict:
    """split -> [(rel_path, BabelSequence)] for ``--dataset_name babel``; BABEL entries whose
    AMASS file is absent go to ``skipped``."""
    on_disk = {babel.amass_key(f): f for f in files if not amass_io.is_shape_only(f)}
    pairs = []
    for key, seq in sorted(babel_seqs.items(), key=lambda kv: kv[1].amass_path):
        if key in on_disk:
            pairs.append((on_disk[key], seq))
        else:
            detail = f"BABEL {seq.split} sid {seq.sid}: no such file in the AMASS tree"
            skipped.append((seq.amass_path, "not_found", detail))
    if quick_run:
        pairs = first_per_group(pairs, lambda p: (p[1].split, subset_of(p[0])), QUICK_RUN_FILES)
    plan = defaultdict(list)
    for rel, seq in pairs:
        plan[seq.split].append((rel, seq))
    return plan


def parse_split(writer: db.DbWriter, input_dir: Path, items: list, target_fps: float, skipped: list, desc: str) -> None:
    """Read each file of ``items`` into ``writer``; unusable files go to ``skipped``."""
    bar = tqdm(items, desc=desc, unit="file", disable=not sys.stderr.isatty())
    for rel, seq in bar:
        try:
            motion = amass_io.load_amass_npz(input_dir / rel, target_fps)
        except amass_io.AmassReadError as err:
            skipped.append((rel, err.reason, " ".join(err.detail.split())))
            continue
        except Exception as err:  # noqa: BLE001 - one bad file must not end a many-hour run
            skipped.append((rel, "error", " ".join(f"{type(err).__name__}: {err}".split())))
            continue
        num = motion["rotvec"].shape[0]
        segments = babel.to_frame_segments(seq.labels, target_fps, num) if seq is not None else []
        writer.add(rel, motion["rotvec"], motion["trans"], motion["betas"], motion["gender"],
                   motion["source_fps"], seq.sid if seq is not None else -1, segments)


def format_log(args, counts: dict, skipped: list, notes: list, paths: list) -> str:
    """Text of ``parse_log.txt``: the settings, what was written, and every skipped file."""
    reasons = Counter(reason for _, reason, _ in skipped)
    lines = [f"smog amass_parser {time.strftime('%Y-%m-%d %H:%M:%S')}",
             f"dataset_name={args.dataset_name} input_dir={args.input_dir} babel_dir={args.babel_dir} "
             f"target_fps={args.target_fps:g} quick_run={args.quick_run}"]
    lines += notes
    for split, (num, frames, segs) in counts.items():
        hours = frames / args.target_fps / 3600
        lines.append(f"{split}: {num} sequences, {frames} frames ({hours:.2f} h), {segs} segments")
    lines += [f"wrote {p}" for p in paths]
    empty = [split for split, (num, _, _) in counts.items() if num == 0]
    if empty:
        lines.append(f"warning: no sequence in split(s) {', '.join(empty)}")
    lines.append(f"skipped {len(skipped)}" + "".join(f"\n  {r}: {n}" for r, n in sorted(reasons.items())))
    lines += [f"{path}\t{reason}\t{detail}" for path, reason, detail in skipped]
    return "\n".join(lines) + "\n"


def build_db(args) -> None:
    """Parse ``args.input_dir`` into the db files, the parse log and ``skipped.tsv`` (see the module
    docstring); BadInputError when the input folder, the frame rate or BABEL cannot be used.

    Args:
        args: the options of ``python -m src.datasets.amass_parser`` (``src.parser.data``).
    """
    input_dir, babel_dir, output_dir = Path(args.input_dir), Path(args.babel_dir), Path(args.output_dir)
    if not (math.isfinite(args.target_fps) and args.target_fps > 0):
        raise BadInputError(f"--target_fps must be a positive number, got {args.target_fps}")
    if not input_dir.is_dir():
        raise BadInputError(f"AMASS directory {input_dir} not found (expected <subset>/<subject>/*.npz, see data/README.md)")
    splits = list(dict.fromkeys(db.canonical_split(s) for s in args.splits))
    targets = {split: output_dir / db.db_filename(args.dataset_name, args.target_fps, split) for split in splits}
    present = [path for path in targets.values() if path.exists()]
    if present and not args.overwrite:
        raise BadInputError(f"{output_dir} already holds a db ({', '.join(p.name for p in present)}); pass --overwrite "
                            "to replace it, or choose another --output_dir")
    # Each file is a few small tensors: extra intra-op threads only add synchronisation cost
    # (measured 10-30x slower with 2 threads on a busy machine).
    torch.set_num_threads(1)
    skipped, notes = [], []

    babel_seqs = {}
    if args.dataset_name == "babel" or babel_dir.is_dir():
        try:
            babel_seqs, problems = babel.load_babel(babel_dir)
        except (FileNotFoundError, babel.BabelFormatError) as err:
            if args.dataset_name == "babel":
                raise BadInputError(f"cannot read BABEL: {err}") from None
            notes.append(f"no BABEL labels: {err}")
            problems = []
        skipped += [(f"{name}:{sid}", "babel_entry", reason) for name, sid, reason in problems]
        notes.append(f"BABEL: {len(babel_seqs)} annotated sequences from {babel_dir}")
    else:
        notes.append(f"no BABEL labels: {babel_dir} not found")

    files = find_amass_files(input_dir)
    skipped += [(f, "shape_only", "body shape file, no motion") for f in files if amass_io.is_shape_only(f)]
    if args.dataset_name == "babel":
        plan = plan_babel(files, babel_seqs, args.quick_run, skipped)
    else:
        plan = plan_amass(files, babel_seqs, args.quick_run)

    counts, paths = {}, list(targets.values())
    # Each split is written to a temporary file as it is parsed (one split in memory at a time);
    # they replace the named files together at the end, and not at all when nothing was usable.
    with contextlib.ExitStack() as staged:
        for split in splits:
            writer = db.DbWriter(args.dataset_name, args.target_fps)
            parse_split(writer, input_dir, plan.get(split, []), args.target_fps, skipped, desc=split)
            counts[split] = (len(writer), writer.num_frames, len(writer.seg_text))
            writer.save(staged.enter_context(atomic_path(targets[split])))
        if not any(n for n, _, _ in counts.values()):
            reasons = Counter(reason for _, reason, _ in skipped)
            raise BadInputError(f"no usable sequence in {input_dir} for splits {', '.join(splits)}"
                                + (f" (skipped {len(skipped)}: " + ", ".join(f"{r} {n}" for r, n in sorted(
                                    reasons.items())) + f"; first: {' '.join(skipped[0])})" if skipped else "")
                                + f"; nothing was written in {output_dir}")

    log = format_log(args, counts, skipped, notes, paths)
    write_text_atomic(output_dir / "parse_log.txt", log)
    write_text_atomic(output_dir / "skipped.tsv", "path\treason\tdetail\n" + "".join(
        f"{p}\t{r}\t{d}\n" for p, r, d in skipped))

    for note in notes:
        print(note)
    total = sum(n for n, _, _ in counts.values())
    print(f"parsed {total} sequences at {args.target_fps:g} fps: "
          + ", ".join(f"{s} {n} ({f} frames, {g} segments)" for s, (n, f, g) in counts.items()))
    reasons = Counter(reason for _, reason, _ in skipped)
    by_reason = ", ".join(f"{r} {n}" for r, n in sorted(reasons.items()))
    print(f"skipped {len(skipped)}" + (f": {by_reason}" if skipped else ""))
    for path in paths:
        print(f"wrote {path}")
    print(f"log: {output_dir / 'parse_log.txt'}, skipped files: {output_dir / 'skipped.tsv'}")
