"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay (PyTorch's rule)."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import Optimizer, _no_differentiable, bump_version, gradients_of, array_updates


class SGD(Optimizer):
    """For each parameter with a gradient g (negated if ``maximize``):

        g <- g + weight_decay * p
        b <- g                                  (first step)
        b <- momentum * b + (1 - dampening) * g (later steps)
        g <- g + momentum * b if nesterov else b   (when momentum != 0)
        p <- p - lr * g
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _no_differentiable(defaults, "SGD")
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            updates = array_updates(group, (lr, momentum, dampening, weight_decay))
            if updates is not None:
                _sgd_on_arrays(self.state, updates, lr, momentum, dampening, weight_decay, nesterov)
                continue
            for param, grad in gradients_of(group):
                if weight_decay != 0:
                    grad = grad.add(param, alpha=weight_decay)
                if momentum != 0:
                    state = self.state[param]
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        buffer = state["momentum_buffer"] = grad.detach().clone()
                    else:
                        buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
                    grad = grad.add(buffer, alpha=momentum) if nesterov else buffer
                param.add_(grad, alpha=-lr)
        return loss


def _sgd_on_arrays(states, updates, lr, momentum, dampening, weight_decay, nesterov) -> None:
    """``SGD.step``'s loop on the arrays (see ``array_updates``): line by line the same operations as the
    tensor loop, each in-place change bumping its tensor's version as the tensor method does."""
    for param, p, g in updates:
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            state = states[param]
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = Tensor._make(g.copy(), False, None, 0)
            else:
                b, alpha = buffer._array, 1 - dampening
                b *= momentum
                b += g if alpha == 1 else g * alpha
                bump_version(buffer, 2)
            g = g + momentum * buffer._array if nesterov else buffer._array
        p += g * -lr
        bump_version(param)
