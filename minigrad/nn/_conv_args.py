"""The arguments of ``F.conv1d``/``F.conv2d`` checked and spelled out as PyTorch does, with its error texts.

Kept apart from the op (``_conv_ops.Convolution``), which takes only what these checks have made explicit:
one stride, dilation and (before, after) padding per spatial dimension.
"""
from __future__ import annotations

import numbers


def as_tuple(value, count: int) -> tuple:
    """An int repeated ``count`` times (PyTorch's ``_pair``), or the sequence as a tuple."""
    if isinstance(value, numbers.Integral):
        return (int(value),) * count
    return tuple(value)


def _expand(name: str, value, dims: int) -> tuple:
    """One value per convolution dimension, or PyTorch's error."""
    values = as_tuple(value, dims)
    if len(values) == 1 and dims != 1:
        values = values * dims
    if len(values) != dims:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dims} values to match the "
                           f"convolution dimensions, but got {name}={list(values)}")
    return values


def same_padding(kernel, dilation) -> tuple:
    """'same': as much padding as the dilated kernel takes away; an odd total puts the extra one after."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple((total // 2, total - total // 2) for total in totals)


def _dtype_name(array) -> str:
    from .functional import _DTYPE_TITLES

    dtype = array.dtype
    return _DTYPE_TITLES.get(dtype.kind, {}).get(dtype.itemsize, str(dtype))


def convolution_arguments(input, weight, bias, stride, padding, dilation, groups):
    """(stride, pads, dilation) for ``Convolution``, after PyTorch's checks of shapes, channels and groups."""
    dims = weight.dim() - 2
    stride = _expand("stride", stride, dims)
    dilation = _expand("dilation", dilation, dims)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pads = same_padding(weight.shape[2:], dilation) if padding == "same" else ((0, 0),) * dims
    else:
        pads = tuple((p, p) for p in _expand("padding", padding, dims))
    if any(before < 0 for before, _ in pads):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    _check_shapes(input, weight, bias, groups, pads, dilation)
    return stride, pads, dilation


def _check_shapes(input, weight, bias, groups, pads, dilation) -> None:
    weight_shape, input_shape = list(weight.shape), list(input.shape)
    if input.dim() != weight.dim():
        raise RuntimeError(f"Expected {weight.dim()}-dimensional input for {weight.dim()}-dimensional weight "
                           f"{weight_shape}, but got {input.dim()}-dimensional input of size {input_shape} instead")
    if weight_shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {weight_shape} instead")
    if weight_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{weight_shape}] instead")
    if input_shape[1] != weight_shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {weight_shape}, expected input{input_shape} to have "
                           f"{weight_shape[1] * groups} channels, but got {input_shape[1]} channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight_shape[0]):
        raise RuntimeError(f"Given weight of size {weight_shape}, expected bias to be 1-dimensional with "
                           f"{weight_shape[0]} elements, but got bias of size {list(bias.shape)} instead")
    padded = [size + before + after for size, (before, after) in zip(input_shape[2:], pads)]
    kernel = [d * (k - 1) + 1 for k, d in zip(weight_shape[2:], dilation)]
    if any(k > size for k, size in zip(kernel, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                           f"size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than actual input "
                           "size")
    for other in (weight, bias):
        if other is not None and other._array.dtype != input._array.dtype:
            raise RuntimeError(f"expected scalar type {_dtype_name(input._array)} but found "
                               f"{_dtype_name(other._array)}")
