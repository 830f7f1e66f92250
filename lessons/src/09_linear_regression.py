# %% [markdown]
# # Lesson 09 — Linear regression, three ways
#
# [← 08 Your own differentiable function](08_your_own_function.ipynb) · [all lessons](README.md) · [10 Modules, losses and optimizers →](10_modules_losses_optimizers.ipynb)
#
# Time to train something. We fit a straight line to noisy points three times, each time letting the library do
# more of the work:
#
# 1. **NumPy only**: gradients derived by hand and coded by hand;
# 2. **autograd**: gradients from `backward()`, the update step still by hand;
# 3. **`nn` and `optim`**: a ready-made layer, loss and optimizer.
#
# All three fit the **same data** from the **same start** with the **same learning rate**, so they compute the same
# numbers: compare them line by line. (NumPy draws the data, so real PyTorch prints the same numbers too.)

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import numpy as np
import matplotlib.pyplot as plt

import minigrad as torch
from minigrad import nn, optim

# %% [markdown]
# ## The data, and the best line through it
#
# Fifty points around the line $y = 2x + 3$, with $x$ between 0 and 5 and Gaussian noise of standard deviation
# `noise = 0.5`. The data are made with NumPy's seeded generator, in `float64`; the tensors of parts 2 and 3 are
# made from the same arrays.

# %%
noise = 0.5
rng = np.random.default_rng(0)
x = rng.uniform(0, 5, size=(50, 1))
y = 2 * x + 3 + noise * rng.standard_normal((50, 1))

best_w, best_b = np.polyfit(x[:, 0], y[:, 0], deg=1)   # least squares, solved exactly
print(f"the best line through these points: w = {best_w:.4f}, b = {best_b:.4f}")

plt.figure(figsize=(5, 3.5))
plt.scatter(x, y, s=10)
plt.xlabel("x")
plt.ylabel("y")
plt.title("50 points around y = 2x + 3")
plt.show()

# %% [markdown]
# The points were drawn around $w = 2$, $b = 3$, but the line that fits **these** fifty points best (the least
# squares line, which `np.polyfit` solves for directly) is $w = 2.0523$, $b = 2.8787$: the noise tilts it a little.
# No training can do better than that line on these points, so it is the yardstick for the three methods.
#
# Each method minimises the **mean squared error** $L = \frac1N \sum_i (\hat y_i - y_i)^2$ of the model
# $\hat y = w x + b$, starting from $w = b = 0$, with learning rate 0.05 for 1000 steps, and prints the loss at the
# same steps:

# %%
lr = 0.05
steps = 1000
report = (0, 10, 100, 200, 500, 999)

# %% [markdown]
# ## 1. NumPy with hand-derived gradients
#
# The chain rule gives
#
# $$\frac{\partial L}{\partial w} = \frac1N \sum_i 2(\hat y_i - y_i)\, x_i, \qquad
# \frac{\partial L}{\partial b} = \frac1N \sum_i 2(\hat y_i - y_i),$$
#
# and gradient descent subtracts `lr` times each gradient.

# %%
w, b = 0.0, 0.0

for step in range(steps):
    y_pred = w * x + b                              # forward
    loss = ((y_pred - y) ** 2).mean()
    if step in report:
        print(f"step {step:3d}   loss {loss:.8f}")

    grad_w = (2 * (y_pred - y) * x).mean()          # backward, derived by hand
    grad_b = (2 * (y_pred - y)).mean()

    w -= lr * grad_w                                # update
    b -= lr * grad_b

print(f"w = {w:.4f}, b = {b:.4f}")

# %% [markdown]
# ## 2. Autograd, with a hand-written update
#
# The same loop with tensors. `torch.tensor(x)` keeps NumPy's `float64`, and `w` and `b` are `float64` too, so the
# arithmetic is the same as NumPy's. The two lines of hand-derived gradients are gone: `loss.backward()` fills
# `w.grad` and `b.grad`. The update runs under `torch.no_grad()` (lesson 07), and the gradients are zeroed
# because they accumulate (lesson 03).
#
# To watch the training, we use `minigrad.widgets.TrainingDashboard`: a loss curve plus the data and the model's
# prediction, redrawn in place every `every` steps. (A minigrad teaching aid; with PyTorch you would call
# `IPython.display.clear_output` and redraw a matplotlib figure, which flickers.) Run the next cell to show the
# empty dashboard, then the training cell below it.

# %%
import minigrad.widgets

dash = minigrad.widgets.TrainingDashboard(total_steps=steps, every=100)
dash

# %%
x_t, y_t = torch.tensor(x), torch.tensor(y)
w = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)

for step in range(steps):
    y_pred = w * x_t + b                            # forward
    loss = ((y_pred - y_t) ** 2).mean()
    if step in report:
        print(f"step {step:3d}   loss {loss.item():.8f}")

    loss.backward()                                 # backward, by autograd

    with torch.no_grad():                           # update
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()

    dash.update(step, loss.item(), x=x_t, y=y_t, prediction=y_pred.detach())

print(f"w = {w.item():.4f}, b = {b.item():.4f}")

# %% [markdown]
# The same losses at the same steps, and the same line. The dashboard above now shows its last redraw;
# `dash.state.picture()` returns the same picture as a matplotlib figure, a still copy for when the notebook is
# read without a kernel:

# %%
dash.state.picture()

# %% [markdown]
# ### Why `b.grad` is a sum over the data
#
# `b` is **one** number, but `w * x_t + b` adds it to all 50 predictions: broadcasting repeats it, as
# `b.expand_as(y_pred)` would do explicitly. Each of those 50 uses sends a gradient back, and a value used several
# times receives the **sum** of what comes back (lesson 03, `q * q`; lesson 04, `a + a`). So `b.grad` is the sum of
# $\partial L / \partial \hat y_i$ over the batch, and the same holds for the bias of every layer (`nn.Linear`'s
# `bias` is added to each row of the batch). At the start, $w = b = 0$:

# %%
w0 = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
b0 = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
y_pred = w0 * x_t + b0              # b0 is broadcast to all 50 rows
y_pred.retain_grad()
((y_pred - y_t) ** 2).mean().backward()

print(f"b0.grad:                    {b0.grad.item():.6f}")
print(f"sum of the 50 dL/dy_pred:   {y_pred.grad.sum().item():.6f}")
print(f"one of them, dL/dy_pred[0]: {y_pred.grad[0, 0].item():.6f}")

# %% [markdown]
# ## 3. `nn.Linear`, a loss module and an optimizer
#
# The same job with the library's building blocks (lesson 10 looks at them in detail):
#
# * `nn.Linear(1, 1)` holds `weight` and `bias` as parameters and computes $x W^T + b$; `.double()` makes them
#   `float64`, and we set both to 0, the start of parts 1 and 2;
# * `nn.MSELoss()` is the mean squared error;
# * `optim.SGD` performs the update; `optimizer.zero_grad()` resets the gradients.

# %%
model = nn.Linear(1, 1).double()
with torch.no_grad():
    model.weight.zero_()
    model.bias.zero_()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=lr)

for step in range(steps):
    loss = criterion(model(x_t), y_t)               # forward
    if step in report:
        print(f"step {step:3d}   loss {loss.item():.8f}")
    optimizer.zero_grad()
    loss.backward()                                 # backward
    optimizer.step()                                # update

print(f"w = {model.weight.item():.4f}, b = {model.bias.item():.4f}")

# %% [markdown]
# Three ways, one set of numbers: the loss falls from 77.8 to 0.2483 and every method ends on the least-squares
# line, $w = 2.0523$, $b = 2.8787$, to all four decimals. How far is that from the line the data were drawn around?
# $w$ is 0.05 too steep and $b$ 0.12 too low. That is not a failure of training: it is the noise. The final loss,
# about 0.248, is close to the noise's variance $0.5^2 = 0.25$: what is left is the noise, which no line can fit.
# More points would bring the best line closer to $y = 2x + 3$.

# %%
grid = np.linspace(0, 5, 2).reshape(-1, 1)
with torch.no_grad():
    line_nn = model(torch.tensor(grid)).numpy()

plt.figure(figsize=(5, 3.5))
plt.scatter(x, y, s=10, label="data")
plt.plot(grid, 2 * grid + 3, "k:", label="y = 2x + 3, the truth")
plt.plot(grid, line_nn, "r-", label="learned (all three)")
plt.xlabel("x")
plt.ylabel("y")
plt.legend()
plt.show()

# %% [markdown]
# ## Summary
#
# * By hand: derive $\partial L / \partial w$, code it, update. Fine for two parameters, hopeless for millions.
# * Autograd: write only the forward pass and the loss; `backward()` fills `.grad`; update under `no_grad` and zero
#   the gradients.
# * `nn` + `optim`: layers own their parameters, optimizers own the update rule.
# * The three compute the same numbers; what separates the fitted line from the true one is the noise.
# * A bias (anything broadcast over a batch) gets the sum of the gradients of all the rows.
#
# ## Exercises
#
# Solutions: [solutions/09_linear_regression_solutions.py](solutions/09_linear_regression_solutions.py).
#
# ### Exercise 1 — gradients in NumPy
#
# A variation on part 1: the model $\hat y = w x^2 + b$ and the loss $L = \tfrac12 \sum_i (w x_i^2 + b - y_i)^2$,
# half the **sum** of squared errors. Write `numpy_gradients(w, b, x, y)` returning the pair `(grad_w, grad_b)`,
# where `x` and `y` are NumPy arrays of shape `(N, 1)` and `w`, `b` are numbers. The checker compares with autograd
# on random data.

# %%
def numpy_gradients(w, b, x, y):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("09.numpy_gradients", numpy_gradients)

# %% [markdown]
# ### Exercise 2 — learning rate and noise
#
# Two questions, answered as a pair `(lr, loss)`:
#
# 1. Set `lr` (in the cell with `steps` and `report`) to each of `0.01`, `0.05`, `0.1` and `0.2` and run part 1
#    again. Which is the **largest** of these for which training still converges, instead of the loss blowing up
#    to `inf` or `nan`?
# 2. Put `lr` back to 0.05 and predict, before you try it: with `noise = 1.0` instead of 0.5 in the data cell (the
#    generator draws the same random numbers, so every noise value simply doubles), what final loss does part 1
#    print at step 999? Then run the data cell and part 1 to see.

# %%
answer = ...  # (largest lr that converges, final loss with noise = 1.0)

from minigrad.exercises import check
check("09.lr_and_noise", answer)

# %% [markdown]
# ### Exercise 3 — same step, different loss
#
# A colleague trains with the half-sum $\tfrac12 \sum_i (\hat y_i - y_i)^2$ over batches of $N = 32$ with
# `lr = 0.005`. If you switch to the mean squared error $\tfrac1N \sum_i (\hat y_i - y_i)^2$, which learning rate
# makes every update step exactly the same as before? (Compare the two gradients.)

# %%
answer = ...  # a number

from minigrad.exercises import check
check("09.mse_learning_rate", answer)

# %% [markdown]
# ### Exercise 4 — a bias gets the sum
#
# Predict `b.grad` before you run this code:
#
# ```python
# a = torch.randn(5, 2)
# b = torch.zeros(2, requires_grad=True)
# h = a + b                                # b is broadcast to the 5 rows
# c = torch.tensor([[1.0, 2.0]] * 5)       # 5 rows of [1, 2]
# (h * c).sum().backward()
# ```

# %%
answer = ...  # b.grad, as a list or a tensor

from minigrad.exercises import check
check("09.bias_gradient", answer)

# %% [markdown]
# ---
#
# [← 08 Your own differentiable function](08_your_own_function.ipynb) · [all lessons](README.md) · [10 Modules, losses and optimizers →](10_modules_losses_optimizers.ipynb)
