# %% [markdown]
# # Lesson 02 — The computation graph
#
# [← 01 Tensors that remember](01_tensors_that_remember.ipynb) · [all lessons](README.md) · [03 Backward from a scalar →](03_scalar_backward.ipynb)
#
# In lesson 01 you saw that a computed tensor carries a `grad_fn`. This lesson follows those references: every
# `grad_fn` points to the `grad_fn`s of its inputs, and together they form the **computation graph** that the
# backward pass walks. You will read the graph as text and look at pictures of it.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import minigrad as torch
import minigrad.nn.functional as F

# %% [markdown]
# We build $z = w \cdot x + b$ one operation at a time, with $x = 2$, $w = 3$ and $b = 1$. Only $w$ and $b$
# require gradients.

# %%
x = torch.tensor(2.0)
w = torch.tensor(3.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)

y = w * x
y

# %% [markdown]
# The multiplication was recorded as a `MulBackward0` node. Here is a picture of the graph so far:

# %%
import minigrad.viz

minigrad.viz.draw(y)

# %% [markdown]
# Now add `b`:

# %%
z = y + b
z

# %%
minigrad.viz.draw(z)

# %% [markdown]
# ## Reading the graph as text
#
# Printing a `grad_fn` object directly shows its name together with a memory address that changes on every run,
# so in these lessons we print only the name of its class. A tiny helper keeps that readable:

# %%
def name(node):
    """The class name of a graph node, or None for a missing one."""
    return None if node is None else type(node).__name__

name(z.grad_fn)

# %% [markdown]
# ### `next_functions`
#
# Each node lists the nodes that produced its inputs in `next_functions`, a tuple with one `(node, index)` pair
# per input of the operation. The addition `z = y + b` had two inputs, so there are two pairs:

# %%
[(name(node), index) for node, index in z.grad_fn.next_functions]

# %% [markdown]
# * The first input, `y`, was produced by the multiplication, so the first pair points at the `MulBackward0` node.
# * The second input, `b`, is a leaf. Gradients for a leaf end in an **`AccumulateGrad`** node, whose only job is to
#   add the incoming gradient into `b.grad`.
# * The `index` says which output of that node the input was; every operation in these lessons has a single
#   output, so it is always `0`.
#
# Going one step further, from the multiplication:

# %%
[(name(node), index) for node, index in y.grad_fn.next_functions]

# %% [markdown]
# The first input of `w * x` is `w`, a leaf that requires a gradient, hence `AccumulateGrad`. The second input,
# `x`, does not require a gradient, so there is nothing to send its gradient to: the entry is `None`, and the
# backward pass will not even compute that gradient.
#
# An `AccumulateGrad` node knows which leaf it belongs to through its `variable` attribute:

# %%
accumulate_w = y.grad_fn.next_functions[0][0]
accumulate_b = z.grad_fn.next_functions[1][0]
print("accumulate_w.variable:", accumulate_w.variable, " is w:", accumulate_w.variable is w)
print("accumulate_b.variable:", accumulate_b.variable, " is b:", accumulate_b.variable is b)

# %% [markdown]
# ### Walking the whole graph
#
# Following `next_functions` recursively prints the complete graph, from the output down to the leaves. This is,
# in miniature, the route that `backward()` takes.

# %%
def show(node, depth=0):
    if node is None:
        print("    " * depth + "None  (no gradient needed)")
        return
    label = name(node)
    if hasattr(node, "variable"):
        label += f"  -> leaf with value {node.variable.item()}"
    print("    " * depth + label)
    for child, _ in node.next_functions:
        show(child, depth + 1)

show(z.grad_fn)

# %% [markdown]
# ### The same leaf used twice
#
# A leaf has a single `AccumulateGrad` node, however often it is used. In $q = w \cdot w$ both inputs of the
# multiplication lead to the same node, which will receive two contributions during the backward pass and add them
# up ($dq/dw = w + w$).

# %%
q = w * w
first, second = q.grad_fn.next_functions
print(name(first[0]), name(second[0]), "- the same node:", first[0] is second[0])

# %% [markdown]
# ## More node names
#
# Every differentiable operation has its own node type, named after the operation with `Backward` and a number
# appended. A few examples:

# %%
t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
examples = {
    "t + 1": t + 1,
    "t - 1": t - 1,
    "t * 2": t * 2,
    "t / 2": t / 2,
    "t ** 2": t ** 2,
    "-t": -t,
    "t.exp()": t.exp(),
    "torch.sigmoid(t)": torch.sigmoid(t),
    "t.sum()": t.sum(),
    "t.mean()": t.mean(),
}
for expression, result in examples.items():
    print(f"{expression:18} {name(result.grad_fn)}")

# %% [markdown]
# ### A small neural-network graph
#
# The same machinery records a realistic model. Below, an input of 5 features goes through a linear layer with
# weights `W` (5×3) and bias `bias` (3), and a binary cross-entropy loss compares the 3 outputs with targets. The
# seed makes the random weights repeatable.

# %%
torch.manual_seed(0)
inputs = torch.ones(5)
targets = torch.zeros(3)
W = torch.randn(5, 3, requires_grad=True)
bias = torch.randn(3, requires_grad=True)

logits = torch.matmul(inputs, W) + bias
loss = F.binary_cross_entropy_with_logits(logits, targets)

print("logits:", name(logits.grad_fn))
print("loss:  ", name(loss.grad_fn))

# %%
minigrad.viz.draw(loss)

# %% [markdown]
# ## Exploring a graph interactively
#
# `minigrad.widgets.LiveGraph` shows the same graph as a widget, this time with the values of the tensors. Pick a
# node in the **node** menu to highlight it and see its type, shape, value and neighbours. The widget keeps up with
# the notebook: after each cell it redraws if new operations were built on top of `loss`, and after a backward
# pass it shows the gradient that reached every tensor. It is a minigrad teaching aid; PyTorch has no equivalent.

# %%
import minigrad.widgets

live = minigrad.widgets.LiveGraph(loss)
live

# %% [markdown]
# Run the backward pass and look at the widget again: each box now also shows its gradient (a still copy of the
# notebook keeps the picture from before the backward pass).

# %%
loss.backward()
print(W.grad.shape, bias.grad.shape)

# %% [markdown]
# ## A graph is built by running code
#
# Nothing about the graph is declared in advance: each operation adds a node at the moment it runs. Computing the
# same expression twice builds two separate graphs with separate nodes. Lesson 11 explains why this "dynamic"
# design matters.

# %%
z1 = w * x + b
z2 = w * x + b
print(name(z1.grad_fn), name(z2.grad_fn), "- the same node:", z1.grad_fn is z2.grad_fn)

# %% [markdown]
# ## Summary
#
# * A computed tensor's `grad_fn` is a node of the graph; its `next_functions` point to the nodes of its inputs.
# * Leaves that require a gradient end in an `AccumulateGrad` node (`node.variable` is the leaf); inputs that need
#   no gradient appear as `None`.
# * The graph is recorded while the forward computation runs.
#
# ## Exercises
#
# Solutions: [solutions/02_the_computation_graph_solutions.py](solutions/02_the_computation_graph_solutions.py).
#
# ### Exercise 1 — name the node
#
# ```python
# a = torch.ones(3, requires_grad=True)
# c = torch.ones(3)
# result = (a * c).sum()
# ```
#
# What is `type(result.grad_fn).__name__`? Answer with a string.

# %%
answer = ...  # a string such as "AddBackward0"

from minigrad.exercises import check
check("02.grad_fn_name", answer)

# %% [markdown]
# ### Exercise 2 — count the accumulators
#
# ```python
# x = torch.tensor(2.0)
# w1 = torch.tensor(1.0, requires_grad=True)
# w2 = torch.tensor(1.0, requires_grad=True)
# out = (w1 * x + w2 * x) * w1
# ```
#
# How many distinct `AccumulateGrad` nodes does the graph of `out` contain? Think first, then verify by walking
# `out.grad_fn` (collect the nodes in a list and compare them with `is`).

# %%
answer = ...  # an integer

from minigrad.exercises import check
check("02.count_accumulate", answer)

# %% [markdown]
# ### Exercise 3 — find the leaves
#
# Write `leaves_of(tensor)`: it returns a list of the leaf tensors that `backward()` on `tensor` would give a
# gradient to, each leaf once (order does not matter). Start at `tensor.grad_fn`, follow `next_functions`, and
# collect the `variable` of every `AccumulateGrad` node you reach. If `tensor` is itself a leaf, return
# `[tensor]` when it requires a gradient and `[]` otherwise.

# %%
def leaves_of(tensor):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("02.walk_graph", leaves_of)

# %% [markdown]
# ---
#
# [← 01 Tensors that remember](01_tensors_that_remember.ipynb) · [all lessons](README.md) · [03 Backward from a scalar →](03_scalar_backward.ipynb)
