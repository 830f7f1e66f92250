# %% [markdown]
# # Lesson 13 — Jacobians at scale
#
# [← 12 The same code on a GPU](12_gpu_arrays.ipynb) · [all lessons](README.md)
#
# Lesson 05 built a Jacobian the slow way: one `backward()` per row, in a Python loop. PyTorch's `torch.func`
# (in minigrad, `minigrad.func`) turns derivatives into **function transforms**: `grad(f)` is a new function that
# returns the gradient of `f`, and `vmap(f)` is a new function that runs `f` over a whole batch at once. Put
# together they compute per-example gradients, run an ensemble of models, build whole Jacobians and multiply by a
# Hessian, each as one batched call instead of a Python loop. This lesson shows each, and when which way of
# getting a Jacobian is cheaper.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import time

import minigrad as torch
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.func import functional_call, grad, hessian, jacfwd, jacrev, jvp, stack_module_state, vjp, vmap

# %% [markdown]
# ## Functions in, functions out
#
# `grad(f)` takes a function that returns a scalar and gives back a function that returns its gradient; nothing
# is computed until you call it. For $f(x) = \sum_i x_i^3$ the gradient is $3x_i^2$:

# %%
def cube_sum(x):
    return (x ** 3).sum()

print(grad(cube_sum)(torch.tensor([1.0, 2.0, 3.0])))

# %% [markdown]
# `vmap(f, in_dims)` maps `f` over one dimension of its arguments. `in_dims` says, argument by argument, which
# dimension holds the batch (`0`) or that the argument is shared by every call (`None`). Here `dot` is written for
# two vectors and runs once for every row of `A`, with the same `b` each time:

# %%
def dot(a, b):
    return (a * b).sum()

A = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
b = torch.tensor([1.0, -1.0])
print(vmap(dot, in_dims=(0, None))(A, b))

# %% [markdown]
# `vmap` does not loop: each operation inside `dot` runs **once**, on the whole stacked batch (`a * b` becomes one
# multiplication of a 3×2 array by `b`, the sum one reduction over the last dimension).
#
# ## Per-example gradients
#
# `loss.backward()` on a batch gives the gradient of the batch's loss (usually the mean of the examples'
# losses): the examples' gradients are added up before you see them. Sometimes you need each example's own
# gradient: to clip each one (differentially private training), to find the examples that pull hardest, or to
# measure how much they disagree. With `grad` you write the loss of **one** example as a function of the
# parameters; `functional_call(model, params, args)` runs the model with the tensors in the dict `params` in
# place of its own parameters.

# %%
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
params = {name: p.detach() for name, p in model.named_parameters()}
x_batch = torch.randn(32, 3)
y_batch = torch.randn(32, 1)

def loss_one(params, x, y):
    prediction = functional_call(model, params, (x.unsqueeze(0),))  # a batch of one
    return F.mse_loss(prediction, y.unsqueeze(0))

# %% [markdown]
# The obvious way is a Python loop, one `grad` call per example. The `vmap` way maps `grad(loss_one)` over the
# examples (`in_dims=(None, 0, 0)`: the same parameters for all, one row of `x_batch` and `y_batch` each):

# %%
looped = [grad(loss_one)(params, x_batch[i], y_batch[i]) for i in range(32)]
looped = {name: torch.stack([g[name] for g in looped]) for name in params}

per_example = vmap(grad(loss_one), in_dims=(None, 0, 0))(params, x_batch, y_batch)
for name in params:
    shapes = f"{str(tuple(params[name].shape)):7} -> per example {str(tuple(per_example[name].shape)):10}"
    print(f"{name:9} parameter {shapes} same as the loop: {torch.allclose(per_example[name], looped[name], atol=1e-6)}")

# %% [markdown]
# Every gradient gained a leading dimension of 32, one slice per example, and the numbers are the loop's. Their
# mean is the gradient that the ordinary batch `backward()` computes, since the batch loss is the mean of the
# examples' losses:

# %%
model.zero_grad()
F.mse_loss(model(x_batch), y_batch).backward()
print(torch.allclose(per_example["0.weight"].mean(0), model[0].weight.grad, atol=1e-6))

# %% [markdown]
# The loop runs the model and its backward pass 32 times, one small example each; `vmap` runs every operation
# once on all 32. On your machine (the stored notebook masks the times):

# %% tags=["measured"]
def median_seconds(function, rounds=5, repeat=2):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            function()
        samples.append((time.perf_counter() - start) / repeat)
    return sorted(samples)[len(samples) // 2]

loop_time = median_seconds(lambda: [grad(loss_one)(params, x_batch[i], y_batch[i]) for i in range(32)])
vmap_time = median_seconds(lambda: vmap(grad(loss_one), in_dims=(None, 0, 0))(params, x_batch, y_batch))
print(f"Python loop: {loop_time * 1e6:10.1f} µs")
print(f"vmap:        {vmap_time * 1e6:10.1f} µs   ({loop_time / vmap_time:.2f}× faster)")

# %% [markdown]
# ## Model ensembling
#
# The same trick runs several models of one architecture at once. `stack_module_state(models)` stacks their
# parameters (and buffers) along a new first dimension; `vmap` then maps over that dimension. `models[0]` only
# lends its architecture: `functional_call` replaces its parameters with each model's slice.

# %%
torch.manual_seed(1)
models = [nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)) for _ in range(5)]
ensemble_params, ensemble_buffers = stack_module_state(models)
print({name: tuple(p.shape) for name, p in ensemble_params.items()})

def run_one_model(params, buffers, x):
    return functional_call(models[0], (params, buffers), (x,))

# every model on the same batch: batched parameters (0), a shared input (None)
predictions = vmap(run_one_model, in_dims=(0, 0, None))(ensemble_params, ensemble_buffers, x_batch)
print(tuple(predictions.shape), "- same as the loop:",
      torch.allclose(predictions, torch.stack([m(x_batch) for m in models]), atol=1e-6))

# %% [markdown]
# Five models, 32 examples, one output each: one call. With `in_dims=(0, 0, 0)` and inputs of shape `(5, 32, 3)`,
# each model would get its own mini-batch instead, as when the members of an ensemble are trained on different
# data.
#
# ## A whole Jacobian: jacrev and jacfwd
#
# Back to lesson 05's function, $y_1 = x_1^2 + 3 x_2$, $y_2 = x_2^2 + 2 x_1$, whose Jacobian at $x = (2, 3)$ is
# $\begin{pmatrix} 4 & 3 \\ 2 & 6 \end{pmatrix}$. `jacrev(f)` and `jacfwd(f)` return functions that compute it:

# %%
def f(x):
    return torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]])

x = torch.tensor([2.0, 3.0])
print(jacrev(f)(x))
print(jacfwd(f)(x))

# %% [markdown]
# Same matrix, built in opposite directions:
#
# * **`jacrev`** (reverse mode) builds it **row by row**. Row $i$ is $v^T J$ with $v = e_i$ (a one at position
#   $i$): one vector-Jacobian product, one backward pass, per **output**. It is lesson 05's loop, except that
#   `vmap` runs all the backward passes as one batched pass.
# * **`jacfwd`** (forward mode) builds it **column by column**. Column $j$ is $J v$ with $v = e_j$: one
#   Jacobian-vector product (`jvp`, lesson 05), one forward pass carrying a tangent, per **input**.
#
# One of each, by hand:

# %%
_, vjp_fn = vjp(f, x)
print("v = e1, vᵀJ (jacrev's row 1):   ", vjp_fn(torch.tensor([1.0, 0.0]))[0])
print("v = e1, J v (jacfwd's column 1):", jvp(f, (x,), (torch.tensor([1.0, 0.0]),))[1])

# %% [markdown]
# The Jacobian explorer of lesson 05 shows both products for the same function. Its $v$ starts at $(1, 0)$:
# the orange arrow $v^T J$ is row 1, what `jacrev` gets from its first backward pass, and the blue arrow $J v$ is
# column 1, what `jacfwd` gets from its first forward pass. Set $v = (0, 1)$ for row 2 and column 2.

# %%
explorer = minigrad.widgets.JacobianExplorer(f, x=(2.0, 3.0), v=(1.0, 0.0))
explorer

# %% [markdown]
# ## When is each cheaper?
#
# For $f: \mathbb{R}^n \to \mathbb{R}^m$, `jacrev` needs $m$ backward passes and `jacfwd` needs $n$ forward
# passes. With `vmap` they become one pass over a batch of $m$ or $n$, which costs about $m$ or $n$ times as much
# arithmetic. So:
#
# * **wide input** (many inputs, few outputs, $n \gg m$): `jacrev`. A training loss is the extreme case: one
#   output ($m = 1$) and millions of parameters, which is why training uses reverse mode, `backward()`;
# * **wide output** (few inputs, many outputs, $m \gg n$): `jacfwd`.
#
# Two functions with 1000 numbers on one side and 4 on the other show it. First, both ways agree:

# %%
torch.manual_seed(0)
W = torch.randn(1000, 4) / 2

def wide_input(x):  # 1000 numbers in, 4 out
    return torch.tanh(W.T @ x)

def wide_output(x):  # 4 numbers in, 1000 out
    return torch.tanh(W @ x)

cases = {"wide input": (wide_input, torch.randn(1000)), "wide output": (wide_output, torch.randn(4))}
for name, (function, point) in cases.items():
    by_rows, by_columns = jacrev(function)(point), jacfwd(function)(point)
    print(f"{name:12} J has shape {str(tuple(by_rows.shape)):10} jacrev and jacfwd agree: "
          f"{torch.allclose(by_rows, by_columns, atol=1e-6)}")

# %% [markdown]
# Now the time each takes on your machine (the stored notebook masks it). The two ways take turns, and the
# median of several rounds is kept, so that a moment of other work on your machine hurts both alike:

# %% tags=["measured"]
print(f"{'':12}{'jacrev':>14}{'jacfwd':>14}{'jacfwd / jacrev':>18}{'jacrev / jacfwd':>18}")
for name, (function, point) in cases.items():
    reverse = median_seconds(lambda: jacrev(function)(point))
    forward = median_seconds(lambda: jacfwd(function)(point))
    print(f"{name:12}{reverse * 1e6:11.1f} µs{forward * 1e6:11.1f} µs{forward / reverse:17.2f}×"
          f"{reverse / forward:17.2f}×")

# %% [markdown]
# Read the ratio above 1 in each row: how many times faster the winner was. On the wide input `jacrev` wins: 4
# backward passes against 1000 forward ones. On the wide output `jacfwd` wins, for the mirror-image reason. The
# factor depends on your machine and on the library (fixed costs per pass, and how well the batched arithmetic
# is optimised), but the winner follows $n$ against $m$. For a square Jacobian the two cost about the same.
#
# ## A Hessian-vector product, three ways
#
# The Hessian $H$ of a scalar function holds its second derivatives, $H_{ij} = \partial^2 f / \partial x_i
# \partial x_j$. Optimisers that use curvature rarely need $H$ itself (for a million parameters it has $10^{12}$
# entries) but the product $H v$ with a vector. Take
#
# $$f(x) = x_1^2 x_2 + x_2 x_3^2 + x_3, \qquad \nabla f = (2 x_1 x_2,\; x_1^2 + x_3^2,\; 2 x_2 x_3 + 1),$$
#
# $$H = \begin{pmatrix} 2 x_2 & 2 x_1 & 0 \\ 2 x_1 & 0 & 2 x_3 \\ 0 & 2 x_3 & 2 x_2 \end{pmatrix}
#     = \begin{pmatrix} 4 & 2 & 0 \\ 2 & 0 & 6 \\ 0 & 6 & 4 \end{pmatrix} \text{ at } x = (1, 2, 3),$$
#
# so with $v = (1, 0, -1)$, $H v = (4, 2 - 6, -4) = (4, -4, -4)$. Three ways to get it from the computer:

# %%
def g(x):
    return x[0] ** 2 * x[1] + x[1] * x[2] ** 2 + x[2]

x = torch.tensor([1.0, 2.0, 3.0])
v = torch.tensor([1.0, 0.0, -1.0])

# 1. double backward (reverse over reverse): the gradient with a graph, then a vector-Jacobian product of it
x_leaf = x.clone().requires_grad_()
gradient, = torch.autograd.grad(g(x_leaf), x_leaf, create_graph=True)
hvp_double_backward, = torch.autograd.grad(gradient, x_leaf, grad_outputs=v)

# 2. jvp of grad (forward over reverse): push v forward through the function x -> ∇g(x)
_, hvp_forward_over_reverse = jvp(grad(g), (x,), (v,))

# 3. the whole Hessian, then a matrix-vector product
H = hessian(g)(x)
hvp_from_hessian = H @ v

print("gradient:                     ", gradient.detach())
print("1. double backward:           ", hvp_double_backward)
print("2. jvp of grad:               ", hvp_forward_over_reverse)
print("3. hessian(g)(x) @ v:         ", hvp_from_hessian)

# %% [markdown]
# The same numbers three times. The cost is not the same: ways 1 and 2 cost a few gradient evaluations whatever
# the size of $x$, while way 3 first builds all $n \times n$ entries (`hessian` is `jacfwd(jacrev(g))`: $n$ forward
# passes through the gradient). Way 3 is for small $n$ or when you need $H$ itself.
#
# All three are about one function: $x \mapsto \nabla g(x)$, from $\mathbb{R}^3$ to $\mathbb{R}^3$, **whose
# Jacobian is the Hessian**. Here is the explorer on `grad(g)` with the same $x$ and $v$. Its outputs $y_i$ are
# the $\partial g / \partial x_i$, so its matrix, $\partial y_i / \partial x_j$, is $H$ (way 3); its $J v$ is
# way 2 (a `jvp` of the gradient function), and its $v^T J$, `y.backward(v)` on $y = \nabla g(x)$, is way 1. $H$
# is symmetric, so $v^T H = H v$ and the two agree. Set $v$ to $(0, 1, 0)$ and both show the middle row (and
# column) of $H$.

# %%
hessian_explorer = minigrad.widgets.JacobianExplorer(grad(g), x=(1.0, 2.0, 3.0), v=(1.0, 0.0, -1.0))
print("J v  (way 2):", hessian_explorer.result["jvp"])
print("vᵀJ (way 1):", hessian_explorer.result["vjp"])
hessian_explorer

# %% [markdown]
# ## Summary
#
# * `grad(f)` is the gradient as a function; `vmap(f, in_dims)` runs `f` over a batch, each operation once on the
#   stacked data.
# * `vmap(grad(loss), in_dims=(None, 0, 0))` gives per-example gradients, the loop's numbers in one call;
#   `stack_module_state` + `functional_call` + `vmap` runs an ensemble.
# * `jacrev` builds $J$ row by row (one backward pass per output), `jacfwd` column by column (one forward pass per
#   input): pick `jacrev` for wide inputs and `jacfwd` for wide outputs.
# * A Hessian-vector product needs no Hessian: differentiate the gradient once more, backward (double backward) or
#   forward (`jvp(grad(f), ...)`).
#
# ## Exercises
#
# Solutions: [solutions/13_jacobians_at_scale_solutions.py](solutions/13_jacobians_at_scale_solutions.py).
#
# ### Exercise 1 — per-example gradients by hand
#
# A linear model with squared error, one example at a time:
#
# ```python
# w = torch.tensor([1.0, -1.0])
# X = torch.tensor([[1.0, 2.0], [3.0, 1.0], [0.0, 2.0]])
# Y = torch.tensor([0.0, 1.0, 1.0])
#
# def loss(w, x, y):
#     return (w @ x - y) ** 2
#
# per_example = vmap(grad(loss), in_dims=(None, 0, 0))(w, X, Y)
# ```
#
# Predict `per_example` on paper first (a 3×2 nested list, one row per example), then run the code to see.

# %%
answer = ...  # [[., .], [., .], [., .]]

from minigrad.exercises import check
check("13.per_example", answer)

# %% [markdown]
# ### Exercise 2 — count the passes
#
# `f` takes a 10×100 matrix and returns a vector of 3 numbers. How many vector-Jacobian products (backward
# passes) does `jacrev(f)` batch, and how many Jacobian-vector products (forward passes) does `jacfwd(f)` batch?
# Answer with the two counts, `[jacrev's, jacfwd's]`.

# %%
answer = ...  # [number of vjps, number of jvps]

from minigrad.exercises import check
check("13.count_passes", answer)

# %% [markdown]
# ### Exercise 3 — a Hessian-vector product without the Hessian
#
# Write `hvp(f, x, v)` that returns $H v$ for a scalar function `f` of a 1-D tensor `x`, without building $H$:
# use a double backward or `jvp` of `grad`. (`hessian`, `jacrev`, `jacfwd` and the ready-made `hvp` of
# `torch.autograd.functional` are refused.) Do not change `x`.

# %%
def hvp(f, x, v):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("13.hvp", hvp)

# %% [markdown]
# ---
#
# [← 12 The same code on a GPU](12_gpu_arrays.ipynb) · [all lessons](README.md)
