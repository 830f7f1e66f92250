# %% [markdown]
# # Lesson 12 — The same code on a GPU
#
# [← 11 Dynamic graphs and static graphs](11_dynamic_vs_static.ipynb) · [all lessons](README.md) · [13 Jacobians at scale →](13_jacobians_at_scale.ipynb)
#
# Deep learning runs on GPUs because the work is mostly big matrix products, which a GPU computes in parallel.
# PyTorch makes the move almost invisible: tensors live on a **device**, and operations run where their inputs
# live. minigrad follows the same rules. On the CPU it stores its arrays in **NumPy**; when the **CuPy** library
# and an NVIDIA GPU are present, tensors on the `cuda` device are stored in CuPy arrays, which have the same
# interface as NumPy but live in GPU memory.
#
# This notebook runs everywhere: without a GPU everything simply stays on the CPU. For that reason it prints only
# things that do not depend on where it ran.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import matplotlib.pyplot as plt

import minigrad as torch

# %% [markdown]
# ## Choosing a device
#
# The standard idiom picks the GPU when one is available and the CPU otherwise:

# %%
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
print("device:", device.type)

# %% [markdown]
# `torch.cuda.is_available()` is `True` only when a GPU can actually be used. Print `device` yourself to see which
# one you got (we do not print it here, so that the notebook's stored output is the same on every machine).
#
# ## Creating tensors on a device
#
# Factory functions take a `device=` argument, and `.to(device)` moves an existing tensor (returning a copy on the
# other device, or the same tensor if it is already there). Every tensor knows where it lives:

# %%
torch.manual_seed(0)
a = torch.randn(3, 4, device=device)
b = torch.ones(4, 2).to(device)
c = a.mm(b)
print(tuple(c.shape))
print("a is on device:", a.device.type)
print("c is on device:", c.device.type)

# %% [markdown]
# Operations need their inputs on the **same** device; mixing a CPU tensor with a GPU tensor is an error, so move
# data to the model's device before using it.
#
# To leave the device, `.cpu()` brings a tensor back to main memory, and `.numpy()` then gives a NumPy array. A
# tensor that requires a gradient must be detached first (lesson 07), so the full, always-safe spelling is
# `tensor.detach().cpu().numpy()`:

# %%
w = torch.randn(4, 2, device=device, requires_grad=True)
array = w.detach().cpu().numpy()
print(type(array).__name__, array.shape, array.dtype)

# %% [markdown]
# ## The two-layer network again
#
# This is the network of lesson 08 (with the built-in `clamp` as the ReLU). The only device-specific part is
# `device=device` where the tensors are created: every operation after that runs on the device of its inputs, and
# so do the backward pass and the gradients.

# %%
n, d_in, h, d_out = 64, 1000, 100, 10

torch.manual_seed(0)
x = torch.randn(n, d_in, device=device)
y = torch.randn(n, d_out, device=device)
w1 = torch.randn(d_in, h, device=device, requires_grad=True)
w2 = torch.randn(h, d_out, device=device, requires_grad=True)

learning_rate = 1e-6
losses = []
for step in range(500):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())          # .item() copies one number back to the CPU

    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()

print("w1.grad is on device:", w1.grad.device.type)
for step in (0, 100, 200, 300, 400, 499):
    # orders of magnitude: a GPU, another BLAS or another NumPy adds float32 numbers in another order, and the
    # later digits of a loss after hundreds of steps differ with it
    print(f"step {step:3d}   loss {losses[step]:.0e}")

# %%
plt.figure(figsize=(6, 3.5))
plt.semilogy(losses)
plt.xlabel("step")
plt.ylabel("loss (log scale)")
plt.show()

# %% [markdown]
# The loss values are very close on CPU and GPU but not bit-for-bit identical: the two compute sums in different
# orders, and floating-point addition is not exactly associative. Compare results with a tolerance, never with `==`.
#
# A few habits that make GPU code fast:
#
# * Create data on the device, or move it there once, rather than inside the loop.
# * `.item()`, `.cpu()` and printing force the CPU to wait for the GPU; call them only when you need the number
#   (here `.item()` runs every step for the plot, which is fine at this size).
# * Small tensors are faster on the CPU: launching GPU work has a fixed cost that only pays off for large arrays.
#
# ## Summary
#
# * `device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')` and `device=device` / `.to(device)` are
#   all it takes to move a computation.
# * All inputs of an operation must be on the same device; results, the graph and the gradients stay there.
# * `tensor.detach().cpu().numpy()` gets the values out from anywhere.
#
# ## Exercises
#
# Solutions: [solutions/12_gpu_arrays_solutions.py](solutions/12_gpu_arrays_solutions.py).
#
# ### Exercise 1 — values out, from anywhere
#
# Write `to_numpy(tensor)` that returns the values of any tensor as a NumPy array, whether it is on the CPU or a
# GPU and whether or not it requires a gradient.

# %%
def to_numpy(tensor):
    raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("12.to_numpy", to_numpy)

# %% [markdown]
# ### Exercise 2 — the gradient comes home
#
# `x` is a CPU leaf; the computation runs on `device` (the GPU where there is one). `.to(device)` is recorded like
# any other operation, so its backward brings the gradient back to where `x` lives. Predict `x.grad`:
#
# ```python
# x = torch.tensor([1.0, 2.0], requires_grad=True)
# w = torch.tensor([3.0, 4.0], device=device)
# ((x.to(device) * w) ** 2).sum().backward()
# ```

# %%
answer = ...  # x.grad, as a list or a tensor

from minigrad.exercises import check
check("12.gradient_home", answer)

# %% [markdown]
# ---
#
# [← 11 Dynamic graphs and static graphs](11_dynamic_vs_static.ipynb) · [all lessons](README.md) · [13 Jacobians at scale →](13_jacobians_at_scale.ipynb)
