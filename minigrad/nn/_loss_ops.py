"""Loss functions that PyTorch records as one graph node, written as ``Function``s.

``MseLossBackward0``, ``NllLossBackward0`` / ``NllLoss2DBackward0``, ``BinaryCrossEntropyBackward0``,
``BinaryCrossEntropyWithLogitsBackward0`` and ``LogSigmoidBackward0``: forward computes on arrays (through
the backend namespace ``xp``); backward is the derivative written once, run on arrays while a backward pass
records nothing and on tensors under ``create_graph=True`` (``namespace_for``), so second derivatives work. Every forward is numerically stable: logits of +-1000 give finite losses and gradients.

``reduction`` is one of 'none', 'mean', 'sum' (checked by ``nn.functional`` before we get here).
Arguments PyTorch does not differentiate (class indices, ``weight``, ``pos_weight``) are passed as raw
arrays, so they are not edges of the node: ``next_functions`` then lists what PyTorch lists.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend import namespace_of
from ..ops._util import Tensor, add_tangents, namespace_for
from ..ops.elementwise import sigmoid


# PyTorch's floor on x (1 - x) in the BCE gradient is the C++ float 1e-12, i.e. this double:
BCE_EPSILON = 9.999999960041972e-13


def _reduce(xp, losses, reduction: str):
    if reduction == "none":
        return losses
    total = losses.sum() if reduction == "sum" else losses.mean()  # methods: NumPy's functions wrap them
    return xp.asarray(total, dtype=losses.dtype)


def _mean_scale(ctx, grad):
    """The incoming gradient, divided by the element count when the forward took a mean."""
    return grad / ctx.count if ctx.reduction == "mean" else grad


def _reduce_tangent(ctx, tangent):
    """Forward mode: the per-element tangent of the losses, reduced as forward reduced the losses."""
    if ctx.reduction == "none":
        return tangent
    total = tangent.sum()
    return total / ctx.count if ctx.reduction == "mean" else total


class MseLoss(Function):
    """``mean((input - target)^2)``; the gradient is ``2 (input - target) / N``."""

    node_name = "MseLossBackward0"

    @staticmethod
    def forward(ctx, input, target, reduction):
        xp = namespace_of(input._array)
        difference = input._array - target._array
        ctx.save_for_backward(input, target)
        ctx.reduction, ctx.count = reduction, difference.size
        return _reduce(xp, difference * difference, reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        grad_input = _mean_scale(ctx, grad) * 2 * (input - target)
        needs_input, needs_target = ctx.needs_input_grad[:2]
        return (grad_input if needs_input else None, -grad_input if needs_target else None, None)

    @staticmethod
    def jvp(ctx, tangent_input, tangent_target, _):
        input, target = ctx.saved_tensors
        difference = add_tangents(tangent_input, -tangent_target if tangent_target is not None else None)
        return _reduce_tangent(ctx, 2 * (input - target) * difference)


def _nll_coefficients(xp, input_array, target_array, weight_array, ignore_index, class_axis=1):
    """Per-sample weights ``w[target]`` (zero where ignored), the class index of each sample (0 where
    ignored, so it can index) and the mask of ignored samples."""
    ignored = target_array == ignore_index
    safe_target = xp.where(ignored, 0, target_array)
    classes = input_array.shape[class_axis]
    bad = (~ignored) & ((target_array < 0) | (target_array >= classes))
    if bool(bad.any()):
        raise IndexError(f"Target {int(target_array[bad].reshape(-1)[0])} is out of bounds.")
    if weight_array is None:
        sample_weight = xp.ones(target_array.shape, dtype=input_array.dtype)
    else:
        sample_weight = weight_array[safe_target].astype(input_array.dtype, copy=False)
    sample_weight = xp.where(ignored, xp.zeros((), dtype=input_array.dtype), sample_weight)
    return sample_weight, safe_target, ignored


def _each_sample_weighs_one(array, target_array, ignore_index) -> bool:
    """For an (N, C) input without class weights: is every target a class in [0, C), none equal to
    ``ignore_index``? Then every sample weighs 1. (A bad target gives False: the general path raises.)"""
    count, classes = array.shape
    # That path divides by the summed weights, N in the input's dtype: for float16 possibly rounded or inf
    # (where its quiet division matters), and 0 for an empty batch. Those stay with it.
    if count == 0 or array.dtype.itemsize < 4:
        return False
    outside = (target_array < 0) | (target_array >= classes)
    if 0 <= ignore_index < classes:  # an in-range ignore_index is not among `outside`: look for it too
        outside |= target_array == ignore_index
    return not outside.any()


def _unweighted_nll_2d(ctx, xp, array, target_array, reduction):
    """``NllLoss.forward`` on (N, C) when every sample weighs 1 (``_each_sample_weighs_one``): the general
    path's arithmetic, without its arrays of ones, its masks and its ``where`` passes."""
    count = array.shape[0]
    rows = xp.arange(count)
    losses = -1.0 * array[rows, target_array]  # a product, as -w[t] * x: a NaN keeps its sign (negation flips it)
    denominator = array.dtype.type(count) if reduction == "mean" else 1
    coefficients = xp.zeros(array.shape, dtype=array.dtype)
    coefficients[rows, target_array] = -1 / denominator  # the constant gradient, as in the general path
    ctx.save_for_backward(coefficients)
    ctx.reduction = reduction
    if reduction == "mean":
        return xp.asarray(losses.sum() / denominator, dtype=array.dtype)
    return _reduce(xp, losses, reduction)


class NllLoss(Function):
    """Negative log-likelihood of class indices: ``-w[t] * input[n, t]``, averaged by the weights.

    ``input`` is (N, C) or (C,); ``target`` (an array) holds class indices (N,) or (). With reduction
    'mean' the sum is divided by the total weight of the samples not equal to ``ignore_index``.
    """

    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, input, target_array, weight_array, reduction, ignore_index):
        array = input._array
        xp = namespace_of(array)
        if array.ndim == 2 and weight_array is None and _each_sample_weighs_one(array, target_array, ignore_index):
            return _unweighted_nll_2d(ctx, xp, array, target_array, reduction)
        scalar_sample = array.ndim == 1
        if scalar_sample:  # (C,) with a 0-d target is one sample
            array, target_array = array[None], target_array.reshape(1)
        sample_weight, safe_target, ignored = _nll_coefficients(xp, array, target_array, weight_array,
                                                                ignore_index)
        if array.ndim == 2:  # (N, C): plain indexing, a few µs cheaper than the *_along_axis helpers
            rows = xp.arange(array.shape[0])
            picked = array[rows, safe_target]
        else:
            picked = xp.take_along_axis(array, xp.expand_dims(safe_target, 1), axis=1).squeeze(1)
        losses = -sample_weight * picked
        # The loss is linear in the input, so its gradient is a constant: -w[t] / denominator at each
        # sample's target class, zero elsewhere and for ignored samples.
        denominator = sample_weight.sum() if reduction == "mean" else 1
        with _quiet_division(xp):
            scaled = xp.where(ignored, 0, -sample_weight / denominator).astype(array.dtype, copy=False)
        coefficients = xp.zeros(array.shape, dtype=array.dtype)
        if array.ndim == 2:
            coefficients[rows, safe_target] = scaled
        else:
            xp.put_along_axis(coefficients, xp.expand_dims(safe_target, 1), xp.expand_dims(scaled, 1), axis=1)
        if scalar_sample:
            coefficients, losses = coefficients[0], losses[0]
        ctx.save_for_backward(coefficients)
        ctx.reduction = reduction
        if reduction == "mean":
            with _quiet_division(xp):
                return xp.asarray(losses.sum() / denominator, dtype=array.dtype)
        return _reduce(xp, losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        coefficients, = ctx.saved_tensors
        if ctx.reduction == "none" and coefficients.ndim > 1:
            grad = namespace_for(grad).expand_dims(grad, 1)  # one gradient per sample, spread over the class axis
        return grad * coefficients, None, None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        coefficients, = ctx.saved_tensors  # linear in the input: the same weights applied to the tangent
        if ctx.reduction == "none" and coefficients.dim() > 1:
            return (coefficients * tangent).sum(1)
        return (coefficients * tangent).sum()


class NllLoss2d(NllLoss):
    """``nll_loss`` on (N, C, H, W) inputs: the same rule, PyTorch's other node name."""

    node_name = "NllLoss2DBackward0"


class BinaryCrossEntropy(Function):
    """``-w (t log x + (1 - t) log(1 - x))`` for probabilities ``x``; logs are clamped at -100 as in
    PyTorch, so x = 0 or 1 gives a finite loss."""

    node_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, input, target, weight, reduction):
        """``weight``: an array broadcastable to the input, or None."""
        x, t = input._array, target._array
        xp = namespace_of(x)
        if bool(((x < 0) | (x > 1)).any()):
            raise RuntimeError("all elements of input should be between 0 and 1")
        with _quiet_division(xp):
            log_x = xp.maximum(xp.log(x), -100)
            log_one_minus_x = xp.maximum(xp.log(1 - x), -100)
        losses = -(t * log_x + (1 - t) * log_one_minus_x)
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(input, target, weight)
        ctx.reduction, ctx.count = reduction, x.size
        return _reduce(xp, losses.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target, weight = ctx.saved_tensors
        scale = _mean_scale(ctx, grad)
        if weight is not None:
            scale = scale * weight
        grad_input = grad_target = None
        xp = namespace_for(input)
        if ctx.needs_input_grad[0]:
            # (x - t) / (x (1 - x)), with PyTorch's floor of 1e-12 on the denominator
            grad_input = scale * (input - target) / xp.maximum((1 - input) * input, BCE_EPSILON)
        if ctx.needs_input_grad[1]:
            grad_target = scale * (xp.log(1 - input) - xp.log(input))
        return grad_input, grad_target, None, None

    @staticmethod
    def jvp(ctx, tangent_input, tangent_target, *_):
        input, target, weight = ctx.saved_tensors
        tangent = add_tangents(
            tangent_input * (input - target) / ((1 - input) * input).clamp(min=BCE_EPSILON)
            if tangent_input is not None else None,
            tangent_target * ((1 - input).log() - input.log()) if tangent_target is not None else None)
        return _reduce_tangent(ctx, tangent if weight is None else tangent * weight)


class LogSigmoid(Function):
    """``log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|))``, finite for any x."""

    node_name = "LogSigmoidBackward0"

    @staticmethod
    def forward(ctx, input):
        x = input._array
        xp = namespace_of(x)
        ctx.save_for_backward(input)
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        input, = ctx.saved_tensors
        return grad * sigmoid(-input)  # d/dx log sigmoid(x) = 1 - sigmoid(x) = sigmoid(-x)

    @staticmethod
    def jvp(ctx, tangent):
        return LogSigmoid.backward(ctx, tangent)  # element-wise: the same diagonal Jacobian


def _log_sigmoid_array(xp, x):
    return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))


def log_sigmoid(x):
    """log sigmoid of an array or a tensor: NumPy has none, so an array gets the forward's formula and a
    tensor the recorded ``LogSigmoid`` (what backward rules, written once for both, call)."""
    if not isinstance(x, Tensor):
        return _log_sigmoid_array(namespace_of(x), x)
    return LogSigmoid.apply(x)


class BinaryCrossEntropyWithLogits(Function):
    """Binary cross-entropy on logits: ``(1 - t) x - (1 + (p - 1) t) log sigmoid(x)``, times ``weight``.

    ``pos_weight`` (p, broadcast over the last dimension) weighs the positive examples. Written with
    log-sigmoid, so logits of +-1000 give exact finite values instead of log(0).
    """

    node_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, input, target, weight, pos_weight, reduction):
        """``weight`` and ``pos_weight``: arrays (broadcast against the input), or None."""
        x, t = input._array, target._array
        xp = namespace_of(x)
        log_sigmoid = _log_sigmoid_array(xp, x)
        if pos_weight is not None:
            log_sigmoid = log_sigmoid * ((pos_weight - 1) * t + 1)
        losses = (1 - t) * x - log_sigmoid
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(input, target, weight, pos_weight)
        ctx.reduction, ctx.count = reduction, losses.size
        return _reduce(xp, losses.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target, weight, pos_weight = ctx.saved_tensors
        scale = _mean_scale(ctx, grad)
        if weight is not None:
            scale = scale * weight
        grad_input = grad_target = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                grad_input = scale * (sigmoid(input) - target)
            else:
                weighted_target = pos_weight * target
                grad_input = scale * ((weighted_target + 1 - target) * sigmoid(input) - weighted_target)
        if ctx.needs_input_grad[1]:
            if pos_weight is None:
                grad_target = scale * -input
            else:
                grad_target = scale * (log_sigmoid(-input) - log_sigmoid(input) * pos_weight)
        return grad_input, grad_target, None, None, None

    @staticmethod
    def jvp(ctx, tangent_input, tangent_target, *_):
        input, target, weight, pos_weight = ctx.saved_tensors
        term_input = term_target = None
        if tangent_input is not None:
            if pos_weight is None:
                term_input = tangent_input * (input.sigmoid() - target)
            else:
                weighted_target = pos_weight * target
                term_input = tangent_input * ((weighted_target + 1 - target) * input.sigmoid() - weighted_target)
        if tangent_target is not None:
            if pos_weight is None:
                term_target = tangent_target * -input
            else:
                term_target = tangent_target * (LogSigmoid.apply(-input) - LogSigmoid.apply(input) * pos_weight)
        tangent = add_tangents(term_input, term_target)
        return _reduce_tangent(ctx, tangent if weight is None else tangent * weight)


class DivByCount(Function):
    """``tensor / n`` for a Python count, recorded as PyTorch's C++ losses record it (``DivBackward1``,
    the Scalar overload) -- e.g. the mean of cross-entropy with probability targets."""

    node_name = "DivBackward1"

    @staticmethod
    def forward(ctx, tensor, count):
        ctx.count = count
        array = tensor._array
        return (array / count).astype(array.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.count, None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent / ctx.count


class _quiet_division:
    """Silence NumPy's divide/invalid warnings where PyTorch silently gives inf or nan."""

    def __init__(self, xp):
        self.errstate = getattr(xp, "errstate", None)

    def __enter__(self):
        self.context = self.errstate(divide="ignore", invalid="ignore") if self.errstate else None
        if self.context is not None:
            self.context.__enter__()

    def __exit__(self, *exc_info):
        if self.context is not None:
            self.context.__exit__(*exc_info)
