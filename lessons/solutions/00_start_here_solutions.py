"""Solutions for lesson 00 (start here).

Run this file (``python lessons/solutions/00_start_here_solutions.py``) to see every answer pass its checker.
"""

import minigrad as torch

# 00.first_backward -------------------------------------------------------------------------------------------
# g(x) = x**3 - 2x, so g'(x) = 3x**2 - 2 and g'(2) = 12 - 2 = 10.
x = torch.tensor(2.0, requires_grad=True)
g = x ** 3 - 2 * x
g.backward()
first_backward = x.grad  # tensor(10.)


# 00.finite_difference ----------------------------------------------------------------------------------------
# Step to both sides and divide by the distance between the two points. Its error shrinks like h**2, the forward
# difference's only like h: for x**3 at x = 1 with h = 0.1 the central difference gives 3.01, the forward 3.31.
def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


# q(x) = (x**2 + 1) / x = x + 1/x, so q'(x) = 1 - 1/x**2 and q'(2) = 0.75; autograd agrees:
def q(x):
    return (x ** 2 + 1) / x


x = torch.tensor(2.0, requires_grad=True)
q(x).backward()
assert abs(x.grad.item() - central_difference(q, 2.0, 1e-4)) < 1e-6


SOLUTIONS = {
    "00.first_backward": first_backward,
    "00.finite_difference": central_difference,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("00.first_backward", first_backward)
    check_function("00.finite_difference", central_difference)
