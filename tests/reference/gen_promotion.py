"""Record, with real PyTorch, the dtype and values of every op that promotes, over the full product of dtypes
and operand kinds: PyTorch's type promotion (bool < int < float; tensors with dims > 0-d tensors > numbers).

Run from the repository root with torch installed:

    python tests/reference/gen_promotion.py

It writes ``tests/reference/data/promotion.json``, read by tests/test_promotion.py. A case names the op, the
tensor's dtype, the other operand (a Python number, or a 0-d or 1-d tensor of a dtype) and its side; it
records the result (dtype, shape, values with floats as strings) or PyTorch's error.
"""
from __future__ import annotations

import json
import os

import torch


HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "data", "promotion.json")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
NUMBERS = {"bool": True, "int": -3, "float": 0.5}
# the same values in every test: they exercise wrapping (uint8 - 3), rounding (0.5, 1.5) and a zero divisor
TENSOR_VALUES = {"bool": [False, True, True], "int": [0, 1, 2], "float": [-1.5, 0.5, 2.0]}
OTHER_VALUES = {"bool": [True, False, True], "int": [2, 0, 3], "float": [0.25, -2.0, 3.5]}
SCALAR_VALUES = {"bool": True, "int": 3, "float": 2.5}


def kind(dtype_name: str) -> str:
    return "bool" if dtype_name == "bool" else "float" if dtype_name.startswith("float") else "int"


def make_tensor(dtype_name: str, values):
    return torch.tensor(values[kind(dtype_name)], dtype=getattr(torch, dtype_name))


def others():
    """Every other operand: a Python number of each kind, and a 0-d and a 1-d tensor of every dtype."""
    for name, number in NUMBERS.items():
        yield {"kind": "number", "type": name}, lambda number=number: number
    for dtype in DTYPES:
        yield ({"kind": "0-d", "dtype": dtype},
               lambda dtype=dtype: torch.tensor(SCALAR_VALUES[kind(dtype)], dtype=getattr(torch, dtype)))
        yield {"kind": "1-d", "dtype": dtype}, lambda dtype=dtype: make_tensor(dtype, OTHER_VALUES)


CONDITION = [True, False, True]
# each op as source text over `a`, `b` and `torch`, stored in the data so the test runs the very same code
OPS = {
    "add": "a + b", "sub": "a - b", "mul": "a * b", "div": "a / b", "pow": "a ** b",
    "eq": "a == b", "lt": "a < b", "ge": "a >= b",
    "where": f"torch.where(torch.tensor({CONDITION}), a, b)",
    "maximum": "torch.maximum(a, b)", "minimum": "torch.minimum(a, b)",
    "clamp_min": "a.clamp(min=b)", "clamp_max": "a.clamp(max=b)",
    "cat": "torch.cat([a, b])", "stack": "torch.stack([a, b])",
    "iadd": "a.__iadd__(b)", "imul": "a.__imul__(b)",
}
REFLECTED = {"add", "sub", "mul", "div", "pow", "eq", "lt", "ge", "where", "maximum", "minimum", "cat", "stack"}


def encode(tensor):
    """As gen_nn.encode, floats as strings exact to the bit, except that any NaN is "nan" (its sign and payload
    do not matter here)."""
    flat = tensor.reshape(-1).tolist()
    values = [repr(float(v)) for v in flat] if tensor.dtype.is_floating_point else flat
    return {"dtype": str(tensor.dtype).split(".")[1], "shape": list(tensor.shape), "values": values}


def outcome(function):
    try:
        out = function()
    except Exception as error:  # noqa: BLE001 -- recording whatever PyTorch raises
        return {"error": type(error).__name__, "message": str(error).split("\n")[0]}
    if not isinstance(out, torch.Tensor):
        return {"error": "not a tensor", "message": repr(out)}
    return {"result": encode(out)}


def main():
    cases = []
    for op_name, source in OPS.items():
        op = eval(f"lambda a, b: {source}")  # noqa: S307 -- our own source text
        for dtype in DTYPES:
            for other_spec, make_other in others():
                for reflected in (False, True) if op_name in REFLECTED else (False,):
                    def run(op=op, dtype=dtype, make_other=make_other, reflected=reflected):
                        a, b = make_tensor(dtype, TENSOR_VALUES), make_other()
                        return op(b, a) if reflected else op(a, b)
                    cases.append({"op": op_name, "dtype": dtype, "other": other_spec, "reflected": reflected,
                                  **outcome(run)})
    record = {"torch": torch.__version__, "tensor_values": TENSOR_VALUES, "other_values": OTHER_VALUES,
              "scalar_values": SCALAR_VALUES, "numbers": NUMBERS, "ops": OPS,
              "result_type": [[a, b, str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]]
                              for a in DTYPES for b in DTYPES],
              "cases": cases}
    with open(OUT_PATH, "w") as file:
        json.dump(record, file, indent=0)
        file.write("\n")
    print(f"wrote {len(cases)} cases to {OUT_PATH}")


if __name__ == "__main__":
    main()
