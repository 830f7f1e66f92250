"""NumPy's spelling of dim and keepdim, which PyTorch accepts too: ``x.sum(axis=0, keepdims=True)``,
``x.mean(axis=...)``, ``x.cumsum(axis=0)``, ``torch.max(x, axis=1)`` (d2l.ai's linear-algebra chapter writes
them). Results and error texts recorded from PyTorch by ``tests/reference/gen_numpy_spellings.py``."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import minigrad

DATA = json.loads((Path(__file__).parent / "reference" / "data" / "numpy_spellings.json").read_text())
RESULTS = [case for case in DATA["cases"] if "error" not in case]
ERRORS = [case for case in DATA["cases"] if "error" in case]


def _evaluate(expression):
    return eval(expression, {"torch": minigrad, "x": minigrad.tensor(DATA["x"])})


@pytest.mark.parametrize("case", RESULTS, ids=[case["expression"] for case in RESULTS])
def test_numpy_names_give_pytorchs_result(case):
    result = _evaluate(case["expression"])
    assert list(result.shape) == case["shape"]
    np.testing.assert_allclose(np.array(result.tolist(), dtype=float), np.array(case["values"], dtype=float),
                               rtol=1e-6)


@pytest.mark.parametrize("case", ERRORS, ids=[case["expression"] for case in ERRORS])
def test_one_argument_named_both_ways_is_pytorchs_error(case):
    with pytest.raises(TypeError) as caught:
        _evaluate(case["expression"])
    assert str(caught.value) == case["error"]


def test_numpy_names_record_the_same_graph():
    x = minigrad.tensor(DATA["x"], requires_grad=True)
    by_numpy, by_torch = x.sum(axis=0, keepdims=True), x.sum(dim=0, keepdim=True)
    assert type(by_numpy.grad_fn).__name__ == type(by_torch.grad_fn).__name__ == "SumBackward1"
    by_numpy.backward(minigrad.ones(1, 3))
    assert x.grad.tolist() == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
