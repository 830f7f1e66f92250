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
BATCH = 3
# The op classes that run example by example (a warning names them); every other op has a batching rule.
WITHOUT_RULE = {"DiagEmbed"}  # diag of a vector


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


def test_randomness_same_draws_once():
    torch.manual_seed(0)
    rows = vmap(lambda a: a * 0 + torch.rand(3), randomness="same")(torch.zeros(4, 3))
    np.testing.assert_array_equal(rows.numpy(), np.repeat(rows[:1].numpy(), 4, axis=0))


def test_randomness_different_is_refused_not_faked():
    with pytest.raises(NotImplementedError, match="randomness='different'"):
        vmap(lambda a: a + torch.randn(3), randomness="different")(torch.zeros(4, 3))
    torch.randn(2)


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
# a TypeError of their own.
ARRAY_LIBRARY_REFUSES = {"in_place_into_unbatched_mul", "in_place_into_unbatched_copy"}


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
