"""NumPy's names for minigrad's tensor operations: the namespace a backward rule gets for tensors.

A built-in backward rule is written once. While a backward pass records nothing it runs on arrays, and
``namespace_for(grad)`` hands it NumPy (or CuPy); under ``create_graph=True`` it runs on tensors, and the same
call hands it this module, whose functions record their operations like any tensor op. So

    xp = namespace_for(grad)
    return grad * xp.cos(x)

is ``grad * np.cos(x)`` on arrays and ``grad * x.cos()`` on tensors, and second derivatives fall out.
The idea is HIPS autograd's wrapped ``autograd.numpy`` and JAX's ``jax.numpy``. Only what the rules need is
here, each one line over a tensor method.
"""
from __future__ import annotations


def exp(x):
    return x.exp()


def expm1(x):
    return x.expm1()


def log(x):
    return x.log()


def log1p(x):
    return x.log1p()


def sqrt(x):
    return x.sqrt()


def sin(x):
    return x.sin()


def cos(x):
    return x.cos()


def tanh(x):
    return x.tanh()


def sign(x):
    return x.sign()


def abs(x):  # noqa: A001  (NumPy's name)
    return x.abs()


def floor(x):
    return x.floor()


def maximum(x, y):
    return x.clamp(min=y) if not hasattr(y, "_array") else x.maximum(y)


def minimum(x, y):
    return x.clamp(max=y) if not hasattr(y, "_array") else x.minimum(y)


def where(condition, x, y):
    from .elementwise import where as tensor_where

    return tensor_where(condition, x, y)


def zeros_like(x, shape=None):
    return x.new_zeros(x.shape if shape is None else tuple(shape))


def broadcast_to(x, shape):
    return x.expand(tuple(shape))


def expand_dims(x, axis):
    return x.unsqueeze(axis)


def reshape(x, shape):
    return x.reshape(tuple(shape))


def swapaxes(x, axis1, axis2):
    return x.transpose(axis1, axis2)


def matmul(x, y):
    return x @ y


def sum(x, axis=None, keepdims=False):  # noqa: A001  (NumPy's name)
    return x.sum() if axis is None and not keepdims else x.sum(dim=axis, keepdim=keepdims)


def astype(x, dtype):
    """``x`` converted to a dtype given as a NumPy dtype (what an array rule has at hand) or a minigrad one."""
    from .. import _dtype

    return x.to(_dtype.from_numpy_dtype(dtype) if not isinstance(dtype, _dtype.dtype) else dtype)


def floor_divide(x, y):
    return x.div(y, rounding_mode="floor")


# --- reductions and nn
def mean(a, axis=None, keepdims=False):
    return a.mean(axis=axis, keepdims=keepdims)


def prod(a, axis=None, keepdims=False):
    return a.prod(axis=axis, keepdims=keepdims)


def amax(a, axis=None, keepdims=False):
    return a.amax(axis=axis, keepdims=keepdims)


def cumsum(a, axis):
    return a.cumsum(axis=axis)


def cumprod(a, axis):
    return a.cumprod(axis=axis)


def take_along_axis(arr, indices, axis):
    return arr.gather(axis, indices)


# --- movement (ops/movement.py's rules)
def squeeze(a, axis=None):
    return a.squeeze() if axis is None else a.squeeze(axis)


def transpose(a, axes=None):
    return a.permute(tuple(range(a.ndim))[::-1] if axes is None else tuple(axes))


def concatenate(arrays, axis=0):
    from .movement import Cat

    return Cat.apply(axis, *arrays)


def stack(arrays, axis=0):
    from .movement import Stack

    return Stack.apply(axis, *arrays)


def flip(m, axis=None):
    return m.flip(tuple(range(m.ndim)) if axis is None else axis)


def roll(a, shift, axis=None):
    return a.roll(shift, axis)


def tril(m, k=0):
    return m.tril(k)


def triu(m, k=0):
    return m.triu(k)


def take(a, indices, axis=None):
    return a.reshape(-1).index_select(0, indices) if axis is None else a.index_select(axis, indices)


def copy(a):
    return a.clone()
