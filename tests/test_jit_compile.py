"""Compiled gradient graphs (``grad_graph().optimize()``, plain array code) agree with eager minigrad.

Generated from ``tests/op_registry.py``: every differentiable op the tracer records is traced inside a loss,
its gradient graph is compiled to array code, and the compiled function is run on *new* inputs and compared
with eager autograd, values and gradients, in float64 with a tight tolerance. The same run proves each array
template of ``minigrad/jit/templates.py`` against the op it spells: every template must be used somewhere here.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.jit as jit
from minigrad.jit import lowering, passes, templates
from op_registry import OPS, OPS_BY_NAME, call, make_inputs

DIFFERENTIABLE = [spec for spec in OPS if spec.differentiable]


def _loss_and_inputs(spec, case, seed):
    """A scalar loss of the op's outputs (weighted, so gradients are not all ones), its inputs, aux tensors."""
    floats, aux = make_inputs(spec, case, np.random.default_rng(seed))
    aux_tensors = [minigrad.tensor(array) for array in aux]
    rng = np.random.default_rng(seed + 1)
    weights = {}  # output position -> fixed weights, drawn at the first call

    def loss(*tensors):
        outputs = call(spec, minigrad, tensors, aux_tensors, case.params)
        total = None
        for position, out in enumerate(outputs):
            if out.dtype.is_floating_point:
                if position not in weights:
                    weights[position] = minigrad.tensor(rng.uniform(0.5, 1.5, tuple(out.shape)))
                term = (out * weights[position]).sum()
                total = term if total is None else total + term
        return total

    return loss, [minigrad.tensor(array) for array in floats]


def _eager(loss, inputs):
    fresh = [t.detach().requires_grad_() for t in inputs]
    value = loss(*fresh)
    grads = minigrad.autograd.grad(value, fresh, allow_unused=True)
    return [value.detach().numpy()] + [np.zeros(t.shape) if g is None else g.numpy() for t, g in zip(fresh, grads)]


@functools.cache
def _compiled_case(name, index):
    """The compiled gradient graph of case ``index`` of op ``name``, and its loss (compiled once per run)."""
    spec = OPS_BY_NAME[name]
    return _compiled(spec, spec.cases[index], seed=index)


def _compiled(spec, case, seed):
    loss, examples = _loss_and_inputs(spec, case, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", jit.TracerWarning)
        step = jit.trace(loss, tuple(examples)).grad_graph(wrt=list(range(len(examples)))).optimize()
    return step, loss


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=[spec.name for spec in DIFFERENTIABLE])
def test_compiled_gradient_graph_agrees_with_eager(spec):
    for index, case in enumerate(spec.cases):
        step, loss = _compiled_case(spec.name, index)
        # a gradient graph compiles to array code, unless it writes in place (then it runs on tensors)
        writes_in_place = any(not n.pure for n in step.graph.ops)
        assert step.graph.on_arrays != writes_in_place
        fresh = [minigrad.tensor(a) for a in make_inputs(spec, case, np.random.default_rng(1000 + index))[0]]
        expected = _eager(loss, fresh)
        actual = [t.numpy() for t in step(*fresh)]
        assert len(actual) == len(expected)
        for e, a in zip(expected, actual):
            np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12, err_msg=case.describe())


def _agree(actual, expected) -> bool:
    return all(np.allclose(a, e, rtol=1e-10, atol=1e-12) for a, e in zip(actual, expected))


def _templates_of(graph):
    used = set()
    for n in graph.ops:
        key, template = templates.template_for(n)
        if template is not None:
            used.add((key, id(template)))
    return used


def test_every_template_was_checked_against_its_op():
    """Each template was used in a compiled graph of the registry test above (where it met eager minigrad)."""
    used = set()
    for spec in DIFFERENTIABLE:
        for index in range(len(spec.cases)):
            used |= _templates_of(_compiled_case(spec.name, index)[0].graph)
    unused = [key for key, options in templates.TEMPLATES.items() for t in options if (key, id(t)) not in used]
    assert not unused, f"templates no registry op exercised: {unused}"


# ------------------------------------------------------------------ what the compiled code looks like
def _two_layer():
    rng = np.random.default_rng(0)
    w1 = minigrad.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    w2 = minigrad.tensor(rng.standard_normal((4, 3)), requires_grad=True)

    def loss_fn(x, y):
        return (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()

    x, y = minigrad.tensor(rng.standard_normal((6, 5))), minigrad.tensor(rng.standard_normal((6, 3)))
    return loss_fn, (x, y), (w1, w2)


@pytest.mark.host_only  # buffers reused with NumPy's out= (the strict device's ufuncs have none)
def test_compiled_code_is_plain_array_arithmetic_with_reused_buffers():
    loss_fn, inputs, params = _two_layer()
    step = jit.trace(loss_fn, inputs).grad_graph().optimize()
    code = step.code
    assert "x @ w1" in code and "xp.maximum(mm, 0)" in code
    assert ".apply(" not in code and "no_grad" not in code  # no dispatch, no autograd inside
    assert "out=" in code  # element-wise results written into dead buffers
    assert "import numpy" not in code
    loss, grad_w1, grad_w2 = step(*inputs)
    eager = loss_fn(*inputs)
    eager.backward()
    np.testing.assert_allclose(loss.numpy(), eager.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_w1.numpy(), params[0].grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_w2.numpy(), params[1].grad.numpy(), rtol=1e-12)


def test_compiled_function_reads_parameters_live_and_inputs_stay_untouched():
    loss_fn, inputs, params = _two_layer()
    step = jit.trace(loss_fn, inputs).grad_graph().optimize()
    before = [t.detach().numpy().copy() for t in (*inputs, *params)]
    first = step(*inputs)[0].item()
    after = [t.detach().numpy().copy() for t in (*inputs, *params)]
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a, b)  # no buffer of an input or a parameter was written into
    with minigrad.no_grad():
        params[0].mul_(0.5)  # an in-place update of a weight: the next call sees it
    assert step(*inputs)[0].item() != first
    assert step(*inputs)[0].item() == loss_fn(*inputs).item()


def test_buffers_are_not_reused_while_a_view_of_them_is_alive():
    def f(x, w):
        h = (x * w).tanh()
        return (h.t().mm(h) * (h * 2.0).sum()).sum()  # h is read through a view after h * 2.0

    rng = np.random.default_rng(1)
    x, w = minigrad.tensor(rng.standard_normal((3, 3))), minigrad.tensor(rng.standard_normal((3, 3)))
    step = jit.trace(f, (x, w)).grad_graph(wrt=[0, 1]).optimize()
    expected = _eager(f, [x, w])
    for e, a in zip(expected, step(x, w)):
        np.testing.assert_allclose(a.numpy(), e, rtol=1e-12)


def test_a_graph_with_autograd_or_in_place_writes_is_not_compiled():
    loss_fn, inputs, params = _two_layer()
    traced = jit.trace(loss_fn, inputs)
    assert not traced.optimize().graph.on_arrays  # its replay must record a graph for .backward()
    assert passes.compile_to_arrays(traced.graph) is traced.graph
    assert not lowering.lowerable(traced.graph)


def test_an_op_without_a_template_runs_as_itself():
    def f(x):
        return x.clamp(-0.5, 0.5).sigmoid().sum()  # clamp with both bounds and sigmoid have no template

    x = minigrad.tensor(np.linspace(-1, 1, 7))
    step = jit.trace(f, (x,)).grad_graph(wrt=[0]).optimize()
    assert "no array template here" in step.code and "Clamp.apply(as_tensor(x)" in step.code
    expected = _eager(f, [x])
    for e, a in zip(expected, step(x)):
        np.testing.assert_allclose(a.numpy(), e, rtol=1e-12)
