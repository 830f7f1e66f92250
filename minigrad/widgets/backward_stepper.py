"""Replay one backward pass node by node.

``record_backward`` runs a real ``loss.backward()`` with an engine observer attached
(``minigrad.autograd.engine.add_observer``), keeps every event, and puts the leaves' ``.grad`` back as they
were, so recording changes nothing the learner can see. ``StepperState`` walks through the recorded steps;
``BackwardStepper`` is its view: Step / Play / Reset and a slider, the graph with the running node in red, the
gradient it receives and the gradients it sends along each input arrow.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..autograd import engine
from ..autograd.graph import AccumulateGrad
from ..viz.draw import figure_png, render
from ..viz.graph import caller_names, summarize, to_networkx
from ._view import WidgetView, escape, ipywidgets, new_image, set_image
from .predictions import Question, Score, Verdict, grade, make_questions, summed_text, value_text


@dataclass
class BackwardStep:
    """One step of a recorded backward pass.

    ``kind``: "start" (the seed gradient enters the output), "node" (an operation ran its backward rule),
    "accumulate" (``AccumulateGrad`` added into a leaf's ``.grad``) or "done".
    """

    kind: str
    node_id: str | None = None  # the graph node that runs (see minigrad.viz.to_networkx)
    name: str = ""  # what the step is called in the text: "MulBackward0", "AccumulateGrad(w)"
    received: tuple = ()  # gradients arriving at the node, one per output
    sent: list = field(default_factory=list)  # (input index, input node id or None, gradient or None)
    # node: {input index: (the rule's gradient, summed dims)} where the input was broadcast: ``sent`` holds the
    # gradient summed to the input's shape, as the engine does before it passes it on (PyTorch's validate_outputs)
    summed: dict = field(default_factory=dict)
    given: bool = False  # start: backward() was called with an explicit ``gradient``
    leaf_id: str | None = None  # accumulate: the leaf whose .grad changes
    before: object = None  # accumulate: .grad before (None if there was none)
    after: object = None  # accumulate: .grad after
    text: str = ""  # plain-text description (deterministic: values, no addresses)


def record_backward(loss, retain_graph=True, gradient=None, names=None, params=None):
    """Run ``loss.backward(gradient, retain_graph)`` and return ``(graph, steps)`` describing every step.

    The leaves' ``.grad`` are restored afterwards (in place, so references the caller holds stay valid).
    """
    graph = to_networkx(loss, names=names or False, params=params)
    ids = graph.graph["ids"]
    leaves = [data["tensor"] for _, data in graph.nodes(data=True) if data["kind"] in ("leaf", "param")]
    saved_grads = [(leaf, leaf._grad, None if leaf._grad is None else leaf._grad._array.copy()) for leaf in leaves]
    grad_before = {id(leaf): (None if leaf._grad is None else leaf._grad.detach().clone()) for leaf in leaves}

    events = []

    def observe(event, **details):
        if event == "accumulate":  # keep the value right after this addition
            details["after"] = details["variable"]._grad.detach().clone()
        events.append((event, details))

    engine.add_observer(observe)
    try:
        loss.backward(gradient, retain_graph=retain_graph)
    finally:
        engine.remove_observer(observe)
        for leaf, grad, values in saved_grads:
            if grad is not None:
                grad._array[...] = values  # undo an in-place accumulation
            leaf._grad = grad

    output_id = graph.graph["outputs"][0]
    output_name = graph.nodes[output_id]["name"] or "the output"
    if gradient is None:
        seed = _ones_like(loss)
        start = f"loss.backward() starts: the gradient of {output_name} with respect to itself is {summarize(seed)}."
    else:
        seed = gradient
        start = f"backward(gradient) starts at {output_name} from the gradient it was given: {summarize(seed)}."
    steps = [BackwardStep("start", output_id, output_name, received=(seed,), given=gradient is not None,
                          text=start)]
    for event, details in events:
        if event == "node":
            steps.append(_node_step(graph, ids, details))
        elif event == "accumulate":
            steps.append(_accumulate_step(graph, ids, details, grad_before))
    final = []
    for leaf_id, data in graph.nodes(data=True):
        if data["kind"] in ("leaf", "param"):
            last = [s.after for s in steps if s.kind == "accumulate" and s.leaf_id == leaf_id]
            value = last[-1] if last else grad_before[id(data["tensor"])]
            final.append(f"{data['name'] or leaf_id}.grad = {summarize(value) if value is not None else 'None'}")
    steps.append(BackwardStep("done", None, "done", text="Backward finished: " + "; ".join(final) + "."))
    return graph, steps


def _ones_like(tensor):
    from ..factories import ones_like

    return ones_like(tensor)


def _input_id(ids, fn, index, edge):
    child, nr = edge
    if child is None:
        return ids.get(("constant", fn, index))
    if type(child) is AccumulateGrad:
        return ids.get(child)
    return ids.get((child, nr))


def _node_step(graph, ids, details) -> BackwardStep:
    fn = details["node"]
    node_id = ids.get(fn, type(fn).__name__)
    received = tuple(details["grad_outputs"])
    sent, summed = [], {}
    lines = []
    for index, (edge, grad) in enumerate(zip(fn._arg_edges, details["grad_inputs"])):
        if edge is None:
            continue
        input_id = _input_id(ids, fn, index, edge)
        if edge[0] is None:
            sent.append((index, input_id, None))
            lines.append(f"input {index} ({_describe(graph, input_id)}): nothing, it does not require grad")
            continue
        line = summarize(grad) if grad is not None else "None"
        dims = _broadcast_dims(grad, _input_shape(edge))
        if dims is not None:  # what arrives is summed to the input's shape first, as PyTorch's engine does
            summed[index] = (grad, dims)
            grad = grad.detach().sum_to_size(_input_shape(edge))
            line += f", summed over {summed_text(dims)} to its shape: {summarize(grad)}"
        sent.append((index, input_id, grad))
        lines.append(f"input {index} ({_describe(graph, input_id)}): {line}")
    got = ", ".join(summarize(g) if g is not None else "None" for g in received)
    text = f"{node_id} runs its backward rule. It receives the gradient {got}"
    text += " and sends " + ("; ".join(lines) if lines else "nothing") + "."
    return BackwardStep("node", node_id, node_id, received=received, sent=sent, summed=summed, text=text)


def _input_shape(edge) -> tuple:
    """The shape of the tensor an edge leads to: a leaf's, or the output of the node that made it."""
    child, nr = edge
    if type(child) is AccumulateGrad:
        return tuple(child.variable.shape)
    return tuple(child._output_meta[nr][0])


def _broadcast_dims(grad, shape) -> tuple | None:
    """The dimensions of ``grad`` that the engine sums to bring it to ``shape`` (the input was broadcast), or None
    when it has the shape already."""
    if grad is None or tuple(grad.shape) == shape:
        return None
    lead = grad.dim() - len(shape)
    return tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)


def _describe(graph, node_id) -> str:
    if node_id is None or node_id not in graph:
        return "?"
    data = graph.nodes[node_id]
    if data["kind"] == "accumulate":
        leaf = next(iter(graph.predecessors(node_id)))
        return f"{leaf}, through AccumulateGrad"
    if data["name"]:
        return data["name"]
    if data["kind"] == "tensor":
        producer = next(iter(graph.predecessors(node_id)), None)
        return f"the result of {producer}" if producer else node_id
    return node_id


def _accumulate_step(graph, ids, details, grad_before) -> BackwardStep:
    fn = details["node"]
    node_id = ids.get(fn, "AccumulateGrad")
    leaf_id = next(iter(graph.predecessors(node_id)), None) if node_id in graph else None
    variable = details["variable"]
    before = grad_before.get(id(variable))
    after = details["after"]
    grad_before[id(variable)] = after
    leaf_name = graph.nodes[leaf_id]["name"] or leaf_id if leaf_id else "the leaf"
    was = summarize(before) if before is not None else "None"
    text = (f"AccumulateGrad adds {summarize(details['grad'])} into {leaf_name}.grad: "
            f"{was} → {summarize(after)}.")
    return BackwardStep("accumulate", node_id, node_id, received=(details["grad"],), leaf_id=leaf_id, before=before,
                        after=after, text=text)


class StepperState:
    """Which step of a recorded backward pass is shown; ``step()``, ``back()``, ``reset()``, ``go(position)``.

    With ``predict=True`` a step that has questions (``minigrad.widgets.predictions``) is shown with its
    gradients hidden until each question is answered with ``predict(value)`` or given up with ``reveal()``;
    ``step()`` and ``go()`` do not pass a step whose questions are still open. ``score`` counts the answers.
    """

    def __init__(self, graph, steps, retain_graph=True, predict=False):
        self.graph = graph
        self.steps = steps
        self.retain_graph = retain_graph
        self.position = 0
        self.questions = make_questions(graph, steps) if predict else []

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def current(self) -> BackwardStep:
        return self.steps[self.position]

    @property
    def at_end(self) -> bool:
        return self.position == len(self.steps) - 1

    # ---------------------------------------------------------------- moving
    @property
    def frontier(self) -> int:
        """The furthest step that can be shown: the first one with an open question (the last step if none)."""
        open_steps = [q.step for q in self.questions if not q.answered]
        return min(open_steps) if open_steps else len(self.steps) - 1

    def go(self, position: int) -> None:
        if not 0 <= position < len(self.steps):
            raise IndexError(f"step {position} is out of range (0 to {len(self.steps) - 1})")
        if position > self.frontier:
            raise ValueError(f"step {self.frontier} asks for a prediction first: answer it with predict(value) or "
                             f"see the answer with reveal()")
        self.position = position

    def step(self) -> bool:
        """Move one step on; False (and no move) at the end or while the current step has an open question."""
        target = min(self.position + 1, len(self.steps) - 1, self.frontier)
        moved = target != self.position
        self.position = target
        return moved

    def back(self) -> None:
        self.position = max(self.position - 1, 0)

    def reset(self) -> None:
        self.position = 0

    # ---------------------------------------------------------------- predicting
    @property
    def question(self) -> Question | None:
        """The open question of the current step, or None."""
        return next((q for q in self.questions if q.step == self.position and not q.answered), None)

    def predict(self, value) -> Verdict:
        """Grade ``value`` (a number, a list, a tensor, or text such as ``"-12"`` or ``"[1, 2]"``) against the
        open question. Unreadable input or a wrong shape gives a verdict with ``right=None`` and leaves the
        question open."""
        question = self._open_question()
        verdict = grade(question, value)
        if verdict.right is not None:
            question.verdict = verdict
        return verdict

    def reveal(self) -> Verdict:
        """Give up on the open question: its answer and reason, scored as not right."""
        question = self._open_question()
        question.verdict = Verdict(False, f"The gradient is {value_text(question.answer)}. "
                                          f"{question.reason[:1].upper()}{question.reason[1:]}.")
        return question.verdict

    def _open_question(self) -> Question:
        question = self.question
        if question is None:
            where = "this step has no open question" if self.questions else "the stepper was made without " \
                                                                             "predict=True"
            raise RuntimeError(f"nothing to predict: {where}; step() moves on")
        return question

    @property
    def score(self) -> Score:
        """``Score(right, answered, total)``; ``str(score)`` is "3 of 4 right"."""
        answered = [q for q in self.questions if q.answered]
        return Score(sum(1 for q in answered if q.verdict.right), len(answered), len(self.questions))

    def _hidden(self) -> set:
        """Keys of the current step's gradients that are still to be predicted."""
        return {q.key for q in self.questions if q.step == self.position and not q.answered}

    # ---------------------------------------------------------------- picture
    def known_gradients(self) -> dict:
        """``{node id: gradient text}`` of every tensor whose gradient is known once the current step ran."""
        known = {}
        for node_id, data in self.graph.nodes(data=True):
            if data["kind"] in ("leaf", "param") and data["tensor"] is not None and data["tensor"]._grad is not None:
                known[node_id] = summarize(data["tensor"]._grad)
        hidden = self._hidden()
        for step in self.steps[:self.position + 1]:
            if step.kind == "start":
                known[step.node_id] = "?" if "seed" in hidden and step is self.current else summarize(step.received[0])
            elif step.kind == "node":
                for nr, grad in enumerate(step.received):
                    tensor_id = _output_tensor_id(self.graph, step.node_id, nr)
                    if tensor_id is not None and grad is not None:
                        known[tensor_id] = summarize(grad)
            elif step.kind == "accumulate" and step.leaf_id is not None:
                known[step.leaf_id] = "?" if "grad" in hidden and step is self.current else summarize(step.after)
        return known

    def ran(self) -> set:
        """Nodes whose step came before the current one."""
        return {s.node_id for s in self.steps[:self.position] if s.kind in ("node", "accumulate")}

    def picture(self):
        """The graph at the current step (a ``GraphPicture``); gradients still to be predicted show as "?"."""
        graph = self.graph.copy()
        known = self.known_gradients()
        for node_id, data in graph.nodes(data=True):
            if data["kind"] not in ("op", "accumulate"):
                data["grad"] = known.get(node_id)
        ran = self.ran()
        current = self.current
        hidden = self._hidden()
        if not self.retain_graph:  # show the saved tensors disappear as each node runs
            for node_id in ran:
                if graph.nodes[node_id]["kind"] == "op" and graph.nodes[node_id]["saved"]:
                    graph.nodes[node_id]["freed"] = True
        edge_notes, node_notes = {}, {}
        if current.kind == "node":
            for index, input_id, grad in current.sent:
                if input_id is not None and grad is not None:
                    edge_notes[(input_id, current.node_id)] = "?" if index in hidden else summarize(grad)
            node_notes[current.node_id] = "receives " + ", ".join(
                summarize(g) if g is not None else "None" for g in current.received)
        elif current.kind == "accumulate":
            if current.leaf_id is not None:
                edge_notes[(current.leaf_id, current.node_id)] = "+ " + summarize(current.received[0])
        highlight = {current.node_id} if current.node_id is not None else set()
        title = f"step {self.position} of {len(self.steps) - 1}: backward runs from the bottom up"
        return render(graph, show_grad=True, highlight=highlight, done=ran - highlight, edge_notes=edge_notes,
                      node_notes=node_notes, title=title)


def _output_tensor_id(graph, fn_id, nr):
    for _, target, data in graph.out_edges(fn_id, data=True):
        if data["kind"] == "data" and data["index"] == nr:
            return target
    return None


class BackwardStepper(WidgetView):
    """Step through ``loss.backward()`` one node at a time (Step / Play / Reset and a slider).

    The backward pass really runs once, when the stepper is made (with ``retain_graph=True`` by default, so
    ``loss.backward()`` still works afterwards; the leaves' ``.grad`` are left as they were). With
    ``retain_graph=False`` the picture shows each node's saved tensors being freed as it runs.
    ``stepper.state`` holds the steps and the position; the buttons call ``state.step()`` / ``state.reset()``.

    ``BackwardStepper(loss, predict=True)``: predict, then see. Before a gradient is revealed the learner types
    the value they expect (``-12``, ``2 * -6``, ``1/3``, ``[1, 2]``, ``[[1, 0], [0, 1]]``) and presses Enter or
    Check; the widget says right or wrong, with the true value and a one-line reason ("MulBackward0 sends grad ×
    the other factor: -6.0 × 2.0 = -12.0"), and keeps a score ("3 of 4 right"). "Show me" gives the answer
    (scored as not right). Step does not pass a gradient that has not been predicted; there is no Play button
    or slider. The same from code: ``stepper.question`` (the prompt, or None), ``stepper.predict(value)``
    (returns the ``Verdict``: ``.right`` is True, False, or None for input that could not be read),
    ``stepper.reveal()``, ``stepper.step()``, ``stepper.score`` (``Score(right, answered, total)``).
    """

    def __init__(self, loss, retain_graph=True, gradient=None, names=None, params=None, interval=1200,
                 predict=False):
        if names is None:
            names = caller_names(depth=2)
        graph, steps = record_backward(loss, retain_graph=retain_graph, gradient=gradient, names=names,
                                       params=params)
        self.state = StepperState(graph, steps, retain_graph=retain_graph, predict=predict)
        self.predicting = bool(predict)
        self.feedback = ""  # HTML: the last verdict or hint
        self._pictures: dict = {}
        widgets = ipywidgets()
        last = len(steps) - 1
        self.step_button = widgets.Button(description="Step", icon="step-forward", tooltip="run the next node")
        self.reset_button = widgets.Button(description="Reset", icon="undo", tooltip="back to the start")
        self.play = widgets.Play(value=0, min=0, max=last, step=1, interval=interval, description="Play")
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step",
                                        continuous_update=False)
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.text = widgets.HTML()
        self.image = new_image()
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.slider.observe(lambda change: self._go(change["new"]), names="value")
        if self.predicting:  # no Play and no slider: they would reveal what is to be predicted
            controls = [self.step_button, self.reset_button]
            self.answer_box = widgets.Text(placeholder="your prediction, e.g. -12 or [1, 2]", continuous_update=False,
                                           description="predict", layout=widgets.Layout(width="340px"))
            self.check_button = widgets.Button(description="Check", icon="check", tooltip="grade my prediction")
            self.show_button = widgets.Button(description="Show me", icon="eye",
                                              tooltip="reveal the answer (counts as not right)")
            # Enter (or leaving the box) sends the value; Check sends what is still in the box
            self.answer_box.observe(lambda change: self._answer_from_box(), names="value")
            self.check_button.on_click(lambda _: self._answer_from_box())
            self.show_button.on_click(lambda _: self.reveal())
            self.answer_row = widgets.HBox([self.answer_box, self.check_button, self.show_button])
            rows = [widgets.HBox(controls), self.text, self.answer_row, self.image]
        else:
            rows = [widgets.HBox([self.step_button, self.play, self.reset_button, self.slider]), self.text,
                    self.image]
        self.widget = widgets.VBox(rows, layout=widgets.Layout(width="100%"))
        self.widget.add_class("minigrad-backward-stepper")
        if self.predicting:
            self.widget.add_class("minigrad-predict")
        self._show()

    # ---------------------------------------------------------------- moving
    def step(self) -> None:
        if self.predicting:
            question = self.state.question
            self.feedback = "" if question is None else \
                "Type your prediction first (or press Show me); then Step moves on."
            self.state.step()
            self._show()
            return
        self._go(self.state.position + 1)

    def reset(self) -> None:
        self.play.playing = False  # stop a running Play first, or it would carry on from 0
        self.feedback = ""
        self._go(0)

    def _go(self, position: int) -> None:
        position = max(0, min(position, len(self.state) - 1, self.state.frontier))
        self.state.go(position)
        if self.slider.value != position:
            self.slider.value = position  # calls _go again through observe; the state is already there
            return
        self._show()

    # ---------------------------------------------------------------- predicting
    @property
    def question(self) -> str | None:
        """The prompt of the open question, or None when the current step asks nothing (Step moves on)."""
        question = self.state.question
        return None if question is None else question.prompt

    @property
    def score(self) -> Score:
        return self.state.score

    def predict(self, value) -> Verdict:
        """Grade a prediction for the open question (what typing it and pressing Enter does)."""
        verdict = self.state.predict(value)
        self._after_verdict(verdict)
        return verdict

    def reveal(self) -> Verdict:
        """Show the answer to the open question (scored as not right)."""
        verdict = self.state.reveal()
        self._after_verdict(verdict)
        return verdict

    def _answer_from_box(self) -> None:
        text = self.answer_box.value
        if not text.strip() or self.state.question is None:
            return
        self.predict(text)

    def _after_verdict(self, verdict) -> None:
        self.feedback = verdict.message
        if verdict.right is not None and self.predicting:
            self.answer_box.value = ""  # ready for the next question (observe sees an empty box: nothing to do)
        self._show()

    # ---------------------------------------------------------------- drawing
    def _png(self, position) -> bytes:
        key = (position, frozenset(self.state._hidden()))
        if key not in self._pictures:
            self._pictures[key] = figure_png(self.state.picture().figure)
        return self._pictures[key]

    def _show(self) -> None:
        step = self.state.current
        kind = {"start": "start", "node": "operation", "accumulate": "AccumulateGrad", "done": "finished"}[step.kind]
        # the picture first: when the browser shows the new text, the new picture has arrived too
        set_image(self.image, self._png(self.state.position))
        question = self.state.question
        body = f"<b>Predict:</b> {escape(question.prompt)}" if question is not None else escape(step.text)
        html = (f"<div class='minigrad-step-text'><b>Step {self.state.position} of {len(self.state) - 1}</b> "
                f"({kind}): {body}</div>")
        if self.predicting:
            verdict_class = "minigrad-verdict"
            html += f"<div class='{verdict_class}'>{escape(self.feedback)}</div>" if self.feedback else ""
            html += f"<div class='minigrad-score'>Score: {escape(str(self.state.score))}</div>"
            self.answer_box.disabled = self.check_button.disabled = self.show_button.disabled = question is None
        self.text.value = html

    def snapshot_png(self):
        return self._png(self.state.position)

    def __repr__(self) -> str:
        extra = f", {self.state.score}" if self.predicting else ""
        return f"BackwardStepper({len(self.state) - 1} steps, at step {self.state.position}{extra})"
