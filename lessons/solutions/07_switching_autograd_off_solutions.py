"""Solutions for lesson 07 (switching autograd off)."""

import minigrad as torch

# 07.tracked --------------------------------------------------------------------------------------------------
# p: computed under no_grad -> not tracked.      q: w * 2 -> tracked.
# r: q.detach() -> not tracked.                   s: r * w uses w -> tracked.
# t: w.data + 1, .data is outside the graph -> not tracked.
w = torch.ones(2, requires_grad=True)
with torch.no_grad():
    p = w * 2
q = w * 2
r = q.detach()
s = r * w
t = w.data + 1
tracked = {name for name, tensor in dict(p=p, q=q, r=r, s=s, t=t).items() if tensor.requires_grad}
assert tracked == {"q", "s"}


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


SOLUTIONS = {
    "07.tracked": tracked,
    "07.sgd_step": sgd_step,
    "07.data_trap": data_trap,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("07.tracked", tracked)
    check_function("07.sgd_step", sgd_step)
    check("07.data_trap", data_trap)
