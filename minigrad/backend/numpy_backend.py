"""The NumPy backend: the default, CPU arrays."""
from __future__ import annotations

import numpy as np


class Backend:
    """What ops need from an array library beyond its NumPy-like namespace ``xp``.

    Subclasses override only what their library spells differently.
    """

    name = "numpy"
    device_type = "cpu"
    xp = np

    def scatter_add(self, target, index, values):
        """``target[index] += values`` that adds repeated indices up (plain ``+=`` keeps only one)."""
        np.add.at(target, index, values)

    def from_host(self, host_array, device_index=0):
        """A NumPy array copied (or shared, when it already lives here) onto this backend."""
        return host_array

    def to_host(self, array):
        """This backend's array as a NumPy array (shares memory when it can)."""
        return array

    def is_array(self, value) -> bool:
        return isinstance(value, np.ndarray)

    def device_index(self, array):
        return None

    def device_of(self, array):
        from .._device import device

        return device(self.device_type, self.device_index(array))


NUMPY_BACKEND = Backend()
