# %% [markdown]
# # Lesson 04 — Build autograd yourself
#
# [← 03 Backward from a scalar](03_scalar_backward.ipynb) · [all lessons](README.md) · [05 Backward from a tensor: vector–Jacobian products →](05_non_scalar_backward.ipynb)
#
# You have called `backward()` and watched gradients land in `.grad`. Now you build the machine that does it: a
# scalar autograd engine of about sixty lines, one piece at a time, in the spirit of Andrej Karpathy's micrograd.
# Each number is a `Value` that remembers which values it was computed from and how to send a gradient back to
# them. At the end your engine and minigrad differentiate the same expression, and you compare their numbers and
# their graphs.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import math

import minigrad as torch

# %% [markdown]
# ## Step 1: a number that remembers where it came from
#
# A `Value` holds its number (`data`), its gradient (`grad`, 0 until the backward pass fills it), the values it was
# computed from (`_prev`), the name of the operation (`_op`), and a function `_backward` that, once `grad` is known,
# pushes it to the inputs. A leaf has no inputs and nothing to push.

# %%
class Value:
    def __init__(self, data, _prev=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._prev = _prev
        self._op = _op
        self._backward = lambda: None   # a leaf sends nothing further back

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

# %% [markdown]
# ## Step 2: `+` and `*`, each with its local derivative
#
# For $out = a + b$, $\partial out / \partial a = \partial out / \partial b = 1$: the gradient of `out` passes
# through unchanged. For $out = a \cdot b$, $\partial out / \partial a = b$ and $\partial out / \partial b = a$: each
# input gets the gradient of `out` times the **other** input. The chain rule is the multiplication by `out.grad`.
# Each operation builds `out` and a small closure, `_backward`, that remembers `a`, `b` and `out`.
#
# This first version *sets* the inputs' gradients with `=`. That is a bug, and you will find it in step 5.

# %%
def add(a, b):
    out = Value(a.data + b.data, (a, b), "+")
    def _backward():
        a.grad = out.grad          # d(a + b)/da = 1
        b.grad = out.grad          # d(a + b)/db = 1
    out._backward = _backward
    return out

def mul(a, b):
    out = Value(a.data * b.data, (a, b), "*")
    def _backward():
        a.grad = b.data * out.grad  # d(a * b)/da = b
        b.grad = a.data * out.grad  # d(a * b)/db = a
    out._backward = _backward
    return out

Value.__add__ = add
Value.__mul__ = mul

# %% [markdown]
# ## Step 3: `tanh` and `relu`
#
# One input each. $\tanh'(x) = 1 - \tanh^2(x)$, which is cheapest to compute from the output `t`. ReLU passes
# the gradient where its input was positive and blocks it elsewhere.

# %%
def tanh(a):
    t = math.tanh(a.data)
    out = Value(t, (a,), "tanh")
    def _backward():
        a.grad = (1 - t ** 2) * out.grad
    out._backward = _backward
    return out

def relu(a):
    out = Value(max(a.data, 0.0), (a,), "relu")
    def _backward():
        a.grad = (a.data > 0) * out.grad
    out._backward = _backward
    return out

Value.tanh = tanh
Value.relu = relu

# %% [markdown]
# ## Step 4: an order to visit the nodes, without recursion
#
# A node's `_backward` may run only when its own `grad` is complete, that is after every node that uses it has
# run. A **topological order** lists every node after the nodes it was computed from; walking it backwards from the
# output gives exactly that. micrograd builds it with a recursive function, which stops with a `RecursionError` on a
# chain of a thousand operations; this version keeps its own stack instead: a node is written out once all its
# inputs have been.

# %%
def topological_order(root):
    """Every node reachable from root, each after the nodes it was computed from."""
    order, done = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if id(node) in done:
            continue
        if inputs_done:
            done.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))                  # come back once the inputs are written out
            stack.extend((child, False) for child in node._prev)
    return order

def backward(self):
    order = topological_order(self)
    self.grad = 1.0                                     # d out / d out
    for node in reversed(order):                        # outputs first, leaves last
        node._backward()

Value.backward = backward

# %% [markdown]
# ## Your engine against minigrad
#
# A neuron with two inputs: $L = \tanh(x_1 w_1 + x_2 w_2 + b)$. The same numbers go through your engine and through
# minigrad; the gradients should agree.

# %%
x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.8813735870195432)
L = (x1 * w1 + x2 * w2 + b).tanh()
L.backward()

tx1, tx2, tw1, tw2, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True)
                          for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432))
tL = (tx1 * tw1 + tx2 * tw2 + tb).tanh()
tL.backward()

print("        yours      minigrad")
for name, mine, theirs in [("x1", x1, tx1), ("x2", x2, tx2), ("w1", w1, tw1), ("w2", w2, tw2), ("b", b, tb)]:
    print(f"{name:3} {mine.grad:10.6f} {theirs.grad.item():12.6f}")

# %% [markdown]
# The two graphs, side by side: yours (drawn from `_prev` and `_op` with networkx) and minigrad's (drawn by
# `minigrad.viz.draw`). Same shape; minigrad names its nodes the PyTorch way (`MulBackward0` for your `*`) and adds
# an `AccumulateGrad` node where a gradient is stored into a leaf.

# %%
import matplotlib.pyplot as plt
import networkx as nx

import minigrad.viz

def draw_values(root, ax):
    """Your graph: one box per Value (its op, data and grad), arrows from inputs to outputs."""
    graph = nx.DiGraph()
    depth = {}
    for node in topological_order(root):
        depth[id(node)] = 1 + max((depth[id(child)] for child in node._prev), default=-1)
        label = f"{node._op or 'leaf'}\ndata {node.data:.3g}\ngrad {node.grad:.3g}"
        graph.add_node(id(node), label=label, layer=depth[id(node)])
        graph.add_edges_from((id(child), id(node)) for child in node._prev)
    positions = nx.multipartite_layout(graph, subset_key="layer", align="horizontal")
    positions = {key: (x, -y) for key, (x, y) in positions.items()}   # inputs at the top, like minigrad's
    nx.draw_networkx(graph, positions, ax=ax, labels=nx.get_node_attributes(graph, "label"), node_shape="s",
                     node_color="#dbe9f6", node_size=2600, font_size=7, arrows=True)
    ax.set_title("your Value graph")
    ax.axis("off")

figure, (left, right) = plt.subplots(1, 2, figsize=(14, 7))
draw_values(L, left)
minigrad.viz.draw(tL, ax=right, show_grad=True)
right.set_title("minigrad's graph")
plt.show()

# %% [markdown]
# ## Step 5: the bug — a value used twice
#
# Use a value twice and the engine goes wrong. $y = a + a = 2a$, so $dy/da = 2$:

# %%
a = Value(3.0)
y = a + a
y.backward()
print("your engine:", a.grad)

ta = torch.tensor(3.0, requires_grad=True)
(ta + ta).backward()
print("minigrad:   ", ta.grad.item())

# %% [markdown]
# The closure of `+` ran `a.grad = out.grad` for its first input and then **again** for its second input, the
# same `a`: the second assignment overwrote the first. A value that feeds several places must receive the **sum**
# of the gradients from all of them (the multivariable chain rule). That is why PyTorch's `.grad` accumulates, as
# lesson 03 showed: every `_backward` must add, `+=`, never set. Fixing it is exercise 3.
#
# ## What you built, and the real thing
#
# * a node that stores its value, its inputs and a closure that applies the local derivative times `out.grad`;
# * one rule per operation (`+`, `*`, `tanh`, `relu`);
# * a walk in reverse topological order, without recursion;
# * gradients that accumulate, because a node can feed many others.
#
# minigrad does the same on whole arrays: its `Function` classes (lesson 08 shows how to write your own) are your
# closures, `grad_fn` is your `_backward` with its inputs in `next_functions`, and its engine counts how many
# consumers each node has instead of sorting. Read it in the order you built yours: the project README's
# [Read minigrad in one sitting](../README.md#read-minigrad-in-one-sitting).

# %% [markdown]
# ## Exercises
#
# Solutions: [solutions/04_build_your_own_solutions.py](solutions/04_build_your_own_solutions.py).
#
# ### Exercise 1 — the backward of `*`
#
# Write `mul_backward(a, b, out)`: for `out = a * b`, add to `a.grad` and `b.grad` their share of `out.grad`
# (the objects have `.data` and `.grad`). The checker calls it on a few values, including `a * a`.

# %%
def mul_backward(a, b, out):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("04.mul_backward", mul_backward)

# %% [markdown]
# ### Exercise 2 — your own topological order
#
# Write `my_order(root)` without looking back at `topological_order`: every node reachable from `root` through
# `_prev` exactly once, each after all the nodes in its `_prev`. The checker tries a diamond, where one node feeds
# two others, and a chain of 5000 operations (a recursive function stops at Python's limit of about 1000 frames).

# %%
def my_order(root):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("04.topological_order", my_order)

# %% [markdown]
# ### Exercise 3 — fix the bug
#
# Write `FixedValue`, a copy of `Value` with `+`, `*`, `tanh` and `backward` whose gradients accumulate. The
# checker differentiates `a + a`, `a * a` and `tanh(x * x + x)` with it.

# %%
class FixedValue:
    def __init__(self, data, _prev=(), _op=""):
        raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("04.accumulate_fix", FixedValue)

# %% [markdown]
# ---
#
# [← 03 Backward from a scalar](03_scalar_backward.ipynb) · [all lessons](README.md) · [05 Backward from a tensor: vector–Jacobian products →](05_non_scalar_backward.ipynb)
