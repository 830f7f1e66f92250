"""Element-wise functions of ``Tensor`` (``exp``, ``sin``, ``clamp``, ``where``, ...), ``softmax`` and ``clone``."""
from __future__ import annotations

from ..backend import namespace_of
from .reductions import required_dim

# Bound by minigrad._tensor_methods.bind once both exist: ops imports Tensor at import time, and Tensor's class
# statement needs this mixin first, so neither can be imported here.
Tensor = ops = None


class ElementwiseMethods:
    __slots__ = ()

    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def sqrt(self):
        return ops.Sqrt.apply(self)

    def rsqrt(self):
        return ops.Rsqrt.apply(self)

    def abs(self):
        return ops.Abs.apply(self)

    def sign(self):
        return ops.Sign.apply(self)

    def sin(self):
        return ops.Sin.apply(self)

    def cos(self):
        return ops.Cos.apply(self)

    def tanh(self):
        return ops.Tanh.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self)

    def relu(self):
        return ops.Relu.apply(self)

    def floor(self):
        return ops.Floor.apply(self)

    def ceil(self):
        return ops.Ceil.apply(self)

    def trunc(self):
        return ops.Trunc.apply(self)

    def fix(self):
        return ops.Trunc.apply(self)

    def frac(self):
        return ops.Frac.apply(self)

    def log1p(self):
        return ops.Log1p.apply(self)

    def expm1(self):
        return ops.Expm1.apply(self)

    def log2(self):
        return ops.Log2.apply(self)

    def log10(self):
        return ops.Log10.apply(self)

    def erf(self):
        return ops.Erf.apply(self)

    def round(self, *, decimals=None):
        if decimals is None:  # PyTorch records round() and round(decimals=...) as different nodes
            return ops.Round.apply(self)
        return ops.RoundDecimals.apply(self, decimals)

    def clamp(self, min=None, max=None):
        # PyTorch has an overload for number bounds and one for tensor bounds, recorded as different nodes
        function = ops.ClampTensor if isinstance(min, Tensor) or isinstance(max, Tensor) else ops.Clamp
        return function.apply(self, min, max)

    def clip(self, min=None, max=None):
        return self.clamp(min, max)

    def clamp_min(self, min):
        return (ops.ClampMinTensor if isinstance(min, Tensor) else ops.ClampMin).apply(self, min)

    def clamp_max(self, max):
        return (ops.ClampMaxTensor if isinstance(max, Tensor) else ops.ClampMax).apply(self, max)

    def masked_fill(self, mask, value):
        function = ops.MaskedFillTensor if isinstance(value, Tensor) else ops.MaskedFill
        return function.apply(self, mask, value)

    def where(self, condition, other):
        return ops.where(condition, self, other)

    def lerp(self, end, weight):
        if not isinstance(end, Tensor):
            raise TypeError(f"lerp(): argument 'end' (position 1) must be Tensor, not {type(end).__name__}")
        if isinstance(weight, Tensor):
            return ops.elementwise.LerpTensor.apply(self, end, weight)
        return ops.elementwise.Lerp.apply(self, end, weight)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return ops.elementwise.NanToNum.apply(self, nan, posinf, neginf)

    def isinf(self):
        return Tensor._make(namespace_of(self._array).isinf(self._array), False, None, 0)

    def isnan(self):
        return Tensor._make(namespace_of(self._array).isnan(self._array), False, None, 0)

    def softmax(self, dim=None, *, axis=None):
        return ops.Softmax.apply(self, required_dim("softmax", dim, axis))

    def log_softmax(self, dim=None, *, axis=None):
        return ops.LogSoftmax.apply(self, required_dim("log_softmax", dim, axis))

    def clone(self, memory_format=None):
        return ops.Clone.apply(self)

    def contiguous(self, memory_format=None):
        flags = getattr(self._array, "flags", None)
        if flags is None or flags.c_contiguous:
            return self
        return ops.Clone.apply(self)  # a transposed or sliced tensor is copied, as PyTorch does (CloneBackward0)

