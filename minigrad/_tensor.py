"""``Tensor``: an array plus what autograd needs to know about it.

A tensor holds its values in ``_array`` (a NumPy array, or a CuPy/strict array on other devices) and
three pieces of autograd state:

* ``requires_grad`` -- should operations on it be recorded?
* ``grad_fn``       -- the graph node that produced it (None for leaves: tensors you created yourself);
* ``grad``          -- for leaves, the gradient that ``backward()`` accumulated.

Every differentiable method is a one-liner that calls a ``Function`` from ``minigrad.ops``; they live in
the mixin classes of ``minigrad/_tensor_methods/`` (arithmetic, element-wise, reductions, shape, in-place,
conversions), which ``Tensor`` inherits, so this file shows the autograd state.
"""
from __future__ import annotations

import warnings
import weakref

from . import _dtype, _missing_names, backend as _backend
from .backend import float_errors as _float_errors
from ._device import CPU, as_device, default_device_or_none as _default_device, get_default_device
from ._lesson_hints import with_lesson
from ._tensor_methods import MIXINS as _METHOD_MIXINS, bind as _bind_methods
from ._tensor_str import format_tensor
from .autograd import backward as _backward, function as _function, grad_mode as _grad_mode
from .autograd.graph import AccumulateGrad, add_hook

_grad_state = _grad_mode.state
_ndarray = _backend.ndarray
_dtype_by_numpy = _dtype._BY_NUMPY
_new_instance = object.__new__  # a module name: Python 3.11 looks up `object.__new__` afresh at every call


class VersionCounter:
    """Counts in-place changes to one storage; shared by a tensor, its views and ``detach()``."""

    value = 0  # a class default rather than an __init__: a new counter runs no Python code (one per saved
    # output); the first in-place change gives the counter its own value


NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't "
    "be populated during autograd.backward(). If you indeed want the .grad field to be populated for a "
    "non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
    "mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for "
    "more information."
)


class Tensor(*_METHOD_MIXINS):
    __module__ = "minigrad"  # type(x) prints <class 'minigrad.Tensor'>, as PyTorch's <class 'torch.Tensor'>
    __slots__ = (
        "_array", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_version_counter", "_base",
        "_retains_grad", "_hooks", "_post_accumulate_hooks", "_accumulator_ref", "_fw_grad", "__weakref__",
    )
    __array_priority__ = 1000  # NumPy defers `ndarray * tensor` to Tensor.__rmul__

    # ------------------------------------------------------------------ construction
    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False):
        """The legacy constructor: ``Tensor([[1, 2]])`` (always float32) or ``Tensor(2, 3)`` (a shape)."""
        wanted = _dtype.canonical(dtype) or _dtype.DEFAULT_FLOAT
        if len(args) == 1 and not isinstance(args[0], int):
            array = _to_array(args[0], wanted)
        else:
            shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            array = _host_namespace().zeros(shape, dtype=wanted.numpy)
        _init_fields(self, _place(array, device), False, None, 0)
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, array, requires_grad=False, grad_fn=None, output_nr=0):
        """Fast internal constructor: no checks, no copies. ``Tensor._make(array)`` is a tensor outside
        any graph."""
        if type(array) is not _ndarray and not _is_device_array(array):
            array = _backend.as_array(array)
        # The field list of _init_fields, written out: this runs once per op result and a call costs more
        # than the assignments. tests/test_tensor_api.py checks the two set the same slots.
        tensor = _new_instance(cls)
        tensor._array = array
        tensor._requires_grad = requires_grad
        tensor._grad = None
        tensor.grad_fn = grad_fn
        tensor._output_nr = output_nr
        tensor._version_counter = None
        tensor._base = None
        tensor._retains_grad = False
        tensor._hooks = None
        tensor._post_accumulate_hooks = None
        tensor._accumulator_ref = None
        tensor._fw_grad = None
        return tensor

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            # PyTorch refuses both directions on a computed tensor; the hint only comes with switching off
            message = "you can only change requires_grad flags of leaf variables."
            if not value:
                message += (" If you want to use a computed variable in a subgraph that doesn't require "
                            "differentiation use var_no_grad = var.detach().")
            raise RuntimeError(message)
        if value and self._array.dtype.kind != "f":
            raise RuntimeError(with_lesson("only Tensors of floating point and complex dtype can require gradients",
                                           "requires_grad"))
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self.grad_fn is not None:
            return self  # a computed tensor already requires grad: PyTorch's requires_grad_() is a no-op here
        if requires_grad and self._array.dtype.kind != "f":  # PyTorch's third wording of this error
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                                   f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor "
                                   "are the same size")
            if value.dtype is not self.dtype:
                given = _GRAD_DTYPE_NAMES.get(value.dtype.name, value.dtype.name)
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{given}' to a tensor with grad_dtype "
                    f"'{self.dtype._short_tensor_name[:-len('Tensor')]}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute "
                    "with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the "
                    "dtypes of a tensor and its gradient may break downstream systems that assume they match.")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves keep theirs anyway)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
            node._hooked = True
        node._retained[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def _version(self) -> int:
        counter = self._version_counter
        return 0 if counter is None else counter.value

    def _ensure_version_counter(self) -> VersionCounter:
        counter = self._version_counter
        if counter is None:
            counter = self._version_counter = VersionCounter()
        return counter

    def _bump_version(self) -> None:
        self._ensure_version_counter().value += 1

    def _grad_accumulator(self) -> AccumulateGrad:
        """The AccumulateGrad node of this leaf; the same object while any graph still holds it."""
        ref = self._accumulator_ref
        node = ref() if ref is not None else None
        if node is None:
            node = AccumulateGrad(self)
            self._accumulator_ref = weakref.ref(node)
        return node

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. the graph leaves and add it into their ``.grad``.

        For a non-scalar tensor pass ``gradient`` (the vector v of vᵀJ, shaped like this tensor).
        """
        _backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """``hook(grad) -> None | new grad`` runs when this tensor's gradient is computed."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            return add_hook(self._hooks, hook)
        node = self.grad_fn
        if node._tensor_pre_hooks is None:
            node._tensor_pre_hooks = {}
            node._hooked = True
        hooks = node._tensor_pre_hooks.setdefault(self._output_nr, {})
        return add_hook(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after backward has added into this leaf's ``.grad``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = {}
        return add_hook(self._post_accumulate_hooks, hook)

    # ------------------------------------------------------------------ data without history
    @property
    def data(self) -> "Tensor":
        """The same storage, outside the graph, with its own version counter: in-place changes made
        through ``.data`` are invisible to autograd (see lesson 07 for why that is dangerous)."""
        alias = Tensor._make(self._array, False, None, 0)
        return alias

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._array = value._array

    def detach(self) -> "Tensor":
        """The same storage, outside the graph, sharing the version counter (in-place changes are caught)."""
        alias = Tensor._make(self._array, False, None, 0)
        alias._version_counter = self._ensure_version_counter()
        alias._base = self._base if self._base is not None else None
        return alias

    def detach_(self) -> "Tensor":
        if self._base is not None and self._base._requires_grad and _grad_state.enabled:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please refer "
                "to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ------------------------------------------------------------------ shape, type, device
    @property
    def shape(self):
        return Size(self._array.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[_wrap_dim(dim, self._array.ndim)]

    def dim(self) -> int:
        return self._array.ndim

    @property
    def ndim(self) -> int:
        return self._array.ndim

    def numel(self) -> int:
        return int(self._array.size)

    def nelement(self) -> int:
        return int(self._array.size)

    @property
    def dtype(self):
        return _dtype_by_numpy[self._array.dtype]

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f"

    @property
    def device(self):
        array = self._array
        if type(array) is _ndarray:
            return CPU
        return _backend.backend_of(array).device_of(array)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    # ------------------------------------------------------------------ conversions to Python / NumPy
    def item(self):
        if self._array.size != 1:
            raise RuntimeError(f"a Tensor with {self._array.size} elements cannot be converted to Scalar")
        return self._host_array().reshape(()).item()

    def tolist(self):
        return self._host_array().tolist()

    def numpy(self, force: bool = False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if type(self._array) is not _ndarray and not force:
            dev = self.device
            if dev.type == "cuda":
                raise TypeError(f"can't convert {dev} device type tensor to numpy. Use Tensor.cpu() to copy "
                                "the tensor to host memory first.")
        return self._host_array()

    def _host_array(self):
        array = self._array
        if type(array) is _ndarray:
            return array
        return _backend.backend_of(array).to_host(array)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``: the values (refused, as ``numpy()``, when ``t`` requires grad)."""
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """What a NumPy ufunc returns for a tensor: a tensor (``np.exp(t)``), as in PyTorch, whose bool
        results come back as uint8."""
        from .factories import from_numpy

        if array.dtype == bool:
            array = array.astype("uint8")
        return from_numpy(array)

    def __float__(self):
        _warn_scalar_of_grad_tensor(self)
        return float(self.item())

    def __int__(self):
        _warn_scalar_of_grad_tensor(self)
        return int(self.item())

    def __index__(self):
        if self._array.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._array.size != 1:
            how_many = "no values" if self._array.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {how_many} is ambiguous")
        return bool(self.item())

    def __hash__(self):
        return id(self)

    def __dir__(self):
        # without the PyTorch names minigrad lacks (set on the class below): they only raise
        return [name for name in super().__dir__() if not _missing_names.is_marked_missing(type(self), name)]

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    def __repr__(self) -> str:
        suffixes = []
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{type(self.grad_fn).__name__}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        dev = self.device
        default = get_default_device()
        # PyTorch shows the device only when it is not the default one (so cuda tensors print plainly
        # after set_default_device('cuda'))
        shown = dev.type != default.type or (dev.type == "cuda" and dev.index != default.index)
        device_suffix = str(dev) if shown else None
        return format_tensor(self._host_array(), self._array.dtype.name, suffixes, device_suffix=device_suffix)

    def __str__(self) -> str:
        return self.__repr__()

    def __format__(self, spec: str) -> str:
        if self._array.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        """Pickling and ``copy.copy`` as PyTorch's: the values, dtype, device and ``requires_grad`` (a computed
        tensor comes back as a leaf that requires grad; ``.grad`` is not kept). ``copy.copy`` of a CPU tensor
        shares its storage. ``minigrad.save`` never pickles; this is for ``pickle`` and ``multiprocessing``."""
        array = self._array if type(self._array) is _ndarray else self._host_array()
        state = getattr(self, "__dict__", None) or None  # a subclass's own attributes (Parameter, ...)
        return _rebuild_tensor, (type(self), array, self._requires_grad, str(self.device), state)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.  If you were attempting to deepcopy a module, "
                               "this may be because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        copy = type(self).__new__(type(self)) if type(self) is not Tensor else object.__new__(Tensor)
        _init_fields(copy, self._array.copy(), self._requires_grad, None, 0)
        if type(self) is not Tensor:
            copy.__dict__.update({k: v for k, v in self.__dict__.items()})
        if self._grad is not None:
            copy._grad = self._grad.clone()
        memo[id(self)] = copy
        return copy


_scalar_warning_given = False  # PyTorch gives this warning once per process


def _warn_scalar_of_grad_tensor(tensor) -> None:
    global _scalar_warning_given
    if tensor._requires_grad and not _scalar_warning_given:
        _scalar_warning_given = True
        warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                      "Consider using tensor.detach() first.", UserWarning, stacklevel=3)


# c10's names of scalar types, as PyTorch prints them in the grad dtype error
_GRAD_DTYPE_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half"}


class Size(tuple):
    """``tensor.shape``: a tuple that prints as ``torch.Size([2, 3])``."""

    __module__ = "minigrad"

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        total = 1
        for n in self:
            total *= n
        return total


def _rebuild_tensor(cls, array, requires_grad, device, state):
    """The other half of ``Tensor.__reduce_ex__``: a leaf of class ``cls`` holding ``array`` on ``device``."""
    tensor = object.__new__(cls)
    _init_fields(tensor, _place(array, device), requires_grad, None, 0)
    if state:
        tensor.__dict__.update(state)
    return tensor


def _init_fields(tensor, array, requires_grad, grad_fn, output_nr) -> None:
    tensor._array = array
    tensor._requires_grad = requires_grad
    tensor._grad = None
    tensor.grad_fn = grad_fn
    tensor._output_nr = output_nr
    tensor._version_counter = None
    tensor._base = None
    tensor._retains_grad = False
    tensor._hooks = None
    tensor._post_accumulate_hooks = None
    tensor._accumulator_ref = None
    tensor._fw_grad = None


def _is_device_array(array) -> bool:
    return type(array) in _backend._BACKEND_BY_ARRAY_TYPE


def _wrap_dim(dim: int, ndim: int) -> int:
    """A possibly negative dimension index as a positive one, with PyTorch's error when out of range."""
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                         f"but got {dim})")
    return dim % rank


def _place(array, device):
    """Move a freshly made NumPy array to ``device``, or to the default device when it is None (no-op for
    the CPU)."""
    target = as_device(device) if device is not None else _default_device()
    if target is None or target.type == "cpu":
        return array
    backend = _backend.backend_for_device(target.type)
    return backend.from_host(array, target.index or 0)


def _string_error(data) -> Exception:
    """PyTorch's error for strings in tensor data: it follows the first elements down to count the
    dimensions, so a str met there reads as one dimension too many; anywhere else it is an invalid type."""
    nested = False
    while isinstance(data, (list, tuple)) and data:
        data, nested = data[0], True
    if nested and isinstance(data, str):
        return ValueError("too many dimensions 'str'")
    return TypeError("new(): invalid data type 'str'")


def _cast_quietly(array, numpy_dtype):
    """``array`` as ``numpy_dtype``; a float too large for it becomes inf without NumPy's overflow warning,
    as in PyTorch (``tensor([1e308])`` is ``tensor([inf])``)."""
    token = _float_errors.silence()
    try:
        return array.astype(numpy_dtype, copy=False)
    finally:
        _float_errors.restore(token)


def _host_namespace():
    """The array namespace of host memory (the CPU device's backend), where Python data becomes an array first."""
    return _backend.backend_for_device("cpu").xp


def _to_array(data, wanted_dtype=None):
    """Python data (numbers, nested lists, NumPy arrays, tensors) as a new NumPy array.

    Without ``wanted_dtype`` the element type is inferred as PyTorch does: any float -> float32,
    only ints -> int64, only bools -> bool; NumPy arrays keep their dtype.
    """
    xp = _host_namespace()
    if isinstance(data, Tensor):
        array = xp.array(data._host_array(), copy=True)
    elif _backend.is_device_array(data) and type(data) is not xp.ndarray:  # a CuPy or strict array
        array = xp.array(_backend.backend_of(data).to_host(data), copy=True)
    elif isinstance(data, (list, tuple)):
        array = xp.array(_unwrap_nested(data))
        if array.dtype.kind in "US":
            raise _string_error(data)
        if wanted_dtype is None and array.dtype.kind == "f":
            array = _cast_quietly(array, _dtype.DEFAULT_FLOAT.numpy)
    elif hasattr(data, "__array__") or isinstance(data, xp.generic):
        array = xp.array(data, copy=True)
    elif isinstance(data, (bool, int, float)):
        array = xp.array(data)
        if wanted_dtype is None and array.dtype.kind == "f":
            array = _cast_quietly(array, _dtype.DEFAULT_FLOAT.numpy)
    elif isinstance(data, str):
        raise _string_error(data)
    else:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if array.dtype.kind == "O":
        raise TypeError("tensor data must be numbers or (nested) lists of numbers of equal lengths")
    if wanted_dtype is not None:
        array = _cast_quietly(array, wanted_dtype.numpy)
    elif array.dtype not in _dtype_by_numpy:
        # e.g. int32 lists on some platforms, float16 stays; unknown kinds become the nearest torch type
        kinds = {"i": _dtype.int64, "u": _dtype.int64, "f": _dtype.DEFAULT_FLOAT, "b": _dtype.bool}
        array = array.astype(kinds[array.dtype.kind].numpy)
    return array


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._host_array().tolist()
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(item) for item in data]
    return data


def type_description(tensor) -> str:
    """'torch.FloatTensor [2, 3]': how PyTorch names a tensor in error messages."""
    name = tensor.dtype._short_tensor_name
    prefix = "torch.cuda." if tensor.device.type == "cuda" else "torch."
    return f"{prefix}{name} [{', '.join(str(n) for n in tensor.shape)}]"


_function._bind_tensor_class(Tensor, VersionCounter)

from . import ops  # noqa: E402  (ops imports Tensor, so only now can the method mixins be given ops)

_bind_methods(Tensor, ops)
# tensor.stft says PyTorch has it and minigrad does not: one raising class attribute per such name, not a
# __getattr__ (which would send every tensor attribute read through Python's slow path; _missing_names.py)
_missing_names.mark_missing(Tensor, "torch.Tensor")
