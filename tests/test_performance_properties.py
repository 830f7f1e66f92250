"""Properties that keep minigrad fast and lean, checked without timing anything.

* Training does not leak: 10 000 steps of the two-layer net leave the process no bigger (RSS) and with no more
  Python objects than after warm-up.
* A graph lives exactly as long as it is needed: a saved tensor is freed as soon as its node has run in a
  backward pass without ``retain_graph``, and once the caller lets go of the outputs every node dies at once,
  by reference counting (no reference cycle waits for the garbage collector).
* ``import minigrad`` stays small: it loads only the core, never the lazily imported sub-packages (nn, optim,
  viz, widgets, ...) nor plotting, notebook or other heavy libraries.

Wall-clock figures live in ``benchmarks/`` (see its README), not here.
"""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

import minigrad as torch

pytestmark = pytest.mark.host_only  # about host memory: weak references to NumPy arrays, process RSS

ROOT = Path(__file__).resolve().parents[1]


def _run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter that imports this checkout; return its last line of output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    # One BLAS thread: on busy cores OpenBLAS's spinning helper threads can make the matmuls 10x slower.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


# ---------------------------------------------------------------------- no growth over many steps
TRAINING_STEPS = r"""
import gc, json, sys, tracemalloc
import numpy as np
import minigrad as torch

def resident_bytes():
    try:
        with open("/proc/self/statm") as f:  # Linux: resident pages
            return int(f.read().split()[1]) * 4096
    except OSError:  # elsewhere: what Python and NumPy allocated (tracemalloc sees NumPy's buffers too)
        return tracemalloc.get_traced_memory()[0]

if sys.platform != "linux":
    tracemalloc.start()
# The two-layer net of the benchmarks and lessons (x.mm(w1).clamp(min=0).mm(w2), squared error, SGD), with a
# 100-wide input instead of 1000 so that 10 000 steps take a second or two; benchmarks/memory.py runs the
# full size. A leaked graph or saved array per step would still add tens of megabytes.
N, D_IN, H, D_OUT = 64, 100, 100, 10
rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((N, D_IN), dtype=np.float32))
y = torch.from_numpy(rng.standard_normal((N, D_OUT), dtype=np.float32))
w1 = torch.tensor(rng.standard_normal((D_IN, H), dtype=np.float32), requires_grad=True)
w2 = torch.tensor(rng.standard_normal((H, D_OUT), dtype=np.float32), requires_grad=True)

def step():
    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for w in (w1, w2):
            w -= 1e-5 * w.grad
            w.grad.zero_()
    return loss.item()

for _ in range(200):  # warm-up: lazy imports, caches, the allocator's first pools
    step()
gc.collect()
objects_before, memory_before = len(gc.get_objects()), resident_bytes()
for _ in range(10_000):
    last = step()
gc.collect()
print(json.dumps({"objects": len(gc.get_objects()) - objects_before,
                  "megabytes": (resident_bytes() - memory_before) / 2 ** 20, "loss": last}))
"""


def test_ten_thousand_training_steps_do_not_grow_the_process():
    result = json.loads(_run_python(TRAINING_STEPS))
    assert np.isfinite(result["loss"])  # it trained (a NaN would mean the steps did nothing meaningful)
    assert result["objects"] <= 10, f"{result['objects']} Python objects more after 10 000 steps"
    assert result["megabytes"] < 5, f"the process grew by {result['megabytes']:.1f} MB over 10 000 steps"


# ---------------------------------------------------------------------- graph lifetime
def _two_layer_graph():
    """A small two-layer net's loss, and weak references to every node of its graph and to the arrays that
    only the graph keeps (the activations its nodes saved)."""
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((8, 5), dtype=np.float32))
    w1 = torch.tensor(rng.standard_normal((5, 4), dtype=np.float32), requires_grad=True)
    w2 = torch.tensor(rng.standard_normal((4, 3), dtype=np.float32), requires_grad=True)
    hidden = x.mm(w1).clamp(min=0)
    out = hidden.mm(w2).exp()
    loss = (out - 1).pow(2).sum()
    # arrays only the graph keeps: hidden (saved by the second MmBackward0), out (saved by ExpBackward0)
    saved_arrays = [weakref.ref(hidden._array), weakref.ref(out._array)]
    nodes, stack = [], [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and all(n() is not node for n in nodes):
            nodes.append(weakref.ref(node))
            stack.extend(child for child, _ in node.next_functions)
    return loss, (w1, w2), nodes, saved_arrays


def test_saved_tensors_are_freed_as_soon_as_backward_has_run():
    loss, params, nodes, saved_arrays = _two_layer_graph()
    assert all(ref() is not None for ref in saved_arrays)  # the graph keeps the activations it needs
    loss.backward()
    assert all(ref() is None for ref in saved_arrays)  # ... and no longer than that, though loss still lives
    assert all(node() is not None for node in nodes)  # (the nodes themselves go with the loss, below)
    assert all(p.grad is not None for p in params)


def test_no_node_outlives_the_graph_after_backward():
    loss, _, nodes, _ = _two_layer_graph()
    assert len(nodes) >= 8  # Sum, Pow, Sub, Exp, Mm, Clamp, Mm and the AccumulateGrad nodes
    loss.backward()
    gc.disable()  # freed by reference counting alone: no cycle may hold the graph until a collection
    try:
        del loss
        alive = [type(node()).__name__ for node in nodes if node() is not None]
    finally:
        gc.enable()
    assert alive == []


def test_retain_graph_keeps_what_a_second_backward_needs():
    loss, params, nodes, saved_arrays = _two_layer_graph()
    loss.backward(retain_graph=True)
    assert all(ref() is not None for ref in saved_arrays)
    first = [p.grad.clone() for p in params]
    loss.backward()
    for p, g in zip(params, first):
        np.testing.assert_allclose(p.grad.numpy(), 2 * g.numpy(), rtol=1e-6)
    assert all(ref() is None for ref in saved_arrays)


# ---------------------------------------------------------------------- freed memory is reused
# A training step's temporaries, the MLP benchmark's way: ten 256 KB arrays alive at once, all freed at the
# end of the step. Counts the minor page faults (fresh pages from the OS) of 20 steps after warm-up.
REPEATED_TEMPORARIES = r"""
import resource, sys
import numpy as np
if sys.argv[1] == "minigrad":
    import minigrad
    from minigrad.backend import host_memory
    print("applied", host_memory.applied)

def step():
    arrays = [np.ones((1000, 64), dtype=np.float32) for _ in range(10)]
    return sum(float(a[0, 0]) for a in arrays)

for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults_of_repeated_temporaries(mode: str, **environment) -> tuple[str, int]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    env.update(environment, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", REPEATED_TEMPORARIES, mode], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split()
    return " ".join(lines[:-1]), int(lines[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
                    reason="minigrad tunes glibc's malloc only")
def test_importing_minigrad_keeps_freed_temporaries_for_the_next_step():
    """glibc's defaults hand the temporaries back to the OS after every step (a page fault per 4 KiB next
    time); with minigrad imported they are reused (minigrad/backend/host_memory.py)."""
    _, numpy_alone = _faults_of_repeated_temporaries("numpy")
    status, with_minigrad = _faults_of_repeated_temporaries("minigrad")
    assert status == "applied True"
    assert numpy_alone > 20 * 60, "glibc's defaults no longer fault here: the test shows nothing"
    assert with_minigrad < 50, f"{with_minigrad} page faults in 20 steps with minigrad imported"


@pytest.mark.skipif(not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
                    reason="minigrad tunes glibc's malloc only")
@pytest.mark.parametrize("environment", [{"MINIGRAD_MALLOC": "default"}, {"MALLOC_TOP_PAD_": "0"}])
def test_the_user_can_keep_glibcs_own_settings(environment):
    status, faults = _faults_of_repeated_temporaries("minigrad", **environment)
    assert status == "applied False"
    if "MINIGRAD_MALLOC" in environment:
        assert faults > 20 * 60  # glibc's defaults, untouched


# ---------------------------------------------------------------------- import
LAZY_SUBPACKAGES = ("nn", "optim", "viz", "widgets", "func", "jit", "exercises")
HEAVY_LIBRARIES = ("matplotlib", "networkx", "ipywidgets", "IPython", "ipykernel", "torch", "scipy", "pandas")


def test_import_loads_only_the_core():
    loaded = json.loads(_run_python("import json, sys, minigrad; print(json.dumps(sorted(sys.modules)))"))
    lazy = [f"minigrad.{name}" for name in LAZY_SUBPACKAGES if f"minigrad.{name}" in loaded]
    heavy = [name for name in HEAVY_LIBRARIES if name in loaded]
    assert lazy == [] and heavy == [], f"import minigrad also loaded {lazy + heavy}"
