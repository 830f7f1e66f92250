"""``Variable``: the wrapper of PyTorch before 0.4, kept so that old tutorials run. Since 0.4 tensors carry
autograd state themselves: ``Variable(t, requires_grad=True)`` just returns a tensor (a leaf sharing ``t``'s
storage) and every tensor counts as a ``Variable`` for ``isinstance``."""
from __future__ import annotations

import warnings


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:
        from .._tensor import Tensor

        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)`` -> a tensor: ``data`` detached (same storage, no history)."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        from .._tensor import Tensor
        from ..factories import tensor

        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if data is None:
            data = tensor([])
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad and not data.is_floating_point():
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        result = data.detach()
        result.requires_grad = requires_grad
        return result
