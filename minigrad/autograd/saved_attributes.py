"""PyTorch's ``_saved_*`` attributes of graph nodes: ``y.grad_fn._saved_self``, ``_saved_result``, ``_saved_dim``...

PyTorch's built-in nodes show what they saved for backward under these names, and tools read them: torchviz's
``make_dot(y, show_saved=True)`` draws every ``dir(node)`` name that starts with ``_saved_``. Each op class says
what PyTorch calls its saved values, as data (``Function.saved_names``: ``("self", "other")`` for ``Mul``, one
name per ``save_for_backward`` entry, or a dict name -> entry position or ctx attribute, ``{"self": 0,
"exponent": "exponent"}`` for ``PowScalar``); each becomes a property of the op's node class
(``saved_properties``, called by ``FunctionMeta``). Properties rather than one ``__getattr__``: a class with a
``__getattr__`` makes Python 3.11 read every attribute of its instances the slow, generic way, and the engine
reads a node's attributes at every step.
"""
from __future__ import annotations

import functools


def saved_names(function_class) -> dict:
    """``saved_names`` of an op class as a dict: PyTorch's name -> position among the saved tensors, or the
    name of the ``ctx`` attribute holding the value (a tuple of names is the positional shorthand)."""
    names = function_class.saved_names
    return dict(zip(names, range(len(names)))) if isinstance(names, tuple) else names


def saved_properties(function_class) -> dict:
    """``{"_saved_self": property, ...}`` for the node class of ``function_class``."""
    return {"_saved_" + name: property(functools.partial(_saved_value, source=source))
            for name, source in saved_names(function_class).items()}


class SavedAttributes:
    """Mixed into ``BackwardFunction``: ``dir(node)`` lists PyTorch's ``_saved_*`` names, not minigrad's own
    ``_saved...`` bookkeeping (torchviz draws every ``_saved_`` name it finds)."""

    __slots__ = ()

    def __dir__(self):
        # PyTorch's names of what this node saved, and none of minigrad's own ``_saved...`` bookkeeping
        own = {name for name in super().__dir__() if not name.startswith("_saved_")}
        return sorted(own | {"_saved_" + name for name in saved_names(self._forward_cls)})


def _saved_value(node, source):
    """A saved tensor (None where the op saved none, as PyTorch), or a value forward noted on ``ctx``."""
    if type(source) is not int:
        return getattr(node, source, None)  # a dim, an exponent, an input's shape
    if node._freed:
        from .function import SECOND_BACKWARD_MESSAGE

        raise RuntimeError(SECOND_BACKWARD_MESSAGE)
    from .function import rule_state

    receives, rule_state.receives = rule_state.receives, "tensors"  # saved_tensors is the node's own: read as a rule
    try:
        saved = node.saved_tensors
    finally:
        rule_state.receives = receives
    value = saved[source] if source < len(saved) else None
    if type(value) in (int, float, bool):  # a number operand: PyTorch saved it wrapped in a 0-d tensor
        from ..factories import tensor

        value = tensor(value)
    return value
