"""Layers PyTorch records as one graph node, written as ``Function``s: ``NativeLayerNormBackward0``.

As in ``_loss_ops``: forward computes on arrays (through the backend namespace ``xp``), backward and jvp
are written with tensor ops, so second derivatives work.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend import namespace_of
from ..ops._util import add_tangents


def _absent():
    """A tensor standing for a missing optional argument: PyTorch lists it as an edge ``(None, 0)``, which
    ``Function.apply`` gives a tensor that does not require grad (None would get no edge at all)."""
    global _ABSENT
    if _ABSENT is None:
        from .. import factories

        _ABSENT = factories.empty(0)
    return _ABSENT


_ABSENT = None


def _present(tensor):
    return None if tensor is _ABSENT else tensor


class LayerNorm(Function):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last ``count`` dimensions (biased var).

    ``weight`` and ``bias`` are tensors or ``_absent()``: PyTorch lists all three as edges, (None, 0) for a
    missing one.
    """

    node_name = "NativeLayerNormBackward0"
    forward_on_arrays = True

    @staticmethod
    def forward(ctx, input, weight, bias, count, eps):
        x = input._array
        xp = namespace_of(x)
        weight, bias = _present(weight), _present(bias)
        axes = tuple(range(x.ndim - count, x.ndim))
        centred = x - x.mean(axis=axes, keepdims=True)
        variance = (centred * centred).mean(axis=axes, keepdims=True)
        normalized = centred / xp.sqrt(variance + eps)
        if weight is not None:
            normalized = normalized * weight._array
        if bias is not None:
            normalized = normalized + bias._array
        ctx.axes, ctx.eps = axes, eps
        ctx.save_for_backward(input, weight)
        return normalized.astype(x.dtype, copy=False)

    @staticmethod
    def _normalize(ctx, input):
        """``x_hat`` and ``1 / std`` with tensor ops (so that backward can itself be differentiated)."""
        centred = input - input.mean(ctx.axes, keepdim=True)
        rstd = ((centred * centred).mean(ctx.axes, keepdim=True) + ctx.eps).rsqrt()
        return centred * rstd, rstd

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        normalized, rstd = LayerNorm._normalize(ctx, input)
        leading = tuple(range(input.dim() - len(ctx.axes)))
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            scaled = grad if weight is None else grad * weight
            # d x_hat / d x projects out the mean and the component along x_hat, then scales by 1 / std
            grad_input = rstd * (scaled - scaled.mean(ctx.axes, keepdim=True)
                                 - normalized * (scaled * normalized).mean(ctx.axes, keepdim=True))
        if ctx.needs_input_grad[1]:
            grad_weight = (grad * normalized).sum(leading) if leading else grad * normalized
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(leading) if leading else grad
        return grad_input, grad_weight, grad_bias, None, None

    @staticmethod
    def jvp(ctx, tangent_input, tangent_weight, tangent_bias, *_):
        input, weight = ctx.saved_tensors
        normalized, rstd = LayerNorm._normalize(ctx, input)
        term_input = None
        if tangent_input is not None:
            term_input = rstd * (tangent_input - tangent_input.mean(ctx.axes, keepdim=True)
                                 - normalized * (tangent_input * normalized).mean(ctx.axes, keepdim=True))
            if weight is not None:
                term_input = term_input * weight
        term_weight = normalized * tangent_weight if tangent_weight is not None else None
        return add_tangents(term_input, term_weight, tangent_bias)
