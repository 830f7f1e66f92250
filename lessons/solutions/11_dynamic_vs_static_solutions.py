"""Solutions for lesson 11 (dynamic graphs and static graphs)."""

import minigrad as torch


def recurrence(x, w):
    h = torch.zeros(())
    for x_t in x:
        h = h * w + x_t
    return h


def double_until_large(x):
    y = x
    while y.norm() < 100:
        y = y * 2
    return y


# 11.dh_dw ----------------------------------------------------------------------------------------------------
# With five ones the loop unrolls to h = w^4 + w^3 + w^2 + w + 1, so dh/dw = 4w^3 + 3w^2 + 2w + 1
# = 0.5 + 0.75 + 1 + 1 = 3.25 at w = 0.5.
w = torch.tensor(0.5, requires_grad=True)
recurrence(torch.tensor([1.0, 1.0, 1.0, 1.0, 1.0]), w).backward()
dh_dw = w.grad.item()  # 3.25

# 11.loop_gradient --------------------------------------------------------------------------------------------
# |(3, 4)| = 5; 5 * 2^k >= 100 first for k = 5 (160), so the result is 32 x and d(sum)/dx = (32, 32).
x = torch.tensor([3.0, 4.0], requires_grad=True)
double_until_large(x).sum().backward()
loop_gradient = x.grad  # tensor([32., 32.])

# 11.trace_safe -----------------------------------------------------------------------------------------------
# b's Python loop is unrolled into exactly three steps when traced with a length-3 example: x[0] * w, x[1] * w
# and x[2] * w. Replayed on (1, 2, 3, 4, 5) with w = 2 it still adds only those three: (1 + 2 + 3) * 2 = 12,
# where b itself gives 30. (a's single multiplication and sum work for any length.)
new_x, w = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]), torch.tensor(2.0)
trace_safe = (new_x[0] * w + new_x[1] * w + new_x[2] * w).item()  # 12.0


SOLUTIONS = {
    "11.dh_dw": dh_dw,
    "11.loop_gradient": loop_gradient,
    "11.trace_safe": trace_safe,
}

if __name__ == "__main__":
    from minigrad.exercises import check

    for exercise_id, answer in SOLUTIONS.items():
        check(exercise_id, answer)
