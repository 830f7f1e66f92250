"""Threads, as in PyTorch: gradients accumulated into one leaf from several threads add up exactly; grad mode,
the default device and a ``minigrad.jit`` trace belong to the thread that set them (anomaly mode is global), so a trace in one thread
never sees or breaks another thread's work."""
from __future__ import annotations

import threading
import warnings

import minigrad as torch
from minigrad import jit


def run_in_threads(count, work):
    """Run ``work(index)`` in ``count`` threads started together; re-raise the first error any of them hit."""
    barrier = threading.Barrier(count)
    errors = []

    def body(index):
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # noqa: BLE001 -- handed to the test's thread
            errors.append(error)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_backward_from_many_threads_into_one_leaf_adds_up_exactly():
    shared = torch.zeros(3, requires_grad=True)
    weights = torch.tensor([1.0, 2.0, 3.0])

    def work(_):
        for _ in range(50):
            (shared * weights).sum().backward()

    run_in_threads(8, work)
    assert shared.grad.tolist() == [400.0, 800.0, 1200.0]  # 8 threads x 50 passes, every one counted


def test_grad_mode_is_per_thread():
    seen = []
    with torch.no_grad():
        run_in_threads(1, lambda _: seen.append(torch.is_grad_enabled()))
    assert seen == [True] and torch.is_grad_enabled()


def test_anomaly_mode_is_one_switch_for_all_threads():
    seen = []  # PyTorch's anomaly mode is process-wide (grad mode is per thread)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # detect_anomaly's own warning
        with torch.autograd.detect_anomaly():
            run_in_threads(1, lambda _: seen.append(torch.is_anomaly_enabled()))
    assert seen == [True] and not torch.is_anomaly_enabled()


def test_the_default_device_is_per_thread():
    seen = {}

    def work(index):
        seen[index, "start"] = torch.get_default_device().type
        if index == 0:
            torch.set_default_device("strict")
        seen[index, "tensor"] = torch.zeros(1).device.type

    before = torch.get_default_device()
    run_in_threads(1, work)
    assert seen == {(0, "start"): "cpu", (0, "tensor"): "strict"}  # a new thread starts on the CPU
    assert torch.get_default_device() == before  # the thread's choice stayed in that thread
    assert torch.zeros(1).device == before


def many_ops(x):
    """Long enough that the interpreter switches threads while it is traced."""
    for _ in range(200):
        x = x * 1.0 + 0.0
    return (x > 0).float().sum()


def node_kinds(graph):
    return [(node.kind, getattr(node.target, "name", None) or str(node.target)) for node in graph.graph.nodes]


def test_a_trace_in_one_thread_while_another_trains():
    example = torch.tensor([1.0, -2.0, 3.0])
    expected = node_kinds(jit.trace(many_ops, (example,)))
    stop = threading.Event()
    steps = []
    trainer_errors = []

    def train():
        try:  # every kind of call the tracer watches: ops, comparisons, item(), in-place updates, backward
            w = torch.tensor([0.5, -0.5], requires_grad=True)
            data = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
            while not stop.is_set():
                loss = ((data @ w) ** 2).mean()
                w.grad = None
                loss.backward()
                with torch.no_grad():
                    w -= 0.001 * w.grad
                    w.clamp_(min=-10.0)
                if (loss > 0).item():
                    steps.append(loss.item())
        except BaseException as error:  # noqa: BLE001 -- handed to the test's thread
            trainer_errors.append(error)

    trainer = threading.Thread(target=train)
    trainer.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the trainer's item() must not warn as if it were traced
            graphs = [jit.trace(many_ops, (example,)) for _ in range(5)]
    finally:
        stop.set()
        trainer.join()
    assert not trainer_errors, trainer_errors
    assert len(steps) > 10  # the trainer really ran alongside
    for graph in graphs:
        assert node_kinds(graph) == expected  # no foreign op landed in the trace
        assert graph(example).item() == many_ops(example).item()
