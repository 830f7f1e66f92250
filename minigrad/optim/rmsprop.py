"""RMSprop (with momentum and the centered variant) -- PyTorch's rule step for step."""
from __future__ import annotations

from .optimizer import Optimizer, _no_differentiable, addcdiv_, addcmul_, gradients_of, lerp_, scalar_step


class RMSprop(Optimizer):
    """For each parameter with a gradient g (negated if ``maximize``):

        g <- g + wd p
        v <- alpha v + (1 - alpha) g^2
        centered:  a <- lerp(a, g, 1 - alpha);  s <- sqrt(v - a^2) + eps   else  s <- sqrt(v) + eps
        momentum:  b <- momentum b + g / s;  p <- p - lr b                 else  p <- p - lr g / s
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        _no_differentiable(defaults, "RMSprop")
        super().__init__(params, defaults)

    def _state_of(self, param, group) -> dict:
        from ..factories import zeros_like

        state = self.state[param]
        if len(state) == 0:
            state["step"] = scalar_step()
            state["square_avg"] = zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = zeros_like(param)
        return state

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            weight_decay, momentum = group["weight_decay"], group["momentum"]
            for param, grad in gradients_of(group):
                state = self._state_of(param, group)
                square_avg = state["square_avg"]
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad.add(param, alpha=weight_decay)
                addcmul_(square_avg.mul_(alpha), grad, grad, value=1 - alpha)
                if group["centered"]:
                    grad_avg = lerp_(state["grad_avg"], grad, 1 - alpha)
                    average = addcmul_(square_avg.clone(), grad_avg, grad_avg, value=-1).sqrt()
                else:
                    average = square_avg.sqrt()
                average = average.add_(eps)
                if momentum > 0:
                    buffer = addcdiv_(state["momentum_buffer"].mul_(momentum), grad, average)
                    param.add_(buffer, alpha=-lr)
                else:
                    addcdiv_(param, grad, average, value=-lr)
        return loss
