"""Physical and reconstruction metrics of joint-position motions (SPEC §4).

Inputs are canonical joints (T, 22, 3) (``src.config``: Y-up metres, floor at y = 0), numpy or
torch; every function returns plain Python floats. Distances are reported in millimetres where
SPEC asks for mm, and each docstring states its unit.

Physical (SPEC §4 "Physical"):
    foot_skating       feet = ``config.FOOT_JOINTS`` (joints 10, 11), resampled to
                       ``config.METRIC_FPS`` (20 fps) first; contact, speed and ratio defined below.
    floor_contact      penetration / floating of the lowest ankle-or-foot point, 5 mm tolerance.
    jitter             mean |third difference| x fps^3 (m/s^3), at the clip's own frame rate.
    bone_length_drift  std over time of each bone's length (mm).
Reconstruction (SPEC §4 "Reconstruction"):
    mpjpe (root-aligned), pa_mpjpe (per-frame Procrustes), acceleration_error; all in mm.

"|v|" for a 3D (or horizontal 2D) vector always means its Euclidean norm.
"""

import numpy as np

from src import config

CONTACT_HEIGHT = 0.05      # m: a foot is in contact below this height (SPEC §4)
SKATING_SPEED = 0.5        # m/s: a contact foot moving faster than this skates (SPEC §4)
SMOOTHING_WINDOW = 5       # frames of the moving average of the horizontal speed (SPEC §4)
FLOOR_TOLERANCE = 0.005    # m: 5 mm tolerance of penetration and floating (SPEC §4)

# The 21 bones of the 22 body joints: (child, parent) for every joint but the pelvis.
BODY_BONES = tuple((j, config.SMPL_PARENTS[j]) for j in range(1, config.NUM_BODY_JOINTS))


def as_body_joints(joints) -> np.ndarray:
    """(T, >=22, 3) numpy or torch -> (T, 22, 3) float64 numpy (the body joints; asserts the shape)."""
    if hasattr(joints, "detach"):
        joints = joints.detach().cpu().numpy()
    arr = np.asarray(joints, dtype=np.float64)
    assert arr.ndim == 3 and arr.shape[1] >= config.NUM_BODY_JOINTS and arr.shape[2] == 3, arr.shape
    return arr[:, : config.NUM_BODY_JOINTS]


def _pair(pred, target):
    p, t = as_body_joints(pred), as_body_joints(target)
    assert p.shape == t.shape, (p.shape, t.shape)
    return p, t


def resample_joints(joints, fps: float, target_fps: float = config.METRIC_FPS) -> np.ndarray:
    """Joints at ``target_fps`` by linear interpolation in time.

    Frame k of the output is at time k / target_fps (clamped to the last source frame); the number
    of output frames follows ``config.resampled_num_frames`` so all resampling in the project
    agrees. No re-canonicalisation (the metrics must see the motion as given).

    Args:
        joints: (T, 22, 3); fps: its frame rate.
    Returns:
        (T', 22, 3) float64.
    """
    arr = as_body_joints(joints)
    num = arr.shape[0]
    assert fps > 0 and target_fps > 0, (fps, target_fps)
    if num == 1 or abs(fps - target_fps) < 1e-9:
        return arr
    src = np.arange(num, dtype=np.float64) / fps
    dst = np.minimum(np.arange(config.resampled_num_frames(num, fps, target_fps), dtype=np.float64) / target_fps, src[-1])
    pos = dst * fps
    lo = np.clip(np.floor(pos).astype(np.int64), 0, num - 2)
    w = np.clip(pos - lo, 0.0, 1.0)[:, None, None]
    return (1.0 - w) * arr[lo] + w * arr[lo + 1]


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average along axis 0; near the ends it averages the samples that exist."""
    kernel = np.ones(window)
    sums = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), 0, values)
    counts = np.convolve(np.ones(len(values)), kernel, mode="same")
    return sums / counts.reshape(-1, *([1] * (values.ndim - 1)))


# ---------------------------------------------------------------------- physical
def foot_skating(joints, fps: float) -> dict:
    """Foot skating ratio (SPEC §4), computed at ``config.METRIC_FPS`` (20 fps).

    The clip is first resampled to 20 fps. For each foot f in ``config.FOOT_JOINTS`` and each pair of
    adjacent frames (t, t+1):
        contact  = height(t) < 0.05 m and height(t+1) < 0.05 m
        speed    = |horizontal (x, z) displacement from t to t+1| x 20      (m/s)
        skating  = contact and speed > 0.5 m/s
    The smoothed variant replaces ``speed`` with its centred 5-pair moving average (per foot; at the
    clip ends the window is truncated and averages the pairs that exist).

    Denominator: the number of contact frame-pairs summed over both feet (a pair where only one foot
    is in contact counts once). The numerator is the number of those contact pairs that skate. A clip
    with no contact pair (e.g. fully airborne, or a single frame) has ratio 0.0.

    Args:
        joints: (T, 22, 3) metres, Y-up, floor at y = 0; fps: its frame rate.
    Returns:
        dict(skating_ratio, skating_ratio_smoothed: fractions in [0, 1],
             skating_ratio_per_foot, skating_ratio_smoothed_per_foot: [left, right] in the order of
             ``config.FOOT_JOINTS`` (0.0 for a foot with no contact),
             contact_pairs: the denominator (int)).
    """
    arr = resample_joints(joints, fps, config.METRIC_FPS)
    feet = arr[:, list(config.FOOT_JOINTS)]                                  # (T, 2, 3)
    height = feet[..., 1]                                                    # (T, 2)
    contact = (height[:-1] < CONTACT_HEIGHT) & (height[1:] < CONTACT_HEIGHT)  # (T-1, 2)
    horizontal = feet[1:][..., [0, 2]] - feet[:-1][..., [0, 2]]              # (T-1, 2, 2)
    speed = np.linalg.norm(horizontal, axis=-1) * config.METRIC_FPS          # (T-1, 2) m/s
    smoothed = _moving_average(speed, SMOOTHING_WINDOW) if len(speed) else speed
    assert contact.shape == speed.shape == smoothed.shape, (contact.shape, speed.shape)

    def ratio(skate, axis=None):
        num = (skate & contact).sum(axis=axis)
        den = contact.sum(axis=axis)
        return np.where(den > 0, num / np.maximum(den, 1), 0.0)

    raw, smooth = speed > SKATING_SPEED, smoothed > SKATING_SPEED
    return {
        "skating_ratio": float(ratio(raw)),
        "skating_ratio_smoothed": float(ratio(smooth)),
        "skating_ratio_per_foot": [float(v) for v in ratio(raw, axis=0)],
        "skating_ratio_smoothed_per_foot": [float(v) for v in ratio(smooth, axis=0)],
        "contact_pairs": int(contact.sum()),
    }


def floor_contact(joints) -> dict:
    """Penetration and floating versus the floor y = 0, with a 5 mm tolerance (SPEC §4).

    Per frame, ``lowest`` = the smallest height among the ankle and foot joints
    (``config.FLOOR_JOINTS``). Then, averaged over all frames (frames within tolerance count as 0):
        penetration_mm = mean_t max(0, -0.005 - lowest_t)   x 1000
        floating_mm    = mean_t max(0, lowest_t - 0.005)    x 1000
    i.e. how far the lowest point goes below -5 mm, and how far it stays above +5 mm. Frame rate
    independent, so no resampling.

    Args:
        joints: (T, 22, 3) metres, Y-up, floor at y = 0.
    Returns:
        dict(penetration_mm, floating_mm) floats, mm.
    """
    arr = as_body_joints(joints)
    lowest = arr[:, list(config.FLOOR_JOINTS), 1].min(axis=1)  # (T,)
    return {
        "penetration_mm": float(np.maximum(0.0, -FLOOR_TOLERANCE - lowest).mean() * 1000.0),
        "floating_mm": float(np.maximum(0.0, lowest - FLOOR_TOLERANCE).mean() * 1000.0),
    }


def jitter(joints, fps: float) -> float:
    """Mean |third difference| x fps^3 over joints and frames (SPEC §4), in m/s^3.

    Computed at the clip's own ``fps`` (SPEC names no rate for jitter; resample with
    ``resample_joints`` first to compare clips of different rates). |.| is the 3D norm of each
    joint's third difference. Clips with fewer than 4 frames give 0.0.

    Args:
        joints: (T, 22, 3) metres; fps: its frame rate.
    Returns:
        float, m/s^3.
    """
    arr = as_body_joints(joints)
    if arr.shape[0] < 4:
        return 0.0
    third = np.diff(arr, n=3, axis=0)  # (T-3, 22, 3)
    return float(np.linalg.norm(third, axis=-1).mean() * fps ** 3)


def bone_length_drift(joints) -> dict:
    """How much bone lengths change over the clip (SPEC §4).

    For each of the 21 bones (child, ``config.SMPL_PARENTS[child]``) of the 22 body joints, the
    standard deviation over frames (population, ddof = 0) of its length.

    Args:
        joints: (T, 22, 3) metres.
    Returns:
        dict(bone_drift_mean_mm: mean over bones, bone_drift_max_mm: the worst bone), mm.
    """
    arr = as_body_joints(joints)
    child = [c for c, _ in BODY_BONES]
    parent = [p for _, p in BODY_BONES]
    lengths = np.linalg.norm(arr[:, child] - arr[:, parent], axis=-1)  # (T, 21)
    std = lengths.std(axis=0) * 1000.0
    return {"bone_drift_mean_mm": float(std.mean()), "bone_drift_max_mm": float(std.max())}


# ------------------------------------------------------------------ reconstruction
def mpjpe(pred, target) -> float:
    """Root-aligned mean per-joint position error (SPEC §4), in mm.

    Each frame of both motions is translated so its pelvis (joint 0) is at the origin; the error is
    the 3D distance per joint, averaged over frames and all 22 joints (the pelvis contributes 0).

    Args:
        pred, target: (T, 22, 3) metres.
    Returns:
        float, mm.
    """
    p, t = _pair(pred, target)
    p = p - p[:, :1]
    t = t - t[:, :1]
    return float(np.linalg.norm(p - t, axis=-1).mean() * 1000.0)


def procrustes_align(pred, target) -> np.ndarray:
    """Per-frame similarity transform (rotation, uniform scale, translation) of ``pred`` onto
    ``target`` minimising the squared joint distances (Umeyama); the rotation is forced proper
    (det = +1, no reflection).

    Args:
        pred, target: (T, 22, 3).
    Returns:
        (T, 22, 3) aligned ``pred``, float64.
    """
    p, t = _pair(pred, target)
    mu_p, mu_t = p.mean(axis=1, keepdims=True), t.mean(axis=1, keepdims=True)
    x, y = p - mu_p, t - mu_t
    cov = np.einsum("tji,tjk->tik", x, y)           # (T, 3, 3) = X^T Y
    u, s, vt = np.linalg.svd(cov)
    d = np.sign(np.linalg.det(np.einsum("tij,tjk->tik", vt.transpose(0, 2, 1), u.transpose(0, 2, 1))))
    d = np.where(d == 0, 1.0, d)
    diag = np.ones((len(p), 3))
    diag[:, 2] = d
    rot = np.einsum("tji,tj,tkj->tik", vt, diag, u)  # R = V D U^T, so y ~ s R x
    var = (x ** 2).sum(axis=(1, 2))
    scale = (s * diag).sum(axis=1) / np.maximum(var, 1e-12)
    return scale[:, None, None] * np.einsum("tik,tjk->tji", rot, x) + mu_t


def pa_mpjpe(pred, target) -> float:
    """Procrustes-aligned MPJPE (SPEC §4), in mm: each frame of ``pred`` is aligned to ``target``
    by ``procrustes_align`` (rotation, scale, translation, no reflection), then the mean 3D joint
    distance over frames and joints.

    Args:
        pred, target: (T, 22, 3) metres.
    Returns:
        float, mm.
    """
    aligned = procrustes_align(pred, target)
    _, t = _pair(pred, target)
    return float(np.linalg.norm(aligned - t, axis=-1).mean() * 1000.0)


def acceleration_error(pred, target, fps: float) -> float:
    """Acceleration error (SPEC §4), in mm/s^2.

    Acceleration = second difference x fps^2 of the joint positions as given (no alignment; a
    constant global offset or velocity has zero acceleration anyway). The error is the mean over
    frames and joints of the 3D norm of (pred acceleration - target acceleration). Clips with fewer
    than 3 frames give 0.0. Divide by fps^2 for the per-frame (mm/frame^2) unit some papers use.

    Args:
        pred, target: (T, 22, 3) metres; fps: their frame rate.
    Returns:
        float, mm/s^2.
    """
    p, t = _pair(pred, target)
    if p.shape[0] < 3:
        return 0.0
    diff = np.diff(p, n=2, axis=0) - np.diff(t, n=2, axis=0)  # (T-2, 22, 3)
    return float(np.linalg.norm(diff, axis=-1).mean() * fps ** 2 * 1000.0)


# ------------------------------------------------------------------ motion soundness
HOVER_HEIGHT = 0.06  # m: a frame hovers when its lowest foot joint is higher than this (SPEC §4)


def ankle_lift(joints) -> float:
    """The smaller of the two ankles' (joints 7, 8) height ranges over the clip (SPEC §4), in metres.

    A stepping walk lifts each ankle 10-20 cm; a gliding one keeps both near the floor.

    Args:
        joints: (T, 22, 3) metres, Y-up.
    Returns:
        float, m.
    """
    heights = as_body_joints(joints)[:, list(config.ANKLE_JOINTS), 1]  # (T, 2)
    return float((heights.max(axis=0) - heights.min(axis=0)).min())


def pelvis_drift(joints) -> float:
    """The largest horizontal distance of the pelvis from its frame-0 position (SPEC §4), in metres.

    Args:
        joints: (T, 22, 3) metres, Y-up.
    Returns:
        float, m.
    """
    pelvis = as_body_joints(joints)[:, 0, [0, 2]]  # (T, 2)
    return float(np.linalg.norm(pelvis - pelvis[:1], axis=-1).max())


def hovering(joints) -> float:
    """Share of frames whose lowest foot joint (7, 8, 10, 11) is more than 6 cm above the clip's
    floor (its lowest foot point over the clip), SPEC §4.

    Args:
        joints: (T, 22, 3) metres, Y-up.
    Returns:
        float in [0, 1].
    """
    lowest = as_body_joints(joints)[:, list(config.FLOOR_JOINTS), 1].min(axis=1)  # (T,)
    return float((lowest - lowest.min() > HOVER_HEIGHT).mean())


def hip_heading(joints) -> np.ndarray:
    """(T,) heading of the hip line in radians: 0 when the body faces +Z (its left = +X), positive
    after turning to the left (counterclockwise seen from above)."""
    arr = as_body_joints(joints)
    left, right = config.HIP_JOINTS
    across = arr[:, left] - arr[:, right]            # (T, 3), points to the body's left
    return np.arctan2(-across[:, 2], across[:, 0])


def peak_heading_rate(joints, fps: float) -> float:
    """The largest frame-to-frame change of the hip line's heading times fps (SPEC §4), deg/s.

    Args:
        joints: (T, 22, 3) metres, Y-up; fps: its frame rate.
    Returns:
        float, degrees per second (0.0 for a single frame).
    """
    heading = hip_heading(joints)
    if len(heading) < 2:
        return 0.0
    step = np.angle(np.exp(1j * np.diff(heading)))  # wrapped to (-pi, pi]
    return float(np.degrees(np.abs(step)).max() * fps)
