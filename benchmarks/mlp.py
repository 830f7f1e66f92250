"""MLP 2-64-64-3 (ReLU) on a 1000-point, 3-class spiral, softmax cross-entropy.

Written functionally: weights are plain tensors, the forward pass is
mm + bias + relu, the loss is ``nn.functional.cross_entropy`` (mean over the
batch) and the update is a hand-written SGD step.  training_loop.py trains
the same network through ``nn`` modules and ``optim``.

The peers without a module system reuse the builders here, with the
optimizer as a parameter: ``ArrayOptimizer`` does SGD or Adam on NumPy arrays.
"""

import _harness as harness  # first: it pins thread pools before NumPy loads

import numpy as np

POINTS, CLASSES = 1000, 3
SIZES = (2, 64, 64, 3)
LR = 0.2            # SGD
ADAM_LR = 1e-3      # torch.optim.Adam's default, with its default betas and eps
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8


def make_data(seed: int = 0) -> dict:
    """Spiral arms (one per class) plus He-initialised weights, zero biases."""
    rng = np.random.default_rng(seed)
    labels = np.arange(POINTS) % CLASSES
    radius = rng.uniform(0.05, 1.0, POINTS)
    angle = 4.0 * radius + labels * (2 * np.pi / CLASSES) + 0.2 * rng.standard_normal(POINTS)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    data = {"x": x.astype(np.float32), "labels": labels.astype(np.int64)}
    for i, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        scale = np.float32(np.sqrt(2.0 / fan_in))
        data[f"w{i}"] = rng.standard_normal((fan_in, fan_out), dtype=np.float32) * scale
        data[f"b{i}"] = np.zeros(fan_out, dtype=np.float32)
    return data


def parameter_arrays(data) -> list:
    """w1, b1, w2, b2, w3, b3 in layer order."""
    return [data[f"{kind}{i}"] for i in range(1, len(SIZES)) for kind in "wb"]


class ArrayOptimizer:
    """SGD or Adam updating NumPy arrays in place, with torch.optim's arithmetic.

    For the libraries that have no optimizers of their own (and the floor),
    so that all of them follow the same trajectory as torch.optim.
    """

    def __init__(self, kind: str, params: list):
        self.kind, self.params, self.t = kind, params, 0
        if kind == "adam":
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        elif kind != "sgd":
            raise ValueError(f"unknown optimizer {kind!r}")

    def step(self, grads) -> None:
        if self.kind == "sgd":
            for p, g in zip(self.params, grads):
                p -= LR * g
            return
        self.t += 1
        (beta1, beta2), t = ADAM_BETAS, self.t
        step_size = ADAM_LR / (1 - beta1 ** t)
        root_correction = np.sqrt(1 - beta2 ** t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= step_size * m / (np.sqrt(v) / root_correction + ADAM_EPS)


def _torch_like(lib, data):
    """PyTorch code, run unchanged against ``torch`` and ``minigrad``."""
    F = lib.nn.functional
    x, labels = lib.from_numpy(data["x"]), lib.from_numpy(data["labels"])
    w1, b1, w2, b2, w3, b3 = params = [lib.tensor(a, requires_grad=True)
                                       for a in parameter_arrays(data)]
    last = {}

    def step():
        h = F.relu(x.mm(w1) + b1)
        h = F.relu(h.mm(w2) + b2)
        loss = F.cross_entropy(h.mm(w3) + b3, labels)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad.zero_()
        last["loss"] = loss

    return step, lambda: last["loss"].item()


def minigrad_impl(data):
    return _torch_like(harness.load("minigrad"), data)


def torch_impl(data):
    return _torch_like(harness.load("torch"), data)


def mygrad_impl(data, optimizer="sgd"):
    mg = harness.load("mygrad")
    relu = harness.load("mygrad.nnet.activations").relu
    cross_entropy = harness.load("mygrad.nnet.losses").softmax_crossentropy
    x, labels = data["x"], data["labels"]
    w1, b1, w2, b2, w3, b3 = params = [mg.tensor(a) for a in parameter_arrays(data)]
    update = ArrayOptimizer(optimizer, [p.data for p in params])
    last = {}

    def step():
        h = relu(mg.matmul(x, w1) + b1)
        h = relu(mg.matmul(h, w2) + b2)
        loss = cross_entropy(mg.matmul(h, w3) + b3, labels)  # mean over the batch
        loss.backward()
        update.step([p.grad for p in params])
        last["loss"] = loss

    return step, lambda: last["loss"].item()


def autograd_impl(data, optimizer="sgd"):
    anp = harness.load("autograd.numpy")
    value_and_grad = harness.load("autograd").value_and_grad
    x, labels = data["x"], data["labels"]
    rows = np.arange(len(labels))
    params = parameter_arrays(data)

    def loss_fn(params):
        w1, b1, w2, b2, w3, b3 = params
        h = anp.maximum(anp.dot(x, w1) + b1, 0.0)
        h = anp.maximum(anp.dot(h, w2) + b2, 0.0)
        logits = anp.dot(h, w3) + b3
        # logsumexp by hand: autograd.scipy.special's would import SciPy,
        # a second of start-up in every worker.
        top = anp.max(logits, axis=1, keepdims=True)
        log_total = anp.log(anp.sum(anp.exp(logits - top), axis=1))
        return anp.mean(top[:, 0] + log_total - logits[rows, labels])

    loss_and_grads = value_and_grad(loss_fn)
    update = ArrayOptimizer(optimizer, params)
    last = {}

    def step():
        last["loss"], grads = loss_and_grads(params)
        update.step(grads)

    return step, lambda: last["loss"]


def numpy_impl(data, optimizer="sgd"):
    """The floor: forward and backward written out by hand."""
    x, labels = data["x"], data["labels"]
    rows = np.arange(len(labels))
    params = parameter_arrays(data)
    w1, b1, w2, b2, w3, b3 = params
    update = ArrayOptimizer(optimizer, params)
    last = {}

    def step():
        h1 = np.maximum(x @ w1 + b1, 0)
        h2 = np.maximum(h1 @ w2 + b2, 0)
        logits = h2 @ w3 + b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        last["loss"] = np.mean(np.log(total[:, 0]) - shifted[rows, labels])
        grad_logits = exp / total                  # softmax ...
        grad_logits[rows, labels] -= 1             # ... minus one-hot,
        grad_logits /= len(labels)                 # ... averaged
        grad_h2 = (grad_logits @ w3.T) * (h2 > 0)
        grad_h1 = (grad_h2 @ w2.T) * (h1 > 0)
        update.step([x.T @ grad_h1, grad_h1.sum(axis=0),
                     h1.T @ grad_h2, grad_h2.sum(axis=0),
                     h2.T @ grad_logits, grad_logits.sum(axis=0)])

    return step, lambda: last["loss"]


BUILDERS = {"minigrad": minigrad_impl, "torch": torch_impl, "mygrad": mygrad_impl,
            "autograd": autograd_impl, "numpy": numpy_impl}


def run(options):
    return [harness.benchmark(
        "mlp", options,
        steps_per_batch=20, rounds=20, quick_steps_per_batch=3, quick_rounds=3)]


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
