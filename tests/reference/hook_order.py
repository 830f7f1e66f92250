"""The order in which leaf hooks run, run under PyTorch by ``gen_hook_order.py`` (recorded in
``data/hook_order.json``) and under minigrad by ``tests/test_hook_order.py``.

When one node makes several leaves ready at once, PyTorch runs their ``AccumulateGrad`` nodes in the order its
ready queue (a binary heap, every accumulator with the same priority) hands them out: ``a c b d`` for
``cat([a, b, c, d])``, and something else again when other nodes are waiting in the queue. Each program sets
``answer`` to the letters of the leaves in the order their hooks ran. Plain data only.
"""
from __future__ import annotations

LETTERS = "abcdefghijkl"


def leaves(n: int) -> str:
    """``n`` leaves named a, b, c, ... whose hooks write their letter into ``order``."""
    names = ", ".join(LETTERS[:n])
    return (f"{names}, = [torch.ones(2, requires_grad=True) for _ in range({n})]\n" if n > 1 else
            "a = torch.ones(2, requires_grad=True)\n") + "order = []\n" + "".join(
        f"{name}.register_hook(lambda g: order.append({name!r}))\n" for name in LETTERS[:n])


def program(n: int, body: str) -> str:
    return leaves(n) + body + "\nanswer = ''.join(order)"


ANSWERS = {}
for n in range(2, 9):
    every = ", ".join(LETTERS[:n])
    ANSWERS[f"cat_{n}"] = program(n, f"torch.cat([{every}]).sum().backward()")
    ANSWERS[f"stack_{n}"] = program(n, f"torch.stack([{every}]).sum().backward()")
    ANSWERS[f"python_sum_{n}"] = program(n, f"sum([{every}]).sum().backward()")
    ANSWERS[f"add_chain_{n}"] = program(n, f"({' + '.join(LETTERS[:n])}).sum().backward()")
    ANSWERS[f"cat_of_products_{n}"] = program(n, f"torch.cat([{', '.join(c + ' * 2' for c in LETTERS[:n])}])"
                                                 ".sum().backward()")

ANSWERS.update({
    # other nodes waiting in PyTorch's queue change where the heap keeps the leaves
    "cat_4_with_one_waiting": program(5, "((e * 2).sum() + torch.cat([a, b, c, d]).sum()).backward()"),
    "cat_4_with_two_waiting": program(6, "((e * 2).sum() + (f * 3).sum() + torch.cat([a, b, c, d]).sum())"
                                         ".backward()"),
    "cat_3_with_three_waiting": program(6, "((d * 2).sum() + (e * 3).sum() + (f * 4).sum() + "
                                           "torch.cat([a, b, c]).sum()).backward()"),
    "cat_3_with_two_waiting": program(5, "((d * 2).sum() + (e * 3).sum() + torch.cat([a, b, c]).sum()).backward()"),
    "cat_with_a_product_inside": program(6, "torch.cat([a, b, f * 2, c, d, e]).sum().backward()"),
    "cat_with_products_around": program(7, "torch.cat([f * 2, a, b, g * 3, c, d, e]).sum().backward()"),
    # leaves used by several nodes: each runs when its last consumer has run
    "leaf_in_cat_and_product": program(5, "(torch.cat([a, b, c, d, e]).sum() + (a * b).sum()).backward()"),
    "leaf_twice_in_cat": program(4, "torch.cat([a, b, a, c, d, b]).sum().backward()"),
    "leaves_in_two_cats": program(6, "(torch.cat([a, b, c, d]).sum() * torch.cat([c, d, e, f]).sum()).backward()"),
    "leaves_in_cat_and_stack": program(5, "(torch.cat([a, b, c, d, e]) * torch.stack([e, d, c, b, a]).sum(0)"
                                          ".repeat(5)).sum().backward()"),
    "mixed_products_and_cat": program(6, "x = a * b\ny = torch.cat([x, c, d, e, f])\n(y.sum() + x.sum()).backward()"),
    "several_roots": program(5, "torch.autograd.backward([torch.cat([a, b, c, d]).sum(), (e * 2).sum(), "
                                "(a * 3).sum()])"),
    "roots_are_leaves": program(5, "torch.autograd.backward([a, b, c, d, e], [torch.ones(2)] * 5)"),
    "backward_inputs": program(6, "torch.cat([a, b, c, d, e, f]).sum().backward(inputs=[f, b, d, a])"),
    "grad_of_some": program(6, "torch.autograd.grad(torch.cat([a, b, c, d, e, f]).sum(), [f, b, d, a])"),
    "create_graph": program(5, "torch.autograd.grad(torch.cat([a * a, b, c, d, e]).sum(), [e, d, c, b, a], "
                               "create_graph=True)"),
    "retain_grad_nodes": program(5, "y = torch.cat([a, b, c, d, e])\ny.retain_grad()\n"
                                    "y.register_hook(lambda g: order.append('y'))\n(y * 2).sum().backward()"),
})
