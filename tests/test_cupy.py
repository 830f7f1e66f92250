"""Real CuPy on a real GPU: the CUDA backend gives the CPU's results, and CUDA tensors behave as in PyTorch.

Skipped with the reason (CuPy missing, or no GPU) where a GPU cannot be used; these are the only tests CI
allows to skip (``@pytest.mark.gpu``). The same behaviour is checked without a GPU on the strict test device
(``tests/test_devices.py``, and every suite's second run under ``MINIGRAD_TEST_DEVICE=strict``).
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F

USABLE, REASON = minigrad.cuda._cupy_status()
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not USABLE, reason=f"needs CuPy and a GPU: {REASON}")]


def on_both(make):
    """``make(device)`` on the CPU and on CUDA, with the same seed."""
    minigrad.manual_seed(0)
    cpu = make("cpu")
    minigrad.manual_seed(0)
    return cpu, make("cuda")


def test_cuda_tensors_hold_cupy_arrays_on_device_0():
    import cupy

    x = minigrad.randn(3, 4, device="cuda")
    assert type(x._array) is cupy.ndarray and x.device == minigrad.device("cuda", 0) and x.is_cuda
    assert minigrad.cuda.is_available() and minigrad.cuda.device_count() >= 1
    assert repr(minigrad.tensor([1.0, 2.0], device="cuda")) == "tensor([1., 2.], device='cuda:0')"


def test_every_factory_makes_cuda_tensors():
    cuda = "cuda"
    made = [minigrad.zeros(2, device=cuda), minigrad.ones(2, device=cuda), minigrad.full((2,), 3.0, device=cuda),
            minigrad.eye(2, device=cuda), minigrad.arange(4, device=cuda), minigrad.linspace(0, 1, 3, device=cuda),
            minigrad.rand(2, device=cuda), minigrad.randint(0, 4, (2,), device=cuda),
            minigrad.tensor([1, 2], device=cuda), minigrad.zeros_like(minigrad.ones(2, device=cuda))]
    assert all(t.is_cuda for t in made)
    assert made[4].tolist() == [0, 1, 2, 3] and made[2].tolist() == [3.0, 3.0]


def test_seeded_random_numbers_match_the_cpu():
    cpu, cuda = on_both(lambda d: minigrad.randn(100, device=d))
    assert cuda.tolist() == cpu.tolist()


def test_forward_and_backward_match_the_cpu():
    def run(device):
        x = minigrad.randn(8, 5, device=device, requires_grad=True)
        w = minigrad.randn(5, 3, device=device, requires_grad=True)
        out = (x.mm(w).tanh().softmax(1) * x[:, :3].exp()).logsumexp(1).mean() + x.max() + w.var()
        out.backward()
        return out.item(), x.grad.cpu().numpy(), w.grad.cpu().numpy()

    cpu, cuda = on_both(run)
    assert cuda[0] == pytest.approx(cpu[0], rel=1e-5)
    np.testing.assert_allclose(cuda[1], cpu[1], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(cuda[2], cpu[2], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_indexing_backward_adds_repeated_indices_with_cupyx_scatter_add(dtype):
    x = minigrad.zeros(4, dtype=dtype, device="cuda", requires_grad=True)
    index = minigrad.tensor([1, 3, 1, 1], device="cuda")
    x[index].sum().backward()
    assert x.grad.tolist() == [0.0, 3.0, 0.0, 1.0] and x.grad.is_cuda


def test_gather_and_max_backward_on_the_gpu():
    x = minigrad.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], device="cuda", requires_grad=True)
    (x.gather(1, minigrad.tensor([[1, 1], [0, 2]], device="cuda")).sum() + x.max(1)[0].sum()).backward()
    assert x.grad.tolist() == [[0.0, 3.0, 0.0], [2.0, 0.0, 1.0]]


def test_numpy_needs_cpu_first_and_mixing_devices_raises():
    x = minigrad.ones(2, device="cuda")
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu()"):
        x.numpy()
    with pytest.raises(RuntimeError) as error:
        x + minigrad.ones(2)
    assert str(error.value) == ("Expected all tensors to be on the same device, but found at least two devices, "
                                "cuda:0 and cpu!")
    assert x.cpu().numpy().tolist() == [1.0, 1.0]


def test_a_module_and_its_optimizer_state_live_on_the_gpu():
    def run(device):
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2)).to(device)
        optimizer = minigrad.optim.Adam(model.parameters(), lr=0.01)
        x, y = minigrad.randn(32, 6, device=device), minigrad.randn(32, 2, device=device)
        for _ in range(5):
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
        return model, optimizer, loss.item()

    (_, _, cpu_loss), (model, optimizer, cuda_loss) = on_both(run)
    assert cuda_loss == pytest.approx(cpu_loss, rel=1e-4)
    for param in model.parameters():
        assert param.is_cuda and param.grad.is_cuda and optimizer.state[param]["exp_avg"].is_cuda


def test_the_lesson_11_two_layer_net_trains_on_the_gpu_like_on_the_cpu():
    def run(device):
        x, y = minigrad.randn(64, 1000, device=device), minigrad.randn(64, 10, device=device)
        w1 = minigrad.randn(1000, 100, device=device, requires_grad=True)
        w2 = minigrad.randn(100, 10, device=device, requires_grad=True)
        losses = []
        for _ in range(100):
            loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with minigrad.no_grad():
                for w in (w1, w2):
                    w -= 1e-6 * w.grad
                    w.grad.zero_()
        return losses

    cpu, cuda = on_both(run)
    assert cuda[-1] < cuda[0] / 100
    np.testing.assert_allclose(cuda, cpu, rtol=1e-3)
