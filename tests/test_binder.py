"""Binder cannot be reached from here, so rebuild what it would build: a fresh virtual environment from
``binder/``'s files alone (requirements.txt, then postBuild from the repository root), then execute every
lesson in it. ipykernel and nbclient stand in for Binder's base image, which ships JupyterLab."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))

EXECUTE_ALL = """
import sys, nbformat
from nbclient import NotebookClient
for path in sys.argv[1:]:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": "lessons"}}).execute()
    print("ran", path)
"""


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
def test_binder_files_declare_what_binder_needs():
    requirements = (ROOT / "binder" / "requirements.txt").read_text()
    for package in ("numpy", "matplotlib", "networkx", "ipywidgets"):
        assert package in requirements
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install" in post_build and " ." in post_build
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK), "postBuild must be executable"
    assert (ROOT / "binder" / "runtime.txt").read_text().strip().startswith("python-3.")
    start = (ROOT / "binder" / "start").read_text()
    assert os.access(ROOT / "binder" / "start", os.X_OK) and start.rstrip().endswith('exec "$@"')
    assert "OPENBLAS_NUM_THREADS" in start


@pytest.mark.slow
def test_every_lesson_runs_in_an_environment_built_from_binder_files(tmp_path):
    assert len(LESSONS) >= 12, f"expected lessons 00..11, found {[p.name for p in LESSONS]}"
    venv = tmp_path / "binder-venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    bin_dir = venv / "bin"
    _run([str(bin_dir / "pip"), "install", "-q", "-r", str(ROOT / "binder" / "requirements.txt"),
          "ipykernel", "nbclient", "nbformat"])
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(venv))
    env.pop("PYTHONPATH", None)
    _run(["bash", str(ROOT / "binder" / "postBuild")], cwd=ROOT, env=env)
    # the package must come from the venv, not from the source tree on sys.path
    where = _run([str(bin_dir / "python"), "-c", "import minigrad; print(minigrad.__file__)"], cwd=tmp_path, env=env)
    assert str(venv) in where.stdout
    result = _run([str(bin_dir / "python"), "-c", EXECUTE_ALL, *map(str, LESSONS)], cwd=ROOT, env=env)
    assert result.stdout.count("ran ") == len(LESSONS)
