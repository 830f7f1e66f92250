"""Eager vs traced execution in minigrad: what does a static graph buy?

Two workloads, each timed forward + backward:

* the seed's two-layer net (batch 64, 1000 -> 100 -> 10, ReLU, squared error): big matrix products, where the
  arithmetic dominates and Python overhead is a rounding error;
* a chain of small element-wise ops on 16 numbers, h = tanh(h * w + b) repeated, where Python overhead *is*
  the run time.

Five ways to run each:

  numpy           forward and backward written out by hand on arrays (the floor: no autograd at all)
  eager           the Python function, then loss.backward()          (a new graph every step: define-by-run)
  traced          minigrad.jit.trace(...) replayed, then backward    (the Python function no longer runs; with
                                                                      autograd the graph runs as one compiled node)
  traced+passes   the trace after optimize(), then backward          (the passes that pay on this graph)
  compiled        traced.grad_graph().optimize()                     (tf.gradients style: forward and backward
                                                                      in one static graph, compiled to plain
                                                                      array code; no autograd at run time)

Times are medians over interleaved rounds (each variant runs a batch of steps in turn, so slow drifts of the
machine hit all of them alike). Two ratios: eager time / variant time (above 1: faster than eager) and
variant time / NumPy time (the cost over the hand-written floor).

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

    def numpy_step():  # the classic hand-written NumPy two-layer net, without the update
        x_a, y_a, w1_a, w2_a = x.numpy(), y.numpy(), w1.detach().numpy(), w2.detach().numpy()
        h = x_a @ w1_a
        h_relu = np.maximum(h, 0)
        y_pred = h_relu @ w2_a
        diff = y_pred - y_a
        loss = (diff * diff).sum()
        grad_y_pred = 2.0 * diff
        grad_w2 = h_relu.T @ grad_y_pred
        grad_h = grad_y_pred @ w2_a.T
        grad_h[h < 0] = 0
        grad_w1 = x_a.T @ grad_h
        return [loss, grad_w1, grad_w2]

    return loss_fn, (x, y), (w1, w2), numpy_step


def small_chain(rng, size=16, repeats=8):
    x = torch.from_numpy(rng.standard_normal(size, dtype=np.float32))
    w = torch.from_numpy(rng.uniform(0.3, 0.6, size).astype(np.float32)).requires_grad_()
    b = torch.from_numpy(rng.uniform(-0.1, 0.1, size).astype(np.float32)).requires_grad_()

    def loss_fn(x):
        h = x
        for _ in range(repeats):
            h = (h * w + b).tanh()  # mul, add, tanh: 3 element-wise ops per repeat
        return (h * h).sum()

    def numpy_step():  # the same chain and its backward written out by hand
        x_a, w_a, b_a = x.numpy(), w.detach().numpy(), b.detach().numpy()
        hs = [x_a]
        for _ in range(repeats):
            hs.append(np.tanh(hs[-1] * w_a + b_a))
        h = hs[-1]
        loss = (h * h).sum()
        grad_h = 2.0 * h
        grad_w = np.zeros_like(w_a)
        grad_b = np.zeros_like(b_a)
        for i in range(repeats, 0, -1):
            grad_pre = grad_h * (1.0 - hs[i] * hs[i])  # through tanh
            grad_w += grad_pre * hs[i - 1]
            grad_b += grad_pre
            grad_h = grad_pre * w_a
        return [loss, grad_w, grad_b]

    return loss_fn, (x,), (w, b), numpy_step


# ------------------------------------------------------------------ the four ways to run a step
def variants(loss_fn, inputs, params, numpy_step):
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
        "numpy": numpy_step,
        "eager": backward_step(loss_fn),
        "traced": backward_step(traced),
        "traced+passes": backward_step(optimised),
        "compiled": ahead_of_time_step,
    }, (traced, optimised, ahead_of_time)


def check_agreement(steps) -> None:
    """Every variant must compute the same loss and gradients before its time means anything."""
    reference = [t.numpy().copy() for t in steps["eager"]()]
    for name, step in steps.items():
        for expected, actual in zip(reference, step()):
            actual = actual.numpy() if hasattr(actual, "numpy") else actual
            if not np.allclose(actual, expected, rtol=1e-4, atol=1e-4 * float(np.abs(expected).max())):
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
    eager, floor = medians["eager"], medians["numpy"]
    print(f"  {'variant':<16}{'time per step':>16}{'eager / variant':>18}{'variant / numpy':>18}")
    for name, seconds in medians.items():
        print(f"  {name:<16}{_format_time(seconds):>16}{eager / seconds:>17.2f}x{seconds / floor:>17.2f}x")
    return medians


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
    steps, graphs = variants(*two_layer_net(rng))
    report("two-layer net 64 x 1000 -> 100 -> 10 (arithmetic dominates)", steps, graphs, rounds,
           batch=2 if args.quick else 20)
    steps, graphs = variants(*small_chain(rng))
    report("element-wise chain on 16 numbers, 24 ops + sum (Python overhead dominates)", steps, graphs, rounds,
           batch=10 if args.quick else 300)


if __name__ == "__main__":
    main()
