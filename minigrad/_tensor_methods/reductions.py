"""Reductions of ``Tensor``: ``sum``, ``mean``, ``max``, ``sort``, ``var``, ``all``, ... and the scans ``cumsum``/``cumprod``.

Like PyTorch they also take NumPy's spelling of their arguments, ``axis`` for ``dim`` and ``keepdims`` for
``keepdim`` (``x.sum(axis=0, keepdims=True)``, as d2l.ai writes it); naming one argument both ways is an error.
"""
from __future__ import annotations

from .. import _dtype, _tensor
from ..backend import namespace_of

# Bound by minigrad._tensor_methods.bind once both exist: ops imports Tensor at import time, and Tensor's class
# statement needs this mixin first, so neither can be imported here.
Tensor = ops = None


class ReductionMethods:
    __slots__ = ()

    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("sum", dim, keepdim, axis, keepdims)
        numpy_dtype = None if dtype is None else _dtype.canonical(dtype).numpy
        if dim is None:
            return ops.Sum.apply(self, None, False, numpy_dtype)
        return ops.SumDim.apply(self, dim, keepdim, numpy_dtype)

    def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("mean", dim, keepdim, axis, keepdims)
        numpy_dtype = None if dtype is None else _dtype.canonical(dtype).numpy
        if dim is None:
            return ops.Mean.apply(self, None, False, numpy_dtype)
        return ops.MeanDim.apply(self, dim, keepdim, numpy_dtype)

    def prod(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("prod", dim, keepdim, axis, keepdims)
        numpy_dtype = None if dtype is None else _dtype.canonical(dtype).numpy
        if dim is None:
            return ops.reductions.Prod.apply(self, None, False, numpy_dtype)
        if not isinstance(dim, int):  # PyTorch's prod takes one dim only
            raise TypeError("prod(): argument 'dim' must be int, not " + type(dim).__name__)
        return ops.reductions.ProdDim.apply(self, dim, keepdim, numpy_dtype)

    def cumsum(self, dim=None, dtype=None, *, axis=None):
        dim = required_dim("cumsum", dim, axis)
        return ops.reductions.Cumsum.apply(self, dim, None if dtype is None else _dtype.canonical(dtype).numpy)

    def cumprod(self, dim=None, dtype=None, *, axis=None):
        dim = required_dim("cumprod", dim, axis)
        return ops.reductions.Cumprod.apply(self, dim, None if dtype is None else _dtype.canonical(dtype).numpy)

    def amax(self, dim=(), keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("amax", dim, keepdim, axis, keepdims, unset_dim=())
        return ops.reductions.Amax.apply(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("amin", dim, keepdim, axis, keepdims, unset_dim=())
        return ops.reductions.Amin.apply(self, dim, keepdim)

    def sum_to_size(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        if tuple(self.shape) == tuple(shape):
            return self
        return ops.SumToSize.apply(self, shape)

    def max(self, dim=None, keepdim=False, other=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("max", dim, keepdim, axis, keepdims)
        return _max_or_min(self, dim, keepdim, other, ops.MaxAll, ops.MaxDim, _MaxResult)

    def min(self, dim=None, keepdim=False, other=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("min", dim, keepdim, axis, keepdims)
        return _max_or_min(self, dim, keepdim, other, ops.MinAll, ops.MinDim, _MinResult)

    def sort(self, dim=-1, descending=False, *, stable=False, axis=None):
        dim = dim_or_axis("sort", dim, axis, unset_dim=-1)
        # minigrad always sorts stably; stable=True only changes the node's name, as in PyTorch
        return _SortResult((ops.reductions.SortStable if stable else ops.reductions.Sort).apply(self, dim, descending))

    def argsort(self, dim=-1, descending=False, *, stable=False, axis=None):
        dim = dim_or_axis("argsort", dim, axis, unset_dim=-1)
        return ops.reductions.Sort.apply(self.detach(), dim, descending)[1]

    def topk(self, k, dim=-1, largest=True, sorted=True, *, axis=None):
        dim = dim_or_axis("topk", dim, axis, unset_dim=-1)
        # the k come back in sorted order even with sorted=False (PyTorch leaves that order unspecified)
        return _TopkResult(ops.reductions.Topk.apply(self, k, dim, largest))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("argmax", dim, keepdim, axis, keepdims)
        return _arg_extreme(self, dim, keepdim, "argmax")

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("argmin", dim, keepdim, axis, keepdims)
        return _arg_extreme(self, dim, keepdim, "argmin")

    def var(self, dim=None, unbiased=True, keepdim=False, correction=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("var", dim, keepdim, axis, keepdims)
        return ops.Var.apply(self, dim, (1 if unbiased else 0) if correction is None else correction, keepdim)

    def std(self, dim=None, unbiased=True, keepdim=False, correction=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("std", dim, keepdim, axis, keepdims)
        return ops.Std.apply(self, dim, (1 if unbiased else 0) if correction is None else correction, keepdim)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("logsumexp", dim, keepdim, axis, keepdims)
        return ops.LogSumExp.apply(self, required_dim("logsumexp", dim, None), keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return ops.norms.norm(self, p, dim, keepdim, dtype=dtype)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("all", dim, keepdim, axis, keepdims)
        return _any_or_all(self, dim, keepdim, "all")

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = numpy_names("any", dim, keepdim, axis, keepdims)
        return _any_or_all(self, dim, keepdim, "any")


# ------------------------------------------------------------------ NumPy's spelling of dim and keepdim
def dim_or_axis(name, dim, axis, unset_dim=None):
    """``dim``, or NumPy's ``axis`` when that is what was given; both at once is PyTorch's TypeError.
    ``unset_dim`` is the method's default for ``dim``."""
    if axis is None:
        return dim
    if dim is not unset_dim and dim != unset_dim:
        raise TypeError(f"{name}() got an unexpected keyword argument 'axis'")
    return axis


def numpy_names(name, dim, keepdim, axis, keepdims, unset_dim=None):
    """``(dim, keepdim)`` from PyTorch's names or NumPy's (``axis``, ``keepdims``), never both for one argument."""
    dim = dim_or_axis(name, dim, axis, unset_dim)
    if keepdims is None:
        return dim, keepdim
    if keepdim:
        raise TypeError(f"{name}() got an unexpected keyword argument 'keepdims'")
    return dim, keepdims


def required_dim(name, dim, axis):
    """``dim`` (or NumPy's ``axis``) where PyTorch requires one, with its error when neither is given."""
    dim = dim_or_axis(name, dim, axis)
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    return dim


# ------------------------------------------------------------------ helpers and result types
class _ValuesIndices(tuple):
    """``(values, indices)`` as returned by ``max(dim)``; also readable as ``.values`` / ``.indices``."""

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


class _MaxResult(_ValuesIndices):
    _name = "max"


class _MinResult(_ValuesIndices):
    _name = "min"


class _SortResult(_ValuesIndices):
    _name = "sort"


class _TopkResult(_ValuesIndices):
    _name = "topk"


def _max_or_min(self, dim, keepdim, other, all_op, dim_op, result_type):
    if isinstance(dim, Tensor):  # torch.max(a, b) is the element-wise maximum
        other, dim = dim, None
    if other is not None:
        return (ops.Maximum if all_op is ops.MaxAll else ops.Minimum).apply(self, other)
    if dim is None:
        return all_op.apply(self)
    return result_type(dim_op.apply(self, dim, keepdim))


def _arg_extreme(tensor, dim, keepdim, which):
    """``argmax``/``argmin``: int64 indices, no gradient."""
    array = tensor._array
    xp = namespace_of(array)
    if dim is None:
        return Tensor._make(xp.asarray(getattr(xp, which)(array)).astype("int64"), False, None, 0)
    axis = _tensor._wrap_dim(dim, array.ndim)
    return Tensor._make(getattr(xp, which)(array, axis=axis, keepdims=keepdim).astype("int64"), False, None, 0)


def _any_or_all(tensor, dim, keepdim, which):
    """No gradient; bool results, except uint8 in, uint8 out (as PyTorch)."""
    array = tensor._array
    if dim is None:
        out = getattr(namespace_of(array), which)(array)
    else:
        dims = ops.reductions.normalize_dims(dim, array.ndim)
        out = getattr(namespace_of(array), which)(array, axis=dims, keepdims=keepdim)
    if array.dtype.kind == "u" and array.dtype.itemsize == 1:
        out = out.astype("uint8")
    return Tensor._make(out, False, None, 0)
