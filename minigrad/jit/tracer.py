"""Recording one call of a Python function as a ``StaticGraph``.

How it works: every differentiable op in minigrad runs through ``Function.apply``. While a trace records,
``apply`` hands each call to ``Tracer.record_function`` (one global check in ``minigrad/autograd/function.py``;
nothing else in the engine knows about tracing). The tracer runs the op as usual and writes down *which*
Function ran on *which* values: each tensor it meets is looked up in a table from tensor to graph node.

* a tensor made by an op recorded earlier -> that op's node;
* one of the example inputs -> an ``input`` node;
* any other tensor that requires grad (a weight the function closes over) -> a ``param`` node, holding a
  reference to the tensor;
* a tensor an op's forward computed and saved for its backward, read while a backward pass is recorded ->
  a node that computes it again (``SavedTensorTarget``), so gradient graphs stay correct for new inputs;
* anything else -> a ``const`` node, holding a copy made now.

A few Tensor methods make tensors without ``Function.apply`` (comparisons, ``detach``, ``argmax``, in-place
methods such as ``add_`` and ``x[i] = v``, and ``F.silu(x, inplace=True)``); while tracing they are wrapped so
they are recorded too. An in-place op changes its tensor in a replay as well, so a node read after the write
sees the new values; where a later op (a backward) needs the values from before, it reads a copy the graph
makes just before the write (``Tracer.before_overwrite``). The methods
that turn a tensor into a Python value (``item()``, ``bool()``, ``float()``, ``int()``, ``tolist()``...) are
wrapped to raise a ``TracerWarning``: the trace records values, not Python decisions, so whatever the function
did with that Python value (an ``if``, a loop count) is frozen into the graph. All wrappers are removed when the
trace ends; outside tracing the Tensor class is untouched.
"""
from __future__ import annotations

import inspect
import threading
import warnings

from .. import _tensor, ops
from ..autograd import engine, function as function_module, grad_mode
from ..nn import functional
from ..ops import elementwise
from .graph import ArrayOf, Node, StaticGraph, TracerWarning
from .targets import FunctionTarget, GetItem, MethodTarget, PythonFunctionTarget, SavedTensorTarget
from ..backend import is_device_array

Tensor = _tensor.Tensor

_PYTHON_DATAFLOW = (" might cause the trace to be incorrect. We can't record the data flow of Python values, so "
                    "this value will be treated as a constant in the future. This means that the trace might not "
                    "generalize to other inputs!")
# Tensor methods that hand a tensor's values to Python, and how PyTorch's tracer words its warning for each.
CONVERSIONS = {
    "item": "Converting a tensor to a Python number" + _PYTHON_DATAFLOW,
    "__bool__": "Converting a tensor to a Python boolean" + _PYTHON_DATAFLOW,
    "__float__": "Converting a tensor to a Python float" + _PYTHON_DATAFLOW,
    "__int__": "Converting a tensor to a Python integer" + _PYTHON_DATAFLOW,
    "__index__": "Converting a tensor to a Python index" + _PYTHON_DATAFLOW,
    "tolist": "Converting a tensor to a Python list" + _PYTHON_DATAFLOW,
    "numpy": "Converting a tensor to a NumPy array" + _PYTHON_DATAFLOW,
    "__iter__": ("Iterating over a tensor might cause the trace to be incorrect. Passing a tensor of different "
                 "shape won't change the number of iterations executed (and might lead to errors or silently "
                 "give incorrect results)."),
    "__len__": ("Using len to get tensor shape might cause the trace to be incorrect. Recommended usage would be "
                "tensor.shape[0]. Passing a tensor of different shape might lead to errors or silently give "
                "incorrect results."),
}
# Tensor methods that compute a new tensor from tensors without Function.apply: recorded as op nodes.
PURE_METHODS = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "eq", "ne", "lt", "le", "gt", "ge",
                "__and__", "__or__", "__xor__", "__invert__", "logical_not", "all", "any", "isnan", "argmax",
                "argmin", "detach")
# In-place methods beyond the `name_` ones found on the class.
IN_PLACE_DUNDERS = ("__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__")
# nn.functional functions that write into their input when called with inplace=True
IN_PLACE_FUNCTIONS = ("leaky_relu", "silu", "elu")
NOT_RECORDED = ("requires_grad_", "retain_grad")  # change autograd flags, not values

_active = None  # the Tracer recording right now, if any
_INHERITED = object()  # marks a patched attribute that the class did not define itself


def trace(fn, example_inputs) -> "TracedFunction":
    """Run ``fn(*example_inputs)`` once, recording every op, and return the recording (``torch.jit.trace``).

    ``example_inputs``: a Tensor or a tuple of Tensors, the positional arguments of ``fn``.
    Returns a ``TracedFunction``: call it like ``fn`` to replay the ops on new inputs; ``.graph`` is the
    ``StaticGraph``, ``.code`` its Python source. Tensors ``fn`` closes over become ``param`` nodes if they
    require grad (referenced, so training them in place works) and ``const`` nodes otherwise (copied).
    A ``TracerWarning`` says when the recording may not generalise: ``fn`` turned a tensor into a Python value
    (``item()``, ``bool()``, ``if x.sum() > 0``, iterating over a tensor) or, later, when the traced function
    is called with inputs of other shapes than the examples.
    """
    from .traced import TracedFunction

    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    return TracedFunction(record(fn, inputs), getattr(fn, "__name__", "traced"), compile_autograd=True)


def record(fn, inputs, input_names=None, names=None, graph_name="forward") -> StaticGraph:
    """The ``StaticGraph`` of one call ``fn(*inputs)`` (what ``trace`` does, without the wrapper).

    ``input_names``: names for the input nodes (default: ``fn``'s parameter names); ``names``: ``{id(tensor):
    name}`` for tensors ``fn`` closes over (default: found in its closure, globals and module parameters).
    """
    for position, value in enumerate(inputs):
        if not isinstance(value, Tensor):
            raise TypeError(f"trace(): example_inputs must be a Tensor or a tuple of Tensors, but element "
                            f"{position} is {type(value).__name__}")
    if _active is not None:
        raise RuntimeError("minigrad.jit.trace() was called while another trace was recording; trace the outer "
                           "function only (calling an already traced function inside it is fine)")
    preferred = _closure_names(fn)
    preferred.update(names or {})
    tracer = Tracer(input_names or _input_names(fn, len(inputs)), preferred)
    for position, value in enumerate(inputs):
        tracer.add_input(value, position)
    with tracer:
        result = fn(*inputs)
        output = tracer.encode_output(result)
    return StaticGraph(tracer.nodes + [Node("output", "output", args=(output,))],
                       example_inputs=tuple(_snapshot(t) for t in inputs), name=graph_name)


class Tracer:
    """Builds the node list while the traced function runs (see the module docstring)."""

    def __init__(self, input_names, preferred_names):
        self.nodes = []
        self.input_names = input_names
        self.preferred_names = preferred_names  # id(tensor) -> name for closed-over tensors
        self.taken = set()
        self.by_tensor = {}  # id(tensor) -> node whose value the tensor currently holds
        self.by_grad_fn = {}  # (grad_fn, output_nr) -> node: tensors rebuilt from saved outputs in backward
        self.by_array = {}  # id(array) -> node: another Tensor on the same array is a detach() / .data
        self.alive = []  # keeps every tensor met alive, so no id() is reused while we record
        self.busy = False  # inside a recorded call: ops it runs internally belong to it
        self.thread = threading.get_ident()  # the patched methods record this thread's calls only (see busy)
        self.written_names = {}  # id(in-place op node) -> name of the tensor it writes into
        self.dynamic = set()  # ids of the nodes whose value can change from run to run (not constants)
        self.pending_saved = {}  # id(tensor an op saved for backward) -> how to compute it again
        self.overwritten = {}  # id(node) -> the in-place op node that wrote over its value (see before_overwrite)
        self.preserved = {}  # id(overwritten node) -> the copy of its value taken just before it was overwritten
        self.start_grad_mode = grad_mode.state.enabled
        self.patches = []

    # ------------------------------------------------------------------ naming
    def fresh_name(self, stem: str, shadow_builtins: bool = False) -> str:
        name, suffix = stem, 1
        while name in self.taken or _reserved(name, shadow_builtins):
            name = f"{stem}_{suffix}"
            suffix += 1
        self.taken.add(name)
        return name

    # ------------------------------------------------------------------ the tensor -> node table
    def remember(self, tensor, node) -> None:
        self.alive.append(tensor)
        self.by_tensor[id(tensor)] = node
        if tensor.grad_fn is not None:
            self.by_grad_fn[(tensor.grad_fn, tensor._output_nr)] = node
        self.by_array[id(tensor._array)] = node

    def find(self, tensor):
        """The node whose value ``tensor`` is, or None if the tensor comes from outside the trace."""
        node = self.by_tensor.get(id(tensor))
        if node is not None:
            return node
        if tensor.grad_fn is not None:
            node = self.by_grad_fn.get((tensor.grad_fn, tensor._output_nr))
            if node is not None:
                self.remember(tensor, node)
        return node

    def node_of(self, tensor) -> Node:
        """The node for ``tensor``, creating a param/const node (or a detach op) for tensors seen first."""
        node = self.find(tensor)
        if node is not None:
            return node
        saved = self.pending_saved.pop(id(tensor), None)
        if saved is not None:  # a value some op computed inside its forward, read by its backward
            cls, index, needs, encoded_args = saved
            node = self.add_op(SavedTensorTarget(cls, index, needs), encoded_args, {}, tensor)
            self.remember(tensor, node)
            return node
        source = self.by_array.get(id(tensor._array))
        if source is not None:
            # Same memory as a traced value, but another Tensor object: made by detach() or .data.
            if source.kind == "const":
                node = source
            else:
                node = self.add_op(MethodTarget("detach"), (source,), {}, tensor)
            self.remember(tensor, node)
            return node
        if tensor._requires_grad:
            name = self.preferred_names.get(id(tensor)) or "param"
            node = Node(self.fresh_name(name), "param", target=tensor, shape=tuple(tensor._array.shape),
                        dtype=tensor._array.dtype)
            self.dynamic.add(id(node))
        else:
            name = self.preferred_names.get(id(tensor)) or "const"
            node = Node(self.fresh_name(name), "const", target=_snapshot(tensor),
                        shape=tuple(tensor._array.shape), dtype=tensor._array.dtype)
        self.nodes.append(node)
        self.remember(tensor, node)
        return node

    def depends_on_trace(self, tensor) -> bool:
        """Would the value of ``tensor`` change with the inputs or parameters of the traced function?"""
        node = self.find(tensor) or self.by_array.get(id(tensor._array))
        if node is not None:
            return id(node) in self.dynamic
        return tensor._requires_grad

    # ------------------------------------------------------------------ recording
    def add_input(self, tensor, position) -> None:
        name = self.fresh_name(self.input_names[position], shadow_builtins=True)  # `def forward(input)` is fine
        node = Node(name, "input", target=position, shape=tuple(tensor._array.shape), dtype=tensor._array.dtype)
        self.nodes.append(node)
        self.dynamic.add(id(node))
        if id(tensor) not in self.by_tensor:  # the same tensor passed twice: its uses read the first input
            self.remember(tensor, node)

    def encode(self, value):
        """Arguments with every tensor replaced by its node (arrays of traced tensors by ``ArrayOf``)."""
        if isinstance(value, Tensor):
            return self.node_of(value)
        if isinstance(value, tuple):
            return tuple(self.encode(v) for v in value)
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, slice):
            return slice(self.encode(value.start), self.encode(value.stop), self.encode(value.step))
        if is_device_array(value):
            node = self.by_array.get(id(value))
            if node is not None:
                return ArrayOf(node)
            return value.copy()  # an index array built from constants: keep it as it is now
        return value

    def run(self, call, *args, **kwargs):
        """Run ``call`` without recording what it does inside (it is recorded as one node)."""
        hook = function_module._trace_state.hook
        function_module._trace_state.hook = None
        self.busy = True
        try:
            return call(*args, **kwargs)
        finally:
            self.busy = False
            function_module._trace_state.hook = hook

    def run_in_place(self, method, receiver, args, kwargs):
        """Run an in-place ``method`` unrecorded, as ``run`` does, and return ``(result, call)``: ``call`` is the
        ``(function, args, result)`` of the ``Function.apply`` that gave ``receiver`` its new history, or None
        when autograd recorded nothing."""
        calls = []

        def note(function, call_args):
            function_module._trace_state.hook = None
            try:
                call_result = function.apply(*call_args)
            finally:
                function_module._trace_state.hook = note
            calls.append((function, call_args, call_result))
            return call_result

        history = receiver.grad_fn
        result = self.run(_with_hook, note, method, receiver, *args, **kwargs)
        new_history = receiver.grad_fn
        if new_history is None or new_history is history:
            return result, None
        return result, next((c for c in calls if getattr(c[2], "grad_fn", None) is new_history), None)

    def add_op(self, target, args, kwargs, result, name=None) -> Node:
        """Append an op node for ``target(*args, **kwargs) == result`` (args already encoded)."""
        if self.overwritten:
            args, kwargs = self.before_overwrite(args), self.before_overwrite(kwargs)
        mode = grad_mode.state.enabled
        node = Node(self.fresh_name(name or target.value_name), "op", target=target, args=args, kwargs=kwargs,
                    grad_mode=None if mode == self.start_grad_mode else mode)
        if isinstance(result, Tensor):
            node.shape, node.dtype = tuple(result._array.shape), result._array.dtype
        if not target.pure or any(id(source) in self.dynamic for source in node.input_nodes()):
            self.dynamic.add(id(node))
        self.nodes.append(node)
        return node

    def before_overwrite(self, value):
        """``value`` (encoded args) reading, instead of each node an in-place op has written over since, a copy
        of that node's value taken just before the write.

        In a replay, a node's value is a tensor object, and ``y.mul_(b)`` changes that object: every node read
        after the write sees the new values. The only tensors that still stand for the *old* value once the
        trace has moved past the write are the ones an in-place op keeps for its backward (the copy of its input
        that ``_in_place`` makes, PyTorch's rebased history): when a gradient graph is recorded, the backward
        of ``mul_`` reads it. The replay must read a copy made before the write, as eager's backward does.
        """
        if isinstance(value, Node):
            return self.preserved_value(value) if id(value) in self.overwritten else value
        if isinstance(value, ArrayOf):
            return ArrayOf(self.before_overwrite(value.node))
        if isinstance(value, tuple):
            return tuple(self.before_overwrite(v) for v in value)
        if isinstance(value, list):
            return [self.before_overwrite(v) for v in value]
        if isinstance(value, dict):
            return {k: self.before_overwrite(v) for k, v in value.items()}
        if isinstance(value, slice):
            return slice(*(self.before_overwrite(v) for v in (value.start, value.stop, value.step)))
        return value

    def preserved_value(self, node) -> Node:
        """A ``Clone`` of ``node``, placed just before the in-place op that overwrote it (made once)."""
        copy = self.preserved.get(id(node))
        if copy is None:
            writer = self.overwritten[id(node)]
            copy = Node(self.fresh_name(f"old_{node.name}"), "op", target=FunctionTarget(ops.Clone), args=(node,),
                        shape=node.shape, dtype=node.dtype, grad_mode=writer.grad_mode)
            self.nodes.insert(next(i for i, n in enumerate(self.nodes) if n is writer), copy)
            if id(node) in self.dynamic:
                self.dynamic.add(id(copy))
            self.preserved[id(node)] = copy
        return copy

    def record(self, target, args, kwargs, call):
        """Run ``call(*args, **kwargs)`` and append an op node for it; outputs are remembered as its value."""
        encoded_args, encoded_kwargs = self.encode(args), {k: self.encode(v) for k, v in kwargs.items()}
        result = self.run(call, *args, **kwargs)
        node = self.add_op(target, encoded_args, encoded_kwargs, result)
        if isinstance(result, Tensor):
            self.remember(result, node)
        elif isinstance(result, tuple):
            for index, item in enumerate(result):
                if isinstance(item, Tensor):
                    item_node = self.add_op(GetItem(), (node, index), {}, item)
                    self.remember(item, item_node)
        return result

    def record_function(self, cls, args):
        """The hook ``Function.apply`` calls while tracing."""
        result = self.record(FunctionTarget(cls), args, {}, cls.apply)
        self._note_saved_values(cls, args, result)
        return result

    def _note_saved_values(self, cls, args, result):
        """Remember the tensors this op's forward computed and saved for backward (not inputs or outputs).

        If backward reads one of them while we record (a gradient graph), it becomes a node that computes it
        again (``SavedTensorTarget``) instead of a constant frozen at its trace-time value.
        """
        first = result[0] if isinstance(result, tuple) and result else result
        node = getattr(first, "grad_fn", None)
        if node is None or type(node) is not cls._backward_cls or not node._saved:
            return
        for index, item in enumerate(node._saved):
            if isinstance(item, Tensor) and self.find(item) is None and id(item._array) not in self.by_array:
                self.alive.append(item)
                self.pending_saved[id(item)] = (cls, index, node.needs_input_grad, self.encode(args))

    def encode_output(self, result):
        if isinstance(result, Tensor):
            return self.node_of(result)
        if isinstance(result, (tuple, list)) and all(isinstance(r, Tensor) for r in result):
            encoded = [self.node_of(r) for r in result]
            return tuple(encoded) if isinstance(result, tuple) else encoded
        raise RuntimeError("Only tensors, lists, tuples of tensors, or dictionary of tensors can be output from "
                           f"traced functions (got {type(result).__name__})")

    # ------------------------------------------------------------------ switching the hooks on and off
    def __enter__(self):
        global _active
        _active = self
        function_module._trace_state.hook = self.record_function
        engine.add_observer(_refuse_grad_accumulation)
        try:
            self._patch_tensor_methods()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info):
        global _active
        for owner, name, original in reversed(self.patches):
            if original is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self.patches = []
        engine.remove_observer(_refuse_grad_accumulation)
        function_module._trace_state.hook = None
        _active = None

    @property
    def busy(self) -> bool:
        """True inside a recorded call, and always in another thread than the traced one: the patched Tensor
        methods then run the original, so other threads' work never lands in the trace."""
        return self._busy or threading.get_ident() != self.thread

    @busy.setter
    def busy(self, value: bool) -> None:
        self._busy = value

    def _patch(self, owner, name, replacement):
        self.patches.append((owner, name, owner.__dict__.get(name, _INHERITED)))
        setattr(owner, name, replacement)

    def _patch_tensor_methods(self):
        for name, message in CONVERSIONS.items():
            self._patch(Tensor, name, _warning_method(getattr(Tensor, name), message))
        for name in PURE_METHODS:
            self._patch(Tensor, name, _recorded_method(getattr(Tensor, name), MethodTarget(name)))
        in_place = [name for name in dir(Tensor)
                    if name.endswith("_") and not name.startswith("_") and name not in NOT_RECORDED
                    and callable(getattr(Tensor, name, None))]  # (PyTorch names minigrad lacks raise)
        for name in [*in_place, *IN_PLACE_DUNDERS]:
            self._patch(Tensor, name, _in_place_method(getattr(Tensor, name), MethodTarget(name, in_place=True)))
        where = _recorded_function(ops.where, PythonFunctionTarget(ops.where, "torch.where"))
        self._patch(ops, "where", where)
        self._patch(elementwise, "where", where)
        # activations with `inplace=True` that call _in_place themselves, without a Tensor method
        for name in IN_PLACE_FUNCTIONS:
            original = getattr(functional, name)
            target = PythonFunctionTarget(original, f"torch.nn.functional.{name}", in_place=True)
            self._patch(functional, name, _in_place_function(original, target))


def _warning_method(original, message):
    def method(self, *args, **kwargs):
        tracer = _active
        if tracer is not None and not tracer.busy and tracer.depends_on_trace(self):
            warnings.warn(message, TracerWarning, stacklevel=2)
        if tracer is None or tracer.busy:
            return original(self, *args, **kwargs)
        return tracer.run(original, self, *args, **kwargs)  # bool() calls item(): warn once, not twice

    method.__name__ = original.__name__
    return method


def _recorded_method(original, target):
    def method(self, *args, **kwargs):
        tracer = _active
        if tracer is None or tracer.busy:
            return original(self, *args, **kwargs)
        if target.method.startswith("__") and not all(_is_operand(a) for a in args):
            return NotImplemented  # `x == None`, `None in grads`: Python falls back to identity, nothing to record
        return tracer.record(target, (self, *args), kwargs, original)

    method.__name__ = original.__name__
    return method


def _is_operand(value) -> bool:
    return isinstance(value, (Tensor, bool, int, float, complex))


def _recorded_function(original, target):
    def function(*args, **kwargs):
        tracer = _active
        if tracer is None or tracer.busy:
            return original(*args, **kwargs)
        return tracer.record(target, args, kwargs, original)

    function.__name__ = original.__name__
    return function


def _in_place_method(original, target):
    def method(self, *args, **kwargs):
        tracer = _active
        if tracer is None or tracer.busy:
            return original(self, *args, **kwargs)
        node = tracer.node_of(self)
        if node.kind == "const":
            # A tensor made inside the function (torch.zeros(3)) and then written into: each run must write into
            # a fresh copy, not into the graph's constant.
            node = tracer.add_op(FunctionTarget(ops.Clone), (node,), {}, self)
        encoded = (node, *tracer.encode(args))
        encoded_kwargs = {k: tracer.encode(v) for k, v in kwargs.items()}
        result, call = tracer.run_in_place(original, self, args, kwargs)
        # named after what it writes into: `w1 -= ...` makes `w1_sub`, a second write `w1_sub_1`
        base = tracer.written_names.get(id(node), node.name)
        written = tracer.add_op(target, encoded, encoded_kwargs, self, name=f"{base}_{target.value_name.strip('_')}")
        tracer.written_names[id(written)] = base
        tracer.remember(self, written)
        tracer.overwritten.setdefault(id(node), written)
        if call is not None:
            # Recorded by autograd: the op ran on a copy of the old values (``_in_place``), which its backward
            # may read. That copy stands for the overwritten node, and what else the op saved is computed again
            # from it (``_note_saved_values``).
            function, call_args, call_result = call
            source = call_args[0] if call_args else None
            if isinstance(source, Tensor) and source is not self and tracer.find(source) is None:
                tracer.remember(source, node)
            tracer._note_saved_values(function, call_args, call_result)
        return result

    method.__name__ = getattr(original, "__name__", target.value_name)
    return method


def _in_place_function(original, target):
    """A function that writes into its first argument when asked to (``inplace=True``), recorded as such."""
    signature = inspect.signature(original)
    in_place = _in_place_method(original, target)

    def function(*args, **kwargs):
        tracer = _active
        if tracer is None or tracer.busy or not signature.bind(*args, **kwargs).arguments.get("inplace"):
            return original(*args, **kwargs)
        return in_place(*args, **kwargs)

    function.__name__ = original.__name__
    return function


def _with_hook(hook, call, *args, **kwargs):
    """``call(*args, **kwargs)`` with ``hook`` seeing its ``Function.apply`` calls (inside ``Tracer.run``)."""
    function_module._trace_state.hook = hook
    try:
        return call(*args, **kwargs)
    finally:
        function_module._trace_state.hook = None


def _refuse_grad_accumulation(event, **details):
    if event == "accumulate" and _active is not None and _active.thread == threading.get_ident():
        raise RuntimeError(
            "minigrad.jit.trace records values, not the side effect of .backward() filling in .grad. Inside a "
            "traced function ask for the gradients as values, like TensorFlow's tf.gradients: "
            "`grad_w1, grad_w2 = torch.autograd.grad(loss, [w1, w2])`. Or trace the forward pass only and call "
            ".backward() on what the traced function returns.")


def _snapshot(tensor):
    """A copy of ``tensor``'s values, outside any graph."""
    return Tensor._make(tensor._array.copy(), False, None, 0)


# Names the generated code itself uses (see codegen.py).
_CODE_NAMES = ("torch", "no_grad", "enable_grad", "saved_for_backward", "slice", "Ellipsis")


def _reserved(name: str, shadow_builtins: bool = False) -> bool:
    """Names a value may not take: keywords, names the code needs, and (values made by ops) builtins."""
    import builtins
    import keyword

    return (keyword.iskeyword(name) or name in _CODE_NAMES or name.startswith("forward")
            or (not shadow_builtins and hasattr(builtins, name)))


def _input_names(fn, count: int) -> list:
    """Input names from ``fn``'s signature (``def f(x, y)`` -> x, y), else input_0, input_1, ..."""
    names = []
    forward = getattr(fn, "forward", None)  # a model: name the inputs after its forward's parameters
    try:
        parameters = list(inspect.signature(forward if callable(forward) else fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    for position in range(count):
        name = f"input_{position}"
        if position < len(parameters) and parameters[position].kind in (
                inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            name = parameters[position].name
        names.append(name)
    return names


def _closure_names(fn) -> dict:
    """``{id(tensor): name}`` for the tensors ``fn`` can see: module parameters, closure cells, globals."""
    found = {}

    def add(name, value):
        if isinstance(value, Tensor):
            if id(value) not in found and name.isidentifier():
                found[id(value)] = name
        elif callable(getattr(value, "named_parameters", None)) and not isinstance(value, type):
            for parameter_name, parameter in value.named_parameters():  # a model: model_0_weight, ...
                add(f"{name}_{parameter_name.replace('.', '_')}", parameter)

    owner = getattr(fn, "__self__", fn)
    named_parameters = getattr(owner, "named_parameters", None)
    if callable(named_parameters):
        for name, value in named_parameters():
            name = name.replace(".", "_")
            add(name if name.isidentifier() else f"{type(owner).__name__.lower()}_{name}", value)
    code = getattr(fn, "__code__", None) or getattr(getattr(owner, "forward", None), "__code__", None)
    closure = getattr(fn, "__closure__", None)
    if code is not None and closure:
        for name, cell in zip(code.co_freevars, closure):
            try:
                add(name, cell.cell_contents)
            except ValueError:  # an empty cell
                pass
    if code is not None:
        module_globals = getattr(fn, "__globals__", {})
        for name in code.co_names:
            if name in module_globals:
                add(name, module_globals[name])
    return found
