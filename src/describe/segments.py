"""Peak-valley segmentation of one angle's time series into phases, and repetition counting.

A turning point (peak or valley) is confirmed only once the signal has moved back from it by at
least ``AMPLITUDE_THRESHOLD_DEG`` (hysteresis, as a zig-zag filter does). Wobble, tremor and
capture noise smaller than the threshold therefore never split a movement, and need no smoothing
filter first (which would shift the extremes in time). The start and the end of the clip are phase
boundaries but never turning points.

A phase is the stretch between two consecutive boundaries: the angle rises or falls by ``change``
degrees. Its movement time is where it passes from 10% to 90% of that change, so a raise followed
by a long hold is timed by the raise, not by the hold.
"""

from typing import List, NamedTuple, Optional

import numpy as np

# An angle must travel at least this far, in degrees, and back for a peak or a valley to count.
# 10 deg is above marker and retargeting jitter (a few degrees) and below the smallest deliberate
# joint movements described (an elbow swinging in a walk: 15-30 deg).
AMPLITUDE_THRESHOLD_DEG = 10.0
_PROGRESS_FROM, _PROGRESS_TO = 0.1, 0.9  # movement time: 10% -> 90% of a phase's change


class TurningPoint(NamedTuple):
    frame: int
    kind: int  # +1 peak, -1 valley


class Phase(NamedTuple):
    """One monotone stretch of an angle (frames at the clip's fps, ``end`` inclusive)."""

    start: int
    end: int
    start_deg: float
    end_deg: float
    move_start: int      # first frame past 10% of the change
    move_end: int        # first frame past 90% of the change
    peak_speed: float    # deg/s, the largest frame-to-frame rate inside the phase

    @property
    def change(self) -> float:
        return self.end_deg - self.start_deg


class AngleSegments(NamedTuple):
    """Segmentation of one angle: its phases, turning points and summary numbers."""

    phases: List[Phase]
    turning_points: List[TurningPoint]
    repetitions: int                 # bend-and-return movements: max(#peaks, #valleys)
    cycles_per_s: Optional[float]    # 1 / median spacing of same-kind turning points; None under 2 of a kind
    excursion: float                 # degrees travelled over phases of at least the threshold
    range_deg: float                 # max - min over the clip
    mean_deg: float


def turning_points(signal: np.ndarray, threshold: float = AMPLITUDE_THRESHOLD_DEG) -> List[TurningPoint]:
    """Peaks and valleys of ``signal`` (T,) that the signal leaves by at least ``threshold``, in order."""
    x = np.asarray(signal, dtype=np.float64)
    points: List[TurningPoint] = []
    direction = 0  # +1 rising, -1 falling, 0 not yet moved by the threshold
    hi = lo = 0    # index of the highest / lowest value since the last confirmed point
    for i in range(1, len(x)):
        if x[i] > x[hi]:
            hi = i
        if x[i] < x[lo]:
            lo = i
        if direction >= 0 and x[hi] - x[i] >= threshold:
            if direction > 0:
                points.append(TurningPoint(hi, +1))
            direction, lo = -1, i
        elif direction <= 0 and x[i] - x[lo] >= threshold:
            if direction < 0:
                points.append(TurningPoint(lo, -1))
            direction, hi = +1, i
    return points


def _phase(x: np.ndarray, start: int, end: int, fps: float) -> Phase:
    change = x[end] - x[start]
    seg = x[start:end + 1]
    if abs(change) > 0:
        progress = (seg - x[start]) / change
        move_start = start + int(np.argmax(progress >= _PROGRESS_FROM))
        move_end = start + int(np.argmax(progress >= _PROGRESS_TO))
    else:
        move_start, move_end = start, end
    speed = float(np.abs(np.diff(seg)).max() * fps) if end > start else 0.0
    return Phase(start, end, float(x[start]), float(x[end]), move_start, max(move_end, move_start), speed)


def segment_angle(signal: np.ndarray, fps: float, threshold: float = AMPLITUDE_THRESHOLD_DEG) -> AngleSegments:
    """Split one angle (T,) in degrees into phases at its turning points.

    Args:
        signal: (T,) degrees.
        fps: frames per second of ``signal``.
        threshold: the hysteresis amplitude (degrees).
    """
    x = np.asarray(signal, dtype=np.float64)
    points = turning_points(x, threshold)
    bounds = [0] + [p.frame for p in points] + [len(x) - 1]
    phases = [_phase(x, a, b, fps) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    peaks = [p.frame for p in points if p.kind > 0]
    valleys = [p.frame for p in points if p.kind < 0]
    gaps = np.concatenate([np.diff(peaks), np.diff(valleys)]) if len(points) else np.zeros(0)
    rate = float(fps / np.median(gaps)) if len(gaps) else None
    excursion = float(sum(abs(p.change) for p in phases if abs(p.change) >= threshold))
    return AngleSegments(phases, points, max(len(peaks), len(valleys)), rate, excursion,
                         float(np.ptp(x)) if len(x) else 0.0, float(x.mean()) if len(x) else 0.0)
