"""Solutions for lesson 07 (your own differentiable function)."""

import minigrad as torch


# 07.sigmoid_backward -----------------------------------------------------------------------------------------
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


# 07.mul_backward ---------------------------------------------------------------------------------------------
class MyMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a   # d(ab)/da = b, d(ab)/db = a


# 07.relu_at_zero ---------------------------------------------------------------------------------------------
# The built-in relu passes no gradient at exactly 0.
x = torch.tensor([0.0], requires_grad=True)
torch.relu(x).sum().backward()
relu_at_zero = x.grad.item()  # 0.0


SOLUTIONS = {
    "07.sigmoid_backward": MySigmoid,
    "07.mul_backward": MyMul,
    "07.relu_at_zero": relu_at_zero,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check_function("07.sigmoid_backward", MySigmoid)
    check_function("07.mul_backward", MyMul)
    check("07.relu_at_zero", relu_at_zero)
