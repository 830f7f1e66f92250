"""Record what PyTorch does for each program in ``tests/reference/behaviours_extras.py`` (``out=``, scatter,
gather, einsum, broadcasting helpers).

Run with torch installed, from the repository root (``python tests/reference/generate.py`` runs all generators):

    python tests/reference/gen_extras.py

It writes ``tests/reference/data/extras.json`` in the format of ``autograd.json`` (see ``gen_autograd.py``).
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from behaviours_extras import ANSWERS, ERRORS  # noqa: E402
from gen_autograd import record  # noqa: E402

OUT_PATH = os.path.join(HERE, "data", "extras.json")

if __name__ == "__main__":
    record(ERRORS, ANSWERS, OUT_PATH)
