"""A graph picture that keeps up with the notebook.

After every cell (an IPython ``post_run_cell`` hook) ``LiveGraph`` looks for tensors in the notebook that were
built on top of the graph it shows (``z = y + b`` after ``LiveGraph(y)``) and redraws with them. During every
backward pass it listens to the engine (``add_observer``) and remembers the gradient that reached each node, so
after ``loss.backward()`` the picture shows the gradient of every tensor, intermediate ones included. A
dropdown picks a node; the panel beside the picture lists its type, shape, value, gradient and neighbours.
"""
from __future__ import annotations

import sys
import weakref

from ..autograd import engine
from ..viz.draw import figure_png, render
from ..viz.graph import KIND_DESCRIPTIONS, names_in, to_networkx
from .._tensor import Tensor
from ._view import WidgetView, escape, ipython_shell, ipywidgets, new_image, set_image

FOLLOW_LIMIT = 5000  # nodes; a bigger graph found in the namespace is not searched


class LiveGraphState:
    """The tensors shown, the gradients recorded during backward passes, and the selected node."""

    def __init__(self, tensors, names=None, params=None, namespace=None):
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(f"LiveGraph() expects Tensors, got {type(tensor).__name__} at position {position}")
        self.tensors = list(tensors)
        self.explicit_names = names
        self.params = params
        self.namespace = namespace  # dicts searched for variable names (and, by follow(), for new tensors)
        self.gradients: dict = {}  # (grad_fn, output_nr) -> gradient that reached that tensor
        self.selected = None
        self.graph = None
        self._pending: dict = {}
        self.refresh()

    # ---------------------------------------------------------------- the graph
    def names(self) -> dict:
        if self.explicit_names is not None:
            return self.explicit_names
        return names_in(*(self.namespace or ()))

    def refresh(self):
        """Read the graph again (new operations, new gradients, freed buffers)."""
        known = self.graph.graph["known_inputs"] if self.graph is not None else None
        self.graph = to_networkx(*self.tensors, params=self.params, names=self.names() or False,
                                 gradients=self.gradients, known_inputs=known)
        if self.selected not in self.graph:
            self.selected = None
        return self.graph

    def update(self, *tensors):
        """Show ``tensors`` from now on (keeping the recorded gradients), or just re-read the graph."""
        if tensors:
            self.tensors = list(tensors)
        return self.refresh()

    def signature(self) -> tuple:
        """Changes whenever the picture would change."""
        return tuple((n, d["kind"], d.get("grad"), d.get("value"), d.get("freed"), n == self.selected)
                     for n, d in self.graph.nodes(data=True))

    @property
    def has_gradients(self) -> bool:
        return any(d.get("grad") is not None for _, d in self.graph.nodes(data=True))

    def _known_nodes(self) -> set:
        known = {d["fn"] for _, d in self.graph.nodes(data=True) if "fn" in d}
        for tensor in self.tensors:
            if tensor.grad_fn is None and tensor._accumulator_ref is not None:
                accumulator = tensor._accumulator_ref()
                if accumulator is not None:
                    known.add(accumulator)
        return known

    def follow(self, namespace=None) -> bool:
        """Add the tensors of ``namespace`` built on top of the shown graph; True if the shown set changed.

        A tensor that is now an input of another one shown is dropped from the list (it is still drawn, as an
        intermediate result), so after ``z = y + b`` the picture ends at ``z``.
        """
        scopes = [namespace] if namespace is not None else list(self.namespace or ())
        known = self._known_nodes()
        shown = {id(t) for t in self.tensors}
        found = []
        for scope in scopes:
            for name, value in list(scope.items()):
                if (isinstance(value, Tensor) and not name.startswith("_") and value.grad_fn is not None
                        and id(value) not in shown and _reaches(value.grad_fn, known)):
                    shown.add(id(value))
                    found.append(value)
        if not found:
            return False
        candidates = self.tensors + found
        graph = to_networkx(*candidates, names=False)
        ids = graph.graph["ids"]
        kept = []
        for tensor in candidates:
            key = ("leaf", id(tensor)) if tensor.grad_fn is None else (tensor.grad_fn, tensor._output_nr)
            if graph.out_degree(ids[key]) == 0:
                kept.append(tensor)
        changed = [id(t) for t in kept] != [id(t) for t in self.tensors]
        self.tensors = kept
        return changed

    # ---------------------------------------------------------------- gradients (engine observer)
    def observe(self, event, **details) -> None:
        """Engine observer: collect the gradients of one backward pass; keep them if it touched our graph."""
        if event == "node":
            node = details["node"]
            for nr, grad in enumerate(details["grad_outputs"]):
                if grad is not None:
                    self._pending[(node, nr)] = grad.detach()
        elif event == "accumulate":
            self._pending[(details["node"], 0)] = None
        elif event == "done":
            pending, self._pending = self._pending, {}
            known = self._known_nodes()
            if any(key[0] in known for key in pending):
                self.gradients.update({k: g for k, g in pending.items() if g is not None})

    # ---------------------------------------------------------------- what the panel says about a node
    def details(self, node_id) -> list:
        """``[(field, text), ...]`` describing one node of the graph."""
        data = self.graph.nodes[node_id]
        rows = [("node", node_id), ("kind", KIND_DESCRIPTIONS[data["kind"]])]
        if data["kind"] in ("op", "accumulate"):
            fn = data["fn"]
            rows.append(("grad_fn", data["op"]))
            if data["kind"] == "accumulate":
                rows.append(("adds into", f"{next(iter(self.graph.predecessors(node_id)))}.grad"))
            else:
                pairs = [f"({'None' if n is None else type(n).__name__}, {nr})" for n, nr in fn.next_functions]
                rows.append(("next_functions", "(" + ", ".join(pairs) + ")"))
                if data["freed"]:
                    rows.append(("saved tensors", "freed by a backward without retain_graph=True"))
                elif data["saved"]:
                    rows.append(("saved tensors", ", ".join(entry["label"] for entry in data["saved"])))
            rows.append(("inputs from", ", ".join(self.graph.predecessors(node_id)) or "-"))
            rows.append(("output to", ", ".join(self.graph.successors(node_id)) or "-"))
            return rows
        rows.append(("shape", str(tuple(data["shape"])) if data["shape"] is not None else "?"))
        rows.append(("dtype", f"minigrad.{data['dtype']}" if data["dtype"] else "?"))
        rows.append(("requires_grad", str(data["requires_grad"])))
        if data["value"] is not None:
            rows.append(("value", data["value"]))
        rows.append(("grad", data["grad"] if data["grad"] is not None else "None"))
        rows.append(("made by", ", ".join(self.graph.predecessors(node_id)) or "- (a leaf: made by you)"))
        rows.append(("used by", ", ".join(self.graph.successors(node_id)) or "-"))
        return rows


def _reaches(start, targets, limit=FOLLOW_LIMIT) -> bool:
    """Does the graph below ``start`` contain one of ``targets``?"""
    if not targets:
        return False
    stack, seen = [start], {start}
    while stack and len(seen) < limit:
        node = stack.pop()
        if node in targets:
            return True
        for edge in getattr(node, "_arg_edges", ()):
            if edge is not None and edge[0] is not None and edge[0] not in seen:
                seen.add(edge[0])
                stack.append(edge[0])
    return False


class _WeakObserver:
    """Passes engine events on to a state object without keeping it alive; unregisters itself once it is gone."""

    def __init__(self, state):
        self.ref = weakref.ref(state)

    def __call__(self, event, **details):
        state = self.ref()
        if state is None:
            engine.remove_observer(self)
            return
        state.observe(event, **details)


class LiveGraph(WidgetView):
    """The graph of ``tensors`` as a widget that redraws itself after every notebook cell.

    ``update(*tensors)`` redraws now (optionally showing other tensors); ``close()`` stops following the
    notebook and the engine. ``follow=False``: only redraw on ``update()``. ``names``/``params`` as in
    ``minigrad.viz.draw``. The plain state is ``live.state`` (``LiveGraphState``).
    """

    def __init__(self, *tensors, names=None, params=None, follow=True, show_data=True):
        shell = ipython_shell()
        if shell is not None and getattr(shell, "user_ns", None) is not None:
            namespace = [shell.user_ns]
        else:
            frame = sys._getframe(1)
            namespace = [frame.f_locals, frame.f_globals]
        self.state = LiveGraphState(tensors, names=names, params=params, namespace=namespace)
        self.show_data = show_data
        self.follow = follow
        self._observer = _WeakObserver(self.state)
        engine.add_observer(self._observer)
        self._shell = shell if follow and shell is not None and hasattr(shell, "events") else None
        if self._shell is not None:
            self._shell.events.register("post_run_cell", self._after_cell)

        widgets = ipywidgets()
        self.header = widgets.HTML()
        self.image = new_image()
        self.node_picker = widgets.Dropdown(description="node", options=[], value=None,
                                            layout=widgets.Layout(width="320px"))
        self.details = widgets.HTML(layout=widgets.Layout(width="320px"))
        self.node_picker.observe(self._picked, names="value")
        self.widget = widgets.VBox([self.header, widgets.HBox([self.image, widgets.VBox([self.node_picker,
                                                                                          self.details])])])
        self.widget.add_class("minigrad-live-graph")
        self._shown_signature = None
        self._png = None
        self._updating_picker = False
        self._redraw(force=True)

    # ---------------------------------------------------------------- public
    def update(self, *tensors) -> None:
        """Re-read the graph (of ``tensors`` if given) and redraw it."""
        self.state.update(*tensors)
        self._redraw()

    def select(self, node_id) -> None:
        """Highlight a node and describe it (what the dropdown does)."""
        if node_id is not None and node_id not in self.state.graph:
            raise KeyError(f"no node {node_id!r} in the graph; nodes: {sorted(self.state.graph.nodes)}")
        self.node_picker.value = node_id

    def close(self) -> None:
        """Stop redrawing after cells and stop listening to backward passes."""
        engine.remove_observer(self._observer)
        if self._shell is not None:
            try:
                self._shell.events.unregister("post_run_cell", self._after_cell)
            except ValueError:
                pass
            self._shell = None

    # ---------------------------------------------------------------- drawing
    def _after_cell(self, result=None) -> None:
        if self.follow:
            self.state.follow()
        self.state.refresh()
        self._redraw()
        self.refresh_snapshot()  # this callback may run after the one that refreshes every shown widget

    def _picked(self, change) -> None:
        if self._updating_picker:
            return
        self.state.selected = change["new"]
        self._redraw()

    def _redraw(self, force=False) -> None:
        state = self.state
        if state.selected not in state.graph:
            state.selected = None
        signature = state.signature()
        if signature == self._shown_signature and not force:
            return
        self._shown_signature = signature
        graph = state.graph
        picture = render(graph, show_grad=state.has_gradients, show_data=self.show_data,
                         highlight={state.selected} if state.selected else (), highlight_label="selected")
        self._png = figure_png(picture.figure)
        set_image(self.image, self._png)
        options = [(f"{node} ({graph.nodes[node]['kind']})", node) for node in graph.nodes]
        if list(self.node_picker.options) != options:
            self._updating_picker = True
            try:
                self.node_picker.options = options
                self.node_picker.value = state.selected
            finally:
                self._updating_picker = False
        outputs = ", ".join(graph.graph["outputs"])
        counts = sum(1 for _, d in graph.nodes(data=True) if d["kind"] in ("op", "accumulate"))
        note = "gradients from the last backward are shown" if state.has_gradients else \
            "run backward() to see the gradients"
        self.header.value = (f"<b>Graph of {escape(outputs)}</b>: {graph.number_of_nodes()} nodes, {counts} of "
                             f"them operations; {note}.")
        self.details.value = self._details_html()

    def _details_html(self) -> str:
        if self.state.selected is None:
            return "<i>Pick a node to see its type, shape, gradient and neighbours.</i>"
        rows = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
                       for k, v in self.state.details(self.state.selected))
        return f"<table class='minigrad-node-details'>{rows}</table>"

    def snapshot_png(self):
        return self._png

    def __repr__(self) -> str:
        graph = self.state.graph
        return f"LiveGraph({graph.number_of_nodes()} nodes, outputs: {', '.join(graph.graph['outputs'])})"
