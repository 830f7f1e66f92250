"""The array code of an op, for graphs compiled to plain backend calls (``lowering.py``).

Each template is the *same computation* as the op's ``forward``, spelled as one Python expression on arrays:
``Mul`` is ``{0} * {1}``, ``Tanh`` is ``xp.tanh({0})``, ``Mm`` is ``{0} @ {1}``. A template is used only where
its guard (``accepts``) says the expression gives exactly what ``forward`` gives: same dtypes in and out (a
bool mask allowed), Python numbers as plain operands, the argument pattern the expression covers. Anything
else falls back to the op itself (``Function.apply`` on tensors wrapping the arrays), so a template can be
missing but never wrong -- and ``tests/test_jit_compile.py`` runs every op of ``tests/op_registry.py`` through a
compiled graph and checks that every template below was exercised there against eager minigrad.

``in_place``: the same ufunc writing into a buffer the compiler proved dead (``out={out}``); ``fresh``: the
result is a new array (so its buffer may be reused later), not a view of an argument (``.T``, ``reshape``).

This is the one place where ops are spelled as array code; add an op here, not in the code generator.
"""
from __future__ import annotations

from ..ops import elementwise, linalg, movement, reductions
from .graph import ArrayOf, Node, walk_values


class Template:
    """How an op node is written as array code: ``expression.format(*args)`` (``xp`` is the namespace)."""

    __slots__ = ("expression", "in_place", "fresh", "accepts")

    def __init__(self, expression, in_place=None, fresh=True, accepts=None):
        self.expression = expression  # a format string over the spelled args, or a function (node, args) -> str
        self.in_place = in_place  # a format string with {out}, or None
        self.fresh = fresh
        self.accepts = accepts or (lambda node: True)

    def spell(self, node, args, out=None) -> str:
        if out is not None:
            return self.in_place.format(*args, out=out)
        if callable(self.expression):
            return self.expression(node, args)
        return self.expression.format(*args)


# ------------------------------------------------------------------ guards
def _number(value) -> bool:
    return type(value) in (int, float)  # not bool, not a NumPy scalar (those follow PyTorch's own rules)


def _floats(node) -> bool:
    """A float result, every tensor argument of the same dtype (or a bool mask), every other one a number.

    Then NumPy's and PyTorch's promotion agree (NumPy 2 keeps Python numbers weak); mixed float widths, integer
    tensors and NumPy scalars go to the op itself, which follows PyTorch's rules.
    """
    if node.dtype is None or node.dtype.kind != "f" or node.kwargs:
        return False
    for arg in node.args:
        if isinstance(arg, Node):
            if arg.dtype is None or (arg.dtype != node.dtype and arg.dtype.kind != "b"):
                return False
        elif not _number(arg):
            return False
    return True


def _floats_ignoring(node, positions) -> bool:
    """``_floats`` for the arguments outside ``positions`` (shapes, dims: checked by the caller)."""
    kept = [a for i, a in enumerate(node.args) if i not in set(positions)]
    probe = Node(node.name, "op", node.target, kept, None, node.shape, node.dtype)
    return _floats(probe)


def _compare(node) -> bool:
    """A comparison of a float tensor with a tensor of its dtype or a number: a bool result."""
    if node.dtype is None or node.dtype.kind != "b" or node.kwargs or len(node.args) != 2:
        return False
    left, right = node.args
    if not isinstance(left, Node) or left.dtype is None or left.dtype.kind != "f":
        return False
    return _number(right) or (isinstance(right, Node) and right.dtype == left.dtype)


def _shape_is(position):
    """A tensor, then a shape spelled out in full (no -1) that is the result's shape."""
    return lambda node: (len(node.args) == position + 1 and isinstance(node.args[0], Node) and not node.kwargs
                         and isinstance(node.args[position], (tuple, list))
                         and all(type(n) is int for n in node.args[position])
                         and tuple(node.args[position]) == node.shape)


def _all_reduced(node) -> bool:
    """``Sum``/``Mean`` over everything: ``(x, None, False, None)``."""
    return (len(node.args) == 4 and node.args[1:] == (None, False, None) and isinstance(node.args[0], Node)
            and _floats_ignoring(node, (1, 2, 3)))


def _lower_bound(node) -> bool:
    return len(node.args) == 3 and node.args[2] is None and _number(node.args[1]) and _floats_ignoring(node, (2,))


def _upper_bound(node) -> bool:
    return len(node.args) == 3 and node.args[1] is None and _number(node.args[2]) and _floats_ignoring(node, (1,))


def _sum_to_size(node, args) -> str:
    """``SumToSize``'s forward: sum the broadcast dims, keep the rest (a copy when nothing is summed)."""
    source, shape = node.args[0].shape, tuple(node.args[1])
    lead = len(source) - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and source[lead + i] != 1)
    if not dims:
        return f"{args[0]}.copy()"
    return f"{args[0]}.sum(axis={dims!r}, keepdims=True).reshape({args[1]})"


def _axes(node) -> bool:
    """``Permute(x, dims)``: one int per dim of ``x``, a permutation once taken modulo the rank."""
    if len(node.args) != 2 or not isinstance(node.args[0], Node) or node.kwargs:
        return False
    source, dims = node.args
    rank = len(source.shape or ())
    return (isinstance(dims, (tuple, list)) and len(dims) == rank and all(type(d) is int for d in dims)
            and sorted(d % max(rank, 1) for d in dims) == list(range(rank)))


def _matrices(node) -> bool:
    return (len(node.args) == 2 and all(isinstance(a, Node) and a.shape is not None and len(a.shape) == 2
                                        for a in node.args) and _floats(node))


def _ufunc(expression, ufunc, order="{0}, {1}", accepts=_floats):
    """A template for a NumPy/CuPy ufunc: the expression, and the same ufunc writing into a dead buffer."""
    return Template(expression, f"xp.{ufunc}({order}, out={{out}})", accepts=accepts)


def _unary(ufunc):
    return Template(f"xp.{ufunc}({{0}})", f"xp.{ufunc}({{0}}, out={{out}})", accepts=_floats)


def _view(expression, accepts):
    return Template(expression, fresh=False, accepts=accepts)


# ------------------------------------------------------------------ the templates
# Key: the Function class of a FunctionTarget, ("method", name) of a MethodTarget, "getitem" for GetItem.
# Value: templates tried in order; the first whose guard accepts the node is used.
TEMPLATES = {
    elementwise.Add: [_ufunc("{0} + {1}", "add")],
    elementwise.Sub: [_ufunc("{0} - {1}", "subtract")],
    elementwise.Mul: [_ufunc("{0} * {1}", "multiply")],
    elementwise.Div: [_ufunc("{0} / {1}", "divide")],
    elementwise.Rsub: [_ufunc("{1} - {0}", "subtract", order="{1}, {0}")],
    elementwise.Neg: [_ufunc("-{0}", "negative", order="{0}")],
    elementwise.PowScalar: [_ufunc("{0} ** {1}", "power")],
    elementwise.Maximum: [_ufunc("xp.maximum({0}, {1})", "maximum")],
    elementwise.Minimum: [_ufunc("xp.minimum({0}, {1})", "minimum")],
    elementwise.Clamp: [_ufunc("xp.maximum({0}, {1})", "maximum", accepts=_lower_bound),
                        _ufunc("xp.minimum({0}, {2})", "minimum", order="{0}, {2}", accepts=_upper_bound)],
    elementwise.Relu: [_ufunc("xp.maximum({0}, 0)", "maximum", order="{0}, 0")],
    elementwise.Exp: [_unary("exp")],
    elementwise.Log: [_unary("log")],
    elementwise.Sqrt: [_unary("sqrt")],
    elementwise.Sin: [_unary("sin")],
    elementwise.Cos: [_unary("cos")],
    elementwise.Tanh: [_unary("tanh")],
    linalg.Mm: [Template("{0} @ {1}", accepts=_matrices)],
    reductions.Sum: [Template("{0}.sum()", accepts=_all_reduced)],
    reductions.Mean: [Template("{0}.mean()", accepts=_all_reduced)],
    reductions.SumToSize: [Template(_sum_to_size, accepts=lambda node: _shape_is(1)(node)
                                    and _floats_ignoring(node, (1,)))],
    movement.T: [_view("{0}.T", accepts=lambda node: _floats(node) and len(node.shape) <= 2)],
    movement.Permute: [_view("xp.transpose({0}, {1})", accepts=_axes)],
    movement.Expand: [_view("xp.broadcast_to({0}, {1})", accepts=_shape_is(1))],
    movement.Reshape: [_view("{0}.reshape({1})", accepts=_shape_is(1))],
    movement.View: [_view("{0}.reshape({1})", accepts=_shape_is(1))],
    ("method", "__gt__"): [_ufunc("{0} > {1}", "greater", accepts=_compare)],
    ("method", "__ge__"): [_ufunc("{0} >= {1}", "greater_equal", accepts=_compare)],
    ("method", "__lt__"): [_ufunc("{0} < {1}", "less", accepts=_compare)],
    ("method", "__le__"): [_ufunc("{0} <= {1}", "less_equal", accepts=_compare)],
    "getitem": [_view("{0}[{1}]", accepts=lambda node: True)],
}


def template_key(target):
    """The key of ``TEMPLATES`` for an op node's target (None for targets that have no templates)."""
    from .targets import FunctionTarget, GetItem, MethodTarget

    if isinstance(target, FunctionTarget):
        return target.function
    if isinstance(target, MethodTarget):
        return ("method", target.method)
    if isinstance(target, GetItem):
        return "getitem"
    return None


def template_for(node):
    """``(key, template)`` that writes ``node`` as array code, or ``(key, None)`` when none applies."""
    key = template_key(node.target)
    if any(isinstance(a, ArrayOf) for a in walk_values(node.args)):
        return key, None
    for template in TEMPLATES.get(key, ()):
        if template.accepts(node):
            return key, template
    return key, None
