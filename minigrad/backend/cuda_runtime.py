"""Probing CuPy and the GPU for ``minigrad.cuda`` (kept here: only ``minigrad.backend`` imports CuPy)."""
from __future__ import annotations

INSTALL_HINT = 'Install it with: pip install "minigrad[gpu]" (brings cupy-cuda12x, for CUDA 12 drivers).'


def status():
    """(usable, reason): can CuPy run on a GPU here? Never raises; the reason names what is missing."""
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


def device_count() -> int:
    import cupy

    return int(cupy.cuda.runtime.getDeviceCount())


def current_device() -> int:
    import cupy

    return int(cupy.cuda.runtime.getDevice())


def synchronize() -> None:
    import cupy

    cupy.cuda.Device().synchronize()
