"""What a saved notebook stores, checked by running small notebooks in a real kernel (nbclient).

* Every widget's output keeps a PNG of its current state beside the widget reference, and the PNG follows later
  cells (a training loop, a backward pass that fired hooks): a notebook viewer without a kernel shows the end state.
* ``minigrad.widgets.short_tracebacks()``: an error raised inside minigrad shows the learner's line and the
  message, with no minigrad frame and no path of the machine.
"""
from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_notebook(cells, tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                       OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    old = dict(os.environ)
    os.environ.update(environment)  # the kernel inherits this process's environment
    try:
        client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                                         resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return notebook


def pngs(cell):
    return [base64.b64decode(out["data"]["image/png"]) for out in cell.outputs
            if out.get("output_type") in ("display_data", "execute_result") and "image/png" in out.get("data", {})]


def test_every_widget_cell_stores_a_picture_of_its_last_state(tmp_path):
    cells = [
        "import minigrad as torch\nimport minigrad.widgets as mw\nfrom minigrad import nn",
        # 1: LiveGraph, followed by cell 2
        "x = torch.tensor(2.0)\nw = torch.tensor(3.0, requires_grad=True)\ny = w * x\nlive = mw.LiveGraph(y)\nlive",
        "z = y + 1\nz.backward()",
        # 3: BackwardStepper in predict mode, answered in cell 4
        "stepper = mw.BackwardStepper((w * x) ** 2, predict=True)\nstepper",
        "stepper.predict(1)\nstepper.step()",
        # 5: HookMonitor, fired in cell 6
        "torch.manual_seed(0)\nnet = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))\n"
        "monitor = mw.HookMonitor()\nmonitor.watch_module(net[2], 'second layer')\nmonitor",
        "net(torch.randn(8, 4)).sum().backward()",
        # 7: JacobianExplorer
        "explorer = mw.JacobianExplorer()\nexplorer",
        # 8: TrainingDashboard, trained in cell 9
        "dash = mw.TrainingDashboard(total_steps=20, every=5)\ndash",
        "for step in range(20):\n    dash.update(step, 1.0 / (step + 1))",
        "import base64\nfor name in ['live', 'stepper', 'monitor', 'explorer', 'dash']:\n"
        "    print(name, base64.b64encode(globals()[name].snapshot_png()).decode()[-60:])",
    ]
    notebook = run_notebook(cells, tmp_path)
    errors = [out for cell in notebook.cells for out in cell.outputs if out.get("output_type") == "error"]
    assert not errors, errors
    final = dict(line.split(" ", 1) for line in notebook.cells[10].outputs[0]["text"].splitlines())
    for index, name in [(1, "live"), (3, "stepper"), (5, "monitor"), (7, "explorer"), (8, "dash")]:
        cell = notebook.cells[index]
        widget_outputs = [out for out in cell.outputs if "application/vnd.jupyter.widget-view+json" in
                          out.get("data", {})]
        assert len(widget_outputs) == 1, (name, cell.outputs)
        stored = pngs(cell)
        assert len(stored) == 1 and stored[0].startswith(b"\x89PNG"), name
        # the stored picture is the widget's state after the later cells, not when it was first shown
        assert base64.b64encode(stored[0]).decode()[-60:] == final[name], name
        assert "text/plain" in widget_outputs[0]["data"]
    # the text stays as first shown: nbval compares it, and nbval does not apply update_display_data
    assert notebook.cells[5].outputs[0]["data"]["text/plain"] == "HookMonitor(watching 1, 0 calls)"
    assert notebook.cells[8].outputs[0]["data"]["text/plain"] == "TrainingDashboard(step 0/20)"


def traceback_text(output) -> str:
    return ANSI.sub("", "\n".join(output["traceback"]))


def test_short_tracebacks_show_the_learners_line_and_the_message(tmp_path):
    cells = [
        "import minigrad as torch\nimport minigrad.widgets\nminigrad.widgets.short_tracebacks()",
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\ny.backward()  # y is not a scalar",
        # the learner's own code called back by minigrad stays in the traceback
        "def shout(grad):\n    raise ValueError('my hook saw ' + str(grad.tolist()))\n"
        "h = x.register_hook(shout)\n(x * 3).sum().backward()",
        "h.remove()\n[1, 2][5]  # an error that never touched minigrad: shown as usual",
        "minigrad.widgets.short_tracebacks(False)\ny.backward()",
    ]
    notebook = run_notebook(cells, tmp_path)
    errors = [next(out for out in cell.outputs if out["output_type"] == "error") for cell in notebook.cells[1:]]
    short, hook, plain, full = (traceback_text(e) for e in errors)

    assert errors[0]["ename"] == "RuntimeError"
    assert "----> 3 y.backward()  # y is not a scalar" in short
    assert "RuntimeError: grad can be implicitly created only for scalar outputs" in short
    for text in (short, hook):
        assert "minigrad/" not in text and "minigrad\\" not in text  # no frame of minigrad's own files
        assert "File " not in text and str(ROOT) not in text and "site-packages" not in text
        assert not re.search(r"(^|\s)/[a-z]", text), text  # no absolute path at all
    assert "----> 4 (x * 3).sum().backward()" in hook
    assert "----> 2     raise ValueError('my hook saw ' + str(grad.tolist()))" in hook
    assert "ValueError: my hook saw [3.0, 3.0]" in hook
    assert "IndexError: list index out of range" in plain and "----> 2 [1, 2][5]" in plain
    assert "minigrad/autograd/" in full  # the handler was removed: minigrad's frames are back
