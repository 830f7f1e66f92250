"""PyTorch's ``_saved_*`` attributes of graph nodes: ``y.grad_fn._saved_self``, ``_saved_result``, ``_saved_dim``...

PyTorch's built-in nodes show what they saved for backward under these names, and tools read them: torchviz's
``make_dot(y, show_saved=True)`` draws every ``dir(node)`` name that starts with ``_saved_``. Each op class says
what PyTorch calls its saved values, as data (``Function.saved_names``: ``("self", "other")`` for ``Mul``, one
name per ``save_for_backward`` entry, or a dict name -> entry position or ctx attribute, ``{"self": 0,
"exponent": "exponent"}`` for ``PowScalar``); the one ``__getattr__`` below resolves them. It runs only when
normal attribute lookup fails, so recording and backward never pass through it.
"""
from __future__ import annotations

_NOT_SAVED = object()


def saved_names(function_class) -> dict:
    """``saved_names`` of an op class as a dict: PyTorch's name -> position among the saved tensors, or the
    name of the ``ctx`` attribute holding the value (a tuple of names is the positional shorthand)."""
    names = function_class.saved_names
    return dict(zip(names, range(len(names)))) if isinstance(names, tuple) else names


class SavedAttributes:
    """Mixed into ``BackwardFunction``: ``_saved_<name>`` for every name its op class declares."""

    __slots__ = ()

    def __getattr__(self, name):
        if name.startswith("_saved_"):
            source = saved_names(self._forward_cls).get(name[len("_saved_"):], _NOT_SAVED)
            if source is not _NOT_SAVED:
                return _saved_value(self, source)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

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

    running, rule_state.running = rule_state.running, True  # saved_tensors is the node's own: read it as a rule
    try:
        saved = node.saved_tensors
    finally:
        rule_state.running = running
    value = saved[source] if source < len(saved) else None
    if type(value) in (int, float, bool):  # a number operand: PyTorch saved it wrapped in a 0-d tensor
        from ..factories import tensor

        value = tensor(value)
    return value
