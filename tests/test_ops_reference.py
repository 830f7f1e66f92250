"""Every op of ``tests/op_registry.py`` against values, gradients and node names recorded from PyTorch 2.13.

The data comes from ``tests/reference/gen_ops.py`` (``tests/reference/data/ops.json``); torch is not needed
here. Per case: forward values (float32 to 1e-5 relative, float64 to 1e-10), ``requires_grad``,
``grad_fn.name()`` and the names in ``grad_fn.next_functions`` (exactly), and the gradient of every input for
the recorded upstream gradient.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import minigrad
from op_registry import OPS, OPS_BY_NAME, call

DATA_PATH = Path(__file__).resolve().parent / "reference" / "data" / "ops.json"
with open(DATA_PATH) as f:
    REFERENCE = json.load(f)
CASES = REFERENCE["cases"]
IDS = [f"{c['op']}-{c['case']}-{c['dtype']}" for c in CASES]
TOLERANCE = {"float32": {"rtol": 1e-5, "atol": 1e-6}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


def _array(values, shape, dtype):
    return np.array(values, dtype=dtype).reshape(shape)


def _run(entry):
    """The recorded case replayed on minigrad: (inputs, outputs)."""
    spec = OPS_BY_NAME[entry["op"]]
    dtype = entry["dtype"]
    inputs = [minigrad.tensor(_array(values, shape, dtype), requires_grad=spec.differentiable)
              for values, shape in zip(entry["inputs"], entry["shapes"])]
    aux = [minigrad.tensor(_array(a["values"], a["shape"], a["dtype"])) for a in entry["aux"]]
    outputs = call(spec, minigrad, inputs, aux, entry["params"])
    return inputs, outputs


def _assert_close(actual, expected_values, shape, dtype, what):
    expected = _array(expected_values, shape, dtype)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != PyTorch's {expected.shape}"
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(actual, expected, equal_nan=True, err_msg=what, **TOLERANCE[str(expected.dtype)])
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def _name(node):
    return None if node is None else node.name()


@pytest.mark.parametrize("entry", CASES, ids=IDS)
def test_forward_matches_pytorch(entry):
    _, outputs = _run(entry)
    assert len(outputs) == len(entry["outputs"])
    for i, (out, expected) in enumerate(zip(outputs, entry["outputs"])):
        assert out.dtype.name == expected["dtype"], f"output {i} dtype"
        assert out.requires_grad == expected["requires_grad"], f"output {i} requires_grad"
        _assert_close(out.detach().numpy(), expected["values"], expected["shape"], expected["dtype"], f"output {i}")


@pytest.mark.parametrize("entry", CASES, ids=IDS)
def test_graph_names_match_pytorch(entry):
    _, outputs = _run(entry)
    for i, (out, expected) in enumerate(zip(outputs, entry["outputs"])):
        node = out.grad_fn
        assert _name(node) == expected["grad_fn"], f"output {i}: grad_fn"
        names = None if node is None else [[_name(n), nr] for n, nr in node.next_functions]
        assert names == expected["next_functions"], f"output {i}: next_functions of {_name(node)}"


@pytest.mark.parametrize("entry", [c for c in CASES if any(u is not None for u in c["upstream"])],
                         ids=[i for i, c in zip(IDS, CASES) if any(u is not None for u in c["upstream"])])
def test_gradients_match_pytorch(entry):
    inputs, outputs = _run(entry)
    pairs = [(out, _array(up, out.shape, out.dtype.name)) for out, up in zip(outputs, entry["upstream"])
             if up is not None]
    minigrad.autograd.backward([out for out, _ in pairs], [minigrad.tensor(up) for _, up in pairs])
    for i, (x, expected) in enumerate(zip(inputs, entry["grads"])):
        if expected is None:
            assert x.grad is None, f"input {i} should get no gradient"
        else:
            assert x.grad is not None, f"input {i} got no gradient"
            _assert_close(x.grad.numpy(), expected, entry["shapes"][i], entry["dtype"], f"grad of input {i}")


def test_reference_data_covers_the_registry():
    """Every case of every op was recorded, with the shapes and parameters the registry has now."""
    recorded = {(c["op"], c["case"], c["dtype"]): c for c in CASES}
    stale = []
    for spec in OPS:
        for index, case in enumerate(spec.cases):
            for dtype in ("float64", "float32"):
                entry = recorded.get((spec.name, index, dtype))
                if (entry is None or entry["shapes"] != [list(s) for s in case.shapes]
                        or entry["params"] != json.loads(json.dumps(case.params))):
                    stale.append(f"{spec.name}[{index}] {dtype}")
    assert not stale, f"run `python tests/reference/generate.py` (stale or missing: {stale[:10]})"


def test_reference_data_is_from_the_pytorch_version_minigrad_mirrors():
    assert REFERENCE["torch_version"].startswith("2.13.")
