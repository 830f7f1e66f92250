"""Movement ops: they rearrange or select elements without computing new values.

view/reshape, flatten, unsqueeze/squeeze, transpose/t/permute, expand, cat/stack, split, indexing
(``x[...]``) and index assignment (``x[...] = v``, the ``CopySlices`` node).

They are linear, so each forward rule (``jvp``) moves the tangent exactly as forward moves the values.
Each backward rule is written once: on arrays while a backward pass records nothing, on tensors under
``create_graph`` (see ``minigrad/autograd/function.py``). The scatters that NumPy has no function for
(``put_into``, ``index_add``, ``diag_embed``) and indexing with NumPy's rules (``numpy_index``) are small
functions below that take arrays or tensors.
"""
from __future__ import annotations

from .._dtype import result_dtype
from .._tensor import Tensor  # defined by now: minigrad._tensor imports the ops last
from ..autograd.function import Function
from ..backend import as_array, backend_of, broadcast_to, namespace_of
from ._util import namespace_for, output_shape, sum_to
from .reductions import _one_axis, normalize_dims


def _shape_arg(shape):
    """Accept ``view(2, 3)`` and ``view((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def infer_shape(shape, numel: int):
    """Resolve one ``-1`` in ``shape``; PyTorch's error if the sizes cannot match."""
    shape = list(shape)
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for n in shape:
        if n != -1:
            if n < 0:
                raise RuntimeError(f"invalid shape dimension {n}")
            known *= n
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(map(int, shape))}' is invalid for input of size {numel}")
        shape[unknown[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(map(int, shape))}' is invalid for input of size {numel}")
    return tuple(shape)


def _is_view_of(result, array) -> bool:
    base = getattr(result, "base", None)
    return base is not None and (base is array or base is getattr(array, "base", None))


def reshape_needs_copy(array, shape) -> bool:
    """Can no view of ``array`` have ``shape``? (Then reshape copies, and PyTorch records the copy.)"""
    flags = getattr(array, "flags", None)
    if flags is None or flags.c_contiguous or array.size == 0:
        return False
    return not _is_view_of(array.reshape(shape), array)


class View(Function):
    node_name = "ViewBackward0"
    makes_view = True

    @staticmethod
    def forward(ctx, a, shape):
        array = a._array
        shape = infer_shape(shape, array.size)
        ctx.input_shape = array.shape
        out = array.reshape(shape)
        if out.size and not _is_view_of(out, array):  # NumPy, CuPy and strict arrays all keep `.base`
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead.")
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent.reshape(output_shape(ctx))


class Reshape(View):
    """``reshape``: a view when the memory layout allows, else a copy; PyTorch names both ViewBackward0
    (or UnsafeViewBackward0 for the copy) -- we use the first."""

    node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        array = a._array
        shape = infer_shape(shape, array.size)
        ctx.input_shape = array.shape
        return array.reshape(shape)


class Unsqueeze(Function):
    node_name = "UnsqueezeBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        array = a._array
        rank = array.ndim + 1
        if not -rank <= dim < rank:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                             f"but got {dim})")
        ctx.dim = dim % rank
        return namespace_of(array).expand_dims(array, ctx.dim)

    @staticmethod
    def backward(ctx, grad):
        return namespace_for(grad).squeeze(grad, axis=ctx.dim), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent.unsqueeze(ctx.dim)


class Squeeze(Function):
    """``squeeze()`` drops every size-1 dim."""

    node_name = "SqueezeBackward0"

    @staticmethod
    def forward(ctx, a, dim=None):
        array = a._array
        ctx.input_shape = array.shape
        if dim is None:
            dims = tuple(i for i, n in enumerate(array.shape) if n == 1)
        else:
            dims = tuple(d for d in normalize_dims(dim, array.ndim) if array.ndim and array.shape[d] == 1)
        return namespace_of(array).squeeze(array, axis=dims) if dims else array.reshape(array.shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent.reshape(output_shape(ctx))


class SqueezeDim(Squeeze):
    node_name = "SqueezeBackward1"


class Transpose(Function):
    node_name = "TransposeBackward0"

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        array = a._array
        axes = list(range(array.ndim))
        if array.ndim:
            d0, d1 = normalize_dims(dim0, array.ndim)[0], normalize_dims(dim1, array.ndim)[0]
            axes[d0], axes[d1] = axes[d1], axes[d0]
        ctx.dims = (dim0, dim1)
        return namespace_of(array).transpose(array, axes)

    @staticmethod
    def backward(ctx, grad):
        if grad.ndim == 0:  # a 0-d tensor transposes to itself
            return grad, None, None
        return namespace_for(grad).swapaxes(grad, *ctx.dims), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return tangent.transpose(*ctx.dims)


class T(Function):
    """``x.t()``: transpose of a matrix (a vector or scalar stays as it is)."""

    node_name = "TBackward0"

    @staticmethod
    def forward(ctx, a):
        array = a._array
        if array.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {array.ndim}D")
        return array.T

    @staticmethod
    def backward(ctx, grad):
        return namespace_for(grad).transpose(grad)  # reversed dims: a matrix transposed, else unchanged

    @staticmethod
    def jvp(ctx, tangent):
        return tangent.t()


class Permute(Function):
    node_name = "PermuteBackward0"

    @staticmethod
    def forward(ctx, a, dims):
        array = a._array
        dims = tuple(d % max(array.ndim, 1) for d in dims)
        if sorted(dims) != list(range(array.ndim)):
            raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not match "
                               "the length of the desired ordering of dimensions i.e. input.dim() = "
                               f"{array.ndim} is not equal to len(dims) = {len(dims)}")
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return namespace_of(array).transpose(array, dims)

    @staticmethod
    def backward(ctx, grad):
        return namespace_for(grad).transpose(grad, ctx.inverse), None

    @staticmethod
    def jvp(ctx, tangent, _):
        inverse = ctx.inverse  # forward's order is the inverse of the inverse
        return tangent.permute(tuple(sorted(range(len(inverse)), key=inverse.__getitem__)))


class Expand(Function):
    node_name = "ExpandBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        array = a._array
        shape = list(shape)
        if len(shape) < array.ndim:
            raise RuntimeError(f"expand(torch.FloatTensor{{{list(array.shape)}}}, size={shape}): the number of "
                               "sizes provided (%d) must be greater or equal to the number of dimensions in the "
                               "tensor (%d)" % (len(shape), array.ndim))
        lead = len(shape) - array.ndim
        for i, n in enumerate(shape):
            if n == -1:
                if i < lead:
                    raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                       f"non-existing dimension {i}")
                shape[i] = array.shape[i - lead]
            elif i >= lead and array.shape[i - lead] not in (1, n):
                raise RuntimeError(
                    f"The expanded size of the tensor ({n}) must match the existing size "
                    f"({array.shape[i - lead]}) at non-singleton dimension {i}.  Target sizes: {list(shape)}.  "
                    f"Tensor sizes: {list(array.shape)}")
        ctx.input_shape = array.shape
        return broadcast_to(array, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent.expand(output_shape(ctx))


def _promoted_arrays(arrays):
    """The arrays of cat/stack in their promoted dtype (int with float32 is float32, as PyTorch; NumPy says
    float64)."""
    dtype = arrays[0].dtype
    if all(array.dtype == dtype for array in arrays):
        return arrays
    dtype = result_dtype(*arrays).numpy
    return [array.astype(dtype, copy=False) for array in arrays]


class Cat(Function):
    node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        arrays = [t._array for t in tensors]
        if not arrays:
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        (axis,) = normalize_dims(dim, arrays[0].ndim)
        _check_cat_shapes(arrays, axis)
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return namespace_of(arrays[0]).concatenate(_promoted_arrays(arrays), axis=axis)

    @staticmethod
    def backward(ctx, grad):
        pieces = []
        start = 0
        for size in ctx.sizes:
            pieces.append(grad[(slice(None),) * ctx.axis + (slice(start, start + size),)])
            start += size
        return (None, *pieces)

    @staticmethod
    def jvp(ctx, _, *tangents):
        shape = list(output_shape(ctx))
        present = next(t for t in tangents if t is not None)
        pieces = []
        for size, tangent in zip(ctx.sizes, tangents):
            if tangent is None:  # an input without a tangent contributes zeros of its own shape
                shape[ctx.axis] = size
                tangent = _zeros_beside(present, shape)
            pieces.append(tangent)
        return Cat.apply(ctx.axis, *pieces)


class Stack(Function):
    node_name = "StackBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        arrays = [t._array for t in tensors]
        if not arrays:
            raise RuntimeError("stack expects a non-empty TensorList")
        first = arrays[0].shape
        for i, a in enumerate(arrays):
            if a.shape != first:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                                   f"and {list(a.shape)} at entry {i}")
        rank = arrays[0].ndim + 1
        if not -rank <= dim < rank:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got "
                             f"{dim})")
        ctx.axis = dim % rank
        return namespace_of(arrays[0]).stack(_promoted_arrays(arrays), axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad):
        return (None, *(grad[(slice(None),) * ctx.axis + (i,)] for i in range(grad.shape[ctx.axis])))

    @staticmethod
    def jvp(ctx, _, *tangents):
        shape = list(output_shape(ctx))
        del shape[ctx.axis]
        present = next(t for t in tangents if t is not None)
        return Stack.apply(ctx.axis, *(t if t is not None else _zeros_beside(present, shape) for t in tangents))


def _check_cat_shapes(arrays, axis) -> None:
    first = arrays[0]
    for number, array in enumerate(arrays[1:], 1):
        if array.ndim != first.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {first.ndim} and {array.ndim}")
        for d, (expected, got) in enumerate(zip(first.shape, array.shape)):
            if d != axis and expected != got:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. Expected size "
                                   f"{expected} but got size {got} for tensor number {number} in the list.")


def _zeros_beside(tensor, shape):
    """Zeros of ``shape`` with ``tensor``'s dtype and device: the tangent of an input that has none."""
    array = tensor._array
    return Tensor._make(namespace_of(array).zeros(tuple(shape), dtype=array.dtype), False, None, 0)


# ----------------------------------------------------------------------------------------- indexing
def prepare_index(index):
    """An index as the backend understands it (tensors inside it become arrays)."""
    if isinstance(index, tuple):
        return tuple(_index_part(part) for part in index)
    return _index_part(index)


def _index_part(part):
    array = getattr(part, "_array", None)
    if array is not None:
        return array
    if isinstance(part, list):
        return [getattr(p, "_array", p) for p in part]
    return part


def index_kind(index) -> str:
    """The PyTorch node name of ``x[index]``: Select for ints, Slice for slices, Index for the rest."""
    parts = index if isinstance(index, tuple) else (index,)
    kinds = set()
    for part in parts:
        if isinstance(part, bool) or (hasattr(part, "shape") and getattr(part, "ndim", 1) > 0) or isinstance(
                part, list):
            return "IndexBackward0"
        if isinstance(part, int) or (hasattr(part, "shape") and part.ndim == 0):
            kinds.add("select")
        elif isinstance(part, slice):
            kinds.add("slice")
        elif part is None:
            kinds.add("none")
    if kinds == {"none"}:
        return "UnsqueezeBackward0"
    if "slice" in kinds:
        return "SliceBackward0"
    return "SelectBackward0"


def numpy_index(x, key):
    """``x[key]`` with NumPy's rules on a whole key (an array or a tensor): how a scatter's gradient reads
    back the positions it wrote. (A tensor's own ``x[key]`` follows PyTorch's chain of steps instead.)"""
    if isinstance(x, Tensor):
        return Index.apply(x, key)
    return x[key]


def put_into(values, key, shape):
    """Zeros of ``shape`` with ``values`` (an array or a tensor) added at ``key``, repeated positions adding
    up: the gradient of reading ``x[key]``. NumPy has no function for it (``np.add.at`` is a ufunc method,
    and CuPy spells it ``cupyx.scatter_add``), so here is one, recorded as IndexPutInto on tensors."""
    if isinstance(values, Tensor):
        return IndexPutInto.apply(values, key, shape)
    backend = backend_of(values)
    out = backend.xp.zeros(shape, dtype=values.dtype)
    backend.scatter_add(out, key, values)
    return out


class Index(Function):
    """``x[key]`` with NumPy's rules (an advanced-index step of ``x[...]``, or a gradient read back); the
    gradient goes back to the selected positions."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, a, index):
        array = a._array
        ctx.index = index
        ctx.input_shape = array.shape
        try:
            return array[index]
        except IndexError as error:
            raise IndexError(str(error).replace("axis", "dimension")) from None

    @staticmethod
    def backward(ctx, grad):
        return put_into(grad, ctx.index, ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return type(ctx)._forward_cls.apply(tangent, ctx.index)  # select the same elements of the tangent


class SelectByKey(Index):
    """``Index`` under the node name PyTorch gives an integer index."""

    node_name = "SelectBackward0"


class SliceByKey(Index):
    """``Index`` under the node name PyTorch gives a slice (``Narrow``'s tangent)."""

    node_name = "SliceBackward0"


class UnsqueezeByKey(Index):
    """``Index`` under the node name PyTorch gives ``x[None]``."""

    node_name = "UnsqueezeBackward0"


INDEX_FUNCTIONS = {cls.node_name: cls for cls in (SelectByKey, SliceByKey, Index, UnsqueezeByKey)}


class IndexPutInto(Function):
    """Zeros of ``shape`` with ``values`` added at ``index`` (repeated indices add up)."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, values, index, shape):
        ctx.index = index
        return put_into(values._array, index, shape)

    @staticmethod
    def backward(ctx, grad):
        return numpy_index(grad, ctx.index), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return IndexPutInto.apply(tangent, ctx.index, output_shape(ctx))


class CopySlices(Function):
    """``x[index] = value``: writes into x's own array; x's history continues through this node."""

    node_name = "CopySlices"
    node_display_name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(ctx, target, index, value):
        array = target._array
        value_array = getattr(value, "_array", value)
        array[index] = value_array
        ctx.index = index
        ctx.value_shape = getattr(value_array, "shape", ())
        return array

    @staticmethod
    def backward(ctx, grad):
        grad_target = namespace_for(grad).copy(grad)
        grad_target[ctx.index] = 0  # on a tensor (create_graph) the write is recorded, as the rule's others
        grad_value = None
        if ctx.needs_input_grad[2]:
            # forward wrote with NumPy's indexing rules, so read back with them (not x[...]'s PyTorch chain)
            grad_value = numpy_index(grad, ctx.index)
        return grad_target, None, grad_value

    @staticmethod
    def jvp(ctx, tangent_target, _, tangent_value):
        # the target's tangent with the written positions replaced by the value's tangent
        if tangent_target is None:
            tangent = _zeros_beside(tangent_value, output_shape(ctx))
        else:
            tangent = tangent_target.clone()
        tangent[ctx.index] = 0.0 if tangent_value is None else tangent_value
        return tangent


class Narrow(Function):
    node_name = "SliceBackward0"

    @staticmethod
    def forward(ctx, a, dim, start, length):
        array = a._array
        (axis,) = normalize_dims(dim, array.ndim)
        if start < 0:  # counted from the end, as in PyTorch
            start += array.shape[axis]
        index = (slice(None),) * axis + (slice(start, start + length),)
        ctx.index, ctx.input_shape = index, array.shape
        return array[index]

    @staticmethod
    def backward(ctx, grad):
        return put_into(grad, ctx.index, ctx.input_shape), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return INDEX_FUNCTIONS["SliceBackward0"].apply(tangent, ctx.index)


# ----------------------------------------------------------------------------------------- PyTorch's indexing
# ``x[index]`` runs as PyTorch runs it: one basic step per index part (select for an integer, slice, unsqueeze
# for None), then one advanced-index step for the index tensors and lists. So the recorded nodes are PyTorch's
# (``x[0, 1]`` is SelectBackward0 <- SelectBackward0), and so is the result shape where NumPy's rules differ
# (``x[0, :, [0, 1]]`` on a (2, 3, 4) tensor is (3, 2) in PyTorch, (2, 3) in NumPy).

def _take(tensor, key):
    """``tensor[key]`` with NumPy's rules on a full key: the tangent of a basic indexing step."""
    return INDEX_FUNCTIONS["IndexBackward0"].apply(tensor, key)


class Select(Function):
    """``x[i]`` along one dim: a view with that dim removed."""

    node_name = "SelectBackward0"

    @staticmethod
    def forward(ctx, a, dim, index, indexed_dim=None):
        array = a._array
        if array.ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        size = array.shape[dim]
        if not -size <= index < size:
            # name the dim of the tensor the user indexed, not of the intermediate view
            shown = dim if indexed_dim is None else indexed_dim
            raise IndexError(f"index {index} is out of bounds for dimension {shown} with size {size}")
        # the Ellipsis keeps a 0-d result an array view (NumPy would hand back a detached scalar)
        ctx.key, ctx.input_shape = (slice(None),) * dim + (index, Ellipsis), array.shape
        return array[ctx.key]

    @staticmethod
    def backward(ctx, grad):
        return put_into(grad, ctx.key, ctx.input_shape), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return _take(tangent, ctx.key)


class Slice(Function):
    """``x[start:stop:step]`` along one dim (bounds already normalised): a view."""

    node_name = "SliceBackward0"

    @staticmethod
    def forward(ctx, a, dim, start, stop, step):
        array = a._array
        ctx.key, ctx.input_shape = (slice(None),) * dim + (slice(start, stop, step),), array.shape
        return array[ctx.key]

    @staticmethod
    def backward(ctx, grad):
        return put_into(grad, ctx.key, ctx.input_shape), None, None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return _take(tangent, ctx.key)


class Alias(Function):
    """``x[...]`` or ``x[:, :]``: the same elements, a new view."""

    node_name = "AliasBackward0"

    @staticmethod
    def forward(ctx, a):
        return a._array[...]

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def jvp(ctx, tangent):
        return tangent


def _is_array(part) -> bool:
    return hasattr(part, "shape") and hasattr(part, "dtype")


def _is_integer(part) -> bool:
    if isinstance(part, bool):
        return False
    if isinstance(part, int):
        return True
    return _is_array(part) and part.ndim == 0 and part.dtype.kind in "iu"


def _is_boolean_scalar(part) -> bool:
    return isinstance(part, bool) or (_is_array(part) and part.ndim == 0 and part.dtype.kind == "b")


def index_plan(index, shape, slice_alone_is_a_step: bool = True) -> list:
    """The steps of ``x[index]`` for a tensor of ``shape``: ``("select", dim, i)``, ``("slice", dim, start, stop,
    step)``, ``("unsqueeze", dim)``, ``("index", key)`` (advanced, last) or ``("alias",)``.

    Full slices inside a tuple are skipped, as PyTorch skips them; a lone ``x[:]`` is still a slice step for
    reading (``slice_alone_is_a_step``) but not for writing, again as in PyTorch.
    """
    alone = type(index) is not tuple
    parts = (index,) if alone else index
    if any(type(part) is list for part in parts):
        parts = [_list_index(part) if type(part) is list else part for part in parts]
    ndim = len(shape)
    consumed = 0
    for part in parts:
        kind = type(part)
        if kind is int or kind is slice:  # the common parts first: this runs for every x[...]
            consumed += 1
        elif part is None or part is Ellipsis or _is_boolean_scalar(part):
            continue
        else:
            consumed += part.ndim if _is_array(part) and part.dtype.kind == "b" else 1
    if consumed > ndim:
        if ndim == 0 and alone and _is_integer(parts[0]):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        if ndim == 0 and alone and isinstance(parts[0], slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    steps, advanced = [], []
    current = list(shape)
    dim = 0  # position in the tensor as transformed by the steps so far
    indexed_dim = 0  # position in the tensor being indexed (for error messages)
    expanded = False
    for part in parts:
        if type(part) is int:
            steps.append(("select", dim, part, indexed_dim))
            del current[dim]
            indexed_dim += 1
        elif part is Ellipsis:
            if not expanded:  # a second ellipsis stands for no dims (PyTorch accepts it)
                dim += ndim - consumed
                indexed_dim += ndim - consumed
                expanded = True
        elif part is None:
            steps.append(("unsqueeze", dim))
            current.insert(dim, 1)
            dim += 1
        elif _is_boolean_scalar(part):  # x[True]: a new dim of size 1, kept (or emptied by False)
            steps.append(("unsqueeze", dim))
            current.insert(dim, 1)
            advanced.append((dim, [0] if bool(part) else [], 1))
            dim += 1
        elif _is_integer(part):
            steps.append(("select", dim, int(part), indexed_dim))
            del current[dim]
            indexed_dim += 1
        elif isinstance(part, slice):
            if part.step is not None and part.step <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, step = part.indices(current[dim])
            length = len(range(start, stop, step))
            # PyTorch skips a slice that is whole as written: start 0 or None, step 1, stop None or past the end
            # (x[-2:] on a size-2 dim is still a slice step)
            whole = (part.start is None or part.start == 0) and (part.step is None or part.step == 1) and (
                part.stop is None or part.stop >= current[dim])
            if (alone and slice_alone_is_a_step) or not whole:
                steps.append(("slice", dim, start, max(stop, start), step))
                current[dim] = length
            dim += 1
            indexed_dim += 1
        elif _is_array(part):
            if part.dtype.kind == "b":
                advanced.append((dim, part, part.ndim))
                dim += part.ndim
                indexed_dim += part.ndim
            elif part.dtype.kind in "iu":
                advanced.append((dim, part, 1))
                dim += 1
                indexed_dim += 1
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {type(part).__name__})")
    if advanced:
        key, position = [], 0
        for start, array, width in advanced:
            key.extend([slice(None)] * (start - position))
            key.append(array)
            position = start + width
        steps.append(("index", tuple(key)))
    if not steps:
        steps.append(("alias",))
    return steps


def _list_index(part):
    """A Python list used as an index: an integer (or bool) array, as PyTorch reads it."""
    array = as_array([getattr(p, "_array", p) for p in part])  # a host array, as NumPy's
    return array if array.size else array.astype("int64")


def is_advanced_index(index) -> bool:
    """Does ``x[index] = v`` go through index_put (index tensors, lists or masks) rather than a view?"""
    return index_kind(index) == "IndexBackward0"


# ----------------------------------------------------------------------------------------- split and unbind
class Split(Function):
    """``x.split(size, dim)`` / ``x.chunk(n, dim)``: one node, one output per piece (views)."""

    node_name = "SplitBackward0"

    @staticmethod
    def forward(ctx, a, sizes, dim):
        array = a._array
        (axis,) = normalize_dims(dim, array.ndim)
        ctx.axis, ctx.sizes = axis, tuple(sizes)
        pieces, start = [], 0
        for length in sizes:
            pieces.append(array[(slice(None),) * axis + (slice(start, start + length),)])
            start += length
        return tuple(pieces)

    @staticmethod
    def backward(ctx, *grads):
        return namespace_for(grads[0]).concatenate(grads, axis=ctx.axis), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return Split.apply(tangent, ctx.sizes, ctx.axis)


class SplitWithSizes(Split):
    """``x.split([sizes], dim)``: PyTorch's other overload, so another name."""

    node_name = "SplitWithSizesBackward0"


class Unbind(Function):
    """``x.unbind(dim)``: every slice along ``dim`` as its own output."""

    node_name = "UnbindBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        array = a._array
        (axis,) = normalize_dims(dim, array.ndim)
        ctx.axis = axis
        return tuple(array[(slice(None),) * axis + (i, Ellipsis)] for i in range(array.shape[axis]))

    @staticmethod
    def backward(ctx, *grads):
        return namespace_for(grads[0]).stack(grads, axis=ctx.axis), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return Unbind.apply(tangent, ctx.axis)


# ----------------------------------------------------------------------------------------- whole-tensor writes
# In-place ops that overwrite every element: the old values get a zero gradient (so a leaf behind them ends up
# with a zero .grad, not None, as in PyTorch), the written value gets the gradient.

class Zero(Function):
    """``x.zero_()``."""

    node_name = "ZeroBackward0"

    @staticmethod
    def forward(ctx, target):
        array = target._array
        return namespace_of(array).zeros_like(array)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0

    @staticmethod
    def jvp(ctx, tangent):
        return tangent * 0


class Fill(Function):
    """``x.fill_(number)``."""

    node_name = "FillBackward2"

    @staticmethod
    def forward(ctx, target, value):
        array = target._array
        fill = getattr(value, "_array", value)
        if getattr(fill, "ndim", 0) != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {fill.ndim} "
                               "dimensions.")
        return namespace_of(array).full_like(array, fill)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, grad.sum() if ctx.needs_input_grad[1] else None

    @staticmethod
    def jvp(ctx, tangent, tangent_value):
        # every position now holds the value: its tangent, broadcast by the engine (zeros without one)
        return tangent * 0 if tangent_value is None else tangent_value


class FillTensor(Fill):
    """``x.fill_(tensor)`` with a 0-d tensor: PyTorch's other overload."""

    node_name = "FillBackward3"


class Copy(Function):
    """``x.copy_(source)``: source broadcast to x's shape and converted to x's dtype."""

    node_name = "CopyBackwards"
    node_display_name = "torch::autograd::CopyBackwards"

    @staticmethod
    def forward(ctx, target, source):
        array = target._array
        xp = namespace_of(array)
        return xp.broadcast_to(source._array, array.shape).astype(array.dtype)

    @staticmethod
    def backward(ctx, grad):
        # the engine sums the gradient to the source's shape and converts it to the source's dtype
        return grad * 0, grad

    @staticmethod
    def jvp(ctx, tangent, tangent_source):
        return tangent * 0 if tangent_source is None else tangent_source  # broadcast and cast by the engine


class IndexPut(CopySlices):
    """``x[index_tensor] = v`` (advanced index): PyTorch records index_put_, not a view copy."""

    node_name = "IndexPutBackward0"


class Repeat(Function):
    """``x.repeat(*sizes)``: x tiled ``sizes`` times; each element's gradient is the sum over its copies."""

    node_name = "RepeatBackward0"

    @staticmethod
    def forward(ctx, a, sizes):
        array = a._array
        sizes = tuple(sizes)
        if len(sizes) < array.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                               "tensor")
        shape = (1,) * (len(sizes) - array.ndim) + array.shape
        ctx.sizes, ctx.shape, ctx.input_shape = sizes, shape, array.shape
        return namespace_of(array).tile(array.reshape(shape), sizes)

    @staticmethod
    def backward(ctx, grad):
        # (r0 * s0, r1 * s1, ...) viewed as (r0, s0, r1, s1, ...): the copies lie along the r axes
        split = [n for pair in zip(ctx.sizes, ctx.shape) for n in pair]
        summed = grad.reshape(tuple(split)).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return Repeat.apply(tangent, ctx.sizes)


# ----------------------------------------------------------------------------------------- flip, roll, triangles,
# diagonals, index_select
class Flip(Function):
    """``x.flip(dims)``: reversed along each of ``dims`` (a copy, as PyTorch's)."""

    node_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, a, dims):
        array = a._array
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        axes = [normalize_dims(d, array.ndim) for d in dims]
        seen = set()
        for d, axis in zip(dims, axes):
            if axis and axis[0] in seen:
                raise RuntimeError(f"dim {axis[0]} appears multiple times in the list of dims")
            seen.update(axis)
        ctx.axes = tuple(seen)
        return namespace_of(array).flip(array, axis=ctx.axes).copy() if ctx.axes else array.copy()

    @staticmethod
    def jvp(ctx, tangent, _):
        return Flip.apply(tangent, ctx.axes)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.axes:
            return grad, None
        return namespace_for(grad).flip(grad, axis=ctx.axes), None  # flipping is its own transpose


class Roll(Function):
    """``x.roll(shifts, dims)``: elements shifted along ``dims`` and wrapped around; with no dims, along the
    flattened tensor."""

    node_name = "RollBackward0"

    @staticmethod
    def forward(ctx, a, shifts, dims=None):
        array = a._array
        shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
        dims = () if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
        if not shifts:
            raise RuntimeError("`shifts` required")
        if dims and len(shifts) != len(dims) or not dims and len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
        axes = tuple(normalize_dims(d, array.ndim)[0] if array.ndim else 0 for d in dims)
        ctx.shifts, ctx.dims, ctx.axes = shifts, dims, axes
        xp = namespace_of(array)
        if array.ndim == 0:
            return array.copy()
        if not axes:
            return xp.roll(array.reshape(-1), shifts[0]).reshape(array.shape)
        return xp.roll(array, shifts, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        if grad.ndim == 0:
            return grad, None, None
        back = tuple(-s for s in ctx.shifts)  # rolled back, along the same dims (the flattened tensor if none)
        return namespace_for(grad).roll(grad, back, axis=ctx.axes or None), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return Roll.apply(tangent, ctx.shifts, ctx.dims or None)


class Tril(Function):
    """``x.tril(diagonal)``: the lower triangle of the last two dims (on and below ``diagonal``), zeros above."""

    node_name = "TrilBackward0"

    @staticmethod
    def forward(ctx, a, diagonal=0):
        return _triangle(ctx, a, diagonal, Tril)

    @staticmethod
    def backward(ctx, grad):
        return namespace_for(grad).tril(grad, k=ctx.diagonal), None  # the same mask, as the op is linear

    @staticmethod
    def jvp(ctx, tangent, _):
        return Tril.apply(tangent, ctx.diagonal)


class Triu(Function):
    """``x.triu(diagonal)``: the upper triangle of the last two dims (on and above ``diagonal``)."""

    node_name = "TriuBackward0"

    @staticmethod
    def forward(ctx, a, diagonal=0):
        return _triangle(ctx, a, diagonal, Triu)

    @staticmethod
    def backward(ctx, grad):
        return namespace_for(grad).triu(grad, k=ctx.diagonal), None  # the same mask, as the op is linear

    @staticmethod
    def jvp(ctx, tangent, _):
        return Triu.apply(tangent, ctx.diagonal)


def _triangle(ctx, a, diagonal, function):
    array = a._array
    which = function.__name__.lower()  # tril or triu
    if array.ndim < 2:
        raise RuntimeError(f"{which}: input tensor must have at least 2 dimensions")
    ctx.diagonal = diagonal
    return getattr(namespace_of(array), which)(array, diagonal)


def diag_embed(values, diagonal, shape):
    """Zeros of ``shape`` (a matrix) with the vector ``values`` (an array or a tensor) along diagonal
    ``diagonal``: the gradient of taking a diagonal. NumPy has no function for it (``np.diag`` makes only the
    smallest square matrix), so here is one, recorded as DiagEmbed on tensors."""
    if isinstance(values, Tensor):
        return DiagEmbed.apply(values, diagonal, shape)
    xp = namespace_of(values)
    out = xp.zeros(shape, dtype=values.dtype)
    out[_diagonal_positions(xp, values.shape[0], diagonal)] = values
    return out


def diagonal_of(matrix, diagonal):
    """Diagonal ``diagonal`` of ``matrix`` (an array or a tensor) as a vector of its own (NumPy's
    ``diagonal`` is a read-only view, which must not become a tensor's ``.grad``); Diagonal on tensors."""
    if isinstance(matrix, Tensor):
        return Diagonal.apply(matrix, diagonal)
    return namespace_of(matrix).diagonal(matrix, diagonal).copy()


def _diagonal_positions(xp, length: int, diagonal: int):
    """Row and column indices of the ``length`` elements of diagonal ``diagonal`` (above the main one if > 0)."""
    positions = xp.arange(length)
    return positions + max(-diagonal, 0), positions + max(diagonal, 0)


class DiagEmbed(Function):
    """``v.diag(diagonal)`` of a vector: a matrix, zero but for ``v`` along diagonal ``diagonal``; ``shape``
    (the backward of ``Diagonal``) gives the matrix another shape than the smallest square one."""

    node_name = "DiagEmbedBackward0"

    @staticmethod
    def forward(ctx, a, diagonal=0, shape=None):
        array = a._array
        if shape is None:
            shape = (array.shape[0] + abs(diagonal),) * 2
        ctx.diagonal = diagonal
        return diag_embed(array, diagonal, shape)

    @staticmethod
    def backward(ctx, grad):
        return diagonal_of(grad, ctx.diagonal), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        return DiagEmbed.apply(tangent, ctx.diagonal, output_shape(ctx))


class Diagonal(Function):
    """``x.diag(diagonal)`` of a matrix: its diagonal ``diagonal`` as a vector (a copy)."""

    node_name = "DiagonalBackward0_copy"  # PyTorch's name: diag() copies the diagonal view

    @staticmethod
    def forward(ctx, a, diagonal=0):
        array = a._array
        ctx.diagonal, ctx.input_shape = diagonal, array.shape
        return diagonal_of(array, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return diag_embed(grad, ctx.diagonal, ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return Diagonal.apply(tangent, ctx.diagonal)


class IndexSelect(Function):
    """``x.index_select(dim, index)``: the slices at ``index`` (a vector of int64 or int32) along ``dim``."""

    node_name = "IndexSelectBackward0"
    nondifferentiable_args = (2,)  # the index

    @staticmethod
    def forward(ctx, a, dim, index):
        array, index_array = a._array, index._array
        if index_array.dtype.kind not in "iu" or index_array.dtype.itemsize not in (4, 8):
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        if index_array.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        axis = _one_axis(dim, array.ndim)
        size = array.shape[axis] if array.ndim else 1
        if index_array.size:
            _check_selected(index_array.reshape(-1), size, axis == 1 and array.ndim > 1)
        ctx.axis, ctx.input_shape = axis, array.shape
        ctx.save_for_backward(index)
        if array.ndim == 0:
            return array.copy()
        return namespace_of(array).take(array, index_array.reshape(-1), axis=axis)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        if not ctx.input_shape:
            return grad, None, None
        return index_add(grad, ctx.axis, index, ctx.input_shape), None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        index, = ctx.saved_tensors
        return IndexSelect.apply(tangent, ctx.axis, index)


def _check_selected(index_array, size: int, along_dim1: bool) -> None:
    """PyTorch's errors for indices outside ``[0, size)``; its CPU kernel has its own path, with its own
    words, for dim 1."""
    if size == 0:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    outside = (index_array < 0) | (index_array >= size)
    if not bool(outside.any()):
        return
    if along_dim1:  # the first bad index, in order
        first = int(index_array[int(outside.argmax())])
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={first} axis_dim={size}")
    raise IndexError("index out of range in self")


def index_add(values, axis, index, shape):
    """Zeros of ``shape`` with the slices of ``values`` added at ``index`` (a vector, repeats adding up) along
    ``axis``; ``values`` and ``index`` are both arrays or both tensors. NumPy has no function for it, so here
    is one, recorded as IndexAdd on tensors."""
    if isinstance(values, Tensor):
        return IndexAdd.apply(values, axis, index, shape)
    return put_into(values, (slice(None),) * axis + (index.reshape(-1),), shape)


class IndexAdd(Function):
    """Zeros of ``shape`` with the slices of ``values`` added at ``index`` along ``axis`` (repeats add up):
    the backward of ``index_select``."""

    node_name = "IndexAddBackward0"
    nondifferentiable_args = (2,)

    @staticmethod
    def forward(ctx, values, axis, index, shape):
        ctx.axis = axis
        ctx.save_for_backward(index)
        return index_add(values._array, axis, index._array, shape)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return namespace_for(grad).take(grad, index.reshape(-1), axis=ctx.axis), None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        index, = ctx.saved_tensors
        return IndexAdd.apply(tangent, ctx.axis, index, output_shape(ctx))
