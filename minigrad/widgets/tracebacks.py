"""Errors in a notebook shown as a learner needs them: their own line and the message, not minigrad's insides.

A PyTorch user who calls ``y.backward()`` on a vector sees the line of their cell and
``RuntimeError: grad can be implicitly created only for scalar outputs``; the C++ frames behind it are not
Python frames, so no traceback shows them. minigrad is all Python, so by default IPython shows eight frames of
``minigrad/autograd/...`` with the absolute paths of the machine the notebook ran on. ``short_tracebacks()``
hides those frames in the running IPython kernel:

    import minigrad.widgets
    minigrad.widgets.short_tracebacks()          # first cell of a lesson
    minigrad.widgets.short_tracebacks(False)     # full tracebacks again (to debug minigrad itself)

How: an IPython custom exception handler (``InteractiveShell.set_custom_exc``) rebuilds the traceback without
the frames whose code is in the minigrad package, and hands it to IPython's usual formatter. Frames of the
learner's own code that minigrad calls back (a hook, a custom ``Function.forward`` defined in a cell) are kept;
frames of the libraries minigrad calls (NumPy) are dropped with minigrad's. Exceptions that never passed
through minigrad are shown exactly as before. The engine knows nothing of this: no ``__tracebackhide__``.
"""
from __future__ import annotations

import os
import types

from ._view import ipython_shell

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def short_tracebacks(enable: bool = True) -> bool:
    """Hide minigrad's own frames from the tracebacks of the running IPython shell (``enable=False``: show them
    again). Returns False, doing nothing, outside IPython."""
    shell = ipython_shell()
    if shell is None:
        return False
    if enable:
        shell.set_custom_exc((Exception,), _show_without_internal_frames)
    else:
        shell.set_custom_exc((), None)  # IPython's default: no custom handler
    return True


def _show_without_internal_frames(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler: show the exception with minigrad's frames taken out."""
    cells = getattr(getattr(shell, "compile", None), "_filename_map", {})
    if _passes_through_minigrad(tb):
        tb = without_internal_frames(tb, cells)
        seen = {id(value)}
        chained = value.__cause__ or value.__context__
        while chained is not None and id(chained) not in seen:  # the exceptions it was raised from, too
            seen.add(id(chained))
            chained.__traceback__ = without_internal_frames(chained.__traceback__, cells)
            chained = chained.__cause__ or chained.__context__
        value.__traceback__ = tb
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
    return None  # shown already; IPython expects a list of lines or None


def _in_minigrad(tb) -> bool:
    return os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_PACKAGE_DIR)


def _passes_through_minigrad(tb) -> bool:
    while tb is not None:
        if _in_minigrad(tb):
            return True
        tb = tb.tb_next
    return False


def without_internal_frames(tb, cells=()):
    """The traceback ``tb`` without minigrad's frames and whatever they called, except code from notebook cells
    (``cells``: the file names IPython gave to cells) or other interactive code (file names in ``<...>``)."""
    kept = []
    inside = False
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _in_minigrad(tb):
            inside = True
        elif not inside or filename in cells or filename.startswith("<"):
            kept.append(tb)
        tb = tb.tb_next
    rebuilt = None
    for entry in reversed(kept):
        rebuilt = types.TracebackType(rebuilt, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return rebuilt
