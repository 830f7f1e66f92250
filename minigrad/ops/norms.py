"""Norms: ``linalg.vector_norm`` as one op (PyTorch's ``LinalgVectorNormBackward0``), and the functions built
on it as PyTorch builds them: ``torch.norm`` / ``Tensor.norm``, ``linalg.norm`` and ``linalg.matrix_norm``.

``VectorNorm`` computes ``(sum |x|^p)^(1/p)`` over ``axes`` for any real ``p``, with PyTorch's special cases:
p = 0 counts the non-zero entries, p = inf / -inf is the largest / smallest ``|x|``. Its backward rule is
PyTorch's ``linalg_vector_norm_backward``, written once (arrays while nothing records, tensors under
``create_graph``); where the norm is 0 the gradient is 0, not the 0/0 of the formula.
"""
from __future__ import annotations

from numbers import Number

from .. import _dtype
from ..autograd.function import Function
from ..backend import namespace_of
from ._util import Tensor, namespace_for
from .reductions import _dtype_title, _unsqueeze_all, normalize_dims

INF = float("inf")


class VectorNorm(Function):
    """``||x||_ord`` over ``axes`` (a tuple of non-negative axes), size-1 axes kept when ``keepdim``; the input
    is first converted to ``dtype`` (a NumPy dtype) when one is given."""

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, input, ord, axes, keepdim=True, dtype=None):
        ctx.ord, ctx.axes, ctx.keepdim, ctx.dtype = ord, axes, keepdim, dtype
        ctx.save_for_backward(input)
        array = input._array if dtype is None else input._array.astype(dtype, copy=False)
        return _norm_array(array, ord, axes, keepdim)

    @staticmethod
    def _slope(ctx, input):
        """d norm / d x in the input's shape (0 where the norm is 0), for an array or a tensor."""
        ord, axes = ctx.ord, ctx.axes
        xp = namespace_for(input)
        if ord == 0:
            return xp.zeros_like(input)
        if ord == 1:
            return xp.sign(input)
        norm = _vector_norm(input, ord, axes, ctx.dtype)
        if ord == INF or ord == -INF:  # the extreme entries share the gradient, as amax's ties do
            extreme = xp.abs(input) == norm
            return xp.sign(input) * extreme / extreme.sum(axis=axes, keepdims=True)
        if ord == 2:
            return input / xp.where(norm == 0, 1.0, norm)  # 0 / 1 where the whole vector is 0
        if ord < 1:  # |x|^(ord-1) is infinite at 0; PyTorch masks those entries to 0
            zero = input == 0
            power = xp.where(zero, 0.0, xp.where(zero, 1.0, xp.abs(input)) ** (ord - 1))
            return xp.sign(input) * power * norm ** (1 - ord)
        scale = xp.where(norm == 0, 0.0, 1.0 / xp.where(norm == 0, 1.0, norm) ** (ord - 1))
        return xp.sign(input) * xp.abs(input) ** (ord - 1) * scale

    @staticmethod
    def backward(ctx, grad):
        input, = ctx.saved_tensors
        if ctx.ord == 0:  # a count: no gradient at all (PyTorch sends none, so x.grad stays None)
            return None, None, None, None, None
        if not ctx.keepdim:
            grad = _unsqueeze_all(grad, ctx.axes)
        return grad * VectorNorm._slope(ctx, input), None, None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        input, = ctx.saved_tensors
        return (tangent * VectorNorm._slope(ctx, input)).sum(ctx.axes, keepdim=ctx.keepdim)


def _norm_array(x, ord, axes, keepdim=True):
    """VectorNorm's forward on an array."""
    xp = namespace_of(x)
    magnitude = xp.abs(x)
    if ord == INF:
        norm = magnitude.max(axis=axes, keepdims=keepdim)
    elif ord == -INF:
        norm = magnitude.min(axis=axes, keepdims=keepdim)
    elif ord == 0:
        norm = (x != 0).sum(axis=axes, keepdims=keepdim)
    elif ord == 1:
        norm = magnitude.sum(axis=axes, keepdims=keepdim)
    elif ord == 2:
        norm = xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
    else:
        norm = ((magnitude ** ord).sum(axis=axes, keepdims=keepdim)) ** (1.0 / ord)
    return norm.astype(x.dtype, copy=False)


def _vector_norm(x, ord, axes, dtype=None):
    """The norm (size-1 axes kept) of an array (forward's arithmetic) or of a tensor (the recorded
    ``VectorNorm``, so that the slope in backward can be differentiated again): the rule's one question about
    what it holds."""
    if not isinstance(x, Tensor):
        return _norm_array(x if dtype is None else x.astype(dtype, copy=False), ord, axes)
    return VectorNorm.apply(x, ord, axes, True, dtype)


# ------------------------------------------------------------------------------------------ the functions
def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.linalg.vector_norm``: the ``ord``-norm of ``input`` seen as one vector (``dim=None``) or of
    each vector along ``dim`` (an int or a tuple of ints). ``dtype`` (floating) converts the input first."""
    if out is not None:
        raise NotImplementedError("minigrad's linalg.vector_norm has no out argument")
    if not isinstance(ord, Number) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
                        f"{type(ord).__name__}")
    array = input._array
    if array.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_dtype_title(array)}")
    numpy_dtype = _checked_dtype(array, dtype)
    axes = _axes(dim, array.ndim)
    if abs(ord) == INF and array.size == 0:
        _empty_extreme_error(array, axes, dim)
    return VectorNorm.apply(input, float(ord), axes, keepdim, numpy_dtype)


def _axes(dim, ndim: int) -> tuple:
    """``dim`` as sorted non-negative axes: None and an empty tuple or list mean every axis, as in PyTorch."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = normalize_dims(dims, ndim)
    if ndim and len(axes) != len(dims):
        wrapped = [d % ndim for d in dims]
        repeated = next(d for d in wrapped if wrapped.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return axes


def _checked_dtype(array, dtype):
    """The NumPy dtype to compute in, or None; PyTorch's errors for an integer or a narrowing dtype."""
    if dtype is None:
        return None
    dtype = _dtype.canonical(dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                           f"{_title(dtype)}")
    if dtype.itemsize < array.dtype.itemsize:
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({_title(_dtype.from_numpy_dtype(array.dtype))}) "
                           f"should be convertible without narrowing to the specified dtype ({_title(dtype)})")
    return dtype.numpy


def _title(dtype) -> str:
    """PyTorch's scalar-type name, as in its messages: Float, Double, Half, Long, ..."""
    return dtype._short_tensor_name[:-len("Tensor")]


def _empty_extreme_error(array, axes, dim):
    if dim is None or dim == () or dim == []:
        raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
                           "operation does not have an identity")
    for axis in axes:
        if array.shape[axis] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the dimension {axis}because "
                               "this dimension is empty and the operation does not have an identity")


def matrix_norm(input, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """``torch.linalg.matrix_norm``: 'fro' is the 2-norm of each matrix's entries; 1 / -1 (inf / -inf) the
    largest / smallest column (row) sum of ``|x|``, as PyTorch composes them. 2, -2 and 'nuc' need singular
    values, which minigrad does not compute."""
    if input.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    if ord == "fro":
        return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
    if ord in (1, -1, INF, -INF):  # PyTorch's composition: sums of |x| along one dim, then amax / amin
        rank = input.dim()
        summed, extreme = (d % rank for d in (dim if abs(ord) == 1 else dim[::-1]))
        if not keepdim and summed < extreme:
            extreme -= 1  # the summed dim is gone already
        sums = vector_norm(input, 1, summed, keepdim, dtype=dtype, out=out)
        return sums.amax(extreme, keepdim) if ord > 0 else sums.amin(extreme, keepdim)
    raise NotImplementedError(f"minigrad's linalg.matrix_norm has no ord={ord!r} (it needs singular values)")


def linalg_norm(input, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.linalg.norm``: a vector norm for one dim (or everything when neither ``ord`` nor ``dim`` is
    given), a matrix norm for two dims or a 2-D input with ``ord`` given."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2 or isinstance(ord, str):  # 'fro' and 'nuc' are matrix norms (one dim: an error)
            return matrix_norm(input, "fro" if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
        return vector_norm(input, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(input, 2, None, keepdim, dtype=dtype, out=out)
    if input.dim() == 2:
        return matrix_norm(input, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    if input.dim() != 1:
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {input.dim()}D.")
    return vector_norm(input, ord, None, keepdim, dtype=dtype, out=out)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm`` / ``Tensor.norm``, as PyTorch's ``torch/functional.py`` routes it: a number (or None,
    meaning 2) and 'fro' over at most two dims are ``vector_norm``; 'nuc' and the rest are matrix norms."""
    dims = (dim,) if isinstance(dim, int) else dim
    if isinstance(p, str):
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype, out=out)
        return matrix_norm(input, p, tuple(range(input.dim())) if dims is None else dims, keepdim, dtype=dtype,
                           out=out)
    return vector_norm(input, 2.0 if p is None else p, dims, keepdim, dtype=dtype, out=out)
