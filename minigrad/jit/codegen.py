"""Write a ``StaticGraph`` out as Python source, and compile that source into the function that replays it.

The generated function takes the inputs as arguments; parameters, constants and Python objects that have no
literal spelling (NumPy index arrays, dtypes, fused kernels) are names bound in the function's globals. A
parameter is bound to the live tensor, so an in-place update to a weight is what the next run reads.

    def forward(x, y):
        mm = Mm.apply(x, w1)
        clamp = Clamp.apply(mm, 0, None)
        ...
        return sum_1
"""
from __future__ import annotations

import builtins
import keyword
import math

import minigrad

from ..autograd import grad_mode
from .graph import spell_value
from .targets import saved_for_backward


class CodeNames:
    """The global names of a generated function: fresh ones for helpers, and literals bound to names.

    ``namespace``: the function's globals (filled here); ``taken``: names already used (node names).
    """

    def __init__(self, namespace, taken):
        self.namespace = namespace
        self.taken = set(namespace) | set(taken)
        self.literal_names = {}  # id(object) -> name in namespace
        self.function_names = {}  # Function class -> name in namespace

    def fresh(self, stem: str) -> str:
        stem = stem if stem.isidentifier() and not keyword.iskeyword(stem) else "literal"
        name, suffix = stem, 1
        while name in self.taken or hasattr(builtins, name):
            name = f"{stem}_{suffix}"
            suffix += 1
        self.taken.add(name)
        return name

    def spell_literal(self, value) -> str:
        """Python source for a value that is not a node or a container of them."""
        if value is None or value is Ellipsis or type(value) in (bool, int, str):
            return repr(value)
        if type(value) is float and math.isfinite(value):
            return repr(value)
        # No literal spelling: bind the object to a name in the function's globals.
        key = id(value)
        if key not in self.literal_names:
            stem = getattr(value, "code_name", None) or str(value)
            name = self.fresh(stem if len(stem) <= 24 else "literal")
            self.literal_names[key] = name
            self.namespace[name] = value
        return self.literal_names[key]


    def function_name(self, function) -> str:
        """The global name an op's Function class is called by (``Mm`` for ``Mm.apply(...)``)."""
        if function not in self.function_names:
            self.function_names[function] = self.fresh(function.__name__)
            self.namespace[self.function_names[function]] = function
        return self.function_names[function]


def generate(graph):
    """``(source, function)`` for ``graph``: the code as text and the compiled function that runs it."""
    if graph.on_arrays:  # no autograd inside: plain array code (lowering.py)
        from .lowering import generate_arrays

        return generate_arrays(graph)
    namespace = {"torch": minigrad, "no_grad": grad_mode.no_grad, "enable_grad": grad_mode.enable_grad,
                 "saved_for_backward": saved_for_backward}
    names = CodeNames(namespace, {n.name for n in graph.nodes})
    spell_literal = names.spell_literal

    def spell(value) -> str:
        """Python source for one argument."""
        return spell_value(value, spell_literal)

    header = []
    for n in graph.nodes:
        if n.kind in ("param", "const"):
            namespace[n.name] = n.target
        if n.kind == "param":
            header.append(f"    # {n.name}: parameter {list(n.shape)} (the live tensor: in-place updates are seen)")
        elif n.kind == "const":
            header.append(f"    # {n.name}: constant {list(n.shape)} (copied at trace time)")

    body = []
    open_mode = None  # grad mode of the `with` block we are writing into, or None outside any block
    for n in graph.nodes:
        if n.kind != "op":
            continue
        if n.grad_mode != open_mode:
            if n.grad_mode is not None:
                body.append("    with no_grad():" if n.grad_mode is False else "    with enable_grad():")
            open_mode = n.grad_mode
        indent = "    " if open_mode is None else "        "
        global_name = names.function_name(n.target.function) if n.target.is_function else ""
        args = [spell(a) for a in n.args]
        kwargs = [f"{k}={spell(v)}" for k, v in n.kwargs.items()]
        comment = getattr(getattr(n.target, "function", None), "code_comment", None)
        if comment is not None:  # e.g. a fused node shows the chain of ops it runs
            body.extend(f"{indent}# {line}" for line in comment(n.args, spell))
        body.extend(indent + line for line in n.target.code_lines(n.name, args, kwargs, global_name))

    output = graph.output.args[0] if graph.output.args else None
    parameters = ", ".join(n.name for n in graph.inputs)
    source = "\n".join([f"def {graph.name}({parameters}):", *header, *body, f"    return {spell(output)}", ""])
    exec(compile(source, f"<minigrad.jit {graph.name}>", "exec"), namespace)  # noqa: S102
    return source, namespace[graph.name]
