"""Solutions for lesson 07 (switching autograd off)."""

import minigrad as torch
from minigrad import nn

# 07.tracked --------------------------------------------------------------------------------------------------
# p: computed under no_grad -> not tracked.      q: w * 2 -> tracked.
# r: q.detach() -> not tracked.                   s: r * w uses w -> tracked.
# t: w.data + 1, .data is outside the graph -> not tracked.
# u: computed under inference_mode -> not tracked.
# v: layer.eval() changes how layers such as dropout behave, not autograd -> tracked.
w = torch.ones(2, requires_grad=True)
with torch.no_grad():
    p = w * 2
q = w * 2
r = q.detach()
s = r * w
t = w.data + 1
with torch.inference_mode():
    u = w * 2
layer = nn.Linear(2, 1)
layer.eval()
v = layer(w)
tracked = {name for name, tensor in dict(p=p, q=q, r=r, s=s, t=t, u=u, v=v).items() if tensor.requires_grad}
assert tracked == {"q", "s", "v"}


# 07.sgd_step -------------------------------------------------------------------------------------------------
def sgd_step(parameters, lr):
    """One in-place gradient-descent step; parameters stay leaves that require gradients."""
    with torch.no_grad():
        for parameter in parameters:
            if parameter.grad is None:
                continue
            parameter -= lr * parameter.grad
            parameter.grad.zero_()


# 07.data_trap ------------------------------------------------------------------------------------------------
# a ** 2 saves a for its backward, 2 * a. The change through .data is invisible to autograd, so backward uses the
# values a holds when it runs, (10, 20, 30): a.grad = (20, 40, 60), not the (2, 4, 6) of the original a.
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = a ** 2
a.data.mul_(10)
out.sum().backward()
data_trap = a.grad  # tensor([20., 40., 60.])


# 07.stop_gradient --------------------------------------------------------------------------------------------
# y = sum(x^2 * c) with c = x.detach() a constant: dy/dx = 2x * c = 2x^2 = (2, 8), not the 3x^2 = (3, 12) of x^3.
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x ** 2 * x.detach()).sum().backward()
stop_gradient = x.grad  # tensor([2., 8.])


SOLUTIONS = {
    "07.tracked": tracked,
    "07.sgd_step": sgd_step,
    "07.data_trap": data_trap,
    "07.stop_gradient": stop_gradient,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("07.tracked", tracked)
    check_function("07.sgd_step", sgd_step)
    check("07.data_trap", data_trap)
    check("07.stop_gradient", stop_gradient)
