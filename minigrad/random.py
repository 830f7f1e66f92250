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


# While a vmap runs, ``minigrad/func_batching.py`` sets this hook: ``_vmap_draw(draw, size, inputs)`` calls
# ``draw(shape)`` with the batch sizes of the vmaps with randomness='different' in front of ``size``, and
# returns the draw batched for those vmaps (each example its own numbers); under randomness='same' they
# share one draw, under 'error' it raises PyTorch's error. ``inputs``: the tensors a draw depends on
# (``normal``'s mean and std). Outside vmap it is None and nothing changes.
_vmap_draw = None


def _random(method, size, dtype, device, requires_grad=False, inputs=()):
    """A new tensor of ``size`` filled by ``method(shape, numpy_dtype)`` on the host generator (every random
    function of minigrad draws here, so vmap's randomness modes reach them all)."""
    backend, index = _target(device)

    def draw(shape):
        return _finish(backend.random(method, shape, dtype.numpy, index), device, requires_grad)

    if _vmap_draw is None:
        return draw(size)
    return _vmap_draw(draw, size, inputs)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    return _random((generator or GENERATOR).uniform, _size_args(size), _float_dtype(dtype), device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    return _random((generator or GENERATOR).normal, _size_args(size), _float_dtype(dtype), device, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    source = generator or GENERATOR
    return _random(lambda shape, numpy_dtype: source.integers(low, high, shape, numpy_dtype), tuple(size),
                   _dtype.canonical(dtype) or _dtype.int64, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None):
    source = generator or GENERATOR

    def permutations(shape, numpy_dtype):  # one permutation, or one per example (a batched draw inside vmap)
        if len(shape) == 1:
            return source.permutation(n).astype(numpy_dtype)
        return source.uniform(shape, "float64").argsort(axis=-1).astype(numpy_dtype)

    return _random(permutations, (n,), _dtype.canonical(dtype) or _dtype.int64, device)


def rand_like(t, dtype=None, device=None, requires_grad=False):
    return rand(*t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False):
    return randn(*t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None:
        size = getattr(mean, "shape", None) or getattr(std, "shape", None) or ()
    noise = _random((generator or GENERATOR).normal, _size_args(tuple(size)), _float_dtype(dtype), device,
                    inputs=(mean, std))
    return noise * std + mean


class Generator:
    """``torch.Generator``: an independent seeded stream (``manual_seed`` on it)."""

    def __new__(cls, device="cpu"):
        from .backend.random import HostGenerator

        return HostGenerator()
