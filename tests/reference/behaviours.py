"""Short programs run under PyTorch (by ``gen_autograd.py``, which records what happened) and under minigrad (by
the tests, which compare). Each program sees the library as ``torch``; it either raises (``ERRORS``: the type and
message are compared) or sets ``answer`` (``ANSWERS``: ``repr(answer)`` is compared). Warnings are recorded too.

Plain data only: this module imports neither library.
"""
from __future__ import annotations

LEAF = "x = torch.tensor([1., 2., 3.], requires_grad=True)\n"
CUSTOM_DOUBLE = (
    "class Double(torch.autograd.Function):\n"
    "    @staticmethod\n"
    "    def forward(ctx, x):\n"
    "        return x * 2\n"
    "    @staticmethod\n"
    "    def backward(ctx, grad):\n"
    "        return grad * 2\n"
)

# id -> program that must raise. Grouped by the list.
ERRORS = {
    # requires_grad
    "requires_grad_off_on_non_leaf": LEAF + "y = x * 2\ny.requires_grad = False",
    "requires_grad_on_on_non_leaf": LEAF + "y = x * 2\ny.requires_grad = True",
    "requires_grad_factory_integer": "torch.tensor([1, 2], requires_grad=True)",
    "requires_grad_zeros_integer": "torch.zeros(2, dtype=torch.long, requires_grad=True)",
    "requires_grad_method_integer": "torch.tensor([1, 2]).requires_grad_()",
    "requires_grad_attribute_integer": "x = torch.tensor([1, 2])\nx.requires_grad = True",
    "numpy_of_tensor_requiring_grad": LEAF + "x.numpy()",
    # backward
    "second_backward": LEAF + "y = (x * x).sum()\ny.backward()\ny.backward()",
    "second_backward_through_exp": LEAF + "y = x.exp().sum()\ny.backward()\ny.backward()",
    "implicit_grad_non_scalar": LEAF + "(x * 2).backward()",
    "implicit_grad_non_scalar_autograd_grad": LEAF + "torch.autograd.grad(x * 2, x)",
    "element_0_no_grad": "x = torch.ones(2)\n(x * 2).sum().backward()",
    "element_0_autograd_grad": "x = torch.ones(2)\ntorch.autograd.grad((x * 2).sum(), x)",
    "allow_unused": LEAF + "z = torch.ones(3, requires_grad=True)\ntorch.autograd.grad((x * 2).sum(), [x, z])",
    "differentiated_tensor_without_grad": LEAF + "z = torch.ones(3)\ntorch.autograd.grad((x * 2).sum(), z)",
    "gradient_shape_mismatch": LEAF + "(x * 2).backward(torch.ones(4))",
    "gradient_shape_broadcastable_is_refused": LEAF + "(x * 2).backward(torch.ones(1, 3))",
    "gradient_shape_scalar_vs_vector": LEAF + "(x * 2).backward(torch.ones(1))",
    "grad_outputs_shape_mismatch": LEAF + "torch.autograd.grad(x.sum(), x, grad_outputs=torch.ones(3))",
    "gradient_not_a_tensor": LEAF + "(x * 2).backward([1., 1., 1.])",
    "backward_empty_inputs": LEAF + "(x * 2).sum().backward(inputs=[])",
    # in place
    "leaf_in_place_add": LEAF + "x.add_(1)",
    "leaf_in_place_augmented": LEAF + "x += 1",
    "leaf_in_place_zero": LEAF + "x.zero_()",
    "leaf_setitem_is_a_view_write": LEAF + "x[0] = 5.",
    "leaf_setitem_whole": LEAF + "x[:] = 5.",
    "leaf_setitem_ellipsis": LEAF + "x[...] = 5.",
    "leaf_setitem_index_list": LEAF + "x[[0, 2]] = 5.",
    "view_of_leaf_in_place": LEAF + "y = x[0]\ny.add_(1)",
    "version_after_detach_then_modify": LEAF + "y = x * x\nx.detach().add_(1)\ny.sum().backward()",
    "version_saved_input_modified": LEAF + "y = x * 1\nz = y * y\ny.add_(1)\nz.sum().backward()",
    "version_saved_output_modified": LEAF + "y = x.exp()\ny.add_(1)\ny.sum().backward()",
    "version_saved_output_modified_through_detach": LEAF + "y = x.sigmoid()\ny.detach().zero_()\ny.sum().backward()",
    "version_saved_constant_modified": LEAF + "w = torch.ones(3)\ny = x * w\nw.add_(1)\ny.sum().backward()",
    "version_in_place_output_changed_again": LEAF + "y = x * 1\ny.relu_()\ny.mul_(2)\ny.sum().backward()",
    "version_setitem_on_saved": LEAF + "y = x * 1\nz = y * y\ny[0] = 0.\nz.sum().backward()",
    # shapes
    "mm_shapes": "torch.ones(2, 3).mm(torch.ones(2, 3))",
    "mm_vector": "torch.ones(2, 3).mm(torch.ones(3))",
    "matmul_shapes": "torch.ones(2, 3) @ torch.ones(4, 3)",
    "matmul_vector_shapes": "torch.ones(3) @ torch.ones(4, 2)",
    "matmul_0d": "torch.tensor(1.) @ torch.ones(2)",
    "matmul_batched_inner": "torch.ones(2, 2, 3) @ torch.ones(2, 4, 4)",
    "matmul_batch_broadcast": "torch.ones(5, 2, 2, 3) @ torch.ones(4, 3, 4)",
    "matmul_matrix_times_batch": "torch.ones(2, 3) @ torch.ones(2, 4, 4)",
    "matmul_batch_times_vector": "torch.ones(2, 2, 3) @ torch.ones(4)",
    "mv_shapes": "torch.ones(2, 3).mv(torch.ones(2))",
    "dot_shapes": "torch.ones(3).dot(torch.ones(2))",
    "bmm_dims": "torch.ones(2, 3).bmm(torch.ones(2, 3, 3))",
    "bmm_shapes": "torch.ones(2, 2, 3).bmm(torch.ones(3, 3, 3))",
    "broadcast_add": "torch.ones(2, 3) + torch.ones(2, 4)",
    "broadcast_mul": "torch.ones(2, 3) * torch.ones(4, 3)",
    "broadcast_three_dims": "torch.ones(2, 3, 4) - torch.ones(5, 1, 4)",
    "cat_sizes": "torch.cat([torch.ones(2, 3), torch.ones(3, 3)], 1)",
    "cat_dims": "torch.cat([torch.ones(2, 3), torch.ones(2)])",
    "cat_empty": "torch.cat([])",
    "stack_sizes": "torch.stack([torch.ones(2, 3), torch.ones(3, 3)])",
    "stack_dim": "torch.stack([torch.ones(2, 3), torch.ones(2, 3)], 3)",
    "expand_size": "torch.ones(2, 3).expand(3, 3)",
    "expand_too_few": "torch.ones(2, 3).expand(3)",
    "split_sizes_sum": "torch.ones(2, 3).split([1, 1], 1)",
    "fill_non_scalar_tensor": "torch.ones(2, 3).fill_(torch.ones(2))",
    # views and shapes
    "view_incompatible_strides": "torch.ones(2, 3).t().view(6)",
    "view_wrong_size": "torch.ones(2, 3).view(4)",
    "view_two_inferred": "torch.ones(2, 3).view(-1, -1)",
    "view_inferred_not_dividing": "torch.ones(2, 3).view(-1, 4)",
    "reshape_wrong_size": "torch.ones(2, 3).reshape(5)",
    "t_of_3d": "torch.ones(2, 3, 4).t()",
    "permute_length": "torch.ones(2, 3).permute(0)",
    "sum_dim_out_of_range": "torch.ones(2, 3).sum(2)",
    "unsqueeze_dim_out_of_range": "torch.ones(2, 3).unsqueeze(3)",
    "transpose_dim_out_of_range": "torch.ones(3).transpose(0, 1)",
    "softmax_dim_out_of_range": "torch.ones(2, 3).softmax(2)",
    # indexing
    "index_out_of_range": "torch.ones(2, 3)[2]",
    "index_out_of_range_second_dim": "torch.ones(2, 3)[0, 3]",
    "index_negative_out_of_range": "torch.ones(2, 3)[-3]",
    "index_too_many": "torch.ones(2, 3)[0, 0, 0]",
    "index_of_0d": "torch.tensor(1.)[0]",
    "slice_of_0d": "torch.tensor(1.)[:]",
    "index_list_of_0d": "torch.tensor(1.)[[0]]",
    "index_negative_step": "torch.ones(4)[::-1]",
    "index_float": "torch.ones(2, 3)[1.5]",
    "index_float_tensor": "torch.ones(2, 3)[torch.tensor([0.5])]",
    # conversions
    "item_of_many": "torch.ones(2, 3).item()",
    "bool_of_many": "bool(torch.ones(2))",
    "len_of_0d": "len(torch.tensor(1.))",
    "max_of_empty": "torch.ones(0).max()",
    "mean_of_integers": "torch.tensor([1, 2]).mean()",
    "clamp_without_bounds": "torch.ones(2).clamp()",
    "integer_to_negative_power": "torch.tensor([2]) ** -1",
    "negative_of_bool": "-torch.tensor([True])",
    "expand_minus_one_in_new_dim": "torch.ones(3).expand(-1, 3)",
    "repeat_too_few_sizes": "torch.ones(2, 3).repeat(2)",
    # floor division and remainder: integer division by zero, bools, no derivative of // (nor of number % tensor)
    "integer_floor_divide_by_zero": "torch.tensor([5, 6]) // torch.tensor([1, 0])",
    "integer_remainder_by_zero": "torch.tensor([5, 6]) % 0",
    "number_floor_divided_by_integer_zero": "7 // torch.tensor([1, 0])",
    "number_remainder_by_integer_zero": "torch.remainder(7, torch.tensor([0, 1]))",
    "div_unknown_rounding_mode": "torch.div(torch.ones(2), 2, rounding_mode='round')",
    "integer_trunc_division_by_zero": "torch.div(torch.tensor([5, -7]), 0, rounding_mode='trunc')",
    "bool_trunc_division": "torch.div(torch.tensor([True]), torch.tensor([True]), rounding_mode='trunc')",
    "floor_divide_of_bools": "torch.tensor([True]) // torch.tensor([True])",
    "remainder_of_bools": "torch.tensor([True]) % True",
    "floor_divide_in_place_integer_by_float": "x = torch.tensor([5, 7])\nx //= 2.5",
    "floor_divide_backward": LEAF + "(x // 2).sum().backward()",
    "floor_divide_backward_two_tensors": LEAF + "w = torch.tensor([2., 2., 2.], requires_grad=True)\n"
                                                "(x * 3 + x // w).sum().backward()",
    "floor_divide_in_place_backward": LEAF + "y = x * 1\ny //= 2\ny.sum().backward()",
    "number_remainder_by_tensor_backward": LEAF + "(7 % x).sum().backward()",
    # top-level functions take tensors, not numbers
    "function_of_a_number": "torch.exp(2.0)",
    "binary_function_of_a_number_and_a_tensor": "torch.maximum(2.0, torch.ones(2))",
    "binary_function_of_a_tensor_and_a_number": "torch.maximum(torch.ones(2), 2.0)",
    "binary_function_of_a_tensor_and_an_int": "torch.minimum(torch.ones(2), 1)",
    # hooks, retain_grad, .grad
    "hook_changes_the_size": LEAF + "y = x * 2\ny.register_hook(lambda grad: torch.ones(4))\ny.sum().backward()",
    "leaf_hook_changes_the_size": LEAF + "x.register_hook(lambda grad: grad[:1])\n(x * 2).sum().backward()",
    "retain_grad_without_requires_grad": "torch.ones(2).retain_grad()",
    "hook_without_requires_grad": "torch.ones(2).register_hook(lambda grad: grad)",
    "post_accumulate_hook_on_non_leaf": LEAF + "(x * 2).register_post_accumulate_grad_hook(lambda t: None)",
    "assign_grad_wrong_size": LEAF + "x.grad = torch.ones(4)",
    "assign_grad_wrong_dtype": LEAF + "x.grad = torch.ones(3, dtype=torch.float64)",
    "assign_grad_not_tensor": LEAF + "x.grad = 3",
    "detach_view_in_place": LEAF + "y = x[1:]\ny.detach_()",
    # custom Functions
    "custom_function_wrong_grad_count": (
        "class Twice(torch.autograd.Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return x * 2\n"
        "    @staticmethod\n    def backward(ctx, grad):\n        return grad, grad\n"
        + LEAF + "Twice.apply(x).sum().backward()"),
    "custom_function_wrong_grad_shape": (
        "class Twice(torch.autograd.Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return x * 2\n"
        "    @staticmethod\n    def backward(ctx, grad):\n        return grad[:1]\n"
        + LEAF + "Twice.apply(x).sum().backward()"),
    # anomaly detection: the NaN check names the node
    "anomaly_nan_in_backward": (
        "x = torch.tensor([1., -1.], requires_grad=True)\n"
        "y = x.sqrt().sum()\n"
        "with torch.autograd.detect_anomaly():\n"
        "    y.backward()"),
    # scans and reductions
    "cumsum_dim_out_of_range": "torch.ones(2, 3).cumsum(2)",
    "cumprod_dim_out_of_range_0d": "torch.tensor(1.).cumprod(1)",
    "amax_of_empty": "torch.ones(0, 3).amax()",
    "amin_along_empty_dim": "torch.ones(0, 3).amin(0)",
    "prod_dim_out_of_range": "torch.ones(2).prod(-2)",
    # flip, roll, triangles, diag, outer, index_select
    "flip_repeated_dim": "torch.ones(2, 3).flip(0, -2)",
    "flip_dim_out_of_range": "torch.ones(2, 3).flip([2])",
    "roll_shifts_and_dims_differ": "torch.ones(2, 3).roll(1, (0, 1))",
    "roll_no_shifts": "torch.ones(2, 3).roll([], [])",
    "tril_of_vector": "torch.ones(3).tril()",
    "triu_of_0d": "torch.tensor(1.).triu(1)",
    "diag_of_3d": "torch.ones(2, 2, 2).diag()",
    "diag_of_0d": "torch.tensor(1.).diag()",
    "outer_of_matrix": "torch.ones(2, 2).outer(torch.ones(2))",
    "outer_with_matrix": "torch.outer(torch.ones(2), torch.ones(2, 1))",
    "outer_with_number": "torch.ones(2).outer(5)",
    "index_select_out_of_bounds": "torch.ones(2, 3).index_select(1, torch.tensor([0, 3]))",
    "index_select_negative_index": "torch.ones(2, 3).index_select(0, torch.tensor([-1]))",
    "index_select_out_of_bounds_dim1": "torch.ones(2, 3, 4).index_select(1, torch.tensor([1, -1, 7]))",
    "index_select_out_of_bounds_last_dim": "torch.ones(2, 3, 4).index_select(-1, torch.tensor([4]))",
    "index_select_empty_dim": "torch.ones(2, 0).index_select(1, torch.tensor([0]))",
    "index_select_0d_out_of_bounds": "torch.tensor(1.).index_select(0, torch.tensor([1]))",
    "index_select_float_index": "torch.ones(2, 3).index_select(0, torch.tensor([0.]))",
    "index_select_matrix_index": "torch.ones(2, 3).index_select(0, torch.tensor([[0]]))",
    "index_select_list_index": "torch.ones(2, 3).index_select(0, [0])",
    # sort, argsort, topk
    "topk_k_too_large": "torch.ones(2, 3).topk(4)",
    "topk_k_negative": "torch.ones(3).topk(-1)",
    "topk_of_0d_k_2": "torch.tensor(1.).topk(2)",
    "sort_dim_out_of_range": "torch.ones(2, 3).sort(2)",
    "argsort_dim_out_of_range": "torch.ones(3).argsort(-2)",
    # lerp, nan_to_num, meshgrid
    "lerp_end_of_other_dtype": "torch.ones(2).lerp(torch.ones(2, dtype=torch.float64), 0.5)",
    "lerp_weight_of_other_dtype": "torch.ones(2).lerp(torch.ones(2), torch.ones(2, dtype=torch.float64))",
    "lerp_of_integers": "torch.tensor([1, 2]).lerp(torch.tensor([1, 2]), 1)",
    "lerp_of_integers_tensor_weight": "torch.tensor([1, 2]).lerp(torch.tensor([1, 2]), torch.tensor([1, 2]))",
    "lerp_shapes_differ": "torch.ones(2).lerp(torch.ones(3), 0.5)",
    "meshgrid_bad_indexing": "torch.meshgrid(torch.ones(2), torch.ones(3), indexing='yx')",
    "meshgrid_of_nothing": "torch.meshgrid(indexing='ij')",
    "meshgrid_dtypes_differ": "torch.meshgrid(torch.ones(2), torch.tensor([1, 2]), indexing='ij')",
    "anomaly_nan_names_the_node": (
        "x = torch.tensor([0., 1.], requires_grad=True)\n"
        "y = (x * 0).sqrt().sum()\n"
        "with torch.autograd.detect_anomaly():\n"
        "    y.backward()"),
}

# id -> program that sets ``answer``: tensors, their attributes, .data/detach, versions, reprs.
TENSOR_ANSWERS = {
    # type promotion: a float32 tensor with a float64 0-d tensor computes in float32, the operand rounded first
    "float64_0d_operand_is_rounded_first": (
        "b = torch.tensor(2**-24 + 2**-50, dtype=torch.float64)\nx = torch.ones(2)\n"
        "y = torch.ones(2)\ny += b\nz = torch.ones(2)\nz.add_(b, alpha=1)\nw = torch.ones(2)\nw.mul_(1 + b)\n"
        "answer = ((x + b).tolist(), (x - (-b)).tolist(), (x * (1 + b)).tolist(), (x + b).dtype, y.tolist(), "
        "z.tolist(), w.tolist(), (torch.tensor([16777217, 7]) / torch.tensor([3, 16777219])).tolist())"),
    # leaves and requires_grad propagation
    "is_leaf_answers": LEAF + "y = x * 2\nanswer = (x.is_leaf, y.is_leaf, x.detach().is_leaf, torch.ones(2).is_leaf, "
                              "(torch.ones(2) * 2).is_leaf, x.requires_grad, y.requires_grad, "
                              "(torch.ones(2) * 2).requires_grad, x.grad_fn)",
    "requires_grad_propagates": LEAF + "w = torch.ones(3)\nanswer = ((x * w).requires_grad, (w * w).requires_grad, "
                                       "(x.detach() + 1).requires_grad, x[0].requires_grad, x.sum().requires_grad)",
    "requires_grad_method_non_leaf_is_a_no_op": LEAF + "y = x * 2\nanswer = (y.requires_grad_() is y, y.requires_grad)",
    "requires_grad_method_on_leaf": "x = torch.ones(2)\ny = x.requires_grad_()\nanswer = (y is x, x.requires_grad, x)",
    "comparisons_and_argmax_need_no_grad": LEAF + "answer = ((x > 1).requires_grad, x.argmax().requires_grad, "
                                                  "x.max(0)[1].requires_grad, (x > 1).dtype, x.argmax())",
    # .data and detach
    "data_shares_storage_not_version": LEAF + "d = x.data\nd[0] = 10.\n"
                                              "answer = (x, d.requires_grad, d.is_leaf, x._version, d._version)",
    "detach_shares_storage_and_version": LEAF + "d = x.detach()\nd[0] = 10.\n"
                                                "answer = (x, d.requires_grad, x._version, d._version)",
    "data_change_gives_silently_wrong_grad": LEAF + "y = x.sigmoid()\ny.data.zero_()\ny.sum().backward()\n"
                                                    "answer = x.grad",
    "detach_in_place_on_a_leaf": LEAF + "y = x.detach_()\nanswer = (y is x, x.requires_grad, x.is_leaf)",
    # versions
    "version_counts_in_place_ops": "x = torch.ones(3)\nv = [x._version]\nx.add_(1)\nv.append(x._version)\n"
                                   "x.mul_(2)\nv.append(x._version)\nx[0] = 3.\nv.append(x._version)\nx += 1\n"
                                   "v.append(x._version)\nx.zero_()\nv.append(x._version)\nanswer = v",
    "version_shared_with_views": "x = torch.ones(2, 3)\ny = x[0]\nz = x.view(6)\ny.add_(1)\n"
                                 "answer = (x._version, y._version, z._version, x)",
    "version_out_of_place_unchanged": LEAF + "y = x * 2\ny.sum().backward()\nanswer = (x._version, y._version)",
    # reprs
    "repr_leaf": "answer = torch.tensor([1., 2.], requires_grad=True)",
    "repr_sum": "torch.manual_seed(0)\nx = torch.tensor([[1.5, 2.25], [0.125, 3.0]], requires_grad=True)\n"
                "answer = (x * 1.0343).sum()",
    "repr_mul_scalar": "answer = torch.tensor([1., 2.], requires_grad=True) * 2",
    "repr_0d_leaf": "answer = torch.tensor(3.5, requires_grad=True)",
    "repr_float64": "answer = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True).exp()",
    "repr_detached": "answer = (torch.tensor([1., 2.], requires_grad=True) * 2).detach()",
    "repr_copy_slices": "y = torch.zeros(2)\ny[0] = torch.tensor(3., requires_grad=True) * 2\nanswer = y",
    "repr_custom_function": CUSTOM_DOUBLE + "answer = Double.apply(torch.tensor([1., 2.], requires_grad=True))",
    "repr_int_and_bool": "answer = (torch.tensor([1, 2]), torch.tensor([True, False]), torch.tensor(2.5))",
    "repr_max_dim": "answer = torch.tensor([[1., 5.], [3., 2.]], requires_grad=True).max(1)",
    "repr_size_and_dtype": "x = torch.ones(2, 3)\nanswer = (x.shape, x.size(), x.size(1), x.dtype, x.dim(), x.ndim, "
                           "x.T.shape, x.numel())",
    # tensor attributes and factories
    "dtypes_of_factories": "answer = (torch.tensor([1, 2]).dtype, torch.tensor([1., 2]).dtype, "
                           "torch.tensor(True).dtype, torch.Tensor([1, 2]).dtype, torch.zeros(2).dtype, "
                           "torch.arange(3).dtype, torch.arange(3.).dtype, torch.full((2,), 3).dtype, "
                           "torch.full((2,), 3.).dtype, torch.linspace(0, 1, 3).dtype, torch.eye(2).dtype)",
    "legacy_tensor_constructor": "answer = (torch.Tensor([[1, 2]]), torch.Tensor(2, 3).shape)",
    "conversions": LEAF + "answer = (x.float() is x, x.to(torch.float32) is x, x.double().dtype, x.long(), "
                          "x.detach().numpy().dtype.name, x.tolist(), x[0].item(), x.double().grad_fn.name())",
    "clone_keeps_history": LEAF + "y = x.clone()\nanswer = (y, y.is_leaf, y.grad_fn.name())",
    "item_of_one_element": "answer = (torch.ones(1, 1).item(), torch.tensor(2.5).item(), torch.tensor(3).item())",
    "type_promotion_like_pytorch": "import numpy as np\nx = torch.ones(2)\ni = torch.tensor([1, 2])\n"
                                   "d = torch.tensor(2., dtype=torch.float64)\n"
                                   "answer = ((x * np.float64(2)).dtype, (x * d).dtype, (i * d).dtype, "
                                   "(i * 2.5).dtype, "
                                   "(d * torch.tensor(3.)).dtype, (torch.ones(2, dtype=torch.float64) * 2).dtype, "
                                   "torch.where(x > 0, x, d).dtype)",
    "scalar_conversion_of_a_grad_tensor_warns": LEAF + "answer = (float(x[0]), int(x[1]), x[2].item())",
    "tensor_of_a_tensor_warns": LEAF + "y = torch.tensor(x)\nanswer = (y, y.requires_grad)",
    "narrow_from_the_end": "answer = torch.arange(5.).narrow(0, -2, 2)",
    "float_functions_of_integers": "i = torch.tensor([1, 4])\nanswer = (i.exp(), i.sqrt(), i.sigmoid().dtype, "
                                   "i.abs().dtype, i.relu().dtype, -i, i ** 2, 2 ** i, "
                                   "(torch.tensor([2.]) ** torch.tensor([3])).dtype)",
    "floor_divide_and_remainder_like_python": (
        "i = torch.tensor([-7, 7, -8])\nf = torch.tensor([-7., 7., -8., 0.5])\n"
        "answer = (i // 2, i % 2, i // -2, i % -2, 7 // i, 7 % i, i // 2.5, i % 2.5, f // 2, f % 2, f // -2.5, "
        "f % -2.5, -7.5 // f, -7.5 % f, torch.floor_divide(i, 3), torch.remainder(f, 3), torch.floor_divide(7, i), "
        "torch.remainder(7, i), i.floor_divide(torch.tensor([2, -2, 3])), i.remainder(torch.tensor(3)), "
        "(f // torch.tensor(2., dtype=torch.float64)).dtype, (torch.tensor([True, False]) // 2))"),
    "rounded_division_values_and_dtypes": (
        "a = torch.tensor([7, -7, 6, -6])\nb = torch.tensor([2, 2, -4, 4])\nf = torch.tensor([7.5, -7.5, 0.5, -0.])\n"
        "y = torch.tensor([5., -7.])\ny.div_(2, rounding_mode='trunc')\n"
        "answer = (torch.div(a, b, rounding_mode='trunc'), torch.div(a, b, rounding_mode='floor'), "
        "a.div(-3, rounding_mode='trunc'), f.div(2, rounding_mode='trunc').tolist(), "
        "f.div(-2., rounding_mode='floor').tolist(), torch.div(a, 2.5, rounding_mode='trunc'), y, y._version)"),
    "floor_divide_and_remainder_of_zero_and_infinity": (
        "f = torch.tensor([-1., 0., -0., 1.])\n"
        "answer = (f // 0, f % 0, f // -0., f % torch.tensor(-0.), torch.tensor([-4., 4., -0., 0.]) % 2, "
        "torch.tensor([-4., 4., -0., 0.]) % -2, torch.tensor([5., -5.]) % float('inf'), "
        "torch.tensor([5., -5.]) // float('inf'), torch.tensor([], dtype=torch.long) // torch.tensor(0))"),
    "floor_divide_and_remainder_in_place": (
        "i = torch.tensor([-7, 7])\ni //= 2\nj = torch.tensor([-7, 7])\nj %= -3\n"
        "f = torch.tensor([-7.5, 7.5])\nf.floor_divide_(2)\ng = torch.tensor([-7.5, 7.5])\n"
        "g.remainder_(torch.tensor([2., -2.]))\nanswer = (i, j, f, g, f._version)"),
    "integer_division_promotes": "answer = ((torch.tensor([1, 2]) / 2).dtype, (torch.tensor([1, 2]) * 1.5).dtype, "
                                 "(torch.tensor([1, 2]) + torch.tensor([1., 2.], dtype=torch.float64)).dtype)",
    # products with zeros: the gradient at a zero is the product of the others (out / x would give nan)
    "prod_gradient_with_zeros": (
        "x = torch.tensor([[2., 0., 3.], [0., 0., 4.], [1., 5., 6.]], requires_grad=True)\n"
        "g_all, = torch.autograd.grad(x.prod(), x)\ng_row, = torch.autograd.grad(x.prod(1).sum(), x)\n"
        "g_col, = torch.autograd.grad(x.prod(0, keepdim=True).sum(), x)\n"
        "y = torch.tensor([3., 0., 2.], requires_grad=True)\ng_one, = torch.autograd.grad(y.prod(), y)\n"
        "answer = (g_all, g_row, g_col, g_one)"),
    "cumprod_gradient_with_zeros": (
        "x = torch.tensor([[2., 0., 3., 0.5], [0., 4., 0., 2.]], requires_grad=True)\n"
        "w = torch.tensor([[1., 2., 3., 4.], [5., 6., 7., 8.]])\n"
        "g1, = torch.autograd.grad((x.cumprod(1) * w).sum(), x)\n"
        "g0, = torch.autograd.grad((x.cumprod(0) * w).sum(), x)\nanswer = (g1, g0)"),
    "amax_amin_ties_share_the_gradient": (
        "x = torch.tensor([[1., 3., 3.], [2., 2., 2.]], requires_grad=True)\n"
        "g_all, = torch.autograd.grad(x.amax(), x)\ng_row, = torch.autograd.grad(x.amax(1).sum(), x)\n"
        "g_min, = torch.autograd.grad(x.amin(-1, keepdim=True).sum(), x)\n"
        "g_dims, = torch.autograd.grad(torch.amin(x, (0, 1)), x)\nanswer = (g_all, g_row, g_min, g_dims)"),
    "scans_and_products_of_integers": (
        "i = torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)\nb = torch.tensor([True, False, True])\n"
        "answer = (i.cumsum(0), i.cumprod(1), i.prod(), i.prod(0), b.cumsum(0), b.prod(), "
        "torch.tensor([1., 2.]).cumsum(0, dtype=torch.float64), torch.tensor(3.).cumsum(0), "
        "torch.tensor(3.).cumprod(-1), torch.tensor([]).prod(), i.amax(0), i.amin())"),
    "movement_of_integers_and_0d": (
        "i = torch.arange(12).reshape(3, 4)\n"
        "answer = (i.flip(0, 1), i.roll(5), i.roll((1, -1), (1, 0)), i.tril(-1), i.triu(2), i.diag(), i.diag(1), "
        "torch.tensor([1, 2]).diag(-1), torch.tensor([1, 2]).outer(torch.tensor([3., 4.])), "
        "i.index_select(1, torch.tensor([3, 0, 3], dtype=torch.int32)), i.index_select(0, torch.tensor(2)), "
        "torch.tensor(2.).flip(0), torch.tensor(2.).roll(3), torch.tensor(5.).index_select(0, torch.tensor([0])), "
        "torch.ones(2, 3).index_select(1, torch.tensor([], dtype=torch.long)).shape, torch.ones(2, 3).flip([]))"),
    "index_select_repeats_add_up": (
        "x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)\n"
        "y = x.index_select(1, torch.tensor([2, 0, 2, 2]))\n"
        "g, = torch.autograd.grad((y * torch.arange(8.).reshape(2, 4)).sum(), x)\n"
        "answer = (y, g, [n[0].name() for n in y.grad_fn.next_functions])"),
    "sort_ties_nan_and_integers": (
        "x = torch.tensor([[3., 1., 2., 1.], [0., 5., 5., -1.]], requires_grad=True)\n"
        "s, t = x.sort(descending=True), x.topk(2, largest=False)\n"
        "g, = torch.autograd.grad((s.values * torch.arange(4.)).sum() + t.values.sum(), x)\n"
        "n = torch.tensor([float('nan'), 1., -float('inf'), 2.])\n"
        "answer = (x.sort(), s, t, g, x.argsort(dim=0, stable=True), x.sort(stable=True).values.grad_fn.name(), "
        "n.sort(), n.sort(descending=True), n.topk(2), n.topk(2, largest=False), n.argsort(), "
        "torch.tensor([1, 3, 2]).sort(), torch.tensor([True, False, True]).sort(descending=True), "
        "torch.tensor([3, 1, 2]).topk(2), torch.tensor(3.).sort(), torch.tensor(3.).topk(1), "
        "torch.tensor(3.).argsort(), torch.ones(2, 3).topk(0, 0), s.indices.dtype)"),
    "lerp_nan_to_num_isinf": (
        "x = torch.tensor([1., float('inf'), -float('inf'), float('nan')], requires_grad=True)\n"
        "y = x.nan_to_num()\n"
        "g, = torch.autograd.grad((y * torch.arange(1., 5.)).sum(), x)\n"
        "a, b = torch.tensor([1., 2., 3.]), torch.tensor([4., 6., 8.])\n"
        "answer = (y, g, x.nan_to_num(0.5, 10., -10.), torch.nan_to_num(x, posinf=1.), x.isinf(), torch.isinf(x), "
        "torch.tensor([1, 2]).isinf(), torch.tensor([1, 2]).nan_to_num(), torch.tensor([True]).nan_to_num(), "
        "torch.tensor([3., float('inf')], dtype=torch.float64).nan_to_num(), a.lerp(b, 0.), a.lerp(b, 1.), "
        "a.lerp(b, 0.3), torch.lerp(a, b, torch.tensor([0., 0.5, 1.])), a.lerp(b, torch.tensor(2.)), "
        "torch.ones(2, 1).lerp(torch.zeros(3), torch.full((2, 3), .25)))"),
    "meshgrid_warns_and_views": (
        "p = torch.tensor([1., 2.], requires_grad=True)\n"
        "q = torch.tensor([3., 4., 5.], requires_grad=True)\n"
        "u, v = torch.meshgrid(p, q)\n"
        "g = torch.autograd.grad((u * v).sum(), (p, q))\n"
        "answer = (u, v, g, u.grad_fn.name(), u.grad_fn.next_functions[0][0].name(), "
        "torch.meshgrid(torch.tensor([1, 2, 3]), torch.tensor([4, 5]), indexing='xy'), "
        "torch.meshgrid([torch.tensor(7), torch.tensor([1, 2])], indexing='ij'), "
        "torch.meshgrid(q, indexing='xy'), type(torch.meshgrid(q, indexing='ij')).__name__)"),
    "any_all": (
        "x = torch.tensor([[0., 1.], [0., 0.]])\n"
        "answer = (x.any(), x.all(), x.any(1), x.all(0, keepdim=True), torch.any(x, dim=-1), "
        "torch.all(x > -1), torch.tensor([0, 3], dtype=torch.uint8).any(), torch.tensor([]).all(), "
        "x.requires_grad_().any(0).requires_grad)"),
}

# id -> program that sets ``answer``: the graph, backward, hooks, grad mode.
ENGINE_ANSWERS = {
    # grad_fn, next_functions, AccumulateGrad
    "grad_fn_names": LEAF + "y = x * 2\nz = y.sum()\nanswer = (y.grad_fn.name(), z.grad_fn.name(), "
                            "[(n.name() if n is not None else None, i) for n, i in y.grad_fn.next_functions])",
    "accumulate_grad_variable": LEAF + "y = x * 2\nleaf_node = y.grad_fn.next_functions[0][0]\n"
                                       "answer = (leaf_node.variable is x, leaf_node.name(), leaf_node.next_functions)",
    "accumulate_grad_is_shared_by_consumers": LEAF + "a = x * 2\nb = x + 1\n"
                                                     "answer = (a.grad_fn.next_functions[0][0] is "
                                                     "b.grad_fn.next_functions[0][0])",
    "next_functions_of_a_chain": LEAF + "y = (x.exp() * 3).sum()\nnode = y.grad_fn\nnames = []\n"
                                        "while node is not None:\n    names.append(node.name())\n"
                                        "    node = node.next_functions[0][0] if node.next_functions else None\n"
                                        "answer = names",
    "floor_divide_has_a_not_implemented_node": (
        LEAF + "w = torch.tensor([2., -3., 4.], requires_grad=True)\nc = torch.tensor([2., 2., 2.])\n"
        "edges = lambda t: [(n.name() if n is not None else None, i) for n, i in t.grad_fn.next_functions]\n"
        "y = x // w\nz = x * 1\nz //= 2\n"
        "answer = (y, y.requires_grad, y.is_leaf, y.grad_fn.name(), type(y.grad_fn).__name__, edges(y), "
        "edges(c // w), edges(x // c), edges(x // 2), edges(7 // w), z, edges(z), 7 % w, edges(7 % w))"),
    "remainder_node_names": (
        LEAF + "w = torch.tensor([2., -3., 4.], requires_grad=True)\nc = torch.tensor([2., 2., 2.])\n"
        "edges = lambda t: [(n.name() if n is not None else None, i) for n, i in t.grad_fn.next_functions]\n"
        "y = x * 1\ny %= w\n"
        "answer = (x % w, edges(x % w), x % 2, edges(x % 2), edges(c % w), edges(x % c), "
        "(x % torch.tensor(2.)).grad_fn.name(), torch.remainder(x, 2).grad_fn.name(), y, edges(y))"),
    "remainder_gradient": (
        "x = torch.tensor([5.5, -7.25, 1.5], requires_grad=True)\nw = torch.tensor([2., -3., 4.], requires_grad=True)\n"
        "d = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)\n"
        "(x % w).backward(torch.tensor([1., 2., 3.]))\n(x % d).sum().backward()\n"
        "g, = torch.autograd.grad((x % w).sum(), w, create_graph=True)\n"
        "h = torch.autograd.grad(g.sum(), [x, w])\n"
        "answer = (x.grad, w.grad, d.grad, g, [n.name() if n is not None else None for n, _ in "
        "g.grad_fn.next_functions], h)"),
    "custom_function_node_name": CUSTOM_DOUBLE + LEAF + "y = Double.apply(x)\n"
                                                       "answer = (y.grad_fn.name(), type(y.grad_fn).__name__, y)",
    "custom_function_gradient": CUSTOM_DOUBLE + LEAF + "Double.apply(x).sum().backward()\nanswer = x.grad",
    # retain_grad and non-leaf .grad
    "retain_grad": LEAF + "y = x * 2\ny.retain_grad()\n(y * y).sum().backward()\n"
                          "answer = (y.grad, y.retains_grad, x.retains_grad, x.grad)",
    "retain_grad_on_leaf_is_a_no_op": LEAF + "x.retain_grad()\nanswer = x.retains_grad",
    "non_leaf_grad_is_none_with_warning": LEAF + "y = x * 2\ny.sum().backward()\nanswer = y.grad",
    "non_leaf_grad_after_backward_inputs": LEAF + "y = x * 2\n(y * y).sum().backward(inputs=[y])\n"
                                                  "answer = (y.grad, x.grad)",
    # accumulation and retain_graph
    "grads_accumulate": LEAF + "(x * x).sum().backward()\nfirst = x.grad.clone()\n(x * x).sum().backward()\n"
                               "answer = (first, x.grad)",
    "retain_graph_twice": LEAF + "y = (x ** 3).sum()\ny.backward(retain_graph=True)\ny.backward()\nanswer = x.grad",
    "grad_keeps_its_tensor_when_accumulating": LEAF + "(x * 2).sum().backward()\ng = x.grad\n"
                                                      "(x * 2).sum().backward()\nanswer = (g is x.grad, g)",
    "assigned_grad_is_accumulated_into": LEAF + "x.grad = torch.ones(3)\n(x * 2).sum().backward()\nanswer = x.grad",
    "backward_inputs_only_those": LEAF + "w = torch.ones(3, requires_grad=True)\n(x * w).sum().backward(inputs=[x])\n"
                                         "answer = (x.grad, w.grad)",
    "autograd_grad_does_not_accumulate": LEAF + "g, = torch.autograd.grad((x * x).sum(), x)\nanswer = (g, x.grad)",
    "autograd_grad_allow_unused": LEAF + "z = torch.ones(2, requires_grad=True)\n"
                                         "answer = torch.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)",
    "autograd_grad_materialize": LEAF + "z = torch.ones(2, requires_grad=True)\n"
                                        "answer = torch.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)",
    "second_derivative_of_cube": "x = torch.tensor(2., requires_grad=True)\n"
                                 "g, = torch.autograd.grad(x ** 3, x, create_graph=True)\n"
                                 "h, = torch.autograd.grad(g, x)\nanswer = (g, h)",
    "second_derivative_of_relu_is_zero": "x = torch.tensor([2., -1.], requires_grad=True)\n"
                                         "g, = torch.autograd.grad(x.relu().sum(), x, create_graph=True)\n"
                                         "h, = torch.autograd.grad(g.sum(), x)\nanswer = (g.requires_grad, h)",
    "second_derivative_of_leaky_relu_is_zero": "x = torch.tensor([2., -1.], requires_grad=True)\n"
                                               "y = torch.nn.functional.leaky_relu(x, 0.1).sum()\n"
                                               "g, = torch.autograd.grad(y, x, create_graph=True)\n"
                                               "h, = torch.autograd.grad(g.sum(), x)\n"
                                               "answer = (g.requires_grad, g.detach(), h)",
    "second_derivative_vector": LEAF + "g, = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)\n"
                                       "g.sum().backward()\nanswer = (g, x.grad)",
    "only_needed_factors_are_saved": LEAF + "y = x * 1\nz = y * 2\nw = torch.ones(3)\nv = w * x\n"
                                           "y.add_(1)\n(z + v).sum().backward()\nanswer = x.grad",
    "setitem_from_own_element": LEAF + "y = x * 1\ny[0] = y[0] * 2\ny.sum().backward()\n"
                                       "answer = (y, x.grad)",
    "var_without_degrees_of_freedom": "x = torch.tensor([1.], requires_grad=True)\ny = x.var()\ny.backward()\n"
                                      "answer = (y, x.grad)",
    "std_of_equal_values_has_zero_gradient": "x = torch.tensor([1., 1.], requires_grad=True)\ny = x.std()\n"
                                             "y.backward()\nanswer = (y, x.grad)",
    "create_graph_leaf_grad_is_a_recorded_copy": "x = torch.tensor(2., requires_grad=True)\n"
                                                 "(x ** 3).backward(create_graph=True)\ng = x.grad\n"
                                                 "answer = (g, [n.name() if n else None for n, _ in "
                                                 "g.grad_fn.next_functions])",
    "zero_gradient_flows_through_zero_": LEAF + "y = x * 1\ny.zero_()\ny.sum().backward()\nanswer = x.grad",
    "none_gradient_from_custom_function": (
        "class Blocked(torch.autograd.Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return x * 1\n"
        "    @staticmethod\n    def backward(ctx, grad):\n        return None\n"
        + LEAF + "y = x * 2\n(Blocked.apply(y) + y * 3).sum().backward()\na = x.grad\n"
        "z = torch.ones(2, requires_grad=True)\nBlocked.apply(z).sum().backward()\nanswer = (a, z.grad)"),
    # hooks
    "hook_order": LEAF + "log = []\ny = x * 2\nz = y * 3\n"
                         "x.register_hook(lambda g: log.append(('x', g.tolist())))\n"
                         "y.register_hook(lambda g: log.append(('y first', g.tolist())))\n"
                         "y.register_hook(lambda g: log.append(('y second', g.tolist())) or g * 2)\n"
                         "z.register_hook(lambda g: log.append(('z', g.tolist())))\n"
                         "z.grad_fn.register_prehook(lambda gs: log.append(('z node pre', [g.tolist() for g in gs])))\n"
                         "z.grad_fn.register_hook(lambda gi, go: log.append(('z node post', "
                         "[g.tolist() if g is not None else None for g in gi], [g.tolist() for g in go])))\n"
                         "x.register_post_accumulate_grad_hook(\n"
                         "    lambda t: log.append(('x accumulated', t.grad.tolist())))\n"
                         "z.sum().backward()\nanswer = (log, x.grad)",
    "hook_order_two_branches": LEAF + "log = []\nb = x * 3\na = x * 2\nc = a + b\n"
                                      "a.register_hook(lambda g: log.append('a'))\n"
                                      "b.register_hook(lambda g: log.append('b'))\n"
                                      "x.register_hook(lambda g: log.append(('x', g.tolist())))\n"
                                      "c.sum().backward()\nanswer = log",
    # a diamond (h feeds two branches that meet again) over three leaves; c is used at two depths. Nodes run
    # newest first, each leaf's hook and post-accumulate hook as soon as its last consumer has run.
    "hook_order_diamond_several_leaves": (
        "log = []\n"
        "a = torch.tensor([1., 2.], requires_grad=True)\n"
        "b = torch.tensor([3., 4.], requires_grad=True)\n"
        "c = torch.tensor([5., 6.], requires_grad=True)\n"
        "h = a * b\nright = h * c\nright_scaled = right * 3\nleft = h + a\ntop = left * 2 + right_scaled + c\n"
        "for name, t in (('h', h), ('left', left), ('right', right), ('right_scaled', right_scaled), "
        "('top', top)):\n"
        "    t.register_hook(lambda g, name=name: log.append((name, g.tolist())))\n"
        "for name, t in (('a', a), ('b', b), ('c', c)):\n"
        "    t.register_hook(lambda g, name=name: log.append((name + ' hook', g.tolist())))\n"
        "    t.register_post_accumulate_grad_hook(\n"
        "        lambda t, name=name: log.append((name + ' accumulated', t.grad.tolist())))\n"
        "top.sum().backward()\nanswer = log"),
    "hook_replaces_leaf_gradient": LEAF + "x.register_hook(lambda g: g * 10)\n(x * 2).sum().backward()\n"
                                          "answer = x.grad",
    "hook_handle_remove": LEAF + "log = []\ny = x * 2\nh = y.register_hook(lambda g: log.append('fired'))\n"
                                 "h.remove()\ny.sum().backward()\nanswer = (log, x.grad)",
    "hook_and_retain_grad_order": LEAF + "y = x * 2\ny.retain_grad()\ny.register_hook(lambda g: g * 10)\n"
                                         "y.sum().backward()\nanswer = (y.grad, x.grad)",
    "hook_before_retain_grad": LEAF + "y = x * 2\ny.register_hook(lambda g: g * 10)\ny.retain_grad()\n"
                                      "y.sum().backward()\nanswer = (y.grad, x.grad)",
    "node_hook_replaces_grad_inputs": LEAF + "y = x * 2\n"
                                             "y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 7, None))\n"
                                             "y.sum().backward()\nanswer = x.grad",
    "node_prehook_replaces_grad_outputs": LEAF + "y = x * 2\n"
                                                 "y.grad_fn.register_prehook(lambda go: (go[0] * 5,))\n"
                                                 "y.sum().backward()\nanswer = x.grad",
    "hook_sees_autograd_grad": LEAF + "log = []\ny = x * 2\ny.register_hook(lambda g: log.append(g.tolist()))\n"
                                      "g, = torch.autograd.grad(y.sum(), x)\nanswer = (log, g)",
    "post_accumulate_hook_fires_per_backward": LEAF + "log = []\n"
                                                      "x.register_post_accumulate_grad_hook(\n"
                                                      "    lambda t: log.append(t.grad.tolist()))\n"
                                                      "(x * 2).sum().backward()\n(x * 3).sum().backward()\n"
                                                      "answer = log",
    # grad mode
    "no_grad_context": LEAF + "with torch.no_grad():\n    y = x * 2\nanswer = (y.requires_grad, y.grad_fn, "
                              "torch.is_grad_enabled())",
    "no_grad_in_place_on_leaf": LEAF + "with torch.no_grad():\n    x -= 0.5 * x\nanswer = (x, x.is_leaf, x._version)",
    "enable_grad_inside_no_grad": LEAF + "with torch.no_grad():\n    with torch.enable_grad():\n        y = x * 2\n"
                                         "answer = y.requires_grad",
    "no_grad_decorator": LEAF + "@torch.no_grad()\ndef f(t):\n    return t * 2\nanswer = (f(x).requires_grad, "
                                "torch.is_grad_enabled())",
    "no_grad_bare_decorator": LEAF + "@torch.no_grad\ndef f(t):\n    return t * 2\nanswer = f(x).requires_grad",
    "enable_grad_decorator": LEAF + "@torch.enable_grad()\ndef f(t):\n    return t * 2\n"
                                    "with torch.no_grad():\n    y = f(x)\nanswer = y.requires_grad",
    "set_grad_enabled_context": LEAF + "with torch.set_grad_enabled(False):\n    y = x * 2\n"
                                       "answer = (y.requires_grad, torch.is_grad_enabled())",
    "set_grad_enabled_call": LEAF + "torch.set_grad_enabled(False)\ny = x * 2\ninside = torch.is_grad_enabled()\n"
                                    "torch.set_grad_enabled(True)\nanswer = (y.requires_grad, inside, "
                                    "torch.is_grad_enabled())",
    "set_grad_enabled_decorator": LEAF + "@torch.set_grad_enabled(False)\ndef f(t):\n    return t * 2\n"
                                         "answer = (f(x).requires_grad, torch.is_grad_enabled())",
    "grad_mode_is_thread_local": "import threading\nseen = []\nwith torch.no_grad():\n"
                                 "    worker = threading.Thread(target=lambda: seen.append(torch.is_grad_enabled()))\n"
                                 "    worker.start()\n    worker.join()\n    seen.append(torch.is_grad_enabled())\n"
                                 "answer = seen",
}

ANSWERS = {**TENSOR_ANSWERS, **ENGINE_ANSWERS}


def run_program(library, name: str, code: str):
    """Run one program with ``torch`` bound to ``library``: (exception or None, namespace, warnings).

    Warnings are ``[category name, message]`` pairs; grad mode is switched back on afterwards, in case the
    program switched it off and failed before restoring it.
    """
    import warnings

    namespace = {"torch": library, "__name__": f"behaviour_{name}"}
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(code, f"<{name}>", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 -- what was raised is the result
            error = exc
    library.set_grad_enabled(True)
    return error, namespace, [[w.category.__name__, str(w.message)] for w in caught]


# PyTorch gives these once per process. minigrad gives the scalar one once too; the create_graph one never.
ONCE_PER_PROCESS_WARNINGS = (
    "Using backward() with create_graph=True will create a reference cycle",
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.",
)


def pytorch_words(message: str) -> str:
    """minigrad may end an error with a line naming the lesson that explains it; the rest must be PyTorch's."""
    return message.split("\n(minigrad: lesson")[0]


def comparable_warnings(caught) -> list:
    """Warnings as compared: first line only, without PyTorch's "(Triggered internally at ...)" note, and
    without NumPy's floating-point RuntimeWarnings (PyTorch produces nan and inf silently)."""
    result = []
    for category, message in caught:
        if category == "RuntimeWarning" and "encountered in" in message:
            continue
        if message.startswith(ONCE_PER_PROCESS_WARNINGS):
            continue  # whether it shows depends on what ran before in the process

        first_line = message.splitlines()[0] if message else message
        result.append([category, first_line.split(" (Triggered internally at")[0]])
    return result
