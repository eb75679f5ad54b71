"""BVH reading/writing and the CMU BVH -> AMASS-style SMPL import.

Runs on the small real CMU files committed under tests/data/cmu (three releases of Hahne's
conversion) and, when ../shared/data is present, on the full files there.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from src import config
from src.datasets import bvh_import
from src.datasets.formats import amass_io, babel, cmu_bvh
from src.datasets.formats.bvh import BvhParseError, parse_bvh, read_bvh, smpl_motion_from_bvh, write_bvh
from src.models.rotation2xyz import BuiltinSkeleton
from src.utils import rotation

DATA = Path(__file__).parent / "data" / "cmu"
COMMITTED = {"01_01": 31, "07_01": 43, "131_01": 31}  # id -> joints
IDX = config.JOINT_INDEX


def retarget(path, fps=None):
    """(RetargetResult, joints (T, 24, 3) numpy) for one file."""
    motion = read_bvh(path)
    fps = fps or cmu_bvh.source_fps(Path(path).stem, motion)
    result = cmu_bvh.retarget_to_smpl(motion, fps)
    joints = BuiltinSkeleton()(result.rotmats, result.trans)["joints"].numpy()
    return result, joints


def left_axis(joints):
    """(T, 3) the body's left direction per frame, from where the feet point (not from left/right labels)."""
    toes = (joints[:, IDX["left_foot"]] - joints[:, IDX["left_ankle"]]) + (joints[:, IDX["right_foot"]] - joints[:, IDX["right_ankle"]])
    fwd = toes * np.array([1.0, 0.0, 1.0])
    fwd /= np.linalg.norm(fwd, axis=-1, keepdims=True)
    return np.stack([fwd[:, 2], np.zeros(len(fwd)), -fwd[:, 0]], axis=-1)  # up x forward: +X when facing +Z


def walking_speed(joints, fps):
    """Mean horizontal pelvis speed over the clip, m/s."""
    disp = joints[-1, 0, [0, 2]] - joints[0, 0, [0, 2]]
    return float(np.linalg.norm(disp)) / ((len(joints) - 1) / fps)


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize("trial", sorted(COMMITTED))
def test_committed_files_parse(trial):
    motion = read_bvh(DATA / f"{trial}.bvh")
    assert motion.num_joints == COMMITTED[trial]
    assert motion.values.shape == (motion.num_frames, sum(len(c) for c in motion.channels))
    assert cmu_bvh.header_fps(motion) == 120.0
    assert motion.parents[0] == -1 and all(p < j for j, p in enumerate(motion.parents))


def test_channel_order_per_joint_is_honoured():
    # 131_01 (3ds Max release) mixes ZYX on the body with ZXY on the arms
    motion = read_bvh(DATA / "131_01.bvh")
    chans = dict(zip(motion.names, motion.channels))
    assert chans["LeftHip"] == ("Zrotation", "Yrotation", "Xrotation")
    assert chans["LeftElbow"] == ("Zrotation", "Xrotation", "Yrotation")


def _two_bone_bvh(order: str, values: str) -> str:
    chans = " ".join(f"{a}rotation" for a in order)
    return f"""HIERARCHY
ROOT root
{{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
  JOINT arm
  {{
    OFFSET 0 2 0
    CHANNELS 3 {chans}
    JOINT hand
    {{
      OFFSET 1 0 0
      CHANNELS 3 Zrotation Yrotation Xrotation
      End Site
      {{
        OFFSET 0.5 0 0
      }}
    }}
  }}
}}
MOTION
Frames: 1
Frame Time: 0.05
1 0 0 0 0 0 {values} 0 0 0
"""


def test_zxy_joint_positions_match_a_hand_computed_case():
    # arm: Zrotation Xrotation Yrotation = 90 90 90 -> R = Rz(90) Rx(90) Ry(90).
    # Ry(90) (1,0,0) = (0,0,-1); Rx(90) (0,0,-1) = (0,1,0); Rz(90) (0,1,0) = (-1,0,0).
    _, pos = parse_bvh(_two_bone_bvh("ZXY", "90 90 90")).global_transforms()
    np.testing.assert_allclose(pos[0, 1], [1, 2, 0], atol=1e-12)       # root (1,0,0) + arm offset
    np.testing.assert_allclose(pos[0, 2], [0, 2, 0], atol=1e-12)       # arm + (-1, 0, 0)
    # the same angles read in ZYX order put the hand elsewhere: Rz Ry Rx (1,0,0) = (0,0,-1)
    _, pos_zyx = parse_bvh(_two_bone_bvh("ZYX", "90 90 90")).global_transforms()
    np.testing.assert_allclose(pos_zyx[0, 2], [1, 2, -1], atol=1e-12)
    # columns follow the listed order: "Y Z X" with values y=90, z=0, x=0 turns about Y only
    _, pos_yzx = parse_bvh(_two_bone_bvh("YZX", "90 0 0")).global_transforms()
    np.testing.assert_allclose(pos_yzx[0, 2], [1, 2, -1], atol=1e-12)


@pytest.mark.parametrize("edit, line, words", [
    (lambda t: t.replace("OFFSET 0 2 0", "OFFSET 0 two 0"), 8, "number"),
    (lambda t: t.replace("CHANNELS 3 Zrotation Yrotation Xrotation", "CHANNELS 3 Zrotation Yrotation Wrotation"), 13, "unknown channel"),
    (lambda t: t.replace("1 0 0 0 0 0 90 90 90 0 0 0", "1 0 0 0 0 0 90 90 90 0 0"), 24, "11 values"),
    (lambda t: t.replace("1 0 0 0 0 0 90 90 90 0 0 0", "1 0 0 0 0 0 90 nan? 90 0 0 0"), 24, "not a number"),
    (lambda t: t.replace("Frames: 1", "Frames: 3"), 24, "holds 1 frame"),
    (lambda t: t.replace("MOTION", "MOTON"), 24, "no MOTION"),
    (lambda t: t.replace("  }\n}\nMOTION", "\nMOTION"), 18, "HIERARCHY section ends early"),
    (lambda t: t.replace("JOINT hand", "JOINT arm"), 10, "appears twice"),
    (lambda t: t.replace("Frame Time: 0.05", "Frame Time: 0"), 23, "must be positive"),
])
def test_malformed_bvh_names_file_and_line(tmp_path, edit, line, words):
    path = tmp_path / "bad.bvh"
    path.write_text(edit(_two_bone_bvh("ZXY", "90 90 90")))
    with pytest.raises(BvhParseError) as err:
        read_bvh(path)
    assert f"{path}:{line}:" in str(err.value) and words in str(err.value), str(err.value)


# ------------------------------------------------------------------ writing
@pytest.mark.parametrize("unit, per_metre", [("m", 1.0), ("cm", 100.0)])
def test_write_bvh_round_trip(tmp_path, unit, per_metre):
    gen = torch.Generator().manual_seed(0)
    rotmats = rotation.axis_angle_to_matrix(torch.randn(40, 24, 3, generator=gen) * 0.8)
    rotmats[0, 3] = rotation.axis_angle_to_matrix(torch.tensor([0.0, np.pi / 2, 0.0]))  # gimbal lock in ZYX
    trans = torch.randn(40, 3, generator=gen)
    path = write_bvh(tmp_path / "m.bvh", rotmats, trans, fps=20.0, unit=unit)
    motion = read_bvh(path)
    assert motion.names[0] == "pelvis" and sorted(motion.names) == sorted(config.SMPL_JOINT_NAMES)
    assert abs(motion.fps - 20.0) < 1e-6 and len(motion.end_sites) == 5
    local, _ = smpl_motion_from_bvh(motion)
    np.testing.assert_allclose(local, rotmats.double().numpy(), atol=1e-4)
    _, pos = motion.global_transforms()
    order = [motion.index(n) for n in config.SMPL_JOINT_NAMES]
    expected = BuiltinSkeleton().double()(rotmats.double(), trans.double())["joints"].numpy()
    np.testing.assert_allclose(pos[:, order] / per_metre, expected, atol=1e-4)


def test_write_bvh_checks_shapes(tmp_path):
    with pytest.raises(ValueError, match=r"rotmats must be \(T, 24, 3, 3\)"):
        write_bvh(tmp_path / "x.bvh", torch.eye(3).expand(5, 22, 3, 3), torch.zeros(5, 3), fps=20)
    with pytest.raises(ValueError, match="unit"):
        write_bvh(tmp_path / "x.bvh", torch.eye(3).expand(5, 24, 3, 3), torch.zeros(5, 3), fps=20, unit="inch")


@pytest.mark.parametrize("yaw, crouch", [(0.0, 0.0), (2.0, 0.0), (0.0, 0.6), (-1.0, 0.4)])
def test_toe_tips_of_a_flat_foot_stay_above_the_floor(tmp_path, yaw, crouch):
    """Feet flat on the floor (their world orientation the rest pose's): the toe End Sites are at
    the toe joints' height, never under the floor (continuing the sloping foot bone put them 3 cm under)."""
    frames = 5
    rotvec = torch.zeros(frames, 24, 3)
    rotvec[:, 0, 1] = yaw
    for hip, knee, ankle in ((1, 4, 7), (2, 5, 8)):  # a crouch whose ankles level the feet again
        rotvec[:, hip, 0], rotvec[:, knee, 0], rotvec[:, ankle, 0] = -crouch, 2 * crouch, -crouch
    rotmats = rotation.axis_angle_to_matrix(rotvec)
    trans = torch.zeros(frames, 3)
    joints = BuiltinSkeleton()(rotmats, trans)["joints"]
    trans[:, 1] = -joints[:, [7, 8, 10, 11], 1].min()  # the floor convention: lowest foot joint at y = 0
    motion = read_bvh(write_bvh(tmp_path / "stance.bvh", rotmats, trans, fps=20.0))
    rot, pos = motion.global_transforms()
    tips = motion.end_site_positions(rot, pos)  # (F, E, 3)
    toes = [k for k, (parent, _) in enumerate(motion.end_sites) if motion.names[parent] in ("left_foot", "right_foot")]
    assert len(toes) == 2
    assert tips[:, toes, 1].min() >= -1e-3, tips[:, toes, 1]
    feet = [motion.end_sites[k][0] for k in toes]
    np.testing.assert_allclose(tips[:, toes, 1], pos[:, feet, 1], atol=1e-5)
    assert np.linalg.norm(tips[:, toes] - pos[:, feet], axis=-1).min() > 0.03  # the toes still reach forward


# ------------------------------------------------------------------ retargeting
@pytest.mark.parametrize("trial, unit, tpose", [("01_01", "CMU units", True), ("07_01", "cm", True), ("131_01", "CMU units", False)])
def test_units_tpose_and_bone_lengths(trial, unit, tpose):
    motion = read_bvh(DATA / f"{trial}.bvh")
    result, joints = retarget(DATA / f"{trial}.bvh")
    info = result.info
    assert info["unit"] == unit and info["tpose_frame0"] is tpose
    assert len(joints) == motion.num_frames - info["dropped_frames"]
    assert (info["dropped_frames"] >= 1) is tpose
    # the subject's own thigh, in metres after unit detection
    match = cmu_bvh.match_skeleton(motion)
    _, pts = cmu_bvh.point_positions(motion, motion.zero_frame())
    thigh = np.linalg.norm(pts[0, match.points[IDX["left_knee"]]] - pts[0, match.points[IDX["left_hip"]]])
    assert 0.35 <= thigh * info["metres_per_unit"] <= 0.5
    assert 0.9 < info["body_scale"] < 1.1
    # the imported body: built-in bone lengths, pelvis about 0.9-1.0 m above the floor
    assert abs(np.linalg.norm(joints[:, IDX["left_knee"]] - joints[:, IDX["left_hip"]], axis=-1) - 0.39).max() < 1e-4
    assert 0.85 <= np.median(joints[:, 0, 1]) <= 1.02


@pytest.mark.parametrize("trial", sorted(COMMITTED))
def test_feet_on_the_floor(trial):
    _, joints = retarget(DATA / f"{trial}.bvh")
    feet = joints[:, list(config.FLOOR_JOINTS), 1]  # (T, 4)
    assert abs(feet.min()) < 0.03
    # a foot is on the ground in (nearly) every frame of these clips, not only the lowest one
    assert (feet.min(axis=1) < 0.06).mean() > 0.95


@pytest.mark.parametrize("trial", sorted(COMMITTED))
def test_left_and_right_are_not_swapped(trial):
    motion = read_bvh(DATA / f"{trial}.bvh")
    result, joints = retarget(DATA / f"{trial}.bvh")
    left = left_axis(joints)
    side = lambda a, b: np.einsum("tc,tc->t", a - b, left)
    assert (side(joints[:, IDX["left_hip"]], joints[:, IDX["right_hip"]]) > 0).mean() > 0.95
    # the SMPL left wrist is where the BVH's left hand is
    _, pos = motion.global_transforms()
    pos = pos[result.info["dropped_frames"]:]
    names = {"01_01": ("LeftHand", "RightHand"), "07_01": ("lHand", "rHand"), "131_01": ("LeftWrist", "RightWrist")}[trial]
    bvh_side = side(pos[:, motion.index(names[0])], pos[:, motion.index(names[1])])
    smpl_side = side(joints[:, IDX["left_wrist"]], joints[:, IDX["right_wrist"]])
    assert (np.sign(bvh_side) == np.sign(smpl_side)).mean() > 0.95


def test_bones_point_where_the_bvh_bones_point():
    motion = read_bvh(DATA / "131_01.bvh")  # arms-down zero pose, ZXY arms
    result, joints = retarget(DATA / "131_01.bvh")
    match = cmu_bvh.match_skeleton(motion)
    _, pts = cmu_bvh.point_positions(motion)
    for a, b in [("left_hip", "left_knee"), ("right_knee", "right_ankle"), ("left_shoulder", "left_elbow"),
                 ("right_elbow", "right_wrist"), ("spine1", "spine2")]:
        want = pts[:, match.points[IDX[b]]] - pts[:, match.points[IDX[a]]]
        got = joints[:, IDX[b]] - joints[:, IDX[a]]
        cos = np.einsum("tc,tc->t", want, got) / np.linalg.norm(want, axis=-1) / np.linalg.norm(got, axis=-1)
        assert cos.min() > 0.9999, (a, b)


def test_tilted_capture_floor_is_levelled():
    # subject 7's floor rises about 1 degree along the walk; after levelling the stance foot is as
    # high at the end of the walk as at its start
    result, joints = retarget(DATA / "07_01.bvh")
    assert 0.5 < result.info["floor_tilt_deg"] < 2.0
    toes = joints[:, list(config.FOOT_JOINTS)]                         # (T, 2, 3)
    still = np.linalg.norm(np.diff(toes, axis=0), axis=-1) * result.fps < 0.2
    heights = toes[:-1, :, 1][still]
    ends = [toes[:-1, :, 2][still] < np.quantile(toes[..., 2], q) for q in (0.3, 0.7)]
    assert abs(np.median(heights[ends[0]]) - np.median(heights[~ends[1]])) < 0.01
    assert retarget(DATA / "131_01.bvh")[0].info["floor_tilt_deg"] < 0.6


def test_committed_walk_speed():
    result, joints = retarget(DATA / "07_01.bvh")
    assert 1.0 <= walking_speed(joints, result.fps) <= 1.6


# ------------------------------------------------------------------ frame rate
def test_60fps_subject_table(tmp_path):
    assert {60, 61, 62, 74, 88, 89, 90, 143} <= cmu_bvh.CMU_60FPS_SUBJECTS and 7 not in cmu_bvh.CMU_60FPS_SUBJECTS
    shutil.copy(DATA / "07_01.bvh", tmp_path / "60_01.bvh")
    motion = read_bvh(tmp_path / "60_01.bvh")
    assert cmu_bvh.source_fps("60_01", motion) == 60.0
    assert cmu_bvh.source_fps("07_01", motion) == 120.0
    assert cmu_bvh.source_fps("60_01", motion, {"*": 100.0}) == 100.0
    assert cmu_bvh.source_fps("60_01", motion, cmu_bvh.parse_fps_overrides(["60=90", "60_01=50"])) == 50.0
    assert cmu_bvh.source_fps("60_02", motion, cmu_bvh.parse_fps_overrides(["60=90"])) == 90.0
    with pytest.raises(ValueError, match="fps_override"):
        cmu_bvh.parse_fps_overrides(["60_01=fast"])
    shutil.copy(DATA / "labels.tsv", tmp_path / "labels.tsv")
    cmu_bvh.import_directory(tmp_path, tmp_path / "out")
    with np.load(tmp_path / "out" / "CMU_BVH" / "60" / "60_01_poses.npz") as npz:
        assert float(npz["mocap_framerate"]) == 60.0


# ------------------------------------------------------------------ import command
@pytest.fixture
def imported(tmp_path):
    src = tmp_path / "bvh"
    src.mkdir()
    for trial in COMMITTED:
        shutil.copy(DATA / f"{trial}.bvh", src / f"{trial}.bvh")
    shutil.copy(DATA / "labels.tsv", src / "labels.tsv")
    (src / "99_01.bvh").write_text(_two_bone_bvh("ZXY", "90 90 90").replace("OFFSET 0 2 0", "OFFSET 0 2"))
    out = tmp_path / "out"
    code = bvh_import.main(["--input_dir", str(src), "--labels", "labels.tsv", "--output_dir", str(out),
                            "--val_fraction", "0", "--test_fraction", "0"])
    assert code == 0
    return out


def test_import_writes_amass_layout(imported):
    files = sorted((imported / "CMU_BVH").rglob("*.npz"))
    assert [f.relative_to(imported).as_posix() for f in files] == [
        "CMU_BVH/01/01_01_poses.npz", "CMU_BVH/07/07_01_poses.npz", "CMU_BVH/131/131_01_poses.npz"]
    for f in files:
        with np.load(f) as npz:  # plain numpy, no pickle
            num = npz["poses"].shape[0]
            assert npz["poses"].shape == (num, 156) and npz["poses"].dtype == np.float64  # as in the real AMASS files
            assert not npz["poses"][:, 66:].any()
            assert npz["trans"].shape == (num, 3)
            assert npz["betas"].shape == (16,) and npz["dmpls"].shape == (num, 8)
            assert str(npz["gender"]) == "neutral" and float(npz["mocap_framerate"]) == 120.0
            # Z-up: the pelvis (rest pelvis 0.22 m below the origin, not turned) stands about 0.9 m high
            assert 0.85 < np.median(npz["trans"][:, 2]) < 1.05


def test_import_skips_bad_files_with_reason(imported, capsys):
    bvh_import.main(["--input_dir", str(imported.parent / "bvh"), "--output_dir", str(imported.parent / "again")])
    out = capsys.readouterr().out
    assert "skipped 99_01.bvh" in out and "99_01.bvh:9:" in out


def test_import_babel_files_read_by_the_amass_side(imported):
    data = json.loads((imported / "babel" / "train.json").read_text())
    assert len(data) == 3 and not json.loads((imported / "babel" / "val.json").read_text())
    entry = next(e for e in data.values() if e["feat_p"].endswith("07_01_poses.npz"))
    assert entry["feat_p"] == "CMU_BVH/CMU_BVH/07/07_01_poses.npz" and entry["frame_ann"] is None
    label = entry["seq_ann"]["labels"][0]
    assert label["raw_label"] == label["proc_label"] == "walk" and label["start_t"] == 0 and label["end_t"] == entry["dur"]
    sequences, problems = babel.load_babel(imported / "babel")
    assert not problems
    assert set(sequences) == {babel.amass_key(f.relative_to(imported).as_posix()) for f in (imported / "CMU_BVH").rglob("*.npz")}
    seq = sequences[babel.amass_key("CMU_BVH/07/07_01_poses.npz")]
    assert seq.labels[0].text == "walk"
    with np.load(imported / seq.amass_path) as npz:
        assert abs(entry["dur"] - len(npz["poses"]) / 120.0) < 1e-3


def test_amass_reader_recovers_the_motion(imported):
    result, joints = retarget(DATA / "07_01.bvh")
    loaded = amass_io.load_amass_npz(imported / "CMU_BVH" / "07" / "07_01_poses.npz", target_fps=120.0)
    got = BuiltinSkeleton()(rotation.axis_angle_to_matrix(loaded["rotvec"]), loaded["trans"])["joints"].numpy()
    # AMASS's unturned rest-pelvis offset moves every joint by one constant vector (as for real AMASS files)
    shift = got - joints[:, : got.shape[1]]
    assert np.abs(shift - shift.reshape(-1, 3).mean(0)).max() < 2e-4
    assert walking_speed(got, 120.0) == pytest.approx(walking_speed(joints, 120.0), abs=1e-3)


def test_target_fps_resamples(tmp_path):
    src = tmp_path / "bvh"
    src.mkdir()
    shutil.copy(DATA / "07_01.bvh", src)
    (src / "labels.tsv").write_text("id\tdescription\n07_01\twalk\n")
    cmu_bvh.import_directory(src, tmp_path / "out", target_fps=30.0)
    result, _ = retarget(DATA / "07_01.bvh")
    with np.load(tmp_path / "out" / "CMU_BVH" / "07" / "07_01_poses.npz") as npz:
        assert float(npz["mocap_framerate"]) == 30.0
        assert len(npz["poses"]) == config.resampled_num_frames(len(result.rotmats), 120.0, 30.0)


def test_missing_labels_file_is_named(tmp_path):
    shutil.copy(DATA / "07_01.bvh", tmp_path)
    with pytest.raises(FileNotFoundError, match="labels file not found"):
        cmu_bvh.import_directory(tmp_path, tmp_path / "out", labels_path="nope.tsv")


# ------------------------------------------------------------------ full files in ../shared/data
def test_shared_files_parse_and_match(shared_data):
    files = sorted((shared_data / "cmu").glob("*.bvh")) + sorted((shared_data / "cmu" / "more").glob("*.bvh"))
    assert len(files) >= 40
    for path in files:
        motion = read_bvh(path)
        assert motion.num_joints in (31, 43) and motion.num_frames > 100
        assert cmu_bvh.match_skeleton(motion)


def test_shared_walk_speeds(shared_data):
    result, joints = retarget(shared_data / "cmu" / "more" / "02_01.bvh")  # "walk"
    assert 1.0 <= walking_speed(joints, result.fps) <= 1.6
    assert 0.85 <= np.median(joints[:, 0, 1]) <= 1.02
    result, joints = retarget(shared_data / "cmu" / "131_01.bvh")         # "Start Walk Stop"
    window = int(result.fps)
    speeds = np.linalg.norm(joints[window:, 0, [0, 2]] - joints[:-window, 0, [0, 2]], axis=-1)
    assert 1.0 <= speeds.max() <= 1.6 and np.median(speeds) < 1.0


def test_shared_metre_file_matches_the_cmu_unit_file(shared_data):
    # scaled_131_01 is 131_01 rescaled to metres: the unit is detected, the motion is the same
    plain, joints = retarget(shared_data / "cmu" / "131_01.bvh")
    scaled, joints_m = retarget(shared_data / "cmu" / "scaled_131_01.bvh")
    assert plain.info["unit"] == "CMU units" and scaled.info["unit"] == "m"
    n = min(len(joints), len(joints_m))
    assert np.abs(joints[:n] - joints_m[:n]).max() < 2e-3


def test_shared_broken_file_is_refused(shared_data):
    # 09_10 of the Daz release holds stale T-pose frames and a root 2 m off: it is skipped with a reason
    with pytest.raises(cmu_bvh.RetargetError, match="implausible"):
        retarget(shared_data / "cmu" / "more" / "09_10.bvh")


def _zero_frame_copy(source, target):
    """``source`` with its MOTION section cut to 'Frames: 0' (a header and no frame lines)."""
    lines = []
    for line in source.read_text().splitlines():
        if line.startswith("Frames:"):
            line = "Frames: 0"
        lines.append(line)
        if line.startswith("Frame Time:"):
            break
    target.write_text("\n".join(lines) + "\n")


def test_zero_frame_bvh_is_skipped_with_its_reason(tmp_path, capsys):
    """'Frames: 0' is one skipped file among the others (it ended the whole import before)."""
    src = tmp_path / "bvh"
    src.mkdir()
    shutil.copy(DATA / "07_01.bvh", src)
    _zero_frame_copy(DATA / "07_01.bvh", src / "07_02.bvh")
    (src / "labels.tsv").write_text("id\tdescription\n07_01\twalk\n07_02\twalk\n")
    out = tmp_path / "out"
    assert bvh_import.main(["--input_dir", str(src), "--output_dir", str(out)]) == 0
    assert "skipped 07_02.bvh" in capsys.readouterr().out
    assert [p.name for p in (out / "CMU_BVH").rglob("*.npz")] == ["07_01_poses.npz"]
    assert len(json.loads((out / "babel" / "train.json").read_text())) + len(
        json.loads((out / "babel" / "val.json").read_text())) + len(
        json.loads((out / "babel" / "test.json").read_text())) == 1


def test_import_of_no_usable_file_keeps_the_earlier_import(tmp_path, capsys):
    """Only unusable files: exit 2 and nothing written; an earlier import is replaced only with --overwrite."""
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    shutil.copy(DATA / "07_01.bvh", good)
    _zero_frame_copy(DATA / "07_01.bvh", bad / "07_02.bvh")
    for folder in (good, bad):
        (folder / "labels.tsv").write_text("id\tdescription\n07_01\twalk\n07_02\twalk\n")
    out = tmp_path / "out"
    assert bvh_import.main(["--input_dir", str(good), "--output_dir", str(out)]) == 0
    labels = {p.name: p.read_bytes() for p in (out / "babel").iterdir()}
    capsys.readouterr()
    assert bvh_import.main(["--input_dir", str(bad), "--output_dir", str(out), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "no motion" in err and "Frames: 0" in err and "nothing was written" in err
    assert bvh_import.main(["--input_dir", str(good), "--output_dir", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (out / "babel").iterdir()} == labels
