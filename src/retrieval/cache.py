"""Motion embeddings cached on disk, one file per model, keyed by motion content.

``<cache_dir>/<model digest>.npz`` holds ``keys`` (M,) str and ``embeddings`` (M, D) float32. The
model digest is the content digest of its weights file, so retraining into the same path never
serves stale embeddings; a motion's key is its content digest (``library``). Written atomically.
"""

from pathlib import Path
from typing import Dict, Iterable, Optional

import numpy as np

from src.utils.fileio import atomic_path


class EmbeddingCache:
    """Args:
        path: the cache file, or None for a cache that forgets everything when the run ends.
    """

    def __init__(self, path: Optional[Path]):
        self.path = path
        self.table: Dict[str, np.ndarray] = {}
        self.changed = False
        if path is not None and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    self.table = dict(zip(data["keys"].tolist(), data["embeddings"]))
            except (OSError, ValueError, KeyError):
                self.table = {}  # a damaged cache is rebuilt

    def get(self, key: str) -> Optional[np.ndarray]:
        return self.table.get(key)

    def put(self, key: str, embedding: np.ndarray) -> None:
        self.table[key] = np.asarray(embedding, dtype=np.float32)
        self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        keys = sorted(self.table)
        with atomic_path(self.path) as tmp:
            with open(tmp, "wb") as f:  # a file object: np.savez would append .npz to a bare name
                np.savez(f, keys=np.array(keys), embeddings=np.stack([self.table[k] for k in keys]))
        self.changed = False

    def __contains__(self, key: str) -> bool:
        return key in self.table

    def keys(self) -> Iterable[str]:
        return self.table.keys()
