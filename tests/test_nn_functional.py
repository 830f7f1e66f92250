"""``minigrad.nn.functional``: losses, activations and ``linear`` against PyTorch 2.13, plus gradcheck.

Reference values come from ``tests/reference/gen_nn.py`` (``functional`` section): for each call the
output, the ``grad_fn`` name and the gradient of every input for a recorded upstream gradient, in float32
and float64, for every reduction, class weights, ``ignore_index``, ``label_smoothing``, ``pos_weight`` and
logits of +-1000. The loss ops are also checked against finite differences (float64 ``gradcheck``), and
nll_loss's shortcut for unweighted batches against its general path.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.nn import _loss_ops
from nn_reference import REFERENCE, assert_matches, decode, tensor

CASES = REFERENCE["functional"]


def _replay(case):
    tensors = {k: tensor(v, requires_grad=k in case["requires_grad"]) for k, v in case["tensors"].items()}
    args = [tensors[a] if isinstance(a, str) and a in tensors else a for a in case["args"]]
    kwargs = {k: tensors[v["$tensor"]] if isinstance(v, dict) else v for k, v in case["kwargs"].items()}
    return tensors, args, kwargs


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_functional_matches_pytorch(case):
    tensors, args, kwargs = _replay(case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these calls should warn
        output = getattr(F, case["call"])(*args, **kwargs)
    assert_matches(output, case["output"], what="output")
    name = output.grad_fn.name() if output.grad_fn is not None else None
    assert name == case["grad_fn"]
    grad_output = tensor(case["grad_output"]) if case.get("grad_output") else minigrad.ones_like(output)
    output.backward(grad_output)
    for key, expected in case["grads"].items():
        assert_matches(tensors[key].grad, expected, what=f"gradient of {key}")


MODULE_CASES = [c for c in CASES if c["module"]]


@pytest.mark.parametrize("case", MODULE_CASES, ids=[c["id"] for c in MODULE_CASES])
def test_layer_equals_function(case):
    tensors, args, _ = _replay(case)
    layer_kwargs = {k: tensors[v["$tensor"]] if isinstance(v, dict) else v for k, v in case["module_kwargs"].items()}
    layer = getattr(nn, case["module"])(**layer_kwargs)
    assert_matches(layer(*args[:2]), case["output"], what=f"{case['module']} output")


EXTREME = [c for c in CASES if "extreme" in c["id"]]


@pytest.mark.parametrize("case", EXTREME, ids=[c["id"] for c in EXTREME])
def test_extreme_logits_give_finite_losses_and_gradients(case):
    assert np.abs(decode(case["tensors"]["input"])).max() == 1000
    tensors, args, kwargs = _replay(case)
    output = getattr(F, case["call"])(*args, **kwargs)
    assert np.isfinite(output.detach().numpy()).all()
    output.sum().backward()
    for key in case["requires_grad"]:
        assert np.isfinite(tensors[key].grad.numpy()).all()


# ---------------------------------------------------------------------- gradcheck of every loss op
def _double(*shape, low=None, high=None, seed=0):
    rng = np.random.default_rng(seed + sum(shape))
    values = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return minigrad.tensor(values, dtype=minigrad.float64, requires_grad=True)


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_mse_loss(reduction):
    x, y = _double(3, 4), _double(3, 4, seed=1)
    assert gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), (x, y))
    assert gradgradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), (x, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_l1_loss(reduction):
    x, y = _double(3, 4), _double(3, 4, seed=1)
    assert gradcheck(lambda a, b: F.l1_loss(a, b, reduction=reduction), (x, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"ignore_index": 2}, {"weight": True, "ignore_index": 0}])
def test_gradcheck_nll_loss(reduction, options):
    x = _double(5, 4)
    target = minigrad.tensor([0, 2, 3, 1, 2])
    weight = minigrad.tensor([0.5, 1.0, 2.0, 1.5], dtype=minigrad.float64) if options.get("weight") else None
    ignore_index = options.get("ignore_index", -100)
    assert gradcheck(lambda a: F.nll_loss(a, target, weight, ignore_index=ignore_index, reduction=reduction), (x,))
    assert gradgradcheck(lambda a: F.nll_loss(a, target, weight, ignore_index=ignore_index, reduction=reduction),
                         (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_nll_loss_spatial(reduction):
    x = _double(2, 3, 2, 2)
    target = minigrad.tensor([[[0, 2], [1, 1]], [[2, 2], [0, 1]]])
    assert gradcheck(lambda a: F.nll_loss(a, target, reduction=reduction), (x,))
    x3 = _double(2, 3, 4)
    target3 = minigrad.tensor([[0, 2, 1, 1], [2, 0, 0, 1]])
    assert gradcheck(lambda a: F.nll_loss(a, target3, reduction=reduction), (x3,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
def test_gradcheck_cross_entropy(reduction, label_smoothing):
    x = _double(4, 3)
    target = minigrad.tensor([0, 2, 1, 2])
    weight = minigrad.tensor([1.0, 0.5, 2.0], dtype=minigrad.float64)
    assert gradcheck(lambda a: F.cross_entropy(a, target, weight, ignore_index=1, reduction=reduction,
                                               label_smoothing=label_smoothing), (x,))
    probabilities = minigrad.softmax(_double(4, 3, seed=5), 1).detach().requires_grad_()
    assert gradcheck(lambda a, p: F.cross_entropy(a, p, reduction=reduction, label_smoothing=label_smoothing),
                     (x, probabilities))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_gradcheck_binary_cross_entropy(reduction, weighted):
    x = _double(3, 4, low=0.05, high=0.95)
    t = _double(3, 4, low=0.0, high=1.0, seed=2)
    weight = minigrad.tensor([0.5, 1.0, 2.0, 1.5], dtype=minigrad.float64) if weighted else None
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight, reduction=reduction), (x, t))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight, reduction=reduction), (x, t))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"pos_weight": True}, {"weight": True, "pos_weight": True}])
def test_gradcheck_binary_cross_entropy_with_logits(reduction, options):
    x = _double(3, 4)
    t = _double(3, 4, low=0.0, high=1.0, seed=2)
    weight = minigrad.tensor([0.5, 1.0, 2.0, 1.5], dtype=minigrad.float64) if options.get("weight") else None
    pos_weight = minigrad.tensor([3.0, 0.5, 1.0, 2.0], dtype=minigrad.float64) if options.get("pos_weight") else None

    def loss(a, b):
        return F.binary_cross_entropy_with_logits(a, b, weight, reduction=reduction, pos_weight=pos_weight)

    assert gradcheck(loss, (x, t))
    assert gradgradcheck(loss, (x, t))


def test_gradcheck_logsigmoid_and_activations():
    x = _double(3, 4)
    assert gradcheck(F.logsigmoid, (x,))
    assert gradgradcheck(F.logsigmoid, (x,))
    assert gradcheck(lambda a: F.leaky_relu(a, 0.2), (x,))
    assert gradcheck(lambda a: F.softmax(a, 1), (x,))
    assert gradcheck(lambda a: F.log_softmax(a, 0), (x,))


def test_gradcheck_linear():
    x, w, b = _double(3, 4), _double(5, 4, seed=1), _double(5, seed=2)
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(F.linear, (_double(2, 3, 4, seed=3), w, b))
    assert gradgradcheck(F.linear, (x, w, b))


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(1.0, 1e4), seed=st.integers(0, 2 ** 16), classes=st.integers(2, 6))
def test_cross_entropy_is_finite_and_equals_logsumexp_form(scale, seed, classes):
    """CE(x, t) = mean(logsumexp(x) - x[t]) for logits of any size, and its gradient is finite."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((4, classes)) * scale
    target = rng.integers(0, classes, 4)
    x = minigrad.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor(target))
    peak = logits.max(1, keepdims=True)
    expected = np.mean(np.log(np.exp(logits - peak).sum(1)) + peak[:, 0] - logits[np.arange(4), target])
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-10, atol=1e-8)
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(1.0, 1e4), seed=st.integers(0, 2 ** 16))
def test_bce_with_logits_is_finite_for_large_logits(scale, seed):
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal((3, 3)) * scale).astype(np.float32)
    target = rng.uniform(0, 1, (3, 3)).astype(np.float32)
    x = minigrad.tensor(logits, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, minigrad.tensor(target), pos_weight=minigrad.tensor([2.0, 1, 0.5]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()


# ---------------------------------------------------------------------- graph shape
def test_cross_entropy_is_log_softmax_then_nll_loss():
    x = minigrad.randn(4, 3, requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor([0, 1, 2, 1]))
    assert loss.grad_fn.name() == "NllLossBackward0"
    (child, _), = loss.grad_fn.next_functions
    assert child.name() == "LogSoftmaxBackward0"


def test_loss_nodes_list_the_edges_pytorch_lists():
    """Class indices, weight and pos_weight are not differentiated: they are no edges of the node."""
    x = minigrad.randn(3, 4, requires_grad=True)
    weight, target = minigrad.rand(4), minigrad.rand(3, 4)
    nodes = {
        "mse": F.mse_loss(x, target).grad_fn,
        "nll": F.nll_loss(x, minigrad.tensor([0, 1, 3]), weight=weight).grad_fn,
        "bce": F.binary_cross_entropy(x.sigmoid(), target, weight=weight).grad_fn,
        "bce_logits": F.binary_cross_entropy_with_logits(x, target, weight, pos_weight=weight).grad_fn,
    }
    assert {k: len(node.next_functions) for k, node in nodes.items()} == {"mse": 2, "nll": 1, "bce": 2,
                                                                          "bce_logits": 2}
    assert nodes["mse"].next_functions[1] == (None, 0)


def test_linear_with_bias_records_one_addmm_node():
    x, w, b = minigrad.randn(3, 4, requires_grad=True), minigrad.randn(5, 4, requires_grad=True), minigrad.randn(
        5, requires_grad=True)
    y = F.linear(x, w, b)
    assert y.grad_fn.name() == "AddmmBackward0"
    names = [n.name() for n, _ in y.grad_fn.next_functions]
    assert names == ["torch::autograd::AccumulateGrad", "torch::autograd::AccumulateGrad", "TBackward0"]


# ---------------------------------------------------------------------- dropout and one_hot
def test_dropout_zeroes_and_rescales_in_training_only():
    minigrad.manual_seed(0)
    x = minigrad.ones(200, 50, requires_grad=True)
    y = F.dropout(x, p=0.3)
    values = y.detach().numpy()
    kept = values != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(values[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # the gradient is the mask
    assert F.dropout(x, 0.3, training=False) is x
    assert (F.dropout(x, 1.0).detach().numpy() == 0).all()
    np.testing.assert_array_equal(F.dropout(x, 0.0).detach().numpy(), 1)


def test_dropout_is_reproducible_under_manual_seed():
    minigrad.manual_seed(5)
    first = F.dropout(minigrad.ones(10, 10)).numpy()
    minigrad.manual_seed(5)
    second = F.dropout(minigrad.ones(10, 10)).numpy()
    np.testing.assert_array_equal(first, second)


def test_dropout_module_follows_train_and_eval():
    layer = nn.Dropout(0.5)
    x = minigrad.ones(20, 20)
    assert (layer(x).numpy() == 0).any()
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_one_hot():
    encoded = F.one_hot(minigrad.tensor([0, 2, 1]))
    assert encoded.dtype is minigrad.int64
    np.testing.assert_array_equal(encoded.numpy(), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert F.one_hot(minigrad.tensor([[1], [0]]), 4).shape == (2, 1, 4)


def test_relu_inplace_and_legacy_reduction_flags():
    x = minigrad.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    a, b = minigrad.tensor([1.0, 2.0]), minigrad.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.mse_loss(a, b, size_average=False).item() == 5.0


# ---------------------------------------------------------------------- nll_loss's unweighted shortcut
# NllLoss.forward skips the weight and ignore arrays of an (N, C) batch without class weights whose targets
# all lie in [0, C) and none equals ignore_index. weight=ones(C) gives the same loss the general way. The
# batch: 40 samples of four classes, class 3 never the target; logits from 1e-3 to 1e3, so that a sum in
# another order or precision would round differently.
NLL_TARGET = np.random.default_rng(4).integers(0, 3, 40).tolist()
NLL_LOGITS = np.random.default_rng(3).standard_normal((40, 4)) * np.logspace(-3, 3, 40)[:, None]


def _nll_loss_and_input_grad(function, dtype, reduction, ignore_index, weight, logits=NLL_LOGITS, target=NLL_TARGET):
    x = minigrad.tensor(logits.astype(dtype), requires_grad=True)
    loss = function(x, minigrad.tensor(target), weight=weight, ignore_index=ignore_index, reduction=reduction)
    upstream = minigrad.tensor(np.linspace(-1.5, 2.0, len(target)).astype(dtype)) if reduction == "none" else None
    loss.backward(upstream)
    return loss.detach().numpy(), x.grad.numpy()


def _assert_same_bytes(actual, expected):
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert actual.tobytes() == expected.tobytes(), f"{actual} != {expected}"  # NaN's sign bit included


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("function", [F.nll_loss, F.cross_entropy], ids=["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("ignore_index, shortcut", [(-100, True), (3, True), (1, False)],
                         ids=["default ignore_index", "ignore_index of no sample", "ignore_index hit"])
def test_unweighted_nll_loss_equals_the_weighted_path(function, reduction, dtype, ignore_index, shortcut):
    """The shortcut's loss and input gradient are the general path's to the bit; an ignore_index that some
    sample has must keep the general path (the shortcut weighs every sample 1)."""
    logits = minigrad.tensor(NLL_LOGITS.astype(dtype))
    assert _loss_ops._each_sample_weighs_one(logits._array, minigrad.tensor(NLL_TARGET)._array,
                                             ignore_index) is shortcut
    ones = minigrad.ones(4, dtype=logits.dtype)
    unweighted = _nll_loss_and_input_grad(function, dtype, reduction, ignore_index, None)
    weighted = _nll_loss_and_input_grad(function, dtype, reduction, ignore_index, ones)
    _assert_same_bytes(unweighted[0], weighted[0])
    _assert_same_bytes(unweighted[1], weighted[1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unweighted_nll_loss_keeps_the_sign_of_a_nan(reduction):
    """A NaN log-probability at a target gives the general path's NaN, sign bit included: the shortcut
    multiplies by -1 as the general path multiplies by -w[t] (a negation would flip the sign)."""
    logits = NLL_LOGITS.copy()
    logits[1, NLL_TARGET[1]] = np.nan
    unweighted = _nll_loss_and_input_grad(F.nll_loss, np.float32, reduction, -100, None, logits)
    weighted = _nll_loss_and_input_grad(F.nll_loss, np.float32, reduction, -100, minigrad.ones(4), logits)
    assert np.isnan(unweighted[0]).any()
    _assert_same_bytes(unweighted[0], weighted[0])
    _assert_same_bytes(unweighted[1], weighted[1])


@pytest.mark.parametrize("bad_target", [4, -1])
@pytest.mark.parametrize("function", [F.nll_loss, F.cross_entropy], ids=["nll_loss", "cross_entropy"])
def test_out_of_range_target_raises_with_and_without_weights(function, bad_target):
    """The shortcut's range check hands a bad target to the general path, which raises PyTorch's error."""
    target = NLL_TARGET[:2] + [bad_target] + NLL_TARGET[3:]
    for weight in (None, minigrad.ones(4)):
        with pytest.raises(IndexError, match=f"^Target {bad_target} is out of bounds.$"):
            _nll_loss_and_input_grad(function, np.float32, "mean", -100, weight, target=target)
