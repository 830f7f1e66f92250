"""Every error of issue 2, message included, against what PyTorch 2.13 raised for the same program.

The programs live in ``tests/reference/behaviours.py`` (``ERRORS``); ``tests/reference/gen_autograd.py`` ran them
under PyTorch and recorded the exception type, the message and the warnings in
``tests/reference/data/autograd.json``. Here each runs with ``torch`` bound to minigrad. minigrad may add one
line naming the lesson that explains an error; everything before it must be PyTorch's words exactly.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import minigrad

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE_DIR))

from behaviours import ERRORS, comparable_warnings, pytorch_words, run_program  # noqa: E402

with open(REFERENCE_DIR / "data" / "autograd.json") as f:
    RECORDED = json.load(f)["errors"]


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_matches_pytorch(name):
    expected = RECORDED[name]
    error, _, caught = run_program(minigrad, name, ERRORS[name])
    assert error is not None, f"minigrad did not raise; PyTorch raised {expected['type']}: {expected['message']}"
    assert type(error).__name__ == expected["type"], str(error)
    assert pytorch_words(str(error)) == expected["message"]
    assert comparable_warnings(caught) == comparable_warnings(expected["warnings"])


def test_every_program_was_recorded():
    assert sorted(RECORDED) == sorted(ERRORS), "run `python tests/reference/generate.py`"


def test_lesson_line_is_the_only_addition():
    """Where minigrad adds a pointer to a lesson it is one last line, after PyTorch's message."""
    error, _, _ = run_program(minigrad, "hint", "x = torch.ones(2, requires_grad=True)\nx.add_(1)")
    lines = str(error).split("\n")
    assert lines[0] == RECORDED["leaf_in_place_add"]["message"]
    assert len(lines) <= 2 and all(line.startswith("(minigrad: lesson") for line in lines[1:])
