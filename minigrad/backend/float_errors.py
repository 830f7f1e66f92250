"""NumPy's floating-point warnings, silenced where minigrad computes: PyTorch gives ``inf`` and ``nan`` without a
word (``tensor(0.).log()`` is ``-inf``, ``1 / tensor(0.)`` is ``inf``), NumPy adds a ``RuntimeWarning`` ("divide
by zero encountered in log"). A user's own NumPy code outside minigrad keeps its settings.

* Forwards (autograd/function.py's ``_run_forward``) usually need nothing: on import minigrad puts a warnings
  filter first (``OWN_FILTER``) that ignores NumPy's floating-point warnings raised from minigrad's own modules
  (a ufunc's warning is attributed to the Python frame that called it), which costs one comparison per op.
  Once something else stands before that filter (``warnings.simplefilter("error")``, pytest's ``-W``, a
  ``catch_warnings`` recording everything), the forward sets NumPy's error state instead (``silence()``).
* A backward pass (the engine) calls ``silence()`` / ``restore(token)`` once for the whole pass.

NumPy 2 keeps its error state in a context variable: setting it to a prepared "ignore all" state costs about
0.2 µs, and NumPy's ufuncs then run about 0.15 µs slower (together 5 % of a tiny op, hence the filter); older
NumPy falls back to ``np.errstate``. CuPy and the strict test arrays give no such warnings.
"""

from __future__ import annotations

import functools
import warnings

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


warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad(\.|$)",
                        message=r"(divide by zero|invalid value|overflow|underflow) encountered")
OWN_FILTER = warnings.filters[0]
