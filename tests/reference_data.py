"""Reading what ``tests/reference/gen_<topic>.py`` recorded with real PyTorch: the JSON files under
``tests/reference/data/`` and the tensors encoded in them."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "reference" / "data"

# How closely a minigrad value must match a recorded one, by dtype.
TOLERANCE = {"float32": {"rtol": 1e-5, "atol": 1e-6}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


def load(topic: str) -> dict:
    """The recorded data of ``tests/reference/data/<topic>.json``."""
    with open(DATA_DIR / f"{topic}.json") as file:
        return json.load(file)


def decode(data) -> np.ndarray:
    """An encoded tensor (``{"dtype", "shape", "values"}``, floats stored as strings) as a NumPy array, bit for
    bit."""
    dtype = np.dtype(data["dtype"])
    values = data["values"]
    if dtype.kind == "f":
        array = np.array([float(v) for v in values], dtype=np.float64).astype(dtype)
    else:
        array = np.array(values, dtype=dtype)
    return array.reshape(data["shape"])
