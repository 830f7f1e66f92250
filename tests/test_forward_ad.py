"""Forward-mode AD (``minigrad.autograd.forward_ad``): tangents pushed through every op by its ``jvp`` rule.

The main check runs over every differentiable op of ``tests/op_registry.py`` (fixed cases and random cases
drawn by hypothesis, float64) and every loss of ``minigrad.nn``: one forward pass with random tangents gives
``J·t``, and it must equal the reverse-mode Jacobian (``autograd.functional.jacobian``, built from backward
rules) times ``t``. Then PyTorch's recorded values and errors, and the machinery: levels, custom Functions,
in-place ops, no_grad, the error for an op without a forward rule.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minigrad as torch
import minigrad.autograd.forward_ad as fwAD
import minigrad.nn.functional as F
from minigrad.autograd import Function
from minigrad.autograd.functional import jacobian
from jacobian_reference import assert_matches, check_error, error_cases, run, uses_forward_ad, value_cases
from op_registry import call, make_inputs
from registry_cases import FIXED_CASES, FIXED_IDS, RANDOM, RANDOM_IDS, draw_case

RANDOM_SETTINGS = settings(max_examples=3, deadline=None, derandomize=True,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def op_and_inputs(spec, case, seed):
    """The op as a function of its float inputs (float64 tensors), the inputs, and random tangents."""
    rng = np.random.default_rng(seed)
    floats, aux = make_inputs(spec, case, rng)
    inputs = tuple(torch.tensor(array) for array in floats)
    tangents = tuple(torch.tensor(rng.standard_normal(array.shape)) for array in floats)
    aux_tensors = [torch.as_tensor(array) for array in aux]  # on the test device, like the inputs

    def function(*tensors):
        return call(spec, torch, tensors, aux_tensors, case.params)

    return function, inputs, tangents


def check_forward_equals_jacobian_times_tangent(spec, case, seed):
    function, inputs, tangents = op_and_inputs(spec, case, seed)
    with fwAD.dual_level():
        outputs = function(*(fwAD.make_dual(x, t) for x, t in zip(inputs, tangents)))
        forward = [fwAD.unpack_dual(out).tangent for out in outputs]
    # Reverse mode: J[i][j] has shape outputs[i].shape + inputs[j].shape. PyTorch's jacobian, like ours, cannot
    # stack the 0 rows of an empty output (a slice 0:0), so it is built over the other outputs only.
    nonempty = [i for i, out in enumerate(outputs) if out.numel()]
    rows = jacobian(lambda *xs: tuple(function(*xs)[i] for i in nonempty), inputs) if nonempty else ()
    J = dict(zip(nonempty, rows))
    for i, (out, tangent) in enumerate(zip(outputs, forward)):
        if not out.is_floating_point():
            assert tangent is None, f"output {i} ({out.dtype}) got a tangent"
            continue
        assert tangent is not None, f"output {i} has no tangent"
        assert tangent.shape == out.shape and tangent.dtype == out.dtype
        if i not in J:  # empty: J·t is empty too
            expected = np.zeros(out.shape)
        else:
            expected = sum(np.tensordot(J[i][j].numpy(), t.numpy(), axes=t.dim()) for j, t in enumerate(tangents))
        tolerance = 1e-5 if out.dtype == torch.float32 else 1e-10
        np.testing.assert_allclose(tangent.numpy(), np.broadcast_to(expected, out.shape), rtol=tolerance,
                                   atol=tolerance, err_msg=f"{spec.name} output {i}: {case.describe()}")


@pytest.mark.parametrize("spec, index", FIXED_CASES, ids=FIXED_IDS)
def test_jvp_equals_jacobian_times_tangent(spec, index):
    check_forward_equals_jacobian_times_tangent(spec, spec.cases[index], seed=index)


@pytest.mark.parametrize("spec", RANDOM, ids=RANDOM_IDS)
@RANDOM_SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_jvp_equals_jacobian_times_tangent_random(spec, data, seed):
    case = draw_case(spec, data, seed)
    check_forward_equals_jacobian_times_tangent(spec, case, seed)


@value_cases(uses_forward_ad)
def test_values_match_pytorch(case):
    result = run(case["code"])
    assert_matches(tuple(result) if isinstance(result, fwAD.UnpackedDualTensor) else result, case["result"])


@error_cases(uses_forward_ad)
def test_errors_match_pytorch(case):
    check_error(case)


# ------------------------------------------------------------------------------------------ the machinery
x = torch.tensor([2.0, 3.0], dtype=torch.float64)
v = torch.tensor([1.0, -1.0], dtype=torch.float64)


def test_unpack_dual_is_a_namedtuple_and_levels_forget_their_tangents():
    with fwAD.dual_level() as level:
        assert level == 0
        dual = fwAD.make_dual(x, v)
        unpacked = fwAD.unpack_dual(dual)
        assert isinstance(unpacked, fwAD.UnpackedDualTensor) and unpacked.tangent is v
        assert unpacked.primal.tolist() == [2.0, 3.0] and fwAD.unpack_dual(unpacked.primal).tangent is None
        assert fwAD.unpack_dual(x).tangent is None  # the original tensor is not dual
    primal, tangent = fwAD.unpack_dual(dual)
    assert primal is dual and tangent is None  # outside any level
    with fwAD.dual_level():
        assert fwAD.unpack_dual(dual).tangent is None  # a new level does not see the old tangents
        assert fwAD.unpack_dual(dual.sin()).tangent is None


def test_dual_level_works_as_a_decorator_and_exits_on_error():
    @fwAD.dual_level()
    def directional_derivative(point, direction):
        return fwAD.unpack_dual((fwAD.make_dual(point, direction) ** 2).sum()).tangent

    assert directional_derivative(x, v).item() == 2 * (2.0 - 3.0)
    with pytest.raises(ZeroDivisionError):
        with fwAD.dual_level():
            1 / 0
    assert fwAD.state.level is None


def test_tangents_flow_under_no_grad_and_detach_drops_them():
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, v)
        with torch.no_grad():
            assert fwAD.unpack_dual(dual * 3).tangent.tolist() == [3.0, -3.0]
        assert fwAD.unpack_dual(dual.detach()).tangent is None


def test_make_dual_is_backward_differentiable_and_tangents_can_carry_history():
    """jvp of sin is cos(x)·v; with x requiring grad, that tangent is itself differentiable."""
    leaf = x.clone().requires_grad_()
    with fwAD.dual_level():
        dual = fwAD.make_dual(leaf, v)
        assert dual.grad_fn is not None and type(dual.grad_fn).__name__ == "ViewBackward0"
        out = dual.sin()
        tangent = fwAD.unpack_dual(out).tangent
    assert tangent.requires_grad
    grad_of_primal, = torch.autograd.grad(out.sum(), leaf, retain_graph=True)
    np.testing.assert_allclose(grad_of_primal.numpy(), np.cos(x.numpy()))
    grad_of_tangent, = torch.autograd.grad(tangent.sum(), leaf)
    np.testing.assert_allclose(grad_of_tangent.numpy(), -np.sin(x.numpy()) * v.numpy())


def test_in_place_ops_and_index_assignment_update_the_tangent():
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, v)
        y = dual * 1
        y.mul_(dual)  # y = x², tangent 2x·v
        assert fwAD.unpack_dual(y).tangent.tolist() == [4.0, -6.0]
        z = torch.zeros(3, dtype=torch.float64)
        z[1:] = dual  # z carries v in the written positions, zeros elsewhere
        assert fwAD.unpack_dual(z).tangent.tolist() == [0.0, 1.0, -1.0]
        z[2] = 5.0
        assert fwAD.unpack_dual(z).tangent.tolist() == [0.0, 1.0, 0.0]


def test_integer_outputs_carry_no_tangent():
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, v)
        values, indices = dual.max(0)
        assert fwAD.unpack_dual(values).tangent.item() == -1.0
        assert fwAD.unpack_dual(indices).tangent is None
        assert fwAD.unpack_dual(dual > 2.5).tangent is None


def test_apply_does_not_look_for_tangents_without_a_dual_level(monkeypatch):
    """Forward AD off costs one attribute check in Function.apply: the tangent search never runs."""
    def fail(args):
        raise AssertionError("input_tangents called with no dual level active")

    monkeypatch.setattr(fwAD, "input_tangents", fail)
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    ((a * 2).exp().sum() + a.softmax(0)[0]).backward()
    assert a.grad is not None


class Cube(Function):
    """x³ with a forward rule that reads what forward saved (ctx attributes and saved_tensors)."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x ** 2 * ctx.scale, None

    @staticmethod
    def jvp(ctx, tangent, _):
        x, = ctx.saved_tensors
        return tangent * 3 * x ** 2 * ctx.scale


class CubeWithoutForwardRule(Function):
    @staticmethod
    def forward(ctx, x):
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_custom_function_jvp_reads_saved_tensors_and_ctx():
    with fwAD.dual_level():
        out = Cube.apply(fwAD.make_dual(x, v), 2.0)
        assert fwAD.unpack_dual(out).tangent.tolist() == [24.0, -54.0]
    leaf = x.clone().requires_grad_()  # recorded for backward at the same time
    with fwAD.dual_level():
        out = Cube.apply(fwAD.make_dual(leaf, v), 2.0)
        assert fwAD.unpack_dual(out).tangent.tolist() == [24.0, -54.0]
    out.sum().backward()
    assert leaf.grad.tolist() == [24.0, 54.0]


def test_custom_function_save_for_forward_and_zeros_for_missing_tangents():
    seen = []

    class Multiply(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_forward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

        @staticmethod
        def jvp(ctx, tangent_a, tangent_b):
            a, b = ctx.saved_tensors
            seen.append(tangent_b.tolist())
            return tangent_a * b + a * tangent_b

    with fwAD.dual_level():
        out = Multiply.apply(fwAD.make_dual(x, v), torch.tensor([10.0, 20.0], dtype=torch.float64))
        assert fwAD.unpack_dual(out).tangent.tolist() == [10.0, -20.0]
    assert seen == [[0.0, 0.0]]  # b has no tangent: a user Function gets zeros, as in PyTorch


def test_an_op_without_forward_rule_names_itself():
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, v)
        with pytest.raises(RuntimeError, match="^Trying to use forward AD with CubeWithoutForwardRuleBackward that "
                                               "does not support it") as raised:
            CubeWithoutForwardRule.apply(dual)
    # PyTorch's own wording for custom Functions follows, and the type is PyTorch's (a RuntimeError subclass)
    assert "You must implement the jvp function for custom autograd.Function to use it with forward mode AD." in str(
        raised.value)
    assert isinstance(raised.value, NotImplementedError)
    assert CubeWithoutForwardRule.apply(x).tolist() == [8.0, 27.0]  # without tangents it runs as before


def test_jvp_returning_the_wrong_number_of_tangents_is_an_error():
    class Pair(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

        @staticmethod
        def jvp(ctx, tangent):
            return tangent * 2

    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="PairBackward jvp returned an incorrect number of tangents"):
            Pair.apply(fwAD.make_dual(x, v))


# ------------------------------------------------------------------------------------------ nn losses
def _loss_cases():
    """(name, function of float inputs, float input arrays) for every loss op of minigrad.nn."""
    rng = np.random.default_rng(7)
    logits, targets = rng.standard_normal((3, 4)), np.array([0, 3, 1])
    probabilities, labels = rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0, 1, (3, 4))
    weight, pos_weight = rng.uniform(0.5, 2.0, 4), rng.uniform(0.5, 2.0, 4)
    images, pixel_targets = rng.standard_normal((2, 3, 2, 2)), rng.integers(0, 3, (2, 2, 2))
    cases = []
    for reduction in ("none", "mean", "sum"):
        cases += [
            (f"mse_loss-{reduction}", lambda a, b, r=reduction: F.mse_loss(a, b, reduction=r), (logits, labels)),
            (f"nll_loss-{reduction}",
             lambda a, r=reduction: F.nll_loss(a.log_softmax(1), torch.tensor(targets), weight=torch.tensor(weight),
                                               reduction=r), (logits,)),
            (f"nll_loss_2d-{reduction}",
             lambda a, r=reduction: F.nll_loss(a, torch.tensor(pixel_targets), reduction=r), (images,)),
            (f"cross_entropy_probabilities-{reduction}",
             lambda a, b, r=reduction: F.cross_entropy(a, b.softmax(1), reduction=r), (logits, labels)),
            (f"binary_cross_entropy-{reduction}",
             lambda a, b, r=reduction: F.binary_cross_entropy(a, b, weight=torch.tensor(weight), reduction=r),
             (probabilities, labels)),
            (f"binary_cross_entropy_with_logits-{reduction}",
             lambda a, b, r=reduction: F.binary_cross_entropy_with_logits(a, b, reduction=r), (logits, labels)),
            (f"binary_cross_entropy_with_logits_weights-{reduction}",
             lambda a, b, r=reduction: F.binary_cross_entropy_with_logits(
                 a, b, weight=torch.tensor(weight), pos_weight=torch.tensor(pos_weight), reduction=r),
             (logits, labels)),
        ]
    cases.append(("logsigmoid", lambda a: F.logsigmoid(a), (logits,)))
    return cases


LOSS_CASES = _loss_cases()


@pytest.mark.parametrize("name, function, arrays", LOSS_CASES, ids=[case[0] for case in LOSS_CASES])
def test_loss_jvp_equals_jacobian_times_tangent(name, function, arrays):
    rng = np.random.default_rng(len(name))
    inputs = tuple(torch.tensor(array) for array in arrays)
    tangents = tuple(torch.tensor(rng.standard_normal(array.shape)) for array in arrays)
    with fwAD.dual_level():
        out = function(*(fwAD.make_dual(x, t) for x, t in zip(inputs, tangents)))
        tangent = fwAD.unpack_dual(out).tangent
    J = jacobian(function, inputs)
    expected = sum(np.tensordot(J[j].numpy(), t.numpy(), axes=t.dim()) for j, t in enumerate(tangents))
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-10, atol=1e-12)
