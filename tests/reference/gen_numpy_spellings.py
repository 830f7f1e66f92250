"""Record what PyTorch does with NumPy's spelling of dim and keepdim (``x.sum(axis=0, keepdims=True)``).

PyTorch's argument parser takes ``axis`` for ``dim`` and ``keepdims`` for ``keepdim``; giving both is a
TypeError. Writes ``data/numpy_spellings.json``: each expression (evaluated with ``torch`` and ``x`` bound),
with its result's shape and values or its TypeError's text. Run with PyTorch 2.13 (see generate.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

X = [[0.0, 4.0, 2.0], [3.0, 1.0, 5.0]]

RESULTS = [
    "x.sum(axis=0, keepdims=True)", "x.sum(axis=1)", "x.mean(axis=0)", "x.mean(axis=(0, 1), keepdims=True)",
    "x.cumsum(axis=0)", "x.cumprod(axis=1)", "x.prod(axis=1, keepdims=True)", "x.max(axis=0).values",
    "x.max(axis=1, keepdims=True).indices", "x.min(axis=1).values", "x.std(axis=0)", "x.var(axis=1, keepdims=True)",
    "x.amax(axis=1)", "x.amin(axis=0, keepdims=True)", "x.argmax(axis=1)", "x.argmin(axis=0, keepdims=True)",
    "x.logsumexp(axis=0)", "x.all(axis=0)", "x.any(axis=1, keepdims=True)", "x.softmax(axis=0)",
    "x.log_softmax(axis=1)", "x.sort(axis=0).values", "x.argsort(axis=1)", "x.topk(1, axis=0).values",
    "x.unsqueeze(axis=0)", "x.unsqueeze(axis=0).squeeze(axis=0)", "x.sum(0, keepdims=True)",
    "torch.sum(x, axis=0)", "torch.mean(x, axis=1, keepdims=True)", "torch.cumsum(x, axis=1)",
    "torch.max(x, axis=1).values", "torch.std(x, axis=1)",
]
ERRORS = [
    "x.sum(dim=0, axis=1)", "x.mean(0, keepdim=True, keepdims=True)", "x.cumsum()", "x.softmax()",
    "x.amax(0, axis=1)", "torch.sum(x, dim=0, axis=0)",
]


def record():
    x = torch.tensor(X)
    cases = []
    for expression in RESULTS:
        result = eval(expression)
        cases.append({"expression": expression, "shape": list(result.shape), "values": result.tolist()})
    for expression in ERRORS:
        try:
            eval(expression)
        except TypeError as error:
            cases.append({"expression": expression, "error": str(error)})
        else:
            raise AssertionError(f"{expression} did not raise")
    return {"torch_version": torch.__version__, "x": X, "cases": cases}


if __name__ == "__main__":
    path = Path(__file__).resolve().parent / "data" / "numpy_spellings.json"
    path.write_text(json.dumps(record(), indent=1) + "\n")
    print(f"wrote {path}")
