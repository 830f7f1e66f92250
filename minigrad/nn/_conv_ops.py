"""Convolution as PyTorch records it: one ``ConvolutionBackward0`` node, for 1-d and 2-d alike.

How it computes (no Python loop over pixels): the padded input is seen through a strided view that holds
every window at once, shape ``(N, C, *kernel, *out)`` (``im2col``, without copying: ``Backend.as_strided``);
the windows of each group are then multiplied with the filters in ONE matmul,

    out[n, g] = filters[g] (O/g, C/g*K)  @  windows[n, g] (C/g*K, P)          (P = output pixels)

Backward is the same product turned around: ``filters^T @ grad`` gives a gradient per window position, which
``col2im`` adds back onto the input (a loop over the K kernel offsets, each one whole-array slice), and
``grad @ windows^T`` summed over the batch gives the filters' gradient. Those two rules are written once
(ONE_RULE.md): on tensors, under ``create_graph``, ``im2col``/``col2im`` are the recorded ops ``Im2Col`` and
``Col2Im`` (each other's backward), so second derivatives of a convolution come out too.
"""
from __future__ import annotations

import itertools
import math

from ..autograd.function import Function
from ..backend import backend_of, namespace_of
from ..ops._util import Tensor, add_tangents, namespace_for
from ._layer_ops import _absent, _present


# ------------------------------------------------------------------------------------------ windows on arrays
def window_view(array, kernel, stride, dilation, pads, fill=0.0):
    """Every window of ``array`` (N, C, *spatial), padded by ``pads`` ((before, after) per spatial dim) with
    ``fill``: a read-only view of shape ``(N, C, *kernel, *out)`` -- nothing is copied but the padding."""
    xp = namespace_of(array)
    if any(before or after for before, after in pads):
        array = xp.pad(array, ((0, 0), (0, 0)) + tuple(pads), constant_values=fill)
    spatial = array.shape[2:]
    out = tuple((size - d * (k - 1) - 1) // s + 1 for size, k, s, d in zip(spatial, kernel, stride, dilation))
    steps = array.strides[2:]
    strides = (array.strides[:2] + tuple(step * d for step, d in zip(steps, dilation))
               + tuple(step * s for step, s in zip(steps, stride)))
    return backend_of(array).as_strided(array, array.shape[:2] + tuple(kernel) + out, strides)


def add_windows(columns, spatial, stride, dilation, pads):
    """The adjoint of ``window_view``: each window's values added back where the window lies, on the padded
    input (``spatial`` is the unpadded size), padding then cut off. One whole-array addition per kernel
    offset (9 for a 3x3 kernel), never one per pixel."""
    xp = namespace_of(columns)
    dims = len(spatial)
    kernel, out = columns.shape[2:2 + dims], columns.shape[2 + dims:]
    padded = tuple(size + before + after for size, (before, after) in zip(spatial, pads))
    total = xp.zeros(columns.shape[:2] + padded, dtype=columns.dtype)
    every = (slice(None), slice(None))
    for offset in itertools.product(*(range(k) for k in kernel)):
        where = tuple(slice(o * d, o * d + s * (n - 1) + 1, s) for o, d, s, n in zip(offset, dilation, stride, out))
        total[every + where] += columns[every + offset]
    return total[every + tuple(slice(before, before + size) for size, (before, _) in zip(spatial, pads))]


def im2col(input, kernel, stride, dilation, pads):
    """``window_view`` of an array, or the recorded ``Im2Col`` of a tensor (a backward rule under
    ``create_graph``): the one place the convolution's rules ask which they hold."""
    if isinstance(input, Tensor):
        return Im2Col.apply(input, kernel, stride, dilation, pads)
    return window_view(input, kernel, stride, dilation, pads)


def col2im(columns, spatial, stride, dilation, pads):
    """``add_windows`` of an array, or the recorded ``Col2Im`` of a tensor (see ``im2col``)."""
    if isinstance(columns, Tensor):
        return Col2Im.apply(columns, spatial, stride, dilation, pads)
    return add_windows(columns, spatial, stride, dilation, pads)


class Im2Col(Function):
    """The windows of a tensor, ``(N, C, *kernel, *out)``, copied out (the math of ``F.unfold``)."""

    node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, input, kernel, stride, dilation, pads):
        array = input._array
        ctx.geometry = (array.shape[2:], stride, dilation, pads)
        ctx.arguments = (kernel, stride, dilation, pads)
        return namespace_of(array).ascontiguousarray(window_view(array, kernel, stride, dilation, pads))

    @staticmethod
    def backward(ctx, grad):
        return col2im(grad, *ctx.geometry), None, None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return Im2Col.apply(tangent, *ctx.arguments)


class Col2Im(Function):
    """Windows added back onto an image (the math of ``F.fold``): ``Im2Col``'s adjoint."""

    node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, columns, spatial, stride, dilation, pads):
        ctx.geometry = (tuple(columns.shape[2:2 + len(spatial)]), stride, dilation, pads)
        ctx.arguments = (spatial, stride, dilation, pads)
        return add_windows(columns._array, spatial, stride, dilation, pads)

    @staticmethod
    def backward(ctx, grad):
        return im2col(grad, *ctx.geometry), None, None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return Col2Im.apply(tangent, *ctx.arguments)


# ------------------------------------------------------------------------------------------ the convolution
def apply_filters(windows, weight, groups):
    """``windows`` (N, C, *kernel, *out) times ``weight`` (O, C/groups, *kernel): (N, O, *out), one matmul."""
    batch, channels = windows.shape[:2]
    dims = weight.ndim - 2
    out = windows.shape[2 + dims:]
    filters = weight.reshape((groups, weight.shape[0] // groups, -1))
    columns = windows.reshape((batch, groups, channels // groups * math.prod(weight.shape[2:]), math.prod(out)))
    return (filters @ columns).reshape((batch, weight.shape[0]) + tuple(out))


class Convolution(Function):
    """``F.conv1d``/``F.conv2d``: cross-correlation of ``input`` (N, C, *spatial) with ``weight``
    (O, C/groups, *kernel), plus ``bias`` (O,) or ``_absent()`` (PyTorch lists the missing bias as (None, 0)).
    ``pads`` holds (before, after) per spatial dim: 'same' pads an even kernel more after than before."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, input, weight, bias, stride, pads, dilation, groups):
        x, w = input._array, weight._array
        bias = _present(bias)
        ctx.geometry = (stride, dilation, pads)
        ctx.groups = groups
        ctx.save_for_backward(input, weight)
        out = apply_filters(window_view(x, w.shape[2:], stride, dilation, pads), w, groups)
        if bias is not None:
            out = out + bias._array.reshape((-1,) + (1,) * (x.ndim - 2))
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        xp = namespace_for(grad)
        stride, dilation, pads = ctx.geometry
        groups, kernel, spatial = ctx.groups, weight.shape[2:], input.shape[2:]
        batch, channels, out = grad.shape[0], grad.shape[1], grad.shape[2:]
        flat_grad = grad.reshape((batch, groups, channels // groups, -1))  # (N, g, O/g, P)
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            filters = weight.reshape((groups, channels // groups, -1))  # (g, O/g, C/g*K)
            columns = xp.swapaxes(filters, -1, -2) @ flat_grad  # (N, g, C/g*K, P): a gradient per window
            columns = columns.reshape((batch, input.shape[1]) + tuple(kernel) + tuple(out))
            grad_input = col2im(columns, spatial, stride, dilation, pads)
        if ctx.needs_input_grad[1]:
            windows = im2col(input, kernel, stride, dilation, pads)
            windows = windows.reshape((batch, groups, -1, flat_grad.shape[-1]))  # (N, g, C/g*K, P)
            grad_weight = (flat_grad @ xp.swapaxes(windows, -1, -2)).sum(axis=0).reshape(tuple(weight.shape))
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(axis=(0,) + tuple(range(2, grad.ndim)))
        return grad_input, grad_weight, grad_bias, None, None, None, None

    @staticmethod
    def jvp(ctx, tangent_input, tangent_weight, tangent_bias, *_):
        input, weight = ctx.saved_tensors
        stride, dilation, pads = ctx.geometry
        absent = _absent()
        terms = []
        if tangent_input is not None:  # linear in each argument: the tangent goes through the same convolution
            terms.append(Convolution.apply(tangent_input, weight, absent, stride, pads, dilation, ctx.groups))
        if tangent_weight is not None:
            terms.append(Convolution.apply(input, tangent_weight, absent, stride, pads, dilation, ctx.groups))
        if tangent_bias is not None:
            terms.append(tangent_bias.reshape((-1,) + (1,) * (input.ndim - 2)))
        return add_tangents(*terms)
