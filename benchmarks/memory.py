"""Memory: RSS growth over 10 000 two-layer-net steps, and whether the graph is freed.

Each library runs in its own fresh interpreter, so that one library's heap
does not show up in another's numbers:

* RSS growth: resident set size (from /proc/self/statm) after 10 000 steps
  of two_layer_net.py minus the RSS after a warm-up of 200 steps (which
  fills allocator pools and caches).  A graph that is never freed, or a
  gradient that keeps growing a list, shows up here as steady growth.
* graph freed: one forward pass, a weak reference to ``loss.grad_fn``
  (MyGrad: ``loss.creator``), ``loss.backward()`` (no retain_graph), then
  ``del`` of the node, loss and the forward tensors.  The graph node should die at
  once, from reference counting alone; dying only in ``gc.collect()`` means
  the graph holds a reference cycle (freed late, in bursts, by the cycle
  collector); surviving that too means a leak.
"""

import json
import os
import subprocess
import sys

import _harness as harness  # first: it pins thread pools before NumPy loads
import two_layer_net

WARMUP_STEPS, QUICK_WARMUP_STEPS = 200, 20


def rss_mb() -> float:
    """Resident set size of this process, from /proc (no psutil needed)."""
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def graph_freed(lib: str, data: dict) -> str:
    """Whether the graph of one forward pass dies after backward() and del."""
    import gc
    import weakref

    if lib in ("autograd", "numpy"):
        return "n/a: no graph object outlives the call"
    if lib == "mygrad":
        mg = harness.load("mygrad")
        x, y = data["x"], data["y"]
        w1, w2 = mg.tensor(data["w1"]), mg.tensor(data["w2"])
        h_relu = mg.maximum(mg.matmul(x, w1), 0)
        y_pred = mg.matmul(h_relu, w2)
        loss = ((y_pred - y) ** 2).sum()
        node = loss.creator
    else:  # torch and minigrad: PyTorch's spelling
        lib_module = harness.load(lib)
        x, y = lib_module.from_numpy(data["x"]), lib_module.from_numpy(data["y"])
        w1 = lib_module.tensor(data["w1"], requires_grad=True)
        w2 = lib_module.tensor(data["w2"], requires_grad=True)
        h_relu = x.mm(w1).clamp(min=0)
        y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum()
        node = loss.grad_fn
    # Take the reference before backward(): MyGrad detaches loss.creator
    # during backward, and an engine may do the same with grad_fn.
    try:
        ref = weakref.ref(node)
    except TypeError:  # PyTorch's C++ nodes are not weak-referenceable
        return f"n/a: {type(node).__name__} takes no weak references"
    loss.backward()
    # Keep the cycle collector from running between del and the first look,
    # so that "freed at once" really means reference counting did it.
    gc.disable()
    try:
        del node, loss, y_pred, h_relu
        if ref() is None:
            return "yes, at once"
        gc.collect()
        return "only by gc.collect() (cycle)" if ref() is None else "NO: leaked"
    finally:
        gc.enable()


def child(lib: str, warmup_steps: int, steps: int) -> None:
    """Runs in the fresh interpreter; prints one JSON line for the parent."""
    result = {"error": None}
    try:
        step, _ = two_layer_net.BUILDERS[lib](two_layer_net.make_data())
        for _ in range(warmup_steps):
            step()
        result["rss_start"] = rss_mb()
        for _ in range(steps):
            step()
        result["rss_end"] = rss_mb()
        result["graph"] = graph_freed(lib, two_layer_net.make_data())
    except Exception as exc:  # noqa: BLE001
        result["error"] = harness.describe_error(exc)
    print(json.dumps(result), flush=True)
    os._exit(0)  # skip interpreter teardown: not measured, and PyTorch's is slow


def measure(lib: str, warmup_steps: int, steps: int) -> dict:
    code = (f"import sys; sys.path.insert(0, {str(harness.BENCH_DIR)!r}); "
            f"import memory; memory.child({lib!r}, {warmup_steps}, {steps})")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=600)
    if proc.returncode != 0:  # crashed before printing its answer
        lines = (proc.stderr or proc.stdout or "no output").strip().splitlines()
        return {"error": f"exit {proc.returncode}: {lines[-1]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(options):
    warmup_steps, steps = (QUICK_WARMUP_STEPS, 300) if options.quick else (WARMUP_STEPS, 10_000)
    headers = ["library", "RSS growth MB", "RSS at end MB", "graph freed after backward + del"]
    rows, summary = [], {}
    for lib in options.libraries:
        result = measure(lib, warmup_steps, steps)
        name = harness.DISPLAY_NAMES[lib]
        if result["error"]:
            rows.append([name, "unavailable: " + result["error"]])
            summary[lib] = "n/a"
            continue
        growth = result["rss_end"] - result["rss_start"]
        rows.append([name, f"{growth:+.1f}", f"{result['rss_end']:.0f}", result["graph"]])
        summary[lib] = f"{growth:+.1f}"
    notes = [f"{steps} steps of two_layer_net after {warmup_steps} warm-up steps, "
             "one fresh interpreter per library"]
    return [harness.Report("memory", "MB RSS growth", headers, rows, summary, notes)]


if __name__ == "__main__":
    harness.main([run], __doc__.splitlines()[0])
