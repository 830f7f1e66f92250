"""What an ``op`` node of a static graph calls, and how that call is written as Python.

Three kinds of call are recorded while tracing:

* ``FunctionTarget`` -- a ``Function`` subclass (``Mul``, ``Mm``, a learner's ``MyReLU``...). Almost every op
  goes this way, because every differentiable op in minigrad is a ``Function``. Replaying it calls
  ``Mul.apply(...)`` again, so the replayed result has a fresh autograd graph and ``backward()`` just works.
* ``MethodTarget`` -- a ``Tensor`` method that makes a tensor without ``Function.apply``: comparisons
  (``x > 0``), logical operators, ``detach()``, ``argmax``, and the in-place methods (``add_``, ``x[i] = v``).
  Replaying it calls the method again.
* ``GetItem`` -- picks output ``i`` of an op that returns several (``values, indices = x.max(1)``).
* ``PythonFunctionTarget`` -- a module function that makes tensors without ``apply`` (``torch.where(c, 1., 0.)``).
* ``SavedTensorTarget`` -- a value an op's forward computed and saved for its backward (see
  ``saved_for_backward``); gradient graphs need it.

Each target knows whether it is *pure* (same inputs, same result, no side effect): only pure nodes may be
folded, merged or dropped by the optimisation passes.
"""
from __future__ import annotations

import re

from .._tensor import Tensor
from ..autograd.function import _ForwardOnlyContext


def snake_case(name: str) -> str:
    """'PowScalar' -> 'pow_scalar', 'Mm' -> 'mm': how values made by an op are named."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class FunctionTarget:
    """Calls ``function.apply(*args)``."""

    pure = True
    is_function = True

    def __init__(self, function):
        self.function = function

    @property
    def value_name(self) -> str:
        return snake_case(self.function.__name__)

    @property
    def display(self) -> str:
        return self.function.__name__

    def call(self, *args, **kwargs):
        return self.function.apply(*args)

    def code_lines(self, output: str, args: list, kwargs: list, global_name: str) -> list:
        return [f"{output} = {global_name}.apply({', '.join(args)})"]

    def key(self):
        return ("function", self.function)

    def __repr__(self) -> str:
        return f"FunctionTarget({self.function.__name__})"


# Tensor methods that create a tensor without Function.apply, written the way a learner writes them.
_OPERATOR_SYNTAX = {
    "__eq__": "{0} == {1}", "__ne__": "{0} != {1}", "__lt__": "{0} < {1}", "__le__": "{0} <= {1}",
    "__gt__": "{0} > {1}", "__ge__": "{0} >= {1}", "__and__": "{0} & {1}", "__or__": "{0} | {1}",
    "__xor__": "{0} ^ {1}", "__invert__": "~{0}",
}
_OPERATOR_NAMES = {"__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt",
                   "__ge__": "ge", "__and__": "and_", "__or__": "or_", "__xor__": "xor", "__invert__": "invert",
                   "__setitem__": "setitem", "__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_",
                   "__itruediv__": "div_"}


class MethodTarget:
    """Calls ``getattr(args[0], method)(*args[1:], **kwargs)``: the Tensor method as it is at replay time."""

    is_function = False

    def __init__(self, method: str, in_place: bool = False):
        self.method = method
        self.in_place = in_place
        self.pure = not in_place

    @property
    def value_name(self) -> str:
        return _OPERATOR_NAMES.get(self.method, self.method.strip("_") + ("_" if self.in_place else ""))

    @property
    def display(self) -> str:
        return f"Tensor.{self.method}"

    def call(self, receiver, *args, **kwargs):
        if self.method == "__setitem__":
            receiver[args[0]] = args[1]
            return receiver
        return getattr(receiver, self.method)(*args, **kwargs)

    def code_lines(self, output: str, args: list, kwargs: list, global_name: str) -> list:
        receiver, rest = args[0], args[1:]
        if self.method == "__setitem__":
            return [f"{receiver}[{rest[0]}] = {rest[1]}", f"{output} = {receiver}"]
        syntax = _OPERATOR_SYNTAX.get(self.method)
        if syntax is not None and not kwargs:
            return [f"{output} = {syntax.format(*args)}"]
        method = _OPERATOR_NAMES.get(self.method, self.method) if self.method.startswith("__i") else self.method
        return [f"{output} = {receiver}.{method}({', '.join(rest + kwargs)})"]

    def key(self):
        return ("method", self.method)

    def __repr__(self) -> str:
        return f"MethodTarget({self.method!r})"


class GetItem:
    """Output ``index`` of an op with several outputs."""

    pure = True
    is_function = False
    value_name = "getitem"
    display = "getitem"

    def call(self, values, index):
        return values[index]

    def code_lines(self, output: str, args: list, kwargs: list, global_name: str) -> list:
        return [f"{output} = {args[0]}[{args[1]}]"]

    def key(self):
        return ("getitem",)

    def __repr__(self) -> str:
        return "GetItem()"


class PythonFunctionTarget:
    """A module-level function that makes tensors without ``Function.apply`` (``torch.where`` on numbers), or
    one that writes into its first argument (``F.silu(x, inplace=True)``: ``in_place``)."""

    is_function = False

    def __init__(self, function, code_name: str, in_place: bool = False):
        self.function = function
        self.code_name = code_name  # e.g. "torch.where"
        self.in_place = in_place
        self.pure = not in_place

    @property
    def value_name(self) -> str:
        return self.code_name.rsplit(".", 1)[-1]

    @property
    def display(self) -> str:
        return self.code_name

    def call(self, *args, **kwargs):
        import minigrad

        return _resolve(minigrad, self.code_name)(*args, **kwargs)

    def code_lines(self, output: str, args: list, kwargs: list, global_name: str) -> list:
        return [f"{output} = {self.code_name}({', '.join(args + kwargs)})"]

    def key(self):
        return ("python", self.code_name)

    def __repr__(self) -> str:
        return f"PythonFunctionTarget({self.code_name!r})"


def _resolve(module, dotted: str):
    value = module
    for part in dotted.split(".")[1:]:
        value = getattr(value, part)
    return value


class SavingContext(_ForwardOnlyContext):
    """A ``ctx`` that keeps what forward saves and nothing else (no graph node behind it); the other ``ctx``
    calls are accepted and ignored, as when nothing records."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = tuple(needs_input_grad)
        self._saved = ()

    def save_for_backward(self, *tensors):
        self._saved = tensors

    @property
    def saved_tensors(self):
        """What forward saved, raw arrays wrapped as plain tensors (as a backward rule expects them)."""
        return tuple(t if t is None or isinstance(t, (Tensor, int, float, bool)) else Tensor._make(t, False, None, 0)
                     for t in self._saved)

    @property
    def saved_arrays(self):
        return [getattr(t, "_array", t) for t in self._saved]


def saved_for_backward(function, index, needs_input_grad, *args):
    """Entry ``index`` of what ``function.forward(ctx, *args)`` saves for backward, computed again.

    A backward rule may use a value its forward computed internally (``nll_loss`` saves a one-hot of the
    targets). That value depends on the inputs, so a gradient graph cannot keep it as a constant: it runs the
    forward again and takes the saved value from it.
    """
    from ..autograd import grad_mode

    ctx = SavingContext(needs_input_grad)
    with grad_mode.no_grad():
        function.forward(ctx, *args)
    return ctx.saved_tensors[index]


class SavedTensorTarget:
    """Calls ``saved_for_backward(function, index, needs_input_grad, *args)``."""

    pure = True
    is_function = True

    def __init__(self, function, index, needs_input_grad):
        self.function = function
        self.index = index
        self.needs_input_grad = tuple(needs_input_grad)

    @property
    def value_name(self) -> str:
        return f"saved_by_{snake_case(self.function.__name__)}"

    @property
    def display(self) -> str:
        return f"{self.function.__name__}.saved_tensors[{self.index}]"

    def call(self, *args, **kwargs):
        return saved_for_backward(self.function, self.index, self.needs_input_grad, *args)

    def code_lines(self, output: str, args: list, kwargs: list, global_name: str) -> list:
        head = [global_name, str(self.index), repr(self.needs_input_grad)]
        return [f"{output} = saved_for_backward({', '.join(head + args)})"]

    def key(self):
        return ("saved", self.function, self.index, self.needs_input_grad)

    def __repr__(self) -> str:
        return f"SavedTensorTarget({self.function.__name__}, {self.index})"
