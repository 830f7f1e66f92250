"""Record what PyTorch does for each program in ``tests/reference/edge_cases.py`` (issue 15's edge cases).

    python tests/reference/gen_edge_cases.py        # or: python tests/reference/generate.py edge_cases

writes ``tests/reference/data/edge_cases.json`` in the format of ``autograd.json`` (see ``gen_autograd.py``);
``tests/test_edge_cases.py`` replays the programs on minigrad.
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from edge_cases import ANSWERS, ERRORS  # noqa: E402
from gen_autograd import record  # noqa: E402  (imports torch)

OUT_PATH = os.path.join(HERE, "data", "edge_cases.json")

if __name__ == "__main__":
    record(ERRORS, ANSWERS, OUT_PATH)
