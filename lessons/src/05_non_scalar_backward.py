# %% [markdown]
# # Lesson 05 — Backward from a tensor: vector–Jacobian products
#
# [← 04 Build autograd yourself](04_build_your_own.ipynb) · [all lessons](README.md) · [06 Looking inside the backward pass →](06_looking_inside.ipynb)
#
# In lesson 03 the output was a single number. What if it is a vector? Then "the gradient" is a whole matrix of
# partial derivatives, the **Jacobian**, and autograd will not build it for you in one go. Instead, `backward()`
# computes a **vector–Jacobian product** $v^T J$, and you choose $v$. This lesson explains why, and how to get full
# Jacobians when you need them.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import minigrad as torch

# %% [markdown]
# ## Only scalars can be differentiated implicitly
#
# Here `y` has three elements. Calling `backward()` without arguments fails. **This cell is meant to raise an
# error:**

# %% tags=["raises-exception"]
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
y.backward()

# %% [markdown]
# Why? For a scalar output $L$, `backward()` starts the chain rule with $\partial L / \partial L = 1$. For a vector
# output $y = (y_1, \dots, y_m)$ of an input $x = (x_1, \dots, x_n)$, all the derivatives together form the
# $m \times n$ Jacobian
#
# $$J = \begin{pmatrix}
# \frac{\partial y_1}{\partial x_1} & \cdots & \frac{\partial y_1}{\partial x_n} \\
# \vdots & \ddots & \vdots \\
# \frac{\partial y_m}{\partial x_1} & \cdots & \frac{\partial y_m}{\partial x_n}
# \end{pmatrix},$$
#
# and `.grad` has room for only $n$ numbers, one per element of $x$. So you must say how the $m$ outputs are
# combined.
#
# ## The `gradient` argument is the vector $v$
#
# `y.backward(v)` computes $v^T J$: the gradient of the scalar $v_1 y_1 + \dots + v_m y_m$. Think of $v$ as
# "the gradient of some final loss with respect to $y$", handed to you from further down the line. `v` must have
# the same shape as `y`.
#
# For $y_i = x_i^2$, the Jacobian is diagonal with entries $2 x_i = 2, 4, 6$. With $v = (1, 0.5, 0.25)$:

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
y.backward(torch.tensor([1.0, 0.5, 0.25]))
x.grad

# %% [markdown]
# With $v$ full of ones you get the gradient of `y.sum()`, which is what the scalar case does for you:

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
y.backward(torch.ones(3))
print(x.grad)

x.grad = None
(x ** 2).sum().backward()
print(x.grad)

# %% [markdown]
# ### Predict, then see
#
# Your turn, before the computer. Here $y = w \odot x^2$ elementwise, with $x = (1, 2, 3)$ and
# $w = (2, -1, 0.5)$, and the backward pass starts from $v = (1, 0.5, 0.25)$. The Jacobians are diagonal, so
# every element travels on its own. The stepper below asks, node by node, which gradient goes out: type a list
# such as `[1, 2, 3]` and press **Enter**, then **Step**. Work out first what reaches `w` and what reaches `x`
# (each $v_i$ times the local derivatives along its path).

# %%
import minigrad.widgets

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([2.0, -1.0, 0.5], requires_grad=True)
y = w * x ** 2

predictor = minigrad.widgets.BackwardStepper(y, gradient=torch.tensor([1.0, 0.5, 0.25]), predict=True)
predictor

# %% [markdown]
# (Read as a static page, the cell shows the first question as a picture. From code,
# `predictor.predict("[1, 0.5, 0.25]")`, `predictor.step()`, `predictor.reveal()` and `predictor.score` do what the
# buttons do.)
#
# Why $v^T J$ and not the full $J$? A network's loss is a scalar at the end of a long chain of functions. Passing
# one vector backward through every step costs about as much as the forward pass, while building every
# intermediate Jacobian would cost far more. This is the reason backpropagation (reverse-mode autodiff) is cheap.
#
# ## A full Jacobian, one row at a time
#
# Take $x = (x_1, x_2) = (2, 3)$ and
#
# $$y_1 = x_1^2 + 3 x_2, \qquad y_2 = x_2^2 + 2 x_1.$$
#
# By hand,
#
# $$J = \begin{pmatrix} 2 x_1 & 3 \\ 2 & 2 x_2 \end{pmatrix} = \begin{pmatrix} 4 & 3 \\ 2 & 6 \end{pmatrix}.$$
#
# We store $x$ as a 1×2 row and fill a 1×2 result `y` element by element with index assignment. Assigning a tracked
# value into `y` makes `y` itself part of the graph (its node is called `CopySlices`).

# %%
x = torch.tensor([[2, 3]], dtype=torch.float, requires_grad=True)
J = torch.zeros(2, 2)
y = torch.zeros(1, 2)
y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
y

# %% [markdown]
# Choosing $v = (1, 0)$ picks out row 1 of $J$ (the gradient of $y_1$), and $v = (0, 1)$ picks out row 2. Two
# details matter:
#
# * the first backward pass must keep the graph (`retain_graph=True`) because we go through it again;
# * gradients accumulate, so `x.grad` must be reset between the two passes.
#
# `torch.Tensor([[1, 0]])` is the old-style constructor; it always makes a floating-point tensor.

# %%
y.backward(torch.Tensor([[1, 0]]), retain_graph=True)
J[0] = x.grad[0]

x.grad = torch.zeros_like(x.grad)   # reset before the next pass
y.backward(torch.Tensor([[0, 1]]), retain_graph=True)
J[1] = x.grad[0]

J

# %% [markdown]
# ## The classic mistake: $v = (1, 1)$
#
# It is tempting to write `y.backward(torch.Tensor([[1, 1]]))` and hope for the Jacobian. But `x.grad` has only
# two numbers, and they are $v^T J = (4 + 2,\; 3 + 6)$: the column sums of $J$, i.e. the gradient of $y_1 + y_2$.

# %%
x.grad = None
y.backward(torch.Tensor([[1, 1]]))
x.grad

# %% [markdown]
# ## Letting the library do it: `torch.autograd.functional`
#
# For a function of a tensor, `torch.autograd.functional.jacobian` builds the Jacobian for you, and `vjp` / `jvp`
# compute vector–Jacobian and Jacobian–vector products. They take a *function* and a point, not a graph. Here is
# the same function written for a 1-D input, using `torch.stack` to assemble the two outputs.

# %%
def f(x):
    return torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]])

point = torch.tensor([2.0, 3.0])
torch.autograd.functional.jacobian(f, point)

# %% [markdown]
# `vjp(f, point, v)` returns the pair $(f(\text{point}), v^T J)$, exactly what `backward(v)` puts into `.grad`.
# `jvp(f, point, u)` returns $(f(\text{point}), J u)$: with $u = (1, 0)$ that is the first **column** of $J$, how
# both outputs move when only $x_1$ moves.

# %%
value, v_J = torch.autograd.functional.vjp(f, point, torch.tensor([1.0, 1.0]))
print("f(point):", value)
print("v^T J:   ", v_J)

value, J_u = torch.autograd.functional.jvp(f, point, torch.tensor([1.0, 0.0]))
print("J u:     ", J_u)

# %% [markdown]
# ## Explore it
#
# `minigrad.widgets.JacobianExplorer` shows this lesson's function with sliders for the point $(x_1, x_2)$ and for
# the vector $v$. It displays $y$, the Jacobian $J$ and the product $v^T J$, so you can see the rows of $J$ appear
# when $v$ is $(1, 0)$ or $(0, 1)$, and the column sums when $v = (1, 1)$. (A minigrad teaching aid.)

# %%
import minigrad.widgets

explorer = minigrad.widgets.JacobianExplorer()
explorer

# %% [markdown]
# ## Summary
#
# * `backward()` without arguments works only for a scalar output.
# * `y.backward(v)` computes $v^T J$, with `v` shaped like `y`; it is the gradient of $\sum_i v_i y_i$.
# * A full Jacobian takes one backward pass per output (use `retain_graph=True` and reset `.grad` between passes),
#   or `torch.autograd.functional.jacobian`.
#
# ## Exercises
#
# Solutions: [solutions/05_non_scalar_backward_solutions.py](solutions/05_non_scalar_backward_solutions.py).
#
# ### Exercise 1 — predict a vector–Jacobian product
#
# For the lesson's function at $x = (2, 3)$, what is `x.grad` after `y.backward(torch.tensor([[2.0, -1.0]]))`
# (starting from `x.grad = None`)? Use the Jacobian, not the computer. Enter a list or a tensor.

# %%
answer = ...  # e.g. [[0.0, 0.0]]

from minigrad.exercises import check
check("05.vjp_predict", answer)

# %% [markdown]
# ### Exercise 2 — a Jacobian by hand
#
# Let $g_1 = x_1 x_2$ and $g_2 = 2 x_1 + x_2^3$. Compute the 2×2 Jacobian of $g$ at $(x_1, x_2) = (1, 2)$ by hand
# (rows are outputs, columns are inputs) and enter it as a nested list.

# %%
answer = ...  # [[dg1/dx1, dg1/dx2], [dg2/dx1, dg2/dx2]]

from minigrad.exercises import check
check("05.jacobian_by_hand", answer)

# %% [markdown]
# ### Exercise 3 — your own `jacobian`
#
# Write `my_jacobian(f, x)` for a function `f` that maps a 1-D tensor `x` of length $n$ to a 1-D tensor of length
# $m$. Return the $m \times n$ Jacobian as a tensor, built **row by row with `backward()`** as in this lesson:
# make a copy of `x` that requires a gradient (`x.detach().clone().requires_grad_()`), compute `y = f(...)` once,
# then for each output `i` call `y.backward(v, retain_graph=True)` with a one-hot `v` and copy the gradient into
# row `i`. The checker compares your function with `torch.autograd.functional.jacobian` on a few functions.

# %%
def my_jacobian(f, x):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("05.my_jacobian", my_jacobian)

# %% [markdown]
# ### Exercise 4 — predict a Jacobian–vector product
#
# Forward mode goes the other way. For the lesson's function at $x = (2, 3)$ (use `f` and `point` from the
# `jvp` cell), what is the second element returned by `torch.autograd.functional.jvp(f, point,
# torch.tensor([1.0, 2.0]))`? Use the Jacobian, not the computer. Enter a list or a tensor.

# %%
answer = ...  # e.g. [0.0, 0.0]

from minigrad.exercises import check
check("05.jvp_predict", answer)

# %% [markdown]
# ---
#
# [← 04 Build autograd yourself](04_build_your_own.ipynb) · [all lessons](README.md) · [06 Looking inside the backward pass →](06_looking_inside.ipynb)
