"""``StaticGraph``: a recorded computation as a plain list of nodes, like TensorFlow 1's graphs and ``torch.fx``.

Every node has a ``kind``:

* ``input``  -- a placeholder, filled by the caller on every run (TensorFlow's ``tf.placeholder``);
* ``param``  -- a tensor the traced function closed over that requires grad (a weight, TensorFlow's
  ``tf.Variable``). The graph keeps a *reference* to it: gradients flow into it on replay, and in-place updates
  (``w -= lr * w.grad`` under ``no_grad``) are seen by the next run;
* ``const``  -- any other tensor met while tracing (captured data, ``torch.zeros(...)`` made inside the
  function). Its values were copied when the trace was recorded and never change;
* ``op``     -- one recorded operation: ``target`` says what to call, ``args`` what to call it with (other
  nodes, and Python values such as dims and shapes, fixed at trace time);
* ``output`` -- what the graph returns.

The list is in execution order, so running the graph is a walk from top to bottom. ``graph.code`` writes that
walk out as a Python function, and that function *is* what ``graph(*inputs)`` runs. Optimisation passes
(``minigrad.jit.passes``) take a graph and return a new one; nothing here is mutated after construction.
"""
from __future__ import annotations

import warnings

from .. import _tensor

NODE_KINDS = ("input", "param", "const", "op", "output")


class TracerWarning(Warning):
    """A trace may not generalise to other inputs (``torch.jit.TracerWarning`` in PyTorch)."""


class Node:
    """One entry of a ``StaticGraph``.

    ``target``: for ``op`` nodes what to call (see ``targets.py``); for ``param``/``const`` the tensor; for
    ``input`` the position in the argument list. ``args``/``kwargs``: nested tuples/lists holding other nodes,
    ``ArrayOf(node)`` (the raw array of a node's value, as indexing needs) and plain Python values.
    ``shape``/``dtype``: of the value at trace time (None for an op returning several values).
    ``grad_mode``: None to follow the caller, True/False when the op was recorded inside ``enable_grad()`` /
    ``no_grad()`` and must run that way.
    """

    __slots__ = ("name", "kind", "target", "args", "kwargs", "shape", "dtype", "grad_mode")

    def __init__(self, name, kind, target=None, args=(), kwargs=None, shape=None, dtype=None, grad_mode=None):
        if kind not in NODE_KINDS:
            raise ValueError(f"node kind must be one of {NODE_KINDS}, got {kind!r}")
        self.name = name
        self.kind = kind
        self.target = target
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.shape = shape
        self.dtype = dtype
        self.grad_mode = grad_mode

    @property
    def pure(self) -> bool:
        return self.kind != "op" or self.target.pure

    def input_nodes(self) -> list:
        """The nodes this one reads, in order, without repeats."""
        found = []
        for value in iterate_nodes((self.args, tuple(self.kwargs.values()))):
            if not any(value is seen for seen in found):
                found.append(value)
        return found

    def target_text(self) -> str:
        if self.kind == "op":
            return self.target.display
        if self.kind == "input":
            return f"input {self.target}"
        return self.name

    def __repr__(self) -> str:
        return f"Node({self.name!r}, kind={self.kind!r})"


class ArrayOf:
    """The raw array of a node's value, for an op that was given ``tensor._array`` (indexing with a mask)."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node


def iterate_nodes(structure):
    """Every node inside a nested args structure (ArrayOf counts as its node)."""
    stack = [structure]
    while stack:
        value = stack.pop()
        if isinstance(value, Node):
            yield value
        elif isinstance(value, ArrayOf):
            yield value.node
        elif isinstance(value, (tuple, list)):
            stack.extend(reversed(value))
        elif isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, slice):
            stack.extend((value.stop, value.step, value.start)[::-1])


def walk_values(structure):
    """Every leaf of a nested tuple/list structure (nodes, ``ArrayOf``, Python values), in order."""
    if isinstance(structure, (tuple, list)):
        for item in structure:
            yield from walk_values(item)
    else:
        yield structure


def map_nodes(structure, replace):
    """A copy of a nested args structure with each node ``n`` replaced by ``replace(n)``."""
    if isinstance(structure, Node):
        return replace(structure)
    if isinstance(structure, ArrayOf):
        return ArrayOf(replace(structure.node))
    if isinstance(structure, tuple):
        return tuple(map_nodes(v, replace) for v in structure)
    if isinstance(structure, list):
        return [map_nodes(v, replace) for v in structure]
    if isinstance(structure, dict):
        return {k: map_nodes(v, replace) for k, v in structure.items()}
    if isinstance(structure, slice) and any(isinstance(v, (Node, ArrayOf))
                                            for v in (structure.start, structure.stop, structure.step)):
        return slice(*(map_nodes(v, replace) for v in (structure.start, structure.stop, structure.step)))
    return structure


class StaticGraph:
    """A traced computation: ``nodes`` in execution order, callable like the function it was traced from.

    ``graph(*inputs)`` replays the ops on new inputs (``graph.code`` is exactly what runs); the result has a
    fresh autograd graph, so ``.backward()`` works and gradients reach the parameters.
    """

    def __init__(self, nodes, example_inputs=(), name="forward", on_arrays=False):
        self.nodes = list(nodes)
        outputs = [n for n in self.nodes if n.kind == "output"]
        if len(outputs) != 1 or self.nodes[-1].kind != "output":
            raise ValueError("a StaticGraph ends with exactly one 'output' node")
        self.name = name
        # Copies of the tensors the graph was traced with: shapes to compare against, values to trace again.
        self.example_inputs = tuple(example_inputs)
        # Compiled to plain array code (``passes.compile_to_arrays``): no tensors, no autograd inside.
        self.on_arrays = on_arrays
        self._compiled = None
        self._code = None

    # ------------------------------------------------------------------ looking at the graph
    @property
    def inputs(self) -> list:
        return [n for n in self.nodes if n.kind == "input"]

    @property
    def parameters(self) -> list:
        return [n for n in self.nodes if n.kind == "param"]

    @property
    def constants(self) -> list:
        return [n for n in self.nodes if n.kind == "const"]

    @property
    def ops(self) -> list:
        return [n for n in self.nodes if n.kind == "op"]

    @property
    def output(self) -> Node:
        return self.nodes[-1]

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def count(self, kind: str = "op") -> int:
        """How many nodes of ``kind`` ('input', 'param', 'const', 'op', 'output') the graph has."""
        return sum(1 for n in self.nodes if n.kind == kind)

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node named {name!r}")

    def users(self) -> dict:
        """For every node, the list of nodes that read it (the output node included)."""
        readers = {id(n): [] for n in self.nodes}
        for n in self.nodes:
            for source in n.input_nodes():
                readers[id(source)].append(n)
        return {n: readers[id(n)] for n in self.nodes}

    def tabular(self) -> str:
        """The nodes as a table: kind, name, target, args, shape (``print_tabular`` prints it)."""
        rows = [("kind", "name", "target", "args", "shape")]
        for n in self.nodes:
            if n.kind == "output":
                args = format_args(n.args[0] if n.args else ())
            else:
                args = format_args(n.args, n.kwargs)
            shape = "" if n.shape is None else str(list(n.shape))
            target = n.target_text()
            if n.kind == "op" and n.grad_mode is not None:
                target += "  [no_grad]" if n.grad_mode is False else "  [enable_grad]"
            rows.append((n.kind, n.name, target, args, shape))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(rows[0], widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows[1:]]
        return "\n".join(lines)

    def print_tabular(self) -> None:
        """Print the nodes as a table, one row per node (like ``torch.fx.Graph.print_tabular``)."""
        print(self.tabular())

    def __str__(self) -> str:
        return self.tabular()

    def __repr__(self) -> str:
        counts = ", ".join(f"{self.count(kind)} {kind}" for kind in ("input", "param", "const", "op"))
        return f"<StaticGraph {self.name}: {counts}>"

    @property
    def code(self) -> str:
        """The graph written out as a Python function; ``graph(*inputs)`` runs exactly this code."""
        if self._code is None:
            from .codegen import generate

            self._code, self._compiled = generate(self)
        return self._code

    def to_networkx(self):
        """A ``networkx.DiGraph`` of the graph, for ``minigrad.viz.draw``.

        Graph nodes are keyed by node name and carry ``label`` (text to show), ``kind`` (input, param, const,
        op, output), ``target`` and ``shape`` (a list, or None); an edge ``a -> b`` means b reads a's value and
        carries ``kind="data"`` and ``index`` (the position of a among b's inputs).
        """
        import networkx

        drawn = networkx.DiGraph(name=self.name)
        for n in self.nodes:
            shape = None if n.shape is None else list(n.shape)
            if n.kind == "op":
                label = f"{n.name}\n{n.target.display}"
            elif n.kind == "output":
                label = "output"
            else:
                label = f"{n.name}\n{shape}"
            drawn.add_node(n.name, label=label, kind=n.kind, target=n.target_text(), shape=shape)
            for index, source in enumerate(n.input_nodes()):
                drawn.add_edge(source.name, n.name, kind="data", index=index)
        return drawn

    # ------------------------------------------------------------------ running the graph
    def __call__(self, *inputs):
        """Replay the recorded ops on ``inputs`` (without running the original Python function)."""
        return self.run(inputs)

    def run(self, inputs, stacklevel: int = 4):
        """``graph(*inputs)``; ``stacklevel`` points a shape warning at the caller's line."""
        if self._compiled is None:
            self.code  # noqa: B018  (generates and compiles)
        check_inputs(self, inputs, stacklevel)
        return self._compiled(*inputs)

    def grad_graph(self, wrt=None) -> "StaticGraph":
        """A static graph that computes the output *and its gradients*, ahead of time.

        See ``minigrad.jit.gradients.grad_graph`` for what ``wrt`` accepts and how it is built.
        """
        from .gradients import grad_graph

        return grad_graph(self, wrt)


def check_inputs(graph, inputs, stacklevel: int) -> None:
    """Warn when an input's shape differs from the example the graph was traced with."""
    examples = graph.example_inputs
    if len(inputs) != len(examples):
        names = ", ".join(n.name for n in graph.inputs)
        raise TypeError(f"{graph.name}() takes {len(examples)} positional argument"
                        f"{'s' if len(examples) != 1 else ''} ({names}) but {len(inputs)} were given")
    for position, (given, example) in enumerate(zip(inputs, examples)):
        if not isinstance(given, _tensor.Tensor):
            raise TypeError(f"{graph.name}(): input {position} must be a Tensor, not {type(given).__name__}")
        if given._array.shape != example._array.shape:
            name = graph.inputs[position].name
            warnings.warn(
                f"Input {position} ({name}) has shape {list(given._array.shape)}, but the graph was traced with "
                f"shape {list(example._array.shape)}. Shapes, and Python values computed from them (such as "
                "the number of iterations of a loop over x.shape[0] or over x itself), were recorded as "
                "constants when tracing. This means that the trace might not generalize to this input!",
                TracerWarning, stacklevel=stacklevel)


def format_args(args, kwargs=None) -> str:
    """Args as the table shows them: node names for nodes, repr for Python values."""
    parts = [format_value(a) for a in args] if isinstance(args, (tuple, list)) else [format_value(args)]
    parts += [f"{k}={format_value(v)}" for k, v in (kwargs or {}).items()]
    if isinstance(args, tuple):
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    return ", ".join(parts)


def format_value(value) -> str:
    """One argument as the table shows it: arrays by their shape, long reprs cut at 40 characters."""
    return spell_value(value, _format_leaf)


def _format_leaf(value) -> str:
    if hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, _tensor.Tensor):
        return f"array{list(value.shape)}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def spell_value(value, spell_leaf) -> str:
    """``value`` written as Python: a node by its name, ``ArrayOf(node)`` as ``name._array``, tuples, lists
    and slices element by element, anything else by ``spell_leaf(value)`` (the table and the generated code
    differ only there)."""
    if isinstance(value, Node):
        return value.name
    if isinstance(value, ArrayOf):
        return f"{value.node.name}._array"
    if isinstance(value, tuple):
        inner = ", ".join(spell_value(v, spell_leaf) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(spell_value(v, spell_leaf) for v in value) + "]"
    if isinstance(value, slice):
        parts = (spell_value(v, spell_leaf) for v in (value.start, value.stop, value.step))
        return "slice(" + ", ".join(parts) + ")"
    return spell_leaf(value)
