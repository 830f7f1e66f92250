"""Solutions for lesson 06 (switching autograd off)."""

import minigrad as torch

# 06.tracked --------------------------------------------------------------------------------------------------
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


# 06.sgd_step -------------------------------------------------------------------------------------------------
def sgd_step(parameters, lr):
    """One in-place gradient-descent step; parameters stay leaves that require gradients."""
    with torch.no_grad():
        for parameter in parameters:
            if parameter.grad is None:
                continue
            parameter -= lr * parameter.grad
            parameter.grad.zero_()


# 06.which_raises ---------------------------------------------------------------------------------------------
# detach() shares the version counter with the original, so autograd notices in-place changes; .data does not.
which_raises = "detach"


SOLUTIONS = {
    "06.tracked": tracked,
    "06.sgd_step": sgd_step,
    "06.which_raises": which_raises,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("06.tracked", tracked)
    check_function("06.sgd_step", sgd_step)
    check("06.which_raises", which_raises)
