"""Tests of the built-in procedural dataset (src.datasets.synthetic and src.datasets.procedural)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from src import config
from src.datasets import synthetic_data
from src.datasets.procedural import generate_sequence
from src.datasets.procedural.captions import ACTION_CAPTIONS
from src.models.rotation2xyz import BuiltinSkeleton
from src.parser.data import synthetic_parser
from src.utils import geometry, rotation

REQUIRED = [
    "walk_forward", "walk_backward", "walk_circle", "turn_left", "turn_right", "turn_around", "side_step_left",
    "side_step_right", "jog", "run", "jump_in_place", "jump_forward", "hop_one_foot", "squat", "sit_down", "stand_up",
    "lunge", "bow", "touch_toes", "wave_right_hand", "wave_left_hand", "wave_both_hands", "raise_arms",
    "arm_circles", "clap", "punch_right", "punch_left", "kick_right", "kick_left", "throw_overhand",
    "jumping_jacks", "march_in_place", "reach_up_stretch", "flap_arms", "dance", "stand_still", "look_around",
    "crouch", "balance_one_leg", "walk_curve_left", "walk_curve_right", "kneel",
]
AIRBORNE = {"jump_in_place", "jump_forward", "hop_one_foot", "jumping_jacks", "jog", "run"}
L_WRIST, R_WRIST = config.JOINT_INDEX["left_wrist"], config.JOINT_INDEX["right_wrist"]


def _gen(actions, seed=0, **kw):
    kw.setdefault("start_yaw", None)
    return generate_sequence(actions, np.random.default_rng(seed), **kw)


def _load_joints(path: Path):
    """AMASS npz -> (T, 24, 3) Y-up joints of the built-in skeleton, done the way a parser would."""
    with np.load(path) as d:
        poses, trans, betas = d["poses"], d["trans"], d["betas"]
    n = poses.shape[0]
    rotvec = np.zeros((n, 24, 3))
    rotvec[:, :22] = poses[:, :66].reshape(n, 22, 3)
    rot = rotation.axis_angle_to_matrix(torch.from_numpy(rotvec))
    root, tr = geometry.zup_to_yup(rot[:, 0], torch.from_numpy(trans))
    rot[:, 0] = root
    return BuiltinSkeleton().double()(rot, tr, torch.from_numpy(betas))["joints"].numpy()


def _skating_ratio(joints, fps):
    """SPEC §4 foot skating at 20 fps: contact < 5 cm in both frames, sliding > 0.5 m/s."""
    t = np.arange(len(joints)) / fps
    t20 = np.arange(0.0, t[-1], 1 / config.METRIC_FPS)
    feet = np.stack([np.stack([np.interp(t20, t, joints[:, j, k]) for k in range(3)], -1) for j in config.FOOT_JOINTS], 1)
    h = feet[..., 1]
    speed = np.linalg.norm(np.diff(feet[..., [0, 2]], axis=0), axis=-1) * config.METRIC_FPS
    contact = (h[1:] < 0.05) & (h[:-1] < 0.05)
    return float((contact & (speed > 0.5)).sum() / max(contact.sum(), 1))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    synthetic_data.write_dataset(out, 46, seed=3, chain_fraction=0.3, progress=False)
    return out


def test_every_required_action_and_captions():
    assert set(REQUIRED) <= set(synthetic_data.ACTIONS)
    for a in REQUIRED:
        caps = ACTION_CAPTIONS[a]
        assert len(set(caps)) >= 5, a
        for side, other in (("left", "right"), ("right", "left")):
            if a.endswith(side) or a.endswith(f"{side}_hand"):
                assert all(side in c and other not in c for c in caps), (a, caps)


def test_amass_layout_and_floor(dataset):
    meta = json.loads((dataset / "meta.json").read_text())
    assert meta["num_sequences"] == 46 and set(REQUIRED) <= set(meta["actions"])
    present = {a for s in meta["sequences"].values() for a in s["actions"]}
    assert set(REQUIRED) <= present
    files = sorted((dataset / "amass" / "Synthetic").glob("subject_*/*_poses.npz"))
    assert len(files) == 46
    for path in files:
        with np.load(path) as d:
            assert set(d.files) == {"poses", "trans", "betas", "gender", "mocap_framerate", "dmpls"}
            n = d["poses"].shape[0]
            assert d["poses"].shape == (n, 156) and d["poses"].dtype == np.float64
            assert np.all(d["poses"][:, 66:] == 0)
            assert d["trans"].shape == (n, 3) and d["dmpls"].shape == (n, 8)
            assert d["betas"].shape == (16,) and str(d["gender"]) in ("male", "female", "neutral")
            assert float(d["mocap_framerate"]) == config.SMOG_FPS
            # Z-up: the third translation axis carries the pelvis height (crouching ~0.4 m, standing ~1 m).
            assert 0.3 < d["trans"][:, 2].min() and d["trans"][:, 2].max() < 1.6
        joints = _load_joints(path)
        floor_y = joints[:, list(config.FLOOR_JOINTS), 1]
        assert abs(floor_y.min()) < 1e-4, path
        seq = meta["sequences"][str(int(path.name[:5]))]
        if not AIRBORNE & set(seq["actions"]):
            assert floor_y.min(axis=1).max() < 0.03, f"{path.name} floats"


def test_round_trip_matches_generator():
    motion = _gen(["walk_forward"], seed=5)
    arrays = synthetic_data.amass_arrays(motion, "neutral")
    n = arrays["poses"].shape[0]
    rotvec = np.zeros((n, 24, 3))
    rotvec[:, :22] = arrays["poses"][:, :66].reshape(n, 22, 3)
    rot = rotation.axis_angle_to_matrix(torch.from_numpy(rotvec))
    rot[:, 0], tr = geometry.zup_to_yup(rot[:, 0], torch.from_numpy(arrays["trans"]))
    joints = BuiltinSkeleton().double()(rot, tr, torch.from_numpy(arrays["betas"]))["joints"].numpy()
    np.testing.assert_allclose(joints[:, :22], motion["joints"][:, :22], atol=1e-6)


def test_walk_forward_speed_direction_and_no_skating():
    for seed in range(3):
        m = _gen(["walk_forward"], seed=seed)
        p = m["params"][0]
        fwd = np.array([np.sin(m["yaw0"]), 0.0, np.cos(m["yaw0"])])
        heading = geometry.heading_from_joints(torch.from_numpy(m["joints"][:1]))[0].item()
        assert abs(np.angle(np.exp(1j * (heading - m["yaw0"])))) < np.radians(5)
        pelvis = m["joints"][:, 0]
        i0, i1 = int(p["cruise_start"] * m["fps"]), int(p["cruise_end"] * m["fps"])
        assert i1 - i0 >= 5
        speed = (pelvis[i1] - pelvis[i0]) @ fwd / ((i1 - i0) / m["fps"])
        assert abs(speed - p["speed"]) < 0.1 * p["speed"], (speed, p["speed"])
        total = pelvis[-1] - pelvis[0]
        assert total @ fwd > 0.9 * np.linalg.norm(total[[0, 2]])
        assert _skating_ratio(m["joints"], m["fps"]) < 0.05


def test_sided_actions():
    for seed in range(2):
        m = _gen(["wave_right_hand"], seed=seed)
        path = lambda j: np.linalg.norm(np.diff(m["joints"][:, j], axis=0), axis=-1).sum()
        assert path(R_WRIST) > 5 * path(L_WRIST)
        m = _gen(["wave_left_hand"], seed=seed)
        assert path(L_WRIST) > 5 * path(R_WRIST)
    for action, sign in (("side_step_left", 1.0), ("side_step_right", -1.0), ("turn_left", 0.0)):
        m = _gen([action], seed=1)
        left = np.array([np.cos(m["yaw0"]), 0.0, -np.sin(m["yaw0"])])
        moved = (m["joints"][-1, 0] - m["joints"][0, 0]) @ left
        if sign:
            assert sign * moved > 0.25, (action, moved)
    for action, sign in (("turn_left", 1.0), ("turn_right", -1.0)):
        m = _gen([action], seed=2)
        yaw = geometry.heading_from_joints(torch.from_numpy(m["joints"][[0, -1]]))
        turned = np.angle(np.exp(1j * (yaw[1] - yaw[0]).item()))
        assert sign * turned > np.radians(60), (action, np.degrees(turned))
    for action, foot in (("kick_right", 1), ("kick_left", 0)):
        m = _gen([action], seed=0)
        lift = m["joints"][:, list(config.FOOT_JOINTS), 1].max(axis=0)
        assert lift[foot] > 0.4 and lift[1 - foot] < 0.05, (action, lift)


def test_curve_walks_turn_a_quarter_circle_on_the_named_side():
    for action, sign in (("walk_curve_left", 1.0), ("walk_curve_right", -1.0)):
        for seed in range(3):
            m = _gen([action], seed=seed)
            yaw = geometry.heading_from_joints(torch.from_numpy(m["joints"][[0, -1]]))
            turned = np.degrees(np.angle(np.exp(1j * (yaw[1] - yaw[0]).item())))
            travelled = np.linalg.norm(m["joints"][-1, 0, [0, 2]] - m["joints"][0, 0, [0, 2]])
            assert 50 < sign * turned < 130 and travelled > 0.8, (action, seed, turned, travelled)


def _total_turn_deg(joints):
    """Unwrapped heading change over the clip (degrees, positive = left): a half turn may pass 180."""
    yaw = np.unwrap(geometry.heading_from_joints(torch.from_numpy(joints)).numpy())
    return float(np.degrees(yaw[-1] - yaw[0]))


def test_turn_around_and_circle_captions_name_the_side_the_clip_turns():
    """A turn-around or circle draws its side as it is made; its caption, drawn before, names that side."""
    def sides_named(text):
        named = {s for s in ("left", "right") if re.search(rf"\b{s}\b", text)}
        spin = re.search(r"\b(counter)?clockwise\b", text)
        return named | ({"left" if spin.group(1) else "right"} if spin else set())

    named = 0
    for action in ("turn_around", "walk_circle"):
        for seed in range(24):
            m = _gen([action], seed=seed)
            turned = _total_turn_deg(m["joints"])
            assert abs(turned) > 150, (action, seed, turned)
            assert "{" not in m["caption"] and m["caption"] == m["labels"][0][2], m["caption"]
            said = sides_named(m["caption"])
            assert said <= {"left" if turned > 0 else "right"}, (action, seed, turned, m["caption"])
            named += bool(said)
    assert named >= 6, "too few captions named a side to test"
    # A chain names each action's own side, in order.
    for seed in range(8):
        m = _gen(["turn_around", "walk_forward", "turn_around"], seed=seed,
                 captions=["a person turns around to the {side}", "a person walks", "a person turns around {spin}"])
        sides = [p["turn"] for p in m["params"] if "turn" in p]
        assert m["labels"][0][2] == f"a person turns around to the {sides[0]}", m["labels"]
        spin = {"left": "counterclockwise", "right": "clockwise"}[sides[1]]
        assert m["labels"][-1][2] == f"a person turns around {spin}", m["labels"]
        assert "{" not in m["caption"], m["caption"]


def test_kneel_puts_one_knee_on_the_floor_and_stands_up_again():
    knees = [config.JOINT_INDEX["left_knee"], config.JOINT_INDEX["right_knee"]]
    for seed in range(3):
        m = _gen(["kneel"], seed=seed)
        j = m["joints"]
        low = j[:, knees, 1].min(axis=0)                       # lowest height of each knee
        kneeling = knees.index(config.JOINT_INDEX[f"{m['params'][0]['leg']}_knee"])
        assert 0.0 < low[kneeling] < 0.10 and low[1 - kneeling] > 0.3, (seed, low)
        assert j[:, 0, 1].min() < j[0, 0, 1] - 0.35                 # the pelvis goes down...
        assert abs(j[-1, 0, 1] - j[0, 0, 1]) < 0.03                 # ...and comes back up
        assert j[:, list(config.FOOT_JOINTS), 1].min() > -0.01      # no foot through the floor


def test_jump_leaves_ground_and_sit_is_seated():
    m = _gen(["jump_in_place"], seed=0)
    feet = m["joints"][:, list(config.FLOOR_JOINTS), 1].min(axis=1)
    assert feet.max() > 0.08
    m = _gen(["sit_down"], seed=0)
    j = m["joints"][-1]
    hip = j[list(config.HIP_JOINTS), 1].mean()
    knee = j[[config.JOINT_INDEX["left_knee"], config.JOINT_INDEX["right_knee"]], 1].mean()
    assert 0.45 < j[0, 1] < 0.62 and abs(hip - knee) < 0.08


def test_motion_is_smooth(dataset):
    for path in sorted((dataset / "amass" / "Synthetic").glob("subject_*/*_poses.npz")):
        with np.load(path) as d:
            poses, fps = d["poses"][:, :66], float(d["mocap_framerate"])
        rot = rotation.axis_angle_to_matrix(torch.from_numpy(poses.reshape(len(poses), 22, 3)))
        rel = rot[:-1].transpose(-1, -2) @ rot[1:]
        cos = ((rel.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1)
        assert torch.arccos(cos).max().item() * fps < 60.0, path.name   # rad/s: no pops


def test_determinism_and_seeds(tmp_path):
    a, b = _gen(["walk_forward", "clap"], seed=7), _gen(["walk_forward", "clap"], seed=7)
    for k in ("rotvec", "trans", "joints", "betas"):
        np.testing.assert_array_equal(a[k], b[k])
    assert a["labels"] == b["labels"]
    c = _gen(["walk_forward", "clap"], seed=8)
    assert a["rotvec"].shape != c["rotvec"].shape or not np.allclose(a["rotvec"], c["rotvec"])
    for d in ("x", "y"):
        synthetic_data.write_dataset(tmp_path / d, 4, seed=11, progress=False)
    files = sorted(p.relative_to(tmp_path / "x") for p in (tmp_path / "x").rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert (tmp_path / "x" / rel).read_bytes() == (tmp_path / "y" / rel).read_bytes(), rel
    synthetic_data.write_dataset(tmp_path / "z", 4, seed=12, progress=False)
    assert (tmp_path / "z" / "babel" / "train.json").read_bytes() != (tmp_path / "x" / "babel" / "train.json").read_bytes()


def test_babel_json(dataset):
    seen, chains = set(), 0
    for split in ("train", "val", "test"):
        data = json.loads((dataset / "babel" / f"{split}.json").read_text())
        assert data, split
        for sid, ann in data.items():
            assert sid == str(ann["babel_sid"]) and sid not in seen
            seen.add(sid)
            assert ann["feat_p"].startswith("Synthetic/")
            assert (dataset / "amass" / ann["feat_p"].split("/", 1)[1]).is_file()
            seq = ann["seq_ann"]["labels"]
            assert len(seq) == 1 and seq[0]["start_t"] == 0 and abs(seq[0]["end_t"] - ann["dur"]) < 1e-3
            assert seq[0]["proc_label"] and seq[0]["act_cat"]
            if ann["frame_ann"] is None:
                assert not ann["seq_ann"]["mul_act"] and len(seq[0]["act_cat"]) == 1
                continue
            chains += 1
            labels = ann["frame_ann"]["labels"]
            assert labels[0]["start_t"] == 0 and abs(labels[-1]["end_t"] - ann["dur"]) < 1e-3
            for x, y in zip(labels, labels[1:]):
                assert abs(x["end_t"] - y["start_t"]) < 1e-3
            cats = [lab["act_cat"][0] for lab in labels]
            assert cats[1::2] == ["transition"] * (len(cats) // 2)
            assert [c for c in cats if c != "transition"] == seq[0]["act_cat"]
    assert len(seen) == 46 and chains >= 3


def test_cli_rejects_bad_arguments(capsys):
    for argv, name in ((["--num_sequences", "0"], "--num_sequences"), (["--fps", "-1"], "--fps"),
                       (["--chain_fraction", "2"], "--chain_fraction")):
        with pytest.raises(SystemExit) as exc:
            synthetic_parser().parse_args(argv)
        assert exc.value.code != 0 and name in capsys.readouterr().err


def test_command_refuses_a_folder_holding_a_dataset(tmp_path, capsys):
    """A dataset in --output_dir is replaced only with --overwrite (refused before any work)."""
    from src.datasets import synthetic

    out = tmp_path / "syn"
    (out / "babel").mkdir(parents=True)
    (out / "meta.json").write_text("{}")
    assert synthetic.main(["--output_dir", str(out), "--num_sequences", "2"]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "--overwrite" in err and not (out / "amass").exists()
    assert synthetic.main(["--output_dir", str(out), "--num_sequences", "2", "--overwrite"]) == 0
    assert (out / "amass").is_dir()
