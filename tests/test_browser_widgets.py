"""Real-browser check of every minigrad widget: JupyterLab 4 + headless Chromium driven by Playwright.

The work is done by ``tests/browser/run_in_browser.py`` on ``tests/browser/widgets_demo.ipynb``: it runs all
cells, clicks Step / Play / Reset, types predictions into the predict-mode stepper, picks a graph node, moves a
slider, and checks what the page shows. It skips
(with the reason) where Chromium or Playwright is missing; under CI (MINIGRAD_REQUIRE_ALL=1) a skip is a
failure. Screenshots go to ``$MINIGRAD_BROWSER_SCREENSHOTS`` if set, else to pytest's temporary folder.
"""
from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

HELPER = Path(__file__).resolve().parent / "browser" / "run_in_browser.py"


def load_helper():
    spec = importlib.util.spec_from_file_location("minigrad_browser_check", HELPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.browser
@pytest.mark.slow
def test_every_widget_renders_and_answers_in_jupyterlab(tmp_path):
    helper = load_helper()
    reason = helper.missing_requirements()
    if reason:
        pytest.skip(reason)
    screenshots = Path(os.environ.get("MINIGRAD_BROWSER_SCREENSHOTS") or tmp_path / "screenshots")
    report = helper.run(screenshots=screenshots, timeout=120)
    summary = json.dumps({k: v for k, v in report.items() if k != "server_log_tail"}, indent=1, default=str)
    assert "error" not in report, f"{report.get('error')}\n{report.get('server_log_tail', '')}"
    dom = report["dom"]
    for name in helper.WIDGETS:
        assert dom[name]["present"], f"{name} did not render\n{summary}"
    for name in helper.WITH_IMAGE:
        assert dom[name]["images"] >= 1 and dom[name]["images_loaded"] == dom[name]["images"], summary
    assert dom["backward_stepper"]["buttons"][0] == "Step" and "Reset" in dom["backward_stepper"]["buttons"]
    assert dom["jacobian_explorer"]["sliders"] == 4
    assert dom["page"]["static_pictures"] >= 1  # minigrad.viz.draw shows itself as a PNG
    assert dom["page"]["error_outputs"] == [] and not dom["page"]["widget_errors"], summary
    checks = report["checks"]
    assert checks["live_graph_followed"] and checks["live_graph_gradients"] and checks["live_graph_node_picked"]
    assert checks["stepper_step"] and checks["stepper_play"] and checks["stepper_reset"]
    assert checks["predict_unreadable"] and checks["predict_right"] and checks["predict_wrong"]
    assert checks["predict_show"]
    assert dom["predict_stepper"]["buttons"][:2] == ["Step", "Reset"] and "Show me" in dom["predict_stepper"]["buttons"]
    assert checks["jacobian_slider"] and checks["dashboard_status"]
    assert checks["hook_rows"] == 5  # relu and second layer forward, prediction grad, then both backward
    assert report["ok"], summary
    assert all(Path(path).stat().st_size > 1000 for path in report["screenshots"])
