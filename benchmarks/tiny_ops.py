"""A chain of 1000 tiny elementwise ops on shape-(4,) tensors, then sum().backward().

The chain repeats h = exp(sin(h * c + x)): mul, add, sin, exp, 250 times.
With four numbers per tensor the arithmetic is nothing; what is measured is
the per-op cost of dispatch, graph recording and the backward walk, reported
in microseconds per op (forward + backward together).

The constants keep values and gradients bounded: |d h_next / d h| =
|c * cos(u) * exp(sin u)| <= 0.5 * 1.46 < 1 for c <= 0.5.
"""

import _harness as harness  # first: it pins thread pools before NumPy loads

import numpy as np

SIZE = 4
CYCLES = 250
OPS = 4 * CYCLES  # mul, add, sin, exp per cycle


def make_data(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal(SIZE, dtype=np.float32),
            "c": rng.uniform(0.3, 0.5, SIZE).astype(np.float32)}


def _torch_like(lib, data):
    """PyTorch code, run unchanged against ``torch`` and ``minigrad``."""
    x = lib.tensor(data["x"], requires_grad=True)
    c = lib.from_numpy(data["c"])
    last = {}

    def step():
        x.grad = None  # the other way to reset a gradient, besides zero_()
        h = x
        for _ in range(CYCLES):
            h = lib.exp(lib.sin(h * c + x))
        out = h.sum()
        out.backward()
        last["out"] = out

    return step, lambda: last["out"].item()


def minigrad_impl(data):
    return _torch_like(harness.load("minigrad"), data)


def torch_impl(data):
    return _torch_like(harness.load("torch"), data)


def mygrad_impl(data):
    mg = harness.load("mygrad")
    x = mg.tensor(data["x"])
    c = data["c"]
    last = {}

    def step():
        h = x
        for _ in range(CYCLES):
            h = mg.exp(mg.sin(h * c + x))
        out = h.sum()
        out.backward()  # MyGrad resets x.grad by itself on the next forward
        last["out"] = out

    return step, lambda: last["out"].item()


def autograd_impl(data):
    anp = harness.load("autograd.numpy")
    value_and_grad = harness.load("autograd").value_and_grad
    x, c = data["x"], data["c"]

    def chain(x):
        h = x
        for _ in range(CYCLES):
            h = anp.exp(anp.sin(h * c + x))
        return anp.sum(h)

    out_and_grad = value_and_grad(chain)
    last = {}

    def step():
        last["out"], _ = out_and_grad(x)

    return step, lambda: last["out"]


def numpy_impl(data):
    """The floor: the chain unrolled by hand, saving what backward needs."""
    x, c = data["x"], data["c"]
    last = {}

    def step():
        h, saved = x, []
        for _ in range(CYCLES):
            u = h * c + x
            h = np.exp(np.sin(u))
            saved.append((u, h))
        last["out"] = h.sum()
        grad_h, grad_x = np.ones_like(x), np.zeros_like(x)
        for u, e in reversed(saved):
            grad_u = grad_h * e * np.cos(u)  # through exp, then sin
            grad_x += grad_u                 # the "+ x" branch
            grad_h = grad_u * c              # the "h * c" branch
        grad_x += grad_h                     # h started as x itself
        last["grad"] = grad_x

    return step, lambda: last["out"]


BUILDERS = {"minigrad": minigrad_impl, "torch": torch_impl, "mygrad": mygrad_impl,
            "autograd": autograd_impl, "numpy": numpy_impl}


def run(options):
    return [harness.benchmark(
        "tiny_ops", options, unit="µs/op", ops_per_step=OPS,
        steps_per_batch=5, rounds=20, quick_steps_per_batch=1, quick_rounds=3,
        notes=[f"one step = {OPS} ops forward, then sum().backward()"])]


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
