"""Top-level functions (``torch.exp(x)``, ``torch.cat([...])``, ...): thin wrappers over the ops."""
from __future__ import annotations

import warnings as _warnings
from numbers import Number as _Number

from . import _dtype, ops
from ._out_argument import with_out as _with_out
from ._tensor import Tensor
from .ops._util import check_same_device as _check_same_device


# The functions that take ``out=`` and how each checks ``out``'s dtype (``_out_argument.RULES``), as PyTorch's
# kernels of that family do; the rest refuse ``out`` as PyTorch does (``relu() got an unexpected keyword ...``).
_OUT_RULES = {
    **dict.fromkeys("add sub mul div pow exp log sqrt rsqrt sin cos tanh sigmoid log1p expm1 log2 log10 erf "
                    "reciprocal square mean var std remainder lerp outer maximum minimum".split(), "cast"),
    **dict.fromkeys("abs neg clamp clip floor ceil round trunc sign".split(), "same"),
    **dict.fromkeys("mm mv bmm matmul addmm gather tril triu max min sort topk".split(), "exact"),
    **dict.fromkeys("sum prod cumsum cumprod".split(), "dtype"),
    "amax": "input", "amin": "input", "dot": "dot", "cat": "cat", "stack": "cat", "where": "where",
}
# the name PyTorch's out= error gives, where the function is another's alias
_OUT_ERROR_NAMES = {"square": "pow", "clip": "clamp", "outer": "mul"}


def _out_call(name, out, function, *args, **kwargs):
    """``function(*args, **kwargs)`` written into ``out`` with PyTorch's rules for its family."""
    rule = _OUT_RULES.get(name)
    if rule is None:
        raise TypeError(f"{name}() got an unexpected keyword argument 'out'")
    if name in ("max", "min") and len(args) > 1 and isinstance(args[1], Tensor):  # max(a, b): maximum(a, b)
        name, rule = name + "imum", "cast"
    return _with_out(_OUT_ERROR_NAMES.get(name, name), rule, out, function, *args, **kwargs)


def _tensor_function(name):
    method = getattr(Tensor, name)

    def function(input, *args, out=None, **kwargs):
        if out is not None:
            return _out_call(name, out, function, input, *args, **kwargs)
        if type(input) is Tensor:  # the method itself: no bound method to make per call
            return method(input, *args, **kwargs)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)  # a subclass may override the method

    function.__name__ = name
    function.__doc__ = f"``torch.{name}(input, ...)`` is ``input.{name}(...)``" + (
        " (``out=`` writes the result into a given tensor)." if name in _OUT_RULES else ".")
    return function


_METHOD_FUNCTIONS = (
    "add sub mul div floor_divide remainder pow neg exp log sqrt rsqrt abs sign sin cos tanh sigmoid relu clamp "
    "floor ceil round trunc fix frac log1p expm1 log2 log10 erf "
    "cumsum cumprod prod amax amin any all roll tril triu diag outer index_select sort argsort topk "
    "lerp isinf nan_to_num "
    "clip clamp_min clamp_max sum mean max min argmax argmin var std logsumexp softmax log_softmax mm mv dot bmm "
    "matmul reshape flatten unsqueeze squeeze transpose t permute narrow split chunk unbind select gather "
    "masked_fill clone square reciprocal numel allclose equal isnan detach eq ne lt le gt ge"
).split()

_METHOD_FUNCTIONS += ["scatter", "scatter_add", "scatter_reduce", "broadcast_to"]  # issue 16's extras

for _name in _METHOD_FUNCTIONS:
    globals()[_name] = _tensor_function(_name)


def _number_may_come_first(name, reflected):
    """``torch.remainder(7, t)``, ``torch.floor_divide(7, t)``: PyTorch takes a number as ``input`` of these,
    with the meaning of ``7 % t`` and ``7 // t``."""
    tensor_function = globals()[name]

    def function(input, other, *, out=None):
        if out is not None:
            return _out_call(name, out, function, input, other)
        if isinstance(input, _Number) and isinstance(other, Tensor):
            return getattr(other, reflected)(input)
        return tensor_function(input, other)

    function.__name__ = name
    function.__doc__ = f"``torch.{name}(input, other)`` is ``input.{name}(other)``, or ``other.{reflected}(input)``."
    return function


floor_divide = _number_may_come_first("floor_divide", "__rfloordiv__")
remainder = _number_may_come_first("remainder", "__rmod__")


def _elementwise_extreme(name, function):
    def extreme(input, other, *, out=None):
        if out is not None:
            return _out_call(name, out, extreme, input, other)
        for position, (argument, value) in enumerate((("input", input), ("other", other)), start=1):
            if not isinstance(value, Tensor):
                raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be Tensor, not "
                                f"{type(value).__name__}")
        return function.apply(input, other)

    extreme.__name__ = name
    extreme.__doc__ = f"``torch.{name}(input, other)``: the element-wise {name} of two tensors."
    return extreme


maximum = _elementwise_extreme("maximum", ops.Maximum)
minimum = _elementwise_extreme("minimum", ops.Minimum)
multiply, divide, subtract, negative, true_divide = mul, div, sub, neg, div  # noqa: F821


def flip(input, *args, **kwargs):
    """``torch.flip(input, dims)``: unlike the method (``x.flip(0)``), the function takes only a tuple or list."""
    if len(args) + len(kwargs) == 1 and set(kwargs) <= {"dims"}:
        dims = args[0] if args else kwargs["dims"]
        if not isinstance(dims, (tuple, list)):
            where = " (position 2)" if args else ""
            raise TypeError(f"flip(): argument 'dims'{where} must be tuple of ints, not {type(dims).__name__}")
    return _flip_method(input, *args, **kwargs)


_flip_method = _tensor_function("flip")


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: a vector norm for a number ``p`` (and 'fro'), a matrix norm otherwise (ops/norms.py)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"norm(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return ops.norms.norm(input, p, dim, keepdim, out, dtype)


def cat(tensors, dim=0, *, out=None):
    if out is not None:
        return _out_call("cat", out, cat, tensors, dim)
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for position, tensor in enumerate(tensors):
        if isinstance(tensor, Tensor) and tensor.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {position}) cannot be concatenated")
    return ops.Cat.apply(dim, *tensors)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    if out is not None:
        return _out_call("stack", out, stack, tensors, dim)
    return ops.Stack.apply(dim, *tuple(tensors))


def where(condition, input=None, other=None, *, out=None):
    if out is not None:
        return _out_call("where", out, where, condition, input, other)
    if input is None and other is None:
        array = condition._array
        return tuple(Tensor._make(i.astype("int64"), False, None, 0) for i in array.nonzero())
    return ops.where(condition, input, other)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: tensor i (0-d or 1-D) viewed along axis i and expanded to every tensor's length.
    ``indexing='xy'`` swaps the first two axes (x along columns); PyTorch warns when it is not given."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        _warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                       UserWarning, stacklevel=2)
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for tensor in tensors:  # (a loop: this module's any is torch.any)
        if tensor.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {tensor}")
        if tensor.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    _check_same_device(*tensors)
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for tensor, axis in zip(tensors, axes):
        shape[axis] = tensor.numel()
    grids = []
    for tensor, axis in zip(tensors, axes):
        view_shape = [1] * len(tensors)
        view_shape[axis] = shape[axis]
        grids.append(tensor.view(view_shape).expand(shape))
    return tuple(grids)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(t) -> bool:
    return t.is_floating_point()


def addmm(bias, mat1, mat2, *, out=None):
    if out is not None:
        return _out_call("addmm", out, addmm, bias, mat1, mat2)
    return ops.Addmm.apply(bias, mat1, mat2)


def promote_types(type1, type2):
    """``torch.promote_types``: the dtype two dtypes promote to (PyTorch's table, e.g. int64 with float16 is
    float16)."""
    return _dtype.promote_types(type1, type2)


def result_type(tensor, other):
    """``torch.result_type``: the dtype ``tensor`` and ``other`` (tensors or numbers) compute in, as arithmetic
    promotes them: tensors with dims rank above 0-d tensors, which rank above numbers; a lower rank lifts the
    result only to a higher category (bool < integer < floating point)."""
    return _dtype.result_dtype(tensor, other)


def einsum(equation, *operands):
    """``torch.einsum('ij,jk->ik', a, b)``: Einstein summation (see ``minigrad/ops/einsum.py``)."""
    from .ops.einsum import einsum as _einsum

    return _einsum(equation, *operands)


def broadcast_shapes(*shapes):
    """The shape that all ``shapes`` broadcast to, as a ``Size``; PyTorch's error when they do not."""
    from ._tensor import Size

    result = []
    for position, shape in enumerate(shapes):
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        result = [1] * (len(shape) - len(result)) + result
        for offset, size in enumerate(shape):
            dim = len(result) - len(shape) + offset
            if size != result[dim] and size != 1 and result[dim] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at "
                                   f"{offset - len(shape)}! Mismatching argument at index {position} had "
                                   f"{shape}; but expected shape should be broadcastable to {result}")
            result[dim] = size if size != 1 else result[dim]
    return Size(result)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape (views, ``ExpandBackward0``; a tensor of that shape already
    comes back as it is, as in PyTorch)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    _check_same_device(*tensors)
    shape = ()
    for tensor in tensors:
        ops._util.check_broadcastable(tuple(shape), tuple(tensor.shape))  # PyTorch's words for this function
        shape = broadcast_shapes(shape, tensor.shape)
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)
