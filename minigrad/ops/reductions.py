"""Reductions: sum, mean, max/min (with and without dim), var/std, logsumexp, softmax, log_softmax.

``forward`` computes on arrays; ``backward`` is written once: it runs on arrays while a backward pass records
nothing and on tensors under ``create_graph=True`` (``namespace_for`` gives NumPy/CuPy or
``ops/tensor_numpy.py``). Scatters (the backward of max(dim), sort, gather) have no functional NumPy form:
``scatter_along_axis``/``scatter_add_along_axis`` choose between the array code and the recorded op once.
"""
from __future__ import annotations

import warnings

from ..autograd.function import Function
from ..backend import backend_of, namespace_of
from ._util import Tensor, broadcast_to, namespace_for, output_shape, reduce_along


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
    """A reduced gradient (array or tensor) put back in the input's shape: the reduced dims reinserted as
    size 1, then broadcast."""
    if not keepdim and dims:
        shape = list(grad.shape)
        for d in dims:
            shape.insert(d, 1)
        grad = grad.reshape(tuple(shape))
    return broadcast_to(grad, input_shape)


def _unsqueeze_all(value, dims):
    """``value`` (array or tensor) with a size-1 axis inserted at each of ``dims`` (sorted)."""
    xp = namespace_for(value)
    for d in dims:
        value = xp.expand_dims(value, d)
    return value


class Sum(Function):
    """``x.sum()`` -- everything to one number."""

    node_name = "SumBackward0"
    saved_names = {"self_sym_sizes": "input_shape"}

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, dtype=None):
        return _reduce_with(ctx, a, dim, keepdim, dtype, "sum")

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.input_shape, ctx.dims, ctx.keepdim), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return tangent.sum(ctx.dims, keepdim=ctx.keepdim)  # sum is linear: the tangent is summed alike


def _reduce_with(ctx, a, dim, keepdim, dtype, which: str):
    """sum's and prod's forward: ``array.sum``/``array.prod`` over ``dim``, integers and bools in int64."""
    array = a._array
    dims = normalize_dims(dim, array.ndim)
    ctx.input_shape = array.shape
    ctx.dims, ctx.keepdim = dims, keepdim
    return _integer_as_long(getattr(array, which)(axis=dims, keepdims=keepdim, dtype=dtype), dtype)


class SumDim(Sum):
    """``x.sum(dim)``."""

    node_name = "SumBackward1"
    saved_names = {"dim": "dims", "keepdim": "keepdim", "self_sym_sizes": "input_shape"}


class SumToSize(Function):
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
        return broadcast_to(grad, ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent.sum_to_size(output_shape(ctx))


class Mean(Function):
    node_name = "MeanBackward0"
    saved_names = {"self_sym_sizes": "input_shape"}

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
    saved_names = {"dim": "dims", "keepdim": "keepdim", "self_sym_sizes": "input_shape"}


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


def _extreme_positions(a, out):
    """Where the input holds the extreme ``out``; when that is NaN, where the NaNs are (PyTorch's
    evenly_distribute_backward: NaN == NaN is false, which would leave no position and a 0/0 gradient)."""
    return namespace_for(a).where(out != out, a != a, a == out)  # no Python bool: a trace records it too


def _reduce_all_backward(ctx, grad):
    # ties share the gradient equally (PyTorch's rule for full reductions)
    a, out = ctx.saved_tensors
    hits = _extreme_positions(a, out)
    return hits * (grad / hits.sum())


def _reduce_all_jvp(ctx, tangent):
    # the mean of the tangents at the tied extreme positions
    a, out = ctx.saved_tensors
    hits = _extreme_positions(a, out)
    return (tangent * hits).sum() / hits.sum()


class MaxAll(Function):
    """``x.max()``."""

    node_name = "MaxBackward1"

    @staticmethod
    def forward(ctx, a):
        return _reduce_all(ctx, a, "max")

    backward = staticmethod(_reduce_all_backward)
    jvp = staticmethod(_reduce_all_jvp)


class MinAll(Function):
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
    elif array.shape[axis] == 0:
        raise IndexError(f"{which}(): Expected reduction dim {axis} to have non-zero size.")
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
        xp = namespace_for(grad_values)
        grad_values = xp.expand_dims(grad_values, ctx.axis)
        indices = xp.expand_dims(indices, ctx.axis)
    return scatter_along_axis(grad_values, indices, ctx.axis, ctx.input_shape), None, None


def _reduce_dim_jvp(ctx, tangent, *_):
    # the values' tangent is the input's tangent read at the arg-max (arg-min); indices have none
    indices, = ctx.saved_tensors
    if not ctx.input_shape:
        return tangent, None
    if not ctx.keepdim:
        return Gather.apply(tangent, ctx.axis, indices.unsqueeze(ctx.axis)).squeeze(ctx.axis), None
    return Gather.apply(tangent, ctx.axis, indices), None


class MaxDim(Function):
    """``x.max(dim)`` -> (values, indices)."""

    node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        return _reduce_dim(ctx, a, dim, keepdim, "max")

    backward = staticmethod(_reduce_dim_backward)
    jvp = staticmethod(_reduce_dim_jvp)


class MinDim(Function):
    """``x.min(dim)`` -> (values, indices)."""

    node_name = "MinBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        return _reduce_dim(ctx, a, dim, keepdim, "min")

    backward = staticmethod(_reduce_dim_backward)
    jvp = staticmethod(_reduce_dim_jvp)


def scatter_along_axis(values, indices, axis, shape):
    """Zeros of ``shape`` with ``values`` placed at ``indices`` along ``axis``, for arrays or tensors alike.
    NumPy's ``put_along_axis`` writes in place, which a recorded tensor op cannot: tensors go through
    ``ScatterAlongAxis`` (so that the scatter is differentiated again), arrays through the same array code."""
    if isinstance(values, Tensor):
        return ScatterAlongAxis.apply(values, indices, axis, shape)
    return _put_along_axis(values, indices, axis, shape)


def _put_along_axis(values, indices, axis, shape):
    xp = namespace_of(values)
    out = xp.zeros(shape, dtype=values.dtype)
    xp.put_along_axis(out, indices, values, axis=axis)
    return out


class ScatterAlongAxis(Function):
    """Zeros of ``shape`` with ``values`` placed at ``indices`` along ``axis`` (backward of max/gather)."""

    node_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, values, indices, axis, shape):
        ctx.save_for_backward(indices)
        ctx.axis = axis
        return _put_along_axis(values._array, indices._array, axis, shape)

    @staticmethod
    def backward(ctx, grad):
        indices, = ctx.saved_tensors
        return namespace_for(grad).take_along_axis(grad, indices, axis=ctx.axis), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        indices, = ctx.saved_tensors
        return ScatterAlongAxis.apply(tangent, indices, ctx.axis, output_shape(ctx))


class Gather(Function):
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
        return scatter_add_along_axis(grad, index, ctx.axis, ctx.input_shape), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        index, = ctx.saved_tensors
        return Gather.apply(tangent, ctx.axis, index)


def scatter_add_along_axis(values, indices, axis, shape):
    """Zeros of ``shape`` plus ``values`` added at ``indices`` along ``axis`` (repeats add up), for arrays or
    tensors alike: an in-place scatter on arrays, the recorded ``ScatterAddAlongAxis`` on tensors (see
    ``scatter_along_axis``)."""
    if isinstance(values, Tensor):
        return ScatterAddAlongAxis.apply(values, indices, axis, shape)
    return _add_along_axis(values, indices, axis, shape)


def _add_along_axis(array, index_array, axis, shape):
    backend = backend_of(array)
    xp = backend.xp
    out = xp.zeros(shape, dtype=array.dtype)
    # turn "index along one axis" into a full advanced index for scatter_add
    grids = list(xp.meshgrid(*[xp.arange(n) for n in index_array.shape], indexing="ij"))
    grids[axis] = index_array
    backend.scatter_add(out, tuple(grids), array)
    return out


class ScatterAddAlongAxis(Function):
    """Zeros of ``shape`` plus ``values`` added at ``indices`` along ``axis`` (repeats add up)."""

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, values, indices, axis, shape):
        ctx.save_for_backward(indices)
        ctx.axis = axis
        return _add_along_axis(values._array, indices._array, axis, shape)

    @staticmethod
    def backward(ctx, grad):
        indices, = ctx.saved_tensors
        return namespace_for(grad).take_along_axis(grad, indices, axis=ctx.axis), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        indices, = ctx.saved_tensors
        return ScatterAddAlongAxis.apply(tangent, indices, ctx.axis, output_shape(ctx))


class Var(Function):
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
        centered = a - namespace_for(a).mean(a, axis=ctx.dims, keepdims=True)
        grad = _expand_back(grad, a.shape, ctx.dims, ctx.keepdim)
        return grad * centered * _ratio(2.0, ctx.count - ctx.correction), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        a, = ctx.saved_tensors
        centered = a - a.mean(ctx.dims, keepdim=True)
        return (centered * tangent).sum(ctx.dims, keepdim=ctx.keepdim) * _ratio(2.0, ctx.count - ctx.correction)


class Std(Function):
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
        xp = namespace_for(a)
        centered = a - xp.mean(a, axis=ctx.dims, keepdims=True)
        # where the std is 0 (all values equal) PyTorch defines the gradient as 0 rather than 0/0
        grad = _expand_back(xp.where(out == 0, 0.0, grad / out), a.shape, ctx.dims, ctx.keepdim)
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


class LogSumExp(Function):
    node_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        array = a._array
        xp = namespace_of(array)
        dims = normalize_dims(dim, array.ndim)
        if any(array.shape[d] == 0 for d in dims):  # an empty sum is 0, its log -inf (NumPy's max would raise)
            peak = xp.zeros(tuple(1 if d in dims else n for d, n in enumerate(array.shape)), dtype=array.dtype)
        else:
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
            grad, out = _unsqueeze_all(grad, ctx.dims), _unsqueeze_all(out, ctx.dims)
        return grad * namespace_for(a).exp(a - out), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        a, out = ctx.saved_tensors  # the softmax-weighted mean of the tangent
        weights = (a - (out if ctx.keepdim else _unsqueeze_all(out, ctx.dims))).exp()
        return (weights * tangent).sum(ctx.dims, keepdim=ctx.keepdim)


def _peak_along(array, axis):
    """The max along ``axis`` (kept), subtracted before ``exp``. An empty axis has none (NumPy's max would
    raise) and needs none: the result is empty, as PyTorch's."""
    if array.ndim and array.shape[axis] == 0:
        return array
    return reduce_along(array, axis, "max")


class Softmax(Function):
    node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        array = a._array
        xp = namespace_of(array)
        ndim = array.ndim
        # an int already in range needs none of normalize_dims' work
        (axis,) = (dim,) if type(dim) is int and 0 <= dim < ndim else normalize_dims(dim, ndim) or (0,)
        shifted = array - _peak_along(array, axis)  # exp never overflows
        exps = xp.exp(shifted)
        out = exps / reduce_along(exps, axis, "sum")
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        # reduce_along: fast for a short axis of a NumPy array; anything else (a tensor under create_graph
        # included) takes its own .sum(axis=axis, keepdims=True)
        return out * (grad - reduce_along(grad * out, ctx.axis, "sum")), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return Softmax.backward(ctx, tangent)[0]  # the softmax Jacobian is symmetric: J·t = Jᵀ·t


class LogSoftmax(Function):
    node_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        array = a._array
        xp = namespace_of(array)
        ndim = array.ndim
        # an int already in range needs none of normalize_dims' work
        (axis,) = (dim,) if type(dim) is int and 0 <= dim < ndim else normalize_dims(dim, ndim) or (0,)
        shifted = array - _peak_along(array, axis)
        out = shifted - xp.log(reduce_along(xp.exp(shifted), axis, "sum"))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors  # reduce_along: see Softmax.backward
        return grad - namespace_for(out).exp(out) * reduce_along(grad, ctx.axis, "sum"), None

    @staticmethod
    def jvp(ctx, tangent, _):
        out, = ctx.saved_tensors
        return tangent - (out.exp() * tangent).sum(ctx.axis, keepdim=True)


def softmax_dim_required(name: str, dim) -> int:
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim' (minigrad, like PyTorch 2.x, needs the "
                        "dimension to normalise over)")
    return dim


# ------------------------------------------------------------------ scans, products, amax/amin
def _integer_as_long(array, dtype=None):
    """PyTorch sums and multiplies integers and bools in int64, unless a ``dtype`` is asked for."""
    return array.astype("int64") if dtype is None and array.dtype.kind in "biu" else array


def _one_axis(dim, ndim: int) -> int:
    """``dim`` as a non-negative axis; a 0-d tensor takes 0 and -1 (its one pretend axis)."""
    dims = normalize_dims(dim, ndim)
    return dims[0] if dims else 0


def _reverse_cumsum(value, axis: int):
    """out[i] = sum of value[k] for k >= i (an array, or a tensor whose ops are recorded)."""
    return value.sum(axis=axis, keepdims=True) - namespace_for(value).cumsum(value, axis=axis) + value


def _rows_without_one(x, axis: int, eye):
    """Row i (of n, along ``axis``) is x with x[i] replaced by 1, on a new axis: shape ``(..., n_i, n_j)`` with
    ``axis`` moved last. Products along j are then the products of all the others, which ``out / x`` cannot
    give at a zero; at n times the memory, so it is used only when the input has zeros. ``eye`` is the
    (n, n) identity mask, made by forward (see ``_zero_masks``)."""
    xp = namespace_for(x)
    moved = _axis_last(x, axis)
    n = moved.shape[-1]
    return xp.where(eye, 1.0, xp.broadcast_to(xp.expand_dims(moved, -2), tuple(moved.shape[:-1]) + (n, n)))


def _zero_masks(ctx, array, n: int, upper: bool = False):
    """The constant masks the derivative of a product needs when the input has a zero, made here in forward
    on the input's device and saved with it (so that backward finds them as arrays or as tensors): the (n, n)
    identity and, for cumprod, the mask k >= i (out[k] depends on x[i] only from position i on). None when
    no gradient is wanted or the input has no zero (then ``out / x`` serves)."""
    if not ctx.needs_input_grad[0] or array.ndim == 0 or not bool((array == 0).any()):
        return None, None
    xp = namespace_of(array)
    eye = xp.eye(n, dtype=bool)
    return eye, (xp.triu(xp.ones((n, n), dtype=bool)) if upper else None)


def _axis_last(value, axis: int):
    """``value`` with ``axis`` swapped with the last one (its own inverse)."""
    return namespace_for(value).swapaxes(value, axis, -1) if axis != value.ndim - 1 else value


def _scan(ctx, a, dim, dtype, which: str):
    """cumsum/cumprod's forward along one axis (a 0-d tensor is its own scan)."""
    array = a._array
    ctx.axis = _one_axis(dim, array.ndim)
    if array.ndim == 0:
        return _integer_as_long(array.astype(dtype) if dtype is not None else array.copy(), dtype)
    return _integer_as_long(getattr(array, which)(axis=ctx.axis, dtype=dtype), dtype)


class Cumsum(Function):
    """``x.cumsum(dim)``: running sums. Its gradient is the running sum of the gradient from the end."""

    node_name = "CumsumBackward0"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        return _scan(ctx, a, dim, dtype, "cumsum")

    @staticmethod
    def backward(ctx, grad):
        if grad.ndim == 0:
            return grad, None, None
        return _reverse_cumsum(grad, ctx.axis), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return tangent.cumsum(ctx.axis)  # linear: the tangent is summed alike


class Cumprod(Function):
    """``x.cumprod(dim)``: running products, out[k] = x[0] * ... * x[k]."""

    node_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        axis = _one_axis(dim, a._array.ndim)
        eye, upper = _zero_masks(ctx, a._array, a._array.shape[axis] if a._array.ndim else 1, upper=True)
        ctx.save_for_backward(a, eye, upper)
        return _scan(ctx, a, dim, dtype, "cumprod")

    @staticmethod
    def backward(ctx, grad):
        return Cumprod._derivative(ctx, grad, -2, -1), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return Cumprod._derivative(ctx, tangent, -1, -2)

    @staticmethod
    def _derivative(ctx, value, new_axis, summed_axis):
        """The Jacobian applied to ``value`` (transposed for backward): backward sums over k >= i, jvp over
        i <= k; the two differ only in the axes the products are spread over and summed along."""
        x, eye, upper = ctx.saved_tensors
        if x.ndim == 0:
            return value
        axis = ctx.axis
        xp = namespace_for(x)
        if eye is None:  # no zero: d out[k] / d x[i] = out[k] / x[i] for k >= i
            if new_axis == -2:
                return _reverse_cumsum(value * xp.cumprod(x, axis=axis), axis) / x
            return xp.cumprod(x, axis=axis) * xp.cumsum(value / x, axis=axis)
        # out[k] / x[i] as a product that leaves x[i] out, for each k >= i
        products = xp.where(upper, xp.cumprod(_rows_without_one(x, axis, eye), axis=-1), 0.0)
        spread = xp.expand_dims(_axis_last(value, axis), new_axis)
        return _axis_last((products * spread).sum(axis=summed_axis), axis)


class Prod(Function):
    """``x.prod()``: the product of all elements."""

    node_name = "ProdBackward0"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, dtype=None):
        array = a._array
        dims = normalize_dims(dim, array.ndim)
        n = array.shape[dims[0]] if len(dims) == 1 else array.size  # the full product: along the flattened input
        eye, _ = _zero_masks(ctx, array, n)
        ctx.save_for_backward(a, eye)
        return _reduce_with(ctx, a, dim, keepdim, dtype, "prod")

    @staticmethod
    def backward(ctx, grad):
        x, eye = ctx.saved_tensors
        return _expand_back(grad, ctx.input_shape, ctx.dims, ctx.keepdim) * _prod_derivative(ctx, x, eye), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        x, eye = ctx.saved_tensors
        return (tangent * _prod_derivative(ctx, x, eye)).sum(ctx.dims, keepdim=ctx.keepdim)


def _prod_derivative(ctx, x, eye):
    """d prod / d x[i]: the product of the others, as out / x where no input is zero (PyTorch's way)."""
    if x.ndim == 0:
        return 1.0
    xp = namespace_for(x)
    if len(ctx.dims) == 1:
        axis = ctx.dims[0]
        if eye is None:
            return xp.prod(x, axis=axis, keepdims=True) / x
        return _axis_last(xp.prod(_rows_without_one(x, axis, eye), axis=-1), axis)
    if eye is None:
        return xp.prod(x) / x
    flat = x.reshape((-1,))
    return xp.prod(_rows_without_one(flat, 0, eye), axis=-1).reshape(tuple(x.shape))


class ProdDim(Prod):
    """``x.prod(dim, keepdim)``."""

    node_name = "ProdBackward1"


class Amax(Function):
    """``x.amax(dim, keepdim)``: like max, but ties share the gradient equally and no indices come back."""

    node_name = "AmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim=(), keepdim=False):
        return _extreme(ctx, a, dim, keepdim, "max")

    @staticmethod
    def backward(ctx, grad):
        hits = _extreme_hits(ctx)
        share = _expand_back(grad, ctx.input_shape, ctx.dims, ctx.keepdim) / hits.sum(axis=ctx.dims, keepdims=True)
        return hits * share, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        hits = _extreme_hits(ctx)  # the mean of the tangents at the tied extremes
        return ((tangent * hits).sum(axis=ctx.dims, keepdims=ctx.keepdim)
                / hits.sum(axis=ctx.dims, keepdims=ctx.keepdim))


def _extreme_hits(ctx):
    """True where the input equals its reduced extreme (a bool mask: times a gradient it keeps its dtype)."""
    x, out = ctx.saved_tensors
    if not ctx.keepdim:
        out = _unsqueeze_all(out, ctx.dims)
    return x == out


class Amin(Amax):
    node_name = "AminBackward0"

    @staticmethod
    def forward(ctx, a, dim=(), keepdim=False):
        return _extreme(ctx, a, dim, keepdim, "min")


def _extreme(ctx, a, dim, keepdim, which: str):
    """amax/amin's forward: ``dim=()`` (PyTorch's default) reduces over every dim."""
    array = a._array
    dims = normalize_dims(None if dim == () or dim == [] else dim, array.ndim)
    if array.size == 0:
        if dim is None or dim == () or dim == []:
            raise RuntimeError(f"a{which}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for d in dims:
            if array.shape[d] == 0:
                raise IndexError(f"a{which}(): Expected reduction dim {d} to have non-zero size.")
    out = getattr(array, which)(axis=dims, keepdims=keepdim)
    ctx.dims, ctx.keepdim, ctx.input_shape = dims, keepdim, array.shape
    ctx.save_for_backward(a, out)
    return out


# ------------------------------------------------------------------ sort, topk
def _sort_order(array, axis: int, descending: bool):
    """The indices that sort ``array`` along ``axis``, ties in their original order (PyTorch's stable sort).
    Descending sorts the reversed array ascending and reverses back, so that ties still keep their order and
    NaN, the largest in PyTorch's order, comes first (negating would do neither, nor work for bools)."""
    xp = namespace_of(array)
    if not descending:
        return array.argsort(axis=axis, kind="stable")
    last = array.shape[axis] - 1
    return xp.flip(last - xp.flip(array, axis=axis).argsort(axis=axis, kind="stable"), axis=axis)


def _sort_forward(ctx, a, dim, descending, k=None):
    """(values, indices) of the ``k`` first in sorted order along ``dim`` (all of them when ``k`` is None)."""
    array = a._array
    xp = namespace_of(array)
    axis = _one_axis(dim, array.ndim)
    size = array.shape[axis] if array.ndim else 1
    if k is not None and not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    # keepdim: the indices have the input's rank, as max(dim, keepdim=True)'s, whose backward and jvp serve here
    ctx.axis, ctx.keepdim, ctx.input_shape = axis, True, array.shape
    if array.ndim == 0:
        values, indices = array.copy(), xp.zeros((), dtype="int64")
    else:
        indices = _sort_order(array, axis, descending).astype("int64", copy=False)
        if k is not None:
            indices = xp.take(indices, xp.arange(k), axis=axis)
        values = xp.take_along_axis(array, indices, axis=axis)
    ctx.save_for_backward(indices)
    ctx.mark_non_differentiable(indices)
    return values, indices


class Sort(Function):
    """``x.sort(dim, descending)`` -> (values, indices)."""

    node_name = "SortBackward0"

    @staticmethod
    def forward(ctx, a, dim=-1, descending=False):
        return _sort_forward(ctx, a, dim, descending)

    backward = staticmethod(_reduce_dim_backward)  # each value's gradient goes back to where it came from
    jvp = staticmethod(_reduce_dim_jvp)


class SortStable(Sort):
    """``x.sort(stable=True)``: the same order (minigrad's sort is always stable), PyTorch's other node name."""

    node_name = "SortBackward1"


class Topk(Function):
    """``x.topk(k, dim, largest)`` -> (values, indices), always in sorted order."""

    node_name = "TopkBackward0"

    @staticmethod
    def forward(ctx, a, k, dim=-1, largest=True):
        return _sort_forward(ctx, a, dim, largest, k)

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        return _reduce_dim_backward(ctx, grad_values, grad_indices) + (None,)

    jvp = staticmethod(_reduce_dim_jvp)
