"""The motion type every layer shares: :class:`MotionClip`, its constructors, resampling (the frame-count rule is ``config.resampled_num_frames``).

A clip is canonical joint positions (the output convention of ``src.config``) plus, for rotation
models, the SMPL-24 rotations and root translation that pose them. The api builds clips, the
exporters write them, the datasets and metrics resample with the same frame-count rule; all of them
import this module downward (it imports only ``src.config`` and the math helpers in ``src.utils``).
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from src import config
from src.utils import geometry, rotation

def forward_kinematics(rotmats: torch.Tensor, rest_joints: torch.Tensor, parents, trans: Optional[torch.Tensor] = None):
    """Pose a kinematic tree.

    Args:
        rotmats: (..., J, 3, 3) local joint rotations; joint 0 is the global root orientation.
        rest_joints: (J, 3) or (..., J, 3) joint positions in the rest pose.
        parents: length-J parent indices, -1 for the root, parents before children.
        trans: (..., 3) root translation added to every joint, or None.
    Returns:
        (..., J, 3) joint positions. The root sits at ``rest_joints[0] + trans``, as in SMPL.
    """
    num_joints = len(parents)
    assert rotmats.shape[-3:] == (num_joints, 3, 3), rotmats.shape
    rest = rest_joints.to(rotmats)
    offsets = rest - torch.cat([torch.zeros_like(rest[..., :1, :]), rest[..., [max(p, 0) for p in parents[1:]], :]], dim=-2)
    glob_rot = [rotmats[..., 0, :, :]]
    glob_pos = [offsets[..., 0, :].expand(*rotmats.shape[:-3], 3)]
    for j in range(1, num_joints):
        p = parents[j]
        glob_rot.append(glob_rot[p] @ rotmats[..., j, :, :])
        glob_pos.append(glob_pos[p] + (glob_rot[p] @ offsets[..., j, :, None])[..., 0])
    joints = torch.stack(glob_pos, dim=-2)  # (..., J, 3)
    if trans is not None:
        joints = joints + trans[..., None, :]
    return joints


@dataclass
class MotionClip:
    """One canonical motion.

    Args:
        joints: (T, 22, 3) float32 joint positions in the output convention.
        fps: frames per second.
        rotmats: (T, 24, 3, 3) local rotations (joint 0 = global root orientation, Y-up), or None
            for position-only (``xyz``) models.
        trans: (T, 3) SMPL root translation in metres, Y-up (pelvis = rest pelvis + trans).
        rest_joints: (24, 3) rest-pose joints of the body that posed the clip (BVH offsets).
    """

    joints: np.ndarray
    fps: float
    rotmats: Optional[torch.Tensor] = None
    trans: Optional[torch.Tensor] = None
    rest_joints: Optional[torch.Tensor] = None

    @property
    def num_frames(self) -> int:
        return int(self.joints.shape[0])

    @property
    def has_rotations(self) -> bool:
        return self.rotmats is not None


def rest_joints_of(body_model) -> torch.Tensor:
    """(24, 3) rest-pose joints of a body model (``load_body_model``), at its default shape.

    A real SMPL body poses its joints by the same rigid chain over these rest joints, so
    ``forward_kinematics`` with them reproduces the body model's joints (vertices aside).
    """
    eye = torch.eye(3).expand(1, config.NUM_SMPL_JOINTS, 3, 3)
    param = next(iter(body_model.buffers()), None)
    eye = eye.to(param.device) if param is not None else eye
    return body_model(eye, torch.zeros(1, 3, device=eye.device))["joints"][0].detach().float().cpu()


def clip_from_params(rotmats: torch.Tensor, trans: torch.Tensor, rest_joints: torch.Tensor, fps: float) -> MotionClip:
    """Canonicalise SMPL parameters (``geometry.canonicalize_params``) and pose them.

    Args:
        rotmats: (T, 24, 3, 3) local rotations, Y-up; trans: (T, 3); rest_joints: (24, 3).
    """
    rotmats = rotmats.detach().float().cpu()
    trans = trans.detach().float().cpu()
    rest = rest_joints.float().cpu()
    joints = forward_kinematics(rotmats, rest, config.SMPL_PARENTS, trans)  # (T, 24, 3)
    root, trans, joints = geometry.canonicalize_params(rotmats[:, 0], trans, joints)
    rotmats = rotmats.clone()
    rotmats[:, 0] = root
    return MotionClip(joints[:, : config.NUM_BODY_JOINTS].numpy().astype(np.float32), float(fps),
                      rotmats, trans, rest)


def clip_from_joints(joints: torch.Tensor, fps: float) -> MotionClip:
    """A position-only clip from (T, 22, 3) Y-up joints, canonicalised."""
    canon = geometry.canonicalize_joints(joints.detach().float().cpu()[:, : config.NUM_BODY_JOINTS])
    return MotionClip(canon.numpy().astype(np.float32), float(fps))


def resample_clip(clip: MotionClip, fps: float, num_frames: int) -> MotionClip:
    """The clip at ``fps`` with exactly ``num_frames`` frames (frame k at time k / fps, clamped to the
    clip's last frame): rotations slerped, translation and xyz joints linearly interpolated,
    then canonicalised again (the floor is the lowest foot point of the new frames)."""
    if abs(fps - clip.fps) < 1e-9 and num_frames == clip.num_frames:
        return clip
    src = torch.arange(clip.num_frames, dtype=torch.float64) / clip.fps
    dst = (torch.arange(num_frames, dtype=torch.float64) / fps).clamp(max=float(src[-1]))
    if not clip.has_rotations:
        joints = torch.from_numpy(_interpolate(clip.joints.astype(np.float64), src.numpy(), dst.numpy()))
        return clip_from_joints(joints, fps)
    rotvec = rotation.matrix_to_axis_angle(clip.rotmats.double())                      # (T, 24, 3)
    rotmats = rotation.axis_angle_to_matrix(rotation.slerp_rotvec(rotvec, src, dst))  # (T', 24, 3, 3)
    trans = torch.from_numpy(_interpolate(clip.trans.double().numpy(), src.numpy(), dst.numpy()))
    return clip_from_params(rotmats.float(), trans.float(), clip.rest_joints, fps)


def _interpolate(values: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """(T, ...) samples at ``src`` times -> (T', ...) at ``dst`` times, linearly."""
    flat = values.reshape(len(values), -1)
    out = np.stack([np.interp(dst, src, flat[:, k]) for k in range(flat.shape[1])], axis=1)
    return out.reshape(len(dst), *values.shape[1:])
