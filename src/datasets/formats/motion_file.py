"""Read one motion file of any supported kind into a canonical ``MotionClip``.

    .npy   joint positions (T, 22, 3) (or more joints; the first 22 are used), Y-up metres
           (SPEC §1, HumanML3D ``new_joints``); the file has no frame rate, so it is given
    .npz   an AMASS-style SMPL+H / SMPL-X file (``amass_io``), posed on the built-in skeleton
    .bvh   a CMU BVH file, retargeted to SMPL (``cmu_bvh``)

Every clip comes out canonical (``src.config``) at the requested frame rate, with rotations for
``.npz`` and ``.bvh`` (rotation models can encode those) and positions only for ``.npy``. Every
failure is a ``BadInputError`` whose message starts with the file's path.
"""

import math
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from src import config
from src.datasets.formats import amass_io, bvh, cmu_bvh
from src.errors import BadInputError
from src.models.rotation2xyz import BuiltinSkeleton
from src.motion import MotionClip, clip_from_joints, clip_from_params, resample_clip
from src.utils import rotation

MOTION_SUFFIXES = (".npy", ".npz", ".bvh")


def builtin_rest_joints() -> torch.Tensor:
    """(24, 3) rest joints of the built-in skeleton, which .npz and .bvh motions are posed on (the
    CMU importer retargets onto it; AMASS parameters read on it as training reads them without SMPL files)."""
    return BuiltinSkeleton().rest_joints.float()


def _read_joints(path: Path, fps: float) -> MotionClip:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        raise BadInputError(f"{path}: not a readable .npy array ({type(err).__name__}: {err})") from None
    if not isinstance(arr, np.ndarray):  # np.load gives an NpzFile for a zip archive
        raise BadInputError(f"{path}: an .npz archive named .npy; joint positions must be one (T, 22, 3) array")
    if arr.ndim != 3 or arr.shape[1] < config.NUM_BODY_JOINTS or arr.shape[2] != 3:
        raise BadInputError(f"{path}: array of shape {arr.shape}, expected joint positions (T, 22, 3)")
    if arr.shape[0] < 2:
        raise BadInputError(f"{path}: {arr.shape[0]} frame(s); a motion needs at least 2")
    if not np.issubdtype(arr.dtype, np.number) or not np.isfinite(arr).all():
        raise BadInputError(f"{path}: joint positions must be finite numbers (dtype {arr.dtype})")
    joints = torch.from_numpy(np.ascontiguousarray(arr[:, : config.NUM_BODY_JOINTS], dtype=np.float32))
    return clip_from_joints(joints, fps)


def _read_amass(path: Path) -> MotionClip:
    try:
        raw = amass_io.read_amass_npz(path)
    except amass_io.AmassReadError as err:
        raise BadInputError(f"{err} (expected an AMASS-style .npz with poses, trans and mocap_framerate)") from None
    if raw["body_pose"].shape[0] < 2:
        raise BadInputError(f"{path}: {raw['body_pose'].shape[0]} frame(s); a motion needs at least 2")
    rotvec, trans = amass_io.to_smpl24_yup(torch.from_numpy(raw["body_pose"]), torch.from_numpy(raw["trans"]))
    return clip_from_params(rotation.axis_angle_to_matrix(rotvec), trans, builtin_rest_joints(), raw["source_fps"])


def _read_bvh(path: Path) -> MotionClip:
    try:
        motion = bvh.read_bvh(path)
        result = cmu_bvh.retarget_to_smpl(motion, cmu_bvh.source_fps(path.stem, motion))
    except (ValueError, KeyError, IndexError, OSError) as err:  # BvhParseError and RetargetError are ValueErrors
        message = str(err)
        raise BadInputError(message if str(path) in message else f"{path}: {message}") from None
    if result.rotmats.shape[0] < 2:
        raise BadInputError(f"{path}: fewer than 2 frames after its T-pose")
    return clip_from_params(result.rotmats, result.trans, builtin_rest_joints(), result.fps)


def read_motion(path, fps: Optional[float] = None, target_fps: Optional[float] = config.METRIC_FPS) -> MotionClip:
    """One motion file -> a canonical clip.

    Args:
        path: a ``.npy``, ``.npz`` or ``.bvh`` file (see the module docstring).
        fps: frame rate of a ``.npy`` (default ``config.HUMANML3D_FPS``); the other kinds carry theirs.
        target_fps: resample to this rate (frame-count rule of ``config``); None keeps the file's.
    Returns:
        MotionClip with joints (T, 22, 3) float32 at ``target_fps``.
    Raises:
        BadInputError: missing, empty, unsupported or unusable file, naming it.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MOTION_SUFFIXES:
        raise BadInputError(f"{path}: not a motion file (expected one of {', '.join(MOTION_SUFFIXES)})")
    if not path.is_file():
        raise BadInputError(f"{path}: motion file not found")
    if path.stat().st_size == 0:
        raise BadInputError(f"{path}: the file is empty")
    if suffix == ".npy":
        rate = config.HUMANML3D_FPS if fps is None else float(fps)
        if not (math.isfinite(rate) and rate > 0):
            raise BadInputError(f"{path}: frame rate must be a positive number, got {fps}")
        clip = _read_joints(path, rate)
    elif suffix == ".npz":
        clip = _read_amass(path)
    else:
        clip = _read_bvh(path)
    if target_fps is None or abs(target_fps - clip.fps) < 1e-9:
        return clip
    frames = config.resampled_num_frames(clip.num_frames, clip.fps, target_fps)
    if frames < 2:
        raise BadInputError(f"{path}: {clip.num_frames / clip.fps:.3f} s is too short to read at {target_fps:g} fps")
    return resample_clip(clip, target_fps, frames)
