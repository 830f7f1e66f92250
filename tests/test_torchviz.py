"""torchviz draws minigrad's graphs: ``torchviz.make_dot`` reads ``grad_fn``, ``next_functions``, ``variable``, the
``_saved_*`` attributes of each node (``dir(fn)``) and ``Tensor._is_view()``, the way it reads PyTorch's.

torchviz declares PyTorch as a dependency, so it is installed without it (``pip install --no-deps torchviz``;
``.ci/run`` does that) and runs in a subprocess that has minigrad under the name ``torch``. The picture of a small
MLP (boxes with their labels and colours, edges between labels) must be the one torchviz draws for PyTorch,
recorded by ``tests/reference/gen_extras.py``.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
REPO_ROOT = REFERENCE_DIR.parent.parent

DRAW = f"""
import sys
import minigrad, minigrad.autograd, minigrad.nn
for name, module in list(sys.modules.items()):  # minigrad and its submodules as torch, torch.autograd, ...
    if name == "minigrad" or name.startswith("minigrad."):
        sys.modules["torch" + name[len("minigrad"):]] = module
sys.path.insert(0, {str(REFERENCE_DIR)!r})
from behaviours import run_program
from behaviours_extras import TORCHVIZ
error, namespace, _ = run_program(minigrad, "torchviz", TORCHVIZ)
if error is not None:
    raise error
print(repr(namespace["answer"]))
"""


def _draw_with_minigrad():
    if importlib.util.find_spec("torchviz") is None or importlib.util.find_spec("graphviz") is None:
        pytest.skip("torchviz is not installed (pip install graphviz && pip install --no-deps torchviz)")
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", DRAW], capture_output=True, text=True, env=environment,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_make_dot_draws_the_graph_pytorch_draws():
    with open(REFERENCE_DIR / "data" / "extras.json") as f:
        expected_boxes, expected_edges = ast.literal_eval(json.load(f)["torchviz"])
    boxes, edges = _draw_with_minigrad()
    assert boxes == expected_boxes
    assert edges == expected_edges
    # the saved-tensor boxes are there: what Addmm, Relu, Sigmoid and Mul keep for backward, in orange
    assert {label.split()[0] for label, colour in boxes if colour == "orange"} == {"mat1", "mat2", "result", "other"}
