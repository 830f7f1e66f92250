"""Solutions for lesson 12 (the same code on a GPU)."""

import minigrad as torch


# 12.to_numpy -------------------------------------------------------------------------------------------------
def to_numpy(tensor):
    """Values of any tensor as a NumPy array: leave the graph, come back to the CPU, convert."""
    return tensor.detach().cpu().numpy()


# 12.gradient_home --------------------------------------------------------------------------------------------
# d/dx (x w)^2 = 2 x w^2 = (2 * 1 * 9, 2 * 2 * 16) = (18, 64). The computation ran on `device`, but x is a CPU
# leaf: .to(device) is recorded like any operation, and its backward brings the gradient home to the CPU.
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([3.0, 4.0], device=device)
((x.to(device) * w) ** 2).sum().backward()
gradient_home = x.grad  # tensor([18., 64.]), on the CPU


SOLUTIONS = {
    "12.to_numpy": to_numpy,
    "12.gradient_home": gradient_home,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check_function("12.to_numpy", to_numpy)
    check("12.gradient_home", gradient_home)
