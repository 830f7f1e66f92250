"""What an AttributeError says when a name is missing: whether PyTorch has it.

``minigrad.X``, ``minigrad.nn.X``, ``minigrad.nn.functional.X`` and ``minigrad.optim.X`` end here only after
normal lookup has failed (a module's ``__getattr__``). The list of PyTorch's public names
(``_pytorch_names.json``, recorded by tests/reference/gen_pytorch_names.py) is read once.

``tensor.X`` is different: a class with a ``__getattr__`` makes Python 3.11 read *every* attribute of its
instances the slow, generic way (no specialised bytecode), about 170 machine instructions more per
``tensor._array``, and an op reads dozens. So the Tensor names PyTorch has and minigrad lacks are set on the
class, each as a ``MissingInMinigrad`` that raises when read (``mark_missing``).
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


class MissingInMinigrad:
    """A class attribute standing for a name PyTorch's class has and minigrad's lacks: reading it raises."""

    def __init__(self, name: str, pytorch_namespace: str):
        self.name, self.pytorch_namespace = name, pytorch_namespace

    def __get__(self, instance, owner):
        label = f"'{type(instance).__name__}' object" if instance is not None else f"type object '{owner.__name__}'"
        raise missing_attribute(label, self.name, self.pytorch_namespace)


def mark_missing(cls, pytorch_namespace: str) -> None:
    """Set a ``MissingInMinigrad`` on ``cls`` for every public name of ``pytorch_namespace`` it lacks."""
    for name in pytorch_names()[pytorch_namespace]:
        if not name.startswith("_") and not hasattr(cls, name):
            setattr(cls, name, MissingInMinigrad(name, pytorch_namespace))


def is_marked_missing(cls, name: str) -> bool:
    return any(isinstance(klass.__dict__.get(name), MissingInMinigrad) for klass in cls.__mro__)
