"""The backward engine: walks the recorded graph from the outputs back to the leaves.

1. Count, for every node reachable from the outputs, how many edges lead into it (its consumers).
2. Start with the outputs' nodes. Run a node once all its consumers have sent their gradients, most
   recently created first (as PyTorch does, which is simply newest to oldest: see ``run_backward``); add
   what it returns into the buffers of its inputs' nodes.
3. ``AccumulateGrad`` nodes add into ``leaf.grad``; ``autograd.grad`` captures gradients instead.

No recursion anywhere, so a chain of 10 000 ops is no harder than a chain of 10.
Observers (``add_observer``) see each step; the graph viewers use them to replay a backward pass.
"""
from __future__ import annotations

import operator
import warnings

from .. import _dtype as _dtype_module
from . import anomaly_mode, grad_mode
from .function import BackwardFunction, nothing_to_record, plain
from .graph import AccumulateGrad

Tensor = None  # minigrad._tensor.Tensor, bound on first use (minigrad._tensor imports this module)

_grad_state = grad_mode.state
_sequence_nr = operator.attrgetter("_sequence_nr")
_observers: list = []


def add_observer(observer) -> None:
    """``observer(event, **details)`` is called for every engine step (see ``_notify``)."""
    _observers.append(observer)


def remove_observer(observer) -> None:
    if observer in _observers:
        _observers.remove(observer)


def _notify(event: str, **details) -> None:
    for observer in list(_observers):
        observer(event, **details)


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool, targets=None,
                 accumulate: bool = True):
    """Propagate ``root_grads`` from the ``(node, output_nr)`` pairs in ``roots``.

    ``targets``: optional list of ``(node, output_nr)``; then only the part of the graph leading to them
    runs, and the gradient arriving at each is returned (``autograd.grad``), or accumulated into the
    leaves among them only (``backward(inputs=...)``).
    """
    dependencies, order = _count_dependencies([root for root, _ in roots])
    target_index = {}
    executable = None
    if targets is not None:
        for i, key in enumerate(targets):
            target_index.setdefault(key, []).append(i)
        executable = _nodes_leading_to({node for node, _ in targets}, order)
        dependencies = _count_dependencies_within(executable, order)
    captured = [None] * (len(targets) if targets is not None else 0)
    target_nodes = {node for node, _ in target_index}

    buffers: dict = {}
    for (node, output_nr), grad in zip(roots, root_grads):
        buffer = buffers.get(node)
        if buffer is None:
            buffer = buffers[node] = [None] * _output_count(node)
        buffer[output_nr] = grad if buffer[output_nr] is None else buffer[output_nr] + grad

    # The order PyTorch's ready queue gives: among the nodes whose consumers have all run, the most recently
    # created first. Every node is created after the nodes of its inputs, so all its consumers come later in
    # creation order; walking the nodes from the newest to the oldest therefore reaches each one exactly
    # when the queue would hand it out, and needs no queue. Leaves' AccumulateGrad nodes (created whenever)
    # run as soon as their last consumer has, as PyTorch's top-priority accumulators do.
    nodes = [node for node in order if type(node) is not AccumulateGrad]
    nodes.sort(key=_sequence_nr, reverse=True)
    ready_leaves = [node for node in buffers if type(node) is AccumulateGrad and dependencies.get(node, 0) == 0]

    previous_mode = _grad_state.enabled
    _grad_state.enabled = create_graph
    observed = bool(_observers)
    # Without create_graph nothing records: the engine's own sums (broadcast gradients, gradients meeting at
    # one input) and dtype casts then work on arrays.
    sum_arrays = nothing_to_record()
    selective = executable is not None or bool(target_nodes)  # autograd.grad / backward(inputs=...)
    free_saved = not retain_graph
    checking = anomaly_mode.state.enabled
    try:
        for node in ready_leaves:  # a leaf among the roots (x.backward() on a leaf)
            _run_accumulate(node, buffers.pop(node)[0], create_graph, target_index, captured, accumulate,
                            targets, observed)
        for node in nodes:
            grads = buffers.pop(node, None)
            if grads is None:
                continue  # no consumer of it ran (autograd.grad skips what leads to no input)
            if node._hooked and (node._tensor_pre_hooks or node._retained or node._pre_hooks):
                grads = _run_pre_hooks(node, grads, create_graph)
            if selective:
                if node in target_nodes:  # a non-leaf we differentiate with respect to: keep its gradient
                    for nr, grad in enumerate(grads):
                        for i in target_index.get((node, nr), ()):
                            captured[i] = grad
                if executable is not None and node not in executable:
                    continue
            node._on_arrays = sum_arrays
            if len(grads) == 1 and grads[0] is not None and not (node._hooked or checking):
                # the usual node: one output with a gradient, no hooks, no anomaly checks (_call_backward
                # below does all the rest)
                grad_inputs = node._forward_cls.backward(node, grads[0])
                if type(grad_inputs) is not tuple:
                    grad_inputs = (grad_inputs,)
                if len(grad_inputs) != len(node._arg_edges):
                    grad_inputs = _checked_count(node, grad_inputs)
            elif grads[0] is None and all(grad is None for grad in grads):
                grad_inputs = (None,) * len(node._arg_edges)  # nothing arrived: nothing to compute or send
            else:
                grad_inputs = _call_backward(node, grads)
            if observed:
                _notify("node", node=node, grad_outputs=tuple(grads), grad_inputs=grad_inputs)
            if free_saved and node._saved:
                node._saved = ()
                node._saved_versions = ()
                node._freed = True
            for edge, grad in zip(node._arg_edges, grad_inputs):
                if edge is None:
                    continue
                child, nr = edge
                if child is None or (executable is not None and child not in executable):
                    continue
                buffer = buffers.get(child)
                if buffer is None:
                    buffer = buffers[child] = [None] * len(getattr(child, "_output_meta", _ONE_OUTPUT))
                leaf = type(child) is AccumulateGrad
                if grad is not None:
                    # The usual case, checked inline: a Tensor of exactly the input's shape and dtype.
                    if type(grad) is Tensor:
                        array = grad._array
                        if leaf:
                            expected = child.variable._array
                            fits = (array.shape == expected.shape and array.dtype == expected.dtype
                                    and type(array) is type(expected))
                        else:
                            shape, dtype = child._output_meta[nr]
                            fits = array.shape == shape and array.dtype == dtype
                    else:
                        fits = False
                    if not fits:
                        grad = _validate(node, child, nr, grad, sum_arrays)
                    earlier = buffer[nr]
                    if earlier is None:
                        buffer[nr] = grad
                    elif sum_arrays:
                        buffer[nr] = plain(earlier._array + grad._array)
                    else:
                        buffer[nr] = earlier + grad
                if leaf:
                    # a None gradient (PyTorch: undefined) still counts as this consumer having reported
                    remaining = dependencies[child] - 1
                    dependencies[child] = remaining
                    if remaining == 0:
                        ready_leaves.append(child)
            if ready_leaves:
                for child in ready_leaves:
                    _run_accumulate(child, buffers.pop(child)[0], create_graph, target_index, captured,
                                    accumulate, targets, observed)
                ready_leaves.clear()
    finally:
        _grad_state.enabled = previous_mode
    if observed:
        _notify("done")
    return captured


def _count_dependencies(start_nodes):
    """Number of edges into each node reachable from ``start_nodes``, and a discovery order."""
    dependencies: dict = {}
    order = list(dict.fromkeys(start_nodes))
    roots = set(order)
    stack = list(order)
    while stack:
        node = stack.pop()
        for edge in node._arg_edges:
            if edge is None:
                continue
            child = edge[0]
            if child is None:
                continue
            count = dependencies.get(child)
            if count is None:  # first time seen (a root is already in order)
                dependencies[child] = 1
                if child not in roots:
                    order.append(child)
                    stack.append(child)
            else:
                dependencies[child] = count + 1
    return dependencies, order


def _nodes_leading_to(target_nodes, order):
    """The nodes from which some target can be reached (targets included)."""
    children = {node: [e[0] for e in node._arg_edges if e is not None and e[0] is not None] for node in order}
    # Reverse topological order: every node after all of its children.
    indegree = {node: 0 for node in order}
    for node in order:
        for child in children[node]:
            indegree[child] += 1
    topo = [node for node in order if indegree[node] == 0]
    for node in topo:  # grows while we walk it (Kahn's algorithm)
        for child in children[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                topo.append(child)
    leading = set(target_nodes)
    for node in reversed(topo):
        if node not in leading and any(child in leading for child in children[node]):
            leading.add(node)
    return leading


def _count_dependencies_within(nodes, order):
    dependencies: dict = {}
    for node in order:
        if node not in nodes:
            continue
        for edge in node._arg_edges:
            if edge is not None and edge[0] is not None and edge[0] in nodes:
                dependencies[edge[0]] = dependencies.get(edge[0], 0) + 1
    return dependencies


_ONE_OUTPUT = (None,)  # what a node without output metadata (AccumulateGrad) counts as


def _output_count(node) -> int:
    return len(getattr(node, "_output_meta", _ONE_OUTPUT))


def _checked_replacement(hook, grad, replacement):
    """A tensor hook may replace the gradient, but not with one of another shape (PyTorch's check)."""
    if getattr(replacement, "shape", None) != grad.shape:
        raise RuntimeError(f"hook '{getattr(hook, '__name__', type(hook).__name__)}' has changed the size of value")
    return replacement


def _run_pre_hooks(node, grads, create_graph):
    """Tensor hooks, then retain_grad, then the node's own pre-hooks -- PyTorch's order."""
    if node._tensor_pre_hooks:
        for nr, hooks in node._tensor_pre_hooks.items():
            if grads[nr] is None:
                continue
            for hook in list(hooks.values()):
                replacement = hook(grads[nr])
                if replacement is not None:
                    grads[nr] = _checked_replacement(hook, grads[nr], replacement)
    if node._retained:
        for nr, ref in node._retained.items():
            tensor = ref()
            grad = grads[nr]
            if tensor is None or grad is None:
                continue
            grad = grad if create_graph else grad.detach()
            if tensor._grad is None:
                tensor._grad = grad if create_graph else grad.clone()
            else:
                tensor._grad = tensor._grad + grad
    if node._pre_hooks:
        for hook in list(node._pre_hooks.values()):
            replacement = hook(tuple(grads))
            if replacement is not None:
                grads = list(replacement)
    return grads


def _call_backward(node: BackwardFunction, grads):
    """Run the node's backward rule with zeros for outputs that received no gradient."""
    # identity tests: ``None in grads`` would call Tensor.__eq__ on every gradient
    missing = grads[0] is None if len(grads) == 1 else any(grad is None for grad in grads)
    if missing and node.materialize_grads:
        like = next((grad for grad in grads if grad is not None), None)
        grads = [grad if grad is not None else _zeros(meta, like) for grad, meta in zip(grads, node._output_meta)]
    try:
        result = node._forward_cls.backward(node, *grads)
    except Exception as error:
        if anomaly_mode.state.enabled:
            _report_anomaly(node)
        raise error
    if type(result) is not tuple:
        result = (result,)
    if len(result) != len(node._arg_edges):
        result = _checked_count(node, result)
    if anomaly_mode.state.enabled and anomaly_mode.state.check_nan:
        for i, grad in enumerate(result):
            if grad is not None and bool(_has_nan(grad)):
                _report_anomaly(node)
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    if node._post_hooks:
        for hook in list(node._post_hooks.values()):
            replacement = hook(result, tuple(grads))
            if replacement is not None:
                result = tuple(replacement)
    return result


def _checked_count(node, result) -> tuple:
    """A backward rule must return one gradient per forward argument; extra trailing Nones are dropped."""
    expected = len(node._arg_edges)
    if len(result) > expected and all(r is None for r in result[expected:]):
        return result[:expected]
    raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients (expected "
                       f"{expected}, got {len(result)})")


def _has_nan(grad):
    from ..backend import namespace_of

    return namespace_of(grad._array).isnan(grad._array).any()


def _report_anomaly(node) -> None:
    trace = node._creation_trace
    if trace:
        message = (f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                   + "".join(trace))
    else:  # the forward pass ran before anomaly detection was switched on
        message = (f"Error detected in {node.name()}. No forward pass information available. Enable detect "
                   "anomaly during forward pass for more information.")
    warnings.warn(message, UserWarning, stacklevel=3)


def _zeros(meta, like=None):
    """Zeros for an output that got no gradient, on the device of its sibling outputs' gradients."""
    from .._tensor import Tensor
    from ..backend import NUMPY_BACKEND, backend_of

    shape, dtype = meta
    xp = NUMPY_BACKEND.xp if like is None else backend_of(like._array).xp
    return Tensor._make(xp.zeros(shape, dtype=dtype), False, None, 0)


def _validate(node, child, nr, grad, on_arrays=False):
    """Bring a gradient to its input's shape and dtype (undoing broadcasting), or say what is wrong.

    ``on_arrays``: nothing records (no create_graph), so the sum and the cast may work on the array.
    """
    array = getattr(grad, "_array", None)
    if array is None:
        raise TypeError(f"function {node.name()} returned a gradient that is not a Tensor "
                        f"({type(grad).__name__}) at index {nr}")
    if type(child) is AccumulateGrad:
        leaf_array = child.variable._array
        if type(array) is not type(leaf_array):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {nr} - expected "
                               f"device {child.variable.device} but got {grad.device}")
        shape, dtype = leaf_array.shape, leaf_array.dtype
    else:
        shape, dtype = child._output_meta[nr]
    if array.shape != shape:
        if not _sums_to(array.shape, shape):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {nr} - got "
                               f"{list(array.shape)} but expected shape compatible with {list(shape)}")
        if on_arrays:
            from ..ops._util import sum_to_shape

            grad = plain(sum_to_shape(array, shape))
        else:
            grad = grad.sum_to_size(shape)
    if grad._array.dtype != dtype:
        if on_arrays:
            grad = plain(grad._array.astype(dtype))
        else:
            grad = grad.to(_dtype_module.from_numpy_dtype(dtype))
    return grad


def _sums_to(grad_shape, shape) -> bool:
    """Can a gradient of ``grad_shape`` be summed down to ``shape`` (was ``shape`` broadcast to it)?"""
    if len(shape) > len(grad_shape):
        return False
    lead = len(grad_shape) - len(shape)
    return all(n == 1 or n == grad_shape[lead + i] for i, n in enumerate(shape))


def _run_accumulate(node, grad, create_graph, target_index, captured, accumulate, targets, observed):
    if grad is None:
        return  # every consumer sent None: the leaf's .grad stays as it is
    variable = node.variable
    if variable._hooks:
        for hook in list(variable._hooks.values()):
            replacement = hook(grad)
            if replacement is not None:
                grad = _checked_replacement(hook, grad, replacement)
    for i in target_index.get((node, 0), ()):
        captured[i] = grad
    if not accumulate or (targets is not None and (node, 0) not in target_index):
        return
    if variable._grad is None:
        # a fresh gradient array: another leaf or the caller might hold the one we were given; with
        # create_graph the copy is recorded, as in PyTorch (x.grad shows grad_fn=<CopyBackwards>)
        if create_graph:
            variable._grad = grad.new_zeros(grad.shape).copy_(grad)
        else:  # grad.detach().clone(), on the array: no op to dispatch
            variable._grad = plain(grad._array.copy())
    elif create_graph or _grad_state.enabled:
        variable._grad = variable._grad + grad
    else:
        variable._grad._array += grad._array
    if observed:
        _notify("accumulate", node=node, grad=grad, variable=variable)
    if variable._post_accumulate_hooks:
        for hook in list(variable._post_accumulate_hooks.values()):
            hook(variable)
