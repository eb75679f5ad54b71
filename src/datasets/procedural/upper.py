"""Actions done with planted feet: arm gestures, bows and bends, dancing, idling and looking around.

Arm targets live in the chest frame (see ``arms``); the feet keep the start stance, so these clips
never slide a foot. Every gesture rises from and returns to relaxed arms with min-jerk ramps.
"""

import numpy as np

from src.datasets.procedural.arms import (arm_pose, chest_point, pose_from_direction, rest_arms, set_arm,
                                          world_to_wrist_target)
from src.datasets.procedural.body import LEFT, RIGHT, SIDE_SIGN, heading_axes, normalize
from src.datasets.procedural.common import Clip, Context, register
from src.datasets.procedural.curves import envelope, keyframes, smooth_keys
from src.datasets.procedural.lower import takeoff_height


def breathing(ctx: Context, tg, t, amount=1.0):
    """Small idle motion so that no clip is frozen: breathing, a slow sway and slight head drift."""
    s = ctx.body.scale
    ph = ctx.rng.uniform(0, 2 * np.pi, size=4)
    f_breath = ctx.uniform(0.2, 0.33)
    tg.spine[:, 0] += amount * np.radians(1.0) * np.sin(2 * np.pi * f_breath * t + ph[0])
    _, left = heading_axes(tg.yaw)
    sway = amount * 0.006 * s * np.sin(2 * np.pi * ctx.uniform(0.1, 0.2) * t + ph[1])
    tg.root_pos[:, [0, 2]] += sway[:, None] * left[:, [0, 2]]
    tg.head[:, 1] += amount * np.radians(3.0) * np.sin(2 * np.pi * ctx.uniform(0.05, 0.15) * t + ph[2])
    tg.head[:, 0] += amount * np.radians(2.0) * np.sin(2 * np.pi * ctx.uniform(0.05, 0.15) * t + ph[3])


def _phases(ctx: Context, active: float, rise=(0.35, 0.6), fall=(0.35, 0.6)):
    """Times (lead, on, off, end, total) of a gesture lasting ``active`` seconds between still margins."""
    lead = ctx.still_time()
    r, f = ctx.uniform(*rise), ctx.uniform(*fall)
    tail = ctx.still_time()
    on = lead + r
    off = on + active
    end = off + f
    return lead, on, off, end, end + tail


def _wave_arm(ctx: Context, tg, t, side, w, t0, freq, high, amp, phase=0.0):
    """One waving arm: hand raised beside the head, forearm swinging side to side."""
    s = ctx.body.scale
    sg = SIDE_SIGN[side]
    # A low wave still lifts the wrist 14 cm or more above the shoulder. From 0.18 m, 7 of 60 one-hand
    # waves held it only 6-10 cm up: hard to tell from a hand resting at the shoulder, and under the
    # 10 cm the wave check (src/metrics/signatures.py) asks.
    height = (ctx.uniform(0.42, 0.55) if high else ctx.uniform(0.26, 0.34)) * s
    center = np.array([sg * ctx.uniform(0.3, 0.4) * s, height, ctx.uniform(0.05, 0.18) * s])
    osc = np.sin(2 * np.pi * freq * (t - t0) + phase) * w
    p = center + np.outer(osc, [amp * s, 0.0, 0.0])
    p[:, 1] -= 0.2 * amp * s * osc**2  # the hand swings on an arc around the elbow
    wr = chest_point(ctx.body, tg, side, p)
    pole = np.broadcast_to(normalize(np.array([sg * 0.5, -1.0, -0.1])), wr.shape)
    set_arm(tg, side, wr, pole, w)
    tg.hand[:, side, 2] = sg * np.radians(15) * osc


def _wave(ctx: Context, sides) -> Clip:
    freq = ctx.uniform(1.3, 2.6)
    n = ctx.count(3, 8, 1 / freq, 2.6)
    lead, on, off, end, total = _phases(ctx, n / freq)
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    breathing(ctx, tg, t)
    w = envelope(t, lead, on, off, end)
    high = len(sides) == 2 or bool(ctx.rng.random() < 0.6)
    amp = ctx.uniform(0.08, 0.15)
    sync = float(ctx.rng.choice([0.0, np.pi]))
    for k, side in enumerate(sides):
        _wave_arm(ctx, tg, t, side, w, on, freq, high, amp, phase=sync * k)
    # A slight lean of the head towards the waving side.
    if len(sides) == 1:
        tg.head[:, 2] += SIDE_SIGN[sides[0]] * np.radians(4) * w
    return Clip(tg, dict(freq=freq, waves=n, high=high, wave_start=on, wave_end=off), lead_still=lead,
                tail_still=total - end)


@register("wave_right_hand")
def wave_right_hand(ctx: Context) -> Clip:
    return _wave(ctx, [RIGHT])


@register("wave_left_hand")
def wave_left_hand(ctx: Context) -> Clip:
    return _wave(ctx, [LEFT])


@register("wave_both_hands")
def wave_both_hands(ctx: Context) -> Clip:
    return _wave(ctx, [LEFT, RIGHT])


@register("raise_arms")
def raise_arms(ctx: Context) -> Clip:
    hold = ctx.uniform(0.6, 3.0)
    lead, on, off, end, total = _phases(ctx, hold, rise=(0.6, 1.1), fall=(0.6, 1.1))
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    breathing(ctx, tg, t)
    w = envelope(t, lead, on, off, end)
    via_front = bool(ctx.rng.random() < 0.5)
    top = np.radians(ctx.uniform(160, 178))
    for side in (LEFT, RIGHT):
        if via_front:
            wr, po = arm_pose(ctx.body, side, 0.07 + w * (top - 0.07), np.radians(9) + w * np.radians(6),
                              np.radians(14) - w * np.radians(8))
        else:
            wr, po = arm_pose(ctx.body, side, np.radians(4) + w * np.radians(8), np.radians(9) + w * (top - np.radians(9)),
                              np.radians(14) - w * np.radians(8), (0, 0, 1))
        tg.wrist[:, side], tg.pole[:, side] = wr, po
    tg.collar[..., 0] = (w * np.radians(15))[:, None]
    tg.head[:, 0] -= w * np.radians(ctx.uniform(0, 12))
    return Clip(tg, dict(hold=hold, via="front" if via_front else "side"), lead_still=lead, tail_still=total - end)


@register("arm_circles")
def arm_circles(ctx: Context) -> Clip:
    freq = ctx.uniform(0.8, 1.8)
    n = ctx.count(3, 9, 1 / freq, 3.6)
    lead, on, off, end, total = _phases(ctx, n / freq + 0.5, rise=(0.5, 0.8), fall=(0.5, 0.8))
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    breathing(ctx, tg, t, 0.5)
    w = envelope(t, lead, on, off, end)
    circ = envelope(t, on - 0.1, on + 0.4, off - 0.5, off)
    radius = np.radians(ctx.uniform(12, 32)) * circ
    direction = float(ctx.rng.choice([-1.0, 1.0]))   # +1: forward circles
    phi = direction * 2 * np.pi * freq * (t - on)
    for side in (LEFT, RIGHT):
        sg = SIDE_SIGN[side]
        lateral = np.stack([sg * np.cos(radius), np.sin(radius) * -np.cos(phi), np.sin(radius) * np.sin(phi)], -1)
        wr, po = pose_from_direction(ctx.body, lateral, np.radians(8), (0.0, 0.0, 1.0))
        set_arm(tg, side, wr, po, w)
    return Clip(tg, dict(freq=freq, circles=n, direction="forward" if direction > 0 else "backward"),
                lead_still=lead, tail_still=total - end)


@register("clap")
def clap(ctx: Context) -> Clip:
    s = ctx.body.scale
    freq = ctx.uniform(1.5, 3.0)
    n = ctx.count(3, 10, 1 / freq, 2.6)
    lead, on, off, end, total = _phases(ctx, n / freq)
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    breathing(ctx, tg, t)
    w = envelope(t, lead, on, off, end)
    sep = 0.5 * (1 - np.cos(2 * np.pi * freq * (t - on)))
    sep = np.where(t < on, 1.0, np.where(t > off, 1.0, sep))
    height = ctx.uniform(-0.12, 0.08) * s
    gap = ctx.uniform(0.12, 0.2) * s
    for side in (LEFT, RIGHT):
        sg = SIDE_SIGN[side]
        p = np.stack([sg * (0.045 * s + gap * sep), np.full(len(t), height), 0.3 * s - 0.04 * s * sep], -1)
        wr = chest_point(ctx.body, tg, side, p)
        set_arm(tg, side, wr, np.broadcast_to(normalize(np.array([sg * 0.6, -1.0, -0.2])), wr.shape), w)
    return Clip(tg, dict(freq=freq, claps=n, clap_start=on, clap_end=off), lead_still=lead, tail_still=total - end)


def _guard(ctx: Context, side):
    s = ctx.body.scale
    return np.array([SIDE_SIGN[side] * 0.11 * s, 0.13 * s, 0.24 * s])


def _punch(ctx: Context, side: int) -> Clip:
    s = ctx.body.scale
    gap = ctx.uniform(0.45, 0.8)
    n = ctx.count(1, 5, gap, 2.8)
    lead, on, off, end, total = _phases(ctx, n * gap + 0.2)
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    breathing(ctx, tg, t, 0.5)
    w = envelope(t, lead, on, off, end)
    ext = np.zeros(len(t))
    out, back = ctx.uniform(0.13, 0.2), ctx.uniform(0.22, 0.32)
    for k in range(n):
        a = on + 0.1 + k * gap
        ext = np.maximum(ext, envelope(t, a, a + out, a + out + 0.04, a + out + 0.04 + back))
    sg = SIDE_SIGN[side]
    for arm in (LEFT, RIGHT):
        guard = np.broadcast_to(_guard(ctx, arm), (len(t), 3))
        pole = normalize(np.array([SIDE_SIGN[arm] * 0.5, -1.0, -0.2]))
        if arm == side:
            target = np.array([-sg * 0.02 * s, 0.14 * s, 0.7 * s])
            p = guard + ext[:, None] * (target - guard)
        else:
            p = guard
        wr = chest_point(ctx.body, tg, arm, p)
        set_arm(tg, arm, wr, np.broadcast_to(pole, wr.shape), w)
    tg.spine[:, 2] += -sg * np.radians(ctx.uniform(15, 25)) * ext      # turn the punching shoulder forward
    tg.yaw += -sg * np.radians(5) * ext
    tg.collar[:, side, 1] += np.radians(15) * ext
    tg.spine[:, 0] += np.radians(ctx.uniform(4, 10)) * w
    tg.head[:, 0] -= np.radians(5) * w
    return Clip(tg, dict(punches=n, interval=gap), lead_still=lead, tail_still=total - end)


@register("punch_right")
def punch_right(ctx: Context) -> Clip:
    return _punch(ctx, RIGHT)


@register("punch_left")
def punch_left(ctx: Context) -> Clip:
    return _punch(ctx, LEFT)


@register("throw_overhand")
def throw_overhand(ctx: Context) -> Clip:
    s = ctx.body.scale
    wind, throw, follow = ctx.uniform(0.6, 0.9), ctx.uniform(0.18, 0.25), ctx.uniform(0.3, 0.45)
    lead, on, off, end, total = _phases(ctx, wind + throw + follow, rise=(0.05, 0.1), fall=(0.7, 1.0))
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    breathing(ctx, tg, t, 0.5)
    k = [lead, on + wind, on + wind + throw, off, end]     # rest, cocked, release, follow-through, rest
    r_rest, p_rest = rest_arms(ctx.body, 1)
    # Throwing (right) arm: wrist positions relative to spine3 in the chest frame.
    sh = np.array([-0.2, 0.12, 0.0]) * s
    cocked = np.array([-0.42, 0.32, -0.22]) * s
    release = np.array([-0.16, 0.42, 0.4]) * s
    through = np.array([0.12, -0.3, 0.32]) * s
    keys = np.stack([r_rest[0, RIGHT] + sh, cocked, release, through, r_rest[0, RIGHT] + sh])
    p = smooth_keys(t, k, keys)
    wr = chest_point(ctx.body, tg, RIGHT, p)
    poles = np.stack([p_rest[0, RIGHT], normalize(np.array([-0.6, -0.3, -1.0])), normalize(np.array([-0.8, -0.8, -0.2])),
                      normalize(np.array([-0.6, -0.4, -1.0])), p_rest[0, RIGHT]])
    set_arm(tg, RIGHT, wr, normalize(smooth_keys(t, k, poles)))
    # Lead (left) arm points forward while cocking, then tucks in.
    lf = smooth_keys(t, k, [0.07, np.radians(80), np.radians(40), np.radians(10), 0.07])
    la = smooth_keys(t, k, [np.radians(9), np.radians(15), np.radians(20), np.radians(15), np.radians(9)])
    tg.wrist[:, LEFT], tg.pole[:, LEFT] = arm_pose(ctx.body, LEFT, lf, la, np.radians(25))
    twist = smooth_keys(t, k, [0.0, -np.radians(ctx.uniform(25, 40)), np.radians(5), np.radians(ctx.uniform(20, 35)), 0.0])
    tg.spine[:, 2] += twist
    tg.yaw += 0.3 * twist
    tg.spine[:, 1] += smooth_keys(t, k, [0.0, np.radians(-8), np.radians(-4), np.radians(6), 0.0])
    tg.spine[:, 0] += smooth_keys(t, k, [0.0, np.radians(-6), np.radians(8), np.radians(20), 0.0])
    fwd, _ = heading_axes(tg.yaw)
    shift = smooth_keys(t, k, [0.0, -0.06 * s, 0.04 * s, 0.08 * s, 0.0])
    tg.root_pos[:, [0, 2]] += shift[:, None] * fwd[:, [0, 2]]
    tg.head[:, 1] -= 0.8 * twist
    return Clip(tg, dict(release_time=k[2], hand="right"), lead_still=lead, tail_still=total - end)


@register("flap_arms")
def flap_arms(ctx: Context) -> Clip:
    freq = ctx.uniform(1.0, 2.4)
    n = ctx.count(3, 9, 1 / freq, 2.6)
    lead, on, off, end, total = _phases(ctx, n / freq)
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    w = envelope(t, lead, on, off, end)
    lo, hi = np.radians(ctx.uniform(20, 45)), np.radians(ctx.uniform(95, 130))
    osc = 0.5 * (1 - np.cos(2 * np.pi * freq * (t - on)))
    osc = np.where((t > on) & (t < off), osc, 0.0)
    abd = np.radians(9) + w * (lo - np.radians(9)) + w * osc * (hi - lo)
    # Elbows soften on the downstroke, as a wing tip trails.
    down = np.maximum(np.sin(2 * np.pi * freq * (t - on)), 0.0) * w * ((t > on) & (t < off))
    for side in (LEFT, RIGHT):
        wr, po = arm_pose(ctx.body, side, np.radians(8), abd, np.radians(12) + np.radians(20) * down, (0.0, 0.0, 1.0))
        tg.wrist[:, side], tg.pole[:, side] = wr, po
    tg.collar[..., 0] = (np.radians(10) * w * osc)[:, None]
    # Knees give a little with each downstroke.
    tg.root_pos[:, 1] -= 0.015 * ctx.body.scale * w * (1 - osc)
    return Clip(tg, dict(freq=freq, flaps=n), lead_still=lead, tail_still=total - end)


@register("reach_up_stretch")
def reach_up_stretch(ctx: Context) -> Clip:
    s = ctx.body.scale
    side_bends = bool(ctx.rng.random() < 0.5)
    hold = ctx.uniform(1.0, 2.0) + (ctx.uniform(1.5, 3.0) if side_bends else 0.0)
    lead, on, off, end, total = _phases(ctx, hold, rise=(0.8, 1.2), fall=(0.8, 1.2))
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    w = envelope(t, lead, on, off, end)
    tiptoe = bool(ctx.rng.random() < 0.6)
    if tiptoe:
        heel = np.radians(ctx.uniform(20, 35))
        tg.foot_pitch += (heel * envelope(t, on - 0.3, on + 0.2, off - 0.2, off + 0.3))[:, None]
        rise = takeoff_height(ctx.body, heel) - ctx.body.h_stand
        tg.root_pos[:, 1] += rise * envelope(t, on - 0.3, on + 0.2, off - 0.2, off + 0.3)
    for side in (LEFT, RIGHT):
        sg = SIDE_SIGN[side]
        p = np.array([sg * 0.1 * s, 0.78 * s, 0.05 * s])
        wr = chest_point(ctx.body, tg, side, p)
        set_arm(tg, side, wr, np.broadcast_to(normalize(np.array([sg, 0.0, -0.4])), wr.shape), w)
    tg.collar[..., 0] = (np.radians(20) * w)[:, None]
    tg.spine[:, 0] -= np.radians(ctx.uniform(4, 10)) * w
    tg.head[:, 0] -= np.radians(ctx.uniform(5, 20)) * w
    if side_bends:
        a = on + 0.6
        n = 2
        per = (off - 0.6 - a) / n
        bend = np.zeros(len(t))
        first = float(ctx.rng.choice([-1.0, 1.0]))
        for i in range(n):
            b0 = a + i * per
            bend += first * (-1) ** i * np.radians(ctx.uniform(15, 25)) * envelope(t, b0, b0 + 0.4 * per, b0 + 0.6 * per, b0 + per)
        tg.spine[:, 1] += bend
        _, left = heading_axes(tg.yaw)
        tg.root_pos[:, [0, 2]] -= (0.08 * s * np.sin(bend))[:, None] * left[:, [0, 2]]
    return Clip(tg, dict(hold=hold, tiptoe=tiptoe, side_bends=side_bends), lead_still=lead, tail_still=total - end,
                fit_height=True)


@register("dance")
def dance(ctx: Context) -> Clip:
    s = ctx.body.scale
    tempo = ctx.uniform(0.45, 0.7)             # full left-right sway cycles per second
    n = ctx.count(2, 4, 1 / tempo, 2.4)
    lead, on, off, end, total = _phases(ctx, n / tempo, rise=(0.3, 0.5), fall=(0.3, 0.5))
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    w = envelope(t, lead, on, off, end)
    ph = 2 * np.pi * tempo * (t - lead)
    sway = np.sin(ph) * w                       # +1: weight on the left foot
    _, left = heading_axes(tg.yaw)
    tg.root_pos[:, [0, 2]] += (0.055 * s * sway)[:, None] * left[:, [0, 2]]
    tg.root_pos[:, 1] -= 0.03 * s * w * (1 - np.cos(2 * ph)) * 0.5 + 0.02 * s * w
    tg.roll += np.radians(5) * sway
    tg.spine[:, 1] -= np.radians(7) * sway
    tg.head[:, 2] += np.radians(5) * sway
    tg.yaw += np.radians(ctx.uniform(0, 8)) * np.sin(ph + 0.5) * w
    # The unweighted heel lifts.
    tg.foot_pitch[:, LEFT] += np.radians(22) * np.maximum(-sway, 0)
    tg.foot_pitch[:, RIGHT] += np.radians(22) * np.maximum(sway, 0)
    style = int(ctx.rng.integers(3))
    for side in (LEFT, RIGHT):
        sg = SIDE_SIGN[side]
        if style == 0:    # forearms up, swinging across the body with the sway
            p = np.stack([sg * 0.22 * s + 0.15 * s * sway, np.full(len(t), 0.0), np.full(len(t), 0.28 * s)], -1)
            p[:, 1] += 0.05 * s * np.sin(2 * ph)
            wr = chest_point(ctx.body, tg, side, p)
            set_arm(tg, side, wr, np.broadcast_to(normalize(np.array([sg * 0.3, -1.0, -0.3])), wr.shape), w)
        elif style == 1:  # alternating arm raised overhead
            up = np.maximum(sg * sway, 0)
            wr, po = arm_pose(ctx.body, side, np.radians(20) + up * np.radians(130), np.radians(25) + up * np.radians(10),
                              np.radians(60) - up * np.radians(40))
            set_arm(tg, side, wr, po, w)
        else:             # arms out, swaying like waves
            wr, po = arm_pose(ctx.body, side, np.radians(30) + np.radians(20) * np.sin(ph + side * np.pi),
                              np.radians(55) + np.radians(25) * sg * sway, np.radians(35))
            set_arm(tg, side, wr, po, w)
    return Clip(tg, dict(tempo=tempo, cycles=n, style=style), lead_still=lead, tail_still=total - end)


@register("stand_still")
def stand_still(ctx: Context) -> Clip:
    dur = ctx.uniform(2.0, 6.0)
    t = ctx.frames(dur)
    tg = ctx.neutral(t)
    breathing(ctx, tg, t, ctx.uniform(0.8, 1.5))
    return Clip(tg, dict(duration=dur), lead_still=dur / 2, tail_still=dur / 2)


@register("look_around")
def look_around(ctx: Context) -> Clip:
    dwell = ctx.uniform(0.5, 1.1)
    n = ctx.count(2, 4, dwell, 3.0)
    lead, on, off, end, total = _phases(ctx, n * dwell, rise=(0.5, 0.8), fall=(0.5, 0.8))
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    breathing(ctx, tg, t, 0.6)
    sign = float(ctx.rng.choice([-1.0, 1.0]))
    yaws, pitches = [0.0], [0.0]
    for i in range(n):
        yaws.append(sign * (-1) ** i * np.radians(ctx.uniform(45, 80)))
        pitches.append(np.radians(ctx.uniform(-15, 10)))
    yaws.append(0.0)
    pitches.append(0.0)
    times = [lead] + [on + i * dwell for i in range(n)] + [end]
    head_yaw = keyframes(t, times, yaws)
    tg.head[:, 1] += 0.75 * head_yaw
    tg.spine[:, 2] += 0.25 * head_yaw
    tg.head[:, 0] += keyframes(t, times, pitches)
    return Clip(tg, dict(glances=n), lead_still=lead, tail_still=total - end)


@register("bow")
def bow(ctx: Context) -> Clip:
    s = ctx.body.scale
    hold = ctx.uniform(0.4, 1.5)
    lead, on, off, end, total = _phases(ctx, hold, rise=(0.6, 1.0), fall=(0.6, 1.0))
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    w = envelope(t, lead, on, off, end)
    depth = np.radians(ctx.uniform(25, 55))
    tg.pitch += 0.65 * depth * w
    tg.spine[:, 0] += 0.35 * depth * w
    tg.head[:, 0] += np.radians(ctx.uniform(0, 15)) * w
    fwd, _ = heading_axes(tg.yaw)
    tg.root_pos[:, [0, 2]] -= (0.12 * s * np.sin(depth) * w)[:, None] * fwd[:, [0, 2]]
    if ctx.rng.random() < 0.35:   # right hand on the chest
        p = np.array([0.03, 0.02, 0.14]) * s
        wr = chest_point(ctx.body, tg, RIGHT, p)
        set_arm(tg, RIGHT, wr, np.broadcast_to(normalize(np.array([-0.4, -1.0, -0.2])), wr.shape),
                envelope(t, lead - 0.2, on - 0.2, off + 0.2, end))
    return Clip(tg, dict(depth=float(depth), hold=hold), lead_still=lead, tail_still=total - end)


@register("touch_toes")
def touch_toes(ctx: Context) -> Clip:
    s = ctx.body.scale
    hold = ctx.uniform(0.6, 2.0)
    lead, on, off, end, total = _phases(ctx, hold, rise=(1.0, 1.5), fall=(1.0, 1.5))
    t = ctx.frames(total)
    tg = ctx.neutral(t)
    w = envelope(t, lead, on, off, end)
    bend = np.radians(ctx.uniform(145, 170))
    tg.pitch += 0.55 * bend * w
    tg.spine[:, 0] += 0.45 * bend * w
    tg.head[:, 0] += np.radians(10) * w
    fwd, _ = heading_axes(tg.yaw)
    tg.root_pos[:, [0, 2]] -= (ctx.uniform(0.16, 0.22) * s * w)[:, None] * fwd[:, [0, 2]]
    tg.root_pos[:, 1] -= ctx.uniform(0.02, 0.1) * s * w            # knees soften a little
    reach = envelope(t, lead + 0.3 * (on - lead), on, off, end - 0.3 * (end - off))
    for side in (LEFT, RIGHT):
        toe = tg.toe[:, side] + np.array([0.0, 0.04 * s, 0.0]) - 0.03 * s * fwd
        wr = world_to_wrist_target(ctx.body, tg, side, toe)
        set_arm(tg, side, wr, np.broadcast_to(normalize(np.array([SIDE_SIGN[side] * 0.5, 0.0, -1.0])), wr.shape), reach)
    return Clip(tg, dict(bend=float(bend), hold=hold), lead_still=lead, tail_still=total - end)
