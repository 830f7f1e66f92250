"""Record what PyTorch does for each program in ``tests/reference/behaviours.py``.

Run with torch installed, from the repository root (``python tests/reference/generate.py`` runs all generators):

    python tests/reference/gen_autograd.py

It writes ``tests/reference/data/autograd.json``:

    {"torch_version": "2.13.0+cpu",
     "errors":  {"<id>": {"type": "RuntimeError", "message": "...", "warnings": [["UserWarning", "..."]]}},
     "answers": {"<id>": {"answer": "<repr of answer>", "warnings": [...]}}}

``tests/test_errors.py``, ``tests/test_tensor_api.py`` and ``tests/test_autograd_engine.py`` run the same
programs on minigrad and compare.
"""
from __future__ import annotations

import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from behaviours import ANSWERS, ERRORS, run_program  # noqa: E402

OUT_PATH = os.path.join(HERE, "data", "autograd.json")


def record(error_programs: dict, answer_programs: dict, out_path: str) -> None:
    """Run each program under PyTorch and write what happened to ``out_path`` (the format above)."""
    errors, answers = {}, {}
    for name, code in error_programs.items():
        error, _, caught = run_program(torch, name, code)
        if error is None:
            raise SystemExit(f"error program {name!r} did not raise under PyTorch")
        errors[name] = {"type": type(error).__name__, "message": str(error), "warnings": caught}
    for name, code in answer_programs.items():
        error, namespace, caught = run_program(torch, name, code)
        if error is not None:
            raise SystemExit(f"answer program {name!r} raised under PyTorch: {error!r}")
        answers[name] = {"answer": repr(namespace["answer"]), "warnings": caught}
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump({"torch_version": torch.__version__, "errors": errors, "answers": answers}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(errors)} errors and {len(answers)} answers to {os.path.relpath(out_path)}")


def main():
    record(ERRORS, ANSWERS, OUT_PATH)


if __name__ == "__main__":
    main()
