"""``torch.linalg`` as far as minigrad goes: the norms (``ops/norms.py``)."""
from __future__ import annotations

from ._missing_names import module_getattr
from .ops.norms import linalg_norm as norm
from .ops.norms import matrix_norm, vector_norm

__all__ = ["norm", "vector_norm", "matrix_norm"]

__getattr__ = module_getattr(__name__)
