"""``grad_graph``: the gradient computation of a static graph, as a static graph of its own.

TensorFlow 1's ``tf.gradients(loss, [w1, w2])`` adds the backward pass to the graph *before* anything runs.
Here we get the same thing by tracing: we replay the forward graph on its example inputs and, inside the same
recording, ask the engine for the gradients with ``torch.autograd.grad(loss, [w1, w2], create_graph=True)``.
minigrad's backward rules are written with tensor ops (``grad * b``, ``grad.t()``, ``out > 0``...), so every
step of the backward pass goes through ``Function.apply`` and is recorded like the forward ops were.

The result takes the same inputs and returns ``(output, grad_1, grad_2, ...)``. Running it needs no autograd at
all -- no graph is built, the engine never runs -- so it can be called under ``torch.no_grad()``, optimised
with ``minigrad.jit.passes`` like any graph, and its gradients applied by hand, which is exactly the
TensorFlow-1 training loop: define once, run many.
"""
from __future__ import annotations

from .. import _tensor
from ..autograd import grad as autograd_grad, grad_mode
from .graph import StaticGraph
from .tracer import record

Tensor = _tensor.Tensor


def grad_graph(graph: StaticGraph, wrt=None) -> StaticGraph:
    """A graph computing ``(output, d output / d wrt[0], d output / d wrt[1], ...)`` for a scalar output.

    ``wrt``: what to differentiate with respect to, a list whose items are parameter tensors of the graph (the
    tensors the traced function closed over) or ints (positions of inputs). Default: every parameter, or, for
    a graph without parameters, every floating-point input. A tensor the graph never reads gets zeros.
    """
    params = graph.parameters
    inputs = graph.inputs
    if wrt is None:
        wrt = [p.target for p in params] or [i for i, n in enumerate(inputs) if n.dtype.kind == "f"]
    targets = []  # ("param", node) or ("input", position)
    for item in wrt:
        if isinstance(item, int) and not isinstance(item, bool):
            if not 0 <= item < len(inputs):
                raise IndexError(f"grad_graph(): input position {item} is out of range for a graph with "
                                 f"{len(inputs)} inputs")
            targets.append(("input", item))
        elif isinstance(item, Tensor):
            match = [p for p in params if p.target is item]
            # A tensor the graph never reads has a zero gradient (tf.gradients would say None).
            targets.append(("param", match[0]) if match else ("unused", item))
        else:
            raise TypeError(f"grad_graph(): wrt items must be parameter tensors or input positions, not "
                            f"{type(item).__name__}")

    examples = [t.detach() for t in graph.example_inputs]
    for kind, where in targets:
        if kind == "input":
            examples[where] = Tensor._make(examples[where]._array.copy(), False, None, 0).requires_grad_()

    def forward_and_gradients(*values):
        with grad_mode.enable_grad():
            output = graph(*values)
            if not isinstance(output, Tensor) or output.numel() != 1:
                raise RuntimeError("grad_graph() needs a graph whose output is one tensor with a single element "
                                   "(a loss): grad can be implicitly created only for scalar outputs")
            used = [(kind, where) for kind, where in targets if kind != "unused"]
            differentiate = [where.target if kind == "param" else values[where] for kind, where in used]
            found = iter(autograd_grad(output, differentiate, create_graph=True, allow_unused=True)
                         if differentiate else ())
            grads = [where if kind == "unused" else next(found) for kind, where in targets]
            grads = [_zeros_like(where) if kind == "unused" else grad if grad is not None else
                     _zeros_like(where.target if kind == "param" else values[where])
                     for grad, (kind, where) in zip(grads, targets)]
        return (output, *grads)

    names = {id(p.target): p.name for p in params}
    result = record(forward_and_gradients, tuple(examples), input_names=[n.name for n in inputs], names=names,
                    graph_name=f"{graph.name}_and_gradients" if graph.name != "forward" else "forward_and_gradients")
    _name_gradients(result, [where.name if kind == "param" else inputs[where].name if kind == "input" else None
                             for kind, where in targets])
    for node in result.ops:
        # The gradients are plain values now: running the graph needs no autograd, so it records none.
        node.grad_mode = False
    return result


def _zeros_like(tensor):
    from ..factories import zeros_like

    return zeros_like(tensor)


def _name_gradients(graph, wrt_names) -> None:
    """Call the op node that produces each gradient ``grad_<name>`` (only renames; the graph is not run yet)."""
    taken = {n.name for n in graph.nodes}
    renamed = set()
    for node, name in zip(graph.output.args[0][1:], wrt_names):
        wanted = f"grad_{name}"
        if name is not None and node.kind == "op" and id(node) not in renamed and wanted not in taken:
            taken.discard(node.name)
            node.name = wanted
            taken.add(wanted)
            renamed.add(id(node))
