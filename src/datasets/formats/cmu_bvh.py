"""Import CMU BVH files (B. Hahne's conversions) as AMASS-style SMPL ``.npz`` plus BABEL-style labels.

The library behind this command (its options are in ``src.parser.data``):

    python -m src.datasets.bvh_import --input_dir ../shared/data/cmu/more --labels labels.tsv \
        --output_dir data/cmu_bvh [--fps_override 60 | 60_01=60 ...] [--target_fps 30]

Output (read by ``python -m src.datasets.amass_parser --dataset_name babel --input_dir OUT
--babel_dir OUT/babel``):
    OUT/CMU_BVH/<subject>/<id>_poses.npz   AMASS SMPL+H "G" layout: poses (T, 156) axis-angle (body
                                           0:66, the rest 0), trans (T, 3) Z-up metres, betas (16,) 0,
                                           gender "neutral", mocap_framerate, dmpls (T, 8) 0
    OUT/babel/{train,val,test}.json        one sequence label per file, its labels.tsv description;
                                           split by a hash of the id (--val_fraction/--test_fraction)
``trans`` means what it means in AMASS: in the Z-up world the pelvis is at J0 + trans, J0 being
the rest pelvis of the built-in skeleton (0, -0.22, 0), which the root rotation does not turn.

Retargeting (``retarget_to_smpl``), for the three releases of the conversion (MotionBuilder:
``LeftUpLeg/LeftArm``, 31 joints; 3ds Max: ``LeftHip/LeftShoulder``, mixed ZYX/ZXY; Daz:
``lThigh/lShldr``, 43 joints, ZXY). Each SMPL joint is matched by name to a CMU joint (or End
Site) at the same place in the body (``SMPL_FROM_CMU``). The CMU joint that turns the bone from
there to the next matched joint *drives* the SMPL joint:

    G_smpl[j](t) = G_cmu[driver](t) @ G_cmu[driver](rest)^T @ A_j

with G global rotations and A_j the rest-pose correction that turns SMPL's rest bone direction
(SMPL's rest pose is a T-pose facing +Z, left = +X) onto the CMU bone's rest direction (pelvis:
the frame of the hip line and the spine). So every SMPL bone points where its CMU bone points,
whatever the CMU rest pose; global rotations are then made local along SMPL's parent chain.
The rest pose is frame 0 when it is a T-pose (Hahne's added frame, found in the MotionBuilder
and Daz releases), otherwise the skeleton's zero-rotation pose (the 3ds Max release, whose frame
0 is already motion and whose zero pose has the arms down). The added T-pose is dropped from the
output, with the few frames the Daz release uses to blend out of it (``settle_start``).

Scale: the file's unit is detected from its leg length (hip-knee-ankle) among CMU units (x0.056444),
centimetres, metres, inches and millimetres (the one giving a leg nearest 0.85 m), not trusted
from a constant, and reported. The trajectory is then scaled to the built-in SMPL body (its leg
length over the subject's), anchored at the mid-hip point, so that the built-in skeleton's feet stay
planted. A capture floor tilted by a degree or so is levelled (``floor_levelling``), and the floor
is put at the clip's lowest ankle/foot point (SPEC section 1): the files' own floors are a few
centimetres off. A clip whose median pelvis height above that floor is outside
0.3-1.5 m is refused as corrupt (09_10 of the Daz release).

Frame rate: 1 / Frame Time, snapped to the nearest integer when within 0.1% (the headers write
.0083333 for 1/120). Subjects captured at 60 fps whose conversion says 120 (SPEC section 2,
``CMU_60FPS_SUBJECTS``) get 60; ``--fps_override`` wins over both. ``--target_fps`` resamples
(slerp), otherwise the source rate is kept.
"""

import csv
import json
import logging
import re
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from src import config
from src.errors import BadInputError
from src.datasets.formats import amass_io
from src.datasets.formats.amass_io import resample
from src.datasets.formats.bvh import BvhMotion, BvhParseError, read_bvh
from src.models.rotation2xyz import BuiltinSkeleton
from src.utils import rotation
from src.utils.fileio import write_text_atomic

log = logging.getLogger("bvh_import")

# SPEC §2: CMU trials of these subjects were captured at 60 fps, but Hahne's BVH headers say 120.
CMU_60FPS_SUBJECTS = frozenset({60, 61, 62, 74, 75, 77, 79, 80, 84, 88, 89, 90, 93, 103, 106, 107,
                                115, 139, 141, 143})

# SMPL joint -> CMU joints (or "<joint>_End" End Sites) at the same place, first present wins.
# MotionBuilder (LeftUpLeg, LeftShoulder = collar, LeftArm), 3ds Max (LeftHip, LeftCollar,
# LeftShoulder = upper arm, lowerneck), Daz (lThigh, lCollar, lShldr, no toe joint).
SMPL_FROM_CMU = {
    "pelvis": ("Hips", "hip"),
    "left_hip": ("LeftUpLeg", "LeftHip", "lThigh"),
    "right_hip": ("RightUpLeg", "RightHip", "rThigh"),
    "spine1": ("LowerBack", "lowerback", "abdomen"),
    "left_knee": ("LeftLeg", "LeftKnee", "lShin"),
    "right_knee": ("RightLeg", "RightKnee", "rShin"),
    "spine2": ("Spine", "Chest", "chest"),
    "left_ankle": ("LeftFoot", "LeftAnkle", "lFoot"),
    "right_ankle": ("RightFoot", "RightAnkle", "rFoot"),
    "spine3": ("Spine1", "Chest2", "chest"),
    "left_foot": ("LeftToeBase", "LeftToe", "lFoot_End"),
    "right_foot": ("RightToeBase", "RightToe", "rFoot_End"),
    "neck": ("lowerneck", "Neck", "neck"),
    "left_collar": ("LeftCollar", "lCollar", "LeftShoulder"),
    "right_collar": ("RightCollar", "rCollar", "RightShoulder"),
    "head": ("Head", "head"),
    "left_shoulder": ("LeftArm", "lShldr", "LeftShoulder"),
    "right_shoulder": ("RightArm", "rShldr", "RightShoulder"),
    "left_elbow": ("LeftForeArm", "LeftElbow", "lForeArm"),
    "right_elbow": ("RightForeArm", "RightElbow", "rForeArm"),
    "left_wrist": ("LeftHand", "LeftWrist", "lHand"),
    "right_wrist": ("RightHand", "RightWrist", "rHand"),
    "left_hand": ("LeftFingerBase", "LFingers", "lMid1", "LeftHand_End", "LeftWrist_End", "lHand_End"),
    "right_hand": ("RightFingerBase", "RFingers", "rMid1", "RightHand_End", "RightWrist_End", "rHand_End"),
}
assert tuple(SMPL_FROM_CMU) == config.SMPL_JOINT_NAMES
# Files this project writes (``bvh.write_bvh``) name their joints as SMPL does; accept those too,
# so that exported motions re-import.
SMPL_FROM_CMU = {name: aliases + (name,) for name, aliases in SMPL_FROM_CMU.items()}

# Length units the conversions have used, in metres per file unit.
UNIT_CANDIDATES = {"CMU units": config.CMU_BVH_UNITS_TO_METRES, "cm": 0.01, "m": 1.0, "inch": 0.0254, "mm": 0.001}
PLAUSIBLE_LEG_M = (0.55, 1.15)       # hip-knee-ankle length of an adult, metres
TPOSE_MAX_ANGLE_DEG = 30.0           # limb deviation still counted as a T-pose
PLAUSIBLE_PELVIS_M = (0.3, 1.5)      # median pelvis height above the clip's floor (lying .. jumping)
SETTLE_MIN_DEG = 6.0                 # see ``settle_start``
SETTLE_MAX_S = 0.25
FLOOR_STILL_M_S = 0.2                # see ``floor_levelling``
FLOOR_MIN_SPREAD_M = 1.0
FLOOR_MAX_TILT_DEG = 3.0
# Primary child of each SMPL joint (the bone its rotation aims; spine3 -> neck), -1 for leaves.
_PRIMARY_CHILD = [next((c for c, p in enumerate(config.SMPL_PARENTS) if p == j), -1)
                  for j in range(config.NUM_SMPL_JOINTS)]


class RetargetError(ValueError):
    """A BVH file that cannot be matched to SMPL or holds implausible motion; the message names the file."""


@dataclass
class RetargetResult:
    """An SMPL-24 motion retargeted from a BVH file (Y-up, built-in skeleton).

    Args:
        rotmats: (T, 24, 3, 3) local rotations, joint 0 = global root orientation, Y-up.
        trans: (T, 3) SMPL translation in metres, Y-up (pelvis at rest pelvis + trans).
        fps: frame rate of the frames.
        info: what was detected (unit, T-pose, scale factors), for logs.
    """

    rotmats: torch.Tensor
    trans: torch.Tensor
    fps: float
    info: dict = field(default_factory=dict)


# --------------------------------------------------------------------- frame rate
def trial_subject(stem: str):
    """``"131_01"`` or ``"scaled_131_01"`` -> ``"131"``; None when the name has no ``SS_TT``."""
    m = re.search(r"(\d+)_(\d+)$", stem)
    return m.group(1) if m else None


def header_fps(motion: BvhMotion) -> float:
    """1 / Frame Time, snapped to the nearest integer when within 0.1% (``.0083333`` -> 120)."""
    fps = motion.fps
    return float(round(fps)) if abs(fps - round(fps)) < 1e-3 * fps else fps


def source_fps(stem: str, motion: BvhMotion, overrides: Optional[dict] = None) -> float:
    """The true capture rate of a trial.

    Args:
        stem: file name without ``.bvh`` (e.g. ``"60_01"``).
        overrides: {"*" | id | subject: fps} from ``--fps_override``; id beats subject beats "*".
    """
    overrides = overrides or {}
    subject = trial_subject(stem)
    for key in (stem, subject, subject and subject.lstrip("0"), "*"):
        if key and key in overrides:
            return float(overrides[key])
    fps = header_fps(motion)
    if subject is not None and int(subject) in CMU_60FPS_SUBJECTS and round(fps) == 120:
        return fps / 2.0
    return fps


def parse_fps_overrides(tokens: Sequence[str]) -> dict:
    """``["60"]`` -> {"*": 60.0}; ``["60_01=60", "131=120"]`` -> per id / subject."""
    out = {}
    for tok in tokens or []:
        key, sep, value = tok.rpartition("=")
        try:
            fps = float(value)
        except ValueError:
            raise ValueError(f"--fps_override {tok!r}: expected FPS or ID=FPS") from None
        if not fps > 0:
            raise ValueError(f"--fps_override {tok!r}: frame rate must be positive")
        out[key if sep else "*"] = fps
    return out


# ----------------------------------------------------------------------- geometry
def _normalise(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True).clip(1e-12)


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(3, 3) smallest rotation taking direction ``a`` onto direction ``b``."""
    a, b = _normalise(a), _normalise(b)
    axis = np.cross(a, b)
    sin, cos = np.linalg.norm(axis), float(np.dot(a, b))
    if sin < 1e-9:
        if cos > 0:
            return np.eye(3)
        perp = np.cross(a, [1.0, 0, 0] if abs(a[0]) < 0.9 else [0, 1.0, 0])  # half turn about any normal
        return rotation.axis_angle_to_matrix(torch.tensor(_normalise(perp) * np.pi)).numpy()
    rotvec = axis / sin * np.arctan2(sin, cos)
    return rotation.axis_angle_to_matrix(torch.tensor(rotvec)).numpy()


def frame_from(up: np.ndarray, across: np.ndarray) -> np.ndarray:
    """(3, 3) orthonormal frame with columns (x = across, y = up, z = x cross y), up kept exactly."""
    y = _normalise(up)
    x = _normalise(across - np.dot(across, y) * y)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


# ----------------------------------------------------------------------- skeleton
@dataclass
class SkeletonMatch:
    """Where each SMPL joint sits on a BVH skeleton and which BVH joint turns it.

    Args:
        points: (24,) index into the BVH's points (joints, then one End Site per joint).
        drivers: (24,) BVH joint whose global rotation drives each SMPL joint.
        point_names: names of the BVH points (joints, then ``<joint>_End``).
    """

    points: List[int]
    drivers: List[int]
    point_names: List[str]


def match_skeleton(motion: BvhMotion) -> SkeletonMatch:
    """Map SMPL-24 onto a BVH skeleton by joint names (see ``SMPL_FROM_CMU``)."""
    ends = {}
    for parent, _ in motion.end_sites:
        ends.setdefault(parent, len(motion.names) + len(ends))
    point_names = list(motion.names) + [f"{motion.names[p]}_End" for p in ends]
    point_parent = list(motion.parents) + list(ends)  # an End Site's "parent" is its joint
    lookup = {n: i for i, n in enumerate(point_names)}
    points, missing = [], []
    for smpl_name, candidates in SMPL_FROM_CMU.items():
        found = next((lookup[c] for c in candidates if c in lookup), None)
        if found is None:
            missing.append(f"{smpl_name} (one of {', '.join(candidates)})")
        points.append(found)
    if missing:
        raise RetargetError(f"{motion.source}: cannot match the skeleton to SMPL, no joint for " + "; ".join(missing)
                            + f". Joints in the file: {', '.join(motion.names)}")
    drivers = []
    for j in range(config.NUM_SMPL_JOINTS):
        child = _PRIMARY_CHILD[j]
        if j == 0:
            drivers.append(points[0])
        elif child >= 0:
            drivers.append(point_parent[points[child]])
        elif points[j] < len(motion.names):  # a leaf on a real joint turns with that joint
            drivers.append(points[j])
        else:
            drivers.append(drivers[config.SMPL_PARENTS[j]])
    if points[0] != 0 or motion.parents[0] != -1:
        raise RetargetError(f"{motion.source}: the pelvis ({point_names[points[0]]}) is not the BVH root")
    return SkeletonMatch(points, drivers, point_names)


def point_positions(motion: BvhMotion, frames: Optional[np.ndarray] = None):
    """Global rotations (F, J, 3, 3) and point positions (F, J + E, 3) in file units."""
    glob_rot, glob_pos = motion.global_transforms(frames)
    seen, ends = set(), []
    for k, (parent, _) in enumerate(motion.end_sites):
        if parent not in seen:
            seen.add(parent)
            ends.append(k)
    end_pos = motion.end_site_positions(glob_rot, glob_pos)[:, ends]
    return glob_rot, np.concatenate([glob_pos, end_pos], axis=1)


def _smpl_rest() -> np.ndarray:
    return BuiltinSkeleton().rest_joints.double().numpy()  # (24, 3)


def smpl_leg_length() -> float:
    """Hip-knee-ankle length of the built-in skeleton, metres."""
    smpl, idx = _smpl_rest(), config.JOINT_INDEX
    return float(np.linalg.norm(smpl[idx["left_knee"]] - smpl[idx["left_hip"]])
                 + np.linalg.norm(smpl[idx["left_ankle"]] - smpl[idx["left_knee"]]))


def leg_length(points: np.ndarray, match: SkeletonMatch) -> float:
    """Mean hip-knee-ankle length of both legs, from (P, 3) positions."""
    idx = config.JOINT_INDEX
    total = 0.0
    for side in ("left", "right"):
        hip, knee, ankle = (points[match.points[idx[f"{side}_{n}"]]] for n in ("hip", "knee", "ankle"))
        total += np.linalg.norm(knee - hip) + np.linalg.norm(ankle - knee)
    return total / 2.0


def detect_unit(leg_units: float, source: str):
    """(name, metres per unit) that makes the leg most adult-like; RetargetError when none does."""
    target = sum(PLAUSIBLE_LEG_M) / 2
    name, scale = min(UNIT_CANDIDATES.items(), key=lambda kv: abs(np.log(leg_units * kv[1] / target)))
    metres = leg_units * scale
    if not PLAUSIBLE_LEG_M[0] <= metres <= PLAUSIBLE_LEG_M[1]:
        raise RetargetError(f"{source}: leg length {leg_units:.4g} file units fits no known unit "
                            f"({', '.join(UNIT_CANDIDATES)}); closest is {name} = {metres:.2f} m")
    return name, scale


def is_tpose(points: np.ndarray, match: SkeletonMatch) -> bool:
    """True when arms point sideways (along the hip line, outwards) and legs straight down."""
    idx = config.JOINT_INDEX
    p = lambda name: points[match.points[idx[name]]]
    across = _normalise(p("left_hip") - p("right_hip"))
    limit = np.cos(np.radians(TPOSE_MAX_ANGLE_DEG))
    checks = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        for a, b in (("shoulder", "elbow"), ("elbow", "wrist")):
            checks.append(np.dot(_normalise(p(f"{side}_{b}") - p(f"{side}_{a}")), sign * across))
        for a, b in (("hip", "knee"), ("knee", "ankle")):
            checks.append(-_normalise(p(f"{side}_{b}") - p(f"{side}_{a}"))[1])
    return bool(min(checks) > limit)


def rest_corrections(rest_points: np.ndarray, match: SkeletonMatch) -> np.ndarray:
    """(24, 3, 3) A_j: SMPL rest bone direction -> the BVH rest bone direction (world frame)."""
    smpl = _smpl_rest()
    idx = config.JOINT_INDEX
    P = lambda j: rest_points[match.points[j]]
    scale = leg_length(rest_points, match)
    corr = np.zeros((config.NUM_SMPL_JOINTS, 3, 3))
    # pelvis: a whole frame, from the hip line and the spine (pelvis -> spine3)
    up_c, up_s = P(idx["spine3"]) - P(0), smpl[idx["spine3"]] - smpl[0]
    across_c = P(idx["left_hip"]) - P(idx["right_hip"])
    across_s = smpl[idx["left_hip"]] - smpl[idx["right_hip"]]
    corr[0] = frame_from(up_c, across_c) @ frame_from(up_s, across_s).T
    for j in range(1, config.NUM_SMPL_JOINTS):
        child = _PRIMARY_CHILD[j]
        bone = P(child) - P(j) if child >= 0 else np.zeros(3)
        if child < 0 or np.linalg.norm(bone) < 1e-3 * scale:  # leaf, or joints that coincide
            corr[j] = corr[config.SMPL_PARENTS[j]]
        else:
            corr[j] = rotation_between(smpl[child] - smpl[j], bone)
    return corr


# ----------------------------------------------------------------------- retarget
def settle_start(glob_rot: np.ndarray, root_pos: np.ndarray, fps: float) -> int:
    """Frames to skip after an added T-pose while the conversion still blends out of it.

    Hahne's Daz release eases from the T-pose into the first captured pose over about four
    frames (20-50 degrees per frame at 120 fps), and some files hold a few stale frames and
    a root jump of metres there. Frames are skipped, within the first ``SETTLE_MAX_S``, while
    the step to the next frame turns a driving joint by more than max(``SETTLE_MIN_DEG``,
    3 x the clip's median step) or moves the root by more than max(5 x median step, 5% of the
    leg length).

    Args:
        glob_rot: (T, K, 3, 3) global rotations of the driving joints, T-pose frame excluded.
        root_pos: (T, 3) root positions in leg lengths.
    """
    if len(glob_rot) < 3:
        return 0
    rel = np.einsum("tjba,tjbc->tjac", glob_rot[:-1], glob_rot[1:])
    cos = (np.trace(rel, axis1=-2, axis2=-1) - 1.0) / 2.0
    turn = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))).max(axis=1)   # (T-1,)
    step = np.linalg.norm(np.diff(root_pos, axis=0), axis=-1)             # (T-1,)
    turn_limit = max(SETTLE_MIN_DEG, 3.0 * float(np.median(turn)))
    step_limit = max(0.05, 5.0 * float(np.median(step)))
    k, last = 0, min(int(SETTLE_MAX_S * fps), len(turn) - 1)
    while k < last and (turn[k] > turn_limit or step[k] > step_limit):
        k += 1
    return k


def floor_levelling(toes: np.ndarray, fps: float):
    """The turn that makes a slightly tilted capture floor level, from where the feet rest.

    Some sessions' floors are tilted by about a degree (subject 7 of the Daz release: the feet
    touch down 5 cm higher at one end of a 3.5 m walk). Samples of a toe point that is still
    (< ``FLOOR_STILL_M_S``) are fitted with a plane, along each horizontal direction in which they
    spread over more than ``FLOOR_MIN_SPREAD_M`` (three passes, keeping samples within 3 cm). The
    fit is used only if it is clean (>= 80% of the samples on the plane) and gentle
    (<= ``FLOOR_MAX_TILT_DEG``): uneven terrain, jumps in place and runs are left as they are.

    Args:
        toes: (T, K, 3) toe positions in metres (body-scaled), Y-up.
    Returns:
        ((3, 3) rotation to apply to the world, tilt in degrees; identity and 0.0 when not used).
    """
    speed = np.linalg.norm(np.diff(toes, axis=0), axis=-1) * fps     # (T-1, K)
    still = toes[:-1][speed < FLOOR_STILL_M_S]                        # (N, 3)
    if len(still) < 20:
        return np.eye(3), 0.0
    xz = still[:, [0, 2]] - still[:, [0, 2]].mean(axis=0)
    axes = np.linalg.svd(xz, full_matrices=False)[2]                 # (2, 2) principal directions
    proj = xz @ axes.T                                               # (N, 2)
    use = np.ptp(proj, axis=0) > FLOOR_MIN_SPREAD_M
    if not use.any():
        return np.eye(3), 0.0
    design = np.concatenate([proj[:, use], np.ones((len(still), 1))], axis=1)
    keep = np.ones(len(still), bool)
    for _ in range(3):
        coef = np.linalg.lstsq(design[keep], still[keep, 1], rcond=None)[0]
        keep = np.abs(still[:, 1] - design @ coef) < 0.03
    slope = np.zeros(2)
    slope[use] = coef[:-1]
    grad = axes.T @ slope                                            # dy/dx, dy/dz in the world
    tilt = float(np.degrees(np.arctan(np.linalg.norm(grad))))
    if keep.mean() < 0.8 or tilt > FLOOR_MAX_TILT_DEG:
        return np.eye(3), 0.0
    return rotation_between(np.array([-grad[0], 1.0, -grad[1]]), np.array([0.0, 1.0, 0.0])), tilt


def retarget_to_smpl(motion: BvhMotion, fps: float) -> RetargetResult:
    """Retarget a CMU BVH motion onto the built-in SMPL-24 skeleton (see the module docstring).

    Args:
        motion: a parsed BVH file.
        fps: its true frame rate (``source_fps``).
    Returns:
        RetargetResult at ``fps``; an added T-pose frame and the frames that blend out of it
        are left out.
    """
    if motion.num_frames == 0:
        raise RetargetError(f"{motion.source}: no motion to import ('Frames: 0')")
    low, high = config.SOURCE_FPS_RANGE
    if not (np.isfinite(fps) and low <= fps <= high):
        raise RetargetError(f"{motion.source}: frame rate {fps:g} fps is outside the plausible range "
                            f"{low:g}-{high:g} fps ('Frame Time' or --fps_override)")
    match = match_skeleton(motion)
    glob_rot, pts = point_positions(motion)                      # (T, J, 3, 3), (T, P, 3)
    tpose = motion.num_frames > 1 and is_tpose(pts[0], match)
    if tpose:
        rest_rot, rest_pts = glob_rot[0], pts[0]
    else:
        rot0, pts0 = point_positions(motion, motion.zero_frame())
        rest_rot, rest_pts = rot0[0], pts0[0]
    leg_units = leg_length(rest_pts, match)
    unit_name, unit_scale = detect_unit(leg_units, motion.source)
    first = 0
    if tpose:  # the added T-pose, any copies of it, then the frames blending out of it
        first = 1
        while first < motion.num_frames - 1 and is_tpose(pts[first], match):
            first += 1
        first += settle_start(glob_rot[first:, match.drivers], pts[first:, 0] / leg_units, fps)
    glob_rot, pts = glob_rot[first:], pts[first:]
    if len(glob_rot) == 0:
        raise RetargetError(f"{motion.source}: no motion to import (only the T-pose frame and frames blending "
                            "out of it)")
    smpl = _smpl_rest()
    body_scale = smpl_leg_length() / leg_units  # metres of the built-in body per file unit
    level, tilt = floor_levelling(pts[:, [match.points[f] for f in config.FOOT_JOINTS]] * body_scale, fps)
    glob_rot = np.einsum("ab,tjbc->tjac", level, glob_rot)
    pts = pts @ level.T

    corr = rest_corrections(rest_pts, match)
    const = np.einsum("jba,jbc->jac", rest_rot[match.drivers], corr)            # G_rest(driver)^T @ A_j
    glob_smpl = np.einsum("tjab,jbc->tjac", glob_rot[:, match.drivers], const)  # (T, 24, 3, 3)
    parents = list(config.SMPL_PARENTS)
    local = glob_smpl.copy()
    local[:, 1:] = np.einsum("tjba,tjbc->tjac", glob_smpl[:, parents[1:]], glob_smpl[:, 1:])

    # Trajectory: the SMPL mid-hip point follows the BVH mid-hip point, scaled to the body.
    hips = list(config.HIP_JOINTS)
    mid_bvh = pts[:, [match.points[h] for h in hips]].mean(axis=1) * body_scale   # (T, 3) metres
    mid_rest = smpl[hips].mean(axis=0) - smpl[0]                                  # pelvis -> mid-hip
    pelvis = mid_bvh - glob_smpl[:, 0] @ mid_rest                                 # (T, 3)
    trans = torch.from_numpy(pelvis - smpl[0])
    rotmats = torch.from_numpy(local)
    # Floor: the lowest ankle/foot point of the clip at y = 0 (SPEC section 1); the files' own
    # floors are off by a few cm in most and by a metre in some (07_12, 09_10 of the Daz release).
    joints = BuiltinSkeleton().double()(rotmats, trans)["joints"]
    floor = float(joints[:, list(config.FLOOR_JOINTS), 1].min())
    trans[:, 1] -= floor
    stand = float(np.median(pelvis[:, 1])) - floor
    if not PLAUSIBLE_PELVIS_M[0] <= stand <= PLAUSIBLE_PELVIS_M[1]:
        raise RetargetError(f"{motion.source}: implausible motion, the pelvis is {stand:.2f} m above the lowest foot "
                            f"point in the median frame (expected {PLAUSIBLE_PELVIS_M[0]}-{PLAUSIBLE_PELVIS_M[1]} m)")

    info = {"unit": unit_name, "metres_per_unit": unit_scale, "leg_m": leg_units * unit_scale,
            "body_scale": body_scale / unit_scale, "tpose_frame0": tpose, "dropped_frames": first,
            "floor_tilt_deg": tilt}
    return RetargetResult(rotmats=rotmats.float(), trans=trans.float(), fps=float(fps), info=info)


def resample_result(result: RetargetResult, target_fps: Optional[float]) -> RetargetResult:
    """The motion at ``target_fps`` (slerped rotations, linear translation); unchanged when None."""
    if not target_fps or abs(target_fps - result.fps) < 1e-9:
        return result
    rotvec = rotation.matrix_to_axis_angle(result.rotmats.double())
    rotvec, trans = resample(rotvec, result.trans.double(), result.fps, target_fps)
    return RetargetResult(rotation.axis_angle_to_matrix(rotvec).float(), trans.float(), float(target_fps), result.info)


# ----------------------------------------------------------------------- output
def write_amass_npz(path: Path, result: RetargetResult) -> Path:
    """Write the retargeted motion as an AMASS SMPL+H "G" ``.npz`` (``amass_io.to_amass_arrays``)."""
    return amass_io.write_amass_npz(path, amass_io.to_amass_arrays(result.rotmats, result.trans, result.fps))


def read_labels(path: Path) -> Dict[str, str]:
    """``labels.tsv`` (tab-separated, header with ``id`` and ``description``) -> {id: description}."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        missing = {"id", "description"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: header lacks column(s) {', '.join(sorted(missing))} "
                             f"(found: {', '.join(reader.fieldnames or ()) or 'nothing'})")
        out = {}
        for row in reader:
            key, text = (row.get("id") or "").strip(), (row.get("description") or "").strip()
            if key:
                out[key] = text
    return out


def split_of(trial_id: str, val_fraction: float, test_fraction: float) -> str:
    """Deterministic split from a hash of the id (stable when files are added or removed)."""
    u = (zlib.crc32(trial_id.encode("utf-8")) % 10000) / 10000.0
    return "test" if u < test_fraction else "val" if u < test_fraction + val_fraction else "train"


def babel_sid(trial_id: str) -> int:
    """A stable integer id for the BABEL-style files."""
    return zlib.crc32(f"CMU_BVH/{trial_id}".encode("utf-8")) & 0x7FFFFFFF


def babel_entry(trial_id: str, subject: str, description: str, dur: float) -> dict:
    """One BABEL-style sequence with a single sequence label spanning [0, dur]."""
    ns = uuid.uuid5(uuid.NAMESPACE_URL, f"smog/cmu_bvh/{trial_id}")
    label = {"raw_label": description, "proc_label": description, "seg_id": str(uuid.uuid5(ns, "seg")),
             "act_cat": [], "start_t": 0.0, "end_t": dur}
    return {"babel_sid": babel_sid(trial_id), "url": "", "feat_p": f"CMU_BVH/CMU_BVH/{subject}/{trial_id}_poses.npz",
            "dur": dur, "seq_ann": {"babel_lid": str(uuid.uuid5(ns, "lid")), "anntr_id": "bvh_import",
                                    "mul_act": False, "labels": [label]},
            "frame_ann": None}


@dataclass
class ImportSummary:
    """What ``import_directory`` did: npz files written, files skipped with reasons, label files."""

    written: List[Path] = field(default_factory=list)
    skipped: List[tuple] = field(default_factory=list)   # (file, reason)
    babel_files: List[Path] = field(default_factory=list)


def import_directory(input_dir, output_dir, labels_path=None, fps_overrides: Optional[dict] = None,
                     target_fps: Optional[float] = None, val_fraction: float = 0.1,
                     test_fraction: float = 0.1, overwrite: bool = False) -> ImportSummary:
    """Import every ``*.bvh`` in ``input_dir`` (see the module docstring for the outputs).

    Files that cannot be read or retargeted are skipped with their reason logged and listed.
    Label files already in ``output_dir`` are replaced only with ``overwrite``, and never when
    no file could be imported.

    Raises:
        FileNotFoundError: no input folder, no .bvh file, no labels file.
        BadInputError: label files present without ``overwrite``.
        ValueError: no file could be imported (nothing is written then but no npz either).
    """
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    present = [output_dir / "babel" / f"{split}.json" for split in config.SPLITS
               if (output_dir / "babel" / f"{split}.json").exists()]
    if present and not overwrite:
        raise BadInputError(f"{output_dir} already holds an import ({', '.join(str(p) for p in present)}); pass "
                            "--overwrite to replace it, or choose another --output_dir")
    if not input_dir.is_dir():
        raise FileNotFoundError(f"BVH input directory not found: {input_dir}")
    files = sorted(input_dir.glob("*.bvh"))
    if not files:
        raise FileNotFoundError(f"no .bvh files in {input_dir}")
    labels_path = Path(labels_path) if labels_path else input_dir / "labels.tsv"
    if not labels_path.is_file() and not labels_path.is_absolute():
        labels_path = input_dir / labels_path
    if not labels_path.is_file():
        raise FileNotFoundError(f"labels file not found: {labels_path} (tab-separated, columns id, description)")
    labels = read_labels(labels_path)
    summary = ImportSummary()
    babel = {"train": {}, "val": {}, "test": {}}
    for path in files:
        trial_id = path.stem
        try:
            motion = read_bvh(path)
            result = resample_result(retarget_to_smpl(motion, source_fps(trial_id, motion, fps_overrides)), target_fps)
        except (BvhParseError, RetargetError, UnicodeDecodeError, OSError) as err:
            log.warning("skipped %s: %s", path.name, err)
            summary.skipped.append((path.name, str(err)))
            continue
        except Exception as err:  # noqa: BLE001 - one unexpected file must not end the import of the others
            reason = f"{path}: {type(err).__name__}: {err}"
            log.warning("skipped %s: %s", path.name, reason)
            summary.skipped.append((path.name, reason))
            continue
        subject = trial_subject(trial_id) or trial_id
        out = write_amass_npz(output_dir / "CMU_BVH" / subject / f"{trial_id}_poses.npz", result)
        summary.written.append(out)
        info = result.info
        log.info("%s: %d frames at %g fps, unit %s (leg %.2f m), body scale %.3f, T-pose frame %s, "
                 "%d frames dropped, floor levelled by %.1f deg", path.name, result.rotmats.shape[0], result.fps,
                 info["unit"], info["leg_m"], info["body_scale"], "yes" if info["tpose_frame0"] else "no",
                 info["dropped_frames"], info["floor_tilt_deg"])
        description = labels.get(trial_id)
        if not description:
            log.warning("%s: no description in %s; left out of the BABEL files", path.name, labels_path)
            continue
        dur = result.rotmats.shape[0] / result.fps
        babel[split_of(trial_id, val_fraction, test_fraction)][str(babel_sid(trial_id))] = \
            babel_entry(trial_id, subject, description, round(dur, 4))
    if not summary.written:  # empty label files would replace a usable import
        first = summary.skipped[0] if summary.skipped else ("", "")
        raise ValueError(f"no motion of {input_dir} could be imported ({len(summary.skipped)} file(s) skipped, "
                         f"each logged above; first: {first[0]}: {first[1]}); nothing was written")
    for split, entries in babel.items():
        path = output_dir / "babel" / f"{split}.json"
        write_text_atomic(path, json.dumps(entries, indent=1, sort_keys=True) + "\n")
        summary.babel_files.append(path)
    return summary
