"""The strict test device refuses what CuPy refuses, so CPU-only CI catches GPU breakage.

Also: the backend interface (creation, random numbers, host transfer, scatter-add) on each backend, and the
rule that only ``minigrad/backend`` talks to NumPy directly.
"""
from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Function
from minigrad.backend import NUMPY_BACKEND, backend_for_device, backend_of, namespace_of
from minigrad.backend.strict_array import StrictArray
from minigrad.backend.random import HostGenerator

STRICT = backend_for_device("strict")
xp = STRICT.xp


def strict(values, dtype="float64"):
    return STRICT.from_host(np.asarray(values, dtype=dtype))


# ------------------------------------------------------------------ what CuPy refuses, refused here
def test_implicit_conversion_to_numpy_raises_cupys_type_error():
    a = strict([1.0, 2.0])
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.array([a[0], a[1]])


@pytest.mark.parametrize("call", [np.exp, np.sum, lambda a: np.where(a > 0, a, 0), lambda a: np.add.at(a, [0], 1.0),
                                  lambda a: np.concatenate([a, a])], ids=["exp", "sum", "where", "add.at", "concat"])
def test_numpy_functions_refuse_strict_arrays(call):
    with pytest.raises(TypeError):
        call(strict([1.0, -2.0]))


@pytest.mark.parametrize("mix", [
    lambda a, h: a + h, lambda a, h: h + a, lambda a, h: a * h, lambda a, h: h @ a, lambda a, h: a < h,
    lambda a, h: xp.where(a > 0, a, h), lambda a, h: xp.maximum(a, h), lambda a, h: xp.concatenate([a, h]),
], ids=["add", "radd", "mul", "rmatmul", "lt", "where", "maximum", "concatenate"])
def test_mixing_with_numpy_arrays_raises(mix):
    with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
        mix(strict([1.0, 2.0]), np.array([3.0, 4.0]))


def test_in_place_and_item_assignment_refuse_host_arrays_and_lists():
    a = strict([1.0, 2.0])
    with pytest.raises(TypeError, match="Unsupported type"):
        a += np.ones(2)
    with pytest.raises(TypeError, match="Unsupported type"):
        a[...] = np.zeros(2)
    with pytest.raises(TypeError, match="Unsupported type <class 'list'>"):
        a + [1.0, 2.0]
    assert a.tolist() == [1.0, 2.0]  # nothing was written


def test_python_numbers_and_numpy_scalars_mix_as_on_cupy():
    a = strict([1.0, 2.0], "float32")
    assert type(a * 2) is StrictArray and type(np.float32(2) * a) is StrictArray
    assert (a + np.float64(1)).tolist() == [2.0, 3.0]


def test_numpy_only_api_is_absent_from_the_namespace():
    with pytest.raises(AttributeError, match="scatter_add"):
        xp.add.at
    with pytest.raises(AttributeError, match="seeded generator"):
        xp.random
    with pytest.raises(AttributeError, match="CuPy lacks it"):
        xp.errstate
    with pytest.raises(AttributeError):
        strict([1.0]).flags.writeable


def test_reductions_return_0d_arrays_not_numpy_scalars():
    a = strict([[1.0, 5.0], [3.0, 2.0]])
    for result in (xp.sum(a), a.max(), xp.mean(a), a[0, 1], xp.argmax(a)):
        assert type(result) is StrictArray and result.shape == ()
    assert float(xp.sum(a)) == 11.0


def test_a_boolean_mask_must_be_the_only_array_in_an_index():
    a = strict(np.arange(6.0).reshape(2, 3))
    mask = strict([True, False], "bool")
    assert a[mask].tolist() == [[0.0, 1.0, 2.0]]
    with pytest.raises(ValueError, match="only supports slices that consist of one boolean array"):
        a[mask, strict([0], "int64")]


def test_floating_point_errors_do_not_warn_as_on_a_gpu():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert xp.isinf(xp.log(strict([0.0]))).tolist() == [True]
        assert xp.isnan(strict([0.0]) / strict([0.0])).tolist() == [True]


def test_views_know_their_base_and_copies_do_not():
    a = strict(np.arange(6.0))
    view = a.reshape(2, 3)[1]
    assert view.base is a and a.reshape(3, 2).T.base is a
    assert a.copy().base is None and (a + 1).base is None
    assert a.astype("float64", copy=False) is a and a.astype("float32").base is None
    view[...] = 7.0
    assert a.tolist() == [0.0, 1.0, 2.0, 7.0, 7.0, 7.0]


def test_host_transfer_copies_both_ways():
    host = np.arange(3.0)
    a = STRICT.from_host(host)
    host[0] = 100.0
    back = STRICT.to_host(a)
    back[1] = 100.0
    assert type(back) is np.ndarray and a.tolist() == [0.0, 1.0, 2.0]
    assert STRICT.from_host(a) is a


# ------------------------------------------------------------------ the backend interface, on every backend
@pytest.mark.parametrize("backend", [NUMPY_BACKEND, STRICT], ids=["numpy", "strict"])
def test_creation_functions_make_arrays_of_the_backend(backend):
    made = [backend.full((2, 3), 1.5, "float32"), backend.eye(2, 3, "float64"), backend.arange(0, 5, 2, "int64"),
            backend.linspace(0, 1, 5, "float32"), backend.random(HostGenerator(0).normal, (2,), "float32")]
    assert all(backend.is_array(array) and backend_of(array) is backend for array in made)
    assert [backend.to_host(array).dtype.name for array in made] == ["float32", "float64", "int64", "float32",
                                                                      "float32"]
    assert backend.to_host(made[2]).tolist() == [0, 2, 4]


def test_random_numbers_come_from_the_seeded_host_generator_on_every_backend():
    cpu = NUMPY_BACKEND.random(HostGenerator(7).uniform, (4,), "float64")
    on_strict = STRICT.random(HostGenerator(7).uniform, (4,), "float64")
    assert STRICT.to_host(on_strict).tolist() == cpu.tolist()


@pytest.mark.parametrize("backend", [NUMPY_BACKEND, STRICT], ids=["numpy", "strict"])
def test_scatter_add_adds_repeated_indices(backend):
    target = backend.full((4,), 0.0, "float64")
    index = backend.from_host(np.array([1, 3, 1, 1]))
    backend.scatter_add(target, index, backend.from_host(np.array([1.0, 2.0, 3.0, 4.0])))
    assert backend.to_host(target).tolist() == [0.0, 8.0, 0.0, 2.0]


# ------------------------------------------------------------------ why the strict device exists
class HostLeakingExp(Function):
    """An op written the NumPy-only way: it calls NumPy directly on its input's array."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx, x):
        return np.exp(x._array)

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class SeamExp(HostLeakingExp):
    """The same op through the seam: the array namespace of its input."""

    @staticmethod
    def forward(ctx, x):
        return namespace_of(x._array).exp(x._array)


def test_an_op_that_calls_numpy_directly_works_on_cpu_but_fails_on_the_strict_device():
    assert HostLeakingExp.apply(minigrad.zeros(2, device="cpu")).tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="backend namespace"):
        HostLeakingExp.apply(minigrad.zeros(2, device="strict"))
    assert SeamExp.apply(minigrad.zeros(2, device="strict")).tolist() == [1.0, 1.0]


# Code that runs ops on device arrays: it must reach NumPy only through minigrad.backend (STYLE item 6).
DEVICE_CODE = ["ops", "autograd", "nn", "optim", "_tensor.py", "_tensor_methods.py", "_functions.py",
               "factories.py", "random.py", "_device.py", "_device_transfer.py", "cuda.py"]


def _python_files(package: Path):
    for name in DEVICE_CODE:
        path = package / name
        yield from (sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else [])


def test_only_the_backend_imports_numpy_or_cupy():
    package = Path(minigrad.__file__).parent
    offenders = []
    for path in _python_files(package):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.relative_to(package)}:{node.lineno} imports {name}" for name in names
                          if name.split(".")[0] in ("numpy", "cupy", "cupyx")]
    assert offenders == []
