"""Solutions for lesson 05 (backward from a tensor)."""

import minigrad as torch

# 05.vjp_predict ----------------------------------------------------------------------------------------------
# J = [[4, 3], [2, 6]] at x = (2, 3).  v^T J with v = (2, -1) is 2 * (4, 3) - (2, 6) = (6, 0).
x = torch.tensor([[2, 3]], dtype=torch.float, requires_grad=True)
y = torch.zeros(1, 2)
y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
y.backward(torch.tensor([[2.0, -1.0]]))
vjp_predict = x.grad  # tensor([[6., 0.]])

# 05.jacobian_by_hand -----------------------------------------------------------------------------------------
# g1 = x1 x2        -> dg1/dx1 = x2 = 2,   dg1/dx2 = x1 = 1
# g2 = 2 x1 + x2^3  -> dg2/dx1 = 2,        dg2/dx2 = 3 x2^2 = 12
jacobian_by_hand = [[2.0, 1.0], [2.0, 12.0]]


# 05.jvp_predict ----------------------------------------------------------------------------------------------
# jvp pushes u forward: J u = 1 * (column 1 of J) + 2 * (column 2 of J) = (4, 2) + 2 * (3, 6) = (10, 14).
f = (lambda x: torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]]))
_, jvp_predict = torch.autograd.functional.jvp(f, torch.tensor([2.0, 3.0]), torch.tensor([1.0, 2.0]))


# 05.my_jacobian ----------------------------------------------------------------------------------------------
def my_jacobian(f, x):
    """The Jacobian of f (1-D tensor -> 1-D tensor) at x, one row per backward pass."""
    x = x.detach().clone().requires_grad_()   # a private copy that tracks gradients
    y = f(x)
    m, n = y.shape[0], x.shape[0]
    J = torch.zeros(m, n)
    for i in range(m):
        v = torch.zeros(m)
        v[i] = 1.0                            # one-hot: selects output i
        x.grad = None                         # gradients accumulate: reset first
        y.backward(v, retain_graph=True)
        J[i] = x.grad
    return J


SOLUTIONS = {
    "05.vjp_predict": vjp_predict,
    "05.jacobian_by_hand": jacobian_by_hand,
    "05.jvp_predict": jvp_predict,
    "05.my_jacobian": my_jacobian,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("05.vjp_predict", vjp_predict)
    check("05.jacobian_by_hand", jacobian_by_hand)
    check("05.jvp_predict", jvp_predict)
    check_function("05.my_jacobian", my_jacobian)
