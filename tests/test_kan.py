"""KANLayer: the fast path against the Cox-de Boor reference, initialisation, grid updates, every
constructor argument, fitting power, regulariser, range tracking and serialisation."""

import io
import os

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from src.models.architectures import kan as kan_module
from src.models.architectures.kan import KANLayer, uniform_bspline_pieces


def _layer(in_features=6, out_features=4, seed=0, **kwargs) -> KANLayer:
    """A layer with O(1) spline coefficients (the default init makes the spline term tiny)."""
    torch.manual_seed(seed)
    layer = KANLayer(in_features, out_features, **kwargs)
    with torch.no_grad():
        layer.spline_weight.normal_()
    return layer


def _probe_inputs(layer: KANLayer, n_random=200, seed=1) -> torch.Tensor:
    """(N, in) inputs: random, exactly at and just around every knot, outside the extended grid."""
    torch.manual_seed(seed)
    knots = layer.grid[0]
    special = torch.cat([knots, knots + 1e-4, knots - 1e-4, torch.tensor([-50.0, -3.0, 3.0, 50.0, 0.0])])
    columns = [special[torch.randperm(special.numel())] for _ in range(layer.in_features)]
    special = torch.stack(columns, dim=1)  # (S, in)
    return torch.cat([torch.randn(n_random, layer.in_features) * 1.5, special], dim=0)


def _grads(layer: KANLayer, x: torch.Tensor, forward, grad_out: torch.Tensor):
    x = x.clone().requires_grad_()
    out = forward(x)
    params = [p for p in layer.parameters()]
    grads = torch.autograd.grad(out, [x] + params, grad_out)
    return out, grads


def test_cubic_pieces_are_the_classic_closed_form():
    expected = torch.tensor([[0, 0, 0, 1], [1, 3, 3, -3], [4, 0, -6, 3], [1, -3, 3, -1]], dtype=torch.float64) / 6
    assert torch.allclose(uniform_bspline_pieces(3), expected, atol=1e-15)
    for k in range(6):  # the pieces of every order sum to one (partition of unity)
        assert torch.allclose(uniform_bspline_pieces(k).sum(0), torch.eye(k + 1, dtype=torch.float64)[0])


def test_default_knots_and_shapes():
    layer = KANLayer(3, 2)
    expected = torch.linspace(-2.2, 2.2, 12)
    assert layer.grid.shape == (3, 12)
    assert torch.allclose(layer.grid, expected.expand(3, -1), atol=1e-6)
    assert layer.spline_weight.shape == (2, 3, 8) and layer.base_weight.shape == (2, 3)
    assert layer.spline_scaler.shape == (2, 3)
    assert layer.grid_is_uniform


@pytest.mark.parametrize("spline_order", [1, 2, 3, 4])
def test_partition_of_unity_inside_and_zero_outside(spline_order):
    layer = KANLayer(3, 2, grid_size=4, spline_order=spline_order)
    inside = torch.linspace(-1, 1, 301).unsqueeze(1).expand(-1, 3)
    assert torch.allclose(layer.b_splines_reference(inside).sum(-1), torch.ones(301, 3), atol=1e-6)
    far = torch.tensor([[-100.0, -5.0, 5.0], [100.0, -2.21 - spline_order, 2.21 + spline_order]])
    assert torch.all(layer.b_splines_reference(far) == 0)
    # The fast path: with all coefficients 1 and no base term, every input contributes sum_j B_j.
    with torch.no_grad():
        layer.base_weight.zero_()
        layer.spline_weight.fill_(1.0)
        layer.spline_scaler.fill_(1.0)
    assert torch.allclose(layer(inside), torch.full((301, 2), 3.0), atol=1e-5)
    assert torch.all(layer(far) == 0)


@pytest.mark.parametrize("spline_order,grid_size", [(3, 5), (2, 5), (4, 5), (3, 3), (3, 8), (2, 1)])
def test_fast_path_matches_reference_values_and_gradients(spline_order, grid_size):
    layer = _layer(grid_size=grid_size, spline_order=spline_order)
    x = _probe_inputs(layer)
    grad_out = torch.randn(x.size(0), layer.out_features)
    out_fast, grads_fast = _grads(layer, x, layer, grad_out)
    out_ref, grads_ref = _grads(layer, x, layer.forward_reference, grad_out)
    assert torch.allclose(out_fast, out_ref, atol=1e-5, rtol=1e-5)
    for g_fast, g_ref in zip(grads_fast, grads_ref):
        scale = g_ref.abs().max().clamp_min(1.0)
        assert torch.allclose(g_fast, g_ref, atol=1e-5 * scale, rtol=1e-5), (g_fast - g_ref).abs().max()


@pytest.mark.parametrize("spline_order", [0, 1])
def test_low_orders_match_reference_values(spline_order):
    layer = _layer(spline_order=spline_order)
    x = torch.randn(300, layer.in_features) * 1.5
    assert torch.allclose(layer(x), layer.forward_reference(x), atol=1e-5)


def test_fast_backward_passes_gradcheck():
    torch.manual_seed(0)
    layer = _layer(in_features=3, out_features=2).double()
    x = (torch.rand(7, 3, dtype=torch.float64) * 5 - 2.5).requires_grad_()  # inside and outside the grid
    params = {name: p.detach().clone().requires_grad_() for name, p in layer.named_parameters()}

    def call(x, base_weight, spline_weight, spline_scaler):
        values = {"base_weight": base_weight, "spline_weight": spline_weight, "spline_scaler": spline_scaler}
        return torch.func.functional_call(layer, values, (x,))

    assert torch.autograd.gradcheck(call, (x, params["base_weight"], params["spline_weight"], params["spline_scaler"]))


def test_any_leading_dims_and_shape_assert():
    layer = _layer()
    x = torch.randn(2, 3, 5, layer.in_features)
    out = layer(x)
    assert out.shape == (2, 3, 5, layer.out_features)
    assert torch.allclose(out, layer(x.reshape(-1, layer.in_features)).reshape(2, 3, 5, -1), atol=1e-6)
    assert torch.allclose(out, layer.forward_reference(x), atol=1e-5)
    with pytest.raises(AssertionError):
        layer(torch.randn(4, layer.in_features + 1))


def test_dense_bases_used_by_compile_match_reference_values_and_derivatives():
    for k in (1, 2, 3, 4):
        layer = _layer(spline_order=k)
        x = _probe_inputs(layer)
        grid = layer.grid
        scale = (grid.size(1) - 1) / (grid[:, -1] - grid[:, 0])
        n_bases = layer.grid_size + k

        def dense(x):
            v = x * scale - layer._first_basis_centre(grid, scale)
            return kan_module._DenseUniformBases.apply(v, n_bases, k).transpose(1, 2)  # (N, in, G+k)

        assert torch.allclose(dense(x), layer.b_splines_reference(x), atol=1e-5)
        # The hand-written derivative against autograd through the Cox-de Boor recursion, away from the
        # knots (where the derivative of a k = 1 hat jumps), in float64 (the knots keep their float32 rounding).
        smooth = torch.rand(500, layer.in_features, dtype=torch.float64) * 5 - 2.5
        smooth.requires_grad_()
        weights = torch.randn(500, layer.in_features, n_bases, dtype=torch.float64)
        layer.double()
        grid = layer.grid
        scale = (grid.size(1) - 1) / (grid[:, -1] - grid[:, 0])
        (g_dense,) = torch.autograd.grad((dense(smooth) * weights).sum(), smooth)
        (g_ref,) = torch.autograd.grad((layer.b_splines_reference(smooth) * weights).sum(), smooth)
        assert torch.allclose(g_dense, g_ref, atol=1e-5), (k, (g_dense - g_ref).abs().max())
        assert g_ref.abs().max() > 0.1  # the check has teeth


@pytest.mark.skipif(os.environ.get("SMOG_TEST_COMPILE") != "1",
                    reason="compiling takes tens of seconds; set SMOG_TEST_COMPILE=1 to run")
def test_compiled_path_matches_reference():
    layer = _layer(use_compile=True)
    x = _probe_inputs(layer)
    grad_out = torch.randn(x.size(0), layer.out_features)
    out_fast, grads_fast = _grads(layer, x, layer, grad_out)
    assert "failed" not in kan_module._COMPILED, kan_module._COMPILED.get("failed")
    out_ref, grads_ref = _grads(layer, x, layer.forward_reference, grad_out)
    assert torch.allclose(out_fast, out_ref, atol=1e-5)
    for g_fast, g_ref in zip(grads_fast[1:], grads_ref[1:]):  # x sits on knots, where |.| has no derivative
        assert torch.allclose(g_fast, g_ref, atol=1e-5 * g_ref.abs().max().clamp_min(1.0))
    layer.train()(x)
    assert layer.last_out_of_range == pytest.approx(layer.out_of_range_fraction(x), abs=0.01)
    assert layer.last_out_of_range > 0


def test_curve2coeff_fits_a_known_curve():
    layer = KANLayer(2, 1, grid_size=8)
    x = torch.linspace(-1, 1, 200).unsqueeze(1).expand(-1, 2).contiguous()  # (N, 2)
    y = torch.stack([torch.sin(3 * x[:, 0]), x[:, 1] ** 2], dim=1).unsqueeze(-1)  # (N, 2, 1)
    coeff = layer.curve2coeff(x, y)
    assert coeff.shape == (1, 2, 11)
    fitted = torch.einsum("nij,oij->nio", layer.b_splines_reference(x), coeff)
    assert (fitted - y).abs().max() < 5e-3
    # A quadratic lies in the cubic spline space: reproduced to rounding.
    assert (fitted[:, 1] - y[:, 1]).abs().max() < 1e-4


def test_initial_spline_is_a_small_noise_fit():
    torch.manual_seed(0)
    layer = KANLayer(8, 8)
    inside = torch.linspace(-1, 1, 101).unsqueeze(1).expand(-1, 8)
    edge = torch.einsum("nij,oij->nio", layer.b_splines_reference(inside), layer.spline_weight)
    assert 0 < edge.abs().max() < 0.1 / 5  # scale_noise / grid_size bounds the noise it fits


def test_update_grid_keeps_outputs_close_and_makes_grid_non_uniform():
    layer = _layer(in_features=4, out_features=3)
    torch.manual_seed(2)
    x = torch.randn(2000, 4) * 0.15 + 0.3  # concentrated around 0.3, across the old knots 0.2 and 0.6
    before = layer(x).detach()
    old_grid = layer.grid.clone()
    layer.update_grid(x)
    after = layer(x).detach()
    assert not layer.grid_is_uniform
    assert not torch.equal(layer.grid, old_grid)
    k = layer.spline_order
    assert torch.allclose(layer.grid[:, k], x.min(0).values, atol=0.01)  # inner grid = the data range
    assert torch.allclose(layer.grid[:, -k - 1], x.max(0).values, atol=0.01)
    assert torch.allclose(layer.grid[:, k + 2], torch.quantile(x, 0.4, dim=0), atol=0.02)  # mostly quantiles
    rel = (after - before).norm() / before.norm()
    assert rel < 1e-2, rel
    # The non-uniform grid goes through the recursion, with gradients.
    grad_out = torch.randn_like(after)
    out, grads = _grads(layer, x[:50], layer, grad_out[:50])
    out_ref, grads_ref = _grads(layer, x[:50], layer.forward_reference, grad_out[:50])
    assert torch.allclose(out, out_ref, atol=1e-5)
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(grads, grads_ref))


def test_gradients_reach_every_parameter():
    layer = KANLayer(5, 3)  # default init
    x = torch.randn(64, 5, requires_grad=True)
    layer(x).pow(2).sum().backward()
    for name, p in [("x", x), *layer.named_parameters()]:
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_every_constructor_argument_has_an_effect():
    x = torch.randn(50, 4)

    def make(**kwargs):
        torch.manual_seed(0)
        return KANLayer(4, 3, **kwargs)

    default = make()
    # scale_base multiplies the base weight.
    assert torch.allclose(make(scale_base=2.0).base_weight, 2 * default.base_weight)
    # scale_spline multiplies the scaler, or the coefficients without a standalone scaler.
    assert torch.allclose(make(scale_spline=3.0).spline_scaler, 3 * default.spline_scaler)
    no_scaler = make(enable_standalone_scale_spline=False)
    assert no_scaler.spline_scaler is None and "spline_scaler" not in dict(no_scaler.named_parameters())
    assert torch.allclose(make(enable_standalone_scale_spline=False, scale_spline=3.0).spline_weight,
                          3 * no_scaler.spline_weight)
    # scale_noise = 0: the spline term starts at exactly zero.
    quiet = make(scale_noise=0.0)
    assert torch.all(quiet.spline_weight == 0)
    assert torch.allclose(quiet(x), F.linear(F.silu(x), quiet.base_weight))
    assert make(scale_noise=1.0).spline_weight.abs().max() > 5 * default.spline_weight.abs().max()
    # base_activation is used (class or instance).
    identity = make(base_activation=nn.Identity)
    assert not torch.allclose(identity(x), default(x))
    assert torch.allclose(make(base_activation=nn.Tanh())(x), make(base_activation=nn.Tanh)(x))
    # grid_range, grid_size and spline_order set the knots.
    assert torch.allclose(make(grid_range=[-2, 2], grid_size=4).grid[0], torch.arange(-5.0, 6.0))
    assert not torch.allclose(make(grid_range=[-2, 2])(x), default(x))
    assert make(grid_size=7, spline_order=2).grid.shape == (4, 12)
    assert make(grid_size=7, spline_order=2).spline_weight.shape == (3, 4, 9)
    # grid_eps = 1: update_grid gives a uniform grid over the data range (+- margin); 0: the quantiles.
    data = torch.rand(500, 4) ** 3
    uniform = make(grid_eps=1.0)
    uniform.update_grid(data, margin=0.0)
    assert uniform.grid_is_uniform
    assert torch.allclose(uniform.grid[:, 3], data.min(0).values)
    assert torch.allclose(uniform.grid[:, -4], data.max(0).values)
    quantile = make(grid_eps=0.0)
    quantile.update_grid(data)
    assert not quantile.grid_is_uniform
    assert torch.allclose(quantile.grid[:, 3 + 2], torch.sort(data, 0).values[200], atol=1e-6)
    # track_range = False: no bookkeeping.
    untracked = make(track_range=False).train()
    untracked(x)
    assert untracked.last_out_of_range is None


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError):
        KANLayer(2, 2, grid_range=[1, -1])
    with pytest.raises(ValueError):
        KANLayer(2, 2, grid_size=0)


def test_kan_fits_a_nonlinear_function_better_than_linear():
    x = torch.linspace(-1, 1, 256).unsqueeze(1)
    y = torch.sin(3 * x)

    def train(model):
        optimiser = torch.optim.Adam(model.parameters(), lr=0.03)
        for _ in range(300):
            optimiser.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimiser.step()
        return F.mse_loss(model(x), y).item()

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 600 tiny steps: thread wake-ups would dominate on a busy machine
    try:
        torch.manual_seed(0)
        kan_mse = train(KANLayer(1, 1))
        torch.manual_seed(0)
        linear_mse = train(nn.Linear(1, 1))
    finally:
        torch.set_num_threads(threads)
    assert linear_mse > 0.05  # a line cannot follow sin(3x)
    assert kan_mse < 0.1 * linear_mse, (kan_mse, linear_mse)


def test_regularization_loss_is_finite_and_shrinks_with_the_weights():
    layer = _layer()
    loss = layer.regularization_loss()
    assert loss.dim() == 0 and torch.isfinite(loss)
    l1_only = layer.regularization_loss(regularize_entropy=0.0)
    entropy_only = layer.regularization_loss(regularize_activation=0.0)
    assert torch.allclose(loss, l1_only + entropy_only)
    loss.backward()  # differentiable
    assert layer.spline_weight.grad.abs().sum() > 0
    assert 0 < entropy_only <= torch.log(torch.tensor(float(layer.in_features * layer.out_features))) + 1e-5
    with torch.no_grad():
        layer.spline_weight.mul_(0.5)
    assert layer.regularization_loss() < loss
    assert torch.allclose(layer.regularization_loss(regularize_entropy=0.0), 0.5 * l1_only)
    with torch.no_grad():
        layer.spline_weight.zero_()
    assert torch.isfinite(layer.regularization_loss())


def test_out_of_range_fraction_is_tracked_in_training_only():
    layer = _layer(in_features=4)
    x = torch.zeros(10, 4)
    x[:5, :2] = 3.0  # beyond 2.2: a quarter of the entries
    layer.eval()
    layer(x)
    assert layer.last_out_of_range is None
    layer.train()
    layer(x)
    assert layer.last_out_of_range == pytest.approx(0.25)
    assert layer.out_of_range_fraction(x.unsqueeze(0)) == pytest.approx(0.25)
    assert layer.out_of_range_fraction(torch.full((3, 4), 2.2)) == 1.0  # the last knot is outside
    assert layer.out_of_range_fraction(torch.full((3, 4), -2.2)) == 0.0


def test_state_dict_round_trip_is_exact():
    layer = _layer()
    x = torch.randn(30, layer.in_features)
    layer.update_grid(torch.randn(500, layer.in_features))
    buffer = io.BytesIO()
    torch.save(layer.state_dict(), buffer)
    assert set(layer.state_dict()) == {"grid", "base_weight", "spline_weight", "spline_scaler"}
    buffer.seek(0)
    restored = KANLayer(layer.in_features, layer.out_features)
    assert restored.grid_is_uniform
    restored.load_state_dict(torch.load(buffer))
    assert not restored.grid_is_uniform  # the flag follows the loaded grid
    assert torch.equal(restored(x), layer(x))
    uniform = _layer(seed=3)
    fresh = KANLayer(uniform.in_features, uniform.out_features)
    fresh.load_state_dict(uniform.state_dict())
    assert fresh.grid_is_uniform and torch.equal(fresh(x), uniform(x))


def test_a_float16_copy_of_the_initial_grid_loads_as_the_exact_uniform_grid():
    # Exports that stored every tensor as float16 round the knots (-2.2 -> -2.1992); loaded as they
    # are, the layer would leave its fast uniform-grid path for the slow reference recursion.
    layer = _layer()
    half = {k: v.half() for k, v in layer.state_dict().items()}
    assert not torch.equal(half["grid"].float(), layer.grid)
    restored = KANLayer(layer.in_features, layer.out_features, init=False)
    restored.load_state_dict(half)
    assert restored.grid.dtype == torch.float32 and torch.equal(restored.grid, layer.grid)
    assert restored.grid_is_uniform
    # An adapted (non-uniform) grid stored as float16 is kept as stored: it is no rounded initial grid.
    adapted = _layer(seed=2)
    adapted.update_grid(torch.randn(500, adapted.in_features) * 0.5)
    stored = {k: v.half() for k, v in adapted.state_dict().items()}
    loaded = KANLayer(adapted.in_features, adapted.out_features, init=False)
    loaded.load_state_dict(stored)
    assert torch.equal(loaded.grid, stored["grid"].float()) and not loaded.grid_is_uniform


def test_extra_repr_names_the_configuration():
    text = repr(KANLayer(150, 512, base_activation=nn.GELU))
    for part in ("in_features=150", "out_features=512", "grid_size=5", "spline_order=3", "GELU", "uniform_grid=True"):
        assert part in text


def test_compile_kan_layers_switches_every_kan_layer_and_nothing_else():
    net = nn.Sequential(_layer(6, 5), nn.Linear(5, 5), nn.Sequential(_layer(5, 3)))
    assert kan_module.compile_kan_layers(net) == 2
    assert [m.use_compile for m in net.modules() if isinstance(m, KANLayer)] == [True, True]
    assert kan_module.compile_kan_layers(net, False) == 2
    assert not any(m.use_compile for m in net.modules() if isinstance(m, KANLayer))
