"""Scatters: ``x.scatter(dim, index, src)``, ``scatter_add``, ``scatter_reduce`` (sum, prod, mean, amax, amin).

``out = x.scatter(dim, index, src)`` writes ``src[i][j]`` into ``out[index[i][j]][j]`` (for ``dim=0``; likewise
along any dim): ``index`` says, for each of its positions, which slot along ``dim`` receives the ``src`` value at
that position. ``index`` may be smaller than ``x`` and ``src`` in every dim; only its positions take part. The
reducing forms combine the values that land on the same slot (and, with ``include_self``, the slot's own value).

Forward runs on arrays. Backward rules are written once (``minigrad/autograd/function.py``): what they need
beyond shared operators is reading ``grad`` at the scattered positions (``_take``: a slice, then NumPy's
``take_along_axis``) and the scatter itself, which has no functional NumPy form: ``scatter_values`` dispatches
once on tensor vs array, as ``reductions.scatter_along_axis`` does.
"""
from __future__ import annotations

import warnings

from ..autograd.function import Function
from ..backend import namespace_of
from ._util import Tensor, namespace_for
from .elementwise import _NoDerivative, _link_only_inputs_needing_grad
from .reductions import normalize_dims

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


# ------------------------------------------------------------------------------------------ checks and helpers
def check_scatter(name, array, dim, index, src=None) -> int:
    """PyTorch's checks of a scatter's (or gather's) arguments, in its words; returns the axis."""
    index_array = index._array if isinstance(index, Tensor) else None
    if index_array is None:
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index_array.dtype.kind not in "iu" or index_array.dtype.itemsize < 4:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    (axis,) = normalize_dims(dim, array.ndim)
    if index_array.ndim != max(array.ndim, 1) and index_array.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    src_shape = getattr(src, "shape", None)
    if src_shape is not None:
        if src.dtype != array.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        too_large = any(n > m for n, m in zip(index_array.shape, src_shape)) or any(
            n > m for d, (n, m) in enumerate(zip(index_array.shape, array.shape)) if d != axis)
        if too_large:
            raise RuntimeError(f"Expected index {list(index_array.shape)} to be no larger than self "
                               f"{list(array.shape)} apart from dimension {axis} and to be no larger size than src "
                               f"{list(src_shape)}")
    check_index_bounds(index_array, axis, array.shape[axis] if array.ndim else 1)
    return axis


def check_index_bounds(index_array, axis, size) -> None:
    """PyTorch's error for the first index (in row-major order) outside ``0 .. size - 1``."""
    flat = index_array.reshape(-1)
    outside = (flat >= size) | (flat < 0)
    if outside.any():
        raise RuntimeError(f"index {int(flat[outside][0])} is out of bounds for dimension {axis} with size {size}")


def _leading(value, shape, skip_axis=None):
    """``value[:shape[0], :shape[1], ...]``: the part of ``value`` an index of ``shape`` covers."""
    return value[tuple(slice(None) if d == skip_axis else slice(0, n) for d, n in enumerate(shape))]


def _take(values, index, axis):
    """``values`` read at ``index`` along ``axis`` (gather), for arrays and tensors alike."""
    return namespace_for(values).take_along_axis(_leading(values, index.shape, axis), index, axis=axis)


def _pad_to(grad, shape):
    """``grad`` (the size of an index) with zeros after it up to ``shape`` (a ``src`` larger than the index)."""
    xp = namespace_for(grad)
    for d, size in enumerate(shape):
        if grad.shape[d] < size:
            block = tuple(size - n if i == d else n for i, n in enumerate(grad.shape))
            grad = xp.concatenate([grad, xp.zeros_like(grad, shape=block)], axis=d)
    return grad


def _flat_slots(xp, index, axis, shape):
    """For every position of ``index``, the flat position in an array of ``shape`` that it scatters to."""
    grids = list(xp.meshgrid(*[xp.arange(n) for n in index.shape], indexing="ij"))
    grids[axis] = index
    flat = 0
    for size, grid in zip(shape, grids):  # row-major: ((i0 * n1 + i1) * n2 + i2) ...
        flat = flat * size + grid.reshape(-1)
    return flat


def _by_rank(xp, slots):
    """Positions grouped so that no slot repeats within a group: NumPy's fancy assignment keeps only one of
    repeated slots, so a reduction assigns group by group (as many groups as the most repeated slot)."""
    order = xp.argsort(slots, kind="stable")
    sorted_slots = slots[order]
    starts = xp.ones(sorted_slots.shape, dtype=bool)
    starts[1:] = sorted_slots[1:] != sorted_slots[:-1]
    first = xp.nonzero(starts)[0]
    rank = xp.arange(sorted_slots.size) - first[xp.cumsum(starts) - 1]
    return [order[rank == r] for r in range(int(rank.max()) + 1 if rank.size else 0)]


_COMBINE = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def scatter_reduce_array(array, axis, index, src, how, include_self=True):
    """The forward of every scatter on arrays: ``how`` is None (plain scatter: a slot takes one of its
    values) or one of ``REDUCTIONS``. Also returns the count of values per slot (for mean and its gradient)."""
    xp = namespace_of(array)
    shape = array.shape if array.ndim else (1,)
    out = array.reshape(shape).copy().reshape(-1)
    slots = _flat_slots(xp, index.reshape(index.shape or (1,)), axis, shape)
    if isinstance(src, (int, float, bool)):  # scatter(dim, index, value)
        values = xp.full(index.shape, src, dtype=array.dtype).reshape(-1)
    else:
        values = _leading(src, index.shape).astype(array.dtype).reshape(-1)
    if how is None:
        out[slots] = values
        return out.reshape(array.shape), None
    touched = xp.zeros(out.shape, dtype=bool)
    touched[slots] = True
    if not include_self:  # a slot that receives values starts from the reduction's identity
        out[touched] = {"sum": 0, "mean": 0, "prod": 1, "amax": -xp.inf, "amin": xp.inf}[how] \
            if array.dtype.kind == "f" else {"prod": 1, "amax": xp.iinfo(array.dtype).min,
                                               "amin": xp.iinfo(array.dtype).max}.get(how, 0)
    counts = xp.zeros(out.shape, dtype=array.dtype) + (1 if include_self else 0)
    combine = getattr(xp, _COMBINE[how])
    for group in _by_rank(xp, slots):
        out[slots[group]] = combine(out[slots[group]], values[group])
        counts[slots[group]] += 1
    if how == "mean":
        counts = xp.where(counts == 0, 1, counts)
        out = out / counts if array.dtype.kind == "f" else out // counts
    return out.reshape(array.shape).astype(array.dtype), counts.reshape(array.shape)


def scatter_values(target, index, axis, values):
    """``target`` with ``values`` (a tensor/array of the index's size, or a number) written at ``index`` along
    ``axis``, for arrays and tensors alike: a backward rule's ``grad.scatter(dim, index, 0)``."""
    if isinstance(target, Tensor):
        if isinstance(values, Tensor):
            return Scatter.apply(target, axis, index, values)
        return ScatterValue.apply(target, axis, index, values)
    return scatter_reduce_array(target, axis, index, values, None)[0]


# ------------------------------------------------------------------------------------------ the ops
def _scatter_forward(ctx, name, a, dim, index, source, how):
    """The forward of scatter and scatter_add: check, note what backward needs, scatter on arrays."""
    array, source = a._array, getattr(source, "_array", source)
    ctx.axis = check_scatter(name, array, dim, index, source)
    ctx.src_shape = getattr(source, "shape", None)
    ctx.save_for_backward(index)
    return scatter_reduce_array(array, ctx.axis, index._array, source, how)[0]


class Scatter(Function):
    """``x.scatter(dim, index, src)``: ``x`` with ``src``'s values written at ``index`` along ``dim``."""

    node_name = "ScatterBackward0"
    saved_names = {"dim": "axis", "index": 0}
    nondifferentiable_args = (2,)  # the index

    @staticmethod
    def forward(ctx, a, dim, index, src):
        return _scatter_forward(ctx, "scatter", a, dim, index, src, None)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        needs_self, _, _, needs_src = ctx.needs_input_grad
        return (scatter_values(grad, index, ctx.axis, 0.0) if needs_self else None, None, None,
                _pad_to(_take(grad, index, ctx.axis), ctx.src_shape) if needs_src else None)

    @staticmethod
    def jvp(ctx, tangent, _, __, tangent_src):
        index, = ctx.saved_tensors
        tangent, tangent_src = _tangents_or_zeros(ctx, tangent, tangent_src)
        return Scatter.apply(tangent, ctx.axis, index, tangent_src)


class ScatterValue(Function):
    """``x.scatter(dim, index, value)`` with a number: ``value`` written at ``index`` along ``dim``."""

    node_name = "ScatterBackward1"
    saved_names = {"dim": "axis", "index": 0}
    nondifferentiable_args = (2,)

    @staticmethod
    def forward(ctx, a, dim, index, value):
        return _scatter_forward(ctx, "scatter", a, dim, index, value, None)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return scatter_values(grad, index, ctx.axis, 0.0), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        index, = ctx.saved_tensors
        return ScatterValue.apply(tangent, ctx.axis, index, 0.0)


class ScatterAdd(Function):
    """``x.scatter_add(dim, index, src)``: ``src``'s values added at ``index`` along ``dim`` (repeats add up)."""

    node_name = "ScatterAddBackward0"
    saved_names = {"dim": "axis", "index": 0}
    nondifferentiable_args = (2,)

    @staticmethod
    def forward(ctx, a, dim, index, src):
        return _scatter_forward(ctx, "scatter_add", a, dim, index, src, "sum")

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return grad, None, None, _pad_to(_take(grad, index, ctx.axis), ctx.src_shape)

    @staticmethod
    def jvp(ctx, tangent, _, __, tangent_src):
        index, = ctx.saved_tensors
        tangent, tangent_src = _tangents_or_zeros(ctx, tangent, tangent_src)
        return ScatterAdd.apply(tangent, ctx.axis, index, tangent_src)


class ScatterReduce(Function):
    """``x.scatter_reduce(dim, index, src, reduce, include_self=True)``.

    Gradients: ``sum`` passes the gradient to every value combined (to ``x``'s own only where it took part:
    everywhere with ``include_self``, else only in the slots that received nothing); ``mean`` divides it by each
    slot's count; ``prod`` multiplies it by the product of the other factors (``result / factor``: the factors
    must be non-zero); ``amax``/``amin`` share it evenly among the values equal to the result, as PyTorch does.
    Except for ``prod`` these weights are piecewise constant, so forward computes them once, on arrays."""

    node_name = "ScatterReduceBackward0"
    nondifferentiable_args = (2,)

    @staticmethod
    def forward(ctx, a, dim, index, src, reduce, include_self=True):
        array, index_array = a._array, index._array
        if reduce not in REDUCTIONS:
            raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got " + str(reduce))
        axis = check_scatter("scatter_reduce", array, dim, index, src._array)
        out, counts = scatter_reduce_array(array, axis, index_array, src._array, reduce, include_self)
        if any(ctx.needs_input_grad):
            ctx.axis, ctx.reduce, ctx.src_shape = axis, reduce, src._array.shape
            xp = namespace_of(array)
            source = _leading(src._array, index_array.shape)
            own = xp.ones_like(array) if include_self else scatter_values(xp.ones_like(array), index_array, axis, 0)
            if reduce == "prod":
                ctx.save_for_backward(a, index, src, out, own, None)
            else:
                self_weight, src_weight = _weights(xp, array, axis, index_array, source, out, counts, own, reduce)
                ctx.save_for_backward(None, index, None, None, self_weight, src_weight)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, index, src, out, self_weight, src_weight = ctx.saved_tensors
        if ctx.reduce == "prod":  # self_weight is 1 where x's own value is a factor, else 0
            grad_self = grad * out / a * self_weight
            grad_src = _take(grad * out, index, ctx.axis) / _leading(src, index.shape)
        else:
            grad_self = grad * self_weight
            grad_src = _take(grad, index, ctx.axis) * src_weight
        return grad_self, None, None, _pad_to(grad_src, ctx.src_shape), None, None

    @staticmethod
    def jvp(ctx, tangent, _, __, tangent_src, *___):
        """The same weights as backward's, applied forward: each slot's tangent is the weighted sum of the
        tangents of the values it combines (for prod: ``out * (t_x / x + sum of t_src / src)``)."""
        a, index, src, out, self_weight, src_weight = ctx.saved_tensors
        tangent, tangent_src = _tangents_or_zeros(ctx, tangent, tangent_src)
        tangent_src = _leading(tangent_src, index.shape)
        if ctx.reduce == "prod":
            combined = out * tangent / a * self_weight
            return combined + out * ScatterAdd.apply(out * 0, ctx.axis, index, tangent_src / _leading(src, index.shape))
        return tangent * self_weight + ScatterAdd.apply(tangent * 0, ctx.axis, index, tangent_src * src_weight)


def _tangents_or_zeros(ctx, tangent, tangent_src):
    """forward AD: the tangents of x and src, zeros standing in for the one that has none."""
    if tangent is None:
        tangent = tangent_src.new_zeros(ctx._output_meta[0][0])
    if tangent_src is None:
        tangent_src = tangent.new_zeros(ctx.src_shape)
    return tangent, tangent_src


def _weights(xp, array, axis, index, source, out, counts, own, reduce):
    """What the gradient of each slot is multiplied by, for ``x`` and for ``src`` (sum, mean, amax, amin)."""
    if reduce == "sum":
        return own, xp.ones_like(source)
    if reduce == "mean":
        return own / counts, _take(1 / counts, index, axis)
    self_hits = (array == out) * own
    src_hits = (source == _take(out, index, axis)) * xp.ones_like(source)
    shares = scatter_reduce_array(self_hits, axis, index, src_hits, "sum")[0]
    shares = xp.where(shares == 0, 1, shares)
    return self_hits / shares, src_hits / _take(shares, index, axis)


class ScatterWithReduce(_NoDerivative):
    """``x.scatter(dim, index, src, reduce='add'|'multiply')``: PyTorch gives it no derivative."""

    node_name = "NotImplemented"
    node_display_name = "torch::autograd::NotImplemented"
    aten_name = "scatter"
    nondifferentiable_args = (2,)

    @staticmethod
    def forward(ctx, a, dim, index, src, reduce):
        _link_only_inputs_needing_grad(ctx)
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        array = a._array
        source = getattr(src, "_array", src)
        if isinstance(src, Tensor):
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in "
                          "a future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                          UserWarning, stacklevel=4)
        axis = check_scatter("scatter", array, dim, index, source if isinstance(src, Tensor) else None)
        how = "sum" if reduce == "add" else "prod"
        return scatter_reduce_array(array, axis, index._array, source, how)[0]
