"""``torch.einsum(equation, *operands)``: Einstein summation, built from ops that already exist.

PyTorch has no einsum node: it rewrites the equation into permutes, unsqueezes, sums, products and one batched
matrix product per pair of operands (``aten/src/ATen/native/Linear.cpp``), and the graph shows those nodes
(``ViewBackward0``, ``PermuteBackward0``, ``BmmBackward0``...). minigrad does the same with its own ops, in
PyTorch's order, so gradients and higher derivatives come from the rules those ops already have, and the node at
the top of the graph and its inputs are PyTorch's in the common forms (``'ij,jk->ik'``, ``'bij,bjk->bik'``,
``'ij->ji'``, ``'ij->'``, ``'i,j->ij'``). One difference: a label repeated within an operand (``'ii->i'``,
a diagonal) is taken by multiplying with an identity and summing (``MulBackward0``, ``SumBackward1``) where
PyTorch records ``DiagonalBackward0``.

Equations: letters per dim of each operand, ``...`` for any number of broadcast dims, and either ``->output`` or
none (the implicit output: the broadcast dims, then every letter used once, in alphabetical order).
"""
from __future__ import annotations

from ._util import Tensor

ELLIPSIS = "..."


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, output = _parse(equation.replace(" ", ""), operands)
    _check_sizes(terms, operands)
    contracted = [label for term in terms for label in dict.fromkeys(term) if label not in output]
    order = list(output) + list(dict.fromkeys(contracted))  # every label: the output's first, then the summed
    prepared = [_aligned(_diagonals(x, term), list(dict.fromkeys(term)), order)
                for x, term in zip(operands, terms)]
    last_use = {label: k for k, term in enumerate(terms) for label in term}
    summed_now = [[order.index(label) for label in order[len(output):] if last_use[label] == k]
                  for k in range(len(terms))]
    if len(prepared) == 1:
        result = prepared[0]
        return result.sum(summed_now[0]) if summed_now[0] else result
    result = prepared[0]
    if summed_now[0]:
        result = result.sum(summed_now[0], keepdim=True)
    for k in range(1, len(prepared)):
        result = _sum_product_pair(result, prepared[k], summed_now[k])
    if len(order) > len(output):  # the summed dims are 1s now: drop them
        result = result.view([result.shape[order.index(label)] for label in output])
    return result


def _parse(equation, operands):
    """Each operand's labels (``...`` expanded into one label per broadcast dim) and the output's labels."""
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for x in operands:
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, not {type(x).__name__}")
    broadcast_dims = 0
    expanded = []
    for position, (term, x) in enumerate(zip(terms, operands)):
        letters = term.replace(ELLIPSIS, "")
        if ELLIPSIS not in term:
            if len(letters) != x.dim():
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) does not "
                                   f"match the number of dimensions ({x.dim()}) for operand {position} and no "
                                   "ellipsis was given")
            expanded.append(list(term))
            continue
        count = x.dim() - len(letters)
        broadcast_dims = max(broadcast_dims, count)
        before, _, after = term.partition(ELLIPSIS)
        expanded.append(list(before) + [(ELLIPSIS, i) for i in range(-count, 0)] + list(after))
    ellipsis_labels = [(ELLIPSIS, i) for i in range(-broadcast_dims, 0)]
    if not arrow:
        counts = [label for term in terms for label in term.replace(ELLIPSIS, "")]
        return expanded, ellipsis_labels + sorted(label for label in set(counts) if counts.count(label) == 1)
    seen = {label for term in expanded for label in term}
    before, has_ellipsis, after = output.partition(ELLIPSIS)
    for label in before + after:
        if label not in seen:
            raise RuntimeError(f"einsum(): output subscript {label} does not appear in the equation for any input "
                               "operand")
        if (before + after).count(label) > 1:
            raise RuntimeError(f"einsum(): output subscript {label} appears more than once in the output")
    return expanded, list(before) + (ellipsis_labels if has_ellipsis else []) + list(after)


def _check_sizes(terms, operands):
    """Each label's size agrees across operands (size 1 broadcasts, as in PyTorch)."""
    sizes = {}
    for position, (term, x) in enumerate(zip(terms, operands)):
        own = {}
        for label, size in zip(term, x.shape):
            if own.setdefault(label, size) != size:  # a diagonal of a non-square operand
                raise RuntimeError(f"einsum(): subscript {label} is repeated for operand {position} but the sizes "
                                   f"don't match, {size} != {own[label]}")
            known = sizes.get(label, 1)
            if size != known and size != 1 and known != 1:
                name = label if isinstance(label, str) else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {size} for operand {position} which does "
                                   f"not broadcast with previously seen size {known}")
            sizes[label] = max(known, size)


def _diagonals(x, term):
    """``x`` with each repeated label taken once: its diagonal, placed at the label's first dim."""
    term = list(term)
    for label in list(dict.fromkeys(term)):
        while term.count(label) > 1:
            first = term.index(label)
            second = term.index(label, first + 1)
            n = x.shape[first]
            from ..factories import eye

            shape = [1] * x.dim()
            shape[first] = shape[second] = n
            x = (x * eye(n, dtype=x.dtype, device=x.device).view(shape)).sum(second)
            del term[second]
    return x


def _aligned(x, labels, order):
    """``x`` (dims ``labels``) unsqueezed for the labels it lacks and permuted into ``order``."""
    labels = list(labels)
    for label in order:
        if label not in labels:
            x = x.unsqueeze(-1)
            labels.append(label)
    return x.permute([labels.index(label) for label in order])


def _sum_product_pair(left, right, summed):
    """``(left * right).sum(summed, keepdim=True)`` as PyTorch computes it: one batched matrix product of the
    dims both have (batch), those only one has (rows, columns) and the summed ones (the inner dimension)."""
    if not summed:
        return left * right
    batch, rows, inner, columns = [], [], [], []
    for dim in range(left.dim()):
        in_left, in_right = left.shape[dim] != 1, right.shape[dim] != 1
        if dim in summed:
            if in_left and in_right:
                inner.append(dim)
            elif in_left:
                left = left.sum(dim, keepdim=True)
            elif in_right:
                right = right.sum(dim, keepdim=True)
        elif in_left and in_right:
            batch.append(dim)
        elif in_right:
            columns.append(dim)
        else:
            rows.append(dim)
    size = lambda tensor, dims: _product(tensor.shape[d] for d in dims)  # noqa: E731
    left_matrix = left.permute(batch + rows + inner + columns).reshape(
        size(left, batch), size(left, rows), size(left, inner))
    right_matrix = right.permute(batch + inner + columns + rows).reshape(
        size(right, batch), size(right, inner), size(right, columns))
    result_order = batch + rows + inner + columns
    shape = ([left.shape[d] for d in batch] + [left.shape[d] for d in rows] + [1] * len(inner)
             + [right.shape[d] for d in columns])
    result = left_matrix.bmm(right_matrix).view(shape)
    return result.permute([result_order.index(dim) for dim in range(left.dim())])


def _product(numbers):
    total = 1
    for n in numbers:
        total *= n
    return total
