"""Adam and AdamW (decoupled weight decay), with AMSGrad -- PyTorch's rule step for step."""
from __future__ import annotations

from ..backend import namespace_of
from ..factories import zeros_like
from .optimizer import (Optimizer, _no_differentiable, addcdiv_, addcmul_, bump_version, gradients_of, array_updates,
                        lerp_, scalar_step)


class Adam(Optimizer):
    """For each parameter with a gradient g (negated if ``maximize``), at step t:

        p <- p (1 - lr wd)              (decoupled weight decay, AdamW)   or   g <- g + wd p   (Adam)
        m <- lerp(m, g, 1 - beta1);  v <- beta2 v + (1 - beta2) g^2
        v_max <- max(v_max, v)          (amsgrad; then v_max replaces v below)
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        _no_differentiable(defaults, type(self).__name__)
        super().__init__(params, defaults)

    def _state_of(self, param, amsgrad: bool) -> dict:
        state = self.state[param]
        if len(state) == 0:  # lazy initialisation on the first step with a gradient
            state["step"] = scalar_step()
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(param)
        return state

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            updates = array_updates(group, (lr, beta1, beta2, eps, weight_decay))
            if updates is not None:
                self._step_on_arrays(updates, lr, beta1, beta2, eps, weight_decay, amsgrad,
                                     group["decoupled_weight_decay"])
                continue
            for param, grad in gradients_of(group):
                state = self._state_of(param, amsgrad)
                exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
                step_t += 1
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        param.mul_(1 - lr * weight_decay)
                    else:
                        grad = grad.add(param, alpha=weight_decay)
                lerp_(exp_avg, grad, 1 - beta1)
                addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)

                step_size, bias_correction2_sqrt = _bias_corrected(lr, beta1, beta2, step_t.item())
                second_moment = exp_avg_sq
                if amsgrad:
                    second_moment = state["max_exp_avg_sq"]
                    second_moment.copy_(second_moment.max(exp_avg_sq))  # running maximum of v
                denom = (second_moment.sqrt() / bias_correction2_sqrt).add_(eps)
                addcdiv_(param, exp_avg, denom, value=-step_size)
        return loss

    def _step_on_arrays(self, updates, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled_weight_decay):
        """``step``'s loop on the arrays (see ``array_updates``): line by line the same operations as the
        tensor loop (with ``lerp_``, ``addcmul_`` and ``addcdiv_`` written out), each in-place change
        bumping its tensor's version as the tensor method does."""
        for param, p, g in updates:
            state = self._state_of(param, amsgrad)
            exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
            m, v, count = exp_avg._array, exp_avg_sq._array, step_t._array
            count += 1
            if weight_decay != 0:
                if decoupled_weight_decay:
                    p *= 1 - lr * weight_decay
                    bump_version(param)
                else:
                    g = g + weight_decay * p
            weight = 1 - beta1  # lerp_(exp_avg, grad, weight)
            if weight < 0.5:
                m += (g - m) * weight
            else:
                m[...] = g - (g - m) * (1 - weight)
            v *= beta2  # addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
            v += g * (1 - beta2) * g

            step_size, bias_correction2_sqrt = _bias_corrected(lr, beta1, beta2, count.item())
            xp = namespace_of(p)  # NumPy, CuPy or the strict arrays' namespace
            second_moment = v
            if amsgrad:
                max_exp_avg_sq = state["max_exp_avg_sq"]
                second_moment = xp.maximum(max_exp_avg_sq._array, v, out=max_exp_avg_sq._array)
                bump_version(max_exp_avg_sq)
            denom = xp.sqrt(second_moment) / bias_correction2_sqrt
            denom += eps
            p += m * -step_size / denom  # addcdiv_(param, exp_avg, denom, value=-step_size)
            bump_version(step_t)
            bump_version(exp_avg)
            bump_version(exp_avg_sq, 2)
            bump_version(param)


def _bias_corrected(lr, beta1, beta2, step):
    """The step size ``lr / (1 - beta1^t)`` and ``sqrt(1 - beta2^t)``, in Python floats as PyTorch."""
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    return lr / bias_correction1, bias_correction2 ** 0.5


class AdamW(Adam):
    """Adam with decoupled weight decay (p <- p (1 - lr wd) before the Adam step); wd defaults to 1e-2."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False, foreach=None, capturable: bool = False,
                 differentiable: bool = False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
