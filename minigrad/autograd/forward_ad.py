"""Forward-mode AD: carry a direction (the *tangent*) through the computation alongside the values.

    import minigrad.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        x = fwAD.make_dual(x_value, v)          # x carries the direction v
        y = f(x)                                # every op also computes  J_op · (its inputs' tangents)
        y_value, jvp = fwAD.unpack_dual(y)      # jvp = J_f(x) · v, after ONE forward pass, no backward

Reverse mode (``backward``) gives a row vᵀJ per pass; forward mode gives a column J·v per pass. Each op
states its forward rule as a static ``jvp(ctx, *tangents)`` next to its ``backward``: it receives one
tangent per forward argument (None where there is none) and returns one per output. ``Function.apply``
calls it whenever an input carries a tangent at the current level; when no level is active the whole
machinery costs one attribute check.

A tangent lives in the tensor's ``_fw_grad`` slot as ``(level, tangent)``. It belongs to the level that
made it: once that level has exited, the tangent is ignored, as PyTorch drops forward grads on exit.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

from . import function as _function  # partially initialised while function.py imports us; used at call time

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"]


class _DualLevel:
    """One entered ``dual_level``; tangents remember the object, so a later level never sees stale ones."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


class _ForwardADState:
    __slots__ = ("level",)  # an instance attribute: every op reads it (see anomaly_mode._AnomalyState)

    def __init__(self):
        self.level = None  # the active _DualLevel, or None (Function.apply checks this and nothing else)


state = _ForwardADState()


# ------------------------------------------------------------------------------------------ levels
def enter_dual_level() -> int:
    """Start a forward AD level (prefer ``with dual_level():``). Returns its index, 0."""
    if state.level is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    state.level = _DualLevel(0)
    return 0


def exit_dual_level(*, level=None) -> None:
    """Leave the current level; every tangent made inside it is forgotten."""
    current = state.level
    if current is None or (level is not None and level != current.index):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. "
                           "This is not supported.")
    state.level = None


class dual_level:
    """Context manager (or decorator) inside which dual tensors exist: ``with dual_level(): ...``."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc_info) -> None:
        exit_dual_level()

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with dual_level():
                return func(*args, **kwargs)

        return wrapper


# ------------------------------------------------------------------------------------------ dual tensors
class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the value and its tangent (None if it has none at this level)."""

    primal: object
    tangent: object


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` that carries ``tangent`` as its forward gradient (backward-differentiable).

    ``tangent`` must have ``tensor``'s shape; it is stored as it is, not copied.
    """
    current = state.level
    if current is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if level is not None and level != current.index:
        raise RuntimeError("Invalid level given to _make_dual")
    if not tensor.is_floating_point():
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not tangent.is_floating_point():
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tangent_of(tensor) is not None:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at the "
                           f"same level {current.index} is not supported.")
    if tangent.shape != tensor.shape:
        raise RuntimeError(_size_mismatch(tensor.shape, tangent.shape))
    dual = tensor.view_as(tensor)  # an alias, so backward through the dual reaches `tensor`
    dual._fw_grad = (current, tangent)
    return dual


def unpack_dual(tensor, *, level=None) -> UnpackedDualTensor:
    """``(primal, tangent)``: a view of ``tensor`` without its tangent, and the tangent (or None)."""
    current = state.level
    if current is None:
        return UnpackedDualTensor(tensor, None)
    tangent = tangent_of(tensor)
    state.level = None  # the primal is a plain view: make sure the view op does not copy the tangent
    try:
        primal = tensor.view_as(tensor)
    finally:
        state.level = current
    return UnpackedDualTensor(primal, tangent)


def tangent_of(tensor):
    """The tangent ``tensor`` carries at the active level, or None."""
    entry = tensor._fw_grad
    if entry is not None and entry[0] is state.level:
        return entry[1]
    return None


def _size_mismatch(shape, tangent_shape) -> str:
    return ("Trying to set a forward gradient that has a different size than that of the original Tensor, this "
            f"is not supported. Tensor is of size {list(shape)} while the given forward gradient is of size "
            f"{list(tangent_shape)}.")


# ------------------------------------------------------------------------------------------ used by Function.apply
def input_tangents(args):
    """One tangent (or None) per argument of an op, or None when no argument carries one."""
    level = state.level
    tangents = None
    for i, arg in enumerate(args):
        entry = getattr(arg, "_fw_grad", None)
        if entry is not None and entry[0] is level:
            if tangents is None:
                tangents = [None] * len(args)
            tangents[i] = entry[1]
    return tangents


def propagate(cls, node, args, tangents, outputs) -> None:
    """Run the op's forward rule ``cls.jvp(ctx, *tangents)`` and attach a tangent to each output.

    Called by ``Function.apply`` after forward (so ``ctx.saved_tensors`` and the attributes forward set on
    ``ctx`` are there). Shapes and dtypes are the engine's job, as in backward: a tangent that is smaller
    than its output (broadcasting) is expanded, and converted to the output's dtype.
    """
    Tensor = _function._Tensor
    level = state.level
    if not node._is_builtin and node.materialize_grads:
        # user Functions get zeros for tensor inputs without a tangent, as PyTorch gives them
        from ..factories import zeros_like

        tangents = [zeros_like(arg) if tangent is None and isinstance(arg, Tensor) and arg.is_floating_point()
                    else tangent for arg, tangent in zip(args, tangents)]
    node._saved_for_forward = node._to_save_for_forward
    state.level = None  # the rule computes plain tangents; it must not push tangents of its own
    rules = _function.rule_state
    receives, rules.receives = rules.receives, "tensors"  # (a built-in jvp reads ctx.saved_tensors)
    try:
        result = cls.jvp(node, *tangents)
    finally:
        state.level = level
        rules.receives = receives
        node._saved_for_forward = None
    outs = outputs if type(outputs) is tuple else (outputs,)
    results = result if type(result) is tuple else (result,)
    if len(results) != len(outs):
        raise RuntimeError(f"function {node.name()} jvp returned an incorrect number of tangents (expected "
                           f"{len(outs)}, got {len(results)})")
    marked = node._non_differentiable
    for index, (out, tangent) in enumerate(zip(outs, results)):
        if out is None or tangent is None or out._array.dtype.kind != "f" or any(out is m for m in marked):
            continue
        out._fw_grad = (level, _fit(node, index, tangent, out))
    # An output saved for backward is rebuilt from its array; keep its tangent so that backward rules see it
    # (forward-over-reverse: a Hessian column is a backward pass whose values carry tangents).
    for entry in node._saved:
        if type(entry) is _function._SavedOutput:
            entry.fw_grad = outs[entry.output_nr]._fw_grad


def _fit(node, index, tangent, out):
    if not isinstance(tangent, _function._Tensor):
        raise TypeError(f"function {node.name()} jvp returned a tangent that is not a Tensor "
                        f"({type(tangent).__name__}) at index {index}")
    shape = out._array.shape
    level, state.level = state.level, None
    try:
        if tangent._array.shape != shape:
            try:
                tangent = tangent.expand(shape)
            except RuntimeError:
                raise RuntimeError(_size_mismatch(shape, tangent.shape)) from None
        if tangent._array.dtype != out._array.dtype:
            tangent = tangent.to(out.dtype)
    finally:
        state.level = level
    return tangent
