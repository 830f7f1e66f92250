"""Does fusion pay? The measurements behind ``optimize()``'s choices (minigrad/jit/passes.py, fusion.py).

Two questions, each on the chain ``h = tanh(h * w + b)`` (4 repeats, then ``(h * h).sum()``) at growing sizes:

1. the CPU kernel of a fused chain (forward only, arrays in, array out): one numexpr expression, against the
   generated in-place NumPy code, against the ops one by one as NumPy calls (a new array each);
2. a traced function run with autograd (forward, then ``.backward()``): the chain as one ``FusedElementwise``
   node against the chain as separate nodes. ``passes.FUSION_MIN_ELEMENTS`` is the smallest size where the
   fused node wins.

One BLAS/numexpr thread, interleaved rounds in one process, medians.

    python benchmarks/jit_fusion_kernels.py [--rounds 7] [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's minigrad

import numpy as np  # noqa: E402

import minigrad as torch  # noqa: E402
import minigrad.jit  # noqa: E402
from minigrad.jit import fusion, passes  # noqa: E402
from jit_eager_vs_traced import time_variants  # noqa: E402  (medians of interleaved rounds)

SIZES = (16, 256, 4096, 65536, 1048576)


def chain(w, b, repeats=4):
    def loss_fn(x):
        h = x
        for _ in range(repeats):
            h = (h * w + b).tanh()
        return (h * h).sum()

    return loss_fn


def kernels(size, rounds):
    """Forward of the fused chain: numexpr, in-place NumPy code, op-by-op NumPy."""
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal(size, dtype=np.float32))
    w = torch.from_numpy(rng.uniform(0.3, 0.6, size).astype(np.float32)).requires_grad_()
    b = torch.from_numpy(rng.uniform(-0.1, 0.1, size).astype(np.float32)).requires_grad_()
    graph = passes.fuse_elementwise(minigrad.jit.trace(chain(w, b), (x,)).graph)
    fused = next(n for n in graph.ops if n.target.display == "FusedElementwise")
    kernel, arrays = fused.args[0], [n.target._array if n.kind != "input" else x._array for n in fused.args[1:]]
    numpy_kernel = kernel._function(in_place=True)
    steps = {"numpy in place": lambda: numpy_kernel(*arrays),
             "op by op": lambda: kernel._function(in_place=False)(*arrays) if False else _op_by_op(arrays)}
    if fusion._numexpr_module() is not None:
        expression, constants = kernel.numexpr_expression()
        local = dict(zip(kernel.input_names, arrays))
        local.update({k: np.asarray(v, dtype=d) for k, (v, d) in constants.items()})
        evaluate = fusion._numexpr_module().evaluate
        steps["numexpr"] = lambda: evaluate(expression, local_dict=local)
    batch = max(3, 20000 // size)
    return time_variants(steps, rounds, batch)


def _op_by_op(arrays):
    x, w, b = arrays
    h = x
    for _ in range(4):
        h = np.tanh(h * w + b)
    return h * h


def with_autograd(size, rounds):
    """Forward + backward of the traced chain: one fused node against separate nodes."""
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal(size, dtype=np.float32))
    w = torch.from_numpy(rng.uniform(0.3, 0.6, size).astype(np.float32)).requires_grad_()
    b = torch.from_numpy(rng.uniform(-0.1, 0.1, size).astype(np.float32)).requires_grad_()
    traced = minigrad.jit.trace(chain(w, b), (x,))
    separate = traced.optimize(passes=passes.DEFAULT_PASSES[:3])
    fused = traced.optimize(passes=passes.DEFAULT_PASSES)

    def step(run):
        def go():
            w.grad = b.grad = None
            run(x).backward()
        return go

    batch = max(3, 20000 // size)
    return time_variants({"separate nodes": step(separate), "fused node": step(fused)}, rounds, batch)


def _format(seconds):
    return f"{seconds * 1e3:.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} us"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    sizes = SIZES[:2] if args.quick else SIZES
    print("1. CPU kernel of a fused chain (forward), time per call")
    for size in sizes:
        times = kernels(size, rounds)
        print(f"  {size:>8} elements: " + ", ".join(f"{k} {_format(v)}" for k, v in times.items()))
    print("2. traced chain with autograd (forward + backward), time per step")
    for size in sizes:
        times = with_autograd(size, rounds)
        ratio = times["separate nodes"] / times["fused node"]
        print(f"  {size:>8} elements: " + ", ".join(f"{k} {_format(v)}" for k, v in times.items())
              + f"  (fused node {ratio:.2f}x as fast)")


if __name__ == "__main__":
    main()
