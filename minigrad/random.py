"""Seeded random numbers: ``manual_seed`` makes every lesson reproducible.

Numbers are drawn on the host by one NumPy generator of our own and then moved to the tensor's device,
so the same seed gives the same values on every device.
"""
from __future__ import annotations

from . import _dtype
from .backend.random import GENERATOR
from .factories import _finish, _size_args, _target


def manual_seed(seed: int):
    """Reset minigrad's generator. Returns it, like ``torch.manual_seed``."""
    GENERATOR.seed(int(seed))
    return GENERATOR


def seed() -> int:
    return GENERATOR.seed(None)


def initial_seed() -> int:
    return GENERATOR.initial_seed


def _float_dtype(dtype):
    dtype = _dtype.canonical(dtype) or _dtype.DEFAULT_FLOAT
    if not dtype.is_floating_point:
        raise RuntimeError(f"\"normal_kernel_cpu\" not implemented for '{dtype._short_tensor_name[:-6]}'")
    return dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    dtype = _float_dtype(dtype)
    backend, index = _target(device)
    array = backend.random((generator or GENERATOR).uniform, _size_args(size), dtype.numpy, index)
    return _finish(array, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    dtype = _float_dtype(dtype)
    backend, index = _target(device)
    array = backend.random((generator or GENERATOR).normal, _size_args(size), dtype.numpy, index)
    return _finish(array, device, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    dtype = _dtype.canonical(dtype) or _dtype.int64
    backend, index = _target(device)
    source = generator or GENERATOR
    array = backend.random(lambda shape, numpy_dtype: source.integers(low, high, shape, numpy_dtype), tuple(size),
                           dtype.numpy, index)
    return _finish(array, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None):
    dtype = _dtype.canonical(dtype) or _dtype.int64
    return _finish((generator or GENERATOR).permutation(n).astype(dtype.numpy), device, False)


def rand_like(t, dtype=None, device=None, requires_grad=False):
    return rand(*t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False):
    return randn(*t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None:
        size = getattr(mean, "shape", None) or getattr(std, "shape", None) or ()
    return randn(*size, generator=generator, dtype=dtype, device=device) * std + mean


class Generator:
    """``torch.Generator``: an independent seeded stream (``manual_seed`` on it)."""

    def __new__(cls, device="cpu"):
        from .backend.random import HostGenerator

        return HostGenerator()
