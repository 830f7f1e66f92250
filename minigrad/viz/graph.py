"""The recorded graph as plain data: a ``networkx.DiGraph`` with one node per tensor and one per operation.

Reading starts from the tensors you pass and follows ``grad_fn`` and each node's input edges
(``next_functions``) back to the leaves. Edges point the way the data flowed in the forward pass:

    x ──┐
        ├─> MulBackward0 ─> y ─┐
    w ─> AccumulateGrad ─┘      ├─> AddBackward0 ─> z
                    b ─> AccumulateGrad ─┘

(The leaf ``w`` is drawn through its ``AccumulateGrad`` node, the way ``next_functions`` shows it; the backward
pass walks these arrows in reverse.) Nothing here draws; ``minigrad.viz.draw`` turns this graph into a picture.
"""
from __future__ import annotations

import math
import sys
from collections import deque

import networkx as nx

from ..autograd.graph import AccumulateGrad
from .._tensor import Tensor

# What each node kind stands for; the picture's legend uses the same words.
KIND_DESCRIPTIONS = {
    "leaf": "leaf tensor (requires grad)",
    "param": "parameter",
    "constant": "input without grad",
    "tensor": "intermediate tensor",
    "output": "output",
    "op": "operation (grad_fn)",
    "accumulate": "AccumulateGrad",
}
TENSOR_KINDS = ("leaf", "param", "constant", "tensor", "output")
FUNCTION_KINDS = ("op", "accumulate")


def to_networkx(*tensors, params=None, names=None, gradients=None, constants=True, known_inputs=None) -> nx.DiGraph:
    """The graph recorded for ``tensors`` as a ``networkx.DiGraph`` (data-flow direction).

    ``params``: ``dict(model.named_parameters())``; those leaves are labelled with their names and get kind
    ``"param"``. ``names``: ``{"x": x, ...}`` labels for any tensors of the graph; by default the variables of
    the calling code are used (pass ``names=False`` to switch that off). ``gradients``: optional
    ``{(grad_fn, output_nr): grad}`` for intermediate tensors (the widgets record these during backward).
    ``constants``: include the inputs that need no gradient (``(None, 0)`` in ``next_functions``); such an
    input is recognised through the tensors its operation saved, and ``graph.graph["known_inputs"]``
    (``{(grad_fn, index): tensor}``) keeps what was recognised: pass it back as ``known_inputs`` to label them
    after a backward pass has freed the saved tensors.

    Node attributes: ``kind`` (leaf, param, constant, tensor, output, op, accumulate), ``label`` (the text
    the picture shows), ``name``; tensors: ``shape``, ``dtype``, ``requires_grad``, ``value`` and ``grad``
    (short summaries or None), ``tensor`` (the object, when known); operations: ``op`` (the name PyTorch
    prints, e.g. ``MulBackward0``), ``fn`` (the node object), ``saved`` (one dict per saved tensor:
    ``label``, ``shape``, ``freed``) and ``freed`` (True once a backward without ``retain_graph`` released
    them). Edge attributes: ``kind`` ("data" or "accumulate"), ``index`` (the input position) and
    ``indices`` (all of them, when one tensor feeds an operation twice as in ``t * t``).
    """
    if names is None:
        names = caller_names(depth=2)
    return GraphReader(params=params, names=names or {}, gradients=gradients or {},
                       constants=constants, known_inputs=known_inputs).read(tensors)


def caller_names(depth: int = 1) -> dict:
    """Tensors bound to variable names in a calling frame (locals first, then globals).

    ``depth=1`` is the function that calls ``caller_names``, 2 the one that called it, and so on.
    """
    frame = sys._getframe(depth)
    return names_in(frame.f_locals, frame.f_globals)


def names_in(*scopes) -> dict:
    """``{name: tensor}`` for the tensors in the given namespaces (earlier scopes win).

    Names starting with ``_`` are skipped: IPython binds ``_``, ``_5``... to earlier results.
    """
    found = {}
    for scope in scopes:
        for name, value in list(scope.items()):
            if isinstance(value, Tensor) and not name.startswith("_") and name not in found:
                found[name] = value
    return found


class GraphReader:
    """Walks the graph once, breadth first from the outputs, and builds the networkx graph."""

    def __init__(self, params=None, names=None, gradients=None, constants=True, known_inputs=None):
        self.graph = nx.DiGraph()
        self.known_inputs = dict(known_inputs or {})
        self.gradients = gradients
        self.include_constants = constants
        self.param_names = {id(t): name for name, t in (params or {}).items()}
        # First name wins: a dict keeps definition order, so the name a tensor got first labels it.
        self.tensor_names: dict = {}
        self.named_tensors: dict = {}  # (grad_fn, output_nr) -> tensor, for named intermediate results
        for name, tensor in (names or {}).items():
            if not isinstance(tensor, Tensor):
                raise TypeError(f"names[{name!r}] must be a Tensor, got {type(tensor).__name__}")
            self.tensor_names.setdefault(id(tensor), name)
            if tensor.grad_fn is not None:
                self.named_tensors.setdefault((tensor.grad_fn, tensor._output_nr), tensor)
        for tensor in (params or {}).values():
            self.tensor_names.pop(id(tensor), None)  # a parameter is labelled by its parameter name
        self._keep_alive = list((names or {}).values()) + list((params or {}).values())
        self.ids: dict = {}  # key of a graph object -> node id in self.graph
        self.used_ids: set = set()
        self.counters: dict = {}

    # ---------------------------------------------------------------- walking
    def read(self, tensors) -> nx.DiGraph:
        outputs = []
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(f"to_networkx() expects Tensors, got {type(tensor).__name__} at position "
                                f"{position}")
            outputs.append(tensor)
        queue = deque()
        for tensor in outputs:
            if tensor.grad_fn is None:
                self._leaf_node(tensor, given=True)
                continue
            fn, nr = tensor.grad_fn, tensor._output_nr
            self.named_tensors.setdefault((fn, nr), tensor)
            tensor_id = self._intermediate_node(fn, nr, output=True)
            fn_id, new = self._function_node(fn)
            self._add_edge(fn_id, tensor_id, kind="data", index=nr)
            if new:
                queue.append(fn)
        while queue:
            fn = queue.popleft()
            fn_id = self.ids[fn]
            for index, edge in enumerate(getattr(fn, "_arg_edges", ())):
                if edge is None:
                    continue  # a non-tensor argument (a dim, a shape): not part of the graph
                child, nr = edge
                if child is None:
                    if self.include_constants:
                        const_id = self._constant_node(fn, index)
                        self._add_edge(const_id, fn_id, kind="data", index=index)
                    continue
                if type(child) is AccumulateGrad:
                    leaf_id = self._leaf_node(child.variable)
                    acc_id, _ = self._function_node(child)
                    self._add_edge(leaf_id, acc_id, kind="accumulate", index=0)
                    self._add_edge(acc_id, fn_id, kind="accumulate", index=index)
                    continue
                tensor_id = self._intermediate_node(child, nr)
                child_id, new = self._function_node(child)
                self._add_edge(child_id, tensor_id, kind="data", index=nr)
                self._add_edge(tensor_id, fn_id, kind="data", index=index)
                if new:
                    queue.append(child)
        self._number_functions()
        self.graph.graph["outputs"] = [self._tensor_id_of(t) for t in outputs]
        # How engine objects map to node ids, for the widgets that follow a backward pass: a grad_fn maps to its
        # operation node, (grad_fn, output_nr) to the tensor it produced, ("constant", grad_fn, i) to input i.
        self.graph.graph["ids"] = dict(self.ids)
        self.graph.graph["known_inputs"] = self.known_inputs
        return self.graph

    def _add_edge(self, source, target, kind, index):
        """One edge per pair; ``indices`` lists every input position it feeds (``t * t`` feeds 0 and 1)."""
        if self.graph.has_edge(source, target):
            indices = self.graph.edges[source, target]["indices"]
            if index not in indices:
                indices.append(index)
        else:
            self.graph.add_edge(source, target, kind=kind, index=index, indices=[index])

    # ---------------------------------------------------------------- node makers
    def _unique(self, base: str) -> str:
        if base not in self.used_ids:
            self.used_ids.add(base)
            return base
        number = self.counters.get(base, 1)
        while True:
            number += 1
            candidate = f"{base} #{number}"
            if candidate not in self.used_ids:
                self.counters[base] = number
                self.used_ids.add(candidate)
                return candidate

    def _tensor_id_of(self, tensor):
        if tensor.grad_fn is None:
            return self.ids[("leaf", id(tensor))]
        return self.ids[(tensor.grad_fn, tensor._output_nr)]

    def _leaf_node(self, tensor, given=False) -> str:
        key = ("leaf", id(tensor))
        if key in self.ids:
            return self.ids[key]
        self._keep_alive.append(tensor)
        param_name = self.param_names.get(id(tensor))
        name = param_name or self.tensor_names.get(id(tensor))
        if param_name is not None:
            kind = "param"
        elif tensor._requires_grad:
            kind = "leaf"
        else:
            kind = "constant"
        node_id = self._unique(name or kind)
        self.ids[key] = node_id
        self.graph.add_node(node_id, name=name, **_tensor_attributes(kind, tensor, tensor.shape,
                                                                     tensor._array.dtype, tensor._grad))
        self.graph.nodes[node_id]["label"] = _tensor_label(name or kind, tensor.shape)
        return node_id

    def _intermediate_node(self, fn, nr, output=False) -> str:
        key = (fn, nr)
        if key in self.ids:
            node = self.graph.nodes[self.ids[key]]
            if output:
                node["kind"] = "output"
                if node["name"] is None:
                    node["label"] = _tensor_label("output", node["shape"])
            return self.ids[key]
        tensor = self.named_tensors.get(key)
        name = self.tensor_names.get(id(tensor)) if tensor is not None else None
        kind = "output" if output else "tensor"
        shape, dtype = fn._output_meta[nr]
        grad = None
        if tensor is not None and tensor._retains_grad:
            grad = tensor._grad
        if grad is None:
            grad = self.gradients.get(key)
        node_id = self._unique(name or ("output" if output else "tensor"))
        self.ids[key] = node_id
        self.graph.add_node(node_id, name=name, **_tensor_attributes(kind, tensor, tuple(shape), dtype, grad))
        self.graph.nodes[node_id]["label"] = _tensor_label(name or ("output" if output else None), shape)
        return node_id

    def _constant_node(self, fn, index) -> str:
        """An input that needs no gradient; its value is known when ``fn`` saved it at the same position."""
        saved = getattr(fn, "_saved", ())
        if len(saved) == len(fn._arg_edges):  # saved in argument order (w * x saves w, x)
            value = saved[index]
        else:  # one input without grad and one such tensor saved: it must be that input
            constants = [item for item in saved if isinstance(item, Tensor) and not item._requires_grad]
            inputs_without_grad = sum(1 for edge in fn._arg_edges if edge is not None and edge[0] is None)
            value = constants[0] if len(constants) == 1 == inputs_without_grad else None
        if value is None:
            value = self.known_inputs.get((fn, index))
        if isinstance(value, Tensor) and not value._requires_grad:
            self.known_inputs[(fn, index)] = value
        name = None
        tensor = None
        if isinstance(value, Tensor) and not value._requires_grad:
            tensor = value
            name = self.tensor_names.get(id(value))
        attributes = _tensor_attributes("constant", tensor, tensor.shape if tensor is not None else None,
                                        tensor._array.dtype if tensor is not None else None, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attributes["value"] = _number(value)
        if tensor is not None and ("leaf", id(tensor)) in self.ids:  # the same tensor feeds several operations
            node_id = self.ids[("leaf", id(tensor))]
            self.ids[("constant", fn, index)] = node_id
            return node_id
        node_id = self._unique(name or "constant")
        self.ids[("constant", fn, index)] = node_id
        if tensor is not None:
            self.ids[("leaf", id(tensor))] = node_id
            self._keep_alive.append(tensor)
        if name is not None:
            label = _tensor_label(name, tensor.shape)
        elif attributes["value"] is not None and (tensor is None or tensor.numel() <= 4):
            label = attributes["value"]
        else:
            label = _tensor_label("constant", tensor.shape if tensor is not None else ())
        self.graph.add_node(node_id, name=name, label=label, **attributes)
        return node_id

    def _function_node(self, fn):
        if fn in self.ids:
            return self.ids[fn], False
        if type(fn) is AccumulateGrad:
            leaf_id = self._leaf_node(fn.variable)
            node_id = self._unique(f"AccumulateGrad({leaf_id})")
            attributes = dict(kind="accumulate", op="AccumulateGrad", label="AccumulateGrad", saved=[],
                              freed=False)
        else:
            op = type(fn).__name__
            node_id = self._unique(f"~{op}")  # renamed by creation order in _number_functions
            attributes = dict(kind="op", op=op, label=op, saved=_saved_entries(fn, self.tensor_names),
                              freed=bool(getattr(fn, "_freed", False)))
        self.ids[fn] = node_id
        self.graph.add_node(node_id, fn=fn, name=None, sequence_nr=fn._sequence_nr, **attributes)
        return node_id, True

    def _number_functions(self) -> None:
        """Name operation nodes by creation order: the first ``MulBackward0`` recorded keeps the plain name."""
        ops = [(data["sequence_nr"], node_id) for node_id, data in self.graph.nodes(data=True)
               if data["kind"] == "op"]
        mapping = {}
        taken = set(self.graph.nodes) - {node_id for _, node_id in ops}
        seen: dict = {}
        for _, node_id in sorted(ops):
            op = self.graph.nodes[node_id]["op"]
            seen[op] = seen.get(op, 0) + 1
            new_id = op if seen[op] == 1 else f"{op} #{seen[op]}"
            while new_id in taken:
                new_id += "'"
            taken.add(new_id)
            mapping[node_id] = new_id
        nx.relabel_nodes(self.graph, mapping, copy=False)
        for key, node_id in list(self.ids.items()):
            self.ids[key] = mapping.get(node_id, node_id)


def _tensor_attributes(kind, tensor, shape, dtype, grad) -> dict:
    dtype_name = None if dtype is None else str(dtype)
    return dict(
        kind=kind,
        shape=None if shape is None else tuple(shape),
        dtype=dtype_name,
        requires_grad=kind != "constant",
        value=summarize(tensor) if tensor is not None else None,
        grad=summarize(grad) if grad is not None else None,
        tensor=tensor,
    )


def _saved_entries(fn, tensor_names) -> list:
    """One entry per tensor the node keeps for backward; an empty list once they are freed."""
    from ..autograd.function import _SavedOutput

    entries = []
    for item in getattr(fn, "_saved", ()):
        if item is None:
            continue
        if type(item) is _SavedOutput:
            entries.append(dict(label="its output", shape=tuple(item.array.shape), freed=False))
        elif isinstance(item, Tensor):
            label = tensor_names.get(id(item)) or _shape_text(item.shape) or "scalar"
            entries.append(dict(label=label, shape=tuple(item.shape), freed=False))
        else:
            entries.append(dict(label=_number(item), shape=(), freed=False))
    return entries


# ---------------------------------------------------------------- text summaries
def summarize(tensor, limit: int = 4) -> str:
    """A short, deterministic text for a tensor's values: ``3``, ``[1, 2.5]``, ``[0.1, 0.2, 0.3, …]``."""
    array = tensor.detach()._host_array() if hasattr(tensor, "_host_array") else tensor
    flat = array.reshape(-1)
    if array.ndim == 0:
        return _number(flat[0].item())
    shown = ", ".join(_number(v.item()) for v in flat[:limit - 1 if flat.size > limit else limit])
    return f"[{shown}, …]" if flat.size > limit else f"[{shown}]"


def _tensor_label(name, shape) -> str:
    """``W (5, 3)``; an unnamed intermediate shows its shape only (``tensor`` when it is a scalar)."""
    shape_text = _shape_text(shape)
    if name is None:
        return shape_text or "tensor"
    return f"{name} {shape_text}" if shape_text else name


def _number(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value == int(value) and abs(value) < 1e6:
        return f"{value:.1f}".replace("-0.0", "0.0")  # 7.0, not 7: the value is a float
    return f"{value:.4g}"


def _shape_text(shape) -> str:
    """``(5, 3)`` for a matrix, ``(3,)`` for a vector, empty for a scalar."""
    shape = tuple(shape)
    if not shape:
        return ""
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
