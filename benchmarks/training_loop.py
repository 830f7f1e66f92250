"""The mlp.py network trained the idiomatic way: nn.Sequential, nn.CrossEntropyLoss, optim.

For PyTorch and minigrad this adds the cost of modules, parameter
registration and optimizer objects on top of mlp.py.  MyGrad and autograd
have no module system or optimizers, so their rows (and the NumPy floor) are
mlp.py's functional code with an SGD or Adam written on arrays
(``mlp.ArrayOptimizer``): the same arithmetic, the same trajectory.

Both optimizers run as separate tables, SGD (lr 0.2) and Adam (lr 1e-3).
"""

from functools import partial

import _harness as harness  # first: it pins thread pools before NumPy loads
import mlp


def _torch_like(lib, data, optimizer):
    """PyTorch code, run unchanged against ``torch`` and ``minigrad``."""
    nn = lib.nn
    linears = [nn.Linear(n_in, n_out) for n_in, n_out in zip(mlp.SIZES[:-1], mlp.SIZES[1:])]
    model = nn.Sequential(linears[0], nn.ReLU(), linears[1], nn.ReLU(), linears[2])
    # Start from the shared weights rather than each library's own random
    # init.  nn.Linear stores weight as (out, in): the transpose of mlp.py's.
    with lib.no_grad():
        for i, linear in enumerate(linears, start=1):
            linear.weight.copy_(lib.from_numpy(data[f"w{i}"].T.copy()))
            linear.bias.copy_(lib.from_numpy(data[f"b{i}"]))
    if optimizer == "sgd":
        opt = lib.optim.SGD(model.parameters(), lr=mlp.LR)
    else:
        opt = lib.optim.Adam(model.parameters(), lr=mlp.ADAM_LR,
                             betas=mlp.ADAM_BETAS, eps=mlp.ADAM_EPS)
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


def _builders(optimizer):
    return {
        "minigrad": lambda data: _torch_like(harness.load("minigrad"), data, optimizer),
        "torch": lambda data: _torch_like(harness.load("torch"), data, optimizer),
        "mygrad": partial(mlp.mygrad_impl, optimizer=optimizer),
        "autograd": partial(mlp.autograd_impl, optimizer=optimizer),
        "numpy": partial(mlp.numpy_impl, optimizer=optimizer),
    }


make_data = mlp.make_data
SGD_BUILDERS = _builders("sgd")
ADAM_BUILDERS = _builders("adam")


def run(options):
    peers_note = "MyGrad, autograd, NumPy: functional model + optimizer on arrays"
    return [harness.benchmark(
        "training_loop", options, builders=builders, title=f"training_loop ({name})",
        steps_per_batch=20, rounds=20, quick_steps_per_batch=3, quick_rounds=3,
        notes=[peers_note]) for builders, name in [("SGD_BUILDERS", "SGD"),
                                                   ("ADAM_BUILDERS", "Adam")]]


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
