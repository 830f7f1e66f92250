"""``Dropout`` and ``Dropout2d``: random zeroing (of elements, of whole channels) during training, the identity
in eval mode."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` (scaling the others by 1/(1-p)) while ``training``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) with probability ``p`` (scaling the others by 1/(1-p)) while
    ``training``: neighbouring pixels are correlated, so dropping single pixels would regularise little."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)
