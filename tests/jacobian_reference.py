"""Shared helpers for the Jacobian / forward-mode tests: the PyTorch data of ``tests/reference/gen_jacobians.py``.

``tests/reference/data/jacobians.json`` was written by real PyTorch 2.13. Its cases are Python snippets; here
they run with ``torch`` bound to minigrad, and their results are compared with PyTorch's, structure included
(a tuple where PyTorch returns a tuple, a tuple of tuples for Jacobians of tuple outputs w.r.t. tuple inputs).
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad.autograd import forward_ad
from reference_data import TOLERANCE, decode, load

REFERENCE = load("jacobians")


def namespace() -> dict:
    """A fresh namespace with ``torch`` = minigrad and the prelude's functions and tensors."""
    names = {"torch": minigrad}
    exec(REFERENCE["prelude"], names)
    return names


def run(code: str):
    """Evaluate a case's expression; a dual level it leaves open is closed again."""
    try:
        return eval(code, namespace())
    finally:
        while forward_ad.state.level is not None:
            forward_ad.exit_dual_level()


def assert_matches(actual, expected, where="result"):
    """``actual`` (a minigrad result) has the structure, dtypes, shapes, values and requires_grad of ``expected``."""
    (kind, body), = expected.items()
    if kind == "tensor":
        assert isinstance(actual, minigrad.Tensor), f"{where}: expected a Tensor, got {type(actual).__name__}"
        want = decode(body)
        got = actual.detach().numpy()
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
        assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
        np.testing.assert_allclose(got, want, err_msg=where, **TOLERANCE.get(str(want.dtype), {}))
        assert actual.requires_grad == body["requires_grad"], f"{where}: requires_grad"
    elif kind in ("tuple", "list"):
        wanted_type = tuple if kind == "tuple" else list
        assert type(actual) is wanted_type or (wanted_type is tuple and isinstance(actual, tuple)), \
            f"{where}: expected a {kind}, got {type(actual).__name__}"
        assert len(actual) == len(body), f"{where}: length {len(actual)} != {len(body)}"
        for index, (item, expected_item) in enumerate(zip(actual, body)):
            assert_matches(item, expected_item, f"{where}[{index}]")
    elif kind == "dict":
        assert isinstance(actual, dict) and list(actual) == list(body), f"{where}: keys"
        for key in body:
            assert_matches(actual[key], body[key], f"{where}[{key!r}]")
    else:
        assert actual == body, f"{where}: {actual!r} != {body!r}"


def value_cases(select):
    cases = [case for case in REFERENCE["values"] if select(case["code"])]
    return pytest.mark.parametrize("case", cases, ids=[case["id"] for case in cases])


def error_cases(select):
    cases = [case for case in REFERENCE["errors"] if select(case["code"])]
    return pytest.mark.parametrize("case", cases, ids=[case["id"] for case in cases])


def uses_func(code: str) -> bool:
    return "torch.func" in code


def uses_forward_ad(code: str) -> bool:
    return "fwAD" in code or "forward_jvp" in code


def uses_functional(code: str) -> bool:
    return not uses_func(code) and not uses_forward_ad(code)


EXCEPTIONS = {"RuntimeError": RuntimeError, "TypeError": TypeError, "ValueError": ValueError,
              "AssertionError": AssertionError, "NotImplementedError": NotImplementedError}


def check_error(case) -> None:
    """The case raises PyTorch's exception type with PyTorch's exact message."""
    with pytest.raises(EXCEPTIONS[case["type"]]) as raised:
        run(case["code"])
    assert type(raised.value).__name__ == case["type"]
    assert str(raised.value) == case["message"]
