"""Record what PyTorch does for each program in ``tests/reference/edge_cases.py`` (issue 15's edge cases).

    python tests/reference/gen_edge_cases.py        # or: python tests/reference/generate.py edge_cases

writes ``tests/reference/data/edge_cases.json`` in the format of ``autograd.json`` (see ``gen_autograd.py``);
``tests/test_edge_cases.py`` replays the programs on minigrad.
"""
from __future__ import annotations

import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from behaviours import run_program  # noqa: E402
from edge_cases import ANSWERS, ERRORS  # noqa: E402

OUT_PATH = os.path.join(HERE, "data", "edge_cases.json")


def main():
    errors, answers = {}, {}
    for name, code in ERRORS.items():
        error, _, caught = run_program(torch, name, code)
        if error is None:
            raise SystemExit(f"error program {name!r} did not raise under PyTorch")
        errors[name] = {"type": type(error).__name__, "message": str(error), "warnings": caught}
    for name, code in ANSWERS.items():
        error, namespace, caught = run_program(torch, name, code)
        if error is not None:
            raise SystemExit(f"answer program {name!r} raised under PyTorch: {error!r}")
        answers[name] = {"answer": repr(namespace["answer"]), "warnings": caught}
    with open(OUT_PATH, "w") as f:
        json.dump({"torch_version": torch.__version__, "errors": errors, "answers": answers}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(errors)} errors and {len(answers)} answers to {os.path.relpath(OUT_PATH)}")


if __name__ == "__main__":
    main()
