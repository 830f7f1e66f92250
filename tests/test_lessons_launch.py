"""The README's lessons command starts JupyterLab as root too: ``lessons/jupyter_lab_config.py`` allows root
exactly when the server runs as root."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "lessons" / "jupyter_lab_config.py"
README = (ROOT / "README.md").read_text()


def load_config(monkeypatch, euid):
    from traitlets.config.loader import PyFileConfigLoader

    if euid is None:
        monkeypatch.delattr(os, "geteuid", raising=False)
    else:
        monkeypatch.setattr(os, "geteuid", lambda: euid)
    return PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()


def test_config_allows_root_only_for_root(monkeypatch):
    pytest.importorskip("traitlets")
    assert load_config(monkeypatch, 0).ServerApp.allow_root is True
    assert load_config(monkeypatch, 1000).ServerApp.allow_root is False
    assert load_config(monkeypatch, None).ServerApp.allow_root is False  # Windows: no root user


def test_readme_command_uses_the_config():
    command = re.search(r"<!-- lessons-command -->\n```bash\n(.+?)\n```", README, re.S).group(1)
    assert command.endswith("jupyter lab lessons/00_start_here.ipynb --config=lessons/jupyter_lab_config.py")


@pytest.mark.slow
def test_jupyter_lab_serves_with_the_config(tmp_path):
    """Starts the server as the README does (headless, a free port) and asks it for its version."""
    pytest.importorskip("jupyterlab")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "run"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    command = [sys.executable, "-m", "jupyter", "lab", "lessons/00_start_here.ipynb", f"--config={CONFIG}",
               "--no-browser", f"--port={port}", "--ServerApp.port_retries=0", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        status = None
        while time.time() < deadline and server.poll() is None and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as response:
                    status = response.status
            except OSError:
                time.sleep(0.5)
        assert status == 200, f"exit code {server.poll()}\n{log.read_text()[-2000:]}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    assert "Running as root is not recommended" not in log.read_text()
