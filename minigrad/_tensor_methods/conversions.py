"""dtype and device conversions of ``Tensor`` (``to``, ``float``, ``cpu``, ``type``, ...) and ``new_zeros`` and kin."""
from __future__ import annotations

from .. import _dtype

# Bound by minigrad._tensor_methods.bind once both exist: ops imports Tensor at import time, and Tensor's class
# statement needs this mixin first, so neither can be imported here.
Tensor = ops = None


class ConversionMethods:
    __slots__ = ()

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        from .._device import device as device_class

        target_dtype = kwargs.pop("dtype", None)
        target_device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        for arg in args:
            if isinstance(arg, _dtype.dtype):
                target_dtype = arg
            elif isinstance(arg, Tensor):
                target_dtype, target_device = arg.dtype, arg.device
            elif isinstance(arg, (str, device_class)):
                target_device = arg
            elif isinstance(arg, int):
                target_device = device_class("cuda", arg)
        result = self
        if target_device is not None:
            from .. import _device_transfer

            result = _device_transfer.to_device(result, target_device)
        if target_dtype is not None:
            target_dtype = _dtype.canonical(target_dtype)
            if target_dtype.numpy != result._array.dtype:
                result = ops.ToCopy.apply(result, target_dtype.numpy)
        return result

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def bool(self):
        return self.to(_dtype.bool)

    def type(self, dtype=None):
        if dtype is None:
            prefix = "torch.cuda." if self.device.type == "cuda" else "torch."
            return prefix + self.dtype._short_tensor_name
        return self.to(_dtype.canonical(dtype))

    def type_as(self, other):
        return self.to(other.dtype)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")

    # ------------------------------------------------------------------ new tensors like this one
    def new_tensor(self, data, dtype=None, requires_grad=False):
        from ..factories import tensor

        return tensor(data, dtype=dtype or self.dtype, device=self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from ..factories import _filled  # not zeros(): its error for a negative size has its own words

        return _filled(size, 0, dtype or self.dtype, device or self.device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from ..factories import ones

        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)
