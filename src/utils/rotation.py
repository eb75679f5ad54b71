"""Rotation representations, as thin wrappers over ``roma``.

One place decides the 6D convention (see ``src.config``): the first two columns
of the rotation matrix, flattened row-major to ``[R00, R01, R10, R11, R20, R21]``.
All functions are batched over leading axes and differentiable.
"""

import roma
import torch

from src.config import POSE_REPS  # noqa: F401  (re-exported: rotation.POSE_REPS)

CHANNELS = {"rotvec": 3, "rotmat": 9, "rotquat": 4, "rot6d": 6, "xyz": 3}


def axis_angle_to_matrix(rotvec: torch.Tensor) -> torch.Tensor:
    """(..., 3) radians -> (..., 3, 3)."""
    return roma.rotvec_to_rotmat(rotvec)


def matrix_to_axis_angle(rotmat: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 3) radians, angle in [0, pi]."""
    return roma.rotmat_to_rotvec(rotmat)


def matrix_to_rot6d(rotmat: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 6): first two columns, row-major."""
    return rotmat[..., :, :2].reshape(*rotmat.shape[:-2], 6)


def rot6d_to_matrix(rot6d: torch.Tensor) -> torch.Tensor:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt on the two stored columns."""
    return roma.special_gramschmidt(rot6d.reshape(*rot6d.shape[:-1], 3, 2))


def matrix_to_quat(rotmat: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 4) unit quaternion, XYZW (roma's order)."""
    return roma.rotmat_to_unitquat(rotmat)


def quat_to_matrix(quat: torch.Tensor) -> torch.Tensor:
    """(..., 4) XYZW -> (..., 3, 3); the quaternion is normalised first."""
    return roma.unitquat_to_rotmat(quat / quat.norm(dim=-1, keepdim=True).clamp_min(1e-8))


_TO_MATRIX = {
    "rotvec": axis_angle_to_matrix,
    "rotmat": lambda x: x.reshape(*x.shape[:-1], 3, 3),
    "rotquat": quat_to_matrix,
    "rot6d": rot6d_to_matrix,
}
_FROM_MATRIX = {
    "rotvec": matrix_to_axis_angle,
    "rotmat": lambda m: m.reshape(*m.shape[:-2], 9),
    "rotquat": matrix_to_quat,
    "rot6d": matrix_to_rot6d,
}


def to_matrix(x: torch.Tensor, pose_rep: str) -> torch.Tensor:
    """(..., C) in ``pose_rep`` -> (..., 3, 3)."""
    if pose_rep not in _TO_MATRIX:
        raise ValueError(f"pose_rep {pose_rep!r} is not a rotation; choose one of {sorted(_TO_MATRIX)}")
    return _TO_MATRIX[pose_rep](x)


def from_matrix(rotmat: torch.Tensor, pose_rep: str) -> torch.Tensor:
    """(..., 3, 3) -> (..., C) in ``pose_rep``."""
    if pose_rep not in _FROM_MATRIX:
        raise ValueError(f"pose_rep {pose_rep!r} is not a rotation; choose one of {sorted(_FROM_MATRIX)}")
    return _FROM_MATRIX[pose_rep](rotmat)


def rotation_about_y(angle: torch.Tensor) -> torch.Tensor:
    """(...,) radians -> (..., 3, 3), a right-handed turn about +Y (from +Z towards +X)."""
    zeros = torch.zeros_like(angle)
    return axis_angle_to_matrix(torch.stack([zeros, angle, zeros], dim=-1))


def slerp_rotvec(rotvec: torch.Tensor, src_times: torch.Tensor, dst_times: torch.Tensor) -> torch.Tensor:
    """Resample axis-angle tracks by spherical interpolation.

    Args:
        rotvec: (T, ..., 3) rotations sampled at ``src_times``.
        src_times: (T,) increasing sample times in seconds.
        dst_times: (T',) times to sample, clamped into ``src_times``' range.
    Returns:
        (T', ..., 3) axis-angle.
    """
    assert rotvec.shape[0] == src_times.shape[0], (rotvec.shape, src_times.shape)
    t = dst_times.clamp(src_times[0], src_times[-1])
    idx = torch.searchsorted(src_times, t, right=True).clamp(1, len(src_times) - 1) - 1
    span = (src_times[idx + 1] - src_times[idx]).clamp_min(1e-12)
    w = ((t - src_times[idx]) / span).clamp(0, 1)
    q0 = roma.rotvec_to_unitquat(rotvec[idx])
    q1 = roma.rotvec_to_unitquat(rotvec[idx + 1])
    w = w.reshape(-1, *([1] * (rotvec.dim() - 1)))
    # roma.unitquat_slerp takes the shortest arc; a per-element weight is applied by
    # interpolating each pair along its own geodesic.
    q = _slerp(q0, q1, w)
    return roma.unitquat_to_rotvec(q)


def _slerp(q0: torch.Tensor, q1: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Shortest-arc slerp of unit quaternions (..., 4) with weights broadcastable to (..., 1)."""
    dot = (q0 * q1).sum(-1, keepdim=True)
    q1 = torch.where(dot < 0, -q1, q1)
    dot = dot.abs().clamp(max=1.0)
    theta = torch.acos(dot)
    sin = torch.sin(theta)
    small = sin < 1e-6
    a = torch.where(small, 1 - w, torch.sin((1 - w) * theta) / sin.clamp_min(1e-6))
    b = torch.where(small, w, torch.sin(w * theta) / sin.clamp_min(1e-6))
    q = a * q0 + b * q1
    return q / q.norm(dim=-1, keepdim=True)
