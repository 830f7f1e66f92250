"""``LayerNorm``, ``Embedding``, ``F.normalize`` and ``F.cosine_similarity``: gradients against finite differences, forward mode against the
reverse-mode Jacobian, graphs, and the modules' parameters. Values, gradients, ``grad_fn`` names, reprs and errors
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


# ---------------------------------------------------------------------- embedding
INDICES = minigrad.tensor([[0, 2, 2, 4], [4, 1, 0, 2]])


# A padding row that is looked up gets no gradient on purpose (finite differences disagree), so these use
# one that is not; test_embedding_adds_repeated_rows_and_skips_the_padding_row covers the other case.
@pytest.mark.parametrize("padding_idx", [None, 3, -2])
def test_gradcheck_embedding(padding_idx):
    weight = _double(5, 3)

    def function(w):
        return F.embedding(INDICES, w, padding_idx)

    assert gradcheck(function, (weight,))
    assert gradgradcheck(function, (weight,))
    _check_jvp(function, (weight,))


def test_embedding_adds_repeated_rows_and_skips_the_padding_row():
    weight = _double(5, 3)
    output = F.embedding(INDICES, weight, padding_idx=4)
    assert output.grad_fn.name() == "EmbeddingBackward0"
    assert len(output.grad_fn.next_functions) == 1  # the indices are no edge
    assert np.array_equal(output.detach().numpy(), weight.detach().numpy()[INDICES.numpy()])
    output.backward(minigrad.ones_like(output))
    counts = np.array([2, 1, 3, 0, 0], dtype=np.float64)  # row 4 (twice) is the padding row
    assert np.array_equal(weight.grad.numpy(), np.repeat(counts[:, None], 3, axis=1))


def test_embedding_module_init_and_padding():
    minigrad.manual_seed(0)
    layer = nn.Embedding(1000, 50, padding_idx=3)
    values = layer.weight.detach().numpy()
    assert values.shape == (1000, 50) and values.dtype == np.float32
    assert np.array_equal(values[3], np.zeros(50, dtype=np.float32))
    others = np.delete(values, 3, axis=0)
    assert abs(others.mean()) < 0.02 and abs(others.std() - 1) < 0.02  # N(0, 1), 49950 draws
    minigrad.manual_seed(0)
    assert np.array_equal(nn.Embedding(1000, 50, padding_idx=3).weight.detach().numpy(), values)
    layer(minigrad.tensor([3, 1, 3])).sum().backward()
    assert np.array_equal(layer.weight.grad.numpy()[3], np.zeros(50, dtype=np.float32))
    assert np.array_equal(layer.weight.grad.numpy()[1], np.ones(50, dtype=np.float32))


def test_embedding_module_with_a_given_weight_and_frozen():
    weight = minigrad.arange(6.0).reshape(3, 2)
    layer = nn.Embedding(3, 2, _weight=weight, _freeze=True)
    assert not layer.weight.requires_grad
    assert np.array_equal(layer(minigrad.tensor([2])).numpy(), np.array([[4.0, 5.0]], dtype=np.float32))


# ---------------------------------------------------------------------- normalize and cosine_similarity
def _names(node, depth=0):
    """The graph below ``node`` as (depth, name) pairs, depth first."""
    if node is None:
        return []
    rows = [(depth, node.name())]
    for child, _ in node.next_functions:
        rows += _names(child, depth + 1)
    return rows


def test_normalize_and_cosine_similarity_record_pytorchs_graphs():
    x, y = _double(2, 3), _double(2, 3, seed=1)
    leaf = "torch::autograd::AccumulateGrad"
    assert _names(F.normalize(x).grad_fn) == [(0, "DivBackward0"), (1, leaf), (1, "ExpandBackward0"),
                                              (2, "ClampMinBackward0"), (3, "LinalgVectorNormBackward0"), (4, leaf)]
    half = [(2, "DivBackward0"), (3, leaf), (3, "CloneBackward0"), (4, "LinalgVectorNormBackward0"), (5, leaf)]
    assert _names(F.cosine_similarity(x, y).grad_fn) == [(0, "SumBackward1"), (1, "MulBackward0")] + half + half
    broadcast = _names(F.cosine_similarity(x, _double(3, seed=2)).grad_fn)
    assert [name for _, name in broadcast].count("ExpandBackward0") == 4  # both sides expanded, as PyTorch


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"p": 1}, {"p": 3.0}, {"p": float("inf")}, {"eps": 0.5}])
def test_gradcheck_normalize(kwargs):
    x = _double(3, 4)

    def function(a):
        return F.normalize(a, **kwargs)

    assert gradcheck(function, (x,))
    if kwargs.get("p", 2) != 1:  # sign(x) has no useful second derivative to compare
        assert gradgradcheck(function, (x,))
    _check_jvp(function, (x,))


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"eps": 0.5}])
def test_gradcheck_cosine_similarity(kwargs):
    x1, x2 = _double(3, 4), _double(3, 4, seed=1)

    def function(a, b):
        return F.cosine_similarity(a, b, **kwargs)

    assert gradcheck(function, (x1, x2))
    assert gradgradcheck(function, (x1, x2))
    _check_jvp(function, (x1, x2))
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b, dim=-1), (x1, _double(4, seed=2)))


def test_zero_vectors_give_zero_and_finite_gradients():
    zero = minigrad.zeros(2, 3, dtype=minigrad.float64, requires_grad=True)
    assert np.array_equal(F.normalize(zero).detach().numpy(), np.zeros((2, 3)))
    F.normalize(zero).sum().backward()
    assert np.array_equal(zero.grad.numpy(), np.full((2, 3), 1e12))  # 1 / eps: the norm's path is clamped off
    zero.grad = None
    similarity = F.cosine_similarity(zero, minigrad.ones(2, 3, dtype=minigrad.float64))
    assert np.array_equal(similarity.detach().numpy(), np.zeros(2))
    similarity.sum().backward()
    assert np.isfinite(zero.grad.numpy()).all()
