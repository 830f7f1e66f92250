"""Batching rules: how ``vmap`` runs an op once on a whole batch instead of once per example.

Inside ``vmap(f)(x)``, ``f`` sees a ``BatchedTensor``: a tensor that *looks* like one example (its
``shape`` is the per-example shape) and *holds* the whole batch, stacked along dim 0 of ``_value``. When an
op meets a batched argument, ``Function.apply`` hands it to ``dispatch`` here, which looks the op up in
``RULES`` and runs the op's batching rule: the rule moves the batch dimension where the op expects it
(shifts ``dim`` arguments by one, lines broadcasting operands up, turns ``mm`` into a batched ``matmul``),
calls the same op once on the stacked values and wraps the result as a ``BatchedTensor`` again.

    x.sum(1)   with x batched, per-example shape (3, 4)  ->  Sum.apply(value, 2) on the (B, 3, 4) stack

Nested ``vmap``s give nested wrappers: each ``vmap`` opens a *level*, and ``BatchedTensor(value, level)`` may
hold, as its value, a ``BatchedTensor`` of an outer level. ``dispatch`` peels the innermost level (the
highest number) and calls the op again, which peels the next one, down to plain tensors. Autograd happens on
those plain (physical) tensors: the graph is recorded on the stacked values, which is why ``grad`` inside
``vmap`` gives per-example gradients in one backward pass (see ``per_example`` and ``minigrad.func``).

Ops without a rule still work: ``loop_fallback`` runs them example by example and warns, naming the op.
"""
from __future__ import annotations

import functools
import threading
import warnings

from . import backend as _backend, random as _random
from ._tensor import Tensor, _init_fields
from .autograd import function as _function, grad_mode as _grad_mode
from .nn import _conv_ops, _layer_ops, _loss_ops, _norm_ops, _pool_ops
from .ops import (elementwise as _elementwise, linalg as _linalg, movement as _movement, norms as _norms,
                  reductions as _reductions, scatter as _scatter)

__all__ = ["BatchedTensor", "RULES", "dispatch", "vmap_level"]


# ------------------------------------------------------------------------------------------ levels
class _Level:
    """One running ``vmap``: its number (inner vmaps have higher ones), batch size and randomness mode."""

    __slots__ = ("number", "size", "randomness", "xp")

    def __init__(self, number, size, randomness, xp):
        self.number, self.size, self.randomness, self.xp = number, size, randomness, xp


class _Levels(threading.local):
    stack: list = None  # the running vmaps of this thread, outermost first

    def __init__(self):
        self.stack = []


_levels = _Levels()
_running = [0]  # vmaps running in all threads: Function.apply consults ``dispatch`` only while one does
_running_lock = threading.Lock()


class vmap_level:
    """``with vmap_level(size, randomness, xp) as level:`` opens one vmap level for the current thread (``xp``:
    the array namespace of the batched inputs)."""

    def __init__(self, size, randomness, xp):
        stack = _levels.stack
        self.level = _Level(stack[-1].number + 1 if stack else 1, size, randomness, xp)

    def __enter__(self):
        _levels.stack.append(self.level)
        with _running_lock:
            _running[0] += 1
            _function._vmap_hook = dispatch
            _random._vmap_draw = draw_in_vmap
        return self.level

    def __exit__(self, *exc):
        _levels.stack.pop()
        with _running_lock:
            _running[0] -= 1
            if _running[0] == 0:
                _function._vmap_hook = None
                _random._vmap_draw = None
        return False


def active_levels() -> list:
    return _levels.stack


# ------------------------------------------------------------------------------------------ the tensor
RANDOMNESS_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' "
                    "or 'different' randomness flags on vmap or perform the randomness operation out of vmap")
ITEM_ERROR = ("vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over calling .item() on "
              "a Tensor, please try to rewrite what you're doing with other operations. If error is occurring "
              "somewhere inside PyTorch internals, please file a bug report.")
CONTROL_FLOW_ERROR = ("vmap: It looks like you're attempting to use a Tensor in some data-dependent control flow. "
                      "We don't support that yet, please file an issue at https://github.com/pytorch/pytorch/issues .")
IN_PLACE_ERROR = ("vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a Tensor "
                  "`other` in extra_args that has more elements than `self`. This happened due to `other` being "
                  "vmapped over but `self` not being vmapped over in a vmap. Please try to use out-of-place "
                  "operators instead of inplace arithmetic. If said operator is being called inside the PyTorch "
                  "framework, please file a bug report instead.")
NO_STORAGE_ERROR = "Cannot access data pointer of Tensor that doesn't have storage"


class _LogicalArray:
    """What a ``BatchedTensor`` keeps in ``_array``: one example's shape and dtype, and no numbers.

    Tensor methods read shapes from ``_array`` before they call an op, so they see the per-example shape.
    Nothing may compute on it: the numbers live in the batched tensor's ``_value``, and any attempt to
    read them as an array (writing a batched result into an unbatched tensor, ``numpy()``) raises.
    ``batched`` leads back to the tensor (functions that pass an argument's array to an op, as ``nll_loss``
    passes its target's, still get batched).
    """

    __slots__ = ("shape", "dtype", "batched", "__weakref__")
    base = None  # never a view of another array (read by the view bookkeeping of Tensor.view)
    flags = None

    def __init__(self, shape, dtype, batched):
        self.shape, self.dtype, self.batched = tuple(shape), dtype, batched

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def strides(self) -> tuple:
        """No memory of its own: never the zero stride of an expanded tensor (a write into the batch is
        checked by the stacked tensor's own write)."""
        return (1,) * len(self.shape)

    @property
    def size(self) -> int:
        total = 1
        for n in self.shape:
            total *= n
        return total

    def reshape(self, *shape):
        """A reshaped batched argument array (``nll_loss`` reshapes its target's): the batched tensor's
        reshape (its rule keeps the batch dim), as an array again."""
        return self.batched.reshape(*shape)._array

    def __array__(self, *args, **kwargs):
        raise RuntimeError(IN_PLACE_ERROR)  # reached when a batched result is written into an unbatched tensor

    def copy(self):
        """The old values an in-place op reads while the result overwrites them (``_in_place``): a clone of
        the stack, which keeps its history."""
        batched = self.batched
        return wrap(batched._value.clone(), batched._level)._array

    def __setitem__(self, index, source):
        """An in-place op on the batched tensor writes its result here (``_in_place``'s last step): the values
        go into the stacked tensor, by an in-place copy that autograd records."""
        target = self.batched
        if type(source) is _LogicalArray:
            source = source.batched
        elif not isinstance(source, Tensor):
            source = Tensor._make(source, False, None, 0)
        target.copy_(source) if index is Ellipsis else target.__setitem__(index, source)


class _LogicalBackend:
    """The backend answering for ``_LogicalArray``: its device is the batched value's, and functions that ask
    an argument's array for its namespace (to make a constant of the right kind) get the batch's."""

    @property
    def xp(self):
        return _levels.stack[-1].xp

    @staticmethod
    def device_of(array):
        return array.batched._value.device

    @staticmethod
    def writable(array):
        return array  # in-place writes go to the batch, which the batching rules handle


_backend._BACKEND_BY_ARRAY_TYPE[_LogicalArray] = _LogicalBackend()


class BatchedTensor(Tensor):
    """One example's view of a batch: ``_value`` holds the batch along dim 0, for vmap level ``_level``."""

    __slots__ = ("_value", "_level")

    @property
    def grad_fn(self):
        """A stand-in node while the stack has history (the real one is the stack's), so that in-place ops
        record, as on any computed tensor; None otherwise."""
        return _STACK_HAS_HISTORY if physical(self).grad_fn is not None else None

    @grad_fn.setter
    def grad_fn(self, node):
        pass  # the history is the stack's, set by the ops that run on it

    def __repr__(self) -> str:
        return f"BatchedTensor(lvl={self._level}, bdim=0, value=\n{self._value!r}\n)"

    # ---- autograd state lives on the physical (stacked) tensor
    @property
    def requires_grad(self) -> bool:
        return self._value.requires_grad

    @requires_grad.setter
    def requires_grad(self, value) -> None:
        self._value.requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self._value.requires_grad_(requires_grad)
        return self

    def detach(self):
        return wrap(self._value.detach(), self._level)

    @property
    def device(self):
        return self._value.device

    # ---- no numbers out of a batch
    def item(self):
        raise RuntimeError(ITEM_ERROR)

    def __bool__(self):
        raise RuntimeError(CONTROL_FLOW_ERROR)

    def tolist(self):
        raise RuntimeError(NO_STORAGE_ERROR)

    def numpy(self, force=False):
        raise RuntimeError(NO_STORAGE_ERROR)

    def _host_array(self):
        raise RuntimeError(NO_STORAGE_ERROR)

    # ---- methods that compute on arrays without an op: run them on the stacked values
    def __eq__(self, other):
        return _elementwise_method("__eq__", self, other)

    def __ne__(self, other):
        return _elementwise_method("__ne__", self, other)

    def __lt__(self, other):
        return _elementwise_method("__lt__", self, other)

    def __le__(self, other):
        return _elementwise_method("__le__", self, other)

    def __gt__(self, other):
        return _elementwise_method("__gt__", self, other)

    def __ge__(self, other):
        return _elementwise_method("__ge__", self, other)

    def __and__(self, other):
        return _elementwise_method("__and__", self, other)

    def __or__(self, other):
        return _elementwise_method("__or__", self, other)

    def __xor__(self, other):
        return _elementwise_method("__xor__", self, other)

    def __invert__(self):
        return _elementwise_method("__invert__", self)

    def logical_not(self):
        return _elementwise_method("logical_not", self)

    def isnan(self):
        return _elementwise_method("isnan", self)

    def isinf(self):
        return _elementwise_method("isinf", self)

    def any(self, dim=None, keepdim=False):
        return _index_reduction("any", self, dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return _index_reduction("all", self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _index_reduction("argmax", self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _index_reduction("argmin", self, dim, keepdim)

    __hash__ = Tensor.__hash__

    def __getitem__(self, index):
        # Index tensors on this tensor's device would fail Tensor.__getitem__'s device check (it compares
        # array types, and ours is _LogicalArray): hand them over from the host, where that check moves
        # them to the device again.
        parts = index if type(index) is tuple else (index,)
        if any(isinstance(part, Tensor) and type(part) is not BatchedTensor and part.device.type != "cpu"
               and part.device == self.device for part in parts):
            moved = tuple(part.cpu() if isinstance(part, Tensor) and type(part) is not BatchedTensor else part
                          for part in parts)
            index = moved if type(index) is tuple else moved[0]
        return Tensor.__getitem__(self, index)

    # ---- in-place changes go to the stacked values (other in-place ops run the op on the batch and write the
    # result through ``_LogicalArray.__setitem__``)
    def __setitem__(self, index, value):
        target = self[index]  # the per-example region, to line a batched value up with it
        self._value[_batch_key(index)] = _aligned(value, self._level, target.dim())

    def copy_(self, source, non_blocking=False):
        self._value.copy_(_aligned(source, self._level, self.dim()))
        return self

    def zero_(self):
        self._value.zero_()
        return self

    def fill_(self, value):
        if isinstance(value, Tensor):
            return self.copy_(value)
        self._value.fill_(value)
        return self


class _StackHasHistory:
    """What ``BatchedTensor.grad_fn`` shows while the stack has a node: no saved tensors to re-point."""

    _saved = ()


_STACK_HAS_HISTORY = _StackHasHistory()


def wrap(value, level: int) -> BatchedTensor:
    """``value`` (batch along dim 0) as a BatchedTensor of ``level``."""
    tensor = object.__new__(BatchedTensor)
    _init_fields(tensor, None, value.requires_grad, None, 0)
    tensor._array = _LogicalArray(value.shape[1:], value._array.dtype, tensor)
    tensor._value, tensor._level = value, level
    return tensor


def is_batched_at(value, level: int) -> bool:
    array = getattr(value, "_array", None)
    return type(array) is _LogicalArray and array.batched._level == level


def _batch_size(level: int) -> int:
    for running in _levels.stack:
        if running.number == level:
            return running.size
    raise RuntimeError("vmap: a BatchedTensor was used outside of the vmap that made it (it escaped through a "
                       "global or a side output); return it from the vmapped function instead")


def _expanded(value, level: int):
    """An unbatched ``value`` repeated along a new dim 0 for ``level`` (a view, no copy)."""
    size = _batch_size(level)
    return value.unsqueeze(0).expand(size, *value.shape)


def _aligned(value, level: int, ndim: int):
    """``value`` for a write into a batched region of ``ndim`` per-example dims: its stacked values with the
    batch along dim 0 and the per-example dims right-aligned, or ``value`` itself when unbatched."""
    if not is_batched_at(value, level):
        return value
    inner = value._value
    example_shape = tuple(inner.shape[1:])
    if ndim >= len(example_shape):
        example_shape = (1,) * (ndim - len(example_shape)) + example_shape
    elif all(n == 1 for n in example_shape[:len(example_shape) - ndim]):  # leading ones broadcast away
        example_shape = example_shape[len(example_shape) - ndim:]
    return inner.reshape((inner.shape[0],) + example_shape)


def _batch_key(index):
    """An index of one example as an index of the stack: a full slice in front for the batch dim."""
    return (slice(None),) + (index if type(index) is tuple else (index,))


def _elementwise_method(name, *tensors):
    """A Tensor method that computes on arrays directly (comparisons, ``isnan``) run on the stacked values."""
    level = max(t._level for t in tensors if type(t) is BatchedTensor)
    values = _broadcast_operands(tensors, level)
    return wrap(getattr(values[0], name)(*values[1:]), level)


def _index_reduction(name, tensor, dim, keepdim):
    """argmax / argmin / any / all (computed on arrays, without an op) along a shifted dim of the stack."""
    value = tensor._value
    if dim is None:
        flat = value.reshape(value.shape[0], -1)
        result = getattr(flat, name)(1)
        return wrap(result.reshape((value.shape[0],) + (1,) * tensor.dim()) if keepdim else result, tensor._level)
    return wrap(getattr(value, name)(_shift(dim, tensor.dim()), keepdim), tensor._level)


# ------------------------------------------------------------------------------------------ dispatch
def dispatch(cls, args):
    """``Function.apply``'s hook: run ``cls`` on batched ``args`` by its batching rule; NotImplemented when
    no argument is batched (then apply goes on as usual)."""
    level = 0
    for arg in args:
        array = getattr(arg, "_array", arg)  # a batched tensor's, or an array passed as an argument
        if type(array) is _LogicalArray:
            level = max(level, array.batched._level)
        elif type(arg) is tuple or type(arg) is list:  # tensors in a list, index arrays in a key
            for item in arg:
                if type(item) is BatchedTensor:
                    level = max(level, item._level)
                elif type(item) is _LogicalArray:
                    level = max(level, item.batched._level)
    if level == 0:
        return NotImplemented
    rule = RULES.get(cls)
    if rule is None:
        return loop_fallback(cls, args, level)
    return rule(cls, args, level)


def _unwrap(arg, level):
    """``(stacked value, True)`` for an argument batched at ``level``, ``(arg, False)`` otherwise."""
    array = getattr(arg, "_array", arg)
    if type(array) is _LogicalArray and array.batched._level == level:
        return array.batched._value, True
    return arg, False


def _wrap_result(result, level):
    if type(result) is tuple:
        return tuple(wrap(r, level) if r is not None else None for r in result)
    return wrap(result, level)


def _shift(dim, ndim):
    """A per-example ``dim`` (possibly negative) as a dim of the stack (batch in front)."""
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
    return dim % rank + 1


def loop_fallback(cls, args, level):
    """No rule for ``cls``: run it once per example and stack the results (slow; warns naming the op)."""
    warnings.warn(f"There is a performance drop because we have not yet implemented the batching rule for "
                  f"{cls.node_name or cls.__name__} ({cls.__name__}). minigrad runs it once per example.",
                  UserWarning, stacklevel=3)
    from ._functions import stack

    results = []
    for example in range(_batch_size(level)):
        results.append(cls.apply(*(_example(arg, level, example) for arg in args)))
    if type(results[0]) is tuple:
        return tuple(wrap(stack(list(parts)), level) if parts[0] is not None else None
                     for parts in zip(*results))
    return wrap(stack(results), level)


def _example(arg, level, example):
    """Argument ``arg`` for one example (unbatched arguments are shared)."""
    if type(arg) is tuple or type(arg) is list:
        return type(arg)(_example(item, level, example) for item in arg)
    value, batched = _unwrap(arg, level)
    if not batched:
        return arg
    one = value[example]
    return one._array if type(arg) is _LogicalArray else one


# ------------------------------------------------------------------------------------------ rules
def _broadcast_operands(args, level):
    """Operands of a broadcasting op lined up: each batched one as its stack with size-1 dims inserted after
    the batch dim up to the highest per-example rank, so that broadcasting pairs example dims with example
    dims; unbatched ones as they are (they broadcast against the example dims from the right)."""
    rank = max((arg.dim() for arg in args if isinstance(arg, Tensor)), default=0)
    lined_up = []
    for arg in args:
        value, batched = _unwrap(arg, level)
        if batched:
            missing = rank - (value.dim() - 1)
            if missing:
                value = value.reshape((value.shape[0],) + (1,) * missing + tuple(value.shape[1:]))
        lined_up.append(value)
    return lined_up


def elementwise_rule(cls, args, level):
    """Element-wise ops (with broadcasting): the op on the lined-up stacks, batch in front."""
    return _wrap_result(cls.apply(*_broadcast_operands(args, level)), level)


def _reduction_rule(cls, args, level, dim_at, all_dims=(None,)):
    """Reductions and ops along a ``dim`` argument (at position ``dim_at``): the dim shifted past the batch.

    "Every dim" (``dim=None``, or ``()`` for amax) reduces each example flattened to one dim (so ops whose
    rules expect one dim, as prod's, get one); a 0-d example is one element along such a dim. The result
    then gets the example's shape back (``keepdim``: ones).
    """
    value, batched = _unwrap(args[0], level)
    if not batched or any(_unwrap(arg, level)[1] for arg in args[1:]):
        return loop_fallback(cls, args, level)
    ndim = value.dim() - 1
    dim = args[dim_at] if len(args) > dim_at else all_dims[0]
    whole = dim is None or (not isinstance(dim, int) and dim in all_dims) or ndim == 0
    new_args = list(args)
    while len(new_args) <= dim_at:
        new_args.append(None)
    if whole:
        if isinstance(dim, int):
            _shift(dim, ndim)  # PyTorch's range check (0 and -1 are allowed on a 0-d tensor)
        elif dim is not None:
            for d in dim:
                _shift(d, ndim)
        new_args[0], new_args[dim_at] = value.reshape(value.shape[0], -1), 1
    elif isinstance(dim, int):
        new_args[0], new_args[dim_at] = value, _shift(dim, ndim)
    else:
        new_args[0], new_args[dim_at] = value, tuple(_shift(d, ndim) for d in dim)
    result = cls.apply(*new_args)
    if whole:
        result = tuple(_example_shaped(r, ndim) for r in result) if type(result) is tuple else _example_shaped(
            result, ndim)
    return _wrap_result(result, level)


def _example_shaped(result, ndim):
    """A reduction of flattened examples back in the example's rank: ``(B,)``, or ``(B, 1, ..., 1)`` when
    the reduced dim was kept (or the op keeps the length, as softmax on a 0-d example)."""
    if result.dim() == 1:
        return result
    if result.shape[1] == 1:
        return result.reshape((result.shape[0],) + (1,) * ndim)
    return result.reshape(result.shape[0])


def _reduction(dim_at, all_dims=(None,)):
    return functools.partial(_reduction_rule, dim_at=dim_at, all_dims=all_dims)


def _whole_extreme_rule(cls, args, level):
    """``x.max()`` / ``x.min()`` of every example: amax / amin over the example dims (ties share the gradient,
    as in max())."""
    value = _unwrap(args[0], level)[0]
    reduce = _reductions.Amax if cls is _reductions.MaxAll else _reductions.Amin
    flat = value.reshape(value.shape[0], -1)
    return wrap(reduce.apply(flat, (1,), False), level)


def _dims_rule(cls, args, level, dims_at):
    """Ops that take a tuple of dims (permute, flip): batch dim 0 stays first, the others shift."""
    value, _ = _unwrap(args[0], level)
    ndim = value.dim() - 1
    new_args = list(args)
    new_args[0] = value
    dims = args[dims_at]
    if ndim == 0:  # a 0-d example: flipping or permuting it changes nothing (after the range check)
        for d in dims:
            _shift(d, ndim)
        return wrap(value.view_as(value), level)
    new_args[dims_at] = (0,) + tuple(_shift(d, ndim) for d in dims) if cls is _movement.Permute else tuple(
        _shift(d, ndim) for d in dims)
    return wrap(cls.apply(*new_args), level)


def _shape_rule(cls, args, level):
    """view / reshape to a per-example shape: the batch size in front (-1 resolved per example)."""
    value, _ = _unwrap(args[0], level)
    shape = _movement.infer_shape(tuple(args[1]), value[0].numel() if value.shape[0] else _numel(value.shape[1:]))
    return wrap(_movement.Reshape.apply(value, (value.shape[0],) + tuple(shape)), level)


def _numel(shape):
    total = 1
    for n in shape:
        total *= n
    return total


def _unsqueeze_rule(cls, args, level):
    value, _ = _unwrap(args[0], level)
    ndim = value.dim() - 1
    return wrap(cls.apply(value, _shift(args[1], ndim + 1)), level)


def _squeeze_rule(cls, args, level):
    value, _ = _unwrap(args[0], level)
    ndim = value.dim() - 1
    dim = args[1] if len(args) > 1 else None
    if dim is None:
        dims = tuple(i + 1 for i, n in enumerate(value.shape[1:]) if n == 1)
    elif ndim == 0:  # nothing to squeeze in a 0-d example (after the range check)
        for d in ((dim,) if isinstance(dim, int) else dim):
            _shift(d, ndim)
        dims = ()
    else:
        dims = tuple(_shift(d, ndim) for d in ((dim,) if isinstance(dim, int) else dim))
    return wrap(cls.apply(value, dims) if dims else value.view_as(value), level)


def _transpose_rule(cls, args, level):
    value, _ = _unwrap(args[0], level)
    ndim = value.dim() - 1
    if cls is _movement.T:
        if ndim < 2:
            return wrap(value.view_as(value), level)
        return wrap(_movement.Transpose.apply(value, 1, 2), level)
    if ndim == 0:  # a 0-d example is its own transpose (after the range check)
        _shift(args[1], ndim), _shift(args[2], ndim)
        return wrap(value.view_as(value), level)
    return wrap(cls.apply(value, _shift(args[1], ndim), _shift(args[2], ndim)), level)


def _expand_rule(cls, args, level):
    value, _ = _unwrap(args[0], level)
    shape = tuple(args[1])
    missing = len(shape) - (value.dim() - 1)
    if missing > 0:
        value = value.reshape((value.shape[0],) + (1,) * missing + tuple(value.shape[1:]))
    return wrap(cls.apply(value, (value.shape[0],) + shape), level)


def _repeat_rule(cls, args, level):
    value, _ = _unwrap(args[0], level)
    sizes = tuple(args[1])
    missing = len(sizes) - (value.dim() - 1)
    if missing > 0:
        value = value.reshape((value.shape[0],) + (1,) * missing + tuple(value.shape[1:]))
    return wrap(cls.apply(value, (1,) + sizes), level)


def _join_rule(cls, args, level):
    """cat / stack (dim first, then the tensors): unbatched tensors are repeated along the batch."""
    dim, tensors = args[0], args[1:]
    ndim = tensors[0].dim() + (1 if cls is _movement.Stack else 0)
    values = []
    for tensor in tensors:
        value, batched = _unwrap(tensor, level)
        values.append(value if batched else _expanded(tensor, level))
    return wrap(cls.apply(_shift(dim, ndim), *values), level)


def _dim_arg_rule(cls, args, level, dim_at=1):
    """Ops with one ``dim`` argument whose other arguments are not tensors (narrow, select, split, unbind)."""
    value, _ = _unwrap(args[0], level)
    new_args = list(args)
    new_args[0] = value
    new_args[dim_at] = _shift(args[dim_at], value.dim() - 1)
    return _wrap_result(cls.apply(*new_args), level)


def _same_layout_rule(cls, args, level):
    """Ops on the last dims that already accept a stack in front (tril, triu): the op on the stack."""
    value, _ = _unwrap(args[0], level)
    return _wrap_result(cls.apply(value, *args[1:]), level)


def _index_rule(cls, args, level):
    """``x[key]`` for a NumPy key: a full slice in front for the batch dim. When the key holds index arrays
    batched at this level (``x[i]`` with ``i`` vmapped), or advanced indices split by a slice (which would
    move the batch dim, NumPy's rule), the batch dim is indexed too, by ``_index_with_batch``."""
    key = args[1] if type(args[1]) is tuple else (args[1],)
    advanced = [i for i, part in enumerate(key) if not (part is None or part is Ellipsis
                                                        or isinstance(part, (int, slice)))]
    split = advanced and advanced != list(range(advanced[0], advanced[0] + len(advanced)))
    if split or any(type(part) is _LogicalArray and part.batched._level == level for part in key):
        return _index_with_batch(cls, _stacked(args[0], level), key, advanced, level)
    value, batched = _unwrap(args[0], level)
    if not batched:
        return loop_fallback(cls, args, level)
    return wrap(cls.apply(value, (slice(None),) + key), level)


def _index_with_batch(cls, value, key, advanced, level):
    """``value[arange(B), *key]`` (the key of ``index_plan``'s index step: full slices and integer arrays):
    example b's indices pick from example b. NumPy puts the broadcast index dims first when advanced indices
    are split, so where an example's own indices are together after ``k`` slices, the k sliced dims move back
    in front of them."""
    if any(type(key[i]) is not _LogicalArray and key[i].dtype.kind == "b" for i in advanced) or any(
            not isinstance(part, slice) and i not in advanced for i, part in enumerate(key)):
        return loop_fallback(cls, (wrap(value, level), key), level)
    size = _batch_size(level)
    rank = max(key[i].ndim for i in advanced)  # of the broadcast per-example indices
    parts = []
    for part in key:
        if type(part) is _LogicalArray and part.batched._level == level:
            stacked = part.batched._value  # (B, *shape), right-aligned with the other index arrays
            part = stacked.reshape((size,) + (1,) * (rank - part.ndim) + tuple(stacked.shape[1:]))._array
        parts.append(part)
    xp = _backend.namespace_of(physical(value)._array)
    batch_index = xp.arange(size).reshape((size,) + (1,) * rank)
    result = cls.apply(value, (batch_index,) + tuple(parts))
    together = advanced == list(range(advanced[0], advanced[0] + len(advanced)))
    if together and advanced[0] > 0:  # (B, *indices, *sliced before, *after) -> (B, *sliced before, *indices, *after)
        before = advanced[0]
        order = ([0] + list(range(1 + rank, 1 + rank + before)) + list(range(1, 1 + rank))
                 + list(range(1 + rank + before, result.dim())))
        result = result.permute(*order)
    return wrap(result, level)


def _roll_rule(cls, args, level):
    value, _ = _unwrap(args[0], level)
    shifts, dims = args[1], args[2] if len(args) > 2 else None
    ndim = value.dim() - 1
    if dims is None:  # roll the flattened example, keep its shape
        flat = value.reshape(value.shape[0], -1)
        return wrap(cls.apply(flat, shifts, 1).reshape(value.shape), level)
    dims = _shift(dims, ndim) if isinstance(dims, int) else tuple(_shift(d, ndim) for d in dims)
    return wrap(cls.apply(value, shifts, dims), level)


def _gather_rule(cls, args, level):
    a, dim, index = args
    a_value, a_batched = _unwrap(a, level)
    index_value, index_batched = _unwrap(index, level)
    if not a_batched:
        a_value = _expanded(a, level)
    if not index_batched:
        index_value = _expanded(index, level)
    return wrap(cls.apply(a_value, _shift(dim, a.dim()), index_value), level)


def _scatter_op_rule(cls, args, level):
    """scatter / scatter_add / scatter_reduce along a shifted dim: every tensor operand (self, index, src) gets
    the batch dim, repeated where it has none, and the op runs once; a number ``value`` stays as it is."""
    a, dim, index, source, *rest = args

    def stacked(value):
        if not isinstance(value, Tensor):
            return value
        stack, is_batched = _unwrap(value, level)
        return stack if is_batched else _expanded(value, level)

    return wrap(cls.apply(stacked(a), _shift(dim, a.dim()), stacked(index), stacked(source), *rest), level)


def _index_select_rule(cls, args, level):
    """index_select along a shifted dim; a per-example index is ``x[:, ..., index]`` with the batch indexed."""
    a, dim, index = args
    if _unwrap(index, level)[1]:
        index = index.reshape(-1)  # a 0-d index picks one slice, kept as a dim of size 1
        key = (slice(None),) * (_shift(dim, a.dim()) - 1) + (index._array,)
        return _index_with_batch(_movement.Index, _stacked(a, level), key, [len(key) - 1], level)
    value = _unwrap(a, level)[0]
    return wrap(cls.apply(value, _shift(dim, a.dim()), index), level)


def _diagonal_rule(cls, args, level):
    """The diagonal ``offset`` of each example matrix: an advanced index ``value[:, rows, cols]``."""
    value, _ = _unwrap(args[0], level)
    offset = args[1] if len(args) > 1 else 0
    rows, cols = value.shape[1], value.shape[2]
    length = max(0, min(rows - max(-offset, 0), cols - max(offset, 0)))
    xp = _backend.namespace_of(physical(value)._array)
    positions = xp.arange(length)
    key = (slice(None), positions + max(-offset, 0), positions + max(offset, 0))
    return wrap(_movement.Index.apply(value, key), level)


def _diag_embed_rule(cls, args, level):
    """The vector of each example along a diagonal of its matrix: one scatter into the stack of matrices,
    ``out[:, rows, cols] = values`` (the positions ``diag_embed`` uses)."""
    value = _stacked(args[0], level)
    diagonal = args[1] if len(args) > 1 else 0
    length = value.shape[1]
    shape = args[2] if len(args) > 2 and args[2] is not None else (length + abs(diagonal),) * 2
    xp = _backend.namespace_of(physical(value)._array)
    rows, cols = _movement._diagonal_positions(xp, length, diagonal)
    return wrap(_movement.IndexPutInto.apply(value, (slice(None), rows, cols), (value.shape[0],) + tuple(shape)),
                level)


def _index_put_into_rule(cls, args, level):
    """Zeros with values added at a key (the gradient of ``x[key]``): the key with a full slice in front,
    unless its index arrays are per example or split by a slice (then per example)."""
    values, key, shape = args
    parts = key if type(key) is tuple else (key,)
    advanced = [i for i, part in enumerate(parts) if not (part is None or part is Ellipsis
                                                          or isinstance(part, (int, slice)))]
    if any(type(part) is _LogicalArray for part in parts) or (
            advanced and advanced != list(range(advanced[0], advanced[0] + len(advanced)))):
        return loop_fallback(cls, args, level)
    value = _stacked(values, level)
    return wrap(cls.apply(value, (slice(None),) + parts, (value.shape[0],) + tuple(shape)), level)


def _index_add_rule(cls, args, level):
    """index_add's scatter (values, axis, index, shape) along the shifted axis; a per-example index runs per
    example."""
    values, axis, index, shape = args
    if _unwrap(index, level)[1]:
        return loop_fallback(cls, args, level)
    value = _stacked(values, level)
    return wrap(cls.apply(value, _shift(axis, len(shape)), index, (value.shape[0],) + tuple(shape)), level)


def _scatter_rule(cls, args, level):
    """scatter / scatter_add along an axis (values, indices, axis, shape): both stacks, the axis shifted."""
    values, indices, axis, shape = args
    value = _stacked(values, level)
    return wrap(cls.apply(value, _stacked(indices, level), _shift(axis, len(shape)),
                          (value.shape[0],) + tuple(shape)), level)


def _sum_to_size_rule(cls, args, level):
    """sum_to_size: the example's extra leading dims summed first, then the batch dim kept in front."""
    value, _ = _unwrap(args[0], level)
    shape = tuple(args[1])
    lead = value.dim() - 1 - len(shape)
    if lead > 0:
        value = value.sum(tuple(range(1, 1 + lead)))
    return wrap(cls.apply(value, (value.shape[0],) + shape), level)


def _write_rule(cls, args, level):
    """An in-place write (copy_, x[i] = v, fill_) whose target is unbatched but whose value is batched: the
    batch cannot fit, PyTorch's error. (A batched target never gets here: BatchedTensor writes its stack.)"""
    if not is_batched_at(args[0], level):
        raise RuntimeError(IN_PLACE_ERROR)
    return elementwise_rule(cls, args, level) if cls is _movement.Copy else loop_fallback(cls, args, level)


def physical(tensor):
    """The plain tensor at the bottom of nested BatchedTensors."""
    while type(tensor) is BatchedTensor:
        tensor = tensor._value
    return tensor


# ---- matmul family
def _matmul_rule(cls, args, level):
    """mm, mv, dot, bmm and matmul: one broadcasting matmul of the stacks (an example's 1-d operand made a
    matrix first and the extra dim dropped after, as matmul does)."""
    a, b = args[:2]
    a_vector, b_vector = a.dim() == 1, b.dim() == 1
    if a_vector:
        a = a.unsqueeze(0)
    if b_vector:
        b = b.unsqueeze(1)
    a_value, b_value = _broadcast_operands((a, b), level)
    result = wrap(_linalg.BatchedMatmul.apply(a_value, b_value), level)
    if a_vector:
        result = result.squeeze(-2)
    if b_vector:
        result = result.squeeze(-1)
    return result


def _addmm_rule(cls, args, level):
    bias, a, b = args
    return bias + _matmul_rule(_linalg.Mm, (a, b), level)


# ---- losses and layers
def _reduced_loss(loss, reduction, level):
    """A per-element batched loss reduced per example as ``reduction`` says."""
    if reduction == "none":
        return loss
    dims = tuple(range(loss.dim()))
    if not dims:
        return loss
    return loss.sum(dims) if reduction == "sum" else loss.mean(dims)


def _pointwise_loss_rule(cls, args, level, reduction_at):
    """mse, binary cross-entropy: the loss per element on the lined-up stacks, then reduced per example."""
    reduction = args[reduction_at]
    lined_up = _broadcast_operands(args, level)
    lined_up[reduction_at] = "none"
    loss = wrap(cls.apply(*lined_up), level)
    return _reduced_loss(loss, reduction, level)


def _nll_loss_rule(cls, args, level):
    """nll_loss: per-element losses on the stack folded into one batch of rows, then reduced per example
    (the mean divides by the summed weights of the example's targets, as PyTorch's)."""
    input, target, weight, reduction, ignore_index = args
    input_value, input_batched = _unwrap(input, level)
    target_value, target_batched = _unwrap(target, level)
    if not isinstance(target_value, Tensor):
        target_value = Tensor._make(target_value, False, None, 0)
    size = _batch_size(level)
    if not input_batched:
        input_value = _expanded(input, level)
    if not target_batched:
        target_value = _expanded(target_value, level)
    if not isinstance(weight, type(None)) and not hasattr(weight, "shape"):
        return loop_fallback(cls, args, level)
    example_shape = tuple(input_value.shape[1:])
    if len(example_shape) == 1:  # one example is one row (C,) with a 0-d target
        input_value = input_value.reshape((size, 1) + example_shape)
    elif len(example_shape) > 2:  # (N, C, *spatial): the classes moved last, every position a row
        input_value = input_value.permute(0, 1, *range(3, input_value.dim()), 2)
    classes = input_value.shape[-1]
    flat_input = input_value.reshape(-1, classes)
    flat_target = target_value.reshape(-1)
    rows = flat_target.shape[0] // size if size else 0
    losses = _loss_ops.NllLoss.apply(flat_input, flat_target._array, weight, "none", ignore_index).reshape(size, rows)
    if reduction == "none":
        return wrap(losses.reshape(tuple(target_value.shape)), level)
    if reduction == "sum":
        return wrap(losses.sum(1), level)
    xp = _backend.namespace_of(flat_target._array)
    targets = flat_target._array
    kept = targets != ignore_index
    safe = xp.where(kept, targets, 0)
    weights = (weight[safe] if weight is not None else xp.ones(targets.shape, dtype=losses._array.dtype)) * kept
    total = Tensor._make(xp.asarray(weights, dtype=losses._array.dtype).reshape(size, rows).sum(axis=1))
    return wrap(losses.sum(1) / total, level)


def _layer_norm_rule(cls, args, level):
    """layer_norm over the last ``count`` example dims: the stack in front changes nothing; batched weight or
    bias (an ensemble) are applied after normalising without them."""
    input, weight, bias, count, eps = args
    value, batched = _unwrap(input, level)
    if not batched:
        value = _expanded(input, level)
    weight_batched, bias_batched = is_batched_at(weight, level), is_batched_at(bias, level)
    if not (weight_batched or bias_batched):
        return wrap(cls.apply(value, weight, bias, count, eps), level)
    absent = _layer_ops._absent()
    normalized = wrap(cls.apply(value, absent, absent, count, eps), level)
    if isinstance(weight, Tensor):
        normalized = normalized * weight
    if isinstance(bias, Tensor):
        normalized = normalized + bias
    return normalized


def _embedding_rule(cls, args, level):
    """Rows of a shared weight: the op on the stacked indices. A weight per example (an ensemble): the
    weights stacked into one table (B*V, D) and each example's indices offset by b*V, one lookup for all
    (checked against V first, so no index reaches into another example's rows). A padding row per example
    cannot be named by one ``padding_idx``: that case runs per example."""
    weight, indices, padding_idx = args
    if not is_batched_at(weight, level):
        return wrap(cls.apply(weight, _unwrap(indices, level)[0], padding_idx), level)
    if padding_idx >= 0:
        return loop_fallback(cls, args, level)
    table = _unwrap(weight, level)[0]
    size, rows = table.shape[0], table.shape[1]
    picks = _stacked(indices, level)
    every = physical(picks)._array
    if every.size and bool(((every < 0) | (every >= rows)).any()):
        raise IndexError("index out of range in self")
    xp = _backend.namespace_of(every)
    offsets = Tensor._make(xp.arange(size, dtype=every.dtype).reshape((size,) + (1,) * (picks.dim() - 1)) * rows,
                           False, None, 0)
    return wrap(cls.apply(_fold(table), picks + offsets, -1), level)


def _vector_norm_rule(cls, args, level):
    """vector_norm over per-example ``axes`` (non-negative): the axes shifted past the batch dim."""
    value, _ = _unwrap(args[0], level)
    ndim = value.dim() - 1
    new_args = list(args)
    if ndim == 0 and args[2]:  # a 0-d example: one element along a dim of size 1
        new_args[0], new_args[2] = value.reshape(value.shape[0], 1), (1,)
        return wrap(_example_shaped(cls.apply(*new_args), 0), level)
    new_args[0], new_args[2] = value, tuple(_shift(d, ndim) for d in args[2])
    return wrap(cls.apply(*new_args), level)


# ---- convolution, pooling, padding, batch norm
# These ops treat their leading (N) dim example by example, so the vmap batch folds into it: (B, N, ...) ->
# (B*N, ...), the op once, and back. A per-example weight (model ensembling) folds into the channels instead.
def _fold(value):
    """A stack (B, N, ...) as one batch (B*N, ...)."""
    return value.reshape((value.shape[0] * value.shape[1],) + tuple(value.shape[2:]))


def _unfold(result, size):
    """A result of ``_fold``'s batch (B*N, ...) as the stack (B, N, ...)."""
    return result.reshape((size, result.shape[0] // size) + tuple(result.shape[1:]))


def _stacked(arg, level):
    """An argument's stack, an unbatched one repeated along the batch."""
    value, batched = _unwrap(arg, level)
    return value if batched else _expanded(arg, level)


def _fold_batch_rule(cls, args, level):
    """Ops whose first argument is (N, ...) with examples independent and whose other arguments are shared
    (Im2Col, Col2Im, a convolution with one weight): the vmap batch folded into N."""
    size = _batch_size(level)
    result = cls.apply(_fold(_stacked(args[0], level)), *args[1:])
    return _wrap_result(tuple(_unfold(r, size) for r in result) if type(result) is tuple else _unfold(result, size),
                        level)


def _channels_into_batch(value):
    """(B, N, C, ...) as (N, B*C, ...): each example's channels side by side (grouped conv, batch norm)."""
    moved = value.transpose(0, 1)
    return moved.reshape((moved.shape[0], moved.shape[1] * moved.shape[2]) + tuple(moved.shape[3:]))


def _channels_out_of_batch(result, size):
    """``_channels_into_batch`` undone: (N, B*C, ...) as (B, N, C, ...)."""
    split = result.reshape((result.shape[0], size, result.shape[1] // size) + tuple(result.shape[2:]))
    return split.transpose(0, 1)


def _convolution_rule(cls, args, level):
    """conv1d/conv2d. One weight: the batch folds into N. A weight per example (an ensemble run by
    ``vmap(functional_call(...))``): one grouped convolution, groups = B * groups, whose group b sees example
    b's channels and filters (the standard trick). A per-example bias is added after."""
    input, weight, bias, stride, pads, dilation, groups = args
    absent = _layer_ops._absent()
    if not is_batched_at(weight, level):
        if not is_batched_at(bias, level):
            return _fold_batch_rule(cls, args, level)
        result = _fold_batch_rule(cls, (input, weight, absent) + tuple(args[3:]), level)
    else:
        size = _batch_size(level)
        filters = _fold(_unwrap(weight, level)[0])  # (B*O, C/g, *kernel)
        out = cls.apply(_channels_into_batch(_stacked(input, level)), filters, absent, stride, pads, dilation,
                        groups * size)
        result = wrap(_channels_out_of_batch(out, size), level)
    if bias is absent:
        return result
    return result + bias.reshape((-1,) + (1,) * (result.dim() - 2))


def _batch_norm_rule(cls, args, level):
    """batch_norm with statistics per example, as torch.func.vmap: each example's channels become channels of
    their own, (B, N, C, ...) -> (N, B*C, ...), so training statistics are each example's; running statistics
    (B, C) per example are updated in place through the same fold. In evaluation with shared statistics and
    parameters the batch simply folds into N. Shared running statistics cannot be updated per example:
    PyTorch's error."""
    input, weight, bias, running_mean, running_var, training, momentum, eps = args
    absent = _layer_ops._absent()
    size = _batch_size(level)
    batched = [is_batched_at(arg, level) for arg in (weight, bias, running_mean, running_var)]
    if training and running_mean is not None and not (batched[2] and batched[3]):
        raise RuntimeError(BATCH_NORM_ERROR)
    if not training and not any(batched):
        return _fold_batch_rule(cls, args, level)

    def per_channel(arg):  # (C,) or a stack (B, C) as (B*C,)
        if arg is absent or arg is None:
            return arg
        return _stacked(arg, level).reshape(-1)

    means, variances = per_channel(running_mean), per_channel(running_var)
    out = cls.apply(_channels_into_batch(_stacked(input, level)), per_channel(weight), per_channel(bias), means,
                    variances, training, momentum, eps)
    if training and running_mean is not None:  # the running statistics were updated on their (B*C,) fold
        with _grad_mode.no_grad():
            for stacked, flat in ((_unwrap(running_mean, level)[0], means), (_unwrap(running_var, level)[0], variances)):
                stacked.copy_(flat.reshape(tuple(stacked.shape)))  # (a no-op where the fold was a view)
    return wrap(_channels_out_of_batch(out, size), level)


BATCH_NORM_ERROR = ("Batch norm got a batched tensor as input while the running_mean or running_var, which will be "
                    "updated in place, were not batched.\nIf you are using a module and do not need eval mode, please "
                    "set `track_running_stats` to be False.If you are using a prebuilt module and do not need eval "
                    "mode, please see the functorch website for resources on how to patch your module to work with "
                    "vmap")


# ------------------------------------------------------------------------------------------ the table
def _defined_in(module):
    """The built-in op classes of one ops module."""
    from .autograd.function import Function

    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Function) and value.__module__ == module.__name__
            and value.node_name is not None]


_M, _R, _L = _movement, _reductions, _linalg
RULES = {cls: elementwise_rule for cls in _defined_in(_elementwise)}
RULES.update({
    _scatter.Scatter: _scatter_op_rule, _scatter.ScatterValue: _scatter_op_rule,
    _scatter.ScatterAdd: _scatter_op_rule, _scatter.ScatterReduce: _scatter_op_rule,
    # reductions and ops along a dim
    _R.Sum: _reduction(1), _R.SumDim: _reduction(1), _R.Mean: _reduction(1), _R.MeanDim: _reduction(1),
    _R.Prod: _reduction(1), _R.ProdDim: _reduction(1), _R.Var: _reduction(1), _R.Std: _reduction(1),
    _R.Amax: _reduction(1, all_dims=((),)), _R.Amin: _reduction(1, all_dims=((),)),
    _R.MaxDim: _reduction(1), _R.MinDim: _reduction(1), _R.LogSumExp: _reduction(1),
    _R.Softmax: _reduction(1), _R.LogSoftmax: _reduction(1), _R.Cumsum: _reduction(1), _R.Cumprod: _reduction(1),
    _R.Sort: _reduction(1), _R.SortStable: _reduction(1), _R.Topk: _reduction(2),
    _R.MaxAll: _whole_extreme_rule, _R.MinAll: _whole_extreme_rule, _R.Gather: _gather_rule,
    # movement
    _M.View: _shape_rule, _M.Reshape: _shape_rule, _L.UnsafeView: _shape_rule,
    _M.Unsqueeze: _unsqueeze_rule, _M.Squeeze: _squeeze_rule, _M.SqueezeDim: _squeeze_rule,
    _L.SqueezeInPlace: _squeeze_rule,
    _M.Transpose: _transpose_rule, _M.T: _transpose_rule,
    _M.Permute: functools.partial(_dims_rule, dims_at=1), _M.Flip: functools.partial(_dims_rule, dims_at=1),
    _M.Expand: _expand_rule, _M.Repeat: _repeat_rule, _M.Cat: _join_rule, _M.Stack: _join_rule,
    _M.Narrow: _dim_arg_rule, _M.Select: _dim_arg_rule, _M.Slice: _dim_arg_rule, _M.Unbind: _dim_arg_rule,
    _M.Split: functools.partial(_dim_arg_rule, dim_at=2), _M.SplitWithSizes: functools.partial(_dim_arg_rule, dim_at=2),
    _M.Alias: elementwise_rule, _M.Tril: _same_layout_rule, _M.Triu: _same_layout_rule,
    _M.Index: _index_rule, _M.SelectByKey: _index_rule, _M.SliceByKey: _index_rule, _M.UnsqueezeByKey: _index_rule,
    _M.Roll: _roll_rule, _M.IndexSelect: _index_select_rule, _M.Diagonal: _diagonal_rule,
    _M.DiagEmbed: _diag_embed_rule, _M.IndexPutInto: _index_put_into_rule, _M.IndexAdd: _index_add_rule,
    _M.Copy: _write_rule, _M.CopySlices: _write_rule, _M.IndexPut: _write_rule, _M.FillTensor: _write_rule,
    _R.ScatterAlongAxis: _scatter_rule, _R.ScatterAddAlongAxis: _scatter_rule, _R.SumToSize: _sum_to_size_rule,
    # matmul
    _L.Mm: _matmul_rule, _L.Mv: _matmul_rule, _L.Dot: _matmul_rule, _L.Bmm: _matmul_rule,
    _L.BatchedMatmul: _matmul_rule, _L.Addmm: _addmm_rule,
    # losses and layers
    _loss_ops.MseLoss: functools.partial(_pointwise_loss_rule, reduction_at=2),
    _loss_ops.BinaryCrossEntropy: functools.partial(_pointwise_loss_rule, reduction_at=3),
    _loss_ops.BinaryCrossEntropyWithLogits: functools.partial(_pointwise_loss_rule, reduction_at=4),
    _loss_ops.LogSigmoid: elementwise_rule, _loss_ops.DivByCount: elementwise_rule,
    _loss_ops.NllLoss: _nll_loss_rule, _loss_ops.NllLoss2d: _nll_loss_rule,
    _layer_ops.LayerNorm: _layer_norm_rule, _layer_ops.Embedding: _embedding_rule,
    _norms.VectorNorm: _vector_norm_rule,
    # convolution, pooling, padding, batch norm (pooling and padding already take any dims in front of the
    # ones they work on: the stack goes through as it is)
    _conv_ops.Convolution: _convolution_rule, _conv_ops.Im2Col: _fold_batch_rule, _conv_ops.Col2Im: _fold_batch_rule,
    _norm_ops.BatchNorm: _batch_norm_rule,
    **{cls: _same_layout_rule for cls in _defined_in(_pool_ops)},
})


# ------------------------------------------------------------------------------------------ randomness
SAME_RANDOMNESS_ERROR = ("Vmap does not currently support same randomness with a batched tensor input. Please file "
                         "an issue with functorch")


def draw_in_vmap(draw, size, inputs):
    """``minigrad.random``'s hook while a vmap runs: a random draw as the running vmaps' ``randomness`` says.

    Every running vmap sees the draw, as in PyTorch: one with 'error' refuses it; each one with 'different'
    puts its batch size in front of the drawn shape and gets its own numbers per example (the draw comes back
    batched at those levels); one with 'same' shares the draw across its batch, which PyTorch refuses when
    the draw depends on a tensor batched there (``normal(mean)``). A thread outside vmap draws as usual.
    """
    stack = list(_levels.stack)
    if not stack:
        return draw(size)
    if any(running.randomness == "error" for running in stack):
        raise RuntimeError(RANDOMNESS_ERROR)
    same = {running.number for running in stack if running.randomness == "same"}
    if any(level in same for value in inputs for level in levels_of(value)):
        raise RuntimeError(SAME_RANDOMNESS_ERROR)
    different = [running for running in stack if running.randomness == "different"]
    value = draw(tuple(running.size for running in different) + tuple(size))
    return rewrap(value, [running.number for running in different])


# ------------------------------------------------------------------------------------------ transforms inside vmap
# grad, vjp and jvp inside a vmap differentiate the physical (stacked) tensors: one backward (or forward-mode)
# pass for the whole batch. That gives per-example derivatives only if every differentiated input is batched
# at every running level, so an unbatched one (a model's weights) is first repeated along each batch dim: its
# gradient then comes out per example instead of summed over the batch.
def any_batched(tensors) -> bool:
    return bool(_levels.stack) and any(type(t) is BatchedTensor for t in tensors)


def per_example(tensor):
    """``(physical, levels)``: ``tensor``'s stacked values batched at every running level (levels in
    ascending order, matching the physical dims in front)."""
    levels = []
    value = tensor
    while type(value) is BatchedTensor:
        levels.append(value._level)
        value = value._value
    levels.reverse()
    for position, running in enumerate(_levels.stack):
        if position >= len(levels) or levels[position] != running.number:
            value = value.unsqueeze(position).expand(*value.shape[:position], running.size, *value.shape[position:])
            levels.insert(position, running.number)
    return value, levels


def levels_of(tensor) -> list:
    levels = []
    while type(tensor) is BatchedTensor:
        levels.append(tensor._level)
        tensor = tensor._value
    return levels[::-1]


def rewrap(value, levels):
    """The physical ``value`` wrapped for ``levels`` (ascending), innermost wrapper first."""
    for level in levels:
        value = wrap(value, level)
    return value


def on_physical(tensor, function):
    """``function`` applied to ``tensor``'s stacked values (batched at every running level), rewrapped."""
    value, levels = per_example(tensor)
    return rewrap(function(value), levels)


def per_example_grads(grads, outputs, inputs, cotangents, create_graph, retain_graph):
    """``grads(outputs, inputs, cotangents, ...)`` (``minigrad.func._grads``) for batched tensors: run on the
    physical tensors, with each example's cotangent (ones for a scalar output) in place."""
    from .factories import ones_like

    full = [running.number for running in _levels.stack]
    if not any(type(t) is BatchedTensor for t in list(outputs) + list(inputs)):
        return _cotangent_by_cotangent(grads, outputs, inputs, cotangents, create_graph)
    physical_inputs, input_levels = zip(*(per_example(inp) for inp in inputs))
    physical_outputs, physical_cotangents = [], []
    for out, cotangent in zip(outputs, cotangents):
        if levels_of(out) != full:
            continue  # not batched at every level: it cannot depend on the (fully batched) inputs
        value = physical(out)
        physical_outputs.append(value)
        physical_cotangents.append(ones_like(value) if cotangent is None else per_example(cotangent)[0])
    results = grads(physical_outputs, list(physical_inputs), physical_cotangents, create_graph=create_graph,
                    retain_graph=retain_graph)
    return tuple(rewrap(g, levels) for g, levels in zip(results, input_levels))


def _cotangent_by_cotangent(grads, outputs, inputs, cotangents, create_graph):
    """A vjp function made outside vmap, called with batched cotangents (``vmap(vjp_fn)(basis)``): the graph
    holds one example, so it is walked once per cotangent (warned, like an op without a batching rule)."""
    from ._functions import stack

    warnings.warn("There is a performance drop because we have not yet implemented the batching rule for a vjp "
                  "whose forward pass ran outside vmap. minigrad runs its backward pass once per example; call "
                  "vjp inside the vmapped function to batch it.", UserWarning, stacklevel=4)
    levels = [running.number for running in _levels.stack]
    sizes = tuple(running.size for running in _levels.stack)
    flat = [per_example(c)[0].reshape((-1,) + tuple(c.shape)) if c is not None else None for c in cotangents]
    rows = [grads(outputs, inputs, [c[n] if c is not None else None for c in flat], create_graph=create_graph)
            for n in range(_numel(sizes))]
    return tuple(rewrap(stack([row[i] for row in rows]).reshape(sizes + tuple(inp.shape)), levels)
                 for i, inp in enumerate(inputs))
