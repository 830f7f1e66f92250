"""The README's "Read minigrad in one sitting" names real functions, and its line counts are true."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _guide_rows():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Read minigrad in one sitting", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit():
            files = re.findall(r"`(minigrad/[\w/]+\.py)`", cells[1])
            names = [name.split(".")[-1] for name in re.findall(r"`([\w.]+)`", cells[2])]
            yield files, names, int(cells[3])


def _code_lines(source: str, node) -> set:
    """Line numbers of ``node`` that hold code: no blank lines, comments or docstrings."""
    docstrings = set()
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = source.splitlines()
    return {i for i in range(node.lineno, node.end_lineno + 1)
            if lines[i - 1].strip() and not lines[i - 1].strip().startswith("#") and i not in docstrings}


def test_every_named_piece_exists_and_the_counts_hold():
    rows = list(_guide_rows())
    assert len(rows) == 6
    total = 0
    for files, names, stated in rows:
        found, counted = set(), set()
        for path in files:
            source = (ROOT / path).read_text()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names and node.name not in found:
                    found.add(node.name)
                    counted |= {(path, line) for line in _code_lines(source, node)}
        assert set(names) <= found | {"docstring"}, f"{files}: {set(names) - found} not found"
        assert abs(len(counted) - stated) <= max(5, stated // 10), f"{files}: {len(counted)} lines, README says {stated}"
        total += len(counted)
    assert total <= 620, f"the guide grew to {total} lines of code"
