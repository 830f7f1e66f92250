"""Solutions for lesson 06 (looking inside the backward pass)."""

import minigrad as torch

# 06.grad_of_intermediate -------------------------------------------------------------------------------------
# z = sum(y_i^2), so dz/dy = 2y = (2, 8, 18) for y = x^2 = (1, 4, 9).
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
z = (y * y).sum()
(grad_of_intermediate,) = torch.autograd.grad(z, y)  # tensor([ 2.,  8., 18.])


# 06.clip_hook ------------------------------------------------------------------------------------------------
def clip_hook(grad):
    """Return a clipped copy; never modify `grad` in place."""
    return grad.clamp(-1, 1)


# 06.hook_calls -----------------------------------------------------------------------------------------------
# The hook on b fires once per backward pass (with the total gradient, even though b is used twice in b * b).
# It fires for the first two calls; handle.remove() unregisters it before the third. So 2 lines.
hook_calls = 2

a = torch.tensor(1.0, requires_grad=True)
b = a * 2
calls = []
handle = b.register_hook(lambda grad: calls.append("hook"))
c = b * b
c.backward(retain_graph=True)
c.backward(retain_graph=True)
handle.remove()
c.backward()
assert len(calls) == hook_calls


SOLUTIONS = {
    "06.grad_of_intermediate": grad_of_intermediate,
    "06.clip_hook": clip_hook,
    "06.hook_calls": hook_calls,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("06.grad_of_intermediate", grad_of_intermediate)
    check_function("06.clip_hook", clip_hook)
    check("06.hook_calls", hook_calls)
