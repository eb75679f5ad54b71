"""Named joint angles of a (T, 22, 3) joint sequence, in degrees (numpy only).

The 22 SMPL joints are points, so every angle is measured between bone vectors in a body frame
built from the joints themselves, never from stored rotations (a ``.npy`` has none):

* pelvis frame: left = left hip - right hip; up = spine1 - pelvis, made perpendicular to left;
  forward = left x up (left = +X, up = +Y, forward = +Z at rest, as ``src.config`` states);
* thorax frame: the same with the collars (left - right) and spine3 -> neck; the collars' positions
  move with spine3 only, so a shrug or a raised arm does not tilt this frame;
* heading frame: world up, and the pelvis frame's left made horizontal.

Each angle's anatomical definition is in ``ANGLES`` (and in ``docs/describe.md``). Sided angles
come in left/right pairs named ``left_*`` / ``right_*``; "outward" is +left for the left side and
-left for the right, so that mirroring a motion swaps the two readings. Angles that lean to one
side (lateral bends, trunk rotation, pelvis obliquity) are positive towards the body's left and
change sign under mirroring. Rotation about a limb's own axis (upper arm, thigh) is not defined by
joint positions alone and is not reported; the trunk's axial rotation is (shoulder line vs hip line).
"""

from typing import Dict, NamedTuple, Tuple

import numpy as np

from src import config

J = config.JOINT_INDEX
SIDES = ("left", "right")
_EPS = 1e-9


class AngleDef(NamedTuple):
    """One named angle: the body part it belongs to (for ranking), its side and its definition."""

    name: str
    part: str         # e.g. "left knee", "trunk": what the description names
    limb: str         # "left arm", "right leg", "trunk", "head": for the main-mover summary
    definition: str   # anatomical definition, zero position and sign


def _sided(template: str, part: str, limb: str, definition: str):
    return tuple(AngleDef(template.format(side=s), part.format(side=s), limb.format(side=s), definition)
                 for s in SIDES)


ANGLES: Tuple[AngleDef, ...] = (
    *_sided("{side}_knee_flexion", "{side} knee", "{side} leg",
            "angle between the thigh (hip->knee) and the shank (knee->ankle); 0 = straight leg, 90 = right-angle bend"),
    *_sided("{side}_hip_flexion", "{side} hip", "{side} leg",
            "thigh (hip->knee) projected onto the pelvis's sagittal plane: angle from straight down, + forward "
            "(flexion, 90 = thigh horizontal), - backward (extension)"),
    *_sided("{side}_hip_abduction", "{side} hip", "{side} leg",
            "angle of the thigh out of the pelvis's sagittal plane: + outward (abduction), - across the midline "
            "(adduction); 0 whenever the thigh swings straight forward or back"),
    *_sided("{side}_ankle_plantarflexion", "{side} ankle", "{side} leg",
            "angle between the shank (ankle->knee) and the foot (ankle->toe joint) minus its value in the built-in "
            "skeleton's rest pose (115 deg); + toes pointed down, - toes pulled up (dorsiflexion)"),
    *_sided("{side}_shoulder_flexion", "{side} shoulder", "{side} arm",
            "angle of the upper arm (shoulder->elbow) in front of the thorax's frontal plane: + forward (flexion, "
            "90 = pointing straight ahead), - behind (extension); an arm straight up or out reads 0"),
    *_sided("{side}_shoulder_abduction", "{side} shoulder", "{side} arm",
            "angle of the upper arm out of the thorax's sagittal plane: + outward (abduction, 90 = T-pose), "
            "- across the chest (adduction); an arm straight up or forward reads 0"),
    *_sided("{side}_shoulder_elevation", "{side} shoulder", "{side} arm",
            "angle between the upper arm and the thorax's down axis in any plane; 0 = hanging, 90 = horizontal, "
            "180 = straight up"),
    *_sided("{side}_elbow_flexion", "{side} elbow", "{side} arm",
            "angle between the upper arm (shoulder->elbow) and the forearm (elbow->wrist); 0 = straight arm"),
    *_sided("{side}_collar_elevation", "{side} collar", "{side} arm",
            "collar bone (collar->shoulder) above the thorax's horizontal plane; + shoulder raised (shrug), "
            "- depressed"),
    AngleDef("trunk_flexion", "trunk", "trunk",
             "pelvis->neck line against world vertical, in the heading frame's sagittal plane; + leaning forward "
             "(flexion), - backward (extension)"),
    AngleDef("trunk_lateral_bend", "trunk", "trunk",
             "pelvis->neck line against world vertical, in the heading frame's frontal plane; + bent to the left"),
    AngleDef("trunk_rotation", "trunk", "trunk",
             "axial twist: heading of the collar line minus heading of the hip line, about world vertical; "
             "+ shoulders turned to the left"),
    AngleDef("spine_flexion", "spine", "trunk",
             "thorax up axis (spine3->neck) against the pelvis up axis (pelvis->spine1), in the pelvis's sagittal "
             "plane; + curled forward"),
    AngleDef("pelvis_obliquity", "pelvis", "trunk",
             "hip line against the horizontal; + left hip higher"),
    AngleDef("neck_flexion", "neck", "head",
             "neck->head line against the thorax's up axis, in the thorax's sagittal plane; + chin down (flexion), "
             "- head back (extension)"),
    AngleDef("neck_lateral_bend", "neck", "head",
             "neck->head line against the thorax's up axis, in the thorax's frontal plane; + tilted to the left"),
)
ANGLE_NAMES = tuple(a.name for a in ANGLES)
ANGLE_INDEX = {a.name: i for i, a in enumerate(ANGLES)}


def mirror_angle_name(name: str) -> str:
    """The name an angle has on a mirrored body (left <-> right); unsided names stay."""
    for a, b in (("left_", "right_"), ("right_", "left_")):
        if name.startswith(a):
            return b + name[len(a):]
    return name


# Angles that lean to one side change sign when the motion is mirrored.
SIGNED_UNDER_MIRROR = frozenset({"trunk_lateral_bend", "trunk_rotation", "pelvis_obliquity", "neck_lateral_bend"})


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _EPS)


def _frame(left: np.ndarray, up: np.ndarray):
    """(T, 3) left and up hints -> orthonormal (left, up, forward), each (T, 3)."""
    left = _unit(left)
    up = _unit(up - (up * left).sum(-1, keepdims=True) * left)
    return left, up, np.cross(left, up)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1)


def _between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T,) angle in degrees between (T, 3) vectors a and b."""
    cos = _dot(_unit(a), _unit(b))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _planar(v: np.ndarray, along: np.ndarray, down: np.ndarray) -> np.ndarray:
    """(T,) degrees of v from ``down`` towards ``along``, in the plane the two (orthogonal, unit) axes
    span: v's component along the third axis is ignored, i.e. v is projected onto that plane."""
    return np.degrees(np.arctan2(_dot(v, along), _dot(v, down)))


def _out_of_plane(v: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """(T,) degrees between v and the plane whose unit normal is ``normal``, + on the normal's side."""
    return np.degrees(np.arcsin(np.clip(_dot(_unit(v), normal), -1.0, 1.0)))


def _yaw(v: np.ndarray) -> np.ndarray:
    """(T,) heading angle (radians) of the horizontal part of a left-pointing vector."""
    return np.arctan2(-v[..., 2], v[..., 0])


# The shank/foot angle of the built-in rest pose: ankle plantarflexion reads 0 there.
def _rest_ankle_angle() -> float:
    offsets = np.asarray(config.BUILTIN_REST_OFFSETS, dtype=np.float64)
    shank_up = -offsets[J["left_ankle"]]
    foot = offsets[J["left_foot"]]
    return float(_between(shank_up[None], foot[None])[0])


REST_ANKLE_DEG = _rest_ankle_angle()


def joint_angles(joints: np.ndarray) -> Dict[str, np.ndarray]:
    """All angles of ``ANGLES`` for every frame.

    Args:
        joints: (T, 22, 3) positions, Y-up metres (any heading, any offset).
    Returns:
        {name: (T,) float64 degrees}, in the order of ``ANGLES``.
    """
    x = np.asarray(joints, dtype=np.float64)
    assert x.ndim == 3 and x.shape[1] >= config.NUM_BODY_JOINTS and x.shape[2] == 3, x.shape
    p = lambda name: x[:, J[name]]  # noqa: E731  (T, 3) one joint's track
    world_up = np.broadcast_to(np.array([0.0, 1.0, 0.0]), (len(x), 3))

    pel_left, pel_up, pel_fwd = _frame(p("left_hip") - p("right_hip"), p("spine1") - p("pelvis"))
    tho_left, tho_up, tho_fwd = _frame(p("left_collar") - p("right_collar"), p("neck") - p("spine3"))
    hdg_left, _, hdg_fwd = _frame(pel_left * np.array([1.0, 0.0, 1.0]), world_up)

    out: Dict[str, np.ndarray] = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        hip, knee, ankle, foot = (p(f"{side}_{n}") for n in ("hip", "knee", "ankle", "foot"))
        thigh, shank = knee - hip, ankle - knee
        out[f"{side}_knee_flexion"] = _between(thigh, shank)
        # unwrapped: a thigh kicked past vertical keeps counting up instead of jumping to -180
        out[f"{side}_hip_flexion"] = np.degrees(np.unwrap(np.radians(_planar(thigh, pel_fwd, -pel_up))))
        out[f"{side}_hip_abduction"] = _out_of_plane(thigh, sign * pel_left)
        out[f"{side}_ankle_plantarflexion"] = _between(knee - ankle, foot - ankle) - REST_ANKLE_DEG
        collar, shoulder, elbow, wrist = (p(f"{side}_{n}") for n in ("collar", "shoulder", "elbow", "wrist"))
        upper, fore = elbow - shoulder, wrist - elbow
        # Out-of-plane angles, not projections: an arm can point along any axis, and a projected
        # angle is undefined (and flips by 180 deg) when the arm points along the plane's normal.
        out[f"{side}_shoulder_flexion"] = _out_of_plane(upper, tho_fwd)
        out[f"{side}_shoulder_abduction"] = _out_of_plane(upper, sign * tho_left)
        out[f"{side}_shoulder_elevation"] = _between(upper, -tho_up)
        out[f"{side}_elbow_flexion"] = _between(upper, fore)
        bone = shoulder - collar
        out[f"{side}_collar_elevation"] = _out_of_plane(bone, tho_up)

    trunk = p("neck") - p("pelvis")
    out["trunk_flexion"] = _planar(trunk, hdg_fwd, world_up)
    out["trunk_lateral_bend"] = _planar(trunk, hdg_left, world_up)
    twist = _yaw(tho_left) - _yaw(pel_left)
    out["trunk_rotation"] = np.degrees((twist + np.pi) % (2 * np.pi) - np.pi)
    out["spine_flexion"] = _planar(tho_up, pel_fwd, pel_up)
    hips = p("left_hip") - p("right_hip")
    out["pelvis_obliquity"] = np.degrees(np.arctan2(hips[:, 1], np.linalg.norm(hips[:, [0, 2]], axis=1)))
    neck = p("head") - p("neck")
    out["neck_flexion"] = _planar(neck, tho_fwd, tho_up)
    out["neck_lateral_bend"] = _planar(neck, tho_left, tho_up)
    return {name: out[name] for name in ANGLE_NAMES}
