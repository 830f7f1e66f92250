"""``minigrad.utils.data`` against PyTorch (tests/reference/gen_utils.py): default_collate of tensors, NumPy
values, numbers, strings, tuples, lists and dicts; DataLoader batches, lengths and option errors;
random_split lengths from fractions; shuffling driven by minigrad's seeded generator."""
from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import (
    BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler, SequentialSampler, Subset,
    TensorDataset, default_collate, random_split,
)
from reference_data import decode, load

REFERENCE = load("utils")


def build(spec):
    """A sample from the generator's JSON spec, made of minigrad tensors where PyTorch's had torch tensors."""
    if isinstance(spec, list):
        return [build(s) for s in spec]
    if isinstance(spec, dict):
        (kind, value), = spec.items()
        if kind == "tensor":
            return minigrad.tensor(decode(value))
        if kind == "ndarray":
            return decode(value)
        if kind == "np_float32":
            return np.float32(value)
        if kind == "tuple":
            return tuple(build(s) for s in value)
        if kind == "dict":
            return {k: build(v) for k, v in value.items()}
    return spec


def describe(value):
    """A batch as the generator wrote PyTorch's: containers by kind, tensors encoded."""
    if isinstance(value, minigrad.Tensor):
        array = value.detach().cpu().numpy()
        return {"tensor": {"dtype": str(array.dtype), "shape": list(array.shape), "values": array}}
    if isinstance(value, tuple):
        return {"tuple": [describe(v) for v in value]}
    if isinstance(value, list):
        return {"list": [describe(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {k: describe(v) for k, v in value.items()}}
    return value


def assert_same_batch(mine, recorded):
    if isinstance(recorded, dict) and "tensor" in recorded:
        assert "tensor" in mine, f"expected a tensor, got {mine}"
        expected = recorded["tensor"]
        assert mine["tensor"]["dtype"] == expected["dtype"] and mine["tensor"]["shape"] == expected["shape"]
        np.testing.assert_array_equal(mine["tensor"]["values"], decode(expected))
    elif isinstance(recorded, dict):
        (kind, items), = recorded.items()
        assert list(mine) == [kind], f"expected a {kind}, got {mine}"
        if kind == "dict":
            assert list(mine[kind]) == list(items)
            for key in items:
                assert_same_batch(mine[kind][key], items[key])
        else:
            assert len(mine[kind]) == len(items)
            for a, b in zip(mine[kind], items):
                assert_same_batch(a, b)
    else:
        assert mine == recorded


@pytest.mark.parametrize("name", sorted(REFERENCE["collate"]))
def test_default_collate_matches_pytorch(name):
    case = REFERENCE["collate"][name]
    assert_same_batch(describe(default_collate(build(case["batch"]))), case["collated"])


def test_collate_keeps_namedtuples_and_refuses_what_pytorch_refuses():
    Point = collections.namedtuple("Point", "x y")
    batch = default_collate([Point(1, minigrad.tensor([1.0])), Point(2, minigrad.tensor([2.0]))])
    assert type(batch) is Point and batch.x.tolist() == [1, 2] and batch.y.shape == (2, 1)
    errors = REFERENCE["collate_errors"]
    with pytest.raises(RuntimeError) as caught:
        default_collate([[1, 2], [3]])
    assert str(caught.value) == errors["unequal_lists"]["message"]
    with pytest.raises(TypeError) as caught:
        default_collate([object()])
    assert str(caught.value) == errors["object"]["message"]
    with pytest.raises(AssertionError) as caught:
        TensorDataset(minigrad.ones(3), minigrad.ones(2))
    assert str(caught.value) == errors["tensor_dataset_sizes"]["message"]


def test_collated_tensors_keep_their_graph():
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    assert batch.grad_fn.name() == "StackBackward0"
    batch.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


@pytest.mark.parametrize("case", REFERENCE["data"]["loaders"], ids=lambda c: str(c["kwargs"]))
def test_dataloader_batches_match_pytorch(case):
    loader = DataLoader(TensorDataset(minigrad.arange(10.0), minigrad.arange(10)), **case["kwargs"])
    assert len(loader) == case["len"]
    batches = list(loader)
    assert len(batches) == len(case["batches"])
    for mine, recorded in zip(batches, case["batches"]):
        assert_same_batch(describe(mine), recorded)


def test_dataloader_without_batching_converts_single_samples():
    loader = DataLoader(TensorDataset(minigrad.arange(3.0)), batch_size=None)
    assert len(loader) == 3
    for mine, recorded in zip(loader, REFERENCE["data"]["unbatched"]):
        assert_same_batch(describe(mine), recorded)


@pytest.mark.parametrize("key", sorted(REFERENCE["data"]["errors"]))
def test_dataloader_and_split_errors_match_pytorch(key):
    dataset = TensorDataset(minigrad.arange(10.0), minigrad.arange(10))
    calls = {
        "sampler_and_shuffle": lambda: DataLoader(dataset, shuffle=True, sampler=[1]),
        "batch_sampler_and_batch_size": lambda: DataLoader(dataset, batch_sampler=[[1]], batch_size=2),
        "batch_size_none_and_drop_last": lambda: DataLoader(dataset, batch_size=None, drop_last=True),
        "split_sum": lambda: random_split(dataset, [3, 3]),
        "split_fraction_sum": lambda: random_split(range(10), [0.5, 0.6]),
        "split_fraction_range": lambda: random_split(range(10), [0.5, -0.5, 1.0]),
    }
    expected = REFERENCE["data"]["errors"][key]
    with pytest.raises(Exception) as caught:
        calls[key]()
    assert (type(caught.value).__name__, str(caught.value)) == (expected["type"], expected["message"])


@pytest.mark.parametrize("case", REFERENCE["data"]["splits"], ids=lambda c: f"{c['n']}-{c['lengths']}")
def test_random_split_lengths_match_pytorch(case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts = random_split(range(case["n"]), case["lengths"])
    assert [len(p) for p in parts] == case["sizes"]
    assert [str(w.message) for w in caught] == case["warnings"]
    assert sorted(i for p in parts for i in p) == list(range(case["n"]))  # a partition of the dataset


def test_random_split_follows_the_seed_and_the_generator():
    minigrad.manual_seed(3)
    first = [list(p) for p in random_split(range(20), [0.5, 0.5])]
    minigrad.manual_seed(3)
    assert [list(p) for p in random_split(range(20), [0.5, 0.5])] == first
    generator = minigrad.Generator().manual_seed(7)
    mine = [list(p) for p in random_split(range(20), [10, 10], generator=generator)]
    assert mine == [list(p) for p in random_split(range(20), [10, 10], generator=minigrad.Generator().manual_seed(7))]
    assert isinstance(random_split(range(4), [2, 2])[0], Subset)


def test_shuffle_is_driven_by_the_seeded_generator():
    dataset = TensorDataset(minigrad.arange(12))

    def epoch(loader):
        return [i for (batch,) in loader for i in batch.tolist()]

    minigrad.manual_seed(0)
    loader = DataLoader(dataset, batch_size=5, shuffle=True)
    first, second = epoch(loader), epoch(loader)
    assert sorted(first) == list(range(12)) and first != second  # a new order each epoch
    minigrad.manual_seed(0)
    assert [epoch(loader), epoch(loader)] == [first, second]
    own = DataLoader(dataset, batch_size=5, shuffle=True, generator=minigrad.Generator().manual_seed(1))
    minigrad.manual_seed(0)
    again = DataLoader(dataset, batch_size=5, shuffle=True, generator=minigrad.Generator().manual_seed(1))
    assert epoch(own) == epoch(again)
    assert isinstance(loader.sampler, RandomSampler) and isinstance(loader.batch_sampler, BatchSampler)


def test_a_dataset_of_numpy_samples_and_labels():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float32), i % 2

    features, labels = next(iter(DataLoader(Squares(), batch_size=4)))
    assert features.dtype is minigrad.float32 and features.tolist() == [[0, 0], [1, 1], [2, 4], [3, 9]]
    assert labels.dtype is minigrad.int64 and labels.tolist() == [0, 1, 0, 1]
    assert isinstance(DataLoader(Squares()).sampler, SequentialSampler)
    both = Squares() + Squares()
    assert isinstance(both, ConcatDataset) and len(both) == 10 and both[7][1] == 0 and both[-1][1] == 0


def test_iterable_datasets_are_batched_in_their_own_order():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(), batch_size=3)) == 3
    with pytest.raises(ValueError, match="expected unspecified shuffle option, but got shuffle=True"):
        DataLoader(Stream(), shuffle=True)


def test_custom_collate_and_batch_sampler():
    dataset = TensorDataset(minigrad.arange(6))
    loader = DataLoader(dataset, batch_sampler=[[0, 5], [1, 2, 3]], collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 3]


def test_minigrad_utils_is_a_real_sub_package():
    assert hasattr(minigrad, "utils") and minigrad.utils.data.DataLoader is DataLoader
    assert not hasattr(minigrad, "x_unknown")  # an AttributeError, never ModuleNotFoundError
