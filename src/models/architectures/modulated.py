"""A motion decoder whose every layer reads the latent (``--decoder modulated``).

Why: in the original decoder (``transformer.MotionDecoder``) the latent reaches the frames only
through cross-attention from position queries. A query for frame t learns to ask "what happens at
t", and until the attention has learned which memory features carry the gait phase, the answer is
the same for every motion: trained on random windows of walks, that decoder stays on the mean gait
(legs still, feet gliding) for hundreds of steps. Here the latent also shapes every frame directly:

* it is added to every query (with the frame position and the motion's length);
* each sub-block's normalised input is modulated by the latent (``LN(h) * (1 + scale) + shift``,
  the adaptive LayerNorm of DiT / FiLM), with the modulation starting at zero so the layer starts as
  a plain pre-norm Transformer layer;
* cross-attention to ``num_memory_tokens`` projections of the latent stays;
* optionally, long skip connections join layer i to layer L-1-i (MLD's VAE), so early, coarse
  features reach the output;
* optionally (``--decoder_fourier K``), every query also gets latent-driven sinusoids of a fixed
  frequency bank (``fourier.FourierQueries``), so a gait's phase is linear in the latent.
"""

from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from src.models.architectures.blocks import FeedForward, frame_queries, make_linear
from src.models.architectures.fourier import FourierQueries


class ModulatedLayer(nn.Module):
    """Pre-norm Transformer decoder layer with latent-modulated LayerNorms.

    Args:
        d_model, num_heads, ff_size, dropout, activation: the usual Transformer sizes.
        ffn_kind: "linear" or "kan" feed-forward block. kan_kwargs: its KAN options.
    """

    def __init__(self, d_model: int, num_heads: int, ff_size: int, dropout: float, activation: str,
                 ffn_kind: str, kan_kwargs: Optional[dict]):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.ffn = FeedForward(d_model, ff_size, dropout, activation, ffn_kind, kan_kwargs)
        self.norms = nn.ModuleList(nn.LayerNorm(d_model, elementwise_affine=False) for _ in range(3))
        self.modulation = nn.Linear(d_model, 6 * d_model)  # (scale, shift) for each of the 3 sub-blocks
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, latent: torch.Tensor, memory: torch.Tensor,
                padding_mask: torch.Tensor) -> torch.Tensor:
        """
        Args:
            h: (B, T, D) frames. latent: (B, D). memory: (B, M, D). padding_mask: (B, T) bool, True = padding.
        Returns:
            (B, T, D).
        """
        scale_shift = self.modulation(F.silu(latent)).unsqueeze(1).chunk(6, dim=-1)  # 6 x (B, 1, D)

        def modulated(i: int) -> torch.Tensor:
            return self.norms[i](h) * (1 + scale_shift[2 * i]) + scale_shift[2 * i + 1]

        x = modulated(0)
        h = h + self.dropout(self.self_attn(x, x, x, key_padding_mask=padding_mask, need_weights=False)[0])
        x = modulated(1)
        h = h + self.dropout(self.cross_attn(x, memory, memory, need_weights=False)[0])
        return h + self.dropout(self.ffn(modulated(2)))


class ModulatedMotionDecoder(nn.Module):
    """One latent + a length -> frames, the latent in every layer (module docstring).

    Same interface as ``transformer.MotionDecoder``.

    Args:
        output_dim: D_in = J * C.
        latent_dim, ff_size, num_layers, num_heads, dropout, activation: Transformer sizes.
        final_kind: "linear" or "kan" output layer. ffn_kind: "linear" or "kan" feed-forward blocks.
        kan_kwargs: KAN options for KAN layers.
        duration_encoding: add an encoding of the length to every query.
        num_memory_tokens: memory tokens projected from the latent for cross-attention.
        long_skips: join layer i's input to layer L-1-i's (MLD), for i < L // 2.
        fourier_frequencies: K > 0 adds ``FourierQueries`` of K frequencies at ``fps`` to the queries.
        fps: frame rate of the decoded frames (read only with ``fourier_frequencies``).
    """

    def __init__(self, output_dim: int, latent_dim: int, ff_size: int, num_layers: int, num_heads: int,
                 dropout: float, activation: str, final_kind: str, ffn_kind: str, kan_kwargs: Optional[dict],
                 duration_encoding: bool, num_memory_tokens: int, long_skips: bool, fourier_frequencies: int = 0,
                 fps: Optional[float] = None):
        super().__init__()
        self.output_dim = output_dim
        self.latent_dim = latent_dim
        self.num_memory_tokens = max(1, num_memory_tokens)
        self.duration_proj = nn.Linear(latent_dim, latent_dim) if duration_encoding else None
        self.query_proj = nn.Linear(latent_dim, latent_dim)
        assert not fourier_frequencies or fps, "the Fourier queries need the frame rate"
        self.fourier = FourierQueries(latent_dim, fourier_frequencies, fps) if fourier_frequencies else None
        self.memory_proj = nn.Linear(latent_dim, self.num_memory_tokens * latent_dim)
        self.layers = nn.ModuleList(
            ModulatedLayer(latent_dim, num_heads, ff_size, dropout, activation, ffn_kind, kan_kwargs)
            for _ in range(num_layers))
        self.num_skips = num_layers // 2 if long_skips else 0
        # layer L-1-i reads [its input, layer i's input] through a linear map (MLD's skip blocks)
        self.skip_proj = nn.ModuleList(nn.Linear(2 * latent_dim, latent_dim) for _ in range(self.num_skips))
        self.final_norm = nn.LayerNorm(latent_dim, elementwise_affine=False)
        self.final = make_linear(final_kind, latent_dim, output_dim, **(kan_kwargs or {}))

    def forward(self, latent: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """
        Args:
            latent: (B, latent_dim).
            mask: (B, T) bool, True = real frame; each row is a prefix of True values.
        Returns:
            (B, T, output_dim) normalised features; padded frames are zero.
        """
        batch, frames = mask.shape
        assert latent.shape == (batch, self.latent_dim), (latent.shape, mask.shape)
        h = frame_queries(mask, self.latent_dim, self.duration_proj) + self.query_proj(latent).unsqueeze(1)  # (B, T, D)
        if self.fourier is not None:
            h = h + self.fourier(latent, frames)
        memory = self.memory_proj(latent).view(batch, self.num_memory_tokens, self.latent_dim)  # (B, M, D)
        padding = ~mask
        skipped = []
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            j = last - i  # the layer this one's input is joined to
            if i < self.num_skips:
                skipped.append(h)
            elif j < self.num_skips:
                h = self.skip_proj[j](torch.cat([h, skipped[j]], dim=-1))
            h = layer(h, latent, memory, padding)
        out = self.final(self.final_norm(h))  # (B, T, output_dim)
        return out * mask.unsqueeze(-1).to(out.dtype)
