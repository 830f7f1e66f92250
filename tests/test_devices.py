"""Devices as PyTorch has them: ``device``, ``device=`` on every factory, ``.to()``/``.cuda()``/``.cpu()``,
``minigrad.cuda``, the same-device rule for every op, and gradients/optimizer state/parameters following
their tensors' device.

No GPU is needed: the strict test device stands in for the "other" device (it is a real second device with
its own array type), and a fixture dresses it up as ``cuda:0`` to check what PyTorch prints and raises for
CUDA tensors. Real CuPy runs in ``tests/test_cupy.py``.
"""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import backend as backend_module
from minigrad.autograd import Function
from minigrad.backend.strict_array import StrictArray
from minigrad.backend.strict_backend import StrictBackend
from op_registry import OPS, make_inputs

MIXED = "Expected all tensors to be on the same device, but found at least two devices, {} and {}!"


@pytest.fixture
def other_device(test_device):
    """A device different from the one this run makes its tensors on."""
    return minigrad.device("cpu") if test_device.type != "cpu" else minigrad.device("strict", 0)


def _pair_message(a, b):
    first, second = sorted([str(a), str(b)], key=lambda name: name == "cpu")
    return MIXED.format(first, second)


@pytest.fixture
def restore_default_device():
    before = minigrad.get_default_device()
    yield
    minigrad.set_default_device(before)


# ------------------------------------------------------------------ minigrad.device
def test_device_strings_parse_like_pytorch():
    assert repr(minigrad.device("cpu")) == "device(type='cpu')"
    assert repr(minigrad.device("cuda:1")) == "device(type='cuda', index=1)"
    assert minigrad.device("cuda", 0) == minigrad.device("cuda:0") == "cuda:0"
    assert minigrad.device(0) == minigrad.device("cuda:0")
    assert str(minigrad.device("cuda")) == "cuda" and minigrad.device("cuda").index is None
    assert minigrad.device(minigrad.device("cpu")).type == "cpu"
    assert len({minigrad.device("cuda:0"), minigrad.device("cuda", 0)}) == 1


@pytest.mark.parametrize("spec, message", [
    ("tpu", "Expected one of cpu, cuda device type at start of device string: tpu"),
    ("cuda:x", "Invalid device string: 'cuda:x'"),
    ("cpu:1", "CPU device index must be -1 or zero, got 1"),
])
def test_bad_device_strings_raise_pytorchs_errors(spec, message):
    with pytest.raises(RuntimeError, match=message):
        minigrad.device(spec)


# ------------------------------------------------------------------ minigrad.cuda without a GPU
@pytest.fixture
def without_cupy(monkeypatch):
    """CuPy as if not installed (whether or not this machine has it)."""
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` now raises ModuleNotFoundError
    monkeypatch.delitem(backend_module._BACKEND_BY_DEVICE_TYPE, "cuda", raising=False)


@pytest.fixture
def cupy_without_gpu(monkeypatch):
    """CuPy installed, but the driver finds no GPU (a laptop, Binder)."""
    def no_device():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=no_device))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.delitem(backend_module._BACKEND_BY_DEVICE_TYPE, "cuda", raising=False)


def test_is_available_is_simply_false_without_cupy(without_cupy):
    assert minigrad.cuda.is_available() is False
    assert minigrad.cuda.device_count() == 0


def test_is_available_is_false_here_when_this_machine_cannot_use_a_gpu():
    usable, reason = minigrad.cuda._cupy_status()
    assert minigrad.cuda.is_available() is usable
    assert minigrad.cuda.device_count() >= 1 if usable else reason.startswith("CuPy is")


@pytest.mark.parametrize("ask", [
    lambda: minigrad.zeros(2, device="cuda"), lambda: minigrad.randn(2, device="cuda:0"),
    lambda: minigrad.tensor([1.0]).cuda(), lambda: minigrad.tensor([1.0]).to("cuda"),
    lambda: minigrad.set_default_device("cuda"), lambda: nn.Linear(2, 2).cuda(),
], ids=["zeros", "randn", "cuda()", "to", "set_default_device", "module.cuda"])
def test_asking_for_cuda_without_cupy_says_what_to_install(without_cupy, ask):
    with pytest.raises(RuntimeError) as error:
        ask()
    message = str(error.value)
    assert message.startswith("Cannot use device 'cuda': CuPy is not installed.")
    assert 'pip install "minigrad[gpu]"' in message and "cupy-cuda12x" in message
    assert "torch.cuda.is_available()" in message


def test_asking_for_cuda_without_a_gpu_says_the_gpu_is_missing(cupy_without_gpu):
    assert minigrad.cuda.is_available() is False
    with pytest.raises(RuntimeError, match="CuPy is installed but no CUDA GPU is usable here .*no CUDA-capable"):
        minigrad.ones(3, device="cuda")


# ------------------------------------------------------------------ device= on every factory
FACTORIES = {
    "tensor": lambda d: minigrad.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda d: minigrad.as_tensor(np.ones(2), device=d),
    "zeros": lambda d: minigrad.zeros(2, 3, device=d),
    "ones": lambda d: minigrad.ones((2,), device=d),
    "empty": lambda d: minigrad.empty(2, device=d),
    "full": lambda d: minigrad.full((2,), 3.0, device=d),
    "eye": lambda d: minigrad.eye(3, device=d),
    "arange": lambda d: minigrad.arange(5, device=d),
    "linspace": lambda d: minigrad.linspace(0, 1, 4, device=d),
    "rand": lambda d: minigrad.rand(2, device=d),
    "randn": lambda d: minigrad.randn(2, device=d, requires_grad=True),
    "randint": lambda d: minigrad.randint(0, 5, (3,), device=d),
    "randperm": lambda d: minigrad.randperm(4, device=d),
    "normal": lambda d: minigrad.normal(0.0, 1.0, (2,), device=d),
    "zeros_like": lambda d: minigrad.zeros_like(minigrad.ones(2, device="cpu"), device=d),
    "ones_like": lambda d: minigrad.ones_like(minigrad.ones(2, device="cpu"), device=d),
    "full_like": lambda d: minigrad.full_like(minigrad.ones(2, device="cpu"), 7.0, device=d),
    "rand_like": lambda d: minigrad.rand_like(minigrad.ones(2, device="cpu"), device=d),
    "randn_like": lambda d: minigrad.randn_like(minigrad.ones(2, device="cpu"), device=d),
    "new_zeros": lambda d: minigrad.ones(2, device="cpu").new_zeros(3, device=d),
    "new_tensor": lambda d: minigrad.ones(2, device=d).new_tensor([1.0]),
    "Tensor": lambda d: minigrad.Tensor([1.0], device=d),
}


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("where", ["cpu", "strict"])
def test_every_factory_takes_device(name, where):
    made = FACTORIES[name](where)
    assert made.device.type == where
    assert type(made._array) is (np.ndarray if where == "cpu" else StrictArray)


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "full_like", "rand_like", "randn_like"])
def test_like_factories_follow_their_template(name, other_device):
    template = minigrad.ones(2, device=other_device)
    made = getattr(minigrad, name)(template, **({"fill_value": 1.0} if name == "full_like" else {}))
    assert made.device == other_device


def test_a_seed_gives_the_same_random_numbers_on_every_device(other_device):
    minigrad.manual_seed(3)
    here = minigrad.randn(5).tolist()
    minigrad.manual_seed(3)
    there = minigrad.randn(5, device=other_device).tolist()
    assert here == there


def test_default_device_is_what_factories_use(restore_default_device):
    minigrad.set_default_device("strict")
    assert minigrad.get_default_device() == minigrad.device("strict", 0)
    assert minigrad.zeros(2).device.type == "strict" and minigrad.tensor([1]).device.type == "strict"
    assert minigrad.from_numpy(np.ones(2)).device.type == "cpu"  # shares host memory: stays on the CPU
    assert minigrad.zeros(2, device="cpu").device.type == "cpu"
    minigrad.set_default_device(None)
    assert minigrad.get_default_device() == minigrad.device("cpu")
    assert minigrad.zeros(2).device.type == "cpu"


def test_repr_names_the_device_unless_it_is_the_default(restore_default_device):
    minigrad.set_default_device("cpu")
    assert repr(minigrad.tensor([1.0, 2.0], device="strict")) == "tensor([1., 2.], device='strict:0')"
    minigrad.set_default_device("strict")
    assert repr(minigrad.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(minigrad.tensor([1.0], device="cpu")) == "tensor([1.], device='cpu')"


# ------------------------------------------------------------------ moving tensors
def test_to_returns_the_same_tensor_when_already_there(test_device):
    x = minigrad.ones(2)
    assert x.to(test_device) is x and x.to(test_device.type) is x


def test_to_copies_across_devices_and_the_gradient_comes_back(other_device, test_device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    moved = x.to(other_device)
    assert moved.device == other_device and moved.grad_fn.name() == "ToCopyBackward0"
    (moved * moved).sum().backward()
    assert x.grad.device == test_device and x.grad.tolist() == [2.0, 4.0]


def test_cpu_brings_a_tensor_home_and_numpy_then_works(other_device):
    x = minigrad.tensor([[1.0, 2.0]], device=other_device)
    home = x.cpu()
    assert home.device.type == "cpu" and type(home.numpy()) is np.ndarray
    assert home.numpy().tolist() == [[1.0, 2.0]]
    assert x.to("cpu", minigrad.float64).dtype is minigrad.float64


def test_item_and_tolist_copy_to_python_from_any_device(other_device):
    x = minigrad.tensor([[1.5, 2.5]], device=other_device)
    assert x.tolist() == [[1.5, 2.5]] and x[0, 1].item() == 2.5 and float(x[0, 0]) == 1.5
    assert type(x.sum().item()) is float and bool(x.sum() > 3)


# ------------------------------------------------------------------ the same-device rule, for every op
BINARY = [spec for spec in OPS if len(spec.domains) >= 2]
# x[i] = v and copy_ copy across devices, as in PyTorch
COPIES = {spec.name for spec in OPS if spec.name.startswith("setitem") or spec.name == "copy_"}
WITH_AUX = [spec for spec in OPS if spec.aux and spec.name != "expand_as"]  # expand_as reads only a shape


def _inputs(spec, devices_of_floats, device_of_aux):
    floats, aux = make_inputs(spec, spec.cases[0], np.random.default_rng(0))
    floats = [minigrad.tensor(a, device=d) for a, d in zip(floats, devices_of_floats)]
    aux = [minigrad.tensor(a, device=device_of_aux) for a in aux]
    return floats, aux


@pytest.mark.parametrize("spec", [s for s in BINARY if s.name not in COPIES], ids=lambda s: s.name)
def test_every_op_with_inputs_on_two_devices_raises_pytorchs_error(spec, test_device, other_device):
    devices = [test_device] + [other_device] * (len(spec.domains) - 1)
    floats, aux = _inputs(spec, devices, test_device)
    with pytest.raises(RuntimeError, match=_pair_message(test_device, other_device)):
        spec.fn(minigrad, *floats, *aux, **spec.cases[0].params)


@pytest.mark.parametrize("spec", [s for s in BINARY if s.name in COPIES], ids=lambda s: s.name)
def test_assignment_across_devices_copies_like_pytorch(spec, test_device, other_device):
    devices = [test_device] + [other_device] * (len(spec.domains) - 1)
    floats, aux = _inputs(spec, devices, test_device)
    out = spec.fn(minigrad, *floats, *aux, **spec.cases[0].params)
    assert out.device == test_device


@pytest.mark.parametrize("spec", WITH_AUX, ids=lambda s: s.name)
def test_index_mask_and_condition_inputs_must_be_on_the_cpu_or_the_same_device(spec, test_device):
    off_cpu = minigrad.device("strict", 0)  # a non-CPU index on a CPU tensor is refused, as in PyTorch
    floats, aux = _inputs(spec, [minigrad.device("cpu")] * len(spec.domains), off_cpu)
    with pytest.raises(RuntimeError, match="device"):
        spec.fn(minigrad, *floats, *aux, **spec.cases[0].params)


def test_a_cpu_index_tensor_may_index_a_tensor_on_another_device(other_device):
    x = minigrad.arange(6.0, device=other_device, requires_grad=True)
    picked = x[minigrad.tensor([5, 0, 5], device="cpu")]
    picked.sum().backward()
    assert picked.device == other_device and x.grad.tolist() == [1.0, 0, 0, 0, 0, 2.0]


@pytest.mark.parametrize("call", [
    lambda a, b: a == b, lambda a, b: a < b, lambda a, b: a.allclose(b), lambda a, b: a.equal(b),
    lambda a, b: (a > 0) & (b > 0), lambda a, b: minigrad.cat([a, b]), lambda a, b: minigrad.stack([a, b]),
    lambda a, b: minigrad.where(a > 0, a, b), lambda a, b: a.masked_fill(b > 0, 0.0),
    lambda a, b: F.linear(a, b.reshape(1, 3)), lambda a, b: F.mse_loss(a, b),
    lambda a, b: F.cross_entropy(a.reshape(1, 3), minigrad.tensor([1], device=b.device)),
], ids=["eq", "lt", "allclose", "equal", "and", "cat", "stack", "where", "masked_fill", "linear", "mse_loss",
        "cross_entropy"])
def test_comparisons_joins_and_nn_functions_check_devices_too(call, test_device, other_device):
    a, b = minigrad.randn(3), minigrad.randn(3, device=other_device)
    with pytest.raises(RuntimeError, match=_pair_message(test_device, other_device)):
        call(a, b)


def test_backward_with_a_gradient_on_another_device_raises(test_device, other_device):
    y = minigrad.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=f"invalid gradient at index 0 - expected device {test_device} but got "
                                           f"{other_device}"):
        y.backward(minigrad.ones(2, device=other_device))


def test_a_hook_returning_a_gradient_on_another_device_is_caught(test_device, other_device):
    x = minigrad.ones(2, requires_grad=True)
    y = x * 3
    y.register_hook(lambda grad: grad.to(other_device))
    with pytest.raises(RuntimeError, match=f"expected device {test_device} but got {other_device}"):
        y.sum().backward()


# ------------------------------------------------------------------ gradients, parameters and optimizer state
def test_gradients_live_on_the_tensors_device(other_device):
    w = minigrad.randn(3, 2, device=other_device, requires_grad=True)
    x = minigrad.randn(4, 3, device=other_device)
    loss = x.mm(w).relu().pow(2).sum()
    loss.backward()
    assert w.grad.device == other_device and type(w.grad._array) is type(w._array)


class TwoOutputs(Function):
    """Two outputs; backward sees materialized zeros for the one that is not used."""

    seen = []

    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, grad_a, grad_b):
        TwoOutputs.seen[:] = [grad_a, grad_b]
        return grad_a * 2 + grad_b * 3


def test_materialized_zero_gradients_are_made_on_the_outputs_device(other_device):
    x = minigrad.ones(2, device=other_device, requires_grad=True)
    first, _ = TwoOutputs.apply(x)
    first.sum().backward()
    zeros = TwoOutputs.seen[1]
    assert zeros.device == other_device and zeros.tolist() == [0.0, 0.0] and x.grad.tolist() == [2.0, 2.0]


def _train(device, optimizer_class, steps=3, **options):
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).to(device)
    optimizer = optimizer_class(model.parameters(), lr=0.1, **options)
    x, y = minigrad.randn(16, 4, device=device), minigrad.randn(16, 2, device=device)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return model, optimizer, loss.item()


@pytest.mark.parametrize("optimizer_class, options", [
    (minigrad.optim.SGD, {"momentum": 0.9}), (minigrad.optim.Adam, {}), (minigrad.optim.RMSprop, {}),
    (minigrad.optim.Adagrad, {}),
], ids=["sgd-momentum", "adam", "rmsprop", "adagrad"])
def test_module_to_moves_parameters_and_optimizer_state_follows(optimizer_class, options, other_device):
    model, optimizer, loss_there = _train(other_device, optimizer_class, **options)
    _, _, loss_on_cpu = _train("cpu", optimizer_class, **options)
    for param in model.parameters():
        assert param.device == other_device and param.grad.device == other_device
        for value in optimizer.state[param].values():
            if isinstance(value, minigrad.Tensor) and value.dim() > 0:  # per-element state, not a step count
                assert value.device == other_device
    assert loss_there == pytest.approx(loss_on_cpu, rel=1e-5)  # same seed, same numbers on both devices


def test_module_to_keeps_the_parameter_objects(other_device):
    layer = nn.Linear(3, 2)
    weight = layer.weight
    assert layer.to(other_device) is layer and layer.weight is weight and weight.device == other_device
    layer.cpu()
    assert weight.device.type == "cpu"


def test_the_two_layer_net_of_lesson_11_runs_on_either_device(other_device, test_device):
    def losses(device):
        minigrad.manual_seed(0)
        x, y = minigrad.randn(16, 30, device=device), minigrad.randn(16, 5, device=device)
        w1 = minigrad.randn(30, 20, device=device, requires_grad=True)
        w2 = minigrad.randn(20, 5, device=device, requires_grad=True)
        history = []
        for _ in range(20):
            loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
            history.append(loss.item())
            loss.backward()
            with minigrad.no_grad():
                w1 -= 1e-4 * w1.grad
                w2 -= 1e-4 * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()
        assert w1.grad.device.type == minigrad.device(device).type
        return history

    here, there = losses(test_device), losses(other_device)
    assert there[-1] < there[0] / 2
    assert np.allclose(here, there, rtol=1e-5)


# ------------------------------------------------------------------ what CUDA tensors print and raise
@pytest.fixture
def fake_cuda(monkeypatch):
    """Strict arrays dressed up as ``cuda:0`` for one test: the CUDA paths of Tensor, without a GPU."""
    class FakeCuda(StrictBackend):
        device_type = "cuda"

    fake = FakeCuda()
    monkeypatch.setitem(backend_module._BACKEND_BY_ARRAY_TYPE, StrictArray, fake)
    monkeypatch.setitem(backend_module._BACKEND_BY_DEVICE_TYPE, "cuda", fake)
    return fake


def test_cuda_tensors_mixed_with_cpu_tensors_give_pytorchs_exact_error(fake_cuda):
    x = minigrad.ones(2, device="cuda")
    for call in (lambda: x + minigrad.ones(2, device="cpu"), lambda: minigrad.ones(2, device="cpu") * x,
                 lambda: minigrad.ones(2, 2, device="cpu").mm(minigrad.ones(2, 2, device="cuda"))):
        with pytest.raises(RuntimeError) as error:
            call()
        assert str(error.value) == ("Expected all tensors to be on the same device, but found at least two devices, "
                                    "cuda:0 and cpu!")


def test_numpy_of_a_cuda_tensor_asks_for_cpu_first(fake_cuda):
    x = minigrad.tensor([1.0, 2.0], device="cuda")
    with pytest.raises(TypeError) as error:
        x.numpy()
    assert str(error.value) == ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                                "tensor to host memory first.")
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        np.asarray(x)
    assert x.cpu().numpy().tolist() == [1.0, 2.0] and x.detach().cpu().numpy().dtype == np.float32


def test_cuda_tensors_print_and_describe_themselves_like_pytorch(fake_cuda, restore_default_device):
    minigrad.set_default_device("cpu")
    x = minigrad.tensor([1.0, 2.0], device="cuda:0", requires_grad=True)
    assert x.is_cuda and x.device == minigrad.device("cuda", 0)
    assert repr(x) == "tensor([1., 2.], device='cuda:0', requires_grad=True)"
    assert x.type() == "torch.cuda.FloatTensor" and x.cpu().type() == "torch.FloatTensor"
    (x * 2).sum().backward()
    assert x.grad.is_cuda
    minigrad.set_default_device("cuda")
    assert repr(minigrad.tensor([1.0])) == "tensor([1.])"
