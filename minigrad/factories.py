"""Creating tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``eye``, ``arange``, ``linspace``, ..."""
from __future__ import annotations

import warnings

from . import _dtype
from ._device import as_device, default_device_or_none
from ._lesson_hints import with_lesson
from ._tensor import Tensor, _init_fields, _place, _to_array
from .backend import backend_for_device, ndarray as _ndarray


FLOAT_ONLY_MESSAGE = with_lesson("Only Tensors of floating point and complex dtype can require gradients",
                                 "requires_grad")


def _size_args(size, negative_error=None):
    """Accept ``zeros(2, 3)`` and ``zeros((2, 3))`` alike; a negative size is PyTorch's error (``zeros`` has
    its own words, ``negative_error``)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if not isinstance(n, int) and not hasattr(n, "__index__"):
            raise TypeError(f"size must be a tuple of ints, but got an element of type {type(n).__name__}")
    size = tuple(int(n) for n in size)
    for n in size:
        if n < 0:
            raise RuntimeError(negative_error or f"Trying to create tensor with negative dimension {n}: {list(size)}")
    return size


def _target(device):
    """(backend, device index) for ``device=`` (None: the default device)."""
    target = as_device(device) if device is not None else default_device_or_none()
    if target is None or target.type == "cpu":
        return backend_for_device("cpu"), 0
    return backend_for_device(target.type), target.index or 0


def _finish(array, device, requires_grad, cls=Tensor):
    """A leaf tensor around ``array``: a host array is moved to ``device``; an array made on it stays."""
    tensor = object.__new__(cls)
    _init_fields(tensor, array if type(array) is not _ndarray else _place(array, device), False, None, 0)
    if requires_grad:
        if array.dtype.kind != "f":
            raise RuntimeError(FLOAT_ONLY_MESSAGE)
        tensor._requires_grad = True
    return tensor


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, NumPy arrays or tensors).

    Floats become float32 and ints int64 unless ``dtype`` says otherwise; NumPy arrays keep their dtype.
    """
    dtype = _dtype.canonical(dtype)
    if requires_grad and dtype is not None and not dtype.is_floating_point:
        raise RuntimeError(FLOAT_ONLY_MESSAGE)
    array = _to_array(data, dtype)
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError(FLOAT_ONLY_MESSAGE)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    if device is None and isinstance(data, Tensor):
        device = data.device  # tensor(t) is t.clone().detach(): it stays where t lives
    return _finish(array, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):  # no copy when nothing changes, a conversion otherwise (PyTorch: data.to(...))
        result = data if device is None else data.to(device)
        return result if dtype is None else result.to(_dtype.canonical(dtype))
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with a NumPy array (changes show on both sides)."""
    if not isinstance(array, _ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)  # refuses dtypes minigrad does not have
    return _finish(array, "cpu", False)  # always the CPU, whatever the default device (as in PyTorch)


def _filled(size, value, dtype, device, requires_grad, default=None, negative_error=None):
    dtype = _dtype.canonical(dtype) or default or _dtype.DEFAULT_FLOAT
    backend, index = _target(device)
    return _finish(backend.full(_size_args(size, negative_error), value, dtype.numpy, index), device,
                   requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _filled(size, 0, dtype, device, requires_grad,
                   negative_error="zeros: Dimension size must be non-negative.")


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        default = _dtype.bool if isinstance(fill_value, bool) else (
            _dtype.int64 if isinstance(fill_value, int) else _dtype.DEFAULT_FLOAT)
    else:
        default = None
    return _filled((tuple(size),), fill_value, dtype, device, requires_grad, default)


def _like(t, dtype, device):
    return (dtype or t.dtype), (device or t.device)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return zeros(*t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return ones(*t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return zeros_like(t, dtype, device, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return full(t.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    dtype = _dtype.canonical(dtype) or _dtype.DEFAULT_FLOAT
    backend, index = _target(device)
    return _finish(backend.eye(n, m, dtype.numpy, index), device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """``arange(5)`` -> 0..4 (int64); any float argument gives float32, as in PyTorch."""
    if end is None:
        start, end = 0, start
    values = (start, end, step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    default = _dtype.int64 if all(isinstance(v, int) for v in values) else _dtype.DEFAULT_FLOAT
    dtype = _dtype.canonical(dtype) or default
    backend, index = _target(device)
    return _finish(backend.arange(start, end, step, dtype.numpy, index), device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    dtype = _dtype.canonical(dtype) or _dtype.DEFAULT_FLOAT
    backend, index = _target(device)
    return _finish(backend.linspace(start, end, steps, dtype.numpy, index), device, requires_grad)
