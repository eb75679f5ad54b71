"""BABEL annotations: reading the release and turning label times into frames.

Files read from the BABEL directory (SPEC §2): ``train.json``, ``val.json``, ``test.json`` and,
when present, ``extra_train.json`` / ``extra_val.json``. Each is ``{str(babel_sid): ann}`` with
``ann = {babel_sid, feat_p, dur, seq_ann, frame_ann}`` (the extra files: lists ``seq_anns`` /
``frame_anns``, one per annotator). Choices made here:

    * every annotator of the extra files is read: their labels are added to the sequence's
      labels in the same split (BABEL sequences get several descriptions, like captions); so are
      the labels of any other entry of that split with the same ``feat_p`` (the first sid is kept);
      an entry whose ``feat_p`` is already in another split is left out and reported;
    * ``frame_ann`` null (single-action sequences): only the sequence labels exist;
    * sequence labels span the whole motion; frame labels keep their times, overlaps and
      "transition" labels included;
    * text = ``proc_label``, else ``raw_label``, else "" (``test.json`` has no label texts: its
      sequences are kept with empty texts, and ``act_cat`` is then "");
    * ``feat_p`` = ``<BABEL subset>/<AMASS folder>/<subject>/<file>_poses.npz``: the first component
      is dropped to give the path relative to the AMASS root. Matching ignores case and the
      ``_poses`` / ``_stageii`` ending (``amass_key``).

Frame alignment (``to_frame_segments``), for a motion resampled to ``fps`` with T frames whose
frame k is at k / fps seconds: start = round(start_t * fps), end = min(round(end_t * fps), T)
(half rounds up), so ``end_t > dur`` is clamped; a label left empty by rounding keeps one frame;
a label starting at or after the motion's end is dropped. Frame labels with ``end_t < start_t`` or
times that are not numbers (null, text) are dropped when read, each reported in the parse log.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from src.datasets.formats.db import Segment

BABEL_FILES = (  # (file, split)
    ("train.json", "train"), ("val.json", "val"), ("test.json", "test"),
    ("extra_train.json", "train"), ("extra_val.json", "val"),
)


class BabelFormatError(ValueError):
    """A BABEL file that cannot be read at all (not JSON, not a dict)."""


@dataclass
class BabelLabel:
    """One BABEL label in seconds; ``start_t`` / ``end_t`` are None for sequence labels."""

    text: str
    act_cat: str
    kind: str  # "seq" or "frame"
    start_t: float = None
    end_t: float = None


@dataclass
class BabelSequence:
    """The BABEL annotations of one AMASS file."""

    sid: int
    split: str
    feat_p: str
    amass_path: str   # feat_p without its first component
    dur: float
    labels: list = field(default_factory=list)


def amass_key(rel_path: str) -> str:
    """Case-insensitive key of an AMASS path that ignores the ``_poses`` / ``_stageii`` ending."""
    key = str(rel_path).replace("\\", "/").strip("/").lower()
    for suffix in ("_poses.npz", "_stageii.npz", ".npz"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def amass_path_from_feat_p(feat_p: str) -> str:
    """``CMU/CMU/141/141_05_poses.npz`` -> ``CMU/141/141_05_poses.npz``."""
    parts = str(feat_p).replace("\\", "/").strip("/").split("/")
    return "/".join(parts[1:]) if len(parts) > 1 else parts[0]


def label_text(label: dict) -> str:
    """proc_label, else raw_label, else ""."""
    for key in ("proc_label", "raw_label"):
        value = label.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def label_act_cat(label: dict) -> str:
    """Action categories joined by "|"; "" when absent (test.json)."""
    cats = label.get("act_cat")
    if isinstance(cats, str):
        cats = [cats]
    return "|".join(c.strip() for c in (cats or []) if isinstance(c, str) and c.strip())


def _annotations(ann: dict, single: str, plural: str) -> list:
    """The annotator dicts of one kind: ``ann[single]`` or every entry of ``ann[plural]``."""
    value = ann.get(plural) if plural in ann else ann.get(single)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _float(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _time_problem(lab: dict, start, end) -> str:
    """Why a frame label's times are unusable ("" when they are usable)."""
    if start is None or end is None:
        shown = {k: lab.get(k) for k in ("start_t", "end_t") if _float(lab.get(k)) is None}
        return "times " + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + " are not numbers"
    if end < start:
        return f"end_t {end:g} s is before start_t {start:g} s"
    return ""


def parse_entry(ann: dict, split: str, problems: list = None) -> BabelSequence:
    """One BABEL entry -> ``BabelSequence``. Raises ValueError when it has no usable ``feat_p``.

    Frame labels whose times are not numbers (null, text) or end before they start are dropped;
    each is described in ``problems`` (a list of strings), which the parse log lists."""
    feat_p = ann.get("feat_p")
    if not isinstance(feat_p, str) or not feat_p.strip():
        raise ValueError("no feat_p")
    sid = _float(ann.get("babel_sid"))
    seq = BabelSequence(sid=int(sid) if sid is not None else -1, split=split, feat_p=feat_p,
                        amass_path=amass_path_from_feat_p(feat_p), dur=_float(ann.get("dur")) or 0.0)
    for annot in _annotations(ann, "seq_ann", "seq_anns"):
        for lab in annot.get("labels") or []:
            if isinstance(lab, dict):
                seq.labels.append(BabelLabel(label_text(lab), label_act_cat(lab), "seq"))
    for annot in _annotations(ann, "frame_ann", "frame_anns"):
        for number, lab in enumerate(annot.get("labels") or [], 1):
            if not isinstance(lab, dict):
                continue
            start, end = _float(lab.get("start_t")), _float(lab.get("end_t"))
            problem = _time_problem(lab, start, end)
            if problem:
                if problems is not None:
                    problems.append(f"frame label {number} ({label_text(lab) or 'no text'!r}) dropped: {problem}")
                continue
            seq.labels.append(BabelLabel(label_text(lab), label_act_cat(lab), "frame", start, end))
    return seq


def load_babel(babel_dir) -> tuple:
    """Read every BABEL file present in ``babel_dir``.

    Returns:
        (sequences, problems): ``sequences`` maps ``amass_key(amass_path)`` -> ``BabelSequence``
        (labels of the extra files merged into their sequence); ``problems`` lists
        ``(file, babel_sid, reason)`` for entries and frame labels that were left out.
    Raises:
        FileNotFoundError: no BABEL file in ``babel_dir``.
        BabelFormatError: a file is not a JSON dict (names the file).
    """
    babel_dir = Path(babel_dir)
    found = [(babel_dir / name, split) for name, split in BABEL_FILES if (babel_dir / name).is_file()]
    if not found:
        raise FileNotFoundError(f"no BABEL files ({', '.join(n for n, _ in BABEL_FILES)}) in {babel_dir}")
    sequences, problems = {}, []
    for path, split in found:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BabelFormatError(f"{path}: not a readable BABEL JSON file ({err})") from None
        if not isinstance(data, dict):
            raise BabelFormatError(f"{path}: expected a dict {{babel_sid: annotation}}, found {type(data).__name__}")
        for sid, ann in data.items():
            try:
                if not isinstance(ann, dict):
                    raise ValueError("annotation is not a dict")
                label_problems = []
                seq = parse_entry(ann, split, label_problems)
                if seq.sid < 0 and str(sid).isdigit():
                    seq.sid = int(sid)
            except (ValueError, TypeError) as err:
                problems.append((path.name, str(sid), str(err)))
                continue
            problems += [(path.name, str(sid), f"{seq.feat_p}: {problem}") for problem in label_problems]
            key = amass_key(seq.amass_path)
            known = sequences.get(key)
            if known is None:
                sequences[key] = seq
            elif known.split != split:
                problems.append((path.name, str(sid), f"{seq.feat_p} is already in BABEL's {known.split} split"))
            else:
                known.labels.extend(seq.labels)
                if known.sid < 0:
                    known.sid = seq.sid
    return sequences, problems


def time_to_frame(t: float, fps: float) -> int:
    """Frame index of time ``t`` seconds at ``fps`` (half rounds up)."""
    return int(math.floor(t * fps + 0.5))


def to_frame_segments(labels, fps: float, num_frames: int) -> list:
    """BABEL labels -> ``db.Segment`` rows in frames of a motion of ``num_frames`` at ``fps``."""
    segments = []
    for lab in labels:
        if lab.kind == "seq":
            start, end = 0, num_frames
        else:
            start = max(0, time_to_frame(lab.start_t, fps))
            end = min(time_to_frame(lab.end_t, fps), num_frames)
            if start >= num_frames:
                continue
            end = max(end, start + 1)
        segments.append(Segment(start, end, lab.text, lab.kind, lab.act_cat))
    return segments
