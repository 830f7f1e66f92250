"""Record the order PyTorch runs leaf hooks in, for each program in ``tests/reference/hook_order.py``.

    python tests/reference/gen_hook_order.py        # or: python tests/reference/generate.py hook_order

writes ``tests/reference/data/hook_order.json`` in the format of ``autograd.json`` (see ``gen_autograd.py``);
``tests/test_hook_order.py`` replays the programs on minigrad.
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from gen_autograd import record  # noqa: E402  (imports torch)
from hook_order import ANSWERS  # noqa: E402

OUT_PATH = os.path.join(HERE, "data", "hook_order.json")

if __name__ == "__main__":
    record({}, ANSWERS, OUT_PATH)
