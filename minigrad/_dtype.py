"""Data types, printed the way PyTorch prints them (``torch.float32``), so lesson output matches PyTorch's.

Each dtype holds the arrays' dtype descriptor (``dtype.numpy``), which ``minigrad.backend.array_dtype`` makes:
NumPy's, shared by every backend (CuPy and the strict arrays use them too).
"""
from __future__ import annotations

import builtins as _builtins

from .backend import array_dtype as _array_dtype, is_device_array as _is_device_array


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


# ------------------------------------------------------------------ type promotion, PyTorch's rules
# minigrad's own, so results never depend on the NumPy version (NumPy 1.x promotes by value, 2.x by type, and
# neither as PyTorch does: int32 with float32 is float64 in NumPy, float32 in PyTorch).
_CATEGORY = {bool: 0, uint8: 1, int8: 1, int16: 1, int32: 1, int64: 1, float16: 2, float32: 2, float64: 2}


def _promote_pair(a: dtype, b: dtype) -> dtype:
    """PyTorch's promotion table: the higher category wins (bool < integer < floating point, so int64 with
    float16 is float16); within one, the wider type, and uint8 with int8 needs int16 to hold both."""
    category_a, category_b = _CATEGORY[a], _CATEGORY[b]
    if category_a != category_b:
        return a if category_a > category_b else b
    if {a, b} == {uint8, int8}:
        return int16
    if uint8 in (a, b):  # every other signed integer holds uint8
        return b if a is uint8 else a
    return a if a.itemsize >= b.itemsize else b


_PROMOTED = {(a, b): _promote_pair(a, b) for a in ALL_DTYPES for b in ALL_DTYPES}


def promote_types(type1, type2) -> dtype:
    """``torch.promote_types``: the smallest dtype both ``type1`` and ``type2`` convert to without losing their
    category."""
    return _PROMOTED[canonical(type1), canonical(type2)]


def _number_dtype(number) -> dtype:
    """The dtype a number takes part with: bool, int64 for integers, the default float for floats (NumPy
    scalars are numbers too, as in PyTorch)."""
    kind = getattr(number, "dtype", None)
    kind = kind.kind if kind is not None else ("b" if isinstance(number, _builtins.bool) else
                                               "i" if isinstance(number, _builtins.int) else
                                               "f" if isinstance(number, _builtins.float) else "c")
    if kind == "b":
        return bool
    if kind in "iu":
        return int64
    if kind == "f":
        return DEFAULT_FLOAT
    raise TypeError(f"minigrad has no complex dtypes: cannot compute with {number!r}")


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """A higher-ranked result keeps its dtype unless the lower one is of a higher category (PyTorch's
    ``combine_categories``): then their promotion."""
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return _PROMOTED[higher, lower]
    return higher


def result_dtype(*operands) -> dtype:
    """The dtype PyTorch computes ``operands`` in (``torch.result_type`` for any number of them).

    Operands are tensors, arrays (their dtype and shape) or numbers, ranked: tensors with dims, then 0-d
    tensors, then numbers (Python and NumPy scalars). Within a rank the dtypes promote (``promote_types``); a
    lower rank changes the result only when it is of a higher category (bool < integer < floating point): an
    int tensor with 0.5 is float32, a float16 tensor with a float64 0-d tensor stays float16, an int32 tensor
    with an int64 0-d tensor stays int32, a bool tensor with 2 is int64.
    """
    ranked = [None, None, None]  # dims, 0-d, numbers
    for operand in operands:
        array = getattr(operand, "_array", operand)
        if _is_device_array(array):
            rank, operand_dtype = (0 if array.ndim else 1), _BY_NUMPY[array.dtype]
        else:  # a Python number or a NumPy scalar
            rank, operand_dtype = 2, _number_dtype(array)
        current = ranked[rank]
        ranked[rank] = operand_dtype if current is None else _PROMOTED[current, operand_dtype]
    return _combine_categories(ranked[0], _combine_categories(ranked[1], ranked[2]))

