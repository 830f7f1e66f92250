"""Eager vs traced execution in minigrad: what does a static graph buy?

Two workloads, each timed forward + backward:

* the seed's two-layer net (batch 64, 1000 -> 100 -> 10, ReLU, squared error): big matrix products, where the
  arithmetic dominates and Python overhead is a rounding error;
* a chain of small element-wise ops on 16 numbers, h = tanh(h * w + b) repeated, where Python overhead *is*
  the run time.

Four ways to run each:

  eager           the Python function, then loss.backward()          (a new graph every step: define-by-run)
  traced          minigrad.jit.trace(...) replayed, then backward    (the Python function no longer runs)
  traced+passes   the trace after optimize(): constants folded, duplicates merged, element-wise chains fused
  ahead-of-time   traced.grad_graph().optimize() under no_grad       (tf.gradients style: the backward pass is
                                                                      part of the graph; no autograd at run time)

Times are medians over interleaved rounds (each variant runs a batch of steps in turn, so slow drifts of the
machine hit all of them alike). Ratios are eager time / variant time: above 1 means faster than eager.

    python benchmarks/jit_eager_vs_traced.py [--rounds 7] [--quick]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# One BLAS thread, like the other benchmarks: a fair, repeatable comparison on a shared machine.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's minigrad

import numpy as np  # noqa: E402

import minigrad as torch  # noqa: E402
import minigrad.jit  # noqa: E402


# ------------------------------------------------------------------ workloads
def two_layer_net(rng):
    n, d_in, hidden, d_out = 64, 1000, 100, 10
    x = torch.from_numpy(rng.standard_normal((n, d_in), dtype=np.float32))
    y = torch.from_numpy(rng.standard_normal((n, d_out), dtype=np.float32))
    w1 = torch.from_numpy(rng.standard_normal((d_in, hidden), dtype=np.float32)).requires_grad_()
    w2 = torch.from_numpy(rng.standard_normal((hidden, d_out), dtype=np.float32)).requires_grad_()

    def loss_fn(x, y):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        return (y_pred - y).pow(2).sum()

    return loss_fn, (x, y), (w1, w2)


def small_chain(rng, size=16, repeats=8):
    x = torch.from_numpy(rng.standard_normal(size, dtype=np.float32))
    w = torch.from_numpy(rng.uniform(0.3, 0.6, size).astype(np.float32)).requires_grad_()
    b = torch.from_numpy(rng.uniform(-0.1, 0.1, size).astype(np.float32)).requires_grad_()

    def loss_fn(x):
        h = x
        for _ in range(repeats):
            h = (h * w + b).tanh()  # mul, add, tanh: 3 element-wise ops per repeat
        return (h * h).sum()

    return loss_fn, (x,), (w, b)


# ------------------------------------------------------------------ the four ways to run a step
def variants(loss_fn, inputs, params):
    traced = minigrad.jit.trace(loss_fn, inputs)
    optimised = traced.optimize()
    ahead_of_time = traced.grad_graph().optimize()

    def backward_step(run):
        def step():
            for p in params:
                p.grad = None
            loss = run(*inputs)
            loss.backward()
            return [loss.detach()] + [p.grad for p in params]

        return step

    def ahead_of_time_step():
        with torch.no_grad():
            return list(ahead_of_time(*inputs))

    return {
        "eager": backward_step(loss_fn),
        "traced": backward_step(traced),
        "traced+passes": backward_step(optimised),
        "ahead-of-time": ahead_of_time_step,
    }, (traced, optimised, ahead_of_time)


def check_agreement(steps) -> None:
    """Every variant must compute the same loss and gradients before its time means anything."""
    reference = [t.numpy().copy() for t in steps["eager"]()]
    for name, step in steps.items():
        for expected, actual in zip(reference, step()):
            if not np.allclose(actual.numpy(), expected, rtol=1e-4, atol=1e-4 * float(np.abs(expected).max())):
                raise AssertionError(f"{name} disagrees with eager")


def time_variants(steps, rounds, batch):
    """Median seconds per step of each variant, interleaving batches of `batch` steps."""
    samples = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(batch):
                step()
            samples[name].append((time.perf_counter() - start) / batch)
    return {name: statistics.median(times) for name, times in samples.items()}


def report(title, steps, graphs, rounds, batch):
    traced, optimised, ahead_of_time = graphs
    print(f"\n{title}")
    print(f"  graph: {traced.graph.count('op')} ops traced, {optimised.graph.count('op')} after optimize(); "
          f"forward+backward graph: {ahead_of_time.graph.count('op')} ops after optimize()")
    check_agreement(steps)
    medians = time_variants(steps, rounds, batch)
    eager = medians["eager"]
    print(f"  {'variant':<16}{'time per step':>16}{'eager / variant':>18}")
    for name, seconds in medians.items():
        print(f"  {name:<16}{_format_time(seconds):>16}{eager / seconds:>17.2f}x")


def _format_time(seconds) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per workload (median taken)")
    parser.add_argument("--quick", action="store_true", help="few rounds and steps: checks that it runs")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    rng = np.random.default_rng(0)
    print("minigrad eager vs traced (forward + backward per step)")
    loss_fn, inputs, params = two_layer_net(rng)
    steps, graphs = variants(loss_fn, inputs, params)
    report("two-layer net 64 x 1000 -> 100 -> 10 (arithmetic dominates)", steps, graphs, rounds,
           batch=2 if args.quick else 20)
    loss_fn, inputs, params = small_chain(rng)
    steps, graphs = variants(loss_fn, inputs, params)
    report("element-wise chain on 16 numbers, 24 ops + sum (Python overhead dominates)", steps, graphs, rounds,
           batch=10 if args.quick else 300)


if __name__ == "__main__":
    main()
