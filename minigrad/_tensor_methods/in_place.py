"""In-place methods of ``Tensor`` (``add_``, ``x += y``, ``zero_``, ``copy_``, ...) and ``_in_place``, the one
helper that applies the autograd rules for in-place changes (leaf check, version counter, history rebase)."""
from __future__ import annotations

import operator
import warnings

from .. import _dtype
from .._lesson_hints import with_lesson
from ..autograd import forward_ad as _forward_ad, function as _function, grad_mode as _grad_mode
from ..backend import backend_of, namespace_of, ndarray as _ndarray

# Bound by minigrad._tensor_methods.bind once both exist: ops imports Tensor at import time, and Tensor's class
# statement needs this mixin first, so neither can be imported here.
Tensor = ops = None
_grad_state = _grad_mode.state


class InPlaceMethods:
    __slots__ = ()

    # ------------------------------------------------------------------ arithmetic, with a fast path on arrays
    def add_(self, other, alpha=1):
        if _update_array_in_place(self, operator.iadd, other, alpha):
            return self
        if alpha == 1:
            return _in_place(self, ops.Add, other)
        return _in_place(self, ops.AddScaled, other, alpha)

    def sub_(self, other, alpha=1):
        if _update_array_in_place(self, operator.isub, other, alpha):
            return self
        if alpha == 1:
            return _in_place(self, ops.Sub, other)
        return _in_place(self, ops.SubScaled, other, alpha)

    def mul_(self, other):
        if _update_array_in_place(self, operator.imul, other):
            return self
        return _in_place(self, ops.Mul, other)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is not None:
            return _in_place(self, ops.DivRounded, other, rounding_mode)
        if _update_array_in_place(self, operator.itruediv, other):
            return self
        return _in_place(self, ops.Div, other)

    # x += y is add_ without alpha (and so on), written out: optimizer loops run them once per weight
    def __iadd__(self, other):
        if _update_array_in_place(self, operator.iadd, other):
            return self
        return _in_place(self, ops.Add, other)

    def __isub__(self, other):
        if _update_array_in_place(self, operator.isub, other):
            return self
        return _in_place(self, ops.Sub, other)

    def __imul__(self, other):
        if _update_array_in_place(self, operator.imul, other):
            return self
        return _in_place(self, ops.Mul, other)

    def __itruediv__(self, other):
        if _update_array_in_place(self, operator.itruediv, other):
            return self
        return _in_place(self, ops.Div, other)

    def floor_divide_(self, other):
        return _in_place(self, ops.FloorDivideInPlace, other)

    def __ifloordiv__(self, other):
        return _in_place(self, ops.FloorDivideInPlace, other)

    def remainder_(self, other):
        return _in_place(self, ops.RemainderTensor if isinstance(other, Tensor) else ops.Remainder, other)

    def __imod__(self, other):
        return self.remainder_(other)

    def pow_(self, exponent):
        return _in_place(self, ops.PowScalar, exponent)

    def neg_(self):
        return _in_place(self, ops.Neg)

    # ------------------------------------------------------------------ element-wise functions
    def clamp_(self, min=None, max=None):
        function = ops.ClampTensor if isinstance(min, Tensor) or isinstance(max, Tensor) else ops.Clamp
        return _in_place(self, function, min, max)

    def relu_(self):
        return _in_place(self, ops.Relu)

    def exp_(self):
        return _in_place(self, ops.Exp)

    def sigmoid_(self):
        return _in_place(self, ops.Sigmoid)

    def tanh_(self):
        return _in_place(self, ops.Tanh)

    def floor_(self):
        return _in_place(self, ops.Floor)

    def ceil_(self):
        return _in_place(self, ops.Ceil)

    def trunc_(self):
        return _in_place(self, ops.Trunc)

    def fix_(self):
        return _in_place(self, ops.Trunc)

    def frac_(self):
        return _in_place(self, ops.Frac)

    def log1p_(self):
        return _in_place(self, ops.Log1p)

    def expm1_(self):
        return _in_place(self, ops.Expm1)

    def log2_(self):
        return _in_place(self, ops.Log2)

    def log10_(self):
        return _in_place(self, ops.Log10)

    def erf_(self):
        return _in_place(self, ops.Erf)

    def round_(self, *, decimals=None):
        if decimals is None:
            return _in_place(self, ops.Round)
        return _in_place(self, ops.RoundDecimals, decimals)

    def masked_fill_(self, mask, value):
        return _in_place(self, ops.MaskedFill, mask, value)

    # ------------------------------------------------------------------ writing values
    def zero_(self):
        array = self._array
        # the fast path of _update_array_in_place for zeroing a NumPy array (a gradient, most often)
        if (type(array) is _ndarray and not (_grad_state.enabled and self._requires_grad)
                and _forward_ad.state.level is None and not _function._trace_state.by_thread):
            try:
                array.fill(0)
            except ValueError:  # read-only: the general path says what is wrong
                pass
            else:
                _bump_version_of(self)
                return self
        return _in_place(self, ops.Zero, copy_input=False)

    def fill_(self, value):
        return _in_place(self, ops.FillTensor if isinstance(value, Tensor) else ops.Fill, value, copy_input=False)

    def copy_(self, source, non_blocking=False):
        if not isinstance(source, Tensor):
            raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(source).__name__}")
        if source._array.shape != self._array.shape:
            try:
                namespace_of(self._array).broadcast_to(source._array, self._array.shape)
            except ValueError:
                raise RuntimeError(f"The size of tensor a ({self.shape[-1] if self.dim() else 1}) must match the "
                                   f"size of tensor b ({source.shape[-1] if source.dim() else 1}) at non-singleton "
                                   "dimension 0") from None
        if type(source._array) is not type(self._array):
            from .. import _device_transfer

            source = _device_transfer.to_device(source, self.device)
        return _in_place(self, ops.Copy, source, copy_input=False)

    def uniform_(self, a=0.0, b=1.0):
        from .. import random as _random

        with _grad_mode.no_grad():
            return self.copy_(_random.rand(*self.shape, dtype=self.dtype, device=self.device) * (b - a) + a)

    def normal_(self, mean=0.0, std=1.0):
        from .. import random as _random

        with _grad_mode.no_grad():
            return self.copy_(_random.randn(*self.shape, dtype=self.dtype, device=self.device) * std + mean)


def _in_place(self, function, *args, copy_input=True):
    """Run ``function`` as an in-place update of ``self`` and keep autograd's books straight.

    * A leaf that requires grad may only change in place under ``no_grad`` (e.g. ``w -= lr * w.grad``).
    * Every in-place change bumps the version counter shared with ``detach()`` and views, so a node that
      saved the old values fails loudly instead of computing a wrong gradient.
    * When recorded, ``self`` continues its history through the new node, as in PyTorch.
    """
    recording = _grad_state.enabled and (self._requires_grad or any(
        isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(with_lesson("a leaf Variable that requires grad is being used in an in-place "
                                           "operation.", "in_place"))
        base = self._base
        if base is not None and base._requires_grad:
            if base.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
            raise RuntimeError("minigrad does not record in-place changes to a view of a tensor that requires "
                               "grad (PyTorch rewrites the base's history; minigrad refuses rather than give a "
                               "wrong gradient). Write the result out of place, e.g. with torch.where or cat.")
        # The op must see the old values even though we overwrite them: give it a copy with self's history.
        source = self
        if copy_input:
            source = Tensor._make(self._array.copy(), self._requires_grad, self.grad_fn, self._output_nr)
            source._fw_grad = self._fw_grad
        result = function.apply(source, *args)
        if result._array is not self._array:
            _write_into(self, result._array, function)
        self._bump_version()
        if result.grad_fn is not None:
            _function.adopt_saved_outputs(result.grad_fn, self)
        self.grad_fn = result.grad_fn
        self._requires_grad = result._requires_grad
        self._output_nr = result._output_nr
        self._fw_grad = result._fw_grad  # forward AD: the new values' tangent
        return self
    if (function is ops.CopySlices or function is ops.IndexPut) and _forward_ad.state.level is None:
        array = self._array
        value = args[1]
        if type(array) is not _ndarray or not array.flags.writeable:  # an expanded tensor, perhaps
            array = _writable(array if function is ops.IndexPut else array[args[0]], function, array)
        array[args[0]] = getattr(value, "_array", value)
    else:
        previous, _grad_state.enabled = _grad_state.enabled, False
        try:
            result = function.apply(self, *args)
        finally:
            _grad_state.enabled = previous
        _write_into(self, result._array, function)
        self._fw_grad = result._fw_grad
    self._bump_version()
    return self


# The updates an optimizer step makes (``w -= lr * w.grad``, ``w.add_(g, alpha=-lr)``, ``w.grad.zero_()``):
# when nothing records, the array computes them straight into the tensor's memory (``a += b`` is NumPy's
# ufunc with ``out=a``) instead of into a new array that is then copied over -- an allocation and two passes
# over the weights saved per update -- and the methods skip ``_in_place``'s general machinery. The checks run
# cheapest-first for the usual case: a float NumPy tensor under ``no_grad`` and a tensor or Python number as
# operand.
def _update_array_in_place(self, update, other, alpha=1) -> bool:
    """Compute ``array = update(array, alpha * other)`` (``update`` is ``operator.iadd`` or a kin) on self's
    NumPy array and bump the version, returning True; or change nothing and return False for the general
    path: another device, a non-float tensor, an update autograd must record (or forward AD or a jit trace
    must see), another kind of operand, or one NumPy refuses (a shape that does not broadcast to self's, a
    read-only array): the general path then raises PyTorch's error."""
    array = self._array
    if type(array) is not _ndarray or array.dtype.kind != "f":
        return False
    if _grad_state.enabled and (self._requires_grad or isinstance(other, Tensor) and other._requires_grad):
        return False
    if _forward_ad.state.level is not None or _function._trace_state.by_thread:  # (a trace in any thread)
        return False
    if isinstance(other, Tensor):
        other = other._array
        if type(other) is not _ndarray or other.dtype != array.dtype:  # mixed dtypes: PyTorch's promotion
            return False
    elif type(other) is not float and type(other) is not int:
        return False
    if alpha != 1:  # add_/sub_ with alpha: self ± alpha * other, alpha a Python number as in AddScaled
        if type(alpha) is not float and type(alpha) is not int:
            return False
        other = other * alpha
    try:
        update(array, other)
    except ValueError:  # refused before writing anything (see above)
        return False
    _bump_version_of(self)
    return True


def _bump_version_of(tensor, times: int = 1) -> None:
    """``tensor._bump_version()`` ``times`` times, in one call: it runs once per update on the fast paths."""
    counter = tensor._version_counter
    if counter is None:
        counter = tensor._ensure_version_counter()
    counter.value += times


def _write_into(tensor, array, function=None):
    target = tensor._array
    if target.shape != array.shape:
        raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast shape "
                           f"{list(array.shape)}")
    if target.dtype != array.dtype:
        _check_can_cast(array.dtype, target.dtype)
    if type(target) is not _ndarray or not target.flags.writeable:  # an expanded tensor, perhaps
        target = _writable(target, function)
    target[...] = array


def _writable(region, function, array=None):
    """The memory an in-place ``function`` writes (``region``, of ``array``) made writable, or PyTorch's refusal.

    An expanded tensor is a read-only NumPy view in which several elements share one memory cell. PyTorch
    writes through it where the outcome is clear: zero_ and fill_(number) put one value everywhere, and a write
    whose own elements are all distinct (``x[0] = v`` into an expanded ``x``) touches each cell once;
    index_put_ and masked_fill_ are deprecated there but still write. Everything else is refused."""
    array = region if array is None else array
    if any(stride == 0 and size > 1 for stride, size in zip(region.strides, region.shape)):
        if function is ops.IndexPut or function is ops.MaskedFill:
            name = "index_put_" if function is ops.IndexPut else "masked_fill_"
            example = "tensor[indices] = tensor" if function is ops.IndexPut else "tensor[mask] = scalar"
            warnings.warn(f"Use of {name} on expanded tensors is deprecated. Please clone() the tensor before "
                          f"performing this operation. This also applies to advanced indexing e.g. {example}",
                          UserWarning, stacklevel=5 if function is ops.MaskedFill else 4)
        elif function is not ops.Zero and function is not ops.Fill:
            raise RuntimeError(EXPANDED_WRITE_MESSAGE)
    writable = backend_of(array).writable(array)
    return array if writable is None else writable  # None: read-only memory, and NumPy says so


EXPANDED_WRITE_MESSAGE = ("unsupported operation: more than one element of the written-to tensor refers to a single "
                          "memory location. Please clone() the tensor before performing the operation.")


def _check_can_cast(result, output) -> None:
    """PyTorch's rule for writing a result into a tensor of another dtype: never floating point into integers
    or bool, never anything but bool into bool (``int_tensor += 0.5`` fails; ``float16 += float64`` rounds)."""
    if (result.kind == "f" and output.kind != "f") or (output.kind == "b" and result.kind != "b"):
        names = (_dtype.from_numpy_dtype(d)._short_tensor_name.replace("Tensor", "") for d in (result, output))
        raise RuntimeError("result type {} can't be cast to the desired output type {}".format(*names))
