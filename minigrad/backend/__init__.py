"""The one door to array libraries.

Every op asks this module for the array namespace of its inputs (``namespace_of``) instead of importing
NumPy itself, so the same op code runs on NumPy arrays, CuPy arrays (GPU) or the strict test arrays.
Only files in this package import NumPy or CuPy directly.

A namespace is a module-like object offering NumPy's common API (``xp.exp``, ``xp.sum``, ``xp.matmul``,
...) plus the few helpers NumPy spells differently from its peers, collected in ``Backend`` objects:
``scatter_add`` (indexing backward), random numbers from our seeded generator, and host transfer.
"""
from __future__ import annotations

import numpy as _np

from .numpy_backend import NUMPY_BACKEND, Backend, broadcast_view

# Which backend owns an array, by the array's exact type: one dict lookup on the hot path.
_BACKEND_BY_ARRAY_TYPE: dict[type, Backend] = {_np.ndarray: NUMPY_BACKEND}
_BACKEND_BY_DEVICE_TYPE: dict[str, Backend] = {"cpu": NUMPY_BACKEND}

ndarray = _np.ndarray


def register_backend(backend: Backend, array_type: type, device_type: str | None = None) -> None:
    """Make arrays of ``array_type`` known to minigrad (used by the CuPy and strict backends)."""
    _BACKEND_BY_ARRAY_TYPE[array_type] = backend
    if device_type is not None:
        _BACKEND_BY_DEVICE_TYPE[device_type] = backend


def backend_of(array) -> Backend:
    """The backend that owns ``array``."""
    try:
        return _BACKEND_BY_ARRAY_TYPE[type(array)]
    except KeyError:
        for array_type, backend in _BACKEND_BY_ARRAY_TYPE.items():
            if isinstance(array, array_type):
                return backend
        if isinstance(array, _np.generic):  # a NumPy scalar left by a 0-d reduction
            return NUMPY_BACKEND
        raise TypeError(f"minigrad does not know arrays of type {type(array).__name__}") from None


def namespace_of(array):
    """The NumPy-like namespace (``xp``) to compute on ``array`` with."""
    backend = _BACKEND_BY_ARRAY_TYPE.get(type(array))  # every op asks: answer the usual case in one lookup
    return (backend if backend is not None else backend_of(array)).xp


def broadcast_to(array, shape):
    """``xp.broadcast_to(array, shape)``: a read-only view of ``array`` repeated along new leading axes and its
    size-1 axes. NumPy arrays take a quicker way to the same view (``numpy_backend.broadcast_view``)."""
    if type(array) is ndarray:
        return broadcast_view(array, tuple(shape))
    return namespace_of(array).broadcast_to(array, shape)


def backend_for_device(device_type: str) -> Backend:
    """The backend for a device type, loading it on first use ('cuda' needs CuPy and a GPU)."""
    try:
        return _BACKEND_BY_DEVICE_TYPE[device_type]
    except KeyError:
        pass
    if device_type == "cuda":
        from ..cuda import _require_available

        _require_available()  # a clear error naming what is missing; registers the CuPy backend
    elif device_type == "strict":
        from . import strict_backend  # noqa: F401  (registers itself)
    try:
        return _BACKEND_BY_DEVICE_TYPE[device_type]
    except KeyError:
        raise RuntimeError(f"no array backend is registered for device type '{device_type}'") from None


def is_device_array(value) -> bool:
    """Is ``value`` an array of one of the registered backends (NumPy, CuPy, strict)?"""
    return type(value) in _BACKEND_BY_ARRAY_TYPE


def array_dtype(spelling):
    """The arrays' dtype descriptor for ``spelling`` (``'float32'``, a NumPy type, a dtype): NumPy's, which CuPy
    and the strict arrays use too, so it describes the elements whatever device holds them."""
    return _np.dtype(spelling)


def as_array(value, like=None):
    """Turn a NumPy scalar or Python number left by a computation into a 0-d array of ``like``'s backend."""
    backend = NUMPY_BACKEND if like is None else backend_of(like)
    return backend.xp.asarray(value)


from .host_memory import keep_freed_memory as _keep_freed_memory  # noqa: E402

_keep_freed_memory()  # NumPy's temporaries reuse freed memory instead of faulting it in again each step
