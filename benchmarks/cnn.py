"""A small CNN's training step: conv 1->8 3x3, ReLU, max-pool 2, conv 8->16 3x3, ReLU, max-pool 2, linear to 10,
cross-entropy and SGD, on a batch of 32 images of 28x28 (MNIST's size).

minigrad and PyTorch run the same code (nn modules and optim) from the same weights. Only they have
convolutions, so the other peers have no row. minigrad computes each convolution as one matmul over a strided
view of every window (``minigrad/nn/_conv_ops.py``); PyTorch calls its own kernels (mkldnn / its im2col).
"""
import _harness as harness  # first: it pins thread pools before NumPy loads

import numpy as np

BATCH, SIDE, CLASSES = 32, 28, 10
LR = 0.05


def make_data(seed: int = 0) -> dict:
    """Random images and labels, weights drawn as PyTorch's default initialisation would bound them."""
    rng = np.random.default_rng(seed)

    def uniform(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    return {
        "x": rng.standard_normal((BATCH, 1, SIDE, SIDE)).astype(np.float32),
        "labels": rng.integers(0, CLASSES, BATCH).astype(np.int64),
        "conv1.weight": uniform((8, 1, 3, 3), 9), "conv1.bias": uniform(8, 9),
        "conv2.weight": uniform((16, 8, 3, 3), 72), "conv2.bias": uniform(16, 72),
        "linear.weight": uniform((CLASSES, 16 * 5 * 5), 400), "linear.bias": uniform(CLASSES, 400),
    }


def _torch_like(lib, data):
    """PyTorch code, run unchanged against ``torch`` and ``minigrad``."""
    nn = lib.nn
    layers = {"conv1": nn.Conv2d(1, 8, 3), "conv2": nn.Conv2d(8, 16, 3), "linear": nn.Linear(16 * 5 * 5, CLASSES)}
    model = nn.Sequential(layers["conv1"], nn.ReLU(), nn.MaxPool2d(2), layers["conv2"], nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), layers["linear"])
    with lib.no_grad():
        for name, layer in layers.items():
            layer.weight.copy_(lib.from_numpy(data[f"{name}.weight"]))
            layer.bias.copy_(lib.from_numpy(data[f"{name}.bias"]))
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    x, labels = lib.from_numpy(data["x"]), lib.from_numpy(data["labels"])
    last = {}

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()
        last["loss"] = loss

    return step, lambda: last["loss"].item()


BUILDERS = {
    "minigrad": lambda data: _torch_like(harness.load("minigrad"), data),
    "torch": lambda data: _torch_like(harness.load("torch"), data),
}


def run(options):
    return [harness.benchmark("cnn", options, title="cnn (Conv2d training step, batch 32 of 28x28)",
                              steps_per_batch=5, rounds=10, quick_steps_per_batch=2, quick_rounds=2,
                              notes=["MyGrad, autograd, NumPy: no convolution layers, no row"])]


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
