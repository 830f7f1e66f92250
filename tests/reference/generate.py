"""Regenerate every PyTorch reference file: runs each ``tests/reference/gen_*.py`` in this folder.

Run from anywhere, with ``torch==2.13.0`` installed (a CPU build is enough):

    python tests/reference/generate.py            # all generators
    python tests/reference/generate.py ops repr   # only gen_ops.py and gen_repr.py

Each generator writes ``tests/reference/data/<topic>.json``; the tests read those files and never import torch.
Commit the regenerated data together with the change that needed it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent


def generators(topics=()):
    found = sorted(HERE.glob("gen_*.py"))
    if topics:
        wanted = {f"gen_{topic}.py" for topic in topics}
        missing = wanted - {path.name for path in found}
        if missing:
            raise SystemExit(f"no such generator: {', '.join(sorted(missing))}")
        found = [path for path in found if path.name in wanted]
    return found


def main(argv) -> int:
    try:
        import torch
    except ImportError:
        print("the reference generators need PyTorch (pip install torch==2.13.0)", file=sys.stderr)
        return 1
    if not torch.__version__.startswith("2.13."):
        print(f"warning: minigrad mirrors PyTorch 2.13, this is {torch.__version__}", file=sys.stderr)
    failed = []
    for path in generators(argv):
        print(f"== {path.name}", flush=True)
        if subprocess.run([sys.executable, str(path)], cwd=REPO_ROOT).returncode != 0:
            failed.append(path.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
