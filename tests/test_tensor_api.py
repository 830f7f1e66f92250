"""Tensors and their attributes: leaves, requires_grad, .data vs detach, version counters, reprs, factories.

The ``TENSOR_ANSWERS`` programs of ``tests/reference/behaviours.py`` were run under PyTorch 2.13 by
``tests/reference/gen_autograd.py``; here they run on minigrad and ``repr(answer)`` (and the warnings) must be
the same. The other tests check what PyTorch cannot be asked about (memory sharing, minigrad's own seeding).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad
import minigrad as torch

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE_DIR))

from behaviours import TENSOR_ANSWERS, comparable_warnings, run_program  # noqa: E402

with open(REFERENCE_DIR / "data" / "autograd.json") as f:
    RECORDED = json.load(f)["answers"]


def check_answer(name, programs):
    error, namespace, caught = run_program(minigrad, name, programs[name])
    assert error is None, f"minigrad raised {error!r}"
    expected = RECORDED[name]
    assert repr(namespace["answer"]) == expected["answer"]
    assert comparable_warnings(caught) == comparable_warnings(expected["warnings"])


@pytest.mark.parametrize("name", list(TENSOR_ANSWERS))
def test_answer_matches_pytorch(name):
    check_answer(name, TENSOR_ANSWERS)


# ---------------------------------------------------------------------------------------------- memory sharing
def test_data_and_detach_share_storage_but_only_detach_shares_the_version_counter():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    data, detached = x.data, x.detach()
    detached.add_(1)  # writes x's storage, and x's version counter sees it
    assert x.tolist() == [2.0, 3.0] and data.tolist() == [2.0, 3.0]
    assert (x._version, detached._version, data._version) == (1, 1, 0)
    data.add_(1)  # writes x's storage too, invisibly to autograd: x's counter does not move
    assert x.tolist() == [3.0, 4.0] and detached.tolist() == [3.0, 4.0]
    assert x._version == 1


def test_from_numpy_shares_memory_and_tensor_copies():
    array = np.array([1.0, 2.0], dtype=np.float32)
    shared, copied = torch.from_numpy(array), torch.tensor(array)
    array[0] = 5.0
    assert shared.tolist() == [5.0, 2.0]
    assert copied.tolist() == [1.0, 2.0]


def test_views_share_the_version_counter_of_their_base():
    x = torch.zeros(2, 3)
    row, flat, transposed = x[1], x.view(6), x.t()
    transposed.mul_(2)
    assert {x._version, row._version, flat._version, transposed._version} == {1}


def test_grad_is_settable_and_deletable():
    x = torch.ones(3, requires_grad=True)
    x.grad = torch.full((3,), 2.0)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]
    x.grad = None
    assert x.grad is None
    (x * 3).sum().backward()
    del x.grad
    assert x.grad is None


# ---------------------------------------------------------------------------------------------- factories
def test_factories_shapes_and_dtypes():
    assert torch.zeros(2, 3).shape == (2, 3) and torch.zeros((2, 3)).shape == (2, 3)
    assert torch.ones(2).tolist() == [1.0, 1.0]
    like = torch.ones(2, 2, dtype=torch.float64)
    assert torch.zeros_like(like).dtype is torch.float64 and torch.ones_like(like).sum().item() == 4.0
    assert torch.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert torch.eye(3).sum().item() == 3.0
    assert torch.arange(4).tolist() == [0, 1, 2, 3] and torch.arange(1, 2, 0.5).tolist() == [1.0, 1.5]
    assert torch.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert torch.float is torch.float32 and torch.double is torch.float64 and torch.long is torch.int64
    assert torch.tensor([1, 2]).float().dtype is torch.float32 and torch.ones(1).long().dtype is torch.int64
    assert torch.tensor([True]).dtype is torch.bool


def test_factories_accept_requires_grad_for_floats_only():
    assert torch.zeros(2, requires_grad=True).requires_grad
    assert torch.randn(2, requires_grad=True).is_leaf
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype can require"):
        torch.arange(3, requires_grad=True)


def test_manual_seed_makes_random_tensors_reproducible():
    torch.manual_seed(7)
    first = (torch.rand(3), torch.randn(2, 2), torch.randint(0, 10, (4,)))
    torch.manual_seed(7)
    second = (torch.rand(3), torch.randn(2, 2), torch.randint(0, 10, (4,)))
    for a, b in zip(first, second):
        assert a.tolist() == b.tolist()
    assert 0.0 <= first[0].min().item() and first[0].max().item() < 1.0
    assert first[2].dtype is torch.int64 and 0 <= first[2].min().item() and first[2].max().item() < 10
    torch.manual_seed(8)
    assert torch.rand(3).tolist() != first[0].tolist()


def test_numpy_of_a_detached_tensor_and_item():
    x = torch.tensor([[1.5]], requires_grad=True)
    assert x.detach().numpy().tolist() == [[1.5]]
    assert x.item() == 1.5 and isinstance(x.item(), float)
    assert torch.tensor(3).item() == 3 and isinstance(torch.tensor(3).item(), int)


def test_import_minigrad_loads_neither_torch_nor_the_viewer_stack():
    code = ("import sys, minigrad\n"
            "print(sorted(m for m in ('torch', 'matplotlib', 'networkx', 'ipywidgets') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip() == "[]"


def test_scalar_conversion_of_a_tensor_requiring_grad_warns_once_per_process(monkeypatch):
    import minigrad._tensor as tensor_module

    monkeypatch.setattr(tensor_module, "_scalar_warning_given", False)
    x = torch.tensor([1.5, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="^Converting a tensor with requires_grad=True to a scalar may lead to "
                                         "unexpected behavior.\nConsider using tensor.detach\\(\\) first.$") as caught:
        assert float(x[0]) == 1.5 and int(x[1]) == 2
    assert len(caught) == 1


def test_fast_constructor_and_init_fields_set_every_slot_alike():
    # Tensor._make inlines _init_fields for speed; a slot added to one and not the other would show here.
    import numpy as np

    from minigrad._tensor import Tensor, _init_fields

    array = np.zeros(2, dtype=np.float32)
    made = Tensor._make(array, False, None, 0)
    initialised = object.__new__(Tensor)
    _init_fields(initialised, array, False, None, 0)
    slots = [name for name in Tensor.__slots__ if name != "__weakref__"]
    for name in slots:
        assert hasattr(made, name) and hasattr(initialised, name), name
        assert getattr(made, name) is getattr(initialised, name), name
