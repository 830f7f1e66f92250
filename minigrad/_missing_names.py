"""What an AttributeError says when a name is missing: whether PyTorch has it.

``minigrad.X``, ``minigrad.nn.X``, ``minigrad.nn.functional.X``, ``minigrad.optim.X`` and ``tensor.X`` end here
only after normal lookup has failed. The list of PyTorch's public names (``_pytorch_names.json``, recorded by
tests/reference/gen_pytorch_names.py) is read on the first such miss, never on the way to a name that exists.
The error stays an AttributeError, so ``hasattr`` and ``getattr(obj, name, default)`` keep working.
"""
from __future__ import annotations

import json
from pathlib import Path

NAMES_FILE = Path(__file__).with_name("_pytorch_names.json")
_names: dict | None = None


def pytorch_names() -> dict:
    """{"torch": [...], "torch.nn": [...], ...}: PyTorch's public names by namespace (loaded once)."""
    global _names
    if _names is None:
        with open(NAMES_FILE) as file:
            _names = {key: frozenset(value) if isinstance(value, list) else value
                      for key, value in json.load(file).items()}
    return _names


def missing_attribute(owner: str, name: str, pytorch_namespace: str) -> AttributeError:
    """The error for ``name`` missing on ``owner`` ("module 'minigrad.nn'", "'Tensor' object"), saying when
    PyTorch's ``pytorch_namespace`` has the name."""
    message = f"{owner} has no attribute '{name}'"
    if not name.startswith("_") and name in pytorch_names().get(pytorch_namespace, ()):
        message += ": PyTorch has it, minigrad does not implement it (see docs/API.md)"
    return AttributeError(message)


def module_getattr(module_name: str):
    """A module-level ``__getattr__`` for ``minigrad.<...>`` that reports misses against ``torch.<...>``."""
    pytorch_namespace = "torch" + module_name[len("minigrad"):]

    def __getattr__(name: str):
        raise missing_attribute(f"module '{module_name}'", name, pytorch_namespace)

    return __getattr__
