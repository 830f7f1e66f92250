"""Record small files written by the real ``torch.save``, for ``minigrad.load``'s tests.

Run with torch installed, from the repository root:

    python tests/reference/gen_torch_files.py

It writes ``tests/reference/data/torch_files/*.pt`` (a few KB in all) and ``torch_files.json`` beside them: for
each file, what PyTorch itself reads back (values, dtypes, shapes, strides, which tensors share memory), so
the tests compare minigrad's reading with PyTorch's without importing torch. The malicious files hold pickles
that would run code if unpickled; they are written by ``torch.save`` too, so they are real torch-format zips.
"""
import json
import os
import sys
from collections import OrderedDict

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "data", "torch_files")


def describe(obj):
    """What PyTorch reads back, as JSON: tensors with dtype, shape, stride and values."""
    if isinstance(obj, torch.Tensor):
        return {"tensor": obj.tolist(), "dtype": str(obj.dtype).replace("torch.", ""), "shape": list(obj.shape),
                "stride": list(obj.stride()), "requires_grad": obj.requires_grad,
                "parameter": isinstance(obj, torch.nn.Parameter)}
    if isinstance(obj, dict):
        return {"dict": [[key, describe(value)] for key, value in obj.items()],
                "ordered": isinstance(obj, OrderedDict)}
    if isinstance(obj, tuple):
        return {"tuple": [describe(value) for value in obj]}
    if isinstance(obj, list):
        return [describe(value) for value in obj]
    if isinstance(obj, torch.dtype):
        return {"dtype": str(obj).replace("torch.", "")}
    return obj


class SetsAMarker:
    """Unpickling this runs ``exec``, which sets ``sys.minigrad_was_pwned``: proof that code ran."""

    def __reduce__(self):
        return (exec, ("import sys; sys.minigrad_was_pwned = True",))


class CallsSystem:
    """Unpickling this runs a shell command that prints a marker."""

    def __reduce__(self):
        return (os.system, ("echo minigrad-was-pwned",))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(0)
    expected = {}

    def record(name, obj, **extra):
        path = os.path.join(OUT_DIR, name)
        torch.save(obj, path)
        loaded = torch.load(path, weights_only=True)
        expected[name] = {"object": describe(loaded), **extra}

    record("linear.pt", torch.nn.Linear(3, 2).state_dict())

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    x = torch.randn(5, 3)
    with torch.no_grad():
        record("sequential.pt", model.state_dict(), input=x.tolist(), output=model(x).tolist())

    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    record("values.pt", {
        "float32": torch.randn(2, 3),
        "float64": torch.randn(3, dtype=torch.float64),
        "int64": torch.tensor([[1, -2], [3, 4]]),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
        "base": base,
        "transposed": base.t(),  # a view: same storage, strides (1, 4)
        "sliced": base[1:, ::2],  # a view: offset 4, strides (4, 2)
        "expanded": torch.tensor([1.0, 2.0]).expand(3, 2),  # stride 0
        "nested": {"list": [1, 2.5, "text", None, True, (0.9, 0.999)], "deeper": {"t": torch.ones(2)}},
        "dtype": torch.float64,
        "parameter": torch.nn.Parameter(torch.tensor([0.5, -0.5])),
        7: "int key",
    })
    record("optimizer.pt", torch.optim.Adam(model.parameters(), lr=0.01).state_dict())

    torch.save({"weights": torch.ones(2), "payload": SetsAMarker()}, os.path.join(OUT_DIR, "evil_exec.pt"))
    torch.save({"payload": CallsSystem()}, os.path.join(OUT_DIR, "evil_system.pt"))
    torch.save({"w": torch.ones(2)}, os.path.join(OUT_DIR, "legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(torch.ones(2, dtype=torch.bfloat16), os.path.join(OUT_DIR, "bfloat16.pt"))

    with open(os.path.join(OUT_DIR, "torch_files.json"), "w") as handle:
        json.dump({"torch": torch.__version__, "files": expected}, handle, indent=1, sort_keys=False)
        handle.write("\n")
    sizes = {name: os.path.getsize(os.path.join(OUT_DIR, name)) for name in sorted(os.listdir(OUT_DIR))}
    print(f"wrote {OUT_DIR}: {sizes}", file=sys.stderr)


if __name__ == "__main__":
    main()
