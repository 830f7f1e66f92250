"""Solutions for lesson 08 (your own differentiable function)."""

import minigrad as torch


# 08.sigmoid_backward -----------------------------------------------------------------------------------------
class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(out)       # the derivative only needs the output
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * out * (1 - out)


# 08.mul_backward ---------------------------------------------------------------------------------------------
class MyMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a   # d(ab)/da = b, d(ab)/db = a


# 08.relu_at_zero ---------------------------------------------------------------------------------------------
# MyReLU (the lesson's) zeroes only negative inputs: it passes 1 at x = 0, 1 and 2.
# The built-in relu sends 0 back at an input of exactly 0: at x - 1 = (-1, 0, 1) it passes (0, 0, 1), times 3.
# Together: (1, 1, 1) + (0, 0, 3) = (1, 1, 4).


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


x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
(MyReLU.apply(x) + 3 * torch.relu(x - 1)).sum().backward()
relu_at_zero = x.grad  # tensor([1., 1., 4.])


# 08.forward_not_recorded -------------------------------------------------------------------------------------
# forward runs with autograd off and apply records one node whose backward is ours: autograd uses what backward
# returns, 2 * x = 6 at x = 3, never the true derivative of x ** 3 (27).
class NotQuiteCube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 2 * x


x = torch.tensor(3.0, requires_grad=True)
NotQuiteCube.apply(x).backward()
forward_not_recorded = x.grad  # tensor(6.)


SOLUTIONS = {
    "08.sigmoid_backward": MySigmoid,
    "08.mul_backward": MyMul,
    "08.relu_at_zero": relu_at_zero,
    "08.forward_not_recorded": forward_not_recorded,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check_function("08.sigmoid_backward", MySigmoid)
    check_function("08.mul_backward", MyMul)
    check("08.relu_at_zero", relu_at_zero)
    check("08.forward_not_recorded", forward_not_recorded)
