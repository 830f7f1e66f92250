"""Finite-difference checks of every differentiable op in ``tests/op_registry.py``.

For each op: ``gradcheck`` (float64) on the op's fixed cases and on random cases drawn by hypothesis (shapes
with broadcasting pairs, size-1 dims and 0-d tensors; values from a seeded generator in the op's domain), and
``gradgradcheck`` (second derivatives through ``create_graph=True``) for the ops marked ``second_order``.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from op_registry import OPS, call, make_inputs
from registry_cases import (FIXED_CASES, FIXED_IDS, RANDOM, RANDOM_IDS, SECOND_ORDER, SECOND_ORDER_IDS,
                            draw_case)

RANDOM_SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _function_and_inputs(spec, case, seed):
    floats, aux = make_inputs(spec, case, np.random.default_rng(seed))
    inputs = [minigrad.tensor(array, requires_grad=True) for array in floats]
    aux_tensors = [minigrad.tensor(array) for array in aux]

    def function(*tensors):
        return call(spec, minigrad, tensors, aux_tensors, case.params)

    return function, inputs


def check_gradients(spec, case, seed) -> None:
    function, inputs = _function_and_inputs(spec, case, seed)
    assert gradcheck(function, inputs, **spec.gradcheck_options)


@pytest.mark.parametrize("spec, index", FIXED_CASES, ids=FIXED_IDS)
def test_gradcheck_fixed_case(spec, index):
    check_gradients(spec, spec.cases[index], seed=index)


@pytest.mark.parametrize("spec", RANDOM, ids=RANDOM_IDS)
@RANDOM_SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_gradcheck_random_case(spec, data, seed):
    case = draw_case(spec, data, seed)
    check_gradients(spec, case, seed)


@pytest.mark.parametrize("spec", SECOND_ORDER, ids=SECOND_ORDER_IDS)
def test_gradgradcheck(spec):
    for index, case in enumerate(spec.cases):
        function, inputs = _function_and_inputs(spec, case, seed=100 + index)
        assert gradgradcheck(function, inputs, **spec.gradcheck_options), case.describe()


def test_every_op_of_the_issue_is_in_the_registry():
    """The ops issue 2 lists, each with a registry entry (and so with all three oracles)."""
    required = (
        "add sub mul div pow_tensor neg add_scalar radd_scalar sub_scalar rsub_scalar mul_scalar rmul_scalar "
        "div_scalar rdiv_scalar pow_scalar_2 rpow_scalar matmul mm bmm sum sum_dim mean mean_dim max min max_dim "
        "min_dim exp log sqrt abs sin cos clamp relu sigmoid tanh softmax log_softmax view reshape flatten "
        "unsqueeze squeeze transpose t permute expand expand_as cat stack where masked_fill getitem_int "
        "getitem_slice getitem_index_tensor getitem_mask setitem_int setitem_index var std logsumexp gather narrow "
        "split chunk maximum minimum leaky_relu to_float32 add_ sub_ mul_ div_ zero_ fill_ clamp_ copy_"
    ).split()
    names = {spec.name for spec in OPS}
    assert [name for name in required if name not in names] == []
