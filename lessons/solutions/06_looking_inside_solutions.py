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


# 06.second_derivative ----------------------------------------------------------------------------------------
# g(x) = x^4 - 3x^2: g'(x) = 4x^3 - 6x = 20 at x = 2, g''(x) = 12x^2 - 6 = 42. The first grad must record its own
# computation (create_graph=True), or its result has no graph to differentiate.
x = torch.tensor(2.0, requires_grad=True)
g = x ** 4 - 3 * x ** 2
dg_dx, = torch.autograd.grad(g, x, create_graph=True)
second_derivative, = torch.autograd.grad(dg_dx, x)  # tensor(42.)


SOLUTIONS = {
    "06.grad_of_intermediate": grad_of_intermediate,
    "06.clip_hook": clip_hook,
    "06.hook_calls": hook_calls,
    "06.second_derivative": second_derivative,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("06.grad_of_intermediate", grad_of_intermediate)
    check_function("06.clip_hook", clip_hook)
    check("06.hook_calls", hook_calls)
    check("06.second_derivative", second_derivative)
