"""``minigrad.func.vmap``, ``functional_call`` and ``stack_module_state``, as in ``torch.func``.

* For every op of ``tests/op_registry.py`` (fixed and hypothesis-drawn cases), ``vmap(f)(x)`` equals stacking
  ``f(x[i])``; the ops without a batching rule (which run once per example and warn) are listed here, so a
  rule that goes missing fails.
* vmap batches for real: an op inside runs once for the whole batch.
* PyTorch's recorded values and errors (``tests/reference/gen_vmap.py``): nested vmaps, vmap of grad / vjp /
  jvp / jacrev, jacrev / jacfwd / hessian (built on vmap), functional_call, stack_module_state.
* Per-example gradients equal a loop; jacrev / jacfwd / hessian agree with ``autograd.functional``.
"""
from __future__ import annotations

import builtins
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minigrad as torch
from minigrad import func_batching
from minigrad.autograd import functional
from minigrad.func import functional_call, grad, hessian, jacfwd, jacrev, stack_module_state, vmap
from jacobian_reference import assert_matches
from op_registry import OPS, call, make_inputs
from reference_data import load
from registry_cases import draw_case

REFERENCE = load("vmap")
F = torch.nn.functional
BATCH = 3
# The op classes that run example by example (a warning names them); every other op has a batching rule.
WITHOUT_RULE = set()


# ------------------------------------------------------------------------------------------ every registry op
def _check_vmap_equals_loop(spec, case, seed):
    """vmap over ``BATCH`` examples of the op's float inputs (aux inputs shared) equals the stacked loop."""
    draws = [make_inputs(spec, case, np.random.default_rng(seed * 100 + b)) for b in range(BATCH)]
    aux = [torch.tensor(a) for a in draws[0][1]]
    try:
        expected = [call(spec, torch, [torch.tensor(f) for f in floats], aux, case.params) for floats, _ in draws]
    except Exception:  # noqa: BLE001 -- a case minigrad refuses per example is not a vmap case
        return
    stacked = [torch.tensor(np.stack([floats[i] for floats, _ in draws])) for i in range(len(draws[0][0]))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = vmap(lambda *floats: call(spec, torch, list(floats), aux, case.params))(*stacked)
    fallbacks = {str(w.message).rsplit("(", 1)[1].split(")")[0] for w in caught
                 if "performance drop" in str(w.message)}
    assert fallbacks <= WITHOUT_RULE, f"{spec.name}: no batching rule for {fallbacks - WITHOUT_RULE}"
    for index, out in enumerate(got):
        if out is None:
            continue
        want = np.stack([e[index].detach().numpy() for e in expected])
        assert tuple(out.shape) == want.shape, f"{spec.name} output {index}"
        np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12, atol=1e-12, equal_nan=True,
                                   err_msg=f"{spec.name} output {index}")


REGISTRY_CASES = [(spec, index) for spec in OPS for index in range(len(spec.cases))]


@pytest.mark.parametrize("spec, index", REGISTRY_CASES, ids=[f"{s.name}-{i}" for s, i in REGISTRY_CASES])
def test_vmap_equals_a_loop_for_every_registry_op(spec, index):
    _check_vmap_equals_loop(spec, spec.cases[index], seed=index)


RANDOM_SPECS = [spec for spec in OPS if spec.random_case is not None]


@pytest.mark.parametrize("spec", RANDOM_SPECS, ids=[spec.name for spec in RANDOM_SPECS])
@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), seed=st.integers(0, 2 ** 16))
def test_vmap_equals_a_loop_on_random_cases(spec, data, seed):
    _check_vmap_equals_loop(spec, draw_case(spec, data, seed), seed)


def test_an_op_runs_once_for_the_whole_batch(monkeypatch):
    """Not a loop in disguise: a vmapped function costs one call of each op."""
    from minigrad.ops import elementwise, linalg

    calls = []
    for cls in (elementwise.Exp, linalg.BatchedMatmul):
        forward = cls.forward

        def counted(ctx, *args, forward=forward, name=cls.__name__):
            calls.append(name)
            return forward(ctx, *args)

        monkeypatch.setattr(cls, "forward", staticmethod(counted))
    weights = torch.randn(3, 4)
    vmap(lambda a: (a @ weights).exp())(torch.randn(50, 3))
    assert sorted(calls) == ["BatchedMatmul", "Exp"]


def test_a_cnn_runs_each_op_once_for_the_whole_batch(monkeypatch):
    """Convolution (one weight, or one per example as in an ensemble), pooling, padding and batch norm fold
    the vmap batch into one call."""
    from minigrad.nn import _conv_ops, _norm_ops, _pool_ops

    calls = []
    for cls in (_conv_ops.Convolution, _norm_ops.BatchNorm, _pool_ops.MaxPool2d, _pool_ops.ConstantPadNd):
        forward = cls.forward

        def counted(*args, forward=forward, name=cls.__name__):
            calls.append(name)
            return forward(*args)

        monkeypatch.setattr(cls, "forward", staticmethod(counted))
    images, weights = torch.randn(5, 2, 3, 6, 6), torch.randn(5, 4, 3, 3, 3)

    def net(image, weight):
        hidden = F.batch_norm(F.conv2d(F.pad(image, (1, 1, 1, 1)), weight), None, None, training=True)
        return F.max_pool2d(F.conv2d(hidden, weights[0, :, :, :1, :1].transpose(0, 1)), 2)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no loop fallback
        vmap(net)(images, weights)
    assert sorted(calls) == ["BatchNorm", "ConstantPadNd", "Convolution", "Convolution", "MaxPool2d"]


def test_batch_norm_statistics_are_per_example_and_running_ones_move_per_example():
    x = torch.randn(4, 6, 3, 2, dtype=torch.float64)
    means, variances = torch.zeros(4, 3, dtype=torch.float64), torch.ones(4, 3, dtype=torch.float64)
    got = vmap(lambda a, m, v: F.batch_norm(a, m, v, training=True))(x, means, variances)
    want_means, want_variances = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for i in range(4):
        mean, variance = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
        np.testing.assert_allclose(got[i].numpy(), F.batch_norm(x[i], mean, variance, training=True).numpy(),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(means[i].numpy(), mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(variances[i].numpy(), variance.numpy(), rtol=1e-12)
        assert not np.allclose(mean.numpy(), want_means.numpy())  # they did move


# ------------------------------------------------------------------------------------------ rules beyond the registry
def _assert_vmap_equals_loop(f, args, in_dims=0):
    """``vmap(f)`` equals stacking ``f`` per example, with no loop fallback (a warning fails the test)."""
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    size = next(a.shape[0] for a, d in zip(args, dims) if d is not None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(f, in_dims=in_dims)(*args)
    want = torch.stack([f(*[a[b] if d == 0 else a for a, d in zip(args, dims)]) for b in range(size)])
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)


_rng = np.random.default_rng(16)
CUBES, INDICES = torch.tensor(_rng.standard_normal((3, 4, 5, 6))), torch.tensor([[0, 2], [3, 3], [1, 0]])
BATCHED_INDEX_CASES = {
    "first_dim": (lambda x, i: x[i], (CUBES, INDICES), 0),
    "after_a_slice": (lambda x, i: x[:, i], (CUBES, INDICES), 0),
    "after_two_slices": (lambda x, i: x[:, :, i], (CUBES, INDICES), 0),
    "with_a_shared_index": (lambda x, i: x[:, i.unsqueeze(1), torch.tensor([0, 5])], (CUBES, INDICES), 0),
    "split_by_a_slice": (lambda x, i: x[i, 1:3, i], (CUBES, INDICES), 0),
    "split_shared_only": (lambda x: x[torch.tensor([0, 2]), :, torch.tensor([1, 3])], (CUBES,), 0),
    "into_a_shared_tensor": (lambda i: CUBES[0][:, i], (INDICES,), 0),
    "index_select": (lambda x, i: x.index_select(1, i), (CUBES, INDICES), 0),
    "index_select_0d": (lambda x, i: x.index_select(-1, i[0]), (CUBES, INDICES), 0),
    "gradient": (lambda x, i: grad(lambda y: y[:, i].sin().sum() + y[i].cos().sum())(x), (CUBES[:, :4, :4], INDICES), 0),
}


@pytest.mark.parametrize("name", BATCHED_INDEX_CASES)
def test_indexing_with_a_per_example_index_tensor(name):
    f, args, in_dims = BATCHED_INDEX_CASES[name]
    _assert_vmap_equals_loop(f, args, in_dims)


def test_scatters_sum_to_size_and_diag_have_rules():
    from minigrad.ops.movement import index_add, put_into
    from minigrad.ops.reductions import scatter_add_along_axis, scatter_along_axis

    x = torch.tensor(_rng.standard_normal((3, 4, 5)))
    positions = torch.tensor(_rng.integers(0, 6, (3, 4, 5)))
    _assert_vmap_equals_loop(lambda a: a.sum_to_size(1, 5), (x,))
    _assert_vmap_equals_loop(lambda a: a.sum_to_size(5), (x,))
    _assert_vmap_equals_loop(lambda v: v.diag(1), (x[:, 0],))
    _assert_vmap_equals_loop(lambda v: v.diag(-2), (x[:, 0],))
    _assert_vmap_equals_loop(lambda a, i: scatter_along_axis(a, i, 1, (4, 6)), (x, positions.argsort(-1)[..., :5]))
    _assert_vmap_equals_loop(lambda a, i: scatter_add_along_axis(a, i, -1, (4, 6)), (x, positions[0]), (0, None))
    _assert_vmap_equals_loop(lambda a: index_add(a, 1, torch.tensor([0, 2, 2, 1, 0]), (4, 3)), (x,))
    _assert_vmap_equals_loop(lambda a: put_into(a, (slice(None), np.array([2, 0, 2, 1, 1])), (4, 3)), (x,))


def test_embedding_with_a_weight_per_example_is_one_lookup():
    F = torch.nn.functional
    tables = torch.tensor(_rng.standard_normal((3, 5, 2)))
    picks = torch.tensor(_rng.integers(0, 5, (3, 2, 4)))
    _assert_vmap_equals_loop(lambda w, i: F.embedding(i, w), (tables, picks))
    _assert_vmap_equals_loop(lambda w: F.embedding(picks[0], w), (tables,))
    _assert_vmap_equals_loop(lambda w, i: grad(lambda v: F.embedding(i, v).exp().sum())(w), (tables, picks))
    with pytest.raises(IndexError, match="index out of range in self"):
        vmap(lambda w: F.embedding(torch.tensor([5]), w))(tables)  # row 0 of the next example is no row of this one
    with pytest.warns(UserWarning, match="performance drop"):  # a padding row per example: example by example
        padded = vmap(lambda w, i: F.embedding(i, w, padding_idx=1))(tables, picks)
    np.testing.assert_array_equal(padded[2].numpy(), F.embedding(picks[2], tables[2], padding_idx=1).numpy())


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_nll_loss_of_any_rank_has_a_rule(reduction):
    F = torch.nn.functional
    weight = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    for shape, target_shape in (((3, 3), (3,)), ((3, 2, 3, 2, 2), (3, 2, 2, 2)), ((3, 2, 3, 4), (3, 2, 4))):
        logits = torch.tensor(_rng.standard_normal(shape)).log_softmax(-1 if len(shape) == 2 else 2)
        target = torch.tensor(_rng.integers(0, 3, target_shape))
        _assert_vmap_equals_loop(lambda a, t: F.nll_loss(a, t, weight, reduction=reduction, ignore_index=2),
                                 (logits, target))


def test_per_example_gradients_equal_a_loop():
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    params = {name: p.detach() for name, p in model.named_parameters()}
    x, targets = torch.randn(6, 4), torch.tensor([0, 1, 2, 1, 0, 2])

    def loss(params, x, target):
        logits = functional_call(model, params, (x.unsqueeze(0),))
        return torch.nn.functional.cross_entropy(logits, target.unsqueeze(0))

    batched = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, targets)
    for name in params:
        looped = torch.stack([grad(loss)(params, x[i], targets[i])[name] for i in range(6)])
        np.testing.assert_allclose(batched[name].numpy(), looped.numpy(), rtol=1e-5, atol=1e-6)


def test_nested_vmap_of_grad():
    cube = torch.randn(2, 3, 4, dtype=torch.float64)
    result = vmap(vmap(grad(lambda a: (a.sin() * a).sum())))(cube)
    np.testing.assert_allclose(result.numpy(), (cube.sin() + cube * cube.cos()).numpy(), rtol=1e-12)


def _energy(x):
    return (x.sin() * x.roll(1)).sum() + (x.tanh() ** 2).sum()


def test_jacobians_built_on_vmap_agree_with_autograd_functional():
    x = torch.randn(5, dtype=torch.float64)
    f = lambda a: a.tanh() * a.cumsum(0)  # noqa: E731
    reference = functional.jacobian(f, x)
    np.testing.assert_allclose(jacrev(f)(x).numpy(), reference.numpy(), rtol=1e-12)
    np.testing.assert_allclose(jacfwd(f)(x).numpy(), reference.numpy(), rtol=1e-12)
    np.testing.assert_allclose(hessian(_energy)(x).numpy(), functional.hessian(_energy, x).numpy(), rtol=1e-10)
    np.testing.assert_allclose(jacrev(f, chunk_size=2)(x).numpy(), reference.numpy(), rtol=1e-12)


def test_vmap_of_a_vjp_function_made_outside_vmap():
    """PyTorch's tutorial Jacobian, ``vmap(vjp_fn)(eye)``: right, though example by example (warned)."""
    x = torch.randn(4, dtype=torch.float64)
    f = lambda a: a.sin() * a.sum()  # noqa: E731
    _, vjp_fn = torch.func.vjp(f, x)
    with pytest.warns(UserWarning, match="performance drop"):
        rows, = vmap(vjp_fn)(torch.eye(4, dtype=torch.float64))
    np.testing.assert_allclose(rows.numpy(), functional.jacobian(f, x).numpy(), rtol=1e-12)


# ------------------------------------------------------------------------------------------ behaviour
def test_vmap_leaves_no_level_and_no_hook_behind():
    from minigrad.autograd import function

    with pytest.raises(RuntimeError):
        vmap(lambda a: a.item())(torch.randn(3))
    assert func_batching.active_levels() == [] and function._vmap_hook is None
    torch.randn(2)  # the random guard of randomness='error' is gone too


def test_in_place_writes_reach_the_batch_and_record():
    x = torch.randn(4, 3, dtype=torch.float64)

    def f(a):
        y = a * 1
        y.add_(1.0)
        y[0] = 2.0
        return (y * a).sum()

    batched = vmap(grad(f))(x)
    looped = torch.stack([grad(f)(x[i]) for i in range(4)])
    np.testing.assert_allclose(batched.numpy(), looped.numpy(), rtol=1e-12)


# ------------------------------------------------------------------------------------------ randomness
# PyTorch's semantics (its numbers differ: the generators are not the same): 'different' gives each example
# its own draw, 'same' one draw for the batch, 'error' refuses (tests/reference/gen_vmap.py records the errors).
RANDOM_DRAWS = {
    "rand": lambda a: a * 0 + torch.rand(3),
    "randn": lambda a: torch.randn(3) + a,
    "rand_like": lambda a: torch.rand_like(a),
    "randn_like": lambda a: torch.randn_like(a),
    "randint": lambda a: torch.randint(0, 1000, (3,)) + a,
    "randperm": lambda a: torch.randperm(3) + a * 0,
    "normal": lambda a: torch.normal(0.0, 1.0, size=(3,)) + a,
    "uniform_": lambda a: a.clone().uniform_(),
    "normal_": lambda a: a.clone().normal_(),
    "dropout": lambda a: F.dropout(a + 1, 0.5),
    "dropout_module": lambda a: torch.nn.Dropout(0.5)(a + 1),
    "dropout2d": lambda a: F.dropout2d((a + 1).reshape(1, 3, 1, 1), 0.5).reshape(3),
}


def _rows_differ(rows):
    return any(not np.array_equal(rows[0], row) for row in rows[1:])


@pytest.mark.parametrize("name", RANDOM_DRAWS)
def test_randomness_different_draws_per_example_and_same_draws_once(name):
    torch.manual_seed(1)
    x = torch.zeros(40, 3, dtype=torch.float64)
    different = vmap(RANDOM_DRAWS[name], randomness="different")(x).numpy()
    assert different.shape == (40, 3) and _rows_differ(different)
    same = vmap(RANDOM_DRAWS[name], randomness="same")(x).numpy()
    np.testing.assert_array_equal(same, np.repeat(same[:1], 40, axis=0))
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(RANDOM_DRAWS[name])(x)
    assert func_batching.active_levels() == []


def test_randomness_different_follows_the_distribution():
    torch.manual_seed(2)
    draws = vmap(lambda a: torch.randn(()) + a, randomness="different")(torch.zeros(20000)).numpy()
    assert abs(draws.mean()) < 0.05 and abs(draws.std() - 1) < 0.05
    kept = vmap(lambda a: F.dropout(a, 0.25), randomness="different")(torch.ones(20000, 1, dtype=torch.float64)).numpy()
    assert set(np.unique(kept)) <= {0.0, 4 / 3} and abs((kept > 0).mean() - 0.75) < 0.02
    rows = vmap(lambda a: torch.randperm(5), randomness="different")(torch.zeros(50)).numpy()
    assert (np.sort(rows, axis=1) == np.arange(5)).all() and len({tuple(r) for r in rows}) > 10


def test_nested_randomness_batches_only_the_different_levels():
    grid = torch.zeros(4, 5)
    both = vmap(vmap(lambda a: torch.rand(()), randomness="different"), randomness="different")(grid).numpy()
    assert len(np.unique(both)) == 20
    outer = vmap(vmap(lambda a: torch.rand(()), randomness="same"), randomness="different")(grid).numpy()
    np.testing.assert_array_equal(outer, np.repeat(outer[:, :1], 5, axis=1))
    assert len(np.unique(outer[:, 0])) == 4
    inner = vmap(vmap(lambda a: torch.rand(()), randomness="different"), randomness="same")(grid).numpy()
    np.testing.assert_array_equal(inner, np.repeat(inner[:1], 4, axis=0))
    assert len(np.unique(inner[0])) == 5
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(vmap(lambda a: torch.rand(()), randomness="different"))(grid)


def test_randomness_same_draws_once_and_the_seed_still_decides():
    torch.manual_seed(0)
    first = vmap(lambda a: a * 0 + torch.rand(3), randomness="same")(torch.zeros(4, 3))
    torch.manual_seed(0)
    again = vmap(lambda a: a * 0 + torch.rand(3), randomness="same")(torch.zeros(4, 3))
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    torch.manual_seed(0)
    np.testing.assert_array_equal(first[0].numpy(), torch.rand(3).numpy())


def test_a_model_with_dropout_gets_a_mask_per_example_and_gradients_flow():
    model = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Dropout(0.5), torch.nn.Linear(16, 1))
    params = {name: p.detach() for name, p in model.named_parameters()}

    def loss(params, x):
        return functional_call(model, params, (x,)).sum()

    grads = vmap(grad(loss), in_dims=(None, 0), randomness="different")(params, torch.ones(8, 3))
    assert _rows_differ(grads["0.weight"].numpy())  # same input, different masks


def test_functional_call_restores_the_module_when_forward_raises():
    model = torch.nn.Linear(2, 2)
    weight = model.weight
    with pytest.raises(RuntimeError):
        functional_call(model, {"weight": torch.ones(3, 3)}, (torch.ones(2),))
    assert model.weight is weight


def test_stack_module_state_returns_new_leaves():
    models = [torch.nn.Linear(2, 3) for _ in range(4)]
    params, buffers = stack_module_state(models)
    assert buffers == {}
    assert all(p.is_leaf and p.requires_grad for p in params.values())
    np.testing.assert_array_equal(params["weight"][2].detach().numpy(), models[2].weight.detach().numpy())


# ------------------------------------------------------------------------------------------ PyTorch's data
def _namespace():
    names = {"torch": torch}
    exec(REFERENCE["prelude"], names)
    return names


@pytest.mark.parametrize("case", REFERENCE["values"], ids=[case["id"] for case in REFERENCE["values"]])
def test_values_match_pytorch(case):
    assert_matches(eval(case["code"], _namespace()), case["result"])


# Writing a batched result into an unbatched tensor fails when the array library reads the batched values:
# NumPy asks for them and gets PyTorch's error; the strict test device's arrays refuse the object first with
# a TypeError of their own. (copy_ has a rule that refuses first, on every device.)
ARRAY_LIBRARY_REFUSES = {"in_place_into_unbatched_mul"}


@pytest.mark.parametrize("case", REFERENCE["errors"], ids=[case["id"] for case in REFERENCE["errors"]])
def test_errors_match_pytorch(case):
    if case["id"] in ARRAY_LIBRARY_REFUSES and torch.get_default_device().type == "strict":
        with pytest.raises(TypeError):
            eval(case["code"], _namespace())
        return
    with pytest.raises(getattr(builtins, case["type"])) as raised:
        eval(case["code"], _namespace())
    assert type(raised.value).__name__ == case["type"]
    assert str(raised.value) == case["message"]
