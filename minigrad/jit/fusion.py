"""``FusedElementwise``: a chain of element-wise ops run as one kernel, one pass over memory.

In eager mode ``(x * w + 1).tanh()`` makes three graph nodes, three arrays, and three passes over memory; for
small tensors the Python work per node *is* the run time. A fused node pays that once:

* **forward** is one kernel for the whole chain, chosen by where the arrays live (``FusedKernel.run``):
  - CuPy: the chain as one function handed to ``cupy.fuse``, compiled into one GPU kernel;
  - CPU with numexpr installed (``pip install minigrad[jit]``) and at least ``NUMEXPR_MIN_ELEMENTS``
    elements: one ``numexpr.evaluate`` of the chain as an expression (``tanh(x * w + 1)``), computed in
    blocks that stay in cache;
  - otherwise plain NumPy code that computes the chain into one buffer with in-place ufuncs
    (``lowering.py``): one new array instead of one per op.
  All three are written from the ops' array templates (``templates.py``), so the chain computes what the ops
  compute; an op without a template runs as itself.
* **backward** is the gradient of the chain recorded once ahead of time, exactly as ``grad_graph`` records a
  whole function (``Function.apply`` replays the chain, ``torch.autograd.grad(..., create_graph=True)``
  records each op's own backward rule), then compiled to array code. It recomputes the chain's intermediate
  values from the saved inputs instead of keeping them (what XLA and TorchInductor call rematerialisation):
  element-wise ops are cheaper to redo than to store.

When backward itself is being recorded (``create_graph=True``, for second derivatives), the compiled code is
not enough: its values carry no history. Then backward replays the chain through ``Function.apply`` on the
saved inputs and differentiates that replay with ``torch.autograd.grad(..., create_graph=True)``.
"""
from __future__ import annotations

from .. import _tensor
from ..autograd import grad_mode
from ..autograd.function import BackwardFunction, Function
from ..backend import backend_of, namespace_of
from .graph import Node, StaticGraph
from .targets import FunctionTarget

Tensor = _tensor.Tensor

# Below this many elements the CPU kernel is plain NumPy even when numexpr is installed. Measured
# (benchmarks/jit_fusion_kernels.py, benchmarks/README.md): on the 2-core machine of the benchmarks, with one
# thread, numexpr 2.14 (no Intel VML) was 2-20x slower than in-place NumPy ufuncs at every size from 16 to
# 2**20 elements on the tanh chain (NumPy's SIMD tanh, exp...), so by default it is never chosen; set a number
# where it pays on your machine (many cores, VML).
NUMEXPR_MIN_ELEMENTS = None


class KernelInput:
    """Argument ``index`` of the fused node."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class KernelStep:
    """The value made by step ``index`` of the kernel."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class FusedKernel:
    """The program a fused node runs: ``steps`` is a list of ``(Function, args)`` in execution order, where
    args hold ``KernelInput``/``KernelStep`` references and Python values; the last step is the result.
    ``input_meta``/``step_meta``: ``(shape, dtype)`` of each input and step when traced (the kernels are
    written for them)."""

    code_name = "kernel"

    def __init__(self, steps, input_names, step_names, input_meta=None, step_meta=None):
        self.steps = list(steps)
        self.input_names = list(input_names)
        self.step_names = list(step_names)
        self.input_meta = list(input_meta or [(None, None)] * len(self.input_names))
        self.step_meta = list(step_meta or [(None, None)] * len(self.steps))
        self._numpy_kernels = {}  # in place or not -> the NumPy-code kernel
        self._numexpr = None  # (expression, {name: constant}) or False when the chain has no numexpr spelling
        self._cupy_kernel = None
        self._vjps = {}  # needs_input_grad -> compiled gradient function

    def __repr__(self) -> str:
        return "<" + ", ".join(self.step_names) + ">"

    def describe(self, input_spellings=None) -> list:
        """The chain, one line per step: ``['mul = Mul(x, w)', 'add = Add(mul, 1)', 'tanh = Tanh(add)']``."""
        inputs = input_spellings or self.input_names
        lines = []
        for (function, args), name in zip(self.steps, self.step_names):
            spelled = ", ".join(_spell(a, inputs, self.step_names) for a in args)
            lines.append(f"{name} = {function.__name__}({spelled})")
        return lines

    # ------------------------------------------------------------------ the chain as a small graph
    def as_graph(self, name="kernel") -> StaticGraph:
        """The chain as a ``StaticGraph`` of its own (inputs, one op node per step), run without autograd."""
        inputs = [Node(n, "input", target=i, shape=s, dtype=d)
                  for i, (n, (s, d)) in enumerate(zip(self.input_names, self.input_meta))]
        steps = []
        for (function, args), step_name, (shape, dtype) in zip(self.steps, self.step_names, self.step_meta):
            resolved = tuple(_lookup(a, inputs, steps, a) for a in args)
            steps.append(Node(step_name, "op", FunctionTarget(function), resolved, shape=shape, dtype=dtype,
                              grad_mode=False))
        examples = tuple(_example(shape, dtype) for shape, dtype in self.input_meta)
        return StaticGraph([*inputs, *steps, Node("output", "output", args=(steps[-1],))], examples, name,
                           on_arrays=True)

    # ------------------------------------------------------------------ forward: one kernel
    def run(self, arrays):
        """The chain's result on ``arrays`` (the inputs' arrays): one kernel, chosen by device and size."""
        xp = namespace_of(arrays[0])
        if hasattr(xp, "fuse"):  # CuPy: one GPU kernel for the chain
            if self._cupy_kernel is None:
                self._cupy_kernel = xp.fuse(self._function(in_place=False))
            return self._cupy_kernel(*arrays)
        if NUMEXPR_MIN_ELEMENTS is not None and max(a.size for a in arrays) >= NUMEXPR_MIN_ELEMENTS:
            result = self._run_numexpr(arrays, xp)
            if result is not None:
                return result
        in_place = backend_of(arrays[0]).name == "numpy"  # (the strict test device has no out=)
        kernel = self._numpy_kernels.get(in_place)
        if kernel is None:
            kernel = self._numpy_kernels[in_place] = self._function(in_place)
        return kernel(*arrays)

    def _function(self, in_place):
        """The chain as a Python function of arrays (in-place ufuncs into one buffer when ``in_place``)."""
        from .lowering import generate_arrays

        return generate_arrays(self.as_graph(), boundary="arrays", reuse_buffers=in_place)[1]

    def numpy_code(self) -> str:
        """The source of the NumPy kernel (what runs on CPU without numexpr)."""
        from .lowering import generate_arrays

        return generate_arrays(self.as_graph(), boundary="arrays")[0]

    def numexpr_expression(self, dtype=None):
        """``(expression, constants)`` for numexpr, or None when a step has no such spelling.

        Built from the array templates: ``xp.tanh({0})`` becomes ``tanh(...)``. Python floats become 0-d
        arrays of the result's dtype (numexpr would compute a float32 chain in float64 otherwise).
        """
        from .templates import template_for

        graph = self.as_graph()
        spelled, constants = {}, {}
        for node in graph.ops:
            _, template = template_for(node)
            if template is None or callable(template.expression) or not template.fresh:
                return None
            args = []
            for arg in node.args:
                if isinstance(arg, Node):
                    args.append(spelled.get(id(arg), arg.name))
                elif type(arg) is float:
                    name = f"constant_{len(constants)}"
                    constants[name] = (arg, node.dtype)
                    args.append(name)
                else:
                    args.append(repr(arg))
            spelled[id(node)] = "(" + template.expression.format(*args).replace("xp.", "") + ")"
        return spelled[id(graph.ops[-1])], constants

    def _run_numexpr(self, arrays, xp):
        if self._numexpr is None:
            self._numexpr = _numexpr_module() and self.numexpr_expression() or False
        if not self._numexpr:
            return None
        expression, constants = self._numexpr
        local = dict(zip(self.input_names, arrays))
        local.update({name: xp.asarray(value, dtype=dtype) for name, (value, dtype) in constants.items()})
        try:
            result = _numexpr_module().evaluate(expression, local_dict=local)
        except (KeyError, TypeError, ValueError, NotImplementedError, SyntaxError):  # not in numexpr's language
            self._numexpr = False
            return None
        dtype = self.step_meta[-1][1]
        return result if dtype is None or result.dtype == dtype else result.astype(dtype)

    def replay(self, inputs):
        """The chain through ``Function.apply``, recording as usual (used when backward is being recorded)."""
        values = []
        for function, args in self.steps:
            values.append(function.apply(*[_resolve(a, inputs, values) for a in args]))
        return values[-1]

    # ------------------------------------------------------------------ backward
    def gradients(self, inputs, grad, needs):
        """Gradients of the inputs, by the chain's gradient compiled to array code (recorded at first use)."""
        from . import tracer

        needs = tuple(needs)
        if tracer._active is not None:  # a trace is recording this backward: it records the ops one by one
            return self.gradients_by_replay(inputs, grad, needs)
        vjp = self._vjps.get(needs)
        if vjp is None:
            vjp = self._vjps[needs] = record_vjp(self, needs)
        grads = iter(vjp(*inputs, grad))
        return [next(grads) if need else None for need in needs]

    def gradients_by_replay(self, inputs, grad, needs):
        """Gradients of the inputs that are themselves differentiable (for ``create_graph=True``)."""
        from ..autograd import grad as autograd_grad

        with grad_mode.enable_grad():
            result = self.replay(inputs)
        wanted = [t for t, need in zip(inputs, needs) if need]
        found = iter(autograd_grad(result, wanted, grad, create_graph=True, allow_unused=True))
        return [next(found) if need else None for need in needs]


def record_vjp(kernel, needs):
    """The chain's vector-Jacobian product as compiled array code: ``vjp(*inputs, grad) -> grads``.

    This is where the ops' backward rules are met: recorded through ``torch.autograd.grad(...,
    create_graph=True)``, as ``grad_graph`` records them, never called directly.
    """
    from ..autograd import grad as autograd_grad
    from ..factories import zeros_like
    from . import passes
    from .tracer import record

    examples = [_example(shape, dtype) for shape, dtype in kernel.input_meta]
    for position, need in enumerate(needs):
        if need:
            examples[position].requires_grad_()
    result_shape, result_dtype = kernel.step_meta[-1]

    def vjp(*values):
        inputs, grad = values[:-1], values[-1]
        with grad_mode.enable_grad():
            result = kernel.replay(inputs)
            wanted = [t for t, need in zip(inputs, needs) if need]
            found = autograd_grad(result, wanted, grad, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else zeros_like(t) for g, t in zip(found, wanted))

    graph = record(vjp, (*examples, _example(result_shape, result_dtype)),
                   input_names=[*kernel.input_names, "grad"], graph_name="kernel_backward")
    for node in graph.ops:
        node.grad_mode = False  # plain values: nothing records
    compiled = passes.optimize(graph)
    return compiled._compiled if compiled.code and compiled.on_arrays else compiled


def _example(shape, dtype):
    """A tensor of ``shape``/``dtype`` to record a kernel with (values that every element-wise op accepts)."""
    from ..factories import full

    return Tensor._make(full(tuple(shape or ()), 0.5)._array.astype(dtype or "float32"), False, None, 0)


def _numexpr_module():
    """numexpr if installed (the optional ``minigrad[jit]`` extra), else None."""
    global _NUMEXPR
    if _NUMEXPR is _UNSET:
        try:
            import numexpr
        except ImportError:
            numexpr = None
        _NUMEXPR = numexpr
    return _NUMEXPR


_UNSET = object()
_NUMEXPR = _UNSET


class FusedElementwise(Function):
    """One graph node that runs a ``FusedKernel``: ``FusedElementwise.apply(kernel, *inputs)``."""

    @staticmethod
    def forward(ctx, kernel, *inputs):
        if isinstance(ctx, BackwardFunction):  # recording: backward recomputes from the inputs
            ctx.save_for_backward(*inputs)
            ctx.kernel = kernel
        return kernel.run([getattr(t, "_array", t) for t in inputs])

    @staticmethod
    def backward(ctx, grad):
        inputs = ctx.saved_tensors
        needs = ctx.needs_input_grad[1:]
        if grad_mode.state.enabled:  # create_graph=True: the gradient must carry history
            grads = ctx.kernel.gradients_by_replay(inputs, grad, needs)
        else:
            grads = ctx.kernel.gradients(inputs, grad, needs)
        return (None, *grads)

    @staticmethod
    def code_comment(args, spell) -> list:
        """The comment above a fused node in ``graph.code``: the chain it runs, on the node's inputs."""
        kernel, inputs = args[0], args[1:]
        steps = kernel.describe([spell(a) for a in inputs])
        return [f"{spell(kernel)}, one node running:"] + ["    " + line for line in steps]


def _lookup(arg, for_inputs, for_steps, otherwise):
    """``for_inputs[i]`` for ``KernelInput(i)``, ``for_steps[i]`` for ``KernelStep(i)``, else ``otherwise``."""
    if isinstance(arg, KernelInput):
        return for_inputs[arg.index]
    if isinstance(arg, KernelStep):
        return for_steps[arg.index]
    return otherwise


def _resolve(arg, inputs, values):
    return _lookup(arg, inputs, values, arg)


def _spell(arg, input_names, step_names) -> str:
    return _lookup(arg, input_names, step_names, repr(arg))
