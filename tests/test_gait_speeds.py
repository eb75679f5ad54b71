"""The procedural generator's gaits at the speeds of people (SPEC §5) with planted feet (SPEC §4).

Clips are generated at the metric frame rate (20 fps) and measured from their joints only: the
pelvis speed while moving, the cadence from foot touchdowns, foot skating, flight frames (both feet
off the ground) and the height the ankles and knees reach.
"""

import re

import numpy as np
import pytest

from src import config
from src.datasets.procedural import ACTIONS, generate_sequence
from src.datasets.procedural.captions import PREDICATES, sample_caption
from src.metrics.physical import foot_skating

FPS = config.METRIC_FPS
FEET = list(config.FOOT_JOINTS)
ANKLES = [config.JOINT_INDEX["left_ankle"], config.JOINT_INDEX["right_ankle"]]
KNEES = [config.JOINT_INDEX["left_knee"], config.JOINT_INDEX["right_knee"]]
SEEDS = (0, 1, 2)
OFF_GROUND = 0.03   # a foot joint this high (m) is in the air; planted toes sit at the floor

# action: (speed range m/s while moving, cadence range steps/s, has a flight phase)
GAITS = {
    "walk_forward": ((1.2, 1.5), (1.75, 2.05), False),
    "walk_backward": ((0.4, 0.9), (1.3, 1.8), False),
    "walk_circle": ((0.5, 1.2), (1.6, 2.05), False),
    "walk_curve_left": ((0.5, 1.2), (1.6, 2.05), False),
    "walk_curve_right": ((0.5, 1.2), (1.6, 2.05), False),
    "side_step_left": ((0.25, 0.6), (1.5, 2.2), False),
    "side_step_right": ((0.25, 0.6), (1.5, 2.2), False),
    "jog": ((2.0, 3.0), (2.4, 2.8), True),
    "run": ((3.0, 4.5), (2.6, 3.05), True),
}
IN_PLACE = {"march_in_place": (1.4, 2.2), "turn_left": (1.3, 2.0), "turn_right": (1.3, 2.0),
            "turn_around": (1.3, 2.0)}


def _gen(action, seed):
    return generate_sequence([action], np.random.default_rng(seed), FPS)["joints"][:, :22]


def moving_frames(joints):
    """Frames where the pelvis moves at more than half its peak speed (smoothed over 0.5 s)."""
    v = np.linalg.norm(np.diff(joints[:, 0, [0, 2]], axis=0), axis=-1) * FPS
    k = int(FPS / 2)
    smooth = np.convolve(v, np.ones(k) / k, mode="same")
    return v, smooth > 0.5 * smooth.max()


def cruise_speed(joints):
    """Mean horizontal pelvis speed (m/s, along its path) while moving."""
    v, moving = moving_frames(joints)
    return float(v[moving].mean())


def cadence(joints):
    """Steps per second: the mean interval between touchdowns of either foot (SPEC §4 contact height)."""
    down = joints[:, FEET, 1] < 0.05
    touch = np.sort(np.concatenate([np.where(down[1:, f] & ~down[:-1, f])[0] for f in range(2)]))
    assert len(touch) >= 3, "fewer than three touchdowns"
    return float(FPS / np.mean(np.diff(touch)))


def flight_share(joints):
    """Share of the moving frames with both feet in the air."""
    _, moving = moving_frames(joints)
    both_up = np.all(joints[1:, FEET, 1] > OFF_GROUND, axis=1)
    return float(both_up[moving].mean())


class _Clips(dict):
    """Clips per action, generated on first use (a missing action fails only its own tests)."""

    def __missing__(self, action):
        self[action] = [_gen(action, s) for s in SEEDS]
        return self[action]


@pytest.fixture(scope="module")
def clips():
    return _Clips()


def test_every_stepping_action_is_covered():
    stepping = {"walk_forward", "walk_backward", "walk_circle", "walk_curve_left", "walk_curve_right", "side_step_left",
                "side_step_right", "jog", "run",
                "march_in_place", "turn_left", "turn_right", "turn_around"}
    assert stepping <= set(GAITS) | set(IN_PLACE)
    assert stepping <= set(ACTIONS)


@pytest.mark.parametrize("action", list(GAITS))
def test_speed_and_cadence_in_range(clips, action):
    (v_lo, v_hi), (c_lo, c_hi), _ = GAITS[action]
    for j in clips[action]:
        v, c = cruise_speed(j), cadence(j)
        assert v_lo <= v <= v_hi, f"{action}: {v:.2f} m/s outside [{v_lo}, {v_hi}]"
        assert c_lo <= c <= c_hi, f"{action}: {c:.2f} steps/s outside [{c_lo}, {c_hi}]"


@pytest.mark.parametrize("action", list(IN_PLACE))
def test_in_place_stepping_stays_put(clips, action):
    c_lo, c_hi = IN_PLACE[action]
    for j in clips[action]:
        assert np.linalg.norm(j[-1, 0, [0, 2]] - j[0, 0, [0, 2]]) < 0.3
        assert c_lo <= cadence(j) <= c_hi


@pytest.mark.parametrize("action", list(GAITS) + list(IN_PLACE))
def test_feet_planted(clips, action):
    for j in clips[action]:
        r = foot_skating(j, FPS)
        assert r["contact_pairs"] > 0
        assert r["skating_ratio"] <= 0.05, f"{action} skates: {r['skating_ratio']:.3f}"


def test_flight_phase_only_when_running(clips):
    for action, (_, _, flies) in GAITS.items():
        shares = [flight_share(j) for j in clips[action]]
        if flies:
            assert min(shares) >= 0.08, f"{action}: flight shares {shares}"
        else:
            assert max(shares) == 0.0, f"{action}: both feet off the ground in {shares}"
    for action in IN_PLACE:
        assert max(flight_share(j) for j in clips[action]) == 0.0, action
    # A run spends more of each step in the air than a jog.
    assert np.median([flight_share(j) for j in clips["run"]]) > np.median([flight_share(j) for j in clips["jog"]])


def test_faster_gaits_lift_knees_and_feet_higher(clips):
    def lifts(action):
        knee = [float(np.max(j[:, KNEES, 1])) for j in clips[action]]
        ankle = [float(np.min(np.ptp(j[:, ANKLES, 1], axis=0))) for j in clips[action]]
        return np.median(knee), np.median(ankle)

    (kw, aw), (kj, aj), (kr, ar) = lifts("walk_forward"), lifts("jog"), lifts("run")
    assert kw < kj < kr, (kw, kj, kr)
    assert aw < aj < ar, (aw, aj, ar)
    assert ar >= 0.25      # a runner's heel comes up well behind


def test_stride_follows_speed(clips):
    """Stride (speed / cadence) grows from walk to jog to run, as it does in people."""
    stride = {a: np.median([cruise_speed(j) / cadence(j) for j in clips[a]]) for a in ("walk_forward", "jog", "run")}
    assert 0.6 <= stride["walk_forward"] < stride["jog"] < stride["run"] <= 1.7, stride


WALKING = ["walk_forward", "walk_backward", "walk_circle", "walk_curve_left", "walk_curve_right", "side_step_left",
           "side_step_right", "march_in_place",
           "turn_left", "turn_right", "turn_around"]
JOG_WORDS = re.compile(r"\b(jog|jogs|jogging|trot|trots|trotting)\b")
RUN_WORDS = re.compile(r"\b(run|runs|running|sprint|sprints|sprinting)\b")


def test_captions_tell_walking_jogging_and_running_apart():
    def sentences(action):
        rng = np.random.default_rng(0)
        return list(PREDICATES[action]) + [sample_caption(action, rng) for _ in range(40)]

    for action in WALKING:
        for text in sentences(action):
            assert not JOG_WORDS.search(text) and not RUN_WORDS.search(text), (action, text)
    for text in sentences("jog"):
        assert JOG_WORDS.search(text) and not RUN_WORDS.search(text), text
    for text in sentences("run"):
        assert RUN_WORDS.search(text) and not JOG_WORDS.search(text), text
