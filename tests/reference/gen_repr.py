"""Generate reference tensor reprs with real PyTorch.

Run with torch installed, from the repository root:

    python tests/reference/gen_repr.py

It writes ``tests/reference/data/repr.json``: a list of cases, each

    {"id": ..., "values": [...flat...], "shape": [...], "dtype": "float32",
     "suffixes": [...], "device_suffix": null | "cpu",
     "printoptions": null | {...}, "expected": "tensor(...)"}

Floats are stored as strings (shortest round-trip text of the value in its
own dtype, e.g. "0.1", "nan", "-inf", "-0.0") so that nan/inf survive JSON;
decode them with ``np.array([float(s) for s in values]).astype(dtype)``.
``tests/test_tensor_str.py`` checks minigrad's formatter against this file
without needing torch.
"""

import json
import os
from contextlib import contextmanager

import numpy as np
import torch
import torch._tensor_str

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "data", "repr.json")

rng = np.random.default_rng(20240601)
np.seterr(over="ignore")  # float16 casts of huge values become inf on purpose
cases = []

FLOAT_DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float16}
INT_DTYPES = {
    "int64": np.int64,
    "int32": np.int32,
    "int16": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
}


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------


def encode_values(arr):
    flat = arr.reshape(-1)
    if arr.dtype.kind == "f":
        encoded = [str(v) for v in flat]  # numpy scalar str: shortest round-trip
        # Make sure decoding gives back exactly the same bits.
        decoded = np.array([float(s) for s in encoded], dtype=np.float64).astype(arr.dtype)
        assert decoded.tobytes() == flat.tobytes(), "float encoding does not round-trip"
        return encoded
    return flat.tolist()  # Python ints / bools


@contextmanager
def torch_printoptions(options):
    if options:
        torch.set_printoptions(**options)
    try:
        yield
    finally:
        torch.set_printoptions(profile="default")  # also resets sci_mode to None


@contextmanager
def device_shown():
    """Make torch print "device='cpu'" by pretending the default device is cuda.

    The CPU-only build cannot make cuda tensors, but the device suffix logic
    (``_str_intern``) only compares ``tensor.device.type`` with
    ``torch._C._get_default_device()``; patching the latter runs torch's own
    code path for a non-default device.
    """
    original = torch._C._get_default_device
    torch._C._get_default_device = lambda: "cuda"
    try:
        yield
    finally:
        torch._C._get_default_device = original


def add_case(name, tensor, dtype_name, suffixes=(), options=None, device=False):
    with torch_printoptions(options):
        if device:
            with device_shown():
                expected = repr(tensor)
        else:
            expected = repr(tensor)
    arr = tensor.detach().numpy()
    cases.append(
        {
            "id": f"{len(cases):04d}-{name}",
            "values": encode_values(arr),
            "shape": list(arr.shape),
            "dtype": dtype_name,
            "suffixes": list(suffixes),
            "device_suffix": "cpu" if device else None,
            "printoptions": options,
            "expected": expected,
        }
    )


def plain(arr, dtype_name, name, options=None):
    add_case(name, torch.from_numpy(np.array(arr, copy=True, order="C")), dtype_name, options=options)


# ---------------------------------------------------------------------------
# Value generators
# ---------------------------------------------------------------------------


def with_specials(x):
    x = x.astype(np.float64).copy()
    flat = x.reshape(-1)
    if flat.size:
        for special in (np.nan, np.inf, -np.inf, -0.0, 0.0):
            if rng.random() < 0.6:
                flat[rng.integers(flat.size)] = special
    return x


FLOAT_FAMILIES = {
    "randn": lambda s: rng.standard_normal(s),
    "uniform01": lambda s: rng.random(s),
    "tiny": lambda s: rng.standard_normal(s) * 1e-6,
    "small": lambda s: rng.standard_normal(s) * 1e-3,
    "hundreds": lambda s: rng.standard_normal(s) * 300,
    "big": lambda s: rng.standard_normal(s) * 1e5,
    "huge": lambda s: rng.standard_normal(s) * 1e9,
    "mixed": lambda s: rng.standard_normal(s) * 10.0 ** rng.uniform(-7, 7, s),
    "intvalued": lambda s: np.round(rng.standard_normal(s) * 20),
    "intvalued_huge": lambda s: np.round(rng.standard_normal(s) * 1e9),
    "specials": lambda s: with_specials(rng.standard_normal(s) * 5),
    "specials_int": lambda s: with_specials(np.round(rng.standard_normal(s) * 50)),
    "specials_mixed": lambda s: with_specials(rng.standard_normal(s) * 10.0 ** rng.uniform(-6, 9, s)),
}

SMALL_SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (0,), (0, 3), (3, 0, 2), (17,), (2, 1, 3, 2)]
LARGE_SHAPES = [(2000,), (40, 40), (1001,), (11, 11, 11)]


# ---------------------------------------------------------------------------
# 1. Float tensors: every family x small shape x float32/float64
# ---------------------------------------------------------------------------

for dtype_name in ("float32", "float64"):
    np_dtype = FLOAT_DTYPES[dtype_name]
    for family, make in FLOAT_FAMILIES.items():
        for shape in SMALL_SHAPES:
            arr = np.asarray(make(shape)).astype(np_dtype)
            plain(arr, dtype_name, f"{dtype_name}-{family}-{shape}")

# Large shapes (summarization, wrapping) with a subset of families.
for dtype_name, families in (
    ("float32", ("randn", "mixed", "intvalued", "specials", "big")),
    ("float64", ("randn", "mixed", "specials")),
):
    np_dtype = FLOAT_DTYPES[dtype_name]
    for family in families:
        for shape in LARGE_SHAPES if dtype_name == "float32" else LARGE_SHAPES[:3]:
            arr = np.asarray(FLOAT_FAMILIES[family](shape)).astype(np_dtype)
            plain(arr, dtype_name, f"{dtype_name}-{family}-{shape}")

# float16: a few families.
for family in ("randn", "mixed", "intvalued", "specials", "big"):
    for shape in [(), (5,), (3, 4), (0,), (1001,)]:
        arr = np.asarray(FLOAT_FAMILIES[family](shape)).astype(np.float16)
        plain(arr, "float16", f"float16-{family}-{shape}")

# Whole rows that wrap at linewidth 80: vectors of every length up to 30.
for n in range(1, 31):
    arr = (rng.standard_normal(n) * 10.0 ** rng.integers(-2, 4)).astype(np.float32)
    plain(arr, "float32", f"wrap-float32-{n}")

# 1000 elements: the largest tensor that is printed in full.
plain(np.round(rng.standard_normal(1000) * 100).astype(np.float32), "float32", "full-1000")


# ---------------------------------------------------------------------------
# 2. Hand-picked edge cases for the sci-mode / int-mode rules
# ---------------------------------------------------------------------------

EDGE_VALUES = {
    "one": [1.0],
    "ones": [1.0, 2.0],
    "half": [0.5],
    "neg_zero": [-0.0],
    "zeros": [0.0, -0.0, 0.0],
    "neg_zero_and_one": [-0.0, 1.0],
    "neg_zero_and_half": [-0.0, 0.5],
    "nan": [float("nan")],
    "inf": [float("inf"), float("-inf")],
    "nan_inf": [float("nan"), float("inf"), float("-inf")],
    "nan_and_frac": [float("nan"), 1.5, -2.25],
    "inf_and_int": [float("inf"), 3.0, -4.0],
    "inf_and_big": [float("inf"), 1e10],
    "ratio_1000": [1.0, 1000.0],
    "ratio_above_1000": [1.0, 1000.5],
    "ratio_1000_frac": [0.001, 1.0],
    "ratio_1000_frac2": [0.0011, 1.1],
    "min_1e-4": [1e-4],
    "min_1e-4_and_more": [1e-4, 0.05],
    "min_below_1e-4": [9.9e-5, 0.05],
    "max_1e8": [1e8],
    "max_above_1e8": [100000001.0],
    "max_above_1e8_frac": [123456789.5],
    "sci_example": [1e-5, 1e5],
    "sci_neg": [-1e-5, 1e5, -3.5],
    "precision_round": [0.99999, 9.99995, 1.00005],
    "round_up_width": [9.99999, 0.5],
    "big_intvalued": [1e7, -1e7, 3.0],
    "tiny_only": [1e-30, -2e-30],
    "large_only": [1e30, -3.5e30],
    "ten_thousand": [12345.678, 0.5],
}

for name, vals in EDGE_VALUES.items():
    for dtype_name in ("float32", "float64", "float16"):
        arr = np.array(vals, dtype=np.float64).astype(FLOAT_DTYPES[dtype_name])
        plain(arr, dtype_name, f"edge-{name}-{dtype_name}")
        if len(vals) == 1:
            plain(arr.reshape(()), dtype_name, f"edge-{name}-scalar-{dtype_name}")
    # as a 2x? matrix too (float32)
    if len(vals) >= 2:
        arr = np.array(vals * 2, dtype=np.float32).reshape(2, len(vals))
        plain(arr, "float32", f"edge-{name}-matrix")

# Extreme float64 values.
plain(np.array([1e300, 1e-300, 1.0]), "float64", "float64-extreme")
plain(np.array([np.finfo(np.float64).max, -np.finfo(np.float64).tiny]), "float64", "float64-limits")
plain(np.array([np.finfo(np.float32).max, np.finfo(np.float32).tiny], dtype=np.float32), "float32", "float32-limits")
plain(np.array([65504.0, 6e-5, -1.0], dtype=np.float16), "float16", "float16-limits")


# ---------------------------------------------------------------------------
# 3. Integer and bool tensors
# ---------------------------------------------------------------------------

for dtype_name, np_dtype in INT_DTYPES.items():
    info = np.iinfo(np_dtype)
    for shape in SMALL_SHAPES + [(2000,), (40, 40), (1000,)]:
        low, high = max(info.min, -1000), min(info.max, 1000)
        arr = rng.integers(low, high, size=shape, endpoint=True).astype(np_dtype)
        plain(arr, dtype_name, f"{dtype_name}-{shape}")
    plain(np.array([info.min, 0, info.max], dtype=np_dtype), dtype_name, f"{dtype_name}-limits")
    plain(np.array(7, dtype=np_dtype), dtype_name, f"{dtype_name}-scalar")

for n in range(1, 31, 3):
    plain(rng.integers(-10**12, 10**12, size=n), "int64", f"wrap-int64-{n}")

for shape in SMALL_SHAPES + [(2000,), (40, 40)]:
    plain(rng.random(shape) < 0.5, "bool", f"bool-{shape}")
plain(np.array(True), "bool", "bool-scalar-true")
plain(np.array([False, False]), "bool", "bool-all-false")


# ---------------------------------------------------------------------------
# 4. Autograd suffixes: requires_grad=True and grad_fn=<...>
# ---------------------------------------------------------------------------


def leaf(arr):
    return torch.from_numpy(np.array(arr, copy=True, order="C")).requires_grad_(True)


GRAD_SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (0,), (0, 3), (12,), (1001,)]
for dtype_name in ("float32", "float64", "float16"):
    np_dtype = FLOAT_DTYPES[dtype_name]
    for shape in GRAD_SHAPES:
        arr = (rng.standard_normal(shape) * 3).astype(np_dtype)
        add_case(f"reqgrad-{dtype_name}-{shape}", leaf(arr), dtype_name, ["requires_grad=True"])
        add_case(f"clone-{dtype_name}-{shape}", leaf(arr).clone(), dtype_name, ["grad_fn=<CloneBackward0>"])
    for shape in [(5,), (3, 4)]:
        arr = (rng.standard_normal(shape) * 3).astype(np_dtype)
        add_case(f"sum-{dtype_name}-{shape}", leaf(arr).sum(), dtype_name, ["grad_fn=<SumBackward0>"])
        add_case(f"mul-{dtype_name}-{shape}", leaf(arr) * 2, dtype_name, ["grad_fn=<MulBackward0>"])
        add_case(f"mean-{dtype_name}-{shape}", leaf(arr).mean(), dtype_name, ["grad_fn=<MeanBackward0>"])

# Rows of every length, so that the suffix sometimes moves to a new line.
for n in range(1, 16):
    for dtype_name in ("float32", "float64"):
        arr = (rng.standard_normal(n) * 100).astype(FLOAT_DTYPES[dtype_name])
        add_case(f"suffixwrap-reqgrad-{dtype_name}-{n}", leaf(arr), dtype_name, ["requires_grad=True"])
        x = leaf(arr)
        y = torch.addmm(x.reshape(1, n), torch.eye(n, dtype=x.dtype), torch.eye(n, dtype=x.dtype))
        add_case(f"suffixwrap-addmm-{dtype_name}-{n}", y, dtype_name, ["grad_fn=<AddmmBackward0>"])
for n in range(1, 12):
    arr = np.round(rng.standard_normal(n) * 1000).astype(np.float32)
    add_case(f"suffixwrap-int-valued-{n}", leaf(arr), "float32", ["requires_grad=True"])


# ---------------------------------------------------------------------------
# 5. Device suffix (torch's own code path, see device_shown())
# ---------------------------------------------------------------------------

DEVICE_CASES = [
    ("float32", (3,), False),
    ("float32", (), True),
    ("float64", (2, 3), True),
    ("float64", (0,), False),
    ("float32", (0, 2), False),
    ("int64", (4,), False),
    ("int64", (0,), False),
    ("bool", (3,), False),
    ("float16", (2, 2), True),
    ("float64", (12,), True),
]
for dtype_name, shape, grad in DEVICE_CASES:
    np_dtype = {**FLOAT_DTYPES, **INT_DTYPES, "bool": np.bool_}[dtype_name]
    if dtype_name == "bool":
        arr = rng.random(shape) < 0.5
    elif dtype_name in INT_DTYPES:
        arr = rng.integers(-50, 50, size=shape).astype(np_dtype)
    else:
        arr = (rng.standard_normal(shape) * 7).astype(np_dtype)
    tensor = leaf(arr) if grad else torch.from_numpy(np.array(arr, copy=True, order="C"))
    add_case(
        f"device-{dtype_name}-{shape}-{grad}",
        tensor,
        dtype_name,
        ["requires_grad=True"] if grad else [],
        device=True,
    )


# ---------------------------------------------------------------------------
# 6. Print options
# ---------------------------------------------------------------------------

OPTION_SETS = [
    {"precision": 2},
    {"precision": 6},
    {"precision": 0},
    {"sci_mode": True},
    {"sci_mode": False},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"edgeitems": 0},
    {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 1},
    {"linewidth": 40},
    {"linewidth": 120},
    {"profile": "short"},
    {"profile": "full"},
    {"precision": 2, "sci_mode": True, "linewidth": 50},
]
OPTION_ARRAYS = [
    ("float32", lambda: rng.standard_normal((5,)).astype(np.float32)),
    ("float32", lambda: (rng.standard_normal((3, 4)) * 1e4).astype(np.float32)),
    ("float64", lambda: with_specials(rng.standard_normal((2, 3, 4)))),
    ("float32", lambda: np.round(rng.standard_normal((20,)) * 10).astype(np.float32)),
    # large ones use 3-decimal values to keep the JSON file small
    ("float32", lambda: np.round(rng.standard_normal((1200,)), 3).astype(np.float32)),
    ("float32", lambda: np.round(rng.standard_normal((6, 7, 25)), 3).astype(np.float32)),
    ("int64", lambda: rng.integers(-99, 99, size=(9, 9))),
    ("bool", lambda: rng.random((8,)) < 0.5),
    ("float32", lambda: np.array(3.14159265, dtype=np.float32)),
    ("float32", lambda: np.zeros((0, 4), dtype=np.float32)),
]
for options in OPTION_SETS:
    for index, (dtype_name, make) in enumerate(OPTION_ARRAYS):
        plain(make(), dtype_name, f"opts-{index}-{options}", options=options)
    arr = rng.standard_normal((7,)).astype(np.float32)
    add_case(f"opts-reqgrad-{options}", leaf(arr), "float32", ["requires_grad=True"], options=options)


# ---------------------------------------------------------------------------

os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
with open(OUT_PATH, "w") as f:
    f.write("[\n")
    f.write(",\n".join(json.dumps(case) for case in cases))
    f.write("\n]\n")
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT_PATH)}")
