"""The strict test device: CPU memory, CuPy's manners (see ``strict_array.py``).

Only the tests use it: ``minigrad.device('strict')`` names it, and ``MINIGRAD_TEST_DEVICE=strict`` makes it
the default device of a test run (``tests/conftest.py`` calls ``minigrad.set_default_device('strict')``), so
the op, nn, optim and functional suites run on it unchanged. An op that calls NumPy directly, leaks a host
array into a device computation, or uses NumPy-only API then fails on this machine, without a GPU, exactly
where it would fail on CuPy. Its tensors report ``device(type='strict', index=0)``, like ``cuda:0``.
"""
from __future__ import annotations

import numpy as np

from . import register_backend
from .numpy_backend import Backend
from .strict_array import StrictArray, namespace


class StrictBackend(Backend):
    name = "strict"
    device_type = "strict"
    xp = namespace
    array_type = StrictArray

    def from_host(self, host_array, device_index=0):
        if type(host_array) is StrictArray:
            return host_array
        return StrictArray(np.array(host_array, copy=True))  # a transfer copies, as on a GPU

    def to_host(self, array):
        return np.array(array._data, copy=True)  # explicit copies only: no memory shared with the host

    def scatter_add(self, target, index, values):
        if type(target) is not StrictArray or type(values) is not StrictArray:
            raise TypeError("scatter_add on the strict device needs strict arrays for the target and the values")
        np.add.at(target._data, _host_index(index), values._data)

    def as_strided(self, array, shape, strides):
        if type(array) is not StrictArray:
            raise TypeError("as_strided on the strict device needs a strict array")
        view = np.lib.stride_tricks.as_strided(array._data, shape, strides, writeable=False)
        return StrictArray(view, array._owner if array._owner is not None else array)

    def writable(self, array):
        data = super().writable(array._data)  # CuPy's views are all writable; the host's answer is stricter
        if data is None or data is array._data:
            return None if data is None else array
        return StrictArray(data, array._owner if array._owner is not None else array)

    def device_index(self, array):
        return 0


def _host_index(index):
    from .strict_array import _index

    return _index(index)


STRICT_BACKEND = StrictBackend()
register_backend(STRICT_BACKEND, StrictArray, "strict")
