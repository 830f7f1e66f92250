"""Reference checkers for the lesson exercises: an executable form of ``lessons/EXERCISES.md``.

``make_checks(torch, nn, F)`` returns ``{exercise_id: checker}``; ``checker(answer)`` returns ``(ok, message)`` and
never raises. The code only touches the library through the three modules passed in, so the same checkers run on
PyTorch (``lessons/check_with_torch.py`` does that to validate the solutions) and on minigrad (``import minigrad as
torch``, ``from minigrad import nn``, ``import minigrad.nn.functional as F``): ``minigrad/exercises.py`` can port
or reuse them. ``make_wrong_answers(torch, nn, F)`` returns, per id, the typical wrong answer from EXERCISES.md,
which every checker must reject.

Conventions (see EXERCISES.md, "Checker behaviour"):

* ``answer`` is ``...`` (Ellipsis) or ``None`` -> not answered yet (``ok`` is False, a friendly message);
* a learner function or class that raises ``NotImplementedError`` -> not attempted yet;
* any other exception from learner code -> ``ok`` False, message names the exception;
* checkers never use or reseed the global random generator: all test data are fixed numbers (or come from a
  private ``numpy.random.default_rng``).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

NOT_ANSWERED = "not answered yet: replace the ... with your answer and run the cell again"
NOT_ATTEMPTED = "not attempted yet: replace the NotImplementedError with your code and run the cell again"

Check = Callable[[Any], "tuple[bool, str]"]


class _Fail(Exception):
    """Raised inside a checker to stop with a hint."""


def _is_unanswered(answer) -> bool:
    return answer is ... or answer is None


def _plain(value):
    """Tensors, NumPy arrays and nested sequences -> nested Python lists / floats."""
    if hasattr(value, "detach"):  # a tensor
        value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        value = value.tolist()
    elif isinstance(value, np.ndarray) or isinstance(value, np.generic):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None:
        raise _Fail("got None where a number was expected (is it a .grad before backward() was called?)")
    if isinstance(value, bool):
        raise _Fail("expected a number, got a bool")
    if isinstance(value, (int, float)):
        return float(value)
    raise _Fail(f"expected numbers, got {type(value).__name__}")


def _flat(value) -> list[float]:
    value = _plain(value)
    if not isinstance(value, list):
        return [value]
    out: list[float] = []
    for v in value:
        out.extend(_flat(v) if isinstance(v, list) else [v])
    return out


def _shape(value) -> tuple:
    value = _plain(value)
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def _number(answer) -> float:
    values = _flat(answer)
    if len(values) != 1:
        raise _Fail(f"expected a single number, got {len(values)} numbers")
    return values[0]


def _close(a: float, b: float, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    return math.isfinite(a) and abs(a - b) <= atol + rtol * abs(b)


def _all_close(values, expected, rtol=1e-4, atol=1e-6) -> bool:
    return len(values) == len(expected) and all(_close(a, b, rtol, atol) for a, b in zip(values, expected))


def _names(answer) -> set[str]:
    if isinstance(answer, str):
        raise _Fail('expected a set of names such as {"p", "r"}, got a single string')
    try:
        items = list(answer)
    except TypeError:
        raise _Fail(f'expected a set of names such as {{"p", "r"}}, got {type(answer).__name__}') from None
    if not all(isinstance(item, str) for item in items):
        raise _Fail("the set must contain names as strings, e.g. \"p\", not the tensors themselves")
    return {item.strip().strip("'\"").lower() for item in items}


def _word(answer) -> str:
    if not isinstance(answer, str):
        raise _Fail(f"expected a string, got {type(answer).__name__}")
    word = answer.strip().strip("'\"").strip().lower()
    word = word.removeprefix(".").removesuffix("()")
    return word


def _guard(checker: Callable[[Any], "tuple[bool, str]"], learner_code: bool) -> Check:
    def run(answer):
        if _is_unanswered(answer):
            return False, NOT_ANSWERED
        try:
            return checker(answer)
        except _Fail as fail:
            return False, str(fail)
        except NotImplementedError:
            if learner_code:
                return False, NOT_ATTEMPTED
            return False, "NotImplementedError"
        except Exception as error:  # noqa: BLE001 - learner code may raise anything
            return False, f"your code raised {type(error).__name__}: {error}"

    return run


def make_checks(torch, nn, F) -> dict[str, Check]:  # noqa: C901 - a flat table of small checkers
    checks: dict[str, tuple[Callable, bool]] = {}

    def value(exercise_id):
        def register(fn):
            checks[exercise_id] = (fn, False)
            return fn
        return register

    def function(exercise_id):
        def register(fn):
            checks[exercise_id] = (fn, True)
            return fn
        return register

    def number_check(expected, hints=(), rtol=1e-4, atol=1e-6):
        def check(answer):
            got = _number(answer)
            if _close(got, expected, rtol, atol):
                return True, "correct"
            for wrong, hint in hints:
                if _close(got, wrong, 1e-3, 1e-6):
                    return False, hint
            return False, f"not quite: got {got:g}"
        return check

    def names_check(expected, hints=()):
        def check(answer):
            got = _names(answer)
            if got == expected:
                return True, "correct"
            for wrong, hint in hints:
                if got == wrong:
                    return False, hint
            missing, extra = len(expected - got), len(got - expected)
            return False, f"not quite: {missing} name(s) missing and {extra} name(s) too many"
        return check

    def word_check(expected, choices, hints=()):
        def check(answer):
            got = _word(answer)
            if got not in choices:
                raise _Fail("answer with one of: " + ", ".join(f'"{c}"' for c in choices))
            if got == expected:
                return True, "correct"
            return False, dict(hints).get(got, "not quite")
        return check

    # ---------------------------------------------------------------- 00
    value("00.first_backward")(number_check(
        10.0, [(4.0, "that is g(2) itself; call backward() and look at x.grad"),
               (12.0, "you differentiated only x**3; the -2x term contributes -2")]))
    value("00.finite_difference")(number_check(
        0.75, [(2.5, "that is q(2) itself; divide q(2 + h) - q(2 - h) by 2h")], rtol=0, atol=1e-3))

    # ---------------------------------------------------------------- 01
    value("01.which_require_grad")(names_check(
        {"q", "s", "t"}, [({"q"}, "requires_grad spreads: anything computed from q requires a gradient too")]))
    value("01.which_are_leaves")(names_check(
        {"p", "q", "r"}, [({"p", "q"}, "a tensor that does not require a gradient is always a leaf, even r")]))

    @value("01.make_leaf")
    def _(answer):
        if not hasattr(answer, "requires_grad"):
            raise _Fail(f"expected a tensor, got {type(answer).__name__}")
        if tuple(answer.shape) != (2, 2):
            raise _Fail(f"expected shape (2, 2), got {tuple(answer.shape)}")
        if not answer.dtype.is_floating_point:
            raise _Fail("use a floating-point dtype")
        if _flat(answer) != [0.0] * 4:
            raise _Fail("all four values should be zero")
        if not answer.requires_grad:
            raise _Fail("it must require a gradient")
        if not answer.is_leaf:
            raise _Fail("it requires a gradient but it is not a leaf: create it directly with requires_grad=True")
        return True, "correct"

    # ---------------------------------------------------------------- 02
    @value("02.grad_fn_name")
    def _(answer):
        if not isinstance(answer, str):
            raise _Fail(f"expected a string, got {type(answer).__name__}")
        got = answer.strip().strip("'\"<>")
        if got == "SumBackward0":
            return True, "correct"
        if got == "MulBackward0":
            return False, "that node is one step further in; result is the output of .sum()"
        return False, "not quite: the last operation was .sum(); names look like 'AddBackward0'"

    value("02.count_accumulate")(number_check(
        2.0, [(3.0, "w1 is used twice but a leaf has a single AccumulateGrad node"),
              (4.0, "x needs no gradient, and w1 has a single AccumulateGrad node")]))

    @function("02.walk_graph")
    def _(leaves_of):
        x = torch.tensor(2.0)
        w = torch.tensor(3.0, requires_grad=True)
        b = torch.tensor(1.0, requires_grad=True)
        w1 = torch.tensor(1.0, requires_grad=True)
        w2 = torch.tensor(1.0, requires_grad=True)
        cases = [
            ("a leaf that requires a gradient", lambda: w, [w]),
            ("a tensor that needs no gradient", lambda: x * 2, []),
            ("w * x + b", lambda: w * x + b, [w, b]),
            ("(w1 * x + w2 * x) * w1", lambda: (w1 * x + w2 * x) * w1, [w1, w2]),
        ]
        for label, build, expected in cases:
            result = list(leaves_of(build()))
            if len(result) != len(expected) or {id(t) for t in result} != {id(t) for t in expected}:
                return False, (f"for {label} expected {len(expected)} leaf tensor(s), got {len(result)}"
                               + (" (each leaf only once)" if len(result) > len(expected) else ""))
        return True, "correct"

    # ---------------------------------------------------------------- 03
    value("03.chain_rule")(number_check(
        28.0, [(14.0, "that is dL/dz = 2z; multiply by dz/dw = x"),
               (4.0, "that is dz/dw times 2; do not forget the factor z = 7")]))
    value("03.accumulate")(number_check(
        6.0, [(2.0, "gradients accumulate: each backward call adds dz/dw = 2 to w.grad")]))

    @value("03.two_gradients")
    def _(answer):
        values = _flat(answer)
        if len(values) != 2:
            raise _Fail("expected a pair (a.grad, c.grad)")
        if _all_close(values, [3.0, 8.0]):
            return True, "correct"
        if _close(values[0], 3.0) and _close(values[1], 2.0):
            return False, "c.grad is missing the derivative of c ** 2"
        if _all_close(values, [8.0, 3.0]):
            return False, "the order is (a.grad, c.grad)"
        return False, "not quite"

    # ---------------------------------------------------------------- 04
    @value("04.vjp_predict")
    def _(answer):
        values = _flat(answer)
        if _all_close(values, [6.0, 0.0]):
            return True, "correct"
        if _all_close(values, [6.0, 9.0]):
            return False, "that is the result for v = (1, 1); use v = (2, -1)"
        if _all_close(values, [6.0, -3.0]) or _all_close(values, [5.0, 0.0]):
            return False, "x.grad is v^T J: combine the ROWS of J with weights 2 and -1"
        return False, "not quite: compute 2 * (row 1 of J) - (row 2 of J)"

    @value("04.jacobian_by_hand")
    def _(answer):
        if _shape(answer) != (2, 2):
            raise _Fail("expected a 2x2 nested list [[., .], [., .]]")
        values = _flat(answer)
        if _all_close(values, [2.0, 1.0, 2.0, 12.0]):
            return True, "correct"
        if _all_close(values, [2.0, 2.0, 1.0, 12.0]):
            return False, "that is the transpose: row i holds the derivatives of output g_i"
        return False, "not quite"

    @function("04.my_jacobian")
    def _(my_jacobian):
        cases = [
            (lambda x: torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]]), [2.0, 3.0],
             [[4.0, 3.0], [2.0, 6.0]]),
            (lambda x: x * x.sum(), [1.0, 2.0, 3.0],
             [[7.0, 1.0, 1.0], [2.0, 8.0, 2.0], [3.0, 3.0, 9.0]]),
            (lambda x: torch.stack([x[0] * x[1] * x[2], x.sum()]), [1.0, 2.0, 3.0],
             [[6.0, 3.0, 2.0], [1.0, 1.0, 1.0]]),
        ]
        for f, point, expected in cases:
            x = torch.tensor(point)
            result = my_jacobian(f, x)
            m, n = len(expected), len(point)
            if _shape(result) != (m, n):
                return False, f"expected an {m}x{n} Jacobian (outputs x inputs), got shape {_shape(result)}"
            if not _all_close(_flat(result), [v for row in expected for v in row]):
                if _all_close(_flat(result), [sum(r[j] for r in expected[: i + 1]) for i in range(m)
                                              for j in range(n)]):
                    return False, "the rows add up: reset x.grad between the backward passes"
                return False, f"wrong Jacobian for a function at {point}"
            if x.requires_grad or x.grad is not None:
                return False, "work on a copy: your function changed the input tensor x"
        return True, "correct"

    # ---------------------------------------------------------------- 05
    @value("05.grad_of_intermediate")
    def _(answer):
        values = _flat(answer)
        if _all_close(values, [2.0, 8.0, 18.0]):
            return True, "correct"
        if _all_close(values, [4.0, 32.0, 108.0]):
            return False, "that is dz/dx; ask torch.autograd.grad for the gradient with respect to y"
        return False, "not quite: z = sum(y * y), so dz/dy = 2y"

    @function("05.clip_hook")
    def _(clip_hook):
        grad = torch.tensor([0.5, -4.0, 2.0])
        out = clip_hook(grad)
        if out is None:
            return False, "the hook must return the clipped gradient"
        if _flat(grad) != [0.5, -4.0, 2.0]:
            return False, "your hook changed its argument in place; return a new tensor instead"
        if not _all_close(_flat(out), [0.5, -1.0, 1.0]):
            return False, "the returned gradient should be [0.5, -1.0, 1.0] for an input of [0.5, -4.0, 2.0]"
        a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        m = a * 3
        handle = m.register_hook(clip_hook)
        (m * torch.tensor([0.5, -4.0, 2.0])).sum().backward()
        handle.remove()
        if not _all_close(_flat(a.grad), [1.5, -3.0, 3.0]):
            return False, "registered on a tensor, the hook did not clip the gradient flowing back"
        return True, "correct"

    value("05.hook_calls")(number_check(
        2.0, [(3.0, "handle.remove() unregisters the hook before the last backward call"),
              (4.0, "a tensor hook fires once per backward pass, with the total gradient")]))

    # ---------------------------------------------------------------- 06
    value("06.tracked")(names_check(
        {"q", "s"}, [({"q"}, "s = r * w uses w, which requires a gradient"),
                     ({"q", "s", "t"}, "w.data is outside the graph, so t is not tracked")]))

    @function("06.sgd_step")
    def _(sgd_step):
        p1 = torch.tensor([1.0, 2.0], requires_grad=True)
        p2 = torch.tensor([1.0], requires_grad=True)
        p3 = torch.tensor([5.0], requires_grad=True)  # no gradient: must be left alone
        ((p1 ** 2).sum() + (p2 * 3).sum()).backward()
        try:
            sgd_step([p1, p2, p3], 0.25)
        except RuntimeError as error:
            if "in-place" in str(error) or "inplace" in str(error):
                return False, f"your code raised RuntimeError: {error} Hint: update under torch.no_grad()"
            raise
        if not (_all_close(_flat(p1), [0.5, 1.0]) and _all_close(_flat(p2), [0.25])):
            return False, "the parameters did not change as expected: update them in place (-=) under no_grad"
        if _flat(p3) != [5.0]:
            return False, "a parameter without a gradient (grad is None) must be left unchanged"
        for p in (p1, p2, p3):
            if not (p.is_leaf and p.requires_grad):
                return False, "after the step every parameter must still be a leaf that requires a gradient"
        for p in (p1, p2):
            if p.grad is not None and any(v != 0.0 for v in _flat(p.grad)):
                return False, "reset the gradients after the update"
        return True, "correct"

    value("06.which_raises")(word_check(
        "detach", ("data", "detach"), [("data", "changes made through .data are invisible to autograd")]))

    # ---------------------------------------------------------------- 07
    @function("07.sigmoid_backward")
    def _(cls):
        x = torch.tensor([-2.0, 0.0, 3.0], dtype=torch.float64, requires_grad=True)
        y = cls.apply(x)
        expected = [1.0 / (1.0 + math.exp(2.0)), 0.5, 1.0 / (1.0 + math.exp(-3.0))]
        if not _all_close(_flat(y), expected):
            return False, "forward does not compute 1 / (1 + exp(-x))"
        y.backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
        wanted = [g * s * (1.0 - s) for g, s in zip([1.0, 2.0, 3.0], expected)]
        if x.grad is None or not _all_close(_flat(x.grad), wanted):
            return False, "backward should return grad_output * s * (1 - s), where s is the forward output"
        point = torch.tensor([-1.5, -0.25, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
        if not torch.autograd.gradcheck(cls.apply, (point,), raise_exception=False):
            return False, "gradcheck failed"
        return True, "correct"

    @function("07.mul_backward")
    def _(cls):
        a = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([4.0, -5.0, 6.0], dtype=torch.float64, requires_grad=True)
        out = cls.apply(a, b)
        if not _all_close(_flat(out), [4.0, -10.0, 18.0]):
            return False, "forward should return a * b"
        out.backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
        if a.grad is None or b.grad is None:
            return False, "backward must return two gradients, one for a and one for b"
        if _all_close(_flat(a.grad), [1.0, 4.0, 9.0]) and _all_close(_flat(b.grad), [4.0, -10.0, 18.0]):
            return False, "the gradients are swapped: d(a*b)/da = b"
        if not (_all_close(_flat(a.grad), [4.0, -10.0, 18.0]) and _all_close(_flat(b.grad), [1.0, 4.0, 9.0])):
            return False, "backward should return (grad_output * b, grad_output * a)"
        a2 = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
        b2 = torch.tensor([2.0, 0.25], dtype=torch.float64, requires_grad=True)
        if not torch.autograd.gradcheck(cls.apply, (a2, b2), raise_exception=False):
            return False, "gradcheck failed"
        return True, "correct"

    value("07.relu_at_zero")(number_check(
        0.0, [(1.0, "that is what our MyReLU does; the built-in relu differs"),
              (0.5, "a fair compromise, but not the one torch.relu makes")]))

    # ---------------------------------------------------------------- 08
    @function("08.numpy_gradients")
    def _(numpy_gradients):
        rng = np.random.default_rng(0)
        x = rng.uniform(-1, 1, size=(20, 1))
        y = 3 * x ** 2 + 2 + 0.2 * rng.uniform(size=(20, 1))
        for w0, b0 in [(0.7, -0.3), (3.0, 2.0), (-1.0, 4.0)]:
            got = numpy_gradients(w0, b0, x, y)
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                return False, "return a pair (grad_w, grad_b)"
            w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
            b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
            loss = 0.5 * ((torch.tensor(x) ** 2 * w + b - torch.tensor(y)) ** 2).sum()
            loss.backward()
            if not _close(_number(got[0]), w.grad.item(), 1e-6):
                return False, "grad_w is wrong: the model uses x ** 2, so dL/dw = sum((y_pred - y) * x ** 2)"
            if not _close(_number(got[1]), b.grad.item(), 1e-6):
                return False, "grad_b is wrong: dL/db = sum(y_pred - y)"
        return True, "correct"

    @value("08.largest_stable_lr")
    def _(answer):
        got = _number(answer)
        choices = [0.001, 0.005, 0.01, 0.05]
        if not any(_close(got, c, 1e-9) for c in choices):
            raise _Fail("answer with one of 0.001, 0.005, 0.01, 0.05")
        if _close(got, 0.005, 1e-9):
            return True, "correct"
        if _close(got, 0.001, 1e-9):
            return False, "0.001 converges, but so does a larger one in the list"
        return False, "look at the printed w and b (or the loss) after training with that rate"

    value("08.mse_learning_rate")(number_check(
        0.08, [(0.16, "the mean squared error has no factor 1/2: its gradient is (2/N) * sum(...)"),
               (0.04, "the gradient of the MSE is (2/N) times the half-sum gradient; divide 0.005 by 2/N"),
               (0.005 / 32, "the MSE gradient is smaller, so the learning rate must be larger")]))

    # ---------------------------------------------------------------- 09
    value("09.count_parameters")(number_check(
        61.0, [(55.0, "do not forget the biases: one per output of each Linear layer"),
               (56.0, "both Linear layers have a bias")]))
    value("09.cross_entropy_by_hand")(number_check(
        math.log(1 + math.exp(-1) + math.exp(-2)),
        [(0.6652, "that is the softmax probability of class 2; the loss is minus its logarithm")],
        rtol=0, atol=1e-3))

    @function("09.my_linear")
    def _(cls):
        layer = cls(3, 2)
        if not isinstance(layer, nn.Module):
            return False, "MyLinear must subclass nn.Module"
        params = dict(layer.named_parameters())
        if set(params) != {"weight", "bias"}:
            return False, f"expected parameters named 'weight' and 'bias', found {sorted(params)}"
        if tuple(params["weight"].shape) != (2, 3):
            return False, f"weight must have shape (out_features, in_features) = (2, 3), " \
                          f"not {tuple(params['weight'].shape)}"
        if tuple(params["bias"].shape) != (2,):
            return False, "bias must have shape (out_features,) = (2,)"
        x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
        out = layer(x)
        weight, bias = _plain(params["weight"]), _plain(params["bias"])
        expected = [sum(row[k] * weight[j][k] for k in range(3)) + bias[j] for row in _plain(x) for j in range(2)]
        if _shape(out) != (2, 2) or not _all_close(_flat(out), expected, 1e-4, 1e-5):
            return False, "forward should return x @ weight.T + bias"
        out.sum().backward()
        if params["weight"].grad is None or params["bias"].grad is None:
            return False, "the parameters received no gradient: use nn.Parameter and compute with them"
        return True, "correct"

    # ---------------------------------------------------------------- 10
    value("10.dh_dw")(number_check(
        3.25, [(3.0, "that is the answer for the length-3 input of the lesson"),
               (4.0, "unrolled, h = w^4 + w^3 + w^2 + w + 1")]))

    @value("10.loop_gradient")
    def _(answer):
        values = _flat(answer)
        if _all_close(values, [32.0, 32.0]):
            return True, "correct"
        if _all_close(values, [16.0, 16.0]) or _all_close(values, [64.0, 64.0]):
            return False, "count the doublings again: the norm of (3, 4) is 5, and the loop stops at >= 100"
        return False, "not quite: the result is 2^k * x for k doublings"

    value("10.trace_safe")(word_check(
        "a", ("a", "b"), [("b", "the loop in b is unrolled for the example length when traced")]))

    # ---------------------------------------------------------------- 11
    @function("11.to_numpy")
    def _(to_numpy):
        leaf = torch.tensor([[1.0, 2.0]], requires_grad=True)
        cases = [leaf, leaf * 2, torch.tensor([3, 4])]
        if torch.cuda.is_available():
            cases.append(leaf.to("cuda"))
        for tensor in cases:
            result = to_numpy(tensor)
            if not isinstance(result, np.ndarray):
                return False, f"expected a numpy.ndarray, got {type(result).__name__}"
            if result.tolist() != tensor.detach().cpu().tolist():
                return False, "the values are not those of the tensor"
        return True, "correct"

    value("11.device_type")(word_check(
        "cpu", ("cpu", "cuda"), [("cuda", "without a GPU, torch.cuda.is_available() is False")]))

    return {exercise_id: _guard(fn, learner) for exercise_id, (fn, learner) in checks.items()}


def make_wrong_answers(torch, nn, F) -> dict[str, Any]:
    """The typical wrong answer of every exercise (documented in EXERCISES.md); checkers must reject them."""

    def leaves_one_level(tensor):
        if tensor.grad_fn is None:
            return [tensor] if tensor.requires_grad else []
        return [node.variable for node, _ in tensor.grad_fn.next_functions if hasattr(node, "variable")]

    def jacobian_without_reset(f, x):
        x = x.detach().clone().requires_grad_()
        y = f(x)
        rows = []
        for i in range(y.shape[0]):
            v = torch.zeros(y.shape[0])
            v[i] = 1.0
            y.backward(v, retain_graph=True)
            rows.append(x.grad.clone())  # x.grad is never reset: rows accumulate
        return torch.stack(rows)

    def clip_in_place(grad):
        return grad.clamp_(-1, 1)

    def sgd_without_no_grad(parameters, lr):
        for p in parameters:
            if p.grad is not None:
                p -= lr * p.grad  # raises: in-place change of a leaf that requires grad
                p.grad.zero_()

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

    return {
        "00.first_backward": 4.0,
        "00.finite_difference": 2.5,
        "01.which_require_grad": {"q"},
        "01.which_are_leaves": {"p", "q"},
        "01.make_leaf": torch.zeros(2, 2, requires_grad=True) + 0,
        "02.grad_fn_name": "MulBackward0",
        "02.count_accumulate": 3,
        "02.walk_graph": leaves_one_level,
        "03.chain_rule": 14.0,
        "03.accumulate": 2.0,
        "03.two_gradients": (3.0, 2.0),
        "04.vjp_predict": [[6.0, 9.0]],
        "04.jacobian_by_hand": [[2.0, 2.0], [1.0, 12.0]],
        "04.my_jacobian": jacobian_without_reset,
        "05.grad_of_intermediate": [4.0, 32.0, 108.0],
        "05.clip_hook": clip_in_place,
        "05.hook_calls": 3,
        "06.tracked": {"q"},
        "06.sgd_step": sgd_without_no_grad,
        "06.which_raises": "data",
        "07.sigmoid_backward": SigmoidMissingFactor,
        "07.mul_backward": MulSwapped,
        "07.relu_at_zero": 1.0,
        "08.numpy_gradients": gradients_with_x,
        "08.largest_stable_lr": 0.01,
        "08.mse_learning_rate": 0.16,
        "09.count_parameters": 55,
        "09.cross_entropy_by_hand": 0.6652,
        "09.my_linear": LinearTransposed,
        "10.dh_dw": 3.0,
        "10.loop_gradient": [16.0, 16.0],
        "10.trace_safe": "b",
        "11.to_numpy": lambda tensor: tensor.numpy(),
        "11.device_type": "cuda",
    }
