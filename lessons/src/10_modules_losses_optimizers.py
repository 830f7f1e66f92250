# %% [markdown]
# # Lesson 10 — Modules, losses and optimizers
#
# [← 09 Linear regression, three ways](09_linear_regression.ipynb) · [all lessons](README.md) · [11 Dynamic graphs and static graphs →](11_dynamic_vs_static.ipynb)
#
# In lesson 09 you kept `w` and `b` in loose variables and updated them by hand. Real models have many layers and
# millions of parameters, so PyTorch organises them:
#
# * `nn.Parameter` marks a tensor as a learnable parameter;
# * `nn.Module` is a layer or a whole model: it owns parameters and sub-modules and defines `forward`;
# * loss functions come as modules (`nn.CrossEntropyLoss()`) or functions (`F.cross_entropy`);
# * optimizers in `optim` apply an update rule to a list of parameters.

# %%
import minigrad.widgets
minigrad.widgets.short_tracebacks()  # an error shows your line and its message, not minigrad's insides

import matplotlib.pyplot as plt

import minigrad as torch
import minigrad.nn.functional as F
from minigrad import nn, optim

# %% [markdown]
# ## `nn.Parameter`
#
# A parameter is a tensor that requires a gradient by default and that a module registers automatically when you
# assign it as an attribute. It prints with a small header:

# %%
nn.Parameter(torch.zeros(2))

# %% [markdown]
# ## A hand-written `Linear` module
#
# A module subclasses `nn.Module`, calls `super().__init__()` first, creates its parameters in `__init__` and
# describes the computation in `forward`. You call the module itself, `layer(x)`, not `layer.forward(x)`: the
# call runs hooks (lesson 06) around `forward`.
#
# This layer computes $x W + b$. `self.b.expand_as(out)` repeats the bias for every row of the batch (plain
# broadcasting, `out + self.b`, would do the same).

# %%
class Linear(nn.Module):
    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.w = nn.Parameter(torch.randn(in_dim, out_dim))
        self.b = nn.Parameter(torch.randn(out_dim))

    def forward(self, x):
        out = x.matmul(self.w)
        return out + self.b.expand_as(out)

# %% [markdown]
# ## Modules inside modules: a small perceptron
#
# Assigning a module as an attribute registers it as a **sub-module**, and its parameters become part of the
# parent's. This network has two of our `Linear` layers with a sigmoid in between and a softmax at the end, which
# turns the three outputs of each row into probabilities (`dim=1`: across the columns of each row).

# %%
class Perception(nn.Module):
    def __init__(self, in_dim, hid_dim, out_dim):
        super().__init__()
        self.layer1 = Linear(in_dim, hid_dim)
        self.layer2 = Linear(hid_dim, out_dim)

    def forward(self, x):
        x = self.layer1(x)
        x = torch.sigmoid(x)
        x = self.layer2(x)
        return torch.softmax(x, dim=1)

torch.manual_seed(0)
pcp = Perception(3, 4, 3)
print(pcp)

# %% [markdown]
# The printed form (the module's *repr*) lists the sub-modules. Our `Linear` prints as `Linear()` because it does
# not describe its sizes; the built-in `nn.Linear` does, as you will see below.
#
# `named_parameters()` walks the whole tree and yields a dotted name and the parameter. (We print shapes rather
# than the random values.)

# %%
for name, parameter in pcp.named_parameters():
    print(f"{name:10} shape={tuple(parameter.shape)}  requires_grad={parameter.requires_grad}")

# %% [markdown]
# Four inputs of three features each give four rows of three probabilities, and each row sums to one:

# %%
torch.manual_seed(1)
data = torch.randn(4, 3)
output = pcp(data)
print(tuple(output.shape))
print(output.sum(dim=1))

# %% [markdown]
# ## `nn.Sequential`
#
# When each layer simply feeds the next, `nn.Sequential` saves you from writing `forward` at all. Here is a bigger
# perceptron built from the library's `nn.Linear` and `nn.Sigmoid` modules:

# %%
class SequentialPerception(nn.Module):
    def __init__(self, in_dim, hid_dim, out_dim):
        super().__init__()
        self.layer = nn.Sequential(
            nn.Linear(in_dim, hid_dim),
            nn.Sigmoid(),
            nn.Linear(hid_dim, out_dim),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.layer(x)

torch.manual_seed(0)
big = SequentialPerception(100, 1000, 10)
print(big)
print("number of parameters:", sum(p.numel() for p in big.parameters()))

# %% [markdown]
# $100 \cdot 1000 + 1000$ for the first layer (weights and biases) plus $1000 \cdot 10 + 10$ for the second:
# 111010 numbers to learn.
#
# ## Loss functions: module or function
#
# Losses have no parameters, so the module form and the functional form are interchangeable:
# `nn.CrossEntropyLoss()(output, target)` and `F.cross_entropy(output, target)` compute the same value. The
# targets of a classification are class indices stored as integers (`.long()`).
#
# Cross-entropy expects **raw scores** (logits), not probabilities: it applies a softmax itself. For logits
# $(2, 0, 0)$ and the correct class 0, the loss is $-\log \frac{e^2}{e^2 + 1 + 1} = \log(1 + 2e^{-2}) \approx 0.2395$:

# %%
logits = torch.tensor([[2.0, 0.0, 0.0]])
target = torch.tensor([0])

criterion = nn.CrossEntropyLoss()
print(f"{criterion(logits, target).item():.4f}")
print(f"{F.cross_entropy(logits, target).item():.4f}")

# %% [markdown]
# Now the classic mistake: feeding the cross-entropy the *output of a softmax*, as our `Perception` produces. Even a
# perfect, certain prediction (probability 1 for the correct class) then gets a loss of
# $\log(1 + 2e^{-1}) \approx 0.5514$ instead of 0, because the loss applies a second softmax on top. The model can
# never reach a small loss and trains poorly.

# %%
perfect_probabilities = torch.tensor([[1.0, 0.0, 0.0]])
print(f"{F.cross_entropy(perfect_probabilities, target).item():.4f}")

# %% [markdown]
# So for training with `nn.CrossEntropyLoss`, let the last layer output logits and apply `softmax` only when you
# want probabilities to look at. For the record, module and function agree on the perceptron's outputs too:

# %%
labels = torch.Tensor([0, 1, 2, 0]).long()
loss_module = criterion(output, labels)
loss_function = F.cross_entropy(output, labels)
print("nn.CrossEntropyLoss:", loss_module.item())
print("F.cross_entropy:   ", loss_function.item())

# %% [markdown]
# ## Which loss for which task
#
# The loss follows from what the target is. In every row the model's last layer outputs raw scores (logits, or
# plain numbers for regression); the loss applies the sigmoid or softmax itself, which is more accurate than
# applying it in the model.
#
# | task | example | target | model outputs | loss |
# |---|---|---|---|---|
# | regression | a price | real numbers, shape `(N, k)` | `k` numbers | `nn.MSELoss` (or `nn.L1Loss`, `nn.HuberLoss`) |
# | binary classification | spam or not | 0 or 1 (float), shape `(N, 1)` | one logit | `nn.BCEWithLogitsLoss` |
# | multi-class classification | which digit, exactly one of `K` | a class index (`long`), shape `(N,)` | `K` logits | `nn.CrossEntropyLoss` |
# | multi-label classification | which animals are in a photo, any subset of `K` | `K` zeros and ones (float), shape `(N, K)` | `K` logits | `nn.BCEWithLogitsLoss` |
#
# (Binary classification can also be written as two classes, with two logits and `nn.CrossEntropyLoss`.) **A
# correction**: the table in the seed material of this project (seed 003) gives `CrossEntropyLoss` for
# multi-label classification. That is wrong. The softmax inside `CrossEntropyLoss` makes the `K` classes compete
# for a total probability of 1, so two labels that are both present can get at most one half each. Multi-label is
# `K` separate yes/no questions: `BCEWithLogitsLoss`, a sigmoid per label. In numbers, a photo with labels 0 and 1
# present and 2 absent, and a model that is right about all three (logits $2, 2, -2$):

# %%
logits = torch.tensor([[2.0, 2.0, -2.0]])
present = torch.tensor([[1.0, 1.0, 0.0]])

print(f"BCEWithLogitsLoss, logits 2, 2, -2: {nn.BCEWithLogitsLoss()(logits, present).item():.4f}")
print(f"CrossEntropyLoss,  logits 2, 2, -2: {nn.CrossEntropyLoss()(logits, present / 2).item():.4f}")
very_sure = torch.tensor([[9.0, 9.0, -9.0]])
print(f"CrossEntropyLoss,  logits 9, 9, -9: {nn.CrossEntropyLoss()(very_sure, present / 2).item():.4f}")

# %% [markdown]
# With `BCEWithLogitsLoss` each label costs $-\log \sigma(2) = \log(1 + e^{-2}) \approx 0.1269$, and the loss goes
# to 0 as the model grows surer. `CrossEntropyLoss` (here with the target spread as probabilities $\tfrac12,
# \tfrac12, 0$) can never go below $\log 2 \approx 0.6931$, however sure the model is.

# %% [markdown]
# ## Optimizers
#
# An optimizer receives the parameters to update (`model.parameters()`) and hyper-parameters such as the learning
# rate. Every training step is then the same three lines:
#
# ```python
# optimizer.zero_grad()   # reset .grad of all parameters
# loss.backward()         # compute new gradients
# optimizer.step()        # update the parameters under no_grad
# ```
#
# We compare three popular optimizers on one small problem: three clouds of 2-D points, one per class, and a
# network with one hidden layer that outputs logits.

# %%
torch.manual_seed(0)
centers = torch.tensor([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
points = torch.cat([centers[k] + 0.8 * torch.randn(50, 2) for k in range(3)])
classes = torch.tensor([0] * 50 + [1] * 50 + [2] * 50)

plt.figure(figsize=(4, 4))
plt.scatter(points[:, 0].numpy(), points[:, 1].numpy(), c=classes.numpy(), s=10)
plt.xlabel("feature 1")
plt.ylabel("feature 2")
plt.title("three classes, 50 points each")
plt.show()

# %% [markdown]
# * **SGD** steps against the gradient; `momentum` keeps a running direction that smooths the steps, and
#   `weight_decay` gently pulls the weights towards zero.
# * **Adam** keeps running averages of the gradients and of their squares, and scales each parameter's step
#   individually.
# * **RMSprop** scales each step by a running average of squared gradients (`alpha` sets how long that average
#   remembers).
#
# Each run starts from the same initial weights (same seed) and takes 100 full-batch steps.

# %%
def make_model():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))

optimizers = {
    "SGD": lambda params: optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-5),
    "Adam": lambda params: optim.Adam(params, lr=0.01, weight_decay=1e-4),
    "RMSprop": lambda params: optim.RMSprop(params, lr=0.01, alpha=0.9),
}

criterion = nn.CrossEntropyLoss()
history = {}
for name, make_optimizer in optimizers.items():
    model = make_model()
    optimizer = make_optimizer(model.parameters())
    history[name] = []
    for step in range(100):
        loss = criterion(model(points), classes)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history[name].append(loss.item())

for name, losses in history.items():
    print(f"{name:8} first loss {losses[0]:.3f}  last loss {losses[-1]:.4f}")

# %%
plt.figure(figsize=(6, 3.5))
for name, losses in history.items():
    plt.plot(losses, label=name)
plt.xlabel("step")
plt.ylabel("cross-entropy")
plt.title("same model, same start, three optimizers")
plt.legend()
plt.show()

# %% [markdown]
# All three start from the same loss. On this problem the adaptive methods (Adam, RMSprop) usually get going faster
# than SGD with the same learning rate; on other problems the ranking can change, and tuning the learning rate matters
# more than the choice of optimizer. Try other learning rates in the cell above.

# %% [markdown]
# ## The running problem, levels 4 and 5
#
# Lesson 08 trained the two-layer network three times, by hand in NumPy, with autograd and with `MyReLU`, from the
# same NumPy numbers, and printed the same losses each time. Here are the last two levels. The data and the
# starting weights are drawn exactly as there:

# %%
import numpy as np

n, d_in, h, d_out = 64, 1000, 100, 10

rng = np.random.default_rng(0)
x_np = rng.standard_normal((n, d_in))
y_np = rng.standard_normal((n, d_out))
w1_start = rng.standard_normal((d_in, h))
w2_start = rng.standard_normal((h, d_out))

learning_rate = 1e-6
report = (0, 100, 200, 300, 400, 499)
x, y = torch.tensor(x_np), torch.tensor(y_np)

# %% [markdown]
# **Level 4: `nn`.** The network is an `nn.Sequential` of two `nn.Linear` layers without bias and an `nn.ReLU`;
# `.double()` makes its parameters `float64`. `nn.Linear` stores its weight as `(out_features, in_features)` and
# computes $x W^T$, so the starting weights go in transposed. The loss is `nn.MSELoss(reduction="sum")`, the sum of
# squared errors; the update is still written by hand, over `model.parameters()`.

# %%
def two_layer_net():
    model = nn.Sequential(nn.Linear(d_in, h, bias=False), nn.ReLU(), nn.Linear(h, d_out, bias=False)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(w1_start.T))
        model[2].weight.copy_(torch.tensor(w2_start.T))
    return model

model = two_layer_net()
loss_fn = nn.MSELoss(reduction="sum")
for step in range(500):
    loss = loss_fn(model(x), y)                # forward
    if step in report:
        print(f"step {step:3d}   loss {loss.item():.6e}")

    model.zero_grad()
    loss.backward()                            # backward

    with torch.no_grad():                      # update, by hand
        for parameter in model.parameters():
            parameter -= learning_rate * parameter.grad

# %% [markdown]
# **Level 5: `optim`.** The hand-written update becomes `optimizer.step()`:

# %%
model = two_layer_net()
optimizer = optim.SGD(model.parameters(), lr=learning_rate)
for step in range(500):
    loss = loss_fn(model(x), y)                # forward
    if step in report:
        print(f"step {step:3d}   loss {loss.item():.6e}")

    optimizer.zero_grad()
    loss.backward()                            # backward
    optimizer.step()                           # update

# %% [markdown]
# Five levels, one set of numbers: what `nn` and `optim` add is organisation, not different mathematics. From here
# on you would swap `optim.SGD` for `optim.Adam`, add biases, or change the loss, one line each.
#
# ## Summary
#
# * `nn.Parameter` + `nn.Module`: parameters and sub-modules assigned as attributes are registered automatically;
#   `named_parameters()` and `parameters()` find them all.
# * `nn.Sequential` chains modules without a hand-written `forward`.
# * `nn.CrossEntropyLoss()` and `F.cross_entropy` are the same loss; both expect logits.
# * Regression: `MSELoss`; binary and multi-label: `BCEWithLogitsLoss`; multi-class: `CrossEntropyLoss`.
# * `optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()`.
#
# ## Exercises
#
# Solutions: [solutions/10_modules_losses_optimizers_solutions.py](solutions/10_modules_losses_optimizers_solutions.py).
#
# ### Exercise 1 — count the parameters
#
# How many numbers does `nn.Sequential(nn.Linear(10, 5), nn.ReLU(), nn.Linear(5, 1))` learn? Work it out, then
# verify with `sum(p.numel() for p in model.parameters())`.

# %%
answer = ...  # an integer

from minigrad.exercises import check
check("10.count_parameters", answer)

# %% [markdown]
# ### Exercise 2 — cross-entropy by hand
#
# Compute `F.cross_entropy(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([2]))` with pen and paper (or `math`),
# then enter the value.

# %%
answer = ...  # a number

from minigrad.exercises import check
check("10.cross_entropy_by_hand", answer)

# %% [markdown]
# ### Exercise 3 — your own `nn.Linear`
#
# Write `MyLinear(in_features, out_features)` that behaves like `nn.Linear`: a parameter `weight` of shape
# `(out_features, in_features)`, a parameter `bias` of shape `(out_features,)`, and `forward(x)` returning
# `x @ weight.T + bias`. Initialise them however you like (for example with `torch.randn`); the checker only looks
# at the parameter names and shapes and at what `forward` computes with them.

# %%
class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        raise NotImplementedError("your code here")

    def forward(self, x):
        raise NotImplementedError("your code here")

from minigrad.exercises import check_function
check_function("10.my_linear", MyLinear)

# %% [markdown]
# ### Exercise 4 — choose the loss
#
# Each model below outputs raw scores. Fill in the loss class for each (for example `nn.L1Loss`):
#
# * `house_price`: the model outputs one number per house, the price in thousands;
# * `spam`: one output per e-mail, the target is 1 for spam and 0 otherwise;
# * `digit`: ten outputs per image of a handwritten digit, the target is the digit;
# * `animals_in_photo`: twenty outputs per photo, one per kind of animal; a photo may show a dog **and** a cat.

# %%
answer = {"house_price": ..., "spam": ..., "digit": ..., "animals_in_photo": ...}

from minigrad.exercises import check
check("10.loss_choice", answer)

# %% [markdown]
# ---
#
# [← 09 Linear regression, three ways](09_linear_regression.ipynb) · [all lessons](README.md) · [11 Dynamic graphs and static graphs →](11_dynamic_vs_static.ipynb)
