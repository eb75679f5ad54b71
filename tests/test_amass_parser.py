"""AMASS reading, resampling, axis conversion and the db the parser writes.

Small files are written in the real AMASS layouts (SMPL+H "G" and SMPL-X stageii) inside tmp_path.
"""

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation, Slerp

from src import config
from src.datasets import amass_db, amass_parser
from src.datasets.formats import amass_io, db
from src.utils import geometry

G_FPS = 59.99998856


def write_g_npz(path, poses=None, trans=None, fps=G_FPS, num_frames=121, gender=np.array(b"female"), drop=()):
    """An SMPL+H "G" file: poses (T, 156), trans (T, 3) Z-up, betas (16,), dmpls, gender, mocap_framerate."""
    rng = np.random.default_rng(0)
    data = {
        "poses": poses if poses is not None else rng.normal(0, 0.2, (num_frames, 156)),
        "trans": trans if trans is not None else np.tile([0.0, 0.0, 0.9], (num_frames, 1)),
        "betas": rng.normal(0, 1, 16),
        "dmpls": np.zeros((num_frames, 8)),
        "gender": gender,
        "mocap_framerate": np.array(fps),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{k: v for k, v in data.items() if k not in drop})
    return path


def write_stageii_npz(path, num_frames=121, fps=120.0):
    """An SMPL-X stageii file: poses (T, 165) with its pieces, 10 betas, mocap_frame_rate."""
    rng = np.random.default_rng(1)
    poses = rng.normal(0, 0.2, (num_frames, 165))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, gender=np.array("male"), surface_model_type=np.array("smplx"),
             mocap_frame_rate=np.array(fps), mocap_time_length=np.array((num_frames - 1) / fps),
             trans=np.tile([0.1, 0.2, 0.95], (num_frames, 1)), poses=poses,
             root_orient=poses[:, :3], pose_body=poses[:, 3:66], pose_hand=poses[:, 75:165],
             pose_jaw=poses[:, 66:69], pose_eye=poses[:, 69:75], betas=np.arange(10, dtype=np.float64),
             num_betas=np.array(10))
    return path


def write_bad_files(subject_dir):
    """shape.npz, a truncated npz, one with NaNs, one without trans: {name: expected reason}."""
    subject_dir.mkdir(parents=True, exist_ok=True)
    np.savez(subject_dir / "shape.npz", betas=np.zeros(16), gender=np.array("female"))
    good = write_g_npz(subject_dir / "truncated_poses.npz").read_bytes()
    (subject_dir / "truncated_poses.npz").write_bytes(good[: len(good) // 2])
    trans = np.zeros((121, 3))
    trans[5, 1] = np.nan
    write_g_npz(subject_dir / "nan_poses.npz", trans=trans)
    write_g_npz(subject_dir / "notrans_poses.npz", drop=("trans",))
    return {"shape.npz": "shape_only", "truncated_poses.npz": "unreadable",
            "nan_poses.npz": "non_finite", "notrans_poses.npz": "missing_key"}


def test_g_file_frame_counts_and_fields(tmp_path):
    path = write_g_npz(tmp_path / "g_poses.npz", num_frames=121)  # 2.0 s at 59.99998856 fps
    for target, expected in ((30, 61), (10, 21), (60, 121), (20, 41), (12.5, 26)):
        out = amass_io.load_amass_npz(path, target)
        assert out["rotvec"].shape == (expected, 24, 3) and out["trans"].shape == (expected, 3), target
        assert out["rotvec"].dtype == torch.float32 and out["trans"].dtype == torch.float32
    assert out["gender"] == "female"  # stored as bytes
    assert out["source_fps"] == pytest.approx(G_FPS)
    assert out["betas"].shape == (16,)
    assert torch.all(out["rotvec"][:, 22:] == 0)


def test_stageii_file(tmp_path):
    path = write_stageii_npz(tmp_path / "s_stageii.npz", num_frames=121, fps=120.0)
    out = amass_io.load_amass_npz(path, 30)
    assert out["rotvec"].shape == (31, 24, 3)
    assert out["gender"] == "male" and out["source_fps"] == 120.0
    assert torch.equal(out["betas"][:10], torch.arange(10.0)) and torch.all(out["betas"][10:] == 0)
    # 120 -> 30 fps keeps every 4th source frame; body joints are untouched by the axis change
    poses = np.load(path)["poses"]
    expected = torch.from_numpy(poses[::4, 3:66].reshape(31, 21, 3)).float()
    assert torch.allclose(out["rotvec"][:, 1:22], expected, atol=1e-5)


def test_gender_forms():
    for value, expected in (("female", "female"), (b"male", "male"), (np.array("male"), "male"),
                            (np.array(b"female"), "female"), ("neutral", "neutral"), ("", "neutral")):
        assert amass_io.parse_gender(value) == expected, value


def test_yup_height_and_trajectory(tmp_path):
    t = np.arange(61)[:, None] / 30.0
    zero = np.zeros_like(t)
    along_x = np.concatenate([t, zero, zero + 0.9], 1)     # Z-up: walking +X, pelvis 0.9 m up
    along_y = np.concatenate([zero, t, zero + 0.9], 1)     # Z-up: walking +Y
    poses = np.zeros((61, 156))
    out_x = amass_io.load_amass_npz(write_g_npz(tmp_path / "x_poses.npz", poses, along_x, fps=30), 30)["trans"]
    out_y = amass_io.load_amass_npz(write_g_npz(tmp_path / "y_poses.npz", poses, along_y, fps=30), 30)["trans"]
    # the posed pelvis is trans + rest pelvis (SMPL does not turn the rest pelvis with the root);
    # in this Z-up file the rest pelvis has no Z, so the pelvis is 0.9 m up in both frames
    pelvis_x = out_x + geometry.BUILTIN_REST_PELVIS
    assert torch.allclose(pelvis_x[:, 1], torch.full((61,), 0.9))           # height is Y
    move_x, move_y = out_x - out_x[0], out_y - out_y[0]
    walked = torch.from_numpy(t[:, 0]).float()
    assert torch.allclose(move_x, torch.stack([walked, 0 * walked, 0 * walked], 1), atol=1e-6)  # +X stays +X
    assert torch.allclose(move_y, torch.stack([0 * walked, 0 * walked, -walked], 1), atol=1e-6)  # +Y -> -Z


def test_root_orientation_turned_to_yup(tmp_path):
    poses = np.zeros((3, 156))
    poses[:, 0] = np.pi / 2  # AMASS's usual standing root: +90 deg about X (Z-up)
    out = amass_io.load_amass_npz(write_g_npz(tmp_path / "r_poses.npz", poses, np.zeros((3, 3)), fps=30), 30)
    assert torch.allclose(out["rotvec"][:, 0], torch.zeros(3, 3), atol=1e-6)  # upright in Y-up


def test_resampled_rotation_is_slerp_midpoint(tmp_path):
    rng = np.random.default_rng(3)
    poses = rng.normal(0, 0.6, (5, 156))
    trans = rng.normal(0, 1, (5, 3))
    out = amass_io.load_amass_npz(write_g_npz(tmp_path / "m_poses.npz", poses, trans, fps=20), 40)
    assert out["rotvec"].shape[0] == 9
    for joint in range(22):
        rots = Rotation.from_rotvec(poses[:, 3 * joint: 3 * joint + 3])
        mid = Slerp([0.0, 1.0], rots[1:3])(0.5)  # halfway between source frames 1 and 2 = output 3
        got = Rotation.from_rotvec(out["rotvec"][3, joint].double().numpy())
        if joint == 0:
            got = Rotation.from_matrix(geometry.YUP_TO_ZUP.double().numpy()) * got
        assert (got.inv() * mid).magnitude() < 1e-5, joint
    _, yup = geometry.zup_to_yup(torch.eye(3)[None].double(), torch.from_numpy((trans[1:2] + trans[2:3]) / 2))
    assert torch.allclose(out["trans"][3].double(), yup[0], atol=1e-6)


def test_resample_non_integer_rates():
    for fps, frames, target, expected in ((120.00004577, 241, 30, 61), (250.0, 501, 30, 61),
                                          (100.0, 201, 30, 61), (59.99998856, 1, 30, 1)):
        assert config.resampled_num_frames(frames, fps, target) == expected, fps


def test_bad_files_have_reasons(tmp_path):
    expected = write_bad_files(tmp_path / "S")
    write_g_npz(tmp_path / "zero_poses.npz", num_frames=0)
    expected["../zero_poses.npz"] = "zero_frames"
    for name, reason in expected.items():
        with pytest.raises(amass_io.AmassReadError) as info:
            amass_io.read_amass_npz(tmp_path / "S" / name)
        assert info.value.reason == reason, (name, info.value)
        assert name.split("/")[-1] in str(info.value)


def _run(tmp_path, *extra):
    out = tmp_path / "db"
    argv = ["--dataset_name", "amass", "--input_dir", str(tmp_path / "amass"), "--babel_dir",
            str(tmp_path / "no_babel"), "--output_dir", str(out), "--target_fps", "30", *extra]
    assert amass_parser.main(argv) == 0
    return out


def test_cli_amass_mode_splits_and_skips(tmp_path, capsys):
    amass = tmp_path / "amass"
    layout = {"CMU/01/01_01_poses.npz": "train", "ACCAD/Female1/a_poses.npz": "train",
              "HumanEva/S1/walk_poses.npz": "val", "sfu/0005/jump_poses.npz": "val",
              "Transitions_mocap/m1/t_poses.npz": "test", "SSM/20160330/s_stageii.npz": "test"}
    for rel in layout:
        (write_stageii_npz if rel.endswith("stageii.npz") else write_g_npz)(amass / rel)
    reasons = write_bad_files(amass / "CMU" / "02")
    out = _run(tmp_path)

    for split in db.SPLITS:
        path = out / f"amass_30fps_{split}.pt"
        data = torch.load(path, weights_only=True)
        db.validate_db(data, path)
        assert data["names"] == sorted(r for r, s in layout.items() if s == split), split
        assert data["dataset"] == "amass" and data["fps"] == 30.0
        assert data["offsets"][-1] == data["poses"].shape[0] == data["trans"].shape[0]
        assert torch.all(data["babel_sid"] == -1) and data["seg_text"] == []
    train = db.load_db(out / "amass_30fps_db.pt", "train")
    first = db.sequence(train, train["names"].index("CMU/01/01_01_poses.npz"))
    assert first["poses"].shape == (61, 24, 3) and first["gender"] == "female"
    assert abs(first["source_fps"] - G_FPS) < 1e-4
    pelvis = first["trans"] + geometry.BUILTIN_REST_PELVIS
    assert torch.allclose(pelvis[:, 1], torch.full((61,), 0.9))

    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))
    rows = [line.split("\t") for line in (out / "skipped.tsv").read_text().splitlines()[1:]]
    assert {r[0].split("/")[-1]: r[1] for r in rows} == reasons
    assert "shape_only" in (out / "parse_log.txt").read_text()
    printed = capsys.readouterr().out
    assert "parsed 6 sequences" in printed
    assert "skipped 4: missing_key 1, non_finite 1, shape_only 1, unreadable 1" in printed


def test_cli_quick_run_and_splits_option(tmp_path):
    for i in range(7):
        write_g_npz(tmp_path / "amass" / "CMU" / "01" / f"01_{i:02d}_poses.npz", num_frames=10)
    write_g_npz(tmp_path / "amass" / "HumanEva" / "S1" / "w_poses.npz", num_frames=10)
    out = _run(tmp_path, "--quick_run", "--splits", "train", "vald", "--target_fps", "10")
    assert sorted(p.name for p in out.glob("*.pt")) == ["amass_10fps_train.pt", "amass_10fps_val.pt"]
    assert len(db.load_db(out / "amass_10fps_train.pt")["names"]) == amass_db.QUICK_RUN_FILES
    assert db.load_db(out / "amass_10fps_db.pt", "vald")["names"] == ["HumanEva/S1/w_poses.npz"]


def test_split_names():
    assert amass_db.amass_split("TRANSITIONS_mocap") == "test"
    assert amass_db.amass_split("MPI_HDM05") == amass_db.amass_split("mpi_mosh") == "val"
    assert amass_db.amass_split("BMLrub") == "train"
    assert db.split_path("data/amass_db/amass_30fps_db.pt", "vald").name == "amass_30fps_val.pt"
    assert db.split_path("x/babel_30fps_train.pt", "test").name == "babel_30fps_test.pt"
    assert db.db_filename("amass", 12.5, "train") == "amass_12.5fps_train.pt"
    with pytest.raises(ValueError, match="_db.pt"):
        db.split_path("data/amass.pt", "train")


def test_empty_split_is_valid(tmp_path):
    writer = db.DbWriter("amass", 30)
    data = writer.save(tmp_path / "amass_30fps_test.pt")
    loaded = db.load_db(tmp_path / "amass_30fps_test.pt")
    assert loaded["poses"].shape == (0, 24, 3) and loaded["offsets"].tolist() == [0] and data["names"] == []
