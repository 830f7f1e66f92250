"""Batch normalization as PyTorch records it: one ``NativeBatchNormBackward0`` node.

Per channel (dim 1), over the batch and every spatial position: ``(x - mean) / sqrt(var + eps) * weight +
bias``. In training the statistics are the batch's own (biased variance) and the running statistics, if
given, move towards them in place (the unbiased variance, as PyTorch); in evaluation the running statistics
are used and the op is an affine map of x. Backward is written once, as LayerNorm's (``_layer_ops.py``).
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend import namespace_of
from ..ops._util import add_tangents, namespace_for
from ._layer_ops import _present


def _per_channel(values, ndim):
    """A (C,) vector shaped (C, 1, ...) to broadcast against (N, C, *spatial)."""
    return values.reshape((-1,) + (1,) * (ndim - 2))


class BatchNorm(Function):
    """``weight``/``bias`` are tensors or ``_absent()``; ``running_mean``/``running_var`` are tensors (updated
    in place while training) or None, and no edges of the node, as in PyTorch."""

    node_name = "NativeBatchNormBackward0"
    nondifferentiable_args = (3, 4)

    @staticmethod
    def forward(ctx, input, weight, bias, running_mean, running_var, training, momentum, eps):
        x = input._array
        xp = namespace_of(x)
        axes = (0,) + tuple(range(2, x.ndim))
        ctx.axes, ctx.eps, ctx.training = axes, eps, training
        if training:
            mean = x.mean(axis=axes, keepdims=True)
            variance = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
            if running_mean is not None:
                count = x.size // x.shape[1]
                _move(running_mean, mean.reshape(-1), momentum)
                _move(running_var, variance.reshape(-1) * (count / max(count - 1, 1)), momentum)
            statistics = ()
        else:
            mean, variance = _per_channel(running_mean._array, x.ndim), _per_channel(running_var._array, x.ndim)
            statistics = (mean.copy(), variance.copy())  # the buffers may change before backward runs
        weight, bias = _present(weight), _present(bias)
        out = (x - mean) / xp.sqrt(variance + eps)
        if weight is not None:
            out = out * _per_channel(weight._array, x.ndim)
        if bias is not None:
            out = out + _per_channel(bias._array, x.ndim)
        ctx.save_for_backward(input, weight, *statistics)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def _normalize(ctx, input, statistics):
        """``x_hat`` and ``1 / std`` from the batch (training) or the saved running statistics."""
        xp = namespace_for(input)
        if ctx.training:
            centred = input - xp.mean(input, axis=ctx.axes, keepdims=True)
            variance = xp.mean(centred * centred, axis=ctx.axes, keepdims=True)
        else:
            mean, variance = statistics
            centred = input - mean
        rstd = 1 / xp.sqrt(variance + ctx.eps)
        return centred * rstd, rstd

    @staticmethod
    def _input_term(ctx, scaled, normalized, rstd):
        """d out / d x applied to ``scaled`` (grad or tangent times weight): in training the batch statistics
        move with x, which projects out the mean and the component along x_hat (as in LayerNorm)."""
        if not ctx.training:
            return rstd * scaled
        xp = namespace_for(scaled)
        return rstd * (scaled - xp.mean(scaled, axis=ctx.axes, keepdims=True)
                       - normalized * xp.mean(scaled * normalized, axis=ctx.axes, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        input, weight, *statistics = ctx.saved_tensors
        normalized, rstd = BatchNorm._normalize(ctx, input, statistics)
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            scaled = grad if weight is None else grad * _per_channel(weight, grad.ndim)
            grad_input = BatchNorm._input_term(ctx, scaled, normalized, rstd)
        if ctx.needs_input_grad[1]:
            grad_weight = (grad * normalized).sum(axis=ctx.axes)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(axis=ctx.axes)
        return grad_input, grad_weight, grad_bias, None, None, None, None, None

    @staticmethod
    def jvp(ctx, tangent_input, tangent_weight, tangent_bias, *_):
        input, weight, *statistics = ctx.saved_tensors
        normalized, rstd = BatchNorm._normalize(ctx, input, statistics)
        terms = []
        if tangent_input is not None:
            scaled = tangent_input if weight is None else tangent_input * _per_channel(weight, input.ndim)
            terms.append(BatchNorm._input_term(ctx, scaled, normalized, rstd))
        if tangent_weight is not None:
            terms.append(normalized * _per_channel(tangent_weight, input.ndim))
        if tangent_bias is not None:
            terms.append(_per_channel(tangent_bias, input.ndim))
        return add_tangents(*terms)


def _move(buffer, batch_value, momentum) -> None:
    """``buffer = (1 - momentum) * buffer + momentum * batch_value``, in place (its version goes up)."""
    array = buffer._array
    array[...] = (array * (1 - momentum) + batch_value * momentum).astype(array.dtype, copy=False)
    buffer._bump_version()
