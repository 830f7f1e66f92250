"""minigrad's tensor repr must match PyTorch's character for character.

The expected strings were produced by real PyTorch with
``tests/reference/gen_repr.py`` and stored in ``tests/reference/data/repr.json``;
this test does not need torch.

``minigrad/_tensor_str.py`` takes its array functions from ``minigrad.backend``
(the one door to NumPy), so it is imported with the package.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from minigrad import _tensor_str as tensor_str
from reference_data import decode

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_PATH = REPO_ROOT / "tests" / "reference" / "data" / "repr.json"


with open(DATA_PATH) as f:
    CASES = json.load(f)


@pytest.fixture(autouse=True)
def default_printoptions():
    tensor_str.set_printoptions(profile="default")
    yield
    tensor_str.set_printoptions(profile="default")


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_repr_matches_pytorch(case):
    if case["printoptions"]:
        tensor_str.set_printoptions(**case["printoptions"])
    text = tensor_str.format_tensor(
        decode(case),
        case["dtype"],
        case["suffixes"],
        device_suffix=case["device_suffix"],
    )
    assert text == case["expected"]


def test_device_suffix_inside_suffixes_goes_first():
    values = np.array([1.5, 2.0])
    via_keyword = tensor_str.format_tensor(
        values, "float64", ["requires_grad=True"], device_suffix="cuda:0"
    )
    via_suffixes = tensor_str.format_tensor(
        values, "float64", ["requires_grad=True", "device='cuda:0'"]
    )
    # (checked with torch._tensor_str._add_suffixes; the last part wraps)
    expected = (
        "tensor([1.5000, 2.0000], device='cuda:0', dtype=torch.float64,\n"
        "       requires_grad=True)"
    )
    assert via_keyword == expected
    assert via_suffixes == expected


def test_printoptions_context_manager_restores():
    before = tensor_str.get_printoptions()
    with tensor_str.printoptions(precision=2):
        assert tensor_str.format_tensor(np.array([1.23456]), "float32") == "tensor([1.23])"
    assert tensor_str.get_printoptions() == before
