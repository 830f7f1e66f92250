"""``minigrad.func``: function transforms in the style of ``torch.func``, for single (unbatched) calls.

    grad(f)(x)                   the gradient of a scalar ``f``                  (one backward pass)
    vjp(f, *primals)             ``(f(primals), vjp_fn)`` with ``vjp_fn(v) = vᵀJ``  (one backward pass per call)
    jvp(f, primals, tangents)    ``(f(primals), J·tangents)``                    (ONE forward pass, no backward)
    jacrev(f)(x)                 J row by row: one vjp per output element
    jacfwd(f)(x)                 J column by column: one jvp per input element
    hessian(f)(x)                ``jacfwd(jacrev(f))``: forward-over-reverse

Arguments and results may be tensors or nested tuples / lists / dicts of tensors, as in PyTorch; the
error messages are PyTorch's. Transforms compose: ``jacrev(jacrev(f))``, ``jacfwd(jacrev(f))`` and
``jacrev(jacfwd(f))`` all give second derivatives (two forward-mode transforms cannot nest: minigrad has one
dual level). As in PyTorch, jacrev and jacfwd batch their passes with ``vmap``:

    vmap(func, in_dims, out_dims)  ``func`` mapped over a batch dim, each op run ONCE on the stacked batch
                                   (batching rules: minigrad/func_batching.py)
    functional_call(module, params, args)   a module run with other tensors as its parameters and buffers
    stack_module_state(models)     the models' parameters and buffers stacked along a new dim 0

Inside ``vmap``, ``grad``/``vjp``/``jvp`` differentiate the stacked values in one pass, so
``vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)`` gives per-example gradients.

Differences from PyTorch: tensors that ``f`` captures (a model's parameters) are constants unless an
argument of the transform requires grad; pass them as arguments (``argnums``) to differentiate with respect
to them.
"""
from __future__ import annotations

import functools

from ._functional_call import functional_call, stack_module_state
from .autograd import forward_ad as fwAD
from .autograd.grad_mode import enable_grad, is_grad_enabled

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "stack_module_state",
           "vjp", "vmap"]


# ------------------------------------------------------------------------------------------ pytrees
# A spec is None for a leaf, or (container type, context, child specs); context is the dict's keys.
def _flatten(tree):
    """The leaves of nested tuples / lists / dicts, in order, and the structure to rebuild them."""
    if isinstance(tree, (tuple, list)):
        leaves, children = [], []
        for item in tree:
            item_leaves, item_spec = _flatten(item)
            leaves += item_leaves
            children.append(item_spec)
        return leaves, (type(tree), None, tuple(children))
    if isinstance(tree, dict):
        leaves, children = [], []
        for key in tree:
            item_leaves, item_spec = _flatten(tree[key])
            leaves += item_leaves
            children.append(item_spec)
        return leaves, (dict, list(tree), tuple(children))
    return [tree], None


def _unflatten(leaves, spec):
    leaves = iter(leaves)

    def build(node):
        if node is None:
            return next(leaves)
        kind, context, children = node
        items = [build(child) for child in children]
        if kind is dict:
            return dict(zip(context, items))
        if hasattr(kind, "_fields"):  # a namedtuple
            return kind(*items)
        return kind(items)

    return build(spec)


def _spec_repr(spec, indent=0) -> str:
    """PyTorch's ``TreeSpec`` repr (used in jvp's structure error)."""
    if spec is None:
        return "*"
    kind, context, children = spec
    separator = ",\n" + " " * (indent + 2)
    inner = separator.join(_spec_repr(child, indent + 2) for child in children)
    return f"TreeSpec({kind.__name__}, {context!r}, [{inner}])"


def _spec_pprint(spec) -> str:
    """PyTorch's ``treespec_pprint`` (used in vjp's structure error): ``(*, *)``, ``{'a': *}``."""
    if spec is None:
        return "*"
    kind, context, children = spec
    parts = [_spec_pprint(child) for child in children]
    if kind is dict:
        return "{" + ", ".join(f"{key!r}: {part}" for key, part in zip(context, parts)) + "}"
    if issubclass(kind, list):
        return "[" + ", ".join(parts) + "]"
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _map(function, tree):
    leaves, spec = _flatten(tree)
    return _unflatten([function(leaf) for leaf in leaves], spec)


# ------------------------------------------------------------------------------------------ checks
def _tensor_class():
    from ._tensor import Tensor

    return Tensor


def _zeros_like(tensor):
    from .factories import zeros_like

    return zeros_like(tensor)


def _validate_and_wrap_argnum(argnum, num_args):
    if not isinstance(argnum, int):
        raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
    if 0 <= argnum < num_args:
        return argnum
    if -num_args <= argnum < 0:
        return argnum + num_args
    raise RuntimeError(f"Got argnum={argnum}, but only {num_args} positional inputs")


def _validate_argnums(argnums, num_args):
    """``argnums`` with negative positions wrapped, after PyTorch's checks."""
    if isinstance(argnums, int):
        return _validate_and_wrap_argnum(argnums, num_args)
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    argnums = tuple(_validate_and_wrap_argnum(argnum, num_args) for argnum in argnums)
    if len(argnums) == 0:
        raise RuntimeError("argnums must be non-empty")
    if len(set(argnums)) != len(argnums):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return argnums


def _slice_argnums(args, argnums):
    """The arguments selected by ``argnums``: one argument for an int, a tuple for a tuple."""
    if isinstance(argnums, int):
        return args[argnums]
    return tuple(args[i] for i in argnums)


def _replace_args(args, new_args, argnums):
    if isinstance(argnums, int):
        return tuple(new_args if i == argnums else arg for i, arg in enumerate(args))
    return tuple(new_args[argnums.index(i)] if i in argnums else arg for i, arg in enumerate(args))


def _assert_tensors(leaves, api, argname):
    if len(leaves) == 0:
        raise RuntimeError(f"{api}: Expected {argname} to contain at least one Tensor.")
    for leaf in leaves:
        if not isinstance(leaf, _tensor_class()):
            raise RuntimeError(f"{api}: Expected {argname} to only contain Tensors, got {type(leaf)}")


def _assert_non_empty_tensor_output(output, api):
    if (len(output) == 1 and output[0] is None) or len(output) < 1:
        raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output (got output = {output})")
    for out in output:
        if not isinstance(out, _tensor_class()):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got unsupported type "
                               f"{type(out)}")


# ------------------------------------------------------------------------------------------ reverse mode
def _connected(primal):
    """Whether a primal is seen by an enclosing transform (it requires grad or carries a tangent)."""
    primal = _batching().physical(primal)
    return primal.requires_grad or fwAD.tangent_of(primal) is not None


def _batching():
    from . import func_batching

    return func_batching


def _differentiable(primal):
    """A tensor to differentiate with respect to, standing for ``primal``.

    A primal that requires grad stays connected to its graph (through a view), so an enclosing transform
    can differentiate the result again (``jacrev(jacrev(f))``); one that carries a tangent keeps it
    (``jacfwd(jacrev(f))``).
    """
    if not isinstance(primal, _tensor_class()):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(primal)}")
    batching = _batching()
    if batching.active_levels():  # inside vmap: differentiate each example's copy (see func_batching)
        return batching.on_physical(primal, _differentiable_physical)
    return _differentiable_physical(primal)


def _differentiable_physical(primal):
    if primal.requires_grad:
        return primal.view_as(primal)
    leaf = primal.detach().requires_grad_()
    tangent = fwAD.tangent_of(primal)
    return leaf if tangent is None else fwAD.make_dual(leaf, tangent)


def _any_connected(tree) -> bool:
    """Whether a tensor of ``tree`` is seen by an enclosing transform: the results must then keep their history."""
    return any(_connected(leaf) for leaf in _flatten(tree)[0] if isinstance(leaf, _tensor_class()))


def _split_aux(output, api: str):
    """``(output, aux)`` of a ``has_aux`` function, refused in PyTorch's words unless it returned a pair."""
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return output


def _release(tree, keep: bool):
    """Results for the caller: detached, unless an enclosing transform still needs their history."""
    if keep:
        return tree
    return _map(lambda leaf: leaf.detach() if isinstance(leaf, _tensor_class()) else leaf, tree)


def _grads(outputs, inputs, cotangents, create_graph, retain_graph=True):
    """``autograd.grad`` with zeros for the inputs the outputs do not depend on."""
    from .autograd import grad as autograd_grad

    batching = _batching()
    if batching.any_batched(list(outputs) + list(inputs) + list(cotangents)):
        return batching.per_example_grads(_grads, outputs, inputs, cotangents, create_graph, retain_graph)
    pairs = [(out, cotangent) for out, cotangent in zip(outputs, cotangents) if out.requires_grad]
    if not pairs:
        return tuple(_zeros_like(inp) for inp in inputs)
    grads = autograd_grad([out for out, _ in pairs], inputs, [c for _, c in pairs], retain_graph=retain_graph,
                          create_graph=create_graph, allow_unused=True)
    return tuple(_zeros_like(inp) if g is None else g for inp, g in zip(inputs, grads))


def _vjp_with_argnums(func, primals, argnums, has_aux):
    """The forward pass of ``vjp`` (and ``jacrev``): differentiable copies of the selected primals,
    ``func`` called on them, and what the vjp function needs."""
    with enable_grad():
        if argnums is None:
            diff = tuple(_map(_differentiable, p) for p in primals)
            args = diff
        else:
            diff = _map(_differentiable, _slice_argnums(primals, argnums))
            args = _replace_args(primals, diff, argnums)
        keep = _any_connected(primals)
        output = func(*args)
        aux = None
        if has_aux:
            output, aux = _split_aux(output, "vjp(f, *primals)")
            aux = _release(aux, keep)
        flat_output, output_spec = _flatten(output)
        _assert_non_empty_tensor_output(flat_output, "vjp(f, *primals)")
        for out in flat_output:
            if not out.is_floating_point():
                raise RuntimeError("vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got "
                                   f"Tensor with dtype {out.dtype}")
    flat_diff, diff_spec = _flatten(diff)
    return output, flat_output, output_spec, flat_diff, diff_spec, aux, keep


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` returns ``vᵀJ`` for each primal (a tuple).

    ``cotangents`` has the structure of the output; ``vjp_fn`` can be called many times.
    """
    output, flat_output, output_spec, flat_diff, diff_spec, aux, keep = _vjp_with_argnums(
        func, primals, None, has_aux)

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        if create_graph is None:
            create_graph = is_grad_enabled()
        flat_cotangents, cotangents_spec = _flatten(cotangents)
        if cotangents_spec != output_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {_spec_pprint(cotangents_spec)}, primal "
                               f"output: {_spec_pprint(output_spec)}")
        with enable_grad():
            result = _grads(flat_output, flat_diff, flat_cotangents, create_graph=create_graph or keep,
                            retain_graph=retain_graph)
        return _release(_unflatten(result, diff_spec), keep)

    output = _release(output, keep)
    return (output, vjp_fn, aux) if has_aux else (output, vjp_fn)


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning ``(gradient, value)`` of a scalar ``func`` (``(gradient, (value, aux))`` with aux)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        argnums_ = _validate_argnums(argnums, len(args))
        with enable_grad():
            diff = _map(_differentiable, _slice_argnums(args, argnums_))
            keep = _any_connected(args)
            output = func(*_replace_args(args, diff, argnums_), **kwargs)
            aux = None
            if has_aux:
                output, aux = _split_aux(output, "grad_and_value(f)(*args)")
            if not isinstance(output, _tensor_class()):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(output)}")
            if output.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev "
                                   "APIs instead?")
            flat_diff, diff_spec = _flatten(diff)
            gradient = _unflatten(_grads([output], flat_diff, [None], create_graph=keep, retain_graph=keep),
                                  diff_spec)
        gradient, output = _release(gradient, keep), _release(output, keep)
        if has_aux:
            return gradient, (output, _release(aux, keep))
        return gradient, output

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of the scalar ``func`` w.r.t. the arguments at ``argnums``."""
    with_value = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = with_value(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """A function returning the Jacobian of ``func`` w.r.t. the arguments at ``argnums``, row by row.

    Row ``n`` is the vjp with the ``n``-th basis vector of the outputs; ``vmap`` computes all rows in one
    batched forward and backward pass (``chunk_size`` rows at a time, if given).
    ``J`` for output ``o`` and argument ``a`` has shape ``o.shape + a.shape``.
    """
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args):
        argnums_ = _validate_argnums(argnums, len(args))
        output, flat_output, output_spec, flat_diff, diff_spec, aux, keep = _vjp_with_argnums(
            func, args, argnums_, has_aux)
        basis = _basis(flat_output)

        def row(*cotangents):
            with enable_grad():
                _, row_output, _, row_diff, _, _, row_keep = _vjp_with_argnums(func, args, argnums_, has_aux)
                return _grads(row_output, row_diff, cotangents, create_graph=row_keep)

        if basis[0].shape[0] == 0:
            rows = tuple(_zeros((0,) + tuple(leaf.shape), leaf) for leaf in flat_diff)
        else:
            rows = vmap(row, chunk_size=chunk_size)(*basis)
        per_output = []
        for i, out in enumerate(flat_output):
            start = sum(o.numel() for o in flat_output[:i])
            per_output.append(_unflatten([r.narrow(0, start, out.numel()).reshape(tuple(out.shape) + tuple(leaf.shape))
                                          for r, leaf in zip(rows, flat_diff)], diff_spec))
        result = _release(_unflatten(per_output, output_spec), keep)
        return (result, aux) if has_aux else result

    return wrapper


def _basis(tensors):
    """The rows of the identity over all elements of ``tensors``, one slice per tensor: ``(n, *shape)``."""
    from .factories import eye

    total = sum(t.numel() for t in tensors)
    identity = eye(total, dtype=tensors[0].dtype, device=tensors[0].device)
    parts, start = [], 0
    for tensor in tensors:
        parts.append(identity[:, start:start + tensor.numel()].reshape((total,) + tuple(tensor.shape)))
        start += tensor.numel()
    return parts


def _zeros(shape, like):
    from .factories import zeros

    return zeros(shape, dtype=like.dtype, device=like.device)


# ------------------------------------------------------------------------------------------ forward mode
def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J·tangents)`` in one forward pass: every op pushes the tangents along.

    ``primals`` is a tuple of arguments; ``tangents`` has the same structure and shapes.
    """
    return _jvp_with_argnums(func, primals, tangents, None, strict=strict, has_aux=has_aux)


_JVP = "jvp(f, primals, tangents)"


def _jvp_with_argnums(func, primals, tangents, argnums, *, strict=False, has_aux=False):
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{_JVP}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    diff_args = primals if argnums is None else _slice_argnums(primals, argnums)
    flat_primals, primals_spec = _flatten(diff_args)
    flat_tangents, tangents_spec = _flatten(tangents)
    if primals_spec != tangents_spec:
        raise RuntimeError(f"{_JVP}: Expected primals and tangents to have the same python structure. For example, "
                           "if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                           f"{_spec_repr(primals_spec)} and tangents with structure {_spec_repr(tangents_spec)}")
    _assert_tensors(flat_primals, _JVP, "primals")
    _assert_tensors(flat_tangents, _JVP, "tangents")
    # results keep their history only if an enclosing reverse-mode transform watches the inputs
    keep = any(leaf.requires_grad for leaf in _flatten(primals)[0] + flat_tangents
               if isinstance(leaf, _tensor_class()))
    if fwAD.state.level is not None:
        raise RuntimeError(f"{_JVP}: minigrad supports one forward-mode level at a time, so forward mode cannot be "
                           "nested (jacfwd(jacfwd(f)), jvp inside jvp). Use reverse mode for the outer transform, "
                           "e.g. jacrev(jacfwd(f)) or jacfwd(jacrev(f)).")
    with fwAD.dual_level():
        duals = _unflatten([_make_dual(p, t) for p, t in zip(flat_primals, flat_tangents)], primals_spec)
        if argnums is not None:
            duals = _replace_args(primals, duals, argnums)
        result = func(*duals)
        aux = None
        if has_aux:
            result, aux = _split_aux(result, _JVP)
        flat_results, spec = _flatten(result)
        _assert_non_empty_tensor_output(flat_results, _JVP)
        primals_out, tangents_out = [], []
        for out in flat_results:
            primal, tangent = _unpack_dual(out)
            if tangent is None:
                if strict:
                    raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is independent of "
                                       "the inputs. This is not allowed with strict=True.")
                tangent = _zeros_like(primal)
            primals_out.append(primal)
            tangents_out.append(tangent)
    primals_out = _release(_unflatten(primals_out, spec), keep)
    tangents_out = _release(_unflatten(tangents_out, spec), keep)
    if has_aux:
        return primals_out, tangents_out, _release(aux, keep)
    return primals_out, tangents_out


def _make_dual(primal, tangent):
    """``fwAD.make_dual``; inside vmap on the stacked values, each example's primal with its own tangent."""
    batching = _batching()
    if not batching.any_batched((primal, tangent)):
        return fwAD.make_dual(primal, tangent)
    value, levels = batching.per_example(primal)
    return batching.rewrap(fwAD.make_dual(value, batching.per_example(tangent)[0]), levels)


def _unpack_dual(output):
    batching = _batching()
    if not batching.any_batched((output,)):
        return fwAD.unpack_dual(output)
    levels = batching.levels_of(output)
    primal, tangent = fwAD.unpack_dual(batching.physical(output))
    return batching.rewrap(primal, levels), None if tangent is None else batching.rewrap(tangent, levels)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """A function returning the Jacobian of ``func`` w.r.t. the arguments at ``argnums``, column by column.

    Column ``m`` is the jvp with the ``m``-th basis vector of the inputs as tangent; ``vmap`` pushes all of
    them through one batched forward pass. Same result and structure as ``jacrev``.
    """

    @functools.wraps(func)
    def wrapper(*args):
        argnums_ = _validate_argnums(argnums, len(args))
        primals = _slice_argnums(args, argnums_)
        flat_primals, primals_spec = _flatten(primals)
        _assert_tensors(flat_primals, _JVP, "primals")
        total = sum(p.numel() for p in flat_primals)
        if total == 0:  # no element: one pass with zero tangents gives the outputs' structure
            zeros = _unflatten([_zeros_like(p) for p in flat_primals], primals_spec)
            result = _jvp_with_argnums(func, args, zeros, argnums_, has_aux=has_aux)
            columns = _map(lambda out: out.unsqueeze(0)[:0], result[1])
            aux = result[2] if has_aux else None
        else:
            def column(*tangents):
                result = _jvp_with_argnums(func, args, _unflatten(list(tangents), primals_spec), argnums_,
                                           has_aux=has_aux)
                return (result[1], result[2]) if has_aux else result[1]

            result = vmap(column, randomness=randomness)(*_basis(flat_primals))
            columns, aux = result if has_aux else (result, None)
            if has_aux:
                aux = _map(lambda leaf: leaf[0] if isinstance(leaf, _tensor_class()) else leaf, aux)
        flat_columns, output_spec = _flatten(columns)
        jacobians = []
        for tangents in flat_columns:  # (total, *out.shape) for one output
            out_shape = tuple(tangents.shape[1:])
            moved = _moved(tangents, 0, tangents.dim() - 1)
            per_primal, start = [], 0
            for primal in flat_primals:
                part = moved.narrow(-1, start, primal.numel()) if primal.numel() else _zeros(
                    out_shape + (0,), tangents)
                per_primal.append(part.reshape(out_shape + tuple(primal.shape)))
                start += primal.numel()
            jacobians.append(_unflatten(per_primal, primals_spec))
        result = _unflatten(jacobians, output_spec)
        return (result, aux) if has_aux else result

    return wrapper


def _basis_vector(tensor, index):
    """Zeros shaped like ``tensor`` with a one at flat position ``index``."""
    basis = _zeros_like(tensor)
    basis.view(-1)[index] = 1.0
    return basis


def hessian(func, argnums=0):
    """The Hessian of a scalar ``func``: ``jacfwd(jacrev(func))`` (forward-over-reverse)."""
    return jacfwd(jacrev(func, argnums), argnums)


# ------------------------------------------------------------------------------------------ vmap
_RANDOMNESS = ("error", "different", "same")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over a dimension of its inputs, computed for the whole batch at once.

    ``vmap(f)(x)`` equals ``stack([f(x[i]) for i in range(len(x))])``, but every op inside ``f`` runs once on
    the stacked batch by its batching rule (``minigrad/func_batching.py``). ``in_dims`` says which dim of each
    input is mapped (``None``: not mapped; a tuple with the structure of the inputs); ``out_dims`` where the
    batch dim goes in the outputs. ``randomness``: ``'error'`` refuses random ops inside (rand, randn,
    dropout...), ``'different'`` gives each example its own draw, ``'same'`` one draw shared by the batch.
    ``chunk_size`` runs the batch in chunks of that many examples.
    """
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        name = getattr(func, "__name__", repr(func))
        flat_args, args_spec = _flatten(args)
        flat_in_dims = _vmap_in_dims(name, in_dims, args, flat_args, args_spec)
        size = _vmap_batch_size(name, in_dims, flat_args, flat_in_dims)
        if chunk_size is None or chunk_size >= size:
            return _vmap_once(func, name, flat_args, flat_in_dims, args_spec, kwargs, out_dims, randomness, size)
        from ._functions import cat

        chunks = []
        for start in range(0, size, chunk_size):
            length = min(chunk_size, size - start)
            chunk_args = [arg.narrow(dim, start, length) if dim is not None else arg
                          for arg, dim in zip(flat_args, flat_in_dims)]
            chunks.append(_vmap_once(func, name, chunk_args, flat_in_dims, args_spec, kwargs, out_dims, randomness,
                                     length))
        flat_chunks = [_flatten(chunk)[0] for chunk in chunks]
        output_spec = _flatten(chunks[0])[1]
        flat_out_dims = _vmap_out_dims(name, out_dims, chunks[0], output_spec)
        joined = [parts[0] if dim is None else cat(list(parts), dim=dim)
                  for parts, dim in zip(zip(*flat_chunks), flat_out_dims)]
        return _unflatten(joined, output_spec)

    return wrapped


def _vmap_in_dims(name, in_dims, args, flat_args, args_spec):
    """One in_dim (an int or None) per leaf of the inputs, after PyTorch's checks."""
    prefix = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    if not flat_args or args == ():
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are trying "
                         "to vmap over a function with no inputs. The latter is unsupported.")
    if isinstance(in_dims, int) and not isinstance(in_dims, bool):
        flat_in_dims = [in_dims] * len(flat_args)
    elif isinstance(in_dims, tuple):
        flat_in_dims = _broadcast_prefix(in_dims, args)
        if flat_in_dims is None:
            raise ValueError(f"{prefix}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                             f"structure {_spec_repr(_flatten(in_dims)[1])} but inputs has structure "
                             f"{_spec_repr(args_spec)}.")
    else:
        raise ValueError(f"{prefix}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                         f"structure of inputs, got: {type(in_dims)}.")
    for arg, dim in zip(flat_args, flat_in_dims):
        if dim is None:
            continue
        if not isinstance(dim, int):
            raise ValueError(f"{prefix}: in_dims must be int or None, got {type(dim)}")
        if not isinstance(arg, _tensor_class()):
            raise ValueError(f"{prefix}: Got in_dim={dim} for an input but the input is of type {type(arg)}. We cannot "
                             "vmap over non-Tensor arguments, please use None as the respective in_dim")
        ndim = arg.dim()
        if not -ndim <= dim < ndim:
            raise ValueError(f"{prefix}: Got in_dim={dim} for some input, but that input is a Tensor of "
                             f"dimensionality {ndim} so expected in_dim to satisfy -{ndim} <= in_dim < {ndim}.")
    return [None if dim is None else dim % arg.dim() for arg, dim in zip(flat_args, flat_in_dims)]


def _broadcast_prefix(prefix, tree):
    """The leaves of ``prefix`` repeated over the subtrees of ``tree`` they stand for; None if ``prefix`` is no
    prefix of ``tree``'s structure."""
    if prefix is None or isinstance(prefix, int):
        return [prefix] * len(_flatten(tree)[0])
    if isinstance(prefix, (tuple, list)) and isinstance(tree, (tuple, list)) and len(prefix) == len(tree):
        parts = [_broadcast_prefix(p, t) for p, t in zip(prefix, tree)]
    elif isinstance(prefix, dict) and isinstance(tree, dict) and list(prefix) == list(tree):
        parts = [_broadcast_prefix(prefix[key], tree[key]) for key in tree]
    else:
        return None
    if any(part is None for part in parts):
        return None
    return [leaf for part in parts for leaf in part]


def _vmap_batch_size(name, in_dims, flat_args, flat_in_dims) -> int:
    sizes = [arg.shape[dim] for arg, dim in zip(flat_args, flat_in_dims) if dim is not None]
    if not sizes:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Expected at least one Tensor to vmap "
                         "over")
    if len(set(sizes)) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0]


def _vmap_once(func, name, flat_args, flat_in_dims, args_spec, kwargs, out_dims, randomness, size):
    from . import func_batching as batching

    from .backend import namespace_of

    xp = namespace_of(next(batching.physical(arg) for arg, dim in zip(flat_args, flat_in_dims)
                           if dim is not None)._array)
    with batching.vmap_level(size, randomness, xp) as level:
        batched = [arg if dim is None else batching.wrap(_moved(arg, dim, 0), level.number)
                   for arg, dim in zip(flat_args, flat_in_dims)]
        output = func(*_unflatten(batched, args_spec), **kwargs)
        flat_output, output_spec = _flatten(output)
        flat_out_dims = _vmap_out_dims(name, out_dims, output, output_spec)
        results = [_unbatched_output(name, out, dim, level, batching) for out, dim in zip(flat_output, flat_out_dims)]
    return _unflatten(results, output_spec)


def _vmap_out_dims(name, out_dims, output, output_spec):
    if out_dims is None or (isinstance(out_dims, int) and not isinstance(out_dims, bool)):
        return [out_dims] * len(_flatten(output)[0])
    if not isinstance(out_dims, (tuple, list)):
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a python "
                         "collection of ints representing where in the outputs the vmapped dimension should appear.")
    flat_out_dims = _broadcast_prefix(tuple(out_dims), output if isinstance(output, tuple) else (output,))
    if flat_out_dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                         f"structure of `outputs`. out_dims has structure {_spec_repr(_flatten(out_dims)[1])} but "
                         f"outputs has structure {_spec_repr(output_spec)}.")
    return flat_out_dims


def _unbatched_output(name, out, dim, level, batching):
    """One output of the vmapped function with the batch dim at ``dim`` (repeated there if unbatched)."""
    batched = batching.is_batched_at(out, level.number)
    if dim is None:
        if batched:
            raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
        return out
    if not isinstance(out, _tensor_class()):
        raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(out)}. Did you mean "
                         "to set out_dims= to None for output?")
    value = out._value if batched else out.unsqueeze(0).expand(level.size, *out.shape)
    rank = value.dim()
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
    return _moved(value, 0, dim % rank)


def _moved(tensor, source: int, destination: int):
    """``tensor`` with dim ``source`` moved to position ``destination`` (the others keep their order)."""
    if source == destination:
        return tensor
    order = [d for d in range(tensor.dim()) if d != source]
    order.insert(destination, source)
    return tensor.permute(*order)
