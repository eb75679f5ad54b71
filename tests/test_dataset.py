"""Motion-text datasets: windows, canonicalisation, captions, mirroring, statistics, the factory."""

import argparse
import math
import sys
import types

import pytest
import torch

from src import config
from src.datasets.text import captions as cap
from src.datasets import dataset as ds_mod
from src.datasets.dataset import (JointsTextDataset, MotionTextDataset, collate, mirror_joints, mirror_points,
                                  mirror_rotmats)
from src.datasets.get_dataset import add_dataset_args, get_datasets, make_dataloader
from src.models.rotation2xyz import load_body_model
from src.utils import features, geometry, rotation

FPS = 30.0
BODY = load_body_model("builtin")


def walk(num, yaw, start=(0.0, 1.2, 0.0), speed=1.0, noise=0.05, seed=0):
    """Axis-angle poses (num, 24, 3) and translation (num, 3) of a body walking straight, facing ``yaw``."""
    gen = torch.Generator().manual_seed(seed)
    t = torch.arange(num) / FPS
    poses = torch.randn(num, 24, 3, generator=gen) * noise
    poses[:, 0] = torch.tensor([0.0, yaw, 0.0])
    poses[:, 1, 0] = 0.4 * torch.sin(2 * math.pi * t)  # hips swing in opposition
    poses[:, 2, 0] = -poses[:, 1, 0]
    poses[:, 18, 2] = 0.3  # left elbow bent: an asymmetric pose, so mirroring shows
    forward = torch.tensor([math.sin(yaw), 0.0, math.cos(yaw)])
    trans = torch.tensor(start) + speed * t[:, None] * forward
    return poses, trans


def make_db(seqs):
    """seqs: list of (poses, trans, [(start, end, text, kind, act_cat)]) -> a smog-db-v1 dict."""
    offsets, seg = [0], {k: [] for k in ("seq", "start", "end", "text", "kind", "cat")}
    for i, (poses, _, segs) in enumerate(seqs):
        offsets.append(offsets[-1] + len(poses))
        for s, e, text, kind, cat in segs:
            for key, value in zip(("seq", "start", "end", "text", "kind", "cat"), (i, s, e, text, kind, cat)):
                seg[key].append(value)
    n = len(seqs)
    return {"format": "smog-db-v1", "fps": FPS, "dataset": "fake", "names": [f"seq{i}" for i in range(n)],
            "poses": torch.cat([s[0] for s in seqs]).float(), "trans": torch.cat([s[1] for s in seqs]).float(),
            "offsets": torch.tensor(offsets), "betas": torch.zeros(n, 16), "gender": ["neutral"] * n,
            "source_fps": torch.full((n,), 120.0), "seg_seq": torch.tensor(seg["seq"], dtype=torch.long),
            "seg_start": torch.tensor(seg["start"], dtype=torch.long),
            "seg_end": torch.tensor(seg["end"], dtype=torch.long), "seg_text": seg["text"],
            "seg_kind": seg["kind"], "seg_act_cat": seg["cat"], "babel_sid": torch.arange(n)}


def seq_caption(num, text="a person walks", cat="walk"):
    return [(0, num, text, "seq", cat)]


@pytest.fixture(scope="module")
def db():
    lengths = (40, 100, 300, 75)
    seqs = [(*walk(n, yaw=0.7 * i - 1.0, start=(0.5 * i, 1.2, -0.3 * i), seed=i), seq_caption(n))
            for i, n in enumerate(lengths)]
    return make_db(seqs)


def decoded_joints(x, pose_rep="rot6d", translation=True):
    return features.features_to_joints(x, pose_rep, translation, BODY)


# ----------------------------------------------------------------- windows
def test_window_lengths(db):
    fixed = MotionTextDataset(db, train=True, num_frames=60)
    assert [fixed[i]["length"] for i in range(4)] == [40, 60, 60, 60]
    whole = MotionTextDataset(db, train=True, num_frames=-1)
    assert [whole[i]["length"] for i in range(4)] == [40, 100, 300, 75]
    cropped = MotionTextDataset(db, train=False, num_frames=-1, max_len=80)
    assert [cropped[i]["length"] for i in range(4)] == [40, 80, 80, 75]
    rand = MotionTextDataset(db, train=True, num_frames=-2, min_len=30, max_len=70)
    seen = {rand[2]["length"] for _ in range(200)}
    assert min(seen) >= 30 and max(seen) <= 70 and len(seen) > 20
    assert {rand[0]["length"] for _ in range(50)} <= set(range(30, 41))  # capped by the 40-frame sequence
    assert MotionTextDataset(db, train=False, num_frames=-2, min_len=30, max_len=70)[2]["length"] == 70
    with pytest.raises(ValueError):
        MotionTextDataset(db, train=True, num_frames=-2)  # needs min_len


def test_sampling_modes(db):
    data = MotionTextDataset(db, train=True, num_frames=20, sampling="random")
    frames = data._window_frames(100, 0)
    assert len(frames) == 20 and (frames.diff() > 0).all()
    data = MotionTextDataset(db, train=True, num_frames=20, sampling="random_conseq")
    steps = {int(data._window_frames(100, 0).diff().unique()) for _ in range(100)}
    assert steps <= set(range(1, 6)) and len(steps) > 1  # (100 - 1) // 19 = 5 at most
    data = MotionTextDataset(db, train=True, num_frames=20, sampling="conseq", sampling_step=2)
    frames = data._window_frames(100, 0)
    assert (frames.diff() == 2).all() and frames[-1] < 100


def test_eval_windows_are_deterministic_and_centred(db):
    data = MotionTextDataset(db, train=False, num_frames=60)
    a, b = data[2], data[2]
    assert torch.equal(a["x"], b["x"]) and a["text"] == b["text"]
    assert data._window_frames(300, 0)[0] == 120  # centred: (300 - 60) // 2
    train = MotionTextDataset(db, train=True, num_frames=60)
    assert any(not torch.equal(train[2]["x"], train[2]["x"]) for _ in range(5))


def test_collate_pads_and_masks(db):
    data = MotionTextDataset(db, train=True, num_frames=60)
    items = data.__getitems__([0, 1, 3])
    batch = collate(items)
    assert batch["x"].shape == (3, 60, 25, 6) and batch["x"].dtype == torch.float32
    assert batch["lengths"].tolist() == [40, 60, 60]
    assert batch["mask"].dtype == torch.bool and batch["mask"].sum(1).tolist() == [40, 60, 60]
    assert not batch["mask"][0, 40:].any()
    assert (batch["x"][0, 40:] == 0).all() and torch.equal(batch["x"][0, :40], items[0]["x"])
    assert batch["text"] == ["a person walks"] * 3 and batch["action_cat"] == ["walk"] * 3
    assert batch["betas"].shape == (3, 16) and batch["fps"] == FPS


@pytest.mark.parametrize("pose_rep,translation,shape", [
    ("rot6d", True, (25, 6)), ("rot6d", False, (24, 6)), ("rotvec", True, (25, 3)),
    ("rotmat", True, (25, 9)), ("rotquat", True, (25, 4)), ("xyz", True, (22, 3))])
def test_feature_shapes(db, pose_rep, translation, shape):
    data = MotionTextDataset(db, train=True, num_frames=30, pose_rep=pose_rep, translation=translation)
    assert data.feature_shape == shape
    assert data[1]["x"].shape == (30, *shape)


# ---------------------------------------------------------- canonicalisation
def assert_canonical(joints, atol=1e-4):
    """(T, 24|22, 3) joints: frame-0 root at x = z = 0 facing +Z, floor at 0."""
    assert joints[0, 0, 0].abs() < atol and joints[0, 0, 2].abs() < atol
    assert geometry.heading_from_joints(joints[0]).abs() < atol
    assert joints[:, list(config.FLOOR_JOINTS), 1].min().abs() < atol


def test_windows_are_canonical(db):
    data = MotionTextDataset(db, train=True, num_frames=50, mirror_prob=0.5)
    for _ in range(3):
        for i in range(len(data)):
            assert_canonical(decoded_joints(data[i]["x"]))
    xyz = MotionTextDataset(db, train=True, num_frames=50, pose_rep="xyz", mirror_prob=0.5)
    assert_canonical(xyz[2]["x"])


def test_batched_canonicalisation_matches_geometry(db):
    data = MotionTextDataset(db, train=True, num_frames=-1, pose_rep="rotmat")
    start, end = int(db["offsets"][2]), int(db["offsets"][3])
    rotmats = rotation.axis_angle_to_matrix(db["poses"][start:end])
    trans = db["trans"][start:end]
    joints = BODY(rotmats, trans)["joints"]
    root, trans_c, joints_c = geometry.canonicalize_params(rotmats[:, 0], trans, joints)
    got_rot, got_trans = features.features_to_motion(data[2]["x"], "rotmat", True)
    assert torch.allclose(got_rot[:, 0], root, atol=1e-5)
    assert torch.allclose(got_rot[:, 1:], rotmats[:, 1:], atol=1e-6)
    assert torch.allclose(got_trans, trans_c, atol=1e-4)
    assert torch.allclose(BODY(got_rot, got_trans)["joints"], joints_c, atol=1e-4)


@pytest.mark.parametrize("pose_rep", ["rot6d", "rotvec"])
def test_a_batch_of_windows_equals_the_windows_one_by_one(db, pose_rep):
    # Windows are built laid end to end; the translation row's displacements must restart at each
    # window (a first frame used to hold the step from the previous window's last frame).
    data = MotionTextDataset(db, train=False, num_frames=40, pose_rep=pose_rep)
    indices = list(range(len(data)))
    batched = data.__getitems__(indices)
    for k, item in zip(indices, batched):
        assert torch.equal(item["x"], data.__getitems__([k])[0]["x"]), k


def test_single_label_marks_windows_that_show_one_action_only():
    poses, trans = walk(120, yaw=0.0, start=(0.0, 1.2, 0.0), seed=0)
    segs = [(0, 70, "a person stands", "frame", "stand_still"), (70, 75, "transition", "frame", "transition"),
            (75, 120, "a person walks", "frame", "walk")]
    data = MotionTextDataset(make_db([(poses, trans, segs)]), train=False, num_frames=40)
    assert data._inside_one_label(0, 10, 50) and data._inside_one_label(0, 75, 115)
    assert not data._inside_one_label(0, 50, 90)  # runs through the transition into the walk
    centred = data[0]  # frames 40-80: named after the still, but it ends walking
    assert centred["action_cat"] == "stand_still" and centred["single_label"] is False
    assert collate([centred])["single_label"] == [False]
    # Its caption names the still only (frames 40-70 of 40-80): 30 of its 40 frames are described.
    assert centred["caption_coverage"] == pytest.approx(30 / 40)
    assert collate([centred])["caption_coverage"].tolist() == pytest.approx([0.75])
    assert data._caption(0, 10, 50)[2] == 1.0


def test_translation_row_is_trajectory_from_first_frame():
    # walking along world -X while facing -X: in the window's frame it walks along +Z
    poses, trans = walk(120, yaw=-math.pi / 2, start=(3.0, 1.2, -2.0), speed=1.5, noise=0.0)
    data = MotionTextDataset(make_db([(poses, trans, seq_caption(120))]), train=True, num_frames=60)
    row = data[0]["x"][:, 24, :3]  # (T, 3): per-frame displacement (x, z) and height (y)
    assert torch.allclose(row[1:, 2], torch.full((59,), 1.5 / FPS), atol=1e-5)  # constant speed
    traj = features.row_to_trans(row)
    rel = traj - traj[0]
    expected = 1.5 * torch.arange(60) / FPS
    assert torch.allclose(rel[:, 2], expected, atol=1e-4)
    assert rel[:, 0].abs().max() < 1e-4 and rel[:, 1].abs().max() < 1e-4
    assert (data[0]["x"][:, 24, 3:] == 0).all()


# ---------------------------------------------------------------- captions
def test_join_labels():
    assert cap.join_labels(["walk", "wave the right hand"]) == "walk and wave the right hand"
    assert cap.join_labels(["walk.", "transition", "Wave the right hand "]) == "walk and wave the right hand"
    assert cap.join_labels(["walk", "", "  ", "walk", "Walk", "T-pose", "jump and"]) == "walk and T-pose and jump"
    assert cap.join_labels(["transition", ""]) == ""
    joined = cap.join_labels(["walk ", " and ", "run,"])
    assert "walkand" not in joined and " and and " not in joined and joined == "walk and run"


def test_swap_left_right():
    assert cap.swap_left_right("Wave the left hand, then turn RIGHT") == "Wave the right hand, then turn LEFT"
    swapped = cap.swap_left_right("a left-handed throw to the right-hand side")
    assert swapped == "a right-handed throw to the left-hand side"
    assert cap.swap_left_right("Left leg leftwards, lefthand") == "Right leg rightwards, righthand"
    assert cap.swap_left_right("turn clockwise") == "turn counterclockwise"
    assert cap.swap_left_right("turn counter-clockwise, Anticlockwise") == "turn clockwise, Clockwise"
    assert cap.swap_left_right("stand upright in bright light") == "stand upright in bright light"
    text = "step left, kick right, spin counterclockwise"
    assert cap.swap_left_right(cap.swap_left_right(text)) == text


def test_overlapping_labels():
    starts, ends = [0, 30, 60], [30, 60, 90]
    assert cap.overlapping_labels(starts, ends, 25, 85) == [1, 2]  # 5 frames of [0, 30) are too few
    assert cap.overlapping_labels(starts, ends, 35, 45) == [1]
    assert cap.overlapping_labels(starts, ends, 95, 100) == []
    assert cap.overlapping_labels([0], [100], 90, 190) == [0]  # largest overlap when none passes


def labelled_db():
    n = 150
    poses, trans = walk(n, yaw=0.3)
    segs = [(0, n, "A person walks then waves.", "seq", "walk"), (0, n, "someone walks and waves", "seq", "walk"),
            (0, 60, "walk", "frame", "walk"), (60, 70, "transition", "frame", "transition"),
            (70, 150, "wave the right hand", "frame", "wave|hand movements")]
    seq_only = (*walk(80, yaw=1.0), [(0, 80, "a person jogs", "seq", "run"), (0, 80, "jogging", "seq", "run")])
    no_caption = (*walk(80, yaw=0.0), [(0, 80, "transition", "frame", "transition")])
    no_segments = (*walk(90, yaw=0.0), [])
    return make_db([(poses, trans, segs), seq_only, no_caption, no_segments])


def test_window_captions_from_segments():
    db = labelled_db()
    whole = MotionTextDataset(db, train=False, num_frames=-1)
    assert whole.num_dropped == {"uncaptioned": 2, "short": 0} and len(whole) == 2
    assert whole.rotmats.shape[0] == 150 + 80  # frames of left-out sequences are not kept
    assert whole[0]["text"] == "walk and wave the right hand"
    assert whole[0]["action_cat"] == "walk|wave|hand movements"
    assert whole[1]["text"] == "a person jogs"  # evaluation: the first whole-sequence caption
    assert whole._caption(0, 0, 40)[:2] == ("walk", "walk")
    assert whole._caption(0, 80, 150)[:2] == ("wave the right hand", "wave|hand movements")
    train = MotionTextDataset(db, train=True, num_frames=-1)
    assert {train[1]["text"] for _ in range(40)} == {"a person jogs", "jogging"}
    alone = MotionTextDataset(make_db([(*walk(80, yaw=1.0), seq_caption(80))]), train=False, num_frames=-1)
    assert torch.equal(whole[1]["x"], alone[0]["x"])
    cats = MotionTextDataset(db, train=False, num_frames=-1, use_action_cat_as_text_labels=True)
    assert cats[0]["text"] == "walk and wave and hand movements" and cats[1]["text"] == "run"


def test_action_start_windows_begin_where_a_labelled_action_begins():
    db = labelled_db()  # sequence 0: frame labels from 0 ("walk") and 70 ("wave ..."); 1: whole-sequence captions
    aligned = MotionTextDataset(db, train=True, num_frames=40, action_start_prob=1.0)
    assert {int(aligned._window_frames(150, 0)[0]) for _ in range(60)} == {0, 70}
    assert {int(aligned._window_frames(80, 1)[0]) for _ in range(20)} == {0}
    texts = {aligned[0]["text"] for _ in range(60)}
    assert texts == {"walk", "wave the right hand"}  # never a window straddling both actions
    longer = MotionTextDataset(db, train=True, num_frames=100, action_start_prob=1.0)
    assert {int(longer._window_frames(150, 0)[0]) for _ in range(40)} == {0, 50}  # moved back to fit
    anywhere = MotionTextDataset(db, train=True, num_frames=40)
    assert len({int(anywhere._window_frames(150, 0)[0]) for _ in range(60)}) > 10
    with pytest.raises(ValueError, match="action_start_prob"):
        MotionTextDataset(db, train=True, num_frames=40, action_start_prob=1.5)


def test_action_emphasis_weights_sequences_and_their_action_starts():
    db = labelled_db()  # sequence 0: walk from 0, wave (categories wave|hand movements) from 70; 1: run
    plain = MotionTextDataset(db, train=True, num_frames=40, action_start_prob=1.0)
    assert plain.sampling_weights(by_length=False) is None  # uniform shuffling, as before
    waves = MotionTextDataset(db, train=True, num_frames=40, action_start_prob=1.0, action_emphasis={"wave": 9.0})
    assert waves.sampling_weights(by_length=False).tolist() == [9.0, 1.0]
    by_length = waves.sampling_weights(by_length=True)
    assert torch.allclose(by_length, waves.sequence_weights() * torch.tensor([9.0, 1.0], dtype=torch.double))
    starts = [int(waves._window_frames(150, 0)[0]) for _ in range(400)]
    assert set(starts) == {0, 70} and 0.8 < starts.count(70) / len(starts) < 0.97  # 9 of 10 expected
    runs = MotionTextDataset(db, train=True, num_frames=40, action_emphasis={"run": 3.0, "walk": 2.0})
    assert runs.sampling_weights(by_length=False).tolist() == [2.0, 3.0]  # whole-sequence categories count
    with pytest.raises(ValueError, match="action_emphasis"):
        MotionTextDataset(db, train=True, num_frames=40, action_emphasis={"wave": 0.0})
    with pytest.raises(ValueError, match="emphasize_actions: clapp not among .*run, .*wave"):
        MotionTextDataset(db, train=True, num_frames=40, action_emphasis={"clapp": 4.0, "wave": 2.0})


def test_emphasize_actions_option_parses_and_rejects_bad_entries():
    import argparse
    from src.parser.dataset import action_weights
    assert action_weights("clap=8, wave_left_hand=4.5") == {"clap": 8.0, "wave_left_hand": 4.5}
    assert action_weights("") == {}
    for bad in ("clap", "clap=", "clap=-1", "=3", "clap=x"):
        with pytest.raises(argparse.ArgumentTypeError, match="ACTION=WEIGHT"):
            action_weights(bad)


# --------------------------------------------------------------- mirroring
def test_mirror_is_an_involution_and_mirrors_joints():
    poses, trans = walk(30, yaw=0.8, start=(0.4, 1.1, 0.2), noise=0.3)
    rotmats = rotation.axis_angle_to_matrix(poses)
    assert torch.allclose(mirror_rotmats(mirror_rotmats(rotmats)), rotmats)
    assert torch.allclose(mirror_points(mirror_points(trans)), trans)
    joints = BODY(rotmats, trans)["joints"]
    mirrored = BODY(mirror_rotmats(rotmats), mirror_points(trans))["joints"]
    assert torch.allclose(mirrored, mirror_joints(joints), atol=1e-5)
    assert torch.allclose(mirror_joints(mirror_joints(joints)), joints)
    reflect = torch.diag(torch.tensor([-1.0, 1.0, 1.0]))
    perm = config.mirror_permutation(24)
    assert torch.allclose(mirror_rotmats(rotmats), reflect @ rotmats[:, perm] @ reflect)


def test_mirror_augmentation_swaps_words_and_joints():
    poses, trans = walk(60, yaw=0.5, noise=0.2)
    db = make_db([(poses, trans, seq_caption(60, "wave the left hand, turn clockwise"))])
    plain = MotionTextDataset(db, train=True, num_frames=-1, mirror_prob=0.0)[0]
    mirrored = MotionTextDataset(db, train=True, num_frames=-1, mirror_prob=1.0)[0]
    assert mirrored["text"] == "wave the right hand, turn counterclockwise"
    joints = decoded_joints(mirrored["x"])
    assert_canonical(joints)
    assert torch.allclose(joints, mirror_joints(decoded_joints(plain["x"])), atol=1e-4)
    evaluation = MotionTextDataset(db, train=False, num_frames=-1, mirror_prob=1.0)[0]
    assert torch.equal(evaluation["x"], plain["x"]) and evaluation["text"] == plain["text"]


# ------------------------------------------------------ statistics, factory
def write_splits(tmp_path, db, splits=("train", "val", "test")):
    for split in splits:
        torch.save(db, tmp_path / f"fake_30fps_{split}.pt")
    return tmp_path / "fake_30fps_db.pt"


def test_stats_saved_reloaded_and_shaped(tmp_path, db, monkeypatch):
    datapath = write_splits(tmp_path, db)
    data = get_datasets({"dataset": "builtin", "datapath": str(datapath), "num_frames": -1})
    stats_file = tmp_path / "fake_30fps_stats.pt"
    assert stats_file.is_file()
    stats = data["train"].stats
    assert stats["mean"].shape == (25, 6) and stats["std"].shape == (25, 6)
    assert (stats["std"] >= ds_mod.STD_FLOOR).all()
    assert torch.equal(stats["std"][24, 3:], torch.ones(3))  # padding channels of the translation row
    # The fixture's walks keep one speed: the forward displacement channel varies only by noise and by
    # each window's first frame (0), never by a jump between windows laid end to end (then > 0.1).
    assert ds_mod.STD_FLOOR < stats["std"][24, 2] < 0.01
    assert data["val"].stats is stats and data["test"].stats is stats
    # whole-sequence windows: the statistics are those of every frame of the evaluation windows
    # (except the horizontal displacement channels: each window's first frame holds 0 there, so
    # their mean depends on how the statistics' windows tile the data)
    x = torch.cat([data["val"][i]["x"] for i in range(len(data["val"]))]).double()
    exact = torch.ones(25, 6, dtype=torch.bool)
    exact[24, 0] = exact[24, 2] = False
    assert torch.allclose(stats["mean"].double()[exact], x.mean(0)[exact], atol=1e-5)
    varying = (x.std(0) > 1e-3) & exact
    assert torch.allclose(stats["std"].double()[varying], x.std(0, unbiased=False)[varying], atol=1e-5)

    def fail(*args, **kwargs):
        raise AssertionError("statistics were recomputed")

    monkeypatch.setattr(ds_mod, "compute_stats", fail)
    again = get_datasets({"dataset": "builtin", "datapath": str(datapath), "num_frames": -1})
    assert torch.equal(again["train"].stats["std"], stats["std"])
    monkeypatch.undo()
    other = get_datasets({"dataset": "builtin", "datapath": str(datapath), "num_frames": 40, "pose_rep": "rotvec"})
    assert other["train"].stats["mean"].shape == (25, 3)
    assert len(torch.load(stats_file, weights_only=True)["entries"]) == 2


def test_vald_alias_and_missing_splits(tmp_path, db):
    datapath = write_splits(tmp_path, db, ("train", "vald"))
    data = get_datasets({"dataset": "amass", "datapath": str(datapath), "num_frames": 30})
    assert data["val"] is not None and not data["val"].train and data["train"].train
    assert data["test"] is None
    with pytest.raises(FileNotFoundError):
        get_datasets({"dataset": "amass", "datapath": str(tmp_path / "missing_db.pt")})


def test_unsupported_options_raise(tmp_path, db):
    datapath = write_splits(tmp_path, db)
    with pytest.raises(NotImplementedError, match="BABEL-60"):
        get_datasets({"dataset": "babel", "datapath": str(datapath), "only_60_classes": True})
    with pytest.raises(ValueError, match="xyz"):
        get_datasets({"dataset": "humanml3d", "pose_rep": "rot6d"})


def test_add_dataset_args():
    parser = argparse.ArgumentParser()
    add_dataset_args(parser)
    opt = parser.parse_args([])
    assert (opt.num_frames, opt.pose_rep, opt.sampling) == (60, "rot6d", "conseq") and opt.glob and opt.translation
    opt = parser.parse_args(["--no-glob", "--glob_rot", "0", "1.5", "0", "--no-translation", "--num_frames", "-2",
                             "--min_len", "30", "--max_len", "90", "--dataset", "builtin"])
    assert not opt.glob and not opt.translation and opt.glob_rot == [0.0, 1.5, 0.0] and opt.num_frames == -2


def test_no_glob_uses_glob_rot(db):
    data = MotionTextDataset(db, train=True, num_frames=20, pose_rep="rotvec", glob=False, glob_rot=[0.0, 1.5, 0.0])
    assert torch.allclose(data[1]["x"][:, 0], torch.tensor([0.0, 1.5, 0.0]).expand(20, 3), atol=1e-5)


def test_dataloader_with_workers(db):
    data = MotionTextDataset(db, train=True, num_frames=50, mirror_prob=0.5)
    loader = make_dataloader(data, batch_size=2, train=True, num_workers=1, sequence_weighting="length")
    batch = next(iter(loader))
    assert batch["x"].shape[0] == 2 and batch["mask"].shape == batch["x"].shape[:2]
    assert torch.allclose(data.sequence_weights(), torch.tensor([1.0, 2.0, 6.0, 1.5], dtype=torch.float64))


# ------------------------------------------------------- joint-position data
def joint_records():
    records = []
    for i, (n, yaw) in enumerate([(80, 2.0), (50, -1.0)]):
        poses, trans = walk(n, yaw=yaw, start=(1.0, 1.2, 2.0), seed=i)
        joints = BODY(rotation.axis_angle_to_matrix(poses), trans)["joints"][:, :22]
        records.append({"id": f"{i:06d}", "joints": joints, "fps": 20.0,
                        "texts": [("a person walks.", 0.0, 0.0), ("the person turns left", 1.0, 2.0)]})
    return records


def test_joint_dataset_windows_and_subclips():
    data = JointsTextDataset(joint_records(), train=True, num_frames=30, mirror_prob=0.5)
    assert len(data) == 4  # two clips plus one 20-frame sub-clip each
    assert sorted(n for n in data.names if "#" in n) == ["000000#20-40", "000001#20-40"]
    texts = set()
    for i in range(len(data)):
        item = data[i]
        assert item["x"].shape[1:] == (22, 3)
        assert_canonical(item["x"])
        texts.add(item["text"])
    assert texts <= {"a person walks", "the person turns left", "the person turns right"}
    with pytest.raises(ValueError):
        JointsTextDataset(joint_records(), train=True, pose_rep="rot6d")


def test_humanml3d_through_factory(monkeypatch, tmp_path):
    fake = types.ModuleType("src.datasets.formats.humanml3d")
    fake.load_humanml3d = lambda root, split, kind: joint_records()
    monkeypatch.setitem(sys.modules, "src.datasets.formats.humanml3d", fake)
    data = get_datasets({"dataset": "humanml3d", "datapath": str(tmp_path), "pose_rep": "xyz", "num_frames": 30})
    assert data["test"].feature_shape == (22, 3) and data["train"].stats["mean"].shape == (22, 3)
    assert (tmp_path / "smog_stats.pt").is_file()
