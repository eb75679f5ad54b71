"""Motion soundness (ankle lift, drift, hovering, heading rate) and signature preservation
(SPEC §4) on hand-made motions whose answers are known, and on built-in clips."""

import math

import numpy as np
import pytest
import torch

from src import config
from src.datasets.procedural import ACTIONS, generate_sequence
from src.metrics import physical, signatures
from src.models.rotation2xyz import BuiltinSkeleton
from src.utils import geometry, rotation

J = config.JOINT_INDEX


def standing(frames: int = 40) -> np.ndarray:
    """(T, 22, 3) a still T-posed skeleton on the floor, facing +Z, left = +X."""
    rest = BuiltinSkeleton()(torch.eye(3).expand(1, 24, 3, 3), torch.zeros(1, 3))["joints"][0, :22].numpy()
    rest = rest - [0.0, rest[:, 1].min(), 0.0]
    return np.repeat(rest[None].astype(np.float64), frames, axis=0)


def built_in(action: str, seed: int = 0) -> np.ndarray:
    motion = generate_sequence([action], np.random.default_rng(seed), 20.0)
    rot = rotation.axis_angle_to_matrix(torch.as_tensor(motion["rotvec"]).float())
    joints = BuiltinSkeleton()(rot, torch.as_tensor(motion["trans"]).float())["joints"][:, :22]
    return geometry.canonicalize_joints(joints).numpy().astype(np.float64)


def test_ankle_lift_is_the_smaller_ankle_range():
    joints = standing(60)
    phase = np.linspace(0, 4 * math.pi, 60)
    joints[:, J["left_ankle"], 1] += 0.10 * (1 - np.cos(phase)) / 2   # rises 10 cm
    joints[:, J["right_ankle"], 1] += 0.04 * (1 - np.cos(phase)) / 2  # rises 4 cm
    assert physical.ankle_lift(joints) == pytest.approx(0.04, abs=1e-3)
    assert physical.ankle_lift(standing()) == pytest.approx(0.0, abs=1e-9)


def test_pelvis_drift_is_the_farthest_horizontal_distance():
    joints = standing(30)
    path = np.zeros((30, 3))
    path[:15, 0] = np.linspace(0, 0.3, 15)       # 0.3 m to the left ...
    path[15:, 0] = np.linspace(0.3, 0.0, 15)     # ... and back: ends where it started
    path[:, 1] = 0.2                             # height changes do not count
    joints += path[:, None, :]
    assert physical.pelvis_drift(joints) == pytest.approx(0.3, abs=1e-9)


def test_hovering_counts_frames_with_both_feet_up():
    joints = standing(50)
    joints[10:20] += [0.0, 0.10, 0.0]   # 10 of 50 frames lifted 10 cm (a hover) ...
    joints[30:35] += [0.0, 0.03, 0.0]   # ... 5 frames only 3 cm (within tolerance)
    assert physical.hovering(joints) == pytest.approx(0.2)


def test_peak_heading_rate_of_a_steady_turn():
    fps, rate = 20.0, 90.0  # deg/s
    frames = standing(41)
    angles = np.radians(rate) * np.arange(41) / fps
    rot = rotation.rotation_about_y(torch.as_tensor(angles)).numpy()  # (T, 3, 3)
    turned = np.einsum("tij,tkj->tki", rot, frames)
    assert physical.peak_heading_rate(turned, fps) == pytest.approx(rate, rel=1e-3)
    snapped = turned.copy()
    snapped[20:] = np.einsum("ij,tkj->tki", rotation.rotation_about_y(torch.tensor(math.pi / 2)).numpy(), turned[20:])
    assert physical.peak_heading_rate(snapped, fps) > 1000.0  # a 90-degree snap in one frame


def test_heading_sign_follows_the_turn_signature():
    left = built_in("turn_left")
    heading = physical.hip_heading(left)
    assert signatures.heading_change_deg(left) > 45
    assert np.degrees(np.angle(np.exp(1j * (heading[-1] - heading[0])))) > 45


def test_wave_needs_a_swinging_raised_hand():
    wave = built_in("wave_right_hand")
    assert signatures.check(wave, "right_hand_wave")[0]
    assert not signatures.check(wave, "left_hand_wave")[0]
    held = wave.copy()  # the hand held up without swinging: the wrist frozen at its highest frame
    top = int(np.argmax(wave[:, J["right_wrist"], 1] - wave[:, J["right_shoulder"], 1]))
    raised = wave[:, J["right_wrist"], 1] > wave[:, J["right_shoulder"], 1]
    held[raised, J["right_wrist"]] = wave[top, J["right_wrist"]]
    assert signatures.check(held, "right_hand_up")[0]
    assert not signatures.check(held, "right_hand_wave")[0]
    assert not signatures.check(built_in("raise_arms"), "right_hand_wave")[0]


def test_signature_preservation_on_hand_made_reconstructions():
    clap, squat, still = built_in("clap"), built_in("squat"), built_in("stand_still")
    never_closes = clap.copy()  # the wrists kept 12 cm further apart on each side: they never meet
    never_closes[:, J["left_wrist"], 0] += 0.12
    never_closes[:, J["right_wrist"], 0] -= 0.12
    stays_down = squat.copy()   # the squat does not come back up
    low = int(np.argmin(squat[:, 0, 1]))
    stays_down[low:] = squat[low]
    drifts = still + np.linspace(0, 0.3, len(still))[:, None, None] * [1.0, 0.0, 0.0]

    identical = signatures.signature_preservation([("clap", clap, clap), ("squat", squat, squat),
                                                   ("stand_still", still, still)])
    assert (identical["preserved"], identical["eligible"], identical["share"]) == (3, 3, 1.0)
    broken = signatures.signature_preservation([("clap", clap, never_closes), ("squat", squat, stays_down),
                                                ("stand_still", still, drifts), ("clap", clap, clap)])
    assert (broken["preserved"], broken["eligible"]) == (1, 4)
    assert broken["per_action"] == {"clap": [1, 2], "squat": [0, 1], "stand_still": [0, 1]}
    assert [a for a, _ in broken["failures"]] == ["clap", "squat", "stand_still"]


def test_only_sources_that_show_the_signature_count():
    still = built_in("stand_still")
    # A "clap" whose source never claps, and an action without a preserved signature: not eligible.
    result = signatures.signature_preservation([("clap", still, still), ("bow", still, still)])
    assert (result["eligible"], result["share"]) == (0, None)


@pytest.mark.parametrize("action", sorted(signatures.PRESERVED_SIGNATURES))
def test_built_in_sources_show_their_preserved_signatures(action):
    if action not in ACTIONS:
        pytest.skip(f"the generator has no {action!r} action")
    for seed in (0, 1):
        joints = built_in(action, seed)
        for name in signatures.PRESERVED_SIGNATURES[action]:
            passed, measured = signatures.check(joints, name)
            assert passed, f"{action} (seed {seed}) {name}: {measured}"
