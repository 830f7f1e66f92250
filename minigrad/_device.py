"""``minigrad.device``: where a tensor's array lives ('cpu', or 'cuda' through CuPy).

A third type, 'strict', is a test device (CPU memory that behaves like CuPy, see
``minigrad/backend/strict_backend.py``); lessons never need it.
"""
from __future__ import annotations

import threading

DEVICE_TYPES = ("cpu", "cuda", "strict")


class device:
    """``device('cpu')``, ``device('cuda')``, ``device('cuda:0')`` or ``device('cuda', 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type_or_spec, index: int | None = None):
        if isinstance(type_or_spec, device):
            self.type, self.index = type_or_spec.type, type_or_spec.index
            return
        if isinstance(type_or_spec, int) and not isinstance(type_or_spec, bool):
            type_or_spec, index = "cuda", type_or_spec  # torch.device(0) is cuda:0
        if not isinstance(type_or_spec, str):
            raise TypeError(f"device() expected a string like 'cpu' or 'cuda:0', got {type(type_or_spec).__name__}")
        spec = type_or_spec.strip()
        if ":" in spec:
            kind, _, number = spec.partition(":")
            if not number.isdigit() or index is not None:
                raise RuntimeError(f"Invalid device string: '{type_or_spec}'")
            index = int(number)
        else:
            kind = spec
        if kind not in DEVICE_TYPES:
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + type_or_spec
            )
        if index is not None:
            if not isinstance(index, int) or index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
            if kind == "cpu" and index != 0:
                raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
        self.type = kind
        self.index = index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")



class _DefaultDevice(threading.local):
    """Where factories put tensors when no device= is given (``set_default_device``), per thread as in
    PyTorch: every new thread starts on the CPU. None means the CPU and keeps the common case one test."""

    device = None


_default = _DefaultDevice()


def as_device(value) -> device | None:
    if value is None or isinstance(value, device):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return device("cuda", value)
    return device(value)


def set_default_device(value) -> None:
    """``torch.set_default_device``: the device of tensors made by ``tensor``, ``zeros``, ``randn``, ...
    when they get no ``device=`` (``from_numpy`` always shares host memory, so it stays on the CPU).
    ``None`` or ``'cpu'`` restores the CPU. The tests use it to run whole suites on the strict device."""
    target = as_device(value)
    if target is not None and target.type != "cpu":
        from .backend import backend_for_device

        backend_for_device(target.type)  # fail now, with the clear message, if the device cannot exist here
    _default.device = None if target is None or target.type == "cpu" else target


def get_default_device() -> device:
    """``torch.get_default_device``: where factories put tensors without ``device=``."""
    current = _default.device
    if current is None:
        return CPU
    if current.index is None:
        return device(current.type, 0)  # PyTorch reports device(type='cuda', index=0)
    return current


def default_device_or_none():
    """The default device, or None for the CPU (the fast path of ``_place``)."""
    return _default.device
