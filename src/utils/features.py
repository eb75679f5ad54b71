"""Per-frame motion features: the contract between datasets, models and exporters.

A motion is SMPL-24 rotations plus a root trajectory. As features it is a
``(T, J, C)`` array (batched ``(B, T, J, C)``):

* rotation reps (``rot6d``, ``rotvec``, ``rotmat``, ``rotquat``): rows 0..23 are the
  joint rotations in that rep (row 0 the global root orientation); with
  ``translation=True`` row 24 is the root translation ``(dx, y, dz, 0, ...)`` padded
  with zeros to C channels, where dx, dz are the horizontal displacement since the previous
  frame (frame 0 holds its position) and y is the height. J = 24 or 25.
* ``xyz``: rows are the 22 joint positions (the root trajectory is joint 0). J = 22.
* ``hml``: one row of HumanML3D-style channels (heading rate, root steps, joint positions and
  velocities in the heading frame, 6D rotations, foot contacts; ``src.utils.hml``). J = 1.

Motions are stored canonicalised (``src.utils.geometry``): frame 0 at the origin facing +Z,
floor at y = 0, so the translation row integrates to the root trajectory relative to frame 0 in
frame 0's heading. Per-frame displacements rather than positions because a decoder then only has
to output a near-constant speed for a straight walk, not speed x time (with positions, a model
trained on the CPU for an hour did not learn to travel at all).
"""

from typing import Optional

import torch

from src import config
from src.utils import hml, rotation


def feature_shape(pose_rep: str, translation: bool) -> tuple:
    """(J, C) of one frame of features."""
    if pose_rep == "xyz":
        return (config.NUM_BODY_JOINTS, 3)
    if pose_rep == "hml":
        return (1, hml.CHANNELS)
    return (config.NUM_SMPL_JOINTS + int(translation), rotation.CHANNELS[pose_rep])


def motion_to_features(rotmats: torch.Tensor, trans: torch.Tensor, pose_rep: str, translation: bool = True,
                       glob: bool = True, glob_rot: Optional[torch.Tensor] = None, body_model=None,
                       fps: Optional[float] = None, first: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Encode a motion as features.

    Args:
        rotmats: (..., T, 24, 3, 3) local rotations, row 0 = global root orientation.
        trans: (..., T, 3) root translation (canonical frame).
        pose_rep: one of ``rotation.POSE_REPS``.
        translation: append the translation row (rotation reps only).
        glob: keep the root orientation; otherwise row 0 is replaced by ``glob_rot``.
        glob_rot: (3, 3) root orientation used when ``glob`` is False (default identity).
        body_model: needed for ``xyz`` and ``hml`` (``src.models.rotation2xyz.load_body_model``).
        fps: frame rate, needed for ``hml`` (its contact rule is in m/s).
        first: (..., T) bool, ``hml`` only: frames that start another motion laid end to end.
    Returns:
        (..., T, J, C) features, J and C as ``feature_shape``.
    """
    assert rotmats.shape[-3:] == (config.NUM_SMPL_JOINTS, 3, 3), rotmats.shape
    if not glob:
        fixed = torch.eye(3, dtype=rotmats.dtype) if glob_rot is None else glob_rot.to(rotmats)
        rotmats = torch.cat([fixed.expand_as(rotmats[..., :1, :, :]), rotmats[..., 1:, :, :]], dim=-3)
    if pose_rep in config.POSITION_REPS:
        if body_model is None:
            raise ValueError(f"pose_rep {pose_rep!r} needs a body_model to compute joint positions")
        joints = body_model(rotmats, trans)["joints"][..., : config.NUM_BODY_JOINTS, :]
        if pose_rep == "xyz":
            return joints
        if fps is None:
            raise ValueError("pose_rep 'hml' needs the frame rate (its foot-contact rule is in m/s)")
        return hml.motion_to_hml(rotmats, trans, joints, fps, first)
    feats = rotation.from_matrix(rotmats, pose_rep)  # (..., T, 24, C)
    if translation:
        channels = feats.shape[-1]
        row = torch.zeros(*trans.shape[:-1], 1, channels, dtype=feats.dtype, device=feats.device)
        row[..., 0, :3] = trans_to_row(trans)
        feats = torch.cat([feats, row], dim=-2)
    return feats


def trans_to_row(trans: torch.Tensor) -> torch.Tensor:
    """(..., T, 3) root positions -> (..., T, 3) [dx, y, dz] (frame 0 keeps its x, z)."""
    row = trans.clone()
    row[..., 1:, 0::2] = trans[..., 1:, 0::2] - trans[..., :-1, 0::2]
    return row


def row_to_trans(row: torch.Tensor) -> torch.Tensor:
    """Inverse of ``trans_to_row``: integrate the horizontal displacements over time (axis -2)."""
    return torch.cat([row[..., 0:1].cumsum(-2), row[..., 1:2], row[..., 2:3].cumsum(-2)], dim=-1)


def features_to_motion(feats: torch.Tensor, pose_rep: str, translation: bool = True):
    """Decode rotation features.

    Args:
        feats: (..., T, J, C) features of a rotation rep.
    Returns:
        rotmats (..., T, 24, 3, 3) and trans (..., T, 3) (zeros when ``translation`` is False).
    """
    if pose_rep == "xyz":
        raise ValueError("xyz features hold positions, not rotations; use them directly as joints")
    if pose_rep == "hml":
        return hml.hml_to_motion(feats)
    expected = feature_shape(pose_rep, translation)
    assert tuple(feats.shape[-2:]) == expected, (feats.shape, expected)
    rotmats = rotation.to_matrix(feats[..., : config.NUM_SMPL_JOINTS, :], pose_rep)
    if translation:
        trans = row_to_trans(feats[..., config.NUM_SMPL_JOINTS, :3])
    else:
        trans = torch.zeros(*feats.shape[:-2], 3, dtype=feats.dtype, device=feats.device)
    return rotmats, trans


def features_to_joints(feats: torch.Tensor, pose_rep: str, translation: bool, body_model) -> torch.Tensor:
    """(..., T, J, C) features -> (..., T, 22, 3) joint positions (``hml``: from its joint channels)."""
    if pose_rep == "xyz":
        return feats
    if pose_rep == "hml":
        return hml.hml_to_joints(feats)
    rotmats, trans = features_to_motion(feats, pose_rep, translation)
    return body_model(rotmats, trans)["joints"][..., : config.NUM_BODY_JOINTS, :]
