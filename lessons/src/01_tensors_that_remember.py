# %% [markdown]
# # Lesson 01 — Tensors that remember
#
# [← 00 Start here](00_start_here.ipynb) · [all lessons](README.md) · [02 The computation graph →](02_the_computation_graph.ipynb)
#
# A tensor is an array of numbers. An autograd tensor can also *remember how it was made*, so that derivatives can
# be computed later. Remembering costs memory and time, so it is switched off unless you ask for it. This lesson is
# about the switch (`requires_grad`) and about the two kinds of tensors it creates: **leaves** and **computed
# tensors**.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import minigrad as torch

# %% [markdown]
# ## `requires_grad` is off by default
#
# A freshly created tensor does not track anything:

# %%
a = torch.ones(2, 2)
a.requires_grad

# %% [markdown]
# Pass `requires_grad=True` when you create a tensor whose gradient you will want, typically a parameter of a
# model:

# %%
w = torch.ones(2, 2, requires_grad=True)
w.requires_grad

# %% [markdown]
# ## It spreads to everything that depends on it
#
# The result of an operation requires a gradient as soon as **at least one** of its inputs does. Tensors that do
# not depend on `w` stay untracked.

# %%
u = a * w     # depends on w
v = a + 1     # does not
print(u.requires_grad, v.requires_grad)

# %% [markdown]
# The flag travels along any chain of operations. Below, `x` and `w` both require gradients and so does their
# product `y`. The values of `w` are random; we fix the seed first so that the notebook prints the same thing
# every time it runs.

# %%
torch.manual_seed(0)
x = torch.ones(1, requires_grad=True)
w = torch.rand(1, requires_grad=True)
y = x * w
x.requires_grad, w.requires_grad, y.requires_grad

# %% [markdown]
# ## Switching it on later: `requires_grad_()`
#
# Methods whose names end with an underscore change a tensor *in place*. `requires_grad_()` turns tracking on (or,
# with `requires_grad_(False)`, off) for a tensor that already exists. It only affects operations performed
# afterwards.

# %%
torch.manual_seed(0)
a = torch.randn(2, 3, requires_grad=True)
b = torch.randn(2, 3)
print("b before:", b.requires_grad)

c = a + b                # c requires grad because of a, not because of b
b.requires_grad_()       # from now on, b is tracked too
print("b after: ", b.requires_grad)
print("c:       ", c.requires_grad)

# %% [markdown]
# ## Leaves and computed tensors
#
# Tensors that you create directly (with `torch.ones`, `torch.tensor`, `torch.randn`, ...) are **leaves** of the
# computation graph. Tensors that come out of an operation on tracked tensors are **computed** (non-leaf) tensors:
# they carry a `grad_fn`, a reference to the recorded operation that produced them. A leaf was not produced by a
# recorded operation, so its `grad_fn` is `None`.

# %%
print(x.is_leaf, w.is_leaf, y.is_leaf)
print(x.grad_fn)
print(type(y.grad_fn).__name__)

# %% [markdown]
# `MulBackward0` is the name of the recorded multiplication: the object that knows how to send a gradient back
# through `x * w`. Lesson 02 looks at these objects closely.
#
# Here is the classic example $z = w \cdot x + b$, where only the parameters $w$ and $b$ need gradients and the
# input $x$ does not:

# %%
x = torch.tensor([2.0])
w = torch.tensor([3.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
y = w * x
z = y + b

print("requires_grad:", x.requires_grad, w.requires_grad, b.requires_grad, y.requires_grad, z.requires_grad)
print("is_leaf:      ", x.is_leaf, w.is_leaf, b.is_leaf, y.is_leaf, z.is_leaf)
print("grad_fn of the leaves:", x.grad_fn, w.grad_fn, b.grad_fn)
print("grad_fn of y and z:   ", type(y.grad_fn).__name__, type(z.grad_fn).__name__)
print(z)

# %% [markdown]
# Only leaves that require gradients will receive a `.grad` when you call `backward()` (lesson 03). Until then,
# `.grad` is `None`:

# %%
print(w.grad, b.grad)

# %% [markdown]
# ### A convention worth knowing
#
# A tensor that does **not** require a gradient is always reported as a leaf, even when it was computed: there is
# no graph behind it that a backward pass could walk through, so there is nothing to be "inside" of.

# %%
p = torch.ones(3)
r = p * 2 + 1
print(r.requires_grad, r.is_leaf, r.grad_fn)

# %% [markdown]
# ### Only floating-point tensors can require gradients
#
# A derivative needs values that can change by a tiny amount, so integer tensors cannot track gradients. Writing
# `torch.tensor([2, 3])` creates an *integer* tensor, and asking it to require a gradient fails. **This cell is
# meant to raise an error.**

# %% tags=["raises-exception"]
bad = torch.tensor([2, 3], requires_grad=True)

# %% [markdown]
# The fix is to ask for a floating-point dtype, either by writing floats or by passing `dtype=torch.float`:

# %%
good = torch.tensor([[2, 3]], dtype=torch.float, requires_grad=True)
print(good.dtype, good.requires_grad)

# %% [markdown]
# ## Summary
#
# * `requires_grad` is `False` by default; set it with `requires_grad=True` or `requires_grad_()`.
# * Any tensor computed from a tensor that requires a gradient requires one too.
# * Tensors you create are leaves, with `grad_fn` equal to `None`; tensors computed from tracked tensors are not
#   leaves and carry a `grad_fn`.
# * Untracked tensors are always leaves; only floating-point tensors can be tracked.
#
# ## Exercises
#
# Solutions: [solutions/01_tensors_that_remember_solutions.py](solutions/01_tensors_that_remember_solutions.py).
#
# The first two exercises are about this code. Work them out *before* running anything, then check.
#
# ```python
# p = torch.ones(3)
# q = torch.ones(3, requires_grad=True)
# r = p * 2
# s = r + q
# t = s.sum()
# ```
#
# ### Exercise 1 — who requires a gradient?
#
# Give the set of names (as strings) of the tensors above whose `requires_grad` is `True`, e.g. `{"p", "r"}`.

# %%
answer = ...  # a set of names, e.g. {"p", "r"}

from minigrad.exercises import check
check("01.which_require_grad", answer)

# %% [markdown]
# ### Exercise 2 — who is a leaf?
#
# Give the set of names of the tensors above whose `is_leaf` is `True`.

# %%
answer = ...  # a set of names

from minigrad.exercises import check
check("01.which_are_leaves", answer)

# %% [markdown]
# ### Exercise 3 — make a parameter
#
# Create a 2×2 tensor of zeros that can receive a gradient and is a leaf (so that `backward()` would fill its
# `.grad`). Careful: `torch.zeros(2, 2, requires_grad=True) + 0` requires a gradient but is not a leaf.

# %%
param = ...  # your tensor

from minigrad.exercises import check
check("01.make_leaf", param)

# %% [markdown]
# ---
#
# [← 00 Start here](00_start_here.ipynb) · [all lessons](README.md) · [02 The computation graph →](02_the_computation_graph.ipynb)
