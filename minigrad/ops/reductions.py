"""Reductions: sum, mean, max/min (with and without dim), var/std, logsumexp, softmax, log_softmax."""
from __future__ import annotations

import warnings

from ..autograd.function import Function
from ..backend import namespace_of
from ._util import nothing_to_record, output_shape, plain, reduce_along
from .elementwise import where


def normalize_dims(dim, ndim: int):
    """``dim`` (int, tuple or None) as a sorted tuple of non-negative axes, with PyTorch's range error."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    rank = max(ndim, 1)
    result = []
    for d in dims:
        if not -rank <= d < rank:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                             f"but got {d})")
        result.append(d % rank)
    if ndim == 0:
        return ()
    return tuple(sorted(set(result)))


def _expand_back(grad, input_shape, dims, keepdim):
    """Reshape a reduced gradient so it broadcasts against the input again."""
    on_arrays = nothing_to_record()  # then the same steps on the array (see nothing_to_record)
    if not keepdim and dims:
        shape = list(grad.shape)
        for d in dims:
            shape.insert(d, 1)
        if on_arrays:
            return plain(namespace_of(grad._array).broadcast_to(grad._array.reshape(shape), input_shape))
        grad = grad.reshape(shape)
    if on_arrays:
        return plain(namespace_of(grad._array).broadcast_to(grad._array, input_shape))
    return grad.expand(input_shape)


class _Reduction(Function):
    forward_on_arrays = True


class Sum(_Reduction):
    """``x.sum()`` -- everything to one number."""

    node_name = "SumBackward0"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, dtype=None):
        array = a._array
        dims = normalize_dims(dim, array.ndim)
        ctx.input_shape = array.shape
        ctx.dims, ctx.keepdim = dims, keepdim
        out = array.sum(axis=dims, keepdims=keepdim, dtype=dtype)
        if array.dtype.kind == "b":
            out = out.astype("int64")
        return out

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.input_shape, ctx.dims, ctx.keepdim), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return tangent.sum(ctx.dims, keepdim=ctx.keepdim)  # sum is linear: the tangent is summed alike


class SumDim(Sum):
    """``x.sum(dim)``."""

    node_name = "SumBackward1"


class SumToSize(Sum):
    """Sum a broadcast gradient back to the shape it was broadcast from (``x.sum_to_size(shape)``)."""

    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, shape):
        array = a._array
        shape = tuple(shape)
        lead = array.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and array.shape[lead + i] != 1)
        ctx.input_shape = array.shape
        out = array.sum(axis=dims, keepdims=True) if dims else array
        ctx.dims, ctx.keepdim = (), True
        return out.reshape(shape) if out is not array else array.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent.sum_to_size(output_shape(ctx))


class Mean(_Reduction):
    node_name = "MeanBackward0"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, dtype=None):
        array = a._array
        if array.dtype.kind != "f" and dtype is None:
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                f"dtype. Got: {_dtype_title(array)}")
        dims = normalize_dims(dim, array.ndim)
        ctx.input_shape = array.shape
        ctx.dims, ctx.keepdim = dims, keepdim
        count = 1
        for d in dims:
            count *= array.shape[d]
        ctx.count = count
        return namespace_of(array).mean(array, axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.input_shape, ctx.dims, ctx.keepdim), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return tangent.sum(ctx.dims, keepdim=ctx.keepdim) / ctx.count


class MeanDim(Mean):
    node_name = "MeanBackward1"


def _dtype_title(array) -> str:
    return {"i": "Long", "b": "Bool", "u": "Byte"}.get(array.dtype.kind, str(array.dtype))


def _reduce_all(ctx, a, which: str):
    array = a._array
    if array.size == 0:
        raise RuntimeError(f"{which}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    out = getattr(namespace_of(array), which)(array)
    ctx.save_for_backward(a, out)
    return out


def _reduce_all_backward(ctx, grad):
    # ties share the gradient equally (PyTorch's rule for full reductions)
    a, out = ctx.saved_tensors
    hits = (a == out)
    return hits * (grad / hits.sum())


def _reduce_all_jvp(ctx, tangent):
    # the mean of the tangents at the tied extreme positions
    a, out = ctx.saved_tensors
    hits = (a == out)
    return (tangent * hits).sum() / hits.sum()


class MaxAll(_Reduction):
    """``x.max()``."""

    node_name = "MaxBackward1"

    @staticmethod
    def forward(ctx, a):
        return _reduce_all(ctx, a, "max")

    backward = staticmethod(_reduce_all_backward)
    jvp = staticmethod(_reduce_all_jvp)


class MinAll(_Reduction):
    """``x.min()``."""

    node_name = "MinBackward1"

    @staticmethod
    def forward(ctx, a):
        return _reduce_all(ctx, a, "min")

    backward = staticmethod(_reduce_all_backward)
    jvp = staticmethod(_reduce_all_jvp)


def _reduce_dim(ctx, a, dim, keepdim, which: str):
    """(values, indices) of max or min along ``dim``; the indices are not differentiable."""
    array = a._array
    xp = namespace_of(array)
    (axis,) = normalize_dims(dim, array.ndim) or (0,)
    if array.ndim == 0:
        values, indices = array, xp.zeros((), dtype="int64")
    else:
        indices = (xp.argmax if which == "max" else xp.argmin)(array, axis=axis, keepdims=True)
        values = xp.take_along_axis(array, indices, axis=axis)
        if not keepdim:
            values, indices = xp.squeeze(values, axis=axis), xp.squeeze(indices, axis=axis)
    indices = indices.astype("int64", copy=False)
    ctx.axis, ctx.keepdim, ctx.input_shape = axis, keepdim, array.shape
    ctx.save_for_backward(indices)
    ctx.mark_non_differentiable(indices)
    return values, indices


def _reduce_dim_backward(ctx, grad_values, grad_indices):
    # the gradient goes to the arg-max (arg-min) position only
    indices, = ctx.saved_tensors
    if not ctx.input_shape:
        return grad_values, None, None
    if not ctx.keepdim:
        grad_values = grad_values.unsqueeze(ctx.axis)
        indices = indices.unsqueeze(ctx.axis)
    return ScatterAlongAxis.apply(grad_values, indices, ctx.axis, ctx.input_shape), None, None


def _reduce_dim_jvp(ctx, tangent, *_):
    # the values' tangent is the input's tangent read at the arg-max (arg-min); indices have none
    indices, = ctx.saved_tensors
    if not ctx.input_shape:
        return tangent, None
    if not ctx.keepdim:
        return Gather.apply(tangent, ctx.axis, indices.unsqueeze(ctx.axis)).squeeze(ctx.axis), None
    return Gather.apply(tangent, ctx.axis, indices), None


class MaxDim(_Reduction):
    """``x.max(dim)`` -> (values, indices)."""

    node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        return _reduce_dim(ctx, a, dim, keepdim, "max")

    backward = staticmethod(_reduce_dim_backward)
    jvp = staticmethod(_reduce_dim_jvp)


class MinDim(_Reduction):
    """``x.min(dim)`` -> (values, indices)."""

    node_name = "MinBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        return _reduce_dim(ctx, a, dim, keepdim, "min")

    backward = staticmethod(_reduce_dim_backward)
    jvp = staticmethod(_reduce_dim_jvp)


class ScatterAlongAxis(_Reduction):
    """Zeros of ``shape`` with ``values`` placed at ``indices`` along ``axis`` (backward of max/gather)."""

    node_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, values, indices, axis, shape):
        xp = namespace_of(values._array)
        out = xp.zeros(shape, dtype=values._array.dtype)
        xp.put_along_axis(out, indices._array, values._array, axis=axis)
        ctx.save_for_backward(indices)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        indices, = ctx.saved_tensors
        return Gather.apply(grad, ctx.axis, indices), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        indices, = ctx.saved_tensors
        return ScatterAlongAxis.apply(tangent, indices, ctx.axis, output_shape(ctx))


class Gather(_Reduction):
    """``x.gather(dim, index)``."""

    node_name = "GatherBackward0"
    nondifferentiable_args = (2,)  # the index

    @staticmethod
    def forward(ctx, a, dim, index):
        array = a._array
        (axis,) = normalize_dims(dim, array.ndim)
        ctx.save_for_backward(index)
        ctx.axis, ctx.input_shape = axis, array.shape
        return namespace_of(array).take_along_axis(array, index._array, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return ScatterAddAlongAxis.apply(grad, index, ctx.axis, ctx.input_shape), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        index, = ctx.saved_tensors
        return Gather.apply(tangent, ctx.axis, index)


class ScatterAddAlongAxis(_Reduction):
    """Zeros of ``shape`` plus ``values`` added at ``indices`` along ``axis`` (repeats add up)."""

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, values, indices, axis, shape):
        from ..backend import backend_of

        array = values._array
        backend = backend_of(array)
        xp = backend.xp
        out = xp.zeros(shape, dtype=array.dtype)
        index_array = indices._array
        # turn "index along one axis" into a full advanced index for scatter_add
        grids = list(xp.meshgrid(*[xp.arange(n) for n in index_array.shape], indexing="ij"))
        grids[axis] = index_array
        backend.scatter_add(out, tuple(grids), array)
        ctx.save_for_backward(indices)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        indices, = ctx.saved_tensors
        return Gather.apply(grad, ctx.axis, indices), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        indices, = ctx.saved_tensors
        return ScatterAddAlongAxis.apply(tangent, indices, ctx.axis, output_shape(ctx))


class Var(_Reduction):
    node_name = "VarBackward0"

    @staticmethod
    def forward(ctx, a, dim=None, correction=1, keepdim=False):
        array = a._array
        dims = normalize_dims(dim, array.ndim)
        count = 1
        for d in dims:
            count *= array.shape[d]
        ctx.save_for_backward(a)
        ctx.dims, ctx.keepdim, ctx.count, ctx.correction = dims, keepdim, count, correction
        return _spread("var", array, dims, count, correction, keepdim)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        centered = a - a.mean(ctx.dims, keepdim=True)
        grad = _expand_back(grad, a.shape, ctx.dims, ctx.keepdim)
        return grad * centered * _ratio(2.0, ctx.count - ctx.correction), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        a, = ctx.saved_tensors
        centered = a - a.mean(ctx.dims, keepdim=True)
        return (centered * tangent).sum(ctx.dims, keepdim=ctx.keepdim) * _ratio(2.0, ctx.count - ctx.correction)


class Std(_Reduction):
    """Standard deviation: d std / d x = (x - mean) / ((count - correction) * std)."""

    node_name = "StdBackward0"

    @staticmethod
    def forward(ctx, a, dim=None, correction=1, keepdim=False):
        array = a._array
        dims = normalize_dims(dim, array.ndim)
        count = 1
        for d in dims:
            count *= array.shape[d]
        out = _spread("std", array, dims, count, correction, keepdim)
        ctx.save_for_backward(a, out)
        ctx.dims, ctx.keepdim, ctx.count, ctx.correction = dims, keepdim, count, correction
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        centered = a - a.mean(ctx.dims, keepdim=True)
        # where the std is 0 (all values equal) PyTorch defines the gradient as 0 rather than 0/0
        grad = _expand_back(where(out == 0, 0.0, grad / out), a.shape, ctx.dims, ctx.keepdim)
        return grad * centered * _ratio(1.0, ctx.count - ctx.correction), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        a, out = ctx.saved_tensors
        centered = a - a.mean(ctx.dims, keepdim=True)
        return (centered * tangent).sum(ctx.dims, keepdim=ctx.keepdim) / ((ctx.count - ctx.correction) * out)


def _spread(which, array, dims, count, correction, keepdim):
    """``var`` or ``std`` by NumPy, with PyTorch's warning (instead of NumPy's) when no degrees of freedom
    are left: the result is then nan, as in PyTorch."""
    xp = namespace_of(array)
    if count - correction > 0:
        return getattr(xp, which)(array, axis=dims, ddof=correction, keepdims=keepdim)
    warnings.warn(f"{which}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                  "factor (input numel divided by output numel).", UserWarning, stacklevel=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(xp, which)(array, axis=dims, ddof=correction, keepdims=keepdim)


def _ratio(numerator, denominator):
    """numerator / denominator, infinite (not an exception) for 0, as the float division in PyTorch."""
    return numerator / denominator if denominator else float("inf")


class LogSumExp(_Reduction):
    node_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        array = a._array
        xp = namespace_of(array)
        dims = normalize_dims(dim, array.ndim)
        peak = array.max(axis=dims, keepdims=True)
        peak = xp.where(xp.isfinite(peak), peak, 0)
        out = xp.log(xp.exp(array - peak).sum(axis=dims, keepdims=True)) + peak
        if not keepdim:
            out = xp.squeeze(out, axis=dims)
        ctx.save_for_backward(a, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad, *_):
        a, out = ctx.saved_tensors
        if not ctx.keepdim:
            for d in ctx.dims:
                grad, out = grad.unsqueeze(d), out.unsqueeze(d)
        return grad * (a - out).exp(), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        a, out = ctx.saved_tensors  # the softmax-weighted mean of the tangent
        weights = (a - (out if ctx.keepdim else _unsqueeze_all(out, ctx.dims))).exp()
        return (weights * tangent).sum(ctx.dims, keepdim=ctx.keepdim)


class Softmax(_Reduction):
    node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        array = a._array
        xp = namespace_of(array)
        ndim = array.ndim
        # an int already in range needs none of normalize_dims' work
        (axis,) = (dim,) if type(dim) is int and 0 <= dim < ndim else normalize_dims(dim, ndim) or (0,)
        shifted = array - reduce_along(array, axis, "max")  # exp never overflows
        exps = xp.exp(shifted)
        out = exps / reduce_along(exps, axis, "sum")
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        if ctx._on_arrays:  # the same rule on arrays (see nothing_to_record)
            g, o = grad._array, out._array
            return plain(o * (g - reduce_along(g * o, ctx.axis, "sum"))), None
        return out * (grad - (grad * out).sum(ctx.axis, keepdim=True)), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return Softmax.backward(ctx, tangent)[0]  # the softmax Jacobian is symmetric: J·t = Jᵀ·t


class LogSoftmax(_Reduction):
    node_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        array = a._array
        xp = namespace_of(array)
        ndim = array.ndim
        # an int already in range needs none of normalize_dims' work
        (axis,) = (dim,) if type(dim) is int and 0 <= dim < ndim else normalize_dims(dim, ndim) or (0,)
        shifted = array - reduce_along(array, axis, "max")
        out = shifted - xp.log(reduce_along(xp.exp(shifted), axis, "sum"))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        if ctx._on_arrays:  # the same rule on arrays (see nothing_to_record)
            g, o = grad._array, out._array
            xp = namespace_of(o)
            return plain(g - xp.exp(o) * reduce_along(g, ctx.axis, "sum")), None
        return grad - out.exp() * grad.sum(ctx.axis, keepdim=True), None

    @staticmethod
    def jvp(ctx, tangent, _):
        out, = ctx.saved_tensors
        return tangent - (out.exp() * tangent).sum(ctx.axis, keepdim=True)


def _unsqueeze_all(tensor, dims):
    for d in dims:
        tensor = tensor.unsqueeze(d)
    return tensor


def softmax_dim_required(name: str, dim) -> int:
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim' (minigrad, like PyTorch 2.x, needs the "
                        "dimension to normalise over)")
    return dim
