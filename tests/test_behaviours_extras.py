"""Issue 16's extras (``out=``, scatter/gather, einsum, broadcasting helpers) against PyTorch 2.13.

The programs live in ``tests/reference/behaviours_extras.py``; ``tests/reference/gen_extras.py`` ran them under
PyTorch and recorded what each raised (type, message, warnings) or answered (``repr``) in
``tests/reference/data/extras.json``. Here each runs with ``torch`` bound to minigrad and must do the same.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import minigrad

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE_DIR))

from behaviours import comparable_warnings as _comparable_warnings, pytorch_words, run_program  # noqa: E402
from behaviours_extras import ANSWERS, ERRORS  # noqa: E402

with open(REFERENCE_DIR / "data" / "extras.json") as f:
    RECORDED = json.load(f)

# PyTorch gives this one once per process (TORCH_WARN_ONCE); minigrad every time
ONCE_PER_PROCESS = "The reduce argument of torch.scatter with Tensor src is deprecated"


def comparable_warnings(caught):
    return [warning for warning in _comparable_warnings(caught) if not warning[1].startswith(ONCE_PER_PROCESS)]


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_matches_pytorch(name):
    expected = RECORDED["errors"][name]
    error, _, caught = run_program(minigrad, name, ERRORS[name])
    assert error is not None, f"minigrad did not raise; PyTorch raised {expected['type']}: {expected['message']}"
    assert type(error).__name__ == expected["type"], str(error)
    assert pytorch_words(str(error)) == expected["message"]
    assert comparable_warnings(caught) == comparable_warnings(expected["warnings"])


@pytest.mark.parametrize("name", list(ANSWERS))
def test_answer_matches_pytorch(name):
    expected = RECORDED["answers"][name]
    error, namespace, caught = run_program(minigrad, name, ANSWERS[name])
    assert error is None, f"minigrad raised {type(error).__name__}: {error}"
    assert repr(namespace["answer"]) == expected["answer"]
    assert comparable_warnings(caught) == comparable_warnings(expected["warnings"])


def test_every_program_was_recorded():
    assert sorted(RECORDED["errors"]) == sorted(ERRORS), "run `python tests/reference/gen_extras.py`"
    assert sorted(RECORDED["answers"]) == sorted(ANSWERS), "run `python tests/reference/gen_extras.py`"
    assert RECORDED["torch_version"].startswith("2.13.")
