"""HumanML3D / KIT-ML loader on small folders written in the released layout."""

import logging

import numpy as np
import pytest

from src import config
from src.datasets import humanml3d
from src.datasets.humanml3d import HumanML3DFormatError, iter_humanml3d, load_humanml3d

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
