"""The autograd snippets of the lesson topics, run as written for PyTorch (``import minigrad as torch``).

Each test is one snippet with the answer the math gives: leaves and requires_grad, grad_fn/next_functions, .data
vs detach, hooks and autograd.grad on an intermediate, scalar backward with accumulation and retain_graph, a
Jacobian built row by row, a custom ReLU in a two-layer net, linear regression with manual SGD.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as torch


def test_leaf_nodes_and_requires_grad_propagation():
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    c = torch.rand(2)
    Q = 3 * a ** 3 - b ** 2
    assert (a.is_leaf, b.is_leaf, c.is_leaf, Q.is_leaf) == (True, True, True, False)
    assert (Q.requires_grad, (c * 2).requires_grad, (c * a).requires_grad) == (True, False, True)
    Q.backward(gradient=torch.tensor([1.0, 1.0]))
    assert a.grad.tolist() == (9 * a ** 2).tolist() == [36.0, 81.0]
    assert b.grad.tolist() == (-2 * b).tolist() == [-12.0, -8.0]
    assert Q.grad_fn is not None and a.grad_fn is None and c.grad is None


def test_grad_fn_and_next_functions():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w + 2).sum()
    assert loss.grad_fn.name() == "SumBackward0"
    (add, _), = loss.grad_fn.next_functions
    assert add.name() == "AddBackward0"
    (mul, _), (constant, _) = add.next_functions
    assert mul.name() == "MulBackward0" and constant is None
    (leaf_x, _), (leaf_w, _) = mul.next_functions
    assert leaf_x.name() == "torch::autograd::AccumulateGrad"
    assert leaf_x.variable is x and leaf_w.variable is w
    assert repr(loss) == "tensor(15., grad_fn=<SumBackward0>)"  # 1*3 + 2*4 + 2 + 2


def test_data_change_gives_a_silently_wrong_gradient_and_detach_is_caught():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = a.sigmoid()
    c = out.data
    c.zero_()  # out is now zeros, but autograd does not know
    out.sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0]  # sigmoid'(a) = out * (1 - out), computed from the zeroed values

    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = a.sigmoid()
    c = out.detach()
    c.zero_()
    with pytest.raises(RuntimeError, match=r"^one of the variables needed for gradient computation has been "
                                           r"modified by an inplace operation: \[torch.FloatTensor \[3\]\], which "
                                           r"is output 0 of Sigmoid, is at version 1; expected version 0 instead"):
        out.sum().backward()


def test_hooks_and_autograd_grad_on_an_intermediate():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y ** 2).sum()
    seen = []
    handle = y.register_hook(lambda grad: seen.append(grad.clone()))
    (dz_dy,) = torch.autograd.grad(z, y, retain_graph=True)
    assert dz_dy.tolist() == (2 * y).tolist() == [4.0, 8.0]
    z.backward(retain_graph=True)
    assert [g.tolist() for g in seen] == [[4.0, 8.0], [4.0, 8.0]]  # the hook saw both passes
    assert x.grad.tolist() == [8.0, 16.0]
    handle.remove()
    y.register_hook(lambda grad: grad * 0)  # a hook may replace the gradient
    x.grad = None
    z.backward()
    assert x.grad.tolist() == [0.0, 0.0] and len(seen) == 2


def test_scalar_backward_accumulates_and_needs_retain_graph():
    x = torch.tensor(2.0)
    w = torch.tensor(0.5, requires_grad=True)
    b = torch.tensor(0.1, requires_grad=True)
    z = w * x + b
    z.backward(retain_graph=True)
    assert (w.grad.item(), b.grad.item()) == (2.0, 1.0)
    z.backward()  # gradients add up in .grad
    assert (w.grad.item(), b.grad.item()) == (4.0, 2.0)
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        z.backward()
    w.grad.zero_()
    b.grad.zero_()
    (w * x + b).backward()
    assert (w.grad.item(), b.grad.item()) == (2.0, 1.0)


def test_non_scalar_backward_builds_the_jacobian_row_by_row():
    x = torch.tensor([[2.0, 3.0]], requires_grad=True)
    y = torch.zeros(1, 2)
    y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
    y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
    assert y.tolist() == [[13.0, 13.0]] and y.grad_fn.name() == "torch::autograd::CopySlices"
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs"):
        y.backward(retain_graph=True)
    jacobian = torch.zeros(2, 2)
    for row, v in enumerate((torch.Tensor([[1, 0]]), torch.Tensor([[0, 1]]))):
        y.backward(v, retain_graph=True)
        jacobian[row] = x.grad[0]
        x.grad.zero_()
    assert jacobian.tolist() == [[4.0, 3.0], [2.0, 6.0]]
    y.backward(torch.Tensor([[1, 1]]))  # vᵀJ with v = [1, 1]: the column sums
    assert x.grad.tolist() == [[6.0, 9.0]]


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def test_custom_relu_in_a_two_layer_net():
    torch.manual_seed(0)
    N, D_in, H, D_out = 64, 1000, 100, 10
    x = torch.randn(N, D_in)
    y = torch.randn(N, D_out)
    w1 = torch.randn(D_in, H, requires_grad=True)
    w2 = torch.randn(H, D_out, requires_grad=True)
    learning_rate = 1e-6
    losses = []
    for _ in range(20):
        relu = MyReLU.apply
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    assert y_pred.grad_fn.next_functions[0][0].name() == "MyReLUBackward"
    # lr 1e-6 overshoots for a few steps (PyTorch's numbers do the same), then the loss falls steadily
    assert losses[-1] < 0.1 * losses[0], losses
    assert all(later < earlier for earlier, later in zip(losses[10:], losses[11:])), losses
    assert w1.is_leaf and w2.is_leaf and w1._version == 20  # one in-place update per step


def test_custom_relu_passes_gradcheck_and_matches_the_builtin():
    torch.manual_seed(1)
    values = torch.randn(4, 3, dtype=torch.float64)
    values = values + values.sign() * 0.1  # keep away from the kink at 0
    x = values.clone().requires_grad_()
    assert torch.autograd.gradcheck(MyReLU.apply, (x,))
    MyReLU.apply(x).sum().backward()
    builtin = values.clone().requires_grad_()
    builtin.relu().sum().backward()
    assert x.grad.tolist() == builtin.grad.tolist()


def test_linear_regression_with_manual_sgd():
    torch.manual_seed(0)
    x = torch.rand(100, 1)
    y = 2 * x + 3
    w = torch.randn(1, 1, requires_grad=True)
    b = torch.randn(1, requires_grad=True)
    learning_rate = 0.5
    for _ in range(1000):
        y_pred = x.mm(w) + b.expand_as(y)
        loss = ((y_pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
    assert loss.item() < 1e-8
    assert np.allclose([w.item(), b.item()], [2.0, 3.0], atol=1e-3)
    assert w.is_leaf and b.is_leaf and w.requires_grad and b.grad.tolist() == [0.0]
