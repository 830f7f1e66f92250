"""``LayerNorm`` (and ``F.layer_norm``): gradients against finite differences, forward mode against the
reverse-mode Jacobian, and the module's parameters. Values, gradients, ``grad_fn`` names, reprs and errors
against PyTorch are in the ``functional``, ``modules`` and ``errors`` sections of ``nn.json`` (run by
``test_nn_functional.py``, ``test_nn_module.py`` and ``test_nn_errors.py``).
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad
import minigrad.autograd.forward_ad as fwAD
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.autograd.functional import jacobian


def _double(*shape, seed=0, requires_grad=True):
    values = np.random.default_rng(seed + sum(shape)).standard_normal(shape)
    return minigrad.tensor(values, dtype=minigrad.float64, requires_grad=requires_grad)


def _check_jvp(function, inputs, seed=0):
    """One forward pass with random tangents must give the reverse-mode Jacobian times the tangents."""
    rng = np.random.default_rng(seed)
    inputs = tuple(x.detach() for x in inputs)
    tangents = tuple(minigrad.tensor(rng.standard_normal(tuple(x.shape))) for x in inputs)
    with fwAD.dual_level():
        output = function(*(fwAD.make_dual(x, t) for x, t in zip(inputs, tangents)))
        forward = fwAD.unpack_dual(output).tangent.numpy()
    rows = jacobian(function, inputs)
    expected = sum(np.tensordot(J.numpy(), t.numpy(), axes=t.dim()) for J, t in zip(rows, tangents))
    np.testing.assert_allclose(forward, expected, rtol=1e-10, atol=1e-12)


LAYER_NORM_CASES = {  # input shape, normalized_shape, with weight, with bias
    "last-dim": ((3, 5), (5,), False, False),
    "affine": ((2, 3, 4), (4,), True, True),
    "two-dims-affine": ((2, 3, 4), (3, 4), True, True),
    "weight-only": ((4, 3), (3,), True, False),
    "bias-only": ((4, 3), (3,), False, True),
    "all-dims": ((2, 3), (2, 3), True, True),
}


@pytest.mark.parametrize("name", LAYER_NORM_CASES)
def test_gradcheck_layer_norm(name):
    shape, normalized_shape, with_weight, with_bias = LAYER_NORM_CASES[name]
    inputs = [_double(*shape)]
    if with_weight:
        inputs.append(_double(*normalized_shape, seed=1))
    if with_bias:
        inputs.append(_double(*normalized_shape, seed=2))

    def function(x, *parameters):
        parameters = list(parameters)
        weight = parameters.pop(0) if with_weight else None
        bias = parameters.pop(0) if with_bias else None
        return F.layer_norm(x, normalized_shape, weight, bias, eps=1e-3)

    assert gradcheck(function, tuple(inputs))
    assert gradgradcheck(function, tuple(inputs))
    _check_jvp(function, inputs)


def test_layer_norm_of_a_constant_row_is_zero_with_a_finite_gradient():
    x = minigrad.full((2, 4), 3.0, dtype=minigrad.float64, requires_grad=True)
    y = F.layer_norm(x, (4,))
    assert np.array_equal(y.detach().numpy(), np.zeros((2, 4)))
    (y * minigrad.arange(4.0, dtype=minigrad.float64)).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_layer_norm_lists_missing_weight_and_bias_as_edges():
    x = _double(2, 4)
    node = F.layer_norm(x, (4,)).grad_fn
    assert node.name() == "NativeLayerNormBackward0"
    assert [edge[0] is None for edge in node.next_functions] == [False, True, True]
    weight = _double(4, seed=1)
    node = F.layer_norm(x.detach(), (4,), weight).grad_fn
    assert [edge[0] is None for edge in node.next_functions] == [True, False, True]


def test_layer_norm_module_parameters_and_training():
    layer = nn.LayerNorm(4)
    assert np.array_equal(layer.weight.detach().numpy(), np.ones(4, dtype=np.float32))
    assert np.array_equal(layer.bias.detach().numpy(), np.zeros(4, dtype=np.float32))
    x = minigrad.randn(3, 4)
    layer(x).pow(2).sum().backward()
    assert layer.weight.grad.shape == (4,) and layer.bias.grad.shape == (4,)
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None
    assert nn.LayerNorm(4, bias=False).bias is None
    assert nn.LayerNorm([2, 3], dtype=minigrad.float64).weight.shape == (2, 3)
    assert nn.LayerNorm([2, 3], dtype=minigrad.float64).weight.dtype == minigrad.float64


def test_layer_norm_keeps_a_float16_input_with_float32_parameters_in_float16():
    x = minigrad.randn(2, 4).to(minigrad.float16)
    assert F.layer_norm(x, (4,), minigrad.ones(4), minigrad.zeros(4)).dtype == minigrad.float16
