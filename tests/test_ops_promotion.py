"""PyTorch's type promotion, checked over the full product recorded by tests/reference/gen_promotion.py:
every dtype × every other operand (a Python bool/int/float, a 0-d or a 1-d tensor of every dtype), on either
side, × add, sub, mul, div, pow, comparisons, where, maximum, minimum, clamp, cat, stack and in-place add/mul.
Each case must give PyTorch's dtype and values, or PyTorch's error (type and text)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as torch  # noqa: F401  (the recorded ops name it)
from reference_data import load

# (NumPy's divide-by-zero warnings, where PyTorch is silent, are issue 15's part 9: not what this file checks)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
DATA = load("promotion")
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
CASES = {}
for _case in DATA["cases"]:
    CASES.setdefault((_case["op"], _case["dtype"]), []).append(_case)

# the ops as the generator wrote them (source text over a, b and torch), run here with minigrad as torch
OPS = {name: eval(f"lambda a, b: {source}") for name, source in DATA["ops"].items()}  # noqa: S307
# float16 results may differ in the last bit: PyTorch computes half arithmetic in float32 with the number
# rounded to float32, NumPy in half with the number rounded to half
TOLERANCE = {"float16": 1e-3, "float32": 1e-6, "float64": 1e-12}


def kind(dtype_name: str) -> str:
    return "bool" if dtype_name == "bool" else "float" if dtype_name.startswith("float") else "int"


def operand(spec):
    if spec["kind"] == "number":
        return DATA["numbers"][spec["type"]]
    dtype = spec["dtype"]
    values = DATA["scalar_values"] if spec["kind"] == "0-d" else DATA["other_values"]
    return torch.tensor(values[kind(dtype)], dtype=getattr(torch, dtype))


def mismatch(case):
    """What differs from PyTorch in one recorded case (None when nothing does)."""
    dtype = case["dtype"]
    a = torch.tensor(DATA["tensor_values"][kind(dtype)], dtype=getattr(torch, dtype))
    b = operand(case["other"])
    op = OPS[case["op"]]
    try:
        out = op(b, a) if case["reflected"] else op(a, b)
    except Exception as error:  # noqa: BLE001 -- compared with what PyTorch raised
        if "error" not in case:
            return f"raised {type(error).__name__}: {error}"
        if not raised_as_pytorch(error, case):
            return f"raised {type(error).__name__}: {error}; PyTorch: {case['error']}: {case['message']}"
        return None
    if "error" in case:
        return f"gave {out.dtype}; PyTorch raised {case['error']}: {case['message']}"
    return compare(out, case["result"])


def raised_as_pytorch(error, case) -> bool:
    if (type(error).__name__, str(error).split("\n")[0]) == (case["error"], case["message"]):
        return True
    # cat/stack of a number or a 0-d tensor: their error texts are issue 15's part 9, not promotion; any error
    # will do here (the cases still prove nothing is silently concatenated)
    return case["op"] in ("cat", "stack") and ("zero-dimensional" in case["message"] or
                                                "expected Tensor as element" in case["message"])


def compare(out, expected):
    if str(out.dtype) != f"torch.{expected['dtype']}":
        return f"dtype {out.dtype}, PyTorch torch.{expected['dtype']}"
    if list(out.shape) != expected["shape"]:
        return f"shape {list(out.shape)}, PyTorch {expected['shape']}"
    got = out.detach().cpu().numpy().reshape(-1).tolist()
    want = [float(v) for v in expected["values"]] if expected["dtype"].startswith("float") else expected["values"]
    rtol = TOLERANCE.get(expected["dtype"], 0)
    for g, w in zip(got, want):
        if not (g == w or (isinstance(w, float) and (math.isnan(w) and math.isnan(g) or
                                                     abs(g - w) <= rtol * abs(w)))):
            return f"values {got}, PyTorch {want}"
    return None


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_promotion_matches_pytorch(op, dtype):
    failures = []
    for case in CASES[op, dtype]:
        problem = mismatch(case)
        if problem is not None:
            failures.append(f"{op} {dtype} {case['other']} reflected={case['reflected']}: {problem}")
    assert not failures, f"{len(failures)} of {len(CASES[op, dtype])} cases differ:\n" + "\n".join(failures[:12])


def test_the_data_covers_the_whole_product():
    assert len(DATA["cases"]) == sum(len(cases) for cases in CASES.values()) == 5670
    assert {case["other"].get("type", case["other"].get("dtype")) for case in DATA["cases"]} == \
        {"bool", "int", "float", *DTYPES}


@pytest.mark.parametrize("first", DTYPES)
def test_promote_types_and_result_type(first):
    for a, b, expected in DATA["result_type"]:
        if a == first:
            assert torch.promote_types(getattr(torch, a), getattr(torch, b)) is getattr(torch, expected)
            one_d = torch.zeros(2, dtype=getattr(torch, a))
            assert torch.result_type(one_d, torch.zeros(2, dtype=getattr(torch, b))) is getattr(torch, expected)


def test_result_type_ranks_numbers_and_zero_dim_tensors():
    ints = torch.tensor([1, 2], dtype=torch.int32)
    assert torch.result_type(ints, 0.5) is torch.float32
    assert torch.result_type(ints, torch.tensor(1.5, dtype=torch.float64)) is torch.float64
    assert torch.result_type(ints, torch.tensor(3)) is torch.int32
    assert torch.result_type(torch.tensor([True]), 2) is torch.int64
    assert torch.result_type(torch.tensor([1.0], dtype=torch.float16), torch.tensor(2.0, dtype=torch.float64)) \
        is torch.float16
    assert torch.result_type(ints, np.float64(2.0)) is torch.float32  # a NumPy scalar is a number


def test_the_examples_of_the_issue():
    condition = torch.tensor([True, False, True])
    assert torch.where(condition, torch.tensor([1, 2, 3]), 0.5).tolist() == [1.0, 0.5, 3.0]
    assert torch.tensor([0, 1, 2]).clamp(min=0.5).tolist() == [0.5, 1.0, 2.0]
    assert torch.where(condition, torch.tensor([True, False, True]), 2).dtype is torch.int64
    assert torch.cat([torch.tensor([1]), torch.tensor([2.0])]).dtype is torch.float32
    assert (torch.tensor([0, 1, 2], dtype=torch.uint8) - 3).tolist() == [253, 254, 255]


def test_in_place_keeps_the_dtype_or_refuses():
    x = torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        x += 0.5
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        x.clamp_(min=0.5)
    h = torch.tensor([1.0], dtype=torch.float16)
    h += torch.tensor([0.1], dtype=torch.float64)  # computed in float64, written back as half
    assert h.dtype is torch.float16 and h.tolist() == [np.float16(1.1)]
