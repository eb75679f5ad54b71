"""The motion database written by ``src.datasets.amass_parser`` and read by the datasets.

One file per split, ``<output_dir>/<dataset>_<fps>fps_<split>.pt`` (``amass_30fps_train.pt``,
``babel_30fps_val.pt``, ...; ``fps`` printed with ``{:g}``). A training option such as
``--datapath ./data/amass_db/amass_30fps_db.pt`` names all three: ``split_path`` replaces the
trailing ``_db.pt`` with ``_{split}.pt`` (``vald``, the original SMoG's name, means ``val``).

Each file is a plain dict saved with ``torch.save`` and loadable with
``torch.load(path, weights_only=True)`` (tensors, lists of str, str, float: no custom classes).
N = sequences, F = frames of all sequences together, S = labelled segments::

    format       str                 "smog-db-v1"
    fps          float               frame rate of every stored sequence
    dataset      str                 "amass" or "babel" (the parser's --dataset_name)
    names        list[str] (N)       AMASS file path relative to the parser's --input_dir, "/"-separated
    poses        float32 (F, 24, 3)  SMPL-24 axis-angle, radians; joint 0 = global root orientation,
                                     Y-up world frame; joints 22, 23 (hands) are zero (AMASS has no
                                     SMPL hand joints)
    trans        float32 (F, 3)      root translation, metres, Y-up world frame, from AMASS's Z-up trans
                                     by ``geometry.zup_to_yup`` (the posed pelvis, trans + rest pelvis,
                                     is AMASS's pelvis turned by -90 deg about X)
    offsets      int64 (N + 1,)      sequence i is frames offsets[i]:offsets[i + 1] of poses / trans
    betas        float32 (N, 16)     SMPL+H shape (SMPL-X betas cut or zero-padded to 16)
    gender       list[str] (N)       "neutral", "male" or "female"
    source_fps   float32 (N,)        the AMASS capture rate before resampling
    babel_sid    int64 (N,)          BABEL sequence id, -1 when the sequence is not in BABEL
    seg_seq      int64 (S,)          sequence index (into names) of each segment
    seg_start    int64 (S,)          first frame, relative to the sequence
    seg_end      int64 (S,)          end frame, exclusive; seg_start < seg_end <= sequence length
    seg_text     list[str] (S)       BABEL proc_label, else raw_label; "" where BABEL has none
                                     (all of BABEL's test.json)
    seg_kind     list[str] (S)       "seq" (a whole-sequence label) or "frame" (a timed label)
    seg_act_cat  list[str] (S)       BABEL action categories joined by "|"; "" when none

Motion is stored in the world frame, not canonicalised: the datasets canonicalise each window
(``geometry.canonicalize_params``), using ``betas`` / ``gender`` to pose the body. Frame k of a
sequence is AMASS time k / fps seconds; a BABEL time t seconds is frame round(t * fps).
Segments overlap, and include BABEL's "transition" labels; a sequence may have none.
"""

from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import torch

from src import config
from src.config import SPLIT_ALIASES, SPLITS
from src.utils.fileio import atomic_path

DB_FORMAT = "smog-db-v1"
GENDERS = ("neutral", "male", "female")
_TENSOR_KEYS = {
    "poses": torch.float32, "trans": torch.float32, "offsets": torch.int64, "betas": torch.float32,
    "source_fps": torch.float32, "babel_sid": torch.int64,
    "seg_seq": torch.int64, "seg_start": torch.int64, "seg_end": torch.int64,
}
_LIST_KEYS = ("names", "gender", "seg_text", "seg_kind", "seg_act_cat")


class Segment(NamedTuple):
    """One labelled frame range of a sequence (frames at the db's fps, end exclusive)."""

    start: int
    end: int
    text: str
    kind: str      # "seq" or "frame"
    act_cat: str   # categories joined by "|", "" when none


def canonical_split(split: str) -> str:
    """'train' | 'val' | 'test', accepting 'vald' (the original SMoG's name) for 'val'."""
    name = SPLIT_ALIASES.get(split, split)
    if name not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {SPLITS} (or 'vald')")
    return name


def db_filename(dataset: str, fps: float, split: str) -> str:
    """``amass_30fps_train.pt`` for ('amass', 30, 'train')."""
    return f"{dataset}_{float(fps):g}fps_{canonical_split(split)}.pt"


def split_path(datapath, split: str) -> Path:
    """The file of ``split`` named by a ``--datapath``.

    ``data/amass_db/amass_30fps_db.pt`` -> ``data/amass_db/amass_30fps_{split}.pt``. A path that
    already names one split (``..._train.pt``, ``..._vald.pt``) is turned to the requested split.
    """
    path = Path(datapath)
    split = canonical_split(split)
    for suffix in ("db",) + SPLITS + tuple(SPLIT_ALIASES):
        tail = f"_{suffix}.pt"
        if path.name.endswith(tail):
            return path.with_name(path.name[: -len(tail)] + f"_{split}.pt")
    raise ValueError(f"datapath {str(path)!r} should end with '_db.pt' (e.g. data/amass_db/amass_30fps_db.pt)")


class DbWriter:
    """Accumulates parsed sequences as float32 arrays and builds one split's dict.

    Args:
        dataset: "amass" or "babel".
        fps: frame rate of every sequence that will be added.
    """

    def __init__(self, dataset: str, fps: float):
        self.dataset = dataset
        self.fps = float(fps)
        self.names, self.gender = [], []
        self._poses, self._trans, self._betas = [], [], []
        self.source_fps, self.babel_sid, self.lengths = [], [], []
        self.seg_seq, self.seg_start, self.seg_end = [], [], []
        self.seg_text, self.seg_kind, self.seg_act_cat = [], [], []

    def __len__(self) -> int:
        return len(self.names)

    @property
    def num_frames(self) -> int:
        return sum(self.lengths)

    def add(self, name: str, poses, trans, betas, gender: str, source_fps: float,
            babel_sid: int = -1, segments: Sequence[Segment] = ()) -> None:
        """Append one sequence.

        Args:
            name: path relative to the AMASS root.
            poses: (T, 24, 3) axis-angle, Y-up; trans: (T, 3) Y-up metres; betas: (16,).
            segments: labels already in frames of this sequence; clamped into [0, T).
        """
        poses = _as_float32(poses)
        trans = _as_float32(trans)
        betas = _as_float32(betas)
        num = poses.shape[0]
        assert poses.shape == (num, config.NUM_SMPL_JOINTS, 3) and num > 0, poses.shape
        assert trans.shape == (num, 3), (trans.shape, num)
        assert betas.shape == (config.NUM_BETAS,), betas.shape
        assert gender in GENDERS, gender
        index = len(self.names)
        self.names.append(str(name))
        self._poses.append(poses)
        self._trans.append(trans)
        self._betas.append(betas)
        self.gender.append(gender)
        self.source_fps.append(float(source_fps))
        self.babel_sid.append(int(babel_sid))
        self.lengths.append(num)
        for seg in segments:
            start, end = max(0, int(seg.start)), min(num, int(seg.end))
            if start >= end:
                continue
            self.seg_seq.append(index)
            self.seg_start.append(start)
            self.seg_end.append(end)
            self.seg_text.append(seg.text)
            self.seg_kind.append(seg.kind)
            self.seg_act_cat.append(seg.act_cat)

    def build(self) -> dict:
        """The split's dict (see the module docstring). The writer's arrays are released."""
        joints = config.NUM_SMPL_JOINTS
        offsets = np.concatenate([[0], np.cumsum(self.lengths, dtype=np.int64)]).astype(np.int64)
        db = {
            "format": DB_FORMAT,
            "fps": self.fps,
            "dataset": self.dataset,
            "names": list(self.names),
            "poses": _concat(self._poses, (0, joints, 3)),
            "trans": _concat(self._trans, (0, 3)),
            "offsets": torch.from_numpy(offsets),
            "betas": torch.from_numpy(np.stack(self._betas)) if self._betas else torch.zeros(0, config.NUM_BETAS),
            "gender": list(self.gender),
            "source_fps": torch.tensor(self.source_fps, dtype=torch.float32),
            "babel_sid": torch.tensor(self.babel_sid, dtype=torch.int64),
            "seg_seq": torch.tensor(self.seg_seq, dtype=torch.int64),
            "seg_start": torch.tensor(self.seg_start, dtype=torch.int64),
            "seg_end": torch.tensor(self.seg_end, dtype=torch.int64),
            "seg_text": list(self.seg_text),
            "seg_kind": list(self.seg_kind),
            "seg_act_cat": list(self.seg_act_cat),
        }
        self._poses, self._trans, self._betas = [], [], []
        return db

    def save(self, path) -> dict:
        """Build the dict and write it to ``path`` atomically; returns the dict."""
        db = self.build()
        save_db(db, path)
        return db


def save_db(db: dict, path) -> None:
    """Validate ``db`` and write it through a temporary file."""
    validate_db(db, path)
    with atomic_path(path) as tmp:
        torch.save(db, tmp)


def load_db(path, split: str = None) -> dict:
    """Load one split file (``torch.load(weights_only=True)``) and check it against the schema.

    Args:
        path: a split file, or a ``..._db.pt`` datapath together with ``split``.
        split: 'train' | 'val' | 'test' ('vald' accepted), or None when ``path`` is the file.
    """
    path = split_path(path, split) if split is not None else Path(path)
    if not path.exists():
        for alias, name in SPLIT_ALIASES.items():  # ..._vald.pt asked for, ..._val.pt on disk
            if path.name.endswith(f"_{alias}.pt"):
                path = path.with_name(path.name[: -len(alias) - 3] + f"{name}.pt")
    if not path.exists():
        raise FileNotFoundError(f"motion db {path} not found; create it with `python -m src.datasets.amass_parser`")
    db = torch.load(path, map_location="cpu", weights_only=True)
    validate_db(db, path)
    return db


def validate_db(db: dict, path="<db>") -> None:
    """Raise ValueError naming ``path`` and the problem when ``db`` does not follow the schema."""
    def fail(reason):
        raise ValueError(f"{path}: not a {DB_FORMAT} motion db: {reason}")

    if not isinstance(db, dict) or db.get("format") != DB_FORMAT:
        fail(f"format is {db.get('format') if isinstance(db, dict) else type(db).__name__!r}")
    for key, dtype in _TENSOR_KEYS.items():
        if not isinstance(db.get(key), torch.Tensor) or db[key].dtype != dtype:
            fail(f"{key!r} should be a {dtype} tensor")
    for key in _LIST_KEYS:
        if not isinstance(db.get(key), list):
            fail(f"{key!r} should be a list of str")
    num, frames, segs = len(db["names"]), db["poses"].shape[0], len(db["seg_text"])
    offsets = db["offsets"]
    if db["poses"].shape[1:] != (config.NUM_SMPL_JOINTS, 3) or db["trans"].shape != (frames, 3):
        fail(f"poses {tuple(db['poses'].shape)} / trans {tuple(db['trans'].shape)} shapes")
    if offsets.shape != (num + 1,) or offsets[0] != 0 or offsets[-1] != frames or bool((offsets.diff() <= 0).any()):
        fail("offsets should rise from 0 to the number of frames, one step per sequence")
    if db["betas"].shape != (num, config.NUM_BETAS) or len(db["gender"]) != num:
        fail("betas / gender do not have one row per sequence")
    if db["source_fps"].shape != (num,) or db["babel_sid"].shape != (num,):
        fail("source_fps / babel_sid do not have one entry per sequence")
    if any(len(db[k]) != segs for k in ("seg_seq", "seg_start", "seg_end", "seg_kind", "seg_act_cat")):
        fail("segment fields differ in length")
    if segs:
        seq = db["seg_seq"]
        if bool((seq < 0).any() | (seq >= num).any()):
            fail("seg_seq points outside the sequences")
        start, end, lengths = db["seg_start"], db["seg_end"], offsets.diff()[seq]
        if bool((start < 0).any() | (end <= start).any() | (end > lengths).any()):
            fail("a segment is empty or outside its sequence")


def sequence(db: dict, index: int) -> dict:
    """Sequence ``index`` of a loaded db: poses (T, 24, 3), trans (T, 3) views, and its fields."""
    start, end = int(db["offsets"][index]), int(db["offsets"][index + 1])
    return {
        "name": db["names"][index],
        "poses": db["poses"][start:end],
        "trans": db["trans"][start:end],
        "betas": db["betas"][index],
        "gender": db["gender"][index],
        "source_fps": float(db["source_fps"][index]),
        "babel_sid": int(db["babel_sid"][index]),
        "fps": db["fps"],
    }


def sequence_segments(db: dict, index: int) -> list:
    """The ``Segment`` rows of sequence ``index``."""
    rows = (db["seg_seq"] == index).nonzero().flatten().tolist()
    return [Segment(int(db["seg_start"][r]), int(db["seg_end"][r]), db["seg_text"][r], db["seg_kind"][r],
                    db["seg_act_cat"][r]) for r in rows]


def _as_float32(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.ascontiguousarray(x, dtype=np.float32)


def _concat(arrays: list, empty_shape: tuple) -> torch.Tensor:
    if not arrays:
        return torch.zeros(empty_shape, dtype=torch.float32)
    return torch.from_numpy(np.concatenate(arrays, axis=0))
