"""Shared test setup.

MINIGRAD_REQUIRE_ALL=1 (set by .ci/run) turns every skipped test into a failure: CI installs everything
the heavy tests need (Chromium, Playwright, the lesson stack), so a skip there means something is broken.
Outside CI, tests needing a browser or a GPU skip with a reason.

MINIGRAD_TEST_DEVICE=strict runs the device-sensitive suites (ops, autograd, nn, optim, functional, ...;
``STRICT_DEVICE_SUITES`` below) a second time with the strict test device as the default device: every
tensor the tests make with ``tensor``/``zeros``/``randn``/... then holds a strict array, which breaks where
CuPy would (see ``minigrad/backend/strict_array.py``). The README's test command runs pytest twice, once per
device, so CI does both. Other test files are not collected in that run; a single test that is about host
memory (e.g. ``from_numpy`` sharing) is marked ``@pytest.mark.host_only`` and left out of it.
"""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest

REQUIRE_ALL = os.environ.get("MINIGRAD_REQUIRE_ALL") == "1"
# Tests that can never run on a CPU-only CI machine (real CuPy on a GPU) may still skip there.
ALLOWED_SKIP_MARKER = "gpu"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and item.get_closest_marker(ALLOWED_SKIP_MARKER) is None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under MINIGRAD_REQUIRE_ALL=1 (CI must run every test): {reason}"


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs CuPy and a CUDA GPU (the only skip CI allows)")
    config.addinivalue_line("markers", "browser: needs Chromium and Playwright (real-browser widget test)")
    config.addinivalue_line("markers", "slow: builds environments or starts servers")
    config.addinivalue_line("markers", "host_only: about NumPy/host memory; not run on the strict test device")


# ------------------------------------------------------------------ the same suites on the strict device
TEST_DEVICE = os.environ.get("MINIGRAD_TEST_DEVICE", "cpu")
# Test files that run on both devices (file-name patterns under tests/).
STRICT_DEVICE_SUITES = (
    "test_ops_*.py", "test_autograd*.py", "test_engine*.py", "test_gradcheck*.py", "test_forward_ad*.py",
    "test_func.py", "test_functional*.py", "test_nn*.py", "test_optim*.py", "test_tensor_*.py", "test_errors.py",
    "test_serialization.py", "test_lesson_snippets.py", "test_exercises.py", "test_devices.py",
    "test_backend_strict.py", "test_jit.py", "test_utils_data.py",
)
_TESTS_DIR = Path(__file__).parent

if TEST_DEVICE != "cpu":
    import minigrad

    # before any test module is imported, so tensors made at import time are on the device too
    minigrad.set_default_device(TEST_DEVICE)


def runs_on_test_device(path: Path) -> bool:
    return path.parent == _TESTS_DIR and any(fnmatch.fnmatch(path.name, p) for p in STRICT_DEVICE_SUITES)


def pytest_ignore_collect(collection_path, config):
    if TEST_DEVICE == "cpu":
        return None
    path = Path(collection_path)
    if path.is_dir():
        return None if path == _TESTS_DIR or _TESTS_DIR in path.parents or path in _TESTS_DIR.parents else True
    if path.suffix == ".py" and path.name.startswith("test_"):
        return None if runs_on_test_device(path) else True
    return None if path.suffix == ".py" else True  # notebooks and other files: only in the CPU run


def pytest_collection_modifyitems(config, items):
    if TEST_DEVICE == "cpu":
        return
    host_only = [item for item in items if item.get_closest_marker("host_only") is not None]
    if host_only:
        config.hook.pytest_deselected(items=host_only)
        items[:] = [item for item in items if item.get_closest_marker("host_only") is None]


def pytest_report_header(config):
    return f"minigrad test device: {TEST_DEVICE} (MINIGRAD_TEST_DEVICE)"


@pytest.fixture
def test_device():
    """The device this run's tests make their tensors on (cpu, or strict under MINIGRAD_TEST_DEVICE)."""
    import minigrad

    return minigrad.get_default_device()

# Notebooks under tests/ are inputs of tests (e.g. the browser check), not lessons for nbval.
collect_ignore_glob = ["**/*.ipynb"]
