# %% [markdown]
# # Lesson 00 — Start here
#
# [all lessons](README.md) · [01 Tensors that remember →](01_tensors_that_remember.ipynb)
#
# Welcome! These lessons teach **automatic differentiation** ("autograd"), the machinery that lets a deep
# learning library compute derivatives of a program for you. You will use **minigrad**, a small autograd engine
# written on top of NumPy. Its public API copies PyTorch name for name, so the code you read here is ordinary
# PyTorch code: every lesson starts with
#
# ```python
# import minigrad as torch
# ```
#
# and from then on `torch.tensor`, `backward()`, `nn.Linear`, `optim.SGD` and friends behave the way they do in
# PyTorch. Swap the imports for PyTorch's (`import torch`, `from torch import nn`, ...) and the lesson code runs
# on PyTorch as well; the last section of this notebook says more.
#
# ## What is autograd?
#
# Training a model means nudging its parameters so that a loss goes down, and for that you need the derivative
# of the loss with respect to every parameter. Writing those derivatives by hand is slow and error-prone.
# Autograd does it for you in two passes:
#
# 1. **Forward pass.** While your code computes, each tensor operation is recorded in a graph: which function was
#    applied, to which inputs, and whatever that function will need later (for `w * x` it keeps `w` and `x`).
# 2. **Backward pass.** When you call `backward()` on the result, the engine walks that graph from the output back
#    to the inputs and applies the chain rule one step at a time. The derivatives land in the `.grad` attribute of
#    the tensors you asked about.
#
# Here is the smallest possible example: $f(x) = x^2$ at $x = 3$. By hand, $f'(x) = 2x = 6$.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import minigrad as torch

x = torch.tensor(3.0, requires_grad=True)  # "please track what happens to x"
y = x ** 2                                 # forward pass: y = 9, and the graph remembers how
y.backward()                               # backward pass: dy/dx lands in x.grad
print(y)
print(x.grad)

# %% [markdown]
# `requires_grad=True` asked minigrad to record operations on `x`; the printed `grad_fn=<PowBackward0>` is the
# recorded step that produced `y`. After `y.backward()`, `x.grad` holds $dy/dx = 6$.
#
# (The first two lines of the cell, which every lesson starts with, ask for short error messages: when a cell
# fails you see your own line and the message, as PyTorch shows them, rather than the frames of minigrad's own
# code that the error passed through. `minigrad.widgets.short_tracebacks(False)` brings those frames back.)
#
# You can check a derivative without any autograd at all, with a **finite difference**: evaluate the function a
# tiny step on either side of the point and divide by the distance between them. This uses plain Python floats.

# %%
def f(x):
    return x ** 2

h = 1e-4
estimate = (f(3.0 + h) - f(3.0 - h)) / (2 * h)
print(round(estimate, 6))

# %% [markdown]
# The two answers agree. Finite differences are handy to *test* gradients (lesson 08 does exactly that with
# `torch.autograd.gradcheck`), but they need two function evaluations per input number and they are only
# approximate. Autograd gives exact derivatives for all inputs in one backward pass, which is why every deep
# learning library is built on it.
#
# Autograd is not limited to a single number. Here the derivative is taken with respect to three numbers at once:
# for $s = \sum_i x_i^2$, each $\partial s / \partial x_i = 2 x_i$.

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
s = (x ** 2).sum()
s.backward()
print(x.grad)

# %% [markdown]
# ## How the lessons work
#
# The path, with what each lesson teaches and how long it takes, is in [README.md](README.md).
#
# | lesson | topic |
# |---|---|
# | [01](01_tensors_that_remember.ipynb) | tensors that remember: `requires_grad`, leaves, `grad_fn` |
# | [02](02_the_computation_graph.ipynb) | the computation graph: `grad_fn`, `next_functions`, pictures of the graph |
# | [03](03_scalar_backward.ipynb) | scalar `backward()`, the chain rule, accumulation, `retain_graph` |
# | [04](04_build_your_own.ipynb) | build autograd yourself: a scalar engine of about 60 lines |
# | [05](05_non_scalar_backward.ipynb) | non-scalar `backward()`, vector–Jacobian products, Jacobians |
# | [06](06_looking_inside.ipynb) | looking inside: `torch.autograd.grad`, second derivatives, hooks, `retain_grad` |
# | [07](07_switching_autograd_off.ipynb) | switching autograd off: `no_grad`, `detach()` vs `.data`, stop-gradients, `eval()` vs `no_grad` |
# | [08](08_your_own_function.ipynb) | your own differentiable function with `torch.autograd.Function`; a two-layer net at every level |
# | [09](09_linear_regression.ipynb) | linear regression three ways |
# | [10](10_modules_losses_optimizers.ipynb) | modules, losses (which one for which task) and optimizers |
# | [11](11_dynamic_vs_static.ipynb) | dynamic graphs versus static (traced) graphs |
# | [12](12_gpu_arrays.ipynb) | the same code on a GPU |
# | [13](13_jacobians_at_scale.ipynb) | Jacobians at scale: `vmap`, per-example gradients, `jacrev` vs `jacfwd`, Hessian-vector products |
#
# Each lesson is a Jupyter notebook: short explanations followed by code cells. Run the cells from top to bottom
# with **Shift+Enter**; change numbers and run them again, that is the point. A few cells are *meant* to fail, to
# show you an error you will meet in real life; they are marked in the text, and the notebook carries on after
# them.
#
# ### Pictures and widgets
#
# minigrad comes with a few drawing helpers and interactive widgets that PyTorch does not have. They live in two
# modules whose names say so: `minigrad.viz` (static pictures) and `minigrad.widgets` (interactive panels). When you
# see them, you are looking at a teaching aid, not at PyTorch API. For example, `minigrad.viz.draw` draws the graph
# that is recorded for $s = \sum_i x_i^2$: one box per tensor and one rounded box per recorded operation, with
# arrows showing what feeds into what. We compute `s` once more first, because the backward pass above has already
# used up the old graph (lesson 03 explains why).

# %%
import minigrad.viz

s = (x ** 2).sum()
minigrad.viz.draw(s)

# %% [markdown]
# Read it from the top down, the way the forward pass ran: the blue box is `x`, the leaf you created; `PowBackward0`
# is the recorded `x ** 2`, the white box its result, `SumBackward0` the `.sum()`, and the green box the output
# `s`. The grey `AccumulateGrad` box is where the backward pass, running from the bottom up, finally delivers the
# gradient into `x.grad`. Lesson 02 takes such pictures apart piece by piece.

# %% [markdown]
# The interactive widgets you will meet later are:
#
# * `minigrad.widgets.LiveGraph` (lesson 02): a graph you can explore node by node;
# * `minigrad.widgets.BackwardStepper` (lesson 03): runs the backward pass one step at a time;
# * `minigrad.widgets.JacobianExplorer` (lesson 05): sliders for a point and a vector, showing $J$ and $v^T J$;
# * `minigrad.widgets.HookMonitor` (lesson 06): a live table of the gradients flowing through hooks;
# * `minigrad.widgets.TrainingDashboard` (lesson 09): a loss curve and a fit that update while training runs.
#
# Widgets need a running Python kernel. If you read a notebook as a static page (for example on GitHub), a widget
# cell shows a still picture of the widget as it was when the notebook was last run; open the notebook in
# JupyterLab to use the buttons and sliders.
#
# ### Exercises
#
# Every lesson ends with a few exercises. You write your answer in the cell and run it; the cell then calls a
# checker from `minigrad.exercises`, which prints whether the answer is right and, if not, a hint. A cell you have
# not filled in yet simply says so. Worked solutions are in the `solutions/` folder next to the notebooks (for this
# lesson: [solutions/00_start_here_solutions.py](solutions/00_start_here_solutions.py)); try first, peek later.
#
# ## Running the lessons
#
# **On Binder (nothing to install).** Open the project's README and click the *launch binder* badge. Binder builds
# an environment with minigrad installed and opens JupyterLab on this lesson; the first start can take a few
# minutes. **A Binder session is not saved**: it stops after about ten minutes without activity and everything
# you typed is gone. Download a notebook you want to keep (File → Download) before you leave.
#
# **On your own computer.** You need Python 3.10 or newer. From a clone of the repository:
#
# ```bash
# python -m venv .venv
# source .venv/bin/activate          # on Windows: .venv\Scripts\activate
# pip install -e ".[lessons]"
# jupyter lab lessons/
# ```
#
# `pip install -e ".[lessons]"` installs minigrad in editable mode together with JupyterLab, ipywidgets and
# matplotlib. Then open `00_start_here.ipynb` in the file browser on the left.
#
# **With real PyTorch.** If you have PyTorch installed, replace `import minigrad as torch` with `import torch`
# (and `from minigrad import nn` with `from torch import nn`, and so on). Everything except the `minigrad.viz`,
# `minigrad.widgets`, `minigrad.jit` and `minigrad.exercises` cells runs unchanged. Random numbers will differ,
# because the two libraries use different random generators.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 — your first backward pass
#
# Use autograd to compute the derivative of $g(x) = x^3 - 2x$ at $x = 2$. Create `x` with `requires_grad=True`,
# compute `g`, call `backward()`, and pass `x.grad` to the checker (a tensor or a Python float both work).

# %%
x = torch.tensor(2.0, requires_grad=True)
# your code here: compute g from x, call backward() on it
answer = ...  # replace ... with x.grad once you have called backward()

from minigrad.exercises import check
check("00.first_backward", answer)

# %% [markdown]
# ### Exercise 2 — a central difference of your own
#
# Write `central_difference(f, x, h)`: the estimate of $f'(x)$ from one step $h$ to **each** side of $x$, as in
# the cell with `estimate` above, for any function `f` of a float. The checker tries it on a function and a step
# where a one-sided (forward) difference gives a visibly different number. Then, if you like, compare
# `central_difference(q, 2.0, 1e-4)` for $q(x) = \dfrac{x^2 + 1}{x}$ with what autograd puts in `x.grad`.

# %%
def central_difference(f, x, h):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("00.finite_difference", central_difference)

# %% [markdown]
# ---
#
# [all lessons](README.md) · [01 Tensors that remember →](01_tensors_that_remember.ipynb)
