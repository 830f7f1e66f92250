"""Two minigrad checkouts side by side, and PyTorch beside them: did a change cost speed?

    git worktree add /tmp/before cdd9f06                      # the code to compare against
    python benchmarks/compare_checkouts.py /tmp/before         # against this checkout
    python benchmarks/compare_checkouts.py /tmp/before --after /tmp/other --rounds 5 --workloads tiny_ops

Every measurement is one fresh process (``before``, ``after``, PyTorch, in turn, round after round), running the
workload's own ``_torch_like`` step (the code both libraries share, taken from this checkout's benchmarks) with
one BLAS thread. A process warms up, then times 15 batches and keeps the fastest; the table shows the fastest
process of all rounds. On a shared machine the fastest run is the one least disturbed by others, so the minimum,
not the median, is what two versions of the code can be compared by (``run_all.py``'s medians move by ±10 %
from run to run on a busy 2-core VM). PyTorch is optional: without it the PyTorch columns stay empty.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# workload -> (module, extra argument of _torch_like or None, steps per batch, unit scale and name)
WORKLOADS = {
    "tiny_ops": ("tiny_ops", None, 2, 1e3, "µs/op"),  # one step is 1000 ops
    "linear_regression": ("linear_regression", None, 400, 1, "µs/step"),
    "two_layer_net": ("two_layer_net", None, 40, 1, "µs/step"),
    "mlp": ("mlp", None, 40, 1, "µs/step"),
    "training_loop_sgd": ("training_loop", "sgd", 40, 1, "µs/step"),
    "training_loop_adam": ("training_loop", "adam", 40, 1, "µs/step"),
}

MEASURE = r'''
import sys, time
checkout, library, module_name, extra, steps = sys.argv[1:6]
sys.path.insert(0, {benchmarks!r})
if library == "minigrad":
    sys.path.insert(0, checkout)
import _harness as harness
module = __import__(module_name)
lib = harness.load(library)
args = (lib, module.make_data()) + ((extra,) if extra != "-" else ())
step, _ = module._torch_like(*args)
steps = int(steps)
for _ in range(steps):
    step()
batches = []
for _ in range(15):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    batches.append((time.perf_counter() - start) / steps)
print(min(batches))
'''


def measure(checkout: str, library: str, workload: str) -> float | None:
    module, extra, steps, _, _ = WORKLOADS[workload]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code = MEASURE.format(benchmarks=str(HERE))
    result = subprocess.run([sys.executable, "-c", code, checkout, library, module, extra or "-", str(steps)],
                            capture_output=True, text=True, env=env, cwd=checkout)
    if result.returncode != 0:
        if library == "minigrad":
            sys.exit(f"{workload} failed in {checkout}:\n{result.stderr[-2000:]}")
        return None  # PyTorch missing or failing: its columns stay empty
    return float(result.stdout.strip())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="a checkout of the code to compare against (a git worktree)")
    parser.add_argument("--after", default=str(HERE.parent), help="the other checkout (default: this one)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    options = parser.parse_args(argv)
    print(f"before: {options.before}\nafter:  {options.after}\n{options.rounds} rounds, one process per "
          "measurement, fastest of all\n")
    print(f"{'workload':<20} {'unit':<8} {'before':>9} {'after':>9} {'PyTorch':>9} {'after/before':>13} "
          f"{'before/PyTorch':>15} {'after/PyTorch':>14}")
    for workload in options.workloads.split(","):
        times = {"before": [], "after": [], "torch": []}
        for _ in range(options.rounds):
            times["before"].append(measure(options.before, "minigrad", workload))
            times["after"].append(measure(options.after, "minigrad", workload))
            times["torch"].append(measure(options.after, "torch", workload))
        per_unit, unit = WORKLOADS[workload][3], WORKLOADS[workload][4]
        before, after = min(times["before"]), min(times["after"])
        torch_times = [t for t in times["torch"] if t is not None]
        torch = min(torch_times) if torch_times else None

        def shown(seconds):
            return f"{seconds * 1e6 / per_unit:>9.2f}" if seconds is not None else f"{'-':>9}"

        def ratio(a, b):
            return f"{a / b:.3f}x" if a is not None and b is not None else "-"

        print(f"{workload:<20} {unit:<8} {shown(before)} {shown(after)} {shown(torch)} {ratio(after, before):>13} "
              f"{ratio(before, torch):>15} {ratio(after, torch):>14}")
        spread = statistics.median(times["after"]) / after - 1
        if spread > 0.05:
            print(f"{'':<20} (after's median is {spread:.0%} above its fastest: a noisy machine; add --rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
