"""Optimisations of a ``StaticGraph``, the kind a static-graph framework runs once before the first ``run``.

Each pass takes a graph and returns a new one that computes the same outputs (and, replayed, the same
gradients); the graph it was given is left as it was. With ``verbose=True`` a pass prints the table of the graph
before and after, so you can watch it work:

* ``constant_folding``       -- an op whose inputs are all constants is run once, now; its result becomes a
  constant. (Parameters are not constants: training changes them.)
* ``common_subexpression_elimination`` -- two nodes doing the same op on the same values become one.
* ``dead_code_elimination``  -- ops whose results nobody uses are dropped (in-place writes are kept: they are
  there for their effect), and so are unused constants and parameters.
* ``fuse_elementwise``       -- a chain of element-wise ops (``mul -> add -> tanh``) becomes one
  ``FusedElementwise`` node (see ``fusion.py``).
* ``compile_to_arrays``      -- a graph that needs no autograd (a gradient graph) runs as one plain Python
  function of array calls (see ``lowering.py``).
* ``compile_with_autograd``  -- a graph run with autograd becomes one node whose forward and backward are
  both compiled array code (see ``compiled.py``).

``optimize(graph)`` runs the passes that pay on that graph (``choose_passes``: measured, see
``benchmarks/README.md``); ``optimize(graph, DEFAULT_PASSES)`` runs the first four in that order.
"""
from __future__ import annotations

import math

from .. import _tensor
from ..autograd import grad_mode
from ..ops import elementwise
from .fusion import FusedElementwise, FusedKernel, KernelInput, KernelStep
from .graph import ArrayOf, Node, StaticGraph, iterate_nodes, map_nodes, walk_values
from .lowering import lowerable
from .targets import FunctionTarget

Tensor = _tensor.Tensor


def _is_elementwise_function(value) -> bool:
    return (isinstance(value, type) and issubclass(value, elementwise.Function) and value._builtin
            and value.__module__ == elementwise.__name__ and not value.__name__.startswith("_"))


# The ops fuse_elementwise may put into one node: every Function of minigrad/ops/elementwise.py.
ELEMENTWISE_FUNCTIONS = frozenset(v for v in vars(elementwise).values() if _is_elementwise_function(v))


def _rebuild(graph, new_nodes, name=None) -> StaticGraph:
    return StaticGraph(new_nodes, graph.example_inputs, name or graph.name)


def _copy_nodes(nodes, keep=lambda n: True, replace=None):
    """Copies of the ``nodes`` that ``keep`` accepts, with references redirected through ``replace``.

    ``replace``: old node -> the node that now stands for it (default: its copy).
    """
    copies = {}
    replace = dict(replace or {})

    def lookup(old):
        old = replace.get(id(old), old)
        return copies.get(id(old), old)

    result = []
    for n in nodes:
        if not keep(n):
            continue
        copy = Node(n.name, n.kind, n.target, map_nodes(n.args, lookup), map_nodes(n.kwargs, lookup),
                    n.shape, n.dtype, n.grad_mode)
        copies[id(n)] = copy
        result.append(copy)
    return result


def _report(name, before, after, verbose) -> StaticGraph:
    if verbose:
        print(f"{name}: {len(before)} nodes -> {len(after)} nodes")
        print("before:")
        print(before.tabular())
        print("after:")
        print(after.tabular())
        print()
    return after


# ---------------------------------------------------------------------------------- constant folding
def constant_folding(graph: StaticGraph, verbose: bool = False) -> StaticGraph:
    """Run every pure op whose tensor inputs are all constants now, and keep its result as a constant.

    In a graph that runs without autograd (a gradient graph), constants also simplify the arithmetic they
    meet (``_simplify``): ``x ** 1`` is ``x``, and a constant tensor filled with one number ``c`` (the ``2 *
    ones`` that backward makes for ``(y - t).pow(2).sum()``) is multiplied, added... as the number ``c``,
    ``x * 1`` being ``x``. The results are the same bits. The folded ops' own constant inputs usually become
    unused; ``dead_code_elimination`` removes them.
    """
    values = {id(n): n.target for n in graph.nodes if n.kind == "const"}  # node -> its constant tensor
    written = _written_in_place(graph)
    folded = {}  # id(op node) -> the const node that replaces it
    new_nodes = []
    for n in graph.nodes:
        if (n.kind == "op" and n.pure and id(n) not in written
                and all(id(source) in values for source in n.input_nodes())):
            with grad_mode.no_grad():
                result = n.target.call(*_with_values(n.args, values), **_with_values(n.kwargs, values))
            if isinstance(result, Tensor):
                constant = Node(n.name, "const", target=result.detach(), shape=tuple(result._array.shape),
                                dtype=result._array.dtype)
                values[id(n)] = constant.target
                folded[id(n)] = constant
                new_nodes.append(constant)
                continue
        if n.kind == "op" and n.grad_mode is False and id(n) not in written:
            n = _simplify(n, values, folded)
            if n is None:
                continue
        new_nodes.append(n)
    result = _rebuild(graph, _copy_nodes(new_nodes, replace=folded))
    return _report("constant_folding", graph, result, verbose)


_BY_NUMBER = (elementwise.Mul, elementwise.Add, elementwise.Sub, elementwise.Div)


def _simplify(n, values, replaced):
    """``n`` with uniform constants as numbers, or None when it is an identity (``replaced`` says by what)."""
    if not isinstance(n.target, FunctionTarget) or n.kwargs:
        return n
    function = n.target.function
    if function is elementwise.PowScalar and n.args[1] == 1 and type(n.args[1]) is int:
        source = n.args[0]
        if isinstance(source, Node) and source.shape == n.shape and source.dtype == n.dtype:
            replaced[id(n)] = replaced.get(id(source), source)
            return None
    if function not in _BY_NUMBER or len(n.args) != 2 or n.dtype is None or n.dtype.kind != "f":
        return n
    args = list(n.args)
    for position, arg in enumerate(args):
        other = args[1 - position]
        if (id(arg) in values and isinstance(other, Node) and other.shape == n.shape and other.dtype == n.dtype
                and arg.dtype == n.dtype):
            array = values[id(arg)]._array
            first = array.reshape(-1)[:1]
            if array.size and bool((array == first).all()) and array.ndim <= len(n.shape):
                args[position] = float(first[0])
    if function is elementwise.Mul and 1.0 in args and any(isinstance(a, Node) for a in args):
        source = args[1 - args.index(1.0)]
        if isinstance(source, Node):
            replaced[id(n)] = replaced.get(id(source), source)
            return None
    if args == list(n.args):
        return n
    simpler = Node(n.name, n.kind, n.target, tuple(args), n.kwargs, n.shape, n.dtype, n.grad_mode)
    replaced[id(n)] = simpler
    return simpler


def _with_values(structure, values):
    """An args structure with each node replaced by its constant tensor."""
    if isinstance(structure, Node):
        return values[id(structure)]
    if isinstance(structure, ArrayOf):
        return values[id(structure.node)]._array
    if isinstance(structure, tuple):
        return tuple(_with_values(v, values) for v in structure)
    if isinstance(structure, list):
        return [_with_values(v, values) for v in structure]
    if isinstance(structure, dict):
        return {k: _with_values(v, values) for k, v in structure.items()}
    if isinstance(structure, slice):
        return slice(*(_with_values(v, values) for v in (structure.start, structure.stop, structure.step)))
    return structure


def _written_in_place(graph) -> set:
    """Ids of the nodes an in-place op writes into: their value must stay a fresh tensor of its own."""
    return {id(n.args[0]) for n in graph.nodes if n.kind == "op" and not n.pure and n.args
            and isinstance(n.args[0], Node)}


# ---------------------------------------------------------------------------------- dead code elimination
def dead_code_elimination(graph: StaticGraph, verbose: bool = False) -> StaticGraph:
    """Drop ops nobody reads (except in-place writes, kept for their effect) and unused params/constants.

    Inputs stay, even unused ones: they are the graph's signature.
    """
    live = set()
    stack = [graph.output] + [n for n in graph.nodes if n.kind == "op" and not n.pure]
    while stack:
        n = stack.pop()
        if id(n) in live:
            continue
        live.add(id(n))
        stack.extend(iterate_nodes((n.args, tuple(n.kwargs.values()))))
    result = _rebuild(graph, _copy_nodes(graph.nodes, keep=lambda n: n.kind == "input" or id(n) in live))
    return _report("dead_code_elimination", graph, result, verbose)


# ---------------------------------------------------------------------------------- CSE
def common_subexpression_elimination(graph: StaticGraph, verbose: bool = False) -> StaticGraph:
    """Merge pure nodes that compute the same thing: same op on the same values, or equal constants."""
    seen = {}  # key -> the node kept
    replace = {}  # id(dropped node) -> kept node
    kept = []
    written = _written_in_place(graph)

    def canonical(n):
        return replace.get(id(n), n)

    for n in graph.nodes:
        key = None
        if id(n) in written:
            pass  # written into in place later: sharing it with a twin would leak the write
        elif n.kind == "op" and n.pure:
            key = ("op", n.target.key(), n.grad_mode, _key(n.args, canonical), _key(n.kwargs, canonical))
        elif n.kind == "const" and n.target._array.size <= 4096:
            array = n.target._array
            key = ("const", array.dtype.str, array.shape, array.tobytes())
        if key is not None:
            previous = seen.get(key)
            if previous is not None:
                replace[id(n)] = previous
                continue
            seen[key] = n
        kept.append(n)
    result = _rebuild(graph, _copy_nodes(kept, replace=replace))
    return _report("common_subexpression_elimination", graph, result, verbose)


def _key(structure, canonical):
    """A hashable description of an argument structure: nodes by identity, Python values by value."""
    if isinstance(structure, Node):
        return ("node", id(canonical(structure)))
    if isinstance(structure, ArrayOf):
        return ("array", id(canonical(structure.node)))
    if isinstance(structure, (tuple, list)):
        return (type(structure).__name__,) + tuple(_key(v, canonical) for v in structure)
    if isinstance(structure, dict):
        return ("dict",) + tuple((k, _key(v, canonical)) for k, v in sorted(structure.items()))
    if isinstance(structure, slice):
        return ("slice", _key(structure.start, canonical), _key(structure.stop, canonical),
                _key(structure.step, canonical))
    if structure is None or type(structure) in (bool, int, str) or structure is Ellipsis:
        return (type(structure).__name__, structure)
    if type(structure) is float and not math.isnan(structure):
        return ("float", structure)
    return ("object", id(structure))


# ---------------------------------------------------------------------------------- fusion
def fuse_elementwise(graph: StaticGraph, verbose: bool = False) -> StaticGraph:
    """Replace each chain (or tree) of element-wise ops by one ``FusedElementwise`` node.

    An op joins the group of the op that reads it when it is read by that op only (and is not a graph output):
    then nobody else needs its value, and the group can compute it internally. A group of one is left alone.
    """
    users = graph.users()
    group_of = {}  # id(node) -> id of its group's root

    def root(n):
        while group_of.get(id(n), id(n)) != id(n):
            n = by_id[group_of[id(n)]]
        return n

    by_id = {id(n): n for n in graph.nodes}
    # A group runs where its last member stood, so its other members move down the list: one that reads a
    # value some in-place op writes into could move past that write and read the new values. It stays out.
    written = _written_in_place(graph)
    fusible = {id(n) for n in graph.nodes
               if _fusible(n) and not any(id(source) in written for source in n.input_nodes())}
    for n in graph.nodes:  # in execution order: producers are placed before their readers
        if id(n) not in fusible:
            continue
        for source in n.input_nodes():
            readers = users[source]
            if (id(source) in fusible and source.grad_mode == n.grad_mode
                    and all(reader is n for reader in readers)):
                group_of[id(root(source))] = id(n)
    members = {}
    for n in graph.nodes:
        if id(n) in fusible:
            members.setdefault(id(root(n)), []).append(n)

    new_nodes, replace = [], {}
    absorbed = {id(m) for group in members.values() if len(group) > 1 for m in group}
    for n in graph.nodes:
        group = members.get(id(n))
        if group is not None and len(group) > 1:
            fused = _fuse(group, graph)
            replace[id(n)] = fused
            new_nodes.append(fused)
        elif id(n) not in absorbed:
            new_nodes.append(n)
    result = _rebuild(graph, _copy_nodes(new_nodes, replace=replace))
    return _report("fuse_elementwise", graph, result, verbose)


def _fusible(n) -> bool:
    if n.kind != "op" or not isinstance(n.target, FunctionTarget) or n.kwargs:
        return False
    if n.target.function not in ELEMENTWISE_FUNCTIONS:
        return False
    return not any(isinstance(v, ArrayOf) for v in walk_values(n.args))


def _fuse(group, graph) -> Node:
    """One FusedElementwise node for ``group`` (in execution order; the last member is the result)."""
    position = {id(m): i for i, m in enumerate(group)}
    inputs = []

    def reference(n):
        if id(n) in position:
            return KernelStep(position[id(n)])
        for i, existing in enumerate(inputs):
            if existing is n:
                return KernelInput(i)
        inputs.append(n)
        return KernelInput(len(inputs) - 1)

    steps = []
    for m in group:
        args = tuple(reference(a) if isinstance(a, Node) else a for a in m.args)
        steps.append((m.target.function, args))
    kernel = FusedKernel(steps, [n.name for n in inputs], [m.name for m in group],
                         [(n.shape, n.dtype) for n in inputs], [(m.shape, m.dtype) for m in group])
    result = group[-1]
    # The fused node takes the name of the value it produces, so the code after it reads the same.
    return Node(result.name, "op", target=FunctionTarget(FusedElementwise), args=(kernel, *inputs),
                shape=result.shape, dtype=result.dtype, grad_mode=result.grad_mode)


# ---------------------------------------------------------------------------------- compiling to arrays
def compile_to_arrays(graph: StaticGraph, verbose: bool = False) -> StaticGraph:
    """The same graph, run as one plain Python function of array calls (``lowering.py``).

    Only for graphs that need no autograd (every op recorded under ``no_grad``, as in a gradient graph, and no
    in-place writes); any other graph is returned as it is. ``graph.code`` then shows the array code.
    """
    if not lowerable(graph):
        if verbose:
            print("compile_to_arrays: skipped (the graph records autograd or writes in place: it runs on tensors)")
            print()
        return graph
    result = StaticGraph(_copy_nodes(graph.nodes), graph.example_inputs, graph.name, on_arrays=True)
    if verbose:
        print("compile_to_arrays: the graph runs as plain array code")
        print(result.code)
    return result


# ---------------------------------------------------------------------------------- all of them
DEFAULT_PASSES = (constant_folding, common_subexpression_elimination, dead_code_elimination, fuse_elementwise)


def choose_passes(graph: StaticGraph) -> list:
    """The passes ``optimize`` runs on ``graph`` by default: ``[(pass, None) or (pass, why it is skipped)]``.

    Folding, merging and dead-code removal only ever remove work: always. The rest was measured
    (``benchmarks/jit_eager_vs_traced.py``, ``benchmarks/README.md``):

    * a graph that needs no autograd (a gradient graph) is compiled to plain array code
      (``compile_to_arrays``); fusion is skipped there, because the compiled code already makes a chain one
      pass over one buffer (in-place ufuncs) without a kernel call per chain;
    * a graph run with autograd becomes one compiled node (``compile_with_autograd``) when it can: pure ops,
      one floating-point output (1.1x eager on the two-layer net, 3.7x on the tanh chain); fusion is then
      moot;
    * otherwise ``fuse_elementwise`` runs where the Python work it saves outweighs the recomputation its
      backward does: on tensors up to ``FUSION_MAX_ELEMENTS`` (``fusion_pays``).
    """
    chosen = [(constant_folding, None), (common_subexpression_elimination, None), (dead_code_elimination, None)]
    if lowerable(graph):
        chosen.append((fuse_elementwise, "the compiled array code reuses buffers instead"))
        chosen.append((compile_to_arrays, None))
    elif compilable_with_autograd(graph):
        chosen.append((compile_with_autograd, None))
        chosen.append((fuse_elementwise, "the whole graph is one compiled node"))
    else:
        reason = fusion_pays(graph)
        chosen.append((fuse_elementwise, reason))
    return chosen


def compilable_with_autograd(graph: StaticGraph) -> bool:
    """Can ``compile_with_autograd`` take ``graph``: pure ops on inputs and parameters, one tensor out."""
    output = graph.output.args[0] if graph.output.args else None
    return (bool(graph.ops) and all(n.pure and n.grad_mode is None for n in graph.ops)
            and isinstance(output, Node) and output.kind == "op" and output.dtype is not None
            and output.dtype.kind == "f")


def compile_with_autograd(graph: StaticGraph, verbose: bool = False) -> StaticGraph:
    """The whole graph as one autograd node whose forward and backward are compiled array code
    (``compiled.py``): ``output = CompiledGraph.apply(compiled, *inputs, *parameters)``."""
    from .compiled import CompiledGraph, CompiledTrace

    if not compilable_with_autograd(graph):
        return graph
    inputs = _copy_nodes(graph.inputs)
    params = _copy_nodes(graph.parameters)
    output = graph.output.args[0]
    node = Node(output.name, "op", FunctionTarget(CompiledGraph), (CompiledTrace(graph), *inputs, *params),
                shape=output.shape, dtype=output.dtype)
    result = StaticGraph([*inputs, *params, node, Node("output", "output", args=(node,))], graph.example_inputs,
                         graph.name)
    return _report("compile_with_autograd", graph, result, verbose)


def fusion_pays(graph: StaticGraph):
    """None if fusing ``graph``'s element-wise chains pays, else why not (see ``FUSION_MAX_ELEMENTS``)."""
    largest = max((_elements(n) for n in graph.ops if _fusible(n)), default=0)
    if largest > FUSION_MAX_ELEMENTS:
        return (f"its element-wise values have up to {largest} elements; with autograd a fused node pays up to "
                f"{FUSION_MAX_ELEMENTS} (FUSION_MAX_ELEMENTS, measured)")
    return None


def _elements(n) -> int:
    count = 1
    for side in n.shape or ():
        count *= side
    return count


# Measured with benchmarks/jit_fusion_kernels.py (table in benchmarks/README.md). With autograd a fused node
# saves each op's Python work (its node, its backward call) and writes one buffer instead of one per op, but
# its backward recomputes the chain. It paid at every size measured: 2.1-2.2x faster than separate nodes at 16
# elements, 1.7x at 4096, 1.1x at 65536 and at 2**20. Beyond 2**20 elements it was not measured, so it is not
# assumed to pay there.
FUSION_MAX_ELEMENTS = 2 ** 20


def optimize(graph: StaticGraph, passes=None, verbose: bool = False) -> StaticGraph:
    """Optimise ``graph``: fold constants, merge duplicates, drop dead code, then fuse or compile.

    ``passes``: the passes to run, in order (``DEFAULT_PASSES`` runs all four graph passes); None (the
    default) runs the passes that pay on this graph, as ``choose_passes`` measured and decided, and says why
    it skipped one when ``verbose``.
    """
    chosen = [(p, None) for p in passes] if passes is not None else choose_passes(graph)
    for optimisation, skipped in chosen:
        if skipped is not None:
            if verbose:
                print(f"{optimisation.__name__}: skipped ({skipped})")
                print()
            continue
        graph = optimisation(graph, verbose=verbose)
    return graph
