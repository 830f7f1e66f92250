"""``Function``: one differentiable operation, forward and backward side by side.

This is the API lesson 07 teaches, and it is the only way minigrad records operations: ``x * y`` runs
``Mul.apply(x, y)`` exactly as a learner's ``MyReLU.apply(x)`` does.

    class MyReLU(Function):
        @staticmethod
        def forward(ctx, x):            # runs without recording; may compute on tensors or arrays
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output): # gradient of the outputs in, gradient of each input out
            x, = ctx.saved_tensors
            return grad_output * (x > 0)

``apply`` creates the graph node. The node *is* the ``ctx`` that forward and backward receive, and its
class is named after the Function (``MyReLUBackward``; built-ins carry PyTorch's name, ``MulBackward0``).
"""
from __future__ import annotations

import os
import traceback
import types

from . import anomaly_mode, forward_ad as _forward_ad, grad_mode
from .._lesson_hints import with_lesson
from ..backend import ndarray as _ndarray
from .graph import Node, next_sequence_number

_state = grad_mode.state
# While minigrad.jit.trace records a function, a callable ``(cls, args) -> outputs`` that runs the op and
# notes it in the trace (minigrad/jit/tracer.py); None otherwise, so apply pays one global check.
_trace_hook = None
_dual_state = _forward_ad.state  # forward AD: its level is the one thing apply checks when AD is off


class _SavedOutput:
    """A saved tensor that is an output of the node saving it.

    Keeping the output Tensor itself would make a cycle (tensor -> grad_fn -> saved tensor -> tensor);
    we keep its array and version counter and rebuild a Tensor on demand, as PyTorch's SavedVariable does.
    """

    __slots__ = ("array", "version_counter", "output_nr", "requires_grad", "fw_grad")

    def __init__(self, tensor):
        self.array = tensor._array
        counter = tensor._version_counter
        if counter is None:  # tensor._ensure_version_counter(), without the call
            counter = tensor._version_counter = _VersionCounter()
        self.version_counter = counter
        self.output_nr = tensor._output_nr
        self.requires_grad = tensor._requires_grad
        self.fw_grad = None  # the output's tangent, set by forward_ad.propagate once jvp has run


class BackwardFunction(Node):
    """Base of every recorded node made by ``Function.apply``; also the ``ctx`` object.

    Per-node state is kept in plain attributes (the ``ctx`` of a user Function may carry its own).
    """

    _forward_cls: type  # the Function subclass this node belongs to (set on the generated class)
    _is_builtin = False
    _saved = ()
    _saved_versions = ()
    _saved_inputs_only = False  # every saved entry is None or an input Tensor (nothing to rebuild on unpack)
    _freed = False
    _to_save = ()
    _non_differentiable = ()
    _to_save_for_forward = None
    _saved_for_forward = None  # what saved_tensors returns while jvp runs, if forward saved any
    _tensor_pre_hooks = None  # output index -> {handle id: hook} (Tensor.register_hook on non-leaves)
    _retained = None  # output index -> weak reference of a tensor that called retain_grad()
    _creation_trace = None
    materialize_grads = True
    # Set by the engine before each backward call: True when nothing records (see nothing_to_record), so a
    # built-in rule may compute on arrays. Read as an attribute because a call per node costs more.
    _on_arrays = False

    # --- what Function.forward / backward use ---------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (inputs or outputs) for backward; in-place changes to them are detected later."""
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        """Keep tensors for ``jvp`` (forward mode); inside jvp, ``saved_tensors`` returns them."""
        self._to_save_for_forward = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._saved_for_forward is not None:
            return self._saved_for_forward
        if self._freed:
            raise RuntimeError(with_lesson(SECOND_BACKWARD_MESSAGE, "second_backward"))
        saved = self._saved
        versions = self._saved_versions
        if self._saved_inputs_only:  # nothing to rebuild: check the versions and hand the tuple back
            for item, expected in zip(saved, versions):
                if item is not None:
                    counter = item._version_counter
                    if counter is not None and counter.value != expected:
                        break  # the loop below raises the error
            else:
                return saved
        unpacked = []
        for item, expected in zip(saved, versions):
            if item is None or type(item) in (int, float, bool):
                unpacked.append(item)
                continue
            if type(item) is _SavedOutput:
                counter = item.version_counter
                tensor = _Tensor._make(item.array, item.requires_grad, self if item.requires_grad else None,
                                       item.output_nr)
                tensor._version_counter = counter
                tensor._fw_grad = item.fw_grad
            else:
                tensor = item
                counter = tensor._version_counter
            current = counter.value if counter is not None else 0
            if current != expected:
                raise RuntimeError(with_lesson(_version_error(tensor, self, item, current, expected), "in_place"))
            unpacked.append(tensor)
        return tuple(unpacked)

    @property
    def saved_arrays(self) -> list:
        """The arrays of ``saved_tensors`` (None stays None), after the same version checks: what a
        built-in backward rule computing on arrays reads (see ``nothing_to_record``); a minigrad extension."""
        if self._saved_for_forward is None and not self._freed:
            Tensor = _Tensor
            arrays = []
            for item, expected in zip(self._saved, self._saved_versions):
                kind = type(item)
                if kind is _SavedOutput:  # an output: its array, no Tensor rebuilt around it
                    if item.version_counter.value != expected:
                        break
                    arrays.append(item.array)
                elif kind is Tensor:
                    counter = item._version_counter
                    if counter is not None and counter.value != expected:
                        break
                    arrays.append(item._array)
                elif item is None or kind is float or kind is int:
                    arrays.append(item)
                else:
                    break
            else:
                return arrays
        return [getattr(item, "_array", item) for item in self.saved_tensors]  # raises what is wrong

    def mark_non_differentiable(self, *outputs) -> None:
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors) -> None:
        pass  # in-place custom Functions are not supported; accepted for API compatibility

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    # --- what the graph shows --------------------------------------------------------------------
    @property
    def next_functions(self) -> tuple:
        hidden = self._forward_cls.nondifferentiable_args
        return tuple(edge for position, edge in enumerate(self._arg_edges)
                     if edge is not None and position not in hidden)

    def __repr__(self) -> str:
        if self._is_builtin:
            return f"<{type(self).__name__} object at {hex(id(self))}>"
        return f"<{__name__}.{type(self).__name__} object at {hex(id(self))}>"


SECOND_BACKWARD_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)


def _version_error(tensor, node, item, current, expected) -> str:
    from .._tensor import type_description

    if type(item) is _SavedOutput:
        origin = f", which is output {item.output_nr} of {_short_name(node)},"
    elif tensor.grad_fn is not None:
        origin = f", which is output {tensor._output_nr} of {_short_name(tensor.grad_fn)},"
    else:
        origin = ""
    return (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{type_description(tensor)}]{origin} is at version {current}; expected version {expected} instead. "
        "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _user_stack() -> list:
    """The formatted stack of the forward call, ending at the user's line (minigrad's own frames cut off)."""
    frames = traceback.extract_stack()
    while frames and frames[-1].filename.startswith(_PACKAGE_DIR):
        frames.pop()
    return traceback.format_list(frames)


def adopt_saved_outputs(node, tensor) -> None:
    """After an in-place op, its output *is* the tensor it changed: the outputs the node saved follow that
    tensor's storage and version counter, so changing it again in place is caught, as in PyTorch
    (``y.relu_(); y.mul_(2)`` then fails in backward)."""
    saved = node._saved
    if not saved:
        return
    counter = tensor._ensure_version_counter()
    versions = list(node._saved_versions)
    for i, entry in enumerate(saved):
        if type(entry) is _SavedOutput:
            entry.array, entry.version_counter = tensor._array, counter
            versions[i] = counter.value
    node._saved_versions = tuple(versions)


def _short_name(node) -> str:
    """'MulBackward0' -> 'Mul', the way PyTorch names a node in the in-place error (CopySlices keeps its
    full name, 'torch::autograd::CopySlices')."""
    name = node.name()
    cut = name.rfind("Backward")
    return name[:cut] if cut > 0 else name


class _ForwardOnlyContext:
    """The ``ctx`` forward gets when nothing will be recorded: accepts everything, keeps nothing.

    One per call, so that what a forward stores on ``ctx`` never leaks into another call. ``apply`` sets
    ``needs_input_grad`` (all False: forwards may consult it, mm saves only what is needed) right after
    creating it; no ``__init__`` keeps the creation cheap, as this runs for every op of a backward pass.
    """

    _on_arrays = False  # backward rules run on it (jit) take their tensor path

    def save_for_backward(self, *tensors):
        pass

    def save_for_forward(self, *tensors):
        pass

    def mark_non_differentiable(self, *outputs):
        pass

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass


_NO_INPUT_NEEDS_GRAD = tuple((False,) * count for count in range(8))  # ctx.needs_input_grad by argument count
# ctx.needs_input_grad for up to 6 arguments, by argument count and the bits of those that require grad:
# shared tuples, so recording an op allocates none
_NEEDS_INPUT_GRAD = tuple(tuple(tuple(bool(mask >> i & 1) for i in range(count)) for mask in range(1 << count))
                          for count in range(7))


class FunctionMeta(type):
    """Gives every Function subclass its own node class, named like PyTorch names it."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        node_name = namespace.get("node_name")
        builtin = node_name is not None
        if node_name is None:
            node_name = f"{name}Backward"
        attributes = {"_forward_cls": cls, "_is_builtin": builtin, "__module__": __name__,
                      "__qualname__": node_name}
        display_name = namespace.get("node_display_name")
        if display_name is not None:
            attributes["name"] = lambda self: display_name
        cls._backward_cls = type(node_name, (BackwardFunction,), attributes)
        # ``cls.apply`` bound once, here: a classmethod makes a new bound method at every access, and every
        # op goes through apply (the same call and result as the classmethod, one allocation fewer)
        for klass in cls.__mro__:
            apply = klass.__dict__.get("apply")
            if apply is not None:
                if isinstance(apply, (classmethod, types.MethodType)):
                    cls.apply = types.MethodType(apply.__func__, cls)
                break


class Function(metaclass=FunctionMeta):
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``; call ``.apply``.

    ``forward`` receives the arguments as given (tensors stay tensors) and runs with grad mode off; it
    returns a tensor (or an array), or a tuple of them. ``backward`` receives one gradient per output and
    returns one gradient (or None) per forward argument. Built-in ops set ``node_name`` to PyTorch's node
    name; a user Function's node is called ``<ClassName>Backward``.
    """

    node_name: str | None = None
    # Built-in arithmetic counts a Python-number operand as an input, shown as (None, 0) in
    # next_functions, because PyTorch wraps the number into a tensor.
    numbers_are_inputs = False
    # Positions of tensor arguments PyTorch does not differentiate (a mask, an index, where's condition):
    # they get no entry in next_functions, as in PyTorch.
    nondifferentiable_args: tuple = ()
    # Built-in forwards compute on raw arrays and never record, so they need no grad-mode switch.
    forward_on_arrays = False

    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            "Function is used through its static methods: call MyFunction.apply(...), not MyFunction()(...)"
        )

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @staticmethod
    def jvp(ctx, *tangents):
        """Forward mode: one tangent per forward argument in (None where none), one per output out."""
        message = (f"Trying to use forward AD with {type(ctx).__name__} that does not support it because it has "
                   "not implemented the jvp method.")
        if not ctx._is_builtin:
            message += " You must implement the jvp function for custom autograd.Function to use it with forward mode AD."
        raise NotImplementedError(message)

    @classmethod
    def apply(cls, *args):
        if _trace_hook is not None:  # minigrad.jit.trace is recording: it runs the op and writes it down
            return _trace_hook(cls, args)
        Tensor = _Tensor
        record = False
        array_type = None
        if _state.enabled:
            # One pass: the device check, and the edges (and needs_input_grad) the node will have if any
            # input requires grad.
            edges = []
            needs = 0  # bit i set: argument i requires grad (a number, not a list: one allocation fewer)
            bit = 1
            for arg in args:
                if type(arg) is Tensor or isinstance(arg, Tensor):
                    # Every op checks its inputs share a device; comparing array types costs next to nothing.
                    kind = type(arg._array)
                    if array_type is None:
                        array_type = kind
                    elif kind is not array_type:
                        _check_same_device(args)
                    if arg._requires_grad:
                        record = True
                        needs |= bit
                        grad_fn = arg.grad_fn
                        if grad_fn is not None:
                            edges.append((grad_fn, arg._output_nr))
                        else:  # a leaf: its AccumulateGrad, looked up here when it exists (a call fewer)
                            accumulator = arg._accumulator_ref
                            accumulator = accumulator() if accumulator is not None else None
                            edges.append((accumulator if accumulator is not None else arg._grad_accumulator(), 0))
                    else:
                        edges.append(_NO_EDGE)
                else:
                    edges.append(_NO_EDGE if cls.numbers_are_inputs and isinstance(arg, (int, float)) else None)
                bit <<= 1
        else:
            edges = None
            for arg in args:  # the device check of the loop above, alone: no-grad ops (updates) pay no call
                if type(arg) is Tensor or isinstance(arg, Tensor):
                    kind = type(arg._array)
                    if array_type is None:
                        array_type = kind
                    elif kind is not array_type:
                        _check_same_device(args)
        tangents = None
        if _dual_state.level is not None:  # forward AD is on: does any input carry a tangent?
            tangents = _forward_ad.input_tangents(args)

        if not record and tangents is None:
            # Nothing to differentiate: run forward and hand back plain results.
            ctx = _ForwardOnlyContext()
            ctx.needs_input_grad = _NO_INPUT_NEEDS_GRAD[len(args)] if len(args) < 8 else (False,) * len(args)
            if cls.forward_on_arrays:
                result = cls.forward(ctx, *args)
            else:
                previous, _state.enabled = _state.enabled, False
                try:
                    result = cls.forward(ctx, *args)
                finally:
                    _state.enabled = previous
            if type(result) is _ndarray:  # the common case: a built-in forward's NumPy array
                return _make_tensor(result, False, None, 0)
            if type(result) is tuple:
                return tuple(_as_plain_tensor(r) for r in result)
            return _as_plain_tensor(result)

        node = cls._backward_cls()
        node._sequence_nr = next_sequence_number()
        if edges is None:  # grad mode is off, but forward AD needs a node
            edges = _edges_of(cls, args)
        node._arg_edges = edges
        if tangents is None:
            count = len(args)
            node.needs_input_grad = (_NEEDS_INPUT_GRAD[count][needs] if count < len(_NEEDS_INPUT_GRAD)
                                     else tuple([bool(needs >> i & 1) for i in range(count)]))
        else:  # inputs with a tangent are differentiated too: forward saves what jvp needs
            node.needs_input_grad = tuple([(edge is not None and edge[0] is not None) or tangent is not None
                                           for edge, tangent in zip(edges, tangents)])
        if anomaly_mode.state.enabled:
            node._creation_trace = _user_stack()

        if cls.forward_on_arrays:
            result = cls.forward(node, *args)
        else:
            previous, _state.enabled = _state.enabled, False
            level, _dual_state.level = _dual_state.level, None  # forward sees values, not tangents
            try:
                result = cls.forward(node, *args)
            finally:
                _state.enabled, _dual_state.level = previous, level

        non_differentiable = node._non_differentiable
        if type(result) is _ndarray and not non_differentiable:  # the common case: one NumPy array out
            if record and result.dtype.kind == "f":
                outputs = _make_tensor(result, True, node, 0)
            else:
                outputs = _make_tensor(result, False, None, 0)
            # one shared metadata tuple per (shape, dtype): two objects fewer per node for the garbage collector
            key = (result.shape, result.dtype)
            meta = _OUTPUT_META.get(key)
            node._output_meta = meta if meta is not None else _new_output_meta(key)
        elif type(result) is tuple:
            outputs = tuple(_attach_output(node, r, i, non_differentiable, record) for i, r in enumerate(result))
            node._output_meta = tuple((o._array.shape, o._array.dtype) for o in outputs)
        else:
            outputs = _attach_output(node, result, 0, non_differentiable, record)
            array = outputs._array
            node._output_meta = ((array.shape, array.dtype),)

        to_save = node._to_save
        if to_save:
            _store_saved(node, to_save, result, outputs)
        if tangents is not None:
            _forward_ad.propagate(cls, node, args, tangents, outputs)
        return outputs


_NO_EDGE = (None, 0)

# ``node._output_meta`` of single-output nodes, by (shape, dtype), shared by every node with that output.
# Bounded: a program that sees ever new shapes starts it afresh now and then.
_OUTPUT_META: dict = {}
_OUTPUT_META_LIMIT = 1024


def _new_output_meta(key) -> tuple:
    if len(_OUTPUT_META) >= _OUTPUT_META_LIMIT:
        _OUTPUT_META.clear()
    meta = _OUTPUT_META[key] = (key,)
    return meta


def _edges_of(cls, args) -> list:
    """One edge per argument: ``(node, output_nr)`` for a tensor that requires grad (its grad_fn, or its
    AccumulateGrad for a leaf), ``(None, 0)`` for another tensor, None for anything else."""
    edges = []
    for arg in args:
        if isinstance(arg, _Tensor):
            if arg._requires_grad:
                grad_fn = arg.grad_fn
                edges.append((arg._grad_accumulator(), 0) if grad_fn is None else (grad_fn, arg._output_nr))
            else:
                edges.append(_NO_EDGE)
        else:
            edges.append(_NO_EDGE if cls.numbers_are_inputs and isinstance(arg, (int, float)) else None)
    return edges


def nothing_to_record() -> bool:
    """True while no op can be recorded: grad mode off, no forward-AD level, no ``minigrad.jit`` trace.

    A backward pass without ``create_graph`` runs this way. The commonest backward rules (Mul, Mm, Sum,
    ...) then compute on arrays and wrap the result once, skipping ``apply`` for every product of the rule:
    the same math, a fraction of the overhead. With ``create_graph=True`` they take their tensor-op path,
    which records the gradient's own graph. The engine hands the answer to each rule it runs as
    ``ctx._on_arrays``.
    """
    return not _state.enabled and _dual_state.level is None and _trace_hook is None


def plain(array):
    """A tensor outside any graph holding ``array``: how a backward rule that computed on arrays (see
    ``nothing_to_record``) hands its gradient back."""
    return _make_tensor(array, False, None, 0)


def _as_plain_tensor(value):
    if isinstance(value, _Tensor):
        return value if not value._requires_grad else value.detach()
    if value is None or type(value) in (int, float, bool, str):  # not NumPy scalars: np.float64 is a float
        return value
    return _Tensor._make(value, False, None, 0)


def _attach_output(node, value, index, non_differentiable, record=True):
    """Wrap one forward result as an output tensor of ``node`` (a plain tensor when not recording)."""
    if isinstance(value, _Tensor):
        array = value._array
        marked = any(value is o for o in non_differentiable)
    elif value is None:
        return None
    else:
        array = value
        marked = any(value is o for o in non_differentiable)
    differentiable = record and not marked and array.dtype.kind == "f"
    if differentiable:
        return _Tensor._make(array, True, node, index)
    return _Tensor._make(array, False, None, 0)


_ZERO_VERSIONS = {count: (0,) * count for count in range(1, 9)}


def _store_saved(node, to_save, result, outputs) -> None:
    """Turn what forward passed to save_for_backward into saved entries with their current versions."""
    Tensor = _Tensor
    if type(outputs) is Tensor:  # the usual case first: one output; inputs, None or the output array saved
        output_array = outputs._array
        versions = []
        rebuilt = None  # a copy of to_save once the output is in it
        for index, item in enumerate(to_save):
            if item is None:
                versions.append(0)
            elif type(item) is Tensor and item._array is not output_array:
                counter = item._version_counter
                versions.append(0 if counter is None else counter.value)
            elif item is result and outputs._requires_grad:
                if rebuilt is None:
                    rebuilt = list(to_save)
                entry = rebuilt[index] = _SavedOutput(outputs)
                versions.append(entry.version_counter.value)
            else:
                break  # a number, another array, a tensor sharing the output's array: the general loop below
        else:
            node._saved = to_save if rebuilt is None else tuple(rebuilt)
            # nothing saved was changed in place yet (the usual case): a shared tuple of zeros, one object
            # fewer per node for the garbage collector to count and scan
            node._saved_versions = _ZERO_VERSIONS.get(len(versions), versions) if not any(versions) else versions
            node._saved_inputs_only = rebuilt is None
            node._to_save = ()
            return
    single = type(outputs) is not tuple
    single_array = outputs._array if single and outputs is not None else None
    saved = []
    versions = []
    for item in to_save:
        if item is None or type(item) in (int, float, bool):
            saved.append(item)  # Python numbers are kept as they are (a minigrad extension)
            versions.append(0)
            continue
        is_tensor = type(item) is Tensor or isinstance(item, Tensor)
        item_array = item._array if is_tensor else item
        # Is it an output (forward returned it, or a tensor sharing its array)?
        if single:
            output = outputs if single_array is not None and (item is result or item_array is single_array) else None
        else:
            output = next((out for produced, out in zip(result, outputs)
                           if out is not None and (item is produced or item_array is out._array)), None)
        if output is None:  # an input, or something else forward computed
            entry = item if is_tensor else Tensor._make(item, False, None, 0)  # a raw array: a constant tensor
        elif output._requires_grad:
            entry = _SavedOutput(output)  # kept without the output Tensor itself, which would make a cycle
            saved.append(entry)
            versions.append(entry.version_counter.value)
            continue
        else:
            entry = output
        counter = entry._version_counter
        saved.append(entry)
        versions.append(0 if counter is None else counter.value)
    node._saved = tuple(saved)
    node._saved_versions = tuple(versions)
    node._to_save = ()


_Tensor = None  # set by minigrad._tensor, which imports this module first
_make_tensor = None  # _Tensor._make
_VersionCounter = None  # minigrad._tensor.VersionCounter


def _bind_tensor_class(tensor_class, version_counter_class) -> None:
    global _Tensor, _make_tensor, _VersionCounter
    _Tensor = tensor_class
    _VersionCounter = version_counter_class
    _make_tensor = tensor_class._make  # bound once: every op result goes through it
    from . import engine

    engine.Tensor = tensor_class


FunctionCtx = BackwardFunction  # the name PyTorch gives the ctx type


def _check_same_device(args) -> None:
    """PyTorch's error when the tensors among ``args`` live on different devices."""
    from ..ops._util import check_same_device

    check_same_device(*(arg for arg in args if isinstance(arg, _Tensor)))


from .once_differentiable import once_differentiable  # noqa: E402,F401  (PyTorch keeps it in this module)
