"""Leg-driven actions: jumps and hops, squats, sitting and standing, lunges, kicks, balancing, crouching.

Vertical motion in the air is ballistic (gravity 9.81 m/s^2): a jump pushes off with uniform
acceleration, flies on a parabola, and lands with uniform deceleration, so pelvis velocity is
continuous everywhere and jump height matches flight time. Feet that bear weight stay planted; feet
in the air follow the pelvis.
"""

import numpy as np

from src import config
from src.datasets.procedural.arms import arm_pose, chest_point, rest_arms, set_arm, world_to_wrist_target
from src.datasets.procedural.body import LEFT, RIGHT, SIDE_SIGN, Body, foot_frame, heading_axes, normalize
from src.datasets.procedural.common import SEATED, Clip, Context, State, register
from src.datasets.procedural.curves import envelope, keyframes, minjerk, ramp, smooth_keys
from src.datasets.procedural.gait import swing_profile

G = 9.81


def takeoff_height(body: Body, heel: float) -> float:
    """Pelvis height with straight-ish legs standing on the toes with heels raised by ``heel`` rad."""
    off = body.foot_off
    length = float(np.hypot(off[1], off[2]))
    alpha = float(np.arctan2(-off[1], off[2]))
    return body.h_stand + length * (np.sin(heel + alpha) - np.sin(alpha)) - 0.01 * body.scale


def hop_train(t, t0, n, flight, contact, h_rest, h_to, dip, absorb, pre=None):
    """Pelvis height for ``n`` ballistic hops.

    Args:
        t: (T,) times. t0: when the counter-movement starts. flight / contact: seconds in the air per
            hop and on the ground between hops. h_rest: standing height; h_to: height at take-off and
            touchdown. dip: counter-movement depth below h_rest; absorb: landing depth below h_to.
    Returns:
        y (T,), takeoffs (n,), landings (n,), t_end (back at rest).
    """
    v0 = 0.5 * G * flight
    y = np.full(len(t), float(h_rest))
    pre = 0.3 + 0.8 * dip if pre is None else pre
    bottom = h_rest - dip
    push = 2 * (h_to - bottom) / v0
    t_bottom = t0 + pre
    m = (t >= t0) & (t < t_bottom)
    y[m] = h_rest - dip * minjerk((t[m] - t0) / pre)
    m = (t >= t_bottom) & (t < t_bottom + push)
    tau = t[m] - t_bottom
    y[m] = bottom + 0.5 * (v0 / push) * tau**2
    takeoffs = t_bottom + push + np.arange(n) * (flight + contact)
    landings = takeoffs + flight
    amp = v0 * contact / np.pi
    for k in range(n):
        m = (t >= takeoffs[k]) & (t < landings[k])
        tau = t[m] - takeoffs[k]
        y[m] = h_to + v0 * tau - 0.5 * G * tau**2
        if k < n - 1:
            m = (t >= landings[k]) & (t < takeoffs[k + 1])
            y[m] = h_to - amp * np.sin(np.pi * (t[m] - landings[k]) / contact)
    settle = 2 * absorb / v0
    m = (t >= landings[-1]) & (t < landings[-1] + settle)
    tau = t[m] - landings[-1]
    y[m] = h_to - v0 * tau + 0.5 * (v0 / settle) * tau**2
    recover = 0.35 + 1.5 * absorb
    t_low = landings[-1] + settle
    m = t >= t_low
    y[m] = h_to - absorb + (h_rest - h_to + absorb) * minjerk((t[m] - t_low) / recover)
    return y, takeoffs, landings, t_low + recover


def airborne_lift(t, takeoffs, landings, pelvis_y, h_to, tuck):
    """(T,) height of the feet above the floor: zero on the ground, following the pelvis in the air."""
    lift = np.zeros(len(t))
    for a, b in zip(takeoffs, landings):
        m = (t >= a) & (t < b)
        lift[m] = np.maximum(pelvis_y[m] - h_to, 0.0) + tuck * np.sin(np.pi * (t[m] - a) / (b - a)) ** 2
    return lift


def _jumps(ctx: Context, forward: bool) -> Clip:
    body, s = ctx.body, ctx.body.scale
    n = int(ctx.rng.integers(1, 4)) if not forward else int(ctx.rng.integers(1, 3))
    lead = ctx.still_time()
    heel = np.radians(ctx.uniform(30, 45))
    h_to = takeoff_height(body, heel)
    flights = [ctx.uniform(0.36, 0.52) if not forward else ctx.uniform(0.38, 0.5) for _ in range(n)]
    dips = [ctx.uniform(0.14, 0.26) * s for _ in range(n)]
    absorbs = [ctx.uniform(0.1, 0.2) * s for _ in range(n)]
    dist = [ctx.uniform(0.45, 0.95) * s if forward else 0.0 for _ in range(n)]
    # Lay out the jumps one after another on a generous time grid, then cut the clip after the last.
    t_full = ctx.frames(lead + n * 3.2 + 1.0)
    tg = ctx.neutral(t_full)
    fwd, _ = heading_axes(np.asarray(ctx.state.yaw))
    y = np.full(len(t_full), body.h_stand)
    lift = np.zeros(len(t_full))
    along = np.zeros(len(t_full))       # pelvis travel along the facing
    feet_along = np.zeros(len(t_full))  # feet travel along the facing
    pitch = np.zeros(len(t_full))
    heel_pitch = np.zeros(len(t_full))
    t_start = lead
    events = []
    for k in range(n):
        yk, tos, lds, t_end = hop_train(t_full, t_start, 1, flights[k], 0.2, body.h_stand, h_to, dips[k], absorbs[k])
        m = t_full >= t_start
        y[m] = yk[m]
        lift += airborne_lift(t_full, tos, lds, yk, h_to, ctx.uniform(0.03, 0.1) * s)
        t_bottom = tos[0] - 2 * (h_to - body.h_stand + dips[k]) / (0.5 * G * flights[k])
        done = along[t_full < t_start][-1] if np.any(t_full < t_start) else 0.0
        d = dist[k]
        if d > 0:
            vx = 0.6 * d / flights[k]
            keys_t = [t_start, tos[0], lds[0], t_end]
            pre = np.array([0.0, 0.2 * d, 0.8 * d, d]) + done
            along[m] = _hermite_chain(t_full[m], keys_t, pre, [0.0, vx, vx, 0.0])
            feet_along[m] = feet_along[t_full < t_start][-1] if np.any(t_full < t_start) else 0.0
            fm = t_full >= tos[0]
            feet_along[fm] = done + d * minjerk((t_full[fm] - tos[0]) / flights[k])
        pitch += np.radians(ctx.uniform(20, 35) if d > 0 else ctx.uniform(10, 20)) * (
            envelope(t_full, t_start, t_bottom, t_bottom + 0.05, tos[0]) +
            0.8 * envelope(t_full, lds[0], lds[0] + 2 * absorbs[k] / (0.5 * G * flights[k]), lds[0] + 0.25, t_end))
        heel_pitch += heel * envelope(t_full, t_bottom, tos[0], lds[0], lds[0] + 0.1)
        events.append((t_bottom, tos[0], lds[0], t_end))
        t_start = t_end + ctx.uniform(0.1, 0.5)
    t_stop = events[-1][3] + ctx.still_time()
    keep = t_full < t_stop
    tg = tg.slice(0, int(keep.sum()))
    t = t_full[keep]
    tg.root_pos[:, 1] = y[keep]
    tg.root_pos[:, [0, 2]] += along[keep, None] * fwd[[0, 2]]
    tg.toe[..., 1] += lift[keep, None]
    tg.toe[..., [0, 2]] += feet_along[keep, None, None] * fwd[[0, 2]]
    tg.foot_pitch += heel_pitch[keep, None]
    tg.pitch = pitch[keep]
    tg.spine[:, 0] = 0.5 * pitch[keep]
    tg.head[:, 0] = -0.6 * pitch[keep]
    # Arms: one swing per jump.
    flex = np.full(len(t), 0.05)
    for (tb, to, ld, te) in events:
        keys = [tb - 0.4, tb, to, ld, min(te, t[-1] - 1e-3)]
        if keys[0] <= (t[0] if len(t) else 0):
            keys[0] = tb - 0.2
        seg = (t >= keys[0]) & (t <= keys[-1])
        flex[seg] = smooth_keys(t[seg], keys, [0.05, np.radians(-45), np.radians(140), np.radians(50), 0.05])
    for side in (LEFT, RIGHT):
        tg.wrist[:, side], tg.pole[:, side] = arm_pose(body, side, flex, np.radians(12), np.radians(20))
    params = dict(num_jumps=n, flight_times=flights, heights=[G * f * f / 8 for f in flights],
                  distances=dist, jump_starts=[e[1] for e in events], jump_ends=[e[2] for e in events])
    return Clip(tg, params, lead_still=lead, tail_still=t_stop - events[-1][3])


def _hermite_chain(t, times, values, slopes):
    """Cubic Hermite through (times, values) with given slopes; (T,) -> (T,)."""
    times, values, slopes = map(lambda a: np.asarray(a, float), (times, values, slopes))
    idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    h = times[idx + 1] - times[idx]
    u = np.clip((t - times[idx]) / h, 0, 1)
    h00, h10, h01, h11 = 2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u, -2 * u**3 + 3 * u**2, u**3 - u**2
    return h00 * values[idx] + h10 * h * slopes[idx] + h01 * values[idx + 1] + h11 * h * slopes[idx + 1]


@register("jump_in_place")
def jump_in_place(ctx: Context) -> Clip:
    return _jumps(ctx, forward=False)


@register("jump_forward")
def jump_forward(ctx: Context) -> Clip:
    return _jumps(ctx, forward=True)


# ------------------------------------------------------------------ one-leg support
def _weight_shift(ctx: Context, tg, t, stance: int, t_on, t_off, amount, ramp_time=0.45):
    """Move the pelvis sideways over the stance foot between t_on and t_off (with its own ramps)."""
    _, left = heading_axes(np.asarray(ctx.state.yaw))
    w = envelope(t, t_on, t_on + ramp_time, t_off - ramp_time, t_off)
    foot_mid = tg.toe[0, stance, [0, 2]] - tg.root_pos[0, [0, 2]]
    lateral = float(np.dot(foot_mid, left[[0, 2]]))
    shift = np.sign(lateral) * min(abs(lateral) * 0.85, amount)
    tg.root_pos[:, [0, 2]] += (w * shift)[:, None] * left[[0, 2]]
    tg.roll += w * np.radians(3.0) * np.sign(lateral)
    return w


def _raised_foot(ctx: Context, tg, t, foot, times, offsets, pitch=None, flow=True):
    """Move a foot through local [left, up, forward] offsets from its start (keys at ``times``).

    ``flow`` passes through the keys without stopping (kicks); otherwise it rests at every key (holds).
    """
    interp = smooth_keys if flow else keyframes
    home = tg.toe[0, foot].copy()
    off = interp(t, times, offsets)                              # (T,3) local
    tg.toe[:, foot] = home + ctx.local_dir(off)
    if pitch is not None:
        tg.foot_pitch[:, foot] = interp(t, times, pitch)
    support = np.ones((len(t), 2), bool)
    support[:, foot] = (t <= times[0]) | (t >= times[-1])
    return support


@register("hop_one_foot")
def hop_one_foot(ctx: Context) -> Clip:
    body, s = ctx.body, ctx.body.scale
    stance = int(ctx.rng.integers(2))
    free = 1 - stance
    flight, contact = ctx.uniform(0.24, 0.32), ctx.uniform(0.22, 0.3)
    n = ctx.count(3, 8, flight + contact, 4.5)
    lead = ctx.still_time()
    t_lift0, t_lift1 = lead + 0.45, lead + 0.9
    heel = np.radians(ctx.uniform(20, 30))
    h_to = takeoff_height(body, heel)
    t_full = ctx.frames(lead + 2.0 + n * (flight + contact) + 2.0)
    y, tos, lds, t_end = hop_train(t_full, t_lift1 + 0.1, n, flight, contact, body.h_stand - 0.02 * s, h_to,
                                   0.08 * s, ctx.uniform(0.06, 0.1) * s, pre=0.3)
    t_down0 = t_end + 0.1
    t_stop = t_down0 + 0.9 + ctx.still_time()
    t = t_full[t_full < t_stop]
    tg = ctx.neutral(t)
    y = y[: len(t)]
    tg.root_pos[:, 1] = np.where(t < t_lift1 + 0.1, body.h_stand - 0.02 * s * ramp(t, lead, t_lift1), y)
    w = _weight_shift(ctx, tg, t, stance, lead, t_down0 + 0.8, 0.07 * s)
    lift = airborne_lift(t, tos, lds, tg.root_pos[:, 1], h_to, 0.0)
    tg.toe[:, stance, 1] += lift
    tg.foot_pitch[:, stance] = heel * envelope(t, tos[0] - 0.15, tos[0], lds[-1], lds[-1] + 0.12)
    back = ctx.uniform(-0.25, 0.05) * s
    up = ctx.uniform(0.22, 0.35) * s
    times = [t_lift0, t_lift1, t_down0, t_down0 + 0.6]
    offs = [[0, 0, 0], [0, up, back], [0, up, back], [0, 0, 0]]
    support = _raised_foot(ctx, tg, t, free, times, offs, [0, np.radians(25), np.radians(25), 0], flow=False)
    # The raised foot rides along with the body's bounce.
    bounce = (tg.root_pos[:, 1] - body.h_stand) * envelope(t, t_lift1, t_lift1 + 0.2, t_down0 - 0.2, t_down0)
    tg.toe[:, free, 1] += bounce
    # Arms out a little for balance, bobbing with the hops.
    abd = np.radians(ctx.uniform(25, 50)) * w
    for side in (LEFT, RIGHT):
        wr, po = arm_pose(body, side, np.radians(20) * w + 0.05, abd + np.radians(9), np.radians(40) * w + np.radians(14))
        tg.wrist[:, side], tg.pole[:, side] = wr, po
    params = dict(stance_foot="left" if stance == LEFT else "right", num_hops=n, flight_time=flight,
                  hop_height=G * flight**2 / 8)
    return Clip(tg, params, lead_still=lead, tail_still=t_stop - t_down0 - 0.6, support=support)


@register("jumping_jacks")
def jumping_jacks(ctx: Context) -> Clip:
    body, s = ctx.body, ctx.body.scale
    flight, contact = ctx.uniform(0.24, 0.3), ctx.uniform(0.2, 0.28)
    n_jacks = ctx.count(3, 7, 2 * (flight + contact), 2.8)
    n = 2 * n_jacks
    lead = ctx.still_time()
    heel = np.radians(ctx.uniform(20, 30))
    h_to = takeoff_height(body, heel)
    t_full = ctx.frames(lead + 1.0 + n * (flight + contact) + 2.0)
    y, tos, lds, t_end = hop_train(t_full, lead, n, flight, contact, body.h_stand, h_to, 0.07 * s, 0.08 * s, pre=0.3)
    t_stop = t_end + ctx.still_time()
    t = t_full[t_full < t_stop]
    tg = ctx.neutral(t)
    tg.root_pos[:, 1] = y[: len(t)]
    lift = airborne_lift(t, tos, lds, tg.root_pos[:, 1], h_to, 0.02 * s)
    tg.toe[..., 1] += lift[:, None]
    wide = ctx.uniform(0.22, 0.3) * s
    # Opening fraction: 0 feet together, 1 feet apart; it changes during each flight.
    openness = np.zeros(len(t))
    for k in range(n):
        target = 1.0 if k % 2 == 0 else 0.0
        openness = np.where(t >= tos[k], target + (openness - target) * (1 - minjerk((t - tos[k]) / flight)), openness)
    _, left = heading_axes(tg.yaw)
    base_w = abs(float(np.dot(tg.toe[0, 0, [0, 2]] - tg.root_pos[0, [0, 2]], left[0, [0, 2]])))
    for side in (LEFT, RIGHT):
        extra = SIDE_SIGN[side] * openness * (wide - base_w)
        tg.toe[:, side, [0, 2]] += extra[:, None] * left[:, [0, 2]]
        tg.foot_yaw[:, side] += SIDE_SIGN[side] * np.radians(12) * openness
    tg.foot_pitch += heel * envelope(t, tos[0] - 0.15, tos[0], lds[-1], lds[-1] + 0.12)[:, None]
    # Arms follow the legs: from the sides to overhead, a little behind the feet.
    arm_open = np.interp(t - 0.06, t, openness)
    for side in (LEFT, RIGHT):
        abd = np.radians(9) + arm_open * np.radians(ctx.uniform(150, 165))
        wr, po = arm_pose(body, side, np.radians(6), abd, np.radians(14) + arm_open * np.radians(10), (0, 0, 1))
        tg.wrist[:, side], tg.pole[:, side] = wr, po
    tg.collar[..., 0] = arm_open[:, None] * np.radians(12)
    params = dict(num_jacks=n_jacks, flight_time=flight, width=wide)
    return Clip(tg, params, lead_still=lead, tail_still=t_stop - t_end)


# ------------------------------------------------------------------ sitting / squatting
def _seat_pose(body: Body, st: State, rng):
    """Seat geometry for a body standing at ``st``: pelvis offset back (m) and seat height (m)."""
    return float(rng.uniform(0.27, 0.33)) * body.scale, float(rng.uniform(0.53, 0.57)) * body.scale


def _hands_on_thighs(ctx: Context, tg, t, weight):
    """Put both wrists on the thighs (world target just above mid-thigh) with ``weight`` (T,)."""
    fwd, left = heading_axes(tg.yaw)
    for side in (LEFT, RIGHT):
        hip = tg.root_pos + SIDE_SIGN[side] * 0.09 * ctx.body.scale * left
        point = hip + 0.26 * ctx.body.scale * fwd + np.array([0.0, 0.07, 0.0]) * ctx.body.scale
        wr = world_to_wrist_target(ctx.body, tg, side, point)
        pole = np.broadcast_to([SIDE_SIGN[side] * 0.6, -0.2, -1.0], wr.shape)
        set_arm(tg, side, wr, normalize(np.asarray(pole, float)), weight)


def _sit_keys(ctx: Context, tg, t, t0, dur, back, seat):
    """Sitting motion from standing (t0) to seated (t0 + dur), held afterwards."""
    fwd, _ = heading_axes(np.asarray(ctx.state.yaw))
    keys = [t0, t0 + 0.45 * dur, t0 + 0.8 * dur, t0 + dur + 0.35]
    h0 = ctx.state.pelvis_height
    lean = np.radians(ctx.uniform(28, 40))
    d_back = smooth_keys(t, keys, [0.0, 0.45 * back, back, back])
    tg.root_pos[:, 1] = smooth_keys(t, keys, [h0, h0 - 0.55 * (h0 - seat), seat, seat])
    tg.root_pos[:, [0, 2]] -= d_back[:, None] * fwd[[0, 2]]
    tg.pitch = smooth_keys(t, keys, [0.0, lean, 0.7 * lean, np.radians(ctx.uniform(-4, 4))])
    tg.spine[:, 0] = smooth_keys(t, keys, [0.0, 0.4 * lean, 0.3 * lean, np.radians(ctx.uniform(4, 12))])
    tg.head[:, 0] = -0.6 * (tg.pitch + tg.spine[:, 0])
    return keys


def seated_state(body: Body, st: State, rng, fps: float = config.SMOG_FPS) -> State:
    """A state sitting on a seat behind the feet of ``st`` (for clips that start seated)."""
    ctx = Context(body, rng, fps, st)
    t = np.array([0.0, 1.0])
    tg = ctx.neutral(t)
    back, seat = _seat_pose(body, st, rng)
    _sit_keys(ctx, tg, t, -3.0, 1.5, back, seat)
    _hands_on_thighs(ctx, tg, t, np.ones(2))
    return State.from_targets(tg, SEATED)


@register("sit_down", end_posture=SEATED)
def sit_down(ctx: Context) -> Clip:
    lead = ctx.still_time()
    dur = ctx.uniform(1.3, 2.0)
    hold = ctx.uniform(0.8, 3.5)
    t = ctx.frames(lead + dur + 0.35 + hold)
    tg = ctx.neutral(t)
    back, seat = _seat_pose(ctx.body, ctx.state, ctx.rng)
    keys = _sit_keys(ctx, tg, t, lead, dur, back, seat)
    # Arms reach forward for balance on the way down, then rest on the thighs.
    reach = envelope(t, keys[0], keys[1], keys[1] + 0.1, keys[2] + 0.1)
    for side in (LEFT, RIGHT):
        wr, po = arm_pose(ctx.body, side, np.radians(45) * reach + 0.07, np.radians(9), np.radians(25))
        set_arm(tg, side, wr, po, reach)
    _hands_on_thighs(ctx, tg, t, ramp(t, keys[1] + 0.2, keys[3]))
    params = dict(seat_height=seat, back_offset=back, seated_at=keys[2])
    return Clip(tg, params, lead_still=lead, tail_still=hold, end_posture=SEATED)


@register("stand_up", start_posture=SEATED)
def stand_up(ctx: Context) -> Clip:
    body = ctx.body
    lead = ctx.uniform(0.4, 1.0)
    dur = ctx.uniform(1.2, 1.8)
    tail = ctx.still_time()
    t = ctx.frames(lead + dur + 0.4 + tail)
    tg = ctx.base(t)
    fwd, left = heading_axes(np.asarray(ctx.state.yaw))
    ankles = body.ankle_from_toe(ctx.state.toe, ctx.state.foot_yaw, np.zeros(2))
    target_xz = ankles[:, [0, 2]].mean(0) - 0.01 * fwd[[0, 2]]
    start = tg.root_pos[0].copy()
    keys = [lead, lead + 0.35 * dur, lead + 0.65 * dur, lead + dur, lead + dur + 0.4]
    lean = np.radians(ctx.uniform(35, 48))
    travel = smooth_keys(t, keys, [0.0, 0.12, 0.55, 0.95, 1.0])
    tg.root_pos[:, [0, 2]] = start[[0, 2]] + travel[:, None] * (target_xz - start[[0, 2]])
    tg.root_pos[:, 1] = start[1] + (body.h_stand - start[1]) * ramp(t, keys[1] - 0.1, keys[3] + 0.2)
    p0, s0 = float(tg.pitch[0]), float(tg.spine[0, 0])
    tg.pitch = smooth_keys(t, keys, [p0, lean, 0.8 * lean, 0.15 * lean, 0.0])
    tg.spine[:, 0] = smooth_keys(t, keys, [s0, 0.35 * lean, 0.3 * lean, 0.05, 0.0])
    tg.head[:, 0] = -0.6 * (tg.pitch + tg.spine[:, 0])
    rest_w, rest_p = rest_arms(body, len(t))
    _hands_on_thighs(ctx, tg, t, np.ones(len(t)))
    w = ramp(t, keys[1], keys[3] + 0.2)
    for side in (LEFT, RIGHT):
        set_arm(tg, side, rest_w[:, side], rest_p[:, side], w)
    params = dict(rise_start=keys[1], rise_end=keys[3])
    return Clip(tg, params, lead_still=lead, tail_still=tail)


def _squat_like(ctx: Context, tg, t, depth_curve, bottom, back, lean):
    """Lower the pelvis to ``bottom`` and shift it ``back`` with trunk ``lean``, scaled by depth (T,)."""
    fwd, _ = heading_axes(np.asarray(ctx.state.yaw))
    h0 = ctx.body.h_stand
    tg.root_pos[:, 1] = h0 + depth_curve * (bottom - h0)
    tg.root_pos[:, [0, 2]] -= (depth_curve * back)[:, None] * fwd[[0, 2]]
    tg.pitch = depth_curve * lean
    tg.spine[:, 0] = depth_curve * 0.3 * lean
    tg.head[:, 0] = -0.5 * (tg.pitch + tg.spine[:, 0])


@register("squat")
def squat(ctx: Context) -> Clip:
    body, s = ctx.body, ctx.body.scale
    period = ctx.uniform(1.5, 2.6)
    reps = ctx.count(1, 5, period, 1.4)
    lead, tail = ctx.still_time(), ctx.still_time()
    t = ctx.frames(lead + reps * period + tail)
    tg = ctx.neutral(t)
    keys_t, keys_v = [lead], [0.0]
    for r in range(reps):
        a = lead + r * period
        keys_t += [a + 0.45 * period, a + 0.55 * period, a + period]
        keys_v += [1.0, 1.0, 0.0]
    depth = keyframes(t, keys_t, keys_v)
    bottom = ctx.uniform(0.5, 0.62) * s
    _squat_like(ctx, tg, t, depth, bottom, ctx.uniform(0.1, 0.16) * s, np.radians(ctx.uniform(25, 40)))
    style = int(ctx.rng.integers(3))
    for side in (LEFT, RIGHT):
        if style == 0:    # arms straight out in front
            wr, po = arm_pose(body, side, np.radians(85) * depth + 0.07, np.radians(9) - np.radians(4) * depth,
                              np.radians(14) - np.radians(8) * depth)
        elif style == 1:  # hands together in front of the chest
            wr, po = chest_point(body, tg, side, [SIDE_SIGN[side] * 0.05 * s, -0.05 * s, 0.3 * s]), \
                np.broadcast_to([SIDE_SIGN[side], -0.6, -0.3], (len(t), 3))
            rw, rp = rest_arms(body, len(t))
            w = envelope(t, lead - 0.3, lead + 0.2, t[-1] - tail, t[-1] - tail + 0.4)
            tg.wrist[:, side], tg.pole[:, side] = rw[:, side], rp[:, side]
            set_arm(tg, side, wr, normalize(np.asarray(po, float)), w)
            continue
        else:             # hands on the hips
            _hands_on_hips(ctx, tg, t, side, envelope(t, lead - 0.3, lead + 0.2, t[-1] - tail, t[-1] - tail + 0.4))
            continue
        tg.wrist[:, side], tg.pole[:, side] = wr, po
    return Clip(tg, dict(reps=reps, period=period, depth=bottom), lead_still=lead, tail_still=tail)


def _hands_on_hips(ctx: Context, tg, t, side, weight):
    fwd, left = heading_axes(tg.yaw)
    s = ctx.body.scale
    point = tg.root_pos + SIDE_SIGN[side] * 0.16 * s * left + 0.02 * s * fwd + np.array([0, 0.06 * s, 0])
    wr = world_to_wrist_target(ctx.body, tg, side, point)
    set_arm(tg, side, wr, np.broadcast_to(normalize(np.array([SIDE_SIGN[side] * 1.0, 0.0, -0.4])), wr.shape), weight)


@register("crouch")
def crouch(ctx: Context) -> Clip:
    body, s = ctx.body, ctx.body.scale
    lead, tail = ctx.still_time(), ctx.still_time()
    down, hold, up = ctx.uniform(0.7, 1.2), ctx.uniform(1.0, 3.5), ctx.uniform(0.7, 1.2)
    t = ctx.frames(lead + down + hold + up + tail)
    tg = ctx.neutral(t)
    depth = envelope(t, lead, lead + down, lead + down + hold, lead + down + hold + up)
    bottom = ctx.uniform(0.36, 0.46) * s
    _squat_like(ctx, tg, t, depth, bottom, ctx.uniform(0.08, 0.14) * s, np.radians(ctx.uniform(25, 38)))
    tg.spine[:, 0] += depth * np.radians(ctx.uniform(5, 15))
    tg.head[:, 0] = -0.35 * (tg.pitch + tg.spine[:, 0])
    heel = np.radians(ctx.uniform(0, 30))
    tg.foot_pitch += (depth * heel)[:, None]
    # Forearms rest forward over the knees.
    for side in (LEFT, RIGHT):
        wr, po = arm_pose(body, side, np.radians(70), np.radians(14), np.radians(35))
        set_arm(tg, side, wr, po, depth)
    return Clip(tg, dict(depth=bottom, hold=hold), lead_still=lead, tail_still=tail)


def _step_foot(tg, support, t, foot: int, lift: float, land: float, start, end, clearance: float) -> None:
    """Swing ``foot``'s toe (in place) from ``start`` to ``end`` (3,) between times ``lift`` and ``land``,
    ``clearance`` m at its highest; it stays at ``end`` after landing and bears no weight in the air."""
    m = t >= lift
    h, v = swing_profile((t[m] - lift) / (land - lift))
    tg.toe[m, foot] = start + (end - start) * h[:, None]
    tg.toe[m, foot, 1] = clearance * v
    support[(t > lift) & (t < land), foot] = False


@register("lunge")
def lunge(ctx: Context) -> Clip:
    body, s = ctx.body, ctx.body.scale
    rep_t = ctx.uniform(1.8, 2.6)
    reps = ctx.count(1, 3, rep_t, 1.4)
    first = int(ctx.rng.integers(2))
    alternate = bool(ctx.rng.integers(2))
    lead, tail = ctx.still_time(), ctx.still_time()
    t = ctx.frames(lead + reps * rep_t + tail)
    tg = ctx.neutral(t)
    fwd, _ = heading_axes(np.asarray(ctx.state.yaw))
    step = ctx.uniform(0.7, 0.95) * s
    bottom = ctx.uniform(0.58, 0.66) * s
    support = np.ones((len(t), 2), bool)
    legs = []
    for r in range(reps):
        foot = first if (not alternate or r % 2 == 0) else 1 - first
        legs.append("left" if foot == LEFT else "right")
        a = lead + r * rep_t
        out_lift, out_land = a, a + 0.4
        back_lift, back_land = a + rep_t - 0.55, a + rep_t - 0.1
        home = tg.toe[0, foot].copy()
        _step_foot(tg, support, t, foot, out_lift, out_land, home, home + step * fwd, 0.09 * s)
        _step_foot(tg, support, t, foot, back_lift, back_land, home + step * fwd, home, 0.09 * s)
        depth = envelope(t, out_land - 0.15, out_land + 0.45, back_lift - 0.45, back_lift + 0.1)
        shift = envelope(t, out_lift + 0.1, out_land + 0.2, back_lift - 0.2, back_land)
        tg.root_pos[:, [0, 2]] += (shift * 0.45 * step)[:, None] * fwd[[0, 2]]
        tg.root_pos[:, 1] -= depth * (body.h_stand - bottom)
        tg.foot_pitch[:, 1 - foot] += depth * np.radians(ctx.uniform(45, 60))
        tg.pitch += depth * np.radians(ctx.uniform(0, 8))
    hips = bool(ctx.rng.integers(2))
    w = envelope(t, lead - 0.3, lead + 0.1, t[-1] - tail, t[-1] - tail + 0.35)
    for side in (LEFT, RIGHT):
        if hips:
            _hands_on_hips(ctx, tg, t, side, w)
    return Clip(tg, dict(reps=reps, legs=legs, step_length=step, depth=bottom), lead_still=lead, tail_still=tail,
                support=support)


def _kneeling_pelvis(body: Body, pelvis, yaw, toe, foot_yaw, side: int, knee_height: float, heel: float):
    """Where the pelvis goes down to so that the ``side`` leg kneels without moving its toe.

    The knee rests ``knee_height`` above the floor under the hip (thigh vertical), the shin runs back
    along the floor and the toes are tucked under (heel raised by ``heel`` rad), the toe staying where
    it is.

    Args:
        pelvis: (3,) the standing pelvis; yaw: the body's heading; toe: (3,) the kneeling leg's toe on
            the floor; foot_yaw: that foot's yaw.
    Returns:
        (shift, height): how far the pelvis moves along the heading, and its height at the bottom.
    """
    foot_fwd, _ = heading_axes(np.asarray(foot_yaw))
    body_fwd, _ = heading_axes(np.asarray(yaw))
    tuck = foot_frame(np.asarray(foot_yaw), np.asarray(heel)) @ body.foot_off   # ankle -> toe
    rise = np.arcsin((-tuck[1] - knee_height) / body.shin)        # the toe is on the floor
    knee_to_toe = body.shin * (-np.cos(rise) * foot_fwd + np.array([0.0, np.sin(rise), 0.0])) + tuck
    return float(np.dot(toe - knee_to_toe - pelvis, body_fwd)), knee_height + body.thigh - body.hip_off[side, 1]


@register("kneel")
def kneel(ctx: Context) -> Clip:
    """Step one foot forward, go down on the other knee, hold, rise and step back (a deep lunge held)."""
    body, s = ctx.body, ctx.body.scale
    side = int(ctx.rng.integers(2))                      # the leg that kneels
    front = 1 - side
    lead, tail = ctx.still_time(), ctx.still_time()
    down, hold, up = ctx.uniform(0.8, 1.3), ctx.uniform(1.0, 3.0), ctx.uniform(0.8, 1.3)
    step_t = 0.6
    t = ctx.frames(lead + step_t + down + hold + up + step_t + tail)
    tg = ctx.neutral(t)
    fwd, _ = heading_axes(np.asarray(ctx.state.yaw))
    knee_height = 0.06 * s
    heel = np.radians(ctx.uniform(55, 70))
    shift, bottom = _kneeling_pelvis(body, tg.root_pos[0], ctx.state.yaw, tg.toe[0, side], tg.foot_yaw[0, side],
                                     side, knee_height, heel)
    home = tg.toe[0, front].copy()
    out = home + (shift + ctx.uniform(0.3, 0.4) * s) * fwd   # the front shin about vertical at the bottom
    support = np.ones((len(t), 2), bool)
    a = lead + step_t + down + hold + up
    _step_foot(tg, support, t, front, lead, lead + step_t, home, out, 0.08 * s)
    _step_foot(tg, support, t, front, a, a + step_t, out, home, 0.08 * s)
    depth = envelope(t, lead + step_t, lead + step_t + down, lead + step_t + down + hold, a)
    # The pelvis travels with the step (the feet end up about 0.9 m apart) and then goes down.
    shift_w = envelope(t, lead, lead + step_t + 0.3 * down, lead + step_t + down + hold + 0.7 * up, a + step_t)
    tg.root_pos[:, 1] += depth * (bottom - body.h_stand)
    tg.root_pos[:, [0, 2]] += (shift_w * shift)[:, None] * fwd[[0, 2]]
    tg.foot_pitch[:, side] += depth * heel
    tg.head[:, 0] = depth * np.radians(ctx.uniform(0, 15))  # looks down a little
    return Clip(tg, dict(leg="left" if side == LEFT else "right", hold=hold, depth=float(bottom)),
                lead_still=lead, tail_still=tail, support=support)


# ----------------------------------------------------------------------- kicks / balance
def _kick(ctx: Context, foot: int) -> Clip:
    body, s = ctx.body, ctx.body.scale
    stance = 1 - foot
    rep_t = ctx.uniform(0.9, 1.25)
    reps = ctx.count(1, 3, rep_t, 2.3)
    lead, tail = ctx.still_time(), ctx.still_time()
    shift_t = 0.45
    t = ctx.frames(lead + shift_t + reps * rep_t + 0.4 + tail)
    tg = ctx.neutral(t)
    k0 = lead + shift_t
    w = _weight_shift(ctx, tg, t, stance, lead, k0 + reps * rep_t + 0.4, 0.06 * s)
    height = ctx.uniform(0.55, 0.95) * s
    reach = ctx.uniform(0.55, 0.75) * s
    chamber = [0.0, ctx.uniform(0.3, 0.42) * s, 0.22 * s]
    times, offs, pitch = [k0], [[0, 0, 0]], [0.0]
    lean = np.zeros(len(t))
    for r in range(reps):
        a = k0 + r * rep_t
        times += [a + 0.32 * rep_t, a + 0.48 * rep_t, a + 0.64 * rep_t]
        offs += [chamber, [0.0, height, reach], chamber]
        pitch += [np.radians(20), np.radians(45), np.radians(20)]
        lean += np.radians(ctx.uniform(8, 18)) * envelope(t, a + 0.2 * rep_t, a + 0.5 * rep_t, a + 0.55 * rep_t, a + 0.85 * rep_t)
    times.append(k0 + reps * rep_t)
    offs.append([0, 0, 0])
    pitch.append(0.0)
    support = _raised_foot(ctx, tg, t, foot, times, offs, pitch)
    tg.pitch -= lean
    tg.spine[:, 0] -= 0.3 * lean
    tg.head[:, 0] += 0.5 * lean
    guard = bool(ctx.rng.integers(2))
    for side in (LEFT, RIGHT):
        if guard:   # fists up in front of the chest
            wr = chest_point(body, tg, side, [SIDE_SIGN[side] * 0.1 * s, 0.05 * s, 0.28 * s])
            po = np.broadcast_to(normalize(np.array([SIDE_SIGN[side] * 0.5, -1.0, -0.2])), wr.shape)
        else:       # arms spread for balance
            wr, po = arm_pose(body, side, np.radians(25), np.radians(55), np.radians(30))
        set_arm(tg, side, wr, po, w)
    params = dict(leg="left" if foot == LEFT else "right", reps=reps, kick_height=height)
    return Clip(tg, params, lead_still=lead, tail_still=tail, support=support)


@register("kick_right")
def kick_right(ctx: Context) -> Clip:
    return _kick(ctx, RIGHT)


@register("kick_left")
def kick_left(ctx: Context) -> Clip:
    return _kick(ctx, LEFT)


@register("balance_one_leg")
def balance_one_leg(ctx: Context) -> Clip:
    body, s = ctx.body, ctx.body.scale
    stance = int(ctx.rng.integers(2))
    free = 1 - stance
    lead, tail = ctx.still_time(), ctx.still_time()
    hold = ctx.uniform(1.5, 4.5)
    t_up0, t_up1 = lead + 0.45, lead + 1.05
    t_dn0 = t_up1 + hold
    t_dn1 = t_dn0 + 0.6
    t = ctx.frames(t_dn1 + 0.45 + tail)
    tg = ctx.neutral(t)
    w = _weight_shift(ctx, tg, t, stance, lead, t_dn1 + 0.45, 0.075 * s)
    style = int(ctx.rng.integers(3))
    side_dir = SIDE_SIGN[stance]  # from the raised foot towards the stance foot
    if style == 0:      # knee up in front
        pose, yaw = [0.0, ctx.uniform(0.3, 0.45) * s, ctx.uniform(0.12, 0.22) * s], 0.0
    elif style == 1:    # foot raised behind
        pose, yaw = [0.0, ctx.uniform(0.25, 0.4) * s, -ctx.uniform(0.15, 0.3) * s], 0.0
    else:               # sole against the standing leg, knee turned out
        pose, yaw = [side_dir * 0.13 * s, ctx.uniform(0.3, 0.4) * s, 0.0], -side_dir * np.radians(70)
    times = [t_up0, t_up1, t_dn0, t_dn1]
    support = _raised_foot(ctx, tg, t, free, times, [[0, 0, 0], pose, pose, [0, 0, 0]],
                           [0.0, np.radians(20), np.radians(20), 0.0], flow=False)
    tg.foot_yaw[:, free] += yaw * envelope(t, t_up0, t_up1, t_dn0, t_dn1)
    # Small corrective wobble of the pelvis and arms while balancing.
    hold_w = envelope(t, t_up1, t_up1 + 0.3, t_dn0 - 0.3, t_dn0)
    _, left = heading_axes(tg.yaw)
    wob = 0.01 * s * np.sin(2 * np.pi * ctx.uniform(0.4, 0.8) * t + ctx.uniform(0, 6.28)) * hold_w
    tg.root_pos[:, [0, 2]] += wob[:, None] * left[:, [0, 2]]
    arms = int(ctx.rng.integers(3))
    for side in (LEFT, RIGHT):
        if arms == 0:     # arms out to the sides
            abd = np.radians(ctx.uniform(60, 85)) + 0.06 * np.sin(2 * np.pi * 0.7 * t + side) * hold_w
            wr, po = arm_pose(body, side, np.radians(10), abd, np.radians(15))
            set_arm(tg, side, wr, po, w)
        elif arms == 1:   # hands on hips
            _hands_on_hips(ctx, tg, t, side, w)
        else:             # arms raised sideways to overhead, hands together
            up = envelope(t, t_up0, t_up1 + 0.3, t_dn0 - 0.3, t_dn1)
            wr, po = arm_pose(body, side, np.radians(6), np.radians(9) + up * np.radians(160),
                              np.radians(14) + up * np.radians(16), (0.0, 0.0, 1.0))
            tg.wrist[:, side], tg.pole[:, side] = wr, po
    params = dict(stance_foot="left" if stance == LEFT else "right", hold=hold, style=style)
    return Clip(tg, params, lead_still=lead, tail_still=tail, support=support)
