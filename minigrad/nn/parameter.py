"""``nn.Parameter`` and ``nn.Buffer``: tensors a ``Module`` registers when you assign them to an attribute.

A ``Parameter`` is a leaf tensor that requires grad by default; assigning one to a module attribute
(``self.w = nn.Parameter(torch.randn(3, 3))``) adds it to ``module.parameters()``, which is what an
optimizer updates. A ``Buffer`` is state that is saved in ``state_dict`` but not trained.
"""
from __future__ import annotations

from .._tensor import Tensor, _init_fields


def _storage_of(data):
    """The array (and version counter) a new Parameter/Buffer shares with ``data``."""
    if data is None:
        from ..factories import empty

        data = empty(0)
    if not isinstance(data, Tensor):
        raise TypeError(f"expected a Tensor as the data of a Parameter, got {type(data).__name__}")
    return data._array, data._ensure_version_counter()


class Parameter(Tensor):
    """A tensor that is a module parameter: a leaf that requires grad unless told otherwise.

    ``Parameter(data)`` shares memory with ``data`` (as in PyTorch) but has no history: it is always a
    leaf, even when ``data`` came out of a computation.
    """

    def __new__(cls, data=None, requires_grad: bool = True):
        array, version_counter = _storage_of(data)
        if requires_grad and array.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        param = object.__new__(cls)
        _init_fields(param, array, bool(requires_grad), None, 0)
        param._version_counter = version_counter
        return param

    def __init__(self, data=None, requires_grad: bool = True):
        pass  # everything happened in __new__; Tensor.__init__ would read `data` as a shape

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class Buffer(Tensor):
    """A tensor marked as module state (``self.running_mean = nn.Buffer(torch.zeros(3))``).

    Assigning it to a module attribute registers it like ``register_buffer(name, tensor, persistent)``.
    """

    def __new__(cls, data=None, *, persistent: bool = True):
        array, version_counter = _storage_of(data)
        buffer = object.__new__(cls)
        _init_fields(buffer, array, False, None, 0)
        buffer._version_counter = version_counter
        buffer.persistent = persistent
        return buffer

    def __init__(self, data=None, *, persistent: bool = True):
        pass
