"""Moving tensors between devices (``x.to('cuda')``, ``x.cpu()``), recorded like any other op."""
from __future__ import annotations

from ._device import as_device
from .autograd.function import Function
from .backend import backend_for_device, backend_of


class ToDevice(Function):
    """A copy to another device; the gradient travels back to the source device."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, target):
        ctx.source_device, ctx.target_device = a.device, target
        return _array_to(a._array, target)

    @staticmethod
    def backward(ctx, grad):
        return moved(grad, ctx.source_device), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return moved(tangent, ctx.target_device)


def _array_to(array, target):
    """``array`` copied to device ``target`` through host memory, by the two backends' transfer functions."""
    host = backend_of(array).to_host(array)
    return backend_for_device(target.type).from_host(host, target.index or 0)


def moved(value, target):
    """``value`` on device ``target``: an array (a backward pass that records nothing) is copied by the
    backends, a tensor through ``ToDevice`` so that the copy is recorded (create_graph). The rule's one
    question about what it holds: a transfer has no NumPy name."""
    from ._tensor import Tensor

    if isinstance(value, Tensor):
        return ToDevice.apply(value, target)
    return _array_to(value, target)


def to_device(tensor, target):
    """``tensor`` on ``target``: itself when it is already there, else a copy recorded as ToCopyBackward0."""
    target = as_device(target)
    backend_for_device(target.type)  # 'cuda' without CuPy or a GPU: the error that says which is missing
    current = tensor.device
    if current.type == target.type and (target.index is None or (current.index or 0) == target.index):
        return tensor
    return ToDevice.apply(tensor, target)
