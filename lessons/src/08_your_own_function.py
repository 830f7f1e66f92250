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
import minigrad as torch
import matplotlib.pyplot as plt

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
# ## Training a two-layer network with it
#
# The network maps 1000 input features to 100 hidden units, applies our ReLU, and maps those to 10 outputs:
# $\hat y = \mathrm{relu}(x W_1) W_2$. The data are random, so the network simply learns to reproduce 64 random
# targets, which is enough to see the loss fall. `n, d_in, h, d_out` are the batch size and the three layer widths.
#
# The `device` line is the standard PyTorch idiom for "use a GPU if there is one"; lesson 12 says more about it.

# %%
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

n, d_in, h, d_out = 64, 1000, 100, 10

torch.manual_seed(0)
x = torch.randn(n, d_in, device=device)
y = torch.randn(n, d_out, device=device)
w1 = torch.randn(d_in, h, device=device, requires_grad=True)
w2 = torch.randn(h, d_out, device=device, requires_grad=True)

learning_rate = 1e-6
losses = []
for step in range(500):
    y_pred = MyReLU.apply(x.mm(w1)).mm(w2)     # forward pass with our function
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())

    loss.backward()                            # calls MyReLU.backward along the way

    with torch.no_grad():                      # the update is not part of the graph
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()

for step in (0, 100, 200, 300, 400, 499):   # orders of magnitude: float32 sums come out in another order,
    print(f"step {step:3d}   loss {losses[step]:.0e}")   # and so differ in later digits, with another NumPy or BLAS

# %% [markdown]
# The loss starts huge (the weights are far too large) and drops by many orders of magnitude; a logarithmic axis
# shows the whole journey:

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
# input's array (`x._array`) and computes with the array library, and its `backward` uses `namespace_for(...)`
# for `sign`, so that one rule runs on plain arrays during an ordinary backward pass and on tensors under
# `create_graph=True` (which is how second derivatives come out of it).

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
# ---
#
# [← 07 Switching autograd off](07_switching_autograd_off.ipynb) · [all lessons](README.md) · [09 Linear regression, three ways →](09_linear_regression.ipynb)
