"""Linear regression y = 2x + 3 + noise on one batch of 32 points, manual SGD.

The tensors are 32x1 and 1x1, so arithmetic is free and the time per step
is almost pure framework overhead: graph construction, the backward walk,
gradient bookkeeping.
"""

import _harness as harness  # first: it pins thread pools before NumPy loads

import numpy as np

BATCH = 32
LR = 0.005


def make_data(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 1), dtype=np.float32)
    noise = 0.1 * rng.standard_normal((BATCH, 1), dtype=np.float32)
    return {"x": x, "y": 2 * x + 3 + noise,
            "w": rng.standard_normal((1, 1), dtype=np.float32),
            "b": rng.standard_normal((1, 1), dtype=np.float32)}


def _torch_like(lib, data):
    """PyTorch code, run unchanged against ``torch`` and ``minigrad``."""
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])
    w = lib.tensor(data["w"], requires_grad=True)
    b = lib.tensor(data["b"], requires_grad=True)
    last = {}

    def step():
        y_pred = x.mm(w) + b.expand_as(y)
        loss = (0.5 * (y_pred - y) ** 2).sum()
        loss.backward()
        with lib.no_grad():
            for p in (w, b):
                p -= LR * p.grad
                p.grad.zero_()
        last["loss"] = loss

    return step, lambda: last["loss"].item()


def minigrad_impl(data):
    return _torch_like(harness.load("minigrad"), data)


def torch_impl(data):
    return _torch_like(harness.load("torch"), data)


def mygrad_impl(data):
    mg = harness.load("mygrad")
    x, y = data["x"], data["y"]
    w, b = mg.tensor(data["w"]), mg.tensor(data["b"])
    half = np.float32(0.5)  # MyGrad turns a Python float into float64
    last = {}

    def step():
        y_pred = mg.matmul(x, w) + mg.broadcast_to(b, y.shape)
        loss = (half * (y_pred - y) ** 2).sum()
        loss.backward()
        for p in (w, b):
            p.data -= LR * p.grad
        last["loss"] = loss

    return step, lambda: last["loss"].item()


def autograd_impl(data):
    anp = harness.load("autograd.numpy")
    value_and_grad = harness.load("autograd").value_and_grad
    x, y = data["x"], data["y"]
    params = [data["w"], data["b"]]

    def loss_fn(params):
        w, b = params
        y_pred = anp.dot(x, w) + anp.broadcast_to(b, y.shape)
        return anp.sum(0.5 * (y_pred - y) ** 2)

    loss_and_grads = value_and_grad(loss_fn)
    last = {}

    def step():
        loss, grads = loss_and_grads(params)
        for p, g in zip(params, grads):
            p -= LR * g
        last["loss"] = loss

    return step, lambda: last["loss"]


def numpy_impl(data):
    """The floor: forward and backward written out by hand."""
    x, y, w, b = data["x"], data["y"], data["w"], data["b"]
    last = {}

    def step():
        residual = x @ w + b - y
        last["loss"] = 0.5 * np.square(residual).sum()
        grad_w = x.T @ residual
        grad_b = residual.sum(keepdims=True)  # (1, 1), like b
        for p, g in ((w, grad_w), (b, grad_b)):
            p -= LR * g

    return step, lambda: last["loss"]


BUILDERS = {"minigrad": minigrad_impl, "torch": torch_impl, "mygrad": mygrad_impl,
            "autograd": autograd_impl, "numpy": numpy_impl}


def run(options):
    return [harness.benchmark(
        "linear_regression", options,
        steps_per_batch=200, rounds=20, quick_steps_per_batch=20, quick_rounds=3)]


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
