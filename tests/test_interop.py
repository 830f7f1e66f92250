"""Tensors where Python and NumPy tools take them, as PyTorch's (tests/reference/gen_utils.py): ``copy.copy``,
``copy.deepcopy`` and ``pickle`` round trips, ``np.asarray`` and NumPy ufuncs, matplotlib's plot, scatter and
imshow, and the public module of public classes (``<class 'minigrad.Tensor'>``)."""
from __future__ import annotations

import copy
import io
import pickle
import warnings

import numpy as np
import pytest

import minigrad
from minigrad import nn
from reference_data import decode, load

INTEROP = load("utils")["interop"]


def source_tensors():
    leaf = minigrad.tensor([1.0, 2.0], requires_grad=True)
    leaf.grad = minigrad.tensor([0.5, 0.5])
    return leaf, leaf * 2


def shares_storage(a, b) -> bool:
    return np.shares_memory(a.detach().numpy(), b.detach().numpy())


def assert_facts(made, source, recorded):
    assert made.requires_grad == recorded["requires_grad"] and made.is_leaf == recorded["is_leaf"]
    assert str(made.dtype) == recorded["dtype"]
    np.testing.assert_array_equal(made.detach().numpy(), decode(recorded["values"]))
    if recorded["grad"] is None:
        assert made.grad is None
    else:
        np.testing.assert_array_equal(made.grad.numpy(), decode(recorded["grad"]))
    assert shares_storage(made, source) == recorded["shares_storage"]


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_copies_of_a_leaf_match_pytorch(how):
    leaf, _ = source_tensors()
    make = {"copy": copy.copy, "deepcopy": copy.deepcopy, "pickle": lambda t: pickle.loads(pickle.dumps(t))}[how]
    assert_facts(make(leaf), leaf, INTEROP[how])


def test_copies_of_a_computed_tensor_match_pytorch():
    _, computed = source_tensors()
    assert_facts(pickle.loads(pickle.dumps(computed)), computed, INTEROP["pickle_computed"])
    assert_facts(copy.copy(computed), computed, INTEROP["copy_computed"])
    with pytest.raises(RuntimeError) as caught:
        copy.deepcopy(computed)
    assert str(caught.value) == INTEROP["deepcopy_computed"]["message"]


def test_pickle_keeps_subclasses_dtypes_and_modules():
    parameter = pickle.loads(pickle.dumps(nn.Parameter(minigrad.ones(2))))
    assert repr(type(parameter)).replace("minigrad", "torch") == INTEROP["parameter_type_repr"]
    assert parameter.requires_grad and parameter.is_leaf
    ints = pickle.loads(pickle.dumps(minigrad.arange(3)))
    assert ints.dtype is minigrad.int64 and ints.tolist() == [0, 1, 2]
    model = pickle.loads(pickle.dumps(nn.Sequential(nn.Linear(2, 3), nn.ReLU())))
    assert isinstance(model[0].weight, nn.Parameter) and model(minigrad.ones(1, 2)).shape == (1, 3)
    buffer = io.BytesIO()
    pickle.dump({"w": minigrad.zeros(2, 2), "shape": minigrad.Size([2, 2])}, buffer)
    buffer.seek(0)
    restored = pickle.load(buffer)
    assert restored["w"].shape == restored["shape"] == (2, 2)


def test_public_classes_show_their_public_module():
    assert repr(type(minigrad.ones(1))).replace("minigrad", "torch") == INTEROP["type_repr"]
    assert repr(nn.Linear).replace("minigrad", "torch") == INTEROP["linear_type_repr"]
    assert repr(type(minigrad.ones(2).shape)) == "<class 'minigrad.Size'>"


def test_numpy_takes_tensors_and_refuses_those_that_require_grad():
    leaf, _ = source_tensors()
    for call, key in ((np.asarray, "asarray_requires_grad"), (np.exp, "ufunc_requires_grad")):
        with pytest.raises(RuntimeError) as caught:
            call(leaf)
        assert str(caught.value) == INTEROP[key]["message"]
    assert str(np.asarray(minigrad.tensor([1.0, 2.0])).dtype) == INTEROP["asarray_dtype"]
    assert str(np.asarray(minigrad.tensor([1.0, 2.0]), dtype=np.float64).dtype) == INTEROP["asarray_to_float64"]


UFUNCS = {
    "exp_float32": lambda: np.exp(minigrad.tensor([0.0, 1.0])),
    "exp_float64": lambda: np.exp(minigrad.tensor([0.0, 1.0], dtype=minigrad.float64)),
    "exp_int64": lambda: np.exp(minigrad.tensor([1, 2])),
    "exp_0d": lambda: np.exp(minigrad.tensor(1.0)),
    "add_scalar": lambda: np.add(minigrad.tensor([1.0, 2.0]), 1),
    "maximum": lambda: np.maximum(minigrad.tensor([1.0, 5.0]), minigrad.tensor([3.0, 2.0])),
    "greater": lambda: np.greater(minigrad.tensor([1.0, 5.0]), 2),
    "sqrt_int": lambda: np.sqrt(minigrad.tensor([4, 9])),
}


@pytest.mark.parametrize("name", sorted(INTEROP["ufuncs"]))
def test_numpy_ufuncs_return_tensors_as_in_pytorch(name):
    recorded = INTEROP["ufuncs"][name]
    result = UFUNCS[name]()
    assert type(result).__qualname__ == recorded["type"]
    expected = decode(recorded["value"])
    assert str(result.dtype) == f"torch.{expected.dtype}" and tuple(result.shape) == expected.shape
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)
    assert repr(result) == recorded["repr"]


def test_matplotlib_plots_tensors():
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib comes with minigrad[widgets]")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = minigrad.linspace(0, 1, 5)
    y = x ** 2
    figure, axes = plt.subplots()
    try:
        (line,) = axes.plot(x, y)
        np.testing.assert_allclose(line.get_ydata(), y.numpy())
        points = axes.scatter(x, y)
        np.testing.assert_allclose(points.get_offsets()[:, 0], x.numpy())
        image = axes.imshow(minigrad.rand(3, 4))
        assert image.get_array().shape == (3, 4)
        figure.canvas.draw()
        with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # matplotlib's float() on it warns first, as with PyTorch
            axes.plot(minigrad.ones(3, requires_grad=True))
    finally:
        plt.close(figure)
