"""Shape and movement methods of ``Tensor`` (``view``, ``reshape``, ``transpose``, ``split``, ...) and indexing
(``x[i]``, ``x[i] = v``). Results that share their input's memory are marked as views (``_mark_view``) so the
in-place rules can find their base."""
from __future__ import annotations

from .. import _dtype, _tensor
from .._lesson_hints import with_lesson
from ..autograd import grad_mode as _grad_mode
from ..backend import namespace_of
from .in_place import _in_place
from .reductions import dim_or_axis, required_dim

# Bound by minigrad._tensor_methods.bind once both exist: ops imports Tensor at import time, and Tensor's class
# statement needs this mixin first, so neither can be imported here.
Tensor = ops = None
_grad_state = _grad_mode.state

# What each step of an index plan (ops.index_plan) applies, by the op's name in minigrad.ops
_INDEX_STEPS = {"select": "Select", "slice": "Slice", "unsqueeze": "Unsqueeze", "alias": "Alias"}


class ShapeMethods:
    __slots__ = ()

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
            raise NotImplementedError("view(dtype) is not supported by minigrad")
        return _mark_view(ops.View.apply(self, _shape_args(shape)), self)

    def reshape(self, *shape):
        shape = ops.infer_shape(_shape_args(shape), self._array.size)
        if ops.reshape_needs_copy(self._array, shape):
            # no view can have this shape (e.g. a transposed matrix flattened): PyTorch copies, then views the copy
            return ops.UnsafeView.apply(ops.Clone.apply(self), shape)
        return _mark_view(ops.Reshape.apply(self, shape), self)

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        ndim = self._array.ndim
        if ndim == 0:
            return self.reshape(1)
        start, end = _tensor._wrap_dim(start_dim, ndim), _tensor._wrap_dim(end_dim, ndim)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if start == end:
            return self
        shape = self._array.shape
        middle = 1
        for n in shape[start:end + 1]:
            middle *= n
        return self.reshape(shape[:start] + (middle,) + shape[end + 1:])

    def unsqueeze(self, dim=None, *, axis=None):
        return _mark_view(ops.Unsqueeze.apply(self, required_dim("unsqueeze", dim, axis)), self)

    def squeeze(self, dim=None, *, axis=None):
        dim = dim_or_axis("squeeze", dim, axis)
        if dim is None:
            return _mark_view(ops.Squeeze.apply(self, None), self)
        return _mark_view(ops.SqueezeDim.apply(self, dim), self)

    def transpose(self, dim0, dim1):
        return _mark_view(ops.Transpose.apply(self, dim0, dim1), self)

    def swapaxes(self, dim0, dim1):
        return self.transpose(dim0, dim1)

    def swapdims(self, dim0, dim1):
        return self.transpose(dim0, dim1)

    def t(self):
        return _mark_view(ops.T.apply(self), self)

    def permute(self, *dims):
        if not dims:
            raise TypeError('permute() missing 1 required positional arguments: "dims"')
        return _mark_view(ops.Permute.apply(self, _shape_args(dims)), self)

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self._array.ndim))))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def expand(self, *shape):
        if not shape:
            raise TypeError('expand() missing 1 required positional arguments: "size"')
        return _mark_view(ops.Expand.apply(self, _shape_args(shape)), self)

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes):
        return ops.Repeat.apply(self, _shape_args(sizes))

    def narrow(self, dim, start, length):
        return _mark_view(ops.Narrow.apply(self, dim, start, length), self)

    def split(self, split_size, dim=0):
        size = self.shape[dim]
        if isinstance(split_size, int):
            sizes = [min(split_size, size - start) for start in range(0, size, split_size)] or [0]
            function = ops.Split
        else:
            sizes = list(split_size)
            if sum(sizes) != size:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                                   f"size at dimension {dim}), but got split_sizes={sizes}")
            function = ops.SplitWithSizes
        pieces = function.apply(self, sizes, dim)
        return tuple(_mark_view(piece, self) for piece in pieces)

    def chunk(self, chunks, dim=0):
        size = self.shape[dim]
        return self.split(-(-size // chunks), dim)

    def unbind(self, dim=0):
        return tuple(_mark_view(piece, self) for piece in ops.Unbind.apply(self, dim))

    def select(self, dim, index):
        axis = _tensor._wrap_dim(dim, self.dim())
        return self[(slice(None),) * axis + (index,)]

    def gather(self, dim, index):
        if isinstance(index, Tensor) and self._array.ndim:  # PyTorch's words for an index out of range
            axis = _tensor._wrap_dim(dim, self._array.ndim)
            ops.scatter.check_index_bounds(index._array, axis, self._array.shape[axis])
        return ops.Gather.apply(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return _scatter_function(src, value, reduce).apply(self, *_scatter_args(dim, index, src, value, reduce))

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        return _in_place(self, _scatter_function(src, value, reduce), *_scatter_args(dim, index, src, value, reduce))

    def scatter_add(self, dim, index, src):
        return ops.scatter.ScatterAdd.apply(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return _in_place(self, ops.scatter.ScatterAdd, dim, index, src)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return ops.scatter.ScatterReduce.apply(self, dim, index, src, reduce, include_self)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return _in_place(self, ops.scatter.ScatterReduce, dim, index, src, reduce, include_self)

    def broadcast_to(self, size):
        return self.expand(size)

    def _is_view(self):
        """Whether this tensor shares the memory of another (its ``_base``): what torchviz asks."""
        return self._base is not None

    def index_select(self, dim, index):
        if not isinstance(index, Tensor):
            raise TypeError(f"index_select(): argument 'index' (position 2) must be Tensor, not "
                            f"{type(index).__name__}")
        return ops.movement.IndexSelect.apply(self, dim, index)

    def flip(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):  # flip(0, 1) and flip([0, 1]) alike
            dims = dims[0]
        return ops.movement.Flip.apply(self, tuple(dims))

    def roll(self, shifts, dims=None):
        return ops.movement.Roll.apply(self, shifts, dims)

    def tril(self, diagonal=0):
        return ops.movement.Tril.apply(self, diagonal)

    def triu(self, diagonal=0):
        return ops.movement.Triu.apply(self, diagonal)

    def diag(self, diagonal=0):
        """A vector's diagonal matrix, or a matrix's diagonal (PyTorch records the two as different nodes)."""
        ndim = self._array.ndim
        if ndim == 1:
            return ops.movement.DiagEmbed.apply(self, diagonal)
        if ndim == 2:
            return ops.movement.Diagonal.apply(self, diagonal)
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, index):
        if type(index) is int and self._array.ndim:  # the common x[i]: one select
            return _mark_view(ops.Select.apply(self, 0, index), self)
        result = self
        for kind, *args in ops.index_plan(ops.prepare_index(_index_on_device(self, index)), self._array.shape):
            if kind == "index":
                result = ops.INDEX_FUNCTIONS["IndexBackward0"].apply(result, *args)  # a copy, not a view
            else:
                result = _mark_view(getattr(ops, _INDEX_STEPS[kind]).apply(result, *args), result)
        return result

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


def _scatter_function(src, value, reduce):
    """Which op ``scatter(dim, index, src or value, reduce=...)`` is, as PyTorch tells them apart."""
    if reduce is not None:
        return ops.scatter.ScatterWithReduce
    return ops.scatter.Scatter if isinstance(src, Tensor) else ops.scatter.ScatterValue


def _scatter_args(dim, index, src, value, reduce):
    if (src is None) == (value is None):
        raise TypeError("scatter() missing 1 required positional arguments: \"src\"" if src is None else
                        "scatter() got multiple values for argument 'value'")
    source = src if src is not None else value
    return (dim, index, source) if reduce is None else (dim, index, source, reduce)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _mark_view(result, source):
    """Remember that ``result`` shares ``source``'s memory (for the in-place-on-a-view rules)."""
    if isinstance(result, Tensor) and namespace_of(result._array) is not None:
        base = getattr(result._array, "base", None)
        if base is not None:
            result._base = source._base if source._base is not None else source
            result._version_counter = source._ensure_version_counter()
    return result


def _index_on_device(self, index):
    """PyTorch's rule for tensors inside an index: on the CPU (moved to ``self``'s device here, so no host
    array meets a device array) or on ``self``'s device."""
    parts = index if type(index) is tuple else (index,)
    if not any(isinstance(part, Tensor) and part.device != self.device for part in parts):
        return index
    moved = []
    for part in parts:
        if isinstance(part, Tensor) and part.device != self.device:  # (a vmapped index: its batch's device)
            if part.device.type != "cpu":
                raise RuntimeError(f"indices should be either on cpu or on the same device as the indexed tensor "
                                   f"({self.device})")
            part = part.to(self.device)
        moved.append(part)
    return tuple(moved) if type(index) is tuple else moved[0]


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
