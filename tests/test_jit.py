"""minigrad.jit: traced graphs replay what eager mode computes, the passes keep it so, the warnings warn.

The oracle everywhere is eager minigrad itself: a traced function called on new inputs must give what the
Python function gives on those inputs -- values and gradients -- unless a TracerWarning said otherwise.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigrad as torch
import minigrad.jit as jit
from minigrad.autograd import function as function_module
from minigrad.jit import TracerWarning, passes

# A TracerWarning no test asked for is a failure: warnings must fire where they should and nowhere else.
pytestmark = pytest.mark.filterwarnings("error::minigrad.jit.TracerWarning")

PASSES = {
    "constant_folding": passes.constant_folding,
    "cse": passes.common_subexpression_elimination,
    "dce": passes.dead_code_elimination,
    "fusion": passes.fuse_elementwise,
    "optimize": passes.optimize,
}


def tensor(array, requires_grad=False):
    return torch.tensor(np.asarray(array, dtype=np.float32), requires_grad=requires_grad)


def values_and_grads(fn, inputs, params):
    """fn(*inputs) and the gradients of its sum w.r.t. inputs and params, as NumPy arrays."""
    fresh = [t.detach().requires_grad_() for t in inputs]
    for p in params:
        p.grad = None
    out = fn(*fresh)
    out.sum().backward()
    grads = [np.zeros(t.shape) if t.grad is None else t.grad.numpy() for t in [*fresh, *params]]
    return out.detach().numpy(), grads


def assert_same(expected, actual):
    (value_e, grads_e), (value_a, grads_a) = expected, actual
    np.testing.assert_allclose(value_a, value_e, rtol=1e-5, atol=1e-6)
    assert len(grads_a) == len(grads_e)
    for g_e, g_a in zip(grads_e, grads_a):
        np.testing.assert_allclose(g_a, g_e, rtol=1e-4, atol=1e-5)


def trace_quietly(fn, inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)  # none for a function without Python data flow
        return jit.trace(fn, inputs)


# ------------------------------------------------------------------ random programs: trace vs eager
UNARY = [
    lambda a: a.tanh().exp(), lambda a: a.tanh(), lambda a: a.sigmoid(), lambda a: a.relu(), lambda a: a.sin(),
    lambda a: -a, lambda a: a * a.tanh(), lambda a: a * 0.5 + 1.0, lambda a: a.clamp(min=-0.5, max=0.7),
    lambda a: (a * a + 1.0).sqrt(), lambda a: 2.0 - a,
]
BINARY = [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / (b * b + 1.0),
    lambda a, b: torch.maximum(a, b), lambda a, b: torch.where(a > b, a, b * 2.0),
]
FINAL = [lambda a: a, lambda a: a.sum(0), lambda a: a.mean(), lambda a: a.tanh().exp().sum(-1, keepdim=True)]


@st.composite
def programs(draw):
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    other_shape = draw(st.sampled_from([(rows, cols), (cols,), (1, cols), ()]))
    steps = draw(st.lists(st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 2)), min_size=1,
                          max_size=7))
    final = draw(st.integers(0, len(FINAL) - 1))
    seed = draw(st.integers(0, 2 ** 16))
    return (rows, cols), other_shape, steps, final, seed


def build(program):
    """A function f(x, y) from a drawn program; it also reads a closed-over weight w (a parameter)."""
    shape, other_shape, steps, final, seed = program
    rng = np.random.default_rng(seed)
    w = tensor(rng.uniform(0.5, 1.5, shape[-1:]), requires_grad=True)

    def f(x, y):
        value = x
        operands = (x, y, w)
        for binary, which, operand in steps:
            if binary:
                value = BINARY[which % len(BINARY)](value, operands[operand])
            else:
                value = UNARY[which % len(UNARY)](value)
        return FINAL[final](value)

    example = (tensor(rng.normal(size=shape)), tensor(rng.normal(size=other_shape)))
    fresh = (tensor(rng.normal(size=shape)), tensor(rng.normal(size=other_shape)))
    return f, w, example, fresh


@settings(max_examples=25, deadline=None)
@given(programs())
def test_traced_replay_matches_eager_values_and_gradients(program):
    f, w, example, fresh = build(program)
    traced = trace_quietly(f, example)
    assert_same(values_and_grads(f, fresh, [w]), values_and_grads(traced, fresh, [w]))


@settings(max_examples=15, deadline=None)
@given(programs(), st.sampled_from(sorted(PASSES)))
def test_every_pass_preserves_values_and_gradients(program, pass_name):
    f, w, example, fresh = build(program)
    graph = trace_quietly(f, example).graph
    optimised = PASSES[pass_name](graph)
    assert len(optimised) <= len(graph)
    assert_same(values_and_grads(f, fresh, [w]), values_and_grads(optimised, fresh, [w]))


@settings(max_examples=10, deadline=None)
@given(programs())
def test_grad_graph_matches_autograd(program):
    f, w, example, fresh = build(program)

    def loss(x, y):
        return f(x, y).sum()

    traced = trace_quietly(loss, example)
    for step in (traced.grad_graph(wrt=[w, 0]), traced.grad_graph(wrt=[w, 0]).optimize()):
        value, grad_w, grad_x = step(*fresh)
        x = fresh[0].detach().requires_grad_()
        expected = loss(x, fresh[1])
        expected_w, expected_x = torch.autograd.grad(expected, [w, x], allow_unused=True, materialize_grads=True)
        np.testing.assert_allclose(value.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(grad_w.numpy(), expected_w.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(grad_x.numpy(), expected_x.numpy(), rtol=1e-4, atol=1e-5)
        assert not value.requires_grad  # the gradient graph runs without autograd


class ScaledSquare(torch.autograd.Function):
    """x**2 whose backward reads a value its forward computed and saved (2x): not an input, not an output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x._array * 2)
        return x._array ** 2

    @staticmethod
    def backward(ctx, grad):
        doubled, = ctx.saved_tensors
        return grad * doubled


def test_grad_graph_recomputes_values_a_forward_saved_instead_of_freezing_them():
    traced = trace_quietly(lambda x: ScaledSquare.apply(x).sum(), (tensor([1.0, 2.0]),))
    step = traced.grad_graph()
    assert "saved_for_backward(ScaledSquare, 0" in step.code
    for run in (step, step.optimize()):
        value, grad = run(tensor([3.0, -5.0]))
        assert value.item() == 34.0
        np.testing.assert_allclose(grad.numpy(), [6.0, -10.0])


def test_grad_graph_of_a_model_and_cross_entropy_follows_new_targets():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))

    def loss(x, y):
        return torch.nn.functional.cross_entropy(model(x), y)

    x = tensor(np.random.default_rng(0).normal(size=(5, 4)))
    traced = trace_quietly(loss, (x, torch.tensor([0, 1, 1, 0, 1])))
    assert [n.name for n in traced.graph.parameters] == ["model_0_weight", "model_0_bias", "model_2_weight",
                                                         "model_2_bias"]
    step = traced.grad_graph().optimize()
    new_targets = torch.tensor([1, 1, 0, 0, 0])
    value, *grads = step(x, new_targets)
    model.zero_grad()
    expected = loss(x, new_targets)
    expected.backward()
    assert value.item() == pytest.approx(expected.item(), rel=1e-6)
    for grad, parameter in zip(grads, model.parameters()):
        np.testing.assert_allclose(grad.numpy(), parameter.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_in_place_ops_whose_backward_reads_the_overwritten_values_replay_them():
    """``y.mul_(x)`` and ``F.silu(y, inplace=True)``: their backward reads y as it was before the write."""
    w = tensor([0.5, -1.5, 2.0], requires_grad=True)

    def f(x):
        y = x * w
        y.mul_(x)
        torch.nn.functional.silu(y, inplace=True)
        y.log1p_()
        return y * 3.0

    traced = trace_quietly(f, (tensor([0.2, 0.4, 0.6]),))
    assert "torch.nn.functional.silu(mul, inplace=True)" in traced.code.replace("mul_mul", "mul")
    fresh = tensor([0.3, 0.1, 0.9])
    assert_same(values_and_grads(f, [fresh], [w]), values_and_grads(traced, [fresh], [w]))
    step = trace_quietly(lambda x: f(x).sum(), (tensor([0.2, 0.4, 0.6]),)).grad_graph(wrt=[w, 0])
    assert "Clone.apply(mul)" in step.code  # the old values, copied before they are overwritten
    for run in (step, step.optimize()):
        value, grad_w, grad_x = run(fresh)
        expected, (expected_x, expected_w) = values_and_grads(f, [fresh], [w])
        np.testing.assert_allclose(value.numpy(), expected.sum(), rtol=1e-5)
        np.testing.assert_allclose(grad_w.numpy(), expected_w, rtol=1e-5)
        np.testing.assert_allclose(grad_x.numpy(), expected_x, rtol=1e-5)


def test_in_place_op_on_a_value_without_history_reads_that_value_per_run():
    """The copy ``mul_`` keeps of ``y`` has no grad_fn to find it by; it still follows the input."""
    w = tensor([1.0, 2.0], requires_grad=True)

    def f(x):
        y = x.detach() * 2.0
        y.mul_(w)
        return y.sum()

    step = trace_quietly(f, (tensor([1.0, 1.0]),)).grad_graph()
    value, grad_w = step(tensor([3.0, -4.0]))
    assert value.item() == 6.0 * 1.0 - 8.0 * 2.0
    np.testing.assert_allclose(grad_w.numpy(), [6.0, -8.0])


# ------------------------------------------------------------------ the graph and its code
def test_graph_lists_inputs_params_constants_ops_and_output():
    w = tensor([1.0, 2.0], requires_grad=True)
    offset = tensor([0.5, 0.5])

    def f(x):
        return (x * w + offset).sum()

    traced = trace_quietly(f, (tensor([3.0, 4.0]),))
    kinds = [(n.kind, n.name) for n in traced.graph]
    assert kinds[0] == ("input", "x")
    assert ("param", "w") in kinds and ("const", "offset") in kinds
    assert [n.target.display for n in traced.graph.ops] == ["Mul", "Add", "Sum"]
    assert kinds[-1] == ("output", "output")
    assert traced.graph.parameters[0].target is w  # a reference, not a copy
    table = traced.graph.tabular()
    assert table.splitlines()[0].split() == ["kind", "name", "target", "args", "shape"]
    assert "(x, w)" in table
    code = traced.code
    assert code.startswith("def forward(x):") and "Mul.apply(x, w)" in code and "return sum_1" in code


def test_replay_does_not_run_the_python_function():
    calls = []

    def f(x):
        calls.append(1)
        return x.exp() * 2

    traced = trace_quietly(f, (tensor([0.0]),))
    assert len(calls) == 1
    out = traced(tensor([1.0, 2.0][:1]))
    assert len(calls) == 1
    np.testing.assert_allclose(out.numpy(), 2 * np.exp([1.0]), rtol=1e-6)


def test_to_networkx_has_label_and_kind_for_every_node():
    w = tensor([1.0], requires_grad=True)
    traced = trace_quietly(lambda x: (x * w + torch.ones(1)).relu(), (tensor([1.0]),))
    drawn = traced.graph.to_networkx()
    assert set(drawn.nodes) == {n.name for n in traced.graph}
    assert {drawn.nodes[n]["kind"] for n in drawn.nodes} == {"input", "param", "const", "op", "output"}
    assert all(drawn.nodes[n]["label"] for n in drawn.nodes)
    assert drawn.has_edge("x", "mul") and drawn.has_edge("w", "mul") and drawn.has_edge("relu", "output")


def test_multi_output_ops_and_user_functions_replay_with_gradients():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * 3 * x * x

    def f(x):
        values, indices = x.max(1)
        return Cube.apply(values).sum() + x[:, 0].sum()

    traced = trace_quietly(f, (tensor(np.ones((2, 3))),))
    assert "Cube" in [n.target.display for n in traced.graph.ops]
    fresh = tensor(np.random.default_rng(0).normal(size=(2, 3)))
    assert_same(values_and_grads(f, [fresh], []), values_and_grads(traced, [fresh], []))


def test_writes_into_a_tensor_made_inside_the_function_replay_into_a_fresh_copy():
    def f(x):
        out = torch.zeros(3)
        out[0] = x.sum()
        out[1:] = x * 2
        out += 1
        return out

    traced = trace_quietly(f, (tensor([1.0, 2.0]),))
    x = tensor([3.0, -1.0])
    first, second = traced(x), traced(x)
    assert first is not second
    np.testing.assert_allclose(first.numpy(), f(x).numpy())
    assert_same(values_and_grads(f, [x], []), values_and_grads(traced, [x], []))


def test_tracing_leaves_tensor_and_function_untouched_even_when_the_function_fails():
    # (__dict__.get: item and detach are Tensor's own, __gt__ and add_ come from its method mixins)
    originals = {name: torch.Tensor.__dict__.get(name) for name in ("item", "__bool__", "__gt__", "add_", "detach")}

    def broken(x):
        x.item()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"), pytest.warns(TracerWarning):
        jit.trace(broken, (tensor([1.0]),))
    assert function_module._trace_state.hook is None
    for name, original in originals.items():
        assert torch.Tensor.__dict__.get(name) is original
    assert torch.ops.where is torch.ops.elementwise.where


def test_bad_uses_get_clear_errors():
    with pytest.raises(TypeError, match="example_inputs must be a Tensor"):
        jit.trace(lambda x: x, ([1.0],))
    with pytest.raises(RuntimeError, match="Only tensors"), pytest.warns(TracerWarning):
        jit.trace(lambda x: x.sum().item() * 0 + 1.0, (tensor([1.0]),))
    w = tensor([1.0], requires_grad=True)

    def backward_inside(x):
        loss = (x * w).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="torch.autograd.grad"):
        jit.trace(backward_inside, (tensor([1.0]),))
    traced = trace_quietly(lambda x: x * 2, (tensor([1.0, 2.0]),))
    with pytest.raises(TypeError, match="takes 1 positional argument"):
        traced(tensor([1.0, 2.0]), tensor([2.0]))
    with pytest.raises(RuntimeError, match="scalar"):
        traced.grad_graph(wrt=[0])


# ------------------------------------------------------------------ each optimisation does its job
def test_constant_folding_runs_constant_ops_ahead_of_time():
    def f(x):
        scale = torch.tensor(2.0).exp() * 3  # depends on no input: can be computed once
        return x * scale

    graph = trace_quietly(f, (tensor([1.0, 2.0]),)).graph
    folded = passes.dead_code_elimination(passes.constant_folding(graph))
    assert graph.count("op") == 3 and folded.count("op") == 1
    assert folded.count("const") == 1
    x = tensor([0.5, -1.0])
    assert_same(values_and_grads(f, [x], []), values_and_grads(folded, [x], []))


def test_common_subexpression_elimination_merges_repeated_work():
    def f(x):
        return (x * 2).exp() + (x * 2).exp()

    graph = trace_quietly(f, (tensor([1.0, 2.0]),)).graph
    merged = passes.common_subexpression_elimination(graph)
    assert [n.target.display for n in graph.ops] == ["Mul", "Exp", "Mul", "Exp", "Add"]
    assert [n.target.display for n in merged.ops] == ["Mul", "Exp", "Add"]
    x = tensor([0.1, -0.3])
    assert_same(values_and_grads(f, [x], []), values_and_grads(merged, [x], []))


def test_dead_code_elimination_drops_unused_work_but_keeps_in_place_updates():
    w = tensor([1.0, 1.0], requires_grad=True)
    seen = tensor([0.0, 0.0])

    def f(x):
        x.exp().sum()  # computed, never used
        with torch.no_grad():
            seen.add_(x)  # a side effect: must stay
        return x * w

    graph = trace_quietly(f, (tensor([1.0, 2.0]),)).graph
    pruned = passes.dead_code_elimination(graph)
    assert [n.target.display for n in graph.ops] == ["Exp", "Sum", "Clone", "Tensor.add_", "Mul"]
    assert [n.target.display for n in pruned.ops] == ["Clone", "Tensor.add_", "Mul"]
    np.testing.assert_allclose(pruned(tensor([3.0, 4.0])).detach().numpy(), [3.0, 4.0])


def test_fusion_turns_an_elementwise_chain_into_one_node_with_the_same_gradients():
    w = tensor([0.3, -0.2, 0.5], requires_grad=True)

    def f(x):
        return ((x * w + 1.0).tanh() * 2.0 - x).sigmoid().sum()

    graph = trace_quietly(f, (tensor([1.0, 2.0, 3.0]),)).graph
    fused = passes.fuse_elementwise(graph)
    assert graph.count("op") == 7
    assert [n.target.display for n in fused.ops] == ["FusedElementwise", "Sum"]
    assert "FusedElementwise.apply(kernel, x, w)" in fused.code
    x = tensor([0.5, -1.0, 2.0])
    assert_same(values_and_grads(f, [x], [w]), values_and_grads(fused, [x], [w]))


def test_fused_node_supports_second_derivatives():
    def f(x):
        return (x * x * x).sin()

    fused = passes.fuse_elementwise(trace_quietly(f, (tensor([1.0, 2.0]),)).graph)
    assert fused.count("op") == 1

    def second_derivative(fn):
        x = tensor([0.7, -0.4], requires_grad=True)
        first, = torch.autograd.grad(fn(x).sum(), [x], create_graph=True)
        second, = torch.autograd.grad(first.sum(), [x])
        return first.detach().numpy(), second.numpy()

    for expected, actual in zip(second_derivative(f), second_derivative(fused)):
        np.testing.assert_allclose(actual, expected, rtol=1e-5)


def test_optimize_prints_each_pass_before_and_after(capsys):
    traced = trace_quietly(lambda x: (x * 2 + 1).exp() + (x * 2 + 1).exp(), (tensor([1.0]),))
    optimised = traced.optimize(passes=passes.DEFAULT_PASSES, verbose=True)
    printed = capsys.readouterr().out
    for name in ("constant_folding", "common_subexpression_elimination", "dead_code_elimination",
                 "fuse_elementwise"):
        assert f"{name}: " in printed
    assert printed.count("before:") == 4 and printed.count("after:") == 4
    assert optimised.graph.count("op") == 1
    assert traced.graph.count("op") == 7  # passes return new graphs


def test_optimize_by_default_compiles_a_whole_graph_into_one_node_with_autograd(capsys):
    w = tensor([0.5, -1.0], requires_grad=True)
    traced = trace_quietly(lambda x: ((x * w + 1).exp() * (x * w + 1).exp()).sum(), (tensor([1.0, 2.0]),))
    optimised = traced.optimize(verbose=True)
    assert "fuse_elementwise: skipped (the whole graph is one compiled node)" in capsys.readouterr().out
    assert [n.target.display for n in optimised.graph.ops] == ["CompiledGraph"]
    x = tensor([0.3, -0.7])
    assert_same(values_and_grads(traced, [x], [w]), values_and_grads(optimised, [x], [w]))


def test_optimize_fuses_where_it_pays_and_says_why_it_does_not(capsys, monkeypatch):
    # two outputs: not one compiled node, so the fusion decision applies
    traced = trace_quietly(lambda x: ((x * 2 + 1).exp(), x * 3), (tensor([1.0, 2.0]),))
    assert [n.target.display for n in traced.optimize().graph.ops] == ["FusedElementwise", "Mul"]  # small: pays
    monkeypatch.setattr(passes, "FUSION_MAX_ELEMENTS", 1)  # as on a machine where it pays up to one element
    optimised = traced.optimize(verbose=True)
    assert "fuse_elementwise: skipped (its element-wise values have up to 2 elements" in capsys.readouterr().out
    assert "FusedElementwise" not in optimised.code and optimised.graph.count("op") == 4


def test_compiled_node_gives_second_derivatives_and_follows_what_needs_a_gradient():
    w = tensor([0.5, -1.0], requires_grad=True)

    def f(x):
        return (x * w).tanh().pow(2).sum()

    optimised = trace_quietly(f, (tensor([1.0, 2.0]),)).optimize()
    assert [n.target.display for n in optimised.graph.ops] == ["CompiledGraph"]
    for fn in (f, optimised):
        x = tensor([0.4, -0.3], requires_grad=True)
        grad_x, = torch.autograd.grad(fn(x), [x], create_graph=True)
        second, = torch.autograd.grad(grad_x.sum(), [x])
        if fn is f:
            expected = (grad_x.detach().numpy(), second.numpy())
    np.testing.assert_allclose(grad_x.detach().numpy(), expected[0], rtol=1e-6)
    np.testing.assert_allclose(second.numpy(), expected[1], rtol=1e-6)
    with torch.no_grad():
        value = optimised(tensor([0.4, -0.3]))  # nothing records: the forward half alone
    assert value.grad_fn is None and np.isclose(value.item(), f(tensor([0.4, -0.3])).item())
    x = tensor([0.4, -0.3])  # needs no gradient: only w's is compiled
    w.grad = None
    optimised(x).backward()
    compiled_grad = w.grad.numpy().copy()
    w.grad = None
    f(x).backward()
    np.testing.assert_allclose(compiled_grad, w.grad.numpy(), rtol=1e-6)
    compiled = optimised.graph.ops[0].args[0]
    assert set(compiled.programs) == {(True, True), (False, False), (False, True)}


def test_a_traced_function_with_autograd_runs_as_one_compiled_node_and_op_by_op_otherwise():
    w = tensor([0.5, -1.0], requires_grad=True)

    def f(x):
        return (x * w).tanh().pow(2).sum()

    traced = trace_quietly(f, (tensor([1.0, 2.0]),))
    x = tensor([0.4, -0.3], requires_grad=True)
    out = traced(x)
    assert type(out.grad_fn).__name__ == "CompiledGraphBackward"  # one node, not one per op
    assert_same(values_and_grads(f, [x], [w]), values_and_grads(traced, [x], [w]))
    # second derivatives: backward replays the graph op by op and differentiates that
    grad_x, = torch.autograd.grad(traced(x), [x], create_graph=True)
    second, = torch.autograd.grad(grad_x.sum(), [x])
    expected_x, = torch.autograd.grad(f(x), [x], create_graph=True)
    expected_second, = torch.autograd.grad(expected_x.sum(), [x])
    np.testing.assert_allclose(second.numpy(), expected_second.numpy(), rtol=1e-6)
    # where autograd records nothing, or sees ops one at a time, the graph runs op by op
    with torch.no_grad():
        assert traced(x).grad_fn is None
    import minigrad.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        dual = fwAD.make_dual(tensor([0.4, -0.3]), tensor([1.0, 0.0]))
        tangent = fwAD.unpack_dual(traced(dual)).tangent
        expected = fwAD.unpack_dual(f(dual)).tangent
    np.testing.assert_allclose(tangent.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    with pytest.warns(TracerWarning, match="has shape"):
        longer = traced(tensor([[0.4, -0.3], [0.1, 0.2]], requires_grad=True))  # unlike the example: op by op
    assert type(longer.grad_fn).__name__ == "SumBackward0"


# ------------------------------------------------------------------ parameters and the TensorFlow-style loop
def test_parameters_receive_gradients_and_in_place_updates_are_seen():
    w = tensor([1.0, 2.0], requires_grad=True)
    traced = trace_quietly(lambda x: (x * w).sum(), (tensor([1.0, 1.0]),))
    x = tensor([3.0, 5.0])
    traced(x).backward()
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 5.0])
    with torch.no_grad():
        w -= 0.5 * w.grad
    assert traced(x).item() == pytest.approx((x * w).sum().item())
    assert traced(x).item() == pytest.approx(3 * -0.5 + 5 * -0.5)


def test_constants_are_copied_when_traced():
    data = tensor([1.0, 2.0])
    traced = trace_quietly(lambda x: x + data, (tensor([0.0, 0.0]),))
    data.add_(100.0)
    np.testing.assert_allclose(traced(tensor([0.0, 0.0])).numpy(), [1.0, 2.0])


def _two_layer_problem():
    rng = np.random.default_rng(1)
    n, d_in, hidden, d_out = 16, 20, 12, 3
    x, y = tensor(rng.normal(size=(n, d_in))), tensor(rng.normal(size=(n, d_out)))
    start = (rng.normal(size=(d_in, hidden)) * 0.3, rng.normal(size=(hidden, d_out)) * 0.3)
    return x, y, start


def _train(make_step, steps=30):
    """Losses of `steps` training steps of the seed's two-layer net, run by `make_step(w1, w2)`."""
    x, y, start = _two_layer_problem()
    w1, w2 = (tensor(a, requires_grad=True) for a in start)
    step = make_step(w1, w2, x, y)
    return [step() for _ in range(steps)]


LEARNING_RATE = 2e-3


def _loss_function(w1, w2):
    def loss_fn(x, y):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        return (y_pred - y).pow(2).sum()

    return loss_fn


def _eager(w1, w2, x, y):
    loss_fn = _loss_function(w1, w2)

    def step():
        loss = loss_fn(x, y)
        loss.backward()
        with torch.no_grad():
            for w in (w1, w2):
                w -= LEARNING_RATE * w.grad
                w.grad.zero_()
        return loss.item()

    return step


def _traced_replay(w1, w2, x, y):
    traced = trace_quietly(_loss_function(w1, w2), (x, y)).optimize()

    def step():
        loss = traced(x, y)
        loss.backward()
        with torch.no_grad():
            for w in (w1, w2):
                w -= LEARNING_RATE * w.grad
                w.grad.zero_()
        return loss.item()

    return step


def _ahead_of_time_gradients(w1, w2, x, y):
    run = trace_quietly(_loss_function(w1, w2), (x, y)).grad_graph().optimize()  # tf.gradients

    def step():
        loss, grad_w1, grad_w2 = run(x, y)  # session.run([loss, grad_w1, grad_w2], feed_dict=...)
        with torch.no_grad():
            w1.sub_(LEARNING_RATE * grad_w1)
            w2.sub_(LEARNING_RATE * grad_w2)
        return loss.item()

    return step


def _updates_inside_the_graph(w1, w2, x, y):
    loss_fn = _loss_function(w1, w2)
    losses_while_tracing = []

    def train_step(x, y):  # like session.run([loss, new_w1, new_w2]): the assign is part of the graph
        loss = loss_fn(x, y)
        grad_w1, grad_w2 = torch.autograd.grad(loss, [w1, w2])
        with torch.no_grad():
            w1.sub_(LEARNING_RATE * grad_w1)
            w2.sub_(LEARNING_RATE * grad_w2)
        losses_while_tracing.append(loss)
        return loss

    traced = trace_quietly(train_step, (x, y))  # tracing runs the function: that was the first step
    pending = [losses_while_tracing[0].item()]

    def step():
        return pending.pop() if pending else traced(x, y).item()

    return step


@pytest.mark.parametrize("runner", [_traced_replay, _ahead_of_time_gradients, _updates_inside_the_graph])
def test_tensorflow_style_training_loop_converges_like_eager(runner):
    eager = _train(_eager)
    static = _train(runner)
    assert static[-1] < 0.5 * static[0]
    np.testing.assert_allclose(static, eager, rtol=1e-4)


def test_graph_with_updates_runs_them_in_no_grad_blocks():
    x, y, start = _two_layer_problem()
    w1, w2 = (tensor(a, requires_grad=True) for a in start)
    loss_fn = _loss_function(w1, w2)

    def train_step(x, y):
        nonlocal w1, w2
        loss = loss_fn(x, y)
        grad_w1, grad_w2 = torch.autograd.grad(loss, [w1, w2])
        with torch.no_grad():
            w1 -= LEARNING_RATE * grad_w1
            w2 -= LEARNING_RATE * grad_w2
        return loss

    traced = trace_quietly(train_step, (x, y))
    assert "with no_grad():" in traced.code and "w1_sub = w1.sub_(" in traced.code
    before = w1.detach().numpy().copy()
    traced(x, y)
    assert not np.allclose(before, w1.detach().numpy())


# ------------------------------------------------------------------ warnings: where they should fire, and not elsewhere
def _warnings_of(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in caught if issubclass(w.category, TracerWarning)], caught


@pytest.mark.parametrize("convert, words", [
    (lambda t: t.sum().item(), "Python number"),
    (lambda t: bool(t.sum() > 0), "Python boolean"),
    (lambda t: float(t.sum()), "Python float"),
    (lambda t: int(t.sum()), "Python integer"),
    (lambda t: t.tolist(), "Python list"),
])
def test_converting_a_traced_tensor_to_python_warns(convert, words):
    def f(x):
        convert(x)
        return x * 2

    _, tracer_warnings, _ = _warnings_of(lambda: jit.trace(f, (tensor([1.0, 2.0]),)))
    assert len(tracer_warnings) == 1
    message = str(tracer_warnings[0].message)
    assert message.startswith(f"Converting a tensor to a {words} might cause the trace to be incorrect.")
    assert message.endswith("This means that the trace might not generalize to other inputs!")


def test_python_control_flow_is_frozen_and_warned_about():
    def f(x):
        if x.sum() > 0:
            return x * 2
        return x * 3

    traced, tracer_warnings, _ = _warnings_of(lambda: jit.trace(f, (tensor([1.0, 2.0]),)))
    assert len(tracer_warnings) == 1 and "Python boolean" in str(tracer_warnings[0].message)
    negative = tensor([-1.0, -2.0])
    np.testing.assert_allclose(traced(negative).numpy(), [-2.0, -4.0])  # the branch taken when tracing
    np.testing.assert_allclose(f(negative).numpy(), [-3.0, -6.0])


def test_a_loop_over_the_length_is_baked_in_and_a_new_shape_warns():
    def running_sum(x):
        total = x[0]
        for i in range(1, x.shape[0]):
            total = total + x[i]
        return total

    traced = trace_quietly(running_sum, (tensor([1.0, 2.0, 3.0]),))
    result, tracer_warnings, _ = _warnings_of(lambda: traced(tensor([1.0, 2.0, 3.0, 4.0, 5.0])))
    assert result.item() == 6.0 and running_sum(tensor([1.0, 2.0, 3.0, 4.0, 5.0])).item() == 15.0
    assert len(tracer_warnings) == 1
    message = str(tracer_warnings[0].message)
    assert "shape [5]" in message and "traced with shape [3]" in message
    _, tracer_warnings, _ = _warnings_of(lambda: traced(tensor([7.0, 8.0, 9.0])))
    assert tracer_warnings == []


def test_iterating_over_a_traced_tensor_warns():
    def f(x):
        total = torch.zeros(())
        for item in x:
            total = total + item
        return total

    _, tracer_warnings, _ = _warnings_of(lambda: jit.trace(f, (tensor([1.0, 2.0]),)))
    assert len(tracer_warnings) == 1 and str(tracer_warnings[0].message).startswith("Iterating over a tensor")


def test_no_warning_for_values_that_do_not_depend_on_the_inputs():
    table = tensor([1.0, 2.0, 3.0])

    def f(x):
        count = int(table.sum().item())  # a constant: its value is the same on every run
        if table.max() > 2:
            x = x + count
        return (x * 2).exp()

    _, _, caught = _warnings_of(lambda: jit.trace(f, (tensor([1.0]),)))
    assert caught == []
    traced = trace_quietly(f, (tensor([1.0]),))
    _, _, caught = _warnings_of(lambda: traced.optimize()(tensor([2.0], requires_grad=True)).sum().backward())
    assert caught == []


def test_converting_a_parameter_warns_because_training_changes_it():
    w = tensor([1.0], requires_grad=True)
    _, tracer_warnings, _ = _warnings_of(lambda: jit.trace(lambda x: x * w.item(), (tensor([1.0]),)))
    assert len(tracer_warnings) == 1
