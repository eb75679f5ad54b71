"""Motion encoder and decoder (the MotionCLIP/ACTOR Transformer autoencoder, SPEC §3).

Both work on *normalised* flattened features ``(B, T, D_in)`` with ``D_in = J * C``; the
model (``src.models.smog``) normalises and reshapes. Masks are ``(B, T)`` bool,
True = real frame. Layers are post-norm, as in the original.
"""

from typing import Optional

import torch
from torch import nn

from src.models.architectures.blocks import (LogVarHead, TransformerLayer, frame_queries, make_linear,
                                             sinusoidal_encoding)


class MotionEncoder(nn.Module):
    """Frames -> one latent (and a log-variance when variational).

    Embedding (Linear or KAN) of each frame, learned ``mu`` token (and ``sigma`` token)
    prepended, sinusoidal frame positions, a stack of post-norm Transformer layers with
    the padded frames masked out; the latent is the output at the ``mu`` token.

    Built by ``src.models.factory`` from a ``ModelConfig`` (the only place the sizes' defaults live).

    Args:
        input_dim: D_in = J * C.
        latent_dim: width of the latent and of the Transformer.
        ff_size, num_layers, num_heads, dropout, activation: Transformer sizes.
        variational: also output a log-variance (from the ``sigma`` token).
        logvar_head: read it through a ``LogVarHead`` (new models) instead of directly (older
            checkpoints; sigma then stays near 1).
        embed_kind: "linear" or "kan" for the per-frame embedding.
        ffn_kind: "linear" or "kan" feed-forward blocks.
        kan_kwargs: KAN options for KAN layers.
    """

    def __init__(self, input_dim: int, latent_dim: int, ff_size: int, num_layers: int, num_heads: int,
                 dropout: float, activation: str, variational: bool, embed_kind: str, ffn_kind: str,
                 kan_kwargs: Optional[dict], logvar_head: bool):
        super().__init__()
        self.input_dim = input_dim
        self.latent_dim = latent_dim
        self.variational = variational
        self.embedding = make_linear(embed_kind, input_dim, latent_dim, **(kan_kwargs or {}))
        self.num_tokens = 2 if variational else 1
        self.tokens = nn.Parameter(torch.randn(self.num_tokens, latent_dim) * 0.02)  # mu[, sigma]
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            TransformerLayer(latent_dim, num_heads, ff_size, dropout, activation, cross_attention=False,
                             ffn_kind=ffn_kind, kan_kwargs=kan_kwargs)
            for _ in range(num_layers))
        self.logvar_head = LogVarHead(latent_dim) if variational and logvar_head else None

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> dict:
        """
        Args:
            x: (B, T, input_dim) normalised features (padded frames may hold anything finite).
            mask: (B, T) bool, True = real frame.
        Returns:
            {"mu": (B, latent_dim), "logvar": (B, latent_dim) or None}.
        """
        batch, frames, dim = x.shape
        assert dim == self.input_dim, (x.shape, self.input_dim)
        assert mask.shape == (batch, frames), (mask.shape, x.shape)
        h = self.embedding(x) + sinusoidal_encoding(torch.arange(frames, device=x.device), self.latent_dim)
        tokens = self.tokens.unsqueeze(0).expand(batch, -1, -1)  # (B, K, D), K = 1 or 2
        h = self.dropout(torch.cat([tokens, h], dim=1))  # (B, K + T, D)
        padding = torch.cat([mask.new_zeros(batch, self.num_tokens), ~mask], dim=1)  # (B, K + T), tokens always real
        for layer in self.layers:
            h = layer(h, padding_mask=padding)
        logvar = None
        if self.variational:
            logvar = h[:, 1] if self.logvar_head is None else self.logvar_head(h[:, 1])
        return {"mu": h[:, 0], "logvar": logvar}


class MotionDecoder(nn.Module):
    """One latent + a length -> frames.

    T queries (sinusoidal frame positions, plus an encoding of the motion's total length
    when ``duration_encoding``, so that every frame knows how far it is from the end)
    pass through post-norm Transformer layers that cross-attend to the latent (one memory
    token, or ``num_memory_tokens`` linear projections of it); padded frames are masked
    as keys. A final Linear or KAN layer (after an affine-free LayerNorm when KAN) maps
    each frame to D_in.

    Args:
        output_dim: D_in = J * C.
        latent_dim, ff_size, num_layers, num_heads, dropout, activation: Transformer sizes.
        final_kind: "linear" or "kan" output layer.
        ffn_kind: "linear" or "kan" feed-forward blocks.
        kan_kwargs: KAN options for KAN layers.
        duration_encoding: add an encoding of the length to every query.
        num_memory_tokens: memory tokens made from the latent (1 = the latent itself, as ACTOR).
    """

    def __init__(self, output_dim: int, latent_dim: int, ff_size: int, num_layers: int, num_heads: int,
                 dropout: float, activation: str, final_kind: str, ffn_kind: str, kan_kwargs: Optional[dict],
                 duration_encoding: bool, num_memory_tokens: int):
        super().__init__()
        self.output_dim = output_dim
        self.latent_dim = latent_dim
        self.num_memory_tokens = num_memory_tokens
        self.duration_proj = nn.Linear(latent_dim, latent_dim) if duration_encoding else None
        self.memory_proj = (nn.Linear(latent_dim, num_memory_tokens * latent_dim)
                            if num_memory_tokens > 1 else None)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            TransformerLayer(latent_dim, num_heads, ff_size, dropout, activation, cross_attention=True,
                             ffn_kind=ffn_kind, kan_kwargs=kan_kwargs)
            for _ in range(num_layers))
        self.final_norm = nn.LayerNorm(latent_dim, elementwise_affine=False) if final_kind == "kan" else nn.Identity()
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
        queries = frame_queries(mask, self.latent_dim, self.duration_proj)  # (B, T, D)
        if self.memory_proj is not None:
            memory = self.memory_proj(latent).view(batch, self.num_memory_tokens, self.latent_dim)  # (B, M, D)
        else:
            memory = latent.unsqueeze(1)  # (B, 1, D)
        h = self.dropout(queries)
        padding = ~mask
        for layer in self.layers:
            h = layer(h, padding_mask=padding, memory=memory)
        out = self.final(self.final_norm(h))  # (B, T, output_dim)
        return out * mask.unsqueeze(-1).to(out.dtype)
