"""``minigrad.device``: where a tensor's array lives ('cpu', or 'cuda' through CuPy)."""
from __future__ import annotations


class device:
    """``device('cpu')``, ``device('cuda')``, ``device('cuda:0')`` or ``device('cuda', 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type_or_spec, index: int | None = None):
        if isinstance(type_or_spec, device):
            self.type, self.index = type_or_spec.type, type_or_spec.index
            return
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
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + type_or_spec
            )
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


CPU = device("cpu")


def as_device(value) -> device | None:
    if value is None or isinstance(value, device):
        return value
    if isinstance(value, int):
        return device("cuda", value)
    return device(value)
