"""``minigrad.func``: grad, vjp, jvp, jacrev, jacfwd, hessian, as in ``torch.func``.

For every differentiable op of ``tests/op_registry.py`` (fixed and hypothesis-drawn cases, float64), the three
ways to build a Jacobian agree: ``jacfwd`` (one forward-mode pass per input element), ``jacrev`` (one backward
pass per output element) and ``autograd.functional.jacobian``. For the ops with second derivatives, the
Hessian of a scalar made from the op agrees across ``hessian`` (forward-over-reverse), ``jacrev(jacrev)``,
``jacrev(jacfwd)`` and ``autograd.functional.hessian``. PyTorch's recorded values and errors come last.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minigrad as torch
import minigrad.autograd.forward_ad as fwAD
from minigrad.autograd import functional
from minigrad.func import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp
from jacobian_reference import assert_matches, check_error, error_cases, run, uses_func, value_cases
from op_registry import call, make_inputs
from registry_cases import (FIXED_CASES, FIXED_IDS, RANDOM, RANDOM_IDS, SECOND_ORDER, SECOND_ORDER_IDS,
                            draw_case)

RANDOM_SETTINGS = settings(max_examples=3, deadline=None, derandomize=True,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def float_op(spec, case, seed):
    """The op as a function of its float64 inputs, returning its floating-point outputs (as a tuple)."""
    floats, aux = make_inputs(spec, case, np.random.default_rng(seed))
    inputs = tuple(torch.tensor(array) for array in floats)
    aux_tensors = [torch.as_tensor(array) for array in aux]  # on the test device, like the inputs

    def function(*tensors):
        outputs = call(spec, torch, tensors, aux_tensors, case.params)
        return tuple(out for out in outputs if out.is_floating_point())

    return function, inputs


def assert_nested_close(actual, expected, where):
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected), where
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_nested_close(a, e, f"{where}[{index}]")
        return
    assert actual.shape == expected.shape, f"{where}: {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-10, atol=1e-10, err_msg=where)


def check_three_jacobians_agree(spec, case, seed):
    function, inputs = float_op(spec, case, seed)
    argnums = tuple(range(len(inputs)))
    reverse = jacrev(function, argnums=argnums)(*inputs)
    assert_nested_close(jacfwd(function, argnums=argnums)(*inputs), reverse, f"jacfwd {spec.name}")
    if all(out.numel() for out in function(*inputs)):  # PyTorch's jacobian, like ours, cannot stack 0 rows
        reference = functional.jacobian(function, inputs)  # tuple (outputs) of tuples (inputs)
        assert_nested_close(reverse, reference, f"jacrev {spec.name}")


@pytest.mark.parametrize("spec, index", FIXED_CASES, ids=FIXED_IDS)
def test_jacfwd_equals_jacrev_equals_jacobian(spec, index):
    check_three_jacobians_agree(spec, spec.cases[index], seed=index)


@pytest.mark.parametrize("spec", RANDOM, ids=RANDOM_IDS)
@RANDOM_SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_jacfwd_equals_jacrev_equals_jacobian_random(spec, data, seed):
    case = draw_case(spec, data, seed)
    check_three_jacobians_agree(spec, case, seed)


@pytest.mark.parametrize("spec", SECOND_ORDER, ids=SECOND_ORDER_IDS)
def test_hessians_agree(spec):
    """A scalar from the op (its outputs' squares, weighted): every route to its Hessian gives the same."""
    case = spec.cases[0]
    function, inputs = float_op(spec, case, seed=3)

    def scalar(*tensors):
        return sum(((out * out) * (1.0 + 0.5 * index)).sum() for index, out in enumerate(function(*tensors)))

    argnums = tuple(range(len(inputs)))
    reference = functional.hessian(scalar, inputs)
    for name, transform in (("hessian", hessian(scalar, argnums)),
                            ("jacrev(jacrev)", jacrev(jacrev(scalar, argnums), argnums)),
                            ("jacrev(jacfwd)", jacrev(jacfwd(scalar, argnums), argnums)),
                            ("jacfwd(jacrev)", jacfwd(jacrev(scalar, argnums), argnums))):
        assert_nested_close(transform(*inputs), reference, f"{name} of {spec.name}")


@value_cases(uses_func)
def test_values_match_pytorch(case):
    assert_matches(run(case["code"]), case["result"])


@error_cases(uses_func)
def test_errors_match_pytorch(case):
    check_error(case)


# ------------------------------------------------------------------------------------------ behaviour
x = torch.tensor([2.0, 3.0], dtype=torch.float64)
v = torch.tensor([1.0, -1.0], dtype=torch.float64)


def lesson(x):
    return torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]])


def test_func_jvp_is_one_forward_pass_without_backward(monkeypatch):
    """True forward mode: no backward rule runs, and the function is called once."""
    from minigrad.autograd import engine

    def no_backward(*args, **kwargs):
        raise AssertionError("func.jvp ran a backward pass")

    monkeypatch.setattr(engine, "run_backward", no_backward)
    calls = []

    def f(x):
        calls.append(1)
        return lesson(x)

    output, tangent = jvp(f, (x,), (v,))
    assert calls == [1]
    assert output.tolist() == [13.0, 13.0] and tangent.tolist() == [4.0 - 3.0, 2.0 - 6.0]
    assert fwAD.state.level is None


def test_results_do_not_require_grad_and_inputs_are_untouched():
    for result in (jacrev(lesson)(x), jacfwd(lesson)(x), hessian(lambda x: (x ** 3).sum())(x),
                   grad(lambda x: (x ** 3).sum())(x), jvp(lesson, (x,), (v,))[1], vjp(lesson, x)[1](v)[0]):
        assert not result.requires_grad
    assert not x.requires_grad and x.grad is None


def test_transforms_ignore_an_outer_no_grad():
    with torch.no_grad():
        assert jacrev(lesson)(x).tolist() == [[4.0, 3.0], [2.0, 6.0]]
        assert jacfwd(lesson)(x).tolist() == [[4.0, 3.0], [2.0, 6.0]]
        assert grad(lambda x: lesson(x).sum())(x).tolist() == [6.0, 9.0]
        assert vjp(lesson, x)[1](v)[0].tolist() == [4.0 - 2.0, 3.0 - 6.0]
        assert hessian(lambda x: (x ** 3).sum())(x).tolist() == [[12.0, 0.0], [0.0, 18.0]]


def test_transforms_compose_to_third_derivatives():
    def f(x):
        return (x ** 4).sum() + x[0] * x[1] ** 2

    third = jacfwd(jacrev(jacrev(f)))(x)
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0], expected[1, 1, 1] = 24 * 2.0, 24 * 3.0
    expected[0, 1, 1] = expected[1, 0, 1] = expected[1, 1, 0] = 2.0
    np.testing.assert_allclose(third.numpy(), expected)


def test_gradient_flows_to_inputs_that_require_grad():
    """An input that requires grad outside keeps its history: a loss of a Jacobian can be backpropagated."""
    leaf = x.clone().requires_grad_()
    J = jacrev(lesson)(leaf)
    J.sum().backward()  # sum(J) = 2 x1 + 3 + 2 + 2 x2
    assert leaf.grad.tolist() == [2.0, 2.0]


def test_pytree_arguments_and_outputs():
    params = {"w": torch.tensor([1.0, 2.0], dtype=torch.float64), "b": torch.tensor(0.5, dtype=torch.float64)}

    def model(params, x):
        y = (params["w"] * x).sum() + params["b"]
        return {"y": y, "both": (y * 2, x * params["b"])}

    gradients = grad(lambda p, x: model(p, x)["y"])(params, x)
    assert list(gradients) == ["w", "b"]
    assert gradients["w"].tolist() == [2.0, 3.0] and gradients["b"].item() == 1.0
    J = jacrev(model)(params, x)
    assert list(J) == ["y", "both"] and isinstance(J["both"], tuple)
    assert J["both"][1]["b"].tolist() == [2.0, 3.0]
    jacobians_forward = jacfwd(model)(params, x)
    np.testing.assert_allclose(jacobians_forward["both"][0]["w"].numpy(), [4.0, 6.0])


def test_has_aux_and_grad_and_value():
    def f(x):
        y = (x ** 2).sum()
        return y, {"y": y}

    gradient, aux = grad(f, has_aux=True)(x)
    assert gradient.tolist() == [4.0, 6.0] and aux["y"].item() == 13.0
    gradient, (value, aux) = grad_and_value(f, has_aux=True)(x)
    assert value.item() == 13.0 and not value.requires_grad
    output, vjp_fn, aux = vjp(f, x, has_aux=True)
    assert vjp_fn(torch.tensor(1.0, dtype=torch.float64))[0].tolist() == [4.0, 6.0]
    out, tangent, aux = jvp(f, (x,), (v,), has_aux=True)
    assert tangent.item() == 4.0 - 6.0


def test_nested_forward_mode_is_refused_clearly():
    with pytest.raises(RuntimeError, match="forward mode cannot be nested"):
        jacfwd(jacfwd(lambda x: (x ** 3).sum()))(x)
    assert fwAD.state.level is None
