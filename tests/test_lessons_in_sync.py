"""The committed lesson notebooks are built from their text sources, and every lesson ends with its exercises.

``lessons/src/NN_topic.py`` (jupytext percent format) is what authors edit; ``lessons/build.py --execute`` turns it
into ``lessons/NN_topic.ipynb`` with outputs, which nbval then checks. These tests catch a notebook edited by hand
(or a source edited without rebuilding), a lesson without its 2-4 self-checking exercises at the end, and an
"errors that teach" hint that names a lesson file that does not exist.
"""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from minigrad import _lesson_hints
from minigrad.exercises import exercise_ids

ROOT = Path(__file__).resolve().parents[1]
LESSONS_DIR = ROOT / "lessons"

_spec = importlib.util.spec_from_file_location("lesson_build", LESSONS_DIR / "build.py")
build = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = build  # dataclasses look their module up while the file runs
_spec.loader.exec_module(build)

SOURCES = build.lesson_sources()
EXERCISE_HEADING = re.compile(r"^### Exercise (\d+)\b", re.MULTILINE)
CHECK_CALL = re.compile(r"\bcheck(?:_function)?\(\s*[\"'](?P<id>[^\"']+)[\"']")


def _notebook(path: Path) -> dict:
    return json.loads((LESSONS_DIR / f"{path.stem}.ipynb").read_text(encoding="utf-8"))


def test_there_are_fourteen_lessons_with_a_notebook_each():
    assert [p.stem[:2] for p in SOURCES] == [f"{n:02d}" for n in range(14)]
    notebooks = sorted(p.stem for p in LESSONS_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert notebooks == [p.stem for p in SOURCES], "every source needs its notebook and vice versa"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_matches_its_source(source):
    cells = build.read_lesson(source)
    notebook = _notebook(source)
    built = [(cell["cell_type"], "".join(cell["source"]), cell.get("metadata", {}).get("tags", []))
             for cell in notebook["cells"]]
    expected = [(cell.kind, cell.source, cell.tags) for cell in cells]
    for index, (got, want) in enumerate(zip(built, expected)):
        assert got == want, (f"{source.stem}.ipynb cell {index} (source line {cells[index].line}) differs from "
                             f"lessons/src/{source.name}; run `python lessons/build.py --execute {source.stem[:2]}`")
    assert len(built) == len(expected), f"{source.stem}.ipynb has {len(built)} cells, its source {len(expected)}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_is_saved_with_outputs(source):
    """nbval compares outputs, so a notebook saved without running its cells would test nothing."""
    code = [cell for cell in _notebook(source)["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell.get("execution_count") is not None for cell in code)
    assert any(cell.get("outputs") for cell in code)


def test_build_check_reports_a_stale_notebook(tmp_path, monkeypatch):
    """``build.py --check`` finds a changed cell (it compares kinds, sources and tags)."""
    source = SOURCES[0]
    notebook = _notebook(source)
    notebook["cells"][1]["source"] = "print('edited by hand')"
    (tmp_path / f"{source.stem}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    monkeypatch.setattr(build, "LESSONS_DIR", tmp_path)
    problems = build.check_sync(source, build.read_lesson(source))
    assert problems == [f"{source.stem}.ipynb: cell 1 (source line {build.read_lesson(source)[1].line}) differs"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_lesson_ends_with_two_to_four_exercises(source):
    cells = build.read_lesson(source)
    starts = [i for i, cell in enumerate(cells) if cell.kind == "markdown" and
              re.search(r"^## Exercises\s*$", cell.source, re.MULTILINE)]
    assert len(starts) == 1, f"{source.name}: expected one '## Exercises' section"
    tail = cells[starts[0]:]
    after_heading = [tail[0].source.split("## Exercises", 1)[1]] + [cell.source for cell in tail[1:]
                                                                     if cell.kind == "markdown"]
    assert not any(re.search(r"^#{1,2} ", text, re.MULTILINE) for text in after_heading), \
        f"{source.name}: the exercises must be the last section"

    numbers = [int(n) for cell in tail if cell.kind == "markdown" for n in EXERCISE_HEADING.findall(cell.source)]
    assert 2 <= len(numbers) <= 4, f"{source.name}: {len(numbers)} exercises"
    assert numbers == list(range(1, len(numbers) + 1)), f"{source.name}: exercises numbered {numbers}"

    checked = [m.group("id") for cell in tail if cell.kind == "code" for m in CHECK_CALL.finditer(cell.source)]
    assert len(checked) == len(numbers), f"{source.name}: every exercise needs one checker call, found {checked}"
    known = set(exercise_ids())
    for exercise_id in checked:
        assert exercise_id.startswith(source.stem[:2] + "."), f"{source.name}: {exercise_id} is another lesson's"
        assert exercise_id in known, f"{source.name}: no checker for {exercise_id}"
    solutions = LESSONS_DIR / "solutions" / f"{source.stem}_solutions.py"
    assert solutions.exists()
    assert f"solutions/{solutions.name}" in "\n".join(cell.source for cell in cells), \
        f"{source.name} should link to {solutions.name}"


def test_error_hints_name_lessons_that_exist():
    for topic, lesson in _lesson_hints.LESSONS.items():
        assert (LESSONS_DIR / "src" / f"{lesson}.py").exists(), f"hint {topic!r} names a missing lesson {lesson}"
        line = _lesson_hints.with_lesson("message", topic).splitlines()[-1]
        assert line == f"(minigrad: lesson {lesson[:2]}, lessons/{lesson}.ipynb, explains this error.)"
        assert (LESSONS_DIR / f"{lesson}.ipynb").exists()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_cells_that_fail_on_purpose_show_a_pointed_error(source):
    """A ``raises-exception`` cell is announced in the text before it, and its saved error is the one meant."""
    cells = build.read_lesson(source)
    notebook = _notebook(source)
    for index, cell in enumerate(cells):
        outputs = notebook["cells"][index].get("outputs", [])
        errors = [o for o in outputs if o["output_type"] == "error"]
        if "raises-exception" in cell.tags:
            assert errors, f"{source.name} cell {index} is tagged raises-exception but raised nothing"
            before = cells[index - 1]
            assert before.kind == "markdown" and "meant to" in before.source.lower(), \
                f"{source.name} cell {index}: say in the text before it that the cell is meant to fail"
        else:
            assert not errors, f"{source.name} cell {index} raised {errors[0]['ename']} without the tag"


_MACHINE_SPECIFIC = [
    (re.compile(r"(?<![\w.])/(?:tmp|root|home|usr|opt|work|var)/"), "an absolute path"),
    (re.compile(r"[A-Za-z]:\\\\"), "a Windows path"),
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "a memory address"),
    (re.compile(r"\b\d+(\.\d+)?\s?(ms|µs|seconds)\b|\bWall time\b|\bCPU times\b"), "a timing"),
]


def _stored_text(output: dict) -> str:
    if output["output_type"] == "stream":
        return "".join(output["text"])
    if output["output_type"] == "error":
        return "\n".join(output["traceback"] + [output["evalue"]])
    return "".join("".join(value) for mime, value in output.get("data", {}).items() if mime.startswith("text/"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_stored_outputs_hold_nothing_of_the_machine_that_ran_them(source):
    """No paths, addresses or timings: a stored error shows the learner's cell and the message, as PyTorch does."""
    for index, cell in enumerate(_notebook(source)["cells"]):
        # a cell tagged "measured" times something on the learner's machine on purpose (lesson 11's table);
        # lessons/sanitize.cfg masks its numbers for nbval, and a timing is all it may hold of the machine
        measured = "measured" in cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            text = _stored_text(output)
            for pattern, what in _MACHINE_SPECIFIC:
                if measured and what == "a timing":
                    continue
                match = pattern.search(text)
                assert match is None, f"{source.stem}.ipynb cell {index} stores {what}: {match.group(0)!r}"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_widget_cell_stores_a_still_picture(source):
    """Read without a kernel (GitHub, nbviewer), a widget is a blank box; its PNG is what the reader sees."""
    for index, cell in enumerate(_notebook(source)["cells"]):
        outputs = cell.get("outputs", [])
        if any(WIDGET_VIEW in output.get("data", {}) for output in outputs):
            assert any("image/png" in output.get("data", {}) for output in outputs), \
                f"{source.stem}.ipynb cell {index} shows a widget but stores no image/png picture of it"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_first_cell_asks_for_short_tracebacks(source):
    """Errors show the learner's line and the message, live and stored alike (build.py trims nothing itself)."""
    first = next(cell for cell in build.read_lesson(source) if cell.kind == "code")
    assert first.source.startswith("import minigrad.widgets\nminigrad.widgets.short_tracebacks()"), \
        f"{source.name}: the first code cell should start by calling minigrad.widgets.short_tracebacks()"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_lesson_links_to_its_neighbours_and_the_path(source):
    text = source.read_text(encoding="utf-8")
    index = SOURCES.index(source)
    assert text.count("[all lessons](README.md)") == 2, f"{source.name}: navigation at the top and the bottom"
    if index > 0:
        assert text.count(f"({SOURCES[index - 1].stem}.ipynb)") >= 2, f"{source.name}: no link to the previous"
    if index + 1 < len(SOURCES):
        assert text.count(f"({SOURCES[index + 1].stem}.ipynb)") >= 2, f"{source.name}: no link to the next"
    readme = (LESSONS_DIR / "README.md").read_text(encoding="utf-8")
    assert f"({source.stem}.ipynb)" in readme, f"lessons/README.md does not list {source.stem}"
