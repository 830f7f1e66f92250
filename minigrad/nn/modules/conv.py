"""``Conv1d`` and ``Conv2d``: learned filters slid over a signal or an image (``F.conv1d``/``F.conv2d``)."""
from __future__ import annotations

import math

from ... import factories
from .. import functional as F, init
from .._conv_args import as_tuple, same_padding
from ..module import Module
from ..parameter import Parameter

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


class _ConvNd(Module):
    """What Conv1d and Conv2d share: checked arguments, parameters, PyTorch's initialisation and repr."""

    _dims = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        dims = self._dims
        kernel_size, stride, dilation = (as_tuple(v, dims) for v in (kernel_size, stride, dilation))
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = as_tuple(padding, dims)
        if padding_mode not in _PADDING_MODES:
            # PyTorch prints the set itself: its order changes with the process's string hashing
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.output_padding, self.transposed, self.padding_mode = (0,) * dims, False, padding_mode
        self._reversed_padding_repeated_twice = _reversed_padding(padding, kernel_size, dilation)
        self.weight = Parameter(factories.empty(out_channels, in_channels // groups, *kernel_size, device=device,
                                                dtype=dtype))
        if bias:
            self.bias = Parameter(factories.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # as Linear: kaiming_uniform_ with a = sqrt(5) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the bias likewise
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _conv_forward(self, input, weight, bias):
        convolve = F.conv1d if self._dims == 1 else F.conv2d
        if self.padding_mode != "zeros":  # the padding is done first, by F.pad in that mode
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return convolve(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return convolve(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


def _reversed_padding(padding, kernel_size, dilation) -> tuple:
    """F.pad's argument for a padding_mode other than zeros: (before, after) per dim, the last dim first."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0) * len(kernel_size)
        return tuple(p for pair in reversed(same_padding(kernel_size, dilation)) for p in pair)
    return tuple(p for p in reversed(padding) for _ in range(2))


class Conv1d(_ConvNd):
    """1-d convolution over (N, C_in, L) -> (N, C_out, L_out); weight (C_out, C_in/groups, kernel_size)."""

    _dims = 1


class Conv2d(_ConvNd):
    """2-d convolution over (N, C_in, H, W) -> (N, C_out, H_out, W_out); weight (C_out, C_in/groups, kh, kw).

        H_out = floor((H + 2 padding - dilation (kh - 1) - 1) / stride + 1)
    """

    _dims = 2
