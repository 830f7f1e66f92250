"""Matrix products: mm, mv, dot, bmm, addmm and ``@`` (matmul), which picks one of them like PyTorch.

Every product is bilinear, so its forward rule is the product rule: d(AB) = dA·B + A·dB, and its backward
rule multiplies the gradient by the other factor, transposed: written with ``@``, ``.T`` and
``namespace_for(grad).swapaxes``, it runs on arrays and on tensors alike (see ``ops/tensor_numpy.py``).
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend import namespace_of
from ._util import add_tangents, check_broadcastable, namespace_for, output_shape
from .movement import SqueezeDim


def _dtype_check(name, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_torch_dtype(a)} != "
                           f"{_torch_dtype(b)}")


def _torch_dtype(array) -> str:
    return f"torch.{array.dtype.name}" if array.dtype.kind != "f" or array.dtype.itemsize != 4 else "float"


class Mm(Function):
    node_name = "MmBackward0"
    saved_names = ("self", "mat2")

    @staticmethod
    def forward(ctx, a, b):  # (Function.apply has checked that the tensors share a device)
        a_array, b_array = a._array, b._array
        if a_array.ndim != 2:
            raise RuntimeError("self must be a matrix")
        if b_array.ndim != 2:
            raise RuntimeError("mat2 must be a matrix")
        if a_array.shape[1] != b_array.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a_array.shape[0]}x{a_array.shape[1]} "
                               f"and {b_array.shape[0]}x{b_array.shape[1]})")
        _dtype_check("mm", a_array, b_array)
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return a_array @ b_array

    @staticmethod
    def backward(ctx, grad):
        needs_a, needs_b = ctx.needs_input_grad
        a, b = ctx.saved_tensors
        return grad @ b.T if needs_a else None, a.T @ grad if needs_b else None

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b = ctx.saved_tensors
        return add_tangents(tangent_a.mm(b) if tangent_a is not None else None,
                            a.mm(tangent_b) if tangent_b is not None else None)


class Addmm(Function):
    """``bias + a @ b`` in one node (what ``nn.Linear`` records, as in PyTorch)."""

    node_name = "AddmmBackward0"
    saved_names = ("mat1", "mat2")

    @staticmethod
    def forward(ctx, bias, a, b):  # (Function.apply has checked that the tensors share a device)
        a_array, b_array = a._array, b._array
        if a_array.shape[1] != b_array.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a_array.shape[0]}x{a_array.shape[1]} "
                               f"and {b_array.shape[0]}x{b_array.shape[1]})")
        _dtype_check("addmm", a_array, b_array)
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None, b if ctx.needs_input_grad[1] else None)
        out = a_array @ b_array
        out += bias._array
        return out

    @staticmethod
    def backward(ctx, grad):
        needs_bias, needs_a, needs_b = ctx.needs_input_grad
        a, b = ctx.saved_tensors
        return (grad if needs_bias else None,
                grad @ b.T if needs_a else None,
                a.T @ grad if needs_b else None)

    @staticmethod
    def jvp(ctx, tangent_bias, tangent_a, tangent_b):
        a, b = ctx.saved_tensors
        return add_tangents(tangent_bias,
                            tangent_a.mm(b) if tangent_a is not None else None,
                            a.mm(tangent_b) if tangent_b is not None else None)


class Mv(Function):
    node_name = "MvBackward0"

    @staticmethod
    def forward(ctx, a, v):
        a_array, v_array = a._array, v._array
        if a_array.shape[1] != v_array.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({a_array.shape[0]}), mat ({a_array.shape[0]}x"
                               f"{a_array.shape[1]}), vec ({v_array.shape[0]})")
        ctx.save_for_backward(a, v)
        return a_array @ v_array

    @staticmethod
    def backward(ctx, grad):
        a, v = ctx.saved_tensors
        needs_a, needs_v = ctx.needs_input_grad
        xp = namespace_for(grad)
        return (xp.expand_dims(grad, 1) * v if needs_a else None,  # the outer product grad vᵀ
                a.T @ grad if needs_v else None)

    @staticmethod
    def jvp(ctx, tangent_a, tangent_v):
        a, v = ctx.saved_tensors
        return add_tangents(tangent_a.mv(v) if tangent_a is not None else None,
                            a.mv(tangent_v) if tangent_v is not None else None)


class Dot(Function):
    node_name = "DotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        a_array, b_array = a._array, b._array
        if a_array.ndim != 1 or b_array.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {a_array.ndim}D and {b_array.ndim}D tensors")
        if a_array.shape[0] != b_array.shape[0]:
            raise RuntimeError("inconsistent tensor size, expected tensor [%d] and src [%d] to have the same "
                               "number of elements, but got %d and %d elements respectively"
                               % (a_array.shape[0], b_array.shape[0], a_array.shape[0], b_array.shape[0]))
        ctx.save_for_backward(a, b)
        return namespace_of(a_array).dot(a_array, b_array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b = ctx.saved_tensors
        return add_tangents(tangent_a.dot(b) if tangent_a is not None else None,
                            a.dot(tangent_b) if tangent_b is not None else None)


class Bmm(Function):
    node_name = "BmmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        a_array, b_array = a._array, b._array
        if a_array.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        if b_array.ndim != 3:
            raise RuntimeError("batch2 must be a 3D tensor")
        if a_array.shape[0] != b_array.shape[0] or a_array.shape[2] != b_array.shape[1]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{a_array.shape[0]}, {a_array.shape[2]}] but got: [{b_array.shape[0]}, "
                               f"{b_array.shape[1]}].")
        ctx.save_for_backward(a, b)
        return namespace_of(a_array).matmul(a_array, b_array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        xp = namespace_for(grad)
        return (grad @ xp.swapaxes(b, 1, 2) if needs_a else None,
                xp.swapaxes(a, 1, 2) @ grad if needs_b else None)

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b = ctx.saved_tensors
        return add_tangents(tangent_a.bmm(b) if tangent_a is not None else None,
                            a.bmm(tangent_b) if tangent_b is not None else None)


class BatchedMatmul(Function):
    """``a @ b`` for stacks of matrices with broadcast batch dimensions."""

    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, b):
        a_array, b_array = a._array, b._array
        if a_array.shape[-1] != b_array.shape[-2]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[..., {a_array.shape[-1]}] but got: [..., {b_array.shape[-2]}].")
        ctx.save_for_backward(a, b)
        return namespace_of(a_array).matmul(a_array, b_array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        xp = namespace_for(grad)
        return (grad @ xp.swapaxes(b, -1, -2) if needs_a else None,
                xp.swapaxes(a, -1, -2) @ grad if needs_b else None)

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b = ctx.saved_tensors
        return add_tangents(tangent_a.matmul(b) if tangent_a is not None else None,
                            a.matmul(tangent_b) if tangent_b is not None else None)


def matmul(a, b):
    """``a @ b`` dispatched by the operands' dimensions exactly as PyTorch does, so the graph has its nodes.

    1-D and 2-D pairs are dot, mv and mm; a batch times a matrix or vector folds the batch into rows (one mm or
    mv, then UnsafeView); a matrix or vector times a batch is done transposed, (b^T a^T)^T, to fold b's batch;
    two batches broadcast their batch dims, flatten them and run one bmm.
    """
    a_dims, b_dims = a.dim(), b.dim()
    if a_dims == 0 or b_dims == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a_dims}D and "
                           f"{b_dims}D")
    if a_dims == 1 and b_dims == 1:
        return Dot.apply(a, b)
    if a_dims == 2 and b_dims == 1:
        return Mv.apply(a, b)
    if a_dims == 1 and b_dims == 2:
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{a.shape[0]} and "
                               f"{b.shape[0]}x{b.shape[1]})")
        return SqueezeInPlace.apply(Mm.apply(a.unsqueeze(0), b), 0)
    if a_dims == 2 and b_dims == 2:
        return Mm.apply(a, b)
    if a_dims >= 3 and b_dims <= 2:
        rows = a.reshape(-1, a.shape[-1])
        product = Mv.apply(rows, b) if b_dims == 1 else Mm.apply(rows, b)
        return UnsafeView.apply(product, tuple(a.shape[:-1]) + tuple(b.shape[1:]))
    if a_dims <= 2:
        batch = tuple(b.shape[:-2])
        if a.shape[-1] != b.shape[-2]:
            _batch_size_error(batch, a.shape[-1], b.shape[-2])
        if a_dims == 1:
            return matmul(b.transpose(-1, -2), a)
        return matmul(b.transpose(-1, -2), a.t()).transpose(-1, -2).contiguous()
    check_broadcastable(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    batch = _broadcast_shape(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    if a.shape[-1] != b.shape[-2]:
        _batch_size_error(batch, a.shape[-1], b.shape[-2])
    (n, k), m = a.shape[-2:], b.shape[-1]
    left = a.expand(*batch, n, k).reshape(-1, n, k)
    right = b.expand(*batch, k, m).reshape(-1, k, m)
    return UnsafeView.apply(Bmm.apply(left, right), batch + (n, m))


def _broadcast_shape(a_shape, b_shape):
    lead = len(a_shape) - len(b_shape)
    a_shape, b_shape = (1,) * -lead + a_shape, (1,) * lead + b_shape
    return tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a_shape, b_shape))


def _batch_size_error(batch, k_a, k_b):
    total = 1
    for n in batch:
        total *= n
    raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{total}, {k_a}] but got: "
                       f"[{total}, {k_b}].")


class SqueezeInPlace(SqueezeDim):
    """The squeeze that ends ``vector @ matrix``: PyTorch squeezes in place there (squeeze_), SqueezeBackward4."""

    node_name = "SqueezeBackward4"


class UnsafeView(Function):
    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a._array.shape
        return a._array.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape), None

    @staticmethod
    def jvp(ctx, tangent, _):
        return tangent.reshape(output_shape(ctx))
