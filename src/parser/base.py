"""Argument groups shared by every command: device and seed (``src.runtime.resolve_device`` reads them)."""

import argparse


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
