"""Geometry and timing helpers for the matplotlib motion renderer (``src.rendering.anim``).

Axes. Joint positions are in the project's frame (``src.config``): Y-up metres, facing +Z
in frame 0, the body's left side is +X. matplotlib's 3D axes are Z-up, so data points are
drawn at plot coordinates (x, y, z) = (X, -Z, Y). The minus sign matters: mapping Z to plot
y without it would swap two axes, a reflection that shows every motion mirrored (left and
right exchanged). (X, -Z, Y) is a proper rotation (determinant +1).

Camera. ``elev`` (degrees above the floor) and ``azim`` (degrees about the up axis, measured
in the data frame like a heading: 0 = camera on the +Z axis, i.e. in front of a body that
faces +Z, positive towards +X, the body's left). ``mpl_view`` turns them into matplotlib's
``view_init`` angles.
"""

import math
from typing import Optional, Sequence

import numpy as np

from src import config

# Left limbs red, right limbs blue, spine and head dark grey.
SIDE_COLOURS = {"left": "#d62728", "right": "#1f77b4", "centre": "#404040"}
FLOOR_COLOUR = "#b0b0b0"
TRAJECTORY_COLOUR = "#2ca02c"

# Joint counts accepted: SMPL body (HumanML3D), SMPL-24, SMPL+H 52 and SMPL-X 55. The last two
# share SMPL's first 22 joints; their finger/face joints are not drawn.
DRAWN_JOINTS = {22: 22, 24: 24, 52: 22, 55: 22}

DEFAULT_ELEV = 20.0  # the default camera of both renderers: 20 degrees above the floor,
DEFAULT_AZIM = -35.0  # 35 degrees from the front towards the body's right

MAX_GIF_FPS = 50.0  # browsers play GIF delays under 20 ms as 100 ms


def validate_joints(joints, name: str = "joints") -> np.ndarray:
    """Check a clip of joint positions and return it as float32 numpy, drawable joints only.

    Args:
        joints: (T, J, 3) numpy array or torch tensor, J in 22 / 24 / 52 / 55.
    Returns:
        (T, J', 3) float32 with J' = 22 or 24.
    Raises:
        ValueError naming the shape when it is not (T, J, 3), or the frames holding NaN / inf.
    """
    if hasattr(joints, "detach"):  # torch tensor, without importing torch here
        joints = joints.detach().cpu().numpy()
    arr = np.asarray(joints)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[1] not in DRAWN_JOINTS or arr.shape[0] < 1:
        hint = ""
        if arr.ndim == 3 and arr.shape[1] == 3 and arr.shape[0] in DRAWN_JOINTS:
            hint = " (this looks frames-last (J, 3, T): pass joints.transpose(2, 0, 1))"
        raise ValueError(
            f"{name} must have shape (T, J, 3) with T >= 1 and J in {sorted(DRAWN_JOINTS)}, "
            f"got shape {tuple(arr.shape)}{hint}"
        )
    if not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = arr[:, : DRAWN_JOINTS[arr.shape[1]]].astype(np.float32)
    bad = ~np.isfinite(arr).all(axis=(1, 2))
    if bad.any():
        frames = np.flatnonzero(bad)
        raise ValueError(
            f"{name} of shape {tuple(arr.shape)} contains NaN or inf in {len(frames)} frame(s), "
            f"first ones: {frames[:5].tolist()}"
        )
    return arr


def to_plot(points: np.ndarray) -> np.ndarray:
    """(..., 3) data (X, Y-up, Z) -> (..., 3) matplotlib plot coordinates (X, -Z, Y)."""
    return np.stack([points[..., 0], -points[..., 2], points[..., 1]], axis=-1)


def mpl_view(elev: float, azim: float) -> tuple:
    """Camera angles in the data frame (see module docstring) -> matplotlib (elev, azim)."""
    a = math.radians(azim)
    # Camera direction in data (sin a, ., cos a) -> plot (sin a, -cos a, .).
    return elev, math.degrees(math.atan2(-math.cos(a), math.sin(a)))


def camera_direction(elev: float, azim: float) -> np.ndarray:
    """(3,) unit vector from the scene towards the camera, in the data frame."""
    e, a = math.radians(elev), math.radians(azim)
    return np.array([math.cos(e) * math.sin(a), math.sin(e), math.cos(e) * math.cos(a)])


def kinematic_chains(num_joints: int) -> list:
    """Split the SMPL tree into unbranched chains, each drawn as one polyline.

    A chain runs from a leaf or branching joint up to the next branching joint or the root
    (22 joints: two legs, lower spine, neck-head, two arms).
    Returns:
        [(joint indices, side)] with side "left", "right" or "centre" (from the joint names).
    """
    parents = config.SMPL_PARENTS[:num_joints]
    n_children = [0] * num_joints
    for p in parents[1:]:
        n_children[p] += 1
    key = [j == 0 or n_children[j] != 1 for j in range(num_joints)]
    chains = []
    for start in range(1, num_joints):
        if not key[start]:
            continue
        chain = [start]
        while not key[chain[-1]] or chain[-1] == start:
            chain.append(parents[chain[-1]])
        names = [config.SMPL_JOINT_NAMES[j] for j in chain]
        side = next((s for s in ("left", "right") if any(n.startswith(s + "_") for n in names)), "centre")
        chains.append((tuple(chain), side))
    return chains


def smooth_path(xz: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average of a (T, 2) path; ends are extended by point reflection so that
    a constant-velocity path is returned unchanged (no lag at the start and end)."""
    half = window // 2
    if half < 1 or len(xz) < 2:
        return xz.copy()
    half = min(half, len(xz) - 1)
    head = 2 * xz[0] - xz[half:0:-1]
    tail = 2 * xz[-1] - xz[-2 : -half - 2 : -1]
    padded = np.concatenate([head, xz, tail])  # (T + 2 half, 2)
    kernel = np.ones(2 * half + 1) / (2 * half + 1)
    return np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(2)], axis=1)


def view_boxes(joints: np.ndarray, fps: float, floor: float, follow=None,
               follow_extent: float = 4.0, min_half: float = 1.0, margin: float = 0.25):
    """Axis limits for every frame, with the same box size over the whole clip.

    Fixed mode: one square floor window covering every joint of the clip. Follow mode (used when
    the clip's horizontal extent is over ``follow_extent`` metres, or when ``follow`` is True):
    the window keeps its size and its centre follows the root's floor path, smoothed over one
    second so that steps do not shake the camera; the size is chosen so the body never leaves it.
    Args:
        joints: (T, J, 3) positions. fps: frames per second. floor: floor height (data Y).
    Returns:
        centres (T, 2) window centres in data (X, Z); half (float) half side of the floor window;
        (y_low, y_high) vertical limits.
    """
    xz = joints[..., [0, 2]]  # (T, J, 2)
    lo, hi = xz.reshape(-1, 2).min(0), xz.reshape(-1, 2).max(0)
    if follow is None:
        follow = bool((hi - lo).max() > follow_extent)
    if follow:
        centres = smooth_path(xz[:, 0], max(1, int(round(fps))))
        half = float(np.abs(xz - centres[:, None]).max()) + margin
    else:
        centres = np.repeat(((lo + hi) / 2)[None], len(joints), axis=0)
        half = float((hi - lo).max() / 2) + margin
    half = max(half, min_half)
    y = joints[..., 1]
    y_low = min(floor, float(y.min())) - 0.02
    y_high = max(float(y.max()), floor + 1.0) + 0.1
    return centres, half, (y_low, y_high)


def frame_step(fps: float, max_fps: float) -> int:
    """Smallest frame subsampling step that keeps the played rate at or below ``max_fps``."""
    return max(1, math.ceil(fps / max_fps - 1e-9))


def gif_durations(num_shown: int, fps: float, step: int) -> list:
    """Per-frame GIF delays in ms, multiples of 10 (GIF stores centiseconds), for frames taken
    every ``step`` source frames. Rounding is done on the running end time, so the total is
    real-time within 5 ms (30 fps plays as 30, 30, 40 ms delays instead of a slow 30, 30, 30)."""
    interval_cs = step * 100.0 / fps
    ends = [int(math.floor((k + 1) * interval_cs + 0.5)) for k in range(num_shown)]
    return [10 * (b - a) for a, b in zip([0] + ends[:-1], ends)]


def validate_figure_inputs(clips: Sequence, fps: float, titles: Optional[Sequence[str]]) -> list:
    """The checks every animation makes of its inputs: a positive fps, at least one clip, valid
    (T, J, 3) joints (``validate_joints``) and one title per clip; returns the clips as arrays.

    Raises:
        ValueError: naming what is wrong.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a positive number, got {fps}")
    if len(clips) == 0:
        raise ValueError("no clips to draw")
    clips = [validate_joints(c, name=f"clip {k}" if len(clips) > 1 else "joints") for k, c in enumerate(clips)]
    if titles is not None and len(titles) != len(clips):
        raise ValueError(f"{len(titles)} titles for {len(clips)} clips")
    return clips
