"""All parameters as one flat vector and back (what second-order methods and weight averaging use)."""
from __future__ import annotations

from ..._functions import cat
from ..._tensor import Tensor
from ..module import _typename


def _check_same_device(param: Tensor, device):
    if device is not None and param.device != device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return param.device


def parameters_to_vector(parameters) -> Tensor:
    """One 1-D tensor of every parameter's values, in order (recorded: a ``CatBackward0`` node)."""
    device, pieces = None, []
    for param in parameters:
        device = _check_same_device(param, device)
        pieces.append(param.view(-1))
    return cat(pieces)


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (each takes ``param.numel()`` values, shaped
    like the parameter; the parameters then share ``vec``'s storage, as in PyTorch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    device, pointer = None, 0
    for param in parameters:
        device = _check_same_device(param, device)
        count = param.numel()
        param.data = vec[pointer:pointer + count].view_as(param).data
        pointer += count
