"""minigrad's own file format: a NumPy ``.npz`` archive of stored members, never a pickle.

* ``tensor_0.npy``, ``tensor_1.npy``, ... -- the tensors' arrays;
* ``__minigrad__.npy`` -- a JSON text describing the structure (nested dicts, lists, tuples, numbers, strings,
  ``None``, dtypes, tensors by array name), with a format marker and version.

What can be saved: state dicts of modules and optimizers, and any nesting (up to ``MAX_DEPTH`` levels) of dict
/ OrderedDict / list / tuple of tensors, numbers, booleans, strings and None. Dict keys may be strings, ints,
floats, bools or None (optimizer state is keyed by ints). Anything else is refused with a clear error.

Reading checks every entry of the JSON against the shapes ``save`` writes, so a damaged or crafted description
fails with a message saying where, never with a ``KeyError`` or ``TypeError`` from deep inside.
"""
from __future__ import annotations

import json
import math
import reprlib
from collections import OrderedDict

from .. import _dtype
from .._tensor import Tensor
from ..backend import array_files
from ..backend.array_files import ArchiveError
from .building import MAX_DEPTH, build_tensor, check_depth

FORMAT_MARKER = "minigrad.save"
FORMAT_VERSION = 1
STRUCTURE_ENTRY = "__minigrad__"
STRUCTURE_MEMBER = STRUCTURE_ENTRY + ".npy"
_KEY_TYPES = (type(None), bool, int, float, str)


class _Encoder:
    """Turns a nested object into JSON-able data plus a dict of named arrays."""

    def __init__(self):
        self.arrays: dict = {}
        self.ids: dict = {}  # one stored array per tensor object, even if it appears twice

    def encode(self, obj, path: str, depth: int = 0):
        if depth > MAX_DEPTH:
            raise ValueError(f"minigrad.save cannot save {path[:80]}...: it is nested more than {MAX_DEPTH} levels "
                             "deep.")
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, Tensor):
            return self._encode_tensor(obj)
        if isinstance(obj, _dtype.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, dict):
            kind = "ordered_dict" if isinstance(obj, OrderedDict) else "dict"
            items = [[self._encode_key(key, path), self.encode(value, f"{path}[{key!r}]", depth + 1)]
                     for key, value in obj.items()]
            return {kind: items}
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(obj)]}
        if isinstance(obj, list):
            return [self.encode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(obj)]
        if array_files.is_numpy_scalar(obj):  # a NumPy scalar (e.g. from .item() on an array)
            return self.encode(obj.item(), path, depth)
        raise TypeError(f"minigrad.save cannot save {type(obj).__name__} at {path}: only tensors, numbers, "
                        "strings, None, dtypes and dicts/lists/tuples of them can be saved (minigrad never "
                        "pickles objects).")

    def _encode_key(self, key, path):
        if key is None or isinstance(key, (bool, int, str)) or (isinstance(key, float) and math.isfinite(key)):
            return {"key": key}
        raise TypeError(f"minigrad.save cannot save the dict key {key!r} at {path}: keys must be strings, "
                        "numbers, booleans or None.")

    def _encode_tensor(self, tensor):
        name = self.ids.get(id(tensor))
        if name is None:
            name = f"tensor_{len(self.arrays)}"
            self.arrays[name] = array_files.contiguous_host_array(tensor._host_array())
            self.ids[id(tensor)] = name
        from ..nn.parameter import Parameter

        return {"tensor": name, "dtype": tensor.dtype.name, "requires_grad": bool(tensor.requires_grad),
                "parameter": isinstance(tensor, Parameter)}


def save(obj, f) -> None:
    """Save ``obj`` (e.g. ``model.state_dict()``) to a path or binary file object as a safe ``.npz``.

    The members are stored uncompressed, as ``minigrad.load`` requires.
    """
    encoder = _Encoder()
    structure = encoder.encode(obj, "obj")
    document = {"format": FORMAT_MARKER, "version": FORMAT_VERSION, "object": structure}
    array_files.write_archive(f, encoder.arrays, {STRUCTURE_ENTRY: json.dumps(document)})


def is_minigrad_archive(archive) -> bool:
    return STRUCTURE_MEMBER in archive.names


def read(archive, map_location):
    """The object a ``minigrad.save`` archive holds; ``ArchiveError`` for anything malformed."""
    text = archive.read_npy_text(STRUCTURE_MEMBER)
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ArchiveError(f"has a '{STRUCTURE_ENTRY}' description that is not valid JSON ({error})") from None
    except RecursionError:
        raise ArchiveError(f"has a '{STRUCTURE_ENTRY}' description nested too deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_MARKER:
        raise ArchiveError("is not a file written by minigrad.save (format marker missing).")
    version = document.get("version")
    if type(version) is not int or version < 1:
        raise ArchiveError(f"has an invalid format version {version!r}.")
    if version > FORMAT_VERSION:
        raise ArchiveError(f"was written by a newer minigrad (format version {version}; this minigrad reads up to "
                           f"{FORMAT_VERSION}).")
    if set(document) != {"format", "version", "object"}:
        raise ArchiveError(f"has an unexpected '{STRUCTURE_ENTRY}' description (keys {sorted(document)}).")
    return _Decoder(archive, map_location).decode(document["object"], "obj", 0)


class _Decoder:
    """Rebuilds the saved object from the JSON description, checking each entry's shape."""

    def __init__(self, archive, map_location):
        self.archive = archive
        self.map_location = map_location
        self.tensors: dict = {}  # array name -> tensor, so a tensor saved twice comes back as one object

    def decode(self, data, path: str, depth: int):
        check_depth(depth, path)
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):
            return [self.decode(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(data)]
        if isinstance(data, dict):
            keys = set(data)
            if keys == {"tensor", "dtype", "requires_grad", "parameter"}:
                return self._decode_tensor(data, path)
            if keys == {"float"} and data["float"] in ("inf", "-inf", "nan"):
                return float(data["float"])
            if keys == {"dtype"} and data["dtype"] in _dtype._BY_NAME:
                return _dtype._BY_NAME[data["dtype"]]
            if keys == {"tuple"} and isinstance(data["tuple"], list):
                return tuple(self.decode(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(data["tuple"]))
            if keys in ({"dict"}, {"ordered_dict"}) and isinstance(data.get("dict", data.get("ordered_dict")), list):
                return self._decode_dict(data, path, depth)
        raise ArchiveError(f"has an unexpected entry in its structure description at {path}: {_short(data)}")

    def _decode_dict(self, data, path, depth):
        result = OrderedDict() if "ordered_dict" in data else {}
        for item in data.get("dict", data.get("ordered_dict")):
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], dict)
                    and set(item[0]) == {"key"} and isinstance(item[0]["key"], _KEY_TYPES)):
                raise ArchiveError(f"has an unexpected dict item in its structure description at {path}: "
                                   f"{_short(item)}")
            key = item[0]["key"]
            result[key] = self.decode(item[1], f"{path}[{key!r}]", depth + 1)
        return result

    def _decode_tensor(self, data, path):
        array_name, dtype_name = data["tensor"], data["dtype"]
        requires_grad, parameter = data["requires_grad"], data["parameter"]
        if not (isinstance(array_name, str) and dtype_name in _dtype._BY_NAME and isinstance(requires_grad, bool)
                and isinstance(parameter, bool)):
            raise ArchiveError(f"has an unexpected tensor entry in its structure description at {path}: "
                               f"{_short(data)}")
        if array_name == STRUCTURE_ENTRY:
            raise ArchiveError(f"has a tensor at {path} that refers to the structure description itself")
        dtype = _dtype._BY_NAME[dtype_name]
        tensor = self.tensors.get(array_name)
        if tensor is None:
            array = self.archive.read_npy(array_name + ".npy", dtype.numpy)
            tensor = build_tensor(array, requires_grad=requires_grad, parameter=parameter,
                                  map_location=self.map_location)
            self.tensors[array_name] = tensor
        elif tensor.dtype is not dtype:
            raise ArchiveError(f"declares the tensor at {path} as {dtype} but its array '{array_name}' as "
                               f"{tensor.dtype} before")
        return tensor


def _short(data) -> str:
    return reprlib.repr(data)  # bounded in depth and length, whatever a crafted file nests
