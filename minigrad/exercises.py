"""Exercises that check themselves.

Every lesson ends with exercises whose cells call a checker::

    from minigrad.exercises import check, check_function

    check("03.chain_rule", answer)                     # a value: number, tensor, list, set of names, word
    check_function("08.sigmoid_backward", MySigmoid)   # code: a function or a class the learner wrote

A checker prints exactly one line and returns ``None``::

    ✅ 03.chain_rule: correct
    ❌ 03.chain_rule: that is dL/dz = 2z; multiply by dz/dw = x
    ⏳ 03.chain_rule: not answered yet: replace the ... with your answer and run the cell again

The contract (``lessons/EXERCISES.md`` is the specification, with every exercise id):

* it never raises: a cell that raised would stop the notebook;
* it prints nothing else: whatever the learner's code prints or warns while it is being checked is swallowed;
* its message is deterministic (no addresses, paths, timings or random numbers), so lessons are stored with their
  output and compared by nbval;
* it leaves no trace in the learner's session: minigrad's, NumPy's and Python's global random generators are
  restored afterwards, and gradient mode is on while the checker runs and as it was once it returns.

Each checker is one small function ``checker(answer, torch)`` that returns when the answer is right and raises
``Wrong(hint)`` when it is not. The library arrives as the parameter ``torch`` (minigrad, unless
``evaluate(..., library=torch)`` asks for another), so the checkers read like the lessons and the very same code
validates the lesson solutions under real PyTorch (``lessons/check_with_torch.py``).
"""
from __future__ import annotations

import contextlib
import copy
import io
import math
import random
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

import minigrad

__all__ = ["check", "check_function", "evaluate", "exercise_ids"]

CORRECT = "correct"
NOT_ANSWERED = "not answered yet: replace the ... with your answer and run the cell again"
NOT_ATTEMPTED = "not attempted yet: replace the NotImplementedError with your code and run the cell again"
# None is what a .grad holds before backward() has run, and what the .grad of a non-leaf tensor holds: the two
# commonest reasons a learner hands the checker None.
GOT_NONE = ("got None, which is what .grad holds before backward() has run, and what the .grad of a non-leaf "
            "(computed) tensor holds: call backward() first, and read .grad on a leaf (or call .retain_grad() on "
            "the intermediate tensor before backward())")
UNKNOWN_ID = "unknown exercise id"

_MARKS = {"correct": "\u2705", "wrong": "\u274c", "waiting": "\u23f3"}

# Default tolerance for numbers: |got - expected| <= ATOL + RTOL * |expected|.
RTOL, ATOL = 1e-4, 1e-6
# A wrong answer gets its specific hint when it is this close to the documented wrong value.
HINT_RTOL = 1e-3


# ============================================================================================ public API

def check(exercise_id: str, answer: Any) -> None:
    """Print, in one line, whether ``answer`` (a number, tensor, list, set of names or word) is right."""
    print(_verdict_line(exercise_id, answer))


def check_function(exercise_id: str, function: Any) -> None:
    """Print, in one line, whether ``function`` (a function or class the learner wrote) does what it should."""
    print(_verdict_line(exercise_id, function))


def evaluate(exercise_id: str, answer: Any, *, library: Any = None) -> tuple[bool, str]:
    """``(ok, message)`` for an answer, printing nothing.

    ``library`` is the module the checker builds its tensors with: minigrad by default; ``torch`` validates
    answers computed with PyTorch.
    """
    status, message = _judge(exercise_id, answer, minigrad if library is None else library)
    return status == "correct", message


def exercise_ids() -> list[str]:
    """Every exercise id, sorted (``"00.first_backward"``, ...)."""
    return sorted(_EXERCISES)


# ============================================================================================ the machine

class Wrong(Exception):
    """Raised by a checker to reject an answer; its message is the hint the learner reads."""


class _NotAnswered(Exception):
    """The answer still holds the placeholder ``...``."""


@dataclass(frozen=True)
class _Exercise:
    checker: Callable[[Any, Any], None]  # checker(answer, torch): returns if right, raises Wrong if not
    is_code: bool  # the answer is code the learner wrote (a NotImplementedError means "not attempted")
    error_hint: Optional[Callable[[Exception], Optional[str]]] = None  # a hint for an error the code raised


_EXERCISES: dict[str, _Exercise] = {}


def _value_exercise(exercise_id: str):
    """Register ``checker(answer, torch)`` for an exercise whose answer is a value."""
    def register(checker):
        _EXERCISES[exercise_id] = _Exercise(checker, is_code=False)
        return checker
    return register


def _code_exercise(exercise_id: str, error_hint=None):
    """Register ``checker(code, torch)`` for an exercise whose answer is a function or a class."""
    def register(checker):
        def checker_of_callables(code, torch):
            if not callable(code):
                raise Wrong(f"expected your function or class itself, got {type(code).__name__}")
            checker(code, torch)
        _EXERCISES[exercise_id] = _Exercise(checker_of_callables, is_code=True, error_hint=error_hint)
        return checker
    return register


def _verdict_line(exercise_id, answer) -> str:
    status, message = _judge(exercise_id, answer, minigrad)
    return f"{_MARKS[status]} {_one_line(str(exercise_id))}: {_one_line(message)}"


def _judge(exercise_id, answer, torch) -> tuple[str, str]:
    """``(status, message)``; status is "correct", "wrong" or "waiting" (not answered or not attempted)."""
    exercise = _EXERCISES.get(exercise_id) if isinstance(exercise_id, str) else None
    if exercise is None:
        return "wrong", UNKNOWN_ID
    if answer is ...:
        return "waiting", NOT_ANSWERED
    if answer is None:
        return "wrong", ("expected your function or class itself, got None" if exercise.is_code else GOT_NONE)
    try:
        with _sandbox(torch):
            exercise.checker(answer, torch)
    except Wrong as wrong:
        return "wrong", str(wrong)
    except _NotAnswered:
        return "waiting", NOT_ANSWERED
    except Exception as error:  # noqa: BLE001 - whatever the learner's code raises becomes a verdict
        if not exercise.is_code:
            return "wrong", f"could not read your answer: {_describe(error)}"
        if isinstance(error, NotImplementedError):
            return "waiting", NOT_ATTEMPTED
        message = f"your code raised {_describe(error)}"
        hint = exercise.error_hint(error) if exercise.error_hint else None
        return "wrong", f"{message} Hint: {hint}" if hint else message
    return "correct", CORRECT


@contextlib.contextmanager
def _sandbox(torch):
    """Run a checker (and the learner's code in it) without leaving a trace the notebook would notice."""
    restore_random_state = _save_random_state(torch)
    swallowed = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(swallowed), \
                contextlib.redirect_stderr(swallowed), torch.enable_grad():
            warnings.simplefilter("ignore")
            yield
    finally:
        restore_random_state()


def _save_random_state(torch) -> Callable[[], None]:
    """Snapshot the global random generators; the returned function puts them back."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    if torch is minigrad:
        from .backend.random import GENERATOR

        saved = copy.deepcopy(vars(GENERATOR))

        def restore_library():
            vars(GENERATOR).clear()
            vars(GENERATOR).update(saved)
    else:  # PyTorch
        library_state = torch.get_rng_state()

        def restore_library():
            torch.set_rng_state(library_state)

    def restore():
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        restore_library()
    return restore


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


def _describe(error: Exception) -> str:
    """``Type: first line of the message``, stable across runs (addresses masked) and short."""
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break the checker
        text = ""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first_line = _ADDRESS.sub("0x...", first_line)
    if len(first_line) > 200:
        first_line = first_line[:197] + "..."
    name = type(error).__name__
    return f"{name}: {first_line}" if first_line else name


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ============================================================================================ reading answers

def _is_tensor(value) -> bool:
    # duck-typed, so that the checkers also read PyTorch's tensors
    return all(hasattr(value, name) for name in ("detach", "requires_grad", "tolist"))


def _plain(value):
    """A number, tensor, NumPy array or nested list/tuple as nested Python lists of floats."""
    if value is ...:
        raise _NotAnswered
    if _is_tensor(value):
        value = value.detach().cpu().tolist()
    elif isinstance(value, (np.ndarray, np.generic)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None:
        raise Wrong(GOT_NONE)
    if isinstance(value, bool):
        raise Wrong("expected a number, got a bool")
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            raise Wrong("that number is far too large") from None
    raise Wrong(f"expected numbers, got {type(value).__name__}")


def _flatten(plain) -> list[float]:
    if not isinstance(plain, list):
        return [plain]
    return [number for item in plain for number in _flatten(item)]


def _shape(plain) -> tuple:
    shape = []
    while isinstance(plain, list):
        shape.append(len(plain))
        plain = plain[0] if plain else None
    return tuple(shape)


def _number(answer) -> float:
    numbers = _flatten(_plain(answer))
    if len(numbers) != 1:
        raise Wrong(f"expected a single number, got {len(numbers)} numbers")
    return numbers[0]


def _names(answer) -> set[str]:
    """A collection of names, each stripped of spaces and quotes and lower-cased."""
    if isinstance(answer, str):
        raise Wrong('expected a set of names such as {"p", "r"}, got a single string')
    try:
        items = list(answer)
    except TypeError:
        raise Wrong(f'expected a set of names such as {{"p", "r"}}, got {type(answer).__name__}') from None
    if any(item is ... for item in items):
        raise _NotAnswered
    if not all(isinstance(item, str) for item in items):
        raise Wrong('the set must contain names as strings, e.g. "p", not the tensors themselves')
    return {item.strip().strip("'\"").strip().lower() for item in items}


# ============================================================================================ comparing

def _close(got: float, expected: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return math.isfinite(got) and abs(got - expected) <= atol + rtol * abs(expected)


def _first_mismatch(got: list[float], expected: list[float], rtol=RTOL, atol=ATOL) -> Optional[int]:
    """Index of the first element that differs (None when all agree); the lists have equal length."""
    return next((i for i, (g, e) in enumerate(zip(got, expected)) if not _close(g, e, rtol, atol)), None)


def _all_close(got: list[float], expected: list[float], rtol=RTOL, atol=ATOL) -> bool:
    return len(got) == len(expected) and _first_mismatch(got, expected, rtol, atol) is None


def _index_text(flat_index: int, shape: tuple) -> str:
    """``[1][0]`` for flat index 2 of shape (2, 2); ``[2]`` when the shape does not say more."""
    if not shape or math.prod(shape) <= flat_index:
        return f"[{flat_index}]" if shape else ""
    return "".join(f"[{int(i)}]" for i in np.unravel_index(flat_index, shape))


def _fmt(number: float) -> str:
    return f"{number:.6g}"


def _expect(what: str, got, expected, hint: str, *, rtol=RTOL, atol=ATOL, slips=False) -> None:
    """A result of the learner's code must equal ``expected`` (a nested list); Wrong names the first bad element.

    The message is ``hint (what[i] is got, expected value)``; with ``slips`` (for gradients), a result that is the
    right one doubled, sign-flipped or transposed gets the hint of ``_slip_hint`` instead of ``hint``.
    """
    plain = _plain(got)
    got_shape, expected_shape = _shape(plain), _shape(expected)
    if got_shape != expected_shape:
        raise Wrong(f"{hint} ({what} has shape {got_shape}, expected {expected_shape})")
    got_numbers, expected_numbers = _flatten(plain), _flatten(expected)
    index = _first_mismatch(got_numbers, expected_numbers, rtol, atol)
    if index is not None:
        hint = (_slip_hint(got_numbers, expected_numbers, expected_shape) if slips else None) or hint
        raise Wrong(f"{hint} ({what}{_index_text(index, got_shape)} is {_fmt(got_numbers[index])}, "
                    f"expected {_fmt(expected_numbers[index])})")


_GRADCHECK_ENTRY = re.compile(r"(d output\[[^\]]*\] / d input\[[^\]]*\]): analytical (\S+), numerical (\S+)")
_GRADCHECK_INPUT = re.compile(r"with respect to input (\d+)")


def _gradcheck(torch, function, inputs) -> None:
    """``torch.autograd.gradcheck``; on a mismatch, Wrong names the first Jacobian entry that differs."""
    try:
        torch.autograd.gradcheck(function, inputs)
    except Exception as error:  # noqa: BLE001
        if type(error).__name__ != "GradcheckError":
            raise  # the learner's code failed: reported as such
        text = str(error)
        entry, which_input = _GRADCHECK_ENTRY.search(text), _GRADCHECK_INPUT.search(text)
        detail = next((line.strip() for line in text.splitlines() if line.strip()), "").rstrip(",")
        if entry:
            where = f" (input {which_input.group(1)})" if which_input and len(inputs) > 1 else ""
            detail = (f"{entry.group(1)}{where}: your backward gives {entry.group(2)}, "
                      f"finite differences give {entry.group(3)}")
        raise Wrong(f"gradcheck against finite differences failed: {detail}") from None


def _transposed(numbers: list[float], shape: tuple) -> Optional[list[float]]:
    if len(shape) != 2:
        return None
    rows, columns = shape
    return [numbers[r * columns + c] for c in range(columns) for r in range(rows)]


def _slip_hint(got: list[float], expected: list[float], shape: tuple = (), batch: Optional[int] = None
               ) -> Optional[str]:
    """A hint when a gradient is the right one scaled, sign-flipped or transposed: the commonest slips.

    ``batch`` is the batch size where the exercise has one: a factor of it means a mean where the loss sums (or
    the reverse).
    """
    if len(got) != len(expected) or not any(expected):
        return None
    transposed = _transposed(expected, shape)
    if transposed is not None and transposed != expected and _all_close(got, transposed, HINT_RTOL, ATOL):
        return "that is the transpose: row i holds the derivatives of output i, one column per input"
    slips = [(2.0, "that is twice the right gradient: did backward run twice? gradients accumulate in .grad, so "
                   "reset them (x.grad = None or zero_()) before the next backward()"),
             (3.0, "that is three times the right gradient: did backward run three times? gradients accumulate "
                   "in .grad, so reset them (x.grad = None or zero_()) before the next backward()"),
             (-1.0, "the sign is flipped: check each minus sign (the derivative of -x is -1, and of a - b with "
                    "respect to b is -1)")]
    if batch:
        slips += [(1.0 / batch, f"that is 1/{batch} of the right value, {batch} being the batch size: you took a "
                                "mean where the loss is a sum"),
                  (float(batch), f"that is {batch} times the right value, {batch} being the batch size: you took "
                                 "a sum where the loss is a mean")]
    for factor, hint in slips:
        if _all_close(got, [factor * e for e in expected], HINT_RTOL, ATOL):
            return hint
    return None


# A library function found in these files is a shortcut when an exercise asks for the same thing by hand: the
# Jacobian transforms of minigrad and PyTorch (torch.autograd.functional, torch.func).
_JACOBIAN_LIBRARY = ("/autograd/functional.py", "/minigrad/func.py", "/_functorch/", "/torch/func/")


@contextlib.contextmanager
def _calls_into(files):
    """Collect the names of the Python functions called, while the block runs, from code in one of ``files``."""
    seen: list[str] = []
    previous = sys.getprofile()

    def profile(frame, event, arg):
        if event == "call":
            filename = frame.f_code.co_filename.replace("\\", "/")
            if any(part in filename for part in files):
                seen.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


# ============================================================================================ kinds of exercise

def _hint_for(got, hints, matches) -> Optional[str]:
    return next((hint for wrong, hint in hints if matches(got, wrong)), None)


def _number_exercise(exercise_id, expected, hints=(), *, rtol=RTOL, atol=ATOL, slips=True, batch=None):
    """One number; ``hints`` pairs documented wrong values with their hint.

    With ``slips`` (for a gradient), an answer that is the right one doubled, tripled, sign-flipped or off by the
    ``batch`` size gets the hint of ``_slip_hint``.
    """
    def checker(answer, torch):
        got = _number(answer)
        if _close(got, expected, rtol, atol):
            return
        hint = _hint_for(got, hints, lambda g, wrong: _close(g, wrong, HINT_RTOL, ATOL))
        if hint is None and slips:
            hint = _slip_hint([got], [expected], batch=batch)
        raise Wrong(hint or f"not quite: got {_fmt(got)}")
    _value_exercise(exercise_id)(checker)


def _numbers_exercise(exercise_id, expected, hints=(), advice="", *, labels=None, shape=None, slips=True,
                      batch=None):
    """Several numbers compared elementwise after flattening (the nested form must have ``shape`` if given).

    A wrong answer names its first wrong element (by ``labels`` if given) without giving the right value away;
    with ``slips``, the right answer scaled, flipped or transposed gets the hint of ``_slip_hint``.
    """
    expected_numbers = _flatten(expected)

    def checker(answer, torch):
        plain = _plain(answer)
        if shape is not None and _shape(plain) != shape:
            rows, columns = shape
            raise Wrong(f"expected a {rows}x{columns} nested list [[., .], [., .]], one row per output, "
                        f"got shape {_shape(plain)}")
        got = _flatten(plain)
        if len(got) != len(expected_numbers):
            named = f" ({', '.join(labels)})" if labels else ""
            raise Wrong(f"expected {len(expected_numbers)} numbers{named}, got {len(got)}")
        if _all_close(got, expected_numbers):
            return
        hint = _hint_for(got, hints, lambda g, wrong: _all_close(g, _flatten(wrong), HINT_RTOL, ATOL))
        if hint is None and slips:
            hint = _slip_hint(got, expected_numbers, _shape(expected), batch)
        if hint:
            raise Wrong(hint)
        index = _first_mismatch(got, expected_numbers)
        where = labels[index] if labels else f"element {_index_text(index, _shape(plain))}"
        raise Wrong(f"not quite: {where} is wrong" + (f"; {advice}" if advice else ""))
    _value_exercise(exercise_id)(checker)


def _names_exercise(exercise_id, expected, hints=()):
    """A set of names (of tensors in the lesson's code)."""
    def checker(answer, torch):
        got = _names(answer)
        if got == expected:
            return
        hint = _hint_for(got, hints, lambda g, wrong: g == wrong)
        missing, extra = len(expected - got), len(got - expected)
        raise Wrong(hint or f"not quite: {missing} name(s) missing and {extra} name(s) too many")
    _value_exercise(exercise_id)(checker)


def _require_function_class(cls, name: str) -> None:
    if not hasattr(cls, "apply"):
        raise Wrong(f"expected your class {name} itself, a subclass of torch.autograd.Function")


# ============================================================================================ lesson 00

_number_exercise("00.first_backward", 10.0, [
    (4.0, "that is g(2) itself; call backward() and look at x.grad"),
    (12.0, "you differentiated only x**3; the -2x term contributes -2"),
])
@_code_exercise("00.finite_difference")
def _finite_difference(central_difference, torch):
    # f(x) = x^3 at x = 1 with a large step h = 0.1: the central difference is 3 + h^2 = 3.01, the forward
    # difference 3 + 3h + h^2 = 3.31 and the exact derivative 3, so each shortcut gives a different number.
    def cube(x):
        return x ** 3

    got = _number(central_difference(cube, 1.0, 0.1))
    central, forward, backward_difference = 3.01, 3.31, 2.71
    if _close(got, central, 1e-9):
        return
    wrong = [(forward, "that is a forward difference (f(x + h) - f(x)) / h; step to both sides: "
                       "(f(x + h) - f(x - h)) / (2h)"),
             (backward_difference, "that is a backward difference (f(x) - f(x - h)) / h; step to both sides: "
                                   "(f(x + h) - f(x - h)) / (2h)"),
             (2 * central, "divide by the distance between the two points, 2h, not by h"),
             (3.0, "that is the exact derivative; compute the estimate from f(x + h) and f(x - h) with the h given"),
             (1.0, "that is f(x) itself; divide f(x + h) - f(x - h) by 2h")]
    hint = _hint_for(got, wrong, lambda g, value: _close(g, value, 1e-6))
    raise Wrong(f"{hint or 'not the central difference'} (for f(x) = x**3 at x = 1 with h = 0.1 your function "
                f"returned {_fmt(got)})")


# ============================================================================================ lesson 01

_names_exercise("01.which_require_grad", {"q", "s", "t"}, [
    ({"q"}, "requires_grad spreads: anything computed from q requires a gradient too"),
])
_names_exercise("01.which_are_leaves", {"p", "q", "r"}, [
    ({"p", "q"}, "a tensor that does not require a gradient is always a leaf, even r"),
])


@_value_exercise("01.make_leaf")
def _make_leaf(param, torch):
    if not _is_tensor(param):
        raise Wrong(f"expected a tensor, got {type(param).__name__}")
    if tuple(param.shape) != (2, 2):
        raise Wrong(f"expected shape (2, 2), got {tuple(param.shape)}")
    if not param.dtype.is_floating_point:
        raise Wrong("use a floating-point dtype: only floating-point tensors can require gradients")
    if _flatten(_plain(param)) != [0.0] * 4:
        raise Wrong("all four values should be zero")
    if not param.requires_grad:
        raise Wrong("it must require a gradient")
    if not param.is_leaf:
        raise Wrong("it requires a gradient but it is not a leaf: create it directly with requires_grad=True")


# ============================================================================================ lesson 02

@_value_exercise("02.grad_fn_name")
def _grad_fn_name(name, torch):
    if hasattr(name, "next_functions"):
        raise Wrong("that is the node itself; pass its name, type(result.grad_fn).__name__")
    if not isinstance(name, str):
        raise Wrong('expected the name as a string, such as "AddBackward0"')
    name = name.strip().strip("'\"<>").strip()
    if name == "MulBackward0":
        raise Wrong("that node is one step further in; result is the output of .sum()")
    if name != "SumBackward0":
        raise Wrong("not quite: the last operation was .sum(); names look like 'AddBackward0'")


_number_exercise("02.count_accumulate", 2.0, [
    (3.0, "w1 is used twice but a leaf has a single AccumulateGrad node"),
    (4.0, "x needs no gradient, and w1 has a single AccumulateGrad node"),
], slips=False)


@_code_exercise("02.walk_graph")
def _walk_graph(leaves_of, torch):
    x = torch.tensor(2.0)
    w = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    w1 = torch.tensor(1.0, requires_grad=True)
    w2 = torch.tensor(1.0, requires_grad=True)
    cases = [  # (what the learner is told, how to build the tensor, its leaves)
        ("a leaf that requires a gradient", lambda: w, [w]),
        ("a tensor that needs no gradient", lambda: x * 2, []),
        ("w * x + b", lambda: w * x + b, [w, b]),
        ("(w1 * x + w2 * x) * w1", lambda: (w1 * x + w2 * x) * w1, [w1, w2]),
    ]
    for label, build, expected in cases:
        result = leaves_of(build())
        if result is None or isinstance(result, str) or not hasattr(result, "__iter__"):
            raise Wrong(f"leaves_of must return a list of tensors, got {type(result).__name__}")
        result = list(result)
        if len(result) != len(expected):
            each_once = " (each leaf only once)" if len(result) > len(expected) else ""
            raise Wrong(f"for {label} expected {len(expected)} leaf tensor(s), got {len(result)}{each_once}")
        if {id(t) for t in result} != {id(t) for t in expected}:
            raise Wrong(f"for {label} you returned tensors that are not its leaves: return the leaf tensors "
                        "themselves (an AccumulateGrad node's .variable), each once")


# ============================================================================================ lesson 03

_number_exercise("03.chain_rule", 28.0, [
    (14.0, "that is dL/dz = 2z; multiply by dz/dw = x"),
    (4.0, "that is dz/dw times 2; do not forget the factor z = 7"),
])
_number_exercise("03.accumulate", 6.0, [
    (2.0, "gradients accumulate: each backward call adds dz/dw = 2 to w.grad"),
])
_numbers_exercise("03.two_gradients", [3.0, 8.0], [
    ([3.0, 2.0], "c.grad is missing the derivative of c ** 2"),
    ([8.0, 3.0], "the order is (a.grad, c.grad)"),
], labels=("a.grad", "c.grad"))


# ============================================================================================ lesson 04

class _Node:
    """A stand-in for the learner's Value: data, grad and the nodes it was computed from."""

    def __init__(self, data=0.0, _prev=(), name=""):
        self.data, self.grad, self._prev, self.name = data, 0.0, tuple(_prev), name

    def __repr__(self):
        return self.name


@_code_exercise("04.mul_backward")
def _value_mul_backward(mul_backward, torch):
    a, b = _Node(2.0), _Node(-3.0)
    out = _Node(a.data * b.data, (a, b))
    out.grad = 5.0
    mul_backward(a, b, out)
    if _close(a.grad, 10.0) and _close(b.grad, -15.0):
        raise Wrong("the gradients are swapped: a gets b.data * out.grad, b gets a.data * out.grad")
    if _close(a.grad, -3.0) and _close(b.grad, 2.0):
        raise Wrong("multiply by out.grad (the chain rule): a gets b.data * out.grad")
    if not (_close(a.grad, -15.0) and _close(b.grad, 10.0)):
        raise Wrong(f"for a = 2, b = -3, out.grad = 5 expected a.grad = -15 and b.grad = 10, got {_fmt(a.grad)} and "
                    f"{_fmt(b.grad)}")
    a = _Node(3.0)
    out = _Node(9.0, (a, a))
    out.grad = 1.0
    mul_backward(a, a, out)
    if not _close(a.grad, 6.0):
        raise Wrong(f"for out = a * a with a = 3 expected a.grad = 6, got {_fmt(a.grad)}: the gradients must "
                    "accumulate, a.grad += ..., because a is both inputs")


def _hint_for_recursion(error: Exception) -> Optional[str]:
    if isinstance(error, RecursionError):
        return "a recursive walk stops at Python's limit of about 1000 frames; keep your own stack (a list)"
    return None


@_code_exercise("04.topological_order", error_hint=_hint_for_recursion)
def _topological_order(my_order, torch):
    x, y = _Node(name="x"), _Node(name="y")
    s = _Node(_prev=(x, y), name="s")
    p, q = _Node(_prev=(s, x), name="p"), _Node(_prev=(s,), name="q")  # s feeds two nodes, x feeds two
    root = _Node(_prev=(p, q), name="root")
    order = list(my_order(root))
    names = [getattr(node, "name", "?") for node in order]
    if len(order) != len({id(node) for node in order}):
        raise Wrong(f"a node appears more than once (got {names}); remember which nodes you have visited")
    if {id(node) for node in order} != {id(node) for node in (x, y, s, p, q, root)}:
        raise Wrong(f"expected all 6 nodes of the diamond x, y -> s -> p, q -> root, got {names}")
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for child in node._prev:
            if position[id(child)] > position[id(node)]:
                raise Wrong(f"{child.name} comes after {node.name}, which is computed from it (got {names}); "
                            "every node must come after its inputs")
    chain = _Node(name="leaf")
    for _ in range(5000):
        chain = _Node(_prev=(chain,), name="step")
    with _recursion_limit(1000):
        chain_order = list(my_order(chain))
    if len(chain_order) != 5001 or chain_order[0].name != "leaf" or chain_order[-1] is not chain:
        raise Wrong("on a chain of 5000 operations expected all 5001 nodes, the leaf first and the output last")


@contextlib.contextmanager
def _recursion_limit(limit: int):
    """Python's default limit, whatever the notebook set, so that a recursive walk fails here as it would there."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 200))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


@_code_exercise("04.accumulate_fix")
def _accumulate_fix(FixedValue, torch):
    a = FixedValue(3.0)
    (a + a).backward()
    if _close(a.grad, 1.0):
        raise Wrong("a + a still gives a.grad = 1: the second input overwrites the first; use += in _backward")
    if not _close(a.grad, 2.0):
        raise Wrong(f"for a + a expected a.grad = 2, got {_fmt(a.grad)}")
    a = FixedValue(3.0)
    (a * a).backward()
    if not _close(a.grad, 6.0):
        raise Wrong(f"for a * a with a = 3 expected a.grad = 6, got {_fmt(a.grad)}: both inputs must add their "
                    "share")
    x = FixedValue(0.5)
    (x * x + x).tanh().backward()
    expected = (2 * 0.5 + 1) * (1 - math.tanh(0.75) ** 2)
    if not _close(x.grad, expected):
        raise Wrong(f"for tanh(x * x + x) at x = 0.5 expected x.grad = {_fmt(expected)}, got {_fmt(x.grad)}")


# ============================================================================================ lesson 05

_numbers_exercise("05.vjp_predict", [6.0, 0.0], [
    ([6.0, 9.0], "that is the result for v = (1, 1); use v = (2, -1)"),
    ([6.0, -3.0], "x.grad is v^T J: combine the ROWS of J with weights 2 and -1"),
    ([5.0, -2.0], "that is J v, a Jacobian-vector product (what jvp computes); backward(v) computes v^T J: "
                  "combine the ROWS of J with weights 2 and -1"),
], advice="compute 2 * (row 1 of J) - (row 2 of J)")
_numbers_exercise("05.jacobian_by_hand", [[2.0, 1.0], [2.0, 12.0]], [
    ([[2.0, 2.0], [1.0, 12.0]], "that is the transpose: row i holds the derivatives of output g_i"),
], advice="row i holds the derivatives of g_i with respect to x1 and x2", shape=(2, 2))


_numbers_exercise("05.jvp_predict", [10.0, 14.0], [
    ([8.0, 15.0], "that is u^T J, what backward(u) computes; jvp pushes u forward: J u combines the COLUMNS of J"),
    ([4.0, 2.0], "that is the first column of J alone; u = (1, 2) weighs the second column by 2"),
], advice="compute 1 * (column 1 of J) + 2 * (column 2 of J)")


@_code_exercise("05.my_jacobian")
def _my_jacobian(my_jacobian, torch):
    if my_jacobian is torch.autograd.functional.jacobian:
        raise Wrong("that is the library's own jacobian; build yours from backward() calls, one row each")
    cases = [  # (f, its description, the point, the Jacobian there)
        (lambda x: torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]]),
         "f(x) = stack([x[0]**2 + 3*x[1], x[1]**2 + 2*x[0]])", [2.0, 3.0], [[4.0, 3.0], [2.0, 6.0]]),
        (lambda x: x * x.sum(), "f(x) = x * x.sum()", [1.0, 2.0, 3.0],
         [[7.0, 1.0, 1.0], [2.0, 8.0, 2.0], [3.0, 3.0, 9.0]]),
        (lambda x: torch.stack([x[0] * x[1] * x[2], x.sum()]),
         "f(x) = stack([x[0]*x[1]*x[2], x.sum()])", [1.0, 2.0, 3.0], [[6.0, 3.0, 2.0], [1.0, 1.0, 1.0]]),
    ]
    for f, label, point, expected in cases:
        x = torch.tensor(point)
        with _calls_into(_JACOBIAN_LIBRARY) as library_calls:
            result = _plain(my_jacobian(f, x))
        if library_calls:
            raise Wrong(f"your function called the library's {library_calls[0]}; build the Jacobian yourself "
                        "from backward() calls, one row each")
        m, n = len(expected), len(point)
        if _shape(result) != (m, n):
            raise Wrong(f"expected an {m}x{n} Jacobian (outputs x inputs) for {label}, got shape {_shape(result)}")
        running_sums = [[sum(row[j] for row in expected[:i + 1]) for j in range(n)] for i in range(m)]
        if not _all_close(_flatten(result), _flatten(expected)) and \
                _all_close(_flatten(result), _flatten(running_sums)):
            raise Wrong("the rows add up: reset x.grad between the backward passes")
        _expect("J", result, expected, f"wrong Jacobian for {label} at x = {point}", slips=True)
        if x.requires_grad or x.grad is not None:
            raise Wrong("work on a copy: your function changed the input tensor x (it now requires a gradient "
                        "or has a .grad)")


# ============================================================================================ lesson 06

_numbers_exercise("06.grad_of_intermediate", [2.0, 8.0, 18.0], [
    ([4.0, 32.0, 108.0], "that is dz/dx; ask torch.autograd.grad for the gradient with respect to y"),
], advice="z = sum(y * y), so dz/dy = 2y")


@_code_exercise("06.clip_hook")
def _clip_hook(clip_hook, torch):
    grad = torch.tensor([0.5, -4.0, 2.0])
    clipped = clip_hook(grad)
    if clipped is None:
        raise Wrong("the hook must return the clipped gradient")
    if _flatten(_plain(grad)) != [0.5, -4.0, 2.0]:
        raise Wrong("your hook changed its argument in place; return a new tensor instead")
    _expect("clip_hook(tensor([0.5, -4.0, 2.0]))", clipped, [0.5, -1.0, 1.0],
            "the hook should clip every element to [-1, 1]")

    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = a * 3
    handle = m.register_hook(clip_hook)
    (m * torch.tensor([0.5, -4.0, 2.0])).sum().backward()
    handle.remove()
    _expect("a.grad", a.grad, [1.5, -3.0, 3.0],
            "registered on a tensor, the hook did not clip the gradient flowing back")


_number_exercise("06.hook_calls", 2.0, [
    (3.0, "handle.remove() unregisters the hook before the last backward call"),
    (4.0, "a tensor hook fires once per backward pass, with the total gradient"),
], slips=False)
# g(x) = x^4 - 3x^2 at x = 2: g = 4, g' = 4x^3 - 6x = 20, g'' = 12x^2 - 6 = 42, g''' = 24x = 48.
_number_exercise("06.second_derivative", 42.0, [
    (20.0, "that is the first derivative g'(2); differentiate it once more: the first torch.autograd.grad needs "
           "create_graph=True so that its result has a graph to differentiate"),
    (4.0, "that is g(2) itself; ask torch.autograd.grad twice, the first time with create_graph=True"),
    (48.0, "12x^2 is right for x^4, but -3x^2 contributes its own second derivative, -6"),
    (24.0, "that is the second derivative of x^4 at x = 1; the point is x = 2"),
], slips=False)


# ============================================================================================ lesson 07

@_value_exercise("07.tracked")
def _tracked(answer, torch):
    got = _names(answer)
    unknown = got - {"p", "q", "r", "s", "t", "u", "v"}
    if unknown:
        raise Wrong(f"the names are p, q, r, s, t, u and v; {sorted(unknown)[0]!r} is not one of them")
    hints = [("v" not in got, "model.eval() switches layers such as dropout to evaluation behaviour; it does not "
                              "switch autograd off, so v is tracked"),
             ("q" not in got, "q = w * 2 is computed from w, which requires a gradient, outside any no_grad"),
             ("s" not in got, "s = r * w uses w, which requires a gradient"),
             ("p" in got, "nothing is recorded under torch.no_grad(), so p is not tracked"),
             ("u" in got, "torch.inference_mode() records nothing either, so u is not tracked"),
             ("r" in got, "detach() returns a tensor outside the graph, so r is not tracked"),
             ("t" in got, "w.data is outside the graph, so t is not tracked")]
    hint = next((text for wrong, text in hints if wrong), None)
    if hint:
        raise Wrong(hint)


def _hint_for_in_place_error(error: Exception) -> Optional[str]:
    text = str(error)
    return "update under torch.no_grad()" if "in-place" in text or "inplace" in text else None


@_code_exercise("07.sgd_step", error_hint=_hint_for_in_place_error)
def _sgd_step(sgd_step, torch):
    p1 = torch.tensor([1.0, 2.0], requires_grad=True)
    p2 = torch.tensor([1.0], requires_grad=True)
    p3 = torch.tensor([5.0], requires_grad=True)  # gets no gradient: must be left alone
    ((p1 ** 2).sum() + (p2 * 3).sum()).backward()  # p1.grad = [2, 4], p2.grad = [3]
    sgd_step([p1, p2, p3], 0.25)
    if not (_all_close(_flatten(_plain(p1)), [0.5, 1.0]) and _all_close(_flatten(_plain(p2)), [0.25])):
        raise Wrong("the parameters did not change as expected: update them in place (-=) under no_grad")
    if _flatten(_plain(p3)) != [5.0]:
        raise Wrong("a parameter without a gradient (grad is None) must be left unchanged")
    if not all(p.is_leaf and p.requires_grad for p in (p1, p2, p3)):
        raise Wrong("after the step every parameter must still be a leaf that requires a gradient")
    if any(p.grad is not None and any(v != 0.0 for v in _flatten(_plain(p.grad))) for p in (p1, p2)):
        raise Wrong("reset the gradients after the update (p.grad.zero_() or p.grad = None)")


_numbers_exercise("07.data_trap", [20.0, 40.0, 60.0], [
    ([2.0, 4.0, 6.0], "that is the gradient at the original a; the change through .data is invisible to autograd, "
                      "so backward computes 2 * a from the values a holds NOW"),
    ([200.0, 400.0, 600.0], "the derivative of a ** 2 is 2 * a, with a = (10, 20, 30) after the change"),
], advice="backward multiplies 2 by the values a holds when backward runs")
_numbers_exercise("07.stop_gradient", [2.0, 8.0], [
    ([3.0, 12.0], "that is the derivative of x ** 3; x.detach() counts as a constant, so only x ** 2 is "
                  "differentiated: 2x times the constant x"),
    ([1.0, 4.0], "that is x ** 2 itself; differentiate it (2x) and multiply by the constant x.detach()"),
    ([2.0, 4.0], "2x is the derivative of x ** 2; it is still multiplied by the constant value of x.detach()"),
    ([0.0, 0.0], "detach() cuts only the path through x.detach(); the gradient still flows through x ** 2"),
], advice="y = x ** 2 * c with the constant c = x.detach(): dy/dx = 2x * c")


# ============================================================================================ lesson 08

@_code_exercise("08.sigmoid_backward")
def _sigmoid_backward(MySigmoid, torch):
    _require_function_class(MySigmoid, "MySigmoid")
    x = torch.tensor([-2.0, 0.0, 3.0], dtype=torch.float64, requires_grad=True)
    s = [1.0 / (1.0 + math.exp(-v)) for v in (-2.0, 0.0, 3.0)]
    y = MySigmoid.apply(x)
    _expect("output", y, s, "forward does not compute 1 / (1 + exp(-x))")
    if not _is_tensor(y) or y.grad_fn is None:
        raise Wrong("forward must return a tensor computed from x")

    grad_output = [1.0, 2.0, 3.0]
    y.backward(torch.tensor(grad_output, dtype=torch.float64))
    if x.grad is None:
        raise Wrong("backward returned None: return the gradient with respect to x")
    _expect("x.grad", x.grad, [g * v * (1.0 - v) for g, v in zip(grad_output, s)],
            "backward should return grad_output * s * (1 - s), where s is the forward output")

    point = torch.tensor([-1.5, -0.25, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    _gradcheck(torch, MySigmoid.apply, (point,))


@_code_exercise("08.mul_backward")
def _mul_backward(MyMul, torch):
    _require_function_class(MyMul, "MyMul")
    a = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([4.0, -5.0, 6.0], dtype=torch.float64, requires_grad=True)
    out = MyMul.apply(a, b)
    _expect("output", out, [4.0, -10.0, 18.0], "forward should return a * b")

    out.backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    if a.grad is None or b.grad is None:
        raise Wrong("backward must return two gradients, one for a and one for b")
    a_grad, b_grad = _flatten(_plain(a.grad)), _flatten(_plain(b.grad))
    if _all_close(a_grad, [1.0, 4.0, 9.0]) and _all_close(b_grad, [4.0, -10.0, 18.0]):
        raise Wrong("the gradients are swapped: d(a*b)/da = b")
    hint = "backward should return (grad_output * b, grad_output * a)"
    _expect("a.grad", a.grad, [4.0, -10.0, 18.0], hint)
    _expect("b.grad", b.grad, [1.0, 4.0, 9.0], hint)

    a = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0, 0.25], dtype=torch.float64, requires_grad=True)
    _gradcheck(torch, MyMul.apply, (a, b))


_numbers_exercise("08.relu_at_zero", [1.0, 1.0, 4.0], [
    ([0.0, 1.0, 4.0], "MyReLU zeroes only NEGATIVE inputs, so at x = 0 it lets the gradient 1 through"),
    ([1.0, 4.0, 4.0], "at x = 1 the built-in relu sees x - 1 = 0 exactly, and there it sends 0 back"),
    ([0.0, 4.0, 4.0], "both kinks are wrong: MyReLU passes the gradient at 0, the built-in relu blocks it at 0"),
    ([1.0, 1.0, 1.0], "the built-in relu branch is multiplied by 3: at x = 2 it adds 3 to MyReLU's 1"),
], advice="add the two branches: MyReLU at x, then 3 times the built-in relu at x - 1")
# Forward computes x ** 3 (27 at x = 3) but backward returns grad_output * 2 * x: autograd believes backward.
_number_exercise("08.forward_not_recorded", 6.0, [
    (27.0, "that is the true derivative of x ** 3 at x = 3; autograd never differentiates forward, it calls your "
           "backward, which returns grad_output * 2 * x"),
    (0.0, "forward is not recorded, but apply records one node for the whole function, and its backward is yours: "
          "it returns grad_output * 2 * x"),
], slips=False)


# ============================================================================================ lesson 09

@_code_exercise("09.numpy_gradients")
def _numpy_gradients(numpy_gradients, torch):
    rng = np.random.default_rng(0)  # private: the learner's global generator is not touched
    x = rng.uniform(-1, 1, size=(20, 1))
    y = 3 * x ** 2 + 2 + 0.2 * rng.uniform(size=(20, 1))
    for w0, b0 in [(0.7, -0.3), (3.0, 2.0), (-1.0, 4.0)]:
        result = numpy_gradients(w0, b0, x.copy(), y.copy())
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Wrong("return a pair (grad_w, grad_b)")
        # the reference: autograd on the same loss, L = 1/2 * sum((w x^2 + b - y)^2), in float64
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
        (0.5 * ((torch.tensor(x) ** 2 * w + b - torch.tensor(y)) ** 2).sum()).backward()
        at = f"at w = {w0:g}, b = {b0:g}"
        grad_w, grad_b = _number(result[0]), _number(result[1])
        expected = [w.grad.item(), b.grad.item()]
        slips = [(1.0 / len(x), f"both gradients are 1/{len(x)} of the right ones, {len(x)} being the number of "
                                "points: you took a mean where this loss is a (half) sum"),
                 (2.0, "both gradients are twice the right ones: the loss has a factor 1/2, which cancels the 2 "
                       "of the square"),
                 (-1.0, "both signs are flipped: the residual is y_pred - y, not y - y_pred")]
        for factor, hint in slips:
            if _all_close([grad_w, grad_b], [factor * e for e in expected], 1e-6):
                raise Wrong(f"{hint} ({at} got {_fmt(grad_w)}, {_fmt(grad_b)})")
        if not _close(grad_w, w.grad.item(), 1e-6):
            raise Wrong("grad_w is wrong: the model uses x ** 2, so dL/dw = sum((y_pred - y) * x ** 2) "
                        f"({at} got {_fmt(grad_w)}, expected {_fmt(w.grad.item())})")
        if not _close(grad_b, b.grad.item(), 1e-6):
            raise Wrong(f"grad_b is wrong: dL/db = sum(y_pred - y) ({at} got {_fmt(grad_b)}, "
                        f"expected {_fmt(b.grad.item())})")


# Lesson 09's data (50 points, x in [0, 5]): the MSE's curvature is largest along w, 19.69, so plain gradient
# descent converges for lr < 2 / 19.69 = 0.1016. Its final loss at noise 0.5 is 0.248343; noise 1.0 doubles every
# noise value, so the least-squares residuals double and the mean squared error is 4 times as large.
_LR_CHOICES = (0.01, 0.05, 0.1, 0.2)
_FINAL_LOSS_AT_NOISE_1 = 0.99337343


@_value_exercise("09.lr_and_noise")
def _lr_and_noise(answer, torch):
    if answer is ...:
        raise _NotAnswered
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Wrong("answer with a pair (lr, loss)")
    lr, loss = _number(answer[0]), _number(answer[1])
    if not any(_close(lr, choice, 1e-9) for choice in _LR_CHOICES):
        raise Wrong("the learning rate: answer with one of 0.01, 0.05, 0.1, 0.2")
    if _close(lr, 0.2, 1e-9):
        raise Wrong("the learning rate: with 0.2 the loss blows up to inf or nan; look at the printed loss")
    if not _close(lr, 0.1, 1e-9):
        raise Wrong(f"the learning rate: {lr:g} converges, but so does a larger one in the list")
    if _close(loss, _FINAL_LOSS_AT_NOISE_1, 1e-3):
        return
    hints = [(_FINAL_LOSS_AT_NOISE_1 / 2, "the loss is a mean of SQUARED errors: twice the noise makes every "
                                          "residual twice as large and the loss four times as large"),
             (_FINAL_LOSS_AT_NOISE_1 / 4, "that is the loss at noise 0.5; the best line cannot fit the noise, so "
                                          "more noise leaves a larger loss"),
             (1.0, "close, but not a guess: the residuals double exactly, so the loss is exactly 4 times 0.248343")]
    hint = _hint_for(loss, hints, lambda g, wrong: _close(g, wrong, 1e-3))
    raise Wrong(f"the loss: {hint or 'not quite; how do the residuals of the best line change with the noise?'}")


_number_exercise("09.mse_learning_rate", 0.08, [
    (0.16, "the mean squared error has no factor 1/2: its gradient is (2/N) * sum(...)"),
    (0.04, "the gradient of the MSE is (2/N) times the half-sum gradient; divide 0.005 by 2/N"),
    (0.005 / 32, "the MSE gradient is smaller, so the learning rate must be larger"),
], slips=False)


# h = a + b with a of shape (5, 2) and b of shape (2,): b is broadcast to every row, so each row's gradient
# (c = [1, 2]) comes back to b and the 5 of them add up.
_numbers_exercise("09.bias_gradient", [5.0, 10.0], [
    ([1.0, 2.0], "that is the gradient of one row; b is added to all 5 rows, and the gradients of every use add "
                 "up (the sum over the batch)"),
    ([3.0, 3.0], "each element of b gets its own column's gradient: sum the column of c over the 5 rows"),
], advice="b.grad is the sum over the rows of the gradient that reaches h")


# ============================================================================================ lesson 10

_number_exercise("10.count_parameters", 61.0, [
    (55.0, "do not forget the biases: one per output of each Linear layer"),
    (56.0, "both Linear layers have a bias"),
], slips=False)
_number_exercise("10.cross_entropy_by_hand", math.log(1 + math.exp(-1) + math.exp(-2)), [
    (0.6652, "that is the softmax probability of class 2; the loss is minus its logarithm"),
], rtol=0.0, atol=1e-3, slips=False)


@_code_exercise("10.my_linear")
def _my_linear(MyLinear, torch):
    if isinstance(MyLinear, type) and issubclass(MyLinear, torch.nn.Linear):
        raise Wrong("MyLinear subclasses nn.Linear, the layer you are asked to write; subclass nn.Module and "
                    "create the weight and bias yourself with nn.Parameter")
    layer = MyLinear(3, 2)
    if not isinstance(layer, torch.nn.Module):
        raise Wrong("MyLinear must subclass nn.Module")
    if any(isinstance(module, torch.nn.Linear) for module in layer.modules()):
        raise Wrong("MyLinear holds an nn.Linear inside; create the weight and bias yourself with nn.Parameter")
    parameters = dict(layer.named_parameters())
    if set(parameters) != {"weight", "bias"}:
        raise Wrong(f"expected parameters named 'weight' and 'bias', found {sorted(parameters)}")
    weight, bias = parameters["weight"], parameters["bias"]
    if tuple(weight.shape) != (2, 3):
        raise Wrong(f"weight must have shape (out_features, in_features) = (2, 3), not {tuple(weight.shape)}")
    if tuple(bias.shape) != (2,):
        raise Wrong(f"bias must have shape (out_features,) = (2,), not {tuple(bias.shape)}")

    inputs = [[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]]
    out = layer(torch.tensor(inputs))
    w, b = _plain(weight), _plain(bias)  # the expected output, from the layer's own parameter values
    expected = [[sum(row[k] * w[j][k] for k in range(3)) + b[j] for j in range(2)] for row in inputs]
    _expect("output", out, expected, "forward should return x @ weight.T + bias", rtol=1e-4, atol=1e-5)
    out.sum().backward()
    if weight.grad is None or bias.grad is None:
        raise Wrong("the parameters received no gradient: use nn.Parameter and compute with them")


# The loss for each task of the exercise (the model outputs raw scores, logits, in every case).
_LOSS_FOR_TASK = {"house_price": "MSELoss", "spam": "BCEWithLogitsLoss", "digit": "CrossEntropyLoss",
                  "animals_in_photo": "BCEWithLogitsLoss"}
_LOSS_HINTS = {
    ("animals_in_photo", "CrossEntropyLoss"): (
        "a photo can hold several animals at once (multi-label): CrossEntropyLoss's softmax makes the classes "
        "compete for one total probability of 1; use BCEWithLogitsLoss, one yes/no per animal"),
    ("spam", "CrossEntropyLoss"): (
        "with ONE output per e-mail there is no softmax to take over two classes: a single logit goes with "
        "BCEWithLogitsLoss (CrossEntropyLoss needs two logits)"),
    ("spam", "BCELoss"): "BCELoss expects probabilities; the model outputs a logit, so use BCEWithLogitsLoss",
    ("animals_in_photo", "BCELoss"): "BCELoss expects probabilities; the model outputs logits: BCEWithLogitsLoss",
    ("digit", "BCEWithLogitsLoss"): (
        "a digit is exactly one of ten classes (multi-class): CrossEntropyLoss with the class index as target"),
    ("digit", "NLLLoss"): "NLLLoss expects log-probabilities; the model outputs logits: CrossEntropyLoss",
    ("house_price", "CrossEntropyLoss"): "a price is a real number (regression), not a class",
}


def _loss_name(choice) -> str:
    """``nn.MSELoss``, ``nn.MSELoss()``, ``"nn.MSELoss"`` or ``"MSELoss"`` -> ``"MSELoss"``."""
    if choice is ...:
        raise _NotAnswered
    if isinstance(choice, str):
        return choice.strip().split(".")[-1].rstrip("()")
    return choice.__name__ if isinstance(choice, type) else type(choice).__name__


@_value_exercise("10.loss_choice")
def _loss_choice(answer, torch):
    if not isinstance(answer, dict):
        raise Wrong(f"expected the dict of the exercise, task -> loss, got {type(answer).__name__}")
    missing = [task for task in _LOSS_FOR_TASK if task not in answer]
    if missing:
        raise Wrong(f"the dict needs an entry for each task; {missing[0]!r} is missing")
    for task, expected in _LOSS_FOR_TASK.items():
        got = _loss_name(answer[task])
        if got != expected:
            hint = _LOSS_HINTS.get((task, got), "look at what the target is and what the model outputs")
            raise Wrong(f"{task}: {got} is not the loss for it; {hint}")


# ============================================================================================ lesson 11

_number_exercise("11.dh_dw", 3.25, [
    (3.0, "that is the answer for the length-3 input of the lesson"),
    (4.0, "unrolled, h = w^4 + w^3 + w^2 + w + 1"),
])
_numbers_exercise("11.loop_gradient", [32.0, 32.0], [
    ([16.0, 16.0], "count the doublings again: the norm of (3, 4) is 5, and the loop stops at >= 100"),
    ([64.0, 64.0], "count the doublings again: the norm of (3, 4) is 5, and the loop stops at >= 100"),
], advice="the result is 2^k * x for k doublings")
_number_exercise("11.trace_safe", 12.0, [
    (30.0, "that is what b itself returns; the trace replays only the three steps recorded for the example"),
    (10.0, "the trace keeps the three recorded steps x[0] * w, x[1] * w, x[2] * w; here w = 2"),
    (6.0, "the trace reads the first three elements of the NEW input, 1 + 2 + 3, times w = 2"),
], slips=False)


# ============================================================================================ lesson 12

@_code_exercise("12.to_numpy")
def _to_numpy(to_numpy, torch):
    leaf = torch.tensor([[1.0, 2.0]], requires_grad=True)
    cases = [("a leaf that requires a gradient", leaf), ("a computed tensor", leaf * 2),
             ("an integer tensor", torch.tensor([3, 4]))]
    if torch.cuda.is_available():
        cases.append(("a tensor on the GPU", leaf.to("cuda")))
    for label, tensor in cases:
        result = to_numpy(tensor)
        if not isinstance(result, np.ndarray):
            raise Wrong(f"expected a numpy.ndarray for {label}, got {type(result).__name__}")
        if result.tolist() != tensor.detach().cpu().tolist():
            raise Wrong(f"for {label} the array does not hold the tensor's values")


_numbers_exercise("12.gradient_home", [18.0, 64.0], [
    ([3.0, 4.0], "the loss squares x * w: d/dx (x w)^2 = 2 x w^2"),
    ([6.0, 16.0], "d/dx (x w)^2 = 2 x w^2: the factor x is missing"),
], advice="d/dx (x w)^2 = 2 x w^2, and the gradient lands on x wherever the computation ran")


# ============================================================================================ lesson 13

# w = (1, -1), examples x = (1, 2), (3, 1), (0, 2) with y = 0, 1, 1: residuals w·x - y = -1, 1, -3, and the
# gradient of (w·x - y)² is 2 (w·x - y) x, one row per example.
_PER_EXAMPLE = [[-2.0, -4.0], [6.0, 2.0], [0.0, -12.0]]


@_value_exercise("13.per_example")
def _per_example(answer, torch):
    plain = _plain(answer)
    got, expected = _flatten(plain), _flatten(_PER_EXAMPLE)
    if _all_close(got, [4.0, -14.0], HINT_RTOL, ATOL):
        raise Wrong("that is the gradient of the summed loss, the three rows added up: vmap keeps one row per "
                    "example")
    if _all_close(got, [4.0 / 3, -14.0 / 3], HINT_RTOL, ATOL):
        raise Wrong("that is the gradient of the mean loss over the batch (what loss.mean().backward() gives): vmap "
                    "keeps one row per example")
    if _shape(plain) == (2, 3) and _all_close(got, _transposed(expected, (3, 2)), HINT_RTOL, ATOL):
        raise Wrong("that is the transpose: one ROW per example, one column per weight")
    if _shape(plain) != (3, 2):
        raise Wrong(f"expected a 3x2 nested list [[., .], [., .], [., .]], one row per example and one column per "
                    f"weight, got shape {_shape(plain)}")
    if _all_close(got, expected):
        return
    if _all_close(got, [0.5 * e for e in expected], HINT_RTOL, ATOL):
        raise Wrong("the factor 2 is missing: d/dw (w·x - y)² = 2 (w·x - y) x")
    hint = _slip_hint(got, expected, (3, 2))
    if hint:
        raise Wrong(hint)
    index = _first_mismatch(got, expected)
    raise Wrong(f"not quite: element {_index_text(index, (3, 2))} is wrong; row i is 2 (w·x_i - y_i) x_i")


_numbers_exercise("13.count_passes", [3.0, 1000.0], [
    ([1000.0, 3.0], "swapped: jacrev gets one ROW of J per backward pass, one per output element; jacfwd one "
                    "COLUMN per forward pass, one per input element"),
    ([3.0, 10.0], "jacfwd needs one forward pass per input ELEMENT: a 10x100 matrix has 1000"),
    ([3.0, 100.0], "jacfwd needs one forward pass per input ELEMENT: a 10x100 matrix has 1000"),
    ([1.0, 1000.0], "one backward pass gives one row of J, the gradient of ONE output element: f returns 3"),
    ([3000.0, 3000.0], "each pass gives a whole row (jacrev) or a whole column (jacfwd) of J, not one entry"),
], labels=["the number of vjps (jacrev)", "the number of jvps (jacfwd)"], slips=False)


# The library functions that build a whole Hessian or Jacobian (or compute H v ready-made), by the name of the
# Python function that runs, in minigrad.func / torch.func and autograd.functional.
_HESSIAN_BUILDERS = {"hessian": "hessian, which builds the whole Hessian",
                     "jacfwd": "jacfwd, which builds a whole Jacobian", "jacrev": "jacrev, which builds a whole "
                     "Jacobian", "jacobian": "jacobian, which builds a whole Jacobian",
                     "hvp": "ready-made hvp", "vhp": "ready-made vhp"}


@_code_exercise("13.hvp")
def _hvp(hvp, torch):
    cases = [  # (f, its description, x, v, H v, the gradient at x)
        (lambda x: (x[:-1] * x[1:]).sum(), "f(x) = (x[:-1] * x[1:]).sum()", [1.0, 2.0, 3.0, 4.0],
         [1.0, -1.0, 2.0, 0.5], [-1.0, 3.0, -0.5, 2.0], [2.0, 4.0, 6.0, 3.0]),
        (lambda x: (x ** 3).sum() + x[0] * x[2], "f(x) = (x ** 3).sum() + x[0] * x[2]", [1.0, 2.0, 3.0],
         [1.0, 2.0, -1.0], [5.0, 24.0, -17.0], [6.0, 12.0, 28.0]),
    ]
    for f, label, point, direction, expected, gradient in cases:
        x, v = torch.tensor(point), torch.tensor(direction)
        with _calls_into(_JACOBIAN_LIBRARY) as library_calls:
            result = _plain(hvp(f, x, v))
        refused = next((name for name in library_calls if name in _HESSIAN_BUILDERS), None)
        if refused:
            raise Wrong(f"your function called the library's {_HESSIAN_BUILDERS[refused]}; compute H v without it: "
                        "a double backward, or jvp of grad(f)")
        n = len(point)
        if _shape(result) == (n, n):
            raise Wrong(f"that is a {n}x{n} matrix, the Hessian itself? H v is a vector shaped like x")
        if _shape(result) == (n,) and _all_close(_flatten(result), gradient, HINT_RTOL, ATOL):
            raise Wrong("that is the gradient of f itself; differentiate it once more, in the direction v (a double "
                        "backward, or jvp of grad(f))")
        _expect("H v", result, expected, f"wrong H v for {label} at x = {point}, v = {direction}", slips=True)
        if x.requires_grad or x.grad is not None:
            raise Wrong("work on a copy: your function changed the input tensor x (it now requires a gradient or "
                        "has a .grad)")
