"""Interactive panels for Jupyter (ipywidgets 8): ``pip install "minigrad[widgets]"``.

* ``LiveGraph(*tensors)``: the recorded graph, redrawn as cells add operations; gradients after backward.
* ``BackwardStepper(loss)``: one backward pass, replayed node by node.
* ``HookMonitor()``: a table of hook calls (tensors and modules) in firing order.
* ``JacobianExplorer()``: J, J·v and vᵀ·J of a function R² → R², with sliders.
* ``TrainingDashboard(total_steps, every)``: loss curve, fitted line and progress while a loop trains.

Each widget keeps its state in a plain object (``.state``) apart from its view (``.widget``), so tests and
scripts can drive it without a browser. These are teaching aids; PyTorch has no equivalent.
"""
from .backward_stepper import BackwardStep, BackwardStepper, StepperState, record_backward  # noqa: F401
from .live_graph import LiveGraph, LiveGraphState  # noqa: F401
from .hook_monitor import HookCall, HookLog, HookMonitor  # noqa: F401
from .jacobian_explorer import JacobianExplorer, JacobianState, lesson_function  # noqa: F401
from .training_dashboard import TrainingDashboard, TrainingState  # noqa: F401
