"""Run the lesson sources against real PyTorch, while minigrad is not ready yet.

For every ``lessons/src/NN_topic.py`` (jupytext percent format) this script

* rewrites ``minigrad`` to ``torch`` in each code cell (``import minigrad as torch`` -> ``import torch as torch``,
  ``from minigrad import nn`` -> ``from torch import nn``, ``import minigrad.nn.functional as F`` ->
  ``import torch.nn.functional as F``, ``minigrad.autograd.functional`` -> ``torch.autograd.functional``);
* drops the two lines that every lesson's first cell starts with (``import minigrad.widgets`` and
  ``minigrad.widgets.short_tracebacks()``: short error messages in the notebook, a display setting PyTorch does
  not need);
* skips the cells that mention ``minigrad.viz``, ``minigrad.widgets`` or ``minigrad.jit`` (they have no PyTorch
  counterpart) or ``minigrad.ops`` (lesson 08 prints minigrad's own source); names those cells define and that
  do not exist yet are bound to an inert stand-in object, so that later cells such as ``dash.update(...)`` still
  run;
* runs the exercise cells (``from minigrad.exercises import check``) against a stand-in ``exercises`` module
  whose checkers are minigrad's own (``minigrad.exercises.evaluate(..., library=torch)``): in their unanswered
  state each must print a "not answered yet" or "not attempted yet" line for its exercise id;
* executes the remaining cells in order in one namespace, like a fresh kernel would, echoing the value of a
  trailing expression the way Jupyter displays it;
* requires cells tagged ``raises-exception`` to raise, and every other cell to run cleanly;
* flags output that strict nbval could not compare reliably: memory addresses (``0x7f...``), file paths, and
  warnings that escaped to stderr (Jupyter prints them with the path of the file that raised them).

It then loads every ``lessons/solutions/NN_topic_solutions.py`` the same way and runs the checkers of
``minigrad.exercises`` on the answers PyTorch computes (they must pass, and the placeholders must not), and
cross-checks the exercise ids used in the lessons, the solutions, ``minigrad.exercises`` and
``lessons/EXERCISES.md``. The documented wrong answers are tested under minigrad by ``tests/test_exercises.py``.

Usage::

    python lessons/check_with_torch.py             # everything
    python lessons/check_with_torch.py 03 07       # only these lessons (and their solutions)
    python lessons/check_with_torch.py -v          # also print every cell's output
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import io
import os
import re
import sys
import time
import traceback
import types
import warnings
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
# One thread, as lessons/conftest.py sets for nbval: on a machine whose cores are busy, PyTorch's worker threads made
# the two-layer nets of lessons 08 and 10 about ten times slower (4 s with one thread, 39 s without, on 2 shared
# cores). Set before torch is imported.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # the repository root, for minigrad.exercises

from build import lesson_sources, read_lesson  # noqa: E402

SHORT_TRACEBACKS = re.compile(r"^(import minigrad\.widgets|minigrad\.widgets\.short_tracebacks\(.*\)).*\n?",
                              re.M)
SKIP = re.compile(r"\bminigrad\.(viz|widgets|jit|ops)\b")
EXERCISE_CELL = re.compile(r"\bminigrad\.exercises\b")
UNANSWERED = re.compile(r"^\S+ (\d\d\.[a-z0-9_]+): not (answered|attempted) yet", re.M)
CHECK_CALL = re.compile(r"\bcheck(?:_function)?\(\s*\"([0-9]{2}\.[a-z0-9_]+)\"")
SUSPICIOUS = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "memory address"),
    (re.compile(r"(?<![\w.])/(?:tmp|root|home|usr|opt|work)/"), "file path"),
    (re.compile(r"site-packages|\.pyenv"), "file path"),
]
LESSON_SECONDS = 10.0  # a lesson should run in "a few seconds"


class Inert:
    """Stands in for objects made by skipped cells (widgets, traced graphs, ...): accepts any use."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __iter__(self):
        return iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return "<skipped>"


def translate(source: str) -> str:
    return re.sub(r"\bminigrad\b", "torch", source)


def bound_names(source: str) -> set[str]:
    """Names a cell binds at top level (assignments anywhere outside functions, definitions, imports)."""
    names: set[str] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return names

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return  # names inside are local to the function or class
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def run_cell(source: str, namespace: dict, filename: str) -> str:
    """Execute like an IPython cell: run the body, then display the last expression's value."""
    tree = ast.parse(source, filename=filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        value = eval(compile(last, filename, "eval"), namespace)
        if value is not None:
            print(repr(value))


def close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def problems_in(text: str) -> list[str]:
    found = []
    for pattern, what in SUSPICIOUS:
        match = pattern.search(text)
        if match:
            found.append(f"{what} in output: {text[max(0, match.start() - 40):match.end() + 40]!r}")
    return found


def torch_checks() -> dict:
    """``{exercise_id: checker}`` with ``checker(answer) -> (ok, message)``: minigrad's checkers run on torch."""
    import torch

    from minigrad.exercises import evaluate, exercise_ids

    return {exercise_id: functools.partial(evaluate, exercise_id, library=torch) for exercise_id in exercise_ids()}


def install_exercise_stub() -> None:
    """Make ``from minigrad.exercises import check`` work under torch, backed by minigrad.exercises.

    The stub prints one line per call, in minigrad's format, so that the exercise cells of the lessons run in
    their unanswered state and must report "not answered yet" / "not attempted yet".
    """
    checks = torch_checks()

    def check(exercise_id, answer):
        if exercise_id not in checks:
            print(f"\u274c {exercise_id}: unknown exercise id")
            return
        ok, message = checks[exercise_id](answer)
        waiting = message.startswith("not answered") or message.startswith("not attempted")
        mark = "\u2705" if ok else ("\u23f3" if waiting else "\u274c")
        print(f"{mark} {exercise_id}: {message}")

    module = types.ModuleType("torch.exercises")
    module.check = check
    module.check_function = check
    sys.modules["torch.exercises"] = module


def check_lesson(path: Path, verbose: bool) -> tuple[list[str], float, int, int]:
    cells = read_lesson(path)
    namespace: dict = {"__name__": "__main__"}
    failures: list[str] = []
    ran = skipped = 0
    started = time.perf_counter()
    for index, cell in enumerate(cells):
        if cell.kind != "code":
            continue
        where = f"{path.name} cell {index} (line {cell.line})"
        if "short_tracebacks" in cell.source:
            cell.source = SHORT_TRACEBACKS.sub("", cell.source)
        if SKIP.search(cell.source):
            skipped += 1
            for name in bound_names(cell.source):
                namespace.setdefault(name, Inert())
            if verbose:
                print(f"--- {where}: skipped (minigrad-only)")
            continue
        ran += 1
        source = translate(cell.source)
        expect_error = "raises-exception" in cell.tags
        exercise_ids = CHECK_CALL.findall(cell.source) if EXERCISE_CELL.search(cell.source) else []
        buffer = io.StringIO()
        error = None
        cell_started = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                try:
                    run_cell(source, namespace, f"<{path.stem} cell {index}>")
                except Exception as exc:  # noqa: BLE001 - report everything
                    error = exc
                    if not expect_error:
                        traceback.print_exc()
        close_figures()
        output = buffer.getvalue()
        for warning in caught:
            if "FigureCanvasAgg is non-interactive" in str(warning.message):
                continue  # plt.show() under the Agg backend; inline Jupyter shows the figure instead
            if issubclass(warning.category, DeprecationWarning) and not warning.filename.startswith("<"):
                continue  # raised inside a library (torch.func's first jacfwd calls torch.jit.script): Jupyter,
                # like Python, shows a DeprecationWarning only where the learner's own code triggers it
            failures.append(f"{where}: uncaught {warning.category.__name__}: {warning.message}")
        if expect_error and error is None:
            failures.append(f"{where}: tagged raises-exception but ran without error")
        elif error is not None and not expect_error:
            failures.append(f"{where}: {type(error).__name__}: {error}\n{output}")
        shown = output if error is None or not expect_error else output + f"{type(error).__name__}: {error}\n"
        if error is None or expect_error:
            failures.extend(f"{where}: {problem}" for problem in problems_in(shown))
        if exercise_ids and error is None:
            reported = [match.group(1) for match in UNANSWERED.finditer(output)]
            if reported != exercise_ids:
                failures.append(f"{where}: the unanswered exercise cell should report 'not answered/attempted "
                                f"yet' for {exercise_ids}, printed:\n{output}")
        if verbose:
            seconds = time.perf_counter() - cell_started
            print(f"--- {where}  {seconds:.2f} s" + ("  [raises-exception]" if expect_error else ""))
            if shown:
                print(shown, end="" if shown.endswith("\n") else "\n")
    return failures, time.perf_counter() - started, ran, skipped


def load_solutions(path: Path):
    """Import a solutions file with minigrad rewritten to torch; returns the module."""
    source = translate(path.read_text(encoding="utf-8"))
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def check_exercises(filters: list[str], lesson_paths: list[Path]) -> list[str]:
    failures: list[str] = []
    checks = torch_checks()

    used = {}
    for path in lesson_paths:
        for cell in read_lesson(path):
            for exercise_id in CHECK_CALL.findall(cell.source):
                used[exercise_id] = path.stem
                if not exercise_id.startswith(path.stem[:2] + "."):
                    failures.append(f"{path.name}: exercise id {exercise_id} does not match the lesson number")
    documented = set(re.findall(r"^### `([0-9]{2}\.[a-z0-9_]+)`", (HERE / "EXERCISES.md").read_text(), re.M))

    solved = {}
    for stem in sorted({stem for stem in used.values()}):
        path = HERE / "solutions" / f"{stem}_solutions.py"
        if not path.exists():
            failures.append(f"missing solutions file {path.name}")
            continue
        try:
            module = load_solutions(path)
        except Exception:  # noqa: BLE001
            failures.append(f"{path.name} failed to run:\n{traceback.format_exc()}")
            continue
        for exercise_id, value in getattr(module, "SOLUTIONS", {}).items():
            solved[exercise_id] = value

    for exercise_id in sorted(used):
        if exercise_id not in documented:
            failures.append(f"{exercise_id}: not documented in EXERCISES.md")
        if exercise_id not in checks:
            failures.append(f"{exercise_id}: no checker in minigrad/exercises.py")
            continue
        if exercise_id not in solved:
            failures.append(f"{exercise_id}: no entry in the SOLUTIONS dict of its solutions file")
        else:
            ok, message = checks[exercise_id](solved[exercise_id])
            if not ok:
                failures.append(f"{exercise_id}: the solution fails its checker under torch: {message}")
        for placeholder in (..., None):
            ok, message = checks[exercise_id](placeholder)
            if ok:
                failures.append(f"{exercise_id}: the checker accepts the placeholder {placeholder!r}")
    if not filters:
        for exercise_id in sorted(documented - set(used)):
            failures.append(f"{exercise_id}: documented in EXERCISES.md but used by no lesson")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson prefixes such as 03")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every cell's output")
    parser.add_argument("--no-exercises", action="store_true", help="skip the checks of the solutions")
    args = parser.parse_args(argv)

    import torch

    print(f"checking against torch {torch.__version__}")
    paths = lesson_sources(args.lessons)
    install_exercise_stub()
    failures: list[str] = []
    total = 0.0
    for path in paths:
        lesson_failures, seconds, ran, skipped = check_lesson(path, args.verbose)
        total += seconds
        status = "ok" if not lesson_failures else f"{len(lesson_failures)} problem(s)"
        print(f"{path.name:34} {ran:3d} cells run, {skipped:2d} skipped, {seconds:5.1f} s  {status}")
        if seconds > LESSON_SECONDS:  # a warning only: timings on a shared machine are noisy
            print(f"WARN {path.name}: took {seconds:.1f} s (a lesson should take at most {LESSON_SECONDS:.0f} s)")
        failures.extend(lesson_failures)
    print(f"{'all lessons':34} {total:5.1f} s")

    if not args.no_exercises:
        exercise_failures = check_exercises(args.lessons, paths)
        print(f"exercises: {'ok' if not exercise_failures else f'{len(exercise_failures)} problem(s)'}")
        failures.extend(exercise_failures)

    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
