"""Record PyTorch's answers for every case of every op in ``tests/op_registry.py``.

Run with torch installed, from the repository root (``python tests/reference/generate.py`` runs all
generators):

    python tests/reference/gen_ops.py

For each op, each fixed case and each of float64 / float32 it draws the inputs with NumPy (seeded from the
op name, so adding an op does not change the others), runs the op under PyTorch, then backpropagates a seeded
upstream gradient, and writes ``tests/reference/data/ops.json``:

    {"torch_version": "2.13.0+cpu",
     "cases": [{"op": "mul", "case": 0, "dtype": "float64", "shapes": [...], "params": {...},
                "inputs": [[...flat values...], ...], "aux": [{"dtype": "int64", "shape": [...], "values": [...]}],
                "outputs": [{"shape": [...], "dtype": "float64", "values": [...], "requires_grad": true,
                             "grad_fn": "MulBackward0",
                             "next_functions": [["torch::autograd::AccumulateGrad", 0], [null, 0]]}],
                "upstream": [[...] or null per output], "grads": [[...] or null per input]}]}

``tests/test_ops_reference.py`` replays the cases on minigrad without torch.
"""
from __future__ import annotations

import json
import os
import sys
import warnings
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/, for op_registry

from op_registry import OPS, call, make_inputs  # noqa: E402

OUT_PATH = os.path.join(HERE, "data", "ops.json")
DTYPES = {"float64": np.float64, "float32": np.float32}


def case_seed(op_name: str, case_index: int, dtype_name: str) -> int:
    """A seed that depends only on the case, so that adding ops leaves the other cases' data unchanged."""
    return zlib.crc32(f"{op_name}/{case_index}/{dtype_name}".encode())


def flat(array) -> list:
    return np.asarray(array).reshape(-1).tolist()


def node_name(node):
    return None if node is None else node.name()


def describe_output(tensor) -> dict:
    node = tensor.grad_fn
    return {
        "shape": list(tensor.shape),
        "dtype": str(tensor.dtype).replace("torch.", ""),
        "values": flat(tensor.detach().numpy()),
        "requires_grad": tensor.requires_grad,
        "grad_fn": node_name(node),
        "next_functions": [[node_name(n), nr] for n, nr in node.next_functions] if node is not None else None,
    }


def record(spec, case_index, case, dtype_name):
    rng = np.random.default_rng(case_seed(spec.name, case_index, dtype_name))
    floats, aux = make_inputs(spec, case, rng, DTYPES[dtype_name])
    inputs = [torch.tensor(array, requires_grad=spec.differentiable) for array in floats]
    aux_tensors = [torch.from_numpy(np.array(array)) for array in aux]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. x.T on 3-D tensors is deprecated in PyTorch
        outputs = call(spec, torch, inputs, aux_tensors, case.params)
    entry = {
        "op": spec.name,
        "case": case_index,
        "dtype": dtype_name,
        "shapes": [list(s) for s in case.shapes],
        "params": case.params,
        "inputs": [flat(array) for array in floats],
        "aux": [{"dtype": str(a.dtype), "shape": list(a.shape), "values": flat(a)} for a in aux],
        "outputs": [describe_output(out) for out in outputs],
        "upstream": [None] * len(outputs),
        "grads": [None] * len(inputs),
    }
    differentiable = [(i, out) for i, out in enumerate(outputs) if out.requires_grad]
    if differentiable:
        upstream = []
        for i, out in differentiable:
            grad = torch.from_numpy(rng.standard_normal(tuple(out.shape)).astype(DTYPES[entry["outputs"][i]["dtype"]]))
            entry["upstream"][i] = flat(grad.numpy())
            upstream.append(grad)
        torch.autograd.backward([out for _, out in differentiable], upstream)
        entry["grads"] = [None if x.grad is None else flat(x.grad.numpy()) for x in inputs]
    return entry


def main():
    cases = [record(spec, index, case, dtype_name)
             for spec in OPS for index, case in enumerate(spec.cases) for dtype_name in DTYPES]
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w") as f:
        f.write('{"torch_version": %s,\n "cases": [\n' % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(entry) for entry in cases))
        f.write("\n]}\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT_PATH)}")


if __name__ == "__main__":
    main()
