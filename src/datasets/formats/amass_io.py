"""Reading one AMASS ``.npz`` into SMPL-24 rotations, Y-up, at a chosen frame rate.

Two AMASS layouts are read (SPEC §2):
    * SMPL+H "G": ``poses (T, 156)``, ``trans (T, 3)`` Z-up, ``betas (16,)``, ``gender``
      (str, bytes, or a 0-d array of either), ``mocap_framerate``;
    * SMPL-X ``*_stageii.npz``: ``poses (T, 165)`` (or ``root_orient (T, 3)`` + ``pose_body (T, 63)``),
      ``trans``, ``betas`` of any length, ``gender``, ``mocap_frame_rate``.
The first 66 pose values (root + 21 body joints) mean the same in both; SMPL joints 22/23 (hands)
have no AMASS counterpart and are set to identity. Shape-only files (``shape.npz``,
``*_stagei.npz``) hold no motion.

Resampling: source frame i is at time i / source_fps; output frame k is at k / target_fps for
every k with k / target_fps <= duration = (T - 1) / source_fps (``config.resampled_num_frames``,
the project's one frame-count rule). Rotations are slerped, translations
linearly interpolated. Then the root orientation and translation are turned from Z-up to Y-up
(``geometry.zup_to_yup``, which turns the posed pelvis, not ``trans`` alone).
"""

import io
import math
import zipfile
from pathlib import Path

import numpy as np
import torch

from src import config
from src.utils import geometry, rotation
from src.utils.fileio import atomic_path

FPS_KEYS = ("mocap_framerate", "mocap_frame_rate")
SHAPE_ONLY_SUFFIXES = ("shape.npz", "_stagei.npz")


class AmassReadError(ValueError):
    """A file that cannot be used; ``reason`` is a short code for the parse log.

    Reasons: ``shape_only`` (no motion, expected in AMASS), ``unreadable`` (not a valid npz: truncated,
    corrupt zip, ...), ``missing_key``, ``bad_shape``, ``non_finite``, ``zero_frames``, ``bad_fps``.
    """

    def __init__(self, path, reason: str, detail: str):
        super().__init__(f"{path}: {reason}: {detail}")
        self.path, self.reason, self.detail = str(path), reason, detail


def is_shape_only(path) -> bool:
    """True for AMASS body-shape files, which hold no motion."""
    return Path(path).name.lower().endswith(SHAPE_ONLY_SUFFIXES)


def parse_gender(value) -> str:
    """'neutral' | 'male' | 'female' from str, bytes or a 0-d numpy array of either; else 'neutral'."""
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    value = str(value).strip().lower()
    return value if value in ("male", "female") else "neutral"


def read_amass_npz(path) -> dict:
    """Read the motion of one AMASS file at its own frame rate, without converting axes.

    Returns:
        dict(body_pose (T, 66) float32 axis-angle, trans (T, 3) float32 Z-up, betas (16,) float32,
        gender str, source_fps float).
    Raises:
        AmassReadError: the file holds no usable motion (see its reasons).
    """
    path = Path(path)
    if is_shape_only(path):
        raise AmassReadError(path, "shape_only", "body shape file, no motion")
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise AmassReadError(path, "unreadable", "a single .npy array, not an .npz archive")
        with npz:
            keys = set(npz.files)
            fps_key = next((k for k in FPS_KEYS if k in keys), None)
            if "poses" in keys:
                poses = npz["poses"]
                body = poses[:, : config.BODY_POSE_DIM] if poses.ndim == 2 else poses
            elif {"root_orient", "pose_body"} <= keys:
                body = np.concatenate([npz["root_orient"], npz["pose_body"]], axis=-1)
            else:
                raise AmassReadError(path, "missing_key", f"no 'poses' (keys: {', '.join(sorted(keys)) or 'none'})")
            for key in ("trans", fps_key):
                if key is None or key not in keys:
                    raise AmassReadError(path, "missing_key", f"no {key or ' or '.join(FPS_KEYS)!r}")
            trans = npz["trans"]
            fps = npz[fps_key]
            betas = npz["betas"] if "betas" in keys else np.zeros(config.NUM_BETAS)
            gender = _read_gender(npz) if "gender" in keys else "neutral"
    except AmassReadError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, IndexError) as err:
        raise AmassReadError(path, "unreadable", f"{type(err).__name__}: {err}") from None
    return _validate(path, body, trans, betas, fps, gender)


def _read_gender(npz) -> str:
    try:
        return parse_gender(npz["gender"])
    except ValueError:  # an object (pickled) array: not loaded, for safety
        return "neutral"


def _validate(path, body, trans, betas, fps, gender) -> dict:
    try:
        fps = float(np.asarray(fps).reshape(-1)[0])
    except (ValueError, TypeError, IndexError):
        raise AmassReadError(path, "bad_fps", f"frame rate {fps!r} is not a number") from None
    if not (math.isfinite(fps) and fps > 0):
        raise AmassReadError(path, "bad_fps", f"frame rate {fps} is not positive")
    low, high = config.SOURCE_FPS_RANGE
    if not low <= fps <= high:  # resampling 1e9 "fps" would squeeze the whole clip into one frame
        raise AmassReadError(path, "bad_fps", f"frame rate {fps:g} is outside the plausible range {low:g}-{high:g} fps")
    if body.ndim != 2 or body.shape[1] != config.BODY_POSE_DIM:
        raise AmassReadError(path, "bad_shape", f"poses {body.shape}, expected (T, >= {config.BODY_POSE_DIM})")
    if trans.shape != (body.shape[0], 3):
        raise AmassReadError(path, "bad_shape", f"trans {trans.shape} does not match poses ({body.shape[0]}, 3)")
    if body.shape[0] == 0:
        raise AmassReadError(path, "zero_frames", "the sequence has no frames")
    betas = np.asarray(betas).reshape(-1)
    for name, value in (("poses", body), ("trans", trans), ("betas", betas)):
        if not np.issubdtype(value.dtype, np.number):
            raise AmassReadError(path, "bad_shape", f"{name} has dtype {value.dtype}")
        if not np.isfinite(value).all():
            raise AmassReadError(path, "non_finite", f"{name} holds NaN or inf values")
    betas16 = np.zeros(config.NUM_BETAS, np.float32)
    betas16[: min(len(betas), config.NUM_BETAS)] = betas[: config.NUM_BETAS]
    return {
        "body_pose": np.ascontiguousarray(body, dtype=np.float32),
        "trans": np.ascontiguousarray(trans, dtype=np.float32),
        "betas": betas16,
        "gender": gender,
        "source_fps": fps,
    }


def resample(rotvec: torch.Tensor, trans: torch.Tensor, source_fps: float, target_fps: float):
    """Resample a motion to ``target_fps`` (see the module docstring for the frame times).

    Args:
        rotvec: (T, J, 3) axis-angle; trans: (T, 3).
    Returns:
        (rotvec (T', J, 3), trans (T', 3)) float32.
    """
    num = rotvec.shape[0]
    if num == 1 or abs(source_fps - target_fps) < 1e-9:
        return rotvec.float(), trans.float()
    src_times = torch.arange(num, dtype=torch.float64) / source_fps
    dst_times = torch.arange(config.resampled_num_frames(num, source_fps, target_fps), dtype=torch.float64) / target_fps
    dst_times = dst_times.clamp(max=float(src_times[-1]))
    out_rot = rotation.slerp_rotvec(rotvec.double(), src_times, dst_times).float()
    # linear interpolation of the translation, with the same bracketing source frames
    pos = dst_times * source_fps
    lo = pos.floor().long().clamp(0, num - 2)
    w = (pos - lo).clamp(0, 1).unsqueeze(-1)
    trans = trans.double()
    out_trans = ((1 - w) * trans[lo] + w * trans[lo + 1]).float()
    return out_rot, out_trans


def to_smpl24_yup(body_pose: torch.Tensor, trans: torch.Tensor):
    """AMASS (T, 66) Z-up body pose and (T, 3) trans -> SMPL-24 (T, 24, 3) and trans, Y-up."""
    num = body_pose.shape[0]
    rotvec = torch.zeros(num, config.NUM_SMPL_JOINTS, 3, dtype=body_pose.dtype)
    rotvec[:, : config.NUM_BODY_JOINTS] = body_pose.reshape(num, config.NUM_BODY_JOINTS, 3)
    root, trans = geometry.zup_to_yup(rotation.axis_angle_to_matrix(rotvec[:, 0]), trans)
    rotvec[:, 0] = rotation.matrix_to_axis_angle(root)
    return rotvec, trans


def load_amass_npz(path, target_fps: float = config.SMOG_FPS) -> dict:
    """Read one AMASS file as Y-up SMPL-24 motion at ``target_fps``.

    Returns:
        dict(rotvec (T, 24, 3) float32 axis-angle, joint 0 = global root orientation Y-up,
        trans (T, 3) float32 Y-up metres, betas (16,) float32, gender str, fps float (= target_fps),
        source_fps float).
    Raises:
        AmassReadError: with ``reason`` and ``detail`` when the file holds no usable motion.
    """
    if not (target_fps > 0 and math.isfinite(target_fps)):
        raise ValueError(f"target_fps must be a positive number, got {target_fps}")
    raw = read_amass_npz(path)
    body = torch.from_numpy(raw["body_pose"])
    num = body.shape[0]
    rotvec, trans = resample(body.reshape(num, config.NUM_BODY_JOINTS, 3), torch.from_numpy(raw["trans"]),
                             raw["source_fps"], target_fps)
    rotvec, trans = to_smpl24_yup(rotvec.reshape(rotvec.shape[0], config.BODY_POSE_DIM), trans)
    return {
        "rotvec": rotvec.float(),
        "trans": trans.float(),
        "betas": torch.from_numpy(raw["betas"]),
        "gender": raw["gender"],
        "fps": float(target_fps),
        "source_fps": raw["source_fps"],
    }


def to_amass_arrays(rotmats: torch.Tensor, trans: torch.Tensor, fps: float, betas=None,
                    gender: str = "neutral") -> dict:
    """The inverse of ``load_amass_npz``: the AMASS SMPL+H "G" layout from a Y-up motion.

    Args:
        rotmats: (T, 24, 3, 3) local rotations, Y-up world; row 0 = global root orientation.
        trans: (T, 3) Y-up root translation in metres.
        fps: frame rate written as ``mocap_framerate``.
        betas: (<=16,) shape coefficients, zeros when None.
        gender: "neutral", "male" or "female".
    Returns:
        numpy arrays: poses (T, 156) (body 0:66, hands zero: SMPL+H keeps fingers where SMPL-24
        has joints 22/23), trans (T, 3) Z-up, betas (16,), gender, mocap_framerate, dmpls (T, 8).
    """
    num = rotmats.shape[0]
    assert rotmats.shape[1:] == (config.NUM_SMPL_JOINTS, 3, 3) and trans.shape == (num, 3), (rotmats.shape, trans.shape)
    root, trans_z = geometry.yup_to_zup(rotmats[:, 0].double(), trans.double())
    rotvec = rotation.matrix_to_axis_angle(rotmats[:, : config.NUM_BODY_JOINTS].double())  # (T, 22, 3)
    rotvec[:, 0] = rotation.matrix_to_axis_angle(root)
    # float64 throughout, as in the real AMASS files.
    poses = np.zeros((num, config.SMPLH_POSE_DIM), np.float64)
    poses[:, : config.BODY_POSE_DIM] = rotvec.reshape(num, -1).numpy()
    shape = np.zeros(config.NUM_BETAS, np.float64)
    if betas is not None:
        given = np.asarray(betas, np.float64).reshape(-1)[: config.NUM_BETAS]
        shape[: len(given)] = given
    return {
        "poses": poses,
        "trans": trans_z.numpy().astype(np.float64),
        "betas": shape,
        "gender": np.array(gender),
        "mocap_framerate": np.array(float(fps), dtype=np.float64),
        "dmpls": np.zeros((num, config.NUM_DMPLS), np.float64),
    }


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps keep the .npz bytes reproducible


def write_amass_npz(path, arrays: dict) -> Path:
    """Write arrays as a compressed ``.npz`` atomically, with reproducible bytes (same arrays ->
    same file: zip member timestamps are fixed, unlike ``np.savez``)."""
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, arr in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.asanyarray(arr), allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, buf.getvalue())
    return Path(path)
