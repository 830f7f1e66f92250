"""Issue 15's edge cases against PyTorch 2.13: empty dimensions, NaN in max/min, error texts, norms, and no
NumPy floating-point warnings where PyTorch is silent.

The programs are in ``tests/reference/edge_cases.py``; ``tests/reference/gen_edge_cases.py`` recorded what
PyTorch did in ``tests/reference/data/edge_cases.json``. Unlike ``test_errors.py``, warnings are compared as
recorded, NumPy's RuntimeWarnings included: a "divide by zero encountered" from minigrad fails here.
"""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pytest

import minigrad

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE_DIR))

from behaviours import pytorch_words, run_program  # noqa: E402
from edge_cases import ANSWERS, ERRORS  # noqa: E402

with open(REFERENCE_DIR / "data" / "edge_cases.json") as f:
    RECORDED = json.load(f)


def first_lines(caught) -> list:
    return [[category, message.splitlines()[0].split(" (Triggered internally at")[0] if message else message]
            for category, message in caught]


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_matches_pytorch(name):
    expected = RECORDED["errors"][name]
    error, _, caught = run_program(minigrad, name, ERRORS[name])
    assert error is not None, f"minigrad did not raise; PyTorch raised {expected['type']}: {expected['message']}"
    assert (type(error).__name__, pytorch_words(str(error))) == (expected["type"], expected["message"])
    assert first_lines(caught) == first_lines(expected["warnings"])


@pytest.mark.parametrize("name", list(ANSWERS))
def test_answer_matches_pytorch(name):
    expected = RECORDED["answers"][name]
    error, namespace, caught = run_program(minigrad, name, ANSWERS[name])
    assert error is None, repr(error)
    assert repr(namespace["answer"]) == expected["answer"]
    assert first_lines(caught) == first_lines(expected["warnings"])


def test_every_program_was_recorded():
    assert sorted(RECORDED["errors"]) == sorted(ERRORS) and sorted(RECORDED["answers"]) == sorted(ANSWERS), \
        "run `python tests/reference/generate.py edge_cases`"


def test_no_numpy_warning_under_error_filter():
    """The issue's own check: with warnings turned into errors, inf and nan still come out silently, forward,
    backward and double backward."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = minigrad.tensor([0.0, -1.0, 2.0], requires_grad=True)
        y = x.log() + x.sqrt() + 1 / x + x.rsqrt()
        (g,) = minigrad.autograd.grad(y.sum(), x, create_graph=True)
        g.sum().backward()
    assert bool(g.isnan().any())  # log, sqrt and 1/x at 0 and -1: inf - inf and nan, all silent


def test_no_numpy_warning_with_minigrads_own_filter_first():
    """The usual case outside pytest: minigrad's own warnings filter stands first and forwards skip NumPy's
    error state (backend/float_errors.py); nothing may show either."""
    from minigrad.backend import float_errors

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filters.insert(0, float_errors.OWN_FILTER)  # (pytest's own filters stand first otherwise)
        x = minigrad.tensor([0.0, -1.0, 2.0], requires_grad=True)
        y = x.log() + x.sqrt() + 1 / x + x.rsqrt() + (x * 1e30) * 1e30
        (g,) = minigrad.autograd.grad(y.sum(), x, create_graph=True)
        g.sum().backward()
        with minigrad.no_grad():
            x.log()
    assert [str(w.message) for w in caught] == []
    assert bool(g.isnan().any())


def test_float_warnings_stay_on_outside_minigrad():
    """minigrad silences NumPy only while it computes: the user's own NumPy code keeps its settings."""
    import numpy as np

    (minigrad.tensor(0.0).log() + 1).exp()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):
            np.log(np.zeros(1))


@pytest.mark.parametrize("op", ["sort", "topk", "max_dim"])
def test_gradgradcheck_skips_integer_outputs(op):
    """Ops that also return indices: grad_outputs are drawn for the float outputs only (as PyTorch's
    gradgradcheck), not for the int64 indices (which would fail to draw normal numbers)."""
    x = minigrad.tensor([0.3, -1.2, 2.5, 0.9, -0.4], dtype=minigrad.float64, requires_grad=True)
    call = {"sort": lambda a: (a * a).sort(), "topk": lambda a: (a * a).topk(2), "max_dim": lambda a: (a * a).max(0)}
    assert minigrad.autograd.gradgradcheck(call[op], (x,))
