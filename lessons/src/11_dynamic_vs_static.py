# %% [markdown]
# # Lesson 11 — Dynamic graphs and static graphs
#
# [← 10 Modules, losses and optimizers](10_modules_losses_optimizers.ipynb) · [all lessons](README.md) · [12 The same code on a GPU →](12_gpu_arrays.ipynb)
#
# PyTorch (and minigrad) build the computation graph **while your code runs**, anew on every forward pass. That is
# called a *dynamic* graph, or "define-by-run". Older frameworks such as TensorFlow 1 worked the other way round:
# you first *declared* a graph, once, and then ran it many times on different data, a *static* graph. This lesson
# shows what the dynamic design buys you, and what goes wrong when you freeze a dynamic computation into a static
# graph without care.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import warnings
from collections import Counter

import minigrad as torch

# %% [markdown]
# ## A new graph on every forward pass
#
# The same line of code run twice produces two distinct graphs:

# %%
w = torch.tensor(0.5, requires_grad=True)
first = w * 2
second = w * 2
print(type(first.grad_fn).__name__, type(second.grad_fn).__name__, "- the same node:", first.grad_fn is second.grad_fn)

# %% [markdown]
# That sounds wasteful, but it means the graph can be **different** every time, shaped by the data itself. Plain
# Python `for`, `while` and `if` decide what gets recorded.
#
# ## A loop whose length depends on the input
#
# This function runs a tiny recurrence over a sequence, like a (very) simplified recurrent neural network:
# $h \leftarrow h \cdot w + x_t$ for each element $x_t$. Longer inputs mean more loop iterations and a bigger graph.

# %%
def recurrence(x, w):
    h = torch.zeros(())
    for x_t in x:
        h = h * w + x_t
    return h

def count_nodes(tensor):
    """How many graph nodes of each type lead to `tensor`."""
    counts, seen, stack = Counter(), set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        counts[type(node).__name__] += 1
        stack.extend(child for child, _ in node.next_functions)
    return dict(sorted(counts.items()))

for values in ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0, 5.0]):
    h = recurrence(torch.tensor(values), w)
    print(f"length {len(values)}: {count_nodes(h)}")

# %% [markdown]
# With $x = (1, 2, 3)$ and $w = 0.5$ the loop unrolls to $h = x_1 w^2 + x_2 w + x_3 = 0.25 + 1 + 3 = 4.25$, so
# $\partial h / \partial w = 2 x_1 w + x_2 = 1 + 2 = 3$. Backward goes through exactly the iterations that ran:

# %%
h = recurrence(torch.tensor([1.0, 2.0, 3.0]), w)
h.backward()
print(h.item(), w.grad.item())

# %% [markdown]
# ## A loop whose length depends on the values
#
# Here the number of iterations depends on the *values*: keep doubling until the vector's length (its norm)
# reaches 100. For $x = (1, 2)$ the norm is $\sqrt 5 \approx 2.24$, which takes 6 doublings to pass 100, so the
# result is $2^6 x$ and the gradient of its sum is $2^6 = 64$ for each element. A larger input needs fewer
# doublings and gets a smaller gradient.

# %%
def double_until_large(x):
    y = x
    while y.norm() < 100:
        y = y * 2
    return y

for values in ([1.0, 2.0], [10.0, 20.0]):
    x = torch.tensor(values, requires_grad=True)
    double_until_large(x).sum().backward()
    print(values, "->", x.grad)

# %% [markdown]
# Nothing special was needed: the graph is simply whatever ran.
#
# ## The static alternative
#
# In TensorFlow 1 the two-layer network of lesson 08 looked roughly like this (not run here):
#
# ```python
# x = tf.placeholder(tf.float32, shape=(None, d_in))     # slots for data, filled in later
# y = tf.placeholder(tf.float32, shape=(None, d_out))
# w1 = tf.Variable(tf.random_normal((d_in, h)))
# w2 = tf.Variable(tf.random_normal((h, d_out)))
#
# y_pred = tf.matmul(tf.maximum(tf.matmul(x, w1), 0.0), w2)   # builds graph nodes, computes nothing
# loss = tf.reduce_sum((y - y_pred) ** 2.0)
# grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])           # more graph nodes for the gradients
# new_w1 = w1.assign(w1 - learning_rate * grad_w1)          # even the update is a node
# new_w2 = w2.assign(w2 - learning_rate * grad_w2)
#
# with tf.Session() as session:                              # only now does anything run
#     session.run(tf.global_variables_initializer())
#     for step in range(500):
#         loss_value, _, _ = session.run([loss, new_w1, new_w2],
#                                        feed_dict={x: x_value, y: y_value})
# ```
#
# The whole graph, gradients and updates included, is declared once; `session.run` then executes it again and again
# with new data fed into the placeholders. A static graph can be **optimised ahead of time** (operations fused,
# memory planned, work spread over several devices), and the cost of that optimisation is paid once and shared by
# all runs. The price is that control flow must be part of the graph too: a Python `for` loop would be unrolled once,
# at declaration time, so TensorFlow 1 needed special graph operators for loops and conditions.
#
# ## Freezing a dynamic computation: tracing
#
# You can get a static graph from dynamic code by **tracing**: run the function once on example inputs, record every
# operation that happens, and keep that recording as a fixed program. `minigrad.jit.trace(fn, example_inputs)` does
# this (the idea is the same as `torch.jit.trace` and `torch.fx`; the printed form imitates `torch.fx`). We trace the
# recurrence on a sequence of length 3. Warnings, if any, are collected and printed.

# %%
import minigrad.jit

example_x = torch.tensor([1.0, 2.0, 3.0])
w = torch.tensor(0.5, requires_grad=True)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    traced = minigrad.jit.trace(recurrence, (example_x, w))
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")

# %% [markdown]
# The recorded program, one row per operation:

# %%
traced.graph.print_tabular()

# %% [markdown]
# and the same program written out as Python code. Notice that the loop is gone: it was unrolled into exactly three
# steps, each reading a fixed position of the input.

# %%
print(traced.code)

# %% [markdown]
# Replaying the traced program on a new input **of the same length** gives the same answer as the original
# function:

# %%
new_x = torch.tensor([4.0, 5.0, 6.0])
print("traced:  ", traced(new_x, w).item())
print("original:", recurrence(new_x, w).item())

# %% [markdown]
# ## What a static graph buys: optimising before running
#
# Because the whole program is known before it runs, a static-graph framework can rewrite it first, once, and
# every later run profits. `minigrad.jit` has four such rewrites ("passes"); each takes a graph and returns a new
# graph that computes the same result:
#
# * `constant_folding`: an operation whose inputs are all constants is computed now, and its result becomes a
#   constant;
# * `common_subexpression_elimination`: two nodes doing the same operation on the same values become one;
# * `dead_code_elimination`: operations whose results nobody uses are dropped;
# * `fuse_elementwise`: a chain of element-wise operations becomes one node that runs them in one go, one pass
#   over memory (on a GPU one kernel instead of several; on the CPU one buffer instead of one per operation).
#
# Here is a deliberately wasteful function, traced on a small example:

# %%
def wasteful(x, w):
    z = x.mm(w)
    scale = torch.tensor(2.0) * torch.tensor(0.5)   # only constants: the result is known before any data arrive
    unused = z.exp()                               # computed, then never used
    return (torch.sigmoid(z) * z).sum() * scale + (torch.sigmoid(z) * z).mean()   # sigmoid(z) * z twice

torch.manual_seed(0)
x = torch.randn(4, 3)
w_layer = torch.randn(3, 2, requires_grad=True)
traced_wasteful = minigrad.jit.trace(wasteful, (x, w_layer))
traced_wasteful.graph.print_tabular()

# %% [markdown]
# Watch one pass at work: with `verbose=True` it prints the graph before and after. Common-subexpression
# elimination notices that `sigmoid_1` and `mul_3` repeat `sigmoid` and `mul_1`, and lets `mean` read `mul_1`.

# %%
deduplicated = minigrad.jit.common_subexpression_elimination(traced_wasteful.graph, verbose=True)

# %% [markdown]
# Now all four passes in a row (`minigrad.jit.optimize(graph)` runs exactly this sequence). The number of
# operations falls from 11 to 5, and the generated code shows what is left: the matrix product, two fused
# element-wise kernels and the two reductions; the constant `2.0 * 0.5` was computed once, ahead of time.

# %%
graph = traced_wasteful.graph
for optimisation in (minigrad.jit.constant_folding, minigrad.jit.common_subexpression_elimination,
                     minigrad.jit.dead_code_elimination, minigrad.jit.fuse_elementwise):
    smaller = optimisation(graph)
    print(f"{optimisation.__name__:34} {graph.count('op'):2} operations -> {smaller.count('op'):2}")
    graph = smaller

print()
print(graph.code)

# %% [markdown]
# The optimised graph computes the same value, and autograd differentiates it like any other code:

# %%
original_value = wasteful(x, w_layer)
original_value.backward()
original_grad = w_layer.grad.clone()

w_layer.grad = None
optimised_value = graph(x, w_layer)
optimised_value.backward()

print("value, original: ", original_value.item())
print("value, optimised:", optimised_value.item())
print("gradient, original: ", original_grad)
print("gradient, optimised:", w_layer.grad)

# %% [markdown]
# The dynamic version cannot do any of this: every forward pass records a fresh graph *while* it runs, so there is
# never a moment when the whole program is known in advance. (PyTorch 2's `torch.compile` gets this benefit back by
# tracing, too.)
#
# ## Does it pay? Measured on your machine
#
# So far the passes made the graph *smaller*. Whether it also runs *faster* depends on where the time goes, so
# let us measure one training step (forward and backward) of two workloads:
#
# * the two-layer network of lesson 08 (64 samples, 1000 → 100 → 10): big matrix products, where the arithmetic
#   takes most of the time;
# * a chain of small element-wise operations, `h = tanh(h * w + b)` eight times on 16 numbers: almost no
#   arithmetic, so nearly all the time is the framework's own bookkeeping.
#
# Each step runs five ways:
#
# * **eager**: the Python function, then `loss.backward()`: a new graph every step;
# * **traced**: the traced function called, then `loss.backward()`. Replaying the recording operation by
#   operation would build the very graph eager builds, at eager's cost; since the whole graph is known, a traced
#   function called with autograd instead runs it as *one* autograd node whose forward and backward are both plain
#   NumPy code, compiled at its first call;
# * **traced + optimize()**: the same after `optimize()`, whose passes (folding, merging, dead code) first tidy
#   the graph and then compile it the same way (which passes pay was measured once, when minigrad was written:
#   see `minigrad/jit/passes.py`); these two graphs have nothing to tidy, so expect the same time as traced;
# * **compiled**: `traced.grad_graph().optimize()`: forward *and* backward in one static graph, which
#   `optimize()` turns into one plain Python function of NumPy calls (no tensors, no graph, no engine);
# * **NumPy**: forward and backward written out by hand, the floor.

# %%
import time

import numpy as np

rng = np.random.default_rng(0)

x_net = torch.from_numpy(rng.standard_normal((64, 1000), dtype=np.float32))
y_net = torch.from_numpy(rng.standard_normal((64, 10), dtype=np.float32))
w1 = torch.from_numpy(rng.standard_normal((1000, 100), dtype=np.float32)).requires_grad_()
w2 = torch.from_numpy(rng.standard_normal((100, 10), dtype=np.float32)).requires_grad_()

def net_loss(x, y):
    return (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()

def net_by_hand(x, y, w1, w2):
    h = x @ w1
    h_relu = np.maximum(h, 0)
    y_pred = h_relu @ w2
    diff = y_pred - y
    loss = (diff * diff).sum()
    grad_y_pred = 2.0 * diff
    grad_w2 = h_relu.T @ grad_y_pred
    grad_h = grad_y_pred @ w2.T
    grad_h[h < 0] = 0
    grad_w1 = x.T @ grad_h
    return loss, grad_w1, grad_w2

x_chain = torch.from_numpy(rng.standard_normal(16, dtype=np.float32))
w_chain = torch.from_numpy(rng.uniform(0.3, 0.6, 16).astype(np.float32)).requires_grad_()
b_chain = torch.from_numpy(rng.uniform(-0.1, 0.1, 16).astype(np.float32)).requires_grad_()

def chain_loss(x):
    h = x
    for _ in range(8):
        h = (h * w_chain + b_chain).tanh()
    return (h * h).sum()

def chain_by_hand(x, w, b):
    hs = [x]
    for _ in range(8):
        hs.append(np.tanh(hs[-1] * w + b))
    loss = (hs[-1] * hs[-1]).sum()
    grad_h, grad_w, grad_b = 2.0 * hs[-1], np.zeros_like(w), np.zeros_like(b)
    for i in range(8, 0, -1):
        grad_pre = grad_h * (1.0 - hs[i] * hs[i])   # back through tanh
        grad_w += grad_pre * hs[i - 1]
        grad_b += grad_pre
        grad_h = grad_pre * w
    return loss, grad_w, grad_b

# %% [markdown]
# The five steps of each workload, and a check that they all compute the same loss and gradients:

# %%
def five_ways(loss_fn, inputs, params, by_hand):
    traced = minigrad.jit.trace(loss_fn, inputs)
    optimised = traced.optimize()
    compiled = traced.grad_graph().optimize()
    arrays = [t.numpy() for t in inputs] + [p.detach().numpy() for p in params]

    def with_backward(run):
        def step():
            for p in params:
                p.grad = None
            loss = run(*inputs)
            loss.backward()
            return [loss.item()] + [p.grad.numpy() for p in params]
        return step

    def compiled_step():
        loss, *grads = compiled(*inputs)
        return [loss.item()] + [g.numpy() for g in grads]

    return {"eager": with_backward(loss_fn), "traced": with_backward(traced),
            "optimize()": with_backward(optimised), "compiled": compiled_step,
            "NumPy": lambda: by_hand(*arrays)}

workloads = {
    "two-layer net": five_ways(net_loss, (x_net, y_net), (w1, w2), net_by_hand),
    "tanh chain": five_ways(chain_loss, (x_chain,), (w_chain, b_chain), chain_by_hand),
}
for name, steps in workloads.items():
    results = {way: step() for way, step in steps.items()}
    agree = all(np.allclose(value, reference, rtol=1e-4, atol=1e-3)
                for result in results.values() for value, reference in zip(result, results["eager"]))
    print(f"{name}: all five agree: {agree}")

# %% [markdown]
# Now the timing. The five ways take turns, a few steps each, for several rounds, and we keep each one's median:
# if your machine is busy for a moment, all five suffer alike. The times are yours: they depend on your processor
# and on what else it is doing (the stored notebook masks them).

# %% tags=["measured"]
# (the steps are the ones built above with minigrad.jit, so this cell has no PyTorch counterpart)
def median_times(steps, rounds=7, repeat=10):
    samples = {way: [] for way in steps}
    for _ in range(rounds):
        for way, step in steps.items():
            start = time.perf_counter()
            for _ in range(repeat):
                step()
            samples[way].append((time.perf_counter() - start) / repeat)
    return {way: sorted(times)[len(times) // 2] for way, times in samples.items()}

timings = {name: median_times(steps, repeat=5 if name == "two-layer net" else 50)
           for name, steps in workloads.items()}

ways = list(timings["two-layer net"])
print(f"{'':16}" + "".join(f"{way:>14}" for way in ways))
for name, times in timings.items():
    print(f"{name:16}" + "".join(f"{times[way] * 1e6:>11.1f} µs" for way in ways))
    print(f"{'  / NumPy':16}" + "".join(f"{times[way] / times['NumPy']:>13.2f}×" for way in ways))

# %% [markdown]
# Read the table row by row. On the two-layer net the matrix products dominate, so every way is within a small
# factor of NumPy; the compiled step does exactly NumPy's work. On the tanh chain the arithmetic is tiny, and
# eager autograd costs several times NumPy's time: every operation creates a graph node and, in backward, a call
# through the engine. The traced function, optimised or not, is one node for the whole step, so autograd's
# bookkeeping is paid once instead of once per operation; the compiled step removes autograd altogether.
#
# This is the price and the gain of static graphs: the compiled step can no longer follow your Python code (it
# is frozen, see below), but it does nothing except arithmetic. Here is the two-layer net's, to read next to
# `net_by_hand` above: the same products, the same `2.0 * diff`, the same mask, written in place (`out=`) where
# a value is no longer needed.

# %%
print(minigrad.jit.trace(net_loss, (x_net, y_net)).grad_graph().optimize().code)

# %% [markdown]
# The tanh chain's is longer (eight layers forward, eight back), but made of the same few lines. Its start and
# its end:

# %%
lines = minigrad.jit.trace(chain_loss, (x_chain,)).grad_graph().optimize().code.splitlines()
print("\n".join(lines[:10] + ["    ..."] + lines[-9:]))

# %% [markdown]
# ## What it costs: the trace is frozen
#
# On an input of a **different length**, the trace still runs its three recorded steps. minigrad warns you that the
# input no longer matches the example it was traced with, and the answer is wrong: the last two elements are simply
# ignored.

# %%
longer_x = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    replayed = traced(longer_x, w)
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")
print("traced:  ", replayed.item())
print("original:", recurrence(longer_x, w).item())

# %% [markdown]
# That is the trade-off in a nutshell. Dynamic graphs follow your Python code wherever the data lead it; static
# graphs are fixed in advance, which makes them easy to optimise and deploy, but any data-dependent control flow
# must be expressed inside the graph or it is silently baked in.
#
# ## Summary
#
# * Autograd records a new graph on every forward pass; Python control flow decides its shape.
# * Static graphs (TensorFlow 1, traced programs) are declared once and replayed; they can be optimised ahead of time.
# * Tracing records one run: loops are unrolled and branches are fixed for the example input.
#
# ## Exercises
#
# Solutions: [solutions/11_dynamic_vs_static_solutions.py](solutions/11_dynamic_vs_static_solutions.py).
#
# ### Exercise 1 — differentiate the recurrence
#
# For `recurrence(torch.tensor([1.0, 1.0, 1.0, 1.0, 1.0]), w)` with $w = 0.5$, what is $\partial h / \partial w$?
# Unroll the loop on paper first, then check with `backward()`.

# %%
answer = ...  # a number

from minigrad.exercises import check
check("11.dh_dw", answer)

# %% [markdown]
# ### Exercise 2 — how many doublings?
#
# For `x = torch.tensor([3.0, 4.0], requires_grad=True)`, what is `x.grad` after
# `double_until_large(x).sum().backward()`? Enter a list of two numbers.

# %%
answer = ...  # [a, b]

from minigrad.exercises import check
check("11.loop_gradient", answer)

# %% [markdown]
# ### Exercise 3 — what does the trace return?
#
# This function is traced with a length-3 example input, `traced_b = minigrad.jit.trace(b, (torch.ones(3),
# torch.tensor(2.0)))`. Predict the number that `traced_b(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]),
# torch.tensor(2.0))` returns, then trace it and see.
#
# ```python
# def b(x, w):
#     total = torch.zeros(())
#     for x_t in x:
#         total = total + x_t * w
#     return total
# ```

# %%
answer = ...  # a number

from minigrad.exercises import check
check("11.trace_safe", answer)

# %% [markdown]
# ---
#
# [← 10 Modules, losses and optimizers](10_modules_losses_optimizers.ipynb) · [all lessons](README.md) · [12 The same code on a GPU →](12_gpu_arrays.ipynb)
