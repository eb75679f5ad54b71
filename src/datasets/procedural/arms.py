"""Arm poses for ``Targets``: wrist targets relative to the shoulder plus elbow poles, in the chest frame.

The chest frame is spine3's: +Y up the spine, +Z out of the chest, +X to the body's left. Arms are
described either by joint-like angles (``arm_pose``) or by a point the wrist should reach
(``reach_point``); both give the (wrist, pole) pair that the IK in ``body.solve_arms`` consumes.
"""

import numpy as np

from src.datasets.procedural.body import (LEFT, RIGHT, SIDE_SIGN, SPINE, Body, Targets, collar_rotations, mv,
                                          normalize, root_rotation, spine_rotations)


def arm_direction(flex, abd, side: int):
    """Upper-arm direction in the chest frame.

    Args:
        flex: (...) shoulder flexion, radians: 0 hanging, pi/2 forward, pi overhead, negative backward.
        abd: (...) abduction, radians: 0 at the side, pi/2 straight out sideways.
    """
    flex, abd = np.broadcast_arrays(np.asarray(flex, float), np.asarray(abd, float))
    sa, ca = np.sin(abd), np.cos(abd)
    return np.stack([SIDE_SIGN[side] * sa, -ca * np.cos(flex), ca * np.sin(flex)], -1)


def pose_from_direction(body: Body, u, elbow, bend_hint):
    """(..., 3) upper-arm direction, (...) elbow flexion, (..., 3) bend hint -> wrist, pole (..., 3).

    The forearm bends from the upper arm towards ``bend_hint`` (its part perpendicular to ``u``).
    """
    u = normalize(np.asarray(u, float))
    elbow = np.asarray(elbow, float)[..., None]
    hint = np.broadcast_to(np.asarray(bend_hint, float), u.shape)
    b = hint - np.sum(hint * u, -1, keepdims=True) * u
    b = normalize(b + 1e-6 * np.array([0.0, 0.0, 1.0]))
    wrist = body.upper_arm * u + body.forearm * (np.cos(elbow) * u + np.sin(elbow) * b)
    return wrist, -b


def arm_pose(body: Body, side: int, flex, abd, elbow, bend_hint=None):
    """Angles -> wrist (..., 3), pole (..., 3) for one arm (see ``arm_direction``).

    By default the forearm bends in the direction of increasing flexion (forward when the arm hangs,
    up when it points forward, back when it is overhead), which stays perpendicular to the upper arm
    through any forward swing; pass (0, 0, 1) for arms moving sideways.
    """
    if bend_hint is None:
        flex_b, abd_b = np.broadcast_arrays(np.asarray(flex, float), np.asarray(abd, float))
        ca = np.cos(abd_b)
        bend_hint = np.stack([np.zeros_like(ca), ca * np.sin(flex_b), ca * np.cos(flex_b) + 0.05], -1)
    return pose_from_direction(body, arm_direction(flex, abd, side), elbow, bend_hint)


REST = dict(flex=np.radians(4.0), abd=np.radians(9.0), elbow=np.radians(14.0))


def rest_arms(body: Body, num_frames: int):
    """Arms hanging relaxed at the sides: wrist, pole (T, 2, 3)."""
    out = [arm_pose(body, s, REST["flex"], REST["abd"], REST["elbow"]) for s in (LEFT, RIGHT)]
    wrist = np.broadcast_to(np.stack([o[0] for o in out]), (num_frames, 2, 3)).copy()
    pole = np.broadcast_to(np.stack([o[1] for o in out]), (num_frames, 2, 3)).copy()
    return wrist, pole


def set_arm(t: Targets, side: int, wrist, pole, weight=None):
    """Write one arm's (T,3) wrist/pole into ``t``, mixed with what is there by ``weight`` (T,) in [0, 1]."""
    wrist = np.broadcast_to(wrist, t.wrist[:, side].shape)
    pole = np.broadcast_to(pole, t.pole[:, side].shape)
    if weight is None:
        t.wrist[:, side], t.pole[:, side] = wrist, pole
        return
    w = np.asarray(weight, float)[:, None]
    t.wrist[:, side] = mix_points(t.wrist[:, side], wrist, w)
    t.pole[:, side] = normalize((1 - w) * t.pole[:, side] + w * pole)


def mix_points(a, b, w):
    """Blend (T,3) points seen from the shoulder: directions on the great circle, lengths linearly.

    A straight-line blend would pull the wrist through the shoulder when the arm swings far; this
    keeps the hand on a natural arc.
    """
    la = np.linalg.norm(a, axis=-1, keepdims=True)
    lb = np.linalg.norm(b, axis=-1, keepdims=True)
    ua, ub = a / np.maximum(la, 1e-9), b / np.maximum(lb, 1e-9)
    theta = np.arccos(np.clip(np.sum(ua * ub, -1, keepdims=True), -1.0, 1.0))
    sin = np.sin(theta)
    safe = sin > 1e-4
    wa = np.where(safe, np.sin((1 - w) * theta) / np.where(safe, sin, 1.0), 1 - w)
    wb = np.where(safe, np.sin(w * theta) / np.where(safe, sin, 1.0), w)
    return normalize(wa * ua + wb * ub) * ((1 - w) * la + w * lb)


def shoulder_in_chest(body: Body, collar):
    """(T,2,2) collar angles -> (T,2,3) shoulder positions relative to spine3, chest frame."""
    r_col = collar_rotations(collar)
    return body.collar_off + mv(r_col, np.broadcast_to(body.shoulder_off, r_col.shape[:-1]))


def chest_frames(body: Body, t: Targets):
    """Global chest orientation (T,3,3) and spine3 position (T,3) from the root/spine targets."""
    r = root_rotation(t.yaw, t.pitch, t.roll)
    sp = spine_rotations(t.spine, t.head)
    pos = t.root_pos.copy()
    for k, j in enumerate(SPINE):
        pos = pos + mv(r, np.broadcast_to(body.offsets[j], pos.shape))
        r = r @ sp[:, k]
    return r, pos


def world_to_wrist_target(body: Body, t: Targets, side: int, world_point):
    """(T,3) world point -> (T,3) wrist target (relative to that shoulder, chest frame)."""
    r, spine3 = chest_frames(body, t)
    local = np.einsum("tji,tj->ti", r, world_point - spine3)
    return local - shoulder_in_chest(body, t.collar)[:, side]


def chest_point(body: Body, t: Targets, side: int, point):
    """(T,3) or (3,) point relative to spine3 in the chest frame -> wrist target for ``side``."""
    return np.broadcast_to(point, (t.num_frames, 3)) - shoulder_in_chest(body, t.collar)[:, side]
