"""Per-example gradients of a small MLP (16-32-4, tanh, squared error) for 64 examples.

Three ways to get the 64 gradients of every weight:

* ``vmap(grad(loss))`` over the examples, weights shared (``in_dims=(None, 0, 0)``): one batched forward and
  backward pass (minigrad's ``minigrad.func``, PyTorch's ``torch.func``);
* a Python loop of ``grad(loss)`` per example (the first table's second block, minigrad and PyTorch);
* NumPy by hand (the floor): the per-example gradients written out with ``einsum``.

The value compared across libraries is the sum of squares of all per-example gradients.

    python benchmarks/vmap_per_example.py [--quick] [--libs minigrad,torch,numpy]
"""

import _harness as harness  # first: it pins thread pools before NumPy loads

import numpy as np

EXAMPLES, SIZES = 64, (16, 32, 4)


def make_data(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((EXAMPLES, SIZES[0]), dtype=np.float32),
            "y": rng.standard_normal((EXAMPLES, SIZES[2]), dtype=np.float32),
            "w1": rng.standard_normal((SIZES[1], SIZES[0]), dtype=np.float32) * np.float32(0.25),
            "b1": np.zeros(SIZES[1], dtype=np.float32),
            "w2": rng.standard_normal((SIZES[2], SIZES[1]), dtype=np.float32) * np.float32(0.2),
            "b2": np.zeros(SIZES[2], dtype=np.float32)}


def _torch_like(lib, data, batched: bool):
    """PyTorch code, run unchanged against ``torch`` and ``minigrad``."""
    func = lib.func
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])
    params = {name: lib.from_numpy(data[name]) for name in ("w1", "b1", "w2", "b2")}

    def loss(params, x, y):
        hidden = (x @ params["w1"].t() + params["b1"]).tanh()
        return ((hidden @ params["w2"].t() + params["b2"] - y) ** 2).sum()

    per_example = func.vmap(func.grad(loss), in_dims=(None, 0, 0))
    single = func.grad(loss)
    last = {}

    def step():
        if batched:
            grads = per_example(params, x, y)
        else:
            rows = [single(params, x[i], y[i]) for i in range(EXAMPLES)]
            grads = {name: lib.stack([row[name] for row in rows]) for name in params}
        last["grads"] = grads

    return step, lambda: float(sum((g ** 2).sum().item() for g in last["grads"].values()))


def numpy_impl(data):
    """The floor: each example's gradient by hand, all examples at once."""
    x, y, w1, b1, w2, b2 = (data[k] for k in ("x", "y", "w1", "b1", "w2", "b2"))
    last = {}

    def step():
        hidden = np.tanh(x @ w1.T + b1)
        grad_out = 2 * (hidden @ w2.T + b2 - y)                 # (examples, 4)
        grad_hidden = (grad_out @ w2) * (1 - hidden ** 2)       # (examples, 32)
        last["grads"] = [np.einsum("ni,nj->nij", grad_out, hidden), grad_out,
                         np.einsum("ni,nj->nij", grad_hidden, x), grad_hidden]

    return step, lambda: float(sum((g.astype(np.float64) ** 2).sum() for g in last["grads"]))


BUILDERS = {"minigrad": lambda data: _torch_like(harness.load("minigrad"), data, batched=True),
            "torch": lambda data: _torch_like(harness.load("torch"), data, batched=True),
            "numpy": numpy_impl}
LOOP_BUILDERS = {"minigrad": lambda data: _torch_like(harness.load("minigrad"), data, batched=False),
                 "torch": lambda data: _torch_like(harness.load("torch"), data, batched=False),
                 "numpy": numpy_impl}


def run(options):
    return [harness.benchmark("vmap_per_example", options, steps_per_batch=10, rounds=15,
                              title="vmap_per_example: vmap(grad) over 64 examples"),
            harness.benchmark("vmap_per_example", options, steps_per_batch=2, rounds=10, quick_steps_per_batch=1,
                              builders="LOOP_BUILDERS", title="vmap_per_example: a Python loop of grad, 64 calls")]


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
