"""``autograd.Variable`` (the legacy wrapper that returns a tensor) and ``autograd.function.once_differentiable``
against PyTorch (tests/reference/gen_utils.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Variable
from minigrad.autograd.function import once_differentiable
from reference_data import decode, load

AUTOGRAD = load("utils")["autograd"]


def test_variable_returns_a_leaf_tensor_sharing_storage():
    recorded = AUTOGRAD["variable"]
    base = minigrad.ones(2)
    made = Variable(base, requires_grad=True)
    assert (made is base) == recorded["is_same_object"]
    assert made.requires_grad == recorded["requires_grad"] and made.is_leaf == recorded["is_leaf"]
    assert repr(type(made)).replace("minigrad", "torch") == recorded["type"]
    assert isinstance(base, Variable) == recorded["isinstance"] and not isinstance([1.0], Variable)
    assert Variable(base).requires_grad == recorded["default_requires_grad"]
    base.add_(1.0)  # same storage
    assert made.tolist() == [2.0, 2.0]
    computed = minigrad.ones(1) * minigrad.ones(1, requires_grad=True)
    assert repr(Variable(computed).grad_fn) == recorded["of_non_leaf_grad_fn"]
    assert repr(Variable()) == recorded["empty"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Variable(minigrad.ones(1), volatile=True)
    assert [str(w.message) for w in caught] == recorded["volatile_warning"]


@pytest.mark.parametrize("key", sorted(AUTOGRAD["variable_errors"]))
def test_variable_errors_match_pytorch(key):
    calls = {"list": lambda: Variable([1.0]),
             "int_requires_grad": lambda: Variable(minigrad.ones(1, dtype=minigrad.long), requires_grad=True)}
    expected = AUTOGRAD["variable_errors"][key]
    with pytest.raises(Exception) as caught:
        calls[key]()
    assert (type(caught.value).__name__, str(caught.value)) == (expected["type"], expected["message"])


class Square(minigrad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        assert not minigrad.is_grad_enabled()  # the decorated backward never records
        return 2 * x * grad


def test_once_differentiable_guards_the_second_derivative_as_pytorch():
    recorded = AUTOGRAD["once_differentiable"]
    x = minigrad.tensor([1.0, 3.0], dtype=minigrad.float64, requires_grad=True)
    (first,) = minigrad.autograd.grad((Square.apply(x) * x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(first.detach().numpy(), decode(recorded["first_grad"]))
    assert first.grad_fn.name() == recorded["first_grad_fn"]
    error_node = first.grad_fn.next_functions[1][0]
    assert error_node.name() == recorded["error_node"]
    assert error_node.next_functions[0][0].name() == recorded["error_node_next"]
    with pytest.raises(RuntimeError) as caught:
        first.sum().backward()
    assert str(caught.value) == recorded["double_backward"]["message"]
    (constant_in,) = minigrad.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert constant_in.requires_grad == recorded["constant_grad_requires_grad"]
    (plain,) = minigrad.autograd.grad(Square.apply(x).sum(), x)
    assert plain.tolist() == [2.0, 6.0] and not plain.requires_grad


def test_once_differentiable_passes_none_gradients_through():
    class Scale(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor):
            ctx.factor = factor
            return x * factor

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            return grad * ctx.factor, None

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = minigrad.autograd.grad((Scale.apply(x, 3.0) * x).sum(), x, create_graph=True)
    assert g.tolist() == [6.0, 12.0]
    with pytest.raises(RuntimeError, match="differentiate twice"):
        g.sum().backward()
