"""Generate reference data for convolution, pooling, padding, batch norm and Dropout2d with real PyTorch.

Run with torch installed, from the repository root:

    python tests/reference/gen_conv.py

It writes ``tests/reference/data/conv.json``, read by ``tests/test_nn_conv.py`` (which never imports torch).
The per-op values, gradients and node names are in ``ops.json`` (``tests/op_registry.py``); here are the
layers: ``values`` are expressions (reprs, running statistics after training steps, a small CNN's losses under
SGD from fixed weights) and ``errors`` statements that raise, with PyTorch's exception type and exact text. The
encoding is ``gen_jacobians.py``'s.
"""
from __future__ import annotations

import json
import os
import warnings

import numpy as np
import torch

from gen_jacobians import encode

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "data", "conv.json")
rng = np.random.default_rng(20261206)


def literal(array) -> str:
    """Source that builds ``array`` as a float32 tensor in either library."""
    return f"torch.tensor({np.asarray(array, dtype=np.float32).tolist()!r})"


PRELUDE = f"""
nn = torch.nn
F = torch.nn.functional
x = {literal(rng.standard_normal((2, 4, 6, 6)))}
batches = [{literal(rng.standard_normal((4, 3, 2, 2)) * 2 + 1)}, {literal(rng.standard_normal((4, 3, 2, 2)))}]
images = {literal(rng.standard_normal((4, 1, 8, 8)))}
labels = torch.tensor([0, 2, 1, 2])

def copied(module, *arrays):
    # the same weights in both libraries: the random streams differ
    with torch.no_grad():
        for parameter, values in zip(module.parameters(), arrays):
            parameter.copy_(values)
    return module

def running(momentum, track=True, affine=True):
    bn = nn.BatchNorm2d(3, momentum=momentum, track_running_stats=track, affine=affine)
    for batch in batches:
        out = bn(batch)
    return (bn.running_mean, bn.running_var, bn.num_batches_tracked, out, bn.eval()(batches[0]))

def cnn_losses(steps=3):
    model = nn.Sequential(
        copied(nn.Conv2d(1, 4, 3, padding=1), {literal(rng.standard_normal((4, 1, 3, 3)) * 0.3)}, {literal(rng.standard_normal(4) * 0.1)}),
        nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        copied(nn.Conv2d(4, 6, 3, stride=2, padding=1), {literal(rng.standard_normal((6, 4, 3, 3)) * 0.2)}, {literal(rng.standard_normal(6) * 0.1)}),
        nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
        copied(nn.Linear(6, 3), {literal(rng.standard_normal((3, 6)) * 0.4)}, {literal(rng.standard_normal(3) * 0.1)}))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses), model[0].weight.grad, model[1].running_var
"""

VALUES = [
    ("repr_conv2d", "repr(nn.Conv2d(1, 8, 3))"),
    ("repr_conv2d_all", "repr(nn.Conv2d(2, 4, (3, 5), stride=2, padding=1, dilation=2, groups=2, bias=False, "
                        "padding_mode='reflect'))"),
    ("repr_conv2d_same", "repr(nn.Conv2d(2, 4, 3, padding='same', padding_mode='replicate'))"),
    ("repr_conv1d", "repr(nn.Conv1d(2, 3, 4, padding='same'))"),
    ("repr_pools", "[repr(nn.MaxPool2d(2)), repr(nn.MaxPool2d(3, 1, 1, 2, True, True)), repr(nn.AvgPool2d(2)), "
                   "repr(nn.AvgPool2d(3, 2, 1, True, False, 2))]"),
    ("repr_norms", "[repr(nn.BatchNorm1d(3)), repr(nn.BatchNorm2d(3, momentum=None, affine=False, "
                   "track_running_stats=False)), repr(nn.Dropout2d(0.3)), repr(nn.Flatten())]"),
    ("conv_parameters", "[(name, list(p.shape)) for name, p in nn.Conv2d(4, 6, (3, 2), groups=2).named_parameters()]"),
    ("batchnorm_state", "list(nn.BatchNorm2d(3).state_dict())"),
    ("batchnorm_no_stats_state", "list(nn.BatchNorm1d(3, affine=False, track_running_stats=False).state_dict())"),
    ("running_momentum", "running(0.1)"),
    ("running_cumulative", "running(None)"),
    ("running_untracked", "running(0.1, track=False, affine=False)[3:]"),
    ("batchnorm1d_3d", "nn.BatchNorm1d(3)(batches[0].reshape(4, 3, 4))"),
    ("conv_same_even", "copied(nn.Conv2d(4, 2, (2, 3), padding='same', bias=False), x[:2, :, :2, :3])("
                       "x.requires_grad_()).grad_fn.next_functions[0][0].name()"),
    ("conv_padding_modes", "[copied(nn.Conv2d(4, 2, 3, padding=1, padding_mode=mode), x[:2, :, 1:4, 2:5], "
                           "torch.tensor([0.5, -0.5]))(x) for mode in ('zeros', 'reflect', 'replicate')]"),
    ("conv_unbatched", "F.conv2d(x[0], x[:3, :, :2, :2], padding=1)"),
    ("max_pool_indices", "F.max_pool2d(x, 3, 2, 1, return_indices=True, ceil_mode=True)"),
    ("dropout2d_eval", "nn.Dropout2d().eval()(x) is x"),
    ("cnn", "cnn_losses()"),
]

ERRORS = [(f"error_{i:02d}", code) for i, code in enumerate([
    "F.conv2d(x, torch.randn(6, 3, 3, 3))",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), groups=3)",
    "F.conv2d(x, torch.randn(5, 2, 3, 3), groups=2)",
    "F.conv2d(x, torch.randn(6, 4, 7, 7))",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), dilation=3)",
    "F.conv2d(x[0, 0], torch.randn(6, 4, 3, 3))",
    "F.conv2d(x, torch.randn(6, 4, 3))",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), stride=2, padding='same')",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), padding='full')",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), stride=0)",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), padding=-1)",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), bias=torch.randn(5))",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), dilation=0)",
    "F.conv2d(x, torch.randn(6, 4, 3, 3), stride=(1, 1, 1))",
    "F.conv2d(x.double(), torch.randn(6, 4, 3, 3))",
    "F.conv1d(x, torch.randn(6, 4, 3))",
    "F.conv1d(x[:, :, 0], torch.randn(6, 4, 3, 3))",
    "nn.Conv2d(4, 6, 3, groups=4)",
    "nn.Conv2d(4, 6, 3, groups=0)",
    "nn.Conv2d(4, 6, 3, groups=3)",
    "nn.Conv2d(4, 6, 3, padding='foo')",
    "nn.Conv2d(4, 6, 3, stride=2, padding='same')",
    "nn.Conv2d(3, 6, 3)(x)",
    "F.max_pool2d(x, 3, padding=2)",
    "F.max_pool2d(x, 7)",
    "F.max_pool2d(x, 2, stride=0)",
    "F.max_pool2d(x[0, 0], 2)",
    "nn.MaxPool2d(2)(x[:, :, :1, :1])",
    "F.avg_pool2d(x, 3, padding=2)",
    "F.avg_pool2d(x, 7)",
    "F.pad(x, (1,))",
    "F.pad(x, (1, 2, 3, 4, 5, 6, 7, 8, 9, 10))",
    "F.pad(x, (6, 6), mode='reflect')",
    "F.pad(x, (1, 1), mode='foo')",
    "F.pad(x[0, 0, 0], (1, 1), mode='reflect')",
    "F.pad(x, (6, 0, 0, 0), mode='reflect')",
    "F.batch_norm(x, torch.zeros(3), torch.ones(3))",
    "F.batch_norm(x, torch.zeros(4), torch.ones(4), weight=torch.ones(3))",
    "F.batch_norm(torch.randn(1, 4), None, None, training=True)",
    "nn.BatchNorm2d(4)(torch.randn(2, 4))",
    "nn.BatchNorm1d(4)(x)",
    "nn.BatchNorm1d(4)(torch.randn(2, 3))",
    "nn.BatchNorm2d(4)(torch.randn(1, 4, 1, 1))",
    "nn.Dropout2d(1.5)",
    "nn.Dropout2d()(x[0, 0, 0])",
])]


def fresh_namespace():
    namespace = {"torch": torch}
    exec(PRELUDE, namespace)
    return namespace


def main():
    torch.manual_seed(0)
    values = [{"id": case_id, "code": code, "result": encode(eval(code, fresh_namespace()))}
              for case_id, code in VALUES]
    errors = []
    for case_id, code in ERRORS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(code, fresh_namespace())
        except Exception as error:  # noqa: BLE001 -- recording whatever PyTorch raises is the point
            errors.append({"id": case_id, "code": code, "type": type(error).__name__, "message": str(error)})
        else:
            raise AssertionError(f"{case_id}: PyTorch raised nothing")
    data = {"torch_version": torch.__version__, "prelude": PRELUDE, "values": values, "errors": errors}
    with open(OUT_PATH, "w") as file:
        json.dump(data, file, indent=1)
        file.write("\n")
    print(f"wrote {len(values)} value cases and {len(errors)} error cases to {OUT_PATH}")


if __name__ == "__main__":
    main()
