"""Smooth scalar/vector curves over a time axis: the building blocks of every procedural action.

All functions take ``t`` as a (T,) array of seconds and return arrays whose first axis is T.
Eased transitions use the quintic "minimum-jerk" profile, whose velocity and acceleration are
zero at both ends, so that curves glued end to end never pop.
"""

import numpy as np


def minjerk(x):
    """Quintic ease 0 -> 1 on [0, 1] (clipped outside), zero velocity and acceleration at the ends."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (10.0 + x * (-15.0 + 6.0 * x))


def ramp(t, t0, t1):
    """(T,) 0 before ``t0``, 1 after ``t1``, min-jerk in between."""
    if t1 <= t0:
        return (t >= t0).astype(float)
    return minjerk((t - t0) / (t1 - t0))


def envelope(t, rise0, rise1, fall0, fall1):
    """(T,) 0 -> 1 over [rise0, rise1], 1 until fall0, back to 0 over [fall0, fall1]."""
    return ramp(t, rise0, rise1) * (1.0 - ramp(t, fall0, fall1))


def keyframes(t, times, values):
    """Pose-to-pose interpolation: min-jerk from each key to the next, holding outside.

    Args:
        t: (T,) sample times.
        times: (K,) increasing key times.
        values: (K, ...) key values.
    Returns:
        (T, ...) values, at rest (zero velocity) at every key.
    """
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    assert values.shape[0] == times.shape[0] and np.all(np.diff(times) > 0), (times, values.shape)
    idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    w = minjerk((t - times[idx]) / (times[idx + 1] - times[idx]))
    w = w.reshape(-1, *([1] * (values.ndim - 1)))
    return values[idx] * (1.0 - w) + values[idx + 1] * w


def smooth_keys(t, times, values):
    """Catmull-Rom spline through keys (velocity kept through the keys, zero at the ends).

    Args/returns as ``keyframes``; use this where a pose sequence should flow rather than stop.
    """
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    k = len(times)
    assert values.shape[0] == k >= 2 and np.all(np.diff(times) > 0)
    slopes = np.zeros_like(values)
    if k > 2:
        dt = (times[2:] - times[:-2]).reshape(-1, *([1] * (values.ndim - 1)))
        slopes[1:-1] = (values[2:] - values[:-2]) / dt
    idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, k - 2)
    h = times[idx + 1] - times[idx]
    s = np.clip((t - times[idx]) / h, 0.0, 1.0)
    shape = (-1, *([1] * (values.ndim - 1)))
    s, h = s.reshape(shape), h.reshape(shape)
    h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
    h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
    return h00 * values[idx] + h10 * h * slopes[idx] + h01 * values[idx + 1] + h11 * h * slopes[idx + 1]


def gaussian_smooth(x, sigma_frames: float):
    """Gaussian low-pass along axis 0 with edge-value padding; (T, ...) -> (T, ...)."""
    if sigma_frames <= 0:
        return x
    radius = int(np.ceil(3 * sigma_frames))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_frames) ** 2)
    kernel /= kernel.sum()
    pad = np.concatenate([np.repeat(x[:1], radius, 0), x, np.repeat(x[-1:], radius, 0)], 0)
    flat = pad.reshape(pad.shape[0], -1)
    out = np.stack([np.convolve(flat[:, i], kernel, mode="valid") for i in range(flat.shape[1])], 1)
    return out.reshape(x.shape)
