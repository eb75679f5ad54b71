"""Axis conversions and canonicalisation to the output convention of ``src.config``.

Canonical joint positions: Y-up, floor at y = 0 (lowest ankle/foot point over the
clip), root at x = z = 0 in frame 0, facing +Z in frame 0.
"""

import math
from typing import Optional

import torch

from src import config
from src.utils import rotation

# AMASS is Z-up; a -90 degree turn about X maps its up axis (+Z) onto +Y (SPEC §2).
ZUP_TO_YUP = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
YUP_TO_ZUP = ZUP_TO_YUP.T.contiguous()


# SMPL adds the rest pelvis J0 to ``trans`` without turning it by the root orientation,
# so AMASS's ``trans`` is the Z-up pelvis minus an *unrotated* J0. Converting axes exactly
# therefore turns the pelvis position, not ``trans``. J0 of the built-in skeleton is used
# (SMPL's neutral J0 differs by about 3 cm; canonicalisation removes any such constant).
BUILTIN_REST_PELVIS = torch.tensor(config.BUILTIN_REST_OFFSETS[0])


def zup_to_yup(root_rotmat: torch.Tensor, trans: torch.Tensor, rest_pelvis: torch.Tensor = BUILTIN_REST_PELVIS):
    """Turn AMASS Z-up parameters into Y-up ones.

    Args:
        root_rotmat: (T, 3, 3) global root orientation.
        trans: (T, 3) AMASS root translation in metres.
        rest_pelvis: (3,) the body's rest pelvis J0 (see above).
    Returns:
        (root_rotmat, trans) in Y-up, such that the posed pelvis (J0 + trans) is the
        Z-up pelvis turned by -90 degrees about X.
    """
    r = ZUP_TO_YUP.to(root_rotmat)
    p0 = rest_pelvis.to(trans)
    return r @ root_rotmat, (trans + p0) @ r.T - p0


def yup_to_zup(root_rotmat: torch.Tensor, trans: torch.Tensor, rest_pelvis: torch.Tensor = BUILTIN_REST_PELVIS):
    """Inverse of ``zup_to_yup``: (T, 3, 3), (T, 3) Y-up -> AMASS Z-up."""
    r = YUP_TO_ZUP.to(root_rotmat)
    p0 = rest_pelvis.to(trans)
    return r @ root_rotmat, (trans + p0) @ r.T - p0


def heading_from_joints(joints: torch.Tensor) -> torch.Tensor:
    """Yaw of the body's forward direction.

    Args:
        joints: (..., J, 3) Y-up positions, J >= 18 (SMPL order).
    Returns:
        (...,) angle about +Y, 0 when facing +Z, positive towards +X.
    """
    lh, rh = config.HIP_JOINTS
    ls, rs = config.SHOULDER_JOINTS
    across = (joints[..., lh, :] - joints[..., rh, :]) + (joints[..., ls, :] - joints[..., rs, :])
    # forward = (left - right) x up, with up = +Y: (x, y, z) x (0, 1, 0) = (-z, 0, x)
    fwd_x, fwd_z = -across[..., 2], across[..., 0]
    return torch.atan2(fwd_x, fwd_z)


def heading_from_root(root_rotmat: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) Y-up root orientation -> (...,) yaw of the pelvis' local +Z axis."""
    fwd = root_rotmat[..., :, 2]
    return torch.atan2(fwd[..., 0], fwd[..., 2])


def canonicalize_joints(joints: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Put a clip of joint positions, or a padded batch of them, into the canonical convention.

    Args:
        joints: (T, J, 3) or (B, T, J, 3) Y-up positions in metres.
        mask: (B, T) bool, True at real frames (batches only; default: every frame is real).
    Returns:
        joints' shape: floor at 0 (the lowest foot point of the real frames), frame-0 root at
        x = z = 0, frame-0 facing +Z; padded frames are moved alike.
    """
    assert joints.dim() in (3, 4) and joints.shape[-1] == 3, joints.shape
    assert mask is None or (joints.dim() == 4 and mask.shape == joints.shape[:2]), (joints.shape, mask)
    batch = joints if joints.dim() == 4 else joints[None]
    foot = batch[:, :, list(config.FLOOR_JOINTS), 1].amin(-1)  # (B, T)
    if mask is not None:
        foot = foot.masked_fill(~mask, float("inf"))
    root0 = batch[:, 0, 0]  # (B, 3)
    shift = torch.stack([root0[:, 0], foot.amin(-1), root0[:, 2]], dim=-1)  # (B, 3)
    turn = rotation.rotation_about_y(-heading_from_joints(batch[:, 0])).to(batch)  # (B, 3, 3)
    out = (batch - shift[:, None, None]) @ turn.transpose(-1, -2)[:, None]
    return out if joints.dim() == 4 else out[0]


def canonicalize_params(root_rotmat: torch.Tensor, trans: torch.Tensor, joints: torch.Tensor):
    """Canonicalise SMPL parameters together with the joints they produce.

    Args:
        root_rotmat: (T, 3, 3) Y-up global root orientation.
        trans: (T, 3) root translation.
        joints: (T, J, 3) positions posed from these parameters.
    Returns:
        (root_rotmat, trans, joints) turned so that frame 0 faces +Z (yaw from the joints'
        hips and shoulders, as for ``canonicalize_joints``) and shifted so that the
        frame-0 root is at x = z = 0 and the floor at y = 0. Posing the returned
        parameters gives the returned joints.
    """
    yaw = heading_from_joints(joints[0])
    turn = rotation.rotation_about_y(-yaw).to(joints)
    joints_turned = joints @ turn.T
    floor = joints_turned[:, list(config.FLOOR_JOINTS), 1].min()
    shift = torch.stack([joints_turned[0, 0, 0], floor, joints_turned[0, 0, 2]])
    # The posed pelvis is trans + p0 (p0 = rest pelvis, not rotated by the root), so
    # turning the body about the origin needs trans' = turn @ (trans + p0) - p0.
    pelvis_rest = joints[0, 0] - trans[0]
    trans_new = (trans + pelvis_rest) @ turn.T - pelvis_rest - shift
    return turn @ root_rotmat, trans_new, joints_turned - shift


def wrap_angle(angle: torch.Tensor) -> torch.Tensor:
    """Wrap radians into (-pi, pi]."""
    return angle - 2 * math.pi * torch.floor((angle + math.pi) / (2 * math.pi))
