"""``torch.nn.functional``: layers and losses as plain functions (no parameters of their own).

Activations and ``linear`` call the ops of ``minigrad.ops``; losses that PyTorch records as one node are
the ``Function``s of ``minigrad.nn._loss_ops``; ``cross_entropy`` is ``log_softmax`` followed by
``nll_loss`` -- two nodes, as in PyTorch.
"""
from __future__ import annotations

import warnings

from .. import ops
from ..autograd import no_grad
from .._tensor import Tensor
from ..backend import namespace_of
from ..ops._util import _HOST_OR_NONE, check_broadcastable
from ..ops.norms import VectorNorm
from . import _layer_ops, _loss_ops

_REDUCTIONS = ("none", "mean", "sum")


# ---------------------------------------------------------------------- activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) element-wise."""
    return input.relu_() if inplace else ops.Relu.apply(input)


def relu_(input: Tensor) -> Tensor:
    """``relu`` in place: negative entries of ``input`` become 0."""
    return input.relu_()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, ``negative_slope * x`` otherwise."""
    if inplace:
        from .._tensor_methods import _in_place

        return _in_place(input, ops.LeakyRelu, negative_slope)
    return ops.LeakyRelu.apply(input, negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Φ(x), Φ the standard normal CDF; ``approximate="tanh"`` uses the tanh approximation of Φ."""
    return ops.Gelu.apply(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    if inplace:
        from .._tensor_methods import _in_place

        return _in_place(input, ops.Silu)
    return ops.Silu.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, a smooth relu; x itself where beta * x > threshold."""
    return ops.Softplus.apply(input, beta, threshold)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    if inplace:
        from .._tensor_methods import _in_place

        return _in_place(input, ops.EluInPlace, alpha)
    return ops.Elu.apply(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``elu`` in place."""
    return elu(input, alpha, inplace=True)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) element-wise."""
    return ops.Sigmoid.apply(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent element-wise."""
    return ops.Tanh.apply(input)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed without overflow."""
    return _loss_ops.LogSigmoid.apply(input)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's legacy choice of ``dim`` when none is given, with its deprecation warning."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _along_softmax_dim(op, name: str, input: Tensor, dim, stacklevel: int, dtype) -> Tensor:
    """``op.apply(input, dim)`` after softmax's argument handling: the implicit ``dim`` (its warning pointed
    ``stacklevel`` frames above the public function, as PyTorch's ``_stacklevel``) and the ``dtype`` cast."""
    if dim is None:
        dim = _softmax_dim(name, input.dim(), stacklevel + 1)  # + 1: this helper's own frame
    if dtype is not None:
        input = input.to(dtype)
    return op.apply(input, dim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (computed after subtracting the max, so it never overflows)."""
    return _along_softmax_dim(ops.Softmax, "softmax", input, dim, _stacklevel, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim``: the log of softmax without ever computing log(0)."""
    return _along_softmax_dim(ops.LogSoftmax, "log_softmax", input, dim, _stacklevel, dtype)


# ---------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``. Like PyTorch, a 2-D input with a bias is one ``AddmmBackward0`` node;
    other inputs fold their leading dimensions into rows and view the result back."""
    if bias is None:
        return input.matmul(weight.t())
    ndim = input._array.ndim
    if ndim == 2:
        return ops.Addmm.apply(bias, input, weight.t())
    if ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and "
                           f"{weight.dim()}D")
    rows = input.reshape(-1, input.shape[-1])
    return ops.Addmm.apply(bias, rows, weight.t()).view(*input.shape[:-1], weight.shape[0])


def _convolution(input, weight, bias, stride, padding, dilation, groups, dims: int, name: str) -> Tensor:
    """conv1d/conv2d: an unbatched input gets a batch of one (and loses it again), as in PyTorch."""
    from . import _conv_args, _conv_ops

    if input.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {name}, but got "
                           f"input of size: {list(input.shape)}")
    unbatched = input.dim() == dims + 1
    if unbatched:
        input = input.unsqueeze(0)
    if not isinstance(padding, str):
        padding = _conv_args.as_tuple(padding, dims)
    stride, pads, dilation = _conv_args.convolution_arguments(
        input, weight, bias, _conv_args.as_tuple(stride, dims), padding, _conv_args.as_tuple(dilation, dims), groups)
    if any(before != after for before, after in pads):
        # as PyTorch: the extra one of an odd 'same' total is a ConstantPadNd node first, the rest symmetric
        extra = [amount for before, after in reversed(pads) for amount in (0, after - before)]
        input = _zero_pad(input, extra)
        pads = tuple((before, before) for before, _ in pads)
    out = _conv_ops.Convolution.apply(input, weight, _layer_ops._absent() if bias is None else bias, stride, pads,
                                      dilation, groups)
    return out.squeeze(0) if unbatched else out


def _zero_pad(input, amounts):
    """``pad(input, amounts)`` with zeros: one ConstantPadNd node."""
    from ._pool_ops import ConstantPadNd

    return ConstantPadNd.apply(input, tuple(amounts), 0.0)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """Cross-correlation of ``input`` (N, C, L) with ``weight`` (O, C/groups, k), plus ``bias``: (N, O, L').
    ``padding`` may be 'valid' (none) or 'same' (output as long as the input; stride 1 only)."""
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """Cross-correlation of ``input`` (N, C, H, W) with ``weight`` (O, C/groups, kh, kw), plus ``bias``:
    one ``ConvolutionBackward0`` node, computed as one matmul over every window (``nn/_conv_ops.py``)."""
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode):
    """(kernel, stride, pads, dilation, out) of a 2-d pooling, with PyTorch's checks; ``pads`` grows after
    the input where ceil_mode lets a last window start inside the input but run past its padded end."""
    from ._conv_args import as_tuple

    kernel = as_tuple(kernel_size, 2)
    stride = kernel if stride is None or stride == [] or stride == () else as_tuple(stride, 2)
    padding, dilation = as_tuple(padding, 2), as_tuple(dilation, 2)
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    for k, p, d in zip(kernel, padding, dilation):
        if ((k - 1) * d + 1) // 2 < p:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    out, pads = [], []
    for size, k, s, p, d in zip(input.shape[-2:], kernel, stride, padding, dilation):
        span = size + 2 * p - d * (k - 1) - 1
        n = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (n - 1) * s >= size + p:
            n -= 1  # the last window must start inside the input or its left padding
        out.append(n)
        pads.append((p, p + max(0, (n - 1) * s + d * (k - 1) + 1 - (size + 2 * p))))
    if any(n < 1 for n in out):
        channels = input.shape[-3]
        raise RuntimeError(f"Given input size: ({channels}x{input.shape[-2]}x{input.shape[-1]}). Calculated output "
                           f"size: ({channels}x{out[0]}x{out[1]}). Output size is too small")
    return kernel, stride, tuple(pads), dilation, tuple(out)


def _check_pool_input(input) -> None:
    if input.dim() not in (3, 4) or input.numel() == 0:
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """The maximum of each window; with ``return_indices`` also where it was (flat over H*W, int64)."""
    from ._pool_ops import MaxPool2d

    _check_pool_input(input)
    kernel, stride, pads, dilation, _ = _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode)
    values, indices = MaxPool2d.apply(input, kernel, stride, pads, dilation)
    return (values, indices) if return_indices else values


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """The mean of each window (zero padding counted unless ``count_include_pad=False``)."""
    from ._pool_ops import AvgPool2d, pool_divisor

    _check_pool_input(input)
    kernel, stride, pads, _, out = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode)
    divisor = pool_divisor(input._array, input.shape[-2:], kernel, stride, [p for p, _ in pads], out,
                           count_include_pad, divisor_override)
    return AvgPool2d.apply(input, kernel, stride, pads, divisor)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad`` = (before, after) of the last dim, then of the one before...
    ``mode``: 'constant' (``value``, default 0; negative amounts cut), 'reflect', 'replicate'."""
    from . import _pool_ops

    pad = tuple(pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    if mode == "constant":
        return _pool_ops.ConstantPadNd.apply(input, pad, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    dims = len(pad) // 2
    if dims not in (1, 2) or input.dim() not in (dims + 1, dims + 2):
        if dims == 3 and input.dim() in (4, 5):
            raise NotImplementedError("minigrad pads 1 or 2 dims in mode '" + mode + "', not 3")
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode == "circular":
        raise NotImplementedError("minigrad's pad has no mode 'circular' (PyTorch builds it from slices)")
    if mode == "reflect":
        for i in range(dims):
            size = input.shape[-1 - i]
            if pad[2 * i] >= size or pad[2 * i + 1] >= size:
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({pad[2 * i]}, {pad[2 * i + 1]}) at dimension "
                                   f"{input.dim() - 1 - i} of input {list(input.shape)}")
        op = _pool_ops.ReflectionPad1d if dims == 1 else _pool_ops.ReflectionPad
    else:
        op = _pool_ops.ReplicationPad1d if dims == 1 else _pool_ops.ReplicationPad
    return op.apply(input, pad)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) over the batch and the spatial dims, then scale and shift: one
    ``NativeBatchNormBackward0`` node. While ``training`` the running statistics (if given) are updated in
    place with ``momentum``; otherwise they are what the input is normalized with."""
    from ._norm_ops import BatchNorm

    if training:
        count = input.numel() // input.shape[1] if input.dim() > 1 else input.numel()
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    channels = input.shape[1] if input.dim() > 1 else 1
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tensor.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {tensor.numel()}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    absent = _layer_ops._absent()
    return BatchNorm.apply(input, absent if weight is None else weight, absent if bias is None else bias,
                           running_mean, running_var, training, momentum, eps)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W), each with probability ``p``, scaling the rest by 1/(1-p); the mask
    comes from minigrad's seeded generator. As PyTorch, a 3-d input is taken as (N, C, L), with a warning."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.dim() not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.dim()}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on "
                      "inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", UserWarning, stacklevel=2)
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", UserWarning, stacklevel=2)
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0:
        return input
    from ..random import rand

    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)  # one draw per channel
    if p == 1.0:
        mask = input.new_zeros(*shape)
    else:
        mask = (rand(*shape, dtype=input.dtype, device=input.device) < (1 - p)).to(input.dtype) / (1 - p)
    return input.mul_(mask) if inplace else input * mask


def _check_layer_norm_dtypes(input, parameters) -> None:
    """PyTorch's CPU rules: parameters of another dtype than the input's (judged by the first one) must
    all be float32, and only for a float16 input (its "mixed" mode); otherwise each must match the input."""
    dtype = input._array.dtype
    if not parameters:
        return
    if parameters[0]._array.dtype != dtype:
        if any(p._array.dtype.name != "float32" for p in parameters):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if dtype.itemsize != 2:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        return
    for parameter in parameters:
        if parameter._array.dtype != dtype:
            raise RuntimeError(f"expected scalar type {_dtype_title(input)} but found {_dtype_title(parameter)}")


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` dimensions to mean 0 and (biased) variance 1, then
    scale by ``weight`` and shift by ``bias``: one ``NativeLayerNormBackward0`` node."""
    if not isinstance(normalized_shape, (tuple, list)) or not all(isinstance(n, int) for n in normalized_shape):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    shape = list(normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    for name, parameter in (("weight", weight), ("bias", bias)):
        if parameter is not None and list(parameter.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(parameter.shape)} and normalized_shape = {shape}")
    input_shape = list(input.shape)
    if len(input_shape) < len(shape) or input_shape[len(input_shape) - len(shape):] != shape:
        raise RuntimeError(f"Given normalized_shape={shape}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{input_shape}")
    if input._array.dtype.kind != "f":
        raise NotImplementedError(f'"LayerNormKernelImpl" not implemented for \'{_dtype_title(input)}\'')
    _check_layer_norm_dtypes(input, [p for p in (weight, bias) if p is not None])
    absent = _layer_ops._absent()
    return _layer_ops.LayerNorm.apply(input, absent if weight is None else weight, absent if bias is None else bias,
                                      len(shape), eps)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` (num_embeddings, embedding_dim) at the indices ``input``: shape
    ``input.shape + (embedding_dim,)``. The row ``padding_idx`` gets no gradient."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("minigrad's embedding has no max_norm, scale_grad_by_freq or sparse")
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.shape[0] + padding_idx
    else:
        padding_idx = -1
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    index_dtype = input._array.dtype
    if index_dtype.kind not in "iu" or index_dtype.itemsize not in (4, 8):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{_dtype_title(input)}Tensor instead (while checking arguments "
                           "for embedding)")
    return _layer_ops.Embedding.apply(weight, input, padding_idx)


def _norm_axes(dim, ndim: int) -> tuple:
    """``dim`` (an int or a tuple) as non-negative axes, with PyTorch's error for one out of range."""
    from ..ops.reductions import normalize_dims

    return tuple(normalize_dims(dim, ndim))


def normalize(input: Tensor, p: float = 2.0, dim=1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``: as PyTorch, the norm, clamped, expanded, divided by."""
    if out is not None:
        raise NotImplementedError("minigrad's normalize has no out argument")
    if input._array.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_dtype_title(input)}")
    norm = VectorNorm.apply(input, float(p), _norm_axes(dim, input.dim()))
    return input / norm.clamp_min(eps).expand_as(input)


def _broadcast_shape(a_shape, b_shape) -> tuple:
    """The common shape of two broadcastable shapes (``check_broadcastable`` has passed)."""
    width = max(len(a_shape), len(b_shape))
    a_shape, b_shape = (1,) * (width - len(a_shape)) + a_shape, (1,) * (width - len(b_shape)) + b_shape
    return tuple(b if a == 1 else a for a, b in zip(a_shape, b_shape))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast together). As PyTorch,
    each is divided by its own norm first (clamped to ``eps`` without a gradient) and the products summed."""
    d1, d2 = x1._array.dtype, x2._array.dtype
    if d1.kind != "f" and d2.kind != "f":
        common = namespace_of(x1._array).promote_types(d1, d2)
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{_DTYPE_TITLES.get(common.kind, {}).get(common.itemsize, str(common))}")
    if d1.kind != "f":  # an integer input takes the other's floating type
        x1 = x1.to(x2.dtype)
    if d2.kind != "f":
        x2 = x2.to(x1.dtype)
    if x1.shape != x2.shape:  # as PyTorch's expand_outplace: both expanded to the common shape
        check_broadcastable(tuple(x1.shape), tuple(x2.shape))
        shape = _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
        x1, x2 = x1.expand(*shape), x2.expand(*shape)
    axes = _norm_axes(dim, x1.dim())
    norms = []
    for x in (x1, x2):
        norm = VectorNorm.apply(x, 2.0, axes).clone()
        with no_grad():  # the floor is no part of the gradient
            norm.clamp_(min=eps)
        norms.append(norm)
    return ((x1 / norms[0]) * (x2 / norms[1])).sum(dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (only when ``training``).

    The mask comes from minigrad's seeded generator, so ``manual_seed`` makes it reproducible.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return input
    from ..random import rand

    if p == 1.0:
        mask = input.new_zeros(*input.shape)
    else:
        keep = rand(*input.shape, dtype=input.dtype, device=input.device) < (1 - p)
        mask = keep.to(input.dtype) / (1 - p)
    return input.mul_(mask) if inplace else input * mask


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64) to one-hot rows: shape ``tensor.shape + (num_classes,)``, dtype int64."""
    array = tensor._array
    if array.dtype.kind not in "iu" or array.dtype.itemsize != 8:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = namespace_of(array)
    if array.size and int(array.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(array.max()) + 1 if array.size else 0
    elif array.size and int(array.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    encoded = (xp.expand_dims(array, -1) == xp.arange(num_classes)).astype("int64")
    return Tensor._make(encoded, False, None, 0)


# ---------------------------------------------------------------------- losses
def _legacy_reduction(size_average, reduce) -> str:
    """The ``reduction`` that PyTorch's deprecated ``size_average`` / ``reduce`` flags stand for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                  "instead.", UserWarning, stacklevel=3)
    return reduction


def _reduction(reduction: str, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _warn_if_broadcast(input, target) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", UserWarning, stacklevel=3)
        check_broadcastable(tuple(input.shape), tuple(target.shape))


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Mean squared error ``mean((input - target)^2)`` (or its sum, or per element)."""
    reduction = _reduction(reduction, size_average, reduce)
    _warn_if_broadcast(input, target)
    if weight is not None:
        raise NotImplementedError("minigrad's mse_loss has no weight argument")
    return _loss_ops.MseLoss.apply(input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """Mean absolute error. PyTorch records it as ``(input - target).abs()`` then mean or sum."""
    reduction = _reduction(reduction, size_average, reduce)
    _warn_if_broadcast(input, target)
    if weight is not None:
        raise NotImplementedError("minigrad's l1_loss has no weight argument")
    losses = (input - target).abs()
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


_DTYPE_TITLES = {"f": {4: "Float", 8: "Double", 2: "Half"}, "i": {8: "Long", 4: "Int", 2: "Short", 1: "Char"},
                 "u": {1: "Byte"}, "b": {1: "Bool"}}


def _dtype_title(tensor) -> str:
    dtype = tensor._array.dtype
    return _DTYPE_TITLES.get(dtype.kind, {}).get(dtype.itemsize, str(dtype))


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices: ``-input[n, target[n]]`` weighted by ``weight[target]``.

    ``input`` holds log-probabilities, (C,), (N, C) or (N, C, d1, ...); ``target`` the class of each
    sample. 'mean' divides by the total weight of the samples whose target is not ``ignore_index``.
    """
    return _nll_loss(input, target, weight, ignore_index, _reduction(reduction, size_average, reduce))


def _nll_loss(input: Tensor, target: Tensor, weight, ignore_index: int, reduction: str) -> Tensor:
    """``nll_loss`` once ``reduction`` is checked (``cross_entropy`` checks it once for both of them)."""
    target_array = target._array
    if target_array.dtype.kind not in "iu":
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_dtype_title(target)}")
    input_shape, target_shape = input._array.shape, target_array.shape
    ndim = len(input_shape)
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    if ndim == 1 and target_shape:
        raise ValueError(f"Expected input batch_size (1) to match target batch_size ({target_shape[0]}).")
    if ndim > 1 and (not target_shape or input_shape[0] != target_shape[0]):
        got = target_shape[0] if target_shape else 1
        raise ValueError(f"Expected input batch_size ({input_shape[0]}) to match target batch_size ({got}).")
    classes = input_shape[1] if ndim > 1 else input_shape[0]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != classes):
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    if ndim > 2 and tuple(target_shape[1:]) != tuple(input_shape[2:]):
        raise RuntimeError(f"size mismatch (got input: {list(input_shape)} , target: {list(target_shape)}")
    # target and weight reach the op as arrays, unchecked by apply: compare devices here (unless all is on the host)
    if weight is not None or type(target_array) not in _HOST_OR_NONE or type(input._array) not in _HOST_OR_NONE:
        _check_same_device(input, target, weight)
    weight_array = _array_or_none(weight)
    if ndim <= 2:
        return _loss_ops.NllLoss.apply(input, target_array, weight_array, reduction, ignore_index)
    if ndim == 4:
        return _loss_ops.NllLoss2d.apply(input, target_array, weight_array, reduction, ignore_index)
    # PyTorch views other shapes as (N, C, 1, rest) and uses the 2-D kernel
    batch, classes = input_shape[0], input_shape[1]
    losses = _loss_ops.NllLoss2d.apply(input.reshape(batch, classes, 1, -1), target_array.reshape(batch, 1, -1),
                                       weight_array, reduction, ignore_index)
    return losses.view(batch, *input_shape[2:]) if reduction == "none" else losses


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``input`` against class indices (or class probabilities) ``target``.

    With class indices this is ``nll_loss(log_softmax(input, 1), target)``; ``label_smoothing`` mixes in
    the uniform distribution: ``(1 - s) * nll + s * mean over classes of -log_softmax``, as PyTorch does.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input._array.ndim == 1 else 1
    if target._array.dtype.kind == "f":
        return _cross_entropy_with_probabilities(input, target, weight, ignore_index, reduction,
                                                 label_smoothing, class_dim)
    log_probabilities = ops.LogSoftmax.apply(input, class_dim)  # all that log_softmax(input, class_dim) does
    loss = _nll_loss(log_probabilities, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return loss
    # -sum_c w_c log p_c per sample (ignored samples count zero), reduced like the nll term
    classes = input.shape[class_dim]
    if weight is not None:
        shape = [1] * input.dim()
        shape[class_dim] = classes
        smooth = -(log_probabilities * weight.view(*shape)).sum(class_dim)
    else:
        smooth = -log_probabilities.sum(class_dim)
    ignored = target == ignore_index
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        kept = ~ignored
        if weight is not None:
            smooth = smooth.sum() / weight[target[kept]].sum()
        else:
            smooth = smooth.sum() / kept.sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / classes)


def _cross_entropy_with_probabilities(input, target, weight, ignore_index, reduction, label_smoothing,
                                      class_dim):
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if target.shape != input.shape:
        raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
    classes = input.shape[class_dim]
    log_probabilities = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + (label_smoothing / classes)
    products = log_probabilities * target
    if weight is not None:
        if weight.dim() != 1 or weight.shape[0] != classes:
            raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {classes} classes "
                               f"or no classes but got weight tensor of shape: {list(weight.shape)}")
        shape = [1] * input.dim()
        shape[class_dim] = classes
        products = products * weight.view(*shape) if input.dim() > 1 else products * weight
    if reduction == "mean":
        return _loss_ops.DivByCount.apply(-products.sum(), input.numel() // classes)
    if reduction == "sum":
        return -products.sum()
    return -products.sum(class_dim)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """``-w (t log x + (1 - t) log(1 - x))`` for probabilities ``x`` in [0, 1]."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_dtype_title(target)} but expected {_dtype_title(input)}")
    if weight is not None:
        weight = weight.expand(input.shape)  # PyTorch's check that the weight broadcasts to the input
    _check_same_device(input, weight)
    return _loss_ops.BinaryCrossEntropy.apply(input, target, _array_or_none(weight), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed from the logits, stable for any logit.

    ``pos_weight`` multiplies the loss of positive targets (one weight per class, broadcast).
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _check_same_device(input, weight, pos_weight)
    return _loss_ops.BinaryCrossEntropyWithLogits.apply(input, target, _array_or_none(weight),
                                                        _array_or_none(pos_weight), reduction)


def _check_same_device(*tensors) -> None:
    """PyTorch's same-device error for tensors (None skipped) that an op receives as raw arrays."""
    from ..ops._util import check_same_device

    check_same_device(*(t for t in tensors if t is not None))


def _array_or_none(tensor):
    """What the loss ops take for a non-differentiated argument: the raw array, so it is no graph edge."""
    return None if tensor is None else tensor._array


from .._missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a PyTorch name minigrad lacks says so
