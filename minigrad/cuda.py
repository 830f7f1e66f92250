"""``minigrad.cuda``: is a GPU usable through CuPy?"""
from __future__ import annotations


def _cupy_status():
    """(usable, reason) -- never raises."""
    try:
        import cupy  # noqa: F401
    except Exception:
        return False, ("CuPy is not installed. Install it with: pip install \"minigrad[gpu]\" "
                       "(brings cupy-cuda12x).")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # no driver, no device
        return False, f"CuPy is installed but no CUDA GPU is usable here ({error.__class__.__name__}: {error})."
    if count < 1:
        return False, "CuPy is installed but no CUDA GPU was found."
    return True, ""


def is_available() -> bool:
    return _cupy_status()[0]


def device_count() -> int:
    if not is_available():
        return 0
    import cupy

    return int(cupy.cuda.runtime.getDeviceCount())


def _require_available() -> None:
    usable, reason = _cupy_status()
    if not usable:
        raise RuntimeError(f"Cannot use device 'cuda': {reason}")
    from .backend import cupy_backend  # noqa: F401  (registers the CuPy arrays)


def manual_seed(seed: int) -> None:
    """Seeds are shared: minigrad draws random numbers on the host for every device."""
    from .random import manual_seed as seed_all

    seed_all(seed)


manual_seed_all = manual_seed
