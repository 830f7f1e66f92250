"""The backend's quicker ``broadcast_to`` (numpy_backend.broadcast_view) makes exactly NumPy's view.

Expand's forward and the backward of sum and mean take it on every step; NumPy's own function is the plain
path it must agree with: same values, shape, strides, memory, read-only flag, and the same errors.
"""
import numpy as np
import pytest

import minigrad
from minigrad.backend import NUMPY_BACKEND, broadcast_to
from minigrad.backend.numpy_backend import broadcast_view


def _sources():
    """Arrays of every layout a tensor's array can have."""
    rng = np.random.default_rng(0)
    block = rng.standard_normal((4, 6)).astype(np.float32)
    yield "0-d", np.array(2.5, dtype=np.float32)
    yield "1x1", block[:1, :1].copy()
    yield "row", block[:1].copy()
    yield "column", block[:, :1].copy()
    yield "vector", block[0].copy()
    yield "float64", block.astype(np.float64)
    yield "int64", np.arange(6).reshape(2, 3, 1)
    yield "bool", block[:1] > 0
    yield "empty", np.zeros((0, 1), dtype=np.float32)
    yield "offset view", block[2:3]  # contiguous, but starts inside a larger block
    yield "transposed", block.T[:, :1]  # not contiguous: NumPy's path
    yield "strided", block[:, ::2][:1]
    yield "reversed", block[::-1][:1]
    readonly = block[:1].copy()
    readonly.flags.writeable = False
    yield "read-only", readonly
    yield "already broadcast", np.broadcast_to(block[:1], (3, 6))


def _targets(shape):
    """Shapes ``shape`` broadcasts to: itself, more leading axes, size-1 axes repeated, zero sizes."""
    grown = tuple(5 if n == 1 else n for n in shape)
    return [shape, (2,) + shape, (3, 1) + shape, grown, (2,) + grown, (0,) + shape]


CASES = [(name, array, target) for name, array in _sources() for target in _targets(array.shape)]


@pytest.mark.parametrize("name,array,target", CASES, ids=[f"{c[0]}->{c[2]}" for c in CASES])
def test_same_view_as_numpy(name, array, target):
    expected = np.broadcast_to(array, target)
    got = broadcast_view(array, tuple(target))
    assert type(got) is np.ndarray
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert got.strides == expected.strides
    np.testing.assert_array_equal(got, expected)
    assert not got.flags.writeable  # written through only where minigrad asks on purpose (backend.writable)
    if expected.size:
        assert np.shares_memory(got, array)  # a view, never a copy


@pytest.mark.parametrize("name,array,target", CASES[:12], ids=[f"{c[0]}->{c[2]}" for c in CASES[:12]])
def test_writable_again_as_numpy_view(name, array, target):
    """An expanded tensor written in place: the backend reopens the view for writing as it does NumPy's."""
    ours = NUMPY_BACKEND.writable(broadcast_view(array, tuple(target)))
    numpys = NUMPY_BACKEND.writable(np.broadcast_to(array, target))
    assert (ours is None) == (numpys is None)


@pytest.mark.parametrize("shape,target", [((2, 3), (3, 3)), ((2, 3), (3,)), ((3,), (2, 4)), ((2, 1), (2, -1)),
                                          ((1,), (-1,))])
def test_impossible_shapes_raise_numpys_error(shape, target):
    array = np.zeros(shape, dtype=np.float32)
    with pytest.raises(ValueError) as numpys:
        np.broadcast_to(array, target)
    with pytest.raises(ValueError) as ours:
        broadcast_view(array, tuple(target))
    assert str(ours.value) == str(numpys.value)


def test_entry_point_takes_lists_and_other_arrays():
    array = np.ones((1, 2), dtype=np.float32)
    assert broadcast_to(array, [3, 2]).shape == (3, 2)
    scalar = np.float32(1.5)  # a NumPy scalar left by a reduction: NumPy's path
    assert broadcast_to(np.asarray(scalar), (2,)).tolist() == [1.5, 1.5]


def test_expand_and_sum_backward_use_it_and_stay_views():
    x = minigrad.tensor([[1.0, 2.0]], requires_grad=True)
    y = x.expand(3, 2)
    assert np.shares_memory(y._array, x._array) and not y._array.flags.writeable
    (y * minigrad.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    assert x.grad.tolist() == [[6.0, 6.0]]
