"""Pooling and padding, each one graph node as in PyTorch: ``MaxPool2DWithIndicesBackward0``,
``AvgPool2DBackward0``, ``ConstantPadNdBackward0``, ``ReflectionPad{1,2}DBackward0``,
``ReplicationPad{1,2}DBackward0``.

Pooling sees every window at once through ``_conv_ops.window_view`` (a strided view, no loop over pixels);
its gradient goes back onto the image through ``col2im``, the same scatter the convolution uses, so the
rules run on arrays and, under ``create_graph``, on tensors (ONE_RULE.md).
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..backend import namespace_of
from ..ops._util import Tensor, namespace_for
from ..ops.movement import index_add
from ..ops.reductions import scatter_along_axis
from ._conv_ops import col2im, im2col, window_view


# ------------------------------------------------------------------------------------------ max pooling
class MaxPool2d(Function):
    """The largest value of each window (N, C, H, W) -> (N, C, OH, OW), and where it was: ``indices`` count
    along the flattened H*W of the input, as PyTorch's. ``pads`` holds (before, after) per dim, ``after``
    grown by ceil_mode; padding never wins (it is -inf)."""

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, input, kernel, stride, pads, dilation):
        x = _as_batch(input._array)
        xp = namespace_of(x)
        fill = -math.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        windows = window_view(x, kernel, stride, dilation, pads, fill)
        batch, channels, out = x.shape[0], x.shape[1], windows.shape[4:]
        flat = windows.reshape((batch, channels, kernel[0] * kernel[1]) + out)
        local = xp.expand_dims(flat.argmax(axis=2), 2)  # which window entry; the first of equals, as PyTorch
        values = xp.take_along_axis(flat, local, axis=2)[:, :, 0]
        rows = xp.arange(out[0]).reshape((-1, 1)) * stride[0] - pads[0][0] + (local[:, :, 0] // kernel[1]) * dilation[0]
        cols = xp.arange(out[1]) * stride[1] - pads[1][0] + (local[:, :, 0] % kernel[1]) * dilation[1]
        indices = (rows * x.shape[3] + cols).astype("int64")
        ctx.geometry = (x.shape[2:], stride, dilation, pads)
        ctx.kernel, ctx.windows_shape, ctx.input_shape = tuple(kernel), flat.shape, input.shape
        ctx.save_for_backward(local)
        ctx.mark_non_differentiable(indices)
        shape = tuple(input.shape[:-2]) + out
        return values.reshape(shape), indices.reshape(shape)

    @staticmethod
    def backward(ctx, grad, grad_indices):
        local, = ctx.saved_tensors
        spatial, stride, dilation, pads = ctx.geometry
        grad = _as_batch(grad)
        chosen = scatter_along_axis(grad[:, :, None], local, 2, ctx.windows_shape)  # the gradient at each max
        columns = chosen.reshape(tuple(grad.shape[:2]) + ctx.kernel + tuple(grad.shape[2:]))
        return col2im(columns, spatial, stride, dilation, pads).reshape(tuple(ctx.input_shape)), None, None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        local, = ctx.saved_tensors
        spatial, stride, dilation, pads = ctx.geometry
        windows = im2col(_as_batch(tangent), ctx.kernel, stride, dilation, pads).reshape(tuple(ctx.windows_shape))
        values = namespace_for(tangent).take_along_axis(windows, local, axis=2)[:, :, 0]
        return values.reshape(tuple(tangent.shape[:-2]) + tuple(values.shape[-2:])), None


def _as_batch(value):
    """(C, H, W) or (N, C, H, W), array or tensor, as (N, C, H, W): pooling takes an unbatched image as is,
    without the squeeze node a batch of one would add."""
    return value.reshape((-1,) + tuple(value.shape[-3:]))


# ------------------------------------------------------------------------------------------ average pooling
class AvgPool2d(Function):
    """The mean of each window of the zero-padded input, divided by ``divisor`` (OH, OW): the window's size
    within the padded input, or within the input alone (count_include_pad=False), or a fixed number."""

    node_name = "AvgPool2DBackward0"
    nondifferentiable_args = (4,)  # the divisor (an array, or the saved tensor when jvp pools a tangent)

    @staticmethod
    def forward(ctx, input, kernel, stride, pads, divisor):
        x = _as_batch(input._array)
        divisor = getattr(divisor, "_array", divisor)
        windows = window_view(x, kernel, stride, (1, 1), pads)
        ctx.geometry = (x.shape[2:], stride, (1, 1), pads)
        ctx.kernel, ctx.input_shape = kernel, input.shape
        ctx.save_for_backward(divisor)
        out = (windows.sum(axis=(2, 3)) / divisor).astype(x.dtype, copy=False)
        return out.reshape(tuple(input.shape[:-2]) + out.shape[-2:])

    @staticmethod
    def backward(ctx, grad):
        divisor, = ctx.saved_tensors
        xp = namespace_for(grad)
        grad = _as_batch(grad)
        share = (grad / divisor)[:, :, None, None]  # each window entry gets its share of the window's gradient
        columns = xp.broadcast_to(share, tuple(grad.shape[:2]) + tuple(ctx.kernel) + tuple(grad.shape[2:]))
        return col2im(columns, *ctx.geometry).reshape(tuple(ctx.input_shape)), None, None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        divisor, = ctx.saved_tensors  # linear: the tangent is pooled the same way
        return AvgPool2d.apply(tangent, ctx.kernel, ctx.geometry[1], ctx.geometry[3], divisor)


def pool_divisor(like, spatial, kernel, stride, padding, out, count_include_pad, divisor_override):
    """The divisor of each output of avg_pool2d, (OH, OW), as PyTorch counts: a window is cut at the padded
    border (count_include_pad) or at the input's own border; it is an outer product of one count per dim."""
    xp = namespace_of(like)
    if divisor_override:
        return xp.full(out, float(divisor_override), dtype=like.dtype)
    counts = []
    for size, k, s, p, n in zip(spatial, kernel, stride, padding, out):
        start = xp.arange(n) * s - p
        end = xp.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, size)
        counts.append(end - start)
    return (counts[0].reshape((-1, 1)) * counts[1]).astype(like.dtype)


# ------------------------------------------------------------------------------------------ padding
def constant_pad_array(array, pad, value):
    """``F.pad(x, pad, value=value)`` on an array: ``pad`` is PyTorch's (before, after) list from the last
    dim backwards; a negative amount cuts instead."""
    xp = namespace_of(array)
    pairs = pad_pairs(pad, array.ndim)
    cut = tuple(slice(max(-before, 0), size - max(-after, 0)) for (before, after), size in zip(pairs, array.shape))
    array = array[cut]
    if any(before > 0 or after > 0 for before, after in pairs):
        grown = tuple((max(before, 0), max(after, 0)) for before, after in pairs)
        array = xp.pad(array, grown, constant_values=value)
    return array


def pad_pairs(pad, ndim):
    """PyTorch's flat pad list as NumPy's (before, after) per dim, first dim first."""
    pairs = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        pairs[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return tuple(pairs)


def constant_pad(x, pad, value):
    """``constant_pad_array`` of an array, the recorded ``ConstantPadNd`` of a tensor (a rule under
    create_graph): the pad's own backward is the pad with the amounts negated."""
    if isinstance(x, Tensor):
        return ConstantPadNd.apply(x, pad, value)
    return constant_pad_array(x, pad, value)


class ConstantPadNd(Function):
    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, input, pad, value):
        ctx.pad = tuple(pad)
        return constant_pad_array(input._array, pad, value)

    @staticmethod
    def backward(ctx, grad):
        return constant_pad(grad, tuple(-p for p in ctx.pad), 0.0), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return ConstantPadNd.apply(tangent, ctx.pad, 0.0)


def _source_positions(xp, size, before, after, mode):
    """For each position of a padded dim, the input position it copies: mirrored at the ends (reflect) or
    the end repeated (replicate)."""
    positions = xp.arange(-before, size + after)
    if mode == "reflect":
        return (size - 1) - xp.abs((size - 1) - xp.abs(positions))
    return xp.clip(positions, 0, size - 1)


class ReflectionPad(Function):
    """``F.pad(mode='reflect')`` of the last ``len(pad) // 2`` dims: the input read at mirrored positions,
    one take per padded dim; backward adds the gradient back at those positions (``index_add``)."""

    node_name = "ReflectionPad2DBackward0"
    mode = "reflect"

    @classmethod
    def forward(cls, ctx, input, pad):
        x = input._array
        xp = namespace_of(x)
        pairs = pad_pairs(pad, x.ndim)
        ctx.axes, ctx.shapes, positions = [], [], []
        for axis in range(x.ndim - len(pad) // 2, x.ndim):
            before, after = pairs[axis]
            ctx.axes.append(axis)
            ctx.shapes.append(x.shape)
            positions.append(_source_positions(xp, x.shape[axis], before, after, cls.mode))
            x = xp.take(x, positions[-1], axis=axis)
        ctx.save_for_backward(*positions)
        return x

    @staticmethod
    def backward(ctx, grad):
        for axis, shape, positions in reversed(list(zip(ctx.axes, ctx.shapes, ctx.saved_tensors))):
            grad = index_add(grad, axis, positions, shape)
        return grad, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        xp = namespace_for(tangent)
        for axis, positions in zip(ctx.axes, ctx.saved_tensors):
            tangent = xp.take(tangent, positions, axis=axis)
        return tangent


class ReflectionPad1d(ReflectionPad):
    node_name = "ReflectionPad1DBackward0"


class ReplicationPad(ReflectionPad):
    node_name = "ReplicationPad2DBackward0"
    mode = "replicate"


class ReplicationPad1d(ReplicationPad):
    node_name = "ReplicationPad1DBackward0"
