"""A text-conditioned latent diffusion prior over the SMoG motion latent (MLD, Chen et al. 2023).

The motion autoencoder stays frozen; the prior learns the distribution of its motion latents
given a caption and a length, so generation *samples* one motion a caption can mean instead of
decoding the mean of them all (the regression path: the text encoder's latent).

    prior = LatentPrior(PriorConfig(latent_dim=256, text_dim=256))
    loss = prior.loss(latents, text, lengths)                    # training, on cached latents
    z = prior.sample(text, lengths, noise, steps=50, guidance_scale=2.5)   # (N, D) decoder latents

Conditions: the learned text encoder's normalised embedding of the caption (what the regression
path decodes, so the prior refines a motion-aligned guess) and a sinusoidal encoding of the length
in frames. Classifier-free guidance: during training ``cond_drop`` of the captions are replaced by
a learned null text; sampling mixes both predictions. Noise schedules, targets and DDIM steps are
diffusers' (``DDPMScheduler`` for training, ``DDIMScheduler`` for sampling), as in MLD.
"""

from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from src.models.architectures.blocks import sinusoidal_encoding
from src.models.architectures.denoiser import LatentDenoiser
from src.models.config import PriorConfig


def _scheduler_config(config: PriorConfig) -> dict:
    return dict(num_train_timesteps=config.num_train_timesteps, beta_schedule="scaled_linear",
                beta_start=config.beta_start, beta_end=config.beta_end, prediction_type=config.prediction_type,
                clip_sample=False)


class LatentPrior(nn.Module):
    """Denoiser plus the latent statistics, schedules and sampling loop.

    Args:
        config: a ``PriorConfig`` with ``latent_dim`` and ``text_dim`` set.
    """

    def __init__(self, config: PriorConfig):
        super().__init__()
        if config.latent_dim is None or config.text_dim is None:
            raise ValueError("PriorConfig needs latent_dim and text_dim (the model's widths)")
        self.config = config
        self.denoiser = LatentDenoiser(config.latent_dim, config.text_dim + config.duration_dim, config.width,
                                       config.hidden, config.num_blocks, config.arch, config.kan)
        self.null_text = nn.Parameter(torch.zeros(config.text_dim))  # the "no caption" condition
        # Per-dimension statistics of the training latents: the diffusion runs on standardised latents.
        self.register_buffer("latent_mean", torch.zeros(config.latent_dim))
        self.register_buffer("latent_std", torch.ones(config.latent_dim))
        self._schedulers = {}

    def _diffused(self, latents: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """What the diffusion runs on, before standardisation: the latent, or (``residual``) its
        offset from the caption's text latent."""
        return latents - text if self.config.residual else latents

    def set_latent_statistics(self, latents: torch.Tensor, text: torch.Tensor) -> None:
        """Store the mean and std of what is diffused, from (N, D) training latents and their (N, D) text features."""
        diffused = self._diffused(latents, text)
        self.latent_mean.copy_(diffused.mean(0))
        self.latent_std.copy_(diffused.std(0).clamp_min(1e-4))

    def _scheduler(self, kind: str):
        """diffusers' DDPM (training) or DDIM (sampling) scheduler of this config (imported on first use)."""
        key = (kind, self.config.timestep_spacing)  # the config may be replaced (export's sampling settings)
        if key not in self._schedulers:
            from diffusers import DDIMScheduler, DDPMScheduler
            if kind == "ddpm":
                self._schedulers[key] = DDPMScheduler(**_scheduler_config(self.config))
            else:  # steps_offset 1 and no final alpha of 1: the DDIM settings of MLD / Stable Diffusion
                self._schedulers[key] = DDIMScheduler(**_scheduler_config(self.config), set_alpha_to_one=False,
                                                      steps_offset=1, timestep_spacing=self.config.timestep_spacing)
        return self._schedulers[key]

    def condition(self, text: torch.Tensor, lengths: torch.Tensor, drop: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            text: (B, text_dim) text features.
            lengths: (B,) frames of the motions.
            drop: (B,) bool, True = use the null text instead (None: keep every caption).
        Returns:
            (B, text_dim + duration_dim).
        """
        assert text.dim() == 2 and text.shape[1] == self.config.text_dim, (text.shape, self.config.text_dim)
        if drop is not None:
            text = torch.where(drop[:, None], self.null_text.expand_as(text), text)
        duration = sinusoidal_encoding(lengths.to(text.device).reshape(-1), self.config.duration_dim)
        return torch.cat([text, duration], dim=-1)

    def loss(self, latents: torch.Tensor, text: torch.Tensor, lengths: torch.Tensor,
             generator: Optional[torch.Generator] = None, steps: Optional[torch.Tensor] = None,
             noise: Optional[torch.Tensor] = None, drop_captions: bool = True) -> torch.Tensor:
        """Denoising loss of one batch: MSE between the denoiser's prediction and its target.

        Args:
            latents: (B, D) motion latents (the decoder's input).
            text: (B, text_dim) text features of their captions.
            lengths: (B,) frames of the motions.
            generator: random generator of steps, noise and caption dropout (those not given).
            steps, noise: (B,) diffusion steps and (B, D) noise, to measure at fixed points (validation).
            drop_captions: replace ``cond_drop`` of the captions by the null text (training).
        """
        scheduler = self._scheduler("ddpm")
        x0 = (self._diffused(latents, text) - self.latent_mean) / self.latent_std
        batch, device = x0.shape[0], x0.device
        if noise is None:
            noise = torch.randn(x0.shape, generator=generator, device=device)
        if steps is None:
            steps = torch.randint(0, self.config.num_train_timesteps, (batch,), generator=generator, device=device)
        drop = torch.rand(batch, generator=generator, device=device) < self.config.cond_drop if drop_captions else None
        noisy = scheduler.add_noise(x0, noise, steps)
        prediction = self.denoiser(noisy, steps, self.condition(text, lengths, drop))
        if self.config.prediction_type == "epsilon":
            target = noise
        elif self.config.prediction_type == "sample":
            target = x0
        else:
            target = scheduler.get_velocity(x0, noise, steps)
        return F.mse_loss(prediction, target)

    @torch.no_grad()
    def sample(self, text: torch.Tensor, lengths: torch.Tensor, noise: torch.Tensor, steps: Optional[int] = None,
               guidance_scale: Optional[float] = None, temperature: float = 1.0) -> torch.Tensor:
        """Deterministic DDIM sampling (eta 0) from given starting noise: the same noise gives the same latents.
        The steps sit where ``config.timestep_spacing`` puts them.

        Args:
            text: (N, text_dim) text features.
            lengths: (N,) frames of the motions to decode.
            noise: (N, D) standard normal starting points.
            steps: DDIM steps (default ``config.steps``).
            guidance_scale: classifier-free guidance w (1 = conditional only; default ``config.guidance_scale``).
            temperature: a residual prior's sampled offset from the text latent is scaled by it (0 = the
                text latent, what regression decodes; 1 = the prior's sample); otherwise the starting
                noise is (the usual truncation of diffusion samples).
        Returns:
            (N, D) latents in the decoder's space (not yet normalised by the model).
        """
        steps = int(self.config.steps if steps is None else steps)
        guidance = float(self.config.guidance_scale if guidance_scale is None else guidance_scale)
        if not 1 <= steps <= self.config.num_train_timesteps:
            raise ValueError(f"steps must be in 1..{self.config.num_train_timesteps}, got {steps}")
        assert noise.shape == (text.shape[0], self.config.latent_dim), (noise.shape, text.shape)
        scheduler = self._scheduler("ddim")
        scheduler.set_timesteps(steps, device=noise.device)
        cond = self.condition(text, lengths)
        if guidance != 1.0:  # one batched pass for the conditional and the unconditional prediction
            cond = torch.cat([cond, self.condition(text, lengths, torch.ones(len(text), dtype=torch.bool,
                                                                             device=text.device))])
        x = noise * scheduler.init_noise_sigma * (1.0 if self.config.residual else temperature)
        for t in scheduler.timesteps:
            if guidance != 1.0:
                conditional, unconditional = self.denoiser(torch.cat([x, x]), t.expand(2 * len(x)), cond).chunk(2)
                prediction = unconditional + guidance * (conditional - unconditional)
            else:
                prediction = self.denoiser(x, t.expand(len(x)), cond)
            x = scheduler.step(prediction, t, x, eta=0.0).prev_sample
        x = x * self.latent_std + self.latent_mean
        return text + temperature * x if self.config.residual else x
