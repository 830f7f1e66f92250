"""Reading the zip files ``torch.save`` writes, with an allow-list unpickler, as ``torch.load(weights_only=True)``.

A ``torch.save`` file is a zip archive (all members stored, uncompressed):

* ``<prefix>/data.pkl`` -- a pickle of the saved object, in which each tensor is a call
  ``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)``
  and each storage a persistent id ``('storage', torch.FloatStorage, key, location, numel)``;
* ``<prefix>/data/<key>`` -- each storage's raw bytes;
* ``<prefix>/byteorder`` (``little`` or ``big``), ``<prefix>/version`` and a few more that are not needed here.

Unpickling runs whatever callables a pickle names, so ``_RestrictedUnpickler.find_class`` resolves only the
names in the allow-list below -- the rebuild functions, storage types, dtypes, ``OrderedDict`` and
``torch.Size`` -- and refuses any other global, naming it, before anything is called. The allowed names
resolve to stand-ins defined here, not to PyTorch's functions (PyTorch need not be installed): calling one only
checks its arguments and records a tensor to build. After unpickling, the result is walked once: the records
become minigrad tensors (views of their storage, shared as in PyTorch), containers are rebuilt as fresh dicts /
lists / tuples, and anything else (sets, bytes, a structure that contains itself) is refused.
"""
from __future__ import annotations

import io
import math
import pickle
import pickletools
import reprlib
from collections import OrderedDict

from .. import _dtype
from ..backend.array_files import ArchiveError, strided_view
from .building import build_tensor, check_depth

_STORAGE_DTYPES = {
    "FloatStorage": _dtype.float32, "DoubleStorage": _dtype.float64, "HalfStorage": _dtype.float16,
    "LongStorage": _dtype.int64, "IntStorage": _dtype.int32, "ShortStorage": _dtype.int16,
    "CharStorage": _dtype.int8, "ByteStorage": _dtype.uint8, "BoolStorage": _dtype.bool,
}
_KEY_TYPES = (type(None), bool, int, float, str)


def is_torch_archive(archive) -> bool:
    return len(_pickle_members(archive)) == 1


def _pickle_members(archive) -> list:
    # torch.save puts every record under one folder named after the file (or 'archive'): 'model/data.pkl'
    return [name for name in archive.names
            if name == "data.pkl" or (name.endswith("/data.pkl") and name.count("/") == 1)]


def read(archive, map_location):
    """The object a ``torch.save`` zip archive holds, its tensors as minigrad tensors on the CPU."""
    prefix = _pickle_members(archive)[0][:-len("data.pkl")]
    byteorder = "little"
    if prefix + "byteorder" in archive.names:
        byteorder = bytes(archive.read_bytes(prefix + "byteorder")).decode("ascii", "replace")
        if byteorder not in ("little", "big"):
            raise ArchiveError(f"has a byteorder record saying {byteorder[:20]!r}, not 'little' or 'big'")
    storages = _StorageReader(archive, prefix, byteorder)
    data = archive.read_bytes(prefix + "data.pkl")
    try:
        _check_memo_indices(data)
        result = _RestrictedUnpickler(data, storages.load).load()
    except ArchiveError:
        raise
    except Exception as error:  # noqa: BLE001  a damaged pickle can raise almost anything; all of it means "corrupt"
        raise ArchiveError(f"has a corrupt pickle '{prefix}data.pkl' ({type(error).__name__}: "
                           f"{str(error)[:200]})") from None
    return _Converter(map_location).convert(result, "obj", 0)


def _check_memo_indices(data) -> None:
    """Refuse memo indices that run ahead of the entries stored so far, before unpickling.

    CPython's unpickler sizes its memo table by the largest index a pickle names, so the 10-byte pickle
    'put 4294967295' would make it allocate and zero 64 GiB. Python's pickler, and so torch.save, numbers
    memo entries 0, 1, 2, ... in order; an index beyond the count so far is never written by them.
    """
    stored = 0
    for opcode, argument, position in pickletools.genops(data):
        if opcode.name in ("PUT", "BINPUT", "LONG_BINPUT"):
            if argument > stored:
                raise ArchiveError(f"has a pickle that stores memo entry {argument} after only {stored} entries "
                                   f"(at byte {position}); torch.save numbers them in order")
            stored += 1
        elif opcode.name == "MEMOIZE":
            stored += 1


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only allow-listed globals, to stand-ins; storages come from ``load_storage``."""

    def __init__(self, data, load_storage):
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._load_storage = load_storage

    def find_class(self, module, name):
        module = {"__builtin__": "builtins"}.get(module, module)  # protocol 2 spells it the Python 2 way
        qualified = f"{module}.{name}"
        if qualified in _CALLABLES:
            return _Callable(qualified, _CALLABLES[qualified])  # fresh per load: a pickle cannot alter ours
        if module == "torch" and name in _dtype._BY_NAME:
            return _DtypeStandIn(_dtype._BY_NAME[name])
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name, _STORAGE_DTYPES[name])
        if module == "torch" and (name.endswith("Storage") or name in _TORCH_ONLY_DTYPES):
            raise ArchiveError(f"holds tensors of type torch.{name}, which minigrad has no dtype for")
        if qualified in ("torch.Tensor", "torch.nn.parameter.Parameter"):
            return _TensorType(qualified)
        raise ArchiveError(f"asks in its pickle for the global '{qualified}', which is not on the allow-list of "
                           "minigrad.load (tensors, storages, dtypes, OrderedDict, torch.Size and plain "
                           "containers, as torch.load(weights_only=True) allows). Nothing from the file was run.")

    def persistent_load(self, pid):
        return self._load_storage(pid)


_TORCH_ONLY_DTYPES = {"bfloat16", "complex32", "complex64", "complex128", "cfloat", "cdouble", "uint16", "uint32",
                      "uint64", "float8_e4m3fn", "float8_e5m2", "qint8", "quint8", "qint32"}


class _StandIn:
    """Base of the objects a pickle can get hold of: no attributes can be set on them by the pickle."""

    __slots__ = ()

    def __setstate__(self, state):  # pickle's BUILD would otherwise set attributes
        raise ArchiveError(f"has a pickle that tries to set the state of {self!r}")


class _Callable(_StandIn):
    __slots__ = ("qualified_name", "function")

    def __init__(self, qualified_name, function):
        self.qualified_name, self.function = qualified_name, function

    def __call__(self, *args):
        return self.function(*args)

    def __repr__(self):
        return self.qualified_name


class _DtypeStandIn(_StandIn):
    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def __repr__(self):
        return repr(self.dtype)


class _StorageType(_StandIn):
    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f"torch.{self.name}"


class _TensorType(_StandIn):
    __slots__ = ("qualified_name",)

    def __init__(self, qualified_name):
        self.qualified_name = qualified_name

    def __repr__(self):
        return self.qualified_name


class _Storage(_StandIn):
    __slots__ = ("key", "dtype", "array")

    def __init__(self, key, dtype, array):
        self.key, self.dtype, self.array = key, dtype, array

    def __repr__(self):
        return f"storage '{self.key}'"


class _TensorRecord(_StandIn):
    """A tensor to build once the pickle is read: a view of ``storage`` (offset and strides in items)."""

    __slots__ = ("storage", "offset", "size", "stride", "requires_grad", "parameter")

    def __init__(self, storage, offset, size, stride, requires_grad, parameter=False):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.requires_grad, self.parameter = requires_grad, parameter

    def as_parameter(self, requires_grad):
        return _TensorRecord(self.storage, self.offset, self.size, self.stride, requires_grad, parameter=True)

    def __repr__(self):
        return f"tensor of size {self.size}"


class _StorageReader:
    """Reads each storage a persistent id names, once, checking its declared size against the bytes stored."""

    def __init__(self, archive, prefix, byteorder):
        self.archive, self.prefix, self.byteorder = archive, prefix, byteorder
        self.storages: dict = {}

    def load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str) and _is_count(pid[4])):
            raise ArchiveError(f"has an unexpected persistent id {reprlib.repr(pid)} in its pickle")
        storage_type, key, numel = pid[1], pid[2], pid[4]
        storage = self.storages.get(key)
        if storage is None:
            array = self.archive.read_raw_array(f"{self.prefix}data/{key}", storage_type.dtype.numpy, numel,
                                                self.byteorder)
            storage = self.storages[key] = _Storage(key, storage_type.dtype, array)
        elif storage.dtype is not storage_type.dtype or len(storage.array) != numel:
            raise ArchiveError(f"uses storage '{key}' as {storage_type} of {numel} items and as "
                               f"{storage.dtype} of {len(storage.array)} items")
        return storage


def _is_count(value) -> bool:
    return type(value) is int and value >= 0


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    if not isinstance(storage, _Storage):
        raise ArchiveError(f"passes {reprlib.repr(storage)} to _rebuild_tensor_v2 where a storage belongs")
    if not (_is_count(storage_offset) and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and all(map(_is_count, size)) and all(map(_is_count, stride))
            and isinstance(requires_grad, bool)):
        raise ArchiveError(f"passes invalid arguments to _rebuild_tensor_v2 (offset {reprlib.repr(storage_offset)}, "
                           f"size {reprlib.repr(size)}, stride {reprlib.repr(stride)})")
    if backward_hooks or metadata:
        raise ArchiveError("holds a tensor with backward hooks or metadata, which minigrad.load does not read")
    # the last element the view reaches must lie inside the storage
    end = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if math.prod(size) else storage_offset
    if end > len(storage.array):
        raise ArchiveError(f"holds a tensor of size {size}, stride {stride} at offset {storage_offset} reaching past "
                           f"the end of {storage} ({len(storage.array)} items)")
    return _TensorRecord(storage, storage_offset, size, stride, requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    if not (isinstance(data, _TensorRecord) and isinstance(requires_grad, bool)):
        raise ArchiveError("passes invalid arguments to _rebuild_parameter")
    if backward_hooks or state:
        raise ArchiveError("holds a parameter with backward hooks or extra state, which minigrad.load does not "
                           "read")
    return data.as_parameter(requires_grad)


def _rebuild_from_type_v2(function, new_type, args, state):
    # what torch.save writes for a tensor whose Python object carries attributes or is a subclass
    if not (isinstance(function, _Callable) and function.function in (_rebuild_tensor_v2, _rebuild_parameter)
            and isinstance(new_type, _TensorType) and isinstance(args, tuple)):
        raise ArchiveError("passes invalid arguments to _rebuild_from_type_v2")
    if state:
        raise ArchiveError("holds a tensor with Python attributes, which minigrad.load does not read")
    record = function(*args)
    if new_type.qualified_name == "torch.nn.parameter.Parameter":
        record = record.as_parameter(record.requires_grad)
    return record


def _ordered_dict(*args):
    return OrderedDict(*args)


def _torch_size(dims=()):
    dims = tuple(dims)
    if not all(map(_is_count, dims)):
        raise ArchiveError(f"passes {reprlib.repr(dims)} to torch.Size")
    return dims


_CALLABLES = {
    "collections.OrderedDict": _ordered_dict,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
    "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    "torch.Size": _torch_size,
}


class _Converter:
    """Walks the unpickled object once: records become tensors, containers are rebuilt, the rest refused."""

    def __init__(self, map_location):
        self.map_location = map_location
        self.done: dict = {}  # id -> converted object, so shared tensors and containers stay shared
        self.active: set = set()  # ids of the containers being converted: meeting one again is a cycle

    def convert(self, obj, path: str, depth: int):
        check_depth(depth, path)
        if obj is None or type(obj) in (bool, int, float, str):
            return obj
        if isinstance(obj, _DtypeStandIn):
            return obj.dtype
        if id(obj) in self.done:
            return self.done[id(obj)]
        if isinstance(obj, _TensorRecord):
            converted = self._tensor(obj)
        elif type(obj) in (dict, OrderedDict, list, tuple):
            if id(obj) in self.active:
                raise ArchiveError(f"has a structure that contains itself (at {path[:80]})")
            self.active.add(id(obj))
            converted = self._container(obj, path, depth)
            self.active.discard(id(obj))
        else:
            raise ArchiveError(f"holds {reprlib.repr(obj)} (a {type(obj).__name__}) at {path[:80]}; minigrad.load "
                               "reads tensors, numbers, strings, None, dtypes and dicts/lists/tuples of them")
        self.done[id(obj)] = converted
        return converted

    def _container(self, obj, path, depth):
        if isinstance(obj, dict):
            result = OrderedDict() if isinstance(obj, OrderedDict) else {}
            for key, value in obj.items():
                if type(key) not in _KEY_TYPES:
                    raise ArchiveError(f"has the dict key {reprlib.repr(key)} at {path[:80]}; keys must be "
                                       "strings, numbers, booleans or None")
                result[key] = self.convert(value, f"{path}[{key!r}]", depth + 1)
            return result
        items = [self.convert(value, f"{path}[{i}]", depth + 1) for i, value in enumerate(obj)]
        return items if isinstance(obj, list) else tuple(items)

    def _tensor(self, record):
        array = strided_view(record.storage.array, record.offset, record.size, record.stride)
        return build_tensor(array, requires_grad=record.requires_grad, parameter=record.parameter,
                            map_location=self.map_location)
