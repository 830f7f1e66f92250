"""Gradient clipping, run between ``backward()`` and ``optimizer.step()``: ``clip_grad_norm_`` rescales all
gradients together so that their joint norm is at most ``max_norm``; ``clip_grad_value_`` clamps each element.
Both work in place on ``p.grad`` under ``no_grad``, with tensor ops (so on every device)."""
from __future__ import annotations

import warnings

from ..._functions import cat
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...factories import tensor
from .._layer_ops import VectorNorm

NONFINITE_NORM_ERROR = (
    "The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be clipped. "
    "To disable this error and scale the gradients by the non-finite norm anyway, set "
    "`error_if_nonfinite=False`")


def _grads_of(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _vector_norm(t: Tensor, norm_type: float) -> Tensor:
    """The ``norm_type``-norm of all elements of ``t``, as a 1-element tensor (PyTorch's linalg.vector_norm)."""
    return VectorNorm.apply(t.reshape(-1), norm_type, (0,))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale the gradients of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``, where
    ``total_norm`` is the ``norm_type``-norm of all gradients seen as one vector (``float('inf')``: the largest
    absolute value). Returns ``total_norm`` (a 0-d tensor), measured before clipping."""
    max_norm, norm_type = float(max_norm), float(norm_type)
    grads = _grads_of(parameters)
    if not grads:
        return tensor(0.0)
    with no_grad():
        # the norm of the per-tensor norms is the norm of everything, for every p (and max of maxes for inf)
        total_norm = _vector_norm(cat([_vector_norm(g, norm_type) for g in grads]), norm_type).reshape(())
        if error_if_nonfinite and (total_norm.isnan() | total_norm.isinf()).item():
            raise RuntimeError(NONFINITE_NORM_ERROR.format(norm_type=norm_type))
        clip_coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(g.dtype))
    return total_norm


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """Deprecated spelling of ``clip_grad_norm_`` (PyTorch warns the same way)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element of ``parameters`` into ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads_of(parameters):
            g.clamp_(min=-clip_value, max=clip_value)
