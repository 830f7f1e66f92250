"""Solutions for lesson 13 (Jacobians at scale)."""

import minigrad as torch
from minigrad.func import grad, jvp, vmap

# 13.per_example ----------------------------------------------------------------------------------------------
# The gradient of (w·x - y)² with respect to w is 2 (w·x - y) x. With w = (1, -1) the residuals w·x - y are
# (1 - 2) - 0 = -1, (3 - 1) - 1 = 1 and (0 - 2) - 1 = -3, so the rows are -2 (1, 2), 2 (3, 1) and -6 (0, 2).
w = torch.tensor([1.0, -1.0])
X = torch.tensor([[1.0, 2.0], [3.0, 1.0], [0.0, 2.0]])
Y = torch.tensor([0.0, 1.0, 1.0])


def loss(w, x, y):
    return (w @ x - y) ** 2


per_example = vmap(grad(loss), in_dims=(None, 0, 0))(w, X, Y)  # [[-2, -4], [6, 2], [0, -12]]

# 13.count_passes ---------------------------------------------------------------------------------------------
# jacrev: one vector-Jacobian product (a row of J) per output element: 3. jacfwd: one Jacobian-vector product (a
# column of J) per input element: the 10x100 input has 1000. J itself has shape (3, 10, 100).
count_passes = [3, 1000]


# 13.hvp ------------------------------------------------------------------------------------------------------
def hvp(f, x, v):
    """H v by forward over reverse: push v forward through the gradient function x -> ∇f(x)."""
    return jvp(grad(f), (x,), (v,))[1]


def hvp_double_backward(f, x, v):
    """The same by reverse over reverse: the gradient with a graph, then its vector-Jacobian product with v."""
    x = x.detach().requires_grad_()  # a private copy that tracks gradients
    gradient, = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(gradient, x, grad_outputs=v)[0]


SOLUTIONS = {
    "13.per_example": per_example,
    "13.count_passes": count_passes,
    "13.hvp": hvp,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("13.per_example", per_example)
    check("13.count_passes", count_passes)
    check_function("13.hvp", hvp)
    check_function("13.hvp", hvp_double_backward)
