"""How ``Module.register_full_backward_hook`` reaches into the graph (PyTorch's ``BackwardHook``).

Around one module call, the tensors going in and the tensors coming out each pass through an identity
``Function`` (node ``BackwardHookFunctionBackward``). In backward, the output node sees ``grad_output`` first
(backward pre-hooks may replace it); the input node then sees ``grad_input`` and calls the user's hooks
with both, which may replace ``grad_input``. If no input requires grad, the hooks fire at the output node
with ``grad_input`` all ``None``.
"""
from __future__ import annotations

import warnings

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled


class BackwardHookFunction(Function):
    """Identity on the module's input (or output) tensors: its node is where backward hooks attach.

    Its graph node is ``BackwardHookFunctionBackward``, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, *tensors):
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return grads

    @staticmethod
    def jvp(ctx, *tangents):
        return tangents  # the identity carries tangents through unchanged


class BackwardHook:
    """Wires a module's full backward (pre-)hooks into the graph around one call, like PyTorch's
    ``torch.utils.hooks.BackwardHook``: the output node captures ``grad_output``, the input node calls
    the user hooks with ``(grad_input, grad_output)`` and may replace ``grad_input``."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_tensors_index = self.output_tensors_index = None

    @staticmethod
    def _pack_with_none(indices, values, size):
        packed = [None] * size
        for index, value in zip(indices, values):
            packed[index] = value
        return tuple(packed)

    def _apply_on_tensors(self, install, args):
        indices = [i for i, arg in enumerate(args) if isinstance(arg, Tensor)]
        tensors = [args[i] for i in indices]
        if not (any(t.requires_grad for t in tensors) and is_grad_enabled()):
            return args, None
        wrapped = BackwardHookFunction.apply(*tensors)
        if not isinstance(wrapped, tuple):
            wrapped = (wrapped,)
        node = next(t.grad_fn for t in wrapped if t.grad_fn is not None)
        install(node)
        new_args = list(args)
        for index, tensor in zip(indices, wrapped):
            new_args[index] = tensor
        return tuple(new_args), indices

    def setup_input_hook(self, args):
        def install(node):
            def hook(grad_inputs, _grad_outputs):
                if self.grad_outputs is None:
                    return None  # the gradient reached the inputs without passing through the outputs
                result = self._pack_with_none(self.input_tensors_index, grad_inputs, self.n_inputs)
                for user_hook in self.user_hooks:
                    replacement = user_hook(self.module, result, self.grad_outputs)
                    if replacement is None:
                        continue
                    if len(replacement) != len(result):
                        raise RuntimeError("Backward hook returned an invalid number of grad_input, got "
                                           f"{len(replacement)}, but expected {len(result)}")
                    result = replacement
                self.grad_outputs = None
                return tuple(result[i] for i in self.input_tensors_index)

            node.register_hook(hook)

        wrapped, indices = self._apply_on_tensors(install, args)
        self.n_inputs = len(args)
        self.input_tensors_index = indices
        return wrapped

    def setup_output_hook(self, result):
        def install(node):
            def hook(_grad_inputs, grad_outputs):
                self.grad_outputs = self._pack_with_none(self.output_tensors_index, grad_outputs,
                                                         self.n_outputs)
                for user_pre_hook in self.user_pre_hooks:
                    replacement = user_pre_hook(self.module, self.grad_outputs)
                    if replacement is None:
                        continue
                    if len(replacement) != len(self.grad_outputs):
                        raise RuntimeError("Backward pre hook returned an invalid number of grad_output, got "
                                           f"{len(replacement)}, but expected {len(self.grad_outputs)}")
                    self.grad_outputs = tuple(replacement)
                local_grad_outputs = self.grad_outputs
                if self.input_tensors_index is None:
                    # no input requires grad: the hooks fire now, with grad_input all None
                    warnings.warn("Full backward hook is firing when gradients are computed with respect to "
                                  "module outputs since no inputs require gradients. See "
                                  "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                                  "#torch.nn.Module.register_full_backward_hook for more details.", stacklevel=6)
                    grad_inputs = self._pack_with_none([], [], self.n_inputs)
                    for user_hook in self.user_hooks:
                        answer = user_hook(self.module, grad_inputs, self.grad_outputs)
                        if answer is not None and not (isinstance(answer, tuple)
                                                       and all(a is None for a in answer)):
                            raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                               "should always return None or None for all gradients.")
                    self.grad_outputs = None
                return tuple(local_grad_outputs[i] for i in self.output_tensors_index)

            node.register_hook(hook)

        is_tuple = isinstance(result, tuple)
        outputs = result if is_tuple else (result,)
        if not all(isinstance(o, Tensor) for o in outputs):
            warnings.warn("For backward hooks to be called, module output should be a Tensor or a tuple of "
                          "Tensors but received " + str(type(result)), stacklevel=3)
        wrapped, indices = self._apply_on_tensors(install, outputs)
        self.n_outputs = len(outputs)
        self.output_tensors_index = indices
        return wrapped if is_tuple else wrapped[0]
