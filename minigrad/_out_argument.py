"""``out=``: writing a function's result into a tensor the caller gives (``torch.add(x, y, out=r)``).

Every ``torch.X`` function of ``_functions.py`` that takes ``out`` routes through ``with_out``, which applies
PyTorch's rules once:

* ``out`` of the result's shape is written in place: its version goes up by one and ``out`` itself is returned;
* an empty ``out`` is resized to the result's shape; a non-empty one of another shape is resized too, with
  PyTorch's deprecation warning;
* the result's dtype must fit ``out``'s (each function family checks it its own way, in its own words: ``RULES``);
* ``out=`` cannot be differentiated: when grad mode is on and an argument (or ``out``) requires grad, it is
  PyTorch's "functions with out=... arguments don't support automatic differentiation" error.
"""
from __future__ import annotations

import warnings

from . import _dtype
from .autograd import grad_mode as _grad_mode
from .backend import namespace_of

# PyTorch's C++ type names, which some of its dtype errors print ("expected ... dtype float, but got long int")
_C_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "uint8": "unsigned char",
            "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


def _title(array_dtype) -> str:
    """'Float', 'Long', ...: PyTorch's ScalarType name of an array dtype."""
    return _dtype.from_numpy_dtype(array_dtype)._short_tensor_name[: -len("Tensor")]


def _can_cast(source, target) -> bool:
    """PyTorch's ``canCast``: never float to integer, never anything but bool to bool."""
    if source.kind == "f" and target.kind in "iub":
        return False
    return not (source.kind != "b" and target.kind == "b")


def _cast_or_refuse(result, out):
    if not _can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_title(result.dtype)} can't be cast to the desired output type "
                           f"{_title(out.dtype)}")


def _same_dtype(message, error=RuntimeError):
    def check(result, out):
        if result.dtype != out.dtype:
            raise error(message.format(result=_title(result.dtype), out=_title(out.dtype),
                                       result_c=_C_NAMES[result.dtype.name], out_c=_C_NAMES[out.dtype.name]))
    return check


def _cat_cast(result, out):
    if not _can_cast(result.dtype, out.dtype):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type {_title(out.dtype)}")


# How each function family checks the result's dtype against out's, as PyTorch does (the element-wise kernels
# cast when it is safe; matmul, gather and max(dim) want the dtype exactly; ...). "dtype" computes the result
# in out's dtype, as sum, prod and the scans do.
RULES = {
    "cast": _cast_or_refuse,
    "same": _same_dtype("Found dtype {out} but expected {result}"),
    "exact": _same_dtype("Expected out tensor to have dtype {result_c}, but got {out_c} instead"),
    "where": _same_dtype("Expected out type to be {result} but got {out}"),
    "input": _same_dtype("Expected the dtype for input and out to match, but got {result} for input's dtype and "
                         "{out} for out's dtype."),
    "dot": _same_dtype("result dtype {out} does not match input dtype {result}"),
    "cat": _cat_cast,
    "dtype": None,
}

_RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape {old}, which does not match the required "
    "output shape {new}. This behavior is deprecated, and in a future PyTorch release outputs will not be resized "
    "unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
    "elements with t.resize_(0)."
)


def with_out(name, rule, out, compute, *args, **kwargs):
    """``compute(*args, **kwargs)`` written into ``out`` (a tensor, or a tuple of tensors for functions with
    several results, such as ``max(dim)``), following PyTorch's rules for ``out=`` (module docstring).
    ``name`` is the function's name in PyTorch's errors; ``rule`` a key of ``RULES``."""
    from ._tensor import Tensor

    outs = out if isinstance(out, tuple) else (out,)
    for tensor in outs:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(tensor).__name__}")
    if _grad_mode.state.enabled and any(_requires_grad(value) for value in (*args, *kwargs.values(), *outs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if rule == "dtype":  # computed in out's dtype (sum(x, 0, out=long) casts x first, as PyTorch)
        kwargs["dtype"] = out.dtype
    result = compute(*args, **kwargs)
    results = tuple(result) if isinstance(result, tuple) else (result,)
    if len(results) != len(outs):
        raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(results)} Tensors")
    check = RULES[rule]
    for value, target in zip(results, outs):
        if check is not None:
            check(value._array, target._array)
    for value, target in zip(results, outs):
        _write(value._array, target)
    return _out_result(type(result), outs) if isinstance(result, tuple) else out


def _requires_grad(value) -> bool:
    if isinstance(value, (list, tuple)):  # cat's and stack's tensors
        return any(_requires_grad(item) for item in value)
    return bool(getattr(value, "requires_grad", False))


_OUT_RESULT_TYPES = {}


def _out_result(result_type, outs):
    """``(values, indices)`` of ``max(dim, out=...)`` as PyTorch names it: ``torch.return_types.max_out``."""
    out_type = _OUT_RESULT_TYPES.get(result_type)
    if out_type is None:
        out_type = type(result_type.__name__ + "Out", (result_type,), {"_name": result_type._name + "_out"})
        _OUT_RESULT_TYPES[result_type] = out_type
    return out_type(outs)


def _write(array, out) -> None:
    """``array`` into ``out``'s memory (after resizing ``out`` if its shape differs), one version later."""
    target = out._array
    if target.shape != array.shape:
        if target.size:
            warnings.warn(_RESIZE_WARNING.format(old=list(target.shape), new=list(array.shape)), UserWarning,
                          stacklevel=4)
        target = namespace_of(target).empty(array.shape, dtype=target.dtype)
        out._array = target
    target[...] = array
    out._bump_version()
