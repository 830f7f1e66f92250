"""``minigrad.autograd``: backward, grad, Function, grad mode, anomaly detection and gradcheck."""
from __future__ import annotations

from .._lesson_hints import with_lesson
from ..backend import namespace_of, ndarray
from . import function, graph  # noqa: F401
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: F401
from .engine import run_backward
from .function import Function, FunctionCtx  # noqa: F401
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .variable import Variable  # noqa: F401


def _as_tuple(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _root_of(tensor, index):
    if not getattr(tensor, "_requires_grad", False):
        raise RuntimeError(with_lesson(f"element {index} of tensors does not require grad and does not have a "
                                       "grad_fn", "no_grad_fn"))
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_nr
    return tensor._grad_accumulator(), 0


def _make_grads(outputs, grad_outputs):
    grads = []
    for i, (output, grad) in enumerate(zip(outputs, grad_outputs)):
        if grad is None:
            array = output._array
            if array.size != 1:
                raise RuntimeError(with_lesson("grad can be implicitly created only for scalar outputs",
                                               "scalar_outputs"))
            if type(array) is ndarray:  # the usual loss: one number in host memory
                grad = function.plain(namespace_of(array).ones(array.shape, dtype=array.dtype))
            else:
                from ..factories import ones_like

                grad = ones_like(output)
        else:
            if not hasattr(grad, "_array"):
                raise TypeError(f"gradients can be either Tensors or None, but got {type(grad).__name__}")
            if grad.shape != output.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {grad.shape} and "
                                   f"output[{i}] has a shape of {output.shape}.")
            if type(grad._array) is not type(output._array):
                raise RuntimeError(f"invalid gradient at index {i} - expected device {output.device} but got "
                                   f"{grad.device}")
            if grad.dtype is not output.dtype:
                grad = grad.to(output.dtype)
        grads.append(grad)
    return grads


def _target_of(tensor):
    if not getattr(tensor, "_requires_grad", False):
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_nr
    return tensor._grad_accumulator(), 0


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensors`` (weighted by ``grad_tensors``)."""
    outputs = _as_tuple(tensors)
    grad_outputs = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grads = _make_grads(outputs, grad_outputs)  # pairs them up first, as PyTorch does (extra gradients are ignored)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    roots = [_root_of(t, i) for i, t in enumerate(outputs)]
    targets = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        targets = [_target_of(t) for t in inputs]
    captured = run_backward(roots, grads, retain_graph, create_graph, targets, accumulate=True)
    for tensor, grad in zip(inputs or (), captured):
        # leaves were accumulated by the engine; a non-leaf named in inputs gets its .grad here, as in PyTorch
        if tensor.grad_fn is not None and grad is not None:
            grad = grad if create_graph else grad.detach()
            tensor._grad = grad if tensor._grad is None else tensor._grad + grad


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned (not accumulated into ``.grad``)."""
    from ..factories import zeros_like

    outputs_tuple = _as_tuple(outputs)
    inputs_tuple = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if not allow_unused and materialize_grads:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    grad_outputs_tuple = _as_tuple(grad_outputs) or (None,) * len(outputs_tuple)
    grads = _make_grads(outputs_tuple, grad_outputs_tuple)
    if len(grads) != len(outputs_tuple):
        raise RuntimeError(f"got {len(outputs_tuple)} tensors and {len(grads)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    roots = [_root_of(t, i) for i, t in enumerate(outputs_tuple)]
    targets = [_target_of(t) for t in inputs_tuple]
    captured = run_backward(roots, grads, retain_graph, create_graph, targets, accumulate=False)
    result = []
    for i, (tensor, g) in enumerate(zip(inputs_tuple, captured)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = zeros_like(tensor)
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402,F401
from . import forward_ad  # noqa: E402,F401  (already loaded by function.py)


def __getattr__(name):
    # autograd.functional (jacobian, hessian, jvp, ...) loads on first use
    if name == "functional":
        import importlib

        return importlib.import_module(f"{__name__}.functional")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
