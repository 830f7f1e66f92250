"""``LayerNorm``: normalization over the trailing dimensions, with a learned scale and shift."""
from __future__ import annotations

import numbers

from ... import factories
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


class LayerNorm(Module):
    """``F.layer_norm`` over the last ``len(normalized_shape)`` dimensions; ``weight`` starts at ones and
    ``bias`` at zeros (so a fresh layer only normalizes). ``elementwise_affine=False``: neither."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(factories.empty(*self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(factories.empty(*self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
