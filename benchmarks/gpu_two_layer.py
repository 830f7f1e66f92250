"""The two-layer net of lesson 11 on the CPU (NumPy) and, where CuPy sees a GPU, on CUDA, side by side.

    python benchmarks/gpu_two_layer.py            # both workloads
    python benchmarks/gpu_two_layer.py --quick    # fewer steps, for a smoke test

Two workloads, the same PyTorch-style code for both devices (only ``device=`` differs):

* the lesson's net, x 64x1000 -> 100 -> 10, 500 steps: small matrices, where launching GPU kernels costs more
  than the arithmetic, so the CPU usually wins;
* a large net, x 1024x4096 -> 4096 -> 10: ~70 GFLOP per step, where the GPU pulls far ahead.

Each run is timed after one warm-up step, with the device synchronised before the clock stops. The final losses
of the two devices are printed too: they agree to float32 rounding (sums run in a different order on a GPU).
Without a GPU the cuda column says why it is unavailable.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

import minigrad as torch  # noqa: E402

WORKLOADS = [
    # name, (n, d_in, hidden, d_out), steps, quick steps, learning rate
    ("lesson net 64x1000x100x10", (64, 1000, 100, 10), 500, 50, 1e-6),
    ("large net 1024x4096x4096x10", (1024, 4096, 4096, 10), 20, 3, 1e-10),
]


def train(device, shape, steps, learning_rate):
    """Seconds for ``steps`` training steps on ``device`` and the final loss."""
    n, d_in, hidden, d_out = shape
    torch.manual_seed(0)
    x = torch.randn(n, d_in, device=device)
    y = torch.randn(n, d_out, device=device)
    w1 = torch.randn(d_in, hidden, device=device, requires_grad=True)
    w2 = torch.randn(hidden, d_out, device=device, requires_grad=True)

    def step():
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for w in (w1, w2):
                w -= learning_rate * w.grad
                w.grad.zero_()
        return loss

    step()  # warm-up: CuPy compiles its kernels on first use
    _synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        loss = step()
    _synchronize(device)
    seconds = time.perf_counter() - start
    return seconds, loss.item()


def _synchronize(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def _cell(result, steps):
    if isinstance(result, str):
        return result
    seconds, loss = result
    return f"{seconds:8.3f} s ({1000 * seconds / steps:8.2f} ms/step)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps per workload (smoke test)")
    options = parser.parse_args(argv)

    usable, reason = torch.cuda._cupy_status()
    print(f"minigrad {torch.__version__}; cuda: {'available' if usable else 'unavailable (' + reason + ')'}")
    header = f"{'workload':30} {'steps':>5}  {'cpu (NumPy)':33} {'cuda (CuPy)':33} final loss cpu / cuda"
    print(header)
    print("-" * len(header))
    for name, shape, steps, quick_steps, learning_rate in WORKLOADS:
        steps = quick_steps if options.quick else steps
        cpu = train("cpu", shape, steps, learning_rate)
        cuda = train("cuda", shape, steps, learning_rate) if usable else "unavailable"
        losses = f"{cpu[1]:.6g}" + (f" / {cuda[1]:.6g}" if not isinstance(cuda, str) else "")
        print(f"{name:30} {steps:5d}  {_cell(cpu, steps):33} {_cell(cuda, steps):33} {losses}")
        if not isinstance(cuda, str):
            print(f"{'':37}speed-up on the GPU: {cpu[0] / cuda[0]:.1f}x")


if __name__ == "__main__":
    main()
