"""Shared test setup.

MINIGRAD_REQUIRE_ALL=1 (set by .ci/run) turns every skipped test into a failure: CI installs everything
the heavy tests need (Chromium, Playwright, the lesson stack), so a skip there means something is broken.
Outside CI, tests needing a browser or a GPU skip with a reason.
"""
from __future__ import annotations

import os

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

# Notebooks under tests/ are inputs of tests (e.g. the browser check), not lessons for nbval.
collect_ignore_glob = ["**/*.ipynb"]
