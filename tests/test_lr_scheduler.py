"""Learning-rate schedulers against rates recorded from PyTorch (tests/reference/gen_utils.py): 30 steps of
LambdaLR, MultiStepLR, CosineAnnealingLR, LinearLR, OneCycleLR (rates and momenta) and ReduceLROnPlateau,
their ``state_dict`` round trip, the deprecated ``step(epoch)`` closed forms, and PyTorch's error texts."""
from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest

import minigrad
from minigrad import nn, optim
from minigrad.optim import lr_scheduler
from reference_data import load

REFERENCE = load("utils")


def make_optimizer(kind):
    """Two groups as the generator's: lr 0.1 (SGD with momentum 0.9, or Adam) and lr 0.5."""
    params = [nn.Parameter(minigrad.zeros(2)), nn.Parameter(minigrad.zeros(1))]
    if kind == "SGD":
        optimizer = optim.SGD([params[0]], lr=0.1, momentum=0.9)
    else:
        optimizer = optim.Adam([params[0]], lr=0.1)
    optimizer.add_param_group({"params": [params[1]], "lr": 0.5})
    return params, optimizer


def build_kwargs(kwargs):
    """The recorded kwargs, with lambdas given as source text turned into functions."""
    if "lr_lambda" not in kwargs:
        return dict(kwargs)
    lr_lambda = kwargs["lr_lambda"]
    return {**kwargs, "lr_lambda": [eval(s) for s in lr_lambda] if isinstance(lr_lambda, list) else eval(lr_lambda)}


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def as_float(value):
    return float(value) if isinstance(value, str) else value  # "inf" / "-inf" were stored as text


@pytest.mark.parametrize("case", REFERENCE["schedulers"], ids=lambda c: f"{c['scheduler']}-{c['kwargs']}")
def test_scheduler_rates_match_pytorch(case):
    params, optimizer = make_optimizer(case["optimizer"])
    scheduler = getattr(lr_scheduler, case["scheduler"])(optimizer, **build_kwargs(case["kwargs"]))
    lrs, momenta = [scheduler.get_last_lr()], [[momentum_of(g) for g in optimizer.param_groups]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # optimizer.step() comes first: no warning
        for _ in range(len(case["lrs"]) - 1):
            for param in params:
                param.grad = minigrad.ones_like(param)
            optimizer.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
            momenta.append([momentum_of(g) for g in optimizer.param_groups])
    np.testing.assert_allclose(lrs, case["lrs"], rtol=1e-13, atol=1e-17)
    np.testing.assert_allclose(momenta, case["momenta"], rtol=1e-13)
    state = scheduler.state_dict()
    assert list(state) == case["state_keys"]
    for key, value in case["state_dict"].items():
        mine = state[key]
        if isinstance(value, dict):  # MultiStepLR's Counter of milestones
            assert {str(k): v for k, v in mine.items()} == value
        elif isinstance(value, list) and None not in value:
            np.testing.assert_allclose(mine, value, rtol=1e-13, err_msg=key)
        elif isinstance(value, float):
            assert mine == pytest.approx(value, rel=1e-13), key
        else:
            assert mine == value, key
    assert sorted(optimizer.param_groups[0]) == case["group_keys"]


@pytest.mark.parametrize("case", REFERENCE["schedulers"], ids=lambda c: f"{c['scheduler']}-{c['kwargs']}")
def test_scheduler_resumes_from_its_state_dict(case):
    """A scheduler rebuilt on a fresh optimizer and loaded from a state_dict continues the same rates."""
    params, optimizer = make_optimizer(case["optimizer"])
    scheduler = getattr(lr_scheduler, case["scheduler"])(optimizer, **build_kwargs(case["kwargs"]))
    half = (len(case["lrs"]) - 1) // 2
    for _ in range(half):
        optimizer.step()
        scheduler.step()
    _, fresh = make_optimizer(case["optimizer"])
    resumed = getattr(lr_scheduler, case["scheduler"])(fresh, **build_kwargs(case["kwargs"]))
    resumed.load_state_dict(scheduler.state_dict())
    fresh.load_state_dict(optimizer.state_dict())
    assert resumed.last_epoch == half and resumed.get_last_lr() == case["lrs"][half]
    fresh.step()
    resumed.step()
    np.testing.assert_allclose(resumed.get_last_lr(), case["lrs"][half + 1], rtol=1e-13, atol=1e-17)


@pytest.mark.parametrize("case", REFERENCE["closed_form"], ids=lambda c: c["scheduler"])
def test_step_with_an_epoch_uses_the_closed_form(case):
    _, optimizer = make_optimizer("SGD")
    scheduler = getattr(lr_scheduler, case["scheduler"])(optimizer, **case["kwargs"])
    lrs = []
    for epoch in case["epochs"]:
        optimizer.step()
        with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)` was not necessary"):
            scheduler.step(epoch)
        lrs.append(scheduler.get_last_lr())
    np.testing.assert_allclose(lrs, case["lrs"], rtol=1e-13)


@pytest.mark.parametrize("case", REFERENCE["plateau"], ids=lambda c: str(c["kwargs"]))
def test_reduce_lr_on_plateau_matches_pytorch(case):
    _, optimizer = make_optimizer("SGD")
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, **case["kwargs"])
    lrs = [scheduler.get_last_lr()]
    for metric in case["metrics"]:
        optimizer.step()
        scheduler.step(minigrad.tensor(metric))  # a loss tensor works as PyTorch's does (float(metric))
        lrs.append(scheduler.get_last_lr())
    np.testing.assert_allclose(lrs, case["lrs"], rtol=1e-13)
    state = scheduler.state_dict()
    assert list(state) == list(case["state_dict"])
    for key, value in case["state_dict"].items():
        if isinstance(value, list):
            np.testing.assert_allclose(state[key], value, rtol=1e-13, err_msg=key)
        elif isinstance(value, (int, float, str)) and key not in ("mode", "threshold_mode"):
            assert state[key] == pytest.approx(as_float(value), rel=1e-6), key  # best: a float32 metric
        else:
            assert state[key] == value, key
    resumed = lr_scheduler.ReduceLROnPlateau(make_optimizer("SGD")[1])
    resumed.load_state_dict(state)
    assert resumed.mode_worse == (math.inf if state["mode"] == "min" else -math.inf)
    assert resumed.num_bad_epochs == scheduler.num_bad_epochs and resumed.best == scheduler.best


def test_lambda_lr_saves_callable_objects_but_not_functions():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    _, optimizer = make_optimizer("SGD")
    scheduler = lr_scheduler.LambdaLR(optimizer, [Decay(), lambda epoch: 1.0])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    state["lr_lambdas"][0]["rate"] = 0.25
    scheduler.load_state_dict(state)
    assert scheduler.lr_lambdas[0].rate == 0.25 and "lr_lambdas" in state


def test_scheduler_state_dict_pickles():
    _, optimizer = make_optimizer("SGD")
    scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[2, 4])
    assert pickle.loads(pickle.dumps(scheduler.state_dict())) == scheduler.state_dict()


def test_get_lr_outside_step_warns_as_pytorch():
    _, optimizer = make_optimizer("SGD")
    scheduler = lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        scheduler.get_lr()


def _error_case(key):
    _, optimizer = make_optimizer("SGD")
    no_momentum = make_optimizer("SGD")[1]
    no_momentum.defaults.pop("momentum")
    cases = {
        "lambda_count": lambda: lr_scheduler.LambdaLR(optimizer, [lambda e: 1.0]),
        "linear_start": lambda: lr_scheduler.LinearLR(optimizer, start_factor=0),
        "linear_end": lambda: lr_scheduler.LinearLR(optimizer, end_factor=1.5),
        "onecycle_no_steps": lambda: lr_scheduler.OneCycleLR(optimizer, max_lr=1.0),
        "onecycle_total": lambda: lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=0),
        "onecycle_epochs": lambda: lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, epochs=0, steps_per_epoch=3),
        "onecycle_pct": lambda: lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=5, pct_start=1.5),
        "onecycle_anneal": lambda: lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=5,
                                                           anneal_strategy="exp"),
        "onecycle_max_lr_len": lambda: lr_scheduler.OneCycleLR(optimizer, max_lr=[1.0], total_steps=5),
        "plateau_factor": lambda: lr_scheduler.ReduceLROnPlateau(optimizer, factor=1.0),
        "plateau_mode": lambda: lr_scheduler.ReduceLROnPlateau(optimizer, mode="up"),
        "plateau_threshold_mode": lambda: lr_scheduler.ReduceLROnPlateau(optimizer, threshold_mode="pct"),
        "plateau_min_lrs": lambda: lr_scheduler.ReduceLROnPlateau(optimizer, min_lr=[0.1]),
        "not_an_optimizer": lambda: lr_scheduler.CosineAnnealingLR("sgd", T_max=3),
        "onecycle_no_momentum": lambda: lr_scheduler.OneCycleLR(no_momentum, max_lr=1.0, total_steps=5),
        "onecycle_overstep": _overstep,
    }
    return cases[key]


def _overstep():
    _, optimizer = make_optimizer("SGD")
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(4):
        optimizer.step()
        scheduler.step()


@pytest.mark.parametrize("key", sorted(REFERENCE["scheduler_errors"]))
def test_scheduler_errors_match_pytorch(key):
    expected = REFERENCE["scheduler_errors"][key]
    with pytest.raises(Exception) as caught:
        _error_case(key)()
    assert type(caught.value).__name__ == expected["type"]
    assert str(caught.value) == expected["message"]
