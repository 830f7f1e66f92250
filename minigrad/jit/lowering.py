"""Compiling a graph that needs no autograd into one plain Python function of array calls.

A gradient graph (``grad_graph``) runs every op under ``no_grad``: nothing is recorded, so the tensors, the
``Function.apply`` calls and their bookkeeping are pure overhead. Once the graph is known, what is left to do
is arithmetic, and this module writes exactly that:

    def forward_and_gradients(x, y):
        x, y = x._array, y._array                    # tensors in, arrays inside
        w1, w2 = parameter_w1._array, parameter_w2._array   # parameters read live, on every call
        xp = namespace_of(x)                         # NumPy or CuPy, whatever the input lives on
        mm = x @ w1
        clamp = xp.maximum(mm, 0)
        ...
        mul_2 = xp.multiply(mm_2, ge, out=mm_2)      # mm_2 is dead after this line: its buffer is reused
        ...
        return wrap(sum_1), wrap(grad_w1), wrap(grad_w2)

* each op is spelled by its template (``templates.py``, the one place ops are written as array code); an op
  without one, or outside what its template covers, is run as itself on tensors wrapping the arrays
  (``Clamp.apply(as_tensor(a), -1.0, 1.0)``), so every graph compiles and computes what eager computes;
* buffers are reused where the graph proves it safe (``plan_buffers``): an element-wise op writes into an
  argument's array when that array was made inside the function (not an input, parameter or constant, not
  returned), has the result's shape and dtype, and nothing -- no view of it either -- reads it afterwards;
* constants were folded before (``passes.constant_folding``); they are bound as arrays.
"""
from __future__ import annotations

import math

import minigrad

from .._tensor import Tensor
from ..autograd import grad_mode
from .._device import get_default_device
from ..backend import backend_for_device, backend_of, namespace_of
from .codegen import CodeNames
from .graph import ArrayOf, Node, spell_value
from .targets import saved_for_backward
from .templates import template_for

# Backends whose ufuncs take ``out=`` (array-api-strict, the strict test device, does not).
_BUFFER_BACKENDS = ("numpy", "cupy")
_NEVER = math.inf


def lowerable(graph) -> bool:
    """Can ``graph`` run as plain array code? Every op is recorded under ``no_grad`` (nothing would be
    recorded anyway: a gradient graph) and none writes in place (those must change the live tensors)."""
    return bool(graph.ops) and all(n.grad_mode is False and n.pure for n in graph.ops)


def as_tensor(array):
    """A tensor around ``array`` (outside any graph), for an op that has no template."""
    return Tensor._make(array, False, None, 0)


def arrays_of(value):
    """The arrays of what an op without a template returned (a tensor, or a tuple of them)."""
    if isinstance(value, Tensor):
        return value._array
    if isinstance(value, (tuple, list)):
        return type(value)(arrays_of(v) for v in value)
    return value


def plan_buffers(graph, choices, allowed: bool = True) -> dict:
    """``{id(node): argument node}``: the ops that may write their result into that argument's array.

    ``choices``: ``{id(node): template or None}``. Arrays are tracked by *storage*: a view (``.T``,
    ``reshape``) shares its argument's storage, and an op run on tensors (no template) may return a view of
    any argument, so it shares all of theirs and its own is never reused. A storage is free once the last
    reader of every value living in it has run.
    """
    if not allowed:
        return {}
    position = {id(n): i for i, n in enumerate(graph.nodes)}
    last_read = {}
    for n, readers in graph.users().items():
        last_read[id(n)] = max((_NEVER if r.kind == "output" else position[id(r)] for r in readers), default=-1)
    storage = {}  # id(node) -> the storage (a list of the nodes living in it) its value lives in
    reusable = set()  # ids of storages made inside the function, never seen outside it
    writes_into = {}
    for n in graph.nodes:
        if n.kind != "op":
            storage[id(n)] = [n]
            continue
        sources = [a for a in n.input_nodes()]
        template = choices.get(id(n))
        if template is None:  # run as the op itself: may alias any argument, so it joins them all
            storage[id(n)] = [n]
            for source in sources:
                storage[id(source)].append(n)
            continue
        if not template.fresh:  # a view: lives in its argument's storage
            shared = storage[id(sources[0])] if sources else [n]
            shared.append(n)
            storage[id(n)] = shared
            continue
        if template.in_place is not None:
            for source in sources:
                shared = storage[id(source)]
                if (id(shared) in reusable and source.shape == n.shape and source.dtype == n.dtype
                        and max(last_read[id(m)] for m in shared) == position[id(n)]):
                    writes_into[id(n)] = source
                    shared.append(n)
                    storage[id(n)] = shared
                    break
        if id(n) not in storage:
            storage[id(n)] = [n]
            if n.shape and n.dtype is not None:  # 0-d results may be NumPy scalars: no buffer to reuse
                reusable.add(id(storage[id(n)]))
    return writes_into


def generate_arrays(graph, boundary="tensors", reuse_buffers=True):
    """``(source, function)``: ``graph`` as one Python function of array calls (see the module docstring).

    ``boundary``: ``"tensors"`` (tensors in, tensors out: ``graph(*inputs)``) or ``"arrays"`` (arrays in and
    out: a fused kernel's body). ``reuse_buffers``: write into dead buffers where the graph allows it.
    """
    wrap_tensors = boundary == "tensors"
    namespace = {"minigrad": minigrad, "torch": minigrad, "no_grad": grad_mode.no_grad,
                 "saved_for_backward": saved_for_backward}
    names = CodeNames(namespace, {n.name for n in graph.nodes})
    spell_literal = names.spell_literal
    helpers = {stem: names.fresh(stem) for stem in ("xp", "wrap", "as_tensor", "arrays_of", "namespace_of")}
    namespace.update({helpers["wrap"]: as_tensor, helpers["as_tensor"]: as_tensor,
                      helpers["arrays_of"]: arrays_of, helpers["namespace_of"]: namespace_of})
    xp = helpers["xp"]

    choices = {id(n): template_for(n)[1] for n in graph.ops}
    examples = [n.target for n in graph.nodes if n.kind in ("param", "const")] + list(graph.example_inputs)
    allowed = reuse_buffers and all(backend_of(t._array).name in _BUFFER_BACKENDS for t in examples)
    writes_into = plan_buffers(graph, choices, allowed)

    lines = []
    inputs = [n.name for n in graph.inputs]
    if inputs and wrap_tensors:
        lines.append(f"{', '.join(inputs)} = {', '.join(f'{name}._array' for name in inputs)}")
    params = graph.parameters
    if params:
        for n in params:
            namespace[f"parameter_{n.name}"] = n.target
        lines.append(f"{', '.join(n.name for n in params)} = "
                     f"{', '.join(f'parameter_{n.name}._array' for n in params)}")
    for n in graph.constants:
        namespace[n.name] = n.target._array
    first = inputs[0] if inputs else params[0].name if params else graph.constants[0].name if graph.constants else None
    if first is not None:
        lines.append(f"{xp} = {helpers['namespace_of']}({first})")
    else:
        namespace[xp] = backend_for_device(get_default_device().type).xp  # a graph of no arrays at all

    for n in graph.ops:
        template = choices[id(n)]
        if template is not None:
            args = [spell_value(a, spell_literal) for a in n.args]
            out = writes_into.get(id(n))
            code = template.spell(n, args, out.name if out is not None else None)
            lines.append(f"{n.name} = {code.replace('xp.', xp + '.')}")
            continue
        # No template: the op itself, on tensors wrapping the arrays (ArrayOf arguments stay arrays).
        def tensor_of(source):
            return f"{helpers['as_tensor']}({source.name})"

        args = [_spell_with(a, tensor_of, spell_literal) for a in n.args]
        kwargs = [f"{k}={_spell_with(v, tensor_of, spell_literal)}" for k, v in n.kwargs.items()]
        global_name = names.function_name(n.target.function) if n.target.is_function else ""
        lines.append(f"# {n.target.display}: no array template here, so the op runs on tensors")
        lines.extend(n.target.code_lines(n.name, args, kwargs, global_name))
        lines.append(f"{n.name} = {helpers['arrays_of']}({n.name})")

    output = graph.output.args[0] if graph.output.args else None
    returned = _spell_with(output, lambda source: f"{helpers['wrap']}({source.name})" if wrap_tensors
                           else source.name, spell_literal)
    if isinstance(output, tuple) and output:
        returned = returned[1:-1]  # `return a, b` (and `return a,` for one value)
    lines.append(f"return {returned}")
    header = f"def {graph.name}({', '.join(inputs)}):"
    source = "\n".join([header, *("    " + line for line in lines), ""])
    exec(compile(source, f"<minigrad.jit {graph.name}>", "exec"), namespace)  # noqa: S102
    return source, namespace[graph.name]


def _spell_with(value, node_text, spell_literal) -> str:
    """``value`` as code: nodes by ``node_text(node)``, ``ArrayOf(node)`` as the array itself."""
    if isinstance(value, Node):
        return node_text(value)
    if isinstance(value, ArrayOf):
        return value.node.name
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_spell_with(v, node_text, spell_literal) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, slice):
        parts = (_spell_with(v, node_text, spell_literal) for v in (value.start, value.stop, value.step))
        return "slice(" + ", ".join(parts) + ")"
    return spell_literal(value)


