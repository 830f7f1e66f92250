"""Solutions for lesson 02 (the computation graph)."""

import minigrad as torch

# 02.grad_fn_name ---------------------------------------------------------------------------------------------
# The last operation that produced `result` is .sum(), whose node is SumBackward0 (its input, a * c, is MulBackward0).
a = torch.ones(3, requires_grad=True)
c = torch.ones(3)
result = (a * c).sum()
grad_fn_name = type(result.grad_fn).__name__  # "SumBackward0"


# 02.count_accumulate -----------------------------------------------------------------------------------------
# w1 and w2 require gradients and each has exactly one AccumulateGrad node, however often it is used;
# x needs no gradient and shows up as None. So: 2.
x = torch.tensor(2.0)
w1 = torch.tensor(1.0, requires_grad=True)
w2 = torch.tensor(1.0, requires_grad=True)
out = (w1 * x + w2 * x) * w1

seen, stack = [], [out.grad_fn]
while stack:
    node = stack.pop()
    if node is None or any(node is other for other in seen):
        continue
    seen.append(node)
    stack.extend(child for child, _ in node.next_functions)
count_accumulate = sum(type(node).__name__ == "AccumulateGrad" for node in seen)  # 2


# 02.walk_graph -----------------------------------------------------------------------------------------------
def leaves_of(tensor):
    """The leaf tensors that backward() on `tensor` would give a gradient to, each once."""
    if tensor.grad_fn is None:  # tensor is a leaf itself
        return [tensor] if tensor.requires_grad else []
    leaves, visited, stack = [], [], [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or any(node is other for other in visited):
            continue
        visited.append(node)
        if hasattr(node, "variable"):  # an AccumulateGrad node
            if not any(node.variable is leaf for leaf in leaves):
                leaves.append(node.variable)
        stack.extend(child for child, _ in node.next_functions)
    return leaves


SOLUTIONS = {
    "02.grad_fn_name": grad_fn_name,
    "02.count_accumulate": count_accumulate,
    "02.walk_graph": leaves_of,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("02.grad_fn_name", grad_fn_name)
    check("02.count_accumulate", count_accumulate)
    check_function("02.walk_graph", leaves_of)
