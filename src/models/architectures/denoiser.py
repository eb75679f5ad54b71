"""The latent diffusion prior's denoiser: a residual MLP over one motion latent (MLD's 1 x D latent).

Each block modulates a LayerNorm of the running vector with a scale, shift and gate computed from
the condition (diffusion step + text + duration; DiT's adaLN-Zero), so a block starts as the
identity and the condition reaches every layer, not only the input. Its two inner layers are
``nn.Linear`` or ``KANLayer`` (``make_linear``), the project's linear-vs-KAN choice.
"""

from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from src.models.architectures.blocks import make_linear, sinusoidal_encoding


class DenoiserBlock(nn.Module):
    """x + gate * MLP(LayerNorm(x) * (1 + scale) + shift), with (scale, shift, gate) from the condition.

    Args:
        width: W, the running vector's width.
        hidden: the MLP's hidden width.
        cond_dim: width of the condition vector.
        kind: "linear" or "kan" (the MLP's two layers).
        kan_kwargs: KAN options (kan kind only).
    """

    def __init__(self, width: int, hidden: int, cond_dim: int, kind: str = "linear",
                 kan_kwargs: Optional[dict] = None):
        super().__init__()
        self.kind = kind
        self.norm = nn.LayerNorm(width, elementwise_affine=False)
        self.modulation = nn.Linear(cond_dim, 3 * width)
        nn.init.zeros_(self.modulation.weight)  # adaLN-Zero: gate 0, the block starts as the identity
        nn.init.zeros_(self.modulation.bias)
        self.fc1 = make_linear(kind, width, hidden, **(kan_kwargs or {}))
        # A KAN's spline grid covers about [-2, 2]: its input is normalised (the hidden layer is
        # normalised again for the second KAN, as the Transformer's KAN feed-forward blocks do).
        self.mid_norm = nn.LayerNorm(hidden, elementwise_affine=False) if kind == "kan" else nn.Identity()
        self.fc2 = make_linear(kind, hidden, width, **(kan_kwargs or {}))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """(B, W), (B, cond_dim) -> (B, W)."""
        scale, shift, gate = self.modulation(cond).chunk(3, dim=-1)
        h = self.norm(x) * (1 + scale) + shift
        h = self.fc1(h)
        h = self.mid_norm(h) if self.kind == "kan" else F.silu(h)
        return x + gate * self.fc2(h)


class LatentDenoiser(nn.Module):
    """Predicts the diffusion target (noise or clean latent) of a noisy latent.

    Args:
        latent_dim: D, the motion latent's width.
        cond_dim: width of the per-sample condition (text features plus duration encoding).
        width: W of the residual stream.
        hidden: hidden width of each block's MLP.
        num_blocks: residual blocks.
        kind: "linear" or "kan" for the blocks' inner layers.
        kan_kwargs: KAN options.
    """

    def __init__(self, latent_dim: int, cond_dim: int, width: int = 512, hidden: int = 1024, num_blocks: int = 6,
                 kind: str = "linear", kan_kwargs: Optional[dict] = None):
        super().__init__()
        self.latent_dim, self.cond_dim, self.width = latent_dim, cond_dim, width
        self.input = nn.Linear(latent_dim, width)
        self.time_mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.cond_mlp = nn.Sequential(nn.Linear(cond_dim, width), nn.SiLU(), nn.Linear(width, width))
        self.blocks = nn.ModuleList([DenoiserBlock(width, hidden, width, kind, kan_kwargs)
                                     for _ in range(num_blocks)])
        self.out_norm = nn.LayerNorm(width, elementwise_affine=False)
        self.output = nn.Linear(width, latent_dim)
        nn.init.zeros_(self.output.weight)  # the first prediction is 0 (the mean noise / mean latent)
        nn.init.zeros_(self.output.bias)

    def forward(self, noisy: torch.Tensor, timesteps: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """
        Args:
            noisy: (B, D) noisy standardised latents.
            timesteps: (B,) diffusion steps (0 .. num_train_timesteps - 1).
            cond: (B, cond_dim) conditions.
        Returns:
            (B, D) the prediction.
        """
        assert noisy.dim() == 2 and noisy.shape[1] == self.latent_dim, (noisy.shape, self.latent_dim)
        assert cond.shape == (noisy.shape[0], self.cond_dim), (cond.shape, noisy.shape[0], self.cond_dim)
        steps = timesteps.to(noisy.device).float().reshape(-1).expand(noisy.shape[0])
        c = F.silu(self.time_mlp(sinusoidal_encoding(steps, self.width)) + self.cond_mlp(cond))
        x = self.input(noisy)
        for block in self.blocks:
            x = block(x, c)
        return self.output(self.out_norm(x))
