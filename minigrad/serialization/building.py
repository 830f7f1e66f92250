"""What both file formats share when loading: the nesting limit and turning an array into a tensor."""
from __future__ import annotations

from ..backend.array_files import ArchiveError

# Deeper structures are refused when saving and loading: a state dict is a few levels deep, and a limit keeps
# a crafted file from exhausting Python's recursion limit.
MAX_DEPTH = 200


def check_depth(depth: int, path: str) -> None:
    if depth > MAX_DEPTH:
        raise ArchiveError(f"has a structure nested more than {MAX_DEPTH} levels deep (at {path[:80]}...)")


def build_tensor(array, *, requires_grad: bool, parameter: bool, map_location):
    """A tensor (or ``nn.Parameter``) sharing memory with ``array``, moved to ``map_location`` if given."""
    from ..factories import from_numpy
    from ..nn.parameter import Parameter

    tensor = from_numpy(array)
    if requires_grad and not tensor.dtype.is_floating_point:
        raise ArchiveError(f"marks a {tensor.dtype} tensor as requiring grad; only floating point tensors "
                           "can require gradients")
    if map_location is not None and not callable(map_location):
        tensor = tensor.to(map_location)
    if parameter:
        return Parameter(tensor, requires_grad=requires_grad)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor
