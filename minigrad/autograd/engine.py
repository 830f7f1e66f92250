"""The backward engine: walks the recorded graph from the outputs back to the leaves.

1. Count, for every leaf reachable from the outputs, how many edges lead into it (its consumers).
2. Run the nodes from the most recently created to the oldest (PyTorch's order; see ``run_backward``). Each
   node turns the gradients of its outputs into gradients of its inputs, which are added into the buffers
   of the nodes that produced those inputs.
3. A leaf's ``AccumulateGrad`` runs as soon as all its consumers have reported, adding into ``leaf.grad``;
   ``autograd.grad`` captures gradients instead. Leaves that become ready together run in the order
   PyTorch's ready queue hands them out (``ready_queue.py``).

No recursion anywhere, so a chain of 10 000 ops is no harder than a chain of 10.

Gradients travel as arrays while the pass records nothing (no ``create_graph``): built-in rules take and
return arrays, and tensors are made only where someone looks (hooks, observers, ``.grad``, user Functions).
Under ``create_graph`` they travel as tensors, so every step is itself recorded.
Observers (``add_observer``) see each step; the graph viewers use them to replay a backward pass.
"""
from __future__ import annotations

import operator
import threading
import warnings

from . import anomaly_mode, grad_mode
from .function import nothing_to_record, rule_state
from .graph import AccumulateGrad
from .ready_queue import ReadyQueue
from ..backend import as_array as _as_array, is_device_array as _is_device_array, ndarray as _ndarray
from ..backend.float_errors import restore as _restore_float_warnings, silence as _silence_float_warnings

Tensor = None  # minigrad._tensor.Tensor, bound by minigrad._tensor (which imports this module)

_grad_state = grad_mode.state
_observers: list = []
_accumulate_lock = threading.Lock()


def add_observer(observer) -> None:
    """``observer(event, **details)`` is called for every engine step: ``"node"`` (node, grad_outputs,
    grad_inputs), ``"accumulate"`` (node, grad, variable) and ``"done"``."""
    _observers.append(observer)


def remove_observer(observer) -> None:
    if observer in _observers:
        _observers.remove(observer)


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool, targets=None,
                 accumulate: bool = True):
    """Propagate ``root_grads`` (tensors) from the ``(node, output_nr)`` pairs in ``roots``.

    ``targets``: optional list of ``(node, output_nr)``; then only the part of the graph leading to them
    runs, and the gradient arriving at each is returned (``autograd.grad``), or accumulated into the
    leaves among them only (``backward(inputs=...)``).
    """
    previous_grad_mode, _grad_state.enabled = _grad_state.enabled, create_graph
    previous_rule_mode = rule_state.receives
    walk = _Walk(roots, retain_graph, create_graph, targets, accumulate)
    rule_state.receives = "arrays" if walk.on_arrays else "tensors"
    quiet = _silence_float_warnings()  # rules compute inf and nan silently, as PyTorch's do
    try:
        for (node, output_nr), grad in zip(roots, root_grads):
            walk.receive(node, output_nr, walk.unwrap(grad))
        walk.accumulate_ready_leaves()
        # Among the nodes whose consumers have all run, PyTorch runs the most recently created first. Every
        # node is created after the nodes of its inputs, so walking from the newest to the oldest reaches each
        # node exactly when its consumers are done, and needs no queue.
        for node in walk.nodes_newest_first():
            grads = walk.buffers.pop(node, None)
            if grads is None:
                continue  # no gradient reached it
            if walk.queue is not None:
                walk.queue.pop()  # it is on top of PyTorch's queue now: the leaves have all left it
            if (node._hooked or walk.targets is not None) and not walk.wanted(node, grads):
                continue  # its hooks ran, but autograd.grad needs nothing behind it
            grad_inputs = walk.call_backward(node, grads)
            for edge, grad in zip(node._arg_edges, grad_inputs):
                if edge is not None and edge[0] is not None:
                    walk.send(node, edge, grad)
            if walk.ready_leaves:
                walk.accumulate_ready_leaves()
    finally:
        _restore_float_warnings(quiet)
        _grad_state.enabled = previous_grad_mode
        rule_state.receives = previous_rule_mode
    walk.notify("done")
    return walk.captured


class _Walk:
    """The state of one backward pass and the steps ``run_backward`` takes with it."""

    def __init__(self, roots, retain_graph, create_graph, targets, accumulate):
        self.create_graph = create_graph
        self.free_saved = not retain_graph
        self.accumulate = accumulate
        self.on_arrays = nothing_to_record()  # grad mode is create_graph by now
        self.observed = bool(_observers)
        self.buffers: dict = {}  # node -> one gradient (or None) per output, summed as they arrive
        self.ready_leaves: list = []
        self.nodes, self.consumers, feeds_three_leaves = _reachable([node for node, _ in roots])
        self.targets = targets  # (node, output_nr) pairs, or None
        self.captured = [None] * (len(targets) if targets is not None else 0)
        self.target_index: dict = {}  # (node, output_nr) -> positions in targets
        self.needed = None  # with targets: the nodes from which some target can be reached
        if targets is not None:
            for i, key in enumerate(targets):
                self.target_index.setdefault(key, []).append(i)
            self.needed = _nodes_leading_to({node for node, _ in targets}, self.nodes)
            self.consumers = _count_consumers(self.nodes, self.needed)
        # Leaves made ready together run in the order PyTorch's heap gives them, which needs the whole queue
        # mirrored; with at most two at a time (most graphs) that order is the order of the arguments.
        self.queue = None
        if feeds_three_leaves or len(roots) > 2:
            self.queue = ReadyQueue()
            self.consumers = _count_consumers(self.nodes, self.needed, leaves_only=False)

    # --- the order ------------------------------------------------------------------------------
    def nodes_newest_first(self) -> list:
        nodes = [node for node in self.nodes if type(node) is not AccumulateGrad]
        nodes.sort(key=operator.attrgetter("_sequence_nr"), reverse=True)
        return nodes

    # --- one node ---------------------------------------------------------------------------------
    def wanted(self, node, grads) -> bool:
        """Hooks run and non-leaf targets are captured; False when nothing behind ``node`` is needed."""
        if node._hooked and (node._tensor_pre_hooks or node._retained or node._pre_hooks):
            grads[:] = self.from_tensors(_run_pre_hooks(node, self.to_tensors(grads), self.create_graph))
        for nr, grad in enumerate(grads):
            for i in self.target_index.get((node, nr), ()):
                self.captured[i] = self.wrap(grad)
        return self.needed is None or node in self.needed

    def call_backward(self, node, grads) -> tuple:
        """Run the node's rule: arrays in and out for a built-in rule while nothing records, tensors
        otherwise; zeros for outputs that got no gradient; one result per input; anomaly checks; post-hooks."""
        if grads[0] is None and all(grad is None for grad in grads):
            return (None,) * len(node._arg_edges)  # nothing arrived: nothing to compute or send
        if len(grads) > 1 and node.materialize_grads and any(grad is None for grad in grads):
            grads = _with_zeros(node, grads)
        on_tensors = self.on_arrays and not node._is_builtin  # a user Function's rule always gets tensors
        try:
            result = node._forward_cls.backward(node, *(self.to_tensors(grads) if on_tensors else grads))
        except Exception:
            if anomaly_mode.state.enabled:
                _report_anomaly(node)
            raise
        if type(result) is not tuple:
            result = (result,)
        if on_tensors:
            result = self.from_tensors(result)
        if len(result) != len(node._arg_edges):
            result = _checked_count(node, result)
        if anomaly_mode.state.enabled and anomaly_mode.state.check_nan:
            _check_nan(node, result)
        if node._post_hooks or self.observed:
            result = self.after_rule(node, grads, result)
        if self.free_saved and node._saved:
            node._saved, node._freed = (), True  # (the versions, plain numbers, may stay)
        return result

    def after_rule(self, node, grads, result) -> tuple:
        """The node's post-hooks (which may replace the gradients) and the observers see tensors. Post-hooks
        get them brought to their inputs' shapes, as PyTorch validates a node's outputs before its post-hooks
        run; observers (the backward stepper) see what the rule returned, to show the summing that follows."""
        if node._post_hooks:
            result = tuple(grad if grad is None or edge is None or edge[0] is None
                           else _fitted(node, edge[0], edge[1], grad, self.on_arrays)
                           for edge, grad in zip(node._arg_edges, result))
        for hook in list((node._post_hooks or {}).values()):
            replacement = hook(tuple(self.to_tensors(result)), tuple(self.to_tensors(grads)))
            if replacement is not None:
                result = self.from_tensors(replacement)
        self.notify("node", node=node, grad_outputs=self.to_tensors(grads), grad_inputs=self.to_tensors(result))
        return result

    def send(self, node, edge, grad) -> None:
        """Add ``grad`` into the buffer of the input's node; count a leaf's consumer down."""
        child, nr = edge
        if self.needed is not None and child not in self.needed:
            return
        leaf = type(child) is AccumulateGrad
        buffer = self.buffers.get(child)
        if buffer is None:
            buffer = self.buffers[child] = [None] if leaf else [None] * len(child._output_meta)
        if grad is not None:
            if leaf:  # the usual case, a host array of the expected shape and dtype, needs nothing
                expected = child.variable._array
                fits = (type(grad) is _ndarray and type(expected) is _ndarray and grad.shape == expected.shape
                        and grad.dtype == expected.dtype)
            else:
                fits = type(grad) is _ndarray and (grad.shape, grad.dtype) == child._output_meta[nr]
            if not fits:
                grad = _fitted(node, child, nr, grad, self.on_arrays)  # undo broadcasting, convert, or explain
            buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad
        if leaf or self.queue is not None:
            # a None gradient (PyTorch: undefined) still counts as this consumer having reported
            self.consumers[child] -= 1
            if self.consumers[child] == 0:
                self.ready(child, leaf)

    def ready(self, node, leaf: bool) -> None:
        """All of ``node``'s consumers have reported."""
        if self.queue is not None:
            self.queue.push(node)
        if leaf:
            self.ready_leaves.append(node)

    def receive(self, node, nr, grad) -> None:
        """A root's gradient, before the walk starts."""
        buffer = self.buffers.get(node)
        if buffer is None:
            buffer = self.buffers[node] = [None] * len(getattr(node, "_output_meta", _ONE_OUTPUT))
            if self.consumers.get(node, 0) == 0:  # not also inside another root's graph
                leaf = type(node) is AccumulateGrad  # x.backward() on a leaf
                if leaf or self.queue is not None:
                    self.ready(node, leaf)
        buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad

    # --- leaves -----------------------------------------------------------------------------------
    def accumulate_ready_leaves(self) -> None:
        if self.queue is not None:  # the leaves are on top of the queue, in the order PyTorch runs them
            self.ready_leaves[:] = [self.queue.pop() for _ in self.ready_leaves]
        for node in self.ready_leaves:
            grad = self.buffers.pop(node)[0]
            if grad is not None:  # every consumer sent None: the leaf's .grad stays as it is
                self.accumulate_into_leaf(node, grad)
        self.ready_leaves.clear()

    def accumulate_into_leaf(self, node, grad) -> None:
        """``grad`` (as it travels) through the leaf's hooks, captured for ``autograd.grad`` or added into
        ``leaf.grad``; a tensor is made only for those who look at it."""
        variable = node.variable
        if variable._hooks:
            grad = self.wrap(grad)
            for hook in list(variable._hooks.values()):
                grad = _checked_replacement(hook, grad, hook(grad))
            grad = self.unwrap(grad)
        for i in self.target_index.get((node, 0), ()):
            self.captured[i] = self.wrap(grad)
        if not self.accumulate or (self.targets is not None and (node, 0) not in self.target_index):
            return
        with _accumulate_lock:  # threads running backward into one shared leaf must not lose an addition
            _add_into_grad(variable, grad, self.create_graph)
        if self.observed:
            self.notify("accumulate", node=node, grad=self.wrap(grad), variable=variable)
        if variable._post_accumulate_hooks:
            for hook in list(variable._post_accumulate_hooks.values()):
                hook(variable)

    # --- arrays <-> tensors at the edges of the walk ---------------------------------------------
    def wrap(self, grad):
        """A gradient as the tensor someone outside the walk sees."""
        return Tensor._make(grad, False, None, 0) if self.on_arrays and grad is not None else grad

    def unwrap(self, grad):
        return grad._array if self.on_arrays and grad is not None else grad

    def to_tensors(self, grads) -> list:
        return [self.wrap(grad) for grad in grads]

    def from_tensors(self, grads) -> tuple:
        return tuple(self.unwrap(grad) for grad in grads)

    def notify(self, event: str, **details) -> None:
        if self.observed:
            for observer in list(_observers):
                observer(event, **details)


_ONE_OUTPUT = (None,)  # what a node without output metadata (AccumulateGrad) counts as


# ------------------------------------------------------------------------------------------ the graph
def _reachable(start_nodes):
    """Every node reachable from ``start_nodes``, the number of edges into each leaf's accumulator, and
    whether some node has three or more edges into accumulators."""
    order = list(dict.fromkeys(start_nodes))
    seen = set(order)
    consumers: dict = {}
    feeds_three_leaves = False
    for node in order:  # grows while we walk it
        leaves_fed = 0
        for edge in node._arg_edges:
            child = edge[0] if edge is not None else None
            if child is None:
                continue
            if type(child) is AccumulateGrad:
                consumers[child] = consumers.get(child, 0) + 1
                leaves_fed += 1
            if child not in seen:
                seen.add(child)
                order.append(child)
        if leaves_fed > 2:
            feeds_three_leaves = True
    return order, consumers, feeds_three_leaves


def _children(node) -> list:
    return [edge[0] for edge in node._arg_edges if edge is not None and edge[0] is not None]


def _nodes_leading_to(target_nodes, nodes) -> set:
    """The nodes from which some target can be reached (targets included): newest first, a node leads to a
    target when one of its children does (its children are all older than it)."""
    leading = set(target_nodes)
    ordered = sorted((n for n in nodes if type(n) is not AccumulateGrad), key=operator.attrgetter("_sequence_nr"))
    for node in ordered:  # oldest first: a node's children are decided before it
        if node not in leading and any(child in leading for child in _children(node)):
            leading.add(node)
    return leading


def _count_consumers(nodes, needed, leaves_only: bool = True) -> dict:
    """Edges into each leaf's accumulator (or into every node), counting only consumers that will run
    (``needed`` None: all of them)."""
    consumers: dict = {}
    for node in nodes:
        if needed is None or node in needed:
            for child in _children(node):
                if (not leaves_only or type(child) is AccumulateGrad) and (needed is None or child in needed):
                    consumers[child] = consumers.get(child, 0) + 1
    return consumers


# ------------------------------------------------------------------------------------------ running a rule
def _with_zeros(node, grads) -> list:
    """Zeros for the outputs that received no gradient, on the device of those that did."""
    from ..backend import namespace_of

    like = next(grad for grad in grads if grad is not None)
    xp = namespace_of(getattr(like, "_array", like))
    zeros = [xp.zeros(shape, dtype=dtype) for shape, dtype in node._output_meta]
    if isinstance(like, Tensor):
        zeros = [Tensor._make(z, False, None, 0) for z in zeros]
    return [grad if grad is not None else zero for grad, zero in zip(grads, zeros)]


def _checked_count(node, result) -> tuple:
    """A backward rule must return one gradient per forward argument; extra trailing Nones are dropped."""
    expected = len(node._arg_edges)
    if len(result) > expected and all(r is None for r in result[expected:]):
        return result[:expected]
    raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients (expected "
                       f"{expected}, got {len(result)})")


def _check_nan(node, result) -> None:
    from ..backend import namespace_of

    for i, grad in enumerate(result):
        array = getattr(grad, "_array", grad)
        if grad is not None and bool(namespace_of(array).isnan(array).any()):
            _report_anomaly(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _report_anomaly(node) -> None:
    trace = node._creation_trace
    if trace:
        message = (f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                   + "".join(trace))
    else:  # the forward pass ran before anomaly detection was switched on
        message = (f"Error detected in {node.name()}. No forward pass information available. Enable detect "
                   "anomaly during forward pass for more information.")
    warnings.warn(message, UserWarning, stacklevel=4)


# ------------------------------------------------------------------------------------------ shapes and hooks
def _fitted(node, child, nr, grad, on_arrays):
    """``grad`` brought to the shape and dtype of input ``nr`` of ``child`` (broadcasting undone), or a
    clear error naming ``node``."""
    array = grad if on_arrays else getattr(grad, "_array", None)
    if type(child) is AccumulateGrad:
        expected = child.variable._array
        shape, dtype, array_type = expected.shape, expected.dtype, type(expected)
    else:
        (shape, dtype), array_type = child._output_meta[nr], None
    if type(array) is _ndarray and array.shape == shape and array.dtype == dtype and array_type in (None, _ndarray):
        return grad  # the usual case: nothing to do
    if on_arrays and array is not None and not _is_device_array(array) and not isinstance(grad, Tensor):
        grad = array = _as_array(grad, grad)  # a NumPy scalar left by a reduction
    if array is None or (on_arrays and isinstance(grad, Tensor)):
        raise TypeError(f"function {node.name()} returned a gradient that is not a Tensor "
                        f"({type(grad).__name__}) at index {nr}")
    if array_type is not None and type(array) is not array_type:
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {nr} - expected "
                           f"device {child.variable.device} but got {Tensor._make(array).device}")
    if array.shape != shape:
        if not _sums_to(array.shape, shape):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {nr} - got "
                               f"{list(array.shape)} but expected shape compatible with {list(shape)}")
        grad = _sum_to(grad, shape)
    if array.dtype != dtype:
        grad = _cast(grad, dtype)
    return grad


def _sums_to(grad_shape, shape) -> bool:
    """Can a gradient of ``grad_shape`` be summed down to ``shape`` (was ``shape`` broadcast to it)?"""
    if len(shape) > len(grad_shape):
        return False
    lead = len(grad_shape) - len(shape)
    return all(n == 1 or n == grad_shape[lead + i] for i, n in enumerate(shape))


def _sum_to(grad, shape):
    from ..ops._util import sum_to

    return sum_to(grad, shape)


def _cast(grad, numpy_dtype):
    from ..ops._util import cast

    return cast(grad, numpy_dtype)


def _checked_replacement(hook, grad, replacement):
    """A hook may replace the gradient (None keeps it), but not with one of another shape (PyTorch's check)."""
    if replacement is None:
        return grad
    if not isinstance(replacement, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(replacement).__name__}'")
    if replacement.shape != grad.shape:
        raise RuntimeError(f"hook '{getattr(hook, '__name__', type(hook).__name__)}' has changed the size of value")
    return replacement


def _run_pre_hooks(node, grads, create_graph) -> list:
    """Tensor hooks, then retain_grad, then the node's own pre-hooks -- PyTorch's order."""
    for nr, hooks in (node._tensor_pre_hooks or {}).items():
        if grads[nr] is not None:
            for hook in list(hooks.values()):
                grads[nr] = _checked_replacement(hook, grads[nr], hook(grads[nr]))
    for nr, ref in (node._retained or {}).items():
        tensor = ref()
        if tensor is not None and grads[nr] is not None:
            _add_into_grad(tensor, grads[nr], create_graph)
    for hook in list((node._pre_hooks or {}).values()):
        replacement = hook(tuple(grads))
        if replacement is not None:
            grads = list(replacement)
    return grads


def _add_into_grad(tensor, grad, create_graph) -> None:
    """``tensor.grad += grad`` (``grad`` a tensor, or an array while the pass records nothing); a first
    gradient is copied (the caller, or another leaf, may hold it). With create_graph the copy and the sum are
    recorded, as in PyTorch (x.grad shows a grad_fn)."""
    if create_graph:
        tensor._grad = grad.new_zeros(grad.shape).copy_(grad) if tensor._grad is None else tensor._grad + grad
        return
    array = grad._array if isinstance(grad, Tensor) else grad
    if tensor._grad is None:
        tensor._grad = Tensor._make(array.copy(), False, None, 0)
    else:
        tensor._grad._array += array
