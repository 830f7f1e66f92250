"""The CuPy backend: tensors on the 'cuda' device keep their values in CuPy arrays (GPU memory).

Imported only when a 'cuda' device is asked for (``minigrad.cuda._require_available`` checks first that CuPy
imports and sees a GPU, and says which is missing). CuPy speaks NumPy's API, so the ops run unchanged with
``xp = cupy``; this file holds the few things CuPy spells differently.
"""
from __future__ import annotations

import cupy
import cupyx

from . import register_backend
from .numpy_backend import Backend

# Types cupyx.scatter_add can add with CUDA's atomicAdd; other types take a detour through float64.
_SCATTER_ADD_DTYPES = frozenset(cupy.dtype(name) for name in ("float16", "float32", "float64", "int32", "uint32",
                                                               "uint64"))


class CupyBackend(Backend):
    name = "cupy"
    device_type = "cuda"
    xp = cupy
    array_type = cupy.ndarray

    def using_device(self, device_index):
        return cupy.cuda.Device(device_index or 0)

    def from_host(self, host_array, device_index=0):
        with cupy.cuda.Device(device_index or 0):
            return cupy.asarray(host_array)

    def to_host(self, array):
        return cupy.asnumpy(array)

    def scatter_add(self, target, index, values):
        if target.dtype in _SCATTER_ADD_DTYPES:
            cupyx.scatter_add(target, index, values)
            return
        # e.g. int64 or bool: exact in float64 for the sizes an index-backward sees
        widened = target.astype("float64")
        cupyx.scatter_add(widened, index, values.astype("float64"))
        target[...] = widened.astype(target.dtype)

    def as_strided(self, array, shape, strides):
        return cupy.lib.stride_tricks.as_strided(array, shape, strides)  # (CuPy has no read-only views)

    def writable(self, array):
        return array  # CuPy has no read-only views

    def synchronize(self) -> None:
        cupy.cuda.Device().synchronize()

    def device_index(self, array):
        return array.device.id


CUPY_BACKEND = CupyBackend()
register_backend(CUPY_BACKEND, cupy.ndarray, "cuda")
