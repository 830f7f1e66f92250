"""Grad mode: whether new operations are recorded into the graph. Thread-local, as in PyTorch."""
from __future__ import annotations

import functools
import threading


class _GradModeState(threading.local):
    def __init__(self):
        self.enabled = True  # runs once in every thread that looks: each thread starts with grad mode on


state = _GradModeState()


def is_grad_enabled() -> bool:
    return state.enabled


class _GradModeContext:
    """Base of ``no_grad`` / ``enable_grad`` / ``set_grad_enabled``: a context manager and a decorator."""

    _target: bool

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self._target
        return self

    def __exit__(self, *exc_info):
        state.enabled = self._previous
        return False

    def __call__(self, func):
        target = self._target

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            previous = state.enabled
            state.enabled = target
            try:
                return func(*args, **kwargs)
            finally:
                state.enabled = previous

        return wrapper


class _NoArgumentDecorator(_GradModeContext):
    """Also usable as a bare decorator, ``@no_grad`` without parentheses, as PyTorch allows."""

    def __new__(cls, function=None):
        if function is None:
            return super().__new__(cls)
        return cls()(function)


class no_grad(_NoArgumentDecorator):
    """Operations inside do not record a graph: for evaluation and for parameter updates."""

    _target = False


class enable_grad(_NoArgumentDecorator):
    """Switch recording back on inside a ``no_grad`` block."""

    _target = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` acts at once (like PyTorch) and also works as a context manager."""

    def __init__(self, mode: bool):
        self._target = bool(mode)
        self._previous = state.enabled
        state.enabled = self._target

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        state.enabled = self._previous
        return False

    def __call__(self, func):
        state.enabled = self._previous  # used as a decorator: the mode applies inside calls only
        return super().__call__(func)


class inference_mode(_GradModeContext):
    """Accepted for PyTorch compatibility; in minigrad it is ``no_grad``."""

    def __init__(self, mode: bool = True):
        self._target = not mode
