"""Structured motion descriptions (src/describe): angles on hand-built poses, peak-valley phases on
synthetic signals, trajectory words and signs, mirroring, determinism, and the command's errors."""

import json
import math

import numpy as np
import pytest

from src import config
from src.describe import describe_joints, to_json, to_text
from src.describe.__main__ import main
from src.describe.angles import ANGLES, SIGNED_UNDER_MIRROR, joint_angles, mirror_angle_name
from src.describe.segments import AMPLITUDE_THRESHOLD_DEG, segment_angle, turning_points
from src.describe.trajectory import summarize_trajectory

J = config.JOINT_INDEX
FPS = 20.0


# ------------------------------------------------------------------ hand-built poses
def rest_pose() -> np.ndarray:
    """(22, 3) the built-in skeleton's T-pose, feet on the floor."""
    offsets = np.asarray(config.BUILTIN_REST_OFFSETS, dtype=np.float64)
    pts = np.zeros((config.NUM_SMPL_JOINTS, 3))
    for j, parent in enumerate(config.SMPL_PARENTS):
        pts[j] = offsets[j] + (pts[parent] if parent >= 0 else 0.0)
    pts = pts[: config.NUM_BODY_JOINTS]
    pts[:, 1] -= pts[list(config.FLOOR_JOINTS), 1].min()
    return pts


def _descendants(joint: int):
    out = [joint]
    for j in range(joint + 1, config.NUM_BODY_JOINTS):
        if config.SMPL_PARENTS[j] in out:
            out.append(j)
    return out


def rot(axis: str, degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return {"x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
            "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
            "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])}[axis]


def turn_bone(pose: np.ndarray, joint: str, axis: str, degrees: float) -> np.ndarray:
    """Rotate ``joint`` and everything below it about its parent joint."""
    out = pose.copy()
    pivot = out[config.SMPL_PARENTS[J[joint]]]
    idx = _descendants(J[joint])
    out[idx] = (out[idx] - pivot) @ rot(axis, degrees).T + pivot
    return out


def angles_of(pose: np.ndarray) -> dict:
    return {k: float(v[0]) for k, v in joint_angles(pose[None]).items()}


def test_there_are_at_least_twenty_named_angles_each_defined():
    assert len(ANGLES) >= 20
    assert len({a.name for a in ANGLES}) == len(ANGLES)
    assert all(a.definition and a.part and a.limb for a in ANGLES)


def test_rest_pose_reads_neutral_angles():
    a = angles_of(rest_pose())
    for side in ("left", "right"):
        for name in ("knee_flexion", "hip_flexion", "hip_abduction", "ankle_plantarflexion", "elbow_flexion"):
            assert abs(a[f"{side}_{name}"]) < 2, (side, name, a[f"{side}_{name}"])
        assert a[f"{side}_shoulder_abduction"] == pytest.approx(90, abs=2)   # T-pose
        assert a[f"{side}_shoulder_elevation"] == pytest.approx(90, abs=2)
    assert abs(a["trunk_flexion"]) < 2 and abs(a["trunk_rotation"]) < 2


@pytest.mark.parametrize("side", ["left", "right"])
def test_knee_bend_of_90_degrees_reads_90(side):
    a = angles_of(turn_bone(rest_pose(), f"{side}_ankle", "x", 90))  # shank swings back
    assert a[f"{side}_knee_flexion"] == pytest.approx(90, abs=2)
    other = "right" if side == "left" else "left"
    assert abs(a[f"{other}_knee_flexion"]) < 2
    assert abs(a[f"{side}_hip_flexion"]) < 2


@pytest.mark.parametrize("degrees", [30, 90])
def test_hip_flexion_reads_the_thigh_angle(degrees):
    a = angles_of(turn_bone(rest_pose(), "left_knee", "x", -degrees))  # thigh swings forward
    assert a["left_hip_flexion"] == pytest.approx(degrees, abs=2)
    assert abs(a["left_knee_flexion"]) < 2 and abs(a["left_hip_abduction"]) < 2
    back = angles_of(turn_bone(rest_pose(), "left_knee", "x", 20))
    assert back["left_hip_flexion"] == pytest.approx(-20, abs=2)


def test_hip_abduction_reads_the_outward_angle():
    a = angles_of(turn_bone(rest_pose(), "left_knee", "z", 30))   # left thigh out to +X
    assert a["left_hip_abduction"] == pytest.approx(30, abs=2)
    b = angles_of(turn_bone(rest_pose(), "right_knee", "z", -30))  # right thigh out to -X
    assert b["right_hip_abduction"] == pytest.approx(30, abs=2)


def test_elbow_flexion_and_shoulder_angles():
    pose = turn_bone(rest_pose(), "left_wrist", "y", -90)   # forearm from +X to +Z (forward)
    a = angles_of(pose)
    assert a["left_elbow_flexion"] == pytest.approx(90, abs=2)
    assert abs(a["right_elbow_flexion"]) < 2
    down45 = angles_of(turn_bone(rest_pose(), "left_elbow", "z", -45))  # upper arm 45 deg below horizontal
    assert down45["left_shoulder_abduction"] == pytest.approx(45, abs=2)
    assert down45["left_shoulder_elevation"] == pytest.approx(45, abs=2)
    hanging = angles_of(turn_bone(rest_pose(), "left_elbow", "z", -90))
    assert abs(hanging["left_shoulder_abduction"]) < 2 and abs(hanging["left_shoulder_elevation"]) < 2
    forward = angles_of(turn_bone(rest_pose(), "left_elbow", "y", -90))  # upper arm straight ahead
    assert forward["left_shoulder_flexion"] == pytest.approx(90, abs=2)
    assert abs(forward["left_shoulder_abduction"]) < 2


def test_trunk_lean_and_twist_signs():
    lean = angles_of(turn_bone(rest_pose(), "spine1", "x", 30))      # upper body tips forward
    assert lean["trunk_flexion"] == pytest.approx(30, abs=3)
    twist = angles_of(turn_bone(rest_pose(), "spine3", "y", 40))      # shoulders turn towards the left
    assert twist["trunk_rotation"] == pytest.approx(40, abs=2)


# ------------------------------------------------------------------ peak-valley segmentation
def _sine(freq, amp, seconds=10.0, fps=FPS, phase=0.0):
    t = np.arange(int(seconds * fps)) / fps
    return amp * np.sin(2 * np.pi * freq * t + phase)


@pytest.mark.parametrize("freq,cycles", [(0.5, 5), (1.2, 12)])
def test_sinusoid_gives_its_cycle_count_and_rate(freq, cycles):
    seg = segment_angle(40 + _sine(freq, 30), FPS)
    assert seg.repetitions == cycles
    assert seg.cycles_per_s == pytest.approx(freq, rel=0.08)
    kinds = [p.kind for p in seg.turning_points]
    assert all(a != b for a, b in zip(kinds, kinds[1:]))  # peaks and valleys alternate
    assert all(abs(p.change) == pytest.approx(60, abs=1) for p in seg.phases[1:-1])


def test_noise_below_the_threshold_is_ignored():
    rng = np.random.default_rng(0)
    small = 20 + _sine(2.0, 0.45 * AMPLITUDE_THRESHOLD_DEG) + rng.uniform(-0.5, 0.5, 200)  # < threshold peak to peak
    assert turning_points(small) == []
    seg = segment_angle(small, FPS)
    assert seg.repetitions == 0 and seg.excursion == 0
    noisy = 40 + _sine(0.5, 30) + rng.uniform(-0.4, 0.4, 200) * AMPLITUDE_THRESHOLD_DEG
    assert segment_angle(noisy, FPS).repetitions == 5
    # the same wobble just above the threshold does count
    assert segment_angle(20 + _sine(2.0, 0.6 * AMPLITUDE_THRESHOLD_DEG), FPS).repetitions >= 19


def test_single_bend_and_return_is_one_repetition_with_two_phases():
    signal = np.concatenate([np.zeros(10), np.linspace(0, 90, 20), np.linspace(90, 0, 20), np.zeros(10)])
    seg = segment_angle(signal, FPS)
    assert seg.repetitions == 1 and seg.cycles_per_s is None
    big = [p for p in seg.phases if abs(p.change) >= AMPLITUDE_THRESHOLD_DEG]
    assert [round(p.change) for p in big] == [90, -90]
    assert big[0].move_start >= 10 and big[0].move_end <= 30  # timed by the movement, not the rest


# ------------------------------------------------------------------ trajectory
def moving_clip(step_xz, turn_deg_total=0.0, seconds=4.0, start_yaw_deg=0.0, fps=FPS):
    """(T, 22, 3): the rest pose facing ``start_yaw_deg`` (+ = to the left of +Z), moved by
    ``step_xz(t)`` in its own (left, forward) frame and turned by ``turn_deg_total`` in all."""
    base = rest_pose()
    num = int(seconds * fps) + 1
    out = np.zeros((num, config.NUM_BODY_JOINTS, 3))
    yaw0 = math.radians(start_yaw_deg)
    left0 = np.array([math.cos(yaw0), 0.0, -math.sin(yaw0)])
    fwd0 = np.array([math.sin(yaw0), 0.0, math.cos(yaw0)])
    for k in range(num):
        u = k / (num - 1)
        body = (base - base[0]) @ rot("y", start_yaw_deg + turn_deg_total * u).T + base[0]
        left, forward = step_xz(u)
        out[k] = body + left * left0 + forward * fwd0
    return out


@pytest.mark.parametrize("yaw", [0.0, 130.0])
@pytest.mark.parametrize("step,word,fwd,left", [
    (lambda u: (0.0, 2.0 * u), "forward", 2.0, 0.0),
    (lambda u: (0.0, -1.5 * u), "backward", -1.5, 0.0),
    (lambda u: (1.2 * u, 0.0), "left", 0.0, 1.2),
    (lambda u: (-1.2 * u, 0.0), "right", 0.0, -1.2),
])
def test_straight_backward_and_sideways_paths(step, word, fwd, left, yaw):
    t = summarize_trajectory(moving_clip(step, start_yaw_deg=yaw), FPS)
    assert t["direction"] == word
    assert t["forward_m"] == pytest.approx(fwd, abs=0.05) and t["left_m"] == pytest.approx(left, abs=0.05)
    assert abs(t["turn_deg"]) < 1 and t["turning"] == "keeps its facing"
    assert t["airborne"] == []


@pytest.mark.parametrize("turn,word", [(90.0, "turns left"), (-90.0, "turns right"),
                                       (180.0, "turns around to the left")])
def test_turning_in_place_has_the_right_sign(turn, word):
    t = summarize_trajectory(moving_clip(lambda u: (0.0, 0.0), turn_deg_total=turn), FPS)
    assert t["turn_deg"] == pytest.approx(turn, abs=2)
    assert t["turning"] == word and t["direction"] == "in place"


def test_speed_height_and_airborne_phases():
    def hop(u):
        return 0.0, 3.0 * u
    clip = moving_clip(hop, seconds=2.0)
    clip[15:22, :, 1] += 0.3  # a jump: every joint 30 cm up for 7 frames
    t = summarize_trajectory(clip, FPS)
    assert t["mean_moving_speed_ms"] == pytest.approx(1.5, abs=0.2)
    assert t["pace"] == "at walking pace"
    assert len(t["airborne"]) == 1 and t["airborne"][0]["duration_s"] == pytest.approx(7 / FPS)
    assert t["pelvis_rise_m"] == pytest.approx(0.3, abs=0.01)


def test_jump_on_sloping_ground_is_found_and_the_slope_is_not_flight():
    """On a floor that rises 12 cm over 4 s, the feet sit above the clip's lowest floor point for
    seconds; only the jump (8 frames, 30 cm up) is flight."""
    clip = moving_clip(lambda u: (0.0, 3.0 * u), seconds=4.0)
    clip[..., 1] += np.linspace(0.0, 0.12, len(clip))[:, None]
    clip[50:58, :, 1] += 0.3
    t = summarize_trajectory(clip, FPS)
    assert [(a["start_s"], a["duration_s"]) for a in t["airborne"]] == [(2.5, 0.4)]


# ------------------------------------------------------------------ whole descriptions
def waving_clip(side: str = "left", seconds: float = 4.0) -> np.ndarray:
    """An arm raised sideways whose elbow bends and straightens at 1.5 Hz, while walking forward."""
    frames = []
    num = int(seconds * FPS)
    for k in range(num):
        t = k / FPS
        pose = turn_bone(rest_pose(), f"{side}_elbow", "z", 30 if side == "left" else -30)
        bend = 45 + 40 * math.sin(2 * math.pi * 1.5 * t)
        pose = turn_bone(pose, f"{side}_wrist", "z", bend if side == "left" else -bend)
        pose[:, 2] += 0.5 * t
        frames.append(pose)
    return np.stack(frames)


def mirror(joints: np.ndarray) -> np.ndarray:
    out = joints[:, config.mirror_permutation(config.NUM_BODY_JOINTS)].copy()
    out[..., 0] *= -1
    return out


def test_description_names_the_moving_arm_and_counts_the_waves():
    d = describe_joints(waving_clip("left"), FPS, top_k=2)
    assert d["main_movers"] == ["left arm"]
    assert d["joint_ranking"][0]["part"] == "left elbow"
    elbow = d["angles"]["left_elbow_flexion"]
    assert elbow["repetitions"] == 6 and elbow["cycles_per_s"] == pytest.approx(1.5, rel=0.1)
    text = to_text(d)
    assert "Main movers: left arm." in text and "left elbow flexion" in text and "6 repetitions" in text
    assert "right elbow flexion" not in text


def test_mirrored_motion_swaps_left_and_right():
    clip = waving_clip("left")
    clip = clip + np.linspace(0, 1, len(clip))[:, None, None] * np.array([1.5, 0.0, 0.0])  # drift to the left
    a, b = describe_joints(clip, FPS), describe_joints(mirror(clip), FPS)
    assert a["main_movers"] == ["left arm"] and b["main_movers"] == ["right arm"]
    for name, rec in a["angles"].items():
        other = b["angles"][mirror_angle_name(name)]
        sign = -1.0 if name in SIGNED_UNDER_MIRROR else 1.0
        assert sign * other["mean_deg"] == pytest.approx(rec["mean_deg"], abs=1e-6), name
        assert other["repetitions"] == rec["repetitions"], name
    ta, tb = a["trajectory"], b["trajectory"]
    assert tb["left_m"] == pytest.approx(-ta["left_m"], abs=1e-6) and ta["left_m"] > 0.3
    assert tb["turn_deg"] == pytest.approx(-ta["turn_deg"], abs=1e-6)
    assert ta["direction"] == "forward-left" and tb["direction"] == "forward-right"


def test_repeated_runs_give_identical_output(tmp_path, capsys):
    clip = waving_clip("right")
    assert to_json(describe_joints(clip, FPS)) == to_json(describe_joints(clip.copy(), FPS))
    path = tmp_path / "wave.npy"
    np.save(path, clip.astype(np.float32))
    outputs = []
    for _ in range(2):
        assert main([str(path), "--top_k", "2"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and "Main movers: right arm." in outputs[0]


def test_command_json_and_output_file(tmp_path, capsys):
    path = tmp_path / "wave.npy"
    np.save(path, waving_clip("left").astype(np.float32))
    assert main([str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["main_movers"] == ["left arm"] and data["fps"] == 20.0
    assert len(data["angles"]) == len(ANGLES) and data["trajectory"]["direction"] == "forward"
    out = tmp_path / "d.txt"
    assert main([str(path), "--output", str(out)]) == 0 and out.read_text().startswith("Motion: ")
    assert main([str(path), "--output", str(out)]) == 2  # never overwritten without --overwrite
    assert "exists" in capsys.readouterr().err


@pytest.mark.parametrize("make,needle", [
    (lambda p: np.save(p, np.zeros((10, 5), np.float32)), "shape (10, 5)"),
    (lambda p: np.save(p, np.zeros((10, 22, 2), np.float32)), "expected joint positions (T, 22, 3)"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_text("walk,forward\n1,2\n"), "not a readable .npy"),
])
def test_bad_motion_files_exit_2_naming_the_file(tmp_path, capsys, make, needle):
    path = tmp_path / "motion.npy"
    make(path)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and needle in err and "Traceback" not in err


def test_non_motion_files_exit_2(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert main([str(text)]) == 2
    assert f"{text}: not a motion file" in capsys.readouterr().err
    fake = tmp_path / "fake.npz"
    np.savez(fake, joints=np.zeros((5, 22, 3)))
    assert main([str(fake)]) == 2
    assert str(fake) in capsys.readouterr().err
    bvh = tmp_path / "broken.bvh"
    bvh.write_text("HIERARCHY\nROOT Hips\n{\n")
    assert main([str(bvh)]) == 2
    assert str(bvh) in capsys.readouterr().err
    assert main([str(tmp_path / "missing.npy")]) == 2


def test_cmu_walk_reads_as_forward_walking(shared_data):
    path = shared_data / "cmu" / "more" / "07_01.bvh"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    from src.datasets.formats.motion_file import read_motion

    clip = read_motion(path)
    d = describe_joints(clip.joints, clip.fps)
    t = d["trajectory"]
    assert t["direction"] == "forward" and t["pace"] == "at walking pace" and t["airborne"] == []
    assert d["main_movers"][0] == "both legs"


def test_docs_define_every_angle():
    """docs/describe.md's angle table names every angle (side pairs once, without the side)."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "docs" / "describe.md").read_text(encoding="utf-8")
    for name in {a.name.removeprefix("left_").removeprefix("right_") for a in ANGLES}:
        assert f"| `{name}` |" in docs, name
