"""Forward kinematics, rotation conversions, canonicalisation and the SMPL-file path."""

import math
import pickle

import numpy as np
import pytest
import scipy.sparse
import torch

from src import config
from src.models.rotation2xyz import (BuiltinSkeleton, MissingBodyModelError, Rotation2xyz, SMPLFamilyBody,
                                     load_body_model)
from src.utils import features, geometry, rotation

torch.manual_seed(0)


def identity_pose(*lead):
    return torch.eye(3).expand(*lead, 24, 3, 3).clone()


def subtree(joint):
    out = {joint}
    for j, p in enumerate(config.SMPL_PARENTS):
        if p in out:
            out.add(j)
    return out


def test_rest_pose_reproduces_skeleton():
    joints = BuiltinSkeleton()(identity_pose())["joints"]
    for j, p in enumerate(config.SMPL_PARENTS):
        if p >= 0:
            got = joints[j] - joints[p]
            assert torch.allclose(got, torch.tensor(config.BUILTIN_REST_OFFSETS[j]), atol=1e-6), config.SMPL_JOINT_NAMES[j]
    # Left is +X in SMPL's frame; feet point forward (+Z); head above pelvis.
    idx = config.JOINT_INDEX
    assert joints[idx["left_wrist"], 0] > 0.5 and joints[idx["right_wrist"], 0] < -0.5
    assert joints[idx["left_foot"], 2] > joints[idx["left_ankle"], 2]
    standing = joints[0, 1] - joints[list(config.FLOOR_JOINTS), 1].min()
    assert 0.93 <= standing <= 0.98  # SPEC §1 pelvis height standing


@pytest.mark.parametrize("joint", [config.JOINT_INDEX[n] for n in ("left_shoulder", "right_hip", "spine2", "neck")])
def test_rotating_a_joint_moves_only_its_subtree(joint):
    body = BuiltinSkeleton()
    rest = body(identity_pose())["joints"]
    pose = identity_pose()
    pose[joint] = rotation.axis_angle_to_matrix(torch.tensor([0.3, -0.8, 0.5]))
    moved = (body(pose)["joints"] - rest).norm(dim=-1) > 1e-6
    expected = subtree(joint) - {joint}  # the joint itself stays where its parent puts it
    assert set(torch.nonzero(moved).flatten().tolist()) == expected


def test_root_translation_and_betas_scale():
    body = BuiltinSkeleton()
    rest = body(identity_pose())["joints"]
    shifted = body(identity_pose(), trans=torch.tensor([1.0, 2.0, 3.0]))["joints"]
    assert torch.allclose(shifted - rest, torch.tensor([1.0, 2.0, 3.0]).expand(24, 3), atol=1e-6)
    tall = body(identity_pose(), betas=torch.tensor([2.0] + [0.0] * 15))["joints"]
    ratio = (tall[15] - tall[7]).norm() / (rest[15] - rest[7]).norm()
    assert ratio == pytest.approx(1 + 2 * config.BUILTIN_BETA0_SCALE, rel=1e-5)


def test_batched_fk_matches_per_item():
    body = BuiltinSkeleton()
    rot = rotation.axis_angle_to_matrix(torch.randn(3, 5, 24, 3) * 0.4)
    trans = torch.randn(3, 5, 3)
    batched = body(rot, trans)["joints"]
    single = body(rot[1, 2], trans[1, 2])["joints"]
    assert batched.shape == (3, 5, 24, 3)
    assert torch.allclose(batched[1, 2], single, atol=1e-6)


@pytest.mark.parametrize("rep", ["rotvec", "rotmat", "rotquat", "rot6d"])
def test_rotation_representations_round_trip(rep):
    rotvec = torch.randn(50, 3)
    rotvec = rotvec / rotvec.norm(dim=-1, keepdim=True) * torch.rand(50, 1) * 3.0  # angles < pi
    mats = rotation.axis_angle_to_matrix(rotvec)
    back = rotation.to_matrix(rotation.from_matrix(mats, rep), rep)
    assert torch.allclose(back, mats, atol=1e-5)
    assert torch.allclose(rotation.matrix_to_axis_angle(mats), rotvec, atol=1e-4)


def test_rot6d_is_first_two_columns():
    mats = rotation.axis_angle_to_matrix(torch.randn(4, 3))
    six = rotation.matrix_to_rot6d(mats)
    assert torch.allclose(six.reshape(4, 3, 2), mats[:, :, :2])


def test_rotation_about_y_turns_z_towards_x():
    turn = rotation.rotation_about_y(torch.tensor(math.pi / 2))
    assert torch.allclose(turn @ torch.tensor([0.0, 0.0, 1.0]), torch.tensor([1.0, 0.0, 0.0]), atol=1e-6)


def test_slerp_midpoint_and_endpoints():
    a = torch.tensor([[0.0, 0.0, 0.0]])
    b = torch.tensor([[0.0, 1.0, 0.0]])
    track = torch.cat([a, b])[:, None, :]  # (T=2, 1, 3)
    out = rotation.slerp_rotvec(track, torch.tensor([0.0, 1.0]), torch.tensor([0.0, 0.5, 1.0, 1.5]))
    assert torch.allclose(out[:, 0], torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]), atol=1e-5)


def test_zup_to_yup_moves_up_axis_and_round_trips():
    root = rotation.axis_angle_to_matrix(torch.randn(7, 3))
    trans = torch.tensor([[0.3, 0.5, 0.9]]).expand(7, 3)
    root_y, trans_y = geometry.zup_to_yup(root, trans)
    # The posed pelvis (J0 + trans) is what turns: its Z-up height 0.9 becomes its Y.
    pelvis_y = trans_y[0] + geometry.BUILTIN_REST_PELVIS
    assert torch.allclose(pelvis_y, torch.tensor([0.3, 0.9, -(0.5 - 0.22)]), atol=1e-6)  # Z-up pelvis = trans + J0
    # Posing the built-in body with either parameter set gives the same body, turned.
    body = BuiltinSkeleton()
    pose = identity_pose(7)
    pose[:, 0] = root
    joints_z = body(pose, trans)["joints"]
    pose[:, 0] = root_y
    joints_y = body(pose, trans_y)["joints"]
    assert torch.allclose(joints_y, joints_z @ geometry.ZUP_TO_YUP.T, atol=1e-5)
    root_z, trans_z = geometry.yup_to_zup(root_y, trans_y)
    assert torch.allclose(root_z, root, atol=1e-6) and torch.allclose(trans_z, trans, atol=1e-6)


def random_motion(frames=6, yaw=2.0):
    pose = rotation.axis_angle_to_matrix(torch.randn(frames, 24, 3) * 0.15)
    pose[:, 0] = rotation.rotation_about_y(torch.full((frames,), yaw)) @ pose[:, 0]
    trans = torch.randn(frames, 3) + torch.tensor([4.0, 1.0, -2.0])
    return pose, trans


def test_canonicalize_joints_floor_origin_facing():
    pose, trans = random_motion()
    joints = BuiltinSkeleton()(pose, trans)["joints"]
    canon = geometry.canonicalize_joints(joints)
    assert canon[:, list(config.FLOOR_JOINTS), 1].min().abs() < 1e-6
    assert canon[0, 0, [0, 2]].abs().max() < 1e-6
    assert geometry.heading_from_joints(canon[0]).abs() < 1e-5
    # A rigid motion: distances between joints are unchanged.
    assert torch.allclose(torch.cdist(canon[3], canon[3]), torch.cdist(joints[3], joints[3]), atol=1e-5)


def test_canonicalize_params_matches_posed_joints():
    body = BuiltinSkeleton()
    pose, trans = random_motion()
    joints = body(pose, trans)["joints"]
    root, trans_c, joints_c = geometry.canonicalize_params(pose[:, 0], trans, joints)
    pose_c = pose.clone()
    pose_c[:, 0] = root
    assert torch.allclose(body(pose_c, trans_c)["joints"], joints_c, atol=1e-5)
    assert torch.allclose(joints_c, geometry.canonicalize_joints(joints), atol=1e-5)


def test_heading_of_a_body_facing_plus_x():
    pose = identity_pose()
    pose[0] = rotation.rotation_about_y(torch.tensor(math.pi / 2))
    joints = BuiltinSkeleton()(pose)["joints"]
    assert geometry.heading_from_joints(joints) == pytest.approx(math.pi / 2, abs=1e-5)
    assert geometry.heading_from_root(pose[0]) == pytest.approx(math.pi / 2, abs=1e-5)


@pytest.mark.parametrize("rep,translation", [("rot6d", True), ("rotvec", True), ("rotquat", False), ("rotmat", True)])
def test_features_round_trip(rep, translation):
    pose, trans = random_motion(frames=4)
    feats = features.motion_to_features(pose, trans, rep, translation=translation)
    assert tuple(feats.shape) == (4, *features.feature_shape(rep, translation))
    rot_back, trans_back = features.features_to_motion(feats, rep, translation)
    assert torch.allclose(rot_back, pose, atol=1e-5)
    if translation:
        assert torch.allclose(trans_back, trans)


def test_xyz_features_are_joint_positions():
    body = BuiltinSkeleton()
    pose, trans = random_motion(frames=3)
    feats = features.motion_to_features(pose, trans, "xyz", body_model=body)
    assert feats.shape == (3, 22, 3)
    assert torch.allclose(feats, body(pose, trans)["joints"][:, :22])


# ----------------------------------------------------------- SMPL-family path
def write_tiny_smpl_pkl(path, num_vertices=40, num_betas=10, seed=0):
    """A random small mesh in the real SMPL_*.pkl layout (same keys, shapes per vertex count)."""
    rng = np.random.default_rng(seed)
    rest = BuiltinSkeleton().rest_joints.numpy().astype(np.float64)
    # Vertices scattered around the joints so that the regressor reproduces them exactly.
    owner = np.arange(num_vertices) % 24
    v_template = rest[owner] + rng.normal(scale=0.01, size=(num_vertices, 3))
    regressor = np.zeros((24, num_vertices))
    for j in range(24):
        members = np.nonzero(owner == j)[0]
        regressor[j, members] = 1.0 / len(members)
    weights = np.zeros((num_vertices, 24))
    weights[np.arange(num_vertices), owner] = 1.0
    kintree = np.stack([np.array([4294967295] + list(config.SMPL_PARENTS[1:]), dtype=np.int64), np.arange(24)])
    data = {
        "v_template": v_template,
        "shapedirs": rng.normal(scale=0.01, size=(num_vertices, 3, num_betas)),
        "posedirs": np.zeros((num_vertices, 3, 207)),
        "J_regressor": scipy.sparse.csc_matrix(regressor),
        "weights": weights,
        "kintree_table": kintree,
        "f": rng.integers(0, num_vertices, size=(30, 3)).astype(np.uint32),
        "bs_type": "lrotmin",
        "bs_style": "lbs",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=2)
    return data


def test_smpl_file_path_through_smplx(tmp_path):
    model_file = tmp_path / "smpl" / "SMPL_NEUTRAL.pkl"
    data = write_tiny_smpl_pkl(model_file)
    body = load_body_model("auto", models_dir=tmp_path)
    assert isinstance(body, SMPLFamilyBody) and body.has_vertices
    pose, trans = random_motion(frames=2)
    out = body(pose, trans)
    assert out["joints"].shape == (2, 24, 3) and out["vertices"].shape == (2, 40, 3)
    # Rest pose: joints equal the regressed template; vertices equal the template + trans.
    rest = body(identity_pose(), torch.zeros(3))
    expected_joints = torch.as_tensor(data["J_regressor"].toarray() @ data["v_template"], dtype=torch.float32)
    assert torch.allclose(rest["joints"], expected_joints, atol=1e-5)
    assert torch.allclose(rest["vertices"], torch.as_tensor(data["v_template"], dtype=torch.float32), atol=1e-5)
    # Posed joints match the built-in FK on the same rest skeleton (this mesh is rigidly skinned).
    fk = BuiltinSkeleton()
    fk.rest_joints = expected_joints
    assert torch.allclose(out["joints"], fk(pose, trans)["joints"], atol=1e-4)
    # Shape coefficients move vertices.
    shaped = body(identity_pose(), torch.zeros(3), betas=torch.ones(10))["vertices"]
    assert not torch.allclose(shaped, rest["vertices"])


def test_rotation2xyz_uses_the_body_model():
    pose, trans = random_motion(frames=2)
    r2x = Rotation2xyz(BuiltinSkeleton())
    joints = r2x(rotation.matrix_to_rot6d(pose), "rot6d", trans)
    assert joints.shape == (2, 22, 3)
    assert torch.allclose(joints, BuiltinSkeleton()(pose, trans)["joints"][:, :22], atol=1e-5)


def test_missing_smpl_file_gives_a_clear_message(tmp_path):
    with pytest.raises(MissingBodyModelError) as err:
        load_body_model("smpl", models_dir=tmp_path)
    message = str(err.value)
    assert "SMPL_NEUTRAL.pkl" in message and "smpl.is.tue.mpg.de" in message and "models/smpl" in message
    assert isinstance(load_body_model("auto", models_dir=tmp_path), BuiltinSkeleton)


def test_check_smpl_files_reports(tmp_path, capsys):
    from prepare.check_smpl_files import main

    assert main(["--models_dir", str(tmp_path)]) == 0
    assert "built-in skeleton is used" in capsys.readouterr().out
    write_tiny_smpl_pkl(tmp_path / "smpl" / "SMPL_NEUTRAL.pkl")
    (tmp_path / "smplh" / "male").mkdir(parents=True)
    (tmp_path / "smplh" / "male" / "model.npz").write_bytes(b"not a zip")
    assert main(["--models_dir", str(tmp_path)]) == 3  # one unreadable file (src.errors: unusable model files)
    out = capsys.readouterr().out
    assert "ok (40 vertices, 24 joints)" in out and "unreadable" in out


def test_smpl_pickle_with_chumpy_objects_loads_without_chumpy(tmp_path, monkeypatch):
    """Official SMPL pickles hold chumpy arrays; chumpy does not install on current Python."""
    import sys
    import types

    fake = types.ModuleType("chumpy")
    fake_ch = types.ModuleType("chumpy.ch")

    class Ch:  # pickled by reference as chumpy.ch.Ch, with its array in state["x"]
        def __init__(self, x):
            self.x = x

    Ch.__module__ = "chumpy.ch"
    Ch.__qualname__ = "Ch"
    fake_ch.Ch = Ch
    monkeypatch.setitem(sys.modules, "chumpy", fake)
    monkeypatch.setitem(sys.modules, "chumpy.ch", fake_ch)
    path = tmp_path / "smpl" / "SMPL_NEUTRAL.pkl"
    data = write_tiny_smpl_pkl(path)
    data["shapedirs"] = Ch(data["shapedirs"])
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=2)
    monkeypatch.delitem(sys.modules, "chumpy")
    monkeypatch.delitem(sys.modules, "chumpy.ch")
    body = SMPLFamilyBody(path)
    assert body.shapedirs.shape == (40, 3, 10)


class _WritesMarker:
    """A pickled object whose loading would create ``path`` (what a malicious model file does)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_smpl_pickle_that_would_run_code_is_refused(tmp_path, capsys):
    """Only the numpy/scipy types of official SMPL files are unpickled: anything else is refused
    before it runs, with a one-line error naming the file (exit 3 in the commands)."""
    from prepare.check_smpl_files import main
    from src.errors import ModelFilesError
    from src.models.rotation2xyz import UntrustedModelFileError, read_smpl_model_file

    marker = tmp_path / "marker"
    path = tmp_path / "smpl" / "SMPL_NEUTRAL.pkl"
    data = write_tiny_smpl_pkl(path)
    data["bs_style"] = _WritesMarker(marker)
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=2)
    with pytest.raises(UntrustedModelFileError) as err:
        read_smpl_model_file(path)
    assert isinstance(err.value, ModelFilesError) and str(path) in str(err.value) and "io.open" in str(err.value)
    with pytest.raises(UntrustedModelFileError):
        load_body_model("auto", models_dir=tmp_path)
    assert main(["--models_dir", str(tmp_path)]) == 3
    assert "refused" in capsys.readouterr().out
    assert not marker.exists()


def test_smpl_pickle_of_another_protocol_still_loads(tmp_path):
    """numpy arrays pickled with protocol 5 (out-of-band buffers off) use other numpy names."""
    path = tmp_path / "smpl" / "SMPL_NEUTRAL.pkl"
    data = write_tiny_smpl_pkl(path)
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=5)
    assert SMPLFamilyBody(path).v_template.shape == (40, 3)
