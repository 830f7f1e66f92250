"""Moving tensors between devices (``x.to('cuda')``, ``x.cpu()``), recorded like any other op."""
from __future__ import annotations

from ._device import as_device
from .autograd.function import Function
from .backend import backend_for_device, backend_of


class ToDevice(Function):
    """A copy to another device; the gradient travels back to the source device."""

    node_name = "ToCopyBackward0"
    forward_on_arrays = True

    @staticmethod
    def forward(ctx, a, target):
        source_backend = backend_of(a._array)
        ctx.source_device, ctx.target_device = a.device, target
        host = source_backend.to_host(a._array)
        return backend_for_device(target.type).from_host(host, target.index or 0)

    @staticmethod
    def backward(ctx, grad):
        return ToDevice.apply(grad, ctx.source_device), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return ToDevice.apply(tangent, ctx.target_device)


def to_device(tensor, target):
    """``tensor`` on ``target``: itself when it is already there, else a copy recorded as ToCopyBackward0."""
    target = as_device(target)
    backend_for_device(target.type)  # 'cuda' without CuPy or a GPU: the error that says which is missing
    current = tensor.device
    if current.type == target.type and (target.index is None or (current.index or 0) == target.index):
        return tensor
    return ToDevice.apply(tensor, target)
