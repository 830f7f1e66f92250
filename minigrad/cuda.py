"""``minigrad.cuda``: is a GPU usable through CuPy?

``is_available()`` never raises: it is False without CuPy, without a GPU, or without a working driver, so
``torch.device('cuda' if torch.cuda.is_available() else 'cpu')`` runs everywhere. Asking for a 'cuda' tensor
where none can exist raises an error that says which piece is missing and how to install it.
"""
from __future__ import annotations

INSTALL_HINT = 'Install it with: pip install "minigrad[gpu]" (brings cupy-cuda12x, for CUDA 12 drivers).'


def _cupy_status():
    """(usable, reason) -- never raises."""
    try:
        import cupy
    except ModuleNotFoundError as error:
        if error.name not in ("cupy", None) and not str(error.name).startswith("cupy"):
            return False, f"CuPy is installed but could not be imported ({error}). {INSTALL_HINT}"
        return False, f"CuPy is not installed. {INSTALL_HINT}"
    except Exception as error:  # e.g. CUDA libraries missing
        return False, f"CuPy is installed but could not be imported ({error.__class__.__name__}: {error})."
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # no driver, no device
        return False, ("CuPy is installed but no CUDA GPU is usable here "
                       f"({error.__class__.__name__}: {error}). Check `nvidia-smi`.")
    if count < 1:
        return False, "CuPy is installed but no CUDA GPU was found (check `nvidia-smi`)."
    return True, ""


def is_available() -> bool:
    """True when CuPy is installed and sees at least one GPU."""
    return _cupy_status()[0]


def device_count() -> int:
    if not is_available():
        return 0
    import cupy

    return int(cupy.cuda.runtime.getDeviceCount())


def current_device() -> int:
    _require_available()
    import cupy

    return int(cupy.cuda.runtime.getDevice())


def synchronize(device=None) -> None:
    """Wait for every queued GPU operation to finish (timing GPU code needs it)."""
    _require_available()
    import cupy

    cupy.cuda.Device().synchronize()


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
