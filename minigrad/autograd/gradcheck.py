"""``gradcheck``: compare autograd's gradients with finite differences.

For each output y and input x the analytical Jacobian (rows from ``autograd.grad`` with one-hot
``grad_outputs``) must match the numerical one, column j being (f(x + eps e_j) - f(x - eps e_j)) / 2 eps,
within ``atol + rtol * |numerical|``. Use float64 inputs: float32 rounding swamps small eps.
"""
from __future__ import annotations

import warnings

from . import grad_mode


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _outputs(func, inputs):
    return _as_tuple(func(*inputs))


def _numerical_jacobians(func, inputs, diff_inputs, outputs, eps):
    """One (output numel x input numel) matrix per (output, input) pair, by central differences."""
    xp = _xp(diff_inputs[0])
    jacobians = [[xp.zeros((out.numel(), x.numel()), dtype="float64") for x in diff_inputs] for out in outputs]
    with grad_mode.no_grad():
        for i, x in enumerate(diff_inputs):
            flat = x._array.reshape(-1)  # a view: writing into it perturbs the input the function reads
            for j in range(flat.size):
                original = flat[j].item()
                flat[j] = original + eps
                plus = [o._array.astype("float64").reshape(-1).copy() for o in _outputs(func, inputs)]
                flat[j] = original - eps
                minus = [o._array.astype("float64").reshape(-1).copy() for o in _outputs(func, inputs)]
                flat[j] = original
                for k in range(len(outputs)):
                    jacobians[k][i][:, j] = (plus[k] - minus[k]) / (2 * eps)
    return jacobians


def _analytical_jacobians(outputs, diff_inputs):
    from . import grad as autograd_grad
    from ..factories import zeros_like

    xp = _xp(diff_inputs[0])
    jacobians = [[xp.zeros((out.numel(), x.numel()), dtype="float64") for x in diff_inputs] for out in outputs]
    for k, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        for row in range(out.numel()):
            one_hot = zeros_like(out)
            one_hot._array.reshape(-1)[row] = 1
            grads = autograd_grad(out, diff_inputs, one_hot, retain_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    jacobians[k][i][row, :] = g._array.astype("float64").reshape(-1)
    return jacobians


def _xp(tensor):
    from ..backend import namespace_of

    return namespace_of(tensor._array)


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **unused_options) -> bool:
    """True if ``func``'s autograd gradients match finite differences at ``inputs``.

    On a mismatch, raises ``GradcheckError`` (or returns False with ``raise_exception=False``) naming the
    output, the input, the first elements that differ and both values.
    """
    from .._tensor import Tensor

    inputs = _as_tuple(inputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not diff_inputs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for index, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype.name != "float64":
            warnings.warn(f"Input #{index} requires gradient and is not a double precision floating point. This "
                          "check will likely fail if all the inputs are not of double precision floating point. ",
                          UserWarning, stacklevel=2)
    outputs = _outputs(func, inputs)
    numerical = _numerical_jacobians(func, inputs, diff_inputs, outputs, eps)
    analytical = _analytical_jacobians(outputs, diff_inputs)
    xp = _xp(diff_inputs[0])
    input_positions = [next(p for p, x in enumerate(inputs) if x is d) for d in diff_inputs]
    for k in range(len(outputs)):
        for i in range(len(diff_inputs)):
            n, a = numerical[k][i], analytical[k][i]
            close = xp.abs(a - n) <= atol + rtol * xp.abs(n)
            if bool(close.all()):
                continue
            message = _mismatch_message(k, input_positions[i], n, a, close, outputs[k], diff_inputs[i], xp)
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _mismatch_message(output_index, input_index, numerical, analytical, close, output, x, xp) -> str:
    rows, cols = xp.nonzero(~close)
    lines = [f"Jacobian mismatch for output {output_index} with respect to input {input_index},",
             f"numerical:{_format(numerical)}", f"analytical:{_format(analytical)}", "",
             "First elements that differ (d output[...] / d input[...]):"]
    for row, col in list(zip(rows.tolist(), cols.tolist()))[:5]:
        out_index, in_index = _unravel(row, output.shape), _unravel(col, x.shape)
        # float(): a GPU array element is a 0-d array, which has no number formatting
        lines.append(f"  d output{out_index} / d input{in_index}: analytical {float(analytical[row, col]):.6g}"
                     f", numerical {float(numerical[row, col]):.6g}")
    return "\n".join(lines) + "\n"


def _unravel(flat_index: int, shape) -> list:
    """The multi-index of element ``flat_index`` of a C-ordered array of ``shape``, in plain Python."""
    index = []
    for size in reversed(tuple(shape)):
        flat_index, position = divmod(flat_index, size)
        index.append(position)
    return index[::-1]


def _format(matrix) -> str:
    from .._tensor import Tensor

    return repr(Tensor._make(matrix, False, None, 0))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  **unused_options) -> bool:
    """Second derivatives: gradcheck of the function that maps inputs to their (create_graph) gradients."""
    from . import grad as autograd_grad
    from .._tensor import Tensor
    from ..random import randn_like

    inputs = _as_tuple(inputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    outputs = _float_outputs(_outputs(func, inputs))
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(o, dtype=o.dtype) for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)

    def first_derivatives(*args):
        # the numerical pass calls this under no_grad; the first derivatives still need a graph
        with grad_mode.enable_grad():
            outs = _float_outputs(_outputs(func, args))
            diff = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
            return autograd_grad(outs, diff, grad_outputs, create_graph=True, allow_unused=True,
                                 materialize_grads=True)

    return gradcheck(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)


def _float_outputs(outputs) -> tuple:
    """The outputs that can carry a gradient: indices (sort, topk, max(dim)) get no grad_output, as in PyTorch."""
    return tuple(o for o in outputs if o.dtype.is_floating_point)
