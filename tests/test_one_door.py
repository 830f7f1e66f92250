"""Guards for two promises of the readable core (issue 13, STYLE items 6 and 15).

* One door to NumPy: only ``minigrad/backend/`` imports NumPy or CuPy or names NumPy's namespace; every
  other module asks ``namespace_of(array)`` for the namespace of the array at hand (NumPy, CuPy or the
  strict test arrays). The scan reads names and attribute access, not only import lines.
* A method is a ``def`` you can find: every public method and operator of ``Tensor`` is defined by a
  ``def`` of its own name, so grep and go-to-definition land on it.
"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import minigrad

PACKAGE = Path(minigrad.__file__).parent

# May use NumPy: the door itself, and the picture-drawing code (viz, widgets, exercises' plots).
ALLOWED = ("backend/", "viz/", "widgets/", "exercises.py")

# Modules that still name NumPy (2026-12-06, while the lead rewrites ops/ and autograd/ for issue 13).
# Convert a file, then delete its line here: the test fails while a listed file no longer names NumPy, so
# this set can only shrink.
NOT_YET_CONVERTED: set = set()  # every module outside the backend asks it; the set may only shrink

NUMPY_MODULES = ("numpy", "cupy", "cupyx")
# Names under which code here has held NumPy's (or CuPy's) namespace
NUMPY_NAMES = {"np", "numpy", "_np", "_numpy", "_NUMPY", "_host", "cupy", "cp", "_cupy"}


def _numpy_uses(tree: ast.AST) -> list[str]:
    """Each place (``line: what``) where a module imports NumPy/CuPy or names its namespace."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in NUMPY_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] in NUMPY_MODULES:
            found.append(f"{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Name) and node.id in NUMPY_NAMES:
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr == "xp" and "NUMPY_BACKEND" in ast.unparse(node.value):
            found.append(f"{node.lineno}: {ast.unparse(node)}")  # the NumPy backend's namespace, by name
    return found


def _scanned_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if not name.startswith(ALLOWED):
            yield name, path


def test_the_scan_finds_each_way_of_naming_numpy():
    source = ("import numpy as np\nfrom cupy import ndarray\nx = _host.add\ny = NUMPY_BACKEND.xp.zeros\n"
              "z = backend.NUMPY_BACKEND.xp\nimport cupyx.scipy\n")
    assert sorted(use.split(":")[0] for use in _numpy_uses(ast.parse(source))) == ["1", "2", "3", "4", "5", "6"]
    assert _numpy_uses(ast.parse("xp = namespace_of(array)\nxp.exp(array)\n")) == []


def test_only_the_backend_names_numpy():
    uses = {name: _numpy_uses(ast.parse(path.read_text())) for name, path in _scanned_modules()}
    offenders = {name: found for name, found in uses.items() if found and name not in NOT_YET_CONVERTED}
    assert offenders == {}, "ask minigrad.backend (namespace_of(array)) instead of naming NumPy"
    converted = sorted(name for name in NOT_YET_CONVERTED if not uses.get(name))
    assert converted == [], "these no longer name NumPy: remove them from NOT_YET_CONVERTED"


def _definition(value):
    """The function behind a class attribute (method, property getter, class or static method), or None."""
    if isinstance(value, property):
        value = value.fget
    elif isinstance(value, (classmethod, staticmethod)):
        value = value.__func__
    return value if inspect.isfunction(value) else None


def test_every_tensor_method_is_a_def_of_its_own_name():
    misnamed = []
    for name in dir(minigrad.Tensor):
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue  # private helpers; public methods and operators are what a learner looks up
        function = _definition(inspect.getattr_static(minigrad.Tensor, name))
        if function is None or not function.__code__.co_filename.startswith(str(PACKAGE)):
            continue  # object's own slots (__init_subclass__, ...) and plain data
        lines, _ = inspect.getsourcelines(function)
        header = next((line for line in lines if line.lstrip().startswith("def ")), "(a lambda)")
        if function.__code__.co_name != name or not header.lstrip().startswith(f"def {name}("):
            misnamed.append(f"{name} is {function.__code__.co_name} ({function.__code__.co_filename})")
    assert misnamed == []


def test_the_method_check_sees_a_renamed_method():
    def renamed(self):
        return self

    minigrad.Tensor.renamed_for_this_test = renamed
    try:
        function = _definition(inspect.getattr_static(minigrad.Tensor, "renamed_for_this_test"))
        assert function.__code__.co_name != "renamed_for_this_test"
    finally:
        del minigrad.Tensor.renamed_for_this_test
