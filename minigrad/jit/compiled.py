"""A whole traced graph as ONE autograd node: forward and backward compiled to array code ahead of time.

``trace(f).optimize()`` with autograd still has to answer ``.backward()``. Op by op, every node costs Python
work twice (recording it in forward, calling its rule in backward). Once the whole graph is known, the
backward pass can be known too, so both can be compiled, as ``torch.compile`` does (AOTAutograd):

1. **record the joint graph** -- replay the graph on its example inputs and, in the same recording, ask for
   the gradients: ``torch.autograd.grad(output, wrt, grad, create_graph=True)``, where ``grad`` (the
   gradient arriving from whatever uses the output) is one more input. Each op's own backward rule is recorded,
   exactly as ``grad_graph`` records them.
2. **split it** -- the nodes that do not depend on ``grad`` can run in forward; the others must wait for
   backward. The forward values that backward reads are *saved* (outputs of the forward program).
3. **compile both halves** to plain array code (``lowering.py``) and run them as one ``Function``:
   ``CompiledGraph.apply(program, *inputs, *parameters)``, one node in the autograd graph.

What is differentiated depends on the call (which inputs and parameters require grad), so a program is
recorded per combination, at its first use. When backward itself is recorded (``create_graph=True``),
compiled arrays carry no history: backward then replays the graph op by op and differentiates that.

A plain ``trace(f)`` called with autograd runs the same way (``CompiledTrace.run_with_autograd``): replaying the
graph op by op would build, node by node, the very autograd graph eager builds, and cost what eager costs.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd import forward_ad, function as function_module, grad as autograd_grad, grad_mode
from ..autograd.function import BackwardFunction, Function
from .graph import Node, StaticGraph
from .lowering import generate_arrays


class Program:
    """The compiled forward and backward of one graph, for one choice of what needs a gradient."""

    def __init__(self, graph: StaticGraph, needs):
        from . import passes
        from .tracer import record

        self.graph, self.needs = graph, tuple(needs)
        joint = record_joint(graph, self.needs, record)
        forward, backward = split(joint)
        self.forward = passes.optimize(forward)
        self.backward = passes.optimize(backward) if any(needs) else None
        if not self.forward.on_arrays or (self.backward is not None and not self.backward.on_arrays):
            raise NotImplementedError("a half of the joint graph did not compile to array code")
        self.run_forward = generate_arrays(self.forward, boundary="arrays")[1]
        self.run_backward = generate_arrays(self.backward, boundary="arrays")[1] if self.backward else None


def record_joint(graph, needs, record):
    """The joint graph: ``(*inputs, grad) -> (output, *gradients of what needs one)``."""
    from ..factories import zeros_like

    inputs = list(graph.inputs)
    params = graph.parameters
    examples = [t.detach() for t in graph.example_inputs]
    for position, need in enumerate(needs[:len(inputs)]):
        if need:
            examples[position] = Tensor._make(examples[position]._array.copy(), False, None, 0).requires_grad_()
    output = graph.output.args[0]
    grad_example = Tensor._make(_filled(output, 1.0), False, None, 0)

    def joint(*values):
        given, grad = values[:-1], values[-1]
        with grad_mode.enable_grad():
            result = graph(*given)
            wrt = [t for t, need in zip([*given, *(p.target for p in params)], needs) if need]
            found = autograd_grad(result, wrt, grad, create_graph=True, allow_unused=True) if wrt else ()
        grads = [g if g is not None else zeros_like(t) for g, t in zip(found, wrt)]
        return (result, *grads)

    names = {id(p.target): p.name for p in params}
    recorded = record(joint, (*examples, grad_example), input_names=[n.name for n in inputs] + ["grad"],
                      names=names, graph_name=graph.name)
    for node in recorded.ops:
        node.grad_mode = False  # plain values: nothing records inside the compiled halves
    return recorded


def split(joint: StaticGraph):
    """``(forward graph, backward graph)``: the nodes that do not need ``grad``, and those that do.

    Forward returns ``(output, *saved)``, the saved values being what backward reads of forward (parameters
    included: backward uses them as they were in forward, as eager autograd saves them). Backward takes
    ``(*saved, grad)`` and returns the gradients.
    """
    grad_input = joint.inputs[-1]
    late = {id(grad_input)}
    for n in joint.nodes:
        if n.kind == "op" and any(id(s) in late for s in n.input_nodes()):
            late.add(id(n))
    result, *grads = joint.output.args[0]
    saved = []
    for n in [*(n for n in joint.nodes if id(n) in late and n.kind == "op"), *grads]:
        sources = n.input_nodes() if n.kind == "op" and id(n) in late else [n]
        for source in sources:
            if id(source) not in late and source.kind != "const" and not any(source is s for s in saved):
                saved.append(source)
    early = [n for n in joint.nodes if id(n) not in late and n.kind != "output"]
    forward = StaticGraph(early + [Node("output", "output", args=((result, *saved),))],
                          joint.example_inputs[:-1], f"{joint.name}_forward")

    placeholders = {id(s): Node(s.name, "input", target=i, shape=s.shape, dtype=s.dtype) for i, s in enumerate(saved)}
    grad_placeholder = Node(grad_input.name, "input", target=len(saved), shape=grad_input.shape,
                            dtype=grad_input.dtype)
    placeholders[id(grad_input)] = grad_placeholder
    constants = [n for n in joint.nodes if n.kind == "const"]
    late_ops = [n for n in joint.nodes if id(n) in late and n.kind == "op"]
    from .passes import _copy_nodes

    copied = _copy_nodes([*placeholders.values(), *constants, *late_ops,
                          Node("output", "output", args=(tuple(grads),))],
                         replace={k: v for k, v in placeholders.items()})
    examples = tuple(Tensor._make(_filled(s, 0.0), False, None, 0) for s in [*saved, grad_input])
    backward = StaticGraph(copied, examples, f"{joint.name}_backward")
    from .passes import dead_code_elimination

    return dead_code_elimination(forward), dead_code_elimination(backward)


def _filled(node, value):
    """An array shaped like ``node``'s value, filled with ``value`` (to record or describe a graph with)."""
    from ..factories import full

    return full(tuple(node.shape or ()), value)._array.astype(node.dtype)


class CompiledGraph(Function):
    """One autograd node running a whole graph: ``CompiledGraph.apply(compiled, *inputs, *parameters)``."""

    @staticmethod
    def forward(ctx, compiled, *tensors):
        arrays = [t._array for t in tensors[:compiled.input_count]]
        recording = isinstance(ctx, BackwardFunction)
        needs = ctx.needs_input_grad[1:] if recording else (False,) * len(tensors)
        program = compiled.program(needs)
        if program is None:  # this graph did not compile for these needs: run it op by op, without recording
            with grad_mode.no_grad():
                output = compiled.graph(*tensors[:compiled.input_count])._array
            saved = None
        else:
            output, *saved = program.run_forward(*arrays)
        if recording:
            ctx.compiled, ctx.program, ctx.saved_values = compiled, program, saved
            ctx.save_for_backward(*tensors)  # for create_graph, and to catch in-place changes as eager does
        return output

    @staticmethod
    def backward(ctx, grad):
        tensors = ctx.saved_tensors
        needs = ctx.needs_input_grad[1:]
        if grad_mode.state.enabled or ctx.program is None:  # create_graph=True: replay op by op
            return (None, *ctx.compiled.gradients_by_replay(tensors, grad, needs))
        arrays = ctx.program.run_backward(*ctx.saved_values, getattr(grad, "_array", grad))
        if type(arrays) is not tuple:
            arrays = (arrays,)
        found = iter(Tensor._make(a, False, None, 0) for a in arrays)
        return (None, *(next(found) if need else None for need in needs))


class CompiledTrace:
    """A graph's compiled programs (one per choice of what needs a gradient), called as one node."""

    code_name = "compiled"

    def __init__(self, graph: StaticGraph):
        self.graph = graph
        self.input_count = len(graph.inputs)
        self.programs = {}

    def program(self, needs):
        """The compiled program for ``needs`` (recorded at its first use), or None where it cannot be built
        (an op that cannot be recorded again, a trace recording right now...)."""
        needs = tuple(needs)
        if needs not in self.programs:
            from . import tracer

            if tracer._active is not None:  # recording it needs the tracer: not now, maybe at the next call
                return None
            try:
                self.programs[needs] = Program(self.graph, needs)
            except Exception:  # noqa: BLE001  (whatever failed, the graph still runs op by op, correctly)
                self.programs[needs] = None
        return self.programs[needs]

    def run_with_autograd(self, inputs):
        """``graph(*inputs)`` as one ``CompiledGraph`` node when autograd records the call; None where the
        graph must be replayed op by op instead: nothing to record (grad mode off, nothing requires grad),
        forward AD, vmap or a trace in progress (they see ops one by one), inputs unlike the examples the
        program was compiled for (shape, dtype, device), or a graph that does not compile."""
        if (not grad_mode.state.enabled or forward_ad.state.level is not None or function_module._vmap_hook
                is not None or function_module._trace_state.hook is not None):
            return None
        examples = self.graph.example_inputs
        if len(inputs) != len(examples):
            return None
        for given, example in zip(inputs, examples):
            if (not isinstance(given, Tensor) or type(given._array) is not type(example._array)
                    or given._array.shape != example._array.shape or given._array.dtype != example._array.dtype):
                return None
        tensors = (*inputs, *(n.target for n in self.graph.parameters))
        needs = tuple(t._requires_grad for t in tensors)
        if True not in needs or self.program(needs) is None:
            return None
        return CompiledGraph.apply(self, *tensors)

    def gradients_by_replay(self, tensors, grad, needs):
        """Gradients that are themselves differentiable (``create_graph=True``): the graph replayed op by op on
        the saved inputs, and that replay differentiated."""
        with grad_mode.enable_grad():
            result = self.graph(*tensors[:self.input_count])
            wrt = [t for t, need in zip(tensors, needs) if need]
            found = iter(autograd_grad(result, wrt, grad, create_graph=True, allow_unused=True))
        return [next(found) if need else None for need in needs]

    def __repr__(self) -> str:
        return f"<compiled {self.graph.name}: {self.graph.count('op')} ops>"
