"""Text-to-motion and motion-to-text retrieval and zero-shot classification over motion files,
with the motion embeddings cached by content (``cache``, ``library``): the work of ``src.retrieve``.
"""

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from src import config
from src.api import MotionInputError, SMoG
from src.errors import BadInputError
from src.models.checkpoint import read_model_files
from src.models.smog import SMoGModel
from src.retrieval.cache import EmbeddingCache
from src.retrieval.library import DigestIndex, MotionItem, index_path, read_motion


@dataclass
class LoadedModel:
    """A model with what its files say about it: the API object, its training options, its digest."""

    smog: SMoG
    opt: dict
    digest: str


def load_model(checkpoint: Optional[str], device: torch.device, index: DigestIndex) -> LoadedModel:
    """Load a checkpoint file or pretrained folder (None: the shipped model).

    Raises:
        ModelFilesError: missing, unreadable or unusable files (exit 3).
    """
    from src import api

    path = Path(checkpoint) if checkpoint is not None else api.DEFAULT_CHECKPOINT
    files = read_model_files(path, device)
    smog = SMoG(SMoGModel.from_files(files, device), checkpoint=path)
    weights = path if path.is_file() else path / "model.pt"
    opt = dict((files.checkpoint or {}).get("opt") or {})
    return LoadedModel(smog, opt, index.digest(weights))


@dataclass
class Embedded:
    """Embeddings of a library: names (M,), (M, D) float32, what was skipped and how long it took."""

    names: List[str]
    embeddings: torch.Tensor
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    from_cache: int = 0
    seconds: float = 0.0


def embed_items(smog: SMoG, items: Sequence[MotionItem], cache: EmbeddingCache, strict: bool) -> Embedded:
    """Encode every item not already in ``cache``.

    Args:
        strict: raise on the first unusable motion (one ``--motion``); otherwise skip it with a
            warning (a folder may hold files this model cannot read, e.g. .npy for a rotation model).
    """
    start = time.perf_counter()
    names, rows, skipped, hits = [], [], [], 0
    for item in items:
        emb = cache.get(item.key)
        if emb is not None:
            hits += 1
        else:
            try:
                emb = smog.encode_motion(item.load()).numpy()
            except (BadInputError, MotionInputError) as err:
                reason = str(err) if item.name in str(err) else f"{item.name}: {err}"
                if strict:
                    raise BadInputError(reason) from None
                warnings.warn(f"skipped {reason}")
                skipped.append((item.name, reason))
                continue
            cache.put(item.key, emb)
        names.append(item.name)
        rows.append(np.asarray(emb, dtype=np.float32))
    if not rows:
        raise BadInputError("none of the motions could be used (see the warnings above)")
    return Embedded(names, torch.from_numpy(np.stack(rows)), skipped, hits, time.perf_counter() - start)


def read_lines(path: Path, what: str) -> List[str]:
    """Non-empty, stripped lines of a text file (``#`` starts a comment line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise BadInputError(f"{path}: cannot read the {what} ({err})") from None
    lines = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise BadInputError(f"{path}: no {what} in it (one per line)")
    return lines


def top(scores: torch.Tensor, k: int) -> List[Tuple[int, float]]:
    """(N,) scores -> [(index, score)] of the k best, best first (ties by index, so runs repeat)."""
    order = sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i))[:k]
    return [(i, float(scores[i])) for i in order]


def search_motions(smog: SMoG, query: str, lib: Embedded, top_k: int) -> List[dict]:
    """The ``top_k`` motions closest to ``query``: [{"rank", "motion", "score"}]."""
    scores = lib.embeddings @ smog.encode_text([query])[0]
    return [{"rank": r + 1, "motion": lib.names[i], "score": s} for r, (i, s) in enumerate(top(scores, top_k))]


def rank_texts(smog: SMoG, lib: Embedded, texts: Sequence[str], top_k: int) -> List[dict]:
    """Per motion, the ``top_k`` closest texts: [{"motion", "matches": [{"rank", "text", "score"}]}]."""
    text_emb = smog.encode_text(list(texts))  # (N, D)
    out = []
    for name, emb in zip(lib.names, lib.embeddings):
        best = top(text_emb @ emb, top_k)
        out.append({"motion": name, "matches": [{"rank": r + 1, "text": texts[i], "score": s}
                                                for r, (i, s) in enumerate(best)]})
    return out


def classify(smog: SMoG, lib: Embedded, labels: Sequence[str], top_k: int) -> List[dict]:
    """Per motion, zero-shot label probabilities (``SMoG.label_probabilities``), the ``top_k`` most
    likely: [{"motion", "label", "probabilities": [{"rank", "label", "probability"}]}]."""
    probs = smog.label_probabilities(lib.embeddings, list(labels))  # (M, N)
    out = []
    for name, row in zip(lib.names, probs):
        best = top(row, top_k)
        out.append({"motion": name, "label": labels[best[0][0]],
                    "probabilities": [{"rank": r + 1, "label": labels[i], "probability": p}
                                      for r, (i, p) in enumerate(best)]})
    return out


def single_item(path: Path, fps: Optional[float], index: DigestIndex) -> MotionItem:
    """One motion file as a library item (read eagerly, so its errors name it at once)."""
    clip = read_motion(path, fps=fps)
    key = index.digest(path) + (f"@{fps or config.HUMANML3D_FPS:g}" if path.suffix.lower() == ".npy" else "")
    return MotionItem(path.name, key, lambda: clip)


def open_cache(cache_dir: Optional[Path], model_digest: str) -> EmbeddingCache:
    return EmbeddingCache(None if cache_dir is None else cache_dir / f"{model_digest}.npz")


def digest_index(cache_dir: Optional[Path]) -> DigestIndex:
    return DigestIndex(index_path(cache_dir))
