"""Solutions for lesson 01 (tensors that remember)."""

import minigrad as torch

# The code of exercises 1 and 2.
p = torch.ones(3)
q = torch.ones(3, requires_grad=True)
r = p * 2
s = r + q
t = s.sum()

# 01.which_require_grad ---------------------------------------------------------------------------------------
# q was created with requires_grad=True; s depends on q and t on s. p and r never touch q.
which_require_grad = {"q", "s", "t"}
assert {name for name, tensor in dict(p=p, q=q, r=r, s=s, t=t).items() if tensor.requires_grad} == which_require_grad

# 01.which_are_leaves -----------------------------------------------------------------------------------------
# p and q were created directly. r was computed, but from tensors that need no gradient: by convention a tensor
# that does not require a gradient is always a leaf. s and t were computed from q, so they are not leaves.
which_are_leaves = {"p", "q", "r"}
assert {name for name, tensor in dict(p=p, q=q, r=r, s=s, t=t).items() if tensor.is_leaf} == which_are_leaves

# 01.make_leaf ------------------------------------------------------------------------------------------------
# Create it directly with requires_grad=True (or torch.zeros(2, 2).requires_grad_()).
make_leaf = torch.zeros(2, 2, requires_grad=True)


SOLUTIONS = {
    "01.which_require_grad": which_require_grad,
    "01.which_are_leaves": which_are_leaves,
    "01.make_leaf": make_leaf,
}

if __name__ == "__main__":
    from minigrad.exercises import check

    for exercise_id, answer in SOLUTIONS.items():
        check(exercise_id, answer)
