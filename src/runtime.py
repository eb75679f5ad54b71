"""Torch runtime helpers shared by the commands, training and the API: device, seeds, batches."""

import random
from typing import Optional

import numpy as np
import torch

from src.errors import BadInputError


class DeviceError(BadInputError):
    """The requested device cannot be used here (exit 2)."""


def resolve_device(device: str = "auto", force_device: Optional[str] = None) -> torch.device:
    """Turn the --device/--cuda/--cpu options (``src.parser.base``) into a torch.device.

    Raises:
        DeviceError: CUDA asked for explicitly but not available, or an unknown name.
    """
    name = force_device or str(device)
    if name.isdigit():
        name = f"cuda:{name}"
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(f"--device {name}: CUDA is not available on this machine (use --device cpu or auto)")
        index = torch.device(name).index
        if index is not None and index >= torch.cuda.device_count():
            raise DeviceError(f"--device {name}: only {torch.cuda.device_count()} GPU(s) visible")
        return torch.device(name)
    if name == "cpu":
        return torch.device("cpu")
    raise DeviceError(f"--device {device!r}: expected auto, cpu, cuda, cuda:N or a GPU index")


def seed_everything(seed: Optional[int]) -> None:
    """Seed Python's, NumPy's and torch's generators (no-op for None)."""
    if seed is None:
        return
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def batch_to_device(batch: dict, device: torch.device, non_blocking: bool = False) -> dict:
    """A collated batch (``src.datasets.dataset.collate``) with its tensors on ``device``; other values kept."""
    return {k: v.to(device, non_blocking=non_blocking) if torch.is_tensor(v) else v for k, v in batch.items()}
