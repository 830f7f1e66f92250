"""Solutions for lesson 09 (linear regression, three ways)."""

import numpy as np


# 09.numpy_gradients ------------------------------------------------------------------------------------------
def numpy_gradients(w, b, x, y):
    """Gradients of L = 1/2 * sum((w x^2 + b - y)^2) with respect to w and b."""
    residual = w * x ** 2 + b - y
    grad_w = np.sum(residual * x ** 2)
    grad_b = np.sum(residual)
    return grad_w, grad_b


# 09.largest_stable_lr ----------------------------------------------------------------------------------------
# With the half-sum loss over 32 points with x in [0, 5], the curvature along w is about sum(x^2) ~ 32 * 25/3 ~ 270,
# so plain gradient descent is stable only for lr below roughly 2 / 290 ~ 0.007: 0.005 converges, 0.01 and 0.05
# blow up to inf / nan.
largest_stable_lr = 0.005

# 09.mse_learning_rate ----------------------------------------------------------------------------------------
# d/dw of 1/2 * sum(r^2) is sum(r * dr/dw); d/dw of 1/N * sum(r^2) is (2/N) * sum(r * dr/dw).
# Same step:  lr_mse * 2/N = 0.005  ->  lr_mse = 0.005 * N / 2 = 0.005 * 16 = 0.08.
mse_learning_rate = 0.005 * 32 / 2


SOLUTIONS = {
    "09.numpy_gradients": numpy_gradients,
    "09.largest_stable_lr": largest_stable_lr,
    "09.mse_learning_rate": mse_learning_rate,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check_function("09.numpy_gradients", numpy_gradients)
    check("09.largest_stable_lr", largest_stable_lr)
    check("09.mse_learning_rate", mse_learning_rate)
