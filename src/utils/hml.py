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
import torch.nn.functional as F

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


# The lock's vertical half lowers a planted foot that is more than GROUND_SLACK above the clip's floor
# to that height (a decoder's planted feet wander by a centimetre or two; leaving those alone keeps the
# correction off most motions), fully up to GROUND_HOLD above the floor, released linearly up to
# GROUND_RELEASE: a foot that high is lifted, not planted, whatever its contact channel says.
# Corrections shorter than GROUND_MIN_SECONDS are dropped (a morphological opening over time): a
# jump's take-off and landing, where the contact channel is still fading while the feet leave the
# floor, are not pulled down; a figure floating for longer is.
GROUND_SLACK, GROUND_HOLD, GROUND_RELEASE = 0.03, 0.10, 0.20  # m
GROUND_MIN_SECONDS = 0.4


def _opening(values: torch.Tensor, valid: torch.Tensor, width: int) -> torch.Tensor:
    """(..., T) -> (..., T): the largest values that hold for ``width`` frames in a row (running
    minimum, then running maximum, over valid frames; zero at the others)."""
    flat, keep = values.reshape(-1, 1, values.shape[-1]), valid.reshape(-1, 1, values.shape[-1])
    big = torch.finfo(values.dtype).max
    eroded = -F.max_pool1d(torch.where(keep, -flat, -big), width, 1, width // 2)
    opened = F.max_pool1d(torch.where(keep, eroded, -big), width, 1, width // 2)
    return torch.where(keep, opened, torch.zeros((), dtype=values.dtype)).reshape(values.shape)


def ground_feet(feats: torch.Tensor, joints: torch.Tensor, fps: float,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Move the body down so that feet the features call planted stand on the clip's floor (the foot
    lock's vertical half): a decoder can draw a still figure floating a few centimetres up for most of
    a clip and touching down now and then, which the horizontal lock (``lock_feet``) leaves.

    A foot's height is the lower of its ankle and toe joints; the clip's floor is the lowest foot
    height over its frames (as ``metrics.physical.hovering`` measures it). Each foot's weight is its
    contact channel clamped to [0, 1], times 1 while it is within ``GROUND_HOLD`` of the floor, falling
    linearly to 0 at ``GROUND_RELEASE``; the weighted mean of the feet's heights above ``GROUND_SLACK``
    over the floor (the mean divides by at least 1) is kept where it lasts ``GROUND_MIN_SECONDS``
    (``_opening``) and the body moves down by it: the root height and the joint position channels
    together; steps, rotations, contacts and velocity channels (not used to draw the motion) are
    unchanged.

    Args:
        feats: (..., T, 1, C) raw features, one motion per T axis.
        joints: (..., T, 22, 3) the positions those features decode to.
        fps: their frame rate.
        mask: (..., T) bool, valid frames (default: all); the floor is taken over valid frames only.
    Returns:
        (..., T, 1, C) features with new heights.
    """
    assert feats.shape[-2:] == (1, CHANNELS) and joints.shape[-2:] == (NUM_JOINTS, 3), (feats.shape, joints.shape)
    assert feats.shape[:-2] == joints.shape[:-2], (feats.shape, joints.shape)
    rows = feats[..., 0, :]
    sides = [(config.ANKLE_JOINTS[k], config.FOOT_JOINTS[k]) for k in range(2)]
    height = torch.stack([joints[..., list(side), 1].amin(-1) for side in sides], -1)  # (..., T, 2 feet)
    valid = torch.ones_like(height[..., 0], dtype=torch.bool) if mask is None else mask
    floor = torch.where(valid[..., None], height, torch.full_like(height, float("inf"))).amin((-2, -1))
    above = height - floor[..., None, None]
    release = ((GROUND_RELEASE - above) / (GROUND_RELEASE - GROUND_HOLD)).clamp(0.0, 1.0)
    weight = rows[..., CONTACTS].clamp(0.0, 1.0) * release
    drop = (weight * (above - GROUND_SLACK).clamp(min=0.0)).sum(-1) / weight.sum(-1).clamp(min=1.0)  # (..., T)
    drop = _opening(drop, valid, 2 * int(round(GROUND_MIN_SECONDS * fps / 2)) + 1)
    out = rows.clone()
    out[..., ROOT_Y] = rows[..., ROOT_Y] - drop[..., None]
    out[..., POSITIONS.start + 1:POSITIONS.stop:3] -= drop[..., None]  # every joint's y
    return out[..., None, :]
