"""The exercise checkers (minigrad.exercises) against lessons/EXERCISES.md.

Every checker must accept the worked solution in lessons/solutions/, reject the typical wrong answers the
specification lists (with the hint it documents), and report placeholders as "not answered yet". The contract of
check()/check_function() is tested too: one deterministic line, None returned, never an exception, no trace left
in the learner's session (random generators, grad mode, printed output).
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import random
import re
import runpy
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as torch
from minigrad import exercises, nn
from minigrad.exercises import NOT_ANSWERED, NOT_ATTEMPTED, check, check_function, evaluate, exercise_ids

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
IDS = exercise_ids()
CODE_IDS = {exercise_id for exercise_id in IDS if exercises._EXERCISES[exercise_id].is_code}


def printed(function, *args) -> tuple[object, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        returned = function(*args)
    return returned, buffer.getvalue()


# ============================================================================ the solutions pass

@pytest.fixture(scope="module")
def solutions() -> dict:
    answers = {}
    for path in sorted((LESSONS / "solutions").glob("*_solutions.py")):
        with contextlib.redirect_stdout(io.StringIO()):
            answers.update(runpy.run_path(str(path), run_name=path.stem)["SOLUTIONS"])
    return answers


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_passes(exercise_id, solutions):
    assert exercise_id in solutions, f"no entry for {exercise_id} in the SOLUTIONS of lessons/solutions/"
    assert evaluate(exercise_id, solutions[exercise_id]) == (True, "correct")
    returned, output = printed(check, exercise_id, solutions[exercise_id])
    assert returned is None
    assert output == f"\u2705 {exercise_id}: correct\n"


# ============================================================================ typical wrong answers fail

def leaves_one_level(tensor):
    if tensor.grad_fn is None:
        return [tensor] if tensor.requires_grad else []
    return [node.variable for node, _ in tensor.grad_fn.next_functions if hasattr(node, "variable")]


def jacobian_by_rows(f, x, *, reset, passes):
    """The Jacobian row by row with ``passes`` backward calls per row, resetting x.grad first only if ``reset``."""
    x = x.detach().clone().requires_grad_()
    y = f(x)
    rows = []
    for i in range(y.shape[0]):
        v = torch.zeros(y.shape[0])
        v[i] = 1.0
        if reset:
            x.grad = None
        for _ in range(passes):
            y.backward(v, retain_graph=True)
        rows.append(x.grad.clone())
    return torch.stack(rows)


def jacobian_without_reset(f, x):
    return jacobian_by_rows(f, x, reset=False, passes=1)  # the rows accumulate


def jacobian_accumulating_twice(f, x):
    return jacobian_by_rows(f, x, reset=True, passes=2)  # every entry doubled


def clip_in_place(grad):
    return grad.clamp_(-1, 1)


def clip_without_return(grad):
    grad.clamp(-1, 1)


def sgd_without_no_grad(parameters, lr):
    for p in parameters:
        if p.grad is not None:
            p -= lr * p.grad  # raises: an in-place change of a leaf that requires grad
            p.grad.zero_()


def sgd_rebinding(parameters, lr):
    for p in parameters:
        if p.grad is not None:
            p = p - lr * p.grad  # only rebinds the local name


class SigmoidMissingFactor(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * out  # missing (1 - out)


class MulSwapped(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * a, grad_output * b  # swapped


def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def backward_difference(f, x, h):
    return (f(x) - f(x - h)) / h


def central_difference_over_h(f, x, h):
    return (f(x + h) - f(x - h)) / h


def jacobian_of_the_library(f, x):
    return torch.autograd.functional.jacobian(f, x)


class LinearBorrowed(nn.Linear):
    pass


class LinearWrapping(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.inner = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.inner(x)


def gradients_as_means(w, b, x, y):
    residual = w * x ** 2 + b - y
    return (residual * x ** 2).mean(), residual.mean()


def gradients_without_half(w, b, x, y):
    residual = w * x ** 2 + b - y
    return 2 * (residual * x ** 2).sum(), 2 * residual.sum()


def gradients_flipped(w, b, x, y):
    residual = y - (w * x ** 2 + b)
    return (residual * x ** 2).sum(), residual.sum()


def mul_backward_swapped(a, b, out):
    a.grad += a.data * out.grad
    b.grad += b.data * out.grad


def mul_backward_without_chain_rule(a, b, out):
    a.grad += b.data
    b.grad += a.data


def mul_backward_setting(a, b, out):
    a.grad = b.data * out.grad  # overwrites: wrong when a is b
    b.grad = a.data * out.grad


def order_recursive(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for child in node._prev:
                visit(child)
            order.append(node)
    visit(root)
    return order


def order_with_repeats(root):
    order, stack = [], [root]
    while stack:  # every path visits again: shared nodes repeat
        node = stack.pop()
        order.insert(0, node)
        stack.extend(node._prev)
    return order


def order_outputs_first(root):
    return list(reversed(_solution("04.topological_order")(root)))


def _solution(exercise_id):
    path = LESSONS / "solutions" / "04_build_your_own_solutions.py"
    return runpy.run_path(str(path))["SOLUTIONS"][exercise_id]


class ValueThatSets:
    """The lesson's first engine: _backward sets the gradients, so a + a loses one of them."""

    def __init__(self, data, _prev=()):
        self.data, self.grad, self._prev, self._backward = data, 0.0, _prev, lambda: None

    def __add__(self, other):
        out = ValueThatSets(self.data + other.data, (self, other))

        def _backward():
            self.grad = out.grad
            other.grad = out.grad
        out._backward = _backward
        return out

    def backward(self):
        self.grad = 1.0
        self._backward()


def gradients_with_x(w, b, x, y):
    residual = w * x ** 2 + b - y
    return (residual * x).sum(), residual.sum()  # x instead of x ** 2


class LinearTransposed(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return x @ self.weight + self.bias


def hvp_by_hessian(f, x, v):
    return torch.func.hessian(f)(x) @ v


def hvp_by_jacfwd_of_grad(f, x, v):
    return torch.func.jacfwd(torch.func.grad(f))(x) @ v


def hvp_ready_made(f, x, v):
    return torch.autograd.functional.hvp(f, x, v)[1]


def hessian_by_loop(f, x, v):
    """The whole Hessian, one double backward per row: returned instead of H v."""
    x = x.detach().requires_grad_()
    gradient, = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.stack([torch.autograd.grad(gradient[i], x, retain_graph=True)[0] for i in range(x.shape[0])])


def hvp_gradient_only(f, x, v):
    return torch.func.grad(f)(x)


def hvp_twice(f, x, v):
    return 2 * torch.func.jvp(torch.func.grad(f), (x,), (v,))[1]


def hvp_plus_one(f, x, v):
    return torch.func.jvp(torch.func.grad(f), (x,), (v,))[1] + 1


def hvp_in_place(f, x, v):
    x.requires_grad_()  # the learner's own input now tracks gradients
    gradient, = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(gradient, x, grad_outputs=v)[0]


# (exercise id, typical wrong answer, a fragment of the hint it must get); from lessons/EXERCISES.md
WRONG_ANSWERS = [
    ("00.first_backward", 4.0, "that is g(2) itself; call backward() and look at x.grad"),
    ("00.first_backward", 12.0, "the -2x term contributes -2"),
    ("00.first_backward", None, "got None, which is what .grad holds before backward() has run"),
    ("00.first_backward", 20.0, "did backward run twice? gradients accumulate"),
    ("00.first_backward", 30.0, "did backward run three times?"),
    ("00.first_backward", -10.0, "the sign is flipped"),
    ("00.finite_difference", lambda: forward_difference, "that is a forward difference"),
    ("00.finite_difference", lambda: backward_difference, "that is a backward difference"),
    ("00.finite_difference", lambda: central_difference_over_h, "divide by the distance between the two points"),
    ("00.finite_difference", lambda: (lambda f, x, h: 3 * x ** 2), "that is the exact derivative"),
    ("00.finite_difference", lambda: (lambda f, x, h: f(x)), "that is f(x) itself"),
    ("00.finite_difference", lambda: (lambda f, x, h: 0.75), "not the central difference"),
    ("01.which_require_grad", {"q"}, "requires_grad spreads"),
    ("01.which_are_leaves", {"p", "q"}, "always a leaf, even r"),
    ("01.make_leaf", lambda: torch.zeros(2, 2, requires_grad=True) + 0,
     "it requires a gradient but it is not a leaf: create it directly with requires_grad=True"),
    ("02.grad_fn_name", "MulBackward0", "that node is one step further in"),
    ("02.count_accumulate", 3, "w1 is used twice but a leaf has a single AccumulateGrad node"),
    ("02.count_accumulate", 4, "x needs no gradient"),
    ("02.walk_graph", leaves_one_level, "for w * x + b expected 2 leaf tensor(s), got 1"),
    ("03.chain_rule", 14.0, "that is dL/dz = 2z; multiply by dz/dw = x"),
    ("03.chain_rule", 4.0, "do not forget the factor z = 7"),
    ("03.accumulate", 2.0, "gradients accumulate"),
    ("03.two_gradients", (3.0, 2.0), "c.grad is missing the derivative of c ** 2"),
    ("03.two_gradients", (8.0, 3.0), "the order is (a.grad, c.grad)"),
    ("04.mul_backward", mul_backward_swapped, "the gradients are swapped"),
    ("04.mul_backward", mul_backward_without_chain_rule, "multiply by out.grad (the chain rule)"),
    ("04.mul_backward", mul_backward_setting, "the gradients must accumulate, a.grad += ..."),
    ("04.topological_order", order_recursive, "your code raised RecursionError"),
    ("04.topological_order", order_recursive, "keep your own stack (a list)"),
    ("04.topological_order", order_with_repeats, "a node appears more than once"),
    ("04.topological_order", order_outputs_first, "every node must come after its inputs"),
    ("04.accumulate_fix", ValueThatSets, "a + a still gives a.grad = 1"),
    ("05.vjp_predict", [[6.0, 9.0]], "that is the result for v = (1, 1)"),
    ("05.vjp_predict", [6.0, -3.0], "combine the ROWS of J"),
    ("05.vjp_predict", [5.0, -2.0], "that is J v, a Jacobian-vector product"),
    ("05.vjp_predict", [-6.0, 0.0], "the sign is flipped"),
    ("05.jvp_predict", [8.0, 15.0], "that is u^T J, what backward(u) computes"),
    ("05.jvp_predict", [4.0, 2.0], "that is the first column of J alone"),
    ("05.my_jacobian", lambda: torch.autograd.functional.jacobian, "that is the library's own jacobian"),
    ("05.my_jacobian", jacobian_of_the_library, "your function called the library's jacobian"),
    ("05.my_jacobian", jacobian_accumulating_twice, "did backward run twice?"),
    ("05.jacobian_by_hand", [[2.0, 2.0], [1.0, 12.0]], "that is the transpose"),
    ("05.my_jacobian", jacobian_without_reset, "the rows add up: reset x.grad between the backward passes"),
    ("06.grad_of_intermediate", [4.0, 32.0, 108.0], "that is dz/dx"),
    ("06.clip_hook", clip_in_place, "your hook changed its argument in place; return a new tensor instead"),
    ("06.clip_hook", clip_without_return, "the hook must return the clipped gradient"),
    ("06.hook_calls", 3, "handle.remove() unregisters the hook"),
    ("06.hook_calls", 4, "a tensor hook fires once per backward pass"),
    ("06.second_derivative", 20.0, "create_graph=True"),
    ("06.second_derivative", 4.0, "that is g(2) itself"),
    ("06.second_derivative", 48.0, "-3x^2 contributes its own second derivative"),
    ("06.second_derivative", 24.0, "the point is x = 2"),
    ("07.tracked", {"q", "s"}, "model.eval() switches layers such as dropout"),
    ("07.tracked", {"s", "v"}, "q = w * 2 is computed from w"),
    ("07.tracked", {"q", "v"}, "s = r * w uses w"),
    ("07.tracked", {"p", "q", "s", "v"}, "nothing is recorded under torch.no_grad()"),
    ("07.tracked", {"q", "s", "u", "v"}, "torch.inference_mode() records nothing either"),
    ("07.tracked", {"q", "r", "s", "v"}, "detach() returns a tensor outside the graph"),
    ("07.tracked", {"q", "s", "t", "v"}, "w.data is outside the graph"),
    ("07.tracked", {"q", "s", "v", "w"}, "'w' is not one of them"),
    ("07.sgd_step", sgd_without_no_grad,
     "your code raised RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. "
     "Hint: update under torch.no_grad()"),
    ("07.sgd_step", sgd_rebinding, "the parameters did not change as expected"),
    ("07.data_trap", [2.0, 4.0, 6.0], "the change through .data is invisible to autograd"),
    ("07.data_trap", [200.0, 400.0, 600.0], "with a = (10, 20, 30) after the change"),
    ("07.stop_gradient", [3.0, 12.0], "x.detach() counts as a constant"),
    ("07.stop_gradient", [1.0, 4.0], "that is x ** 2 itself"),
    ("07.stop_gradient", [2.0, 4.0], "still multiplied by the constant value"),
    ("07.stop_gradient", [0.0, 0.0], "the gradient still flows through x ** 2"),
    ("08.sigmoid_backward", SigmoidMissingFactor,
     "backward should return grad_output * s * (1 - s), where s is the forward output (x.grad[0] is"),
    ("08.mul_backward", MulSwapped, "the gradients are swapped: d(a*b)/da = b"),
    ("08.relu_at_zero", [0.0, 1.0, 4.0], "MyReLU zeroes only NEGATIVE inputs"),
    ("08.relu_at_zero", [1.0, 4.0, 4.0], "the built-in relu sees x - 1 = 0 exactly"),
    ("08.relu_at_zero", [0.0, 4.0, 4.0], "both kinks are wrong"),
    ("08.relu_at_zero", [1.0, 1.0, 1.0], "the built-in relu branch is multiplied by 3"),
    ("08.forward_not_recorded", 27.0, "autograd never differentiates forward"),
    ("08.forward_not_recorded", 0.0, "apply records one node for the whole function"),
    ("09.numpy_gradients", gradients_with_x, "grad_w is wrong: the model uses x ** 2"),
    ("09.numpy_gradients", gradients_as_means, "you took a mean where this loss is a (half) sum"),
    ("09.numpy_gradients", gradients_without_half, "the loss has a factor 1/2"),
    ("09.numpy_gradients", gradients_flipped, "the residual is y_pred - y"),
    ("09.lr_and_noise", (0.2, 0.99337), "with 0.2 the loss blows up"),
    ("09.lr_and_noise", (0.05, 0.99337), "0.05 converges, but so does a larger one"),
    ("09.lr_and_noise", (0.02, 0.99337), "answer with one of 0.01, 0.05, 0.1, 0.2"),
    ("09.lr_and_noise", 0.1, "answer with a pair (lr, loss)"),
    ("09.lr_and_noise", (0.1, 0.4967), "the loss four times as large"),
    ("09.lr_and_noise", (0.1, 0.248343), "more noise leaves a larger loss"),
    ("09.lr_and_noise", (0.1, 1.0), "exactly 4 times 0.248343"),
    ("09.mse_learning_rate", 0.16, "the mean squared error has no factor 1/2"),
    ("09.mse_learning_rate", 0.04, "(2/N)"),
    ("09.mse_learning_rate", 0.005 / 32, "the learning rate must be larger"),
    ("09.bias_gradient", [1.0, 2.0], "that is the gradient of one row"),
    ("09.bias_gradient", [3.0, 3.0], "sum the column of c over the 5 rows"),
    ("10.count_parameters", 55, "do not forget the biases"),
    ("10.count_parameters", 56, "both Linear layers have a bias"),
    ("10.cross_entropy_by_hand", 0.6652, "that is the softmax probability of class 2"),
    ("10.my_linear", LinearBorrowed, "MyLinear subclasses nn.Linear"),
    ("10.my_linear", LinearWrapping, "MyLinear holds an nn.Linear inside"),
    ("10.my_linear", LinearTransposed, "weight must have shape (out_features, in_features) = (2, 3), not (3, 2)"),
    ("10.loss_choice", dict(house_price=nn.MSELoss, spam=nn.BCEWithLogitsLoss, digit=nn.CrossEntropyLoss,
                            animals_in_photo=nn.CrossEntropyLoss), "a photo can hold several animals at once"),
    ("10.loss_choice", dict(house_price="MSELoss", spam="CrossEntropyLoss", digit="CrossEntropyLoss",
                            animals_in_photo="BCEWithLogitsLoss"), "with ONE output per e-mail"),
    ("10.loss_choice", dict(house_price="nn.MSELoss", spam="nn.BCELoss()", digit="CrossEntropyLoss",
                            animals_in_photo="BCEWithLogitsLoss"), "BCELoss expects probabilities"),
    ("10.loss_choice", dict(house_price=nn.MSELoss(), spam=nn.BCEWithLogitsLoss(), digit=nn.BCEWithLogitsLoss,
                            animals_in_photo=nn.BCEWithLogitsLoss), "a digit is exactly one of ten classes"),
    ("10.loss_choice", dict(house_price=nn.MSELoss), "'spam' is missing"),
    ("10.loss_choice", [nn.MSELoss], "expected the dict of the exercise"),
    ("11.dh_dw", 3.0, "the length-3 input"),
    ("11.dh_dw", 4.0, "h = w^4 + w^3 + w^2 + w + 1"),
    ("11.loop_gradient", [16.0, 16.0], "count the doublings again"),
    ("11.loop_gradient", [64.0, 64.0], "count the doublings again"),
    ("11.trace_safe", 30.0, "that is what b itself returns"),
    ("11.trace_safe", 10.0, "the trace keeps the three recorded steps"),
    ("11.trace_safe", 6.0, "the trace reads the first three elements of the NEW input"),
    ("12.to_numpy", lambda: (lambda tensor: tensor.numpy()), "your code raised RuntimeError: "),
    ("12.gradient_home", [3.0, 4.0], "the loss squares x * w"),
    ("12.gradient_home", [6.0, 16.0], "the factor x is missing"),
    ("13.per_example", [4.0, -14.0], "that is the gradient of the summed loss, the three rows added up"),
    ("13.per_example", [4.0 / 3, -14.0 / 3], "that is the gradient of the mean loss over the batch"),
    ("13.per_example", [[-2.0, 6.0, 0.0], [-4.0, 2.0, -12.0]], "that is the transpose: one ROW per example"),
    ("13.per_example", [-2.0, -4.0, 6.0, 2.0, 0.0, -12.0], "expected a 3x2 nested list [[., .], [., .], [., .]]"),
    ("13.per_example", [[-1.0, -2.0], [3.0, 1.0], [0.0, -6.0]], "the factor 2 is missing"),
    ("13.per_example", [[2.0, 4.0], [-6.0, -2.0], [0.0, 12.0]], "the sign is flipped"),
    ("13.per_example", [[-2.0, -4.0], [6.0, 2.0], [0.0, 12.0]], "not quite: element [2][1] is wrong"),
    ("13.count_passes", [1000, 3], "swapped: jacrev gets one ROW of J per backward pass"),
    ("13.count_passes", [3, 10], "a 10x100 matrix has 1000"),
    ("13.count_passes", [3, 100], "a 10x100 matrix has 1000"),
    ("13.count_passes", [1, 1000], "the gradient of ONE output element: f returns 3"),
    ("13.count_passes", [3000, 3000], "not one entry"),
    ("13.count_passes", [3, 999], "not quite: the number of jvps (jacfwd) is wrong"),
    ("13.hvp", hvp_by_hessian, "your function called the library's hessian, which builds the whole Hessian"),
    ("13.hvp", hvp_by_jacfwd_of_grad, "your function called the library's jacfwd"),
    ("13.hvp", hvp_ready_made, "your function called the library's ready-made hvp"),
    ("13.hvp", hessian_by_loop, "that is a 4x4 matrix, the Hessian itself? H v is a vector shaped like x"),
    ("13.hvp", hvp_gradient_only, "that is the gradient of f itself"),
    ("13.hvp", hvp_twice, "that is twice the right gradient"),
    ("13.hvp", hvp_plus_one, "wrong H v for f(x) = (x[:-1] * x[1:]).sum() at x = [1.0, 2.0, 3.0, 4.0]"),
    ("13.hvp", hvp_in_place, "work on a copy: your function changed the input tensor x"),
]


def materialize(answer):
    """Answers that are tensors are built when the test runs (lambdas with no parameter build them)."""
    if callable(answer) and getattr(answer, "__name__", "") == "<lambda>" and answer.__code__.co_argcount == 0:
        return answer()
    return answer


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG_ANSWERS,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(WRONG_ANSWERS)])
def test_a_typical_wrong_answer_fails_with_its_hint(exercise_id, answer, hint):
    ok, message = evaluate(exercise_id, materialize(answer))
    assert not ok
    assert hint in message
    returned, output = printed(check, exercise_id, materialize(answer))
    assert returned is None
    assert output == f"\u274c {exercise_id}: {message}\n"


def test_every_exercise_has_a_typical_wrong_answer():
    assert {case[0] for case in WRONG_ANSWERS} == set(IDS)


def test_the_first_mismatching_element_is_named_with_expected_and_got():
    ok, message = evaluate("08.sigmoid_backward", SigmoidMissingFactor)
    match = re.search(r"x\.grad\[0\] is (\S+), expected (\S+)\)$", message)
    assert not ok and match
    s = 1 / (1 + np.exp(2.0))  # the forward output at x = -2, the first element
    assert float(match.group(1)) == pytest.approx(s, rel=1e-5)  # what the wrong backward gives: g * s
    assert float(match.group(2)) == pytest.approx(s * (1 - s), rel=1e-5)


# ============================================================================ placeholders and skeletons

@pytest.mark.parametrize("exercise_id", IDS)
def test_placeholders_are_not_answered_yet(exercise_id):
    assert evaluate(exercise_id, ...) == (False, NOT_ANSWERED)
    returned, output = printed(check, exercise_id, ...)
    assert returned is None
    assert output == f"\u23f3 {exercise_id}: {NOT_ANSWERED}\n"


@pytest.mark.parametrize("exercise_id", IDS)
def test_none_is_a_wrong_answer_whose_hint_names_the_cause(exercise_id):
    """None is what a forgotten backward() or a non-leaf's .grad hands the checker: not a placeholder."""
    ok, message = evaluate(exercise_id, None)
    assert not ok
    if exercise_id in CODE_IDS:
        assert message == "expected your function or class itself, got None"
    else:
        assert message == exercises.GOT_NONE and "backward()" in message and "non-leaf" in message


def load_build_module():
    spec = importlib.util.spec_from_file_location("lessons_build", LESSONS / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


CHECK_CALL = re.compile(r"\b(check|check_function)\(\s*\"([0-9]{2}\.[a-z0-9_]+)\"")


def exercise_cells():
    build = load_build_module()
    for path in build.lesson_sources():
        for cell in build.read_lesson(path):
            if cell.kind == "code" and "minigrad.exercises" in cell.source:
                yield path.name, cell.source


def test_every_unanswered_exercise_cell_of_the_lessons_prints_one_waiting_line():
    """Run each exercise cell as the lessons ship it: the stored notebook output is exactly this line."""
    seen = []
    for lesson, source in exercise_cells():
        calls = CHECK_CALL.findall(source)
        assert len(calls) == 1, f"{lesson}: an exercise cell should call one checker: {source}"
        kind, exercise_id = calls[0]
        assert exercise_id.startswith(lesson[:2] + "."), f"{lesson}: {exercise_id} belongs to another lesson"
        namespace = {"__name__": "__main__", "torch": torch, "nn": nn, "F": torch.nn.functional, "np": np}
        _, output = printed(exec, compile(source, lesson, "exec"), namespace)
        waiting = NOT_ATTEMPTED if kind == "check_function" else NOT_ANSWERED
        assert output == f"\u23f3 {exercise_id}: {waiting}\n", lesson
        seen.append(exercise_id)
    assert sorted(seen) == IDS  # every checker is used by a lesson, exactly once


def test_the_ids_match_the_specification_and_the_solutions(solutions):
    documented = re.findall(r"^### `([0-9]{2}\.[a-z0-9_]+)`", (LESSONS / "EXERCISES.md").read_text(), re.M)
    assert sorted(documented) == IDS
    assert sorted(solutions) == IDS


def test_a_skeleton_that_is_half_written_is_still_not_attempted():
    class ForwardOnly(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 1 / (1 + torch.exp(-x))

        @staticmethod
        def backward(ctx, grad_output):
            raise NotImplementedError("your code here")

    assert evaluate("08.sigmoid_backward", ForwardOnly) == (False, NOT_ATTEMPTED)
    _, output = printed(check_function, "08.sigmoid_backward", ForwardOnly)
    assert output == f"\u23f3 08.sigmoid_backward: {NOT_ATTEMPTED}\n"


def test_a_placeholder_left_inside_a_tuple_is_not_answered_yet():
    assert evaluate("03.two_gradients", (3.0, ...)) == (False, NOT_ANSWERED)
    assert evaluate("01.which_are_leaves", {"p", ...}) == (False, NOT_ANSWERED)


# ============================================================================ accepted answer forms

@pytest.mark.parametrize("answer", [
    10, 10.0, np.float64(10.0), np.array(10.0), [10.0], (10,),
    lambda: torch.tensor(10.0), lambda: torch.tensor([10.0], requires_grad=True) * 1, lambda: torch.tensor([[10]]),
])
def test_a_number_can_be_given_in_any_form(answer):
    assert evaluate("00.first_backward", materialize(answer)) == (True, "correct")


def test_numbers_are_compared_with_the_documented_tolerance():
    assert evaluate("00.first_backward", 10.0009)[0]  # rtol 1e-4
    assert not evaluate("00.first_backward", 10.002)[0]
    assert evaluate("10.cross_entropy_by_hand", 0.4084)[0]  # atol 1e-3, rtol 0
    assert not evaluate("10.cross_entropy_by_hand", 0.4101)[0]
    assert not evaluate("00.first_backward", float("nan"))[0]
    assert not evaluate("00.first_backward", float("inf"))[0]


def test_a_number_answer_that_is_not_one_number_is_named():
    assert evaluate("00.first_backward", True) == (False, "expected a number, got a bool")
    assert evaluate("00.first_backward", [10.0, 1.0]) == (False, "expected a single number, got 2 numbers")
    assert evaluate("00.first_backward", "10") == (False, "expected numbers, got str")
    assert not evaluate("00.first_backward", 13.0)[0]
    assert evaluate("00.first_backward", 13.0)[1] == "not quite: got 13"


def test_a_grad_read_before_backward_is_pointed_out():
    c = torch.tensor(3.0, requires_grad=True)
    ok, message = evaluate("03.two_gradients", (c.grad, c.grad))
    assert not ok and message == exercises.GOT_NONE


def test_a_wrong_vector_names_its_wrong_element_without_giving_the_answer_away():
    assert evaluate("03.two_gradients", (3.0, 7.0)) == (False, "not quite: c.grad is wrong")
    ok, message = evaluate("05.jacobian_by_hand", [[2.0, 1.0], [3.0, 12.0]])
    assert not ok and message.startswith("not quite: element [1][0] is wrong")
    assert evaluate("05.jacobian_by_hand", [2.0, 1.0, 2.0, 12.0])[1].startswith("expected a 2x2 nested list")
    assert evaluate("05.vjp_predict", torch.tensor([[6.0, 0.0]])) == (True, "correct")  # shape not checked
    assert evaluate("05.vjp_predict", [6.0, 0.0, 0.0]) == (False, "expected 2 numbers, got 3")


def test_names_are_compared_as_a_set_of_words():
    for answer in ({"q", "s", "t"}, ["t", "s", "q"], ("Q", " s ", "'t'"), frozenset("qst")):
        assert evaluate("01.which_require_grad", answer) == (True, "correct")
    assert evaluate("01.which_require_grad", "qst")[1].startswith("expected a set of names")
    assert evaluate("01.which_require_grad", [torch.ones(1)])[1].startswith("the set must contain names")
    assert evaluate("01.which_require_grad", {"q", "s"}) == (
        False, "not quite: 1 name(s) missing and 0 name(s) too many")


def test_the_grad_fn_name_does_not_give_itself_away():
    result = (torch.ones(3, requires_grad=True) * 2).sum()
    assert evaluate("02.grad_fn_name", " <SumBackward0> ") == (True, "correct")
    ok, message = evaluate("02.grad_fn_name", result.grad_fn)
    assert not ok and "SumBackward0" not in message and "the node itself" in message


def test_make_leaf_checks_each_property_in_turn():
    assert evaluate("01.make_leaf", [[0.0, 0.0], [0.0, 0.0]]) == (False, "expected a tensor, got list")
    assert evaluate("01.make_leaf", torch.zeros(3, requires_grad=True))[1] == "expected shape (2, 2), got (3,)"
    assert evaluate("01.make_leaf", torch.zeros(2, 2, dtype=torch.int64))[1].startswith("use a floating-point")
    assert evaluate("01.make_leaf", torch.ones(2, 2, requires_grad=True))[1] == "all four values should be zero"
    assert evaluate("01.make_leaf", torch.zeros(2, 2))[1] == "it must require a gradient"
    assert evaluate("01.make_leaf", torch.zeros(2, 2).requires_grad_()) == (True, "correct")


# ============================================================================ code exercises: other mistakes

def test_code_that_raises_is_reported_on_one_line_with_its_error():
    def broken(tensor):
        raise ValueError("first line\nsecond line")

    assert evaluate("02.walk_graph", broken) == (False, "your code raised ValueError: first line")
    _, output = printed(check_function, "02.walk_graph", broken)
    assert output == "\u274c 02.walk_graph: your code raised ValueError: first line\n"


def test_memory_addresses_never_reach_the_message():
    def broken(tensor):
        raise TypeError(f"cannot use {object()!r}")

    ok, message = evaluate("02.walk_graph", broken)
    assert not ok and message.startswith("your code raised TypeError: cannot use <object object at 0x...")
    assert re.search(r"0x[0-9a-f]{4,}", message) is None
    assert evaluate("02.walk_graph", broken) == (ok, message)  # deterministic


def test_something_that_is_not_code_is_named():
    assert evaluate("02.walk_graph", 3) == (False, "expected your function or class itself, got int")
    assert evaluate("08.sigmoid_backward", lambda x: x)[1].startswith("expected your class MySigmoid itself")

    class NotAModule:
        def __init__(self, in_features, out_features):
            pass

    assert evaluate("10.my_linear", NotAModule) == (False, "MyLinear must subclass nn.Module")


def test_a_leaves_function_returning_other_tensors_is_rejected():
    ok, message = evaluate("02.walk_graph", lambda tensor: [tensor.detach()])
    assert not ok and "tensors that are not its leaves" in message
    ok, message = evaluate("02.walk_graph", lambda tensor: leaves_one_level(tensor) * 2)
    assert not ok and "(each leaf only once)" in message


def test_a_jacobian_that_changes_its_input_is_rejected(solutions):
    def jacobian_in_place(f, x):
        return solutions["05.my_jacobian"](f, x.requires_grad_())

    assert evaluate("05.my_jacobian", jacobian_in_place)[1].startswith("work on a copy")


def test_a_wrong_jacobian_names_the_first_wrong_entry(solutions):
    def plus_one(f, x):
        return solutions["05.my_jacobian"](f, x) + 1

    ok, message = evaluate("05.my_jacobian", plus_one)
    assert not ok
    assert message.startswith("wrong Jacobian for f(x) = stack([x[0]**2 + 3*x[1], x[1]**2 + 2*x[0]]) at x = [2.0, "
                              "3.0] (J[0][0] is 5, expected 4)")


class SigmoidRightOnlyForThreeElements(torch.autograd.Function):
    """Passes the direct backward test (3 elements) but not gradcheck (4 elements): only gradcheck can tell."""

    @staticmethod
    def forward(ctx, x):
        out = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * out * (1 - out) if out.numel() == 3 else grad_output * out


class MulRightOnlyForThreeElements(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a * (1 if a.numel() == 3 else 2)


def test_gradcheck_failures_name_the_first_jacobian_entry_with_both_values():
    ok, message = evaluate("08.sigmoid_backward", SigmoidRightOnlyForThreeElements)
    match = re.fullmatch(r"gradcheck against finite differences failed: d output\[0\] / d input\[0\]: "
                         r"your backward gives (\S+), finite differences give (\S+)", message)
    assert not ok and match, message
    s = 1 / (1 + np.exp(1.5))  # the first gradcheck point is -1.5
    assert float(match.group(1)) == pytest.approx(s, rel=1e-5)
    assert float(match.group(2)) == pytest.approx(s * (1 - s), rel=1e-4)

    ok, message = evaluate("08.mul_backward", MulRightOnlyForThreeElements)
    assert not ok and message.startswith("gradcheck against finite differences failed: d output[0] / d input[0] "
                                         "(input 1): your backward gives 1, finite differences give 0.5")


def test_sgd_step_must_leave_parameters_without_gradient_alone_and_zero_the_others():
    def step_everything(parameters, lr):
        with torch.no_grad():
            for p in parameters:
                p -= lr * (p.grad if p.grad is not None else torch.ones_like(p))
                if p.grad is not None:
                    p.grad.zero_()

    def step_without_zeroing(parameters, lr):
        with torch.no_grad():
            for p in parameters:
                if p.grad is not None:
                    p -= lr * p.grad

    assert evaluate("07.sgd_step", step_everything)[1].startswith("a parameter without a gradient")
    assert evaluate("07.sgd_step", step_without_zeroing)[1].startswith("reset the gradients")


def test_numpy_gradients_reports_grad_b_and_the_values():
    def wrong_b(w, b, x, y):
        residual = w * x ** 2 + b - y
        return np.sum(residual * x ** 2), 2 * np.sum(residual)

    ok, message = evaluate("09.numpy_gradients", wrong_b)
    assert not ok and message.startswith("grad_b is wrong: dL/db = sum(y_pred - y) (at w = 0.7, b = -0.3 got")
    assert evaluate("09.numpy_gradients", lambda w, b, x, y: 1.0) == (False, "return a pair (grad_w, grad_b)")


# ============================================================================ the contract of check()

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exercise_id=st.sampled_from(IDS), answer=st.one_of(
    st.none(), st.just(...), st.booleans(), st.integers(min_value=-10 ** 400, max_value=10 ** 400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.lists(st.floats(-100, 100), max_size=4), st.lists(st.lists(st.integers(-5, 5), max_size=3), max_size=3),
    st.sets(st.sampled_from(["p", "q", "r", "s", "t", "w"])), st.just(object()),
    st.sampled_from([lambda *args: 1 / 0, lambda *args: None, lambda *args: [], lambda *args: (1.0, "x"),
                     lambda *args: args, type("Empty", (), {})]),
))
def test_check_never_raises_prints_one_line_and_returns_none(exercise_id, answer):
    returned, output = printed(check, exercise_id, answer)
    assert returned is None
    assert output.endswith("\n") and output.count("\n") == 1
    assert re.match(rf"^(\u2705|\u274c|\u23f3) {re.escape(exercise_id)}: \S", output)
    assert printed(check_function, exercise_id, answer)[1] == output  # the same machine, and deterministic


def test_an_unknown_id_is_named_without_raising():
    assert evaluate("99.nothing", 1.0) == (False, "unknown exercise id")
    assert printed(check, "99.nothing", 1.0)[1] == "\u274c 99.nothing: unknown exercise id\n"
    assert printed(check, 42, 1.0)[1] == "\u274c 42: unknown exercise id\n"


def test_what_the_learners_code_prints_or_warns_is_swallowed(capfd):
    def noisy_hook(grad):
        print("debugging", grad)
        warnings.warn("a warning from the learner")
        return grad.clamp(-1, 1)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_function("06.clip_hook", noisy_hook)
    assert caught == []
    captured = capfd.readouterr()
    assert captured.out == "\u2705 06.clip_hook: correct\n"
    assert captured.err == ""


def test_the_global_random_generators_are_left_as_they_were(solutions):
    def draws():
        return torch.rand(3).tolist(), np.random.random(), random.random()

    def consuming_gradients(w, b, x, y):
        torch.randn(5), np.random.random(7), random.random()  # the learner's code may draw numbers
        return solutions["09.numpy_gradients"](w, b, x, y)

    torch.manual_seed(7)
    np.random.seed(7)
    random.seed(7)
    expected = draws()
    torch.manual_seed(7)
    np.random.seed(7)
    random.seed(7)
    for exercise_id, answer in [("10.my_linear", solutions["10.my_linear"]),  # its __init__ calls torch.rand
                                ("10.my_linear", LinearTransposed),
                                ("09.numpy_gradients", consuming_gradients)]:
        printed(check, exercise_id, answer)
    assert draws() == expected


def test_grad_mode_is_on_during_the_check_and_restored_after(solutions):
    with torch.no_grad():
        assert printed(check_function, "08.sigmoid_backward", solutions["08.sigmoid_backward"])[1].startswith(
            "\u2705")
        assert not torch.is_grad_enabled()

    def switches_grad_off(parameters, lr):
        torch.set_grad_enabled(False)
        solutions["07.sgd_step"](parameters, lr)

    assert evaluate("07.sgd_step", switches_grad_off) == (True, "correct")
    assert torch.is_grad_enabled()


def test_exercise_ids_and_the_registry_agree():
    assert IDS == sorted(exercises._EXERCISES)
    assert all(re.fullmatch(r"[0-9]{2}\.[a-z0-9_]+", exercise_id) for exercise_id in IDS)


def test_import_stays_light():
    """import minigrad does not load the checkers; the checkers load no plotting or widget library."""
    code = ("import sys, minigrad; assert 'minigrad.exercises' not in sys.modules; "
            "from minigrad.exercises import check; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'networkx', 'torch') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_hessian_vector_product_by_double_backward_passes_too():
    """13.hvp accepts both ways the lesson shows: jvp of grad (the SOLUTIONS entry) and a double backward."""
    path = LESSONS / "solutions" / "13_jacobians_at_scale_solutions.py"
    with contextlib.redirect_stdout(io.StringIO()):
        double_backward = runpy.run_path(str(path))["hvp_double_backward"]
    assert evaluate("13.hvp", double_backward) == (True, "correct")

