"""Keep freed host memory for the next training step instead of handing it back to the OS (glibc only).

A training step allocates the same NumPy temporaries every time: activations, their gradients, masks. With
its default settings glibc's malloc serves every block above 128 KiB with a fresh ``mmap`` and gives the
heap's free top back to the OS once more than 128 KiB of it is free, so the next step takes a page fault
for every 4 KiB it touches again. On the MLP benchmark (1000 points, 64 hidden units: 256 KB
activations) that is about 220 faults and half of the step's time; the hand-written NumPy version pays the
same. glibc raises both thresholds by itself once a large block is freed (up to 32 MiB for ``mmap`` and
twice that for trimming), which is why a process that has once freed a big array -- importing PyTorch
does -- stops paying.

minigrad starts glibc at those same ceilings when it is imported, so a process using it keeps up to 64 MiB
of freed memory for reuse instead of returning it at once. Nothing changes when:

* the platform's C library is not glibc (macOS, Windows, musl);
* ``MINIGRAD_MALLOC=default`` is set before ``import minigrad``;
* any of glibc's own ``MALLOC_*_`` variables is set: the user has chosen, and minigrad keeps out of it.
"""
from __future__ import annotations

import os

# glibc's ceilings for its dynamic thresholds on 64-bit systems (malloc.c: DEFAULT_MMAP_THRESHOLD_MAX, and
# trimming at twice the mmap threshold, as glibc sets it when it raises that threshold itself)
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
_M_TRIM_THRESHOLD = -1  # mallopt parameter numbers, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_",
                    "GLIBC_TUNABLES")

applied = False  # whether keep_freed_memory() changed glibc's settings in this process


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds to their dynamic ceilings (see the module docstring).

    Returns whether the settings were changed.
    """
    global applied
    if os.environ.get("MINIGRAD_MALLOC", "").lower() == "default":
        return False
    if any(name in os.environ for name in _GLIBC_VARIABLES):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
    except (AttributeError, ValueError, OSError):  # no confstr, or the name is unknown: not glibc
        return False
    import ctypes  # NumPy has already imported it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return applied
