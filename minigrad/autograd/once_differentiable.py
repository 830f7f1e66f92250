"""``@once_differentiable``: for a custom Function whose backward is not itself differentiable.

The decorated backward runs under ``no_grad``. When a second-order pass could want to differentiate it (grad
mode on and a gradient that came in requires grad), its results are routed through an ``Error`` node, so that
``create_graph=True`` still works but differentiating through that backward raises PyTorch's error, instead of
silently giving a wrong (zero) second derivative. Import it as PyTorch's users do:

    from minigrad.autograd.function import once_differentiable
"""
from __future__ import annotations

import functools

from .function import Function
from .grad_mode import is_grad_enabled, no_grad

DIFFERENTIATE_TWICE_ERROR = "trying to differentiate twice a function that was marked with @once_differentiable"


class DelayedError(Function):
    """Passes its inputs through; its backward raises (PyTorch's ``torch::autograd::Error`` node)."""

    node_name = "Error"
    node_display_name = "torch::autograd::Error"

    @staticmethod
    def forward(ctx, *inputs):
        return tuple(x.detach() for x in inputs) if len(inputs) > 1 else inputs[0].detach()

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise RuntimeError(DIFFERENTIATE_TWICE_ERROR)


def _fake_requires_grad(tensor):
    """A leaf alias that requires grad, so that the Error node is recorded (PyTorch does the same)."""
    alias = tensor.detach()
    alias.requires_grad = True
    return alias


def once_differentiable(fn):
    """Decorate a custom Function's ``backward(ctx, *grads)``: it runs without recording, and a later attempt
    to differentiate through its result raises "trying to differentiate twice ..."."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not is_grad_enabled():
            return outputs
        if not any(getattr(arg, "requires_grad", False) for arg in args):
            return outputs  # nothing that comes in is differentiable: no second-order graph to guard
        single = not isinstance(outputs, tuple)
        outputs = (outputs,) if single else outputs
        present = [i for i, out in enumerate(outputs) if out is not None]
        guarded = DelayedError.apply(*(_fake_requires_grad(outputs[i]) for i in present))
        guarded = (guarded,) if len(present) == 1 else guarded
        result = list(outputs)
        for i, out in zip(present, guarded):
            result[i] = out
        return result[0] if single else tuple(result)

    return wrapper
