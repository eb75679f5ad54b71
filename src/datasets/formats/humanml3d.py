"""HumanML3D and KIT-ML, as released by their authors: joint positions, captions and splits.

Folder layout (``root``), the same for both datasets::

    new_joints/ID.npy        (T, J, 3) float32 joint positions, Y-up, floor at 0
                             HumanML3D: J = 22 (SMPL body order), metres, 20 fps
                             KIT-ML:    J = 21 (MMM skeleton), about 640 units per metre, 12.5 fps
    new_joint_vecs/ID.npy    (T, 263) HumanML3D / (T, 251) KIT-ML features (optional here)
    texts/ID.txt             one caption per line: ``caption#word/POS word/POS ...#start#end``;
                             ``0.0#0.0`` = the whole clip, otherwise seconds into the clip (a
                             sub-clip); a NaN time counts as 0.0, as in the authors' loader
    train.txt, val.txt, test.txt (also train_val.txt, all.txt)   one ID per line;
                             ``M`` + ID is the left-right mirrored copy of ID
    Mean.npy, Std.npy        feature statistics (optional)

``iter_humanml3d`` yields one motion at a time (nothing is read before it is needed);
``load_humanml3d`` is the list of it. Every motion is a dict::

    id        str                   the file stem, e.g. "000021" or "M000021"
    joints    float32 (T, J, 3)     metres, Y-up (KIT-ML units divided by KITML_UNITS_PER_METRE);
                                    J = 22 for KIT-ML with ``layout="smpl22"``
    fps       float                 20.0 or 12.5
    texts     list of (caption, start_s, end_s); a whole-clip caption spans (0, T / fps)
    tokens    list of list[str]     the "word/POS" tokens of each caption, parallel to ``texts``
    mirrored  bool                  the id starts with "M"
    vecs      float32 (T, D)        only with ``with_vecs=True``

``layout="smpl22"`` gives KIT-ML motions as (T, 22, 3) in SMPL order through ``kit_to_smpl22``
(an approximation, see ``KIT_TO_SMPL22``), which is what training uses; the default
``layout="raw"`` keeps the files' own joints (21 MMM joints for KIT-ML). HumanML3D is SMPL-22
either way.

KIT-ML's 21 joints (``KIT_JOINT_NAMES``), in the order of HumanML3D's KIT ``new_joints``: the
MMM names as listed in GuyTevet/motion-diffusion-model issue #96 and Mathux/TEMOS issue #23
(TEMOS ``mmm_joints``), and consistent with the kinematic chains of EricGuo5513/HumanML3D
``paramUtil.kit_kinematic_chain`` ([0,11..15] [0,16..20] [0..4] [3,5,6,7] [3,8,9,10])::

     0 root   1 BP (pelvis)   2 BT (thorax)   3 BLN (lower neck)   4 BUN (upper neck)
     5 LS  6 LE  7 LW         left shoulder, elbow, wrist
     8 RS  9 RE 10 RW         right shoulder, elbow, wrist
    11 LH 12 LK 13 LA 14 LMrot 15 LF   left hip, knee, ankle, metatarsal, foot (toe)
    16 RH 17 RK 18 RA 19 RMrot 20 RF   right hip, knee, ankle, metatarsal, foot (toe)

Axes of KIT's ``new_joints``: Y-up, floor at 0, frame 0 facing +Z (toes towards +Z), like
HumanML3D; but the body is a *mirror image* whose joint names keep the performer's real sides,
so the L-named joints lie on -X (SMPL's left is +X). The KIT positions come from
chahuja/language2pose (EricGuo5513/text-to-motion issue #9), whose MMM-to-ASF conversion
(``src/common/mmm.py``) swaps the Y and Z axes of MMM's Z-up data (a reflection) and whose
skeleton ``src/skeleton/kit2.asf`` has LH/LS on -X with the feet pointing +Z; HumanML3D then
turns each clip so that ``cross(up, (LH - RH) + (LS - RS))`` faces +Z (its KIT
``face_joint_indx = [11, 16, 5, 8]`` calls 11 and 5 the *right* hip and shoulder), which
keeps the toes on +Z. TEMOS' SMPL-H-to-MMM conversion is also a reflection (``[1, 2, 0]``
with one axis negated). ``kit_to_smpl22`` therefore negates X after mapping, which makes the
body right-handed again with its left on +X, still facing +Z, root still at x = 0 (checked on
a synthetic skeleton in tests; not checked on the released files, which are not here). The
``M`` copies (X negated, sides swapped by HumanML3D) follow the same convention.
"""

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import numpy as np

from src import config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatasetKind:
    """What distinguishes HumanML3D from KIT-ML on disk."""

    num_joints: int
    fps: float
    units_per_metre: float
    feature_dim: int


KINDS = {
    "humanml3d": DatasetKind(num_joints=config.NUM_BODY_JOINTS, fps=config.HUMANML3D_FPS, units_per_metre=1.0,
                             feature_dim=263),
    "kitml": DatasetKind(num_joints=21, fps=config.KITML_FPS, units_per_metre=config.KITML_UNITS_PER_METRE,
                         feature_dim=251),
}
SPLITS = ("train", "val", "test", "train_val", "all")
LAYOUTS = ("raw", "smpl22")

# ----------------------------------------------------------- KIT-ML -> SMPL-22
KIT_JOINT_NAMES = ("root", "BP", "BT", "BLN", "BUN", "LS", "LE", "LW", "RS", "RE", "RW",
                   "LH", "LK", "LA", "LMrot", "LF", "RH", "RK", "RA", "RMrot", "RF")
KIT_JOINT_INDEX = {name: i for i, name in enumerate(KIT_JOINT_NAMES)}

# Each SMPL-22 joint (config.SMPL_JOINT_NAMES order) as a weighted blend of KIT joints.
# An APPROXIMATION: the two skeletons put joints at different anatomical points, and no
# joint is fitted. Direct correspondences follow TEMOS' ``mmm2smplh_correspondence``
# (root-pelvis, BP-spine1, BT-spine3, BLN-neck, BUN-head, LS/LE/LW, LH/LK/LA, LF-foot);
# SMPL joints with no MMM counterpart are blends:
#   spine2  0.3 BP + 0.7 BT: SMPL's spine2 lies 0.14 of the 0.20 m from spine1 to spine3
#           (SPEC section 1 bone table);
#   collars halfway between the lower neck (BLN) and each shoulder.
# LMrot / RMrot (metatarsals) are not used.
KIT_TO_SMPL22 = (
    ("pelvis", {"root": 1.0}),
    ("left_hip", {"LH": 1.0}),
    ("right_hip", {"RH": 1.0}),
    ("spine1", {"BP": 1.0}),
    ("left_knee", {"LK": 1.0}),
    ("right_knee", {"RK": 1.0}),
    ("spine2", {"BP": 0.3, "BT": 0.7}),
    ("left_ankle", {"LA": 1.0}),
    ("right_ankle", {"RA": 1.0}),
    ("spine3", {"BT": 1.0}),
    ("left_foot", {"LF": 1.0}),
    ("right_foot", {"RF": 1.0}),
    ("neck", {"BLN": 1.0}),
    ("left_collar", {"BLN": 0.5, "LS": 0.5}),
    ("right_collar", {"BLN": 0.5, "RS": 0.5}),
    ("head", {"BUN": 1.0}),
    ("left_shoulder", {"LS": 1.0}),
    ("right_shoulder", {"RS": 1.0}),
    ("left_elbow", {"LE": 1.0}),
    ("right_elbow", {"RE": 1.0}),
    ("left_wrist", {"LW": 1.0}),
    ("right_wrist", {"RW": 1.0}),
)
# True: KIT-ML's new_joints are a mirror image with the real sides' names (module docstring).
KIT_NEW_JOINTS_MIRRORED = True


def _kit_weights() -> np.ndarray:
    """(22, 21) float64 matrix W of ``KIT_TO_SMPL22``: smpl = W @ kit, rows sum to 1."""
    names = tuple(name for name, _ in KIT_TO_SMPL22)
    assert names == config.SMPL_JOINT_NAMES[: config.NUM_BODY_JOINTS], names
    weights = np.zeros((len(names), len(KIT_JOINT_NAMES)))
    for row, (_, blend) in enumerate(KIT_TO_SMPL22):
        for kit_name, w in blend.items():
            weights[row, KIT_JOINT_INDEX[kit_name]] = w
    assert np.allclose(weights.sum(1), 1.0)
    return weights


_KIT_WEIGHTS = _kit_weights()


def kit_to_smpl22(joints, mirrored: bool = KIT_NEW_JOINTS_MIRRORED) -> np.ndarray:
    """KIT-ML joints in MMM order -> the approximate SMPL-22 skeleton (``KIT_TO_SMPL22``).

    Args:
        joints: (..., 21, 3) Y-up positions (any unit; the output keeps it).
        mirrored: the input is a mirror image with the real sides' names, as KIT-ML's
            ``new_joints`` are; X is negated after the mapping so that the left is +X.
    Returns:
        (..., 22, 3) float32 in SMPL order.
    """
    joints = np.asarray(joints)
    if joints.ndim < 2 or joints.shape[-2:] != (len(KIT_JOINT_NAMES), 3):
        raise ValueError(f"KIT-ML joints must be (..., {len(KIT_JOINT_NAMES)}, 3), got {joints.shape}")
    out = np.einsum("sk,...kc->...sc", _KIT_WEIGHTS, joints.astype(np.float64))
    if mirrored:
        out[..., 0] = -out[..., 0]
    return out.astype(np.float32)


class HumanML3DFormatError(ValueError):
    """A file that does not follow the layout above; the message names the file (and line)."""


def _kind(kind: str) -> DatasetKind:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return KINDS[kind]


def read_split(root, split: str) -> List[str]:
    """The ids listed in ``root/<split>.txt``, in file order."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    path = Path(root) / f"{split}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"split file not found: {path}")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def parse_text_line(line: str, source: str = "<text>", line_no: int = 0) -> Tuple[str, List[str], float, float]:
    """One ``caption#tokens#start#end`` line -> (caption, tokens, start_s, end_s), times as written
    (0.0/0.0 = whole clip; NaN -> 0.0)."""
    parts = line.rstrip("\r\n").rsplit("#", 3)
    if len(parts) != 4:
        raise HumanML3DFormatError(f"{source}:{line_no}: expected 'caption#tokens#start#end', "
                                   f"found {len(parts) - 1} '#' separators in {line.strip()[:60]!r}")
    caption, tokens, start, end = parts
    try:
        times = [float(start), float(end)]
    except ValueError:
        raise HumanML3DFormatError(f"{source}:{line_no}: start/end times must be numbers, "
                                   f"found {start.strip()!r} and {end.strip()!r}") from None
    start_s, end_s = (0.0 if math.isnan(t) else t for t in times)
    if not caption.strip():
        raise HumanML3DFormatError(f"{source}:{line_no}: empty caption")
    return caption.strip(), tokens.split(), start_s, end_s


def read_texts(path, duration: float):
    """Captions of one motion of ``duration`` seconds.

    Returns:
        (texts, tokens): texts = [(caption, start_s, end_s)], whole-clip captions as (0, duration);
        sub-clips whose interval is empty or starts past the end are dropped with a warning,
        ends past the clip are clamped to ``duration``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"caption file not found: {path}")
    texts, tokens = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        caption, toks, start, end = parse_text_line(line, str(path), n)
        if start == 0.0 and end == 0.0:
            start, end = 0.0, duration
        end = min(end, duration)
        if start < 0 or end <= start:
            log.warning("%s:%d: sub-clip %.3f-%.3f s is empty within the %.3f s motion; caption left out",
                        path, n, start, end, duration)
            continue
        texts.append((caption, float(start), float(end)))
        tokens.append(toks)
    return texts, tokens


def read_joints(path, kind: str = "humanml3d") -> np.ndarray:
    """``new_joints/ID.npy`` -> (T, J, 3) float32 metres, checked."""
    spec = _kind(kind)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"joint file not found: {path}")
    try:
        joints = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise HumanML3DFormatError(f"{path}: not a readable .npy array ({err})") from None
    if joints.ndim != 3 or joints.shape[1:] != (spec.num_joints, 3) or joints.shape[0] == 0:
        raise HumanML3DFormatError(f"{path}: joints of shape {joints.shape}, expected (T, {spec.num_joints}, 3) for {kind}")
    if not np.isfinite(joints).all():
        raise HumanML3DFormatError(f"{path}: joints hold NaN or inf values")
    return (joints / spec.units_per_metre).astype(np.float32)


def read_vecs(path, num_frames: int, kind: str = "humanml3d") -> np.ndarray:
    """``new_joint_vecs/ID.npy`` -> (T', D) float32; the released features have one frame fewer
    than the joints (velocities), so T' = T - 1 is accepted besides T."""
    spec = _kind(kind)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"feature file not found: {path}")
    vecs = np.load(path, allow_pickle=False)
    if vecs.ndim != 2 or vecs.shape[1] != spec.feature_dim or vecs.shape[0] not in (num_frames, num_frames - 1):
        raise HumanML3DFormatError(f"{path}: features of shape {vecs.shape}, expected ({num_frames - 1} or "
                                   f"{num_frames}, {spec.feature_dim}) for {kind}")
    return vecs.astype(np.float32)


def load_stats(root, kind: str = "humanml3d") -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """(Mean, Std) of the features from ``Mean.npy`` / ``Std.npy``, or None when absent."""
    spec = _kind(kind)
    root = Path(root)
    if not ((root / "Mean.npy").is_file() and (root / "Std.npy").is_file()):
        return None
    mean, std = (np.load(root / name, allow_pickle=False).astype(np.float32) for name in ("Mean.npy", "Std.npy"))
    for name, arr in (("Mean.npy", mean), ("Std.npy", std)):
        if arr.shape != (spec.feature_dim,):
            raise HumanML3DFormatError(f"{root / name}: shape {arr.shape}, expected ({spec.feature_dim},) for {kind}")
    return mean, std


def iter_humanml3d(root, split: str, kind: str = "humanml3d", with_vecs: bool = False,
                   missing: str = "error", layout: str = "raw") -> Iterator[dict]:
    """Yield the motions of one split, one at a time (see the module docstring for the dict).

    Args:
        root: dataset folder (``new_joints/``, ``texts/``, split files).
        split: "train", "val", "test", "train_val" or "all".
        kind: "humanml3d" or "kitml".
        with_vecs: also read ``new_joint_vecs/ID.npy`` as ``vecs``.
        missing: "error" (default) raises for an id without its joint or text file; "skip" logs
            the file and goes on.
        layout: "raw" (default) the files' joints; "smpl22" KIT-ML mapped to SMPL-22 by
            ``kit_to_smpl22`` (HumanML3D is SMPL-22 already: the same as "raw").
    Raises:
        FileNotFoundError: ``root``, one of its folders, the split file or (``missing="error"``)
            an id's file is absent; the message names the path.
        HumanML3DFormatError: a malformed file (names the file, and the line for captions).
    """
    spec = _kind(kind)
    if missing not in ("error", "skip"):
        raise ValueError(f"missing must be 'error' or 'skip', got {missing!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    to_smpl22 = layout == "smpl22" and kind == "kitml"
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{kind} folder not found: {root}")
    folders = ["new_joints", "texts"] + (["new_joint_vecs"] if with_vecs else [])
    for folder in folders:
        if not (root / folder).is_dir():
            raise FileNotFoundError(f"{kind} folder {root / folder} not found (expected {', '.join(folders)} in {root})")
    for motion_id in read_split(root, split):
        try:
            joints = read_joints(root / "new_joints" / f"{motion_id}.npy", kind)
            duration = joints.shape[0] / spec.fps
            texts, tokens = read_texts(root / "texts" / f"{motion_id}.txt", duration)
            if to_smpl22:
                joints = kit_to_smpl22(joints)
            item = {"id": motion_id, "joints": joints, "fps": spec.fps, "texts": texts, "tokens": tokens,
                    "mirrored": motion_id.startswith("M")}
            if with_vecs:
                item["vecs"] = read_vecs(root / "new_joint_vecs" / f"{motion_id}.npy", joints.shape[0], kind)
        except FileNotFoundError as err:
            if missing == "error":
                raise
            log.warning("skipped %s: %s", motion_id, err)
            continue
        yield item


def load_humanml3d(root, split: str, kind: str = "humanml3d", with_vecs: bool = False,
                   missing: str = "error", layout: str = "raw") -> List[dict]:
    """All motions of one split as a list (``iter_humanml3d`` collected)."""
    return list(iter_humanml3d(root, split, kind, with_vecs, missing, layout))
