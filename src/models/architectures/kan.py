"""Kolmogorov-Arnold layer (KAN): a learnable spline on every input-output edge.

    out = W_base · base_activation(x) + (W_spline ⊙ scaler) · B(x)

``B(x)`` are the B-spline bases of order ``spline_order`` on a grid of ``grid_size`` cells over
``grid_range``, extended by ``spline_order`` cells on each side (knots -2.2 .. 2.2 for the defaults),
so every edge has ``grid_size + spline_order`` spline coefficients. The bases vanish outside the
extended grid: there only the base term remains, so models must feed normalised inputs (a LayerNorm
or the dataset statistics); ``last_out_of_range`` reports how much of the input fell outside.

Three evaluations of the same layer:
- ``forward_reference``: bases by the Cox-de Boor recursion, then separate base and spline matmuls
  (the efficient-kan formulation). It is the reference the tests compare against.
- ``forward`` (the fast path): while the grid is uniform (always, unless ``update_grid`` moved it),
  the ``spline_order + 1`` non-zero bases of each input come from the closed-form polynomial pieces of
  the uniform B-spline, are scattered into one feature tensor next to ``base_activation(x)``, and ONE
  matmul with ``[W_base | W_spline ⊙ scaler]`` gives the output. The backward pass is written by
  hand: it gathers the ``spline_order + 1`` needed entries of the feature gradient instead of
  differentiating the recursion. On a non-uniform grid ``forward`` uses the recursion with the same
  single matmul.
- ``use_compile=True`` (opt-in, needs a C++ compiler): on a uniform grid, every basis from the
  symmetric closed form (no scatter), slot-major, through ``torch.compile``; the fastest for
  training (bench/README.md).

Shapes: ``x`` is (..., in_features), any leading dimensions; the output is (..., out_features).
Inside the fast path the feature tensor is laid out input-major, (N, in_features, 1 + G + k), slot 0
of each input holding ``base_activation(x)``, like the parameters (out, in, G + k): the
``spline_order + 1`` values an input scatters (and its backward gathers) then sit within 36 bytes of
each other instead of ``in_features`` floats apart, which made the scatter 1.7x and the gather
about 2x faster than in a slot-major layout (512 inputs, one thread).
G = grid_size, k = spline_order, N = the number of rows after flattening.
"""

import math
import warnings
from typing import Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F


def uniform_bspline_pieces(spline_order: int) -> torch.Tensor:
    """Polynomial pieces of the uniform (cardinal) B-spline of order ``spline_order``.

    On a uniform grid with x = t_0 + (q + f) h (cell q, f in [0, 1)), the non-zero bases are
    B_{q-m}(x) = sum_p C[m, p] f^p for m = 0 .. spline_order. Built exactly (float64) from the
    Cox-de Boor recursion applied to polynomials; for order 3 this is the classic cubic
    (1/6) [[0, 0, 0, 1], [1, 3, 3, -3], [4, 0, -6, 3], [1, -3, 3, -1]].

    Returns:
        C: (spline_order + 1, spline_order + 1) float64, C[m, p] = coefficient of f^p in B_{q-m}.
    """
    pieces = torch.ones(1, 1, dtype=torch.float64)  # order 0: B_q = 1 on its own cell
    for d in range(1, spline_order + 1):
        new = torch.zeros(d + 1, d + 1, dtype=torch.float64)
        for m in range(d + 1):
            # B^d_{q-m} = ((f + m) B^{d-1}_{q-m} + (d + 1 - m - f) B^{d-1}_{q-m+1}) / d
            if m <= d - 1:
                new[m, 1:] += pieces[m]
                new[m, :-1] += m * pieces[m]
            if m >= 1:
                new[m, :-1] += (d + 1 - m) * pieces[m - 1]
                new[m, 1:] -= pieces[m - 1]
        pieces = new / d
    return pieces


class _UniformKANFunction(torch.autograd.Function):
    """Fused uniform-grid KAN: basis scatter + one matmul, with a hand-written backward.

    Few large tensor operations (each costs a pass over memory and, on a busy machine, a thread
    wake-up): the piece values are one small matmul, their slots one table lookup, the features
    one zero-fill and one scatter; the backward one gather. The out-of-grid count is two
    comparisons (a histogram of the cells cost 4x more).
    """

    @staticmethod
    def forward(ctx, x, act, weight, scale, shift, pieces, dpieces, slot_table, count_outside: bool):
        # x, act: (N, in); weight: (out, in, S) with S = 1 + G + k; scale, shift: (in,)
        # pieces: (k+1, k+1); dpieces: (k+1, k); slot_table: (G+2k+2, k+1) int64
        n_rows, n_in = x.shape
        n_cells, n_pieces = slot_table.shape[0] - 2, slot_table.shape[1]
        n_slots = weight.shape[2]
        # Position in grid cells, shifted by one so that the cell left of the grid is 0.
        u = torch.addcmul(shift, x, scale).nan_to_num_(nan=0.0).clamp_(0.0, n_cells + 1.0)  # (N, in)
        cell = u.floor()
        powers = x.new_empty((n_pieces, n_rows, n_in))  # (k+1, N, in): frac^0 .. frac^k
        powers[0].fill_(1.0)
        if n_pieces > 1:
            torch.sub(u, cell, out=powers[1])  # frac in [0, 1)
        for p in range(2, n_pieces):
            torch.mul(powers[p - 1], powers[1], out=powers[p])
        # Cells 0 and n_cells + 1 lie outside the extended grid (u was clamped into [0, n_cells + 1]).
        outside = torch.count_nonzero(torch.logical_or(u < 1.0, u >= n_cells + 1.0)) if count_outside \
            else x.new_empty(0)
        # Slot of piece m in an input's features (0 = the base slot, for pieces whose basis does not exist).
        slots = slot_table.index_select(0, cell.view(-1).long()).view(n_rows, n_in, n_pieces)
        values = powers.view(n_pieces, -1).t() @ pieces.t()  # (N * in, k+1): piece m's value in column m
        feats = x.new_zeros((n_rows, n_in, n_slots))  # (N, in, S)
        feats.scatter_(2, slots, values.view(n_rows, n_in, n_pieces))
        feats[..., 0] = act  # after the scatter: it also overwrites the pieces parked in slot 0
        out = feats.view(n_rows, -1) @ weight.view(weight.shape[0], -1).t()  # (N, out)
        ctx.save_for_backward(feats, slots, powers, weight, scale, dpieces)
        ctx.mark_non_differentiable(outside)
        return out, outside

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out, _grad_outside):
        feats, slots, powers, weight, scale, dpieces = ctx.saved_tensors
        n_rows, n_in, n_slots = feats.shape
        n_pieces = slots.shape[2]
        grad_x = grad_act = grad_weight = None
        if ctx.needs_input_grad[2]:
            # (a contiguous transpose: a (N, 1) gradient's plain .t() has strides that send mm to a slow kernel)
            grad_weight = (grad_out.t().contiguous() @ feats.view(n_rows, -1)).view_as(weight)  # (out, in, S)
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            grad_feats = (grad_out @ weight.view(weight.shape[0], -1)).view(n_rows, n_in, n_slots)
            grad_act = grad_feats[..., 0].clone()  # (N, in)
            if ctx.needs_input_grad[0] and n_pieces == 1:  # piecewise-constant splines: zero derivative
                grad_x = torch.zeros_like(grad_act)
            elif ctx.needs_input_grad[0]:
                # Pieces parked in slot 0 have no basis: zero it so that gathering them adds nothing.
                grad_feats[..., 0].zero_()
                picked = grad_feats.gather(2, slots).view(-1, n_pieces)  # (N * in, k+1)
                # d out / d u = sum_m picked_m sum_p dpieces[m, p] frac^p = sum_p frac^p q_p with
                # q = picked dpieces: one small matmul, then Horner in frac (a reduction over the
                # last axis of length k+1 was 3x slower; dpieces^T picked^T hits a 20x slower kernel).
                q = (picked @ dpieces).view(n_rows, n_in, n_pieces - 1)  # (N, in, k)
                grad_u = q[..., -1]
                frac = powers[1]
                for p in range(n_pieces - 3, -1, -1):
                    grad_u = torch.addcmul(q[..., p], frac, grad_u)
                grad_x = grad_u * scale  # (N, in)
        return grad_x, grad_act, grad_weight, None, None, None, None, None, None


def _cardinal_terms(spline_order: int) -> list:
    """(e_m, c_m) with N_k(s) = sum_m c_m relu(e_m - s)^k, the cardinal B-spline of order k at |offset| s."""
    k = spline_order
    return [((k + 1) / 2 - m, (-1) ** m * math.comb(k + 1, m) / math.factorial(k)) for m in range((k + 2) // 2)]


class _DenseUniformBases(torch.autograd.Function):
    """All G + k uniform B-spline bases of every input, slot-major, and their derivative as a formula.

    B_j(x) = N_k(|v - j|), with v the position of x in cells from the centre of basis 0 and
    N_k the symmetric closed form of ``_cardinal_terms``. Every basis is computed (no scatter):
    what ``use_compile`` runs, fused by inductor into one loop vectorised along the inputs.
    Eagerly it is slower than the scatter of ``_UniformKANFunction``. Needs spline_order >= 1.

    Why a hand-written backward: autograd of |.| and relu^k gave inductor about three times the
    arithmetic (sign and mask blends), and the backward kernel took 12 ms instead of 4 (512 -> 150,
    1,200 rows, one thread). Here dN_k/ds <= 0 on s >= 0 (the B-spline is unimodal), so
    dB_j/dv = copysign(-dN_k/ds, -(v - j)).
    """

    @staticmethod
    def forward(ctx, v: torch.Tensor, n_bases: int, spline_order: int) -> torch.Tensor:
        """v: (N, in) -> bases (N, n_bases, in)."""
        ctx.save_for_backward(v)
        ctx.n_bases, ctx.spline_order = n_bases, spline_order
        s = (v.unsqueeze(1) - _basis_index(n_bases, v)).abs()
        return sum(c * torch.relu(e - s) ** spline_order for e, c in _cardinal_terms(spline_order))

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        """grad: (N, n_bases, in) -> d loss / d v: (N, in)."""
        (v,) = ctx.saved_tensors
        k = ctx.spline_order
        offset = v.unsqueeze(1) - _basis_index(ctx.n_bases, v)  # (N, n_bases, in)
        s = offset.abs()
        if k == 1:  # relu(.)^0 would be 1 outside the support: use the support's indicator
            slope = sum(c * (e - s > 0).to(v.dtype) for e, c in _cardinal_terms(k))
        else:
            slope = sum((c * k) * torch.relu(e - s) ** (k - 1) for e, c in _cardinal_terms(k))  # -dN_k/ds
        return (grad * torch.copysign(slope, -offset)).sum(1), None, None


def _basis_index(n_bases: int, like: torch.Tensor) -> torch.Tensor:
    """(n_bases, 1) column 0 .. n_bases - 1 (an arange: inductor turns it into the loop index)."""
    return torch.arange(n_bases, device=like.device, dtype=like.dtype).unsqueeze(1)


def _scaled(spline_weight, spline_scaler) -> torch.Tensor:
    """Effective spline coefficients W_spline ⊙ scaler: (out, in, G+k) (scaler (out, in) or None)."""
    return spline_weight if spline_scaler is None else spline_weight * spline_scaler.unsqueeze(-1)


def _fused_weight(base_weight, spline_weight, spline_scaler) -> torch.Tensor:
    """[W_base | W_spline ⊙ scaler] per input: (out, in) + (out, in, G+k) -> (out, in, 1 + G + k)."""
    return torch.cat([base_weight.unsqueeze(-1), _scaled(spline_weight, spline_scaler)], dim=-1)


def _dense_forward(x, base_activation, base_weight, spline_weight, spline_scaler, scale, centre, spline_order: int):
    """What ``use_compile`` runs: slot-major features [act | B(x)], one matmul, range count.

    Slot-major (N, 1 + G + k, in), unlike the eager path's input-major layout: the compiled loops
    then run along the inputs with full vectors instead of along the G + k slots (8 of 16 lanes).

    Args:
        x: (N, in). base_activation: the module. base_weight, spline_weight, spline_scaler: the
        layer's parameters (scaler may be None). scale: (in,) 1 / cell width. centre: (in,)
        centre of basis 0 in ``x * scale`` units.
    Returns:
        (N, out) output and the fraction (0-dim) of x outside the extended grid.
    """
    n_bases = spline_weight.size(2)
    spline_weight = _scaled(spline_weight, spline_scaler)
    weight = torch.cat([base_weight.unsqueeze(1), spline_weight.transpose(1, 2)], dim=1)  # (out, S, in)
    v = x * scale - centre  # (N, in)
    bases = _DenseUniformBases.apply(v, n_bases, spline_order)  # (N, G+k, in)
    feats = torch.cat([base_activation(x).unsqueeze(1), bases], dim=1)  # (N, S, in)
    u = v + (spline_order + 1) / 2  # (N, in) position in grid cells from the first knot
    outside = ((u < 0) | (u >= n_bases + spline_order)).float().mean()
    return feats.flatten(1) @ weight.flatten(1).t(), outside


_COMPILED = {}  # "forward": torch.compile(_dense_forward), built on first use; "failed": the reason


def _compiled_dense_forward(*args):
    """``_dense_forward`` through torch.compile; None where compiling failed (then eager is used)."""
    if "failed" in _COMPILED:
        return None
    if "forward" not in _COMPILED:
        _COMPILED["forward"] = torch.compile(_dense_forward)
    try:
        return _COMPILED["forward"](*args)
    except Exception as error:  # no C++ compiler, unsupported platform, ...: fall back to eager
        _COMPILED["failed"] = repr(error)
        warnings.warn(f"KANLayer(use_compile=True): torch.compile failed ({error!r}); using the eager path")
        return None


class KANLayer(nn.Module):
    """Kolmogorov-Arnold layer with the signature of ``nn.Linear`` (no bias).

    Args:
        in_features: size of the last input dimension.
        out_features: size of the last output dimension.
        grid_size: number of grid cells G over ``grid_range``.
        spline_order: order k of the B-splines (3 = cubic); each edge has G + k coefficients.
        scale_noise: the spline coefficients start as a least-squares fit of uniform noise of
            amplitude ``scale_noise / grid_size`` at the grid points (0 gives a zero spline term).
        scale_base: multiplies the kaiming-uniform initial base weight (nn.Linear's init at 1.0;
            efficient-kan instead folds the scale into kaiming's ``a``, which is not a scaling).
        scale_spline: multiplies the kaiming-uniform initial scaler (or, without a standalone
            scaler, the initial spline coefficients).
        enable_standalone_scale_spline: learn a separate per-edge scaler of the spline term.
        base_activation: module class (or instance) applied on the base branch.
        grid_eps: in ``update_grid``, weight of the uniform grid against the data quantiles.
        grid_range: [low, high] of the grid before extension.
        track_range: in training mode, record the fraction of inputs outside the extended grid
            in ``last_out_of_range`` (one histogram of the grid cells per forward).
        use_compile: on a uniform grid, run the forward through ``torch.compile`` (needs a C++
            compiler; the first call compiles for tens of seconds; falls back to eager on failure).
        init: run ``reset_parameters``; False leaves the parameters uninitialised, for a model
            whose weights are loaded right after (checkpoint loading).

    The eager fast path's backward is hand-written and once-differentiable (no double backward);
    ``forward_reference`` and the non-uniform path are plain autograd.
    """

    def __init__(self, in_features: int, out_features: int, grid_size: int = 5, spline_order: int = 3,
                 scale_noise: float = 0.1, scale_base: float = 1.0, scale_spline: float = 1.0,
                 enable_standalone_scale_spline: bool = True, base_activation=nn.SiLU,
                 grid_eps: float = 0.02, grid_range: Sequence[float] = (-1, 1), track_range: bool = True,
                 use_compile: bool = False, init: bool = True):
        super().__init__()
        if grid_size < 1 or spline_order < 0:
            raise ValueError(f"need grid_size >= 1 and spline_order >= 0, got {grid_size}, {spline_order}")
        low, high = float(grid_range[0]), float(grid_range[1])
        if not high > low:
            raise ValueError(f"grid_range must be increasing, got {list(grid_range)}")
        self.in_features, self.out_features = in_features, out_features
        self.grid_size, self.spline_order = grid_size, spline_order
        self.scale_noise, self.scale_base, self.scale_spline = scale_noise, scale_base, scale_spline
        self.enable_standalone_scale_spline = enable_standalone_scale_spline
        self.grid_eps, self.grid_range = grid_eps, [low, high]
        self.track_range, self.use_compile = track_range, use_compile
        self.base_activation = base_activation() if isinstance(base_activation, type) else base_activation

        self.register_buffer("grid", self._initial_grid())  # (in, G+2k+1)
        self.base_weight = nn.Parameter(torch.empty(out_features, in_features))
        self.spline_weight = nn.Parameter(torch.empty(out_features, in_features, grid_size + spline_order))
        if enable_standalone_scale_spline:
            self.spline_scaler = nn.Parameter(torch.empty(out_features, in_features))
        else:
            self.register_parameter("spline_scaler", None)

        pieces = uniform_bspline_pieces(spline_order)
        dpieces = pieces[:, 1:] * torch.arange(1, spline_order + 1, dtype=torch.float64)
        self.register_buffer("_pieces", pieces.float(), persistent=False)  # (k+1, k+1)
        self.register_buffer("_dpieces", dpieces.float(), persistent=False)  # (k+1, k)
        self.register_buffer("_slot_table", self._make_slot_table(), persistent=False)  # (G+2k+2, k+1)
        self._uniform = True
        self._last_out_of_range: Optional[torch.Tensor] = None
        if init:  # False: parameters stay torch.empty, for weights loaded right after
            self.reset_parameters()

    def _initial_grid(self) -> torch.Tensor:
        """(in, G+2k+1) float32 uniform knots over ``grid_range``, ``spline_order`` cells beyond each end."""
        (low, high), k = self.grid_range, self.spline_order
        step = (high - low) / self.grid_size
        knots = torch.arange(-k, self.grid_size + k + 1, dtype=torch.float64) * step + low
        return knots.float().expand(self.in_features, -1).contiguous()

    def _make_slot_table(self) -> torch.Tensor:
        """slot_table[c, m]: feature slot of piece m for an input in (shifted) cell c, 0 if none."""
        n_bases = self.grid_size + self.spline_order
        cell = torch.arange(-1, self.grid_size + 2 * self.spline_order + 1)
        basis = cell[:, None] - torch.arange(self.spline_order + 1)[None, :]  # (G+2k+2, k+1)
        return torch.where((basis >= 0) & (basis < n_bases), basis + 1, 0)

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Kaiming-uniform base weight and scaler (times scale_base / scale_spline), noise-fit spline."""
        nn.init.kaiming_uniform_(self.base_weight, a=math.sqrt(5))
        self.base_weight.mul_(self.scale_base)
        k, G = self.spline_order, self.grid_size
        noise = (torch.rand(G + 1, self.in_features, self.out_features) - 0.5) * self.scale_noise / G
        coeff = self.curve2coeff(self.grid.T[k:k + G + 1], noise)  # (out, in, G+k)
        if self.enable_standalone_scale_spline:
            nn.init.kaiming_uniform_(self.spline_scaler, a=math.sqrt(5))
            self.spline_scaler.mul_(self.scale_spline)
        else:
            coeff = coeff * self.scale_spline
        self.spline_weight.copy_(coeff)

    @property
    def scaled_spline_weight(self) -> torch.Tensor:
        """Effective spline coefficients W_spline ⊙ scaler: (out, in, G+k)."""
        return _scaled(self.spline_weight, self.spline_scaler)

    def _weight(self) -> torch.Tensor:
        return _fused_weight(self.base_weight, self.spline_weight, self.spline_scaler)  # (out, in, S)

    def _first_basis_centre(self, grid: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """(in,) centre of basis 0 in ``x * scale`` units on a uniform ``grid`` (in, G+2k+1)."""
        return (self.spline_order + 1) / 2 + grid[:, 0] * scale

    @property
    def grid_is_uniform(self) -> bool:
        """True while every input's knots are equally spaced (the fast path applies)."""
        return self._uniform

    def b_splines_reference(self, x: torch.Tensor) -> torch.Tensor:
        """B-spline bases by the Cox-de Boor recursion (the reference; works on any grid).

        Args:
            x: (N, in_features).
        Returns:
            (N, in_features, grid_size + spline_order).
        """
        assert x.dim() == 2 and x.size(1) == self.in_features, (tuple(x.shape), self.in_features)
        grid = self.grid.to(x.dtype)  # (in, G+2k+1)
        x = x.unsqueeze(-1)  # (N, in, 1)
        bases = ((x >= grid[:, :-1]) & (x < grid[:, 1:])).to(x.dtype)  # (N, in, G+2k)
        for p in range(1, self.spline_order + 1):
            left = (x - grid[:, :-(p + 1)]) * _reciprocal(grid[:, p:-1] - grid[:, :-(p + 1)])
            right = (grid[:, p + 1:] - x) * _reciprocal(grid[:, p + 1:] - grid[:, 1:-p])
            bases = left * bases[..., :-1] + right * bases[..., 1:]  # (N, in, G+2k-p)
        return bases.contiguous()

    def curve2coeff(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Least-squares spline coefficients reproducing ``y`` at ``x`` on the current grid.

        Solved per input feature in float64 (minimum-norm where the points do not pin down
        every coefficient, as at initialisation).

        Args:
            x: (N, in_features) sample points.
            y: (N, in_features, out_features) values of each edge function at x.
        Returns:
            (out_features, in_features, grid_size + spline_order) coefficients (x's dtype).
        """
        assert x.dim() == 2 and x.size(1) == self.in_features, (tuple(x.shape), self.in_features)
        assert y.shape == (x.size(0), self.in_features, self.out_features), tuple(y.shape)
        bases = self.b_splines_reference(x.double()).transpose(0, 1).cpu()  # (in, N, G+k)
        target = y.double().transpose(0, 1).cpu()  # (in, N, out)
        solution = torch.linalg.pinv(bases) @ target  # (in, G+k, out); pinv: 10x faster than batched lstsq here
        return solution.permute(2, 0, 1).to(device=x.device, dtype=x.dtype).contiguous()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x: (..., in_features). Returns: (..., out_features).

        Under autocast (bf16 training on GPUs) the layer runs in float32 with autocast off: the
        spline bases need the precision, and the fused kernel mixes dtypes otherwise.
        """
        if torch.is_autocast_enabled(x.device.type):
            with torch.autocast(device_type=x.device.type, enabled=False):
                return self._forward(x.float())
        return self._forward(x)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.size(-1) == self.in_features, (tuple(x.shape), self.in_features)
        lead = x.shape[:-1]
        x = x.reshape(-1, self.in_features)  # (N, in)
        track = self.training and self.track_range
        result = None
        if self._uniform:
            grid = self.grid.to(x.dtype)
            scale = (grid.size(1) - 1) / (grid[:, -1] - grid[:, 0])  # (in,) 1 / cell width
            if self.use_compile and self.spline_order >= 1:
                centre = self._first_basis_centre(grid, scale)
                result = _compiled_dense_forward(x, self.base_activation, self.base_weight, self.spline_weight,
                                                 self.spline_scaler, scale, centre, self.spline_order)
            if result is None:
                shift = 1.0 - grid[:, 0] * scale  # (in,) cell coordinates start at -1 -> 0
                out, outside = _UniformKANFunction.apply(
                    x.contiguous(), self.base_activation(x), self._weight(), scale, shift,
                    self._pieces.to(x.dtype), self._dpieces.to(x.dtype), self._slot_table, track)
                outside = outside / x.numel() if track else None  # count -> fraction
                result = out, outside
            out, outside = result
        else:
            bases = self.b_splines_reference(x)  # (N, in, G+k)
            feats = torch.cat([self.base_activation(x).unsqueeze(-1), bases], dim=-1)  # (N, in, S)
            out = feats.flatten(1) @ self._weight().flatten(1).t()
            outside = self._out_of_range(x) if track else None
        if track:
            self._last_out_of_range = outside.detach()
        return out.reshape(*lead, self.out_features)

    def forward_reference(self, x: torch.Tensor) -> torch.Tensor:
        """The efficient-kan formulation: recursion bases, separate base and spline matmuls.

        Args: x: (..., in_features). Returns: (..., out_features).
        """
        assert x.size(-1) == self.in_features, (tuple(x.shape), self.in_features)
        lead = x.shape[:-1]
        x = x.reshape(-1, self.in_features)  # (N, in)
        base = F.linear(self.base_activation(x), self.base_weight)  # (N, out)
        spline = F.linear(self.b_splines_reference(x).flatten(1), self.scaled_spline_weight.flatten(1))
        return (base + spline).reshape(*lead, self.out_features)

    def _out_of_range(self, x: torch.Tensor) -> torch.Tensor:
        """Fraction (0-dim tensor, no sync) of entries of x (N, in) outside the extended grid."""
        with torch.no_grad():
            outside = (x < self.grid[:, 0]) | (x >= self.grid[:, -1])
            return outside.float().mean()

    def out_of_range_fraction(self, x: torch.Tensor) -> float:
        """Fraction of the entries of x (..., in_features) where the spline term is lost (bases = 0)."""
        assert x.size(-1) == self.in_features, (tuple(x.shape), self.in_features)
        return float(self._out_of_range(x.reshape(-1, self.in_features)))

    @property
    def last_out_of_range(self) -> Optional[float]:
        """Out-of-grid fraction of the last training-mode forward (None before the first one)."""
        return None if self._last_out_of_range is None else float(self._last_out_of_range)

    @torch.no_grad()
    def update_grid(self, x: torch.Tensor, margin: float = 0.01) -> None:
        """Move the grid to the data and refit the coefficients so the outputs barely change.

        Each input's grid interpolates between the data quantiles and a uniform grid over the data
        range (+- margin) with weight ``grid_eps``, then is extended by ``spline_order`` cells of the
        uniform step on each side. Leaves the grid non-uniform in general (the recursion path).

        Args:
            x: (..., in_features) representative inputs (at least a few per grid cell).
            margin: added to both ends of the data range for the uniform grid.
        """
        assert x.size(-1) == self.in_features, (tuple(x.shape), self.in_features)
        x = x.reshape(-1, self.in_features)  # (N, in)
        k, G = self.spline_order, self.grid_size
        edge_values = torch.einsum("nij,oij->nio", self.b_splines_reference(x), self.scaled_spline_weight)

        x_sorted = torch.sort(x, dim=0).values  # (N, in)
        quantile_rows = torch.linspace(0, x.size(0) - 1, G + 1, device=x.device).round().long()
        adaptive = x_sorted[quantile_rows]  # (G+1, in)
        step = (x_sorted[-1] - x_sorted[0] + 2 * margin) / G  # (in,)
        cells = torch.arange(G + 1, device=x.device, dtype=x.dtype).unsqueeze(1)  # (G+1, 1)
        uniform = x_sorted[0] - margin + cells * step  # (G+1, in)
        inner = self.grid_eps * uniform + (1 - self.grid_eps) * adaptive  # (G+1, in)
        ext = torch.arange(1, k + 1, device=x.device, dtype=x.dtype).unsqueeze(1) * step  # (k, in)
        grid = torch.cat([inner[:1] - ext.flip(0), inner, inner[-1:] + ext], dim=0)  # (G+2k+1, in)
        self.grid.copy_(grid.T)
        self._refresh_uniform()

        coeff = self.curve2coeff(x, edge_values)  # effective coefficients (out, in, G+k)
        if self.spline_scaler is not None:
            scaler = self.spline_scaler.unsqueeze(-1)
            coeff = torch.where(scaler != 0, coeff / torch.where(scaler != 0, scaler, 1.0), 0.0)
        self.spline_weight.copy_(coeff)

    def _refresh_uniform(self) -> None:
        steps = self.grid[:, 1:] - self.grid[:, :-1]  # (in, G+2k)
        mean_step = (self.grid[:, -1:] - self.grid[:, :1]) / steps.size(1)
        self._uniform = bool(((steps - mean_step).abs() <= 1e-5 * mean_step.abs()).all())

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        grid = state_dict.get(prefix + "grid")
        if grid is not None and grid.dtype == torch.float16 and grid.shape == self.grid.shape:
            # A checkpoint whose buffers were all stored as float16 rounds the initial knots (-2.2 ->
            # -2.1992) into a grid that is no longer exactly uniform, which would send every call down the
            # slow reference path. Such a grid is the initial one: take its exact float32 values.
            initial = self._initial_grid().to(grid.device)
            if torch.allclose(grid.float(), initial, rtol=2e-3, atol=2e-3):
                state_dict = {**state_dict, prefix + "grid": initial}
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._refresh_uniform()  # a loaded grid may come from update_grid

    def regularization_loss(self, regularize_activation: float = 1.0, regularize_entropy: float = 1.0) -> torch.Tensor:
        """L1 of the mean |effective spline coefficient| per edge, plus the entropy of its distribution.

        Returns:
            0-dim tensor: regularize_activation * sum(l1) + regularize_entropy * entropy(l1 / sum(l1)).
        """
        l1 = self.scaled_spline_weight.abs().mean(-1)  # (out, in)
        total = l1.sum()
        p = l1 / total.clamp_min(torch.finfo(l1.dtype).tiny)
        entropy = -torch.special.xlogy(p, p).sum()
        return regularize_activation * total + regularize_entropy * entropy

    def extra_repr(self) -> str:
        act = type(self.base_activation).__name__
        return (f"in_features={self.in_features}, out_features={self.out_features}, grid_size={self.grid_size}, "
                f"spline_order={self.spline_order}, grid_range={self.grid_range}, base_activation={act}, "
                f"standalone_scale_spline={self.enable_standalone_scale_spline}, uniform_grid={self._uniform}"
                + (", use_compile=True" if self.use_compile else ""))


def compile_kan_layers(module: nn.Module, enabled: bool = True) -> int:
    """Switch ``use_compile`` on (or off) in every KANLayer inside ``module``; returns how many.

    A run-time choice, like ``torch.compile`` itself: it is not part of a model's configuration,
    so a checkpoint trained with it loads and runs anywhere (eager where nothing compiles).
    """
    layers = [m for m in module.modules() if isinstance(m, KANLayer)]
    for layer in layers:
        layer.use_compile = enabled
    return len(layers)


def _reciprocal(den: torch.Tensor) -> torch.Tensor:
    """1 / den for knot differences, 0 where knots coincide (the Cox-de Boor convention 0/0 = 0)."""
    return torch.where(den == 0, torch.zeros_like(den), 1 / torch.where(den == 0, torch.ones_like(den), den))
