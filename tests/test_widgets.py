"""minigrad.widgets without a browser: each widget's plain state after programmatic clicks and updates."""
from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as torch
from minigrad import widgets as mw
from minigrad.autograd import engine


def lesson03():
    """Lesson 03: loss = (w * x + b - target) ** 2 with x = 2, w = 3, b = 1, target = 10."""
    x = torch.tensor([2.0])
    target = torch.tensor([10.0])
    w = torch.tensor([3.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    loss = (w * x + b - target) ** 2
    return x, target, w, b, loss


@pytest.fixture
def no_leftover_observers():
    before = list(engine._observers)
    yield
    assert engine._observers == before


# ---------------------------------------------------------------------------------------------- BackwardStepper
def test_stepper_records_the_lesson_backward(no_leftover_observers):
    x, target, w, b, loss = lesson03()
    stepper = mw.BackwardStepper(loss, names={"x": x, "w": w, "b": b, "loss": loss})
    steps = stepper.state.steps
    assert [s.kind for s in steps] == ["start", "node", "node", "node", "accumulate", "node", "accumulate", "done"]
    assert [s.node_id for s in steps[1:4]] == ["PowBackward0", "SubBackward0", "AddBackward0"]
    residual = (3.0 * 2.0 + 1.0 - 10.0)
    # 1 -> 2 * residual -> times x on the way to w: lesson 03's "1 -> -6 -> -12"
    assert steps[0].received[0].tolist() == [1.0]
    assert steps[1].received[0].tolist() == [1.0]
    assert steps[1].sent[0][2].tolist() == [2 * residual]
    mul = steps[5]
    assert mul.node_id == "MulBackward0" and mul.received[0].tolist() == [2 * residual]
    assert mul.sent[0][1] == "AccumulateGrad(w)" and mul.sent[0][2].tolist() == [2 * residual * 2.0]
    assert mul.sent[1] == (1, "x", None)  # x does not require grad: nothing is sent
    acc_w = steps[6]
    assert acc_w.leaf_id == "w" and acc_w.before is None and acc_w.after.tolist() == [2 * residual * 2.0]
    assert "AccumulateGrad adds [-12.0] into w.grad: None → [-12.0]." == acc_w.text
    assert steps[-1].text == "Backward finished: b.grad = [-6.0]; w.grad = [-12.0]."


def test_stepper_leaves_grads_as_they_were(no_leftover_observers):
    x, target, w, b, loss = lesson03()
    w.grad = torch.tensor([5.0])
    held = w.grad
    stepper = mw.BackwardStepper(loss)
    assert w.grad is held and w.grad.tolist() == [5.0]  # restored in place
    assert b.grad is None
    acc_w = next(s for s in stepper.state.steps if s.kind == "accumulate" and s.leaf_id == "w")
    assert acc_w.before.tolist() == [5.0] and acc_w.after.tolist() == [5.0 - 12.0]
    loss.backward()  # the graph was retained: the learner can still run backward
    assert w.grad.tolist() == [-7.0]


def test_stepper_buttons_and_slider_move_the_state():
    *_, loss = lesson03()
    stepper = mw.BackwardStepper(loss)
    state = stepper.state
    assert state.position == 0 and "Step 0 of 7" in stepper.text.value
    stepper.step_button.click()
    stepper.step_button.click()
    assert state.position == 2 and stepper.slider.value == 2
    assert "SubBackward0 runs its backward rule" in stepper.text.value
    stepper.slider.value = 6
    assert state.position == 6 and state.current.kind == "accumulate"
    for _ in range(5):
        stepper.step_button.click()
    assert state.at_end and state.current.kind == "done"  # stops at the end
    stepper.reset_button.click()
    assert state.position == 0 and stepper.slider.value == 0
    assert stepper.play.max == stepper.slider.max == len(state) - 1
    assert bytes(stepper.image.value).startswith(b"\x89PNG")


def test_stepper_picture_marks_the_running_node_and_its_gradients():
    x, target, w, b, loss = lesson03()
    stepper = mw.BackwardStepper(loss, names={"x": x, "w": w, "b": b, "loss": loss})
    state = stepper.state
    state.go(5)  # MulBackward0
    picture = state.picture()
    assert picture.highlight == {"MulBackward0"}
    assert picture.edge_notes == {("AccumulateGrad(w)", "MulBackward0"): "[-12.0]"}
    texts = [t.get_text() for t in picture.ax.texts]
    assert "MulBackward0\nreceives [-6.0]" in texts
    assert "b (1,)\ngrad [-6.0]" in texts  # b's AccumulateGrad already ran
    assert "w (1,)" in texts  # w's has not
    state.go(6)
    assert state.picture().edge_notes == {("w", "AccumulateGrad(w)"): "+ [-12.0]"}


def test_stepper_without_retain_graph_frees_as_it_goes(no_leftover_observers):
    *_, loss = lesson03()
    stepper = mw.BackwardStepper(loss, retain_graph=False)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()
    state = stepper.state
    state.go(2)  # Pow ran, Sub runs now
    graph = state.picture().graph
    assert graph.nodes["PowBackward0"]["freed"] is True
    assert graph.nodes["MulBackward0"]["freed"] is False


def test_stepper_display_bundle():
    *_, loss = lesson03()
    stepper = mw.BackwardStepper(loss)
    bundle, metadata = stepper._repr_mimebundle_()
    assert bundle["text/plain"] == "BackwardStepper(7 steps, at step 0)"
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")  # a snapshot for viewers without kernel
    assert metadata["image/png"]["width"] > 100


def test_stepper_errors_in_pytorchs_words():
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        mw.BackwardStepper(t * 2)
    stepper = mw.BackwardStepper(t * 2, gradient=torch.tensor([1.0, 1.0]))
    assert stepper.state.steps[-1].text.endswith("= [2.0, 2.0].")


def test_predict_mode_asks_before_it_shows(no_leftover_observers):
    x, target, w, b, loss = lesson03()
    stepper = mw.BackwardStepper(loss, names={"x": x, "w": w, "b": b, "loss": loss}, predict=True)
    state = stepper.state
    assert [(q.step, q.key) for q in state.questions] == [(0, "seed"), (1, 0), (2, 0), (3, 0), (3, 1), (5, 0)]
    assert stepper.question == "loss.backward() starts at loss. Which gradient does it start with?"
    assert "Predict:" in stepper.text.value and "Score: 0 of 0 right" in stepper.text.value
    assert stepper.play not in stepper.widget.children[0].children  # Play would give the answers away
    stepper.step()  # not yet: the seed is still to be predicted
    assert state.position == 0 and "Type your prediction first" in stepper.text.value
    with pytest.raises(ValueError, match="step 0 asks for a prediction first"):
        state.go(3)

    assert stepper.predict(1).right is True
    stepper.step()
    assert state.position == 1 and stepper.question.startswith("PowBackward0 received [1.0]. What gradient")
    picture = state.picture()  # the gradient being asked for is hidden
    assert list(picture.edge_notes.values()) == ["?"]
    verdict = stepper.predict("2 * (7 - 10)")  # typed arithmetic is read: -6
    assert verdict.right is True
    assert verdict.message == ("✓ Right. PowBackward0 sends grad × n · xⁿ⁻¹ (the power rule): "
                               "[1.0] × -6.0 = [-6.0].")
    assert "?" not in state.picture().edge_notes.values()
    stepper.step()
    wrong = stepper.predict("6")  # the sign of SubBackward0's first input is +
    assert wrong.right is False and wrong.message.startswith("✗ Not quite: you said 6.0, the gradient is [-6.0].")
    stepper.step()  # step 3: AddBackward0 asks twice (the product and b)
    assert stepper.predict("-6").right and stepper.question.endswith("What gradient does it send to b?")
    shown = stepper.reveal()
    assert shown.right is False and shown.message.startswith("The gradient is [-6.0]. AddBackward0 passes grad on")
    stepper.step()
    stepper.step()  # AccumulateGrad(b) asks nothing (b.grad is the one gradient already predicted); now the Mul
    assert state.position == 5
    verdict = stepper.predict("[-12]")
    assert verdict.message == "✓ Right. MulBackward0 sends grad × the other factor: [-6.0] × 2.0 = [-12.0]."
    assert stepper.score == (4, 6, 6) and str(stepper.score) == "4 of 6 right"
    assert "Score: 4 of 6 right" in stepper.text.value
    for _ in range(3):
        stepper.step()
    assert state.at_end and repr(stepper) == "BackwardStepper(7 steps, at step 7, 4 of 6 right)"
    with pytest.raises(RuntimeError, match="nothing to predict: this step has no open question"):
        stepper.predict(0)


def test_predict_mode_reads_and_refuses_input():
    *_, loss = lesson03()
    state = mw.BackwardStepper(loss, predict=True).state
    for unreadable in ["", "abc", "[1, 2", "import os", "[[1], [2, 3]]", "1e999", "[1] * 2"]:
        verdict = state.predict(unreadable)
        assert verdict.right is None and "not counted: try again" in verdict.message
    assert "could not read 'abc' as a number or a list of numbers" in state.predict("abc").message
    assert state.score == (0, 0, 6) and state.question.key == "seed"  # still open
    assert state.predict("tensor([1.])").right is True
    state.step()
    assert state.predict("−6.001").right is True  # a typographic minus, within rtol 1e-3
    assert state.score.right == 2
    with pytest.raises(RuntimeError, match="made without predict=True"):
        mw.BackwardStepper(loss).state.predict(1)


def test_predict_mode_for_matrices_and_a_tensor_used_twice():
    v = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    state = mw.BackwardStepper((v * v).sum(), predict=True).state
    prompts = [q.prompt for q in state.questions]
    assert prompts[2].endswith("send to v as input 0?") and prompts[3].endswith("send to v as input 1?")
    assert prompts[4] == "AccumulateGrad receives [2.0, 4.0, 6.0, 8.0] for v. What is v.grad afterwards?"
    state.predict(1.0)
    state.step()
    flat = state.predict([1, 1, 1, 1])  # right numbers, but not the shape of the tensor
    assert flat.right is None and "(2, 2): type 4 numbers as a nested list" in flat.message
    assert state.predict(torch.ones(2, 2)).right is True
    state.step()
    state.predict("[[1, 2], [3, 4]]")
    state.predict(v.detach())
    state.step()
    verdict = state.predict("[[1, 2], [3, 4]]")  # forgot that the two arrows add up
    assert verdict.right is False and "The engine first summed the 2 gradients sent to v" in verdict.message
    assert "(shape (2, 2))" in verdict.message


def test_predict_mode_asks_for_the_gradient_a_broadcast_input_receives():
    """PyTorch's engine sums a broadcast input's gradient to its shape before passing it on (validate_outputs):
    what MulBackward0 sends to a one-element w is the sum, and the reason says where the sum came from."""
    w = torch.tensor([2.0], requires_grad=True)
    x = torch.tensor([1.0, 2.0, 2.25])
    loss = (w * x).sum()
    stepper = mw.BackwardStepper(loss, names={"w": w, "x": x, "loss": loss}, predict=True)
    state = stepper.state
    mul = state.steps[2]
    assert mul.sent[0][2].tolist() == [5.25] and mul.summed[0][1] == (0,)
    assert mul.text.endswith("sends input 0 (w, through AccumulateGrad): [1.0, 2.0, 2.25], summed over the "
                             "broadcast dimension 0 to its shape: [5.25]; input 1 (x): nothing, it does not require "
                             "grad.")
    state.predict(1)
    state.step()
    state.predict([1, 1, 1])
    state.step()
    assert state.question.prompt == "MulBackward0 received [1.0, 1.0, 1.0]. What gradient does it send to w?"
    unsummed = state.predict([1, 2, 2.25])  # the rule's product, before the engine sums it: not w's shape
    assert unsummed.right is None and "shape of the tensor it belongs to, (1,)" in unsummed.message
    verdict = state.predict(5.25)
    assert verdict.right is True
    assert verdict.message == ("✓ Right. MulBackward0 sends grad × the other factor: [1.0, 1.0, 1.0] × [1.0, 2.0, "
                               "2.25] = [1.0, 2.0, 2.25], which the engine sums over the broadcast dimension 0 (the "
                               "input was broadcast) to the input's shape (1,): [5.25].")
    assert state.picture().edge_notes == {("AccumulateGrad(w)", "MulBackward0"): "[5.25]"}
    assert w.grad is None  # recording changed nothing
    loss.backward()
    assert w.grad.tolist() == mul.sent[0][2].tolist()


def test_predict_mode_sums_over_several_broadcast_dimensions():
    b = torch.tensor(1.0, requires_grad=True)
    state = mw.BackwardStepper((torch.ones(2, 3) + b).sum(), names={"b": b}, predict=True).state
    question = state.questions[-1]
    assert question.prompt.endswith("What gradient does it send to b?") and question.answer.tolist() == 6.0
    assert question.reason.endswith("sums over the broadcast dimensions 0 and 1 (the input was broadcast) to the "
                                    "input's shape (): 6.0")


def test_a_given_gradient_is_where_backward_starts():
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    stepper = mw.BackwardStepper(t * 2, gradient=torch.tensor([0.5, -1.0]), names={"t": t}, predict=True)
    state = stepper.state
    assert state.steps[0].text == ("backward(gradient) starts at the output from the gradient it was given: "
                                   "[0.5, -1.0].")
    assert stepper.question == "backward(gradient) starts at the output. Which gradient does it start with?"
    wrong = state.predict([1, 1])  # ones is where loss.backward() starts, not backward(gradient)
    assert wrong.right is False and "∂x/∂x" not in wrong.message
    assert wrong.message == ("✗ Not quite: you said [1.0, 1.0], the gradient is [0.5, -1.0]. Backward starts from "
                             "the gradient it was given, [0.5, -1.0] (the v of vᵀJ): it starts from ones only when "
                             "no gradient is given.")
    ones = mw.BackwardStepper(t * 2, gradient=torch.ones(2), predict=True).state.questions[0]
    assert "∂x/∂x" not in ones.reason and "it was given" in ones.reason  # given, even when it is ones
    scalar = mw.BackwardStepper((t * 2).sum(), predict=True).state.questions[0]
    assert scalar.reason.endswith("is 1.0: ∂x/∂x = 1 for every element")


def make_each_widget():
    x = torch.tensor(2.0)
    w = torch.tensor(3.0, requires_grad=True)
    yield "LiveGraph", mw.LiveGraph(w * x, follow=False)
    yield "BackwardStepper", mw.BackwardStepper(w * x)
    yield "BackwardStepper(predict)", mw.BackwardStepper(w * x, predict=True)
    yield "HookMonitor", mw.HookMonitor()
    yield "JacobianExplorer", mw.JacobianExplorer()
    yield "TrainingDashboard", mw.TrainingDashboard(10, text=False)


def test_every_widget_display_bundle_has_a_still_picture():
    for name, widget in make_each_widget():
        bundle, metadata = widget._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle, name
        png = base64.b64decode(bundle["image/png"])
        assert png.startswith(b"\x89PNG") and metadata["image/png"]["width"] > 100, name
        assert png == widget.snapshot_png(), name  # deterministic: drawn again, the same bytes
        assert bundle["text/plain"] == repr(widget)


def test_hook_monitor_picture_follows_the_calls():
    monitor = mw.HookMonitor()
    empty = monitor.snapshot_png()
    t = torch.tensor([1.0], requires_grad=True)
    monitor.watch(t, "t")
    watching = monitor.snapshot_png()
    (t * 2).backward()
    fired = monitor.snapshot_png()
    assert len({empty, watching, fired}) == 3 and monitor.snapshot_png() is fired  # redrawn only after a change
    texts = [text.get_text() for text in monitor.picture().texts]
    assert texts == ["Hook monitor  watching: t (tensor)"]
    table = monitor.picture().axes[0].tables[0]
    assert table[1, 5].get_text().get_text() == "[2.0]"


# ---------------------------------------------------------------------------------------------- LiveGraph
def test_live_graph_follows_new_operations_and_shows_gradients(no_leftover_observers):
    x = torch.tensor(2.0)
    w = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    y = w * x
    live = mw.LiveGraph(y, names={"x": x, "w": w, "b": b, "y": y})
    assert set(live.state.graph.nodes) == {"w", "x", "y", "MulBackward0", "AccumulateGrad(w)"}
    first_png = bytes(live.image.value)

    z = y + b
    assert live.state.follow({"z": z, "y": y, "unrelated": torch.tensor(1.0, requires_grad=True) * 2})
    assert live.state.tensors == [z]  # y is now inside z's graph
    live.state.explicit_names["z"] = z
    live.update()
    assert "AddBackward0" in live.state.graph and live.state.graph.nodes["z"]["kind"] == "output"
    assert bytes(live.image.value) != first_png
    assert "run backward() to see the gradients" in live.header.value

    z.backward()
    live.update()
    graph = live.state.graph
    assert graph.nodes["y"]["grad"] == "1.0"  # recorded by the engine observer: y kept no .grad
    assert graph.nodes["w"]["grad"] == "2.0" and graph.nodes["z"]["grad"] == "1.0"
    assert graph.nodes["x"]["label"] == "x"  # still recognised after backward freed MulBackward0's buffers
    assert "gradients from the last backward are shown" in live.header.value
    live.close()


def test_live_graph_can_start_from_leaves():
    x = torch.tensor(2.0)
    w = torch.tensor(3.0, requires_grad=True)
    live = mw.LiveGraph(x, w, names={"x": x, "w": w})
    assert kinds_of(live) == {"x": "constant", "w": "leaf"}
    y = w * x
    assert live.state.follow({"y": y})
    live.state.explicit_names["y"] = y
    live.update()
    assert live.state.tensors == [y]  # x and w are inputs of y now
    assert kinds_of(live) == {"x": "constant", "w": "leaf", "y": "output", "MulBackward0": "op",
                              "AccumulateGrad(w)": "accumulate"}  # x drawn once, though given and saved
    live.close()


def kinds_of(live):
    return {node: data["kind"] for node, data in live.state.graph.nodes(data=True)}


def test_live_graph_node_picker_details():
    x = torch.tensor(2.0)
    w = torch.tensor(3.0, requires_grad=True)
    y = w * x
    live = mw.LiveGraph(y, names={"x": x, "w": w, "y": y})
    values = [value for _, value in live.node_picker.options]
    assert sorted(values) == sorted(live.state.graph.nodes)
    live.node_picker.value = "MulBackward0"
    assert live.state.selected == "MulBackward0"
    details = dict(live.state.details("MulBackward0"))
    assert details["next_functions"] == "((AccumulateGrad, 0), (None, 0))"
    assert details["saved tensors"] == "x"  # w's gradient needs only x (PyTorch saves the same)
    assert "next_functions" in live.details.value
    live.select("y")
    assert dict(live.state.details("y"))["made by"] == "MulBackward0"
    with pytest.raises(KeyError, match="no node 'nope'"):
        live.select("nope")
    live.close()


def test_live_graph_redraws_after_each_ipython_cell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no history database written
    shell = InteractiveShell.instance(config=config)
    try:
        shell.run_cell("import minigrad as torch\n"
                       "x = torch.tensor(2.0); w = torch.tensor(3.0, requires_grad=True)\n"
                       "b = torch.tensor(1.0, requires_grad=True)\n"
                       "y = w * x\n"
                       "from minigrad.widgets import LiveGraph\n"
                       "live = LiveGraph(y)\n", store_history=False)
        live = shell.user_ns["live"]
        assert set(live.state.graph.nodes) == {"w", "x", "y", "MulBackward0", "AccumulateGrad(w)"}
        shell.run_cell("z = y + b", store_history=False)
        assert live.state.graph.graph["outputs"] == ["z"]
        assert {"b", "AddBackward0", "z"} <= set(live.state.graph.nodes)
        shell.run_cell("z.backward()", store_history=False)
        assert live.state.graph.nodes["y"]["grad"] == "1.0"
        shell.run_cell("live.close()", store_history=False)
        shell.run_cell("q = z * 2", store_history=False)
        assert live.state.graph.graph["outputs"] == ["z"]  # closed: no longer follows
    finally:
        InteractiveShell.clear_instance()


# ---------------------------------------------------------------------------------------------- HookMonitor
def small_net():
    from minigrad import nn

    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))


def test_hook_monitor_records_calls_in_firing_order():
    net = small_net()
    inputs, targets = torch.randn(8, 4), torch.randn(8, 1)
    monitor = mw.HookMonitor()
    monitor.watch_module(net[0], "first layer")
    monitor.watch_module(net[2], "second layer")
    prediction = net(inputs)
    monitor.watch(prediction, "prediction")
    loss = ((prediction - targets) ** 2).mean()
    loss.backward()
    calls = [(c.name, c.hook, c.shape) for c in monitor.state.calls]
    assert calls == [
        ("first layer", "forward", (8, 3)), ("second layer", "forward", (8, 1)),
        ("prediction", "grad", (8, 1)), ("second layer", "backward", (8, 1)), ("first layer", "backward", (8, 3)),
    ]
    grad_prediction = 2 * (prediction - targets).detach() / 8
    norm = float((grad_prediction ** 2).sum().sqrt())
    assert monitor.state.calls[2].norm == pytest.approx(norm, rel=1e-5)
    assert monitor.state.calls[3].norm == pytest.approx(norm, rel=1e-5)  # gradient of the module's output
    rows = monitor.rows()
    assert rows[0] == ("#", "watched", "hook", "shape", "norm", "values")
    assert rows[3][:3] == ("3", "prediction", "gradient (tensor hook)")
    assert "second layer" in monitor.table.value and "<table" in monitor.table.value


def test_hook_monitor_remove_clear_and_rewatch():
    net = small_net()
    monitor = mw.HookMonitor()
    monitor.watch_module(net[0], "first")
    net(torch.randn(2, 4)).sum().backward()
    assert len(monitor.state.calls) == 2
    monitor.clear_button.click()
    assert monitor.state.calls == [] and "no hook has fired yet" in monitor.table.value
    monitor.watch_module(net[0], "first")  # watching the same name again replaces the hooks
    net(torch.randn(2, 4)).sum().backward()
    assert [c.number for c in monitor.state.calls] == [1, 2]
    monitor.remove("first")
    net(torch.randn(2, 4)).sum().backward()
    assert len(monitor.state.calls) == 2  # removed: nothing new
    with pytest.raises(KeyError, match="nothing is watched under the name 'first'"):
        monitor.remove("first")
    assert repr(monitor) == "HookMonitor(watching 0, 2 calls)"


def test_hook_monitor_without_module_backward_hooks():
    class PlainModule:  # only forward hooks, as a module system without full backward hooks would have
        def __init__(self):
            self.hooks = {}

        def register_forward_hook(self, hook):
            from minigrad.autograd.graph import add_hook

            return add_hook(self.hooks, hook)

        def __call__(self, x):
            out = x * 3
            for hook in list(self.hooks.values()):
                hook(self, (x,), out)
            return out

    module = PlainModule()
    monitor = mw.HookMonitor()
    monitor.watch_module(module, "triple")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    module(x).sum().backward()
    assert [(c.hook, c.values) for c in monitor.state.calls] == [("forward", "[3.0, 6.0]"), ("backward", "[1.0, 1.0]")]


def test_hook_monitor_errors():
    monitor = mw.HookMonitor()
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        monitor.watch(torch.tensor([1.0]), "constant")
    with pytest.raises(TypeError, match="expects a module"):
        monitor.watch_module(torch.tensor([1.0]), "not a module")
    with pytest.raises(TypeError, match="expects a Tensor"):
        monitor.watch(small_net(), "net")


def test_hook_monitor_keeps_the_last_rows():
    monitor = mw.HookMonitor(max_rows=3)
    t = torch.tensor([1.0], requires_grad=True)
    monitor.watch(t, "t")
    for _ in range(5):
        (t * 2).backward()
    assert [row[0] for row in monitor.rows()[1:]] == ["3", "4", "5"]
    assert "2 earlier calls not shown" in monitor.table.value


# ---------------------------------------------------------------------------------------------- JacobianExplorer
@settings(max_examples=15, deadline=None)
@given(st.floats(-4, 4), st.floats(-4, 4), st.floats(-2, 2), st.floats(-2, 2))
def test_jacobian_state_matches_the_calculus(x1, x2, v1, v2):
    state = mw.JacobianState(x=(x1, x2), v=(v1, v2))
    result = state.compute()
    jacobian = [[2 * x1, 3.0], [2.0, 2 * x2]]  # y1 = x1² + 3·x2, y2 = x2² + 2·x1
    assert sum(result["J"], []) == pytest.approx(sum(jacobian, []), rel=1e-5, abs=1e-5)
    jvp = [jacobian[0][0] * v1 + jacobian[0][1] * v2, jacobian[1][0] * v1 + jacobian[1][1] * v2]
    vjp = [v1 * jacobian[0][0] + v2 * jacobian[1][0], v1 * jacobian[0][1] + v2 * jacobian[1][1]]
    assert result["jvp"] == pytest.approx(jvp, rel=1e-4, abs=1e-4)
    assert result["vjp"] == pytest.approx(vjp, rel=1e-4, abs=1e-4)


def test_jacobian_explorer_sliders():
    explorer = mw.JacobianExplorer()
    assert explorer.result["J"] == [[4.0, 3.0], [2.0, 6.0]]
    first = bytes(explorer.image.value)
    explorer.x_sliders[0].value = -1.0
    assert explorer.state.x == [-1.0, 3.0] and explorer.result["J"][0][0] == -2.0
    explorer.v_sliders[1].value = 1.0
    assert explorer.state.v == [1.0, 1.0]
    assert explorer.result["vjp"] == pytest.approx([-2.0 + 2.0, 3.0 + 6.0])
    assert bytes(explorer.image.value) != first
    assert "x.grad after y.backward(v)" in explorer.text.value
    assert repr(explorer) == "JacobianExplorer(x=(-1, 3), 2 outputs)"


def test_jacobian_explorer_other_functions():
    def f(x):  # R³ -> R²
        return torch.stack([x[0] * x[1], x[1] + x[2] ** 2])

    explorer = mw.JacobianExplorer(f, x=(1.0, 2.0, 3.0))
    assert explorer.result["J"] == [[2.0, 1.0, 0.0], [0.0, 1.0, 6.0]]
    assert len(explorer.x_sliders) == 3 and len(explorer.v_sliders) == 3
    assert len(explorer.state.picture().axes) == 1  # the heatmap only: arrows need R² -> R²
    with pytest.raises(ValueError, match="1-D tensor"):
        mw.JacobianExplorer(lambda x: (x ** 2).sum())


# ---------------------------------------------------------------------------------------------- TrainingDashboard
def fake_training(dash, steps):
    torch.manual_seed(0)
    w = torch.zeros(1, 1, requires_grad=True)
    for step in range(steps):
        x = torch.rand(8, 1)
        y = 2 * x + 3
        prediction = x.mm(w)
        loss = ((prediction - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
        dash.update(step, loss.item(), x=x, y=y, prediction=prediction.detach())


def test_dashboard_prints_lines_outside_jupyter(capsys):
    dash = mw.TrainingDashboard(total_steps=20, every=5)
    assert dash.text_mode  # pytest runs no kernel
    fake_training(dash, 20)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  loss")[0] for line in lines] == ["step  1/20", "step  5/20", "step 10/20", "step 15/20",
                                                          "step 20/20"]
    assert float(lines[-1].split("loss ")[1]) == pytest.approx(dash.state.losses[-1], rel=1e-5)
    assert len(dash.state.losses) == 20


def test_dashboard_widget_updates_every_k_steps(capsys):
    dash = mw.TrainingDashboard(total_steps=12, every=4, title="fit", text=False)
    assert bytes(dash.image.value) == b"" and repr(dash) == "TrainingDashboard(step 0/12)"
    fake_training(dash, 12)
    assert dash.state.redraws == 4  # steps 1, 4, 8, 12
    assert dash.progress.value == 12 and dash.status.value.startswith("step 12/12")
    assert bytes(dash.image.value).startswith(b"\x89PNG")
    assert capsys.readouterr().out == ""  # nothing printed into the cell
    figure = dash.state.picture()
    assert len(figure.axes) == 2 and figure.axes[1].get_title() == "fit on the current batch"


def test_dashboard_rejects_bad_settings():
    with pytest.raises(ValueError, match="total_steps must be a positive integer"):
        mw.TrainingDashboard(0)
    with pytest.raises(ValueError, match="every must be a positive integer"):
        mw.TrainingDashboard(10, every=0)
