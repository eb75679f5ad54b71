"""Stepping actions: a pelvis path is planned first, footsteps are placed on it, legs follow by IK.

Each footstep lands where the pelvis will be at the middle of that foot's next stance (plus the
stance half-width to the side), so stride length always matches the pelvis speed, on straight lines,
circles, sideways or when turning on the spot. Planted toes never move; a swing lifts the foot before
it travels and sets it down before it stops.
"""

import numpy as np

from src.datasets.procedural.arms import arm_pose
from src.datasets.procedural.body import LEFT, RIGHT, SIDE_SIGN, heading_axes
from src.datasets.procedural.common import Clip, Context, register
from src.datasets.procedural.curves import envelope, minjerk, ramp



# ------------------------------------------------------------------------------- paths
def _ramp_integral(x):
    """Integral of the min-jerk ramp from 0 to x (x in [0, 1])."""
    x = np.clip(x, 0.0, 1.0)
    return x**4 * (2.5 + x * (-3.0 + x))


def ramped_distance(t, t0, t1, speed, ramp_time):
    """Distance travelled at ``speed`` between t0 and t1 with min-jerk speed ramps of ``ramp_time``."""
    r = min(ramp_time, 0.5 * (t1 - t0))
    total = speed * (t1 - t0 - r)
    s = np.where(t < t0 + r, speed * r * _ramp_integral((t - t0) / r), 0.5 * speed * r + speed * (t - t0 - r))
    return np.where(t > t1 - r, total - speed * r * _ramp_integral((t1 - t) / r), s)


def line_path(origin_xz, yaw0, direction, t0, t1, speed, ramp_time):
    """Straight path; ``direction`` is the travel angle relative to the facing (0 fwd, pi back, +pi/2 left)."""
    fwd, _ = heading_axes(np.asarray(yaw0 + direction))

    def path(t):
        s = ramped_distance(t, t0, t1, speed, ramp_time)
        return origin_xz + s[:, None] * fwd[[0, 2]], np.full(len(t), float(yaw0))

    return path


def circle_path(origin_xz, yaw0, radius, turn_sign, t0, t1, speed, ramp_time):
    """Walk along a circle of ``radius`` that curves to the left (turn_sign=+1) or right (-1)."""
    _, left = heading_axes(np.asarray(yaw0))
    center = origin_xz + turn_sign * radius * left[[0, 2]]

    def path(t):
        s = ramped_distance(t, t0, t1, speed, ramp_time)
        yaw = yaw0 + turn_sign * s / radius
        _, left_t = heading_axes(yaw)
        return center - turn_sign * radius * left_t[:, [0, 2]], yaw

    return path


def turn_path(origin_xz, yaw0, angle, t0, t1):
    """Turn on the spot by ``angle`` (positive = to the left) between t0 and t1."""

    def path(t):
        return np.broadcast_to(origin_xz, (len(t), 2)).copy(), yaw0 + angle * ramp(t, t0, t1)

    return path


# --------------------------------------------------------------------------- footsteps
def mid_stance_delay(period, swing):
    """Seconds from a foot's landing to the moment the pelvis passes over it."""
    return 0.5 * min(period, 2 * period - swing)


def plan_steps(ctx: Context, path, t_first_lift, t_path_end, period, swing, first_foot, half_width,
               keep_in_place=False, forward=0.0):
    """Alternating footsteps along ``path``.

    Args:
        path: t (n,) -> (xz (n,2), yaw (n,)).
        period: seconds per step; swing: seconds a foot is in the air.
        half_width: t -> ankle half distance at that time.
        keep_in_place: keep steps that land where the foot already is (marching on the spot).
    Returns:
        list of (foot, lift, land, toe0 (3,), toe1 (3,), yaw0, yaw1) in time order.
    """
    toe = ctx.state.toe.copy()
    yaw = ctx.state.foot_yaw.copy()
    steps, done, k = [], [False, False], 0
    while not all(done) and k < 200:
        foot = first_foot if k % 2 == 0 else 1 - first_foot
        lift = t_first_lift + k * period
        land = lift + swing
        mid = min(land + mid_stance_delay(period, swing), t_path_end)
        xz, heading = path(np.array([mid]))
        new_toe, new_yaw = ctx.body.stance_toes(heading, xz, half_width(mid), forward)
        steps.append((foot, lift, land, toe[foot].copy(), new_toe[0, foot], yaw[foot], new_yaw[0, foot]))
        toe[foot], yaw[foot] = new_toe[0, foot], new_yaw[0, foot]
        done[foot] = done[foot] or land + mid_stance_delay(period, swing) >= t_path_end
        k += 1
    if not keep_in_place:
        while steps and np.linalg.norm(steps[-1][4] - steps[-1][3]) < 0.02 and abs(steps[-1][6] - steps[-1][5]) < 0.05:
            steps.pop()
    return steps


def swing_profile(u, rise=0.3, travel=(0.12, 0.88)):
    """Fractions of a foot swing at phase u in [0, 1]: (horizontal progress, height / clearance).

    The foot rises to its clearance in the first ``rise`` of the swing and comes down in the last
    ``rise``, while it travels horizontally only within ``travel`` (12% to 88% by default): it is never
    low and fast at once (no skating). Running uses a shorter rise, since a runner's foot leaves the
    ground at once (the flight phase), and travels until just before touchdown, so the foot does not
    reach its landing spot early and wait there far ahead of the body with a straight knee.
    """
    u = np.asarray(u, float)
    a, b = travel
    return minjerk((u - a) / (b - a)), minjerk(u / rise) * minjerk((1.0 - u) / rise)


def foot_tracks(ctx: Context, t, steps, clearance, heel_raise, toe_point=0.0, rise=0.3, travel=(0.12, 0.88)):
    """Per-frame toe positions (T,2,3), foot yaws (T,2) and heel raise (T,2) from planned steps.

    ``heel_raise`` (radians) pivots the planted foot about its toe before lift-off; ``toe_point``
    pitches the toes down in mid-swing.
    """
    n = len(t)
    toe = np.broadcast_to(ctx.state.toe, (n, 2, 3)).copy()
    yaw = np.broadcast_to(ctx.state.foot_yaw, (n, 2)).copy()
    pitch = np.zeros((n, 2))
    for foot, lift, land, p0, p1, y0, y1 in steps:
        dur = land - lift
        u = (t - lift) / dur
        after = t >= lift
        h, v = swing_profile(u[after], rise, travel)
        toe[after, foot] = p0 + (p1 - p0) * h[:, None]
        toe[after, foot, 1] += clearance * v
        yaw[after, foot] = y0 + (y1 - y0) * minjerk(u[after] / 0.9)
        pre = (t >= lift - 0.3 * dur) & (t < lift)
        pitch[pre, foot] += heel_raise * ramp(t[pre], lift - 0.3 * dur, lift)
        sw = (t >= lift) & (t < land)
        pitch[sw, foot] += heel_raise * (1 - minjerk(u[sw] / 0.5)) + toe_point * np.sin(np.pi * u[sw]) ** 2
    return toe, yaw, pitch


def step_phase(t, times):
    """(T,) continuous step count: k at the k-th event time, linear between and beyond."""
    k = np.arange(len(times), dtype=float)
    if len(times) == 1:
        return np.zeros_like(t)
    slope = 1.0 / np.mean(np.diff(times))
    return np.where(t < times[0], (t - times[0]) * slope,
                    np.where(t > times[-1], k[-1] + (t - times[-1]) * slope, np.interp(t, times, k)))


# ---------------------------------------------------------------------------- gait body
def gait_clip(ctx: Context, t, path, steps, *, clearance, heel_raise, bob, lean, arm_swing, elbow,
              travel_sign, sway, pelvis_turn, height_drop=0.0, toe_point=0.0, params=None, lead=0.5,
              run_speed=0.0):
    """Assemble the Targets of a stepping clip.

    Args:
        bob: pelvis vertical oscillation (m), positive = highest at mid-stance (walking), negative =
            lowest at mid-stance (running). lean: forward trunk lean (rad). arm_swing: shoulder swing
            amplitude (rad); elbow: elbow flexion (rad). travel_sign: +1 forward, -1 backward, 0 none
            (sets the arm-swing sense). sway: lateral pelvis shift towards the stance foot (m).
            pelvis_turn: pelvis yaw oscillation (rad). height_drop: constant pelvis lowering (m).
            run_speed: speed of a running gait (m/s; 0 = walking), which sets the pelvis level.
    """
    body = ctx.body
    tg = ctx.neutral(t)
    xz, heading = path(t)
    first_foot = steps[0][0]
    lands = np.array([s[2] for s in steps])
    lifts = np.array([s[1] for s in steps])
    period = float(np.mean(np.diff(lifts))) if len(steps) > 1 else 0.5
    mids = lands + mid_stance_delay(period, float(np.mean(lands - lifts)))
    active = envelope(t, steps[0][1] - 0.2, steps[0][1] + 0.25, lands[-1] - 0.2, lands[-1] + 0.25)
    psi = step_phase(t, mids)     # integer at each mid-stance
    phi = step_phase(t, lands)    # integer at each landing
    f0 = SIDE_SIGN[first_foot]
    _, left = heading_axes(heading)
    lateral = sway * active * f0 * np.cos(np.pi * psi)
    tg.root_pos[:, 0] = xz[:, 0] + lateral * left[:, 0]
    tg.root_pos[:, 2] = xz[:, 1] + lateral * left[:, 2]
    if run_speed > 0:
        # Running: the pelvis is lowest at mid-stance and highest in flight; its mean level is set so
        # that the leg still reaches the floor at touchdown, one mid-stance delay before mid-stance.
        reach_x = run_speed * (mids[0] - lands[0])
        touch = body.ankle_height - body.hip_off[0, 1] + np.sqrt((0.975 * body.leg) ** 2 - reach_x**2)
        level = touch + 0.35 * bob
    else:
        level = body.h_stand + 0.03 - height_drop
    tg.root_pos[:, 1] = body.h_stand + active * (level - body.h_stand) + active * bob * np.cos(2 * np.pi * psi)
    # The pelvis turns the hip of the landing (front) foot forward.
    tg.yaw = heading - pelvis_turn * active * f0 * np.cos(np.pi * phi) * travel_sign
    tg.roll = -0.04 * active * f0 * np.cos(np.pi * psi) * (1 if bob >= 0 else -0.5)
    tg.pitch = lean * active
    tg.spine[:, 0] = 0.3 * lean * active
    tg.spine[:, 2] = -0.6 * (tg.yaw - heading)          # shoulders counter-rotate the pelvis
    swing_shape = dict(rise=0.18, travel=(0.06, 1.0)) if run_speed > 0 else {}
    tg.toe, tg.foot_yaw, tg.foot_pitch = foot_tracks(ctx, t, steps, clearance, heel_raise, toe_point, **swing_shape)
    swing_now = arm_swing * active * np.cos(np.pi * phi) * travel_sign
    for side in (LEFT, RIGHT):
        s = -SIDE_SIGN[side] * f0                         # the arm opposite the landing foot goes forward
        flex = 0.05 + s * swing_now
        abd = np.radians(10.0) + 0.04 * active
        bend = elbow * active + np.radians(14.0) * (1 - active) + 0.25 * elbow * active * np.maximum(s * swing_now, 0)
        tg.wrist[:, side], tg.pole[:, side] = arm_pose(body, side, flex, abd, bend)
    p = dict(params or {})
    p.update(num_steps=len(steps), first_foot="left" if first_foot == LEFT else "right")
    tail = t[-1] - lands[-1]
    return Clip(tg, p, lead_still=lead, tail_still=max(0.0, tail - 0.05))


def _timing(ctx: Context, cadence, swing_frac):
    period = 1.0 / cadence
    return period, swing_frac * 2 * period


def _finish_time(steps, tail):
    return steps[-1][2] + tail


def _walk_line(ctx: Context, direction, speed, cadence, duration_move, *, first_foot, half_width, travel_sign,
               clearance, heel_raise, bob, lean, arm_swing, elbow, sway, pelvis_turn, swing_frac=0.4,
               height_drop=0.0, toe_point=0.0, ramp_steps=1.0, params=None, running=False):
    lead, tail = ctx.still_time(), ctx.still_time()
    period, swing = _timing(ctx, cadence, swing_frac)
    t0 = lead
    t1 = t0 + duration_move
    path = line_path(ctx.state.pelvis_xz, ctx.state.yaw, direction, t0, t1, speed, ramp_steps * period * 1.5)
    hw = lambda m: half_width
    steps = plan_steps(ctx, path, t0, t1, period, swing, first_foot, hw)
    t = ctx.frames(_finish_time(steps, tail))
    p = dict(speed=speed, cadence=cadence, step_length=speed / cadence, direction=float(direction),
             cruise_start=t0 + ramp_steps * period * 1.5, cruise_end=t1 - ramp_steps * period * 1.5,
             move_start=t0, move_end=t1)
    p.update(params or {})
    return gait_clip(ctx, t, path, steps, clearance=clearance, heel_raise=heel_raise, bob=bob, lean=lean,
                     arm_swing=arm_swing, elbow=elbow, travel_sign=travel_sign, sway=sway, pelvis_turn=pelvis_turn,
                     height_drop=height_drop, toe_point=toe_point, params=p, lead=lead,
                     run_speed=speed if running else 0.0)


# ------------------------------------------------------------------------------ actions
# Speeds and cadences of people (SPEC §5): walk 1.2-1.5 m/s at 1.8-2.0 steps/s, jog 2.0-3.0 m/s,
# run 3.0-5.0 m/s at 2.6-3.0 steps/s. Speeds are in m/s for every body size; the step length
# (speed / cadence) follows.
WALK_SPEED, JOG_SPEED, RUN_SPEED = (1.2, 1.5), (2.05, 2.95), (3.1, 4.4)


def _cadence(ctx: Context, speed, speeds, cadences, jitter):
    """Cadence rising with speed from cadences[0] at speeds[0] to cadences[1] at speeds[1], plus noise."""
    u = (speed - speeds[0]) / (speeds[1] - speeds[0])
    return float(np.clip(cadences[0] + u * (cadences[1] - cadences[0]) + ctx.uniform(-jitter, jitter), *cadences))


@register("walk_forward")
def walk_forward(ctx: Context) -> Clip:
    s = ctx.body.scale
    speed = ctx.uniform(*WALK_SPEED)
    cadence = _cadence(ctx, speed, WALK_SPEED, (1.8, 2.0), 0.05)
    move = ctx.uniform(2.6, 6.0)
    return _walk_line(ctx, 0.0, speed, cadence, move, first_foot=int(ctx.rng.integers(2)),
                      half_width=0.085 * s, travel_sign=1, clearance=ctx.uniform(0.09, 0.12) * s,
                      heel_raise=np.radians(ctx.uniform(18, 30)), bob=0.02 * s, lean=np.radians(ctx.uniform(2, 6)),
                      arm_swing=np.radians(ctx.uniform(14, 26)) * speed, elbow=np.radians(ctx.uniform(15, 30)),
                      sway=0.025 * s, pelvis_turn=np.radians(4.0))


@register("walk_backward")
def walk_backward(ctx: Context) -> Clip:
    s = ctx.body.scale
    speed = ctx.uniform(0.45, 0.8) * s
    cadence = 1.45 + ctx.uniform(-0.1, 0.2)
    move = ctx.uniform(2.2, 5.0)
    return _walk_line(ctx, np.pi, speed, cadence, move, first_foot=int(ctx.rng.integers(2)),
                      half_width=0.09 * s, travel_sign=-1, clearance=ctx.uniform(0.08, 0.1) * s,
                      heel_raise=np.radians(8), bob=0.012 * s, lean=np.radians(ctx.uniform(0, 4)),
                      arm_swing=np.radians(ctx.uniform(8, 16)), elbow=np.radians(ctx.uniform(15, 30)),
                      sway=0.025 * s, pelvis_turn=np.radians(3.0))


def _run_line(ctx: Context, speed, cadence, move, *, swing_frac, clearance, bob, lean, arm_swing, elbow, toe_point,
              heel_raise, sway, pelvis_turn):
    """A straight running gait: both feet leave the ground for (2 swing_frac - 1) of each step."""
    s = ctx.body.scale
    return _walk_line(ctx, 0.0, speed, cadence, move, first_foot=int(ctx.rng.integers(2)),
                      half_width=0.07 * s, travel_sign=1, clearance=clearance * s, heel_raise=heel_raise,
                      bob=bob * s, lean=lean, arm_swing=arm_swing, elbow=elbow, sway=sway * s,
                      pelvis_turn=pelvis_turn, swing_frac=swing_frac, toe_point=toe_point, ramp_steps=1.3,
                      running=True)


@register("jog")
def jog(ctx: Context) -> Clip:
    speed = ctx.uniform(*JOG_SPEED)
    return _run_line(ctx, speed, _cadence(ctx, speed, JOG_SPEED, (2.45, 2.75), 0.06), ctx.uniform(3.0, 5.5),
                     swing_frac=ctx.uniform(0.63, 0.67), clearance=ctx.uniform(0.16, 0.22), bob=-0.035,
                     lean=np.radians(ctx.uniform(6, 10)), arm_swing=np.radians(ctx.uniform(28, 38)),
                     elbow=np.radians(ctx.uniform(80, 95)), toe_point=np.radians(12), heel_raise=np.radians(30),
                     sway=0.012, pelvis_turn=np.radians(6.0))


@register("run")
def run(ctx: Context) -> Clip:
    speed = ctx.uniform(*RUN_SPEED)
    return _run_line(ctx, speed, _cadence(ctx, speed, RUN_SPEED, (2.65, 3.0), 0.06), ctx.uniform(3.0, 5.0),
                     swing_frac=ctx.uniform(0.7, 0.73), clearance=ctx.uniform(0.26, 0.34), bob=-0.045,
                     lean=np.radians(ctx.uniform(9, 14)), arm_swing=np.radians(ctx.uniform(40, 52)),
                     elbow=np.radians(ctx.uniform(85, 100)), toe_point=np.radians(20), heel_raise=np.radians(35),
                     sway=0.008, pelvis_turn=np.radians(8.0))


def _side_step(ctx: Context, side: int) -> Clip:
    s = ctx.body.scale
    half = ctx.uniform(0.15, 0.19) * s
    cadence = ctx.uniform(1.6, 2.1)
    step = min(ctx.uniform(0.2, 0.32) * s, 2 * half - 0.1 * s)
    speed = step * cadence
    move = ctx.uniform(1.8, 4.5)
    lead, tail = ctx.still_time(), ctx.still_time()
    period, swing = _timing(ctx, cadence, 0.42)
    t0, t1 = lead, lead + move
    path = line_path(ctx.state.pelvis_xz, ctx.state.yaw, SIDE_SIGN[side] * np.pi / 2, t0, t1, speed, period * 1.5)
    neutral = ctx.body.ankle_half_width
    hw = lambda m: neutral + (half - neutral) * float(envelope(np.array([m]), t0, t0 + period, t1 - period, t1)[0])
    steps = plan_steps(ctx, path, t0, t1, period, swing, side, hw)
    t = ctx.frames(_finish_time(steps, tail))
    p = dict(speed=speed, cadence=cadence, step_length=step, direction=float(SIDE_SIGN[side] * np.pi / 2))
    return gait_clip(ctx, t, path, steps, clearance=ctx.uniform(0.08, 0.1) * s, heel_raise=np.radians(6), bob=0.01 * s,
                     lean=np.radians(2), arm_swing=0.0, elbow=np.radians(20), travel_sign=0, sway=0.0,
                     pelvis_turn=0.0, height_drop=0.02 * s, params=p, lead=lead)


@register("side_step_left")
def side_step_left(ctx: Context) -> Clip:
    return _side_step(ctx, LEFT)


@register("side_step_right")
def side_step_right(ctx: Context) -> Clip:
    return _side_step(ctx, RIGHT)


def _turn(ctx: Context, angle: float) -> Clip:
    s = ctx.body.scale
    cadence = ctx.uniform(1.4, 1.9)
    period, swing = _timing(ctx, cadence, 0.42)
    n_steps = int(np.ceil(abs(angle) / np.radians(50))) + 1
    lead, tail = ctx.still_time(), ctx.still_time()
    t0, t1 = lead, lead + n_steps * period
    path = turn_path(ctx.state.pelvis_xz, ctx.state.yaw, angle, t0, t1)
    first = LEFT if angle > 0 else RIGHT
    steps = plan_steps(ctx, path, t0, t1, period, swing, first, lambda m: ctx.body.ankle_half_width)
    t = ctx.frames(_finish_time(steps, tail))
    p = dict(angle=float(angle), cadence=cadence, turn="left" if angle > 0 else "right")
    return gait_clip(ctx, t, path, steps, clearance=ctx.uniform(0.08, 0.1) * s, heel_raise=np.radians(8),
                     bob=0.008 * s, lean=np.radians(2), arm_swing=np.radians(6), elbow=np.radians(20),
                     travel_sign=0, sway=0.015 * s, pelvis_turn=0.0, params=p, lead=lead)


@register("turn_left")
def turn_left(ctx: Context) -> Clip:
    return _turn(ctx, np.radians(ctx.uniform(75, 115)))


@register("turn_right")
def turn_right(ctx: Context) -> Clip:
    return _turn(ctx, -np.radians(ctx.uniform(75, 115)))


@register("turn_around")
def turn_around(ctx: Context) -> Clip:
    return _turn(ctx, float(ctx.rng.choice([-1.0, 1.0])) * np.radians(ctx.uniform(165, 195)))


def _walk_arc(ctx: Context, sign, turns, radius_range) -> Clip:
    """Walk along a circular arc of ``turns`` (lo, hi) full circles curving left (sign=+1), right (-1)
    or either (None: drawn); the radius is drawn from ``radius_range`` (m, times the body scale)."""
    s = ctx.body.scale
    speed = ctx.uniform(0.7, 1.1) * s
    cadence = 1.55 + 0.3 * speed / s + ctx.uniform(-0.08, 0.08)
    if sign is None:
        sign = float(ctx.rng.choice([-1.0, 1.0]))
    lead, tail = ctx.still_time(), ctx.still_time()
    period, swing = _timing(ctx, cadence, 0.4)
    ramp_time = 1.5 * period
    arc = 2 * np.pi * ctx.uniform(*turns)
    radius = min(ctx.uniform(*radius_range) * s, (7.3 - lead - tail - 2 * ramp_time) * speed / arc)
    move = arc * radius / speed + ramp_time
    t0, t1 = lead, lead + move
    path = circle_path(ctx.state.pelvis_xz, ctx.state.yaw, radius, sign, t0, t1, speed, ramp_time)
    steps = plan_steps(ctx, path, t0, t1, period, swing, int(ctx.rng.integers(2)), lambda m: 0.085 * s)
    t = ctx.frames(_finish_time(steps, tail))
    p = dict(speed=speed, cadence=cadence, radius=radius, turn="left" if sign > 0 else "right", arc=float(arc))
    return gait_clip(ctx, t, path, steps, clearance=ctx.uniform(0.09, 0.11) * s, heel_raise=np.radians(20),
                     bob=0.018 * s, lean=np.radians(3), arm_swing=np.radians(16) * speed / s, elbow=np.radians(20),
                     travel_sign=1, sway=0.022 * s, pelvis_turn=np.radians(4), params=p, lead=lead)


@register("walk_circle")
def walk_circle(ctx: Context) -> Clip:
    return _walk_arc(ctx, None, (0.9, 1.02), (0.7, 1.4))


# A curve is a sixth to a third of a circle (60-120 degrees: "a quarter circle") on a wider radius.
@register("walk_curve_left")
def walk_curve_left(ctx: Context) -> Clip:
    return _walk_arc(ctx, 1.0, (1 / 6, 1 / 3), (1.0, 2.2))


@register("walk_curve_right")
def walk_curve_right(ctx: Context) -> Clip:
    return _walk_arc(ctx, -1.0, (1 / 6, 1 / 3), (1.0, 2.2))


@register("march_in_place")
def march_in_place(ctx: Context) -> Clip:
    s = ctx.body.scale
    cadence = ctx.uniform(1.5, 2.1)
    period, swing = _timing(ctx, cadence, 0.45)
    lead, tail = ctx.still_time(), ctx.still_time()
    n = ctx.count(6, 14, period, 2.6)
    t0 = lead
    origin, yaw0 = ctx.state.pelvis_xz, ctx.state.yaw
    path = lambda tt: (np.broadcast_to(origin, (len(tt), 2)).copy(), np.full(len(tt), yaw0))
    steps = plan_steps(ctx, path, t0, t0 + (n - 1.5) * period, period, swing, int(ctx.rng.integers(2)),
                       lambda m: ctx.body.ankle_half_width, keep_in_place=True)
    t = ctx.frames(_finish_time(steps, tail))
    knee = ctx.uniform(0.14, 0.3) * s
    p = dict(cadence=cadence, num_steps=len(steps), lift=knee)
    return gait_clip(ctx, t, path, steps, clearance=knee, heel_raise=np.radians(10), bob=0.01 * s,
                     lean=np.radians(1), arm_swing=np.radians(ctx.uniform(25, 45)), elbow=np.radians(ctx.uniform(60, 95)),
                     travel_sign=1, sway=0.02 * s, pelvis_turn=np.radians(3), toe_point=np.radians(15),
                     params=p, lead=lead)
