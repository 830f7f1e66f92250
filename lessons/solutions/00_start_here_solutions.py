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
# q(x) = (x**2 + 1) / x = x + 1/x, so q'(x) = 1 - 1/x**2 and q'(2) = 0.75.
def q(x):
    return (x ** 2 + 1) / x


h = 1e-4
finite_difference = (q(2.0 + h) - q(2.0 - h)) / (2 * h)  # about 0.75

# The same with autograd:
x = torch.tensor(2.0, requires_grad=True)
q(x).backward()
assert abs(x.grad.item() - finite_difference) < 1e-3


SOLUTIONS = {
    "00.first_backward": first_backward,
    "00.finite_difference": finite_difference,
}

if __name__ == "__main__":
    from minigrad.exercises import check

    for exercise_id, answer in SOLUTIONS.items():
        check(exercise_id, answer)
