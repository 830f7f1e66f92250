#!/usr/bin/env python
"""Open a notebook that uses every minigrad widget in JupyterLab 4, in headless Chromium, and check the page.

Started from ``/work/shared/recipes/jupyterlab_widget_check.py`` (made to work on this machine type):

1. copies the notebook into a temporary root (the run never writes into the repository),
2. starts ``jupyter lab`` on 127.0.0.1 (no token, isolated settings, no news, no autosave, no windowing so that
   off-screen cells stay in the DOM) with this repository on ``PYTHONPATH`` for the kernel,
3. drives Debian's Chromium through Playwright (``executable_path``; Playwright cannot download browsers here):
   runs all cells, waits for ``ALL CELLS RAN``, checks each widget's DOM, clicks Step / Play, picks a graph node,
   moves a slider, and waits for the kernel's answers to appear on the page,
4. saves one screenshot per widget and of the page; prints (``main``) or returns (``run``) a JSON-able report.

    python tests/browser/run_in_browser.py --screenshots /tmp/shots
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
NOTEBOOK = HERE / "widgets_demo.ipynb"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# CSS class of each widget (set with add_class) -> what its output must contain
WIDGETS = {
    "live_graph": ".minigrad-live-graph",
    "backward_stepper": ".minigrad-backward-stepper:not(.minigrad-predict)",
    "predict_stepper": ".minigrad-backward-stepper.minigrad-predict",
    "hook_monitor": ".minigrad-hook-monitor",
    "jacobian_explorer": ".minigrad-jacobian-explorer",
    "training_dashboard": ".minigrad-training-dashboard",
}
WITH_IMAGE = ("live_graph", "backward_stepper", "predict_stepper", "jacobian_explorer", "training_dashboard")


def chromium_path() -> str | None:
    found = shutil.which("chromium") or (DEFAULT_CHROMIUM if Path(DEFAULT_CHROMIUM).exists() else None)
    return found


def missing_requirements() -> str | None:
    """Why the browser check cannot run here, or None when it can."""
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        return "JupyterLab is not installed (pip install jupyterlab)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except Exception as error:  # noqa: BLE001 - the server is still starting
            last = error
        time.sleep(0.3)
    raise TimeoutError(f"{url} not up after {timeout}s: {last}")


def write_settings(state: Path) -> None:
    settings = state / "lab_settings" / "@jupyterlab"
    files = {
        "apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
        "docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        # JupyterLab 4 removes off-screen cells from the DOM by default; the check needs them all
        "notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for relative, content in files.items():
        path = settings / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


def start_lab(root: Path, port: int, state: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root",
        f"--ServerApp.root_dir={root}", f"--FileCheckpoints.checkpoint_dir={state / 'checkpoints'}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
    ]
    env = dict(os.environ)
    env["JUPYTER_CONFIG_DIR"] = str(state / "jupyter_config")
    env["JUPYTERLAB_SETTINGS_DIR"] = str(state / "lab_settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(state / "lab_workspaces")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.pop("MPLBACKEND", None)
    write_settings(state)
    log = open(state / "jupyter_lab.log", "w")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


KERNEL_IDLE = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return k && k.status === 'idle'; }"""

DOM_FACTS = """(widgets) => {
    const facts = {};
    for (const [name, selector] of Object.entries(widgets)) {
        const element = document.querySelector(selector);
        const images = element ? [...element.querySelectorAll('img')] : [];
        facts[name] = {
            present: !!element,
            images: images.length,
            images_loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
            buttons: element ? [...element.querySelectorAll('button')].map(b => b.textContent.trim()) : [],
            sliders: element ? element.querySelectorAll('.widget-slider').length : 0,
            text: element ? element.innerText.slice(0, 2000) : '',
        };
    }
    const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
    facts.page = {
        static_pictures: outputs.filter(o => o.getAttribute('data-mime-type') === 'image/png').length,
        error_outputs: outputs.filter(o => ['application/vnd.jupyter.stderr', 'application/vnd.jupyter.error']
                                            .includes(o.getAttribute('data-mime-type'))).map(o => o.innerText),
        widget_errors: document.body.innerText.includes('Error displaying widget'),
        loading_text: document.body.innerText.includes('Loading widget'),
    };
    return facts;
}"""


def text_of(page, selector) -> str:
    return page.locator(selector).first.inner_text()


def wait_text(page, selector, fragment, timeout_ms) -> None:
    page.wait_for_function(
        "([selector, fragment]) => { const e = document.querySelector(selector);"
        " return e && e.innerText.includes(fragment); }",
        arg=[selector, fragment], timeout=timeout_ms)


def screenshot_when_drawn(page, selector, path: Path, timeout_ms) -> str:
    """Screenshot of a widget once its pictures have loaded; returns the file's path."""
    page.wait_for_function("(s) => [...document.querySelectorAll(s + ' img')].every(i => i.complete)",
                           arg=selector, timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.locator(selector).first.screenshot(path=str(path))
    return str(path)


def run(notebook: Path = NOTEBOOK, screenshots: Path | None = None, timeout: float = 90,
        chromium: str | None = None) -> dict:
    """Run the browser check; returns a report whose ``ok`` says whether every check passed."""
    from playwright.sync_api import sync_playwright

    started = time.time()
    report: dict = {"ok": False, "checks": {}, "timings_s": {}, "screenshots": []}
    scratch = Path(tempfile.mkdtemp(prefix="minigrad_browser_"))
    root = scratch / "root"
    root.mkdir()
    shutil.copy(notebook, root / notebook.name)
    screenshots = Path(screenshots) if screenshots else scratch / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lab = start_lab(root, port, scratch)
    base = f"http://127.0.0.1:{port}"
    wait_ms = timeout * 1000
    checks = report["checks"]
    try:
        wait_http(f"{base}/api/status", 60, lab)
        report["timings_s"]["server_up"] = round(time.time() - started, 1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium or chromium_path(), args=CHROMIUM_ARGS,
                                                 headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            console_errors: list[str] = []
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/lab/tree/{notebook.name}", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook", timeout=wait_ms)
            page.wait_for_function(KERNEL_IDLE, timeout=wait_ms)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_function("() => document.body.innerText.includes('ALL CELLS RAN')", timeout=wait_ms)
            page.wait_for_function(KERNEL_IDLE, timeout=wait_ms)
            report["timings_s"]["cells_ran"] = round(time.time() - started, 1)
            for selector in WIDGETS.values():
                page.wait_for_selector(selector, timeout=wait_ms)
            page.wait_for_function(
                """(selectors) => selectors.every(s => [...document.querySelectorAll(s + ' img')]
                                                 .every(i => i.complete && i.naturalWidth > 0))""",
                arg=[WIDGETS[name] for name in WITH_IMAGE], timeout=wait_ms)

            # the LiveGraph followed the cells after it: z = y + b, then z.backward()
            wait_text(page, WIDGETS["live_graph"], "Graph of z", wait_ms)
            checks["live_graph_followed"] = True
            checks["live_graph_gradients"] = "gradients from the last backward are shown" in text_of(
                page, WIDGETS["live_graph"])
            # pick a node in the dropdown: the kernel describes it
            page.locator(f"{WIDGETS['live_graph']} select").select_option(label="MulBackward0 (op)")
            wait_text(page, WIDGETS["live_graph"], "next_functions", wait_ms)
            checks["live_graph_node_picked"] = True

            # Step twice, then Play: the kernel redraws and the text follows
            stepper = WIDGETS["backward_stepper"]
            step_button = page.locator(f"{stepper} button", has_text="Step").first
            step_button.click()
            wait_text(page, stepper, "Step 1 of", wait_ms)
            step_button.click()
            wait_text(page, stepper, "Step 2 of", wait_ms)
            checks["stepper_step"] = "SubBackward0 runs its backward rule" in text_of(page, stepper)
            report["screenshots"].append(screenshot_when_drawn(page, stepper, screenshots / "backward_stepper_step2.png", wait_ms))
            page.locator(f"{stepper} .widget-play button").first.click()  # the Play button
            wait_text(page, stepper, "Step 4 of", wait_ms)
            checks["stepper_play"] = True
            page.locator(f"{stepper} button", has_text="Reset").first.click()
            wait_text(page, stepper, "Step 0 of", wait_ms)
            checks["stepper_reset"] = True

            # predict, then see: type a prediction and press Enter, or click Check, Step and Show me
            predictor = WIDGETS["predict_stepper"]
            box = page.locator(f"{predictor} input[type='text']").first
            box.fill("abc")
            box.press("Enter")
            wait_text(page, predictor, "could not read 'abc'", wait_ms)
            checks["predict_unreadable"] = "Score: 0 of 0 right" in text_of(page, predictor)
            box.fill("1")
            box.press("Enter")
            wait_text(page, predictor, "Score: 1 of 1 right", wait_ms)
            checks["predict_right"] = "✓ Right" in text_of(page, predictor)
            page.locator(f"{predictor} button", has_text="Step").first.click()
            wait_text(page, predictor, "Step 1 of", wait_ms)
            box.fill("5")
            page.locator(f"{predictor} button", has_text="Check").first.click()
            wait_text(page, predictor, "Score: 1 of 2 right", wait_ms)
            checks["predict_wrong"] = "✗ Not quite: you said 5.0, the gradient is [-6.0]" in text_of(page, predictor)
            page.locator(f"{predictor} button", has_text="Step").first.click()
            wait_text(page, predictor, "Step 2 of", wait_ms)
            page.locator(f"{predictor} button", has_text="Show me").first.click()
            wait_text(page, predictor, "Score: 1 of 3 right", wait_ms)
            checks["predict_show"] = "The gradient is [-6.0]. SubBackward0" in text_of(page, predictor)
            report["screenshots"].append(screenshot_when_drawn(page, predictor, screenshots / "predict_stepper_step2.png", wait_ms))

            # a slider moved with the keyboard: x1 = 2.0 -> 2.1, J recomputed by the kernel
            explorer = WIDGETS["jacobian_explorer"]
            handle = page.locator(f"{explorer} .widget-slider .noUi-handle").first
            handle.focus()
            page.keyboard.press("ArrowRight")
            wait_text(page, explorer, "(2.1, 3)", wait_ms)
            checks["jacobian_slider"] = "(4.2, 3)" in text_of(page, explorer)  # ∂y1/∂x1 = 2·x1

            hook_rows = page.locator(".minigrad-hook-table tbody tr").count()
            checks["hook_rows"] = hook_rows
            checks["dashboard_status"] = "step 100/100" in text_of(page, WIDGETS["training_dashboard"])
            page.wait_for_function(
                """(selectors) => selectors.every(s => [...document.querySelectorAll(s + ' img')]
                                                 .every(i => i.complete && i.naturalWidth > 0))""",
                arg=[WIDGETS[name] for name in WITH_IMAGE], timeout=wait_ms)
            report["timings_s"]["interactions"] = round(time.time() - started, 1)

            facts = page.evaluate(DOM_FACTS, WIDGETS)
            report["dom"] = facts
            for name, selector in WIDGETS.items():
                path = screenshots / f"{name}.png"
                page.locator(selector).first.screenshot(path=str(path))
                report["screenshots"].append(str(path))
            first_picture = page.locator(".jp-OutputArea-output[data-mime-type='image/png']").first
            first_picture.screenshot(path=str(screenshots / "viz_draw.png"))
            report["screenshots"].append(str(screenshots / "viz_draw.png"))
            page.screenshot(path=str(screenshots / "page.png"))
            report["screenshots"].append(str(screenshots / "page.png"))
            report["console_errors"] = console_errors[:10]
            browser.close()

        widgets_ok = all(facts[name]["present"] for name in WIDGETS) and all(
            facts[name]["images"] >= 1 and facts[name]["images_loaded"] == facts[name]["images"]
            for name in WITH_IMAGE)
        page_ok = (facts["page"]["static_pictures"] >= 1 and not facts["page"]["error_outputs"]
                   and not facts["page"]["widget_errors"] and not facts["page"]["loading_text"])
        checks_ok = all(value is True for key, value in checks.items() if key != "hook_rows") and \
            checks["hook_rows"] >= 5
        report["ok"] = bool(widgets_ok and page_ok and checks_ok)
    except Exception as error:  # noqa: BLE001 - reported, and the test fails with it
        report["error"] = f"{type(error).__name__}: {error}"
    finally:
        stop_process(lab)
        report["timings_s"]["total"] = round(time.time() - started, 1)
        if not report["ok"]:
            report["server_log_tail"] = (scratch / "jupyter_lab.log").read_text()[-3000:]
        shutil.rmtree(root, ignore_errors=True)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebook", type=Path, default=NOTEBOOK)
    parser.add_argument("--screenshots", type=Path, default=None, help="folder for the screenshots")
    parser.add_argument("--timeout", type=float, default=90, help="seconds per wait")
    parser.add_argument("--chromium", default=None)
    args = parser.parse_args()
    reason = missing_requirements()
    if reason:
        print(json.dumps({"ok": False, "error": reason}))
        return 1
    report = run(args.notebook, args.screenshots, args.timeout, args.chromium)
    print(json.dumps(report, indent=2, default=str))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
