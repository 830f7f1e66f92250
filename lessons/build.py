"""Build the lesson notebooks from their text sources.

The lessons are written as plain Python files in jupytext's "percent" format under ``lessons/src/``:

* ``# %% [markdown]`` starts a markdown cell; its lines carry a ``# `` prefix (a bare ``#`` is an empty line);
* ``# %%`` starts a code cell;
* ``# %% tags=["raises-exception"]`` starts a code cell with cell tags (any JSON list of strings).

This script converts every ``lessons/src/NN_topic.py`` into ``lessons/NN_topic.ipynb`` (nbformat 4, kernelspec
``python3``, tags kept in ``cell.metadata.tags``, stable cell ids). With ``--execute`` it then runs each notebook
top to bottom with nbclient in the current Python environment (cells tagged ``raises-exception`` may fail, any
other error stops the build) and saves the outputs into the notebook.

A stored error looks as the learner sees it live: every lesson's first cell calls
``minigrad.widgets.short_tracebacks()``, so a "meant to fail" cell stores the learner's line and the message, without
minigrad's frames and their machine paths (``tests/test_lessons_in_sync.py`` checks that no path is stored).

Usage::

    python lessons/build.py                 # convert all lessons
    python lessons/build.py 03 04           # only lessons whose file name starts with 03 or 04
    python lessons/build.py --execute       # convert and execute (needs a working minigrad + ipykernel)
    python lessons/build.py --check         # exit 1 if a notebook differs from its source file (cell kinds,
                                            # sources, tags) or was saved without running every code cell

The parser needs nothing beyond the standard library; nbformat (and nbclient for ``--execute``) are imported only
when notebooks are written or run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

LESSONS_DIR = Path(__file__).resolve().parent
SRC_DIR = LESSONS_DIR / "src"

_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
_KIND = re.compile(r"^\s*\[(?P<kind>markdown|md|raw)\]")
_TAGS = re.compile(r"tags\s*=\s*(?P<tags>\[[^\]]*\])")

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass
class Cell:
    kind: str  # "markdown", "code" or "raw"
    source: str
    tags: list[str] = field(default_factory=list)
    line: int = 0  # 1-based line of the cell marker in the source file


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _uncomment(line: str) -> str:
    if line.startswith("# "):
        return line[2:]
    if line.rstrip() == "#":
        return ""
    raise ValueError(f"markdown line does not start with '# ': {line!r}")


def parse_percent(text: str, filename: str = "<source>") -> list[Cell]:
    """Split a percent-format source into cells. Text before the first marker is ignored if blank."""
    cells: list[Cell] = []
    current: Cell | None = None
    body: list[str] = []

    def flush() -> None:
        if current is None:
            if any(line.strip() for line in body):
                raise ValueError(f"{filename}: code before the first '# %%' marker")
            return
        lines = _strip_blank_edges(body)
        if current.kind in ("markdown", "raw"):
            try:
                lines = [_uncomment(line) for line in lines]
            except ValueError as error:
                raise ValueError(f"{filename}:{current.line}: {error}") from None
        current.source = "\n".join(lines)
        cells.append(current)

    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARKER.match(line)
        if match:
            flush()
            rest = match.group("rest")
            kind_match = _KIND.match(rest)
            kind = "code"
            if kind_match:
                kind = "markdown" if kind_match.group("kind") in ("markdown", "md") else "raw"
            tags: list[str] = []
            tags_match = _TAGS.search(rest)
            if tags_match:
                tags = json.loads(tags_match.group("tags"))
                if not all(isinstance(tag, str) for tag in tags):
                    raise ValueError(f"{filename}:{number}: tags must be strings")
            current = Cell(kind=kind, source="", tags=tags, line=number)
            body = []
        else:
            body.append(line)
    flush()
    return cells


def read_lesson(path: Path) -> list[Cell]:
    return parse_percent(path.read_text(encoding="utf-8"), filename=str(path))


def lesson_sources(filters: list[str] | None = None) -> list[Path]:
    paths = sorted(SRC_DIR.glob("[0-9][0-9]_*.py"))
    if filters:
        paths = [p for p in paths if any(p.stem.startswith(f) or p.stem == f for f in filters)]
    return paths


def to_notebook(cells: list[Cell], stem: str):
    import nbformat
    from nbformat import v4

    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(cells):
        metadata = {"tags": list(cell.tags)} if cell.tags else {}
        if cell.kind == "markdown":
            new = v4.new_markdown_cell(cell.source, metadata=metadata)
        elif cell.kind == "raw":
            new = v4.new_raw_cell(cell.source, metadata=metadata)
        else:
            new = v4.new_code_cell(cell.source, metadata=metadata)
        new["id"] = f"{stem[:40]}-{index:03d}"  # stable ids keep diffs small
        nb.cells.append(new)
    nbformat.validate(nb)
    return nb


def kernel_environment() -> None:
    """What a lesson kernel inherits; the same as ``lessons/conftest.py`` sets up for nbval (see there why)."""
    root = str(LESSONS_DIR.parent)
    paths = [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def execute(nb, timeout: int):
    from nbclient import NotebookClient

    kernel_environment()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNELSPEC["name"],
        resources={"metadata": {"path": str(LESSONS_DIR)}},
        record_timing=False,
    )
    client.execute()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)  # the kernel may rewrite it
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
    return nb


def _merge_streams(outputs):
    """Join consecutive pieces of the same stream: how a print was split into messages depends on timing."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.output_type == "stream" and previous is not None and previous.output_type == "stream"
                and previous.name == output.name):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def check_sync(path: Path, cells: list[Cell]) -> list[str]:
    """Differences between a built notebook and its source (cell kinds, sources and tags)."""
    import nbformat

    target = LESSONS_DIR / f"{path.stem}.ipynb"
    if not target.exists():
        return [f"{target.name}: missing"]
    nb = nbformat.read(target, as_version=4)
    problems = []
    if len(nb.cells) != len(cells):
        problems.append(f"{target.name}: {len(nb.cells)} cells, source has {len(cells)}")
    for index, (old, new) in enumerate(zip(nb.cells, cells)):
        tags = list(old.get("metadata", {}).get("tags", []))
        if old.cell_type != new.kind or old.source != new.source or tags != new.tags:
            problems.append(f"{target.name}: cell {index} (source line {new.line}) differs")
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if any(cell.get("execution_count") is None for cell in code):
        problems.append(f"{target.name}: saved without outputs (not every code cell ran); build with --execute")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson prefixes such as 03 or 03_scalar_backward")
    parser.add_argument("--execute", action="store_true", help="run the notebooks and save their outputs")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell when executing")
    parser.add_argument("--check", action="store_true", help="only check that the notebooks match the sources")
    args = parser.parse_args(argv)

    paths = lesson_sources(args.lessons)
    if not paths:
        print("no lesson sources matched", file=sys.stderr)
        return 1

    if args.check:
        problems = [p for path in paths for p in check_sync(path, read_lesson(path))]
        for problem in problems:
            print(problem)
        return 1 if problems else 0

    import nbformat

    for path in paths:
        nb = to_notebook(read_lesson(path), path.stem)
        target = LESSONS_DIR / f"{path.stem}.ipynb"
        if args.execute:
            print(f"executing {path.name} ...", flush=True)
            nb = execute(nb, args.timeout)
        nbformat.write(nb, target)
        print(f"wrote {target.relative_to(LESSONS_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
