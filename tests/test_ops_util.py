"""The array helpers the ops share (minigrad/ops/_util.py), where they take shortcuts."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as torch
from minigrad.ops._util import reduce_along

pytestmark = pytest.mark.host_only  # the shortcut is for NumPy arrays; other arrays take the method


@pytest.mark.parametrize("shape, axis", [((1000, 3), 1), ((3, 1000), 0), ((200, 7), 1), ((10, 70, 5), 2),
                                         ((10, 2, 70), 1), ((100, 8), 1), ((4, 3), 1), ((), 0)])
@pytest.mark.parametrize("how", ["max", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reduce_along_equals_numpys_own_reduction(shape, axis, how, dtype):
    """Combining the slices of a short axis gives NumPy's result bit for bit, NaN and infinities included."""
    array = np.random.default_rng(0).standard_normal(shape).astype(dtype) * 100
    if array.size > 20:
        array.reshape(-1)[[3, 17]] = np.nan
        array.reshape(-1)[[5, 11]] = np.inf
        array.reshape(-1)[9] = -np.inf
    with np.errstate(invalid="ignore"):  # inf + -inf
        expected = getattr(array, how)(axis=axis, keepdims=True)
        result = reduce_along(array, axis, how)
    assert result.dtype == expected.dtype and result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def test_reduce_along_does_not_change_its_input():
    array = np.random.default_rng(1).standard_normal((500, 4)).astype(np.float32)
    copy = array.copy()
    reduce_along(array, 1, "sum")
    np.testing.assert_array_equal(array, copy)


def test_log_softmax_over_many_short_rows_matches_the_formula():
    """log_softmax and its gradient on 1000 rows of 3 classes (the shortcut's case) against float64 math."""
    logits = np.random.default_rng(2).standard_normal((1000, 3)).astype(np.float32) * 10
    x = torch.tensor(logits, requires_grad=True)
    out = torch.log_softmax(x, dim=1)
    weights = np.random.default_rng(3).standard_normal((1000, 3)).astype(np.float32)
    (out * torch.tensor(weights)).sum().backward()
    wide = logits.astype(np.float64)
    expected = wide - wide.max(1, keepdims=True) - np.log(np.exp(wide - wide.max(1, keepdims=True)).sum(1, keepdims=True))
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    softmax = np.exp(expected)
    expected_grad = weights - softmax * weights.sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), expected_grad, rtol=1e-4, atol=1e-5)
