"""The backward engine: graph, accumulation, retain_graph, hooks, grad mode, anomaly detection, gradcheck.

The ``ENGINE_ANSWERS`` programs of ``tests/reference/behaviours.py`` were run under PyTorch 2.13 (hook firing
order and values, accumulation, ``inputs=``, second derivatives, grad mode as context manager, decorator and
per thread); here they run on minigrad and must give the same answers. The other tests check engine
properties directly: dependency counting without recursion, freeing of saved tensors, anomaly reports, the
gradcheck error, the observer API.
"""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import minigrad
import minigrad as torch
from minigrad.autograd import engine
from minigrad.autograd.gradcheck import GradcheckError

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE_DIR))

from behaviours import ENGINE_ANSWERS, comparable_warnings, run_program  # noqa: E402

with open(REFERENCE_DIR / "data" / "autograd.json") as f:
    RECORDED = json.load(f)["answers"]


@pytest.mark.parametrize("name", list(ENGINE_ANSWERS))
def test_answer_matches_pytorch(name):
    error, namespace, caught = run_program(minigrad, name, ENGINE_ANSWERS[name])
    assert error is None, f"minigrad raised {error!r}"
    expected = RECORDED[name]
    assert repr(namespace["answer"]) == expected["answer"]
    assert comparable_warnings(caught) == comparable_warnings(expected["warnings"])


def test_every_program_was_recorded():
    from behaviours import ANSWERS

    assert sorted(RECORDED) == sorted(ANSWERS), "run `python tests/reference/generate.py`"


# ---------------------------------------------------------------------------------------------- scheduling
def test_ten_thousand_op_chain_needs_no_recursion():
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursive graph walk would die here
    try:
        y.backward(retain_graph=True)
        (g,) = torch.autograd.grad(y, x)
    finally:
        sys.setrecursionlimit(limit)
    expected = 1.0001 ** 10_000
    assert x.grad.item() == pytest.approx(expected, rel=1e-3)
    assert g.item() == pytest.approx(expected, rel=1e-3)


def test_each_node_runs_once_after_all_its_consumers():
    calls = []

    class Spy(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            calls.append(grad.tolist())
            return grad

    x = torch.ones(2, requires_grad=True)
    shared = Spy.apply(x)
    total = shared * 2 + shared * 3 + shared.exp().log()  # three consumers of one node
    total.sum().backward()
    assert calls == [[6.0, 6.0]]  # one call, with the three gradients already summed
    assert x.grad.tolist() == [6.0, 6.0]


def test_saved_tensors_are_freed_after_backward_and_kept_with_retain_graph():
    x = torch.ones(3, requires_grad=True)
    y = x * x
    node = y.grad_fn
    assert len(node._saved) == 2
    y.sum().backward(retain_graph=True)
    assert len(node._saved) == 2
    y.sum().backward()
    assert node._saved == ()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        node.saved_tensors


def test_saving_an_output_makes_no_reference_cycle():
    import gc
    import weakref

    x = torch.ones(3, requires_grad=True)
    y = x.exp()  # Exp saves its output
    node_ref, tensor_ref = weakref.ref(y.grad_fn), weakref.ref(y)
    gc.disable()
    try:
        del y
        assert tensor_ref() is None and node_ref() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_backward_into_several_roots_at_once():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 2, x ** 2
    torch.autograd.backward([a.sum(), b.sum()])
    assert x.grad.tolist() == [4.0, 6.0]


def test_multi_output_node_gets_zeros_for_unused_outputs():
    x = torch.arange(6.0).reshape(2, 3).requires_grad_()
    first, _ = x.split(2, dim=1)  # the second piece gets no gradient: backward sees zeros for it
    first.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]]


def test_broadcasting_is_undone_centrally_and_shapes_are_checked():
    w = torch.ones(3, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    (torch.ones(4, 3) * w + b).sum().backward()
    assert w.grad.tolist() == [4.0, 4.0, 4.0] and b.grad.tolist() == [12.0]


# ---------------------------------------------------------------------------------------------- custom Functions
def test_custom_function_context_api():
    seen = {}

    class ScaleAndIndex(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, index):
            seen["needs"] = ctx.needs_input_grad
            ctx.scale = scale
            ctx.save_for_backward(x)
            result = x * scale
            positions = result.argmax()
            ctx.mark_non_differentiable(positions)
            return result, positions

        @staticmethod
        def backward(ctx, grad, grad_positions):
            (x,) = ctx.saved_tensors
            return grad * ctx.scale, None, None

    x = torch.tensor([1.0, 3.0, 2.0], requires_grad=True)
    result, positions = ScaleAndIndex.apply(x, 2.0, torch.tensor(0))
    assert seen["needs"] == (True, False, False)
    assert not positions.requires_grad and positions.item() == 1
    assert result.grad_fn.name() == "ScaleAndIndexBackward"
    result.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    with torch.no_grad():  # forward still sees needs_input_grad (all False) when nothing is recorded
        result, _ = ScaleAndIndex.apply(x, 2.0, torch.tensor(0))
    assert seen["needs"] == (False, False, False) and result.grad_fn is None


def test_function_is_not_instantiated():
    class Identity(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError):
        Identity()


# ---------------------------------------------------------------------------------------------- anomaly detection
def test_anomaly_detection_names_the_node_and_the_forward_line():
    class Broken(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("backward failed on purpose")

    x = torch.ones(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with torch.autograd.detect_anomaly():
            y = Broken.apply(x).sum(); forward_line = sys._getframe().f_lineno  # noqa: E702
            with pytest.raises(ValueError, match="backward failed on purpose"):
                y.backward()
    reports = [str(w.message) for w in caught if "Error detected in" in str(w.message)]
    assert len(reports) == 1
    report = reports[0]
    assert report.startswith("Error detected in BrokenBackward. Traceback of forward call that caused the error:")
    assert f'File "{__file__}", line {forward_line}' in report
    assert not torch.autograd.is_anomaly_enabled()


def test_set_detect_anomaly_switches_on_and_off():
    torch.autograd.set_detect_anomaly(True)
    try:
        assert torch.autograd.is_anomaly_enabled()
    finally:
        torch.autograd.set_detect_anomaly(False)
    assert not torch.autograd.is_anomaly_enabled()


def test_nan_check_can_be_switched_off():
    x = torch.tensor([-1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly(check_nan=False):
            x.sqrt().sum().backward()
    assert np.isnan(x.grad[0].item()) and x.grad[1].item() == 0.25


# ---------------------------------------------------------------------------------------------- gradcheck
class WrongSquare(torch.autograd.Function):
    """x ** 2 with a backward that is off by 1 at every element."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 * x + 1)


def test_gradcheck_passes_a_correct_function():
    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: (a * b).exp().sum(), (x, w))


def test_gradcheck_failure_names_the_input_and_the_elements_with_both_values():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    other = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as raised:
        torch.autograd.gradcheck(lambda c, a: WrongSquare.apply(a) * c, (other, x))
    message = str(raised.value)
    assert isinstance(raised.value, RuntimeError)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 1,")
    # d out[1] / d x[1] = 2 * x[1] * c = 12; the wrong backward gives (2 * 2 + 1) * 3 = 15
    assert "d output[1] / d input[1]: analytical 15, numerical 12" in message
    assert "d output[0] / d input[0]: analytical 9, numerical 6" in message
    assert torch.autograd.gradcheck(lambda a: WrongSquare.apply(a), (x,), raise_exception=False) is False


def test_gradcheck_warns_about_single_precision():
    x = torch.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        torch.autograd.gradcheck(lambda a: a * 2, (x,), eps=1e-2, atol=1e-2)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class ConstantSlope(torch.autograd.Function):  # right first derivative, treated as a constant
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (3 * x.detach() ** 2)

    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(ConstantSlope.apply, (x,))
    assert not torch.autograd.gradgradcheck(ConstantSlope.apply, (x,), raise_exception=False)


# ---------------------------------------------------------------------------------------------- observer API
def test_observers_see_every_node_and_every_accumulation():
    events = []

    def observer(event, **details):
        if event == "node":
            sent = [g for g in details["grad_inputs"] if g is not None]
            events.append(("node", details["node"].name(), len(sent)))
        elif event == "accumulate":
            events.append(("accumulate", details["variable"] is x, details["grad"].tolist()))
        else:
            events.append((event,))

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    engine.add_observer(observer)
    try:
        y.backward()
    finally:
        engine.remove_observer(observer)
    assert events == [("node", "SumBackward0", 1), ("node", "MulBackward0", 1),
                      ("accumulate", True, [3.0, 3.0]), ("done",)]


# ---------------------------------------------------------------------------------------------- known deviations
def test_in_place_change_of_a_view_of_a_non_leaf_is_refused():
    """Deviation from PyTorch, on purpose: PyTorch rewrites the base's history when a view of it changes in
    place (``y`` would get grad_fn CopySlices). minigrad refuses with an error that says what to do instead,
    rather than risk a wrong gradient."""
    x = torch.ones(3, requires_grad=True)
    y = x * 1
    with pytest.raises(RuntimeError, match="^minigrad does not record in-place changes to a view of a tensor that "
                                           "requires grad"):
        y[0].mul_(2)
    y[0] = y[0] * 2  # index assignment is the supported way, and records CopySlices as PyTorch does
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 1.0] and y.grad_fn.name() == "torch::autograd::CopySlices"


def test_views_outside_autograd_may_change_in_place():
    x = torch.zeros(2, 3)
    x[0].add_(1)  # nothing requires grad: a plain write through the view, as in PyTorch
    x.t()[2].fill_(5)
    assert x.tolist() == [[1.0, 1.0, 5.0], [0.0, 0.0, 5.0]] and x._version == 2


def test_node_post_hooks_see_gradients_summed_to_their_inputs_shapes():
    """PyTorch validates a node's outputs (undoing broadcasting) before its post-hooks run, and hands them
    tuples: recorded from PyTorch 2.13, [('tuple', [[4.5], [2.0, 2.0, 2.0]], 'tuple')]."""
    w = minigrad.tensor([2.0], requires_grad=True)
    x = minigrad.tensor([1.0, 2.0, 1.5], requires_grad=True)
    y = w * x
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        (type(grad_inputs).__name__, [g.tolist() for g in grad_inputs], type(grad_outputs).__name__)))
    y.sum().backward()
    assert seen == [("tuple", [[4.5], [2.0, 2.0, 2.0]], "tuple")]
