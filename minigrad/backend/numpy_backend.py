"""The NumPy backend: the default, CPU arrays. Its ``Backend`` class is also the interface the others follow."""
from __future__ import annotations

import contextlib

import numpy as np

_HERE = contextlib.nullcontext()  # CPU arrays have one place to go; a nullcontext can be entered again and again


class Backend:
    """Everything minigrad needs from an array library, in one small interface.

    * ``xp``: a namespace with NumPy's common API (``xp.exp``, ``xp.sum``, ``xp.zeros``, ``xp.where``, ...):
      ops do all their math and reductions through it, asking ``namespace_of(array)`` for it.
    * array creation on a device (``full``, ``eye``, ``arange``, ``linspace``), random numbers from our
      seeded host generator (``random``), transfer to and from the host (``from_host``, ``to_host``);
    * the few things NumPy spells differently from its peers: ``scatter_add`` (the backward of indexing).

    Subclasses override only what their library spells differently. ``device_index`` arguments are ignored
    by the CPU backends.
    """

    name = "numpy"
    device_type = "cpu"
    xp = np
    array_type = np.ndarray

    # ------------------------------------------------------------------ creation
    def using_device(self, device_index):
        """A context in which ``xp`` creates arrays on device ``device_index``."""
        return _HERE

    def full(self, shape, fill_value, dtype, device_index=0):
        with self.using_device(device_index):
            return self.xp.full(shape, fill_value, dtype=dtype)

    def eye(self, n, m, dtype, device_index=0):
        with self.using_device(device_index):
            return self.xp.eye(n, m, dtype=dtype)

    def arange(self, start, end, step, dtype, device_index=0):
        with self.using_device(device_index):
            return self.xp.arange(start, end, step).astype(dtype, copy=False)

    def linspace(self, start, end, steps, dtype, device_index=0):
        with self.using_device(device_index):
            return self.xp.linspace(start, end, steps).astype(dtype, copy=False)

    def random(self, draw, shape, dtype, device_index=0):
        """``draw(shape, dtype)`` on the host generator, then moved here: a seed gives the same numbers on
        every device (the lessons rely on it)."""
        return self.from_host(draw(shape, dtype), device_index)

    # ------------------------------------------------------------------ host transfer
    def from_host(self, host_array, device_index=0):
        """A NumPy array copied (or shared, when it already lives here) onto this backend."""
        return host_array

    def to_host(self, array):
        """This backend's array as a NumPy array (shares memory when it can)."""
        return array

    # ------------------------------------------------------------------ what NumPy's peers spell differently
    def scatter_add(self, target, index, values):
        """``target[index] += values`` that adds repeated indices up (plain ``+=`` keeps only one)."""
        np.add.at(target, index, values)

    def as_strided(self, array, shape, strides):
        """A read-only view of ``array`` with the given ``shape`` and byte ``strides`` (no copy): how
        convolution and pooling see every window of an image at once. The view must stay inside ``array``."""
        return np.lib.stride_tricks.as_strided(array, shape, strides, writeable=False)

    def writable(self, array):
        """``array``, or a writable view of the same memory where NumPy made a read-only view of writable
        memory (``broadcast_to``: an expanded tensor, which PyTorch writes through where that is well
        defined); None when the memory itself is read-only."""
        if array.flags.writeable:
            return array
        view = array.view()
        try:
            view.flags.writeable = True
        except ValueError:  # the memory is read-only (a file mapping, bytes, ...)
            return None
        return view

    def synchronize(self) -> None:
        """Wait until queued work has finished (GPUs run asynchronously; timing needs this)."""

    # ------------------------------------------------------------------ identity
    def is_array(self, value) -> bool:
        return isinstance(value, self.array_type)

    def device_index(self, array):
        return None

    def device_of(self, array):
        from .._device import device

        return device(self.device_type, self.device_index(array))


NUMPY_BACKEND = Backend()


def broadcast_view(array, shape: tuple):
    """``np.broadcast_to(array, shape)`` for an array whose memory is one C-contiguous block: the same
    read-only view, built directly. NumPy's own function is written in Python around an ``nditer`` and costs
    three times as much (about 25 000 machine instructions a call), paid twice in every training step that
    expands a bias or sums a loss. Anything else (a size that does not fit, memory in pieces) goes to
    NumPy, which also words the errors. tests/test_backend_broadcast.py holds the two to the same views."""
    lead = len(shape) - array.ndim
    if lead < 0:
        return np.broadcast_to(array, shape)
    strides = [0] * lead  # a new leading axis repeats the whole array: step 0 bytes along it
    for size, stride, target in zip(array.shape, array.strides, shape[lead:]):
        if size == 1 and target >= 0:
            strides.append(0)  # a size-1 axis, repeated (or not: NumPy gives it step 0 either way)
        elif size == target:
            strides.append(stride)
        else:
            return np.broadcast_to(array, shape)
    try:
        view = np.ndarray(shape, array.dtype, array, 0, strides)  # a view into array's memory
    except (BufferError, ValueError):  # not one contiguous block ("ndarray is not contiguous")
        return np.broadcast_to(array, shape)
    view.flags.writeable = False
    return view
