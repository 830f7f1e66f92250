"""Data types, printed the way PyTorch prints them (``torch.float32``), so lesson output matches PyTorch's.

Each dtype holds the arrays' dtype descriptor (``dtype.numpy``), which ``minigrad.backend.array_dtype`` makes:
NumPy's, shared by every backend (CuPy and the strict arrays use them too).
"""
from __future__ import annotations

import builtins as _builtins

from .backend import array_dtype as _array_dtype


class dtype:
    """A tensor element type. ``is_floating_point`` types are the only ones that can require grad."""

    __slots__ = ("name", "numpy", "is_floating_point", "itemsize", "_short_tensor_name")

    def __init__(self, name: str, numpy_dtype, short_tensor_name: str):
        self.name = name
        self.numpy = _array_dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize
        self._short_tensor_name = short_tensor_name  # PyTorch's legacy type name, as in 'torch.FloatTensor'

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


float16 = half = dtype("float16", "float16", "HalfTensor")
float32 = float = dtype("float32", "float32", "FloatTensor")
float64 = double = dtype("float64", "float64", "DoubleTensor")
uint8 = dtype("uint8", "uint8", "ByteTensor")
int8 = dtype("int8", "int8", "CharTensor")
int16 = short = dtype("int16", "int16", "ShortTensor")
int32 = int = dtype("int32", "int32", "IntTensor")
int64 = long = dtype("int64", "int64", "LongTensor")
bool = dtype("bool", "bool", "BoolTensor")

ALL_DTYPES = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES}

DEFAULT_FLOAT = float32


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(numpy_dtype) -> dtype:
    try:
        return _BY_NUMPY[numpy_dtype]
    except KeyError:
        raise TypeError(f"minigrad has no dtype matching NumPy's {numpy_dtype}") from None


def canonical(d) -> dtype | None:
    """Any accepted dtype spelling as a minigrad dtype (None stays None)."""
    if d is None or isinstance(d, dtype):
        return d
    if d is _builtins.float:
        return DEFAULT_FLOAT
    if d is _builtins.int:
        return int64
    if d is _builtins.bool:
        return bool
    return from_numpy_dtype(_array_dtype(d))
