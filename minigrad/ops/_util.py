"""Small helpers shared by the op families: getting arrays out of operands, dtype promotion (PyTorch's rule,
written once in ``minigrad._dtype.result_dtype``)."""
from __future__ import annotations

from .._dtype import DEFAULT_FLOAT, result_dtype
from .._tensor import Tensor  # defined by now: minigrad._tensor imports the ops last
from ..backend import broadcast_to as _array_broadcast_to, namespace_of, ndarray as _ndarray
from . import tensor_numpy

_Tensor = Tensor


_HOST_OR_NONE = (_ndarray, type(None))
_np_maximum = namespace_of(_ndarray(0)).maximum  # NumPy's ufuncs, for reduce_along on NumPy arrays
_np_add = namespace_of(_ndarray(0)).add  # what check_same_device need not look at
_HOST_NAMESPACE = namespace_of(_ndarray(0))


def reduce_along(array, axis: int, how: str):
    """``array.max(axis, keepdims=True)`` or ``array.sum(...)`` (``how``), fast along a short axis.

    NumPy reduces a short axis row by row, paying a loop's start-up for every row: the max over the 3 classes
    of 1000 samples takes 37 µs. With 2 to 7 entries along the axis, combining the slices with whole-array
    ufunc calls (``maximum``/``add`` into the first slice) does the same additions in the same order (NumPy
    adds fewer than 8 numbers one by one) in under a tenth of the time. NumPy float arrays only; anything
    else takes the array's own method.
    """
    size = array.shape[axis] if axis < array.ndim else 0  # (a 0-d array reduces along its axis 0 too)
    if type(array) is not _ndarray or not 1 < size < 8 or array.size < 64 * size or array.dtype.kind != "f":
        return getattr(array, how)(axis=axis, keepdims=True)
    combine = _np_maximum if how == "max" else _np_add
    index = [slice(None)] * array.ndim
    index[axis] = slice(0, 1)
    out = array[tuple(index)].copy()
    for position in range(1, size):
        index[axis] = slice(position, position + 1)
        combine(out, array[tuple(index)], out=out)
    return out


def sum_to_shape(array, shape):
    """``array`` summed down to ``shape``, a shape that broadcasts to ``array.shape``: the array form of
    ``Tensor.sum_to_size`` (the leading dimensions, and those that are 1 in ``shape``, are summed)."""
    shape = tuple(shape)
    lead = array.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and array.shape[lead + i] != 1)
    if not dims:
        return array
    return array.sum(axis=dims, keepdims=True).reshape(shape)  # the method: np.sum's wrapper costs a µs


def namespace_for(value):
    """The namespace a backward rule computes with: NumPy/CuPy for an array, and for a tensor (a backward pass
    under ``create_graph``) minigrad's own functions under NumPy's names (``ops/tensor_numpy.py``)."""
    if type(value) is _ndarray:
        return _HOST_NAMESPACE  # the usual case, answered without a call (every rule asks)
    if isinstance(value, _Tensor):
        return tensor_numpy
    return namespace_of(value)


def positive_mask(x):
    """1 where ``x > 0``, else 0, in x's dtype: relu's derivative, for a rule on arrays or tensors.

    On arrays (an ordinary backward pass) it is a comparison: NumPy's ``sign`` takes twice as long, which was
    a training step's largest extra cost (measured). On tensors (``create_graph=True``) it is ``sign`` clamped
    at 0, which keeps ``x`` in the graph with derivative 0, so relu's second derivative is 0 as in PyTorch,
    not an error (a comparison's result is cut off from the graph). tests/test_one_rule.py checks that the
    two give the same gradients.
    """
    if isinstance(x, _Tensor):
        return x.sign().clamp(min=0)
    return (x > 0).astype(x.dtype)


def sum_to(grad, shape):
    """``grad`` (an array or a tensor) summed down to ``shape``: how broadcasting is undone."""
    if isinstance(grad, _Tensor):
        return grad.sum_to_size(tuple(shape))
    return sum_to_shape(grad, shape)


def broadcast_to(value, shape):
    """``value`` (an array, or a tensor in a rule under ``create_graph``) repeated to ``shape`` without a copy:
    a read-only array view, or an expanded tensor."""
    if isinstance(value, _Tensor):
        return value.expand(tuple(shape))
    return _array_broadcast_to(value, shape)


def cast(grad, numpy_dtype):
    """``grad`` (an array or a tensor) converted to ``numpy_dtype``."""
    if isinstance(grad, _Tensor):
        return tensor_numpy.astype(grad, numpy_dtype)
    return grad.astype(numpy_dtype)


def array_of(value):
    """The array of a tensor; a Python number or array stays as it is."""
    array = getattr(value, "_array", None)
    return value if array is None else array


def xp_of(*values):
    """The array namespace of the first tensor among ``values``."""
    for value in values:
        array = getattr(value, "_array", None)
        if array is not None:
            return namespace_of(array)
    raise TypeError("expected at least one Tensor argument")


def check_broadcastable(a_shape, b_shape) -> None:
    for position in range(1, min(len(a_shape), len(b_shape)) + 1):
        size_a, size_b = a_shape[-position], b_shape[-position]
        if size_a != size_b and size_a != 1 and size_b != 1:
            dim = max(len(a_shape), len(b_shape)) - position
            raise RuntimeError(f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                               f"at non-singleton dimension {dim}")


def check_same_device(*tensors) -> None:
    if all(type(getattr(tensor, "_array", None)) in _HOST_OR_NONE for tensor in tensors):
        return  # NumPy arrays all live in host memory: nothing to compare
    devices = []
    for tensor in tensors:
        if hasattr(tensor, "_array"):
            device = tensor.device
            if device not in devices:
                devices.append(device)
    if len(devices) > 1:
        first, second = sorted(devices, key=lambda d: d.type == "cpu")[:2]  # PyTorch names the GPU first
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, "
                           f"{first} and {second}!")


def add_tangents(*terms):
    """The sum of the tangent terms that exist (None stands for a zero tangent), or None if none does."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


def output_shape(ctx, index: int = 0):
    """The shape of output ``index`` of the node ``ctx`` (known once forward has run, e.g. inside jvp)."""
    return ctx._output_meta[index][0]


def promoted(a, b, true_division: bool = False):
    """The arrays of two operands (tensors or numbers) ready for a NumPy operator, and the dtype PyTorch computes
    in (``result_dtype``; true division of integers is in the default float): both converted to it, so NumPy's
    own promotion (by value in NumPy 1.x, by type in 2.x) has nothing left to decide. Checks first that the
    operands broadcast and share a device."""
    a_array = getattr(a, "_array", a)
    b_array = getattr(b, "_array", b)
    a_dtype = getattr(a_array, "dtype", None)  # None for a Python number
    b_dtype = getattr(b_array, "dtype", None)
    if a_dtype is not None and b_dtype is not None:  # two arrays (or NumPy scalars)
        if a_array.shape != b_array.shape:
            check_broadcastable(a_array.shape, b_array.shape)
        if type(a_array) is not type(b_array):
            check_same_device(a, b)
        if a_dtype == b_dtype and a_dtype.kind == "f":
            return a_array, b_array, a_dtype  # the usual case: two floats of one dtype, nothing to convert
    # a float tensor with a Python number: nothing to convert either
    elif b_dtype is None and a_dtype.kind == "f" and type(b_array) in (int, float, bool):
        return a_array, b_array, a_dtype
    elif a_dtype is None and b_dtype.kind == "f" and type(a_array) in (int, float, bool):
        return a_array, b_array, b_dtype
    target = a_dtype if a_dtype is not None and a_dtype == b_dtype else result_dtype(a_array, b_array).numpy
    if true_division and target.kind != "f":
        target = DEFAULT_FLOAT.numpy
    return converted(a_array, target), converted(b_array, target), target


def arithmetic(operation, a, b, true_division: bool = False):
    """``operation`` (``operator.add``, ...) on two operands (tensors or numbers) in the dtype PyTorch computes
    in (see ``promoted``)."""
    a_array, b_array, target = promoted(a, b, true_division)
    result = operation(a_array, b_array)
    return result if result.dtype == target else result.astype(target)


_INTEGER_RANGES = {}  # numpy integer dtype -> (lowest, 2 ** bits), filled on first use


def converted(operand, target):
    """An array or number as ``target``: arrays converted, NumPy scalars made ``target`` scalars, Python numbers
    kept (NumPy treats them as weak) but wrapped into an integer target's range, as PyTorch casts them
    (``uint8_tensor - 3`` gives 253 for 0, where NumPy 2 raises OverflowError and NumPy 1 widens)."""
    dtype = getattr(operand, "dtype", None)
    if dtype is not None:
        if dtype == target:
            return operand
        return operand.astype(target)  # (a NumPy scalar's astype gives a NumPy scalar)
    if target.kind in "iu" and type(operand) is int:
        bounds = _INTEGER_RANGES.get(target)
        if bounds is None:
            bits = target.itemsize * 8
            bounds = _INTEGER_RANGES[target] = (-(1 << (bits - 1)) if target.kind == "i" else 0, 1 << bits)
        lowest, span = bounds
        if not lowest <= operand < lowest + span:
            return target.type((operand - lowest) % span + lowest)
    return operand
