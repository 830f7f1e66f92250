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


# ------------------------------------------------------------------ scans, products, amax/amin
def _integer_as_long(array, dtype=None):
    """PyTorch sums and multiplies integers and bools in int64, unless a ``dtype`` is asked for."""
    return array.astype("int64") if dtype is None and array.dtype.kind in "biu" else array


def _one_axis(dim, ndim: int) -> int:
    """``dim`` as a non-negative axis; a 0-d tensor takes 0 and -1 (its one pretend axis)."""
    dims = normalize_dims(dim, ndim)
    return dims[0] if dims else 0


def _reverse_cumsum(tensor, axis: int):
    """out[i] = sum of tensor[k] for k >= i, by tensor ops only (so that it can be differentiated again)."""
    return tensor.sum(axis, keepdim=True) - tensor.cumsum(axis) + tensor


def _rows_without_one(x, axis: int):
    """Row i (of n, along ``axis``) is x with x[i] replaced by 1, on a new axis: shape ``(..., n_i, n_j)`` with
    ``axis`` moved last. Products along j are then the products of all the others, which ``out / x`` cannot
    give at a zero; at n times the memory, so it is used only when the input has zeros."""
    from .._tensor import Tensor

    moved = _axis_last(x, axis)
    n = moved.shape[-1]
    eye = Tensor._make(namespace_of(x._array).eye(n, dtype=bool))
    return where(eye, 1.0, moved.unsqueeze(-2).expand(*moved.shape[:-1], n, n))


def _upper(x, n: int):
    """The (n, n) mask k >= i: out[k] depends on x[i] only from position i on."""
    from .._tensor import Tensor

    xp = namespace_of(x._array)
    return Tensor._make(xp.triu(xp.ones((n, n), dtype=bool)))


def _axis_last(tensor, axis: int):
    """``tensor`` with ``axis`` swapped with the last one (its own inverse)."""
    return tensor.transpose(axis, -1) if axis != tensor.ndim - 1 else tensor


def _has_zero(tensor) -> bool:
    return bool((tensor._array == 0).any())


def _scan(ctx, a, dim, dtype, which: str):
    """cumsum/cumprod's forward along one axis (a 0-d tensor is its own scan)."""
    array = a._array
    ctx.axis = _one_axis(dim, array.ndim)
    if array.ndim == 0:
        return _integer_as_long(array.astype(dtype) if dtype is not None else array.copy(), dtype)
    return _integer_as_long(getattr(array, which)(axis=ctx.axis, dtype=dtype), dtype)


class Cumsum(_Reduction):
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


class Cumprod(_Reduction):
    """``x.cumprod(dim)``: running products, out[k] = x[0] * ... * x[k]."""

    node_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        ctx.save_for_backward(a)
        return _scan(ctx, a, dim, dtype, "cumprod")

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        if x.ndim == 0:
            return grad, None, None
        axis = ctx.axis
        if not _has_zero(x):
            # d out[k] / d x[i] = out[k] / x[i] for k >= i
            return _reverse_cumsum(grad * x.cumprod(axis), axis) / x, None, None
        # grad[i] = sum over k >= i of grad[k] * (the product of x[0..k] without x[i])
        products = where(_upper(x, x.shape[axis]), _rows_without_one(x, axis).cumprod(-1), 0.0)
        return _axis_last((products * _axis_last(grad, axis).unsqueeze(-2)).sum(-1), axis), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        x, = ctx.saved_tensors
        if x.ndim == 0:
            return tangent
        axis = ctx.axis
        if not _has_zero(x):
            return x.cumprod(axis) * (tangent / x).cumsum(axis)
        products = where(_upper(x, x.shape[axis]), _rows_without_one(x, axis).cumprod(-1), 0.0)
        return _axis_last((products * _axis_last(tangent, axis).unsqueeze(-1)).sum(-2), axis)


def _others_product(x, axis: int):
    """For each element, the product of the others along ``axis`` (the derivative of the product)."""
    return _axis_last(_rows_without_one(x, axis).prod(-1), axis)


class Prod(_Reduction):
    """``x.prod()``: the product of all elements."""

    node_name = "ProdBackward0"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, dtype=None):
        ctx.save_for_backward(a)
        return _reduce_with(ctx, a, dim, keepdim, dtype, "prod")

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return _expand_back(grad, ctx.input_shape, ctx.dims, ctx.keepdim) * _prod_derivative(ctx, x), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        x, = ctx.saved_tensors
        return (tangent * _prod_derivative(ctx, x)).sum(ctx.dims, keepdim=ctx.keepdim)


def _prod_derivative(ctx, x):
    """d prod / d x[i]: the product of the others, as out / x where no input is zero (PyTorch's way)."""
    if x.ndim == 0:
        return 1.0
    if not _has_zero(x):
        return Prod.apply(x, ctx.dims, True, None) / x
    if len(ctx.dims) == 1:
        return _others_product(x, ctx.dims[0])
    return _others_product(x.reshape(-1), 0).reshape(x.shape)  # the full product: along the flattened input


class ProdDim(Prod):
    """``x.prod(dim, keepdim)``."""

    node_name = "ProdBackward1"


class Amax(_Reduction):
    """``x.amax(dim, keepdim)``: like max, but ties share the gradient equally and no indices come back."""

    node_name = "AmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim=(), keepdim=False):
        return _extreme(ctx, a, dim, keepdim, "max")

    @staticmethod
    def backward(ctx, grad):
        hits = _extreme_hits(ctx)
        share = _expand_back(grad, ctx.input_shape, ctx.dims, ctx.keepdim) / hits.sum(ctx.dims, keepdim=True)
        return hits * share, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        hits = _extreme_hits(ctx)  # the mean of the tangents at the tied extremes
        return (tangent * hits).sum(ctx.dims, keepdim=ctx.keepdim) / hits.sum(ctx.dims, keepdim=ctx.keepdim)


def _extreme_hits(ctx):
    """1.0 where the input equals its reduced extreme, else 0.0 (in the input's dtype)."""
    x, out = ctx.saved_tensors
    if not ctx.keepdim:
        out = _unsqueeze_all(out, ctx.dims)
    return (x == out).to(x.dtype)


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


class Sort(_Reduction):
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


class Topk(_Reduction):
    """``x.topk(k, dim, largest)`` -> (values, indices), always in sorted order."""

    node_name = "TopkBackward0"

    @staticmethod
    def forward(ctx, a, k, dim=-1, largest=True):
        return _sort_forward(ctx, a, dim, largest, k)

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        return _reduce_dim_backward(ctx, grad_values, grad_indices) + (None,)

    jvp = staticmethod(_reduce_dim_jvp)
