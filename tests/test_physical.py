"""Physical and reconstruction metrics (SPEC §4) on synthetic motions whose answers are known."""

import math

import numpy as np
import pytest
import torch

from src import config
from src.models.rotation2xyz import load_body_model
from src.metrics import physical

LEFT_FOOT, RIGHT_FOOT = config.FOOT_JOINTS


@pytest.fixture(scope="module")
def standing():
    """Built-in rest skeleton with its lowest ankle/foot point on the floor y = 0: (22, 3) float64."""
    rest = load_body_model("builtin")(torch.eye(3).expand(1, 24, 3, 3), torch.zeros(1, 3))["joints"][0, :22]
    rest = rest.double().numpy()
    rest[:, 1] -= rest[list(config.FLOOR_JOINTS), 1].min()
    return rest


def still(pose, num=40):
    return np.repeat(pose[None], num, axis=0).copy()


def test_spec_feet_are_config_feet():
    assert config.FOOT_JOINTS == (10, 11)
    assert physical.BODY_BONES[0] == (1, 0) and len(physical.BODY_BONES) == 21


def test_standing_still_is_clean(standing):
    joints = still(standing)
    skate = physical.foot_skating(joints, 20.0)
    assert skate["skating_ratio"] == 0.0 and skate["skating_ratio_smoothed"] == 0.0
    assert skate["contact_pairs"] == 2 * 39  # both feet on the floor in every pair
    assert physical.jitter(joints, 20.0) == 0.0
    drift = physical.bone_length_drift(joints)
    assert drift["bone_drift_mean_mm"] < 1e-9 and drift["bone_drift_max_mm"] < 1e-9
    assert physical.floor_contact(joints) == {"penetration_mm": 0.0, "floating_mm": 0.0}
    # torch input gives the same
    assert physical.jitter(torch.from_numpy(joints).float(), 20.0) == 0.0


@pytest.mark.parametrize("shift,pen,flo", [(0.003, 0.0, 0.0), (-0.004, 0.0, 0.0), (0.030, 0.0, 25.0),
                                           (-0.020, 15.0, 0.0)])
def test_floor_contact_known_offsets(standing, shift, pen, flo):
    joints = still(standing)
    joints[..., 1] += shift
    out = physical.floor_contact(joints)
    assert out["penetration_mm"] == pytest.approx(pen, abs=1e-6)
    assert out["floating_mm"] == pytest.approx(flo, abs=1e-6)


def test_floor_contact_is_a_mean_over_frames(standing):
    joints = still(standing, 4)
    joints[:2, :, 1] += 0.105  # half the frames float 100 mm beyond the tolerance
    assert physical.floor_contact(joints)["floating_mm"] == pytest.approx(50.0)


def sliding(standing, speed, fps, seconds=2.0, foot=LEFT_FOOT):
    num = int(round(seconds * fps)) + 1
    joints = still(standing, num)
    joints[:, foot, 2] += speed * np.arange(num) / fps
    return joints


def test_sliding_foot_on_floor_skates(standing):
    out = physical.foot_skating(sliding(standing, 1.0, 20.0), 20.0)
    assert out["skating_ratio_per_foot"] == [1.0, 0.0]
    assert out["skating_ratio_smoothed_per_foot"] == [1.0, 0.0]
    assert out["skating_ratio"] == pytest.approx(0.5)  # denominator: contact pairs of both feet


def test_slow_slide_does_not_skate(standing):
    out = physical.foot_skating(sliding(standing, 0.2, 20.0), 20.0)
    assert out["skating_ratio"] == 0.0 and out["skating_ratio_smoothed"] == 0.0


def test_lifted_foot_is_not_in_contact(standing):
    joints = sliding(standing, 1.0, 20.0)
    joints[:, LEFT_FOOT, 1] += 0.10
    out = physical.foot_skating(joints, 20.0)
    assert out["skating_ratio"] == 0.0 and out["contact_pairs"] == 40


def gait(standing, fps):
    """Left foot: 0.5 s slide at 1 m/s on the floor, 0.5 s lifted, 1 s still; breakpoints every 0.1 s
    so the 30 fps clip interpolates exactly onto the 20 fps one."""
    t = np.arange(int(round(2.0 * fps)) + 1) / fps
    joints = still(standing, len(t))
    joints[:, LEFT_FOOT, 2] += np.interp(t, [0.0, 0.5, 1.0, 2.0], [0.0, 0.5, 0.9, 0.9])
    joints[:, LEFT_FOOT, 1] += np.interp(t, [0.0, 0.5, 0.6, 0.9, 1.0, 2.0], [0, 0, 0.2, 0.2, 0, 0])
    return joints


def test_30fps_equals_20fps(standing):
    at20 = physical.foot_skating(gait(standing, 20.0), 20.0)
    at30 = physical.foot_skating(gait(standing, 30.0), 30.0)
    assert 0.0 < at20["skating_ratio"] < 1.0
    for key in ("skating_ratio", "skating_ratio_smoothed", "contact_pairs"):
        assert at30[key] == pytest.approx(at20[key]), key
    assert physical.resample_joints(gait(standing, 30.0), 30.0) == pytest.approx(gait(standing, 20.0))


def test_jitter_constant_velocity_zero_and_known_cubic(standing):
    fps = 20.0
    t = np.arange(30) / fps
    joints = still(standing, 30)
    joints[:, :, 0] += 0.7 * t[:, None]
    assert physical.jitter(joints, fps) == pytest.approx(0.0, abs=1e-6)
    joints[:, :, 0] += (t ** 3)[:, None]  # third derivative 6 m/s^3 everywhere
    assert physical.jitter(joints, fps) == pytest.approx(6.0, rel=1e-6)


def test_bone_drift_known(standing):
    joints = still(standing, 4)
    joints[::2, config.JOINT_INDEX["head"], 1] += 0.01  # neck->head alternates +-10 mm around a mean
    drift = physical.bone_length_drift(joints)
    assert drift["bone_drift_max_mm"] == pytest.approx(5.0)
    assert drift["bone_drift_mean_mm"] == pytest.approx(5.0 / 21)


def test_mpjpe(standing):
    target = still(standing, 5)
    assert physical.mpjpe(target.copy(), target) == 0.0
    pred = target + np.array([3.0, -2.0, 1.0])  # a global offset is removed by root alignment
    assert physical.mpjpe(pred, target) == pytest.approx(0.0, abs=1e-9)
    pred = target.copy()
    offsets = np.zeros(22)
    offsets[1:12], offsets[12:] = 0.01, 0.04  # per-joint offsets along X, pelvis untouched
    pred[:, :, 0] += offsets
    assert physical.mpjpe(pred, target) == pytest.approx(1000 * offsets.mean())


def test_pa_mpjpe_removes_similarity(standing):
    rng = np.random.default_rng(0)
    target = still(standing, 6) + rng.normal(scale=0.02, size=(6, 22, 3))
    angle = 0.8
    rot = np.array([[math.cos(angle), 0, math.sin(angle)], [0, 1, 0], [-math.sin(angle), 0, math.cos(angle)]])
    tilt = np.array([[1, 0, 0], [0, math.cos(0.3), -math.sin(0.3)], [0, math.sin(0.3), math.cos(0.3)]])
    pred = 1.3 * target @ (tilt @ rot).T + np.array([0.5, -0.2, 2.0])
    assert physical.pa_mpjpe(pred, target) == pytest.approx(0.0, abs=1e-6)
    assert physical.mpjpe(pred, target) > 50.0
    # a mirrored copy cannot be undone by a proper rotation
    mirrored = target * np.array([-1.0, 1.0, 1.0])
    assert physical.pa_mpjpe(mirrored, target) > 1.0
    assert physical.pa_mpjpe(torch.from_numpy(pred), torch.from_numpy(target)) == pytest.approx(0.0, abs=1e-6)


def test_acceleration_error(standing):
    fps = 30.0
    static = still(standing, 20)
    moving = static + (np.arange(20) / fps)[:, None, None] * np.array([1.0, 0.0, 0.5])
    assert physical.acceleration_error(moving, static, fps) == pytest.approx(0.0, abs=1e-6)
    accel = static + 0.5 * 2.0 * ((np.arange(20) / fps) ** 2)[:, None, None] * np.array([0.0, 0.0, 1.0])
    assert physical.acceleration_error(accel, static, fps) == pytest.approx(2000.0, rel=1e-6)  # 2 m/s^2
