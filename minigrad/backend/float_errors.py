"""NumPy's floating-point warnings, silenced where minigrad computes: PyTorch gives ``inf`` and ``nan`` without a
word (``tensor(0.).log()`` is ``-inf``, ``1 / tensor(0.)`` is ``inf``), NumPy adds a ``RuntimeWarning`` ("divide
by zero encountered in log"). Silenced in two central places instead of an ``errstate`` in each op: around
every built-in op's forward (``Function.apply``) and around a backward pass (the engine). A user's own NumPy
code outside minigrad keeps its settings.

``silence()`` returns a token for ``restore(token)``, to be used as ``token = silence()`` / ``try`` / ``finally:
restore(token)``: NumPy 2 keeps its error state in a context variable, and setting it to a prepared "ignore all"
state costs about 0.2 µs, where ``with np.errstate(all="ignore")`` costs about 1 µs (a small op costs 2-4 µs).
Older NumPy falls back to ``np.errstate``. CuPy and the strict test arrays give no such warnings.
"""
from __future__ import annotations

import functools

import numpy as np

try:  # NumPy >= 2: np.errstate is a context variable underneath
    from numpy._core._ufunc_config import _extobj_contextvar as _STATE, _make_extobj

    _IGNORE_ALL = _make_extobj(all="ignore")
except ImportError:  # pragma: no cover -- NumPy 1.x, or NumPy moved it: the public, slower way
    _STATE = None


if _STATE is not None:
    # silence() makes NumPy compute inf and nan silently until restore(token); both are C calls, no Python frame
    silence = functools.partial(_STATE.set, _IGNORE_ALL)
    restore = _STATE.reset
else:  # pragma: no cover
    def silence():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def restore(token):
        token.__exit__(None, None, None)
