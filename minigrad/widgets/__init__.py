"""Interactive panels for Jupyter (ipywidgets 8): ``pip install "minigrad[widgets]"``.

* ``LiveGraph(*tensors)``: the recorded graph, redrawn as cells add operations; gradients after backward.
* ``BackwardStepper(loss)``: one backward pass, replayed node by node; ``predict=True``: predict each gradient
  before it is shown.
* ``HookMonitor()``: a table of hook calls (tensors and modules) in firing order.
* ``JacobianExplorer()``: J, J·v and vᵀ·J of a function R² → R², with sliders.
* ``TrainingDashboard(total_steps, every)``: loss curve, fitted line and progress while a loop trains.
* ``short_tracebacks()``: errors in the notebook show the learner's line and the message, not minigrad's frames.

Each widget keeps its state in a plain object (``.state``) apart from its view (``.widget``), so tests and
scripts can drive it without a browser. Every widget also stores a PNG of its current state in the notebook
(replaced after each cell that changed it), for readers without a kernel. These are teaching aids; PyTorch has
no equivalent.
"""
from .backward_stepper import BackwardStep, BackwardStepper, StepperState, record_backward  # noqa: F401
from .live_graph import LiveGraph, LiveGraphState  # noqa: F401
from .hook_monitor import HookCall, HookLog, HookMonitor  # noqa: F401
from .jacobian_explorer import JacobianExplorer, JacobianState, lesson_function  # noqa: F401
from .training_dashboard import TrainingDashboard, TrainingState  # noqa: F401
from .tracebacks import short_tracebacks  # noqa: F401
