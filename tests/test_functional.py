"""``minigrad.autograd.functional``: vjp, jvp, jacobian, hessian, vhp, hvp against PyTorch 2.13.

Values and structures come from ``tests/reference/data/jacobians.json`` (the lesson's two-output function,
a tanh MLP, softmax and cross-entropy, a two-input cubic); errors are compared with PyTorch's exact
messages. The remaining tests check the mathematics directly: J built from vjp rows equals J built from
jvp columns, the Hessian is the Jacobian of the gradient, results are detached unless create_graph=True.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as torch
from minigrad.autograd import functional as F
from jacobian_reference import assert_matches, check_error, error_cases, run, uses_functional, value_cases


@value_cases(uses_functional)
def test_values_match_pytorch(case):
    assert_matches(run(case["code"]), case["result"])


@error_cases(uses_functional)
def test_errors_match_pytorch(case):
    check_error(case)


def test_functional_is_an_attribute_of_autograd():
    import minigrad.autograd.functional as functional

    assert torch.autograd.functional is functional
    assert set(functional.__all__) == {"vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"}


def lesson(x):
    return torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]])


def test_lesson_jacobian_is_the_rows_from_backward():
    """y.backward(v) gives vᵀJ: one basis vector per row rebuilds the Jacobian [[4, 3], [2, 6]]."""
    rows = []
    for v in ([1.0, 0.0], [0.0, 1.0]):
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        lesson(x).backward(torch.tensor(v))
        rows.append(x.grad.tolist())
    assert rows == [[4.0, 3.0], [2.0, 6.0]]
    assert F.jacobian(lesson, torch.tensor([2.0, 3.0])).tolist() == rows


def test_jacobian_from_vjp_rows_equals_jacobian_from_jvp_columns():
    rng = np.random.default_rng(0)
    W = torch.tensor(rng.standard_normal((3, 4)))
    x = torch.tensor(rng.standard_normal(4))

    def f(x):
        return (W @ x).tanh() * x[:3]

    J = F.jacobian(f, x)
    rows = torch.stack([F.vjp(f, x, torch.eye(3, dtype=torch.float64)[i])[1] for i in range(3)])
    columns = torch.stack([F.jvp(f, x, torch.eye(4, dtype=torch.float64)[j])[1] for j in range(4)], dim=1)
    np.testing.assert_allclose(rows.numpy(), J.numpy(), rtol=1e-12)
    np.testing.assert_allclose(columns.numpy(), J.numpy(), rtol=1e-12)


def test_hessian_is_the_jacobian_of_the_gradient_and_symmetric():
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal(3))

    def f(x):
        return (x.sin() * x).sum() + x[0] * x[1] * x[2]

    H = F.hessian(f, x)
    gradient = lambda x: torch.autograd.grad(f(x), x, create_graph=True)[0]  # noqa: E731
    J = F.jacobian(gradient, x)
    np.testing.assert_allclose(H.numpy(), J.numpy(), rtol=1e-12)
    np.testing.assert_allclose(H.numpy(), H.numpy().T, rtol=1e-12)
    v = torch.tensor(rng.standard_normal(3))
    np.testing.assert_allclose(F.hvp(f, x, v)[1].numpy(), H.numpy() @ v.numpy(), rtol=1e-12)
    np.testing.assert_allclose(F.vhp(f, x, v)[1].numpy(), v.numpy() @ H.numpy(), rtol=1e-12)


def test_forward_and_reverse_strategies_agree():
    rng = np.random.default_rng(2)
    a, b = torch.tensor(rng.standard_normal((2, 3))), torch.tensor(rng.standard_normal(3))

    def f(a, b):
        return (a * b).softmax(1), (a.exp() @ b).sum()

    reverse = F.jacobian(f, (a, b))
    forward = F.jacobian(f, (a, b), vectorize=True, strategy="forward-mode")
    for i in range(2):
        for j in range(2):
            assert reverse[i][j].shape == forward[i][j].shape == f(a, b)[i].shape + (a, b)[j].shape
            np.testing.assert_allclose(forward[i][j].numpy(), reverse[i][j].numpy(), rtol=1e-12, atol=1e-14)


def test_results_are_detached_unless_create_graph():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    assert not F.jacobian(lesson, x).requires_grad
    output, vjp_result = F.vjp(lesson, x, torch.ones(2))
    assert not output.requires_grad and not vjp_result.requires_grad
    J = F.jacobian(lesson, x, create_graph=True)
    assert J.requires_grad
    # d/dx of sum(J) = d/dx (2 x1 + 3 + 2 + 2 x2) = [2, 2]
    assert torch.autograd.grad(J.sum(), x)[0].tolist() == [2.0, 2.0]


def test_the_callers_tensors_are_left_alone():
    x = torch.tensor([2.0, 3.0])
    F.jacobian(lesson, x)
    F.hessian(lambda x: (x ** 3).sum(), x)
    assert not x.requires_grad and x.grad is None


def test_grad_with_respect_to_a_non_leaf():
    """What create_graph Jacobians and Hessians rely on: autograd.grad of an intermediate tensor."""
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    middle = x * 1
    y = (middle ** 3).sum()
    gradient, = torch.autograd.grad(y, middle, create_graph=True)
    assert gradient.tolist() == [12.0, 27.0]
    assert torch.autograd.grad(gradient.sum(), x)[0].tolist() == [12.0, 18.0]
