"""HumanML3D / KIT-ML loader on small folders written in the released layout."""

import logging

import numpy as np
import pytest

from src import config
from src.datasets.formats import humanml3d
from src.datasets.formats.humanml3d import HumanML3DFormatError, iter_humanml3d, load_humanml3d

HML_TEXT = (
    "a person walks forward and stops.#a/DET person/NOUN walk/VERB forward/ADV and/CCONJ stop/VERB#0.0#0.0\n"
    "someone strolls ahead#someone/PRON stroll/VERB ahead/ADV#nan#nan\n"
    "\n"
    "the person waves with the left hand#the/DET person/NOUN wave/VERB#1.5#3.0\n"
    "the person then sits down#the/DET person/NOUN sit/VERB down/ADV#4.0#9.5\n"
)


def make_dataset(root, kind="humanml3d", ids=("000001", "M000001", "000002"), frames=100, vecs=False):
    spec = humanml3d.KINDS[kind]
    rng = np.random.default_rng(0)
    for folder in ("new_joints", "texts") + (("new_joint_vecs",) if vecs else ()):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for i, motion_id in enumerate(ids):
        joints = rng.normal(size=(frames + i, spec.num_joints, 3)).astype(np.float32) * spec.units_per_metre
        np.save(root / "new_joints" / f"{motion_id}.npy", joints)
        (root / "texts" / f"{motion_id}.txt").write_text(HML_TEXT, encoding="utf-8")
        if vecs:
            np.save(root / "new_joint_vecs" / f"{motion_id}.npy", np.zeros((frames + i - 1, spec.feature_dim), np.float32))
    (root / "train.txt").write_text("\n".join(ids[:2]) + "\n")
    (root / "test.txt").write_text(ids[2] + "\n")
    (root / "val.txt").write_text("")
    return root


def test_humanml3d_parsing(tmp_path):
    root = make_dataset(tmp_path)
    train = load_humanml3d(root, "train")
    assert [m["id"] for m in train] == ["000001", "M000001"]
    assert [m["mirrored"] for m in train] == [False, True]
    motion = train[0]
    assert motion["fps"] == config.HUMANML3D_FPS == 20.0
    assert motion["joints"].shape == (100, 22, 3) and motion["joints"].dtype == np.float32
    np.testing.assert_array_equal(motion["joints"], np.load(root / "new_joints" / "000001.npy"))
    # whole clip (0.0#0.0 and NaN) -> (0, T / fps); sub-clips in seconds; an end past the clip is clamped
    assert motion["texts"] == [
        ("a person walks forward and stops.", 0.0, 5.0),
        ("someone strolls ahead", 0.0, 5.0),
        ("the person waves with the left hand", 1.5, 3.0),
        ("the person then sits down", 4.0, 5.0),
    ]
    assert motion["tokens"][2] == ["the/DET", "person/NOUN", "wave/VERB"]
    assert load_humanml3d(root, "val") == []
    assert [m["id"] for m in load_humanml3d(root, "test")] == ["000002"]


def test_kitml_units_and_rate(tmp_path):
    root = make_dataset(tmp_path, kind="kitml", frames=50)
    motion = load_humanml3d(root, "train", kind="kitml")[0]
    raw = np.load(root / "new_joints" / "000001.npy")
    assert motion["joints"].shape == (50, 21, 3) and motion["fps"] == 12.5
    np.testing.assert_allclose(motion["joints"], raw / config.KITML_UNITS_PER_METRE, rtol=1e-6)
    assert motion["texts"][0][2] == pytest.approx(50 / 12.5)
    with pytest.raises(HumanML3DFormatError, match=r"expected \(T, 22, 3\) for humanml3d"):
        load_humanml3d(root, "train", kind="humanml3d")


def test_streaming_reads_lazily(tmp_path):
    root = make_dataset(tmp_path)
    (root / "new_joints" / "M000001.npy").unlink()
    stream = iter_humanml3d(root, "train")
    assert next(stream)["id"] == "000001"      # the missing file is only met when reached
    with pytest.raises(FileNotFoundError, match="M000001.npy"):
        next(stream)


def test_vecs_and_stats(tmp_path):
    root = make_dataset(tmp_path, vecs=True)
    motion = load_humanml3d(root, "train", with_vecs=True)[0]
    assert motion["vecs"].shape == (99, 263)
    assert humanml3d.load_stats(root) is None
    np.save(root / "Mean.npy", np.zeros(263))
    np.save(root / "Std.npy", np.ones(263))
    mean, std = humanml3d.load_stats(root)
    assert mean.shape == std.shape == (263,)
    np.save(root / "Std.npy", np.ones(251))
    with pytest.raises(HumanML3DFormatError, match="Std.npy"):
        humanml3d.load_stats(root)


def test_missing_paths_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        load_humanml3d(tmp_path / "nowhere", "train")
    root = make_dataset(tmp_path / "hml")
    with pytest.raises(FileNotFoundError, match="new_joint_vecs"):
        load_humanml3d(root, "train", with_vecs=True)
    (root / "val.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"split file not found: .*val\.txt"):
        load_humanml3d(root, "val")
    (root / "texts" / "000002.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"caption file not found: .*000002\.txt"):
        load_humanml3d(root, "test")
    assert load_humanml3d(root, "test", missing="skip") == []
    with pytest.raises(ValueError, match="split must be one of"):
        load_humanml3d(root, "training")


@pytest.mark.parametrize("line, words", [
    ("a person walks#a/DET person/NOUN#0.0\n", "expected 'caption#tokens#start#end'"),
    ("a person walks#a/DET#zero#1.0\n", "must be numbers"),
    ("#a/DET#0.0#0.0\n", "empty caption"),
])
def test_malformed_text_line_names_file_and_line(tmp_path, line, words):
    root = make_dataset(tmp_path)
    path = root / "texts" / "000001.txt"
    path.write_text(HML_TEXT + line)
    with pytest.raises(HumanML3DFormatError) as err:
        load_humanml3d(root, "train")
    assert f"{path}:6:" in str(err.value) and words in str(err.value)


def test_empty_subclip_is_dropped_with_a_warning(tmp_path, caplog):
    root = make_dataset(tmp_path)
    (root / "texts" / "000001.txt").write_text("a jump#a/DET jump/NOUN#7.0#8.0\nstands#stand/VERB#0.0#0.0\n")
    with caplog.at_level(logging.WARNING):
        motion = load_humanml3d(root, "train")[0]
    assert motion["texts"] == [("stands", 0.0, 5.0)]
    assert "000001.txt:1" in caplog.text


def test_malformed_joint_file(tmp_path):
    root = make_dataset(tmp_path)
    np.save(root / "new_joints" / "000001.npy", np.zeros((10, 22)))
    with pytest.raises(HumanML3DFormatError, match=r"000001\.npy: joints of shape \(10, 22\)"):
        load_humanml3d(root, "train")


# ------------------------------------------------------------------ KIT-ML -> SMPL-22
# A KIT-ML (MMM) body in metres, built right-handed: Y-up, facing +Z (toes on +Z), its left on +X,
# standing, the LEFT arm raised up and out so that the sides can be told apart.
_KIT_BODY = {
    "root": (0.0, 0.95, 0.0), "BP": (0.0, 1.05, -0.01), "BT": (0.0, 1.30, -0.02), "BLN": (0.0, 1.45, -0.02),
    "BUN": (0.0, 1.58, 0.0),
    "LS": (0.18, 1.42, -0.02), "LE": (0.38, 1.60, -0.02), "LW": (0.55, 1.82, -0.02),
    "RS": (-0.18, 1.42, -0.02), "RE": (-0.19, 1.14, -0.02), "RW": (-0.19, 0.88, 0.0),
    "LH": (0.09, 0.90, 0.0), "LK": (0.09, 0.50, 0.02), "LA": (0.09, 0.08, 0.0), "LMrot": (0.09, 0.02, 0.10),
    "LF": (0.09, 0.01, 0.18),
    "RH": (-0.09, 0.90, 0.0), "RK": (-0.09, 0.50, 0.02), "RA": (-0.09, 0.08, 0.0), "RMrot": (-0.09, 0.02, 0.10),
    "RF": (-0.09, 0.01, 0.18),
}


def kit_released_pose(yaw: float = 0.0) -> np.ndarray:
    """(21, 3) metres: ``_KIT_BODY`` as KIT-ML's new_joints hold it (the mirror image, X negated,
    names kept: L-named joints on -X, toes still on +Z), then turned by ``yaw`` about +Y."""
    body = np.array([_KIT_BODY[name] for name in humanml3d.KIT_JOINT_NAMES])
    body[:, 0] = -body[:, 0]
    c, s = np.cos(yaw), np.sin(yaw)
    turn = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])  # +Z towards +X for yaw > 0
    return body @ turn.T


def test_kit_joint_table():
    assert len(humanml3d.KIT_JOINT_NAMES) == 21 == humanml3d.KINDS["kitml"].num_joints
    names = [name for name, _ in humanml3d.KIT_TO_SMPL22]
    assert names == list(config.SMPL_JOINT_NAMES[:22])
    for _, blend in humanml3d.KIT_TO_SMPL22:
        assert set(blend) <= set(humanml3d.KIT_JOINT_NAMES) and sum(blend.values()) == pytest.approx(1.0)
    # left SMPL joints come from left KIT joints only, right from right
    for name, blend in humanml3d.KIT_TO_SMPL22:
        sides = {kit[0] for kit in blend if kit[0] in "LR" and kit != "root"}
        assert sides == ({"L"} if name.startswith("left") else {"R"} if name.startswith("right") else set()), name


def test_kit_to_smpl22_shapes():
    kit = np.stack([kit_released_pose(0.1 * t) for t in range(5)]).astype(np.float32)  # (5, 21, 3)
    smpl = humanml3d.kit_to_smpl22(kit)
    assert smpl.shape == (5, 22, 3) and smpl.dtype == np.float32
    assert humanml3d.kit_to_smpl22(np.stack([kit, kit])).shape == (2, 5, 22, 3)
    np.testing.assert_allclose(humanml3d.kit_to_smpl22(kit[0]), smpl[0], atol=1e-6)
    # one-to-one joints are the KIT joint with X negated; unmirrored input keeps X
    k = humanml3d.KIT_JOINT_INDEX
    np.testing.assert_allclose(smpl[:, 20], kit[:, k["LW"]] * [-1, 1, 1], atol=1e-6)
    np.testing.assert_allclose(humanml3d.kit_to_smpl22(kit, mirrored=False)[:, 20], kit[:, k["LW"]], atol=1e-6)
    with pytest.raises(ValueError, match=r"\(\.\.\., 21, 3\)"):
        humanml3d.kit_to_smpl22(np.zeros((5, 22, 3)))


def test_kit_to_smpl22_keeps_sides_and_faces_plus_z():
    import torch

    from src.utils import geometry

    j = config.JOINT_INDEX
    smpl = humanml3d.kit_to_smpl22(kit_released_pose())  # (22, 3), the body facing +Z
    up = np.array([0.0, 1.0, 0.0])
    toes = smpl[[j["left_foot"], j["right_foot"]]].mean(0) - smpl[[j["left_ankle"], j["right_ankle"]]].mean(0)
    toes[1] = 0.0
    assert toes[2] > 0.9 * np.linalg.norm(toes)  # the toes still point +Z
    body_left = np.cross(up, toes)  # a right-handed body's left: up x forward (= +X here)
    for left, right in config.MIRROR_PAIRS:
        if right < 22:
            assert np.dot(smpl[left] - smpl[right], body_left) > 0, config.SMPL_JOINT_NAMES[left]
    # the performer's raised LEFT arm is SMPL's left arm, on +X, above the head
    assert smpl[j["left_wrist"], 1] > smpl[j["head"], 1] and smpl[j["left_wrist"], 0] > 0.5
    assert smpl[j["right_wrist"], 1] < smpl[j["pelvis"], 1]
    # collars lie between the neck and each shoulder; spine2 between spine1 and spine3
    for collar, shoulder in ((j["left_collar"], j["left_shoulder"]), (j["right_collar"], j["right_shoulder"])):
        np.testing.assert_allclose(smpl[collar], (smpl[j["neck"]] + smpl[shoulder]) / 2, atol=1e-6)
        assert 0 < abs(smpl[collar, 0]) < abs(smpl[shoulder, 0])
    assert smpl[j["spine1"], 1] < smpl[j["spine2"], 1] < smpl[j["spine3"], 1]
    # hips + shoulders give the same heading as the toes: 0 (facing +Z)
    assert float(geometry.heading_from_joints(torch.from_numpy(smpl))) == pytest.approx(0.0, abs=1e-3)
    # a body turned in the file is turned back by canonicalisation, and faces +Z
    clip = humanml3d.kit_to_smpl22(np.stack([kit_released_pose(1.2)] * 3))
    assert abs(float(geometry.heading_from_joints(torch.from_numpy(clip[0])))) > 1.0
    canon = geometry.canonicalize_joints(torch.from_numpy(clip))
    assert float(geometry.heading_from_joints(canon[0])) == pytest.approx(0.0, abs=1e-4)
    np.testing.assert_allclose(canon[0].numpy(), geometry.canonicalize_joints(torch.from_numpy(smpl[None]))[0].numpy(),
                               atol=1e-5)


def test_kitml_smpl22_layout(tmp_path):
    root = make_dataset(tmp_path, kind="kitml", frames=30)
    pose = (kit_released_pose() * config.KITML_UNITS_PER_METRE).astype(np.float32)
    np.save(root / "new_joints" / "000001.npy", np.repeat(pose[None], 30, axis=0))
    raw = load_humanml3d(root, "train", kind="kitml")[0]
    mapped = load_humanml3d(root, "train", kind="kitml", layout="smpl22")[0]
    assert raw["joints"].shape == (30, 21, 3) and mapped["joints"].shape == (30, 22, 3)
    assert mapped["fps"] == 12.5 and mapped["texts"] == raw["texts"]
    np.testing.assert_allclose(mapped["joints"], humanml3d.kit_to_smpl22(raw["joints"]), atol=1e-6)
    assert mapped["joints"][0, config.JOINT_INDEX["left_hip"], 0] == pytest.approx(0.09, abs=1e-4)  # metres, +X
    # HumanML3D is SMPL-22 already: both layouts are the files' joints
    hml = make_dataset(tmp_path / "hml")
    np.testing.assert_array_equal(load_humanml3d(hml, "test", layout="smpl22")[0]["joints"],
                                  load_humanml3d(hml, "test")[0]["joints"])
    with pytest.raises(ValueError, match="layout must be one of"):
        load_humanml3d(root, "train", kind="kitml", layout="smpl24")
