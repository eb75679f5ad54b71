"""Multi-process training through ``torchrun`` (PyTorch DDP): NCCL on GPUs, gloo on CPUs."""

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import Sampler


@dataclass
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup(device: torch.device) -> tuple:
    """Join the process group that ``torchrun`` describes in the environment, if any.

    Returns:
        (DistInfo, device): under torchrun with CUDA, each process gets ``cuda:LOCAL_RANK``.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistInfo(), device
    info = DistInfo(int(os.environ["RANK"]), world_size, int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cuda":
        device = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(device)
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return info, device


def teardown(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


def average(values: dict, info: DistInfo, device: torch.device) -> dict:
    """Mean of a dict of floats over all processes (identity when not distributed)."""
    if not info.enabled or not values:
        return values
    keys = sorted(values)
    tensor = torch.tensor([values[k] for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return {k: float(v) / info.world_size for k, v in zip(keys, tensor.tolist())}


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


class DistributedWeightedSampler(Sampler):
    """Weighted sampling with replacement, split over the processes of a DDP run.

    Every process draws the same ``num_samples`` indices (seeded by ``seed`` and the epoch,
    so ``set_epoch`` must be called each epoch, as for ``DistributedSampler``) and keeps
    every ``world_size``-th one from its ``rank``: together the processes see one weighted
    draw of the size of the dataset.

    Args:
        weights: (N,) non-negative sampling weights, one per dataset item.
        info: this process' rank and the world size.
        seed: base seed, the same on every process.
    """

    def __init__(self, weights: torch.Tensor, info: DistInfo, seed: int = 0):
        self.weights = torch.as_tensor(weights, dtype=torch.double)
        self.rank, self.world_size = info.rank, info.world_size
        self.num_samples = -(-len(self.weights) // self.world_size)  # per process, rounded up
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        drawn = torch.multinomial(self.weights, self.num_samples * self.world_size, replacement=True,
                                  generator=generator)
        return iter(drawn[self.rank::self.world_size].tolist())

    def __len__(self) -> int:
        return self.num_samples
