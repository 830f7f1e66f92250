"""Watch a training loop: a loss curve, the fitted line over the current batch, and a progress bar.

    dash = TrainingDashboard(total_steps=500, every=50)
    dash                                   # in Jupyter: shows the panel
    for step in range(500):
        ...
        dash.update(step, loss.item(), x=x, y=y, prediction=y_pred.detach())

Every ``every`` steps (and at the first and the last) the picture is redrawn by swapping the PNG bytes of an
image widget, so nothing flickers. Outside a Jupyter kernel (or without ipywidgets) the dashboard prints one
line per redraw instead, with no timings, so the output is the same on every run.
"""
from __future__ import annotations

from ..viz.draw import DPI
from ._view import WidgetView, escape, figure_png, have_ipywidgets, in_kernel, ipywidgets, new_image, set_image


def _number(value) -> float:
    if hasattr(value, "item"):
        value = value.item()
    return float(value)


def _flat(values) -> list | None:
    if values is None:
        return None
    if hasattr(values, "detach"):
        values = values.detach()._host_array()
    if hasattr(values, "reshape"):
        return [float(v) for v in values.reshape(-1)]
    return [float(v) for v in values]


class TrainingState:
    """Losses so far, the last batch, and when the view is due for a redraw."""

    def __init__(self, total_steps, every=1, title=None):
        # the title is shown above the widget (HTML) or in front of each printed line, not in the picture
        if not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"total_steps must be a positive integer, got {total_steps!r}")
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}")
        self.total_steps = total_steps
        self.every = every
        self.title = title
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.batch = None  # (x, y, prediction) as flat lists
        self.redraws = 0

    def add(self, step, loss, x=None, y=None, prediction=None) -> bool:
        """Record one step; True when the view should be redrawn now."""
        step = int(step)
        self.steps.append(step)
        self.losses.append(_number(loss))
        if x is not None:
            self.batch = (_flat(x), _flat(y), _flat(prediction))
        return self.due(step)

    def due(self, step) -> bool:
        return step == 0 or (step + 1) % self.every == 0 or step + 1 >= self.total_steps

    @property
    def done(self) -> int:
        """Steps completed (the last step number + 1)."""
        return self.steps[-1] + 1 if self.steps else 0

    def status(self) -> str:
        if not self.steps:
            return f"step 0/{self.total_steps}"
        width = len(str(self.total_steps))
        return f"step {self.done:>{width}}/{self.total_steps}  loss {self.losses[-1]:.6g}"

    def picture(self):
        """A matplotlib Figure: loss per step and, when a batch was given, the data with the prediction."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        fit = self.batch is not None
        figure = Figure(figsize=(8.4 if fit else 4.6, 3.2), dpi=DPI)  # fixed margins: a layout engine costs 2x
        FigureCanvasAgg(figure)
        axes = figure.subplots(1, 2 if fit else 1, squeeze=False)[0]
        figure.subplots_adjust(left=0.09 if fit else 0.16, right=0.98 if fit else 0.96, bottom=0.16, top=0.9,
                               wspace=0.25)
        curve = axes[0]
        curve.plot([s + 1 for s in self.steps], self.losses, color="#1f77b4", lw=1.2)
        curve.set_xlim(0, self.total_steps)
        curve.xaxis.set_major_locator(MaxNLocator(integer=True))
        curve.set_xlabel("step")
        curve.set_ylabel("loss")
        positive = [loss for loss in self.losses if loss > 0]
        if positive and len(positive) == len(self.losses) and max(positive) > 100 * min(positive):
            curve.set_yscale("log")
        curve.set_title(f"loss {self.losses[-1]:.4g} at step {self.done}" if self.losses else "loss (no step yet)",
                       fontsize=10)
        curve.grid(alpha=0.3)
        if fit:
            data = axes[1]
            x, y, prediction = self.batch
            if y is not None:
                data.scatter(x, y, s=12, color="#555555", label="data (this batch)")
            if prediction is not None:
                pairs = sorted(zip(x, prediction))
                data.plot([p[0] for p in pairs], [p[1] for p in pairs], color="#d62728", lw=2, label="prediction")
            data.set_xlabel("x")
            data.set_ylabel("y")
            data.legend(loc="upper left", fontsize=8)
            data.set_title("fit on the current batch", fontsize=10)
            data.grid(alpha=0.3)
        return figure


class TrainingDashboard(WidgetView):
    """Loss curve, fitted line and progress bar for a training loop (``update(step, loss, x, y, prediction)``).

    ``text=None`` chooses by itself: the widget inside a Jupyter kernel with ipywidgets, printed lines
    otherwise; ``text=True``/``False`` forces one. ``dash.state`` is the plain ``TrainingState``.
    """

    def __init__(self, total_steps, every=1, title=None, text=None):
        self.state = TrainingState(total_steps, every, title)
        if text is None:
            text = not (have_ipywidgets() and in_kernel())
        self.text_mode = text
        self._png = None
        self.widget = None
        if text:
            return
        widgets = ipywidgets()
        self.heading = widgets.HTML(f"<b>{escape(title)}</b>" if title else "")
        self.progress = widgets.IntProgress(value=0, min=0, max=total_steps, description="training")
        self.status = widgets.Label(self.state.status())
        self.image = new_image()
        self.widget = widgets.VBox([self.heading, widgets.HBox([self.progress, self.status]), self.image])
        self.widget.add_class("minigrad-training-dashboard")

    def update(self, step, loss, x=None, y=None, prediction=None) -> None:
        """Record one training step; every ``every`` steps redraw (or print a line outside Jupyter)."""
        if not self.state.add(step, loss, x, y, prediction):
            return
        self.state.redraws += 1
        if self.text_mode:
            prefix = f"{self.state.title}: " if self.state.title else ""
            print(prefix + self.state.status())
            return
        self._png = figure_png(self.state.picture())
        set_image(self.image, self._png)  # the picture first, then the numbers that describe it
        self.progress.value = min(self.state.done, self.state.total_steps)
        self.status.value = self.state.status()

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.widget is None:
            return {"text/plain": repr(self)}, {}
        return super()._repr_mimebundle_(include, exclude)

    def snapshot_png(self):
        if self._png is None and self.widget is not None:  # not trained yet: the empty axes
            self._png = figure_png(self.state.picture())
        return self._png

    def __repr__(self) -> str:
        return f"TrainingDashboard({self.state.status()})"
