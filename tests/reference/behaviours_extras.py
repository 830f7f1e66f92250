"""Short programs for issue 16's extras (``out=``, scatter/gather, einsum, broadcasting helpers), run under PyTorch
by ``gen_extras.py`` (which records what happened into ``data/extras.json``) and under minigrad by
``tests/test_out_argument.py`` and ``tests/test_scatter_einsum.py``, which compare. As in ``behaviours.py``:
each program sees the library as ``torch`` and either raises (``ERRORS``) or sets ``answer`` (``ANSWERS``,
compared by ``repr``); warnings are recorded too. Plain data only: this module imports neither library.
"""
from __future__ import annotations

X = "x = torch.arange(6.).view(2, 3) / 4\n"
G = "g = torch.tensor([[0.5, 1.5, 2.], [1., 0.25, 3.]], requires_grad=True)\n"

# --------------------------------------------------------------------------------------------------- out=
# Each element-wise, reduction and matmul function that takes out=, called with an out of the right shape: the
# result is written into out, out's version goes up by one, and out itself comes back.
OUT_CALLS = {
    "add": "torch.add(x, x, out=r)", "add_alpha": "torch.add(x, 2, alpha=3, out=r)", "sub": "torch.sub(x, 1, out=r)",
    "mul": "torch.mul(x, x, out=r)", "div": "torch.div(x, 2, out=r)", "pow": "torch.pow(x, 2, out=r)",
    "pow_tensor": "torch.pow(x, x, out=r)", "exp": "torch.exp(x, out=r)", "log": "torch.log(x + 1, out=r)",
    "sqrt": "torch.sqrt(x, out=r)", "abs": "torch.abs(x - 1, out=r)", "neg": "torch.neg(x, out=r)",
    "sin": "torch.sin(x, out=r)", "cos": "torch.cos(x, out=r)", "tanh": "torch.tanh(x, out=r)",
    "sigmoid": "torch.sigmoid(x, out=r)", "clamp": "torch.clamp(x, 0.3, 1, out=r)",
    "maximum": "torch.maximum(x, 1 - x, out=r)", "minimum": "torch.minimum(x, 1 - x, out=r)",
    "max_other": "torch.max(x, 1 - x, out=r)", "where": "torch.where(x > 0.5, x, -x, out=r)",
    "square": "torch.square(x, out=r)", "rsqrt": "torch.rsqrt(x + 1, out=r)", "cumsum": "torch.cumsum(x, 1, out=r)",
    "cumprod": "torch.cumprod(x, 0, out=r)", "floor": "torch.floor(x * 3, out=r)", "remainder": "torch.remainder(x, 0.5, out=r)",
}
OUT_REDUCING = {  # results of another shape: out given with that shape
    "sum": ("torch.sum(x, 1, out=r)", "2"), "sum_keepdim": ("torch.sum(x, 0, keepdim=True, out=r)", "1, 3"),
    "mean": ("torch.mean(x, 0, out=r)", "3"), "prod": ("torch.prod(x + 1, 1, out=r)", "2"),
    "amax": ("torch.amax(x, 1, out=r)", "2"), "amin": ("torch.amin(x, 0, out=r)", "3"),
    "matmul": ("torch.matmul(x, x.t(), out=r)", "2, 2"), "mm": ("torch.mm(x, x.t(), out=r)", "2, 2"),
    "bmm": ("torch.bmm(x[None], x.t()[None], out=r)", "1, 2, 2"), "mv": ("torch.mv(x, x[0], out=r)", "2"),
    "dot": ("torch.dot(x[0], x[1], out=r)", "()"), "cat": ("torch.cat([x, x], out=r)", "4, 3"),
    "stack": ("torch.stack([x, x], 1, out=r)", "2, 2, 3"), "var": ("torch.var(x, 1, out=r)", "2"),
    "gather": ("torch.gather(x, 1, torch.tensor([[0], [2]]), out=r)", "2, 1"),
}

OUT_ANSWERS = {
    **{f"out_{name}": X + "r = torch.empty(2, 3)\nv = r._version\no = " + call + "\nanswer = (o is r, r._version - v, r)"
       for name, call in OUT_CALLS.items()},
    **{f"out_{name}": X + f"r = torch.empty({shape})\nv = r._version\no = " + call
       + "\nanswer = (o is r, r._version - v, r)" for name, (call, shape) in OUT_REDUCING.items()},
    "out_empty_is_resized": X + "r = torch.empty(0)\no = torch.add(x, x, out=r)\nanswer = (o is r, r.shape, r._version)",
    "out_wrong_size_is_resized_with_a_warning": X + "r = torch.empty(2)\no = torch.mul(x, 2, out=r)\nanswer = (o is r, r)",
    "out_empty_reduction": X + "r = torch.empty(0)\ntorch.sum(x, 0, out=r)\nanswer = r",
    "out_double_takes_float": X + "r = torch.empty(2, 3, dtype=torch.float64)\ntorch.exp(x, out=r)\nanswer = r",
    "out_float_takes_long": "r = torch.empty(3)\ntorch.add(torch.tensor([1, 2, 3]), 1, out=r)\nanswer = r",
    "out_int_takes_long": "r = torch.empty(3, dtype=torch.int32)\ntorch.mul(torch.tensor([1, 2, 3]), 2, out=r)\nanswer = r",
    "out_sum_in_out_dtype": "r = torch.empty(0, dtype=torch.long)\ntorch.sum(torch.tensor([[1.5, 1.5], [0.6, 0.6]]), 1, out=r)\n"
                            "answer = r",
    "out_cumsum_in_out_dtype": "r = torch.empty(0, dtype=torch.float64)\n"
                               "torch.cumsum(torch.tensor([0.1, 0.2, 0.3]), 0, out=r)\nanswer = r",
    "out_max_dim": X + "v = torch.empty(2)\ni = torch.empty(2, dtype=torch.long)\no = torch.max(x, 1, out=(v, i))\n"
                   "answer = (o, o.values is v, o.indices is i, v._version, i._version)",
    "out_min_dim_resized": X + "v = torch.empty(0)\ni = torch.empty(0, dtype=torch.long)\n"
                           "o = torch.min(x, 0, keepdim=True, out=(v, i))\nanswer = (o, v.shape)",
    "out_is_an_input": X + "torch.add(x, x, out=x)\nanswer = (x, x._version)",
    "out_under_no_grad": G + "r = torch.empty(2, 3)\nwith torch.no_grad():\n    torch.exp(g, out=r)\n"
                         "answer = (r, r.requires_grad, r.grad_fn)",
    "out_leaf_requiring_grad_under_no_grad": "r = torch.zeros(2, requires_grad=True)\nwith torch.no_grad():\n"
                                             "    torch.add(torch.ones(2), 1, out=r)\nanswer = r",
    "out_none_is_no_out": X + "answer = torch.add(x, x, out=None)",
    "out_shared_with_a_view": X + "r = torch.zeros(2, 3)\nrow = r[1]\ntorch.add(x, 1, out=r)\nanswer = (row, row._version)",
}

OUT_ERRORS = {
    **{f"out_grad_{name}": G + f"torch.{call}" for name, call in {
        "add": "add(g, g, out=torch.empty(2, 3))", "exp": "exp(g, out=torch.empty(2, 3))",
        "mm": "mm(g, g.t(), out=torch.empty(2, 2))", "matmul": "matmul(g, g.t(), out=torch.empty(2, 2))",
        "sum": "sum(g, 0, out=torch.empty(3))", "sum_to_long": "sum(g, 0, out=torch.empty(3, dtype=torch.long))",
        "cat": "cat([g, g], out=torch.empty(4, 3))", "stack": "stack([torch.ones(2, 3), g], out=torch.empty(2, 2, 3))",
        "max_dim": "max(g, 1, out=(torch.empty(2), torch.empty(2, dtype=torch.long)))",
        "max_other": "max(g, g, out=torch.empty(2, 3))", "square": "square(g, out=torch.empty(2, 3))",
        "clip": "clip(g, 0, 1, out=torch.empty(2, 3))", "where": "where(g > 1, g, torch.zeros(2, 3), out=torch.empty(2, 3))",
        "mean": "mean(g, 1, out=torch.empty(2))", "cumsum": "cumsum(g, 1, out=torch.empty(2, 3))",
    }.items()},
    "out_grad_out_requires_grad": X + "torch.exp(x, out=torch.empty(2, 3, requires_grad=True))",
    "out_grad_out_has_history": G + "torch.exp(torch.ones(2, 3), out=g * 2)",
    "out_float_into_long": X + "torch.add(x, x, out=torch.empty(2, 3, dtype=torch.long))",
    "out_float_into_bool": X + "torch.exp(x, out=torch.empty(2, 3, dtype=torch.bool))",
    "out_long_into_bool": "torch.add(torch.tensor([1]), 1, out=torch.empty(1, dtype=torch.bool))",
    "out_mean_into_long": X + "torch.mean(x, 0, out=torch.empty(3, dtype=torch.long))",
    "out_abs_other_dtype": X + "torch.abs(x, out=torch.empty(2, 3, dtype=torch.float64))",
    "out_clamp_other_dtype": X + "torch.clamp(x, 0, 1, out=torch.empty(2, 3, dtype=torch.long))",
    "out_mm_other_dtype": X + "torch.mm(x, x.t(), out=torch.empty(2, 2, dtype=torch.float64))",
    "out_matmul_into_long": X + "torch.matmul(x, x.t(), out=torch.empty(2, 2, dtype=torch.long))",
    "out_max_indices_float": X + "torch.max(x, 1, out=(torch.empty(2), torch.empty(2)))",
    "out_amax_other_dtype": X + "torch.amax(x, 1, out=torch.empty(2, dtype=torch.float64))",
    "out_where_other_dtype": X + "torch.where(x > 0, x, x, out=torch.empty(2, 3, dtype=torch.float64))",
    "out_cat_into_long": X + "torch.cat([x, x], out=torch.empty(4, 3, dtype=torch.long))",
    "out_dot_other_dtype": X + "torch.dot(x[0], x[1], out=torch.empty((), dtype=torch.float64))",
    "out_not_a_tensor": X + "torch.add(x, x, out=[torch.empty(2, 3)])",
    "out_not_taken_by_relu": X + "torch.relu(x, out=torch.empty(2, 3))",
}

# --------------------------------------------------------------------------------------------------- scatters
S = ("x = torch.arange(12.).view(3, 4)\ns = -torch.arange(8.).view(2, 4)\n"
     "i = torch.tensor([[0, 1, 2, 0], [2, 0, 0, 1]])\n")
SCATTER_ERRORS = {
    "scatter_index_dims": S + "x.scatter(0, i[0], s)",
    "scatter_index_out_of_range": S + "x.scatter(0, i * 3, s)",
    "scatter_float_index": S + "x.scatter(0, i.float(), s)",
    "scatter_index_too_large": S + "x.scatter(0, torch.zeros(4, 4, dtype=torch.long), s)",
    "scatter_other_dtype": S + "x.scatter(0, i, s.double())",
    "scatter_negative_index": S + "x.scatter(1, torch.tensor([[-1], [0], [-4]]), -1.)",
    "gather_index_out_of_range": S + "x.gather(0, i * 3)",
    "scatter_unknown_reduce": S + "x.scatter(0, i, s, reduce='max')",
    "scatter_reduce_backward": S + "x.requires_grad_()\nx.scatter(0, i, s, reduce='add').sum().backward()",
    "broadcast_tensors_mismatch": "torch.broadcast_tensors(torch.ones(2, 3), torch.ones(4))",
    "broadcast_shapes_mismatch": "torch.broadcast_shapes((2, 3), (4,))",
    "broadcast_to_too_few_dims": "torch.broadcast_to(torch.ones(2, 3), (4,))",
    "einsum_sizes": "torch.einsum('ij,jk->ik', torch.ones(2, 3), torch.ones(4, 5))",
    "einsum_too_few_operands": "torch.einsum('ij,jk->ik', torch.ones(2, 3))",
    "einsum_subscripts_vs_dims": "torch.einsum('ijk->ik', torch.ones(2, 3))",
    "einsum_unknown_output": "torch.einsum('ij->iz', torch.ones(2, 3))",
    "einsum_repeated_output": "torch.einsum('ij->ii', torch.ones(2, 3))",
    "einsum_diagonal_sizes": "torch.einsum('ii->i', torch.ones(2, 3))",
}
SCATTER_ANSWERS = {
    "scatter_value_keyword": S + "answer = x.scatter(1, i[:, :2], value=-1.)",
    "scatter_reduce_add": S + "answer = x.scatter(0, i, s, reduce='add')",
    "scatter_reduce_multiply_value": S + "answer = x.scatter(0, i, 2., reduce='multiply')",
    "scatter_reduce_mean_integers": "answer = torch.zeros(3, dtype=torch.long).scatter_reduce(0, torch.tensor([0, 0, 2]), "
                                    "torch.tensor([1, 2, 4]), 'mean')",
    "scatter_reduce_amax_integers_without_self": "answer = torch.zeros(3, dtype=torch.long).scatter_reduce(0, "
                                                 "torch.tensor([0, 0, 2]), torch.tensor([-1, -2, 4]), 'amax', "
                                                 "include_self=False)",
    "scatter_reduce_amax_ties_share": "x = torch.tensor([1., 5.], requires_grad=True)\n"
                                      "s = torch.tensor([5., 5., 2.], requires_grad=True)\n"
                                      "x.scatter_reduce(0, torch.tensor([1, 1, 0]), s, 'amax').sum().backward()\n"
                                      "answer = (x.grad, s.grad)",
    "scatter_in_place_version": S + "v = x._version\nx.scatter_(0, i, s)\nanswer = (x, x._version - v)",
    "broadcast_shapes": "answer = (torch.broadcast_shapes((3, 1), (4,), 1, ()), torch.broadcast_shapes())",
    "broadcast_tensors_same_shape_is_the_tensor": "a = torch.ones(2)\nb, = torch.broadcast_tensors(a)\nanswer = b is a",
    "einsum_diagonal": "d = torch.arange(9.).view(3, 3).requires_grad_()\ny = torch.einsum('ii->i', d)\n"
                       "y.backward(torch.tensor([1., 2., 3.]))\nanswer = (y.detach(), d.grad)",
    "einsum_trace_list_of_operands": "answer = torch.einsum('ii', [torch.arange(9.).view(3, 3)])",
    "einsum_batch_diagonal": "answer = torch.einsum('bii->bi', torch.arange(18.).view(2, 3, 3))",
    "einsum_spaces": "answer = torch.einsum('i j , j k -> i k', torch.ones(2, 3), torch.ones(3, 2))",
}

# --------------------------------------------------------------------------------------------------- _saved_*
W = "w = torch.tensor([[1., -2., 3.], [0.5, 1., -1.]], requires_grad=True)\nx = torch.tensor([[2., 1., 0.]])\n"
SAVED_ANSWERS = {
    "saved_mul": W + "y = w * x\nf = y.grad_fn\nanswer = (f._saved_other is x, f._saved_self)",
    "saved_mul_number": W + "answer = (w * 2).grad_fn._saved_other",
    "saved_result": W + "y = w.exp()\nanswer = (y.grad_fn._saved_result, w.sigmoid().grad_fn._saved_result.shape)",
    "saved_pow": W + "f = (w ** 2).grad_fn\nanswer = (f._saved_self is w, f._saved_exponent)",
    "saved_sum_dim": W + "f = w.sum(1, keepdim=True).grad_fn\n"
                         "answer = (f._saved_dim, f._saved_keepdim, f._saved_self_sym_sizes)",
    "saved_mean": W + "answer = w.mean().grad_fn._saved_self_sym_sizes",
    "saved_addmm": W + "f = torch.nn.functional.linear(x, w, torch.zeros(2)).grad_fn\n"
                       "answer = (f._saved_mat1 is x, f._saved_mat2)",
    "saved_mm": W + "f = x.mm(w.t()).grad_fn\nanswer = (f._saved_self is x, f._saved_mat2)",
    "saved_names_in_dir": W + "answer = [sorted(n for n in dir(y.grad_fn) if n in ('_saved_self', '_saved_other', "
                              "'_saved_result', '_saved_exponent')) for y in (w * x, w.exp(), w ** 3, w.t())]",
    "is_view": W + "answer = (w._is_view(), w.t()._is_view(), w[0]._is_view(), w.view(6)._is_view(), "
                   "(w * 1)._is_view(), w.t()._base is w)",
}
SAVED_ERRORS = {
    "saved_after_backward": W + "y = w * x\ny.sum().backward()\ny.grad_fn._saved_other",
    "saved_unknown_name": W + "(w * x).grad_fn._saved_nothing",
}

ERRORS = {**OUT_ERRORS, **SCATTER_ERRORS, **SAVED_ERRORS}
ANSWERS = {**OUT_ANSWERS, **SCATTER_ANSWERS, **SAVED_ANSWERS}

# --------------------------------------------------------------------------------------------------- torchviz
# torchviz.make_dot on a small MLP with show_saved=True, the graph reduced to what it shows: each box as (label,
# fill colour) and each edge as (label from, label to, style), ids left out (they are memory addresses). Run by
# gen_extras.py under PyTorch and by tests/test_torchviz.py in a subprocess with minigrad as ``torch``.
TORCHVIZ = """
import re
import torchviz
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2), torch.nn.Tanh())
x = torch.randn(5, 3)
y = (model(x).sigmoid() * 2).mean()
dot = torchviz.make_dot(y, params=dict(model.named_parameters()), show_saved=True)
boxes, edges = {}, []
for line in dot.body:
    line = line.strip()
    edge = re.match(r'(\\d+) -> (\\d+)(?: \\[(.*)\\])?$', line)
    if edge:
        edges.append(edge.groups())
        continue
    box = re.match(r'(\\d+) \\[label=(.*?)(?: fillcolor=(\\w+))?\\]$', line, re.S)
    if box:
        boxes[box.group(1)] = (box.group(2).strip('"'), box.group(3))
label = lambda node: boxes[node][0]
answer = (sorted(set(boxes.values())), sorted({(label(a), label(b), style) for a, b, style in edges}))
"""
