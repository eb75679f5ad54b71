"""Loss terms on the decoded points beside rcxyz: the amplitude spectrum (``--lambda_spectral``,
``losses.amplitude_spectrum_error``), blind to when an oscillation happens, not to whether it happens;
and the relative pose error (``--lambda_relpose``, ``losses.relative_pose_error``), which measures a
window's error against its own motion, so that a small limb's swing counts as much as a large one."""

import math

import pytest
import torch

from src.models.backbones import Backbones
from src.models.factory import build_model
from src.models.losses import RELPOSE_FLOOR_M, amplitude_spectrum_error, masked_mse, relative_pose_error
from tests.test_model import TINY, FakeBackbone

FPS = 20.0


def swinging(frames: int, amplitude: float = 0.1, hz: float = 2.0, phase: float = 0.0) -> torch.Tensor:
    """(1, T, 2, 3): point 0 still, point 1 swinging along x."""
    t = torch.arange(frames) / FPS
    points = torch.zeros(1, frames, 2, 3)
    points[0, :, 1, 0] = amplitude * torch.sin(2 * math.pi * hz * t + phase)
    return points


def test_a_flat_prediction_costs_the_oscillations_mean_square():
    # relative to the centroid each point swings by +-a/2 sin along x: mean over 2 points x 3
    # coordinates of (a/2)^2 / 2 = a^2 / 24 (whole cycles: 60 frames at 20 fps = 6 cycles of 2 Hz)
    target, mask = swinging(60), torch.ones(1, 60, dtype=torch.bool)
    assert amplitude_spectrum_error(torch.zeros_like(target), target, mask).item() == pytest.approx(0.1 ** 2 / 24, rel=1e-4)
    assert amplitude_spectrum_error(target, target, mask).item() == 0.0


def test_a_shifted_oscillation_costs_nothing_where_the_mse_does():
    target, mask = swinging(60), torch.ones(1, 60, dtype=torch.bool)
    late = swinging(60, phase=1.3)
    assert amplitude_spectrum_error(late, target, mask).item() < 1e-9
    assert masked_mse(late, target, mask).item() > 1e-3
    # a smaller swing or another frequency does cost
    assert amplitude_spectrum_error(swinging(60, amplitude=0.05), target, mask).item() > 1e-4
    assert amplitude_spectrum_error(swinging(60, hz=3.0), target, mask).item() > 1e-4


def test_padding_and_the_trajectory_do_not_count():
    target, mask = swinging(60), torch.ones(1, 60, dtype=torch.bool)
    mask[0, 40:] = False  # 40 real frames: 4 whole cycles, the same mean square
    flat = torch.zeros_like(target)
    expected = 0.1 ** 2 / 24
    assert amplitude_spectrum_error(flat, target, mask).item() == pytest.approx(expected, rel=1e-4)
    noisy_padding = flat.clone()
    noisy_padding[0, 40:] = torch.randn(20, 2, 3)
    assert amplitude_spectrum_error(noisy_padding, target, mask).item() == pytest.approx(expected, rel=1e-4)
    travelling = flat + torch.linspace(0, 3, 60)[None, :, None, None]  # the whole body walking away
    assert amplitude_spectrum_error(travelling, target, mask).item() == pytest.approx(expected, rel=1e-4)


def test_a_flat_prediction_costs_about_one_for_a_small_swing_and_a_large_one():
    mask = torch.ones(1, 60, dtype=torch.bool)
    costs = []
    for amplitude in (0.1, 0.4):  # a clap's wrist and a leg: 16 times apart in squared metres
        target = swinging(60, amplitude=amplitude)
        flat = target.mean(dim=1, keepdim=True).expand_as(target)  # holds the mean pose
        # relative to the centroid, each point's squared deviation is (a/2)^2 sin^2 along x: a^2/8 mean per point
        energy = amplitude ** 2 / 8
        costs.append(relative_pose_error(flat, target, mask).item())
        assert costs[-1] == pytest.approx(energy / (energy + RELPOSE_FLOOR_M ** 2), rel=1e-4)
        assert relative_pose_error(target, target, mask).item() == 0.0
    assert costs[0] > 0.5 and costs[1] > 0.95
    # the mean squared error of the same flat predictions differs 16-fold
    small, large = (masked_mse(swinging(60, amplitude=a).mean(1, keepdim=True).expand(1, 60, 2, 3),
                               swinging(60, amplitude=a), mask).item() for a in (0.1, 0.4))
    assert large == pytest.approx(16 * small, rel=1e-3)


def test_relative_pose_error_ignores_padding_and_the_trajectory_and_floors_a_still():
    target, mask = swinging(60), torch.ones(1, 60, dtype=torch.bool)
    mask[0, 40:] = False
    flat = target[:, :40].mean(dim=1, keepdim=True).expand_as(target).clone()
    expected = relative_pose_error(flat[:, :40], target[:, :40], torch.ones(1, 40, dtype=torch.bool)).item()
    flat[0, 40:] = torch.randn(20, 2, 3)  # padding
    flat = flat + torch.linspace(0, 3, 60)[None, :, None, None]  # the whole body walking away
    assert relative_pose_error(flat, target, mask).item() == pytest.approx(expected, rel=1e-5)
    still = torch.zeros(1, 60, 2, 3)
    off_by_1cm = still.clone()
    off_by_1cm[..., 1, 0] = 0.01
    # a still input's energy is 0: 1 cm off (0.5 cm from the centroid for each point) costs its square over the floor's
    assert relative_pose_error(off_by_1cm, still, torch.ones(1, 60, dtype=torch.bool)).item() == pytest.approx(
        0.005 ** 2 / RELPOSE_FLOOR_M ** 2, rel=1e-4)


@pytest.mark.parametrize("option, term", [("lambda_spectral", "spec"), ("lambda_relpose", "relpose")])
def test_the_model_adds_the_term_from_motion_and_text_latents_and_it_trains_the_decoder(option, term):
    torch.manual_seed(0)
    options = {**TINY, "arch": "linear", "pose_rep": "hml", "decoder": "modulated", "vertstrans": True,
               "jointstype": "smpl"}
    plain = build_model(options, None, Backbones(FakeBackbone()))
    model = build_model({**options, option: 5.0}, None, Backbones(FakeBackbone()))
    batch = {"x": torch.randn(3, 24, 1, 270) * 0.05, "mask": torch.ones(3, 24, dtype=torch.bool),
             "text": ["a person claps", "a person waves", "a person claps"]}
    batch["mask"][2, 16:] = False
    _, logs = plain.compute_loss(batch)
    assert term not in logs and term + "_text" not in logs  # off unless asked: nothing computed
    loss, logs = model.compute_loss(batch)
    assert logs[term] > 0 and logs[term + "_text"] > 0
    loss.backward()
    assert model.motion_decoder.final.weight.grad.abs().sum() > 0
