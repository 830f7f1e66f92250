"""Leaf hooks run in PyTorch's order when one node makes several leaves ready at once.

PyTorch's ready queue is a binary heap in which every ``AccumulateGrad`` has the same priority, so
``cat([a, b, c, d])`` runs the hooks of ``a c b d``; minigrad mirrors the heap (``autograd/ready_queue.py``).
The programs are in ``tests/reference/hook_order.py``, recorded from PyTorch 2.13 by ``gen_hook_order.py``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import minigrad
from minigrad.autograd.ready_queue import ReadyQueue

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE_DIR))

from behaviours import run_program  # noqa: E402
from hook_order import ANSWERS  # noqa: E402

with open(REFERENCE_DIR / "data" / "hook_order.json") as f:
    RECORDED = json.load(f)


@pytest.mark.parametrize("name", list(ANSWERS))
def test_hook_order_matches_pytorch(name):
    error, namespace, caught = run_program(minigrad, name, ANSWERS[name])
    assert error is None, repr(error)
    assert (repr(namespace["answer"]), caught) == (RECORDED["answers"][name]["answer"], [])


def test_every_program_was_recorded():
    assert sorted(RECORDED["answers"]) == sorted(ANSWERS), "run `python tests/reference/generate.py hook_order`"


class _Node:
    def __init__(self, name, sequence_nr):
        self.name, self._sequence_nr = name, sequence_nr


def test_ready_queue_hands_out_the_highest_first_and_ties_as_libstdcxx():
    queue = ReadyQueue()
    for name, nr in [("m", 3), ("n", 7), ("o", 5)]:
        queue.push(_Node(name, nr))
    assert [queue.pop().name for _ in range(3)] == ["n", "o", "m"]
    for letter in "abcdefgh":
        queue.push(_Node(letter, float("inf")))
    assert "".join(queue.pop().name for _ in range(8)) == "acgfhebd"  # torch.cat of 8 leaves
    assert queue.heap == []
