"""A library of motions to search: the files of a folder or the sequences of a motion db, each
with a key that depends only on its content, so that cached embeddings follow the data, not names.
"""

import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional

from src import config
from src.datasets.formats import db as motion_db
from src.datasets.formats.motion_file import MOTION_SUFFIXES, builtin_rest_joints, read_motion
from src.errors import BadInputError
from src.motion import MotionClip, clip_from_params
from src.utils import rotation
from src.utils.fileio import write_text_atomic

_CHUNK = 1 << 20


class MotionItem(NamedTuple):
    """One motion of a library: a display name, a content key and how to load it."""

    name: str
    key: str
    load: Callable[[], MotionClip]


def file_digest(path: Path) -> str:
    """BLAKE2b-128 hex digest of a file's bytes."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


class DigestIndex:
    """Content digests remembered by (path, size, modification time), so an unchanged file is not
    read again; a file whose size or time changed is hashed anew. Stored as JSON in ``path``.

    Args:
        path: the index file, or None to keep nothing between runs.
    """

    def __init__(self, path: Optional[Path]):
        self.path = path
        self.entries: Dict[str, list] = {}
        self.changed = False
        if path is not None and path.is_file():
            try:
                self.entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.entries = {}  # a damaged index only costs re-hashing

    def digest(self, file: Path) -> str:
        st = file.stat()
        name = str(file.resolve())
        stamp = [st.st_size, st.st_mtime_ns]
        entry = self.entries.get(name)
        if entry is not None and entry[:2] == stamp:
            return entry[2]
        value = file_digest(file)
        self.entries[name] = stamp + [value]
        self.changed = True
        return value

    def save(self) -> None:
        if self.path is not None and self.changed:
            write_text_atomic(self.path, json.dumps(self.entries, sort_keys=True))
            self.changed = False


def folder_items(folder: Path, fps: Optional[float], index: DigestIndex) -> List[MotionItem]:
    """Motion files under ``folder`` (recursive, hidden entries skipped), sorted by relative path."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in MOTION_SUFFIXES and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    if not files:
        raise BadInputError(f"{folder}: no motion files ({', '.join(MOTION_SUFFIXES)}) in it")
    # .npy files have no frame rate of their own: the rate they are read at is part of their key.
    return [MotionItem(str(p.relative_to(folder)), index.digest(p) + (f"@{fps or config.HUMANML3D_FPS:g}"
                       if p.suffix.lower() == ".npy" else ""),
                       (lambda p=p: read_motion(p, fps=fps))) for p in files]


def db_items(path: Path, index: DigestIndex) -> List[MotionItem]:
    """The sequences of a motion db file (``src.datasets.formats.db``), posed on the built-in skeleton."""
    try:
        data = motion_db.load_db(path)
    except (ValueError, RuntimeError, OSError, EOFError, pickle.UnpicklingError) as err:
        message = str(err) if str(path) in str(err) else f"{path}: {err}"
        raise BadInputError(f"{message} (a motion db is written by src.datasets.amass_parser)") from None
    digest, fps, offsets = index.digest(path), float(data["fps"]), data["offsets"].tolist()

    def load(i: int) -> MotionClip:
        lo, hi = offsets[i], offsets[i + 1]
        rotmats = rotation.axis_angle_to_matrix(data["poses"][lo:hi].float())
        return clip_from_params(rotmats, data["trans"][lo:hi].float(), builtin_rest_joints(), fps)

    return [MotionItem(f"{i}:{name}", f"{digest}#{i}", (lambda i=i: load(i))) for i, name in enumerate(data["names"])]


def library_items(source: Path, fps: Optional[float], index: DigestIndex) -> List[MotionItem]:
    """A folder of motion files or a motion db file -> its items."""
    if source.is_dir():
        return folder_items(source, fps, index)
    if source.is_file() and source.suffix == ".pt":
        return db_items(source, index)
    if source.is_file():
        raise BadInputError(f"{source}: --motions takes a folder of motion files or a motion db (.pt)")
    raise BadInputError(f"{source}: no such folder or motion db")


def index_path(cache_dir: Optional[Path]) -> Optional[Path]:
    return None if cache_dir is None else cache_dir / "digests.json"


def default_cache_dir() -> Path:
    return Path(os.environ.get("SMOG_CACHE_DIR", config.EMBEDDING_CACHE_DIR))
