"""Drawing the recorded graph with matplotlib: boxes for tensors, rounded boxes for operations, arrows for data.

Boxes are measured first (the real size of their text at the figure's resolution), then laid out in layers
(``layout.py``), and the figure is made exactly as large as the widest layer needs, so labels never overlap.
The result, ``GraphPicture``, shows itself in Jupyter as a PNG and writes the same bytes every time for the
same graph (fixed resolution, no timestamp or software tag), so committed notebooks do not change on re-runs.
"""
from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.path import Path

from .graph import KIND_DESCRIPTIONS, caller_names, to_networkx
from .layout import layered_layout

DPI = 144  # rendering resolution; displayed at 96 pixels per inch, so it stays sharp on high-density screens
SCREEN_DPI = 96
FONT_SIZE = 9
PAD = 0.07  # inches of padding around a label inside its box
MARGIN = 0.25

STYLE = {  # face colour, edge colour, line style, rounding (inches)
    "leaf": ("#9ecae1", "#3182bd", "solid", 0.02),
    "param": ("#fdd49e", "#e6550d", "solid", 0.02),
    "constant": ("#f0f0f0", "#969696", "dashed", 0.02),
    "tensor": ("#ffffff", "#636363", "solid", 0.02),
    "output": ("#a1d99b", "#31a354", "solid", 0.02),
    "op": ("#dadaeb", "#756bb1", "solid", 0.1),
    "accumulate": ("#ececec", "#9e9e9e", "solid", 0.1),
}
HIGHLIGHT_COLOUR = "#d62728"
DONE_COLOUR = "#2ca02c"
FREED_TEXT_COLOUR = "#a0a0a0"


class GraphPicture:
    """A drawn graph: ``.figure`` (matplotlib), ``.ax``, ``.graph`` (networkx), ``.labels`` (node -> text),
    ``.positions`` (node -> centre in inches), ``.sizes`` (node -> box width and height in inches),
    ``.highlight`` and ``.edge_notes`` (what the widgets marked).

    Shows itself in Jupyter (``_repr_png_``); ``to_png()`` gives the bytes, ``savefig(path)`` writes a file.
    """

    def __init__(self, figure, ax, graph, labels, positions, highlight=(), edge_notes=None, sizes=None):
        self.figure = figure
        self.ax = ax
        self.graph = graph
        self.labels = labels
        self.positions = positions
        self.highlight = set(highlight)
        self.edge_notes = dict(edge_notes or {})
        self.sizes = dict(sizes or {})  # node -> (width, height) of its box in inches

    def to_png(self) -> bytes:
        return figure_png(self.figure)

    def _repr_png_(self):
        png = self.to_png()
        width, height = self.figure.get_size_inches()
        return png, {"width": round(width * SCREEN_DPI), "height": round(height * SCREEN_DPI)}

    def savefig(self, path, **kwargs) -> None:
        kwargs.setdefault("dpi", DPI)
        self.figure.savefig(path, **kwargs)

    def __repr__(self) -> str:
        return (f"<minigrad graph picture: {self.graph.number_of_nodes()} nodes, "
                f"{self.graph.number_of_edges()} edges>")


def figure_png(figure) -> bytes:
    """PNG bytes of a figure, identical for identical figures (no software tag, fixed resolution)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def draw(*tensors, show_grad=False, show_data=False, ax=None, params=None, names=None, show_saved=False,
         title=None) -> GraphPicture:
    """Draw the graph recorded for ``tensors`` (inputs at the top, outputs at the bottom).

    ``show_data``: write each tensor's values (short summary); ``show_grad``: write each ``.grad`` (and the
    gradients of intermediate tensors that kept theirs, ``retain_grad()``). ``params``:
    ``dict(model.named_parameters())`` to label parameters; ``names``: ``{"x": x}`` labels (default: the
    variable names of the calling code). ``show_saved``: list what each operation saved for backward
    (greyed out once a backward without ``retain_graph=True`` freed it). ``ax``: draw into an existing
    matplotlib axes instead of a new figure sized to fit.
    """
    if names is None:
        names = caller_names(depth=2)
    graph = to_networkx(*tensors, params=params, names=names or False)
    return render(graph, show_grad=show_grad, show_data=show_data, ax=ax, show_saved=show_saved, title=title)


def node_text(data, show_grad=False, show_data=False, show_saved=False) -> str:
    """The lines written in a node's box."""
    lines = [data["label"]]
    kind = data["kind"]
    if kind in ("op", "accumulate"):
        if data.get("freed"):
            lines.append("saved tensors freed")
        elif show_saved and data.get("saved"):
            lines.append("saved: " + ", ".join(entry["label"] for entry in data["saved"]))
        return "\n".join(lines)
    if show_data and data.get("value") is not None and data["value"] != data["label"]:
        lines.append(f"= {data['value']}")
    if show_grad and data.get("grad") is not None:
        lines.append(f"grad {data['grad']}")
    return "\n".join(lines)


def render(graph, show_grad=False, show_data=False, ax=None, show_saved=False, title=None, highlight=(),
           done=(), edge_notes=None, node_notes=None, legend=True, highlight_label="running now") -> GraphPicture:
    """Draw a graph made by ``to_networkx``. The widgets use the extra arguments:

    ``highlight``: nodes drawn with a thick red border (``highlight_label`` names them in the legend);
    ``done``: nodes with a green border;
    ``edge_notes``: ``{(u, v): text}`` written on those (red) arrows; ``node_notes``: extra lines per node.
    """
    edge_notes = edge_notes or {}
    node_notes = node_notes or {}
    texts = {}
    for node, data in graph.nodes(data=True):
        text = node_text(data, show_grad, show_data, show_saved)
        if node in node_notes:
            text += "\n" + node_notes[node]
        texts[node] = text

    own_figure = ax is None
    if own_figure:
        figure = Figure(dpi=DPI)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0, 0, 1, 1))
    else:
        figure = ax.figure
    ax.set_axis_off()
    renderer = _renderer(figure)

    artists = {}
    sizes = {}
    for node, text in texts.items():
        kind = graph.nodes[node]["kind"]
        size = FONT_SIZE - 1 if kind == "accumulate" else FONT_SIZE
        colour = FREED_TEXT_COLOUR if graph.nodes[node].get("freed") else "black"
        artist = ax.text(0, 0, text, ha="center", va="center", fontsize=size, color=colour, zorder=3,
                         multialignment="center")
        extent = artist.get_window_extent(renderer)
        sizes[node] = (extent.width / figure.dpi + 2 * PAD, extent.height / figure.dpi + 2 * PAD)
        artists[node] = artist
    positions, width, height, routes = layered_layout(graph, sizes)

    legend_place = None
    if legend:
        handles = _legend_handles(graph, highlight_label if highlight else None, bool(done))
        legend_place = _legend_placement(ax, handles, width, height) if handles else None
    title_height = 0.35 if title else 0.0
    title_width = 0.0
    if title:  # measured, so the figure is at least as wide as its title
        probe = ax.text(0, 0, title, fontsize=FONT_SIZE + 2)
        title_width = probe.get_window_extent(renderer).width / figure.dpi + 2 * MARGIN
        probe.remove()
    side_width = bottom_height = 0.0
    if legend_place is not None:
        where, columns, (legend_width, legend_height) = legend_place
        if where == "right":
            side_width = legend_width + 0.2
        else:
            bottom_height = legend_height + 0.15
    drawing_width = max(width + 2 * MARGIN, 2.0, title_width)
    figure_width = drawing_width + side_width
    if legend_place is not None and legend_place[0] == "bottom":
        figure_width = max(figure_width, legend_place[2][0] + 0.3)
        drawing_width = figure_width
    shift = (drawing_width - 2 * MARGIN - width) / 2
    positions = {n: (x + MARGIN + shift, y) for n, (x, y) in positions.items()}
    routes = {e: [(x + MARGIN + shift, y) for x, y in points] for e, points in routes.items()}

    boxes = {}
    for node, (x, y) in positions.items():
        data = graph.nodes[node]
        face, edge, style, rounding = STYLE[data["kind"]]
        line_width = 1.0
        if node in done:
            edge, line_width = DONE_COLOUR, 2.0
        if node in highlight:
            edge, line_width = HIGHLIGHT_COLOUR, 3.0
        box_width, box_height = sizes[node]
        box = FancyBboxPatch((x - box_width / 2, y - box_height / 2), box_width, box_height,
                             boxstyle=f"round,pad=0,rounding_size={rounding}", facecolor=face, edgecolor=edge,
                             linestyle="dashed" if data.get("freed") else style, linewidth=line_width, zorder=2)
        ax.add_artist(box)  # add_artist: no data-limit update per patch (slow)
        boxes[node] = box
        artists[node].set_position((x, y))

    for source, target, data in graph.edges(data=True):
        note = edge_notes.get((source, target))
        colour = HIGHLIGHT_COLOUR if note is not None else ("#9e9e9e" if data["kind"] == "accumulate" else "#444444")
        points = _edge_points(positions[source], sizes[source], routes.get((source, target), []),
                              positions[target], sizes[target])
        arrow = FancyArrowPatch(path=Path(points), arrowstyle="-|>", mutation_scale=10,
                                linewidth=2.0 if note is not None else 1.0, color=colour, zorder=1,
                                linestyle="dashed" if data["kind"] == "accumulate" and note is None else "solid")
        ax.add_artist(arrow)
        middle = len(points) // 2
        (x0, y0), (x1, y1) = points[middle - 1], points[middle]
        uses = len(data.get("indices", ()))
        if uses > 1 and note is None:  # the same tensor is used twice by one operation (t * t)
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, f"×{uses}", ha="center", va="center", fontsize=FONT_SIZE - 1,
                    color="#444444", zorder=4, bbox=dict(boxstyle="round,pad=0.1", facecolor="white", lw=0))
        if note is not None:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, note, ha="center", va="center", fontsize=FONT_SIZE - 1,
                    color=HIGHLIGHT_COLOUR, zorder=4,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor=HIGHLIGHT_COLOUR, lw=0.8))

    bottom = -MARGIN - bottom_height
    top = height + MARGIN + title_height
    if own_figure:
        figure.set_size_inches(figure_width, top - bottom)
    ax.set_xlim(0, figure_width)
    ax.set_ylim(bottom, top)
    if not own_figure:
        ax.set_aspect("equal")
    if title:
        ax.text(drawing_width / 2, top - title_height / 2 - 0.05, title, ha="center", va="center",
                fontsize=FONT_SIZE + 2, zorder=4)
    if legend_place is not None:
        where, columns, _ = legend_place
        if where == "right":
            ax.legend(handles=handles, loc="upper right", bbox_to_anchor=(1.0, 1.0), **_legend_options(1))
        else:
            ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), **_legend_options(columns))
    return GraphPicture(figure, ax, graph, texts, positions, highlight, edge_notes, sizes)


def _edge_points(start, start_size, waypoints, end, end_size) -> list:
    """The arrow's polyline: from the edge of the source box, through the waypoints, to the target box."""
    first = waypoints[0] if waypoints else end
    last = waypoints[-1] if waypoints else start
    return [_box_exit(start, start_size, first), *waypoints, _box_exit(end, end_size, last)]


def _box_exit(centre, size, toward, gap=0.03):
    """Where the line from a box's centre toward a point leaves the box (plus a small gap)."""
    (cx, cy), (px, py) = centre, toward
    dx, dy = px - cx, py - cy
    half_width, half_height = size[0] / 2 + gap, size[1] / 2 + gap
    scale = min(half_width / abs(dx) if dx else float("inf"), half_height / abs(dy) if dy else float("inf"))
    if scale == float("inf"):
        return centre
    return (cx + dx * scale, cy + dy * scale)


def _legend_handles(graph, highlight, done) -> list:
    """One entry per kind of node present (in a fixed order), plus the widgets' highlight colours."""
    present = {data["kind"] for _, data in graph.nodes(data=True)}
    handles = []
    for kind in KIND_DESCRIPTIONS:
        if kind in present:
            face, edge, style, _ = STYLE[kind]
            handles.append(Patch(facecolor=face, edgecolor=edge, linestyle=style, label=KIND_DESCRIPTIONS[kind]))
    if highlight:
        handles.append(Patch(facecolor="white", edgecolor=HIGHLIGHT_COLOUR, linewidth=2.5, label=highlight))
    if done:
        handles.append(Patch(facecolor="white", edgecolor=DONE_COLOUR, linewidth=2, label="already ran"))
    return handles


def _legend_options(columns) -> dict:
    return dict(ncol=columns, frameon=False, fontsize=FONT_SIZE - 1, handlelength=1.2, columnspacing=1.0,
                borderaxespad=0.2)


def _legend_placement(ax, handles, width, height):
    """Right of a tall narrow drawing (one column); otherwise below it, in as few rows as fit its width.

    Returns ``(where, columns, (legend width, legend height) in inches)``.
    """
    figure = ax.figure
    renderer = _renderer(figure)

    def size(columns):
        legend = ax.legend(handles=handles, **_legend_options(columns))
        extent = legend.get_window_extent(renderer)
        legend.remove()
        return extent.width / figure.dpi, extent.height / figure.dpi

    column_size = size(1)
    if height > 1.3 * width and height > column_size[1]:
        return "right", 1, column_size
    available = max(width + 2 * MARGIN, 6.0)
    for columns in range(len(handles), 0, -1):
        measured = size(columns)
        if measured[0] <= available or columns == 1:
            return "bottom", columns, measured


def _renderer(figure):
    canvas = figure.canvas
    if not hasattr(canvas, "get_renderer"):
        canvas = FigureCanvasAgg(figure)
    return canvas.get_renderer()

