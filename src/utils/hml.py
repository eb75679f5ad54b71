"""The ``hml`` feature layout: HumanML3D-style channels that carry what feet need.

Rotation features describe a pose by its joint angles; where a foot is then depends on every angle
up the leg and on an integrated root, so a small error in each leaves the foot gliding. These
channels state the feet directly (joint positions and velocities in the body's heading frame, foot
contacts) beside the rotations that exports need, in one flat row per frame (``(..., T, 1, C)``):

    [0]        yaw: the root's heading angle at a motion's first frame, its change since the
               previous frame after (radians; sums to the heading, as the translation row of
               ``src.utils.features`` sums to the trajectory)
    [1:3]      root (SMPL translation) x, z: its position at the first frame, its step since the
               previous frame after, both turned into the frame's heading frame (metres)
    [3]        root height (metres)
    [4:70]     22 joints relative to the root's ground point, in the heading frame; y is the height
    [70:136]   22 joint velocities: step since the previous frame in the heading frame (0 at first)
    [136:268]  22 rotations in 6D: the root's tilt relative to its heading, then 21 local rotations
    [268:270]  left, right foot contact: 1 where the foot joint is below ``CONTACT_HEIGHT`` and
               slower than ``SKATING_SPEED`` (SPEC §4's contact rule)

Decoding reads either the joint channels (``hml_to_joints``: what the position losses and foot
checks see) or the rotation channels (``hml_to_motion``: SMPL/BVH exports); a loss ties the two.
The encoding is exact for SMPL's 22 body joints; SMPL's two hand joints (22, 23) are dropped and
decode as identity (HumanML3D drops them too).
"""

from typing import Optional

import torch

from src import config
from src.metrics.physical import CONTACT_HEIGHT, SKATING_SPEED
from src.utils import rotation

NUM_JOINTS = config.NUM_BODY_JOINTS  # 22
YAW, ROOT_XZ, ROOT_Y = slice(0, 1), slice(1, 3), slice(3, 4)
POSITIONS = slice(4, 4 + 3 * NUM_JOINTS)
VELOCITIES = slice(POSITIONS.stop, POSITIONS.stop + 3 * NUM_JOINTS)
ROTATIONS = slice(VELOCITIES.stop, VELOCITIES.stop + 6 * NUM_JOINTS)
CONTACTS = slice(ROTATIONS.stop, ROTATIONS.stop + 2)
CHANNELS = CONTACTS.stop  # 270


def _firsts(shape: torch.Size, first: Optional[torch.Tensor], device) -> torch.Tensor:
    """(..., T) bool: frames that start a motion (frame 0, plus ``first`` where motions lie end to end)."""
    starts = torch.zeros(shape, dtype=torch.bool, device=device)
    starts[..., 0] = True
    return starts if first is None else starts | first


def _step(values: torch.Tensor, starts: torch.Tensor) -> torch.Tensor:
    """(..., T, K) -> difference to the previous frame along T, the value itself at ``starts``."""
    diff = torch.cat([values[..., :1, :], values[..., 1:, :] - values[..., :-1, :]], dim=-2)
    return torch.where(starts[..., None], values, diff)


def _restarting_cumsum(steps: torch.Tensor, starts: torch.Tensor) -> torch.Tensor:
    """Inverse of ``_step``: (..., T, K) sums along T that restart at ``starts``."""
    total = steps.cumsum(-2)
    # what had been summed before each motion's first frame, carried forward over the motion
    before = torch.where(starts[..., None], total - steps, torch.zeros_like(total))
    index = torch.where(starts, torch.arange(starts.shape[-1], device=steps.device), 0).cummax(-1).values
    offset = before.gather(-2, index[..., None].expand_as(before))
    return total - offset


def _turn(angle: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """Rotate (..., K, 3) vectors about +Y by (...,) angles."""
    return torch.einsum("...ij,...kj->...ki", rotation.rotation_about_y(angle), vectors)


def root_yaw(root: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) root orientations -> (...,) heading angle of the root's +Z axis about +Y."""
    return torch.atan2(root[..., 0, 2], root[..., 2, 2])


def motion_to_hml(rotmats: torch.Tensor, trans: torch.Tensor, joints: torch.Tensor, fps: float,
                  first: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Encode a motion.

    Args:
        rotmats: (..., T, 24, 3, 3) local rotations (row 0 the global root orientation).
        trans: (..., T, 3) root translation.
        joints: (..., T, >=22, 3) joint positions of that motion (forward kinematics).
        fps: frame rate (the contact speed threshold is in m/s).
        first: (..., T) bool, frames that start another motion laid end to end (optional).
    Returns:
        (..., T, 1, CHANNELS) features.
    """
    assert rotmats.shape[-3:] == (config.NUM_SMPL_JOINTS, 3, 3) and trans.shape[-1] == 3, (rotmats.shape, trans.shape)
    joints = joints[..., :NUM_JOINTS, :]
    starts = _firsts(trans.shape[:-1], first, trans.device)
    yaw = root_yaw(rotmats[..., 0, :, :])  # (..., T)
    dyaw = _step(yaw[..., None], starts)[..., 0]
    dyaw = torch.where(starts, dyaw, torch.remainder(dyaw + torch.pi, 2 * torch.pi) - torch.pi)
    ground = trans * trans.new_tensor([1.0, 0.0, 1.0])
    root_step = _turn(-yaw, _step(ground, starts)[..., None, :])[..., 0, [0, 2]]  # (..., T, 2)
    relative = _turn(-yaw, joints - ground[..., None, :])  # (..., T, 22, 3)
    velocity = _turn(-yaw, _step(joints.flatten(-2), starts).unflatten(-1, (NUM_JOINTS, 3)))
    velocity = torch.where(starts[..., None, None], torch.zeros_like(velocity), velocity)
    tilt = rotation.rotation_about_y(-yaw) @ rotmats[..., 0, :, :]  # root relative to its heading
    local = torch.cat([tilt[..., None, :, :], rotmats[..., 1:NUM_JOINTS, :, :]], dim=-3)
    feet = joints[..., list(config.FOOT_JOINTS), :]  # (..., T, 2, 3)
    speed = velocity[..., list(config.FOOT_JOINTS), :].norm(dim=-1) * fps  # (..., T, 2), 0 at first frames
    contact = ((feet[..., 1] < CONTACT_HEIGHT) & (speed < SKATING_SPEED)).to(trans.dtype)
    row = torch.cat([dyaw[..., None], root_step, trans[..., 1:2], relative.flatten(-2), velocity.flatten(-2),
                     rotation.from_matrix(local, "rot6d").flatten(-2), contact], dim=-1)
    assert row.shape[-1] == CHANNELS, row.shape
    return row[..., None, :]


def _heading_and_ground(feats: torch.Tensor):
    """(..., T, C) -> heading (..., T) and the root's ground point (..., T, 3), integrated over T."""
    starts = _firsts(feats.shape[:-1], None, feats.device)
    yaw = _restarting_cumsum(feats[..., YAW], starts)[..., 0]
    steps = torch.zeros(*feats.shape[:-1], 3, dtype=feats.dtype, device=feats.device)
    steps[..., [0, 2]] = feats[..., ROOT_XZ]
    ground = _turn(yaw, steps[..., None, :])[..., 0, :].cumsum(-2)
    return yaw, ground


def hml_to_joints(feats: torch.Tensor) -> torch.Tensor:
    """(..., T, 1, C) features (one motion per T axis) -> (..., T, 22, 3) joint positions from the
    joint channels: relative positions turned by the integrated heading, on the integrated root."""
    feats = feats[..., 0, :]
    yaw, ground = _heading_and_ground(feats)
    relative = feats[..., POSITIONS].unflatten(-1, (NUM_JOINTS, 3))
    return _turn(yaw, relative) + ground[..., None, :]


def hml_to_motion(feats: torch.Tensor):
    """(..., T, 1, C) features (one motion per T axis) -> rotmats (..., T, 24, 3, 3) and trans
    (..., T, 3) from the rotation and root channels (SMPL's hand joints as identity)."""
    feats = feats[..., 0, :]
    yaw, ground = _heading_and_ground(feats)
    local = rotation.to_matrix(feats[..., ROTATIONS].unflatten(-1, (NUM_JOINTS, 6)), "rot6d")  # (..., T, 22, 3, 3)
    root = rotation.rotation_about_y(yaw) @ local[..., 0, :, :]
    hands = torch.eye(3, dtype=feats.dtype, device=feats.device).expand(*local.shape[:-3], 2, 3, 3)
    rotmats = torch.cat([root[..., None, :, :], local[..., 1:, :, :], hands], dim=-3)
    trans = ground + feats[..., ROOT_Y] * feats.new_tensor([0.0, 1.0, 0.0])
    return rotmats, trans


# The foot lock corrects slips up to SKATING_SPEED fully and releases them linearly up to this speed:
# a foot the decoder slides at walking speed is a glide the lock would turn into standing still (a
# decoder that averages a gait's phases draws flat feet moving with the root), so it is left alone.
LOCK_RELEASE_SPEED = 1.0  # m/s


def lock_feet(feats: torch.Tensor, joints: torch.Tensor, fps: float) -> torch.Tensor:
    """Move the root so that feet the features call planted stay where they are (a decode-time foot
    lock): a decoder that gets a gait's limbs right but its root speed slightly wrong slides the
    feet, and one that draws a still figure with a small root step drifts it.

    For each frame t >= 1, a foot's horizontal slip is its step from t - 1 to t in ``joints``. Its
    weight is its contact channel clamped to [0, 1], times 1 while the slip is slower than
    ``SKATING_SPEED``, falling linearly to 0 at ``LOCK_RELEASE_SPEED`` (a glide at walking speed is
    not a planted foot's error). The root's step at t moves by minus the weighted mean slip of the
    feet (the mean divides by at least 1). A shift of the root at t moves every later frame by the
    same amount, so a lone planted foot's slip at t becomes (1 - weight) times what it was. Joint,
    rotation and contact channels are unchanged (they are relative to the root); frame 0 keeps its
    position.

    Args:
        feats: (..., T, 1, C) raw features, one motion per T axis.
        joints: (..., T, 22, 3) the positions those features decode to (root trajectory included).
        fps: their frame rate (the speeds above are in m/s).
    Returns:
        (..., T, 1, C) features with new root steps.
    """
    assert feats.shape[-2:] == (1, CHANNELS) and joints.shape[-2:] == (NUM_JOINTS, 3), (feats.shape, joints.shape)
    assert feats.shape[:-2] == joints.shape[:-2], (feats.shape, joints.shape)
    rows = feats[..., 0, :]
    feet = joints[..., list(config.FOOT_JOINTS), :][..., [0, 2]]  # (..., T, 2 feet, xz)
    slip = torch.zeros_like(feet)
    slip[..., 1:, :, :] = feet[..., 1:, :, :] - feet[..., :-1, :, :]
    release = ((LOCK_RELEASE_SPEED - slip.norm(dim=-1) * fps) / (LOCK_RELEASE_SPEED - SKATING_SPEED)).clamp(0.0, 1.0)
    weight = rows[..., CONTACTS].clamp(0.0, 1.0) * release  # (..., T, 2)
    weight = torch.cat([torch.zeros_like(weight[..., :1, :]), weight[..., 1:, :]], dim=-2)  # frame 0 stays
    shift = -(weight[..., None] * slip).sum(-2) / weight.sum(-1, keepdim=True).clamp(min=1.0)  # (..., T, xz)
    yaw, _ = _heading_and_ground(rows)
    shift3 = torch.zeros(*shift.shape[:-1], 3, dtype=feats.dtype, device=feats.device)
    shift3[..., [0, 2]] = shift
    local = _turn(-yaw, shift3[..., None, :])[..., 0, [0, 2]]  # the shift in each frame's heading frame
    out = rows.clone()
    out[..., ROOT_XZ] = rows[..., ROOT_XZ] + local
    return out[..., None, :]
