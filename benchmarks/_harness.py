"""Shared machinery for the minigrad benchmarks.

Every workload module defines one builder per library, collected in a dict
(``BUILDERS``), and a ``make_data()``.  A builder takes the workload's data
(a dict of NumPy arrays) and returns ``(step, final_loss)``: ``step()`` runs
one training step (or one forward + backward pass) and ``final_loss()``
returns the loss of the most recent step as a Python float.

``benchmark`` times the builders *interleaved*: one batch of steps for each
library in turn, repeated for several rounds, and reports the median per-batch
time.  Interleaving spreads slow drifts of a shared machine (frequency scaling,
other processes) evenly over all libraries instead of penalising whichever one
happened to run during the noisy minute.

Each library runs in a worker process of its own (see ``_Worker``); the data
is generated once, here, and sent to every worker.

A library that cannot be imported, or whose code raises, is reported as
"unavailable: <reason>" and the other libraries carry on: minigrad is written
alongside these benchmarks and is expected to be missing or incomplete for a
while.

Only the standard library and NumPy are imported here, so that the workers
start light: each imports just the one library it runs.

Import this module before NumPy or PyTorch: it pins their thread pools (see
below), which only works before they are loaded.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable, Iterable

# One thread per library.  These workloads are small enough that thread pools
# mostly add overhead, and interleaving makes it worse: OpenMP (PyTorch) and
# OpenBLAS (NumPy) workers busy-wait after each parallel region, so on a
# 2-core machine one library's idle spinners steal the CPU from the library
# that runs next (PyTorch's times varied by +-80% that way).  Variables already
# set in the environment win, e.g. OMP_NUM_THREADS=2 to measure threaded runs.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
if (("numpy" in sys.modules or "torch" in sys.modules)
        and not all(v in os.environ for v in THREAD_VARIABLES)):
    print("warning: _harness imported after numpy/torch; thread pools not pinned",
          file=sys.stderr)
for _variable in THREAD_VARIABLES:
    os.environ.setdefault(_variable, "1")  # inherited by the worker processes

import numpy as np  # noqa: E402 - must follow the thread settings

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

# Benchmark the minigrad of this checkout, not whatever happens to be
# installed.  Index 1 keeps the benchmarks directory (sys.path[0] when a
# script here is run) first, so workload modules still import by name.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(1, str(REPO_ROOT))

# Row order of every table: the library under test first, the floor last.
LIBRARIES = ("minigrad", "torch", "mygrad", "autograd", "numpy")
DISPLAY_NAMES = {
    "minigrad": "minigrad",
    "torch": "PyTorch",
    "mygrad": "MyGrad",
    "autograd": "autograd",
    "numpy": "NumPy",
}


# --------------------------------------------------------------------------
# Loading libraries


def load(module_name: str):
    """Import ``module_name``, refusing packages that exist only as folders.

    The minigrad checkout has sub-folders before it has an ``__init__.py``;
    Python then imports it as an empty *namespace package*, which would
    surface later as a confusing AttributeError.  Say what is wrong instead.
    """
    module = importlib.import_module(module_name)
    if getattr(module, "__file__", None) is None and hasattr(module, "__path__"):
        raise ImportError(f"{module_name} is only a namespace package so far "
                          "(no __init__.py)")
    return module


def describe_error(exc: BaseException, limit: int = 110) -> str:
    """One short line for a table cell: exception type and first message line."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def version_of(library: str) -> str:
    """The installed version, read from package metadata without importing."""
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        pass
    # minigrad is usually benchmarked straight from the checkout, uninstalled.
    try:
        return f"{load(library).__version__} (not installed, from source)"
    except Exception:  # noqa: BLE001 - informative only
        return "unavailable"


# --------------------------------------------------------------------------
# Reports


@dataclass
class Report:
    """One workload's results, printable as text or markdown.

    ``rows`` hold one list of cells per library; a row of exactly two cells
    (library, message) is a library that could not run and spans the table.
    ``summary`` is the headline cell per library for run_all's cross-workload
    table.
    """

    title: str
    unit: str
    headers: list[str]
    rows: list[list[str]]
    summary: dict[str, str]
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        full = [r for r in self.rows if len(r) == len(self.headers)]
        widths = [max(len(c) for c in column) for column in zip(self.headers, *full)]
        widths[0] = max(len(r[0]) for r in [self.headers, *self.rows])
        lines = [f"== {self.title} ==",
                 "  ".join(h.ljust(w) for h, w in zip(self.headers, widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        for row in self.rows:
            if len(row) == len(self.headers):
                lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            else:  # an unavailable library: its reason may be long, let it run on
                lines.append(f"{row[0].ljust(widths[0])}  {row[1]}")
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        lines = [f"### {self.title}", "",
                 "| " + " | ".join(self.headers) + " |",
                 "|" + "|".join("---" for _ in self.headers) + "|"]
        for row in self.rows:
            cells = row + [""] * (len(self.headers) - len(row))
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)


def summary_markdown(reports: list[Report], libraries: Iterable[str]) -> str:
    """The cross-workload table: one row per workload, one column per library."""
    libraries = list(libraries)
    lines = ["| workload | unit | " + " | ".join(DISPLAY_NAMES[l] for l in libraries) + " |",
             "|---|---|" + "|".join("---:" for _ in libraries) + "|"]
    for report in reports:
        cells = [report.summary.get(lib, "n/a") for lib in libraries]
        lines.append(f"| {report.title} | {report.unit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Timing


def format_number(value: float) -> str:
    """Three significant figures without switching to exponent notation."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:#.3g}"  # "#" keeps trailing zeros: 0.600, not 0.6


def format_ratio(value: float, reference: float | None) -> str:
    if reference is None or reference <= 0:
        return "-"
    return f"{value / reference:.2f}x"


# Generous limits, only there so that a hung engine cannot hang the suite.
BUILD_TIMEOUT_S = 300  # import, set-up and warm-up batch
BATCH_TIMEOUT_S = 300


class WorkerError(Exception):
    """A library failed in its worker, or the worker itself failed."""


# What a worker process runs: import path as in the parent (to find _harness,
# the workload modules and the checkout's minigrad), then serve commands on
# the socket inherited as file descriptor {fd}.
_WORKER_BOOT = """
import sys
sys.path[:0] = {path!r}
from multiprocessing.connection import Connection
import _harness
_harness._worker_loop(Connection({fd}))
"""


class _Worker:
    """One library's steps, run in a process of its own and driven over a socket.

    Why processes: in one shared process the libraries share one heap and
    one allocator.  PyTorch alone brings some 150 000 Python objects, which
    every full pass of the cycle collector walks: MyGrad and autograd, whose
    graphs are Python objects that trigger such passes, ran tiny_ops 2.5x
    slower next to an imported PyTorch than on their own.  And glibc's
    malloc adapts its thresholds to the allocation history, which decides
    whether the arrays of NumPy-based engines come back as fresh pages from
    the OS on every step (see faults/step): the same minigrad mlp step took
    1.2 or 2.0 ms depending on what had run before it in the process.

    So every workload gets a fresh worker per library: each library runs as
    it would in a user's program, and a workload's numbers do not depend on
    the workloads before it.  The parent keeps the round-robin order: it
    waits for each batch to finish before starting the next, so only one
    worker computes at a time.

    A plain ``python -c`` subprocess rather than multiprocessing's "spawn":
    spawn re-runs the parent's main script in every worker, which fails for
    scripts without an ``if __name__ == "__main__"`` guard and for stdin.
    """

    def __init__(self):
        parent_end, child_end = socket.socketpair()
        boot = _WORKER_BOOT.format(path=[str(BENCH_DIR), *sys.path],
                                   fd=child_end.fileno())
        # The environment, thread settings included, is inherited.
        self.process = subprocess.Popen([sys.executable, "-c", boot],
                                        pass_fds=[child_end.fileno()])
        child_end.close()
        self.conn = Connection(parent_end.detach())

    def send(self, *message) -> None:
        try:
            self.conn.send(message)
        except OSError:  # broken pipe, connection reset
            raise WorkerError(self._death()) from None

    def receive(self, timeout: float):
        if not self.conn.poll(timeout):
            raise WorkerError(f"no answer within {timeout} s (gave up)")
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError):
            raise WorkerError(self._death()) from None
        if status == "error":
            raise WorkerError(value)
        return value

    def call(self, *message, timeout: float):
        self.send(*message)
        return self.receive(timeout)

    def _death(self) -> str:
        try:
            code = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        return f"worker process died (exit code {code})"

    def stop(self) -> None:
        try:
            self.conn.send(("stop",))
        except OSError:
            pass
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:  # hung in a step: no way to ask nicely
            self.process.kill()
            self.process.wait()
        self.conn.close()


def _worker_loop(conn) -> None:
    """Body of a worker process: answer commands until told to stop."""
    # Ctrl-C is the parent's to handle (it stops the workers on exit);
    # otherwise every worker prints its own KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    step = final_loss = None
    while True:
        try:
            command, *args = conn.recv()
        except EOFError:  # the parent is gone
            return
        try:
            if command == "build":
                module, attribute, library, data, warmup_steps = args
                builder = getattr(importlib.import_module(module), attribute)[library]
                # Unpickled arrays borrow the message's bytes; give the library
                # ordinary arrays that own their memory (MyGrad insists on it).
                step, final_loss = builder({key: np.array(value, copy=True)
                                            for key, value in data.items()})
                # An untimed warm-up batch (lazy initialisation, caches).  It
                # counts towards the final loss, equally for every library.
                for _ in range(warmup_steps):
                    step()
                result = None
            elif command == "batch":
                (count,) = args
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                start = time.perf_counter()
                for _ in range(count):
                    step()
                elapsed = time.perf_counter() - start
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
                result = elapsed, faults
            elif command == "final_loss":
                result = float(final_loss())
            elif command == "stop":
                # Skip interpreter teardown (PyTorch's takes ~0.6 s): there is
                # nothing left to save, and the next workload is waiting.
                sys.stdout.flush()
                os._exit(0)
            else:
                raise ValueError(f"unknown command {command!r}")
        except Exception as exc:  # noqa: BLE001 - any failure means "unavailable"
            conn.send(("error", describe_error(exc)))
        else:
            conn.send(("ok", result))


def _run_interleaved(module, builders, implemented, libraries, data,
                     steps_per_batch, rounds):
    """Run the libraries' steps round-robin, each in a fresh worker.

    Returns per-library lists of seconds per step and page faults per step
    (one entry per round), final losses, and "unavailable: ..." reasons.
    """
    errors: dict[str, str] = {}
    workers: dict[str, _Worker] = {}
    try:
        # Start and build everywhere first, then collect: the imports
        # (PyTorch's takes a second) and warm-ups of all libraries overlap.
        for lib in libraries:
            if lib not in implemented:
                errors[lib] = "unavailable: no implementation for this workload"
                continue
            workers[lib] = _Worker()
            try:
                workers[lib].send("build", module, builders, lib, data, steps_per_batch)
            except WorkerError as exc:
                errors[lib] = f"unavailable: {exc}"
        live = []
        for lib in workers:
            if lib in errors:
                continue
            try:
                workers[lib].receive(BUILD_TIMEOUT_S)
                live.append(lib)
            except WorkerError as exc:
                errors[lib] = f"unavailable: {exc}"

        timings: dict[str, list[float]] = {lib: [] for lib in live}
        faults: dict[str, list[float]] = {lib: [] for lib in live}
        for round_index in range(rounds):
            # Rotate the starting library so that none always runs right
            # after the same neighbour.
            shift = round_index % max(len(live), 1)
            for lib in live[shift:] + live[:shift]:
                try:
                    elapsed, batch_faults = workers[lib].call(
                        "batch", steps_per_batch, timeout=BATCH_TIMEOUT_S)
                except WorkerError as exc:
                    errors[lib] = f"unavailable: {exc}"
                    live.remove(lib)
                    del timings[lib], faults[lib]
                    continue
                timings[lib].append(elapsed / steps_per_batch)
                faults[lib].append(batch_faults / steps_per_batch)

        final = {}
        for lib in timings:
            try:
                final[lib] = workers[lib].call("final_loss", timeout=BATCH_TIMEOUT_S)
            except WorkerError:  # keep the timing; NaN fails the loss check
                final[lib] = float("nan")
        return timings, faults, final, errors
    finally:
        for worker in workers.values():
            worker.stop()


def benchmark(module: str, options: "Options", *, steps_per_batch: int, rounds: int,
              quick_steps_per_batch: int = 3, quick_rounds: int = 3,
              builders: str = "BUILDERS", title: str | None = None,
              unit: str = "ms/step", ops_per_step: int = 1,
              loss_rtol: float = 1e-3, loss_atol: float = 0.0,
              notes: Iterable[str] = ()) -> Report:
    """Time the builders ``module.<builders>`` interleaved; return the report.

    ``module`` is the workload's importable name: the workers import it
    themselves, since builders (closures, partials) do not pickle.
    ``unit`` is "ms/step" or "µs/op"; with "µs/op" the step time is divided
    by ``ops_per_step``.  The final losses are compared with the NumPy floor
    within ``loss_rtol * |numpy| + loss_atol``: every library runs the same
    number of steps on the same data, so they should agree up to float32
    rounding (``loss_atol`` covers losses that converge towards zero).
    """
    if options.quick:
        steps_per_batch, rounds = quick_steps_per_batch, quick_rounds
    scale = {"ms/step": 1e3, "µs/op": 1e6 / ops_per_step}[unit]
    workload = importlib.import_module(module)
    implemented = getattr(workload, builders)
    # Generated once; pickling hands each worker its own copy, so no library
    # sees another's in-place weight updates (torch.from_numpy shares memory).
    data = workload.make_data()

    timings, faults, final, errors = _run_interleaved(
        module, builders, implemented, options.libraries, data, steps_per_batch, rounds)
    medians = {lib: statistics.median(ts) * scale for lib, ts in timings.items()}

    headers = ["library", unit, "vs PyTorch", "vs NumPy", "spread", "faults/step",
               "final loss", "matches NumPy"]
    rows, summary = [], {}
    for lib in options.libraries:
        name = DISPLAY_NAMES[lib]
        if lib not in medians:
            rows.append([name, errors[lib]])
            summary[lib] = "n/a"
            continue
        # Half the inter-quartile range relative to the median: how far to
        # trust the row.
        q1, q3 = np.percentile([t * scale for t in timings[lib]], [25, 75])
        spread = f"±{50 * (q3 - q1) / medians[lib]:.0f}%"
        loss = final[lib]
        reference = final.get("numpy", float("nan"))
        if lib == "numpy" or not np.isfinite(reference):
            check = "-"
        elif np.isfinite(loss) and abs(loss - reference) <= loss_rtol * abs(reference) + loss_atol:
            check = "yes"
        else:
            check = f"NO (NumPy {reference:.6g})"
        rows.append([name, format_number(medians[lib]),
                     format_ratio(medians[lib], medians.get("torch")),
                     format_ratio(medians[lib], medians.get("numpy")),
                     spread, f"{statistics.median(faults[lib]):.0f}",
                     f"{loss:.6g}", check])
        summary[lib] = format_number(medians[lib])

    total_steps = steps_per_batch * (rounds + 1)
    notes = [f"{total_steps} steps per library ({rounds} timed rounds of "
             f"{steps_per_batch}, after one warm-up batch); median per-batch time; "
             "spread = half the inter-quartile range; faults/step = minor page "
             "faults: fresh pages from the OS"] + list(notes)
    return Report(title or module, unit, headers, rows, summary, notes)


# --------------------------------------------------------------------------
# Machine description and command line


def machine_info() -> list[str]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(f"{DISPLAY_NAMES[lib]} {version_of(lib)}" for lib in LIBRARIES)
    try:  # which BLAS NumPy (and so the floor, MyGrad and autograd) runs on
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas['name']} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - informative only
        blas = "unknown"
    return [f"CPU: {cpu}; nproc: {usable}",
            f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
            f"versions: {versions}; NumPy BLAS: {blas}",
            "threads: " + ", ".join(f"{v}={os.environ.get(v, 'unset')}"
                                    for v in THREAD_VARIABLES)]


@dataclass
class Options:
    quick: bool = False
    libraries: tuple[str, ...] = LIBRARIES


Runner = Callable[[Options], "list[Report]"]


def main(runners: list[Runner], description: str) -> list[Report]:
    """Command line shared by every workload script and by run_all.py."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="run only a few steps (smoke test, numbers are noisy)")
    parser.add_argument("--markdown", metavar="PATH", nargs="?", const="-",
                        help="also write the results as markdown to PATH "
                             "(stdout when PATH is omitted)")
    parser.add_argument("--libs", default=",".join(LIBRARIES),
                        help="comma-separated subset of: " + ", ".join(LIBRARIES))
    args = parser.parse_args()
    libraries = tuple(lib for lib in LIBRARIES if lib in args.libs.split(","))
    unknown = set(args.libs.split(",")) - set(LIBRARIES)
    if unknown:
        parser.error(f"unknown libraries: {', '.join(sorted(unknown))}")
    options = Options(quick=args.quick, libraries=libraries)

    started = time.perf_counter()
    info = machine_info()
    print("\n".join(info), end="\n\n", flush=True)
    reports = []
    for runner in runners:
        for report in runner(options):
            print(report.to_text(), end="\n\n", flush=True)
            reports.append(report)
    print(f"total wall time {time.perf_counter() - started:.1f} s")

    if args.markdown:
        parts = ["Machine:", "", *[f"- {line}" for line in info], "",
                 summary_markdown(reports, libraries), ""]
        parts += [report.to_markdown() + "\n" for report in reports]
        text = "\n".join(parts)
        if args.markdown == "-":
            print(text)
        else:
            Path(args.markdown).write_text(text)
            print(f"markdown written to {args.markdown}")
    return reports
