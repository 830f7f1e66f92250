"""How a list of samples becomes one batch (``default_collate``) and how an unbatched sample becomes tensors
(``default_convert``), by PyTorch's rules:

* tensors are stacked along a new first dimension; NumPy arrays and NumPy scalars become tensors and are stacked;
* Python floats become one float64 tensor, ints one int64 tensor, bools one bool tensor; strings stay a list;
* a dict is collated key by key, a namedtuple field by field, a tuple or list position by position (a tuple
  of samples gives a *list* of batches, as in PyTorch).
"""
from __future__ import annotations

import collections.abc
import copy

from ..._functions import stack
from ..._tensor import Tensor
from ..._dtype import float64
from ...factories import as_tensor, tensor

COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_numpy(value) -> bool:
    """A NumPy array or scalar, recognised without importing NumPy (only minigrad.backend does)."""
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ not in ("str_", "string_")


def _is_text_array(value) -> bool:
    return type(value).__name__ == "ndarray" and value.dtype.kind in "SaUO"


def default_collate(batch):
    """One batch from a list of samples (see the module docstring for the rules)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if _is_numpy(elem):
        if _is_text_array(elem):
            raise TypeError(COLLATE_ERROR.format(elem.dtype))
        return stack([as_tensor(b) for b in batch], 0)
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):  # bools too: tensor() keeps them bool
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _same_kind(elem, collated, dict)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple keeps its type
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        collated = [default_collate(samples) for samples in transposed]
        if isinstance(elem, tuple):
            return collated
        return _same_kind(elem, collated, list)
    raise TypeError(COLLATE_ERROR.format(type(elem)))


def _same_kind(elem, collated, fallback):
    """The collated container in the sample's own container type where that type can be built from it."""
    try:
        return type(elem)(collated)
    except TypeError:
        return fallback(collated)


def default_convert(data):
    """An unbatched sample (``DataLoader(batch_size=None)``) with NumPy values turned into tensors."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        return data if _is_text_array(data) else as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update({key: default_convert(data[key]) for key in data})
            return clone
        return _same_kind(data, {key: default_convert(data[key]) for key in data}, dict)
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # PyTorch turns tuples into lists here
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_kind(data, [default_convert(d) for d in data], list)
    return data
