"""Random-generator states of a training run, saved in its checkpoints so that ``--resume``
continues exactly where the uninterrupted run would be: torch (CPU and CUDA), numpy, python's
``random`` and the DataLoader's own generator (shuffling order and worker seeds), one set per
process under DDP.

States are stored as tensors, tuples and ints only, so checkpoints still load with
``torch.load(weights_only=True)``.
"""

import random
from typing import List, Optional

import numpy as np
import torch
import torch.distributed as dist

from src.train.distributed import DistInfo


def capture(loader_generator: torch.Generator) -> dict:
    """This process' generator states."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)),
        "python": random.getstate(),
        "loader": loader_generator.get_state(),
    }


def restore(state: dict, loader_generator: torch.Generator) -> None:
    """Set this process' generators to ``state`` (one item of ``gather``'s list)."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    loader_generator.set_state(state["loader"])


def gather(state: dict, info: DistInfo) -> List[dict]:
    """Every process' ``state``, in rank order (collective under DDP: all processes call it)."""
    if not info.enabled:
        return [state]
    states: List[Optional[dict]] = [None] * info.world_size
    dist.all_gather_object(states, state)
    return states


def for_rank(saved: Optional[List[dict]], info: DistInfo) -> Optional[dict]:
    """This process' state among a checkpoint's ``saved`` states; None when there are none (older
    checkpoints) or the run had another number of processes."""
    if not saved or len(saved) != info.world_size:
        return None
    return saved[info.rank]
