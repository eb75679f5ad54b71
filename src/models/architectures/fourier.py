"""Latent-driven Fourier queries: how a single latent tells every frame its gait phase.

Why: a decoder whose frame queries are the frame's position plus the latent (``frame_queries``
and the additive latent of ``modulated.py``) has to build ``sin(2 pi f t + phi)``, with ``f`` and
``phi`` read from the latent, out of fixed positional sinusoids and per-channel gains. Trained on
the whole built-in data it never learned to: reconstructions of real jogs whose ankles swing 6-27 cm
came out with both ankles flat at 11 cm and gliding, the phase averaged away (exps/smog_hml,
session of 2026-12-07). A sinusoid of any phase at a frequency ``f`` is ``a cos(2 pi f t) +
b sin(2 pi f t)``: *linear* in a fixed basis once the latent gives ``a`` and ``b``. So the latent
here gives coefficients of a bank of frequencies (0.25 Hz apart: the resolution of a 4 s window,
the longest training window, so the bank spans every band-limited signal of such a window), and
each frame's query gets the resulting signals. The output projection starts at zero, so adding
this path to a trained decoder (``--init_from``) starts from the same function.
"""

import math

import torch
from torch import nn

SPACING_HZ = 0.25  # the bank's frequencies are 0.25, 0.5, ... Hz (module docstring)


class FourierQueries(nn.Module):
    """Per-frame signals ``sum_k a_k(z) cos(2 pi f_k t) + b_k(z) sin(2 pi f_k t)`` mapped to the query width.

    Args:
        latent_dim: width of the latent and of the queries (D).
        num_frequencies: K frequencies, ``SPACING_HZ * (1..K)`` Hz (K = 20 reaches 5 Hz, above
            the data's cadences and their first harmonics).
        fps: frame rate of the decoded frames.
        rank: R signals per motion (each a mix of the K frequencies) before the map to D.
    """

    def __init__(self, latent_dim: int, num_frequencies: int, fps: float, rank: int = 64):
        super().__init__()
        assert num_frequencies > 0 and fps > 0, (num_frequencies, fps)
        self.num_frequencies, self.rank = int(num_frequencies), int(rank)
        self.register_buffer("cycles_per_frame", SPACING_HZ * torch.arange(1, num_frequencies + 1) / float(fps),
                             persistent=False)  # (K,)
        self.coefficients = nn.Linear(latent_dim, self.rank * 2 * self.num_frequencies)
        self.out = nn.Linear(self.rank, latent_dim)
        nn.init.zeros_(self.out.weight)  # starts as no change to the queries (module docstring)
        nn.init.zeros_(self.out.bias)

    def basis(self, frames: int, device) -> torch.Tensor:
        """(T, 2K): cos then sin of each frequency at frames 0..T-1."""
        angle = 2 * math.pi * torch.arange(frames, device=device, dtype=torch.float32)[:, None] * self.cycles_per_frame
        return torch.cat([angle.cos(), angle.sin()], dim=-1)

    def forward(self, latent: torch.Tensor, frames: int) -> torch.Tensor:
        """
        Args:
            latent: (B, D). frames: T.
        Returns:
            (B, T, D) to add to the frame queries.
        """
        batch = latent.shape[0]
        coeffs = self.coefficients(latent).view(batch, self.rank, 2 * self.num_frequencies)  # (B, R, 2K)
        basis = self.basis(frames, latent.device).to(coeffs.dtype)  # (T, 2K)
        signals = torch.einsum("brk,tk->btr", coeffs, basis) / math.sqrt(self.num_frequencies)  # (B, T, R)
        return self.out(signals)
