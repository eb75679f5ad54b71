"""Skeleton dimensions, per-frame pose targets, and the solver that turns targets into SMPL-24 rotations.

Actions describe a motion as ``Targets``: where the pelvis is and how it is tilted, how the spine and
head bend, where each foot's toe joint stands (and its yaw / heel raise), and where each wrist is
relative to its shoulder. ``solve`` turns them into local joint rotations with analytic two-bone IK
for legs and arms, so planted feet stay exactly where their targets are.

Generation frame: Y-up, metres, floor at y = 0 (planted toe joints at y = 0), heading 0 = facing +Z.
Left/right arrays use index 0 = left, 1 = right. Yaw is about +Y (from +Z towards +X = body left).
"""

from dataclasses import dataclass, fields

import numpy as np

from src import config
from src.datasets.procedural.curves import gaussian_smooth

LEFT, RIGHT = 0, 1
SIDE_SIGN = np.array([1.0, -1.0])  # +X is the body's left
J = config.JOINT_INDEX
HIPS = (J["left_hip"], J["right_hip"])
KNEES = (J["left_knee"], J["right_knee"])
ANKLES = (J["left_ankle"], J["right_ankle"])
FEET = (J["left_foot"], J["right_foot"])
COLLARS = (J["left_collar"], J["right_collar"])
SHOULDERS = (J["left_shoulder"], J["right_shoulder"])
ELBOWS = (J["left_elbow"], J["right_elbow"])
WRISTS = (J["left_wrist"], J["right_wrist"])
SPINE = (J["spine1"], J["spine2"], J["spine3"])
SPINE_BEND_SHARE = np.array([0.35, 0.35, 0.30])   # forward / side bend split over spine1..3
SPINE_TWIST_SHARE = np.array([0.30, 0.30, 0.40])
NECK_SHARE = 0.4                                   # of the head angles, the rest at the head joint

REACH_MAX = 0.998   # legs never straighter than this fraction of their length (no knee pops)
STAND_REACH = 0.997
TOE_OUT = np.radians(7.0)


# ----------------------------------------------------------------- rotations (numpy, batched)
def rot_x(a):
    """(...,) radians -> (..., 3, 3) about +X (positive tips +Y towards +Z)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def rot_y(a):
    """(...,) radians -> (..., 3, 3) about +Y (positive turns +Z towards +X)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def rot_z(a):
    """(...,) radians -> (..., 3, 3) about +Z (positive turns +X towards +Y)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def normalize(v, eps=1e-9):
    """(..., 3) -> unit vectors."""
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), eps)


def mv(m, v):
    """(..., 3, 3) @ (..., 3) -> (..., 3)."""
    return np.einsum("...ij,...j->...i", m, v)


def mtm(a, b):
    """a^T @ b for (..., 3, 3) stacks."""
    return np.einsum("...ji,...jk->...ik", a, b)


def heading_axes(yaw):
    """(...,) yaw -> forward (..., 3), left (..., 3) unit vectors on the floor."""
    s, c, z = np.sin(yaw), np.cos(yaw), np.zeros_like(yaw)
    return np.stack([s, z, c], -1), np.stack([c, z, -s], -1)


def _soft_clamp(x, hi, start=0.999):
    """Identity below ``start * hi``, then saturates smoothly towards hi."""
    knee = start * hi
    over = np.maximum(x - knee, 0.0)
    return np.where(x > knee, knee + (hi - knee) * np.tanh(over / (hi - knee)), x)


# ------------------------------------------------------------------------------- body
@dataclass
class Body:
    """The built-in skeleton at one size.

    Args:
        scale: uniform size factor, 1 + config.BUILTIN_BETA0_SCALE * betas[0].
    """

    scale: float = 1.0

    def __post_init__(self):
        s = self.scale
        self.offsets = np.asarray(config.BUILTIN_REST_OFFSETS, dtype=float) * s  # (24, 3)
        self.rest_pelvis = self.offsets[0].copy()
        self.hip_off = self.offsets[list(HIPS)]                      # (2, 3) pelvis -> hip
        self.thigh = float(np.linalg.norm(self.offsets[KNEES[0]]))
        self.shin = float(np.linalg.norm(self.offsets[ANKLES[0]]))
        self.leg = self.thigh + self.shin
        self.foot_off = self.offsets[FEET[0]].copy()                 # ankle -> toe joint
        self.upper_arm = float(np.linalg.norm(self.offsets[ELBOWS[0]]))
        self.forearm = float(np.linalg.norm(self.offsets[WRISTS[0]]))
        self.arm = self.upper_arm + self.forearm
        self.collar_off = self.offsets[list(COLLARS)]                # spine3 -> collar
        self.shoulder_off = self.offsets[list(SHOULDERS)]            # collar -> shoulder
        # Neutral stance, in the heading frame relative to the pelvis: ankles a little wider than
        # the hips and right under them.
        self.ankle_half_width = 0.085 * s
        dx = self.ankle_half_width - abs(self.hip_off[0, 0])
        ankle_height = -self.foot_off[1]
        self.ankle_height = ankle_height
        self.h_stand = ankle_height + np.sqrt((STAND_REACH * self.leg) ** 2 - dx**2) - self.hip_off[0, 1]
        # Chest-frame vector from spine3 to the shoulders at rest (collars not rotated).
        self.chest_to_shoulder = self.collar_off + self.shoulder_off
        self.spine3_height = float(sum(self.offsets[j][1] for j in (3, 6, 9)))  # above the pelvis

    def stance_toes(self, yaw, pelvis_xz, half_width=None, forward=0.0):
        """Toe-joint positions of a neutral stance.

        Args:
            yaw: (...,) heading; pelvis_xz: (..., 2) pelvis floor position.
            half_width: ankle half distance (default neutral); forward: extra forward shift (m).
        Returns:
            toes (..., 2, 3) on the floor and foot yaws (..., 2) with a slight toe-out.
        """
        yaw = np.asarray(yaw, dtype=float)
        hw = self.ankle_half_width if half_width is None else half_width
        fwd, left = heading_axes(yaw)
        base = np.zeros(yaw.shape + (3,))
        base[..., 0], base[..., 2] = pelvis_xz[..., 0], pelvis_xz[..., 1]
        foot_yaw = yaw[..., None] + SIDE_SIGN * TOE_OUT                              # (..., 2)
        ankle = base[..., None, :] + SIDE_SIGN[:, None] * np.asarray(hw)[..., None, None] * left[..., None, :] \
            + forward * fwd[..., None, :]
        toe = ankle + mv(rot_y(foot_yaw), np.broadcast_to(self.foot_off, foot_yaw.shape + (3,)))
        toe[..., 1] = 0.0
        return toe, foot_yaw

    def ankle_from_toe(self, toe, foot_yaw, foot_pitch):
        """(..., 3) toe, (...,) yaw, (...,) heel raise -> (..., 3) ankle position."""
        return toe - mv(foot_frame(foot_yaw, foot_pitch), np.broadcast_to(self.foot_off, toe.shape))


def foot_frame(foot_yaw, foot_pitch):
    """Global foot orientation: yaw, then heel raise (positive pitches the toes down)."""
    return rot_y(foot_yaw) @ rot_x(foot_pitch)


# ---------------------------------------------------------------------------- targets
@dataclass
class Targets:
    """Per-frame pose targets in the generation frame; every field has T rows.

    root_pos (T,3) pelvis joint position; yaw/pitch/roll (T,) pelvis heading, forward tilt,
    lean to the body's left; spine (T,3) forward bend, side bend to the left, twist to the left;
    head (T,3) nod down, turn left, tilt left; toe (T,2,3) toe-joint positions; foot_yaw (T,2);
    foot_pitch (T,2) heel raise; wrist (T,2,3) wrist target relative to the shoulder in the chest
    frame; pole (T,2,3) direction the elbow points to (chest frame); collar (T,2,2) elevation,
    protraction; hand (T,2,3) wrist-joint rotation vectors (local).
    """

    root_pos: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    roll: np.ndarray
    spine: np.ndarray
    head: np.ndarray
    toe: np.ndarray
    foot_yaw: np.ndarray
    foot_pitch: np.ndarray
    wrist: np.ndarray
    pole: np.ndarray
    collar: np.ndarray
    hand: np.ndarray

    @property
    def num_frames(self) -> int:
        return self.root_pos.shape[0]

    def copy(self) -> "Targets":
        return Targets(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def slice(self, start: int, stop: int) -> "Targets":
        return Targets(**{f.name: getattr(self, f.name)[start:stop].copy() for f in fields(self)})

    @staticmethod
    def concat(parts) -> "Targets":
        return Targets(**{f.name: np.concatenate([getattr(p, f.name) for p in parts], 0) for f in fields(Targets)})

    @staticmethod
    def blend(a: "Targets", b: "Targets", w) -> "Targets":
        """Per-frame mix (1 - w) a + w b, w (T,); elbow poles are re-normalised."""
        out = {}
        for f in fields(Targets):
            x, y = getattr(a, f.name), getattr(b, f.name)
            ww = w.reshape(-1, *([1] * (x.ndim - 1)))
            out[f.name] = x * (1 - ww) + y * ww
        out["pole"] = normalize(out["pole"])
        return Targets(**out)


# ----------------------------------------------------------------------------- solver
def root_rotation(yaw, pitch, roll):
    """(T,) angles -> (T, 3, 3) pelvis orientation: heading, then forward tilt, then left lean."""
    return rot_y(yaw) @ rot_x(pitch) @ rot_z(-roll)


def spine_rotations(spine, head):
    """(T,3) spine and head angles -> (T, 5, 3, 3) local rotations of spine1..3, neck, head."""
    fwd, side, twist = spine[:, 0:1], spine[:, 1:2], spine[:, 2:3]
    r_sp = rot_y(twist * SPINE_TWIST_SHARE) @ rot_x(fwd * SPINE_BEND_SHARE) @ rot_z(-side * SPINE_BEND_SHARE)
    shares = np.array([NECK_SHARE, 1 - NECK_SHARE])
    r_hd = rot_y(head[:, 1:2] * shares) @ rot_x(head[:, 0:1] * shares) @ rot_z(-head[:, 2:3] * shares)
    return np.concatenate([r_sp, r_hd], 1)


def collar_rotations(collar):
    """(T,2,2) elevation/protraction -> (T,2,3,3) local collar rotations."""
    return rot_y(-SIDE_SIGN * collar[..., 1]) @ rot_z(SIDE_SIGN * collar[..., 0])


def _two_bone(root, target, l1, l2, bend_dir_fn, max_reach=0.9999, soft_start=0.999):
    """Shared two-bone IK: joint positions of the middle joint.

    Args:
        root, target: (..., 3); bend_dir_fn(dhat) -> (..., 3) unit vector perpendicular to dhat, the
            side to which the middle joint is displaced.
    Returns:
        mid (..., 3) and the (clamped) end position (..., 3).
    """
    d = target - root
    dist = np.linalg.norm(d, axis=-1, keepdims=True)
    dhat = d / np.maximum(dist, 1e-9)
    dist = np.clip(_soft_clamp(dist, max_reach * (l1 + l2), soft_start), abs(l1 - l2) + 1e-3, None)
    a = (l1 * l1 - l2 * l2 + dist * dist) / (2 * dist)
    h = np.sqrt(np.maximum(l1 * l1 - a * a, 0.0))
    mid = root + dhat * a + bend_dir_fn(dhat) * h
    return mid, root + dhat * dist


def solve_arms(body: Body, t: Targets):
    """(T,2,3,3) x3: local collar, shoulder and elbow rotations from the chest-frame wrist targets."""
    r_col = collar_rotations(t.collar)                                       # (T,2,3,3)
    pole = t.pole

    def bend(dhat):
        p = pole - np.sum(pole * dhat, -1, keepdims=True) * dhat
        return normalize(p)

    zero = np.zeros_like(t.wrist)
    # Arms reaching past their length straighten gradually (elbows never lock with a snap).
    elbow, wrist = _two_bone(zero, t.wrist, body.upper_arm, body.forearm, bend, max_reach=0.995, soft_start=0.9)
    u = normalize(elbow)
    f = normalize(wrist - elbow)
    # The forearm bends towards b (perpendicular to the upper arm); a straight arm falls back on the pole.
    b = f - np.sum(f * u, -1, keepdims=True) * u - 1e-4 * bend(u)
    b = normalize(b - np.sum(b * u, -1, keepdims=True) * u)
    sign = SIDE_SIGN[None, :, None]
    x_u = sign * u
    y = np.cross(b, x_u)
    g_u = np.stack([x_u, y, b], -1)                                          # columns x, y, z
    x_f = sign * f
    g_f = np.stack([x_f, y, np.cross(x_f, y)], -1)
    return r_col, mtm(r_col, g_u), mtm(g_u, g_f)


def solve_legs(body: Body, t: Targets, r_root):
    """(T,2,3,3) x3: local hip, knee and ankle rotations reaching the toe targets."""
    hips = t.root_pos[:, None, :] + mv(r_root[:, None], np.broadcast_to(body.hip_off, (t.num_frames, 2, 3)))
    g_foot = foot_frame(t.foot_yaw, t.foot_pitch)                            # (T,2,3,3)
    ankles = t.toe - mv(g_foot, np.broadcast_to(body.foot_off, t.toe.shape))
    _, lateral = heading_axes(t.foot_yaw - SIDE_SIGN * TOE_OUT * 0.5)        # knees over the toes

    def bend(dhat):
        axis = normalize(lateral - np.sum(lateral * dhat, -1, keepdims=True) * dhat)
        return np.cross(axis, -dhat)

    knees, ankles = _two_bone(hips, ankles, body.thigh, body.shin, bend)
    dhat = normalize(ankles - hips)
    axis = normalize(lateral - np.sum(lateral * dhat, -1, keepdims=True) * dhat)
    y_t = -normalize(knees - hips)
    g_t = np.stack([axis, y_t, np.cross(axis, y_t)], -1)
    y_s = -normalize(ankles - knees)
    g_s = np.stack([axis, y_s, np.cross(axis, y_s)], -1)
    return mtm(r_root[:, None], g_t), mtm(g_t, g_s), mtm(g_s, g_foot)


def solve(body: Body, t: Targets):
    """Targets -> local rotations (T, 24, 3, 3) and SMPL translation (T, 3) for the built-in skeleton."""
    n = t.num_frames
    rot = np.broadcast_to(np.eye(3), (n, 24, 3, 3)).copy()
    r_root = root_rotation(t.yaw, t.pitch, t.roll)
    rot[:, 0] = r_root
    sp = spine_rotations(t.spine, t.head)
    for k, j in enumerate(SPINE + (J["neck"], J["head"])):
        rot[:, j] = sp[:, k]
    r_col, r_sho, r_elb = solve_arms(body, t)
    r_hip, r_knee, r_ank = solve_legs(body, t, r_root)
    for side in (LEFT, RIGHT):
        rot[:, COLLARS[side]] = r_col[:, side]
        rot[:, SHOULDERS[side]] = r_sho[:, side]
        rot[:, ELBOWS[side]] = r_elb[:, side]
        rot[:, WRISTS[side]] = _rotvec_to_matrix(t.hand[:, side])
        rot[:, HIPS[side]] = r_hip[:, side]
        rot[:, KNEES[side]] = r_knee[:, side]
        rot[:, ANKLES[side]] = r_ank[:, side]
    trans = t.root_pos - body.rest_pelvis
    return rot, trans


def _rotvec_to_matrix(v):
    """(..., 3) rotation vectors -> (..., 3, 3) (Rodrigues, numpy)."""
    angle = np.linalg.norm(v, axis=-1, keepdims=True)
    axis = v / np.maximum(angle, 1e-12)
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    zero = np.zeros_like(x)
    k = np.stack([np.stack([zero, -z, y], -1), np.stack([z, zero, -x], -1), np.stack([-y, x, zero], -1)], -2)
    a = angle[..., None]
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * (k @ k)


def forward_kinematics(body: Body, rot, trans):
    """Numpy FK of the built-in skeleton: (T,24,3,3), (T,3) -> (T,24,3) joint positions."""
    n = rot.shape[0]
    g_rot = np.empty_like(rot)
    pos = np.empty((n, 24, 3))
    g_rot[:, 0] = rot[:, 0]
    pos[:, 0] = body.offsets[0] + trans
    for j in range(1, 24):
        p = config.SMPL_PARENTS[j]
        g_rot[:, j] = g_rot[:, p] @ rot[:, j]
        pos[:, j] = pos[:, p] + g_rot[:, p] @ body.offsets[j]
    return pos


def fit_pelvis_height(body: Body, t: Targets, support=None, fps: float = config.SMOG_FPS) -> None:
    """Lower the pelvis (in place) wherever the legs could not reach their toe targets.

    The nominal ``root_pos[:, 1]`` is an upper bound. The reach limit is first eroded (running minimum
    over +-67 ms) and blurred, so the clamped curve has no corners, then the result is low-passed
    once and clamped again under the exact limit: knees never snap straight and the pelvis never pops.
    ``support`` (T,2) bool marks the legs that constrain the pelvis (default: both, always); a kicking
    or raised leg is left out so that it straightens instead of pulling the body down.
    """
    r_root = root_rotation(t.yaw, t.pitch, t.roll)
    hip_rel = mv(r_root[:, None], np.broadcast_to(body.hip_off, (t.num_frames, 2, 3)))   # (T,2,3)
    ankles = body.ankle_from_toe(t.toe, t.foot_yaw, t.foot_pitch)
    horiz = np.linalg.norm(t.root_pos[:, None, [0, 2]] + hip_rel[..., [0, 2]] - ankles[..., [0, 2]], axis=-1)
    reach = REACH_MAX * body.leg
    h_max = ankles[..., 1] - hip_rel[..., 1] + np.sqrt(np.maximum(reach**2 - horiz**2, 0.0))
    if support is not None:
        h_max = np.where(support, h_max, np.inf)
    h_max = h_max.min(axis=1)
    nominal = t.root_pos[:, 1]
    if np.all(nominal <= h_max):
        return
    k = max(1, int(round(fps / 15)))          # +-67 ms
    pad = np.concatenate([np.repeat(h_max[:1], k), h_max, np.repeat(h_max[-1:], k)])
    eroded = np.min(np.stack([pad[i:i + len(h_max)] for i in range(2 * k + 1)]), 0)
    soft = gaussian_smooth(eroded, fps / 30) - 0.002
    h = gaussian_smooth(np.minimum(nominal, soft), 1.5 * fps / 30)
    t.root_pos[:, 1] = np.minimum(h, h_max)
