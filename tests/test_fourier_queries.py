"""The latent-driven Fourier queries of the modulated decoder (``--decoder_fourier``)."""

import math

import pytest
import torch

from src.errors import BadInputError
from src.models.architectures.fourier import SPACING_HZ, FourierQueries
from src.models.checkpoint import save_checkpoint
from src.models.factory import build_model_from_init
from src.models.smog import SMoGModel
from tests.test_model import FakeBackbone, make_batch, tiny_model

MODULATED = dict(decoder="modulated", decoder_skips=True, dropout=0.0)


def test_basis_frequencies_are_the_bank_in_hertz():
    fourier = FourierQueries(latent_dim=8, num_frequencies=4, fps=20.0)
    basis = fourier.basis(81, "cpu")  # (T, 2K): cos of 0.25, 0.5, 0.75, 1 Hz, then their sin
    assert basis.shape == (81, 8)
    t = torch.arange(81) / 20.0
    for k in range(4):
        hz = SPACING_HZ * (k + 1)
        assert torch.allclose(basis[:, k], torch.cos(2 * math.pi * hz * t), atol=1e-5)
        assert torch.allclose(basis[:, 4 + k], torch.sin(2 * math.pi * hz * t), atol=1e-5)


def test_any_phase_at_a_bank_frequency_is_linear_in_the_coefficients():
    """What the module is for: a sinusoid of any phase is one set of coefficients, no position tricks."""
    fourier = FourierQueries(latent_dim=4, num_frequencies=6, fps=20.0, rank=1)
    basis = fourier.basis(60, "cpu")
    t = torch.arange(60) / 20.0
    for phase in (0.0, 1.0, 2.5, -2.0):
        coeffs = torch.zeros(12)
        coeffs[3], coeffs[6 + 3] = math.cos(phase), -math.sin(phase)  # cos(wt + phase) at 1 Hz (k = 4)
        assert torch.allclose(basis @ coeffs, torch.cos(2 * math.pi * 1.0 * t + phase), atol=1e-5)


def test_the_path_starts_as_no_change_and_then_moves_the_queries():
    torch.manual_seed(0)
    fourier = FourierQueries(latent_dim=16, num_frequencies=5, fps=20.0)
    latent = torch.randn(3, 16)
    assert torch.equal(fourier(latent, 30), torch.zeros(3, 30, 16))
    optimizer = torch.optim.SGD(fourier.parameters(), lr=0.1)
    target = torch.sin(torch.arange(30) / 3.0)[None, :, None].expand(3, 30, 16)
    loss = (fourier(latent, 30) - target).pow(2).mean()
    loss.backward()
    optimizer.step()
    out = fourier(latent, 30)
    assert out.abs().max() > 0 and (out - target).pow(2).mean() < loss


def test_config_checks_name_the_option():
    with pytest.raises(BadInputError, match="--decoder_fourier needs --decoder modulated"):
        tiny_model(decoder_fourier=8)
    with pytest.raises(BadInputError, match="--decoder_fourier must be 0"):
        tiny_model(decoder_fourier=-1, **MODULATED)


def test_checkpoint_roundtrip_keeps_the_fourier_path(tmp_path):
    model = tiny_model(decoder_fourier=8, **MODULATED)
    with torch.no_grad():  # away from its zero start, so the round trip has something to keep
        model.motion_decoder.fourier.out.weight.normal_()
    model.eval()
    path = save_checkpoint(tmp_path / "f.pth.tar", model, epoch=1)
    loaded, ckpt = SMoGModel.from_checkpoint(path, text_backbone=FakeBackbone())
    assert ckpt["model_config"]["sizes"]["decoder_fourier"] == 8
    with torch.no_grad():
        a = model.generate(["a person walks"], 40, seed=0)["features"]
        b = loaded.generate(["a person walks"], 40, seed=0)["features"]
        without = tiny_model(**MODULATED).eval()
        without.load_state_dict({k: v for k, v in model.state_dict().items() if ".fourier." not in k})
        c = without.generate(["a person walks"], 40, seed=0)["features"]
    assert torch.equal(a, b) and not torch.allclose(a, c, atol=1e-3)


def test_init_from_adds_the_path_to_a_trained_decoder_without_changing_it(tmp_path):
    start = tiny_model(**MODULATED).eval()
    path = save_checkpoint(tmp_path / "start.pth.tar", start, epoch=1)
    grown = build_model_from_init(path, {"decoder_fourier": 6, "dropout": 0.0}, text_backbone=FakeBackbone()).eval()
    assert grown.config.sizes.decoder_fourier == 6 and grown.motion_decoder.fourier is not None
    batch = make_batch([30, 22])
    with torch.no_grad():
        latent = start.encode_motion(batch["x"], batch["mask"])["latent"]
        assert torch.equal(latent, grown.encode_motion(batch["x"], batch["mask"])["latent"])
        assert torch.equal(start.decode(latent, [30, 22])[0], grown.decode(latent, [30, 22])[0])
    kept = build_model_from_init(path, {"dropout": 0.0}, text_backbone=FakeBackbone())
    assert kept.config.sizes.decoder_fourier == 0 and kept.motion_decoder.fourier is None
    cross = save_checkpoint(tmp_path / "cross.pth.tar", tiny_model(), epoch=1)
    with pytest.raises(BadInputError, match="--decoder_fourier needs --decoder modulated"):
        build_model_from_init(cross, {"decoder_fourier": 6}, text_backbone=FakeBackbone())


@pytest.mark.parametrize("trains_decoder", [True, False])
def test_crossmodal_reconstruction_reaches_the_decoder_only_when_asked(trains_decoder):
    """--no-crossmodal_trains_decoder: the motion decoded from the text latent trains the text side only."""
    model = tiny_model(lambda_crossmodal=1.0, crossmodal_trains_decoder=trains_decoder).train()
    out = model(make_batch([20, 14]))
    out.recon_text.pow(2).mean().backward()  # the cross-modal path alone
    decoder = [p.grad for p in model.motion_decoder.parameters()]
    text = [p.grad for p in model.text_encoder.parameters()]
    assert any(g is not None and g.abs().sum() > 0 for g in text)
    assert any(g is not None and g.abs().sum() > 0 for g in decoder) == trains_decoder
    model.zero_grad()
    out = model(make_batch([20, 14]))
    out.recon.pow(2).mean().backward()  # the motion's own reconstruction always trains the decoder
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.motion_decoder.parameters())
