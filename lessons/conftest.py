"""nbval runs each lesson in a fresh kernel started from ``lessons/``; set up what that kernel inherits.

* ``PYTHONPATH`` starts with the repository root, so the kernel imports this checkout's ``minigrad`` even where
  the package is not installed (with ``pip install -e .`` it is the same code either way).
* One BLAS thread, unless the caller chose otherwise. The lessons' matrices are small (64×1000 at most); on a
  machine whose cores are busy, OpenBLAS's spinning worker threads made the two-layer net of lessons 08 and 12
  about 25 times slower (0.45 s of CPU with one thread, 11 s with two, measured on 2 shared cores).

``lessons/build.py --execute`` sets up its kernels the same way, so the saved outputs are what nbval sees.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_paths = [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT)]
os.environ["PYTHONPATH"] = os.pathsep.join(_paths)
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
