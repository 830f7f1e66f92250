"""Issue 15's edge cases, run under PyTorch by ``gen_edge_cases.py`` (recorded in ``data/edge_cases.json``) and
under minigrad by ``tests/test_edge_cases.py``: empty dimensions, NaN in max/min, error texts, norms, and
NumPy's floating-point warnings, which must not appear where PyTorch says nothing (warnings are compared
exactly, NumPy's RuntimeWarnings included). Same conventions as ``behaviours.py``: a program either raises
(``ERRORS``) or sets ``answer`` (``ANSWERS``, compared by ``repr``).

Plain data only: this module imports neither library.
"""
from __future__ import annotations

NAN_LEAF = "x = torch.tensor([1., float('nan'), 3.], requires_grad=True)\n"
MATRIX = "x = torch.tensor([[1., -2., 0.], [3., 0.5, -1.]], requires_grad=True)\n"
EXPANDED = "base = torch.zeros(3)\nx = base.expand(2, 3)\n"

ERRORS = {
    # empty dimensions
    "max_dim_of_empty_dim": "torch.ones(0, 3).max(dim=0)",
    "min_dim_of_empty_negative_dim": "torch.ones(0, 3).min(-2)",
    "cross_entropy_no_classes": "torch.nn.functional.cross_entropy(torch.ones(2, 0, requires_grad=True), "
                                "torch.zeros(2, dtype=torch.long))",
    # error texts
    "bool_of_empty": "bool(torch.tensor([]))",
    "bool_of_empty_2d": "bool(torch.ones(0, 2))",
    "cat_of_0d": "torch.cat([torch.tensor(1.), torch.tensor(2.)])",
    "cat_with_0d_second": "torch.cat([torch.ones(2), torch.tensor(2.)])",
    "tensor_of_str_list": "torch.tensor(['a'])",
    "tensor_of_str": "torch.tensor('a')",
    "tensor_of_number_and_str": "torch.tensor([1, 'a'])",
    "zeros_negative": "torch.zeros(-1, 3)",
    "zeros_negative_tuple": "torch.zeros((2, -1))",
    "ones_negative": "torch.ones(2, -3)",
    "empty_negative": "torch.empty(-1)",
    "randn_negative": "torch.randn(-1)",
    "expanded_add_": "x = torch.ones(3).expand(2, 3)\nx.add_(1)",
    "expanded_iadd": "x = torch.ones(3, 1).expand(3, 2)\nx += 1",
    "expanded_copy_": "x = torch.ones(3, 1).expand(3, 2)\nx.copy_(torch.zeros(3, 2))",
    "hook_returns_int_on_leaf": "x = torch.ones(3, requires_grad=True)\nx.register_hook(lambda g: 1)\n"
                                "x.sum().backward()",
    "hook_returns_int": "x = torch.ones(3, requires_grad=True)\ny = x * 2\ny.register_hook(lambda g: 1)\n"
                        "y.sum().backward()",
    "hook_returns_list": "x = torch.ones(3, requires_grad=True)\ny = x * 2\ny.register_hook(lambda g: [1., 1., 1.])\n"
                         "y.sum().backward()",
    "torch_flip_int": "torch.flip(torch.ones(3), 0)",
    "torch_flip_int_keyword": "torch.flip(torch.ones(3), dims=0)",
    # norms
    "vector_norm_of_integers": "torch.linalg.vector_norm(torch.tensor([1, 2]))",
    "norm_of_integers": "torch.tensor([1, 2]).norm()",
    "vector_norm_integer_dtype": MATRIX + "torch.linalg.vector_norm(x, dtype=torch.int64)",
    "vector_norm_narrowing_dtype": MATRIX + "torch.linalg.vector_norm(x, dtype=torch.float16)",
    "vector_norm_str_ord": MATRIX + "torch.linalg.vector_norm(x, 'fro')",
    "vector_norm_repeated_dim": MATRIX + "torch.linalg.vector_norm(x, dim=(0, 0))",
    "vector_norm_dim_out_of_range": MATRIX + "torch.linalg.vector_norm(x, dim=2)",
    "vector_norm_inf_of_empty": "torch.linalg.vector_norm(torch.ones(0, 3), float('inf'))",
    "vector_norm_inf_of_empty_dim": "torch.linalg.vector_norm(torch.ones(0, 3), float('inf'), dim=0)",
    "linalg_norm_ord_of_3d": "torch.linalg.norm(torch.ones(2, 2, 2), 'fro')",
    "linalg_norm_fro_one_dim": MATRIX + "torch.linalg.norm(x, 'fro', dim=1)",
    "matrix_norm_of_vector": "torch.linalg.matrix_norm(torch.ones(3))",
    "norm_nuc_one_dim": MATRIX + "torch.norm(x, 'nuc', dim=1)",
    # writing into an expanded tensor where elements that share memory would disagree
    "expanded_fill_tensor": EXPANDED + "x.fill_(torch.tensor(2.))",
    "expanded_clamp_": EXPANDED + "x.clamp_(0, 1)",
    "expanded_setitem_all": EXPANDED + "x[:] = 3",
    "expanded_setitem_ellipsis": EXPANDED + "x[...] = torch.ones(2, 3)",
    "expanded_setitem_column": EXPANDED + "x[:, 0] = 5",
    "new_zeros_negative": "torch.ones(2).new_zeros(-1)",
    "new_zeros_negative_tuple": "torch.ones(2).new_zeros((2, -1))",
    "new_empty_negative": "torch.ones(2).new_empty(-2)",
}

ANSWERS = {
    # empty dimensions
    "softmax_over_empty_dim": "answer = torch.softmax(torch.ones(2, 0), 1)",
    "log_softmax_over_empty_dim": "x = torch.ones(2, 0, requires_grad=True)\ny = torch.log_softmax(x, 1)\n"
                                  "y.sum().backward()\nanswer = (y, x.grad)",
    "logsumexp_over_empty_dim": "answer = (torch.ones(2, 0).logsumexp(1), torch.ones(0, 2).logsumexp(0), "
                                "torch.ones(2, 0, 3).logsumexp((0, 2)))",
    "cross_entropy_empty_batch_and_classes": "x = torch.ones(0, 0, requires_grad=True)\n"
                                             "l = torch.nn.functional.cross_entropy(x, torch.zeros(0, dtype=torch.long))\n"
                                             "l.backward()\nanswer = (l, x.grad)",
    "cross_entropy_empty_batch": "x = torch.ones(0, 3, requires_grad=True)\n"
                                 "l = torch.nn.functional.cross_entropy(x, torch.zeros(0, dtype=torch.long))\n"
                                 "l.backward()\nanswer = (l, x.grad)",
    "max_dim_over_nonempty_dim_of_empty": "answer = torch.ones(3, 0).max(dim=0)",
    # NaN in max/min
    "max_with_nan": NAN_LEAF + "x.max().backward()\nanswer = x.grad",
    "min_with_nan": NAN_LEAF + "x.min().backward()\nanswer = x.grad",
    "max_with_two_nans": "x = torch.tensor([1., float('nan'), float('nan')], requires_grad=True)\n"
                         "x.max().backward()\nanswer = x.grad",
    "max_with_nan_second_order": NAN_LEAF + "y = x.max() * x.sum()\ng, = torch.autograd.grad(y, x, create_graph=True)\n"
                                            "answer = g",
    "max_dim_with_nan": "x = torch.tensor([[1., float('nan'), 3.], [1., 2., 3.]], requires_grad=True)\n"
                        "v, i = x.max(1)\nv.sum().backward()\nanswer = (v, i, x.grad)",
    "min_dim_with_nan": "x = torch.tensor([[1., float('nan'), 3.], [1., 2., 3.]], requires_grad=True)\n"
                        "v, i = x.min(1)\nv.sum().backward()\nanswer = (v, i, x.grad)",
    "amax_with_nan": NAN_LEAF + "x.amax().backward()\nanswer = x.grad",
    "maximum_with_nan": NAN_LEAF + "y = torch.tensor([2., 2., float('nan')], requires_grad=True)\n"
                                   "torch.maximum(x, y).sum().backward()\nanswer = (x.grad, y.grad)",
    "minimum_with_nan": NAN_LEAF + "y = torch.tensor([2., 2., float('nan')], requires_grad=True)\n"
                                   "torch.minimum(x, y).sum().backward()\nanswer = (x.grad, y.grad)",
    "maximum_both_nan": "x = torch.tensor([float('nan'), float('nan')], requires_grad=True)\n"
                        "y = torch.tensor([float('nan'), 1.], requires_grad=True)\n"
                        "torch.maximum(x, y).sum().backward()\nanswer = (x.grad, y.grad)",
    # NumPy's floating-point warnings: PyTorch is silent
    "log_of_zero": "answer = torch.tensor(0.).log()",
    "one_over_zero": "answer = 1 / torch.tensor(0.)",
    "sqrt_of_negative": "answer = torch.tensor(-1.).sqrt()",
    "exp_overflow": "answer = torch.tensor(1000.).exp()",
    "zero_over_zero": "answer = torch.tensor([0., 1.]) / torch.tensor([0., 0.])",
    "zero_to_negative_power": "answer = torch.tensor(0.) ** -1",
    "float32_overflow_on_creation": "answer = torch.tensor([1e308]) * 10",
    "log_of_negative": "answer = torch.tensor([-1.]).log()",
    "rsqrt_of_zero": "answer = torch.tensor([0.]).rsqrt()",
    "reciprocal_of_zero": "answer = torch.tensor([0.]).reciprocal()",
    "inf_minus_inf": "answer = torch.tensor([float('inf')]) - float('inf')",
    "sin_of_inf": "answer = torch.tensor([float('inf')]).sin()",
    "integer_division_by_zero": "answer = torch.tensor([1, 0]) / torch.tensor([0, 0])",
    "log_backward_at_zero": "x = torch.tensor(0., requires_grad=True)\nx.log().backward()\nanswer = x.grad",
    "sqrt_backward_at_zero": "x = torch.tensor(0., requires_grad=True)\nx.sqrt().backward()\nanswer = x.grad",
    "sqrt_backward_of_negative": "x = torch.tensor(-1., requires_grad=True)\nx.sqrt().backward()\nanswer = x.grad",
    "reciprocal_backward_at_zero": "x = torch.tensor(0., requires_grad=True)\n(1 / x).backward()\nanswer = x.grad",
    "log_double_backward_at_zero": "x = torch.tensor(0., requires_grad=True)\n"
                                   "g, = torch.autograd.grad(x.log(), x, create_graph=True)\ng.backward()\n"
                                   "answer = (g, x.grad)",
    "x_over_x_backward_at_zero": "x = torch.tensor([0., 1.], requires_grad=True)\n(x / x).sum().backward()\n"
                                 "answer = x.grad",
    "power_half_backward_at_zero": "x = torch.tensor([0., 2.], requires_grad=True)\n(x ** 0.5).sum().backward()\n"
                                   "answer = x.grad",
    # norms
    "norm_nodes": MATRIX + "answer = [type(y.grad_fn).__name__ for y in (torch.norm(x), x.norm(3), "
                           "x.norm(p='fro', dim=1), torch.linalg.norm(x), torch.linalg.norm(x, 'fro'), "
                           "torch.linalg.norm(x, 1), torch.linalg.norm(x, float('inf')), torch.linalg.norm(x, -1), "
                           "torch.linalg.norm(x, float('-inf')), torch.linalg.matrix_norm(x), "
                           "torch.linalg.vector_norm(x, 0))]",
    "norm_values": MATRIX + "answer = [torch.linalg.norm(x, o).item() for o in (1, float('inf'), -1, float('-inf'))] "
                            "+ [torch.linalg.vector_norm(x, o).item() for o in (0, -1, 0.5, float('-inf'))]",
    "norm_zero_order_has_no_gradient": "x = torch.tensor([0., 3.], requires_grad=True)\n"
                                       "torch.linalg.vector_norm(x, 0).backward()\nanswer = x.grad",
    "norm_of_zero_vector_gradient": "x = torch.zeros(3, requires_grad=True)\nx.norm().backward()\nanswer = x.grad",
    "norm_inf_ties_share": "x = torch.tensor([3., -3., 1.], requires_grad=True)\n"
                           "torch.linalg.vector_norm(x, float('inf')).backward()\nanswer = x.grad",
    "norm_negative_order_with_zero": "x = torch.tensor([0., 2.], requires_grad=True)\n"
                                     "torch.linalg.vector_norm(x, -1).backward()\nanswer = (x.grad, "
                                     "torch.linalg.vector_norm(x, -1))",
    "norm_half_order_with_zero": "x = torch.tensor([0., 2.], requires_grad=True)\nx.norm(0.5).backward()\n"
                                 "answer = x.grad",
    "norm_dtype": "x = torch.tensor([[3., 4.]])\nanswer = (torch.norm(x, dim=1, keepdim=True, dtype=torch.float64), "
                  "torch.linalg.vector_norm(x, dtype=torch.float64), x.norm(dtype=torch.float64))",
    "norm_empty_dims_mean_all": MATRIX + "answer = (torch.norm(x, p=2, dim=[]), torch.linalg.vector_norm(x, dim=()))",
    "norm_of_empty": "answer = (torch.linalg.vector_norm(torch.ones(0, 3)), "
                     "torch.linalg.vector_norm(torch.ones(0, 3), float('inf'), dim=1))",
    "norm_of_0d": "answer = torch.linalg.vector_norm(torch.tensor(-3.), dim=0)",
    "linalg_norm_vector_default": "answer = (torch.linalg.norm(torch.ones(3)), torch.linalg.norm(torch.ones(2, 2, 2)))",
    "linalg_norm_fro_two_dims_of_3d": "answer = torch.linalg.norm(torch.ones(2, 2, 2), 'fro', dim=(0, 2))",
    "normalize_zero_row": "x = torch.tensor([[0., 0.], [3., 4.]], requires_grad=True)\n"
                          "torch.nn.functional.normalize(x).sum().backward()\nanswer = x.grad",
    # earlier notes. topk(sorted=False): PyTorch 2.13 on the CPU returns the k largest in an order its
    # selection algorithm leaves (for ten values [7., 8., 9., 6., 5.]), which nothing documents; minigrad returns
    # them sorted, which is one of the orders sorted=False allows. Only a case where the two agree is kept.
    "topk_unsorted": "answer = torch.tensor([5., 1., 4., 2., 3., 0., 9., 7.]).topk(3, sorted=False)",
    # writing into an expanded tensor where it is well defined: one value everywhere, or distinct elements
    "expanded_zero_": EXPANDED + "base.fill_(4)\nx.zero_()\nanswer = (x, base, x._version, base._version)",
    "expanded_fill_": EXPANDED + "x.fill_(1)\nanswer = (x, base, x._version)",
    "expanded_fill_bool": EXPANDED + "x.fill_(True)\nanswer = base",
    "expanded_column_zero_": "base = torch.ones(3, 1)\nx = base.expand(3, 2)\nx.zero_()\nanswer = base",
    "expanded_setitem_row": EXPANDED + "x[0] = 1\nanswer = (x, base, base._version)",
    "expanded_setitem_row_tensor": EXPANDED + "x[1] = torch.tensor([1., 2., 3.])\nanswer = base",
    "expanded_setitem_element": EXPANDED + "x[0, 1] = 5\nanswer = (x, base)",
    "expanded_setitem_part_of_row": EXPANDED + "x[1, :2] = torch.tensor(7.)\nanswer = base",
    "expanded_index_put": EXPANDED + "x[torch.tensor([0])] = 1.\nanswer = base",
    "expanded_masked_fill_": EXPANDED + "x.masked_fill_(torch.tensor([True, False, True]), 2.)\nanswer = base",
    "clamp_node_names": "x = torch.ones(3, requires_grad=True)\nt = torch.tensor(0.5)\n"
                        "answer = [y.grad_fn.name() for y in (x.clamp(min=0.5), x.clamp(max=t), x.clamp(t, t), "
                        "x.clip(0., 1.), x.clip(max=t), torch.clamp_min(x, 0.5), x.clamp_min(t), x.clamp_max(0.5), "
                        "torch.clamp_max(x, t), x.clone().clamp_(min=t), torch.relu(x), x.relu(), "
                        "torch.nn.functional.relu(x), torch.nn.ReLU()(x))]",
    "clamp_tensor_bounds_gradients": "x = torch.tensor([0., 1., 2., 3.], requires_grad=True)\n"
                                     "lo = torch.tensor([0.5, 0.5, 2.5, 2.5], requires_grad=True)\n"
                                     "hi = torch.tensor([2., 0.2, 1., 2.], requires_grad=True)\n"
                                     "x.clamp(lo, hi).sum().backward()\nanswer = (x.grad, lo.grad, hi.grad)",
}
