"""Shared helpers of the whole-model benchmarks (bench_model.py, bench_text2motion.py, bench_image_alignment.py).

Nothing here is timed: synthetic batches with the real feature layout, model options at the CLI
defaults, thread setup, machine load and small statistics / table helpers.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# torch and src are imported inside the functions: bench_text2motion times those imports in a
# fresh interpreter that has loaded this module.
if TYPE_CHECKING:
    import torch

# Fixed caption list (batches draw from it; the frozen backbone's cache is warmed with all of them).
CAPTIONS = (
    "a person walks forward",
    "a person walks backward slowly",
    "a person runs in a circle",
    "someone jumps up and down twice",
    "a person waves with the right hand",
    "a person waves with the left hand",
    "a man kicks with his right leg",
    "a person sits down on a chair",
    "a person stands up from the ground",
    "someone turns around to the left",
    "a person side steps to the right",
    "a person crouches and then stands back up",
    "a person throws a ball overhand",
    "a person picks something up from the floor",
    "a person dances happily",
    "someone does jumping jacks",
    "a person stretches both arms above the head",
    "a person climbs stairs",
    "a person bows",
    "a person punches forward with the left fist",
    "someone walks in a zigzag",
    "a person hops on the left foot",
    "a person claps hands",
    "a person lifts the weights",
    "swan lake",
    "wings",
    "running",
    "opened the door and walked in",
    "a person staggers as if drunk",
    "a person jogs in place",
    "a person swings a golf club",
    "a person crawls on hands and knees",
)


def set_threads(threads: int) -> None:
    """Intra-op threads for every benchmark (inter-op 1: the models run one op at a time)."""
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set (or parallel work already started)
        pass


def machine_load() -> str:
    """The 1/5/15-minute load averages and the CPU count, for the results header."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def frames_range(text: str) -> tuple:
    """``"60-120"`` -> (60, 120); ``"90"`` -> (90, 90)."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or not 1 <= parts[0] <= parts[1]:
        raise argparse.ArgumentTypeError(f"--frames {text!r}: expected N or MIN-MAX with 1 <= MIN <= MAX")
    return tuple(parts)


def random_batch(batch_size: int, frames: tuple, generator: "torch.Generator",
                 captions: Sequence[str] = CAPTIONS, pose_rep: str = "rot6d") -> dict:
    """A training batch of random but valid motions, as ``src.datasets.dataset.collate`` lays it out.

    Each motion: a random pose plus a slow random walk of every joint's axis-angle, a random
    root trajectory, encoded as ``pose_rep`` features with the translation row -> x (B, T, 25, 6)
    for rot6d, zero after each length; lengths uniform in ``frames``; captions drawn from ``captions``.
    """
    import torch

    from src import config
    from src.utils import features as feature_utils
    from src.utils import rotation

    lengths = torch.randint(frames[0], frames[1] + 1, (batch_size,), generator=generator)
    t_max = int(lengths.max())
    joints = config.NUM_SMPL_JOINTS
    base = torch.randn(batch_size, 1, joints, 3, generator=generator) * 0.3
    walk = torch.randn(batch_size, t_max, joints, 3, generator=generator).cumsum(1) * 0.02
    rotvec = base + walk  # (B, T, 24, 3)
    trans = torch.randn(batch_size, t_max, 3, generator=generator).cumsum(1) * 0.01  # (B, T, 3)
    rotmats = rotation.to_matrix(rotvec, "rotvec")  # (B, T, 24, 3, 3)
    x = feature_utils.motion_to_features(rotmats, trans, pose_rep, translation=True)  # (B, T, J, C)
    mask = torch.arange(t_max)[None, :] < lengths[:, None]  # (B, T)
    x = torch.where(mask[..., None, None], x, torch.zeros(()))
    picks = torch.randint(len(captions), (batch_size,), generator=generator).tolist()
    return {"x": x, "mask": mask, "lengths": lengths, "text": [captions[i] for i in picks],
            "betas": torch.zeros(batch_size, config.NUM_BETAS)}


def batch_stats(batches: Sequence[dict]) -> dict:
    """Feature mean/std (J, C) over the real frames of ``batches`` (the model's normalisation)."""
    import torch

    frames = torch.cat([b["x"][b["mask"]] for b in batches])  # (N, J, C)
    return {"mean": frames.mean(0), "std": frames.std(0)}


def model_options(parser_args: Optional[List[str]] = None, **overrides) -> dict:
    """Model options at the CLI defaults (``add_model_args`` plus the dataset's feature options),
    then ``parser_args`` (command-line style) and ``overrides``."""
    from src import config
    from src.parser.model import add_model_args

    parser = argparse.ArgumentParser(add_help=False)
    add_model_args(parser)
    opt = vars(parser.parse_args(parser_args or []))
    opt.update(pose_rep="rot6d", translation=True, glob=True, glob_rot=None, fps=float(config.SMOG_FPS))
    opt.update(overrides)
    return opt


def train_step(model, optimizer, batch) -> None:
    """One training step as ``src/train/trainer.py`` takes it: loss, backward, clipping at 1, step."""
    import torch

    model.train()
    loss, _ = model.compute_loss(batch)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def iqr(values: Sequence[float]) -> tuple:
    """(25th, 75th) percentiles (inclusive method), for the spread column."""
    if len(values) < 2:
        return (values[0], values[0])
    q = statistics.quantiles(values, n=4, method="inclusive")
    return (q[0], q[2])


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
