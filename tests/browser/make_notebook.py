"""Writes widgets_demo.ipynb (run it again after changing CELLS). The notebook uses every minigrad widget."""
from pathlib import Path

import nbformat

CELLS = [
    ("markdown", "# minigrad widgets in a real browser\n\nOpened by `tests/test_browser_widgets.py`: every cell "
                 "runs, then the test clicks the widgets and checks what the page shows."),
    ("code", "import minigrad as torch\nimport minigrad.viz\nimport minigrad.widgets\nfrom minigrad import nn"),
    ("markdown", "## A static picture: z = w·x + b"),
    ("code", "x = torch.tensor(2.0)\nw = torch.tensor(3.0, requires_grad=True)\nb = torch.tensor(1.0, requires_grad=True)\n"
             "y = w * x\nminigrad.viz.draw(y, show_data=True)"),
    ("markdown", "## LiveGraph: follows the next cells"),
    ("code", "live = minigrad.widgets.LiveGraph(y)\nlive"),
    ("code", "z = y + b"),
    ("code", "z.backward()"),
    ("markdown", "## BackwardStepper (lesson 03)"),
    ("code", "x1 = torch.tensor([2.0])\ntarget = torch.tensor([10.0])\nw1 = torch.tensor([3.0], requires_grad=True)\n"
             "b1 = torch.tensor([1.0], requires_grad=True)\nloss = (w1 * x1 + b1 - target) ** 2\n"
             "stepper = minigrad.widgets.BackwardStepper(loss)\nstepper"),
    ("markdown", "## BackwardStepper(loss, predict=True): predict, then see"),
    ("code", "predictor = minigrad.widgets.BackwardStepper(loss, predict=True)\npredictor"),
    ("markdown", "## HookMonitor (lesson 06)"),
    ("code", "torch.manual_seed(0)\nnet = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))\n"
             "inputs = torch.randn(8, 4)\ntargets = torch.randn(8, 1)\n"
             "monitor = minigrad.widgets.HookMonitor()\nmonitor.watch_module(net[1], 'relu')\n"
             "monitor.watch_module(net[2], 'second layer')\nmonitor"),
    ("code", "prediction = net(inputs)\nmonitor.watch(prediction, 'prediction')\n"
             "hook_loss = ((prediction - targets) ** 2).mean()\nhook_loss.backward()"),
    ("markdown", "## JacobianExplorer (lesson 05)"),
    ("code", "explorer = minigrad.widgets.JacobianExplorer()\nexplorer"),
    ("markdown", "## TrainingDashboard (lesson 09)"),
    ("code", "dash = minigrad.widgets.TrainingDashboard(total_steps=100, every=10, title='y = 2x + 3')\ndash"),
    ("code", "torch.manual_seed(1000)\nwt = torch.zeros(1, 1, requires_grad=True)\nbt = torch.zeros(1, 1, requires_grad=True)\n"
             "for step in range(100):\n"
             "    xb = torch.rand(32, 1) * 5\n"
             "    yb = 2 * xb + 3 + 0.3 * torch.randn(32, 1)\n"
             "    pred = xb.mm(wt) + bt\n"
             "    train_loss = ((pred - yb) ** 2).mean()\n"
             "    train_loss.backward()\n"
             "    with torch.no_grad():\n"
             "        wt -= 0.05 * wt.grad\n"
             "        bt -= 0.05 * bt.grad\n"
             "    wt.grad.zero_()\n"
             "    bt.grad.zero_()\n"
             "    dash.update(step, train_loss.item(), x=xb, y=yb, prediction=pred.detach())"),
    ("code", "print('ALL CELLS RAN')"),
]


def main():
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for number, (kind, source) in enumerate(CELLS):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(source)
        cell.id = f"cell-{number:02d}"  # fixed ids: regenerating gives the same file
        notebook.cells.append(cell)
    nbformat.write(notebook, str(Path(__file__).with_name("widgets_demo.ipynb")))


if __name__ == "__main__":
    main()
