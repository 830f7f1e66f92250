"""``Function``: one differentiable operation, forward and backward side by side.

This is the API lesson 08 teaches, and it is the only way minigrad records operations: ``x * y`` runs
``Mul.apply(x, y)`` exactly as a learner's ``MyReLU.apply(x)`` does.

    class MyReLU(Function):
        @staticmethod
        def forward(ctx, x):            # runs without recording
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output): # gradient of the outputs in, gradient of each input out
            x, = ctx.saved_tensors
            return grad_output * (x > 0)

``apply`` creates the graph node. The node *is* the ``ctx`` that forward and backward receive, and its
class is named after the Function (``MyReLUBackward``; built-ins carry PyTorch's name, ``MulBackward0``).

Built-in ops (those that set ``node_name``) differ in one way: their rules are written once for arrays and
tensors alike. ``forward`` reads its inputs' arrays and returns an array. ``backward`` receives arrays, and
``ctx.saved_tensors`` hands it arrays, while a backward pass records nothing (the usual case, and the fast
one); under ``create_graph=True`` the same rule receives tensors, so its own operations are recorded and
higher derivatives fall out. The rule never asks which: it uses operators that arrays and tensors share and
the functions of ``namespace_for(grad)`` (NumPy or CuPy for arrays, minigrad's own for tensors).
"""
from __future__ import annotations

import os
import threading
import traceback
import types
import warnings as _warnings

from . import anomaly_mode, forward_ad as _forward_ad, grad_mode
from .._lesson_hints import with_lesson
from ..backend import ndarray as _ndarray
from ..backend.float_errors import (OWN_FILTER as _OWN_WARNINGS_FILTER, restore as _restore_float_warnings,
                                    silence as _silence_float_warnings)
from .graph import Node, next_sequence_number
from .saved_attributes import SavedAttributes, saved_properties

_grad_state = grad_mode.state
_dual_state = _forward_ad.state  # forward AD: its level is the one thing apply checks when AD is off


class _TraceState:
    """Per thread, as grad mode: while minigrad.jit.trace records a function in this thread, ``hook`` is a
    callable ``(cls, args) -> outputs`` that runs the op and notes it in the trace (minigrad/jit/tracer.py);
    None otherwise, and other threads' ops never reach the trace.

    The hooks are kept by thread id rather than in a ``threading.local``: apply only asks whether
    ``by_thread`` is empty, a tenth of the cost of reading a thread-local, paid by every op."""

    def __init__(self):
        self.by_thread: dict = {}

    @property
    def hook(self):
        return self.by_thread.get(threading.get_ident()) if self.by_thread else None

    @hook.setter
    def hook(self, hook) -> None:
        if hook is None:
            self.by_thread.pop(threading.get_ident(), None)
        else:
            self.by_thread[threading.get_ident()] = hook


_trace_state = _TraceState()
# While minigrad.func.vmap runs (in any thread), ``minigrad.func_batching.dispatch``: it runs an op with batched
# arguments by the op's batching rule, and returns NotImplemented for other calls (other threads' included).
_vmap_hook = None


class _RuleState(threading.local):
    """Set per thread by the engine (and by forward AD around a jvp): while built-in rules run, what they
    receive, ``"arrays"`` or ``"tensors"``; None otherwise."""

    def __init__(self):
        self.receives = None  # once per thread


rule_state = _RuleState()


class _SavedOutput:
    """A saved tensor that is an output of the node saving it.

    Keeping the output Tensor itself would make a cycle (tensor -> grad_fn -> saved tensor -> tensor);
    we keep its array and version counter and rebuild a Tensor on demand, as PyTorch's SavedVariable does.
    """

    __slots__ = ("array", "version_counter", "output_nr", "requires_grad", "fw_grad")

    def __init__(self, tensor):
        self.array = tensor._array
        self.version_counter = tensor._ensure_version_counter()
        self.output_nr = tensor._output_nr
        self.requires_grad = tensor._requires_grad
        self.fw_grad = None  # the output's tangent, set by forward_ad.propagate once jvp has run

    def rebuild(self, node):
        tensor = _Tensor._make(self.array, self.requires_grad, node if self.requires_grad else None, self.output_nr)
        tensor._version_counter = self.version_counter
        tensor._fw_grad = self.fw_grad
        return tensor


class BackwardFunction(SavedAttributes, Node):
    """Base of every recorded node made by ``Function.apply``; also the ``ctx`` object.

    Per-node state is kept in plain attributes (the ``ctx`` of a user Function may carry its own).
    """

    _forward_cls: type  # the Function subclass this node belongs to (set on the generated class)
    _is_builtin = False
    _freed = False
    _non_differentiable = ()
    _to_save_for_forward = None
    _saved = ()
    _saved_versions = ()
    _to_save = ()
    _saved_for_forward = None  # what saved_tensors returns while jvp runs, if forward saved any
    _tensor_pre_hooks = None  # output index -> {handle id: hook} (Tensor.register_hook on non-leaves)
    _retained = None  # output index -> weak reference of a tensor that called retain_grad()
    _creation_trace = None
    materialize_grads = True

    # --- what Function.forward / backward use ---------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (inputs or outputs) for backward; in-place changes to them are detected later."""
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        """Keep tensors for ``jvp`` (forward mode); inside jvp, ``saved_tensors`` returns them."""
        self._to_save_for_forward = tensors

    @property
    def saved_tensors(self) -> tuple:
        """What forward saved, checked against in-place changes since (arrays for a built-in rule run by a
        backward pass that records nothing)."""
        if self._saved_for_forward is not None:
            return self._saved_for_forward
        if self._freed:
            raise RuntimeError(with_lesson(SECOND_BACKWARD_MESSAGE, "second_backward"))
        receives = rule_state.receives if self._is_builtin else "tensors"  # a user's rule: always tensors
        if receives is None:
            # as in PyTorch, a built-in node shows what it saved only as _saved_* (autograd/saved_attributes.py);
            # its saved_tensors is for its own rules (torchviz tells built-in nodes apart this way)
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'saved_tensors'")
        as_arrays = receives == "arrays"
        unpacked = []
        for entry, expected in zip(self._saved, self._saved_versions):
            if entry is None or type(entry) in (int, float, bool):
                unpacked.append(entry)
                continue
            is_output = type(entry) is _SavedOutput
            counter = entry.version_counter if is_output else entry._version_counter
            if counter is not None and counter.value != expected:
                raise _version_error(self, entry, counter.value, expected)
            if as_arrays:
                unpacked.append(entry.array if is_output else entry._array)
            else:
                unpacked.append(entry.rebuild(self) if is_output else entry)
        return tuple(unpacked)

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


FunctionCtx = BackwardFunction  # the name PyTorch gives the ctx type

SECOND_BACKWARD_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)


class _ForwardOnlyContext:
    """The ``ctx`` forward gets when nothing will be recorded: accepts everything, keeps nothing.

    One per call, so that what a forward stores on ``ctx`` never leaks into another call.
    """

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




class FunctionMeta(type):
    """Gives every Function subclass its own node class, named like PyTorch names it."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        node_name = namespace.get("node_name")
        cls._builtin = node_name is not None
        if node_name is None:
            node_name = f"{name}Backward"
        attributes = {"_forward_cls": cls, "_is_builtin": cls._builtin, "__module__": __name__,
                      "__qualname__": node_name}
        attributes.update(saved_properties(cls))  # node._saved_self & co., PyTorch's names for what it saved
        display_name = namespace.get("node_display_name")
        if display_name is not None:
            attributes["name"] = lambda self: display_name
        cls._backward_cls = type(node_name, (BackwardFunction,), attributes)
        # ``cls.apply`` bound once, here: a classmethod makes a new bound method at every access, and every
        # op goes through apply
        apply = next(klass.__dict__["apply"] for klass in cls.__mro__ if "apply" in klass.__dict__)
        if isinstance(apply, (classmethod, types.MethodType)):
            cls.apply = types.MethodType(apply.__func__, cls)


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
    # What PyTorch calls what the node saved, for ``node._saved_self`` & co. (autograd/saved_attributes.py)
    saved_names: tuple | dict = ()

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
        """Run forward and, if any input requires grad (or carries a forward-AD tangent), record a node."""
        if _trace_state.by_thread or _vmap_hook is not None:  # a trace records, or vmap runs: rarely
            taken_over = _taken_over(cls, args)
            if taken_over is not NotImplemented:
                return taken_over
        edges, needs_input_grad = _edges_of(cls, args)  # (None, None): nothing to record
        tangents = _forward_ad.input_tangents(args) if _dual_state.level is not None else None
        if edges is None and tangents is None:
            return _run_forward_only(cls, args)
        node = cls._backward_cls()
        node._sequence_nr = next_sequence_number()
        if tangents is None:
            node._arg_edges, node.needs_input_grad = edges, needs_input_grad
        else:
            _prepare_for_forward_ad(node, args, edges, tangents)
        if anomaly_mode.state.enabled:
            node._creation_trace = _user_stack()
        result = _run_forward(cls, node, args)
        if type(result) is _ndarray and not node._non_differentiable:  # one array out: the usual case
            dtype = result.dtype
            differentiable = edges is not None and dtype.kind == "f"
            outputs = _Tensor._make(result, differentiable, node if differentiable else None, 0)
            node._output_meta = ((result.shape, dtype),)
        else:
            outputs = _wrap_outputs(node, result, record=edges is not None)
        if node._to_save:
            _store_saved(node, result, outputs)
        if tangents is not None:
            _forward_ad.propagate(cls, node, args, tangents, outputs)
        return outputs


# ------------------------------------------------------------------------------------------ apply's steps
_NO_EDGE = (None, 0)  # a tensor input that needs no gradient (or a number PyTorch wraps as a tensor)


def _edges_of(cls, args):
    """One edge per argument and ``needs_input_grad``, or (None, None) when nothing is to be recorded.

    An edge is ``(node, output_nr)`` for a tensor that requires grad (its grad_fn, or a leaf's
    AccumulateGrad), ``(None, 0)`` for another tensor, None for anything else. Checks on the way, grad mode
    or not, that the tensors share a device (comparing the types of their arrays costs next to nothing).
    """
    Tensor = _Tensor
    recording = _grad_state.enabled
    edges, needs = [], []
    array_type = None
    for arg in args:
        if type(arg) is Tensor or isinstance(arg, Tensor):
            if array_type is None:
                array_type = type(arg._array)
            elif type(arg._array) is not array_type:
                _check_same_device(args)
            if recording:
                grad_fn = arg.grad_fn
                if not arg._requires_grad:
                    edges.append(_NO_EDGE)
                elif grad_fn is not None:
                    edges.append((grad_fn, arg._output_nr))
                else:
                    edges.append((arg._grad_accumulator(), 0))
                needs.append(arg._requires_grad)
        elif recording:
            edges.append(_NO_EDGE if cls.numbers_are_inputs and isinstance(arg, (int, float)) else None)
            needs.append(False)
    if not recording or True not in needs:
        return None, None
    return edges, tuple(needs)


def _taken_over(cls, args):
    """minigrad.jit.trace, recording in this thread, runs the op and writes it down; vmap runs an op with
    batched arguments by its batching rule. NotImplemented when neither takes this call."""
    trace_hook = _trace_state.hook
    if trace_hook is not None:
        return trace_hook(cls, args)
    if _vmap_hook is not None:
        return _vmap_hook(cls, args)
    return NotImplemented


def _check_same_device(args) -> None:
    """PyTorch's error when the tensors among ``args`` live on different devices."""
    from ..ops._util import check_same_device

    check_same_device(*(arg for arg in args if isinstance(arg, _Tensor)))


def _prepare_for_forward_ad(node, args, edges, tangents) -> None:
    """Inputs with a tangent are differentiated too: forward saves what jvp needs. Under no_grad the node
    gets edges that lead nowhere."""
    if edges is None:
        edges = [_NO_EDGE if isinstance(arg, _Tensor) else None for arg in args]
    node._arg_edges = edges
    node.needs_input_grad = tuple([(edge is not None and edge[0] is not None) or tangent is not None
                                   for edge, tangent in zip(edges, tangents)])


def _run_forward_only(cls, args):
    """Nothing to differentiate: run forward and hand back plain results."""
    ctx = _ForwardOnlyContext()
    ctx.needs_input_grad = (False,) * len(args)  # forwards may consult it (mm saves only what it needs)
    result = _run_forward(cls, ctx, args)
    if type(result) is _ndarray:  # the usual result of a built-in forward
        return _Tensor._make(result, False, None, 0)
    if type(result) is tuple:
        return tuple(_plain_output(r) for r in result)
    return _plain_output(result)


def _run_forward(cls, ctx, args):
    """Run forward, with NumPy giving inf and nan silently, as PyTorch does (backend/float_errors.py).

    A built-in forward computes on arrays and records nothing. A user's forward runs with grad mode (and
    forward AD) off, so the tensor ops it uses are not recorded.
    """
    filters = _warnings.filters
    filtered = filters and filters[0] is _OWN_WARNINGS_FILTER  # minigrad's own warnings filter stands first
    if filtered and cls._builtin:
        return cls.forward(ctx, *args)  # the usual case
    token = None if filtered else _silence_float_warnings()  # (pytest -W, simplefilter): NumPy's error state
    previous = _grad_state.enabled, _dual_state.level
    if not cls._builtin:
        _grad_state.enabled, _dual_state.level = False, None  # forward sees values, not tangents
    try:
        return cls.forward(ctx, *args)
    finally:
        if token is not None:
            _restore_float_warnings(token)
        _grad_state.enabled, _dual_state.level = previous


def _wrap_outputs(node, result, record):
    """Forward's result as output tensors of ``node``, and their shapes and dtypes noted on the node."""
    if type(result) is tuple:
        outputs = tuple(_attach_output(node, value, i, record) for i, value in enumerate(result))
        node._output_meta = tuple((out._array.shape, out._array.dtype) if out is not None else None
                                  for out in outputs)
    else:  # one output, the usual case
        array = getattr(result, "_array", result)
        marked = node._non_differentiable and any(result is o for o in node._non_differentiable)
        if record and array.dtype.kind == "f" and not marked:
            outputs = _Tensor._make(array, True, node, 0)
        else:
            outputs = _Tensor._make(array, False, None, 0)
        node._output_meta = ((array.shape, array.dtype),)
    return outputs


def _attach_output(node, value, index, record):
    """One forward result as output ``index`` of ``node`` (a plain tensor when not differentiable)."""
    if value is None:
        return None
    array = getattr(value, "_array", value)
    marked = node._non_differentiable and any(value is o for o in node._non_differentiable)
    if record and not marked and array.dtype.kind == "f":
        return _Tensor._make(array, True, node, index)
    return _Tensor._make(array, False, None, 0)


def _plain_output(value):
    if isinstance(value, _Tensor):
        return value if not value._requires_grad else value.detach()
    if value is None or type(value) in (int, float, bool, str):  # not NumPy scalars: np.float64 is a float
        return value
    return _Tensor._make(value, False, None, 0)


# ------------------------------------------------------------------------------------------ saved tensors
def _store_saved(node, result, outputs) -> None:
    """Turn what forward passed to save_for_backward into saved entries with their current versions: an
    input tensor is kept as it is, an output as a ``_SavedOutput``, a raw array as a constant tensor, None and
    Python numbers as they are (a minigrad extension)."""
    single_output = outputs._array if type(outputs) is _Tensor else None
    saved, versions = [], []
    for item in node._to_save:
        if item is None or type(item) in (int, float, bool):
            entry = item
        elif isinstance(item, _Tensor) and single_output is not None and item._array is not single_output:
            entry = item  # an input of a one-output op, the usual case
        elif item is result and single_output is not None:  # the array a one-output op returns (exp, tanh)
            entry = _SavedOutput(outputs) if outputs._requires_grad else outputs
        else:
            entry = _output_or_constant(item, result, outputs)
        counter = entry.version_counter if type(entry) is _SavedOutput else getattr(entry, "_version_counter", None)
        saved.append(entry)
        versions.append(0 if counter is None else counter.value)
    node._saved, node._saved_versions, node._to_save = saved, versions, ()


def _output_or_constant(item, result, outputs):
    """A saved output becomes a ``_SavedOutput`` (no cycle through the output tensor); a raw array forward
    computed becomes a constant tensor."""
    array = item._array if isinstance(item, _Tensor) else item
    results = result if type(result) is tuple else (result,)
    for produced, out in zip(results, outputs if type(outputs) is tuple else (outputs,)):
        if out is not None and (item is produced or array is out._array):
            return _SavedOutput(out) if out._requires_grad else out
    return item if array is not item else _Tensor._make(item, False, None, 0)


def _version_error(node, entry, current, expected) -> RuntimeError:
    """PyTorch's error for a saved tensor changed in place since it was saved."""
    from .._tensor import type_description

    tensor = entry.rebuild(node) if type(entry) is _SavedOutput else entry
    if type(entry) is _SavedOutput:
        origin = f", which is output {entry.output_nr} of {_short_name(node)},"
    elif tensor.grad_fn is not None:
        origin = f", which is output {tensor._output_nr} of {_short_name(tensor.grad_fn)},"
    else:
        origin = ""
    return RuntimeError(with_lesson(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{type_description(tensor)}]{origin} is at version {current}; expected version {expected} instead. "
        "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).", "in_place"))


def _short_name(node) -> str:
    """'MulBackward0' -> 'Mul', the way PyTorch names a node in the in-place error (CopySlices keeps its
    full name, 'torch::autograd::CopySlices')."""
    name = node.name()
    cut = name.rfind("Backward")
    return name[:cut] if cut > 0 else name


def adopt_saved_outputs(node, tensor) -> None:
    """After an in-place op, its output *is* the tensor it changed: the outputs the node saved follow that
    tensor's storage and version counter, so changing it again in place is caught, as in PyTorch
    (``y.relu_(); y.mul_(2)`` then fails in backward)."""
    if not node._saved:
        return
    counter = tensor._ensure_version_counter()
    versions = list(node._saved_versions)
    for i, entry in enumerate(node._saved):
        if type(entry) is _SavedOutput:
            entry.array, entry.version_counter = tensor._array, counter
            versions[i] = counter.value
    node._saved_versions = tuple(versions)


# ------------------------------------------------------------------------------------------ helpers
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _user_stack() -> list:
    """The formatted stack of the forward call, ending at the user's line (minigrad's own frames cut off)."""
    frames = traceback.extract_stack()
    while frames and frames[-1].filename.startswith(_PACKAGE_DIR):
        frames.pop()
    return traceback.format_list(frames)


def nothing_to_record() -> bool:
    """True while no op can be recorded: grad mode off, no forward-AD level, no ``minigrad.jit`` trace.

    A backward pass without ``create_graph`` runs this way, and then built-in rules compute on arrays.
    """
    return not _grad_state.enabled and _dual_state.level is None and _trace_state.hook is None


def plain(array):
    """A tensor outside any graph holding ``array``."""
    return _Tensor._make(array, False, None, 0)


_Tensor = None  # set by minigrad._tensor, which imports this module first


def _bind_tensor_class(tensor_class, version_counter_class=None) -> None:
    global _Tensor
    _Tensor = tensor_class
    from . import engine

    engine.Tensor = tensor_class


from .once_differentiable import once_differentiable  # noqa: E402,F401  (PyTorch keeps it in this module)
