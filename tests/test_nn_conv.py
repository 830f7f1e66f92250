"""Convolution, pooling, padding, batch norm and Dropout2d against PyTorch 2.13 (``tests/reference/gen_conv.py``).

The ops themselves (values, gradients, node names, gradcheck, second derivatives, forward AD) are entries of
``tests/op_registry.py``; here are the layers: reprs, parameters, running statistics, a small CNN trained for a
few SGD steps from fixed weights, PyTorch's error texts, and what recorded data cannot show (initialisation
bounds, the seeded channel mask of Dropout2d, the strided view that the convolution reads without copying).
"""
from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from jacobian_reference import EXCEPTIONS, assert_matches
from reference_data import load

REFERENCE = load("conv")


def run(code: str):
    namespace = {"torch": minigrad}
    exec(REFERENCE["prelude"], namespace)
    return eval(code, namespace)


@pytest.mark.parametrize("case", REFERENCE["values"], ids=[case["id"] for case in REFERENCE["values"]])
def test_values_match_pytorch(case):
    assert_matches(run(case["code"]), case["result"])


@pytest.mark.parametrize("case", REFERENCE["errors"], ids=[case["code"] for case in REFERENCE["errors"]])
def test_errors_match_pytorch(case):
    with pytest.raises(EXCEPTIONS[case["type"]]) as raised, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout2d's deprecation warning comes before its error, as in PyTorch
        run(case["code"])
    assert type(raised.value).__name__ == case["type"]
    assert str(raised.value) == case["message"]


def test_padding_mode_error_names_the_modes():
    with pytest.raises(ValueError) as raised:  # PyTorch prints a set, whose order depends on string hashing
        nn.Conv2d(4, 6, 3, padding_mode="foo")
    modes = re.fullmatch(r"padding_mode must be one of \{(.*)\}, but got padding_mode='foo'", str(raised.value))
    assert modes and set(modes.group(1).split(", ")) == {"'zeros'", "'reflect'", "'replicate'", "'circular'"}


@pytest.mark.parametrize("make, fan_in", [(lambda: nn.Conv2d(3, 8, 5), 75), (lambda: nn.Conv2d(4, 6, 3, groups=2), 18),
                                         (lambda: nn.Conv1d(2, 16, 7), 14)])
def test_default_initialisation_is_kaiming_uniform_with_pytorchs_bounds(make, fan_in):
    minigrad.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) for the weight, the same bound for the bias
    for parameter in (layer.weight, layer.bias):
        values = parameter.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound
    minigrad.manual_seed(0)
    assert np.array_equal(make().weight.detach().numpy(), layer.weight.detach().numpy())  # seeded


def test_dropout2d_zeroes_whole_channels_from_the_seeded_generator():
    x = minigrad.ones(8, 16, 3, 3)
    minigrad.manual_seed(3)
    out = nn.Dropout2d(0.5)(x).numpy()
    per_channel = out.reshape(8, 16, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # one draw per channel
    minigrad.manual_seed(3)
    assert np.array_equal(nn.Dropout2d(0.5)(x).numpy(), out)


def test_batchnorm_buffers_are_updated_in_place_and_saved_tensors_checked():
    bn = nn.BatchNorm2d(2)
    mean = bn.running_mean
    bn(minigrad.randn(4, 2, 3, 3))
    assert bn.running_mean is mean and bn.num_batches_tracked.item() == 1
    x = minigrad.randn(4, 2, 3, 3, requires_grad=True)
    bn.eval()(x).sum().backward()  # eval: the running statistics define the map
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(
        (1 / np.sqrt(bn.running_var.numpy() + 1e-5)).reshape(1, 2, 1, 1), (4, 2, 3, 3)), rtol=1e-6)


def test_the_convolution_reads_its_windows_through_a_view():
    from minigrad.backend import backend_of
    from minigrad.nn._conv_ops import window_view

    x = minigrad.randn(2, 3, 5, 5)._array
    windows = window_view(x, (3, 3), (1, 1), (1, 1), ((0, 0), (0, 0)))
    assert windows.shape == (2, 3, 3, 3, 3, 3)
    if backend_of(x).name == "numpy":
        assert np.shares_memory(windows, x)


def test_second_derivative_of_a_cnn_loss_runs_through_im2col_and_col2im():
    x = minigrad.randn(2, 1, 5, 5, dtype=minigrad.float64, requires_grad=True)
    w = minigrad.randn(2, 1, 3, 3, dtype=minigrad.float64, requires_grad=True)
    y = F.max_pool2d(F.conv2d(x, w, padding=1).tanh(), 2)
    grad, = minigrad.autograd.grad(y.pow(2).sum(), w, create_graph=True)
    assert grad.grad_fn is not None
    assert minigrad.autograd.gradcheck(lambda w: F.conv2d(x, w, padding=1).tanh().pow(2).sum(), (w,))
    assert minigrad.autograd.gradgradcheck(lambda w: F.conv2d(x, w, padding=1).tanh().pow(2).sum(), (w,))
