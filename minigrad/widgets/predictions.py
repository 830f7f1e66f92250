"""Predict, then see: the questions ``BackwardStepper(loss, predict=True)`` asks, and how answers are graded.

Before a step of the backward pass is revealed, the learner types the gradient they expect. A question is asked
for every gradient that a step produces and that the learner has not already seen:

* the seed that ``loss.backward()`` starts from (``1.0`` for a scalar loss, the given ``gradient`` otherwise);
* each gradient an operation sends to one of its inputs ("What gradient does MulBackward0 send to w?"), as the
  input receives it: summed over the broadcast dimensions when the input was broadcast, as the engine sums it;
* a leaf's ``.grad`` after ``AccumulateGrad``, but only where it is not simply the one gradient that arrived
  (the leaf already had a ``.grad``, or several operations sent it a gradient that the engine summed).

Answers are compared with the recorded gradient to a relative tolerance of 1e-3. The reason shown with each
verdict is computed from the recorded numbers, grad in and grad out, so it holds for any graph:
"MulBackward0 sends grad × the other factor: -6.0 × 2.0 = -12.0".
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import NamedTuple

from ..viz.graph import summarize

RELATIVE_TOLERANCE = 1e-3
ABSOLUTE_TOLERANCE = 1e-6  # for gradients that are exactly 0

# What an operation does to the gradient it receives, per input (a single text: the same for every input).
# Only the words: the numbers come from the recorded step.
RULES = {
    "AddBackward0": "passes grad on unchanged (∂(a + b)/∂a = ∂(a + b)/∂b = 1)",
    "SubBackward0": ("passes grad on unchanged to a (∂(a − b)/∂a = 1)", "sends −grad to b (∂(a − b)/∂b = −1)"),
    "RsubBackward1": "sends −grad (∂(c − a)/∂a = −1)",
    "MulBackward0": "sends grad × the other factor",
    "DivBackward0": ("sends grad ÷ b to a (∂(a / b)/∂a = 1/b)", "sends −grad · a / b² to b"),
    "NegBackward0": "sends −grad",
    "PowBackward0": "sends grad × n · xⁿ⁻¹ (the power rule)",
    "PowBackward1": ("sends grad × b · aᵇ⁻¹ to the base", "sends grad × aᵇ · ln a to the exponent"),
    "PowBackward2": "sends grad × cˣ · ln c",
    "ExpBackward0": "sends grad × exp(x), its own output",
    "LogBackward0": "sends grad ÷ x",
    "SqrtBackward0": "sends grad ÷ (2 √x)",
    "TanhBackward0": "sends grad × (1 − tanh²(x))",
    "SigmoidBackward0": "sends grad × σ(x) · (1 − σ(x))",
    "ReluBackward0": "passes grad where the input was positive and 0 elsewhere",
    "SumBackward0": "copies grad to every element of its input (∂(Σ x)/∂xᵢ = 1)",
    "SumBackward1": "copies grad along the summed dimension",
    "MeanBackward0": "sends grad ÷ n to every element (n = the number of elements averaged)",
    "MeanBackward1": "sends grad ÷ n along the averaged dimension",
    "MmBackward0": ("sends grad @ B.T to A", "sends A.T @ grad to B"),
    "MvBackward0": ("sends the outer product grad ⊗ v to A", "sends A.T @ grad to v"),
    "ExpandBackward0": "sums grad over the dimensions that were expanded",
    "ViewBackward0": "reshapes grad back to the input's shape",
    "TBackward0": "transposes grad back",
}


@dataclass
class Question:
    """One gradient the learner predicts. ``step``: index in ``StepperState.steps``; ``key``: which gradient of
    that step ("seed", an input index, or "grad" for a leaf's ``.grad``)."""

    step: int
    key: object
    prompt: str  # "What gradient does MulBackward0 send to w?"
    answer: object  # the recorded gradient (a Tensor)
    reason: str  # one line: the rule and the numbers
    verdict: "Verdict | None" = None  # the graded answer, once there is one

    @property
    def answered(self) -> bool:
        return self.verdict is not None


@dataclass
class Verdict:
    """``right``: True or False; None when the input was not an answer (unreadable, wrong shape): not scored."""

    right: bool | None
    message: str
    value: object = None  # what the learner's input was read as (nested lists of floats)


class Score(NamedTuple):
    right: int
    answered: int
    total: int

    def __str__(self) -> str:
        return f"{self.right} of {self.answered} right"


# ---------------------------------------------------------------------------------------------- questions
def make_questions(graph, steps) -> list[Question]:
    """The questions for a recorded backward pass, in the order the steps run."""
    questions = []
    sends_into: dict = {}  # graph node id -> how many gradients operations sent to it
    for step in steps:
        for _, input_id, grad in step.sent:
            if grad is not None:
                sends_into[input_id] = sends_into.get(input_id, 0) + 1
    for position, step in enumerate(steps):
        if step.kind == "start":
            seed = summarize(step.received[0])
            if step.given:  # backward(gradient=v): v is where it starts, whatever its values
                prompt = f"backward(gradient) starts at {step.name}. Which gradient does it start with?"
                reason = (f"backward starts from the gradient it was given, {seed} (the v of vᵀJ): it starts "
                          f"from ones only when no gradient is given")
            else:
                prompt = f"loss.backward() starts at {step.name}. Which gradient does it start with?"
                reason = (f"the gradient of {step.name} with respect to itself is {seed}: ∂x/∂x = 1 for every "
                          f"element")
            questions.append(Question(position, "seed", prompt, step.received[0], reason))
        elif step.kind == "node":
            op = graph.nodes[step.node_id].get("op", step.node_id) if step.node_id in graph else step.node_id
            targets = [input_id for _, input_id, grad in step.sent if grad is not None]
            for index, input_id, grad in step.sent:
                if grad is None:
                    continue
                target = _target(graph, input_id)
                if targets.count(input_id) > 1:  # t * t: say which of the two arrows
                    target += f" as input {index}"
                questions.append(Question(
                    position, index, f"{step.node_id} received {_joined(step.received)}. "
                                     f"What gradient does it send to {target}?",
                    grad, node_reason(step.node_id, op, index, step.received, grad, step.summed.get(index))))
        elif step.kind == "accumulate":
            if step.before is None and sends_into.get(step.node_id, 0) <= 1:
                continue  # .grad becomes the one gradient that arrived: already asked where it was sent
            leaf = step.leaf_id or "the leaf"
            questions.append(Question(
                position, "grad", f"AccumulateGrad receives {summarize(step.received[0])} for {leaf}. "
                                  f"What is {leaf}.grad afterwards?",
                step.after, accumulate_reason(leaf, step.before, step.received[0], step.after,
                                              sends_into.get(step.node_id, 0))))
    return questions


def _joined(grads) -> str:
    return ", ".join(summarize(g) if g is not None else "None" for g in grads)


def _target(graph, input_id) -> str:
    if input_id is None or input_id not in graph:
        return "its input"
    data = graph.nodes[input_id]
    if data["kind"] == "accumulate":
        return next(iter(graph.predecessors(input_id)))  # the leaf's name
    if data["name"]:
        return data["name"]
    producer = next(iter(graph.predecessors(input_id)), None)
    return f"the output of {producer}" if producer else input_id


def node_reason(node_id, op, index, received, sent, summed=None) -> str:
    """One line: the op's rule, then grad in → grad out with the local factor when it is elementwise.

    ``summed``: ``(the rule's gradient, dims)`` when the input was broadcast; the engine sums that gradient over
    ``dims`` to the input's shape before passing it on, and ``sent`` is the sum."""
    rule = RULES.get(op)
    if isinstance(rule, tuple):
        rule = rule[index] if index < len(rule) else None
    words = f"{node_id} {rule}" if rule else f"{node_id} multiplies grad by ∂(its output)/∂(input {index})"
    computed = sent if summed is None else summed[0]
    grad_in = received[0] if received else None
    if grad_in is None:
        line = f"{words}: {summarize(computed)}"
    elif (factor := _local_factor(grad_in, computed)) is not None:
        line = f"{words}: {summarize(grad_in)} × {factor} = {summarize(computed)}"
    else:
        line = f"{words}: {summarize(grad_in)} → {summarize(computed)}"
    if summed is not None:
        line += (f", which the engine sums over {summed_text(summed[1])} (the input was broadcast) to the input's "
                 f"shape {tuple(sent.shape)}: {summarize(sent)}")
    return line


def summed_text(dims) -> str:
    """"the broadcast dimension 0", "the broadcast dimensions 0 and 1", "... 0, 1 and 2"."""
    if len(dims) == 1:
        return f"the broadcast dimension {dims[0]}"
    return "the broadcast dimensions " + ", ".join(str(d) for d in dims[:-1]) + f" and {dims[-1]}"


def _local_factor(grad_in, sent) -> str | None:
    """sent ÷ grad_in as text, when both have the same shape and grad_in has no zero (else None)."""
    if tuple(grad_in.shape) != tuple(sent.shape):
        return None
    grads, outs = _flat(grad_in.tolist()), _flat(sent.tolist())
    if any(g == 0 for g in grads):
        return None
    ratios = [o / g for o, g in zip(outs, grads)]
    if len(ratios) > 1 and all(math.isclose(r, ratios[0]) for r in ratios):
        ratios = ratios[:1]  # the same factor everywhere: say it once
    if len(ratios) == 1:
        return _numbers_text(ratios)
    return "[" + (_numbers_text(ratios) if len(ratios) <= 4 else _numbers_text(ratios[:3]) + ", …") + "]"


def _numbers_text(values) -> str:
    from ..viz.graph import _number

    return ", ".join(_number(v) for v in values)


def accumulate_reason(leaf, before, grad, after, senders) -> str:
    summed = (f"the engine first summed the {senders} gradients sent to {leaf} (it is used {senders} times), "
              if senders > 1 else "")
    if before is None:
        return f"{summed}AccumulateGrad stores the sum in {leaf}.grad: {summarize(after)}"
    return (f"{summed}AccumulateGrad adds into the .grad already there (gradients accumulate): "
            f"{summarize(before)} + {summarize(grad)} = {summarize(after)}")


# ---------------------------------------------------------------------------------------------- grading
def grade(question: Question, value) -> Verdict:
    """Compare the learner's ``value`` with the question's answer; the question is not changed."""
    try:
        typed = read_prediction(value)
    except ValueError as error:
        return Verdict(None, f"? {error} (not counted: try again)")
    expected = question.answer.tolist()
    want_shape, got_shape = _shape(expected), _shape(typed)
    want, got = _flat(expected), _flat(typed)
    if len(want) != len(got) or (len(want) > 1 and _squeezed(want_shape) != _squeezed(got_shape)):
        shape = tuple(question.answer.shape)
        return Verdict(None, f"? The gradient has the shape of the tensor it belongs to, {shape}: type "
                             f"{len(want)} number{'s' if len(want) != 1 else ''}"
                             f"{' as a nested list' if len(shape) > 1 else ''} (not counted: try again)", typed)
    right = all(math.isclose(g, w, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE) for g, w in zip(got, want))
    if right:
        return Verdict(True, f"✓ Right. {_capital(question.reason)}.", typed)
    said = _numbers_text(got) if len(got) == 1 else "[" + _numbers_text(got) + "]"
    return Verdict(False, f"✗ Not quite: you said {said}, the gradient is {value_text(question.answer)}. "
                          f"{_capital(question.reason)}.", typed)


def value_text(tensor) -> str:
    """``summarize`` plus the shape for a matrix or more, whose values are listed flat."""
    shape = tuple(tensor.shape)
    return summarize(tensor) + (f" (shape {shape})" if len(shape) > 1 else "")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _squeezed(shape) -> tuple:
    return tuple(n for n in shape if n != 1)


def _shape(value) -> tuple:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def _flat(value) -> list:
    if isinstance(value, list):
        return [item for part in value for item in _flat(part)]
    return [float(value)]


_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}


def read_prediction(value) -> object:
    """A float or nested lists of floats from what the learner gave.

    Accepts numbers, lists/tuples, tensors and arrays, and text: ``-12``, ``2 * -6``, ``1/3``, ``[1, 2]``,
    ``[[1, 0], [0, 1]]``, ``tensor([1., 2.])`` (arithmetic on numbers only; ``−`` and ``×`` are read as - and *).
    Raises ValueError with a message for the learner.
    """
    if hasattr(value, "tolist") and not isinstance(value, str):
        return _checked(value.tolist(), value)
    if isinstance(value, (int, float, list, tuple)) and not isinstance(value, bool):
        return _checked(value, value)
    if not isinstance(value, str):
        raise ValueError(f"a prediction is a number or a list of numbers, not a {type(value).__name__}")
    text = value.strip().replace("−", "-").replace("×", "*").replace("·", "*")
    if not text:
        raise ValueError("type a number (e.g. -12 or 1/3) or a list of numbers (e.g. [1, 2])")
    if text.startswith("tensor(") and text.endswith(")"):
        text = text[len("tensor("):-1]
    try:
        tree = ast.parse(text, mode="eval").body
        result = _evaluate(tree)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError):
        raise ValueError(f"could not read {value.strip()!r} as a number or a list of numbers; type e.g. -12, "
                         f"1/3 or [1, 2]") from None
    return _checked(result, value)


def _evaluate(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand)
        if isinstance(operand, list):
            raise ValueError("a sign in front of a list")
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(left, list) or isinstance(right, list):
            raise ValueError("arithmetic on a list")
        return float(_OPERATORS[type(node.op)](left, right))
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_evaluate(item) for item in node.elts]
    raise ValueError("not a number")


def _checked(value, original):
    """Nested lists of floats with a rectangular shape, or a ValueError that says what is wrong."""
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        items = [_checked(item, original) for item in value]
        shapes = {_shape(item) for item in items}
        if len(shapes) > 1:
            raise ValueError(f"the rows of {original!r} have different lengths")
        if not items:
            raise ValueError("an empty list is not a gradient")
        return items
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number
