# %% [markdown]
# # Lesson 03 — Backward from a scalar
#
# [← 02 The computation graph](02_the_computation_graph.ipynb) · [all lessons](README.md) · [04 Build autograd yourself →](04_build_your_own.ipynb)
#
# Time to compute gradients. This lesson starts from a single number (a *scalar*) at the end of the graph, which
# is the usual situation: a loss is one number. You will compare `backward()` with derivatives worked out by hand,
# see the chain rule at work, and meet the rules that surprise everyone once: gradients **accumulate**, a graph can
# be walked backward **only once** unless you keep it, and **intermediate tensors do not keep their gradients**.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import warnings

import minigrad as torch

# %% [markdown]
# ## $z = w \cdot x + b$ by hand
#
# Take $x = 2$, $w = 3$, $b = 1$, so $z = 3 \cdot 2 + 1 = 7$. The partial derivatives are
#
# $$\frac{\partial z}{\partial w} = x = 2, \qquad \frac{\partial z}{\partial b} = 1, \qquad
# \frac{\partial z}{\partial x} = w = 3.$$
#
# We only ask for the gradients of $w$ and $b$ (the parameters), not of $x$ (the data).
#
# ## ... and with `backward()`
#
# `torch.mul` and `torch.add` are the function forms of `*` and `+`.

# %%
x = torch.tensor([2.0])
w = torch.tensor([3.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)

y = torch.mul(w, x)   # same as w * x
z = torch.add(y, b)   # same as y + b
print(z)

z.backward()
print("w.grad:", w.grad)
print("b.grad:", b.grad)
print("x.grad:", x.grad)

# %% [markdown]
# The gradients match the hand computation. `x.grad` is `None` because `x` never asked for one.
#
# ## The chain rule
#
# Now put a loss after $z$: with a target $t = 10$, let $L = (z - t)^2 = (7 - 10)^2 = 9$. The chain rule says that
# the derivative of $L$ with respect to $w$ is the product of the local derivatives along the path
# $w \to z \to L$:
#
# $$\frac{\partial L}{\partial w} = \frac{\partial L}{\partial z} \cdot \frac{\partial z}{\partial w}
# = 2(z - t) \cdot x = 2 \cdot (-3) \cdot 2 = -12, \qquad
# \frac{\partial L}{\partial b} = 2(z - t) \cdot 1 = -6.$$
#
# This is exactly what the backward pass does: starting from $\partial L / \partial L = 1$, each node multiplies the
# incoming gradient by its own local derivative and passes the result on to its inputs.

# %%
w = torch.tensor([3.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
target = torch.tensor([10.0])

z = w * x + b
loss = (z - target) ** 2
print(loss)

loss.backward()
print("w.grad:", w.grad)
print("b.grad:", b.grad)

# %% [markdown]
# ## Stepping through a backward pass
#
# `minigrad.widgets.BackwardStepper` replays the backward pass of a graph one node at a time. Each click on
# **Step** (or **Play**, or the slider) runs one node, marks it in red, and shows the gradient it received and the
# gradients it sends to its inputs; you can watch $1 \to -6 \to -12$ travel from the loss up to `w`. The arrows
# point the way the forward pass ran, so the backward pass walks them against their direction, from the bottom
# up. (A minigrad teaching aid, not part of PyTorch.)

# %%
w = torch.tensor([3.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
loss = (w * x + b - target) ** 2

# %%
import minigrad.widgets

stepper = minigrad.widgets.BackwardStepper(loss)
stepper

# %% [markdown]
# The same steps in words. Follow the gradient: $1$ at the loss, $2(z - t) = -6$ after `PowBackward0`, unchanged
# through the subtraction and the addition, and $-6 \cdot x = -12$ after `MulBackward0`, which sends it to `w`.
# `AccumulateGrad` is the last stop before a leaf's `.grad`.

# %%
for number, step in enumerate(stepper.state.steps):
    print(number, step.text)

# %% [markdown]
# ## Your turn: predict, then see
#
# A new loss, $L = (3p - 4)^2 + q \cdot q$ at $p = 2$, $q = 1.5$, and this time the stepper asks before it shows.
# At every node it asks which gradient goes out: type your prediction into the box (a number such as `-12`, or
# `2 * 3`) and press **Enter**; it says right or wrong, with the true value and a one-line reason, and keeps your
# score. **Step** moves on once you have answered; **Show me** gives the answer away (and counts as not right).
# Work it out on paper first: the chain rule from the bottom up, and watch what happens to `q`, which is used
# twice.

# %%
p = torch.tensor([2.0], requires_grad=True)
q = torch.tensor([1.5], requires_grad=True)
loss = (p * 3 - 4) ** 2 + q * q

predictor = minigrad.widgets.BackwardStepper(loss, predict=True)
predictor

# %% [markdown]
# (Without a running kernel you see the stepper's first question as a picture. From code, the same works with
# `predictor.predict("1")`, `predictor.step()`, `predictor.reveal()` and `predictor.score`.) The last question, on
# `q`, is the subject of the next section.

# %% [markdown]
# ## Gradients accumulate
#
# `backward()` does not *overwrite* `.grad`; it *adds* to it. To run the same backward pass twice we must also
# ask autograd to keep the graph (`retain_graph=True`, explained below). Watch `w.grad` grow by $x = 2$ with every
# call:

# %%
w = torch.tensor([3.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
z = w * x + b

z.backward(retain_graph=True)
print("after 1 call: ", w.grad, b.grad)
z.backward(retain_graph=True)
print("after 2 calls:", w.grad, b.grad)

# %% [markdown]
# Accumulation is deliberate: when a parameter is used in several places, or when you sum gradients over several
# small batches, the contributions must add up. The price is that in a training loop you have to **reset the
# gradients** before each new backward pass, otherwise every step uses the sum of all previous gradients. Either
# zero them in place or set them to `None`:

# %%
w.grad.zero_()
b.grad = None
print("after zeroing:", w.grad, b.grad)

z.backward()
print("after 1 more: ", w.grad, b.grad)

# %% [markdown]
# (Optimizers do the same with `optimizer.zero_grad()`, lesson 10.)
#
# ## A graph is used once, unless you keep it
#
# To compute $\partial z / \partial w = x$, the multiplication node saved `x` during the forward pass. A backward
# pass frees such saved values as soon as it has used them, so that memory is returned quickly. Calling
# `backward()` a second time on the same graph therefore fails. **This cell is meant to raise an error:**

# %% tags=["raises-exception"]
z = w * x + b
z.backward()
z.backward()

# %% [markdown]
# The message tells you what to do: pass `retain_graph=True` to every backward call except the last one when you
# really need to go through the same graph again. In a training loop you usually do not: every step runs a new
# forward pass, which records a new graph.

# %%
w.grad = None
z = w * x + b
z.backward(retain_graph=True)   # keep the graph ...
z.backward()                    # ... so that this second pass works (and frees it)
print(w.grad)

# %% [markdown]
# ## Intermediate tensors do not keep their gradients
#
# During the backward pass every tensor in the graph receives a gradient, but only leaves store it in `.grad`.
# Gradients of intermediate tensors are thrown away to save memory. Reading `.grad` of a non-leaf gives `None`,
# and autograd warns you, because it is almost always a mistake. We catch the warning here to print it neatly:

# %%
w = torch.tensor([3.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
y = w * x
z = y + b
z.backward()

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("y.grad:", y.grad)
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")

# %% [markdown]
# If you do want the gradient of an intermediate tensor, call `retain_grad()` on it **before** the backward pass
# (lesson 06 shows two more ways). Here $\partial z / \partial y = 1$:

# %%
y = w * x
y.retain_grad()
z = y + b
z.backward()
print("y.grad:", y.grad)

# %% [markdown]
# ## Summary
#
# * `loss.backward()` fills `.grad` of every leaf that requires a gradient, using the chain rule from the output
#   back to the leaves.
# * Gradients accumulate; reset them (`.grad.zero_()` or `.grad = None`) before each new step.
# * A graph can be walked backward once; `retain_graph=True` keeps it for another pass.
# * Only leaves keep `.grad`; use `retain_grad()` for an intermediate tensor.
#
# ## Exercises
#
# Solutions: [solutions/03_scalar_backward_solutions.py](solutions/03_scalar_backward_solutions.py).
#
# ### Exercise 1 — the chain rule by hand
#
# With $x = 2$, $w = 3$, $b = 1$, let $L = (w x + b)^2$. Compute $\partial L / \partial w$ **by hand** (no code)
# and enter it as a number. Then check yourself with `backward()` if you like.

# %%
answer = ...  # a number

from minigrad.exercises import check
check("03.chain_rule", answer)

# %% [markdown]
# ### Exercise 2 — predict the accumulation
#
# ```python
# x = torch.tensor([2.0])
# w = torch.tensor([3.0], requires_grad=True)
# z = w * x + 1
# for _ in range(3):
#     z.backward(retain_graph=True)
# ```
#
# What is `w.grad` after the loop? Enter a number.

# %%
answer = ...  # a number

from minigrad.exercises import check
check("03.accumulate", answer)

# %% [markdown]
# ### Exercise 3 — two gradients at once
#
# For $f(a, c) = a \cdot c + c^2$ at $a = 2$, $c = 3$, use `backward()` to compute both partial derivatives and
# pass them to the checker as a pair `(a.grad, c.grad)`.

# %%
a = torch.tensor(2.0, requires_grad=True)
c = torch.tensor(3.0, requires_grad=True)
# your code here
answer = ...  # (a.grad, c.grad)

from minigrad.exercises import check
check("03.two_gradients", answer)

# %% [markdown]
# ---
#
# [← 02 The computation graph](02_the_computation_graph.ipynb) · [all lessons](README.md) · [04 Build autograd yourself →](04_build_your_own.ipynb)
