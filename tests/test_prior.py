"""The latent diffusion prior (``src.models.prior``): what it learns, how it samples, how it is saved,
and its training command end to end on the quick built-in data."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from src import api
from src.models.architectures.denoiser import LatentDenoiser
from src.models.checkpoint import read_model_files, save_checkpoint, save_pretrained
from src.models.config import PriorConfig
from src.models.prior import LatentPrior
from src.models.smog import SMoGModel
from tests.test_api import make_tiny_checkpoint

pytest.importorskip("diffusers")


def test_denoiser_starts_at_zero_and_checks_its_inputs():
    denoiser = LatentDenoiser(8, 12, width=32, hidden=64, num_blocks=2)
    out = denoiser(torch.randn(5, 8), torch.randint(0, 1000, (5,)), torch.randn(5, 12))
    assert out.shape == (5, 8) and torch.equal(out, torch.zeros(5, 8))  # zero-initialised output layer
    with pytest.raises(AssertionError):
        denoiser(torch.randn(5, 9), torch.zeros(5), torch.randn(5, 12))
    with pytest.raises(AssertionError):
        denoiser(torch.randn(5, 8), torch.zeros(5), torch.randn(4, 12))


def _toy_data(n: int, generator: torch.Generator) -> tuple:
    """Latents (N, 8) of two captions: text A (e0) is a motion at +3 e2 or -3 e2 (two modes, like a
    left and a right turn), text B (e1) one motion at +3 e3; a little noise around each."""
    text = torch.zeros(n, 8)
    is_a = torch.arange(n) % 2 == 0
    text[is_a, 0], text[~is_a, 1] = 1.0, 1.0
    latents = 0.1 * torch.randn(n, 8, generator=generator)
    sign = torch.where(torch.rand(n, generator=generator) < 0.5, 3.0, -3.0)
    latents[is_a, 2] += sign[is_a]
    latents[~is_a, 3] += 3.0
    return latents, text, torch.full((n,), 40)


def _fit(prior: LatentPrior, steps: int, seed: int = 0) -> list:
    generator = torch.Generator().manual_seed(seed)
    latents, text, lengths = _toy_data(2048, generator)
    prior.set_latent_statistics(latents, text)
    optimizer = torch.optim.AdamW(prior.parameters(), lr=2e-3)
    losses = []
    for _ in range(steps):
        index = torch.randint(0, len(latents), (256,), generator=generator)
        loss = prior.loss(latents[index], text[index], lengths[index], generator=generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("prediction_type, residual", [("epsilon", True), ("v_prediction", True), ("sample", False)])
def test_the_prior_samples_both_modes_of_a_caption_and_follows_the_text(prediction_type, residual):
    # Regression would decode the average of the two modes of A (the origin): neither motion.
    torch.manual_seed(0)
    prior = LatentPrior(PriorConfig(latent_dim=8, text_dim=8, width=64, hidden=128, num_blocks=2,
                                    prediction_type=prediction_type, cond_drop=0.1, residual=residual))
    _fit(prior, 600)
    prior.eval()
    noise = torch.randn(200, 8, generator=torch.Generator().manual_seed(1))
    text_a = torch.zeros(200, 8)
    text_a[:, 0] = 1.0
    a = prior.sample(text_a, torch.full((200,), 40), noise, steps=25, guidance_scale=1.5)
    up, down = (a[:, 2] > 1.5).float().mean(), (a[:, 2] < -1.5).float().mean()
    assert up > 0.2 and down > 0.2 and up + down > 0.85, (up, down)  # both modes, few in between
    text_b = torch.zeros(200, 8)
    text_b[:, 1] = 1.0
    b = prior.sample(text_b, torch.full((200,), 40), noise, steps=25, guidance_scale=1.5)
    assert (b[:, 3] > 1.5).float().mean() > 0.85 and (b[:, 2].abs() < 1.5).float().mean() > 0.85


def test_trailing_steps_start_from_pure_noise_and_keep_the_spread_of_few_step_samples():
    # Leading spacing starts 5 steps at step 801 of 1000, treating the starting noise as partly a
    # sample: an epsilon prior's samples come out narrower than the data (in the real model: less
    # MultiModality; a v-prediction prior, the default now, keeps about 0.08 under both spacings).
    torch.manual_seed(0)
    prior = LatentPrior(PriorConfig(latent_dim=8, text_dim=8, width=64, hidden=128, num_blocks=2,
                                    prediction_type="epsilon"))
    assert prior.config.timestep_spacing == "trailing"
    _fit(prior, 600)
    prior.eval()
    noise = torch.randn(400, 8, generator=torch.Generator().manual_seed(1))
    text = torch.zeros(400, 8)
    text[:, 1] = 1.0  # caption B: one motion, each other dimension spread 0.1 in the data
    spread = {}
    for spacing in ("leading", "trailing"):
        prior.config = dataclasses.replace(prior.config, timestep_spacing=spacing)
        spread[spacing] = float(prior.sample(text, torch.full((400,), 40), noise, steps=5)[:, 4:].std())
        first = prior._scheduler("ddim").timesteps[0]
        assert (first == 999) == (spacing == "trailing"), (spacing, first)
    assert 0.09 < spread["trailing"] < 0.13 and spread["trailing"] > 1.1 * spread["leading"], spread


def test_v_prediction_draws_tighter_modes_than_epsilon_in_ten_steps():
    # Why the shipped prior predicts v. An epsilon denoiser's clean-latent estimate at the noisiest
    # steps multiplies its error by sqrt(1 - alpha_bar) / sqrt(alpha_bar), about 14 at step 999; in
    # 10 steps its samples smear around each mode and between them (in the real model: half turns
    # that stop at 100 degrees). Caption A's modes sit at +-3 with spread 0.1 in the data.
    spread, between = {}, {}
    for prediction_type in ("epsilon", "v_prediction"):
        torch.manual_seed(0)
        prior = LatentPrior(PriorConfig(latent_dim=8, text_dim=8, width=64, hidden=128, num_blocks=2,
                                        prediction_type=prediction_type))
        _fit(prior, 600)
        prior.eval()
        text_a = torch.zeros(400, 8)
        text_a[:, 0] = 1.0
        noise = torch.randn(400, 8, generator=torch.Generator().manual_seed(1))
        a = prior.sample(text_a, torch.full((400,), 40), noise, steps=10, guidance_scale=1.5)[:, 2]
        in_mode = a.abs() > 1.5
        spread[prediction_type] = float(a[in_mode].abs().std())
        between[prediction_type] = float((~in_mode).float().mean())
    assert spread["v_prediction"] < 0.75 * spread["epsilon"], spread
    assert between["v_prediction"] <= between["epsilon"], between


def test_a_kan_denoiser_trains_too():
    torch.manual_seed(0)
    prior = LatentPrior(PriorConfig(latent_dim=8, text_dim=8, width=32, hidden=64, num_blocks=2, arch="kan"))
    assert any(type(m).__name__ == "KANLayer" for m in prior.modules())
    losses = _fit(prior, 150)
    assert np.mean(losses[-30:]) < 0.8 * np.mean(losses[:30])


def test_prior_config_is_checked():
    with pytest.raises(Exception, match="--cond_drop"):
        PriorConfig(cond_drop=1.0)
    with pytest.raises(Exception, match="--default_steps"):
        PriorConfig(steps=2000)
    with pytest.raises(Exception, match="unknown key"):
        PriorConfig.from_dict({"width": 8, "depth": 3})
    with pytest.raises(Exception, match="--timestep_spacing"):
        PriorConfig(timestep_spacing="middle")
    # A prior saved before the setting existed sampled with diffusers' default, leading; it still does.
    assert PriorConfig.from_dict({"width": 8}).timestep_spacing == "leading"
    assert PriorConfig.from_dict(PriorConfig().to_dict()).timestep_spacing == "trailing"
    # Likewise a prior saved before v_prediction became the default predicted epsilon.
    assert PriorConfig().prediction_type == "v_prediction"
    assert PriorConfig.from_dict({"width": 8}).prediction_type == "epsilon"
    with pytest.raises(ValueError, match="latent_dim"):
        LatentPrior(PriorConfig())
    with pytest.raises(Exception, match="--residual"):
        PriorConfig(latent_dim=8, text_dim=6)
    assert not PriorConfig(latent_dim=8, text_dim=6, residual=False).residual


def test_cached_latents_draw_emphasised_actions_as_often_as_training_does():
    from src.datasets.dataset import MotionTextDataset
    from src.train.prior_trainer import cache_latents
    from tests.test_dataset import labelled_db

    class Encoder:  # what cache_latents needs of a model: the frame count of each window as its latent
        device = torch.device("cpu")

        def encode_motion(self, x, mask):
            return {"latent": mask.sum(1, keepdim=True).float()}

    db = labelled_db()  # sequence 0: walk, then a wave from frame 70; sequence 1: a jog
    torch.manual_seed(0)
    for emphasis, expected in (({}, 0.5), ({"wave": 9.0}, 0.9)):
        dataset = MotionTextDataset(db, train=True, num_frames=40, action_start_prob=1.0, action_emphasis=emphasis)
        cached = cache_latents(Encoder(), dataset, passes=200, log=lambda line: None)
        assert len(cached["caption"]) == 400 and torch.all(cached["latent"] == 40)
        jogs = sum(c in ("a person jogs", "jogging") for c in cached["caption"])
        assert abs((400 - jogs) / 400 - expected) < 0.05, (emphasis, jogs)
        if emphasis:  # an emphasised sequence's windows start at the action
            walks = sum(c == "walk" for c in cached["caption"])
            assert 0.85 < (400 - jogs - walks) / (400 - jogs), (walks, jogs)


# ------------------------------------------------------------------ on a model
@pytest.fixture(scope="module")
def tiny_with_prior(tmp_path_factory):
    """A tiny untrained model, its checkpoint, and the same with an (untrained) prior attached."""
    root = tmp_path_factory.mktemp("prior")
    plain = make_tiny_checkpoint(root / "plain.pth.tar", variational=False, arch="linear")
    model = SMoGModel.from_pretrained(plain)
    torch.manual_seed(3)
    prior = LatentPrior(PriorConfig(latent_dim=model.latent_dim, text_dim=model.latent_dim, width=32, hidden=64,
                                    num_blocks=2, steps=10))
    for p in prior.parameters():  # untrained but not zero, so the prediction depends on the inputs
        torch.nn.init.normal_(p, std=0.05)
    model.attach_prior(prior)
    return plain, save_checkpoint(root / "with_prior.pth.tar", model), model


def test_samples_repeat_by_seed_differ_between_samples_and_keep_per_caption_seeds(tiny_with_prior):
    _, path, _ = tiny_with_prior
    m = api.SMoG.from_pretrained(path)
    texts = ["a person walks", "a person waves"]
    first = m.generate(texts, duration=1.0, num_samples=2, seed=5)
    again = m.generate(texts, duration=1.0, num_samples=2, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.allclose(first[0], first[1], atol=1e-4)  # two samples of one caption differ
    # Caption 1 draws from seed + 1 whatever comes before it.
    alone = m.generate(["a person waves"], duration=1.0, num_samples=2, seed=6)
    assert np.allclose(alone[0], first[2], atol=1e-5) and np.allclose(alone[1], first[3], atol=1e-5)
    regression = m.generate(texts, duration=1.0, num_samples=2, seed=5, sampler="regression")
    assert np.array_equal(regression[0], regression[1])  # deterministic model: the regression latent


def test_temperature_moves_a_residual_sample_between_the_regression_latent_and_the_prior_sample(tiny_with_prior):
    _, _, model = tiny_with_prior
    lengths = torch.tensor([20, 30])
    texts = ["a person walks", "a person waves"]
    regression = model.generation_latents(texts, 2, [0, 1], lengths=lengths, sampler="regression")
    at_zero = model.generation_latents(texts, 2, [0, 1], 0.0, lengths, "diffusion")
    assert torch.allclose(at_zero, regression, atol=1e-4)  # 0: what regression draws
    text = model.prior_text_features(texts).repeat_interleave(2, dim=0)
    full = model.prior.sample(text, lengths.repeat_interleave(2), torch.randn(4, model.latent_dim,
                              generator=torch.Generator().manual_seed(0)))
    half = model.prior.sample(text, lengths.repeat_interleave(2), torch.randn(4, model.latent_dim,
                              generator=torch.Generator().manual_seed(0)), temperature=0.5)
    assert torch.allclose(half - text, 0.5 * (full - text), atol=1e-5)


def test_a_checkpoint_with_a_prior_round_trips_and_one_without_keeps_regression(tiny_with_prior, tmp_path):
    plain, path, model = tiny_with_prior
    files = read_model_files(path)
    assert files.prior_config == model.prior.config and any(k.startswith("prior.") for k in files.state_dict)
    save_pretrained(model, tmp_path / "pretrained", half=True)
    assert json.loads((tmp_path / "pretrained" / "config.json").read_text())["prior_config"]["width"] == 32
    loaded = [SMoGModel.from_pretrained(p) for p in (path, tmp_path / "pretrained")]
    lengths = torch.tensor([20])
    z = [m.generation_latents(["a jump"], 2, [0], lengths=lengths) for m in loaded]
    assert torch.allclose(z[0], model.generation_latents(["a jump"], 2, [0], lengths=lengths), atol=1e-6)
    assert torch.allclose(z[0], z[1], atol=0.05)  # float16 weights: close, not equal
    old = SMoGModel.from_pretrained(plain)
    assert old.prior is None and old.resolve_sampler(None) == "regression"
    with pytest.raises(ValueError, match="no diffusion prior"):
        old.resolve_sampler("diffusion")


def test_export_sets_the_priors_sampling_defaults_and_refuses_them_without_a_prior(tiny_with_prior, tmp_path):
    from prepare.export_model import export
    from src.errors import BadInputError

    plain, path, model = tiny_with_prior
    out = export(path, tmp_path / "ten.pth.tar", default_steps=4, default_guidance_scale=1.5)
    assert read_model_files(out).prior_config.steps == 4 and read_model_files(out).prior_config.guidance_scale == 1.5
    leading = read_model_files(export(out, tmp_path / "leading.pth.tar", timestep_spacing="leading")).prior_config
    assert leading == dataclasses.replace(read_model_files(out).prior_config, timestep_spacing="leading")
    assert not torch.allclose(SMoGModel.from_pretrained(tmp_path / "leading.pth.tar").generation_latents(
        ["a jump"], 2, [0], lengths=torch.tensor([20])), SMoGModel.from_pretrained(out).generation_latents(
        ["a jump"], 2, [0], lengths=torch.tensor([20])), atol=1e-4)
    loaded = SMoGModel.from_pretrained(out)
    lengths, texts = torch.tensor([20]), ["a jump"]
    z = loaded.generation_latents(texts, 2, [0], lengths=lengths)  # the new defaults...
    assert torch.allclose(z, model.generation_latents(texts, 2, [0], lengths=lengths, guidance_scale=1.5, steps=4),
                          atol=1e-6)  # ...are what the original samples with when asked for them
    assert not torch.allclose(z, model.generation_latents(texts, 2, [0], lengths=lengths), atol=1e-4)
    assert read_model_files(export(path, tmp_path / "same.pth.tar")).prior_config == model.prior.config
    with pytest.raises(BadInputError, match="no diffusion prior"):
        export(plain, tmp_path / "x.pth.tar", default_steps=10)
    with pytest.raises(BadInputError, match="--default_steps"):
        export(path, tmp_path / "y.pth.tar", default_steps=0)
    assert not (tmp_path / "x.pth.tar").exists() and not (tmp_path / "y.pth.tar").exists()


def test_editing_and_interpolation_sample_their_text_operands(tiny_with_prior):
    _, path, _ = tiny_with_prior
    m = api.SMoG.from_pretrained(path)
    drawn = m.operand_latent("a person walks", 1.0, seed=0)
    assert torch.allclose(drawn, m.operand_latent("a person walks", 1.0, seed=0))
    assert not torch.allclose(drawn, m.operand_latent("a person walks", 1.0, seed=1), atol=1e-4)
    assert torch.equal(m.operand_latent("a person walks", 1.0, seed=0, sampler="regression"),
                       m.latent_of("a person walks"))
    stops = m.interpolation_latents("a person walks", "a person jumps", 3, 1.0, seed=0)
    assert torch.allclose(stops[0], drawn, atol=1e-5)


def test_train_prior_command_end_to_end(db_path, tmp_path, capsys):
    from src.train import train_prior
    from src.visualize import text2motion

    plain = make_tiny_checkpoint(tmp_path / "plain.pth.tar", variational=False, arch="linear")
    folder = tmp_path / "prior_run"
    args = [str(plain), "--folder", str(folder), "--dataset", "builtin", "--datapath", str(db_path),
            "--num_frames", "-2", "--min_len", "20", "--max_len", "40", "--latent_passes", "2", "--num_steps", "30",
            "--batch_size", "16", "--log_every", "10", "--prior_width", "32", "--prior_hidden", "64",
            "--prior_blocks", "2", "--default_steps", "5", "--timestep_spacing", "leading", "--num_workers", "0",
            "--device", "cpu"]
    assert train_prior.main(args) == 0
    assert "reusing" not in capsys.readouterr().out
    lines = (folder / "prior_losses.csv").read_text().splitlines()
    assert lines[0] == "step,train,val,lr,seconds" and len(lines) == 4  # steps 10, 20, 30
    model = SMoGModel.from_pretrained(folder / "checkpoint.pth.tar")
    assert model.prior is not None and model.prior.config.steps == 5 and model.prior.config.timestep_spacing == "leading"
    assert not torch.equal(model.prior.latent_std, torch.ones_like(model.prior.latent_std))  # fitted to the data
    # The folder is refused without --overwrite; with it the cached latents are reused.
    assert train_prior.main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert train_prior.main(args + ["--overwrite"]) == 0
    assert "reusing" in capsys.readouterr().out
    # Generation samples with the prior by default and records it.
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a person walks\n", encoding="utf-8")
    out = tmp_path / "out"
    assert text2motion.main([str(folder / "checkpoint.pth.tar"), "--input_file", str(prompts), "--output_dir", str(out),
                             "--num_samples", "2", "--no_animation", "--duration", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sampler"] == "diffusion" and manifest["steps"] == 5 and manifest["timestep_spacing"] == "leading"
    first, second = sorted(out.glob("*.npy"))
    assert not np.allclose(np.load(first), np.load(second), atol=1e-4)
    # A checkpoint without a prior refuses --sampler diffusion with a message, before writing anything.
    assert text2motion.main([str(plain), "--input_file", str(prompts), "--output_dir", str(tmp_path / "none"),
                             "--sampler", "diffusion", "--no_animation"]) == 2
    assert "no diffusion prior" in capsys.readouterr().err
    assert not (tmp_path / "none").exists() or not any((tmp_path / "none").iterdir())
    # evaluate_model samples with the prior too: a deterministic model's MultiModality is no longer 0.
    import evaluate_model
    for sampler, varies in (("diffusion", True), ("regression", False)):
        out = tmp_path / f"eval_{sampler}"
        assert evaluate_model.main([str(folder / "checkpoint.pth.tar"), "--dataset", "builtin", "--datapath",
                                    str(db_path), "--split", "val", "--seeds", "0", "--mm_texts", "2",
                                    "--mm_samples", "3", "--sampler", sampler, "--output_dir", str(out)]) == 0
        results = json.loads((out / "results.json").read_text())
        assert results["sampler"] == sampler
        assert (results["generated"]["multimodality"]["mean"] > 1e-6) == varies
