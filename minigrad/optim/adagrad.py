"""Adagrad -- PyTorch's rule step for step."""
from __future__ import annotations

from .optimizer import Optimizer, _no_differentiable, addcdiv_, addcmul_, gradients_of, scalar_step


class Adagrad(Optimizer):
    """For each parameter with a gradient g (negated if ``maximize``), at step t:

        g <- g + wd p
        lr_t <- lr / (1 + (t - 1) lr_decay)
        s <- s + g^2                      (s starts at ``initial_accumulator_value``)
        p <- p - lr_t g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None) -> None:
        from ..factories import full_like

        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        _no_differentiable(defaults, "Adagrad")
        super().__init__(params, defaults)
        # unlike Adam, Adagrad creates its state for every parameter up front
        for group in self.param_groups:
            for param in group["params"]:
                state = self.state[param]
                state["step"] = scalar_step()
                state["sum"] = full_like(param, initial_accumulator_value)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay, eps, weight_decay = group["lr"], group["lr_decay"], group["eps"], group["weight_decay"]
            for param, grad in gradients_of(group):
                state = self.state[param]
                state["step"] += 1
                step = state["step"].item()
                if weight_decay != 0:
                    grad = grad.add(param, alpha=weight_decay)
                current_lr = lr / (1 + (step - 1) * lr_decay)
                addcmul_(state["sum"], grad, grad, value=1)
                std = state["sum"].sqrt().add_(eps)
                addcdiv_(param, grad, std, value=-current_lr)
        return loss
