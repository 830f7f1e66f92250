# %% [markdown]
# # Lesson 08 — Your own differentiable function
#
# [← 07 Switching autograd off](07_switching_autograd_off.ipynb) · [all lessons](README.md) · [09 Linear regression, three ways →](09_linear_regression.ipynb)
#
# Every operation autograd knows is really **two** functions:
#
# * a **forward** function that computes outputs from inputs, and
# * a **backward** function that receives the gradient of some scalar (the loss) with respect to the outputs and
#   returns the gradient of that same scalar with respect to the inputs.
#
# You can add operations of your own by subclassing `torch.autograd.Function` and writing both halves. This lesson
# builds a ReLU that way, trains a small network with it, and tests it with `torch.autograd.gradcheck`.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import numpy as np
import matplotlib.pyplot as plt

import minigrad as torch

# %% [markdown]
# ## A hand-made ReLU
#
# $\mathrm{relu}(x) = \max(x, 0)$. Its derivative is $1$ where $x > 0$ and $0$ where $x < 0$, so the backward
# function copies the incoming gradient and zeroes it where the input was negative. To know where that was, the
# forward function stores its input on the **context object** `ctx` with `ctx.save_for_backward`; the backward
# function reads it back from `ctx.saved_tensors`.
#
# Both methods are `@staticmethod`s: the class is only a container for the pair, you never create instances.

# %%
class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)        # keep what backward will need
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        grad_x = grad_output.clone()    # never modify grad_output itself
        grad_x[x < 0] = 0
        return grad_x

# %% [markdown]
# You call it through `MyReLU.apply`. The result is recorded in the graph like any built-in operation, with a node
# named after your class:

# %%
x = torch.tensor([-2.0, -0.5, 0.0, 1.0, 3.0], requires_grad=True)
y = MyReLU.apply(x)
print(y)
print(type(y.grad_fn).__name__)

y.sum().backward()
print(x.grad)

# %% [markdown]
# Look at the gradient at $x = 0$: our backward zeroes only *negative* inputs, so it lets the gradient through at
# exactly $0$. The derivative of ReLU does not exist at $0$, and any value between 0 and 1 is a defensible choice;
# the built-in `torch.relu` picks $0$:

# %%
x = torch.tensor([-2.0, -0.5, 0.0, 1.0, 3.0], requires_grad=True)
torch.relu(x).sum().backward()
print(x.grad)

# %% [markdown]
# ## `forward` is not recorded
#
# Inside `forward`, autograd is switched off: the operations you write there are **not** recorded, however many
# there are. `apply` records a single node for the whole function, and in the backward pass that node calls your
# `backward` and nothing else. Here `forward` computes $x \cdot x \cdot x$ with two multiplications, yet the graph
# gets one `CubeBackward` node, and the gradient at $x = 2$ is what `backward` returns, $3x^2 = 12$:

# %%
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x * x * x
        print("inside forward: grad enabled =", torch.is_grad_enabled(), " y.grad_fn =", y.grad_fn)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x ** 2

x = torch.tensor(2.0, requires_grad=True)
y = Cube.apply(x)
print("outside:", y, " inputs of its node:", [type(node).__name__ for node, _ in y.grad_fn.next_functions])
y.backward()
print("x.grad:", x.grad)

# %% [markdown]
# So autograd **trusts** your `backward`: it never compares it with `forward`. A `backward` with a mistake in it
# gives wrong gradients without any error, which is why the next sections test it with `gradcheck`. It is also
# what makes `Function` useful: `forward` may compute in any way at all (NumPy, a C library, a loop with
# `.item()`), as long as `backward` knows the derivative.

# %% [markdown]
# ## One problem at every level: a two-layer network
#
# From here to lesson 10 one problem runs through the lessons, trained at every level of the library in turn (it
# comes from PyTorch's tutorial "Learning PyTorch with Examples"). A network maps 1000 input features to 100 hidden
# units, applies ReLU, and maps those to 10 outputs, without biases: $\hat y = \mathrm{relu}(x W_1) W_2$. The loss
# is the sum of squared errors over 64 examples. The data are random, so the network simply learns to reproduce
# 64 random targets, which is enough to see the loss fall. `n, d_in, h, d_out` are the batch size and the three
# layer widths.
#
# Every level starts from the **same numbers**: data and starting weights drawn once by NumPy's seeded generator,
# in `float64`. So every level prints the **same losses** at steps 0, 100, ..., 499: this lesson by hand in NumPy,
# with autograd, and with `MyReLU`; lesson 10 with `nn` and with `optim`. (Since NumPy draws the numbers, real
# PyTorch prints the same losses too.)

# %%
n, d_in, h, d_out = 64, 1000, 100, 10

rng = np.random.default_rng(0)
x_np = rng.standard_normal((n, d_in))
y_np = rng.standard_normal((n, d_out))
w1_start = rng.standard_normal((d_in, h))
w2_start = rng.standard_normal((h, d_out))

learning_rate = 1e-6
report = (0, 100, 200, 300, 400, 499)

# %% [markdown]
# ### Level 1: NumPy, every gradient by hand
#
# The backward pass written out, from the loss back to the weights: $\partial L / \partial \hat y = 2(\hat y - y)$,
# then a matrix product for each weight, and the ReLU's gradient zeroed where its input was negative (what
# `MyReLU.backward` does).

# %%
w1, w2 = w1_start.copy(), w2_start.copy()
for step in range(500):
    h_in = x_np.dot(w1)                        # forward
    h_relu = np.maximum(h_in, 0)
    y_pred = h_relu.dot(w2)
    loss = np.square(y_pred - y_np).sum()
    if step in report:
        print(f"step {step:3d}   loss {loss:.6e}")

    grad_y_pred = 2.0 * (y_pred - y_np)        # backward, by hand
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h = grad_y_pred.dot(w2.T)
    grad_h[h_in < 0] = 0
    grad_w1 = x_np.T.dot(grad_h)

    w1 -= learning_rate * grad_w1              # update
    w2 -= learning_rate * grad_w2

# %% [markdown]
# ### Level 2: tensors and autograd
#
# The same computation with tensors made from the same arrays; the six lines of backward pass become
# `loss.backward()`. The `device` line is the standard PyTorch idiom for "use a GPU if there is one"; lesson 12
# says more about it.

# %%
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
x = torch.tensor(x_np, device=device)
y = torch.tensor(y_np, device=device)

w1 = torch.tensor(w1_start, device=device, requires_grad=True)
w2 = torch.tensor(w2_start, device=device, requires_grad=True)
for step in range(500):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)      # forward
    loss = (y_pred - y).pow(2).sum()
    if step in report:
        print(f"step {step:3d}   loss {loss.item():.6e}")

    loss.backward()                            # backward, by autograd

    with torch.no_grad():                      # update, not part of the graph
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()

# %% [markdown]
# ### Level 3: our own `Function`
#
# The same again with `MyReLU.apply` in place of `clamp(min=0)`: autograd now calls our `backward` for that step.

# %%
w1 = torch.tensor(w1_start, device=device, requires_grad=True)
w2 = torch.tensor(w2_start, device=device, requires_grad=True)
losses = []
for step in range(500):
    y_pred = MyReLU.apply(x.mm(w1)).mm(w2)     # forward, with our function
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    if step in report:
        print(f"step {step:3d}   loss {loss.item():.6e}")

    loss.backward()                            # calls MyReLU.backward along the way

    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()

# %% [markdown]
# Three levels, the same six losses. The loss starts huge (the weights are far too large) and drops by many orders
# of magnitude; a logarithmic axis shows the whole journey:

# %%
plt.figure(figsize=(6, 3.5))
plt.semilogy(losses)
plt.xlabel("step")
plt.ylabel("loss (log scale)")
plt.title("two-layer net with MyReLU")
plt.show()

# %% [markdown]
# ## Testing a backward function: `gradcheck`
#
# A wrong backward function does not crash; it silently trains badly. `torch.autograd.gradcheck` compares your
# backward with finite differences (lesson 00) on every input element. Use **double precision** (`float64`):
# finite differences in single precision are too noisy. It returns `True` when everything matches.

# %%
torch.manual_seed(0)
test_input = torch.randn(20, dtype=torch.float64, requires_grad=True)
torch.autograd.gradcheck(MyReLU.apply, (test_input,))

# %% [markdown]
# And here is a broken version whose backward forgets to zero anything. With `raise_exception=False`, `gradcheck`
# returns `False` instead of raising an error that describes the mismatch:

# %%
class BrokenReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output              # wrong where x < 0

torch.autograd.gradcheck(BrokenReLU.apply, (test_input,), raise_exception=False)

# %% [markdown]
# ## minigrad is built exactly like this
#
# minigrad's own operations are written with this very API: each one is a `torch.autograd.Function` subclass with a
# `forward` and a `backward`. The built-in ReLU is one of them, and its graph node has the name you would expect:

# %%
x = torch.tensor([-1.0, 2.0], requires_grad=True)
type(torch.relu(x).grad_fn).__name__

# %% [markdown]
# Here is that built-in `Relu`, printed from minigrad's own source. Put it next to your `MyReLU`: the same class
# shape, `save_for_backward`, `saved_tensors`, one gradient per input. Two differences: its `forward` reads the
# input's array (`x._array`) and computes with the array library, and its `backward` gets the mask "1 where
# out > 0" from `positive_mask(out)`: a comparison on plain arrays, `sign` on tensors. So one rule runs on plain
# arrays during an ordinary backward pass and on tensors under `create_graph=True` (which is how second
# derivatives come out of it: `sign` keeps `out` in the graph, with derivative 0).

# %%
import inspect
import minigrad.ops

print(inspect.getsource(minigrad.ops.Relu))

# %% [markdown]
# The README's section [Read minigrad in one sitting](../README.md#read-minigrad-in-one-sitting) walks through the
# rest of the core in reading order: `Tensor`, `Function.apply`, the engine, three ops and `nn.Module`.
#
# ## Summary
#
# * Subclass `torch.autograd.Function`, write `forward(ctx, ...)` and `backward(ctx, grad_output)` as static
#   methods, and call the function with `.apply`.
# * Save what backward needs with `ctx.save_for_backward(...)`, read it with `ctx.saved_tensors`.
# * `backward` returns one gradient per input of `forward`.
# * `forward` runs with autograd off and is recorded as one node; the gradient is whatever `backward` returns.
# * Check your backward with `torch.autograd.gradcheck` on `float64` inputs.
#
# ## Exercises
#
# Solutions: [solutions/08_your_own_function_solutions.py](solutions/08_your_own_function_solutions.py).
#
# ### Exercise 1 — a sigmoid with its own backward
#
# Write `MySigmoid`, a `torch.autograd.Function` computing $\sigma(x) = 1 / (1 + e^{-x})$. Its derivative is
# $\sigma(x)\,(1 - \sigma(x))$, so it is cheapest to save the **output** in `forward` and use it in `backward`.
# The checker compares your function with `torch.sigmoid` and runs `gradcheck` on it.

# %%
class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("your code here")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("08.sigmoid_backward", MySigmoid)

# %% [markdown]
# ### Exercise 2 — two inputs, two gradients
#
# Write `MyMul` with `forward(ctx, a, b)` returning the elementwise product `a * b` (both inputs have the same
# shape). `backward` must return **a pair**: the gradient for `a` and the gradient for `b`.

# %%
class MyMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        raise NotImplementedError("your code here")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("08.mul_backward", MyMul)

# %% [markdown]
# ### Exercise 3 — two ReLUs, two kinks
#
# Predict `x.grad` after this code, with the lesson's `MyReLU`, before you run it:
#
# ```python
# x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
# (MyReLU.apply(x) + 3 * torch.relu(x - 1)).sum().backward()
# ```

# %%
answer = ...  # x.grad, as a list or a tensor

from minigrad.exercises import check
check("08.relu_at_zero", answer)

# %% [markdown]
# ### Exercise 4 — whom does autograd believe?
#
# This `Function` has a mistake: `forward` computes $x^3$, but `backward` returns the derivative of $x^2$.
# Predict `x.grad` before you run it:
#
# ```python
# class NotQuiteCube(torch.autograd.Function):
#     @staticmethod
#     def forward(ctx, x):
#         ctx.save_for_backward(x)
#         return x ** 3
#
#     @staticmethod
#     def backward(ctx, grad_output):
#         x, = ctx.saved_tensors
#         return grad_output * 2 * x
#
# x = torch.tensor(3.0, requires_grad=True)
# NotQuiteCube.apply(x).backward()
# ```

# %%
answer = ...  # x.grad, a number

from minigrad.exercises import check
check("08.forward_not_recorded", answer)

# %% [markdown]
# ---
#
# [← 07 Switching autograd off](07_switching_autograd_off.ipynb) · [all lessons](README.md) · [09 Linear regression, three ways →](09_linear_regression.ipynb)
