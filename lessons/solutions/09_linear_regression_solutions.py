"""Solutions for lesson 09 (linear regression, three ways)."""

import numpy as np

import minigrad as torch


# 09.numpy_gradients ------------------------------------------------------------------------------------------
def numpy_gradients(w, b, x, y):
    """Gradients of L = 1/2 * sum((w x^2 + b - y)^2) with respect to w and b."""
    residual = w * x ** 2 + b - y
    grad_w = np.sum(residual * x ** 2)
    grad_b = np.sum(residual)
    return grad_w, grad_b


# 09.lr_and_noise ---------------------------------------------------------------------------------------------
# The lesson's training (part 2, autograd) as a function of the learning rate and the noise.
def final_loss(lr, noise, steps=1000):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.uniform(0, 5, size=(50, 1)))
    y = 2 * x + 3 + noise * torch.tensor(rng.standard_normal((50, 1)))
    w = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    for _ in range(steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return loss.item()


# 1. The curvature of the MSE along w is 2 * mean(x^2) ~ 2 * 25/3 ~ 17 (19.7 for these 50 points), so gradient
#    descent converges for lr < 2 / 19.7 ~ 0.10: 0.1 still converges (slowly, each step overshooting a little),
#    0.2 blows up to inf / nan.
# 2. With the same random draws, noise 1.0 doubles every noise value. The clean part 2x + 3 is fitted exactly, so
#    the residuals of the best line double and their mean square is 4 times 0.248343: 0.993373.
with np.errstate(over="ignore", invalid="ignore"):  # minigrad computes with NumPy: 0.2 overflows, silently here
    converges = {lr: final_loss(lr, 0.5) < 1.0 for lr in (0.01, 0.05, 0.1, 0.2)}
largest_stable_lr = max(lr for lr, ok in converges.items() if ok)
lr_and_noise = (largest_stable_lr, final_loss(0.05, 1.0))  # (0.1, 0.99337...)

# 09.mse_learning_rate ----------------------------------------------------------------------------------------
# d/dw of 1/2 * sum(r^2) is sum(r * dr/dw); d/dw of 1/N * sum(r^2) is (2/N) * sum(r * dr/dw).
# Same step:  lr_mse * 2/N = 0.005  ->  lr_mse = 0.005 * N / 2 = 0.005 * 16 = 0.08.
mse_learning_rate = 0.005 * 32 / 2

# 09.bias_gradient --------------------------------------------------------------------------------------------
# b is broadcast to the 5 rows of a; each row sends back its gradient c[i] = [1, 2], and the 5 uses add up.
a = torch.randn(5, 2)
b = torch.zeros(2, requires_grad=True)
h = a + b
c = torch.tensor([[1.0, 2.0]] * 5)
(h * c).sum().backward()
bias_gradient = b.grad  # tensor([5., 10.])


SOLUTIONS = {
    "09.numpy_gradients": numpy_gradients,
    "09.lr_and_noise": lr_and_noise,
    "09.mse_learning_rate": mse_learning_rate,
    "09.bias_gradient": bias_gradient,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check_function("09.numpy_gradients", numpy_gradients)
    check("09.lr_and_noise", lr_and_noise)
    check("09.mse_learning_rate", mse_learning_rate)
    check("09.bias_gradient", bias_gradient)
