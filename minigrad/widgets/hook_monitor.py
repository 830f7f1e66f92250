"""A live table of hook calls, in the order the hooks fire.

``watch(tensor, name)`` registers ``tensor.register_hook`` (it fires when the gradient of that tensor is
computed); ``watch_module(module, name)`` registers ``register_forward_hook`` (the module's output) and
``register_full_backward_hook`` (the gradient with respect to the module's output). Every call becomes a row:
which tensor or module, which hook, the shape, the norm and the first values. The hooks only look; they never
change a gradient.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .._tensor import Tensor
from ..viz.graph import summarize
from ..viz.draw import DPI
from ._view import WidgetView, escape, figure_png, ipywidgets


@dataclass
class HookCall:
    number: int  # firing order, from 1
    name: str  # the name given to watch()/watch_module()
    hook: str  # "grad" (tensor hook), "forward" (module output) or "backward" (gradient of module output)
    shape: tuple | None
    norm: float | None
    values: str


class HookLog:
    """The plain state: registered hooks by name and the calls they made."""

    def __init__(self):
        self.calls: list[HookCall] = []
        self.handles: dict = {}  # name -> list of RemovableHandle
        self.kinds: dict = {}  # name -> "tensor" or "module"
        self._count = 0
        self.listeners: list = []  # called after every change (the view redraws)
        self.version = 0  # counts changes: the view's snapshot is redrawn only when it moved

    def record(self, name, hook, value) -> None:
        tensor = _first_tensor(value)
        if tensor is None:
            shape, norm, values = None, None, "None"
        else:
            array = tensor.detach()._host_array()
            shape = tuple(array.shape)
            norm = float(math.sqrt(float((array.astype("float64") ** 2).sum()))) if array.dtype.kind in "fiu" else None
            values = summarize(tensor)
        self._count += 1
        self.calls.append(HookCall(self._count, name, hook, shape, norm, values))
        self._changed()

    def add(self, name, kind, handles) -> None:
        self.remove(name)  # watching a name again replaces the old hooks (re-running a cell)
        self.handles[name] = list(handles)
        self.kinds[name] = kind
        self._changed()

    def remove(self, name) -> bool:
        """Remove the hooks registered under ``name``; True if there were any."""
        handles = self.handles.pop(name, None)
        self.kinds.pop(name, None)
        if handles is None:
            return False
        for handle in handles:
            handle.remove()
        self._changed()
        return True

    def remove_all(self) -> None:
        for name in list(self.handles):
            self.remove(name)

    def clear(self) -> None:
        """Forget the calls so far (the hooks stay registered); numbering starts again at 1."""
        self.calls.clear()
        self._count = 0
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        for listener in self.listeners:
            listener()


def _first_tensor(value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            if isinstance(item, Tensor):
                return item
    return None


class HookMonitor(WidgetView):
    """A table of hook calls in firing order; ``watch``, ``watch_module``, ``remove``, ``remove_all``, ``clear``.

    Shows the last ``max_rows`` calls. ``monitor.state`` is the plain ``HookLog``.
    """

    def __init__(self, max_rows=40):
        self.state = HookLog()
        self.max_rows = max_rows
        widgets = ipywidgets()
        self.table = widgets.HTML()
        self.summary = widgets.HTML()
        self.clear_button = widgets.Button(description="Clear", icon="eraser", tooltip="forget the calls so far")
        self.clear_button.on_click(lambda _: self.clear())
        self.widget = widgets.VBox([widgets.HBox([self.summary, self.clear_button]), self.table])
        self.widget.add_class("minigrad-hook-monitor")
        self._png, self._png_version = None, None
        self.state.listeners.append(self._redraw)
        self._redraw()

    def watch(self, tensor, name=None) -> None:
        """Record the gradient of ``tensor`` each time backward computes it (``tensor.register_hook``)."""
        if not isinstance(tensor, Tensor):
            raise TypeError(f"watch() expects a Tensor, got {type(tensor).__name__}; use watch_module() for modules")
        name = name or f"tensor {len(self.state.handles) + 1}"

        def hook(grad):
            self.state.record(name, "grad", grad)

        handle = tensor.register_hook(hook)  # raises PyTorch's error for a tensor that does not require grad
        self.state.add(name, "tensor", [handle])

    def watch_module(self, module, name=None) -> None:
        """Record a module's output (forward hook) and the gradient of that output (full backward hook)."""
        if not hasattr(module, "register_forward_hook"):
            raise TypeError(f"watch_module() expects a module with register_forward_hook (a minigrad.nn.Module), "
                            f"got {type(module).__name__}")
        name = name or type(module).__name__
        handles = []

        if hasattr(module, "register_full_backward_hook"):
            def forward_hook(module, inputs, output):
                self.state.record(name, "forward", output)

            def backward_hook(module, grad_input, grad_output):
                self.state.record(name, "backward", grad_output)

            handles.append(module.register_forward_hook(forward_hook))
            handles.append(module.register_full_backward_hook(backward_hook))
        else:
            # No module backward hooks: a tensor hook on each output gives the same gradient of the output.
            def forward_hook(module, inputs, output):
                self.state.record(name, "forward", output)
                tensor = _first_tensor(output)
                if tensor is not None and tensor.requires_grad:
                    tensor.register_hook(lambda grad: self.state.record(name, "backward", grad))

            handles.append(module.register_forward_hook(forward_hook))
        self.state.add(name, "module", handles)

    def remove(self, name) -> None:
        if not self.state.remove(name):
            raise KeyError(f"nothing is watched under the name {name!r}; watched: {sorted(self.state.handles)}")

    def remove_all(self) -> None:
        self.state.remove_all()

    def clear(self) -> None:
        self.state.clear()

    def rows(self) -> list[tuple[str, ...]]:
        """The table as text rows (header first): what the widget shows."""
        header = ("#", "watched", "hook", "shape", "norm", "values")
        body = []
        for call in self.state.calls[-self.max_rows:]:
            hook = {"grad": "gradient (tensor hook)", "forward": "output (forward hook)",
                    "backward": "gradient of output (backward hook)"}[call.hook]
            body.append((str(call.number), call.name, hook, "-" if call.shape is None else str(call.shape),
                         "-" if call.norm is None else f"{call.norm:.4g}", call.values))
        return [header] + body

    def picture(self):
        """The table as a matplotlib Figure: the still picture stored in a saved notebook."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        rows = self.rows()
        watched = ", ".join(f"{n} ({self.state.kinds[n]})" for n in self.state.handles) or "nothing yet"
        height = 0.5 + 0.24 * max(len(rows) + 1, 2)  # inches: a title line, then one line per row
        figure = Figure(figsize=(9.0, height), dpi=DPI)
        FigureCanvasAgg(figure)
        title_space = 0.4 / height
        figure.text(0.01, 1 - 0.08 / height, f"Hook monitor  watching: {watched}", fontsize=9, fontweight="bold",
                    va="top")
        ax = figure.add_axes((0.01, 0.1 / height, 0.98, 1 - title_space - 0.1 / height))
        ax.axis("off")
        if len(rows) == 1:
            ax.text(0.0, 0.8, "no hook has fired yet: run a forward and a backward pass", fontsize=9,
                    style="italic", va="top", transform=ax.transAxes)
            return figure
        hidden = len(self.state.calls) - (len(rows) - 1)
        if hidden > 0:
            rows = rows[:1] + [("…", f"{hidden} earlier calls not shown", "", "", "", "")] + rows[1:]
        table = ax.table(cellText=[list(row) for row in rows[1:]], colLabels=list(rows[0]), cellLoc="left",
                         colLoc="left", bbox=(0.0, 0.0, 1.0, 1.0), colWidths=[0.04, 0.16, 0.3, 0.1, 0.1, 0.3])
        table.auto_set_font_size(False)
        table.set_fontsize(8)
        for (row, _), cell in table.get_celld().items():
            cell.set_edgecolor("#dddddd")
            cell.set_linewidth(0.6)
            if row == 0:
                cell.set_text_props(fontweight="bold")
        return figure

    def snapshot_png(self):
        if self._png_version != self.state.version:
            self._png = figure_png(self.picture())
            self._png_version = self.state.version
        return self._png

    def _redraw(self) -> None:
        watched = ", ".join(f"{escape(n)} ({self.state.kinds[n]})" for n in self.state.handles) or "nothing yet"
        self.summary.value = f"<b>Hook monitor</b> watching: {watched}"
        rows = self.rows()
        hidden = len(self.state.calls) - (len(rows) - 1)
        cell_style = "padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; font-family: monospace"
        head = "".join(f"<th style='{cell_style}'>{escape(cell)}</th>" for cell in rows[0])
        body = "".join("<tr>" + "".join(f"<td style='{cell_style}'>{escape(cell)}</td>" for cell in row) + "</tr>"
                       for row in rows[1:])
        if len(rows) == 1:
            body = "<tr><td colspan='6'><i>no hook has fired yet: run a forward and a backward pass</i></td></tr>"
        note = f"<div>… {hidden} earlier calls not shown</div>" if hidden > 0 else ""
        self.table.value = (f"{note}<table class='minigrad-hook-table' style='border-collapse: collapse'>"
                            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def __repr__(self) -> str:
        return f"HookMonitor(watching {len(self.state.handles)}, {len(self.state.calls)} calls)"
