"""``minigrad.nn.utils`` against PyTorch (tests/reference/gen_utils.py): clip_grad_norm_ for several norms
(returned total norm and clipped gradients), clip_grad_value_, non-finite norms, parameters_to_vector and
vector_to_parameters."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters
from reference_data import TOLERANCE, decode, load

CLIP = load("utils")["clip"]


def parameters_with_recorded_grads():
    params = []
    for encoded in CLIP["grads"]:
        grad = minigrad.tensor(decode(encoded))
        param = nn.Parameter(minigrad.zeros(*grad.shape))
        param.grad = grad
        params.append(param)
    return params


def assert_matches(mine, encoded):
    expected = decode(encoded)
    assert str(mine.dtype) == f"torch.{expected.dtype}" and tuple(mine.shape) == expected.shape
    np.testing.assert_allclose(mine.cpu().numpy(), expected, **TOLERANCE[str(expected.dtype)])


@pytest.mark.parametrize("case", CLIP["norm"], ids=lambda c: str(c["kwargs"]))
def test_clip_grad_norm_matches_pytorch(case):
    params = parameters_with_recorded_grads()
    kwargs = dict(case["kwargs"])
    if kwargs.get("norm_type") == "inf":
        kwargs["norm_type"] = float("inf")
    total = clip_grad_norm_(params, **kwargs)
    assert_matches(total, case["total_norm"])
    for param, grad in zip(params, case["grads"]):
        assert_matches(param.grad, grad)


@pytest.mark.parametrize("case", CLIP["value"], ids=lambda c: str(c["clip_value"]))
def test_clip_grad_value_matches_pytorch(case):
    params = parameters_with_recorded_grads()
    assert repr(clip_grad_value_(params, case["clip_value"])) == case["returns"]
    for param, grad in zip(params, case["grads"]):
        assert_matches(param.grad, grad)


def test_clip_grad_norm_edge_cases_match_pytorch():
    assert repr(clip_grad_norm_([nn.Parameter(minigrad.zeros(2))], 1.0)) == CLIP["empty_total"]  # no gradients
    single = nn.Parameter(minigrad.zeros(2))
    single.grad = minigrad.tensor([3.0, 4.0])
    assert_matches(clip_grad_norm_(single, 1.0), CLIP["single"]["total"])  # one tensor, not a list
    assert_matches(single.grad, CLIP["single"]["grad"])
    with_nan = nn.Parameter(minigrad.zeros(2))
    with_nan.grad = minigrad.tensor([1.0, float("nan")])
    assert_matches(clip_grad_norm_([with_nan], 1.0), CLIP["nan_total"])
    assert_matches(with_nan.grad, CLIP["nan_grad"])
    with_inf = nn.Parameter(minigrad.zeros(2))
    with_inf.grad = minigrad.tensor([1.0, float("inf")])
    with pytest.raises(RuntimeError) as caught:
        clip_grad_norm_([with_inf], 1.0, error_if_nonfinite=True)
    assert str(caught.value) == CLIP["errors"]["nonfinite"]["message"]


def test_clipping_records_nothing_and_keeps_a_training_step_working():
    model = nn.Linear(3, 2)
    model(minigrad.ones(4, 3)).pow(2).sum().backward()
    total = clip_grad_norm_(model.parameters(), 0.1)
    assert total.grad_fn is None and not total.requires_grad
    assert model.weight.grad.grad_fn is None
    norm = clip_grad_norm_(model.parameters(), 1e9)  # already clipped: the new total is max_norm (up to 1e-6)
    assert norm.item() == pytest.approx(0.1, rel=1e-4)
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        nn.utils.clip_grad_norm(model.parameters(), 1.0)


def test_parameters_to_vector_and_back():
    model = nn.Linear(3, 2)
    vector = parameters_to_vector(model.parameters())
    assert list(vector.shape) == CLIP["parameters_to_vector"]["shape"]
    assert type(vector.grad_fn).__name__ == CLIP["parameters_to_vector"]["grad_fn"]
    flat = minigrad.arange(8.0)
    vector_to_parameters(flat, model.parameters())
    assert model.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and model.bias.tolist() == [6.0, 7.0]
    assert isinstance(model.weight, nn.Parameter) and model.weight.requires_grad
    flat.add_(1.0)  # the parameters share the vector's storage, as in PyTorch
    assert model.bias.tolist() == [7.0, 8.0]
    with pytest.raises(TypeError) as caught:
        vector_to_parameters([1.0], [nn.Parameter(minigrad.zeros(1))])
    assert str(caught.value) == CLIP["errors"]["vector_not_tensor"]["message"]
