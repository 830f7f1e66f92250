"""Two-layer ReLU network fitted to random data: the classic PyTorch tutorial net.

x (64x1000) -> mm w1 (1000x100) -> relu -> mm w2 (100x10), loss = sum of
squared errors, plain SGD with lr 1e-6.  Dominated by three small matmuls
per pass, so it measures how much each library adds on top of BLAS.
"""

import _harness as harness  # first: it pins thread pools before NumPy loads

import numpy as np

N, D_IN, H, D_OUT = 64, 1000, 100, 10
LR = 1e-6


def make_data(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape, dtype=np.float32)
            for name, shape in [("x", (N, D_IN)), ("y", (N, D_OUT)),
                                ("w1", (D_IN, H)), ("w2", (H, D_OUT))]}


def _torch_like(lib, data):
    """PyTorch code, run unchanged against ``torch`` and ``minigrad``."""
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])
    w1 = lib.tensor(data["w1"], requires_grad=True)
    w2 = lib.tensor(data["w2"], requires_grad=True)
    last = {}

    def step():
        h_relu = x.mm(w1).clamp(min=0)
        y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with lib.no_grad():
            for w in (w1, w2):
                w -= LR * w.grad
                w.grad.zero_()
        last["loss"] = loss

    return step, lambda: last["loss"].item()


def minigrad_impl(data):
    return _torch_like(harness.load("minigrad"), data)


def torch_impl(data):
    return _torch_like(harness.load("torch"), data)


def mygrad_impl(data):
    mg = harness.load("mygrad")
    relu = harness.load("mygrad.nnet.activations").relu
    x, y = data["x"], data["y"]  # plain arrays are constants to MyGrad
    w1, w2 = mg.tensor(data["w1"]), mg.tensor(data["w2"])
    last = {}

    def step():
        h_relu = relu(mg.matmul(x, w1))
        y_pred = mg.matmul(h_relu, w2)
        loss = ((y_pred - y) ** 2).sum()
        loss.backward()
        # MyGrad clears .grad itself when a tensor enters the next graph, so
        # the update is all there is; .data is the underlying ndarray.
        for w in (w1, w2):
            w.data -= LR * w.grad
        last["loss"] = loss

    return step, lambda: last["loss"].item()


def autograd_impl(data):
    anp = harness.load("autograd.numpy")
    value_and_grad = harness.load("autograd").value_and_grad
    x, y = data["x"], data["y"]
    params = [data["w1"], data["w2"]]

    def loss_fn(params):
        w1, w2 = params
        h_relu = anp.maximum(anp.dot(x, w1), 0.0)
        y_pred = anp.dot(h_relu, w2)
        return anp.sum((y_pred - y) ** 2)

    loss_and_grads = value_and_grad(loss_fn)
    last = {}

    def step():
        loss, grads = loss_and_grads(params)
        for w, g in zip(params, grads):
            w -= LR * g  # in place: params keeps pointing at the same arrays
        last["loss"] = loss

    return step, lambda: last["loss"]


def numpy_impl(data):
    """The floor: forward and backward written out by hand."""
    x, y, w1, w2 = data["x"], data["y"], data["w1"], data["w2"]
    last = {}

    def step():
        h = x @ w1
        h_relu = np.maximum(h, 0)
        diff = h_relu @ w2 - y
        last["loss"] = np.square(diff).sum()
        grad_y_pred = 2 * diff
        grad_w2 = h_relu.T @ grad_y_pred
        grad_h = grad_y_pred @ w2.T
        grad_h[h < 0] = 0
        grad_w1 = x.T @ grad_h
        for w, g in ((w1, grad_w1), (w2, grad_w2)):
            w -= LR * g

    return step, lambda: last["loss"]


BUILDERS = {"minigrad": minigrad_impl, "torch": torch_impl, "mygrad": mygrad_impl,
            "autograd": autograd_impl, "numpy": numpy_impl}


def run(options):
    return [harness.benchmark(
        "two_layer_net", options,
        steps_per_batch=50, rounds=20, quick_steps_per_batch=5, quick_rounds=3,
        loss_atol=1e-3)]  # the loss falls from ~1e7 to ~1e-5: compare absolutely


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
