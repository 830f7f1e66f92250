"""Arithmetic, comparisons and matrix products of ``Tensor``: the operators and their named methods."""
from __future__ import annotations

import numbers
import operator

from ..backend import namespace_of

# Bound by minigrad._tensor_methods.bind once both exist: ops imports Tensor at import time, and Tensor's class
# statement needs this mixin first, so neither can be imported here.
Tensor = ops = None
_OPERAND_TYPES = ()  # (Tensor, *_NUMBER_TYPES): what arithmetic accepts; anything else gets NotImplemented
# Any number; int and float are named first because they are the common ones and isinstance answers them at
# once, where asking the abstract numbers.Number runs its Python-level __instancecheck__ (seen in profiles).
_NUMBER_TYPES = (int, float, numbers.Number)


class ArithmeticMethods:
    __slots__ = ()

    # ------------------------------------------------------------------ operators
    def __add__(self, other):
        return ops.Add.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __radd__(self, other):
        return ops.Add.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __sub__(self, other):
        return ops.Sub.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rsub__(self, other):
        return ops.Rsub.apply(self, other) if isinstance(other, _NUMBER_TYPES) else NotImplemented

    def __mul__(self, other):
        return ops.Mul.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rmul__(self, other):
        return ops.Mul.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __truediv__(self, other):
        return ops.Div.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rtruediv__(self, other):
        if not isinstance(other, _NUMBER_TYPES):
            return NotImplemented
        return ops.Mul.apply(ops.Reciprocal.apply(self), other)  # PyTorch records `2 / x` this way

    def __floordiv__(self, other):
        return ops.FloorDivide.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rfloordiv__(self, other):
        return ops.FloorDivide.apply(other, self) if isinstance(other, _NUMBER_TYPES) else NotImplemented

    def __mod__(self, other):
        if isinstance(other, Tensor):
            return ops.RemainderTensor.apply(self, other)
        if isinstance(other, _NUMBER_TYPES):
            return ops.Remainder.apply(self, other)  # PyTorch's other overload: another node name
        return NotImplemented

    def __rmod__(self, other):
        return ops.RRemainder.apply(other, self) if isinstance(other, _NUMBER_TYPES) else NotImplemented

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return ops.PowTensor.apply(self, exponent)
        if isinstance(exponent, _NUMBER_TYPES):
            return ops.PowScalar.apply(self, exponent)
        return NotImplemented

    def __rpow__(self, base):
        return ops.RPow.apply(base, self) if isinstance(base, _NUMBER_TYPES) else NotImplemented

    def __matmul__(self, other):
        return ops.matmul(self, other) if isinstance(other, Tensor) else NotImplemented

    def __rmatmul__(self, other):
        return ops.matmul(other, self) if isinstance(other, Tensor) else NotImplemented

    def __neg__(self):
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.Abs.apply(self)

    # ------------------------------------------------------------------ the same, as named methods
    def add(self, other, alpha=1):
        return ops.Add.apply(self, other) if alpha == 1 else ops.AddScaled.apply(self, other, alpha)

    def sub(self, other, alpha=1):
        return ops.Sub.apply(self, other) if alpha == 1 else ops.SubScaled.apply(self, other, alpha)

    def subtract(self, other, alpha=1):
        return self.sub(other, alpha)

    def mul(self, other):
        return ops.Mul.apply(self, other)

    def multiply(self, other):
        return ops.Mul.apply(self, other)

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return ops.Div.apply(self, other)
        return ops.DivRounded.apply(self, other, rounding_mode)

    def divide(self, other, *, rounding_mode=None):
        return self.div(other, rounding_mode=rounding_mode)

    def true_divide(self, other, *, rounding_mode=None):
        return self.div(other, rounding_mode=rounding_mode)

    def floor_divide(self, other):
        return self // other

    def remainder(self, other):
        return self % other

    def pow(self, exponent):
        return self ** exponent

    def neg(self):
        return ops.Neg.apply(self)

    def negative(self):
        return ops.Neg.apply(self)

    def reciprocal(self):
        return ops.Reciprocal.apply(self)

    def square(self):
        return ops.PowScalar.apply(self, 2)

    # ------------------------------------------------------------------ comparisons (no gradient)
    def __eq__(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return _compare(operator.eq, self, other)

    def __ne__(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return _compare(operator.ne, self, other)

    def __lt__(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return _compare(operator.lt, self, other)

    def __le__(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return _compare(operator.le, self, other)

    def __gt__(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return _compare(operator.gt, self, other)

    def __ge__(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return _compare(operator.ge, self, other)

    def eq(self, other):
        return self.__eq__(other)

    def ne(self, other):
        return self.__ne__(other)

    def lt(self, other):
        return self.__lt__(other)

    def le(self, other):
        return self.__le__(other)

    def gt(self, other):
        return self.__gt__(other)

    def ge(self, other):
        return self.__ge__(other)

    def __and__(self, other):
        a, b = self._array, _other_array(self, other)
        return Tensor._make(namespace_of(a).logical_and(a, b) if a.dtype.kind == "b" else a & b, False, None, 0)

    def __or__(self, other):
        a, b = self._array, _other_array(self, other)
        return Tensor._make(namespace_of(a).logical_or(a, b) if a.dtype.kind == "b" else a | b, False, None, 0)

    def __xor__(self, other):
        return Tensor._make(self._array ^ _other_array(self, other), False, None, 0)

    def __invert__(self):
        return Tensor._make(~self._array, False, None, 0)

    def logical_not(self):
        return Tensor._make(namespace_of(self._array).logical_not(self._array), False, None, 0)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(namespace_of(self._array).allclose(self._array, _other_array(self, other), rtol=rtol, atol=atol,
                                                       equal_nan=equal_nan))

    def equal(self, other):
        return self.shape == other.shape and bool((self._array == _other_array(self, other)).all())

    # ------------------------------------------------------------------ linear algebra
    def mm(self, other):
        return ops.Mm.apply(self, other)

    def mv(self, vector):
        return ops.Mv.apply(self, vector)

    def dot(self, other):
        return ops.Dot.apply(self, other)

    def bmm(self, other):
        return ops.Bmm.apply(self, other)

    def matmul(self, other):
        return ops.matmul(self, other)

    def outer(self, vec2):
        if not isinstance(vec2, Tensor):
            raise TypeError(f"outer(): argument 'vec2' (position 1) must be Tensor, not {type(vec2).__name__}")
        for name, vector in (("self", self), ("vec2", vec2)):
            if vector.ndim != 1:
                raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {vector.ndim}-D")
        return self.reshape(-1, 1) * vec2  # PyTorch's own decomposition: a view times the other vector


def _compare(operation, self, other):
    """A comparison in the dtype both operands promote to, as PyTorch compares (``uint8_tensor == -3`` is true
    for 253); the result is a bool tensor."""
    a, b, _ = ops._util.promoted(self, other)
    return Tensor._make(operation(a, b), False, None, 0)


def _other_array(self, other):
    """The array of ``other`` (a tensor or a number), after PyTorch's same-device check."""
    other_array = getattr(other, "_array", other)
    if type(other_array) is not type(self._array) and isinstance(other, Tensor):
        from ..ops._util import check_same_device

        check_same_device(self, other)
    return other_array
