# %% [markdown]
# # Lesson 06 — Looking inside the backward pass
#
# [← 05 Backward from a tensor: vector–Jacobian products](05_non_scalar_backward.ipynb) · [all lessons](README.md) · [07 Switching autograd off →](07_switching_autograd_off.ipynb)
#
# `backward()` fills `.grad` for leaves only; the gradients of intermediate tensors are computed and then thrown
# away (lesson 03). Sometimes you want to see them anyway: to debug a model whose loss does not go down, to check
# whether gradients vanish or explode in some layer, or simply to understand what is going on. This lesson shows
# three tools:
#
# 1. `tensor.retain_grad()`, which you already know;
# 2. `torch.autograd.grad`, which *returns* gradients instead of storing them;
# 3. **hooks**: functions that autograd calls while the backward pass runs.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import minigrad as torch
from minigrad import nn

# %% [markdown]
# ## `retain_grad()`: keep one intermediate gradient
#
# As a reminder from lesson 03: calling `retain_grad()` on an intermediate tensor before the backward pass makes
# it keep its `.grad` like a leaf. With $y = 3x$ and $z = y^2$ at $x = 1$: $\partial z / \partial y = 2y = 6$ and
# $\partial z / \partial x = 6 \cdot 3 = 18$.

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x * 3
y.retain_grad()
z = y ** 2
z.backward()
print("y.grad:", y.grad, " x.grad:", x.grad)

# %% [markdown]
# ## `torch.autograd.grad`: ask for the gradients you want
#
# `torch.autograd.grad(outputs, inputs)` runs a backward pass from `outputs` and returns a tuple with the gradient
# of each tensor in `inputs`, which may be intermediate tensors. Here $y = x \cdot w$ elementwise and
# $z = \sum_i y_i$, so $\partial z / \partial y_i = 1$ for every element.

# %%
x = torch.ones(3, requires_grad=True)
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * w
z = y.sum()

torch.autograd.grad(z, y)

# %% [markdown]
# Two differences with `backward()`:
#
# * the result is *returned*, and nothing is written into any `.grad` attribute;
# * like `backward()`, it frees the graph afterwards unless you pass `retain_graph=True`.
#
# You can ask for several inputs at once. Since $z = \sum_i x_i w_i$, the gradient for `x` is `w` and the gradient
# for `w` is `x`:

# %%
z = (x * w).sum()
grad_x, grad_w = torch.autograd.grad(z, [x, w])
print("dz/dx:", grad_x)
print("dz/dw:", grad_w)
print("w.grad is still", w.grad)

# %% [markdown]
# ## Second derivatives: `create_graph=True`
#
# A gradient is a tensor computed from the inputs, so it has derivatives of its own. To differentiate it, the
# backward pass must **record** what it computes, the way a forward pass does; `create_graph=True` asks for that.
# Take $y = x^3$ at $x = 2$: $y' = 3x^2 = 12$ and $y'' = 6x = 12$.

# %%
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3

dy_dx, = torch.autograd.grad(y, x, create_graph=True)
print("dy/dx:  ", dy_dx)                  # it has a grad_fn: the backward pass was recorded
d2y_dx2, = torch.autograd.grad(dy_dx, x)
print("d2y/dx2:", d2y_dx2)

# %% [markdown]
# Without `create_graph=True` the first result is a plain number (`requires_grad=False`, no `grad_fn`) and asking
# for its gradient fails. With it, a gradient can even be part of a loss: training that penalises large gradients
# (a "gradient penalty"), or Newton's method, which divides $y'$ by $y''$, both work this way. Here
# $\frac{d}{dx}(y')^2 = 2 \cdot 3x^2 \cdot 6x = 36x^3 = 288$:

# %%
x = torch.tensor(2.0, requires_grad=True)
dy_dx, = torch.autograd.grad(x ** 3, x, create_graph=True)
penalty = dy_dx ** 2
penalty.backward()
print("penalty:", penalty.item(), "  x.grad:", x.grad.item())

# %% [markdown]
# ## Hooks on tensors
#
# `tensor.register_hook(fn)` asks autograd to call `fn(grad)` when the gradient for that tensor has been computed
# during a backward pass. The call returns a **handle**; `handle.remove()` unregisters the hook. Remove hooks you no
# longer need, otherwise they keep firing (and keep whatever they reference alive).

# %%
def report(grad):
    print("gradient arriving at y:", grad)

x = torch.ones(3, requires_grad=True)
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * w
handle = y.register_hook(report)
z = y.sum()
z.backward()

handle.remove()

# %% [markdown]
# After `handle.remove()`, a new forward and backward pass runs silently:

# %%
y = x * w
z = y.sum()
z.backward()
print("no hook output above; x.grad =", x.grad)

# %% [markdown]
# ### The order in which hooks fire
#
# The backward pass runs from the output towards the inputs, so hooks fire in the *reverse* order of the forward
# computation. Take $a = 2$, $b = 3a = 6$, $c = b^2 = 36$, $d = c + 1 = 37$. The gradients are
# $\partial d / \partial c = 1$, $\partial d / \partial b = 2b = 12$ and $\partial d / \partial a = 3 \cdot 12 = 36$.

# %%
a = torch.tensor(2.0, requires_grad=True)
b = a * 3
c = b ** 2
d = c + 1

handles = []
for tensor, label in [(b, "b"), (c, "c"), (d, "d")]:
    handles.append(tensor.register_hook(lambda grad, label=label: print(f"gradient at {label}: {grad.item()}")))

d.backward()
print("a.grad =", a.grad.item())

for h in handles:
    h.remove()

# %% [markdown]
# (The `label=label` default argument gives each lambda its own label; without it all three would print the last
# one.)
#
# ### A hook can change the gradient
#
# If the hook returns a tensor, that tensor **replaces** the gradient and flows on to the earlier parts of the
# graph. Doubling the gradient at `b` doubles everything that depends on it:

# %%
a = torch.tensor(2.0, requires_grad=True)
b = a * 3
handle = b.register_hook(lambda grad: grad * 2)
d = b ** 2 + 1
d.backward()
print("a.grad =", a.grad.item(), "instead of 36.0")
handle.remove()

# %% [markdown]
# This is how gradient clipping per tensor or "gradient reversal" tricks are implemented. A hook should return a
# new tensor (or `None` to leave the gradient alone) and must not modify its argument in place.
#
# ## Hooks on modules
#
# Layers of a network (lesson 10) can have hooks too. `module.register_forward_hook(fn)` calls
# `fn(module, inputs, output)` every time the module runs forward, which is a convenient way to look at
# activations. `inputs` is a tuple of the positional arguments.

# %%
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))

def show_shapes(module, inputs, output):
    print(f"{type(module).__name__}: input {tuple(inputs[0].shape)} -> output {tuple(output.shape)}")

handle = net[0].register_forward_hook(show_shapes)
prediction = net(torch.randn(8, 4))
handle.remove()

# %% [markdown]
# ## Watching everything at once
#
# Printing from hooks quickly gets noisy. `minigrad.widgets.HookMonitor` registers the hooks for you and shows a
# live table instead: one row per hook call, in the order the hooks fire, with what was watched, which hook fired,
# the shape, the size (norm) and the first values of the tensor it saw. `monitor.watch(tensor, name)` watches the
# gradient of a tensor; `monitor.watch_module(module, name)` watches a layer's output (forward hook) and the
# gradient of that output (backward hook). (A minigrad teaching aid.)
#
# First a small regression problem:

# %%
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
inputs = torch.randn(8, 4)
targets = torch.randn(8, 1)

# %%
import minigrad.widgets

monitor = minigrad.widgets.HookMonitor()
monitor.watch_module(net[0], "first layer")
monitor.watch_module(net[2], "second layer")
monitor

# %% [markdown]
# Now run a forward and a backward pass; the table above fills in. Run this cell again and the numbers update,
# because every run builds a new graph and the hooks fire again.

# %%
import warnings

prediction = net(inputs)
monitor.watch(prediction, "prediction")
loss = ((prediction - targets) ** 2).mean()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    loss.backward()
print("loss:", loss.item(), " shape:", tuple(loss.shape))
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")

# %% [markdown]
# The warning printed under the loss is PyTorch's own, and minigrad copies it: a *full* backward hook (the kind the monitor
# registers on a module) also reports the gradients with respect to the module's inputs, and the first layer's
# input, `inputs`, does not require a gradient. The hook still fires, with the gradient of the layer's output,
# which is all the monitor records.
#
# Read the table from top to bottom: first the two forward hooks in the order the layers ran, then the backward
# pass in the opposite order: the gradient of the prediction, of the second layer's output, of the first layer's
# output. Here it is once more as text (`monitor.rows()`), for a copy of this notebook read without a kernel:

# %%
for row in monitor.rows():
    print(f"{row[0]:>2}  {row[1]:13} {row[2]:35} {row[3]:8} {row[4]:>7}  {row[5]}")

# %% [markdown]
# ## Summary
#
# * `torch.autograd.grad(outputs, inputs)` returns gradients, also of intermediate tensors, without touching `.grad`.
# * `create_graph=True` records the backward pass, so a gradient can be differentiated again (second derivatives).
# * `tensor.register_hook(fn)` calls `fn(grad)` during the backward pass; returning a tensor replaces the
#   gradient; `handle.remove()` unregisters it.
# * Hooks fire from the output back towards the inputs.
# * `module.register_forward_hook(fn)` shows activations; `HookMonitor` collects all of this in one table.
#
# ## Exercises
#
# Solutions: [solutions/06_looking_inside_solutions.py](solutions/06_looking_inside_solutions.py).
#
# ### Exercise 1 — the gradient of an intermediate tensor
#
# ```python
# x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
# y = x ** 2
# z = (y * y).sum()
# ```
#
# Use `torch.autograd.grad` to get $\partial z / \partial y$ and pass it to the checker (a tensor, or a list).

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
z = (y * y).sum()
answer = ...  # dz/dy

from minigrad.exercises import check
check("06.grad_of_intermediate", answer)

# %% [markdown]
# ### Exercise 2 — a clipping hook
#
# Write a hook `clip_hook(grad)` that limits every element of the gradient to the range $[-1, 1]$ (hint:
# `Tensor.clamp`) and returns the result, without changing `grad` in place. The checker registers it on an
# intermediate tensor and looks at the gradients that reach the leaves.

# %%
def clip_hook(grad):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("06.clip_hook", clip_hook)

# %% [markdown]
# ### Exercise 3 — count the calls
#
# How many lines does this code print? Decide before you run it.
#
# ```python
# a = torch.tensor(1.0, requires_grad=True)
# b = a * 2
# handle = b.register_hook(lambda grad: print("hook"))
# c = b * b
# c.backward(retain_graph=True)
# c.backward(retain_graph=True)
# handle.remove()
# c.backward()
# ```

# %%
answer = ...  # an integer

from minigrad.exercises import check
check("06.hook_calls", answer)

# %% [markdown]
# ### Exercise 4 — a second derivative
#
# For $g(x) = x^4 - 3x^2$, use `torch.autograd.grad` twice (the first time with `create_graph=True`) to compute
# $g''(2)$, and pass it to the checker.

# %%
x = torch.tensor(2.0, requires_grad=True)
# your code here: g from x, then dg/dx with create_graph=True, then the gradient of dg/dx
answer = ...  # g''(2)

from minigrad.exercises import check
check("06.second_derivative", answer)

# %% [markdown]
# ---
#
# [← 05 Backward from a tensor: vector–Jacobian products](05_non_scalar_backward.ipynb) · [all lessons](README.md) · [07 Switching autograd off →](07_switching_autograd_off.ipynb)
