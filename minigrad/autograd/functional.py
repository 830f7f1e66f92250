"""``torch.autograd.functional``: Jacobians and their products, as functions of a function.

For ``f`` taking tensors ``x`` and returning tensors ``y`` with Jacobian ``J = ∂y/∂x``:

* ``vjp(f, x, v)``      -> ``(f(x), vᵀJ)``   one backward pass (what ``y.backward(v)`` computes);
* ``jvp(f, x, v)``      -> ``(f(x), J v)``   by the *double-backward trick*: vᵀJ is linear in v, so
                                             differentiating it w.r.t. v gives J (here: two backward passes;
                                             ``minigrad.func.jvp`` does it in one forward pass instead);
* ``jacobian(f, x)``    -> ``J``             one backward pass per output element (one row each), or
                                             one forward pass per input element with ``strategy="forward-mode"``;
* ``hessian(f, x)``     -> ``H``             the Jacobian of the gradient, for a scalar ``f``;
* ``vhp`` / ``hvp``     -> ``vᵀH`` / ``H v`` for a scalar ``f``.

Inputs and outputs are a Tensor or a tuple of Tensors; results come back with the same structure
(``jacobian(f, (x1, x2))`` is a tuple; with tuple outputs too it is a tuple of tuples, ``J[i][j]`` of shape
``output_i.shape + input_j.shape``). Arguments, results and error messages follow PyTorch 2.13. With
``vectorize=True`` PyTorch batches the passes with vmap; minigrad runs the same passes one by one, so the
results (and the errors) are the same.
"""
from __future__ import annotations

from . import forward_ad as fwAD
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ------------------------------------------------------------------------------------------ helpers
def _tensor_class():
    from .._tensor import Tensor

    return Tensor


def _zeros_like(tensor, requires_grad=False):
    from ..factories import zeros_like

    return zeros_like(tensor, requires_grad=requires_grad)


def _as_tuple(inp, arg_name, fn_name=None):
    """``(was it a tuple?, the tensors as a tuple)``, checking that every element is a Tensor."""
    Tensor = _tensor_class()
    is_inp_tuple = True
    if not isinstance(inp, tuple):
        inp = (inp,)
        is_inp_tuple = False
    for i, element in enumerate(inp):
        if not isinstance(element, Tensor):
            if is_inp_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                                f"but the value at index {i} has type {type(element)}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"the given {arg_name} has type {type(element)}.")
    return is_inp_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Undo ``_as_tuple``: unwrap the levels of ``res`` that the caller did not pass as tuples."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(element[0] for element in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    """Fresh tensors to differentiate with respect to, so that ``func`` never touches the caller's graph.

    With ``create_graph`` an input that requires grad stays connected (through a view) so the result can
    be differentiated again with respect to it; otherwise each input becomes a new leaf.
    """
    result = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            result.append(inp.view_as(inp))
        else:
            result.append(inp.detach().requires_grad_(need_graph))
    return tuple(result)


def _grad_postprocess(inputs, create_graph):
    """Detach the results unless the caller wants to differentiate them (works on nested tuples)."""
    if isinstance(inputs[0], _tensor_class()):
        if not create_graph:
            return tuple(inp.detach() for inp in inputs)
        return inputs
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _prepared_inputs(inputs, fn_name, create_graph):
    """``(was it a tuple?, fresh tensors to differentiate with respect to)`` (see ``_grad_preprocess``)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    return is_inputs_tuple, _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)


def _called(func, inputs, fn_name, strict):
    """``(was it a tuple?, the outputs as a tuple)`` of ``func(*inputs)``, checked to be Tensors (and, in
    strict mode, to require grad)."""
    is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    return is_outputs_tuple, outputs


_V_NONE_NEEDS_SINGLE_OUTPUT = ("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
_V_NONE_NEEDS_SINGLE_INPUT = ("The vector v can only be None if the input to the user-provided function is a "
                              "single Tensor with a single element.")


def _prepared_v(v, shaped_like, is_tuple, fn_name, create_graph, none_message):
    """``v`` as a tuple of fresh tensors checked against the sizes of ``shaped_like``; None stays None, allowed
    only when ``shaped_like`` is one single-element tensor (it then stands for 1)."""
    if v is None:
        if len(shaped_like) != 1 or shaped_like[0].nelement() != 1:
            raise RuntimeError(none_message)
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
    _validate_v(v, shaped_like, is_tuple)
    return v


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for index, (v_element, other_element) in enumerate(zip(v, other)):
        if v_element.size() != other_element.size():
            prepend = f"Entry {index} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {other_element.size()} but got "
                               f"{v_element.size()}.")


def _check_requires_grad(inputs, input_type, strict):
    """In strict mode, refuse results that are disconnected from the inputs (PyTorch's messages)."""
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode.")
        if not inp.requires_grad:
            if input_type == "hessian":
                raise RuntimeError(
                    f"The hessian of the user-provided function with respect to input {i} is independent of the "
                    "input. This is not allowed in strict mode. You should ensure that your function is thrice "
                    "differentiable and that the hessian depends on the inputs.")
            if input_type == "jacobian":
                raise RuntimeError(
                    "While computing the hessian, found that the jacobian of the user-provided function with "
                    f"respect to input {i} is independent of the input. This is not allowed in strict mode. You "
                    "should ensure that your function is twice differentiable and that the jacobian depends on "
                    "the inputs (this would be violated by a linear function for example).")
            if input_type == "grad_inputs":
                raise RuntimeError(f"The gradient with respect to input {i} is independent of the inputs of the "
                                   "user-provided function. This is not allowed in strict mode.")
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                               "must be computed in a differentiable manner from the input when running in strict "
                               "mode.")


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` over the outputs that require grad; None for inputs that none of them reaches."""
    from . import grad

    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_outputs, new_grad_outputs = (), ()
    for out, grad_out in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_outputs += (out,)
            new_grad_outputs += (grad_out,)
    if not new_outputs:
        return (None,) * len(inputs)
    return grad(new_outputs, inputs, new_grad_outputs, allow_unused=True, create_graph=create_graph,
                retain_graph=retain_graph)


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict "
            "mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in "
                  "strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed "
                   "in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _final_product(outputs, inputs, v, shaped_like, stage, create_graph, strict):
    """The backward pass that ends vjp/jvp/vhp/hvp: the gradient of ``outputs`` weighted by ``v`` w.r.t.
    ``inputs``, zeros (shaped like ``shaped_like``) where nothing reaches an input. It records only with
    ``create_graph`` or when the caller has grad mode on, as PyTorch."""
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        return _fill_in_zeros(grads, shaped_like, strict, create_graph, stage)


def _output_and_product(outputs, is_outputs_tuple, product, is_product_tuple, create_graph):
    """``(func(inputs), product)`` in the structure the caller used, detached unless ``create_graph``."""
    outputs = _tuple_postprocess(_grad_postprocess(outputs, create_graph), is_outputs_tuple)
    return outputs, _tuple_postprocess(_grad_postprocess(product, create_graph), is_product_tuple)


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    """Replace the None of an unreached input by zeros (the true derivative), or raise in strict mode."""
    result = ()
    for i, grad_i in enumerate(grads):
        if grad_i is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            grad_i = _zeros_like(refs[i])
        elif strict and create_graph and not grad_i.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode when create_graph=True.")
        result += (grad_i,)
    return result


# ------------------------------------------------------------------------------------------ vjp / jvp
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀJ)``: the vector-Jacobian product, shaped like ``inputs``.

    ``v`` is shaped like the output; it may be omitted when the output has a single element.
    """
    with enable_grad():
        is_inputs_tuple, inputs = _prepared_inputs(inputs, "vjp", create_graph)
        is_outputs_tuple, outputs = _called(func, inputs, "vjp", strict)
        v = _prepared_v(v, outputs, is_outputs_tuple, "vjp", create_graph, _V_NONE_NEEDS_SINGLE_OUTPUT)

    result = _final_product(outputs, inputs, v, inputs, "back", create_graph, strict)
    return _output_and_product(outputs, is_outputs_tuple, result, is_inputs_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, shaped like the output.

    Computed with the double-backward trick: ``g(u) = uᵀJ`` is linear in ``u``, so the gradient of
    ``g(u)·v`` with respect to ``u`` is ``J v`` (the value of ``u`` does not matter; zeros are used).
    ``v`` is shaped like ``inputs``; it may be omitted when the input has a single element.
    """
    with enable_grad():
        is_inputs_tuple, inputs = _prepared_inputs(inputs, "jvp", create_graph)
        v = _prepared_v(v, inputs, is_inputs_tuple, "jvp", create_graph, _V_NONE_NEEDS_SINGLE_INPUT)
        is_outputs_tuple, outputs = _called(func, inputs, "jvp", strict)
        grad_outputs = tuple(_zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)

    result = _final_product(grad_inputs, grad_outputs, v, outputs, "back_trick", create_graph, strict)
    return _output_and_product(outputs, is_outputs_tuple, result, is_outputs_tuple, create_graph)


# ------------------------------------------------------------------------------------------ jacobian
def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ``J[i][j]`` has shape ``output_i.shape + input_j.shape``.

    Reverse mode builds it row by row (one backward pass per output element); ``strategy="forward-mode"``
    column by column (one forward pass per input element; PyTorch requires ``vectorize=True`` for it).
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` and "
                                      '`strategy="forward-mode"` are not supported together (yet). Please either '
                                      'set `create_graph=False` or `strategy="reverse-mode"`.')
        return _jacfwd(func, inputs, strict, vectorize)

    with enable_grad():
        is_inputs_tuple, inputs = _prepared_inputs(inputs, "jacobian", create_graph)
        is_outputs_tuple, outputs = _called(func, inputs, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")

        from .._functions import stack

        jacobian_rows = ()
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)  # rows[j]: one gradient w.r.t. input j per element of `out`
            flat = out.reshape(-1)
            for element in range(out.nelement()):
                grads = _autograd_grad((flat[element],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (rows_j, grad, inp) in enumerate(zip(rows, grads, inputs)):
                    rows_j.append(_jacobian_entry(grad, inp, i, j, strict, create_graph))
            jacobian_rows += (tuple(stack(rows_j, dim=0).view(out.size() + inputs[j].size())
                                    for j, rows_j in enumerate(rows)),)

        jacobian_rows = _grad_postprocess(jacobian_rows, create_graph)
        return _tuple_postprocess(jacobian_rows, (is_outputs_tuple, is_inputs_tuple))


def _jacobian_entry(grad, inp, i, j, strict, create_graph):
    """Gradient of one element of output ``i`` w.r.t. input ``j``: zeros where it does not reach the input,
    or PyTorch's error in strict mode (its create_graph message names the output index as "input")."""
    if grad is None:
        if strict:
            raise RuntimeError(f"Output {i} of the user-provided function is independent of input {j}. This is "
                               "not allowed in strict mode.")
        return _zeros_like(inp)
    if strict and create_graph and not grad.requires_grad:
        raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. This is not "
                           "allowed in strict mode when create_graph=True.")
    return grad


def _jacfwd(func, inputs, strict=False, vectorize=False):
    """The Jacobian column by column: one forward-mode pass per input element, tangent = a basis vector."""
    if strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are '
                           'not supported together (yet). Please either set `strict=False` or '
                           '`strategy="reverse-mode"`.')
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                  "only implemented for `vectorize=True`.")
    from .._functions import stack

    columns = None  # columns[i][j]: for output i, one tangent per element of input j
    is_outputs_tuple = None
    primal_outputs = None
    for j, inp in enumerate(inputs):
        for element in range(inp.nelement()):
            with fwAD.dual_level():
                duals = tuple(fwAD.make_dual(x, _basis_vector(x, element) if k == j else _zeros_like(x))
                              for k, x in enumerate(inputs))
                is_outputs_tuple, dual_outputs = _as_tuple(func(*duals), "outputs")
                unpacked = [fwAD.unpack_dual(out) for out in dual_outputs]
            primal_outputs = [primal for primal, _ in unpacked]
            if columns is None:
                columns = [[[] for _ in inputs] for _ in dual_outputs]
            for i, (primal, tangent) in enumerate(unpacked):
                columns[i][j].append(tangent if tangent is not None else _zeros_like(primal))

    jacobians = []
    for i, output in enumerate(primal_outputs):
        row = []
        for j, inp in enumerate(inputs):
            # stack the columns last: shape output.shape + (input numel,), then unflatten the input dims
            row.append(stack(columns[i][j], dim=-1).reshape(tuple(output.shape) + tuple(inp.shape)))
        jacobians.append(row)
    return _tuple_postprocess(jacobians, (is_outputs_tuple, is_inputs_tuple))


def _basis_vector(tensor, index):
    """Zeros shaped like ``tensor`` with a one at flat position ``index``."""
    basis = _zeros_like(tensor)
    basis.view(-1)[index] = 1.0
    return basis


# ------------------------------------------------------------------------------------------ second order
def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: the Jacobian of its gradient.

    ``H[i][j]`` has shape ``input_i.shape + input_j.shape``. ``outer_jacobian_strategy="forward-mode"``
    differentiates the gradient in forward mode (forward-over-reverse; needs ``vectorize=True``).
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        return _single_output(func, inp, "hessian", strict).squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)  # the dual inputs become leaves of the inner pass
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _single_output(func, inputs, fn_name, strict):
    """``func(*inputs)``, refused in PyTorch's words unless it is one Tensor with one element."""
    is_outputs_tuple, outputs = _called(func, inputs, fn_name, strict)
    if is_outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single "
                           "element")
    return outputs[0]


def _scalar_function_and_gradient(func, inputs, v, create_graph, strict, name):
    """Shared start of vhp and hvp: checked inputs and v, the output (a 1-tuple), and its gradient (with a
    graph)."""
    is_inputs_tuple, inputs = _prepared_inputs(inputs, name, create_graph)
    v = _prepared_v(v, inputs, is_inputs_tuple, name, create_graph, _V_NONE_NEEDS_SINGLE_INPUT)
    outputs = (_single_output(func, inputs, name, strict),)
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict=strict)
    return is_inputs_tuple, inputs, v, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀH)`` for a scalar ``func``: the gradient of ``∇f · v``."""
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _scalar_function_and_gradient(
            func, inputs, v, create_graph, strict, "vhp")

    result = _final_product(jac, inputs, v, inputs, "double_back", create_graph, strict)
    return _output_and_product(outputs, False, result, is_inputs_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func``, by the double-backward trick on the gradient."""
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _scalar_function_and_gradient(
            func, inputs, v, create_graph, strict, "hvp")
        grad_jac = tuple(_zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)

    result = _final_product(double_back, grad_jac, v, inputs, "double_back_trick", create_graph, strict)
    return _output_and_product(outputs, False, result, is_inputs_tuple, create_graph)
