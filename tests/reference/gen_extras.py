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

import json  # noqa: E402

from behaviours import run_program  # noqa: E402
from behaviours_extras import ANSWERS, ERRORS, TORCHVIZ  # noqa: E402
from gen_autograd import record  # noqa: E402

OUT_PATH = os.path.join(HERE, "data", "extras.json")


def record_torchviz():
    """torchviz's picture of a small MLP (needs ``pip install --no-deps torchviz graphviz`` next to torch)."""
    import torch

    error, namespace, _ = run_program(torch, "torchviz", TORCHVIZ)
    if error is not None:
        raise SystemExit(f"the torchviz program raised under PyTorch: {error!r}")
    with open(OUT_PATH) as f:
        data = json.load(f)
    data["torchviz"] = repr(namespace["answer"])
    with open(OUT_PATH, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    record(ERRORS, ANSWERS, OUT_PATH)
    record_torchviz()
