"""Anomaly detection: remember where each node was created, report it when its backward fails.

One switch for the whole process, as in PyTorch (grad mode is per thread, anomaly mode is not): a thread
started inside ``detect_anomaly()`` sees it on.
"""
from __future__ import annotations

import warnings


class _AnomalyState:
    # Set on the instance, not as class defaults: every op reads ``enabled``, and Python 3.11 reads an
    # instance's own attribute several times faster than one it finds on the class.
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


state = _AnomalyState()


def is_anomaly_enabled() -> bool:
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return state.check_nan


class detect_anomaly:
    """Context manager: a failing backward names the node and the forward line that created it."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only "
                      "be enabled for debugging.", UserWarning, stacklevel=2)
        self._previous = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc_info):
        state.enabled, state.check_nan = self._previous
        return False


class set_detect_anomaly:
    """``set_detect_anomaly(True)`` switches anomaly detection on at once (and works as a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._previous = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = bool(mode), check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        state.enabled, state.check_nan = self._previous
        return False
