"""The Jacobian of a small function, with the two products autograd computes from it.

For y = f(x), J[i, j] = ∂y_i/∂x_j. Forward mode computes J·v (how y moves when x moves along v) without
building J; reverse mode, ``y.backward(v)``, computes vᵀ·J (the gradient of v·y with respect to x), which
lands in ``x.grad``. The default function is lesson 04's: y1 = x1² + 3·x2, y2 = x2² + 2·x1.
"""
from __future__ import annotations

from ..viz.draw import DPI
from ._view import WidgetView, escape, figure_png, ipywidgets, new_image, set_image


def lesson_function(x):
    """y1 = x1² + 3·x2, y2 = x2² + 2·x1 (lesson 05)."""
    from .._functions import stack

    return stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]])


def _jacobian(func, x):
    try:
        from ..autograd.functional import jacobian
    except ImportError:
        jacobian = None
    if jacobian is not None:
        return jacobian(func, x), "minigrad.autograd.functional.jacobian"
    from .. import autograd
    from .._functions import stack

    x = x.detach().requires_grad_(True)
    y = func(x)
    rows = [autograd.grad(y[i], x, retain_graph=True)[0] for i in range(y.shape[0])]
    return stack(rows), "one autograd.grad call per output"


def _forward_product(func, x, v):
    """J·v by forward-mode AD when minigrad has it (``minigrad.func.jvp`` or dual numbers)."""
    try:
        from ..func import jvp
    except ImportError:
        jvp = None
    if jvp is not None:
        return jvp(func, (x,), (v,))[1], "minigrad.func.jvp (forward mode)"
    try:
        from ..autograd import forward_ad
    except ImportError:
        forward_ad = None
    if forward_ad is not None:
        with forward_ad.dual_level():
            return forward_ad.unpack_dual(func(forward_ad.make_dual(x, v))).tangent, "forward-mode AD (dual numbers)"
    jacobian, _ = _jacobian(func, x)
    return jacobian @ v, "J @ v"


class JacobianState:
    """Point ``x``, vector ``v`` and everything computed from them (``compute()``).

    ``v`` has max(n, m) components for f: Rⁿ → Rᵐ; J·v uses the first n, vᵀ·J the first m.
    """

    def __init__(self, func=None, x=(2.0, 3.0), v=None):
        self.func = func or lesson_function
        self.x = [float(value) for value in x]
        y = self._evaluate()
        self.outputs = int(y.shape[0]) if y.dim() == 1 else 1
        if y.dim() != 1:
            raise ValueError(f"JacobianExplorer needs a function returning a 1-D tensor, got shape {tuple(y.shape)}")
        if v is None:
            v = [1.0] + [0.0] * (max(len(self.x), self.outputs) - 1)
        self.v = [float(value) for value in v]

    def _evaluate(self):
        from ..factories import tensor

        return self.func(tensor(self.x))

    @property
    def square(self) -> bool:
        return len(self.x) == self.outputs

    def compute(self) -> dict:
        """``J``, ``y``, ``jvp`` (J·v, v in input space) and ``vjp`` (vᵀ·J, v in output space) as lists."""
        from ..factories import tensor

        n, m = len(self.x), self.outputs
        v_in = tensor(self.v[:n])
        v_out = tensor(self.v[:m])
        x = tensor(self.x)
        jacobian, jacobian_method = _jacobian(self.func, x)
        jvp, jvp_method = _forward_product(self.func, x, v_in)
        # what y.backward(v) does: the gradient of v·y lands in x.grad
        leaf = tensor(self.x, requires_grad=True)
        y = self.func(leaf)
        y.backward(v_out)
        return {
            "x": list(self.x), "y": y.detach().tolist(), "J": jacobian.tolist(), "v": list(self.v),
            "jvp": jvp.tolist(), "vjp": leaf.grad.tolist(),
            "jacobian_method": jacobian_method, "jvp_method": jvp_method,
        }

    def set_x(self, index, value) -> None:
        self.x[index] = float(value)

    def set_v(self, index, value) -> None:
        self.v[index] = float(value)

    def picture(self, result=None):
        """A matplotlib Figure: J as a heatmap and, in 2-D, the arrows v, J·v and vᵀ·J."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        result = result or self.compute()
        jacobian = result["J"]
        arrows = self.square and len(self.x) == 2
        figure = Figure(figsize=(8.2 if arrows else 4.2, 4.4 if arrows else 3.6), dpi=DPI)  # fixed margins: a layout engine costs 2x
        FigureCanvasAgg(figure)
        axes = figure.subplots(1, 2 if arrows else 1, squeeze=False)[0]
        figure.subplots_adjust(left=0.06 if arrows else 0.12, right=0.98, bottom=0.25 if arrows else 0.09,
                               top=0.93 if arrows else 0.91, wspace=0.2)
        heat = axes[0]
        limit = max(1e-9, max(abs(value) for row in jacobian for value in row))
        heat.imshow(jacobian, cmap="coolwarm", vmin=-limit, vmax=limit)
        for i, row in enumerate(jacobian):
            for j, value in enumerate(row):
                heat.text(j, i, f"∂y{i + 1}/∂x{j + 1}\n{value:.3g}", ha="center", va="center", fontsize=9,
                          color="white" if abs(value) > 0.6 * limit else "black")
        heat.set_xticks(range(len(jacobian[0])), [f"x{j + 1}" for j in range(len(jacobian[0]))])
        heat.set_yticks(range(len(jacobian)), [f"y{i + 1}" for i in range(len(jacobian))])
        heat.set_title("Jacobian J at x = (" + ", ".join(f"{v:.3g}" for v in result["x"]) + ")", fontsize=10)
        if arrows:
            plane = axes[1]
            vectors = [("v", result["v"][:2], "black"), ("J·v  (forward mode)", result["jvp"], "#1f77b4"),
                       ("vᵀ·J  (y.backward(v) → x.grad)", result["vjp"], "#ff7f0e")]
            reach = max(1.0, max(abs(c) for _, vec, _ in vectors for c in vec)) * 1.15
            for label, (dx, dy), colour in vectors:
                plane.annotate("", xy=(dx, dy), xytext=(0, 0),
                               arrowprops=dict(arrowstyle="-|>", color=colour, lw=2, mutation_scale=14))
                plane.plot([], [], color=colour, lw=2, label=f"{label} = ({dx:.3g}, {dy:.3g})")
            plane.axhline(0, color="#cccccc", lw=0.8)
            plane.axvline(0, color="#cccccc", lw=0.8)
            plane.set_xlim(-reach, reach)
            plane.set_ylim(-reach, reach)
            plane.set_aspect("equal")
            # below the plane: the arrows may point anywhere
            plane.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=8, frameon=False)
            plane.set_title("v and its two images", fontsize=10)
        return figure


class JacobianExplorer(WidgetView):
    """Sliders for the point x and the vector v; J as a heatmap; J·v and vᵀ·J side by side.

    ``func`` maps a 1-D tensor to a 1-D tensor (default: lesson 05's function); ``explorer.state`` is the plain
    ``JacobianState``.
    """

    def __init__(self, func=None, x=(2.0, 3.0), v=None, x_range=(-5.0, 5.0), v_range=(-2.0, 2.0)):
        self.state = JacobianState(func, x, v)
        widgets = ipywidgets()
        self.x_sliders = [widgets.FloatSlider(value=value, min=x_range[0], max=x_range[1], step=0.1,
                                              description=f"x{i + 1}", continuous_update=False)
                          for i, value in enumerate(self.state.x)]
        self.v_sliders = [widgets.FloatSlider(value=value, min=v_range[0], max=v_range[1], step=0.1,
                                              description=f"v{i + 1}", continuous_update=False)
                          for i, value in enumerate(self.state.v)]
        for i, slider in enumerate(self.x_sliders):
            slider.observe(lambda change, i=i: self._changed(self.state.set_x, i, change["new"]), names="value")
        for i, slider in enumerate(self.v_sliders):
            slider.observe(lambda change, i=i: self._changed(self.state.set_v, i, change["new"]), names="value")
        self.text = widgets.HTML()
        self.image = new_image()
        self.widget = widgets.VBox([
            widgets.HBox([widgets.VBox(self.x_sliders), widgets.VBox(self.v_sliders)]),
            self.text,
            self.image,
        ])
        self.widget.add_class("minigrad-jacobian-explorer")
        self._png = None
        self._redraw()

    def _changed(self, setter, index, value) -> None:
        setter(index, value)
        self._redraw()

    def _redraw(self) -> None:
        result = self.state.compute()
        self.result = result

        def vector(values):
            return "(" + ", ".join(f"{v:.4g}" for v in values) + ")"

        rows = "".join(f"<tr><td>{escape(k)}</td><td><code>{escape(v)}</code></td></tr>" for k, v in [
            ("x", vector(result["x"])),
            ("y = f(x)", vector(result["y"])),
            ("J", "[" + ", ".join(vector(row) for row in result["J"]) + "]"),
            ("v", vector(result["v"])),
            ("J·v (forward mode)", vector(result["jvp"]) + f"   via {result['jvp_method']}"),
            ("vᵀ·J = x.grad after y.backward(v)", vector(result["vjp"])),
        ])
        self._png = figure_png(self.state.picture(result))
        set_image(self.image, self._png)  # the picture first, then the numbers that describe it
        self.text.value = f"<table class='minigrad-jacobian-values'>{rows}</table>"

    def snapshot_png(self):
        return self._png

    def __repr__(self) -> str:
        x = ", ".join(f"{v:.3g}" for v in self.state.x)
        return f"JacobianExplorer(x=({x}), {self.state.outputs} outputs)"
