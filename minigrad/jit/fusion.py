"""``FusedElementwise``: a chain of element-wise ops run as one graph node.

In eager mode ``(x * w + 1).tanh()`` makes three graph nodes, and each one costs Python work beyond the
arithmetic: a node object, its edges, saved tensors, and in backward a trip through the engine's queue. For big
tensors that is nothing next to the arithmetic; for small ones it *is* the run time. A fused node pays it once:

* forward runs the sub-ops' ``forward`` functions one after the other, directly on arrays, and keeps a small
  private tape (what each sub-op saved);
* backward walks that tape in reverse, calling each sub-op's own ``backward`` rule -- the same rules the engine
  would call, so the gradients are the same -- and sums gradients down to the input shapes where the chain
  broadcast.

When backward itself is being recorded (``create_graph=True``, for second derivatives), the tape is not enough:
its intermediate values carry no history. Then backward replays the chain through ``Function.apply`` on the
saved inputs and differentiates that replay with ``torch.autograd.grad(..., create_graph=True)``, so the
gradient is itself differentiable.

Real fusers (XLA, TorchInductor, nvFuser) go further: they generate one loop for the whole chain, so the
intermediate arrays are never written to memory. This one saves Python overhead, not memory.
"""
from __future__ import annotations

from .. import _tensor
from ..autograd import grad_mode
from ..autograd.function import BackwardFunction, Function
from ..ops import ToCopy
from .targets import SavingContext

Tensor = _tensor.Tensor


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
    args hold ``KernelInput``/``KernelStep`` references and Python values; the last step is the result."""

    code_name = "kernel"

    def __init__(self, steps, input_names, step_names):
        self.steps = list(steps)
        self.input_names = list(input_names)
        self.step_names = list(step_names)

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

    # ------------------------------------------------------------------ forward
    def run(self, inputs, needs=None):
        """The result of the chain on ``inputs`` without recording, and the tape backward needs.

        ``needs``: which inputs need a gradient (None: no gradient needed, keep no tape).
        """
        values = []
        tape = [] if needs is not None else None
        step_needs = []
        for function, args in self.steps:
            resolved = [_resolve(a, inputs, values) for a in args]
            if tape is None:
                ctx = StepContext((False,) * len(args))
            else:
                ctx = StepContext(tuple(_needs(a, needs, step_needs) for a in args))
                step_needs.append(any(ctx.needs_input_grad))
                if step_needs[-1]:
                    ctx.arg_meta = [(a._array.shape, a._array.dtype) if isinstance(a, Tensor) else None
                                    for a in resolved]
            result = function.forward(ctx, *resolved)
            array = result._array if isinstance(result, Tensor) else result
            values.append(Tensor._make(array, False, None, 0))
            if tape is not None:
                tape.append(ctx if step_needs[-1] else None)
        return values[-1], tape

    def replay(self, inputs):
        """The chain through ``Function.apply``, recording as usual (used when backward is being recorded)."""
        values = []
        for function, args in self.steps:
            values.append(function.apply(*[_resolve(a, inputs, values) for a in args]))
        return values[-1]

    # ------------------------------------------------------------------ backward
    def gradients_from_tape(self, tape, inputs, grad, needs):
        """Gradients of the inputs: each sub-op's backward rule, last step first."""
        step_grads = [None] * len(self.steps)
        step_grads[-1] = grad
        input_grads = [None] * len(inputs)
        for index in range(len(self.steps) - 1, -1, -1):
            ctx, grad_output = tape[index], step_grads[index]
            if ctx is None or grad_output is None:
                continue
            function, args = self.steps[index]
            results = function.backward(ctx, grad_output)
            if type(results) is not tuple:
                results = (results,)
            for arg, arg_grad, meta in zip(args, results, ctx.arg_meta):
                if arg_grad is None or not isinstance(arg, (KernelInput, KernelStep)):
                    continue
                arg_grad = _to_shape(arg_grad, *meta)
                grads = input_grads if isinstance(arg, KernelInput) else step_grads
                grads[arg.index] = arg_grad if grads[arg.index] is None else grads[arg.index] + arg_grad
        return [g if need else None for g, need in zip(input_grads, needs)]

    def gradients_by_replay(self, inputs, grad, needs):
        """Gradients of the inputs that are themselves differentiable (for ``create_graph=True``)."""
        from ..autograd import grad as autograd_grad

        with grad_mode.enable_grad():
            result = self.replay(inputs)
        wanted = [t for t, need in zip(inputs, needs) if need]
        found = iter(autograd_grad(result, wanted, grad, create_graph=True, allow_unused=True))
        return [next(found) if need else None for need in needs]


class StepContext(SavingContext):
    """The ``ctx`` a sub-op sees inside a fused node: keeps what forward saves; no graph node behind it."""

    arg_meta = None  # (shape, dtype) of each tensor argument: what its gradient is brought back to


class FusedElementwise(Function):
    """One graph node that runs a ``FusedKernel``: ``FusedElementwise.apply(kernel, *inputs)``."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx, kernel, *inputs):
        recording = isinstance(ctx, BackwardFunction)
        needs = ctx.needs_input_grad[1:] if recording else None
        result, tape = kernel.run(inputs, needs)
        if recording:
            ctx.save_for_backward(*inputs)
            ctx.kernel, ctx.tape = kernel, tape
        return result._array

    @staticmethod
    def backward(ctx, grad):
        inputs = ctx.saved_tensors
        needs = ctx.needs_input_grad[1:]
        if grad_mode.state.enabled:  # create_graph=True: the gradient must carry history
            grads = ctx.kernel.gradients_by_replay(inputs, grad, needs)
        else:
            grads = ctx.kernel.gradients_from_tape(ctx.tape, inputs, grad, needs)
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


def _needs(arg, needs, step_needs) -> bool:
    return bool(_lookup(arg, needs, step_needs, False))


def _spell(arg, input_names, step_names) -> str:
    return _lookup(arg, input_names, step_names, repr(arg))


def _to_shape(grad, shape, dtype):
    """``grad`` summed down to ``shape`` (undoing broadcasting) and cast to ``dtype``, as the engine does."""
    if grad._array.shape != shape:
        grad = grad.sum_to_size(shape)
    if grad._array.dtype != dtype:
        grad = ToCopy.apply(grad, dtype)
    return grad
