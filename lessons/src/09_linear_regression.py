# %% [markdown]
# # Lesson 09 — Linear regression, three ways
#
# [← 08 Your own differentiable function](08_your_own_function.ipynb) · [all lessons](README.md) · [10 Modules, losses and optimizers →](10_modules_losses_optimizers.ipynb)
#
# Time to train something. We fit simple models to noisy data three times, each time letting the library do more
# of the work:
#
# 1. **NumPy only**: gradients derived by hand and coded by hand;
# 2. **autograd**: gradients from `backward()`, the update step still by hand;
# 3. **`nn` and `optim`**: a ready-made layer, loss and optimizer.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import numpy as np
import matplotlib.pyplot as plt

import minigrad as torch
from minigrad import nn, optim

# %% [markdown]
# ## 1. NumPy with hand-derived gradients
#
# The data follow $y = 3x^2 + 2$ plus a little uniform noise, at 100 points between $-1$ and $1$. The model is
# $\hat y = w x^2 + b$ and we want $w \approx 3$, $b \approx 2$ (a bit more, since the noise is between 0 and 0.2
# and therefore adds about 0.1 on average).

# %%
np.random.seed(100)
x = np.linspace(-1, 1, 100).reshape(100, 1)
y = 3 * x ** 2 + 2 + 0.2 * np.random.rand(100, 1)

plt.figure(figsize=(5, 3.5))
plt.scatter(x, y, s=10)
plt.xlabel("x")
plt.ylabel("y")
plt.show()

# %% [markdown]
# The loss is half the sum of squared errors, $L = \tfrac12 \sum_i (\hat y_i - y_i)^2$ with
# $\hat y_i = w x_i^2 + b$. The chain rule gives
#
# $$\frac{\partial L}{\partial w} = \sum_i (\hat y_i - y_i)\, x_i^2, \qquad
# \frac{\partial L}{\partial b} = \sum_i (\hat y_i - y_i).$$
#
# Gradient descent subtracts a small multiple (the learning rate) of each gradient, 800 times.

# %%
w = np.random.rand(1, 1)
b = np.random.rand(1, 1)
lr = 0.001

for step in range(800):
    y_pred = x ** 2 * w + b
    loss = 0.5 * ((y_pred - y) ** 2).sum()
    grad_w = ((y_pred - y) * x ** 2).sum()
    grad_b = (y_pred - y).sum()
    w -= lr * grad_w
    b -= lr * grad_b

print(f"w = {w.item():.2f}, b = {b.item():.2f}, loss = {loss:.3f}")

# %%
plt.figure(figsize=(5, 3.5))
plt.scatter(x, y, s=10, label="data")
plt.plot(x, x ** 2 * w + b, "r-", label="fit")
plt.xlabel("x")
plt.ylabel("y")
plt.title("y = w x² + b fitted with hand-derived gradients")
plt.legend()
plt.show()

# %% [markdown]
# ### Autograd agrees with the hand derivation
#
# Before handing the derivatives over to autograd, a quick check that it computes the same numbers. We wrap the
# NumPy arrays in tensors (they keep NumPy's `float64`), take a fresh starting point, and compare.

# %%
w0, b0 = 0.5, 1.0
y_pred = x ** 2 * w0 + b0
by_hand = (((y_pred - y) * x ** 2).sum(), (y_pred - y).sum())

x_t, y_t = torch.tensor(x), torch.tensor(y)
w_t = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
b_t = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
loss_t = 0.5 * ((x_t ** 2 * w_t + b_t - y_t) ** 2).sum()
loss_t.backward()

print("by hand:  grad_w = %.6f   grad_b = %.6f" % by_hand)
print("autograd: grad_w = %.6f   grad_b = %.6f" % (w_t.grad.item(), b_t.grad.item()))

# %% [markdown]
# ## 2. Autograd, with a hand-written update
#
# New data: $y = 2x + 3$ plus Gaussian noise, with $x$ between 0 and 5. Instead of a fixed data set,
# `get_fake_data` draws a fresh random batch every time it is called, as a data loader would.

# %%
torch.manual_seed(1000)

def get_fake_data(batch_size):
    """A random batch of points around the line y = 2x + 3."""
    x = torch.rand(batch_size, 1) * 5
    y = x * 2 + 3 + torch.randn(batch_size, 1)
    return x, y

x, y = get_fake_data(batch_size=32)
plt.figure(figsize=(5, 3.5))
plt.scatter(x.squeeze().numpy(), y.squeeze().numpy(), s=10)
plt.xlabel("x")
plt.ylabel("y")
plt.title("one batch of 32 points around y = 2x + 3")
plt.show()

# %% [markdown]
# The model is $\hat y = x w + b$ with a 1×1 weight `w` and a 1×1 bias `b`. `x.mm(w)` is a matrix product of the
# 32×1 batch with the 1×1 weight, and `b.expand_as(y)` repeats the bias for each of the 32 rows.
#
# Each step: forward pass, backward pass, update under `torch.no_grad()` (lesson 07), and zeroing the gradients
# because they accumulate (lesson 03).
#
# To watch the training, we use `minigrad.widgets.TrainingDashboard`: a loss curve plus the current batch and the
# model's prediction, redrawn in place every `every` steps. (A minigrad teaching aid; with PyTorch you would call
# `IPython.display.clear_output` and redraw a matplotlib figure, which flickers.) Run the next cell to show the
# empty dashboard, then the training cell below it.

# %%
import minigrad.widgets

dash = minigrad.widgets.TrainingDashboard(total_steps=500, every=50)
dash

# %%
torch.manual_seed(1000)
w = torch.rand(1, 1, requires_grad=True)
b = torch.zeros(1, 1, requires_grad=True)
lr = 0.005
losses = []

for step in range(500):
    x, y = get_fake_data(batch_size=32)

    y_pred = x.mm(w) + b.expand_as(y)           # forward
    loss = (0.5 * (y_pred - y) ** 2).sum()
    losses.append(loss.item())

    loss.backward()                             # backward

    with torch.no_grad():                       # update
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()                              # reset for the next step
    b.grad.zero_()

    dash.update(step, loss.item(), x=x, y=y, prediction=y_pred.detach())

print(f"w = {w.item():.2f}, b = {b.item():.2f}")

# %% [markdown]
# The learned values come out close to the true $2$ and $3$. The dashboard above now shows its last redraw, at
# step 500; `dash.state.picture()` returns the same picture as a matplotlib figure, a still copy for when the
# notebook is read without a kernel:

# %%
dash.state.picture()

# %% [markdown]
# Each batch is only 32 noisy points, so the line wobbles around the true one rather than settling exactly on it.
# Zooming in on the loss curve tells the same story: a fast drop, then noise from batch to batch.

# %%
plt.figure(figsize=(6, 3.5))
plt.plot(losses)
plt.ylim(5, 50)
plt.xlabel("step")
plt.ylabel("loss (half sum of squares)")
plt.title("loss per step, zoomed in")
plt.show()

# %% [markdown]
# And the final fit, on a fresh batch of 20 points:

# %%
grid = torch.arange(0, 6).view(-1, 1).float()
with torch.no_grad():
    line = grid.mm(w) + b.expand_as(grid)
x_new, y_new = get_fake_data(batch_size=20)

plt.figure(figsize=(5, 3.5))
plt.scatter(x_new.numpy(), y_new.numpy(), s=12, label="new data")
plt.plot(grid.numpy(), line.numpy(), "r-", label="learned line")
plt.xlim(0, 5)
plt.ylim(0, 13)
plt.xlabel("x")
plt.ylabel("y")
plt.legend()
plt.show()

# %% [markdown]
# ## 3. `nn.Linear`, a loss module and an optimizer
#
# The same job with the library's building blocks (lesson 10 looks at them in detail):
#
# * `nn.Linear(1, 1)` holds `weight` and `bias` as parameters and computes $x W^T + b$;
# * `nn.MSELoss()` is the **mean** squared error;
# * `optim.SGD` performs the update; `optimizer.zero_grad()` resets the gradients.
#
# Because the mean squared error is scaled differently from the half-sum above, the learning rate is different
# too (exercise 3 asks how they relate).

# %%
torch.manual_seed(0)
model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.02)

for step in range(500):
    x, y = get_fake_data(batch_size=32)
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"weight = {model.weight.item():.2f}, bias = {model.bias.item():.2f}")

# %% [markdown]
# Ten lines for what took twenty before, and nothing to derive by hand. The final plot compares the line learned in
# part 2 with the one learned here:

# %%
with torch.no_grad():
    line_nn = model(grid)

plt.figure(figsize=(5, 3.5))
plt.scatter(x_new.numpy(), y_new.numpy(), s=12, label="new data")
plt.plot(grid.numpy(), line.numpy(), "r-", label="part 2: manual SGD")
plt.plot(grid.numpy(), line_nn.numpy(), "g--", label="part 3: nn + optim")
plt.xlim(0, 5)
plt.ylim(0, 13)
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
#
# ## Exercises
#
# Solutions: [solutions/09_linear_regression_solutions.py](solutions/09_linear_regression_solutions.py).
#
# ### Exercise 1 — gradients in NumPy
#
# Write `numpy_gradients(w, b, x, y)` returning the pair `(grad_w, grad_b)` for the loss of part 1,
# $L = \tfrac12 \sum_i (w x_i^2 + b - y_i)^2$, where `x` and `y` are NumPy arrays of shape `(N, 1)` and `w`, `b` are
# numbers. The checker compares with autograd on random data.

# %%
def numpy_gradients(w, b, x, y):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("09.numpy_gradients", numpy_gradients)

# %% [markdown]
# ### Exercise 2 — how large can the learning rate be?
#
# Re-run part 2 (the cell with the training loop) with `lr` set to each of `0.001`, `0.005`, `0.01` and `0.05`.
# Which is the **largest** of these for which training still converges (instead of the loss blowing up to `inf` or
# `nan`)?

# %%
answer = ...  # one of 0.001, 0.005, 0.01, 0.05

from minigrad.exercises import check
check("09.largest_stable_lr", answer)

# %% [markdown]
# ### Exercise 3 — same step, different loss
#
# Part 2 used the half-sum $\tfrac12 \sum_i (\hat y_i - y_i)^2$ over a batch of $N = 32$ with `lr = 0.005`. If you
# switch to the mean squared error $\tfrac1N \sum_i (\hat y_i - y_i)^2$, which learning rate makes every update
# step exactly the same as before? (Compare the two gradients.)

# %%
answer = ...  # a number

from minigrad.exercises import check
check("09.mse_learning_rate", answer)

# %% [markdown]
# ---
#
# [← 08 Your own differentiable function](08_your_own_function.ipynb) · [all lessons](README.md) · [10 Modules, losses and optimizers →](10_modules_losses_optimizers.ipynb)
