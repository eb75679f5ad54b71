"""The global trajectory of a (T, 22, 3) joint sequence: travel relative to the initial facing,
signed turning, height changes, a speed profile and airborne phases (numpy only).

Directions are the body's own at frame 0: forward is where the body faces, left is its left
(the hip and shoulder lines, as in ``src.metrics.signatures``); turning is positive to the left
(counter-clockwise seen from above, with Y up). The pelvis path is smoothed over half a second
first, so that the side-to-side sway of each step adds neither distance nor speed; net displacements
use the unsmoothed end points.
"""

import math
from typing import Dict, List, NamedTuple

import numpy as np

from src import config
from src.describe.segments import turning_points

J = config.JOINT_INDEX
SMOOTH_S = 0.5              # pelvis path smoothing window (seconds): about one walking step
TRAVEL_MIN_M = 0.3          # net displacement below this: "stays in place"
TURN_MIN_DEG = 30.0         # net heading change below this: "keeps its facing"
TURN_AROUND_DEG = 135.0     # at least this far: "turns around"
MOVING_SPEED_MS = 0.3       # pelvis speed above this counts as travelling
MIN_RUN_S = 0.25            # shorter moving or still stretches are merged into their neighbours
AIRBORNE_CLEARANCE_M = 0.05  # every ankle and foot joint this far above the floor: airborne (SPEC §4 contact)
# The floor under the body at a frame is the lowest foot point within this many seconds either side: a
# flight lasts well under a second, so gently sloping ground or a tilted capture floor is not taken for
# flight, as it would be against one floor height for the whole clip.
LOCAL_FLOOR_S = 1.0
# A flight of t seconds lifts the centre of mass by g t^2 / 8: 1.2 m for one second, beyond any
# human jump; longer stretches with both feet up are raised ground, not flight.
MAX_FLIGHT_S = 1.0
STEP_LIFT_M = 0.05          # an ankle rising and falling by this much is one step (hysteresis)
# Pace words from human gait speeds (SPEC §5): walk 1.2-1.5 m/s, jog 2.0-3.0, run 3.0-5.0.
PACE_BANDS = ((0.7, "slowly"), (1.9, "at walking pace"), (3.0, "at jogging pace"), (math.inf, "at running pace"))


class Stretch(NamedTuple):
    """A run of frames (``end`` inclusive)."""

    start: int
    end: int


def _smooth(x: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average along axis 0 with edge values repeated; (T, ...) -> (T, ...)."""
    if window <= 1 or len(x) < 3:
        return x
    window = min(window, len(x) - (1 - len(x) % 2))
    pad = window // 2
    padded = np.concatenate([np.repeat(x[:1], pad, 0), x, np.repeat(x[-1:], pad, 0)])
    kernel = np.ones(window) / window
    flat = padded.reshape(len(padded), -1)
    out = np.stack([np.convolve(flat[:, k], kernel, mode="valid") for k in range(flat.shape[1])], axis=1)
    return out.reshape((len(x),) + x.shape[1:])


def runs(mask: np.ndarray) -> List[Stretch]:
    """Stretches of consecutive True values of a (T,) boolean mask."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [Stretch(int(a), int(b)) for a, b in zip(starts, ends)]


def _merge_short(mask: np.ndarray, min_len: int) -> np.ndarray:
    """Flip runs (of either value) shorter than ``min_len`` frames that sit between two longer runs."""
    mask = mask.copy()
    for value in (False, True):
        for r in runs(mask == value):
            if r.end - r.start + 1 < min_len and r.start > 0 and r.end < len(mask) - 1:
                mask[r.start:r.end + 1] = not value
    return mask


def _local_floor(lowest: np.ndarray, half_window: int) -> np.ndarray:
    """(T,) the minimum of ``lowest`` (T,) over frames t - half_window .. t + half_window."""
    padded = np.concatenate([np.full(half_window, np.inf), lowest, np.full(half_window, np.inf)])
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * half_window + 1).min(axis=1)


def headings(joints: np.ndarray) -> np.ndarray:
    """(T,) heading angle in radians of each frame (0 = facing +Z, + = turned to the left)."""
    across = (joints[:, J["left_hip"]] - joints[:, J["right_hip"]]) + \
        (joints[:, J["left_shoulder"]] - joints[:, J["right_shoulder"]])
    return np.arctan2(-across[:, 2], across[:, 0])


def direction_word(forward: float, left: float) -> str:
    """'forward', 'backward', 'left', 'right' or a diagonal such as 'forward-left' for a displacement."""
    angle = math.degrees(math.atan2(left, forward))  # 0 = forward, +90 = left
    words = ((22.5, "forward"), (67.5, "forward-left"), (112.5, "left"), (157.5, "backward-left"))
    mirrored = ((22.5, "forward"), (67.5, "forward-right"), (112.5, "right"), (157.5, "backward-right"))
    for limit, word in (words if angle >= 0 else mirrored):
        if abs(angle) <= limit:
            return word
    return "backward"


def pace_word(speed: float) -> str:
    return next(word for limit, word in PACE_BANDS if speed < limit)


def summarize_trajectory(joints: np.ndarray, fps: float) -> Dict:
    """Travel, turning, height, speed and airborne phases of a clip.

    Args:
        joints: (T, 22, 3) positions, Y-up metres.
        fps: frames per second.
    Returns:
        a dict of plain numbers and words (keys below), distances in metres, angles in degrees,
        times in seconds.
    """
    x = np.asarray(joints, dtype=np.float64)
    num = len(x)
    pelvis = x[:, J["pelvis"]]
    path = _smooth(pelvis[:, [0, 2]], int(round(SMOOTH_S * fps)) | 1)        # (T, 2) x, z
    heading = headings(x)
    h0 = float(np.angle(np.exp(1j * heading[: max(1, int(round(0.1 * fps)))]).mean()))  # first 0.1 s
    forward0 = np.array([math.sin(h0), math.cos(h0)])                        # (x, z) of the initial facing
    left0 = np.array([math.cos(h0), -math.sin(h0)])
    ground = pelvis[:, [0, 2]]
    disp = ground[-1] - ground[0]  # end points unsmoothed: edge padding would shorten the path
    fwd, left = float(disp @ forward0), float(disp @ left0)
    net = math.hypot(fwd, left)
    step = np.linalg.norm(np.diff(path, axis=0), axis=1)
    distance = float(step.sum())
    turn_steps = np.angle(np.exp(1j * np.diff(heading)))                      # wrapped to (-pi, pi]
    turn = float(np.degrees(turn_steps.sum()))

    speed = np.zeros(num) if num < 2 else np.linalg.norm(np.gradient(path, axis=0), axis=1) * fps
    moving = _merge_short(speed > MOVING_SPEED_MS, max(1, int(round(MIN_RUN_S * fps))))
    moving_stretches = []
    for r in runs(moving):
        seg = ground[r.end] - ground[r.start]
        moving_stretches.append({
            "start_s": r.start / fps, "end_s": r.end / fps,
            "distance_m": float(step[r.start:r.end].sum()),
            "direction": direction_word(float(seg @ forward0), float(seg @ left0)),
            "mean_speed_ms": float(speed[r.start:r.end + 1].mean()),
            "peak_speed_ms": float(speed[r.start:r.end + 1].max())})
    per_second = [float(speed[int(round(s * fps)):int(round((s + 1) * fps))].mean())
                  for s in range(max(1, int(math.ceil((num - 1) / fps))))
                  if int(round(s * fps)) < num]

    feet_y = x[:, list(config.FLOOR_JOINTS), 1]
    floor = float(feet_y.min())
    lowest = feet_y.min(axis=1) - _local_floor(feet_y.min(axis=1), int(round(LOCAL_FLOOR_S * fps)))
    airborne = [{"start_s": r.start / fps, "end_s": (r.end + 1) / fps, "duration_s": (r.end - r.start + 1) / fps,
                 "height_m": float(lowest[r.start:r.end + 1].max())}
                for r in runs(lowest > AIRBORNE_CLEARANCE_M) if (r.end - r.start + 1) / fps <= MAX_FLIGHT_S]
    steps = _count_steps(x, floor)
    pelvis_y = pelvis[:, 1] - floor
    moving_time = float(sum(s["end_s"] - s["start_s"] for s in moving_stretches))
    mean_moving_speed = float(np.mean(speed[moving])) if moving.any() else 0.0
    return {
        "duration_s": (num - 1) / fps,
        "net_displacement_m": net,
        "forward_m": fwd,
        "left_m": left,
        "distance_m": distance,
        "direction": direction_word(fwd, left) if net >= TRAVEL_MIN_M else "in place",
        "turn_deg": turn,
        "turn_total_deg": float(np.degrees(np.abs(turn_steps).sum())),
        "turning": _turn_word(turn),
        "pelvis_height_start_m": float(pelvis_y[0]),
        "pelvis_height_min_m": float(pelvis_y.min()),
        "pelvis_height_max_m": float(pelvis_y.max()),
        "pelvis_drop_m": float(pelvis_y[0] - pelvis_y.min()),
        "pelvis_rise_m": float(pelvis_y.max() - pelvis_y[0]),
        "mean_speed_ms": float(speed.mean()),
        "peak_speed_ms": float(speed.max()),
        "moving_time_s": moving_time,
        "mean_moving_speed_ms": mean_moving_speed,
        "pace": pace_word(mean_moving_speed) if moving.any() else "",
        "speed_per_second_ms": per_second,
        "moving": moving_stretches,
        "steps": steps,
        "airborne": airborne,
    }


def _turn_word(turn: float) -> str:
    side = "left" if turn > 0 else "right"
    if abs(turn) >= TURN_AROUND_DEG:
        return f"turns around to the {side}"
    if abs(turn) >= TURN_MIN_DEG:
        return f"turns {side}"
    return "keeps its facing"


def _count_steps(x: np.ndarray, floor: float) -> Dict[str, int]:
    """Foot lifts per side: the ankle rising by ``STEP_LIFT_M`` and coming back down (hysteresis)."""
    out = {}
    for side in ("left", "right"):
        ankle = x[:, J[f"{side}_ankle"], 1] - floor
        out[side] = sum(1 for p in turning_points(ankle, STEP_LIFT_M) if p.kind > 0)
    return out
