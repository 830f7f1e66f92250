"""Shared helpers for the nn/optim tests: the PyTorch reference data of ``tests/reference/gen_nn.py``.

``tests/reference/data/nn.json`` was written by real PyTorch 2.13; these helpers turn its encoded tensors
back into NumPy arrays / minigrad tensors and run its code snippets with ``torch`` bound to minigrad.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from reference_data import TOLERANCE, decode, load

REFERENCE = load("nn")


def tensor(data, requires_grad: bool = False):
    """An encoded tensor as a minigrad tensor."""
    return minigrad.tensor(decode(data), requires_grad=requires_grad)


def assert_matches(actual, expected_data, tolerance=None, what=""):
    """A minigrad tensor (or array) against an encoded PyTorch tensor: shape, dtype and values."""
    expected = decode(expected_data)
    array = actual.detach().numpy() if hasattr(actual, "detach") else np.asarray(actual)
    assert array.shape == expected.shape, f"{what}: shape {array.shape} != {expected.shape}"
    assert array.dtype == expected.dtype, f"{what}: dtype {array.dtype} != {expected.dtype}"
    tolerance = tolerance or TOLERANCE[expected_data["dtype"]]
    np.testing.assert_allclose(array, expected, err_msg=what, equal_nan=True, **tolerance)


def namespace() -> dict:
    """Globals for the reference code snippets: the lessons' code runs unchanged on minigrad."""
    scope = {"torch": minigrad, "nn": nn, "F": F, "OrderedDict": OrderedDict}
    exec(REFERENCE["prelude"], scope)
    return scope
