"""``minigrad.save`` / ``minigrad.load``: state dicts on disk, in a format that never runs code.

``torch.save`` pickles, and unpickling a file from a stranger can run any code. minigrad writes a NumPy
``.npz`` archive instead, saved and read with ``allow_pickle=False``:

* ``tensor_0``, ``tensor_1``, ... -- the tensors' arrays;
* ``__minigrad__`` -- a JSON text describing the structure (nested dicts, lists, tuples, numbers, strings,
  ``None``, dtypes, tensors by array name), with a format marker and version.

What can be saved: state dicts of modules and optimizers, and any nesting of dict / OrderedDict / list /
tuple of tensors, numbers, booleans, strings and None. Dict keys may be strings, ints, floats, bools or None
(optimizer state is keyed by ints). Anything else is refused with a clear error.
"""
from __future__ import annotations

import json
import math
import os
from collections import OrderedDict

from . import _dtype
from ._tensor import Tensor
from .backend import NUMPY_BACKEND

_np = NUMPY_BACKEND.xp  # the one door to NumPy (its .npz reader and writer)

FORMAT_MARKER = "minigrad.save"
FORMAT_VERSION = 1
STRUCTURE_ENTRY = "__minigrad__"


class _Encoder:
    """Turns a nested object into JSON-able data plus a dict of named arrays."""

    def __init__(self):
        self.arrays: dict = {}
        self.ids: dict = {}  # one stored array per tensor object, even if it appears twice

    def encode(self, obj, path: str):
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
            items = [[self._encode_key(key, path), self.encode(value, f"{path}[{key!r}]")]
                     for key, value in obj.items()]
            return {kind: items}
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, list):
            return [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, _np.generic):  # a NumPy scalar (e.g. from .item() on an array)
            return self.encode(obj.item(), path)
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
            # asarray, not ascontiguousarray: the latter turns a 0-d step counter into shape (1,)
            self.arrays[name] = _np.asarray(tensor._host_array(), order="C")
            self.ids[id(tensor)] = name
        from .nn.parameter import Parameter

        return {"tensor": name, "dtype": tensor.dtype.name, "requires_grad": bool(tensor.requires_grad),
                "parameter": isinstance(tensor, Parameter)}


def save(obj, f) -> None:
    """Save ``obj`` (e.g. ``model.state_dict()``) to a path or binary file object as a safe ``.npz``."""
    encoder = _Encoder()
    structure = encoder.encode(obj, "obj")
    document = {"format": FORMAT_MARKER, "version": FORMAT_VERSION, "object": structure}
    entries = dict(encoder.arrays)
    entries[STRUCTURE_ENTRY] = _np.array(json.dumps(document))
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as handle:  # savez would otherwise append '.npz' to the name
            _np.savez(handle, **entries)
    else:
        _np.savez(f, **entries)


def load(f, map_location=None, weights_only=None, **unused):
    """Load what ``minigrad.save`` wrote. Tensors come back on the CPU (or ``map_location``).

    Refuses, naming the file, anything that is not a minigrad save file -- including PyTorch's pickles,
    which could run code when loaded.
    """
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", repr(f))
    try:
        archive = _np.load(f, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise RuntimeError(f"{name} is not a file written by minigrad.save (expected a .npz archive with a "
                           f"'{STRUCTURE_ENTRY}' entry; pickled files such as torch.save's are never loaded, "
                           f"since unpickling can run code): {error}") from None
    if not hasattr(archive, "files"):  # a bare .npy array
        raise RuntimeError(f"{name} is not a file written by minigrad.save: it holds a single NumPy array, not "
                           f"a .npz archive with a '{STRUCTURE_ENTRY}' entry.")
    with archive:
        if STRUCTURE_ENTRY not in archive.files:
            raise RuntimeError(f"{name} is not a file written by minigrad.save: it has no '{STRUCTURE_ENTRY}' "
                               "entry describing its contents.")
        try:
            document = json.loads(str(archive[STRUCTURE_ENTRY]))
        except ValueError as error:
            raise RuntimeError(f"{name} has a corrupt '{STRUCTURE_ENTRY}' entry: {error}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT_MARKER:
            raise RuntimeError(f"{name} is not a file written by minigrad.save (format marker missing).")
        version = document.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise RuntimeError(f"{name} was written by a newer minigrad (format version {version}; this "
                               f"minigrad reads up to {FORMAT_VERSION}).")
        decoder = _Decoder(archive, name, map_location)
        return decoder.decode(document["object"])


class _Decoder:
    def __init__(self, archive, name, map_location):
        self.archive = archive
        self.name = name
        self.map_location = map_location
        self.tensors: dict = {}

    def decode(self, data):
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):
            return [self.decode(item) for item in data]
        if isinstance(data, dict) and len(data) >= 1:
            if "tensor" in data:
                return self._decode_tensor(data)
            if "float" in data:
                return float(data["float"])
            if "dtype" in data:
                return _dtype._BY_NAME[data["dtype"]]
            if "tuple" in data:
                return tuple(self.decode(item) for item in data["tuple"])
            if "dict" in data or "ordered_dict" in data:
                result = OrderedDict() if "ordered_dict" in data else {}
                for key, value in data.get("dict", data.get("ordered_dict")):
                    result[key["key"]] = self.decode(value)
                return result
        raise RuntimeError(f"{self.name}: unexpected entry in the structure description: {data!r}")

    def _decode_tensor(self, data):
        from .factories import from_numpy
        from .nn.parameter import Parameter

        array_name = data["tensor"]
        if array_name in self.tensors:
            return self.tensors[array_name]
        if array_name not in self.archive.files:
            raise RuntimeError(f"{self.name} is missing the array '{array_name}' its description refers to.")
        array = self.archive[array_name]
        expected = _dtype._BY_NAME[data["dtype"]].numpy
        if array.dtype != expected:
            array = array.astype(expected)
        tensor = from_numpy(_np.array(array, copy=True))
        if self.map_location is not None and not callable(self.map_location):
            tensor = tensor.to(self.map_location)
        if data.get("parameter"):
            tensor = Parameter(tensor, requires_grad=data.get("requires_grad", True))
        elif data.get("requires_grad"):
            tensor.requires_grad_(True)
        self.tensors[array_name] = tensor
        return tensor
