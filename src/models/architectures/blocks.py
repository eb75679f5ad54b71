"""Building blocks chosen by name: linear-or-KAN layers, feed-forward blocks, Transformer layers.

Where the SMoG layout puts a KAN is decided here, in one place (``make_linear``), so the
encoder, the decoder and the model never test ``isinstance(..., KANLayer)`` themselves.

KAN layers only model their inputs inside the spline grid (``grid_range`` extended by
``spline_order`` cells each side; [-2.2, 2.2] by default); outside it only the base term
``W_base · SiLU(x)`` remains. Every KAN built here therefore sees normalised inputs: the
embedding gets features normalised with the dataset statistics, the final layer and the
feed-forward KANs get the output of a LayerNorm without affine parameters.
"""

import contextlib
import contextvars
import math
from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from src.models.architectures.kan import KANLayer
from src.models.config import KAN_PLACES, LAYER_KINDS, parse_kan_layers  # noqa: F401  (re-exported)

_ACTIVATION_MODULES = {"silu": nn.SiLU, "gelu": nn.GELU, "relu": nn.ReLU, "tanh": nn.Tanh}
_SKIP_KAN_INIT = contextvars.ContextVar("skip_kan_init", default=False)
_ACTIVATION_FUNCTIONS = {"gelu": F.gelu, "relu": F.relu, "silu": F.silu}


def get_activation(name: str):
    """Element-wise activation function of the Transformer feed-forward blocks, by name."""
    if name not in _ACTIVATION_FUNCTIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(_ACTIVATION_FUNCTIONS)}")
    return _ACTIVATION_FUNCTIONS[name]


def kan_layer_kwargs(kan_kwargs: Optional[dict]) -> dict:
    """KAN options of a config (``KANConfig.layer_options``: activation by name) -> ``KANLayer`` keywords;
    options left out take ``KANLayer``'s defaults (which ``tests/test_model.py`` checks equal KANConfig's)."""
    options = dict(kan_kwargs or {})
    activation = options.pop("base_activation", None)
    if activation is not None:
        if activation not in _ACTIVATION_MODULES:
            raise ValueError(f"KAN base_activation {activation!r}: choose one of {sorted(_ACTIVATION_MODULES)}")
        options["base_activation"] = _ACTIVATION_MODULES[activation]
    if "grid_range" in options:
        options["grid_range"] = list(options["grid_range"])
    return options


@contextlib.contextmanager
def skip_kan_init():
    """Inside, ``make_linear`` builds KAN layers without their initialisation (kaiming plus a
    least-squares spline fit per layer, ``KANLayer.reset_parameters``): their parameters hold
    uninitialised memory until weights are loaded. Only for models whose every weight is loaded
    right after (``load_checkpoint`` / ``load_pretrained`` with ``strict``)."""
    token = _SKIP_KAN_INIT.set(True)
    try:
        yield
    finally:
        _SKIP_KAN_INIT.reset(token)


def make_linear(kind: str, in_features: int, out_features: int, **kan_kwargs) -> nn.Module:
    """An ``nn.Linear`` or a ``KANLayer`` mapping (..., in_features) -> (..., out_features).

    Args:
        kind: "linear" or "kan".
        kan_kwargs: ``KANConfig.layer_options()`` (ignored for "linear").
    """
    if kind == "linear":
        return nn.Linear(in_features, out_features)
    if kind == "kan":
        return KANLayer(in_features, out_features, init=not _SKIP_KAN_INIT.get(), **kan_layer_kwargs(kan_kwargs))
    raise ValueError(f"unknown layer kind {kind!r}; choose one of {list(LAYER_KINDS)}")


class LogVarHead(nn.Module):
    """Log-variance of a variational encoder from the output at its ``sigma`` token.

    Why a head: a post-norm Transformer's outputs are LayerNorm outputs, each token's vector
    standardised, with one affine shared by every token; read directly as a log-variance, sigma
    stays near 1, as large as the spread of ``mu`` itself, whatever the losses want, so the decoder
    is trained on latents half made of noise and learns to decode a blur. A linear head, starting
    at zero weights and ``init_logvar``, lets each dimension's variance go where the losses take it.

    Args:
        latent_dim: D.
        init_logvar: initial log-variance of every dimension (-4: sigma = 0.14).
    """

    def __init__(self, latent_dim: int, init_logvar: float = -4.0):
        super().__init__()
        self.linear = nn.Linear(latent_dim, latent_dim)
        nn.init.zeros_(self.linear.weight)
        nn.init.constant_(self.linear.bias, init_logvar)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """(B, D) sigma-token output -> (B, D) log-variance."""
        return self.linear(h)


class FeedForward(nn.Module):
    """Position-wise feed-forward block of a Transformer layer.

    ``linear``: Linear -> activation -> dropout -> Linear (the usual block).
    ``kan``: LayerNorm -> KAN -> LayerNorm -> dropout -> KAN. The KANs carry their own
    non-linearity; the affine-free LayerNorms keep each KAN's inputs inside its grid.

    Args:
        d_model: width of the residual stream.
        ff_size: hidden width.
        dropout: dropout on the hidden activations.
        activation: "gelu" or "relu" (linear kind only).
        kind: "linear" or "kan".
        kan_kwargs: KAN options (kan kind only).
    """

    def __init__(self, d_model: int, ff_size: int, dropout: float = 0.1, activation: str = "gelu",
                 kind: str = "linear", kan_kwargs: Optional[dict] = None):
        super().__init__()
        self.kind = kind
        self.dropout = nn.Dropout(dropout)
        if kind == "linear":
            self.activation = get_activation(activation)
            self.linear1 = nn.Linear(d_model, ff_size)
            self.linear2 = nn.Linear(ff_size, d_model)
        elif kind == "kan":
            self.norm_in = nn.LayerNorm(d_model, elementwise_affine=False)
            self.kan1 = make_linear("kan", d_model, ff_size, **(kan_kwargs or {}))
            self.norm_mid = nn.LayerNorm(ff_size, elementwise_affine=False)
            self.kan2 = make_linear("kan", ff_size, d_model, **(kan_kwargs or {}))
        else:
            raise ValueError(f"unknown feed-forward kind {kind!r}; choose one of {list(LAYER_KINDS)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(..., d_model) -> (..., d_model)."""
        if self.kind == "linear":
            return self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.kan2(self.dropout(self.norm_mid(self.kan1(self.norm_in(x)))))


class TransformerLayer(nn.Module):
    """A post-norm Transformer layer (as ``nn.TransformerEncoderLayer`` / ``DecoderLayer``).

    Self-attention, then (decoder only) cross-attention to a memory, then the
    feed-forward block; each sub-block is ``x = norm(x + dropout(sublayer(x)))``.

    Args:
        d_model, num_heads, ff_size, dropout, activation: the usual Transformer sizes.
        cross_attention: add the cross-attention sub-block (decoder layers).
        ffn_kind: "linear" or "kan" feed-forward block.
        kan_kwargs: KAN options for a KAN feed-forward block.
    """

    def __init__(self, d_model: int, num_heads: int = 4, ff_size: int = 1024, dropout: float = 0.1,
                 activation: str = "gelu", cross_attention: bool = False, ffn_kind: str = "linear",
                 kan_kwargs: Optional[dict] = None):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.norm1 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        if cross_attention:
            self.cross_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
            self.norm_cross = nn.LayerNorm(d_model)
            self.dropout_cross = nn.Dropout(dropout)
        else:
            self.cross_attn = None
        self.ffn = FeedForward(d_model, ff_size, dropout, activation, ffn_kind, kan_kwargs)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, padding_mask: Optional[torch.Tensor] = None,
                memory: Optional[torch.Tensor] = None,
                memory_padding_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            x: (B, S, d_model).
            padding_mask: (B, S) bool, True = padding (ignored as a key), or None.
            memory: (B, M, d_model), needed by decoder layers.
            memory_padding_mask: (B, M) bool, True = padding, or None.
        Returns:
            (B, S, d_model).
        """
        attended = self.self_attn(x, x, x, key_padding_mask=padding_mask, need_weights=False)[0]
        x = self.norm1(x + self.dropout1(attended))
        if self.cross_attn is not None:
            assert memory is not None, "a decoder layer needs a memory"
            attended = self.cross_attn(x, memory, memory, key_padding_mask=memory_padding_mask,
                                       need_weights=False)[0]
            x = self.norm_cross(x + self.dropout_cross(attended))
        return self.norm2(x + self.dropout2(self.ffn(x)))


def sinusoidal_encoding(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """Transformer sine/cosine encoding of (fractional) positions.

    Args:
        positions: (...,) float or integer positions (frame indices, lengths).
        dim: encoding width (even).
    Returns:
        (..., dim) float32: sin on even channels, cos on odd ones.
    """
    assert dim % 2 == 0, f"sinusoidal encoding needs an even width, got {dim}"
    freqs = torch.exp(torch.arange(0, dim, 2, device=positions.device, dtype=torch.float32)
                      * (-math.log(10000.0) / dim))  # (dim/2,)
    angles = positions.to(torch.float32)[..., None] * freqs  # (..., dim/2)
    return torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(-2)  # (..., dim) interleaved


def frame_queries(mask: torch.Tensor, dim: int, duration_proj: Optional[nn.Module] = None) -> torch.Tensor:
    """A decoder's per-frame queries: the frame's position, plus (with ``duration_proj``) an encoding
    of the motion's length, so every frame knows how far it is from the end.

    Args:
        mask: (B, T) bool, True = real frame (each row a prefix). dim: query width.
        duration_proj: maps the length's sinusoidal encoding to the query width, or None.
    Returns:
        (B, T, dim).
    """
    batch, frames = mask.shape
    queries = sinusoidal_encoding(torch.arange(frames, device=mask.device), dim)  # (T, D)
    queries = queries.unsqueeze(0).expand(batch, -1, -1)  # (B, T, D)
    if duration_proj is not None:
        queries = queries + duration_proj(sinusoidal_encoding(mask.sum(dim=1), dim)).unsqueeze(1)
    return queries


class PooledTextProjection(nn.Module):
    """The frozen-conditioning text "encoder": the frozen pooled sentence embedding, mapped
    to the latent width (identity when the widths agree, as CLIP 512 -> latent 512 in SMoG;
    otherwise a trainable linear map). Deterministic: ``logvar`` is None.

    Args:
        in_dim: width of the pooled embedding.
        latent_dim: width of the motion latent.
    """

    def __init__(self, in_dim: int, latent_dim: int):
        super().__init__()
        self.proj = nn.Identity() if in_dim == latent_dim else nn.Linear(in_dim, latent_dim, bias=False)

    def forward(self, pooled: torch.Tensor) -> dict:
        """(B, in_dim) -> {"mu": (B, latent_dim), "logvar": None}."""
        return {"mu": self.proj(pooled), "logvar": None}
