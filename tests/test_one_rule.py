"""Issue 13's guarantees about the core a learner reads.

* Every op's backward rule is written once and runs two ways: on arrays while the backward pass records nothing
  (the fast path) and on tensors under ``create_graph=True``. For every op of ``tests/op_registry.py`` both ways
  must give the same gradients (second derivatives are checked by ``test_ops_gradcheck.py``'s gradgradcheck).
* ``engine.py`` and ``function.py`` read like an outline: no function longer than 60 lines.
* Built-in ops are ``Function`` classes that grep finds: ``class Relu(Function)`` with static forward/backward.
"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad.autograd import function as function_module
from op_registry import call, make_inputs
from registry_cases import FIXED_CASES, FIXED_IDS

PACKAGE = Path(minigrad.__file__).parent


def _gradients(spec, case, seed, create_graph):
    floats, aux = make_inputs(spec, case, np.random.default_rng(seed))
    inputs = [minigrad.tensor(array, requires_grad=True) for array in floats]
    outputs = [out for out in call(spec, minigrad, inputs, [minigrad.tensor(a) for a in aux], case.params)
               if out is not None and out.requires_grad]
    rng = np.random.default_rng(seed + 1)
    weights = [minigrad.tensor(rng.standard_normal(out.shape)).to(out.dtype) for out in outputs]
    grads = minigrad.autograd.grad(outputs, inputs, weights, create_graph=create_graph, allow_unused=True)
    return [None if g is None else g.detach().numpy() for g in grads], grads


@pytest.mark.parametrize("spec, index", FIXED_CASES, ids=FIXED_IDS)
def test_the_array_path_and_the_tensor_path_agree(spec, index):
    case = spec.cases[index]
    on_arrays, _ = _gradients(spec, case, seed=index, create_graph=False)
    on_tensors, recorded = _gradients(spec, case, seed=index, create_graph=True)
    for i, (a, t) in enumerate(zip(on_arrays, on_tensors)):
        assert (a is None) == (t is None), f"input {i}: one path gave no gradient"
        if a is not None:
            assert a.dtype == t.dtype and a.shape == t.shape, f"input {i}"
            np.testing.assert_allclose(a, t, rtol=1e-12, atol=1e-12, err_msg=f"input {i} of {spec.name}")


def test_create_graph_really_records_the_rule():
    """The tensor path is not the array path in disguise: its gradient has a graph of its own."""
    x = minigrad.tensor([0.5, 1.5], requires_grad=True)
    grad, = minigrad.autograd.grad(x.sin().sum(), x, create_graph=True)
    assert grad.grad_fn is not None
    second, = minigrad.autograd.grad(grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), -np.sin([0.5, 1.5]), rtol=1e-6)


@pytest.mark.parametrize("name", ["engine.py", "function.py"])
def test_the_core_has_no_function_longer_than_60_lines(name):
    tree = ast.parse((PACKAGE / "autograd" / name).read_text())
    long = [(node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60]
    assert long == []


def _builtin_functions():
    seen, stack = [], [function_module.Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub._builtin and sub.__module__.startswith("minigrad."):
                seen.append(sub)
    return seen


def test_every_builtin_op_is_a_class_grep_finds():
    """``class Name(...)`` in its module's source, with forward and backward defined in a class body (no factory
    of lambdas, no generated classes)."""
    missing = []
    for cls in _builtin_functions():
        source = Path(inspect.getsourcefile(cls)).read_text()
        if f"class {cls.__name__}(" not in source:
            missing.append(cls.__qualname__)
            continue
        for method in ("forward", "backward"):
            code = getattr(cls, method).__code__
            # a rule several ops share (backward = staticmethod(_zero_gradient)) or inherit from another op is a
            # `def` in the file of the op or of the op it extends
            files = {inspect.getsourcefile(k) for k in cls.__mro__ if k.__module__.startswith("minigrad.")}
            if code.co_name == "<lambda>" or code.co_filename not in files:
                missing.append(f"{cls.__name__}.{method}")
    assert missing == []


def test_no_twin_rules_remain():
    """The array twins of issue 13 are gone from ops/ and nn/."""
    twins = ("_on_arrays", "saved_arrays", "forward_on_arrays", "plain(")
    found = []
    for folder in ("ops", "nn"):
        for path in (PACKAGE / folder).rglob("*.py"):
            text = path.read_text()
            found += [f"{path.name}: {twin}" for twin in twins if twin in text]
    assert found == []
