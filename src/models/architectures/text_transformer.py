"""Trainable text encoder over frozen token features (TEMOS/TMR style).

Frozen sentence embeddings barely tell "left hand" from "right hand" (SPEC §3); a
transformer trained on the backbone's token-level features can. It knows nothing of
the backbone: it takes ``(tokens (B, L, token_dim), mask (B, L))`` as produced by
``FrozenTextBackbone.encode_tokens``.
"""

import torch
from torch import nn

from src.models.architectures.blocks import LogVarHead, sinusoidal_encoding


class TextTransformerEncoder(nn.Module):
    """Transformer that maps a caption's token features to one latent vector.

    Token features are projected to ``latent_dim``; a learned ``mu`` token (and a
    ``sigma`` token when variational) is prepended; sinusoidal positions are added;
    the output at the ``mu`` (``sigma``) position is the latent mean (log-variance).
    Padding tokens are masked out of attention, so they never change the result. Its settings
    and their defaults are ``ModelConfig``'s (``src.models.config``: sizes and text).

    Args:
        token_dim: size of the input token features (the frozen backbone's ``token_dim``).
        latent_dim: size of the output latent (the motion latent space's size).
        ff_size: hidden size of each layer's feed-forward block.
        num_layers: number of transformer encoder layers.
        num_heads: attention heads; must divide ``latent_dim``.
        dropout: dropout in the layers (and on the inputs).
        activation: feed-forward activation, ``"gelu"`` or ``"relu"``.
        variational: also output a log-variance (TEMOS); otherwise ``logvar`` is ``None`` (TMR
            uses the variational form, MotionCLIP-style models the plain one).
        logvar_head: read the log-variance through a ``LogVarHead`` (new models) instead of
            directly from the ``sigma`` token's output (older checkpoints).
    """

    def __init__(self, token_dim: int, latent_dim: int, ff_size: int, num_layers: int, num_heads: int,
                 dropout: float, activation: str, variational: bool, logvar_head: bool):
        super().__init__()
        if latent_dim % 2 or latent_dim % num_heads:
            raise ValueError(f"latent_dim={latent_dim} must be even and divisible by num_heads={num_heads}")
        self.config = dict(token_dim=token_dim, latent_dim=latent_dim, ff_size=ff_size, num_layers=num_layers,
                           num_heads=num_heads, dropout=dropout, activation=activation, variational=variational,
                           logvar_head=logvar_head)
        self.token_dim = token_dim
        self.latent_dim = latent_dim
        self.variational = variational
        self.projection = nn.Linear(token_dim, latent_dim)
        num_queries = 2 if variational else 1
        self.query_tokens = nn.Parameter(torch.randn(num_queries, latent_dim) * 0.02)  # mu[, sigma]
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(latent_dim, num_heads, dim_feedforward=ff_size, dropout=dropout,
                                           activation=activation, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.logvar_head = LogVarHead(latent_dim) if variational and logvar_head else None

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> dict:
        """Encode a batch of captions.

        Args:
            tokens: (B, L, token_dim) token features; values at padding are ignored.
            mask: (B, L) bool, True = real token.
        Returns:
            dict ``mu`` (B, latent_dim) and ``logvar`` (B, latent_dim), or ``None`` when not variational.
        """
        assert tokens.dim() == 3 and tokens.size(-1) == self.token_dim, \
            f"tokens must be (B, L, {self.token_dim}), got {tuple(tokens.shape)}"
        assert mask.shape == tokens.shape[:2] and mask.dtype == torch.bool, \
            f"mask must be bool (B, L) = {tuple(tokens.shape[:2])}, got {mask.dtype} {tuple(mask.shape)}"
        batch = tokens.size(0)
        num_queries = self.query_tokens.size(0)
        tokens = tokens.masked_fill(~mask.unsqueeze(-1), 0.0)  # even NaN padding must not leak
        x = self.projection(tokens)                                           # (B, L, D)
        queries = self.query_tokens.unsqueeze(0).expand(batch, -1, -1)        # (B, Q, D)
        x = torch.cat([queries, x], dim=1)                                    # (B, Q + L, D)
        x = x + sinusoidal_encoding(torch.arange(x.size(1), device=x.device), self.latent_dim)
        x = self.dropout(x)
        # nn.Transformer convention: True = ignore. The query tokens are always attended.
        padding = torch.cat([mask.new_zeros(batch, num_queries), ~mask], dim=1)  # (B, Q + L)
        x = self.encoder(x, src_key_padding_mask=padding)                     # (B, Q + L, D)
        logvar = None
        if self.variational:
            logvar = x[:, 1] if self.logvar_head is None else self.logvar_head(x[:, 1])
        return {"mu": x[:, 0], "logvar": logvar}
