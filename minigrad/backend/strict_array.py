"""Strict arrays: NumPy arrays in a wrapper that breaks wherever CuPy would break.

The tests run the op, nn, optim and functional suites a second time with these arrays as the default
device (see ``strict_backend.py`` and ``tests/conftest.py``). Code written against NumPy usually breaks on
CuPy in a handful of ways, and a ``StrictArray`` refuses every one of them, on a machine without a GPU:

* implicit conversion to NumPy: ``np.asarray(a)``, ``np.exp(a)``, ``np.sum(a)`` or any other NumPy
  function raises ``TypeError`` (CuPy: "Implicit conversion to a NumPy array is not allowed");
* mixing with host arrays: ``a + numpy_array``, ``numpy_array * a``, ``a[...] = numpy_array``,
  ``xp.where(mask, a, numpy_array)`` raise ``TypeError`` (CuPy: "Unsupported type <class 'numpy.ndarray'>");
  Python numbers and NumPy scalars are fine, as on CuPy;
* NumPy-only API: ``np.add.at`` (use ``Backend.scatter_add``), ``xp.random`` (use minigrad's seeded
  generator), ``xp.errstate`` and other names CuPy lacks are simply absent from the namespace;
* reductions return 0-d arrays, not NumPy scalars, and a boolean mask must be the only array in an index
  ("currently, CuPy only supports slices that consist of one boolean array").

Like CuPy, strict arrays never warn about floating-point errors (log(0), 0/0): GPUs do not report them.

The design follows ``array-api-strict`` (an array class that owns a NumPy array, NumPy's ufunc and function
protocols answered by refusals, operand checks in every operator), but keeps NumPy's own function names and
methods, because minigrad's ops, like CuPy, speak NumPy's API rather than the array API standard.
``array-api-strict`` itself does not fit: on Python 3.11 its CPU arrays convert to NumPy silently, and its
namespace is the array API's, not the NumPy-like one CuPy offers.
"""
from __future__ import annotations

import numpy as np

IMPLICIT_CONVERSION_MESSAGE = (
    "Implicit conversion to a NumPy array is not allowed. (minigrad's strict test device refuses it as CuPy "
    "does.) Move the array to the host explicitly with minigrad.backend.backend_of(array).to_host(array), "
    "or use tensor.cpu().numpy()."
)


def _unsupported(value):
    return TypeError(f"Unsupported type {type(value)} (minigrad's strict test device, like CuPy, does not mix "
                     "its arrays with NumPy arrays or Python lists: move them to the device first)")


class StrictArray:
    """A NumPy array that refuses implicit host conversion and mixing with NumPy arrays, as CuPy does.

    ``base`` is the strict array whose memory this one views (None for an owner), like NumPy's and CuPy's.
    """

    __slots__ = ("_data", "_owner")
    __hash__ = None

    def __init__(self, data: np.ndarray, owner: "StrictArray | None" = None):
        if type(data) is not np.ndarray:
            raise TypeError(f"StrictArray wraps a numpy.ndarray, got {type(data).__name__}")
        self._data = data
        self._owner = owner

    # ------------------------------------------------------------------ refusing the host
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT_CONVERSION_MESSAGE)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # `numpy_scalar * strict_array` arrives here: NumPy scalars mix with device arrays on CuPy too
        if (method == "__call__" and "out" not in kwargs and any(isinstance(v, np.generic) for v in inputs)
                and not any(isinstance(v, np.ndarray) for v in inputs)):
            return _call(ufunc, inputs, kwargs)
        for value in inputs:
            if isinstance(value, np.ndarray):  # `numpy_array + strict_array`
                raise _unsupported(value)
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        hint = " (add into repeated indices with the backend's scatter_add)" if method == "at" else ""
        raise TypeError(f"numpy.{name}() was called on an array of minigrad's strict test device{hint}. CuPy "
                        "arrays break there too: compute through the backend namespace (xp = "
                        "minigrad.backend.namespace_of(array)), never through numpy directly.")

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"numpy.{func.__name__}() was called on an array of minigrad's strict test device. "
                        "CuPy arrays break there too: compute through the backend namespace "
                        "(xp = minigrad.backend.namespace_of(array)), never through numpy directly.")

    # ------------------------------------------------------------------ attributes
    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    dtype = property(lambda self: self._data.dtype)
    itemsize = property(lambda self: self._data.itemsize)
    nbytes = property(lambda self: self._data.nbytes)
    strides = property(lambda self: self._data.strides)
    base = property(lambda self: self._owner)
    T = property(lambda self: wrap(self._data.T, (self,)))
    flags = property(lambda self: _Flags(self._data.flags))

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return "strict_" + repr(self._data)

    def __copy__(self):
        return StrictArray(self._data.copy())

    def __deepcopy__(self, memo):
        return StrictArray(self._data.copy())

    # CuPy gives Python numbers from 1-element arrays (a device-to-host copy); so do we.
    def __bool__(self):
        return bool(self._data)

    def __float__(self):
        return float(self._data)

    def __int__(self):
        return int(self._data)

    def __complex__(self):
        return complex(self._data)

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, index):
        index = _index(index)
        result = self._data[index]
        if isinstance(result, np.generic):
            # CuPy returns a 0-d array viewing the element, never a scalar: `a[0, ...]` is NumPy's spelling.
            result = self._data[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        return wrap(result, (self,))

    def __setitem__(self, index, value):
        self._data[_index(index)] = _operand(value, allow_sequences=False)

    # ------------------------------------------------------------------ methods CuPy arrays share with NumPy's
    def __getattr__(self, name):
        if name not in ARRAY_METHODS:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}' (CuPy arrays lack "
                                 "it too, or minigrad's strict test device does not allow it)")
        method = getattr(self._data, name)

        def call(*args, **kwargs):
            with np.errstate(all="ignore"):
                return wrap(method(*_unwrap(args), **_unwrap(kwargs)), (self,))

        call.__name__ = name
        return call


ARRAY_METHODS = frozenset(
    "all any argmax argmin argsort astype clip conj copy cumprod cumsum diagonal dot fill flatten item max "
    "mean min nonzero prod ravel repeat reshape round sort squeeze std sum swapaxes take tobytes tolist trace "
    "transpose var view".split()
)


class _Flags:
    """CuPy's ``flags``: contiguity and ownership only (no ``writeable``, no ``aligned``)."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, flags):
        self.c_contiguous = flags.c_contiguous
        self.f_contiguous = flags.f_contiguous
        self.owndata = flags.owndata

    def __getitem__(self, key):
        return getattr(self, {"C_CONTIGUOUS": "c_contiguous", "F_CONTIGUOUS": "f_contiguous",
                              "OWNDATA": "owndata"}[key])


# ---------------------------------------------------------------------------------------- operators
def _operand(value, allow_sequences=False):
    """The NumPy value behind an operand, refusing what CuPy refuses."""
    if type(value) is StrictArray:
        return value._data
    if isinstance(value, (bool, int, float, complex, np.generic)) or value is None:
        return value
    if isinstance(value, np.ndarray) or (not allow_sequences and isinstance(value, (list, tuple))):
        raise _unsupported(value)
    return NotImplemented


def _binary(name):
    def operator(self, other):
        other_data = _operand(other)
        if other_data is NotImplemented:
            return NotImplemented
        with np.errstate(all="ignore"):
            return wrap(getattr(self._data, name)(other_data))

    operator.__name__ = name
    return operator


def _in_place(name):
    def operator(self, other):
        other_data = _operand(other)
        if other_data is NotImplemented:
            return NotImplemented
        with np.errstate(all="ignore"):
            getattr(self._data, name)(other_data)
        return self

    operator.__name__ = name
    return operator


def _unary(name):
    def operator(self):
        with np.errstate(all="ignore"):
            return wrap(getattr(self._data, name)())

    operator.__name__ = name
    return operator


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
              "lshift", "rshift"):
    setattr(StrictArray, f"__{_name}__", _binary(f"__{_name}__"))
    setattr(StrictArray, f"__r{_name}__", _binary(f"__r{_name}__"))
    setattr(StrictArray, f"__i{_name}__", _in_place(f"__i{_name}__"))
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(StrictArray, f"__{_name}__", _binary(f"__{_name}__"))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(StrictArray, f"__{_name}__", _unary(f"__{_name}__"))


# ---------------------------------------------------------------------------------------- wrapping
def wrap(result, sources=()):
    """NumPy results as strict results: arrays wrapped (views remember their owner), scalars as 0-d arrays."""
    kind = type(result)
    if kind is np.ndarray:
        for source in sources:
            if type(source) is StrictArray:
                if result is source._data:
                    return source
                if result.base is not None and np.may_share_memory(result, source._data):
                    return StrictArray(result, source._owner if source._owner is not None else source)
        return StrictArray(result)
    if isinstance(result, np.generic):
        return StrictArray(np.asarray(result))
    if kind is tuple or kind is list:
        return kind(wrap(item, sources) for item in result)
    return result


def _unwrap(value):
    """Arguments for NumPy: strict arrays unwrapped (also inside lists, tuples and dicts); host arrays refused."""
    kind = type(value)
    if kind is StrictArray:
        return value._data
    if kind is tuple or kind is list:
        return kind(_unwrap(item) for item in value)
    if kind is dict:
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        raise _unsupported(value)
    return value


def _index(index):
    """An index for the NumPy array inside. NumPy arrays and lists are allowed (CuPy copies them to the
    device); a boolean mask must be the only array, CuPy's restriction."""
    parts = index if isinstance(index, tuple) else (index,)
    arrays = 0
    has_mask = False
    unwrapped = []
    for part in parts:
        if type(part) is StrictArray:
            part = part._data
        elif isinstance(part, list):
            part = [p._data if type(p) is StrictArray else p for p in part]
        if isinstance(part, (np.ndarray, list)):
            arrays += 1
            has_mask = has_mask or np.asarray(part).dtype == np.bool_
        unwrapped.append(part)
    if has_mask and arrays != 1:
        raise ValueError("currently, CuPy only supports slices that consist of one boolean array.")
    return tuple(unwrapped) if isinstance(index, tuple) else unwrapped[0]


# ---------------------------------------------------------------------------------------- the namespace
NAMESPACE_FUNCTIONS = frozenset("""
abs absolute add all allclose amax amin any arange argmax argmin argsort argwhere around array array_equal
asarray ascontiguousarray atleast_1d atleast_2d broadcast_arrays broadcast_to ceil clip concatenate copy cos
cosh count_nonzero cumprod cumsum diag diagonal divide dot einsum empty empty_like equal exp expand_dims expm1
eye flip floor floor_divide full full_like greater greater_equal isclose isfinite isinf isnan less less_equal
linspace log log10 log1p log2 logaddexp logical_and logical_not logical_or logical_xor matmul max maximum mean
meshgrid min minimum moveaxis multiply nan_to_num negative nonzero not_equal ones ones_like outer pad power
prod put_along_axis ravel reciprocal repeat reshape result_type roll round sign sin sinh sort split sqrt square
squeeze stack std subtract sum swapaxes take take_along_axis tan tanh tensordot tile transpose tril triu
true_divide trunc unravel_index var vstack hstack where zeros zeros_like
""".split())

# Names that are not functions of arrays: dtypes and constants, the same objects in CuPy as in NumPy.
NAMESPACE_CONSTANTS = frozenset("""
bool_ float16 float32 float64 complex64 complex128 int8 int16 int32 int64 intp uint8 uint16 uint32 uint64 dtype
finfo iinfo inf nan pi e newaxis promote_types can_cast issubdtype integer floating number
""".split())

_HOST_DATA_ALLOWED = frozenset({"asarray", "array", "ascontiguousarray"})  # CuPy copies host data in


class _StrictUfunc:
    """A NumPy ufunc for strict arrays; ``.at`` is refused (CuPy spells it ``cupyx.scatter_add``)."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _call(self._ufunc, args, kwargs)

    def reduce(self, *args, **kwargs):
        return _call(self._ufunc.reduce, args, kwargs)

    def outer(self, *args, **kwargs):
        return _call(self._ufunc.outer, args, kwargs)

    def accumulate(self, *args, **kwargs):
        return _call(self._ufunc.accumulate, args, kwargs)

    @property
    def at(self):
        raise AttributeError(f"{self.__name__}.at is NumPy's; minigrad ops must add into repeated indices with "
                             "the backend's scatter_add (cupyx.scatter_add on CuPy)")


def _call(function, args, kwargs, host_data_allowed=False):
    if host_data_allowed:
        args = tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)
    sources = [a for a in args if type(a) is StrictArray]
    if args and isinstance(args[0], (list, tuple)):
        sources.extend(a for a in args[0] if type(a) is StrictArray)
    with np.errstate(all="ignore"):
        return wrap(function(*_unwrap(args), **_unwrap(kwargs)), sources)


class StrictNamespace:
    """``xp`` for strict arrays: NumPy's functions that CuPy also has, taking and returning strict arrays."""

    __name__ = "minigrad.backend.strict_array.namespace"
    ndarray = StrictArray

    def __init__(self):
        self.linalg = _StrictLinalg()

    def __getattr__(self, name):
        if name in NAMESPACE_CONSTANTS:
            value = getattr(np, name)
        elif name in NAMESPACE_FUNCTIONS:
            function = getattr(np, name)
            if isinstance(function, np.ufunc):
                value = _StrictUfunc(function)
            else:
                host_data_allowed = name in _HOST_DATA_ALLOWED

                def value(*args, **kwargs):
                    return _call(function, args, kwargs, host_data_allowed)

                value.__name__ = name
        else:
            raise AttributeError(_missing_message(name))
        setattr(self, name, value)  # cached: later look-ups skip __getattr__
        return value


class _StrictLinalg:
    def __getattr__(self, name):
        if name not in ("norm", "inv", "det", "solve", "svd", "qr", "cholesky", "eigh", "slogdet"):
            raise AttributeError(_missing_message(f"linalg.{name}"))
        function = getattr(np.linalg, name)
        return lambda *args, **kwargs: _call(function, args, kwargs)


def _missing_message(name: str) -> str:
    if name == "random":
        return ("xp.random is not available on minigrad's strict test device: random numbers come from "
                "minigrad's seeded generator (minigrad.random / Backend.random), so a seed gives the same "
                "values on every device")
    return (f"'{name}' is not in the strict test namespace: either CuPy lacks it (so an op using it would break "
            "on a GPU) or it is NumPy-only; see minigrad/backend/strict_array.py")


namespace = StrictNamespace()
