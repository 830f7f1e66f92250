"""``minigrad.cuda``: is a GPU usable through CuPy?

``is_available()`` never raises: it is False without CuPy, without a GPU, or without a working driver, so
``torch.device('cuda' if torch.cuda.is_available() else 'cpu')`` runs everywhere. Asking for a 'cuda' tensor
where none can exist raises an error that says which piece is missing and how to install it.
"""
from __future__ import annotations

from .backend import cuda_runtime


def _cupy_status():
    """(usable, reason) -- never raises."""
    return cuda_runtime.status()


def is_available() -> bool:
    """True when CuPy is installed and sees at least one GPU."""
    return _cupy_status()[0]


def device_count() -> int:
    return cuda_runtime.device_count() if is_available() else 0


def current_device() -> int:
    _require_available()
    return cuda_runtime.current_device()


def synchronize(device=None) -> None:
    """Wait for every queued GPU operation to finish (timing GPU code needs it)."""
    _require_available()
    cuda_runtime.synchronize()


def _require_available() -> None:
    usable, reason = _cupy_status()
    if not usable:
        raise RuntimeError(f"Cannot use device 'cuda': {reason} Use torch.device('cuda' if "
                           "torch.cuda.is_available() else 'cpu') to fall back to the CPU.")
    from .backend import cupy_backend  # noqa: F401  (registers the CuPy arrays)


def manual_seed(seed: int) -> None:
    """Seeds are shared: minigrad draws random numbers on the host for every device."""
    from .random import manual_seed as seed_all

    seed_all(seed)


manual_seed_all = manual_seed
