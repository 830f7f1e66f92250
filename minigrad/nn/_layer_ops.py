"""Layers PyTorch records as one graph node, written as ``Function``s: ``NativeLayerNormBackward0``,
``EmbeddingBackward0``; ``LinalgVectorNormBackward0`` (the norm of ``F.normalize``/``F.cosine_similarity``)
lives with the other norms in ``ops/norms.py``.

As in ``_loss_ops``: forward computes on arrays (through the backend namespace ``xp``); backward is written
once, run on arrays while nothing records and on tensors under ``create_graph=True`` (``namespace_for``), so
second derivatives work; jvp receives tensors.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend import backend_of, namespace_of
from ..ops._util import Tensor, add_tangents, namespace_for
from ..ops.norms import VectorNorm  # noqa: F401  (F.normalize and clip_grad_norm_ use it from here)


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
    """None for the stand-in of a missing argument. Recognised by its shape (0,), not by identity, so that a
    replayed or compiled graph (minigrad.jit), which hands ops copies of their constants, still sees it; a real
    weight or bias of no elements would change nothing anyway."""
    return None if tensor is None or tensor._array.shape == (0,) else tensor


class LayerNorm(Function):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last ``count`` dimensions (biased var).

    ``weight`` and ``bias`` are tensors or ``_absent()``: PyTorch lists all three as edges, (None, 0) for a
    missing one.
    """

    node_name = "NativeLayerNormBackward0"

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
        """``x_hat`` and ``1 / std`` (arrays, or tensors whose ops are recorded: backward can itself be
        differentiated)."""
        xp = namespace_for(input)
        centred = input - xp.mean(input, axis=ctx.axes, keepdims=True)
        rstd = 1 / xp.sqrt(xp.mean(centred * centred, axis=ctx.axes, keepdims=True) + ctx.eps)
        return centred * rstd, rstd

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        xp = namespace_for(grad)
        normalized, rstd = LayerNorm._normalize(ctx, input)
        leading = tuple(range(input.ndim - len(ctx.axes)))
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            scaled = grad if weight is None else grad * weight
            # d x_hat / d x projects out the mean and the component along x_hat, then scales by 1 / std
            grad_input = rstd * (scaled - xp.mean(scaled, axis=ctx.axes, keepdims=True)
                                 - normalized * xp.mean(scaled * normalized, axis=ctx.axes, keepdims=True))
        if ctx.needs_input_grad[1]:
            grad_weight = (grad * normalized).sum(axis=leading) if leading else grad * normalized
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(axis=leading) if leading else grad
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


class Embedding(Function):
    """``weight[indices]``: one row of ``weight`` per index (``indices`` of any shape, int64 or int32).

    The gradient adds each row of the incoming gradient into the row of its index (repeats add up);
    rows picked by ``padding_idx`` (-1: none) get nothing. ``indices`` is no edge of the node, as in PyTorch.
    """

    node_name = "EmbeddingBackward0"
    nondifferentiable_args = (1,)

    @staticmethod
    def forward(ctx, weight, indices, padding_idx):
        array, index_array = weight._array, indices._array
        if index_array.size and bool(((index_array < 0) | (index_array >= array.shape[0])).any()):
            raise IndexError("index out of range in self")
        ctx.padding_idx, ctx.weight_shape = padding_idx, array.shape
        ctx.save_for_backward(indices)
        return namespace_of(array).take(array, index_array.reshape(-1), axis=0).reshape(
            index_array.shape + array.shape[1:])

    @staticmethod
    def backward(ctx, grad):
        indices, = ctx.saved_tensors
        return _add_rows(ctx, grad, indices), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        indices, = ctx.saved_tensors
        return Embedding.apply(tangent, indices, ctx.padding_idx)


def _add_rows(ctx, rows, indices):
    """Zeros of the weight's shape with ``rows`` (one per index) added at their indices, padding skipped.

    An in-place scatter has no functional NumPy form: arrays (a backward pass that records nothing) take the
    backend's scatter_add directly, tensors go through ``IndexAdd`` (the same scatter_add, recorded), so that
    this too can be differentiated. The one place the rule asks which it has."""
    if not isinstance(rows, Tensor):
        flat_rows = rows.reshape((-1, ctx.weight_shape[1]))
        flat_indices = indices.reshape((-1,))
        backend = backend_of(flat_rows)
        out = backend.xp.zeros(ctx.weight_shape, dtype=flat_rows.dtype)
        backend.scatter_add(out, (flat_indices,), flat_rows)
        if ctx.padding_idx >= 0:
            out[ctx.padding_idx] = 0  # the padding row gets no gradient, whatever its rows held
        return out
    from ..ops.movement import IndexAdd, IndexSelect

    flat_rows = rows.reshape(-1, ctx.weight_shape[1])
    flat_indices = indices.reshape(-1)
    if ctx.padding_idx >= 0:
        index_array = flat_indices._array
        kept = namespace_of(index_array).nonzero(index_array != ctx.padding_idx)[0]
        if kept.size != index_array.size:  # select the other rows: a padding row's values never take part
            from .. import factories

            positions = factories.tensor(kept, device=indices.device)
            flat_rows = IndexSelect.apply(flat_rows, 0, positions)
            flat_indices = flat_indices.index_select(0, positions)
    return IndexAdd.apply(flat_rows, 0, flat_indices, ctx.weight_shape)
