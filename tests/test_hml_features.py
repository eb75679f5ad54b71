"""The ``hml`` feature layout (``src.utils.hml``), the latent-modulated decoder and the tie loss."""

import math

import numpy as np
import pytest
import torch

from src import config
from src.datasets.dataset import MotionTextDataset
from src.datasets.procedural import generate_sequence
from src.errors import BadInputError
from src.models.backbones import Backbones
from src.models.config import ModelConfig
from src.models.factory import build_model
from src.models.rotation2xyz import load_body_model
from src.utils import features, hml, rotation
from tests.test_model import TINY, FakeBackbone

BODY = load_body_model("builtin")
FPS = config.METRIC_FPS


def generated_clip(action: str, seed: int, start_yaw: float):
    """A generated clip on the built-in skeleton: rotations (T, 24, 3, 3) with rest hands,
    translation (T, 3), joints (T, 24, 3)."""
    seq = generate_sequence([action], np.random.default_rng(seed), FPS, start_yaw=start_yaw)
    rotmats = rotation.axis_angle_to_matrix(torch.from_numpy(seq["rotvec"]).float())
    rotmats[:, 22:] = torch.eye(3)
    trans = torch.from_numpy(seq["trans"]).float()
    # the generator's body has its own size: put the built-in skeleton's feet on the floor
    trans[:, 1] -= BODY(rotmats, trans)["joints"][:, list(config.FLOOR_JOINTS), 1].min()
    return rotmats, trans, BODY(rotmats, trans)["joints"]


@pytest.fixture(scope="module")
def walk():
    """A generated forward walk: rotations (T, 24, 3, 3) with rest hands, translation, joints."""
    return generated_clip("walk_forward", 3, 0.8)


def test_round_trip_through_both_routes(walk):
    rotmats, trans, joints = walk
    feats = features.motion_to_features(rotmats, trans, "hml", body_model=BODY, fps=FPS)
    assert feats.shape == (len(trans), 1, hml.CHANNELS) == (len(trans), *features.feature_shape("hml", True))
    assert torch.allclose(features.features_to_joints(feats, "hml", True, None), joints[:, :22], atol=1e-4)
    got_rot, got_trans = features.features_to_motion(feats, "hml", True)
    assert torch.allclose(got_rot, rotmats, atol=1e-5) and torch.allclose(got_trans, trans, atol=1e-4)


def test_channels_mean_what_the_docstring_says(walk):
    rotmats, trans, joints = walk
    feats = hml.motion_to_hml(rotmats, trans, joints, FPS)[:, 0]
    yaw = hml.root_yaw(rotmats[:, 0])
    assert math.isclose(float(feats[0, 0]), float(yaw[0]), abs_tol=1e-6)  # first frame: the heading itself
    assert float(feats[1:, 0].abs().max()) < 0.2  # then small per-frame turns
    steps = feats[1:, hml.ROOT_XZ]  # heading frame: a forward walk steps along +Z, hardly sideways
    assert float(steps[:, 1].max()) * FPS > 1.0  # walking speed (the walk starts and ends standing)
    assert float(steps[:, 0].abs().mean()) < 0.25 * float(steps[:, 1].abs().mean())  # the pelvis sways
    assert torch.allclose(feats[:, hml.ROOT_Y][:, 0], trans[:, 1])
    assert torch.equal(feats[0, hml.VELOCITIES], torch.zeros(3 * 22))
    contacts = feats[:, hml.CONTACTS]
    assert set(contacts.unique().tolist()) <= {0.0, 1.0}
    assert 0.2 < float(contacts.mean()) < 0.95  # each foot stands part of the time, not always
    assert float((contacts.sum(1) == 0).float().mean()) < 0.05  # a walk is never airborne


def test_motions_laid_end_to_end_encode_as_one_by_one(walk):
    rotmats, trans, joints = walk
    a, b = slice(0, 30), slice(40, 75)
    first = torch.zeros(65, dtype=torch.bool)
    first[30] = True
    joined = hml.motion_to_hml(torch.cat([rotmats[a], rotmats[b]]), torch.cat([trans[a], trans[b]]),
                               torch.cat([joints[a], joints[b]]), FPS, first)
    assert torch.equal(joined[:30], hml.motion_to_hml(rotmats[a], trans[a], joints[a], FPS))
    assert torch.allclose(joined[30:], hml.motion_to_hml(rotmats[b], trans[b], joints[b], FPS), atol=1e-6)


def test_dataset_windows_are_hml_and_batch_independent(walk):
    rotmats, trans, _ = walk
    poses = rotation.matrix_to_axis_angle(rotmats)
    n = len(poses)
    db = {"format": "smog-db-v1", "fps": FPS, "dataset": "t", "names": ["a", "b"], "poses": torch.cat([poses, poses]),
          "trans": torch.cat([trans, trans + 1.0]), "offsets": torch.tensor([0, n, 2 * n]), "betas": torch.zeros(2, 16),
          "gender": ["neutral"] * 2, "source_fps": torch.full((2,), FPS), "seg_seq": torch.arange(2),
          "seg_start": torch.zeros(2, dtype=torch.long), "seg_end": torch.tensor([n, n]),
          "seg_text": ["a person walks"] * 2, "seg_kind": ["seq"] * 2, "seg_act_cat": ["walk"] * 2,
          "babel_sid": torch.arange(2)}
    data = MotionTextDataset(db, train=False, pose_rep="hml", num_frames=40)
    both = data.__getitems__([0, 1])
    assert both[0]["x"].shape == (40, 1, hml.CHANNELS)
    for k in (0, 1):
        assert torch.allclose(both[k]["x"], data.__getitems__([k])[0]["x"], atol=1e-6)
    # canonical windows: the same walk shifted by 1 m encodes the same
    assert torch.allclose(both[0]["x"], both[1]["x"], atol=1e-4)


def test_mirroring_swaps_the_contact_channels(walk):
    rotmats, trans, joints = walk
    from src.datasets.dataset import mirror_points, mirror_rotmats
    plain = hml.motion_to_hml(rotmats, trans, joints, FPS)[:, 0, hml.CONTACTS]
    m_rot, m_trans = mirror_rotmats(rotmats), mirror_points(trans)
    mirrored = hml.motion_to_hml(m_rot, m_trans, BODY(m_rot, m_trans)["joints"], FPS)[:, 0, hml.CONTACTS]
    assert torch.equal(mirrored, plain.flip(-1))


def tiny_hml(**overrides):
    options = {**TINY, "pose_rep": "hml", "decoder": "modulated", "decoder_skips": True, "num_layers": 3,
               "vertstrans": True, "lambda_tie": 1.0, "lambda_fc": 0.1, **overrides}
    return build_model(options, None, Backbones(FakeBackbone()))


def test_modulated_decoder_reads_the_latent_in_every_frame():
    model = tiny_hml().eval()
    decoder = model.motion_decoder
    assert len(decoder.skip_proj) == 1  # 3 layers: layer 0 joined to layer 2
    for layer in decoder.layers:  # modulation starts at zero: a plain pre-norm layer
        assert float(layer.modulation.weight.detach().abs().max()) == 0.0
    mask = torch.ones(2, 25, dtype=torch.bool)
    latent = torch.randn(2, model.latent_dim)
    out = decoder(latent, mask)
    assert out.shape == (2, 25, hml.CHANNELS)
    # two latents, two different motions at every frame (the latent reaches each query directly)
    assert bool(((out[0] - out[1]).abs().amax(-1) > 1e-4).all())
    short = torch.arange(25)[None] < torch.tensor([[25], [10]])
    assert torch.equal(decoder(latent, short)[1, 10:], torch.zeros(15, hml.CHANNELS))


def test_tie_and_foot_terms_are_computed_and_train_the_rotation_channels():
    model = tiny_hml().train()
    x = torch.randn(2, 20, 1, hml.CHANNELS) * 0.1
    batch = {"x": x, "mask": torch.ones(2, 20, dtype=torch.bool), "text": ["a person walks", "a person runs"]}
    loss, logs = model.compute_loss(batch)
    assert {"tie", "fc", "rcxyz", "rc"} <= set(logs) and logs["tie"] > 0
    loss.backward()
    assert model.motion_decoder.final.base_weight.grad.abs().sum() > 0


def test_config_rules():
    with pytest.raises(BadInputError, match="--decoder_skips needs --decoder modulated"):
        ModelConfig.from_options({"decoder_skips": True})
    with pytest.raises(BadInputError, match="--lambda_tie"):
        ModelConfig.from_options({"lambda_tie": 1.0, "pose_rep": "rot6d"})
    with pytest.raises(BadInputError, match="--decoder"):
        ModelConfig.from_options({"decoder": "film"})
    config = ModelConfig.from_options({"pose_rep": "hml", "decoder": "modulated", "lambda_tie": 0.5})
    again = ModelConfig.from_dict(config.to_dict())
    assert again.sizes.decoder == "modulated" and again.losses.lambda_tie == 0.5
