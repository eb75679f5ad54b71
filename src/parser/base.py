"""Argument groups shared by every command: device and seed."""

import argparse

import torch


def add_device_args(parser: argparse.ArgumentParser) -> None:
    """Adds --device (auto|cpu|cuda|cuda:N|N) and the original SMoG's --cuda/--cpu switches."""
    group = parser.add_argument_group("device")
    group.add_argument("--device", default="auto",
                       help="auto (CUDA when available), cpu, cuda, cuda:N, or a bare GPU index N as in the original SMoG")
    switch = group.add_mutually_exclusive_group()
    switch.add_argument("--cuda", dest="force_device", action="store_const", const="cuda",
                        help="use the GPU (error when there is none)")
    switch.add_argument("--cpu", dest="force_device", action="store_const", const="cpu", help="use the CPU")


def add_seed_arg(parser: argparse.ArgumentParser, default: int = 10) -> None:
    parser.add_argument("--seed", type=int, default=default, help="random seed (recorded with the results)")


class DeviceError(ValueError):
    """The requested device cannot be used here."""


def resolve_device(device: str = "auto", force_device: str = None) -> torch.device:
    """Turn the --device/--cuda/--cpu options into a torch.device.

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
