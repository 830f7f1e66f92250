"""Solutions for lesson 03 (backward from a scalar)."""

import minigrad as torch

# 03.chain_rule -----------------------------------------------------------------------------------------------
# L = (w x + b)^2 = z^2 with z = 7.  dL/dw = dL/dz * dz/dw = 2z * x = 2 * 7 * 2 = 28.
chain_rule = 28.0

x = torch.tensor([2.0])
w = torch.tensor([3.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
((w * x + b) ** 2).backward()
assert w.grad.item() == chain_rule

# 03.accumulate -----------------------------------------------------------------------------------------------
# Each backward call adds dz/dw = x = 2 to w.grad: 2 + 2 + 2 = 6.
x = torch.tensor([2.0])
w = torch.tensor([3.0], requires_grad=True)
z = w * x + 1
for _ in range(3):
    z.backward(retain_graph=True)
accumulate = w.grad.item()  # 6.0

# 03.two_gradients --------------------------------------------------------------------------------------------
# f = a c + c^2:  df/da = c = 3,  df/dc = a + 2c = 8.
a = torch.tensor(2.0, requires_grad=True)
c = torch.tensor(3.0, requires_grad=True)
f = a * c + c ** 2
f.backward()
two_gradients = (a.grad, c.grad)  # (tensor(3.), tensor(8.))


SOLUTIONS = {
    "03.chain_rule": chain_rule,
    "03.accumulate": accumulate,
    "03.two_gradients": two_gradients,
}

if __name__ == "__main__":
    from minigrad.exercises import check

    for exercise_id, answer in SOLUTIONS.items():
        check(exercise_id, answer)
