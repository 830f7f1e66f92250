"""Element-wise ops: arithmetic, powers, exp/log, trigonometry, activations, clamp, where.

Each op is a ``Function``: ``forward`` computes on its inputs' arrays through the backend namespace;
``backward`` is the derivative, written once: it runs on arrays while a backward pass records nothing and on
tensors under ``create_graph=True`` (``namespace_for(x)`` gives the matching ``cos``, ``where``...; see
``ops/tensor_numpy.py``). Broadcasting is undone by the engine, not here. ``jvp`` is the forward-mode
rule (tangents in, tangent out); for a one-input element-wise op the Jacobian is diagonal, so J·t is
the backward rule applied to the tangent t.
"""
from __future__ import annotations

import math
import operator

from .._dtype import DEFAULT_FLOAT
from ..autograd.function import Function
from ..backend import namespace_of
from ._util import (Tensor, add_tangents, arithmetic, array_of, check_broadcastable, check_same_device,
                    converted, namespace_for, positive_mask, promoted, xp_of)
from .._dtype import result_dtype


class Add(Function):
    node_name = "AddBackward0"
    numbers_are_inputs = True  # `x + 2` shows (None, 0) for the 2, as PyTorch does

    @staticmethod
    def forward(ctx, a, b):
        return arithmetic(operator.add, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        return add_tangents(tangent_a, tangent_b)


class Sub(Function):
    node_name = "SubBackward0"
    numbers_are_inputs = True  # `x + 2` shows (None, 0) for the 2, as PyTorch does

    @staticmethod
    def forward(ctx, a, b):
        _check_subtraction(a, b)
        return arithmetic(operator.sub, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.needs_input_grad[1] else None

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        return add_tangents(tangent_a, -tangent_b if tangent_b is not None else None)


class AddScaled(Function):
    """``a.add(b, alpha=k)``: ``a + k * b`` in one node, as PyTorch records it (AddBackward0)."""

    node_name = "AddBackward0"
    numbers_are_inputs = True  # `x + 2` shows (None, 0) for the 2, as PyTorch does
    nondifferentiable_args = (2,)  # alpha is a number, not an input PyTorch shows

    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha = alpha
        return arithmetic(lambda a_array, b_array: a_array + alpha * b_array, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad * ctx.alpha if ctx.needs_input_grad[1] else None, None

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b, _):
        return add_tangents(tangent_a, tangent_b * ctx.alpha if tangent_b is not None else None)


class SubScaled(AddScaled):
    """``a.sub(b, alpha=k)``: ``a - k * b`` (SubBackward0)."""

    node_name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha):
        _check_subtraction(a, b)
        return AddScaled.forward(ctx, a, b, -alpha)


def _check_subtraction(a, b) -> None:
    """PyTorch refuses ``-`` with a bool operand (NumPy would refuse two bools and compute with one)."""
    bools = (_kind(array_of(a)) == "b") + (_kind(array_of(b)) == "b")
    if bools == 2:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if bools:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


class Rsub(Function):
    """``number - tensor``."""

    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, tensor, number):
        _check_subtraction(number, tensor)
        return arithmetic(operator.sub, number, tensor)

    @staticmethod
    def backward(ctx, grad):
        return -grad, None

    @staticmethod
    def jvp(ctx, tangent, _):
        return -tangent


class Mul(Function):
    node_name = "MulBackward0"
    saved_names = ("self", "other")
    numbers_are_inputs = True  # `x + 2` shows (None, 0) for the 2, as PyTorch does

    @staticmethod
    def forward(ctx, a, b):
        # each gradient needs only the other factor: saving no more than that (as PyTorch) keeps in-place
        # changes of a factor that needs no gradient legal, e.g. y[0] = y[0] * 2
        needs_a, needs_b = ctx.needs_input_grad
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        return arithmetic(operator.mul, a, b)

    @staticmethod
    def backward(ctx, grad):
        needs_a, needs_b = ctx.needs_input_grad
        a, b = ctx.saved_tensors
        return grad * b if needs_a else None, grad * a if needs_b else None

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b = ctx.saved_tensors  # product rule: d(ab) = da·b + a·db
        return add_tangents(tangent_a * b if tangent_a is not None else None,
                            a * tangent_b if tangent_b is not None else None)


class Div(Function):
    node_name = "DivBackward0"
    saved_names = ("self", "other")
    numbers_are_inputs = True  # `x + 2` shows (None, 0) for the 2, as PyTorch does

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)  # a only matters for d/db
        return arithmetic(operator.truediv, a, b, true_division=True)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad / b if needs_a else None,
                -grad * a / (b * b) if needs_b else None)

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b = ctx.saved_tensors
        return add_tangents(tangent_a / b if tangent_a is not None else None,
                            -tangent_b * a / (b * b) if tangent_b is not None else None)


class Neg(Function):
    node_name = "NegBackward0"

    @staticmethod
    def forward(ctx, a):
        if a._array.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                               "invert a mask, use the `~` or `logical_not()` operator instead.")
        return -a._array

    @staticmethod
    def backward(ctx, grad):
        return -grad

    @staticmethod
    def jvp(ctx, tangent):
        return -tangent


class Reciprocal(Function):
    node_name = "ReciprocalBackward0"

    @staticmethod
    def forward(ctx, a):
        array = a._array
        array = array if array.dtype.kind == "f" else array.astype(DEFAULT_FLOAT.numpy)
        out = array.dtype.type(1) / array  # a number of the array's dtype: NumPy 1 would widen a 0-d float32
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return -grad * out * out

    @staticmethod
    def jvp(ctx, tangent):
        return Reciprocal.backward(ctx, tangent)


class PowScalar(Function):
    """``tensor ** number``."""

    node_name = "PowBackward0"
    saved_names = {"self": 0, "exponent": "exponent"}

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return _power(a, exponent)

    @staticmethod
    def backward(ctx, grad):
        exponent = ctx.exponent
        if exponent == 0:
            return grad * 0, None
        a, = ctx.saved_tensors
        return grad * exponent * a ** (exponent - 1), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return PowScalar.backward(ctx, tangent)[0]


class PowTensor(Function):
    """``tensor ** tensor``."""

    node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        out = _power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad * b * a ** (b - 1) if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            # d(a^b)/db = a^b log a; PyTorch defines it as 0 where a == 0 and b >= 0 (the limit).
            xp = namespace_for(a)
            safe = xp.where((a == 0) & (b >= 0), 1.0, a)
            grad_b = grad * out * xp.log(safe)
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b, out = ctx.saved_tensors
        term_b = None
        if tangent_b is not None:
            term_b = tangent_b * out * where((a == 0) & (b >= 0), 1.0, a).log()  # tangents are tensors
        return add_tangents(tangent_a * b * a ** (b - 1) if tangent_a is not None else None, term_b)


class RPow(Function):
    """``number ** tensor``."""

    node_name = "PowBackward2"

    @staticmethod
    def forward(ctx, base, exponent):
        out = _power(base, exponent)
        ctx.save_for_backward(out)
        ctx.base = base
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return None, grad * out * math.log(ctx.base)

    @staticmethod
    def jvp(ctx, _, tangent):
        return RPow.backward(ctx, tangent)[1]


def _power(base, exponent):
    """``base ** exponent`` (tensors or numbers) in the promoted dtype, refusing what PyTorch refuses."""
    base_array, exponent_array, dtype = promoted(base, exponent)
    if dtype.kind == "b":
        if isinstance(exponent, bool) and isinstance(base, Tensor):  # PyTorch's x ** 0 and x ** 1 come first
            return base_array.copy() if exponent else namespace_of(base_array).ones_like(base_array)
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if dtype.kind in "iu" and type(exponent) is int and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    out = base_array ** exponent_array
    return out if out.dtype == dtype else out.astype(dtype)


def _float_input(a):
    """The array of ``a``; integers and bools as PyTorch's default float (``exp`` of an int tensor is float32,
    where NumPy would give float64)."""
    array = a._array
    return array.astype(DEFAULT_FLOAT.numpy) if array.dtype.kind in "biu" else array


class Exp(Function):
    node_name = "ExpBackward0"
    saved_names = ("result",)

    @staticmethod
    def forward(ctx, x):
        out = namespace_of(x._array).exp(_float_input(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * out

    jvp = backward  # element-wise: the Jacobian is diagonal, so J·t is the backward rule applied to t


class Log(Function):
    node_name = "LogBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x._array).log(_float_input(x))

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output / x

    jvp = backward


class Log1p(Function):
    node_name = "Log1PBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x._array).log1p(_float_input(x))

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output / (x + 1)

    jvp = backward


class Log2(Function):
    node_name = "Log2Backward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x._array).log2(_float_input(x))

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output / (x * _LN2)

    jvp = backward


class Log10(Function):
    node_name = "Log10Backward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x._array).log10(_float_input(x))

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output / (x * _LN10)

    jvp = backward


class Expm1(Function):
    node_name = "Expm1Backward0"

    @staticmethod
    def forward(ctx, x):
        out = namespace_of(x._array).expm1(_float_input(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * (out + 1)

    jvp = backward


class Sqrt(Function):
    node_name = "SqrtBackward0"

    @staticmethod
    def forward(ctx, x):
        out = namespace_of(x._array).sqrt(_float_input(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output / (2 * out)

    jvp = backward


class Rsqrt(Function):
    node_name = "RsqrtBackward0"

    @staticmethod
    def forward(ctx, x):
        out = 1 / namespace_of(x._array).sqrt(_float_input(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return -0.5 * grad_output * out ** 3

    jvp = backward


class Sin(Function):
    node_name = "SinBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x._array).sin(_float_input(x))

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * namespace_for(x).cos(x)

    jvp = backward


class Cos(Function):
    node_name = "CosBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x._array).cos(_float_input(x))

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return -grad_output * namespace_for(x).sin(x)

    jvp = backward


class Tanh(Function):
    node_name = "TanhBackward0"
    saved_names = ("result",)

    @staticmethod
    def forward(ctx, x):
        out = namespace_of(x._array).tanh(_float_input(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * (1 - out * out)

    jvp = backward


class Sigmoid(Function):
    node_name = "SigmoidBackward0"
    saved_names = ("result",)

    @staticmethod
    def forward(ctx, x):
        out = sigmoid(_float_input(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * out * (1 - out)

    jvp = backward


class Abs(Function):
    node_name = "AbsBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x._array).abs(x._array)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * namespace_for(x).sign(x)

    jvp = backward


class Relu(Function):
    """``max(x, 0)``, the built-in twin of lesson 08's ``MyReLU``."""

    node_name = "ReluBackward0"
    saved_names = ("result",)

    @staticmethod
    def forward(ctx, x):
        array = x._array
        out = namespace_of(array).maximum(array, array.dtype.type(0))  # (NumPy 1 widens a 0-d array with a 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * positive_mask(out)  # 1 where out > 0, else 0

    jvp = backward


class Erf(Function):
    node_name = "ErfBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf(_float_input(x))

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * namespace_for(x).exp(-x * x) * _TWO_OVER_SQRT_PI

    jvp = backward


def sigmoid(x):
    """The logistic function of an array or a tensor, without overflow (NumPy has no sigmoid)."""
    if not isinstance(x, Tensor):
        xp = namespace_of(x)
        z = xp.exp(-xp.abs(x))  # exp only sees non-positive values
        return xp.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)
    return Sigmoid.apply(x)


def erf(x):
    """The error function of an array or a tensor (NumPy has none; see ``_erf``)."""
    if not isinstance(x, Tensor):
        return _erf(namespace_of(x), x)
    return Erf.apply(x)


class Sign(Function):
    node_name = "SignBackward0"

    @staticmethod
    def forward(ctx, a):
        return namespace_of(a._array).sign(a._array)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0

    @staticmethod
    def jvp(ctx, tangent):
        return tangent * 0


class LeakyRelu(Function):
    node_name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.negative_slope = negative_slope
        array = a._array
        return namespace_of(array).where(array > 0, array, array * array.dtype.type(negative_slope))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (ctx.negative_slope + (1 - ctx.negative_slope) * positive_mask(x)), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return LeakyRelu.backward(ctx, tangent)[0]


class Clamp(Function):
    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        ctx.save_for_backward(a, min, max)  # tensor bounds are checked for in-place changes too
        array = a._array
        xp = namespace_of(array)
        # in the dtype the tensor and its bounds promote to: clamp(min=0.5) of an int tensor is float
        dtype = array.dtype
        if dtype.kind != "f" or isinstance(min, Tensor) or isinstance(max, Tensor):
            dtype = result_dtype(*(operand for operand in (a, min, max) if operand is not None)).numpy
            if dtype.kind == "b" and not isinstance(min, Tensor) and not isinstance(max, Tensor):
                kernel = "clamp_scalar_cpu" if max is not None and min is not None else \
                    "clamp_min_scalar_cpu" if max is None else "clamp_max_scalar_cpu"
                raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
            array = converted(array, dtype)
        # one bound is a maximum or minimum against it: the same numbers (NaN included) without clip's
        # Python-level wrapper, which costs more than the arithmetic on small tensors
        if max is None:
            out = xp.maximum(array, converted(array_of(min), dtype))
        elif min is None:
            out = xp.minimum(array, converted(array_of(max), dtype))
        else:
            out = xp.minimum(xp.maximum(array, converted(array_of(min), dtype)), converted(array_of(max), dtype))
        return out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, low, high = ctx.saved_tensors
        if low is not None:  # the gradient passes where x lies within the bounds
            grad = grad * (x >= low)
        if high is not None:
            grad = grad * (x <= high)
        return grad, None, None

    @staticmethod
    def jvp(ctx, tangent, _min, _max):
        return Clamp.backward(ctx, tangent)[0]


class ClampTensor(Clamp):
    """``clamp`` with tensor bounds: PyTorch's other overload, another node, and the bounds are inputs that
    receive the gradient where they won (PyTorch's ``clamp_backward_min_max``)."""

    node_name = "ClampBackward0"

    @staticmethod
    def backward(ctx, grad):
        x, low, high = ctx.saved_tensors
        xp = namespace_for(grad)
        grad_x = Clamp.backward(ctx, grad)[0]
        if low is not None and high is not None:  # bounds the wrong way round: max wins everywhere
            return (grad_x, xp.where(x < low, grad, 0) * (low < high),
                    xp.where(x > high, grad, xp.where(high < low, grad, 0)))
        if low is not None:
            return grad_x, xp.where(x < low, grad, 0), None
        return grad_x, None, xp.where(x > high, grad, 0)

    @staticmethod
    def jvp(ctx, tangent, tangent_min, tangent_max):
        return _tangent_through_bounds(ctx, ClampTensor.backward, (tangent, tangent_min, tangent_max))


# PyTorch lists both bounds of clamp(Tensor? min, Tensor? max) in next_functions, a missing one as (None, 0)
ClampTensor._backward_cls.next_functions = property(
    lambda node: tuple(edge if edge is not None else (None, 0) for edge in node._arg_edges))


def _tangent_through_bounds(ctx, backward, tangents):
    """J·t for a clamp with tensor bounds: each output element is one of its inputs, so each tangent passes
    where the backward rule sends that input its gradient."""
    return add_tangents(*(None if tangent is None else backward(ctx, tangent)[i]
                          for i, tangent in enumerate(tangents)))


class ClampMin(Clamp):
    """``clamp_min(x, number)``: PyTorch names its node apart from ``clamp(min=number)``."""

    node_name = "ClampMinBackward0"

    @staticmethod
    def forward(ctx, a, min):
        return Clamp.forward(ctx, a, min, None)

    @staticmethod
    def backward(ctx, grad):
        return Clamp.backward(ctx, grad)[:2]

    @staticmethod
    def jvp(ctx, tangent, _min):
        return Clamp.backward(ctx, tangent)[0]


class ClampMinTensor(ClampMin):
    node_name = "ClampMinBackward1"

    @staticmethod
    def backward(ctx, grad):
        return ClampTensor.backward(ctx, grad)[:2]

    @staticmethod
    def jvp(ctx, tangent, tangent_min):
        return _tangent_through_bounds(ctx, ClampTensor.backward, (tangent, tangent_min))


class ClampMax(ClampMin):
    """``clamp_max(x, number)``: PyTorch names its node apart from ``clamp(max=number)``."""

    node_name = "ClampMaxBackward0"

    @staticmethod
    def forward(ctx, a, max):
        return Clamp.forward(ctx, a, None, max)


class ClampMaxTensor(ClampMax):
    node_name = "ClampMaxBackward1"

    @staticmethod
    def backward(ctx, grad):
        grad_x, _, grad_max = ClampTensor.backward(ctx, grad)
        return grad_x, grad_max

    @staticmethod
    def jvp(ctx, tangent, tangent_max):
        return _tangent_through_bounds(ctx, ClampMaxTensor.backward, (tangent, tangent_max))


def _winner_takes_gradient(ctx, grad, a_loses, b_loses):
    """maximum's and minimum's rule, as PyTorch: a tie shares the gradient equally, the loser gets none, and
    where no comparison holds (a NaN) both get all of it. ``a_loses(a, b)`` says where ``a`` lost."""
    a, b = ctx.saved_tensors
    xp = namespace_for(grad)
    shared = xp.where(a == b, grad / 2, grad)
    return xp.where(a_loses(a, b), 0, shared), xp.where(b_loses(a, b), 0, shared)


def _winner_takes_tangent(ctx, tangent_a, tangent_b, backward):
    """J·t for maximum/minimum: the rule is linear in the gradient, element by element, so each tangent is
    weighted by its input's share."""
    return add_tangents(None if tangent_a is None else backward(ctx, tangent_a)[0],
                        None if tangent_b is None else backward(ctx, tangent_b)[1])


class Maximum(Function):
    node_name = "MaximumBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a_array, b_array, _ = promoted(a, b)
        return namespace_of(a_array).maximum(a_array, b_array)

    @staticmethod
    def backward(ctx, grad):
        return _winner_takes_gradient(ctx, grad, operator.lt, operator.gt)

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        return _winner_takes_tangent(ctx, tangent_a, tangent_b, Maximum.backward)


class Minimum(Function):
    node_name = "MinimumBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a_array, b_array, _ = promoted(a, b)
        return namespace_of(a_array).minimum(a_array, b_array)

    @staticmethod
    def backward(ctx, grad):
        return _winner_takes_gradient(ctx, grad, operator.gt, operator.lt)

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        return _winner_takes_tangent(ctx, tangent_a, tangent_b, Minimum.backward)


class Where(Function):
    node_name = "WhereBackward0"
    nondifferentiable_args = (0,)  # the condition

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        a_array, b_array, _ = promoted(a, b)
        return xp_of(condition, a, b).where(array_of(condition), a_array, b_array)

    @staticmethod
    def backward(ctx, grad):
        condition, = ctx.saved_tensors
        xp = namespace_for(grad)
        return (None,
                xp.where(condition, grad, 0) if ctx.needs_input_grad[1] else None,
                xp.where(condition, 0, grad) if ctx.needs_input_grad[2] else None)

    @staticmethod
    def jvp(ctx, _, tangent_a, tangent_b):
        condition, = ctx.saved_tensors
        return where(condition, 0.0 if tangent_a is None else tangent_a, 0.0 if tangent_b is None else tangent_b)


class MaskedFill(Function):
    node_name = "MaskedFillBackward0"
    nondifferentiable_args = (1,)  # the mask

    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.save_for_backward(mask)
        array = a._array
        fill = array_of(value)
        return namespace_of(array).where(array_of(mask), fill, array).astype(array.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        mask, = ctx.saved_tensors
        xp = namespace_for(grad)
        # a tensor fill value receives the gradient of every position it filled (summed by the engine)
        grad_value = xp.where(mask, grad, 0) if ctx.needs_input_grad[2] else None
        return xp.where(mask, 0, grad), None, grad_value

    @staticmethod
    def jvp(ctx, tangent, _, tangent_value):
        mask, = ctx.saved_tensors
        return where(mask, 0.0 if tangent_value is None else tangent_value, 0.0 if tangent is None else tangent)


class MaskedFillTensor(MaskedFill):
    """``masked_fill`` with a (0-d) tensor value: PyTorch's other overload, so another name."""

    node_name = "MaskedFillBackward1"


class Clone(Function):
    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, a):
        return a._array.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def jvp(ctx, tangent):
        return tangent


class ToCopy(Function):
    """A change of dtype: the gradient goes back converted to the input's dtype (the engine does that)."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, numpy_dtype):
        return a._array.astype(numpy_dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent  # the engine converts it to the output's dtype


def where(condition, a, b):
    """``torch.where`` for tensors and numbers."""
    if not isinstance(condition, Tensor):
        raise TypeError("where(): condition must be a bool Tensor")
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return Where.apply(condition, a, b)
    # a number becomes a 0-d tensor of the promoted dtype (as a 0-d tensor it would rank above a number)
    dtype = result_dtype(a, b).numpy
    xp = namespace_of(condition._array)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        out = xp.where(condition._array, xp.asarray(a, dtype=dtype), xp.asarray(b, dtype=dtype))
        return Tensor._make(out, False, None, 0)
    if not isinstance(a, Tensor):
        a = _number_as_tensor(a, dtype, xp)
    if not isinstance(b, Tensor):
        b = _number_as_tensor(b, dtype, xp)
    return Where.apply(condition, a, b)


def _number_as_tensor(value, dtype, xp):
    """``value`` as a 0-d tensor of ``dtype``, wrapped into an integer dtype's range as PyTorch casts."""
    return Tensor._make(xp.asarray(converted(value, dtype), dtype=dtype), False, None, 0)


# ------------------------------------------------------------------ floor division and remainder
def _kind(operand) -> str:
    """The dtype kind of an array, NumPy scalar or Python number ("b", "i", "u", "f")."""
    dtype = getattr(operand, "dtype", None)
    if dtype is not None:
        return dtype.kind
    return "b" if isinstance(operand, bool) else "i" if isinstance(operand, int) else "f"


def _check_division(kernel, a_array, b_array) -> None:
    """What PyTorch refuses and NumPy computes: two bools (NumPy answers in int8) and an integer division by
    zero (NumPy gives 0 with a warning). ``kernel`` names PyTorch's CPU kernel in the bool message."""
    a_kind, b_kind = _kind(a_array), _kind(b_array)
    if a_kind not in "biu" or b_kind not in "biu":
        return  # a float result: division by zero gives inf or nan, as in PyTorch
    if a_kind == "b" and b_kind == "b":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
    zero_divisor = b_array == 0
    if (zero_divisor if type(zero_divisor) is bool else zero_divisor.any()) and getattr(a_array, "size", 1):
        raise RuntimeError("ZeroDivisionError")  # (an empty dividend divides nothing: no error)


def _floor_divide(a, b):
    """``a // b`` on the arrays of tensors or numbers: NumPy floors as Python does (-7 // 2 == -4), and its
    float algorithm (fmod, then snap the quotient to an integer) is PyTorch's, so the values agree."""
    _check_division("div_floor", array_of(a), array_of(b))
    return arithmetic(operator.floordiv, a, b)


def _remainder(a, b):
    """``a % b`` with the sign of the divisor (Python's rule), as PyTorch computes it."""
    a_array = array_of(a)
    _check_division("remainder", a_array, array_of(b))
    out = arithmetic(operator.mod, a, b)
    if out.dtype.kind == "f":
        # NumPy gives a zero remainder the divisor's sign, PyTorch (C's fmod) the dividend's: -4. % 2. is -0.
        zero = out == 0
        if zero.any():
            xp = namespace_of(out)
            dividend = xp.where(zero, a_array, 1.0)  # finite where the remainder is 0, so `* 0.0` cannot warn
            out = xp.where(zero, dividend * 0.0, out).astype(out.dtype, copy=False)
    return out


class _NoDerivative(Function):
    """An op PyTorch gives no derivative. Its output still requires grad; the node, ``NotImplemented``, links
    only the inputs that require grad and fails when backward reaches it."""

    aten_name = ""

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(f"derivative for aten::{ctx._forward_cls.aten_name} is not implemented")

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError(f"Trying to use forward AD with aten::{ctx._forward_cls.aten_name} that does not "
                                  "support it.")


def _link_only_inputs_needing_grad(ctx) -> None:
    """PyTorch's NotImplemented node has edges only to the inputs that require grad: `x // w` with only w
    requiring grad shows one edge, not also (None, 0) for x as other ops do."""
    edges = getattr(ctx, "_arg_edges", None)  # a forward that records nothing gets a context without them
    if edges:
        ctx._arg_edges = [None if edge is None or edge[0] is None else edge for edge in edges]


class FloorDivide(_NoDerivative):
    """``a // b`` (tensors or numbers, one of them a tensor)."""

    node_name = "NotImplemented"
    node_display_name = "torch::autograd::NotImplemented"
    aten_name = "floor_divide"

    @staticmethod
    def forward(ctx, a, b):
        _link_only_inputs_needing_grad(ctx)
        return _floor_divide(a, b)


class FloorDivideInPlace(FloorDivide):
    """``a.floor_divide_(b)``, ``a //= b``: PyTorch's error names the in-place op."""

    node_name = "NotImplemented"
    node_display_name = "torch::autograd::NotImplemented"
    aten_name = "floor_divide_"


class RRemainder(_NoDerivative):
    """``number % tensor``: PyTorch's ``remainder(Scalar, Tensor)`` has no derivative."""

    node_name = "NotImplemented"
    node_display_name = "torch::autograd::NotImplemented"
    aten_name = "remainder"

    @staticmethod
    def forward(ctx, a, b):
        _link_only_inputs_needing_grad(ctx)
        return _remainder(a, b)


class Remainder(Function):
    """``tensor % number``: the derivative is 1 almost everywhere (the jumps have none)."""

    node_name = "RemainderBackward0"

    @staticmethod
    def forward(ctx, a, number):
        return _remainder(a, number)

    @staticmethod
    def backward(ctx, grad):
        return grad, None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent


class RemainderTensor(Function):
    """``tensor % tensor``: ``a - floor(a / b) * b``, so d/da = 1 and d/db = -floor(a / b) between the jumps."""

    node_name = "RemainderBackward1"

    @staticmethod
    def forward(ctx, a, b):
        if ctx.needs_input_grad[1]:  # only d/db needs the operands
            ctx.save_for_backward(a, b)
        return _remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.needs_input_grad[1]:
            return grad, None
        a, b = ctx.saved_tensors
        return grad, -grad * namespace_for(grad).floor_divide(a, b)  # DivBackward2 under create_graph, as PyTorch

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        if tangent_b is None:
            return tangent_a
        a, b = ctx.saved_tensors
        return add_tangents(tangent_a, -tangent_b * namespace_for(tangent_b).floor_divide(a, b))


def _trunc_divide(a, b):
    """``a / b`` rounded toward zero: for floats the true quotient truncated, for integers C's division
    (-7 / 2 == -3), as PyTorch's ``div(..., rounding_mode="trunc")``."""
    a_array, b_array = array_of(a), array_of(b)
    _check_division("div_trunc", a_array, b_array)
    if _kind(a_array) in "biu" and _kind(b_array) in "biu":
        quotient = arithmetic(operator.floordiv, a, b)  # floors: one too low where the signs differ and b
        inexact = arithmetic(operator.mod, a, b) != 0    # does not divide a
        return quotient + (inexact & ((a_array < 0) != (b_array < 0)))
    quotient = arithmetic(operator.truediv, a, b, true_division=True)
    return namespace_of(quotient).trunc(quotient)


_ROUNDED_DIVISIONS = {"floor": _floor_divide, "trunc": _trunc_divide}


class DivRounded(Function):
    """``a.div(b, rounding_mode="floor" | "trunc")``: a step function, recorded by PyTorch as DivBackward2
    with a zero derivative everywhere (also how the derivative of ``a % b`` records ``floor(a / b)``)."""

    node_name = "DivBackward2"
    numbers_are_inputs = True  # `x + 2` shows (None, 0) for the 2, as PyTorch does
    nondifferentiable_args = (2,)  # the mode

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        divide = _ROUNDED_DIVISIONS.get(rounding_mode)
        if divide is None:
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        return divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        zeros = _zero_gradient(ctx, grad)  # summed to each input's shape by the engine
        needs_a, needs_b = ctx.needs_input_grad[:2]
        return zeros if needs_a else None, zeros if needs_b else None, None

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b, _):
        return _zero_gradient(ctx, tangent_a if tangent_a is not None else tangent_b)


# ------------------------------------------------------------------ rounding: step functions
def _refuse_dtype(array, kernel, kinds) -> None:
    """PyTorch's error for a dtype its kernel lacks (NumPy would compute something: floor of bools, ...)."""
    if array.dtype.kind in kinds:
        from .._dtype import from_numpy_dtype

        name = from_numpy_dtype(array.dtype)._short_tensor_name.replace("Tensor", "")
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")


def _zero_gradient(ctx, grad):
    """The derivative of a step function: zeros (not ``grad * 0``: an infinite gradient still gives 0)."""
    return namespace_for(grad).zeros_like(grad)


def _whole_numbers(x, function_name, kernel):
    """A rounding op's forward: integers are already whole (a copy, as PyTorch); bools are refused."""
    array = x._array
    _refuse_dtype(array, kernel, "b")
    if array.dtype.kind in "iu":
        return array.copy()
    return getattr(namespace_of(array), function_name)(array)


class Floor(Function):
    """Rounding ops are constant between their jumps: PyTorch's derivative is zero everywhere."""

    node_name = "FloorBackward0"

    @staticmethod
    def forward(ctx, x):
        return _whole_numbers(x, "floor", "floor_vml_cpu")

    backward = jvp = staticmethod(_zero_gradient)


class Ceil(Function):
    node_name = "CeilBackward0"

    @staticmethod
    def forward(ctx, x):
        return _whole_numbers(x, "ceil", "ceil_vml_cpu")

    backward = jvp = staticmethod(_zero_gradient)


class Trunc(Function):
    node_name = "TruncBackward0"

    @staticmethod
    def forward(ctx, x):
        return _whole_numbers(x, "trunc", "trunc_vml_cpu")

    backward = jvp = staticmethod(_zero_gradient)


class Round(Function):
    """Halves to even, as PyTorch."""

    node_name = "RoundBackward0"

    @staticmethod
    def forward(ctx, x):
        return _whole_numbers(x, "round", "round_vml_cpu")

    backward = jvp = staticmethod(_zero_gradient)


class RoundDecimals(Function):
    """``round(decimals=d)``: PyTorch scales by 10**|d| in the tensor's dtype, rounds halves to even and
    scales back (dividing for d >= 0, multiplying for d < 0: NumPy's ``around`` multiplies by 10**d instead,
    which rounds differently for d < 0)."""

    node_name = "RoundBackward1"
    nondifferentiable_args = (1,)

    @staticmethod
    def forward(ctx, a, decimals):
        array = a._array
        _refuse_dtype(array, "round_cpu", "biu")
        xp = namespace_of(array)
        scale = array.dtype.type(10.0 ** abs(decimals))
        if decimals >= 0:
            return xp.round(array * scale) / scale
        return xp.round(array / scale) * scale

    @staticmethod
    def backward(ctx, grad):
        return _zero_gradient(ctx, grad), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return _zero_gradient(ctx, tangent)


class Frac(Clone):
    """``x - trunc(x)``: the fractional part, with the sign of x; derivative 1 between the jumps, so backward
    and jvp are Clone's (the identity)."""

    node_name = "FracBackward0"

    @staticmethod
    def forward(ctx, a):
        array = a._array
        _refuse_dtype(array, "frac_cpu", "biu")
        return array - namespace_of(array).trunc(array)


# ------------------------------------------------------------------ more logarithms and exponentials, erf
_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046
_TWO_OVER_SQRT_PI = 1.1283791670955126

def _erf(xp, x):
    """The error function from two classic expansions, in float64 (relative error below 2e-15 against
    C's erf; the result is rounded to x's dtype). NumPy has no erf and CuPy keeps its own in cupyx.scipy, so
    this uses only functions every backend's namespace has, and a fixed number of terms (no data-dependent loop):

    * |x| <= 2.5: erf(x) = 2/sqrt(pi) exp(-x²) Σ 2ⁿ x²ⁿ⁺¹ / (1·3···(2n+1)) (Abramowitz & Stegun 7.1.6; every term
      positive, so nothing cancels), 35 terms;
    * |x| > 2.5: erf(x) = 1 - erfc(x), erfc from Laplace's continued fraction
      exp(-x²)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) (A&S 7.1.14), 25 levels, evaluated bottom-up.
    """
    x64 = x.astype("float64")
    small = xp.clip(x64, -2.5, 2.5)  # odd powers only: the series keeps the sign, -0.0 included
    double_square = 2 * small * small
    term = small
    series = small
    for n in range(1, 35):
        term = term * double_square / (2 * n + 1)
        series = series + term
    series = series * xp.exp(-small * small) * _TWO_OVER_SQRT_PI
    large = xp.maximum(xp.abs(x64), 2.5)
    fraction = large
    for k in range(25, 0, -1):
        fraction = large + (k / 2) / fraction
    complement = 1 - xp.exp(-large * large) / (1.7724538509055159 * fraction)  # sqrt(pi)
    out = xp.where(xp.abs(x64) <= 2.5, series, xp.where(x64 < 0, -complement, complement))
    return out.astype(x.dtype, copy=False)


# ------------------------------------------------------------------ smooth activations (nn.functional)
_SQRT_HALF = 0.7071067811865476
_ONE_OVER_SQRT_2PI = 0.3989422804014327
_SQRT_2_OVER_PI = 0.7978845608028654
_GELU_CUBIC = 0.044715


class Gelu(Function):
    """``x Φ(x)``, Φ the standard normal CDF; ``approximate="tanh"``: Φ(x) ≈ (1 + tanh(√(2/π)(x + 0.044715x³)))/2."""

    node_name = "GeluBackward0"
    nondifferentiable_args = (1,)

    @staticmethod
    def forward(ctx, a, approximate):
        if approximate not in ("none", "tanh"):
            raise RuntimeError("approximate argument must be either none or tanh.")
        array = a._array
        _refuse_dtype(array, "GeluKernelImpl", "biu")
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        xp = namespace_of(array)
        if approximate == "tanh":
            out = 0.5 * array * (1 + xp.tanh(_SQRT_2_OVER_PI * (array + _GELU_CUBIC * array * array * array)))
        else:
            out = 0.5 * array * (1 + _erf(xp, array * _SQRT_HALF))
        return out.astype(array.dtype, copy=False)  # NumPy 1 computes a 0-d float32 with numbers in float64

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        xp = namespace_for(x)
        if ctx.approximate == "tanh":
            t = xp.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
            slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
        else:  # Φ(x) + x φ(x)
            slope = 0.5 * (1 + erf(x * _SQRT_HALF)) + x * xp.exp(-0.5 * x * x) * _ONE_OVER_SQRT_2PI
        return grad * slope, None

    @staticmethod
    def jvp(ctx, tangent, _):
        return Gelu.backward(ctx, tangent)[0]


class Silu(Function):
    """``x * sigmoid(x)`` (also called swish)."""

    node_name = "SiluBackward0"

    @staticmethod
    def forward(ctx, a):
        array = a._array
        _refuse_dtype(array, "silu_cpu", "biu")
        ctx.save_for_backward(a)
        return array * sigmoid(array)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        s = sigmoid(x)
        return grad * s * (1 + x * (1 - s))

    @staticmethod
    def jvp(ctx, tangent):
        return Silu.backward(ctx, tangent)


class Softplus(Function):
    """``log(1 + exp(beta x)) / beta``, and x itself where ``beta x > threshold`` (where the two agree to
    within rounding and exp would overflow), as PyTorch."""

    node_name = "SoftplusBackward0"
    nondifferentiable_args = (1, 2)

    @staticmethod
    def forward(ctx, a, beta, threshold):
        array = a._array
        _refuse_dtype(array, "softplus_cpu", "biu")
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        xp = namespace_of(array)
        scaled = array * beta
        linear = scaled > threshold
        smooth = xp.log1p(xp.exp(xp.where(linear, 0, scaled))) / beta  # exp never sees the large values
        return xp.where(linear, array, smooth).astype(array.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        scaled = x * ctx.beta
        return namespace_for(x).where(scaled > ctx.threshold, grad, grad * sigmoid(scaled)), None, None

    @staticmethod
    def jvp(ctx, tangent, _beta, _threshold):
        return Softplus.backward(ctx, tangent)[0]


def _elu(ctx, a, alpha):
    array = a._array
    _refuse_dtype(array, "elu_cpu", "biu")
    ctx.alpha = alpha
    xp = namespace_of(array)
    out = xp.where(array > 0, array, alpha * xp.expm1(xp.minimum(array, 0)))  # exp never sees large values
    return out.astype(array.dtype, copy=False)


class Elu(Function):
    """x for x > 0, ``alpha (exp(x) - 1)`` otherwise; the derivative from the input (EluBackward0)."""

    node_name = "EluBackward0"
    nondifferentiable_args = (1,)

    @staticmethod
    def forward(ctx, a, alpha):
        ctx.save_for_backward(a)
        return _elu(ctx, a, alpha)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        xp = namespace_for(x)
        return xp.where(x > 0, grad, grad * ctx.alpha * xp.exp(xp.minimum(x, 0))), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return Elu.backward(ctx, tangent)[0]


class EluInPlace(Function):
    """``elu(x, inplace=True)``: the input is overwritten, so the derivative comes from the result
    (EluBackward1, as PyTorch): where x <= 0, alpha exp(x) is out + alpha."""

    node_name = "EluBackward1"
    nondifferentiable_args = (1,)

    @staticmethod
    def forward(ctx, a, alpha):
        out = _elu(ctx, a, alpha)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return namespace_for(out).where(out > 0, grad, grad * (out + ctx.alpha)), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return EluInPlace.backward(ctx, tangent)[0]


# ------------------------------------------------------------------ lerp, nan_to_num
_TYPE_META_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                    "int32": "int", "bool": "bool"}  # how PyTorch's dtype check names a dtype


def _check_lerp_operand(start, operand, name: str) -> None:
    if operand.dtype != start.dtype:
        expected, got = (_TYPE_META_NAMES.get(str(d), str(d)) for d in (start.dtype, operand.dtype))
        raise RuntimeError(f"expected dtype {expected} for `{name}` but got dtype {got}")


def _lerp(xp, start, end, weight):
    """PyTorch's formula: from the nearer end, so that weight 0 gives start and weight 1 gives end exactly."""
    difference = end - start
    return xp.where(abs(weight) < 0.5, start + weight * difference, end - difference * (1 - weight))


class Lerp(Function):
    """``start.lerp(end, weight)`` with a number ``weight``: start + weight * (end - start)."""

    node_name = "LerpBackward0"
    nondifferentiable_args = (2,)  # the number weight

    @staticmethod
    def forward(ctx, start, end, weight):
        start_array, end_array = start._array, end._array
        _refuse_dtype(start_array, "lerp_kernel_scalar", "biu")
        check_same_device(start, end)
        _check_lerp_operand(start_array, end_array, "end")
        check_broadcastable(start_array.shape, end_array.shape)
        ctx.weight = weight
        return _lerp(namespace_of(start_array), start_array, end_array, weight).astype(start_array.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * (1 - ctx.weight), grad * ctx.weight, None

    @staticmethod
    def jvp(ctx, tangent_start, tangent_end, _):
        return add_tangents(None if tangent_start is None else tangent_start * (1 - ctx.weight),
                            None if tangent_end is None else tangent_end * ctx.weight)


class LerpTensor(Function):
    """``start.lerp(end, weight)`` with a tensor ``weight``, which is differentiated too: d/dweight = end - start."""

    node_name = "LerpBackward1"

    @staticmethod
    def forward(ctx, start, end, weight):
        start_array, end_array, weight_array = start._array, end._array, weight._array
        _refuse_dtype(start_array, "lerp_kernel_tensor", "biu")
        check_same_device(start, end, weight)
        _check_lerp_operand(start_array, end_array, "end")
        _check_lerp_operand(start_array, weight_array, "weight")
        for shape in (end_array.shape, weight_array.shape):
            check_broadcastable(start_array.shape, shape)
        check_broadcastable(end_array.shape, weight_array.shape)  # pairwise is enough for all three
        ctx.save_for_backward(start, end, weight)
        return _lerp(namespace_of(start_array), start_array, end_array, weight_array)

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        return (grad * (1 - weight) if ctx.needs_input_grad[0] else None,
                grad * weight if ctx.needs_input_grad[1] else None,
                grad * (end - start) if ctx.needs_input_grad[2] else None)

    @staticmethod
    def jvp(ctx, tangent_start, tangent_end, tangent_weight):
        start, end, weight = ctx.saved_tensors
        return add_tangents(None if tangent_start is None else tangent_start * (1 - weight),
                            None if tangent_end is None else tangent_end * weight,
                            None if tangent_weight is None else tangent_weight * (end - start))


class NanToNum(Function):
    """``x.nan_to_num(nan, posinf, neginf)``: NaN and infinities replaced (by default 0 and the dtype's
    largest/smallest finite numbers). The gradient passes where the input was finite and is zero elsewhere."""

    node_name = "NanToNumBackward0"
    nondifferentiable_args = (1, 2, 3)

    @staticmethod
    def forward(ctx, a, nan=None, posinf=None, neginf=None):
        array = a._array
        xp = namespace_of(array)
        if array.dtype.kind != "f":
            return array.copy()  # integers and bools hold no NaN or infinity
        ctx.save_for_backward(xp.isfinite(array))  # where the gradient passes
        return xp.nan_to_num(array, nan=0.0 if nan is None else nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        finite, = ctx.saved_tensors
        return namespace_for(grad).where(finite, grad, 0), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return NanToNum.backward(ctx, tangent)[0]
