# %% [markdown]
# # Lesson 07 — Switching autograd off
#
# [← 06 Looking inside the backward pass](06_looking_inside.ipynb) · [all lessons](README.md) · [08 Your own differentiable function →](08_your_own_function.ipynb)
#
# Recording a graph costs memory (every saved tensor stays alive until the backward pass) and time. Often you do
# not need it:
#
# * when you **evaluate** a trained model or make predictions;
# * when you **update parameters** by hand: the update itself must not become part of the next graph;
# * when part of a model is **frozen**, for example a pretrained layer while you fine-tune the rest.
#
# This lesson shows the tools: `torch.no_grad()`, `requires_grad_(False)`, `detach()`, and the old `.data`
# attribute, including the trap hidden in the last one.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import minigrad as torch
from minigrad import nn

# %% [markdown]
# ## `torch.no_grad()`
#
# Inside a `with torch.no_grad():` block nothing is recorded: results do not require gradients and have no
# `grad_fn`, even when their inputs do.

# %%
w = torch.tensor([1.0, 2.0], requires_grad=True)

y = w * 2
print("outside:", y.requires_grad, type(y.grad_fn).__name__)

with torch.no_grad():
    y = w * 2
    print("inside: ", y.requires_grad, y.grad_fn, torch.is_grad_enabled())

print("after:  ", torch.is_grad_enabled())

# %% [markdown]
# `torch.no_grad()` also works as a decorator, which is handy for evaluation functions:

# %%
@torch.no_grad()
def predict(inputs):
    return inputs * w

print(predict(torch.ones(2)))

# %% [markdown]
# ### Parameter updates need `no_grad`
#
# A gradient-descent step changes a leaf **in place**: `w -= lr * w.grad`. Autograd refuses to do that to a leaf
# that requires a gradient while recording, because the change itself would have to be differentiated and the
# leaf's old value, which the graph may still need, would be lost. **This cell is meant to raise an error:**

# %% tags=["raises-exception"]
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w ** 2).sum()
loss.backward()
w -= 0.1 * w.grad

# %% [markdown]
# Wrapped in `no_grad`, the same update is just arithmetic on numbers. $\partial L / \partial w = 2w = (2, 4)$, so
# with a learning rate of $0.25$ the step takes $w$ from $(1, 2)$ to $(0.5, 1)$:

# %%
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w ** 2).sum()
loss.backward()

with torch.no_grad():
    w -= 0.25 * w.grad
w.grad.zero_()

print(w, w.is_leaf)

# %% [markdown]
# `w` is still a leaf that requires a gradient, ready for the next step. Lessons 08 and 09 use this pattern in full
# training loops, and optimizers (lesson 10) do exactly this inside `optimizer.step()`.
#
# ## Freezing parameters: `requires_grad_(False)`
#
# To keep part of a model fixed, switch its parameters off. The backward pass then skips them entirely.

# %%
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
for parameter in model[0].parameters():
    parameter.requires_grad_(False)       # freeze the first layer

loss = model(torch.randn(5, 3)).sum()
loss.backward()
for name, parameter in model.named_parameters():
    print(f"{name:9} requires_grad={parameter.requires_grad!s:5}  has grad: {parameter.grad is not None}")

# %% [markdown]
# ## `detach()`: the same numbers, outside the graph
#
# `tensor.detach()` returns a new tensor that **shares the same storage** but is cut off from the graph: it does
# not require a gradient and has no `grad_fn`. Use it when you need the *values* of a tracked tensor, for
# example to plot them or to convert them to NumPy, without dragging the graph along.

# %%
a = torch.ones(3, requires_grad=True)
d = a.detach()
print(d.requires_grad, d.grad_fn, d.is_leaf)

# %% [markdown]
# Because the storage is shared, changing the detached tensor in place changes the original too:

# %%
d[0] = 5.0
a

# %% [markdown]
# ### `detach()` inside a computation: a stop-gradient
#
# `detach()` is also used **in the middle** of a computation, to say "treat this value as a constant". The forward
# pass computes with the number as usual; the backward pass sends nothing back along the detached path. For
# $z = x \cdot \mathrm{detach}(x)$ at $x = 3$, the value is $9$, but the gradient is $3$ (the constant), not the
# $2x = 6$ of $x^2$:

# %%
x = torch.tensor(3.0, requires_grad=True)
z = x * x.detach()
z.backward()
print("z:", z.item(), "  dz/dx:", x.grad.item(), "(x ** 2 would give 6.0)")

# %% [markdown]
# A common use is the **straight-through estimator**: rounding has a zero derivative almost everywhere, which
# would stop all learning. `x + (x.round() - x).detach()` has the value of `x.round()` in the forward pass and the
# gradient of `x` (one) in the backward pass. Target networks in reinforcement learning and the "stop-gradient"
# branch of self-supervised models use the same trick.

# %%
x = torch.tensor([0.3, 1.7, 2.5], requires_grad=True)
rounded = x + (x.round() - x).detach()
rounded.sum().backward()
print("forward: ", rounded.detach())
print("backward:", x.grad)

# %% [markdown]
# ## `.data`: the old way, with a trap
#
# Before `detach()` existed, `tensor.data` was the way to reach a tensor's values without autograd noticing. It
# also shares storage and does not require a gradient:

# %%
a = torch.ones(3, 4, requires_grad=True)
print("a.data.requires_grad:", a.data.requires_grad)

# %% [markdown]
# The difference shows up when the shared values are needed by the backward pass. $\sigma(x)$, the sigmoid, has
# the derivative $\sigma(x)(1 - \sigma(x))$, so its backward node saves its **output**. If you change that output
# in place through `.data`, autograd does not notice and quietly computes a **wrong** gradient from the modified
# values (here all zeros, the correct values are all non-zero):

# %%
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = a.sigmoid()
out.data.zero_()          # autograd is not told about this change
out.sum().backward()
print("gradient computed from corrupted values:", a.grad)

# %% [markdown]
# Do the same through `detach()` and autograd **does** notice. Every tensor carries a version counter that in-place
# operations increase; `detach()` shares the counter, `.data` does not. At backward time autograd sees that a
# saved tensor changed since it was saved and raises an error instead of returning a wrong answer. **This cell is
# meant to raise an error:**

# %% tags=["raises-exception"]
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = a.sigmoid()
out.detach().zero_()      # the version counter records this change
out.sum().backward()

# %% [markdown]
# An error you can see beats a wrong number you cannot. Prefer `detach()` (and `torch.no_grad()` for updates) and
# leave `.data` to old code.


# %% [markdown]
# ## `model.eval()` is not `no_grad()`, and `inference_mode()`
#
# Three switches that are easy to mix up:
#
# | | what it changes | records a graph? |
# |---|---|---|
# | `model.eval()` | how **layers** behave: `Dropout` stops dropping, `BatchNorm` uses its running statistics | yes |
# | `torch.no_grad()` | **autograd**: nothing is recorded | no |
# | `torch.inference_mode()` | like `no_grad`; in PyTorch its results are also *inference tensors*, which autograd refuses to use later, and that makes it a little faster | no |
#
# They are independent: to evaluate a model you usually want `model.eval()` **and** `no_grad()` (or
# `inference_mode()`). Dropout with $p = 0.5$ shows it in numbers: in training mode it zeroes about half of the
# values and doubles the others (so that the mean stays about 1); in evaluation mode it passes them through.
# Whether a graph is recorded is a separate question:

# %%
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(p=0.5))
inputs = torch.ones(1, 4)
dropout = model[1]

print("dropout, training:  ", dropout(torch.ones(8)))
model.eval()
print("dropout, evaluation:", dropout(torch.ones(8)))

print("eval() alone:            requires_grad =", model(inputs).requires_grad)
with torch.no_grad():
    print("eval() + no_grad:        requires_grad =", model(inputs).requires_grad)
with torch.inference_mode():
    print("eval() + inference_mode: requires_grad =", model(inputs).requires_grad)
model.train()   # back to training mode
print("model.training:", model.training)

# %% [markdown]
# `model.eval()` alone still records the graph, with all the memory that costs; `no_grad()` alone still drops
# values at random while the model is in training mode. (minigrad runs `inference_mode()` exactly like
# `no_grad()`; it makes no inference tensors.)
#
# ## Summary
#
# * `with torch.no_grad():` (or `@torch.no_grad()`) records nothing: use it for evaluation and parameter updates.
# * `parameter.requires_grad_(False)` freezes a parameter.
# * `detach()` and `.data` both give the values without the graph and share storage with the original; only
#   `detach()` lets autograd detect in-place changes that would corrupt a gradient.
# * Inside a computation, `detach()` is a stop-gradient: the value is used, no gradient flows back through it.
# * `model.eval()` changes layers (dropout, batch norm), not autograd; combine it with `no_grad()` or
#   `inference_mode()` to evaluate.
#
# ## Exercises
#
# Solutions: [solutions/07_switching_autograd_off_solutions.py](solutions/07_switching_autograd_off_solutions.py).
#
# ### Exercise 1 — which ones are tracked?
#
# ```python
# w = torch.ones(2, requires_grad=True)
# with torch.no_grad():
#     p = w * 2
# q = w * 2
# r = q.detach()
# s = r * w
# t = w.data + 1
# with torch.inference_mode():
#     u = w * 2
# layer = nn.Linear(2, 1)
# layer.eval()
# v = layer(w)
# ```
#
# Give the set of names among `p`, `q`, `r`, `s`, `t`, `u`, `v` whose `requires_grad` is `True`.

# %%
answer = ...  # a set of names

from minigrad.exercises import check
check("07.tracked", answer)

# %% [markdown]
# ### Exercise 2 — a safe update step
#
# Write `sgd_step(parameters, lr)`: for every tensor in the list `parameters` that has a gradient, subtract
# `lr * parameter.grad` **in place** and then reset the gradient to zero. Afterwards every parameter must still be
# a leaf that requires a gradient. The checker runs your function on a few parameters with known gradients.

# %%
def sgd_step(parameters, lr):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("07.sgd_step", sgd_step)

# %% [markdown]
# ### Exercise 3 — the `.data` trap, predicted
#
# `a ** 2` saves `a` for its backward pass, $\partial (a^2) / \partial a = 2a$. Predict `a.grad` after this code,
# before you run it:
#
# ```python
# a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
# out = a ** 2
# a.data.mul_(10)
# out.sum().backward()
# ```

# %%
answer = ...  # a.grad, as a list or a tensor

from minigrad.exercises import check
check("07.data_trap", answer)

# %% [markdown]
# ### Exercise 4 — a stop-gradient
#
# Predict `x.grad` after this code, before you run it:
#
# ```python
# x = torch.tensor([1.0, 2.0], requires_grad=True)
# y = (x ** 2 * x.detach()).sum()
# y.backward()
# ```

# %%
answer = ...  # x.grad, as a list or a tensor

from minigrad.exercises import check
check("07.stop_gradient", answer)

# %% [markdown]
# ---
#
# [← 06 Looking inside the backward pass](06_looking_inside.ipynb) · [all lessons](README.md) · [08 Your own differentiable function →](08_your_own_function.ipynb)
