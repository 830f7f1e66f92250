"""Seconds to import each library on top of an already imported NumPy.

Every measurement is a fresh interpreter that imports numpy, starts the
clock, imports the library and stops it; the runs go round-robin over the
libraries and the table shows the median.  One untimed run per library goes
first (not with --quick), so that byte-code compilation (``__pycache__``) is
not counted.  The interpreters may write byte code even where the environment
says PYTHONDONTWRITEBYTECODE, into a cache of their own (PYTHONPYCACHEPREFIX,
under the temporary directory): the installed peers come with compiled byte
code, and the checkout's minigrad would otherwise be compiled from source in
every run (0.06-0.09 s instead of 0.02 s here).

It also lists which optional heavy packages the import dragged in:
``import minigrad`` should load none of matplotlib, networkx, ipywidgets or
IPython; those belong to the lesson widgets and are imported on demand.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

import _harness as harness

HEAVY = ("matplotlib", "networkx", "ipywidgets", "IPython")

# Runs in the fresh interpreter.  Only numpy (and what a bare interpreter has
# already loaded: sys, time, importlib) precedes the clock; _harness is not
# imported because its own imports would be taken off the library's bill.
CHILD = """
import importlib, json, sys, time
sys.path.insert(0, {repo_root!r})  # the checkout's minigrad, as in the benchmarks

def timed_import(name):
    start = time.perf_counter()
    try:
        module = importlib.import_module(name)
    except Exception as exc:
        return time.perf_counter() - start, f"{{type(exc).__name__}}: {{exc}}"
    seconds = time.perf_counter() - start
    if getattr(module, "__file__", None) is None:
        return seconds, f"ImportError: {{name}} is only a namespace package so far"
    return seconds, None

seconds, error = timed_import("numpy")
if {name!r} != "numpy":
    seconds, error = timed_import({name!r})
print(json.dumps({{"seconds": seconds, "error": error,
                  "heavy": [m for m in {heavy!r} if m in sys.modules]}}), flush=True)
import os
os._exit(0)  # skip interpreter teardown: not measured, and PyTorch's is slow
"""


# Byte code of the checkout goes to a cache outside it (see the module docstring).
CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
CHILD_ENV["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "minigrad-benchmarks-pycache")


def measure_once(name: str) -> dict:
    code = CHILD.format(repo_root=str(harness.REPO_ROOT), name=name, heavy=HEAVY)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=300, env=CHILD_ENV)
    if proc.returncode != 0:  # died before printing its answer
        lines = (proc.stderr or proc.stdout or "no output").strip().splitlines()
        return {"seconds": None, "error": f"exit {proc.returncode}: {lines[-1]}",
                "heavy": []}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(options):
    # --quick skips the warm-up: byte code is almost always compiled already,
    # and PyTorch's second or so per interpreter dominates the smoke test.
    runs, warm_up = (3, 0) if options.quick else (9, 1)
    libraries = [lib for lib in options.libraries if lib != "numpy"]
    seconds = {lib: [] for lib in libraries + ["numpy"]}
    results = {}
    for round_index in range(warm_up + runs):
        for lib in libraries + ["numpy"]:
            if lib in results and results[lib]["error"]:
                continue  # failed once: no point asking again
            results[lib] = measure_once(lib)
            if round_index >= warm_up and results[lib]["seconds"] is not None:
                seconds[lib].append(results[lib]["seconds"])

    medians = {lib: statistics.median(ts) for lib, ts in seconds.items()
               if ts and not results[lib]["error"]}
    headers = ["library", "import s", "vs PyTorch", "min-max s", "heavy modules loaded"]
    rows, summary = [], {}
    for lib in libraries:
        name = harness.DISPLAY_NAMES[lib]
        if lib not in medians:
            rows.append([name, "unavailable: " + results[lib]["error"]])
            summary[lib] = "n/a"
            continue
        rows.append([name, f"{medians[lib]:.3f}",
                     harness.format_ratio(medians[lib], medians.get("torch")),
                     f"{min(seconds[lib]):.3f}-{max(seconds[lib]):.3f}",
                     ", ".join(results[lib]["heavy"]) or "none"])
        summary[lib] = f"{medians[lib]:.3f}"
    notes = [f"median of {runs} fresh interpreters per library"
             + (", after one warm-up run" if warm_up else "")]
    if "numpy" in medians:
        notes.append(f"NumPy itself takes {medians['numpy']:.3f} s (not included above)")
        summary["numpy"] = f"({medians['numpy']:.3f})"
    return [harness.Report("import_time", "s beyond numpy", headers, rows, summary, notes)]


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
