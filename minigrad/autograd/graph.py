"""Graph nodes: what ``tensor.grad_fn`` and ``grad_fn.next_functions`` hand you.

A node stands for one recorded operation. It knows the nodes that produced its inputs
(``next_functions``, a tuple of ``(node, output_index)`` pairs) and how to turn the gradient of its
outputs into gradients of its inputs. Leaves that require grad are represented by an ``AccumulateGrad``
node whose job is to add the incoming gradient into ``leaf.grad``.
"""
from __future__ import annotations

import itertools

# Nodes created later run earlier in backward when both are ready (PyTorch orders its ready queue the same way).
_sequence_numbers = itertools.count()
next_sequence_number = _sequence_numbers.__next__


class RemovableHandle:
    """Returned by every ``register_*hook``; ``handle.remove()`` takes the hook out again."""

    __slots__ = ("_hooks", "id")
    _ids = itertools.count()

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()


def add_hook(hooks: dict, fn) -> RemovableHandle:
    if not callable(fn):
        raise TypeError(f"hook must be callable, got {type(fn).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


class Node:
    """Base of every graph node. Subclasses set ``next_functions``."""

    # Hook tables are created on first use: most nodes never get a hook, and an empty dict per node is
    # measurable on the hot path.
    _arg_edges: tuple = ()
    _pre_hooks: dict | None = None
    _post_hooks: dict | None = None
    # True once any hook table exists (pre-, post-, tensor hooks, retain_grad): the engine checks this one
    # flag per node and looks at the tables only when it is set.
    _hooked: bool = False
    _sequence_nr: int = 0

    @property
    def next_functions(self) -> tuple:
        return ()

    def name(self) -> str:
        return type(self).__name__

    @property
    def metadata(self) -> dict:
        meta = self.__dict__.get("_metadata")
        if meta is None:
            meta = self.__dict__["_metadata"] = {}
        return meta

    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs) -> None | new grad_outputs`` runs before this node computes its gradients."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
            self._hooked = True
        return add_hook(self._pre_hooks, fn)

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs) -> None | new grad_inputs`` runs after this node computed them."""
        if self._post_hooks is None:
            self._post_hooks = {}
            self._hooked = True
        return add_hook(self._post_hooks, fn)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The node for a leaf tensor that requires grad: adds what arrives into ``variable.grad``."""

    def __init__(self, variable):
        self.variable = variable
        # Accumulators run as soon as they are ready, before anything else (PyTorch gives them the top
        # sequence number for the same reason: the leaf's .grad is final as early as possible).
        self._sequence_nr = float("inf")

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"
