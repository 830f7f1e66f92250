"""The op methods of ``Tensor``: each one line that calls a ``Function`` from ``minigrad.ops``.

Kept apart from ``_tensor.py`` so the class body shows autograd state and this file shows the ops.
In-place methods (``add_``, ``x[i] = v``, ...) share one helper, ``_in_place``, that applies the
autograd rules for in-place changes (leaf check, version counter, history rebase).
"""
from __future__ import annotations

import numbers

from . import _dtype, ops
from ._lesson_hints import with_lesson
from ._tensor import Tensor, _wrap_dim
from .autograd import forward_ad as _forward_ad, function as _function, grad_mode as _grad_mode
from .backend import NUMPY_BACKEND, namespace_of, ndarray as _ndarray

_grad_state = _grad_mode.state
_host = NUMPY_BACKEND.xp  # NumPy: the ufuncs of the in-place fast paths


def _method(function):
    """Attach ``_m_name`` as ``Tensor.name``. The prefix keeps method names such as ``sum``, ``max``,
    ``any`` or ``float`` from shadowing Python's builtins inside this module."""
    name = function.__name__[len("_m_"):]
    function.__name__ = function.__qualname__ = name
    setattr(Tensor, name, function)
    return function


# ------------------------------------------------------------------ arithmetic
_OPERAND_TYPES = (Tensor, numbers.Number)  # what arithmetic accepts; anything else gets NotImplemented


def _is_operand(value) -> bool:
    return isinstance(value, _OPERAND_TYPES)


def __add__(self, other):
    return ops.Add.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented


def __radd__(self, other):
    return ops.Add.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented


def __sub__(self, other):
    return ops.Sub.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented


def __rsub__(self, other):
    return ops.Rsub.apply(self, other) if isinstance(other, numbers.Number) else NotImplemented


def __mul__(self, other):
    return ops.Mul.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented


def __rmul__(self, other):
    return ops.Mul.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented


def __truediv__(self, other):
    return ops.Div.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented


def __rtruediv__(self, other):
    if not isinstance(other, numbers.Number):
        return NotImplemented
    return ops.Mul.apply(ops.Reciprocal.apply(self), other)  # PyTorch records `2 / x` this way


def __floordiv__(self, other):
    return ops.FloorDivide.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented


def __rfloordiv__(self, other):
    return ops.FloorDivide.apply(other, self) if isinstance(other, numbers.Number) else NotImplemented


def __mod__(self, other):
    if isinstance(other, Tensor):
        return ops.RemainderTensor.apply(self, other)
    if isinstance(other, numbers.Number):
        return ops.Remainder.apply(self, other)  # PyTorch's other overload: another node name
    return NotImplemented


def __rmod__(self, other):
    return ops.RRemainder.apply(other, self) if isinstance(other, numbers.Number) else NotImplemented


def __pow__(self, exponent):
    if isinstance(exponent, Tensor):
        return ops.PowTensor.apply(self, exponent)
    if isinstance(exponent, numbers.Number):
        return ops.PowScalar.apply(self, exponent)
    return NotImplemented


def __rpow__(self, base):
    return ops.RPow.apply(base, self) if isinstance(base, numbers.Number) else NotImplemented


def __matmul__(self, other):
    return ops.matmul(self, other) if isinstance(other, Tensor) else NotImplemented


def __rmatmul__(self, other):
    return ops.matmul(other, self) if isinstance(other, Tensor) else NotImplemented


def __neg__(self):
    return ops.Neg.apply(self)


def __pos__(self):
    return self


def __abs__(self):
    return ops.Abs.apply(self)


for _op in (__add__, __radd__, __sub__, __rsub__, __mul__, __rmul__, __truediv__, __rtruediv__, __floordiv__,
            __rfloordiv__, __mod__, __rmod__, __pow__, __rpow__, __matmul__, __rmatmul__, __neg__, __pos__, __abs__):
    setattr(Tensor, _op.__name__, _op)


@_method
def _m_add(self, other, alpha=1):
    return ops.Add.apply(self, other) if alpha == 1 else ops.AddScaled.apply(self, other, alpha)


@_method
def _m_sub(self, other, alpha=1):
    return ops.Sub.apply(self, other) if alpha == 1 else ops.SubScaled.apply(self, other, alpha)


@_method
def _m_mul(self, other):
    return ops.Mul.apply(self, other)


@_method
def _m_div(self, other, *, rounding_mode=None):
    if rounding_mode is None:
        return ops.Div.apply(self, other)
    return ops.DivRounded.apply(self, other, rounding_mode)


@_method
def _m_floor_divide(self, other):
    return self // other


@_method
def _m_remainder(self, other):
    return self % other


@_method
def _m_pow(self, exponent):
    return self ** exponent


@_method
def _m_neg(self):
    return ops.Neg.apply(self)


Tensor.multiply, Tensor.divide, Tensor.subtract, Tensor.negative = Tensor.mul, Tensor.div, Tensor.sub, Tensor.neg
Tensor.true_divide = Tensor.div


@_method
def _m_reciprocal(self):
    return ops.Reciprocal.apply(self)


@_method
def _m_square(self):
    return ops.PowScalar.apply(self, 2)


# ------------------------------------------------------------------ element-wise functions
@_method
def _m_exp(self):
    return ops.Exp.apply(self)


@_method
def _m_log(self):
    return ops.Log.apply(self)


@_method
def _m_sqrt(self):
    return ops.Sqrt.apply(self)


@_method
def _m_rsqrt(self):
    return ops.Rsqrt.apply(self)


@_method
def _m_abs(self):
    return ops.Abs.apply(self)


@_method
def _m_sign(self):
    return ops.Sign.apply(self)


@_method
def _m_sin(self):
    return ops.Sin.apply(self)


@_method
def _m_cos(self):
    return ops.Cos.apply(self)


@_method
def _m_tanh(self):
    return ops.Tanh.apply(self)


@_method
def _m_sigmoid(self):
    return ops.Sigmoid.apply(self)


@_method
def _m_relu(self):
    return ops.Relu.apply(self)


def _one_op_method(name, function):
    """``Tensor.name(self)`` is ``function.apply(self)``: the element-wise functions with nothing to choose."""

    def method(self):
        return function.apply(self)

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    setattr(Tensor, name, method)


for _name, _op in (("floor", ops.Floor), ("ceil", ops.Ceil), ("trunc", ops.Trunc), ("frac", ops.Frac),
                   ("log1p", ops.Log1p), ("expm1", ops.Expm1), ("log2", ops.Log2), ("log10", ops.Log10),
                   ("erf", ops.Erf)):
    _one_op_method(_name, _op)
Tensor.fix = Tensor.trunc


@_method
def _m_round(self, *, decimals=None):
    if decimals is None:  # PyTorch records round() and round(decimals=...) as different nodes
        return ops.Round.apply(self)
    return ops.RoundDecimals.apply(self, decimals)


@_method
def _m_clamp(self, min=None, max=None):
    return ops.Clamp.apply(self, min, max)


Tensor.clip = Tensor.clamp


@_method
def _m_clamp_min(self, min):
    return ops.Clamp.apply(self, min, None)


@_method
def _m_clamp_max(self, max):
    return ops.Clamp.apply(self, None, max)


@_method
def _m_masked_fill(self, mask, value):
    function = ops.MaskedFillTensor if isinstance(value, Tensor) else ops.MaskedFill
    return function.apply(self, mask, value)


@_method
def _m_where(self, condition, other):
    return ops.where(condition, self, other)


@_method
def _m_softmax(self, dim):
    return ops.Softmax.apply(self, dim)


@_method
def _m_log_softmax(self, dim):
    return ops.LogSoftmax.apply(self, dim)


@_method
def _m_clone(self, memory_format=None):
    return ops.Clone.apply(self)


@_method
def _m_contiguous(self, memory_format=None):
    flags = getattr(self._array, "flags", None)
    if flags is None or flags.c_contiguous:
        return self
    return ops.Clone.apply(self)  # a transposed or sliced tensor is copied, as PyTorch does (CloneBackward0)


# ------------------------------------------------------------------ reductions
@_method
def _m_sum(self, dim=None, keepdim=False, dtype=None):
    numpy_dtype = None if dtype is None else _dtype.canonical(dtype).numpy
    if dim is None:
        return ops.Sum.apply(self, None, False, numpy_dtype)
    return ops.SumDim.apply(self, dim, keepdim, numpy_dtype)


@_method
def _m_mean(self, dim=None, keepdim=False, dtype=None):
    numpy_dtype = None if dtype is None else _dtype.canonical(dtype).numpy
    if dim is None:
        return ops.Mean.apply(self, None, False, numpy_dtype)
    return ops.MeanDim.apply(self, dim, keepdim, numpy_dtype)


@_method
def _m_prod(self, dim=None, keepdim=False, dtype=None):
    numpy_dtype = None if dtype is None else _dtype.canonical(dtype).numpy
    if dim is None:
        return ops.reductions.Prod.apply(self, None, False, numpy_dtype)
    if not isinstance(dim, int):  # PyTorch's prod takes one dim only
        raise TypeError("prod(): argument 'dim' must be int, not " + type(dim).__name__)
    return ops.reductions.ProdDim.apply(self, dim, keepdim, numpy_dtype)


@_method
def _m_cumsum(self, dim, dtype=None):
    return ops.reductions.Cumsum.apply(self, dim, None if dtype is None else _dtype.canonical(dtype).numpy)


@_method
def _m_cumprod(self, dim, dtype=None):
    return ops.reductions.Cumprod.apply(self, dim, None if dtype is None else _dtype.canonical(dtype).numpy)


@_method
def _m_amax(self, dim=(), keepdim=False):
    return ops.reductions.Amax.apply(self, dim, keepdim)


@_method
def _m_amin(self, dim=(), keepdim=False):
    return ops.reductions.Amin.apply(self, dim, keepdim)


@_method
def _m_sum_to_size(self, *shape):
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    if tuple(self.shape) == tuple(shape):
        return self
    return ops.SumToSize.apply(self, shape)


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


def _max_or_min(self, dim, keepdim, other, all_op, dim_op, result_type):
    if isinstance(dim, Tensor):  # torch.max(a, b) is the element-wise maximum
        other, dim = dim, None
    if other is not None:
        return (ops.Maximum if all_op is ops.MaxAll else ops.Minimum).apply(self, other)
    if dim is None:
        return all_op.apply(self)
    return result_type(dim_op.apply(self, dim, keepdim))


@_method
def _m_max(self, dim=None, keepdim=False, other=None):
    return _max_or_min(self, dim, keepdim, other, ops.MaxAll, ops.MaxDim, _MaxResult)


@_method
def _m_min(self, dim=None, keepdim=False, other=None):
    return _max_or_min(self, dim, keepdim, other, ops.MinAll, ops.MinDim, _MinResult)


class _SortResult(_ValuesIndices):
    _name = "sort"


class _TopkResult(_ValuesIndices):
    _name = "topk"


@_method
def _m_sort(self, dim=-1, descending=False, *, stable=False):
    # minigrad always sorts stably; stable=True only changes the node's name, as in PyTorch
    return _SortResult((ops.reductions.SortStable if stable else ops.reductions.Sort).apply(self, dim, descending))


@_method
def _m_argsort(self, dim=-1, descending=False, *, stable=False):
    return ops.reductions.Sort.apply(self.detach(), dim, descending)[1]


@_method
def _m_topk(self, k, dim=-1, largest=True, sorted=True):
    # the k come back in sorted order even with sorted=False (PyTorch leaves that order unspecified)
    return _TopkResult(ops.reductions.Topk.apply(self, k, dim, largest))


@_method
def _m_argmax(self, dim=None, keepdim=False):
    array = self._array
    xp = namespace_of(array)
    if dim is None:
        return Tensor._make(xp.asarray(xp.argmax(array)).astype("int64"), False, None, 0)
    axis = _wrap_dim(dim, array.ndim)
    return Tensor._make(xp.argmax(array, axis=axis, keepdims=keepdim).astype("int64"), False, None, 0)


@_method
def _m_argmin(self, dim=None, keepdim=False):
    array = self._array
    xp = namespace_of(array)
    if dim is None:
        return Tensor._make(xp.asarray(xp.argmin(array)).astype("int64"), False, None, 0)
    axis = _wrap_dim(dim, array.ndim)
    return Tensor._make(xp.argmin(array, axis=axis, keepdims=keepdim).astype("int64"), False, None, 0)


@_method
def _m_var(self, dim=None, unbiased=True, keepdim=False, correction=None):
    return ops.Var.apply(self, dim, (1 if unbiased else 0) if correction is None else correction, keepdim)


@_method
def _m_std(self, dim=None, unbiased=True, keepdim=False, correction=None):
    return ops.Std.apply(self, dim, (1 if unbiased else 0) if correction is None else correction, keepdim)


@_method
def _m_logsumexp(self, dim, keepdim=False):
    return ops.LogSumExp.apply(self, dim, keepdim)


@_method
def _m_gather(self, dim, index):
    return ops.Gather.apply(self, dim, index)


@_method
def _m_index_select(self, dim, index):
    if not isinstance(index, Tensor):
        raise TypeError(f"index_select(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    return ops.movement.IndexSelect.apply(self, dim, index)


@_method
def _m_flip(self, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):  # flip(0, 1) and flip([0, 1]) alike
        dims = dims[0]
    return ops.movement.Flip.apply(self, tuple(dims))


@_method
def _m_roll(self, shifts, dims=None):
    return ops.movement.Roll.apply(self, shifts, dims)


@_method
def _m_tril(self, diagonal=0):
    return ops.movement.Tril.apply(self, diagonal)


@_method
def _m_triu(self, diagonal=0):
    return ops.movement.Triu.apply(self, diagonal)


@_method
def _m_diag(self, diagonal=0):
    """A vector's diagonal matrix, or a matrix's diagonal (PyTorch records the two as different nodes)."""
    ndim = self._array.ndim
    if ndim == 1:
        return ops.movement.DiagEmbed.apply(self, diagonal)
    if ndim == 2:
        return ops.movement.Diagonal.apply(self, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


@_method
def _m_outer(self, vec2):
    if not isinstance(vec2, Tensor):
        raise TypeError(f"outer(): argument 'vec2' (position 1) must be Tensor, not {type(vec2).__name__}")
    for name, vector in (("self", self), ("vec2", vec2)):
        if vector.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {vector.ndim}-D")
    return self.reshape(-1, 1) * vec2  # PyTorch's own decomposition: a view times the other vector


@_method
def _m_norm(self, p=2, dim=None, keepdim=False):
    if p == 2:
        return (self * self).sum(dim, keepdim).sqrt() if dim is not None else (self * self).sum().sqrt()
    if p == 1:
        return self.abs().sum(dim, keepdim) if dim is not None else self.abs().sum()
    raise NotImplementedError("minigrad's norm supports p=1 and p=2")


# ------------------------------------------------------------------ comparisons (no gradient)
def _other_array(self, other):
    """The array of ``other`` (a tensor or a number), after PyTorch's same-device check."""
    other_array = getattr(other, "_array", other)
    if type(other_array) is not type(self._array) and isinstance(other, Tensor):
        from .ops._util import check_same_device

        check_same_device(self, other)
    return other_array


def _comparison(name):
    def compare(self, other):
        if not _is_operand(other):
            return NotImplemented
        other_array = _other_array(self, other)
        return Tensor._make(getattr(self._array, name)(other_array), False, None, 0)

    compare.__name__ = name
    return compare


for _name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
    setattr(Tensor, _name, _comparison(_name))
Tensor.eq, Tensor.ne, Tensor.lt = Tensor.__eq__, Tensor.__ne__, Tensor.__lt__
Tensor.le, Tensor.gt, Tensor.ge = Tensor.__le__, Tensor.__gt__, Tensor.__ge__
Tensor.__hash__ = lambda self: id(self)


def _logical(name, array_op):
    def logical(self, other):
        return Tensor._make(array_op(namespace_of(self._array), self._array, _other_array(self, other)),
                            False, None, 0)

    logical.__name__ = name
    return logical


Tensor.__and__ = _logical("__and__", lambda xp, a, b: xp.logical_and(a, b) if a.dtype.kind == "b" else a & b)
Tensor.__or__ = _logical("__or__", lambda xp, a, b: xp.logical_or(a, b) if a.dtype.kind == "b" else a | b)
Tensor.__xor__ = _logical("__xor__", lambda xp, a, b: a ^ b)
Tensor.__invert__ = lambda self: Tensor._make(~self._array, False, None, 0)
Tensor.logical_not = lambda self: Tensor._make(namespace_of(self._array).logical_not(self._array), False, None, 0)


@_method
def _m_all(self, dim=None, keepdim=False):
    return _any_or_all(self, dim, keepdim, "all")


@_method
def _m_any(self, dim=None, keepdim=False):
    return _any_or_all(self, dim, keepdim, "any")


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


@_method
def _m_isinf(self):
    return Tensor._make(namespace_of(self._array).isinf(self._array), False, None, 0)


@_method
def _m_nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    return ops.elementwise.NanToNum.apply(self, nan, posinf, neginf)


@_method
def _m_lerp(self, end, weight):
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' (position 1) must be Tensor, not {type(end).__name__}")
    if isinstance(weight, Tensor):
        return ops.elementwise.LerpTensor.apply(self, end, weight)
    return ops.elementwise.Lerp.apply(self, end, weight)


@_method
def _m_isnan(self):
    return Tensor._make(namespace_of(self._array).isnan(self._array), False, None, 0)


@_method
def _m_allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(namespace_of(self._array).allclose(self._array, _other_array(self, other), rtol=rtol, atol=atol,
                                                   equal_nan=equal_nan))


@_method
def _m_equal(self, other):
    return self.shape == other.shape and bool((self._array == _other_array(self, other)).all())


# ------------------------------------------------------------------ linear algebra
@_method
def _m_mm(self, other):
    return ops.Mm.apply(self, other)


@_method
def _m_mv(self, vector):
    return ops.Mv.apply(self, vector)


@_method
def _m_dot(self, other):
    return ops.Dot.apply(self, other)


@_method
def _m_bmm(self, other):
    return ops.Bmm.apply(self, other)


@_method
def _m_matmul(self, other):
    return ops.matmul(self, other)


# ------------------------------------------------------------------ shape and movement
def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


@_method
def _m_view(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("view(dtype) is not supported by minigrad")
    return _mark_view(ops.View.apply(self, _shape_args(shape)), self)


@_method
def _m_reshape(self, *shape):
    shape = ops.infer_shape(_shape_args(shape), self._array.size)
    if ops.reshape_needs_copy(self._array, shape):
        # no view can have this shape (e.g. a transposed matrix flattened): PyTorch copies, then views the copy
        return ops.UnsafeView.apply(ops.Clone.apply(self), shape)
    return _mark_view(ops.Reshape.apply(self, shape), self)


@_method
def _m_view_as(self, other):
    return self.view(other.shape)


@_method
def _m_reshape_as(self, other):
    return self.reshape(other.shape)


@_method
def _m_flatten(self, start_dim=0, end_dim=-1):
    ndim = self._array.ndim
    if ndim == 0:
        return self.reshape(1)
    start, end = _wrap_dim(start_dim, ndim), _wrap_dim(end_dim, ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return self
    shape = self._array.shape
    middle = 1
    for n in shape[start:end + 1]:
        middle *= n
    return self.reshape(shape[:start] + (middle,) + shape[end + 1:])


@_method
def _m_unsqueeze(self, dim):
    return _mark_view(ops.Unsqueeze.apply(self, dim), self)


@_method
def _m_squeeze(self, dim=None):
    if dim is None:
        return _mark_view(ops.Squeeze.apply(self, None), self)
    return _mark_view(ops.SqueezeDim.apply(self, dim), self)


@_method
def _m_transpose(self, dim0, dim1):
    return _mark_view(ops.Transpose.apply(self, dim0, dim1), self)


Tensor.swapaxes = Tensor.swapdims = Tensor.transpose


@_method
def _m_t(self):
    return _mark_view(ops.T.apply(self), self)


@_method
def _m_permute(self, *dims):
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    return _mark_view(ops.Permute.apply(self, _shape_args(dims)), self)


def _T(self):
    return self.permute(tuple(reversed(range(self._array.ndim))))


Tensor.T = property(_T)
Tensor.mT = property(lambda self: self.transpose(-2, -1))


@_method
def _m_expand(self, *shape):
    if not shape:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    return _mark_view(ops.Expand.apply(self, _shape_args(shape)), self)


@_method
def _m_expand_as(self, other):
    return self.expand(other.shape)


@_method
def _m_repeat(self, *sizes):
    return ops.Repeat.apply(self, _shape_args(sizes))


@_method
def _m_narrow(self, dim, start, length):
    return _mark_view(ops.Narrow.apply(self, dim, start, length), self)


@_method
def _m_split(self, split_size, dim=0):
    size = self.shape[dim]
    if isinstance(split_size, int):
        sizes = [min(split_size, size - start) for start in range(0, size, split_size)] or [0]
        function = ops.Split
    else:
        sizes = list(split_size)
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {dim}), but got split_sizes={sizes}")
        function = ops.SplitWithSizes
    pieces = function.apply(self, sizes, dim)
    return tuple(_mark_view(piece, self) for piece in pieces)


@_method
def _m_chunk(self, chunks, dim=0):
    size = self.shape[dim]
    return self.split(-(-size // chunks), dim)


@_method
def _m_unbind(self, dim=0):
    return tuple(_mark_view(piece, self) for piece in ops.Unbind.apply(self, dim))


@_method
def _m_select(self, dim, index):
    axis = _wrap_dim(dim, self.dim())
    return self[(slice(None),) * axis + (index,)]


def _mark_view(result, source):
    """Remember that ``result`` shares ``source``'s memory (for the in-place-on-a-view rules)."""
    if isinstance(result, Tensor) and namespace_of(result._array) is not None:
        base = getattr(result._array, "base", None)
        if base is not None:
            result._base = source._base if source._base is not None else source
            result._version_counter = source._ensure_version_counter()
    return result


# ------------------------------------------------------------------ indexing
_INDEX_STEPS = {"select": ops.Select, "slice": ops.Slice, "unsqueeze": ops.Unsqueeze, "alias": ops.Alias}


def __getitem__(self, index):
    if type(index) is int and self._array.ndim:  # the common x[i]: one select
        return _mark_view(ops.Select.apply(self, 0, index), self)
    result = self
    for kind, *args in ops.index_plan(ops.prepare_index(_index_on_device(self, index)), self._array.shape):
        if kind == "index":
            result = ops.INDEX_FUNCTIONS["IndexBackward0"].apply(result, *args)  # a copy, not a view
        else:
            result = _mark_view(_INDEX_STEPS[kind].apply(result, *args), result)
    return result


def _index_on_device(self, index):
    """PyTorch's rule for tensors inside an index: on the CPU (moved to ``self``'s device here, so no host
    array meets a device array) or on ``self``'s device."""
    parts = index if type(index) is tuple else (index,)
    if not any(isinstance(part, Tensor) and type(part._array) is not type(self._array) for part in parts):
        return index
    moved = []
    for part in parts:
        if isinstance(part, Tensor) and type(part._array) is not type(self._array):
            if part.device.type != "cpu":
                raise RuntimeError(f"indices should be either on cpu or on the same device as the indexed tensor "
                                   f"({self.device})")
            part = part.to(self.device)
        moved.append(part)
    return tuple(moved) if type(index) is tuple else moved[0]


def __setitem__(self, index, value):
    prepared = ops.prepare_index(_index_on_device(self, index))
    if isinstance(value, Tensor) and type(value._array) is not type(self._array):
        value = value.to(self.device)  # x[i] = v copies v across devices, as copy_ does in PyTorch
    if not isinstance(value, Tensor):  # PyTorch wraps the number: it shows as (None, 0) in next_functions
        value = Tensor._make(namespace_of(self._array).asarray(value, dtype=self._array.dtype), False, None, 0)
    # PyTorch's three ways to write, and so its three node names: index_put_ for index tensors and masks
    # (IndexPutBackward0), a copy into x itself when the index covers all of x (x[:] = v: CopyBackwards, or
    # FillBackward3 for a single value), else a copy into a view of x (CopySlices)
    if ops.is_advanced_index(prepared):
        if value.dim() and value.shape[0] == 1:
            value = value.view(_without_leading_ones(value.shape))
        _in_place(self, ops.IndexPut, prepared, value, copy_input=False)
    elif ops.index_plan(prepared, self._array.shape, slice_alone_is_a_step=False) == [("alias",)]:
        if value.dim() == 0:
            _in_place(self, ops.FillTensor, value, copy_input=False)
        else:
            _in_place(self, ops.Copy, _broadcast_like_copy_to(value, self.shape), copy_input=False)
    else:
        if self._requires_grad and self.grad_fn is None and _grad_state.enabled:
            raise RuntimeError(with_lesson("a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation.", "in_place"))
        if value.dim():
            value = _broadcast_like_copy_to(value, self._array[prepared].shape)
        _in_place(self, ops.CopySlices, prepared, value, copy_input=False)


def _without_leading_ones(shape):
    shape = tuple(shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def _broadcast_like_copy_to(value, shape):
    """The value of ``x[i] = value`` brought to the slot's shape as PyTorch records it: a view without the
    leading 1s, then an expand (ViewBackward0, ExpandBackward0), unless it already has the slot's shape."""
    shape = tuple(shape)
    if tuple(value.shape) == shape:
        return value
    value = value.view(_without_leading_ones(value.shape))
    return value if tuple(value.shape) == shape else value.expand(shape)


Tensor.__getitem__ = __getitem__
Tensor.__setitem__ = __setitem__


# ------------------------------------------------------------------ dtype and device
@_method
def _m_to(self, *args, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
    from ._device import device as device_class

    target_dtype = kwargs.pop("dtype", None)
    target_device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("copy", None)
    for arg in args:
        if isinstance(arg, _dtype.dtype):
            target_dtype = arg
        elif isinstance(arg, Tensor):
            target_dtype, target_device = arg.dtype, arg.device
        elif isinstance(arg, (str, device_class)):
            target_device = arg
        elif isinstance(arg, int):
            target_device = device_class("cuda", arg)
    result = self
    if target_device is not None:
        result = _to_device(result, target_device)
    if target_dtype is not None:
        target_dtype = _dtype.canonical(target_dtype)
        if target_dtype.numpy != result._array.dtype:
            result = ops.ToCopy.apply(result, target_dtype.numpy)
    return result


def _to_device(tensor, target):
    from . import _device_transfer

    return _device_transfer.to_device(tensor, target)


@_method
def _m_float(self):
    return self.to(_dtype.float32)


@_method
def _m_double(self):
    return self.to(_dtype.float64)


@_method
def _m_half(self):
    return self.to(_dtype.float16)


@_method
def _m_long(self):
    return self.to(_dtype.int64)


@_method
def _m_int(self):
    return self.to(_dtype.int32)


@_method
def _m_bool(self):
    return self.to(_dtype.bool)


@_method
def _m_type(self, dtype=None):
    if dtype is None:
        return type_name(self)
    return self.to(_dtype.canonical(dtype))


@_method
def _m_type_as(self, other):
    return self.to(other.dtype)


def type_name(tensor) -> str:
    prefix = "torch.cuda." if tensor.device.type == "cuda" else "torch."
    return prefix + tensor.dtype._short_tensor_name


@_method
def _m_cpu(self):
    return self.to("cpu")


@_method
def _m_cuda(self, device=None):
    return self.to("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")


@_method
def _m_new_tensor(self, data, dtype=None, requires_grad=False):
    from .factories import tensor

    return tensor(data, dtype=dtype or self.dtype, device=self.device, requires_grad=requires_grad)


def _new_factory(name):
    def make(self, *size, dtype=None, device=None, requires_grad=False):
        from . import factories

        return getattr(factories, name)(*size, dtype=dtype or self.dtype, device=device or self.device,
                                        requires_grad=requires_grad)

    make.__name__ = f"new_{name}"
    return make


Tensor.new_zeros = _new_factory("zeros")
Tensor.new_ones = _new_factory("ones")
Tensor.new_empty = _new_factory("zeros")


# ------------------------------------------------------------------ in-place ops
def _in_place(self, function, *args, copy_input=True):
    """Run ``function`` as an in-place update of ``self`` and keep autograd's books straight.

    * A leaf that requires grad may only change in place under ``no_grad`` (e.g. ``w -= lr * w.grad``).
    * Every in-place change bumps the version counter shared with ``detach()`` and views, so a node that
      saved the old values fails loudly instead of computing a wrong gradient.
    * When recorded, ``self`` continues its history through the new node, as in PyTorch.
    """
    recording = _grad_state.enabled and (self._requires_grad or any(
        isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(with_lesson("a leaf Variable that requires grad is being used in an in-place "
                                           "operation.", "in_place"))
        base = self._base
        if base is not None and base._requires_grad:
            if base.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
            raise RuntimeError("minigrad does not record in-place changes to a view of a tensor that requires "
                               "grad (PyTorch rewrites the base's history; minigrad refuses rather than give a "
                               "wrong gradient). Write the result out of place, e.g. with torch.where or cat.")
        # The op must see the old values even though we overwrite them: give it a copy with self's history.
        source = self
        if copy_input:
            source = Tensor._make(self._array.copy(), self._requires_grad, self.grad_fn, self._output_nr)
            source._fw_grad = self._fw_grad
        result = function.apply(source, *args)
        if result._array is not self._array:
            _write_into(self, result._array)
        self._bump_version()
        if result.grad_fn is not None:
            _function.adopt_saved_outputs(result.grad_fn, self)
        self.grad_fn = result.grad_fn
        self._requires_grad = result._requires_grad
        self._output_nr = result._output_nr
        self._fw_grad = result._fw_grad  # forward AD: the new values' tangent
        return self
    if (function is ops.CopySlices or function is ops.IndexPut) and _forward_ad.state.level is None:
        array = self._array
        value = args[1]
        array[args[0]] = getattr(value, "_array", value)
    else:
        previous, _grad_state.enabled = _grad_state.enabled, False
        try:
            result = function.apply(self, *args)
        finally:
            _grad_state.enabled = previous
        _write_into(self, result._array)
        self._fw_grad = result._fw_grad
    self._bump_version()
    return self


# The updates an optimizer step makes (``w -= lr * w.grad``, ``w.add_(g, alpha=-lr)``, ``w.grad.zero_()``):
# when nothing records, NumPy computes them straight into the tensor's memory (ufunc ``out=``) instead of
# into a new array that is then copied over -- an allocation and two passes over the weights saved per
# update -- and the methods skip ``_in_place``'s general machinery. The checks run cheapest-first for the
# usual case: a float NumPy tensor under ``no_grad`` and a tensor or Python number as operand.
def _update_array_in_place(self, ufunc, other, alpha=1) -> bool:
    """Compute ``self = ufunc(self, alpha * other)`` on self's NumPy array and bump the version, returning
    True; or change nothing and return False for the general path: another device, a non-float tensor, an
    update autograd must record (or forward AD or a jit trace must see), another kind of operand, or one
    NumPy refuses (a shape that does not broadcast to self's, a read-only array): the general path then
    raises PyTorch's error."""
    array = self._array
    if type(array) is not _ndarray or array.dtype.kind != "f":
        return False
    if _grad_state.enabled and (self._requires_grad or isinstance(other, Tensor) and other._requires_grad):
        return False
    if _forward_ad.state.level is not None or _function._trace_hook is not None:
        return False
    if isinstance(other, Tensor):
        other = other._array
        if type(other) is not _ndarray or other.dtype is not array.dtype:  # mixed dtypes: PyTorch's promotion
            return False
    elif type(other) is not float and type(other) is not int:
        return False
    if alpha != 1:  # add_/sub_ with alpha: self ± alpha * other, alpha a Python number as in AddScaled
        if type(alpha) is not float and type(alpha) is not int:
            return False
        other = other * alpha
    try:
        ufunc(array, other, out=array)
    except ValueError:  # refused before writing anything (see above)
        return False
    _bump_version_of(self)
    return True


def _bump_version_of(tensor, times: int = 1) -> None:
    """``tensor._bump_version()`` ``times`` times, in one call: it runs once per update on the fast paths."""
    counter = tensor._version_counter
    if counter is None:
        counter = tensor._ensure_version_counter()
    counter.value += times


def _write_into(tensor, array):
    target = tensor._array
    if target.shape != array.shape:
        raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast shape "
                           f"{list(array.shape)}")
    if target.dtype != array.dtype and target.dtype.kind != "f" and array.dtype.kind == "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_dtype.from_numpy_dtype(target.dtype)._short_tensor_name.replace('Tensor', '')}")
    target[...] = array


def _in_place_method(name, function_of_args):
    def method(self, *args, **kwargs):
        function, op_args = function_of_args(self, *args, **kwargs)
        return _in_place(self, function, *op_args)

    method.__name__ = name
    setattr(Tensor, name, method)


def _arithmetic_in_place(name, ufunc, function, scaled_function=None):
    """``Tensor.add_`` and its kin: the NumPy fast path above, else ``_in_place`` with ``function`` (or
    ``scaled_function`` for an ``alpha`` other than 1)."""
    if scaled_function is None:
        def method(self, other):
            if _update_array_in_place(self, ufunc, other):
                return self
            return _in_place(self, function, other)
    else:
        def method(self, other, alpha=1):
            if _update_array_in_place(self, ufunc, other, alpha):
                return self
            if alpha == 1:
                return _in_place(self, function, other)
            return _in_place(self, scaled_function, other, alpha)

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    setattr(Tensor, name, method)


_arithmetic_in_place("add_", _host.add, ops.Add, ops.AddScaled)
_arithmetic_in_place("sub_", _host.subtract, ops.Sub, ops.SubScaled)
_arithmetic_in_place("mul_", _host.multiply, ops.Mul)
_arithmetic_in_place("div_", _host.divide, ops.Div)
_true_div_ = Tensor.div_


def _m_div_(self, other, *, rounding_mode=None):
    if rounding_mode is None:
        return _true_div_(self, other)
    return _in_place(self, ops.DivRounded, other, rounding_mode)


_m_div_.__qualname__ = "Tensor.div_"
Tensor.div_ = _m_div_
_in_place_method("floor_divide_", lambda self, other: (ops.FloorDivideInPlace, (other,)))
_in_place_method("remainder_", lambda self, other: (ops.RemainderTensor if isinstance(other, Tensor) else ops.Remainder,
                                                    (other,)))
_in_place_method("pow_", lambda self, exponent: (ops.PowScalar, (exponent,)))
_in_place_method("clamp_", lambda self, min=None, max=None: (ops.Clamp, (min, max)))
_in_place_method("relu_", lambda self: (ops.Relu, ()))
_in_place_method("exp_", lambda self: (ops.Exp, ()))
_in_place_method("sigmoid_", lambda self: (ops.Sigmoid, ()))
_in_place_method("tanh_", lambda self: (ops.Tanh, ()))
_in_place_method("neg_", lambda self: (ops.Neg, ()))
for _name, _op in (("floor_", ops.Floor), ("ceil_", ops.Ceil), ("trunc_", ops.Trunc), ("frac_", ops.Frac),
                   ("log1p_", ops.Log1p), ("expm1_", ops.Expm1), ("log2_", ops.Log2), ("log10_", ops.Log10),
                   ("erf_", ops.Erf)):
    _in_place_method(_name, lambda self, _op=_op: (_op, ()))
Tensor.fix_ = Tensor.trunc_
_in_place_method("round_", lambda self, *, decimals=None: (ops.Round, ()) if decimals is None
                 else (ops.RoundDecimals, (decimals,)))
_in_place_method("masked_fill_", lambda self, mask, value: (ops.MaskedFill, (mask, value)))
Tensor.__iadd__ = Tensor.add_
Tensor.__isub__ = Tensor.sub_
Tensor.__imul__ = Tensor.mul_
Tensor.__itruediv__ = Tensor.div_
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_


@_method
def _m_zero_(self):
    array = self._array
    # the fast path of _update_array_in_place for zeroing a NumPy array (a gradient, most often)
    if (type(array) is _ndarray and not (_grad_state.enabled and self._requires_grad)
            and _forward_ad.state.level is None and _function._trace_hook is None):
        try:
            array.fill(0)
        except ValueError:  # read-only: the general path says what is wrong
            pass
        else:
            _bump_version_of(self)
            return self
    return _in_place(self, ops.Zero, copy_input=False)


@_method
def _m_fill_(self, value):
    return _in_place(self, ops.FillTensor if isinstance(value, Tensor) else ops.Fill, value, copy_input=False)


@_method
def _m_copy_(self, source, non_blocking=False):
    if not isinstance(source, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(source).__name__}")
    if source._array.shape != self._array.shape:
        try:
            namespace_of(self._array).broadcast_to(source._array, self._array.shape)
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({self.shape[-1] if self.dim() else 1}) must match the size "
                               f"of tensor b ({source.shape[-1] if source.dim() else 1}) at non-singleton "
                               "dimension 0") from None
    if type(source._array) is not type(self._array):
        from . import _device_transfer

        source = _device_transfer.to_device(source, self.device)
    return _in_place(self, ops.Copy, source, copy_input=False)


@_method
def _m_uniform_(self, a=0.0, b=1.0):
    from . import random as _random

    with _grad_mode.no_grad():
        return self.copy_(_random.rand(*self.shape, dtype=self.dtype, device=self.device) * (b - a) + a)


@_method
def _m_normal_(self, mean=0.0, std=1.0):
    from . import random as _random

    with _grad_mode.no_grad():
        return self.copy_(_random.randn(*self.shape, dtype=self.dtype, device=self.device) * std + mean)
