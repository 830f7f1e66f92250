"""One entry per differentiable op: the single source of every per-op test (STYLE item 9).

Each ``OpSpec`` says how to call the op and which inputs it takes. Three oracles read it:

* ``tests/test_ops_gradcheck.py`` -- finite differences (float64) on the spec's fixed cases and on random
  cases drawn by hypothesis (shapes with broadcasting pairs and 0-d tensors), plus second derivatives for the
  specs marked ``second_order``;
* ``tests/reference/gen_ops.py`` -- runs every fixed case under real PyTorch and records values, gradients
  and node names into ``tests/reference/data/ops.json``;
* ``tests/test_ops_reference.py`` -- replays those cases on minigrad and compares.

Adding an op here adds all of its tests (after re-running ``python tests/reference/generate.py``).

The call ``spec.fn(T, *float_inputs, *aux_inputs, **case.params)`` works with ``T`` being either ``torch`` or
``minigrad``: the same line of code is run by both libraries. This module imports neither (the generator runs
it with torch only, the tests with minigrad only) and needs nothing but NumPy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

# --------------------------------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Case:
    """One way to call an op: the shape of each float input and the keyword parameters of ``fn``."""

    shapes: tuple
    params: dict = field(default_factory=dict)

    def describe(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"shapes={list(self.shapes)}" + (f", {params}" if params else "")


def case(*shapes, **params) -> Case:
    return Case(tuple(tuple(s) for s in shapes), params)


@dataclass(frozen=True)
class OpSpec:
    """How to test one op.

    ``domains``: one value domain per float input (see ``DOMAINS``); every float input requires grad.
    ``aux``: ``aux(rng, case) -> [arrays]`` for inputs that are not differentiated (indices, masks, the
    condition of ``where``); they follow the float inputs in the call.
    ``random_case``: ``random_case(choose) -> Case`` draws a case with a ``Chooser`` (hypothesis or NumPy).
    ``second_order``: also check second derivatives (``gradgradcheck``).
    ``differentiable``: False for ops with no gradient (comparisons, argmax): values and names only.
    """

    name: str
    fn: Callable
    cases: tuple
    random_case: Callable | None = None
    domains: tuple = ("real",)
    aux: Callable | None = None
    second_order: bool = False
    differentiable: bool = True
    gradcheck_options: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------- values

def _avoiding(points, gap=0.15):
    """Normal values pushed at least ``gap`` away from ``points`` (kinks where finite differences break)."""

    def draw(rng, shape):
        values = rng.standard_normal(shape)
        for point in points:
            close = np.abs(values - point) < gap
            values = np.where(close, point + np.where(values >= point, gap, -gap) * 1.5, values)
        return values

    return draw


def _distinct(rng, shape):
    """Values at least 0.2 apart (max/min without ties, so the arg-max does not move under eps)."""
    count = int(np.prod(shape, dtype=np.int64))
    values = (rng.permutation(count) - count / 2) * 0.3 + rng.uniform(-0.05, 0.05, count)
    return values.reshape(shape)


DOMAINS: dict[str, Callable] = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "nonzero": lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape),
    "distinct": _distinct,
    "avoid_clamp": _avoiding((-0.5, 0.5)),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, shape),
    # x % y jumps where x / y is an integer. Divisors are ±2 or ±3 and dividends lie within 0.3 of 1 or 5
    # modulo 6, so every quotient stays at least 0.23 from an integer, under any broadcasting.
    "divisor": lambda rng, shape: rng.choice([-3.0, -2.0, 2.0, 3.0], shape),
    "dividend": lambda rng, shape: (6.0 * rng.integers(-2, 2, shape) + rng.choice([1.0, 5.0], shape)
                                    + rng.uniform(-0.3, 0.3, shape)),
    # floor, ceil, trunc jump at integers and round at halves: fractional parts within 0.1 to 0.4 of an integer
    "between_steps": lambda rng, shape: (rng.integers(-3, 3, shape) + rng.choice([-1.0, 1.0], shape)
                                         * rng.uniform(0.1, 0.4, shape)),
    "avoid_softplus_threshold": _avoiding((1.5,)),  # softplus(beta=2, threshold=3) switches to x at x = 1.5
    "between_tenths": lambda rng, shape: (rng.integers(-30, 30, shape) + rng.choice([-1.0, 1.0], shape)
                                          * rng.uniform(0.1, 0.4, shape)) / 10,  # round(decimals=1)'s jumps
    # products (prod, cumprod) differentiate through zeros by another formula than out / x: about a third are 0
    "some_zeros": lambda rng, shape: np.where(rng.random(shape) < 0.35, 0.0, rng.uniform(0.5, 2.0, shape)
                                              * rng.choice([-1.0, 1.0], shape)),
}


def make_inputs(spec: OpSpec, case_: Case, rng, dtype=np.float64):
    """The float inputs (arrays of ``dtype``) and the auxiliary inputs of one case, drawn from ``rng``."""
    floats = [np.asarray(DOMAINS[d](rng, shape), dtype=np.float64).astype(dtype)
              for d, shape in zip(spec.domains, case_.shapes)]
    aux = [np.asarray(a) for a in spec.aux(rng, case_)] if spec.aux else []
    return floats, aux


def call(spec: OpSpec, T, floats, aux, params):
    """Run the op with library ``T`` and return its outputs as a tuple of tensors."""
    out = spec.fn(T, *floats, *aux, **params)
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


# --------------------------------------------------------------------------------------------------- choosers

class NumpyChooser:
    """The ``Chooser`` protocol (``integer(low, high)`` inclusive, ``boolean()``) on a NumPy generator."""

    def __init__(self, rng):
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return int(self.rng.integers(low, high + 1))

    def boolean(self) -> bool:
        return bool(self.rng.integers(0, 2))


def _shape(choose, min_dims=0, max_dims=3, min_side=1, max_side=3):
    return tuple(choose.integer(min_side, max_side) for _ in range(choose.integer(min_dims, max_dims)))


def _broadcast_to_from(choose, shape):
    """A shape that broadcasts to ``shape``: leading dims dropped, some dims set to 1."""
    lead = choose.integer(0, len(shape))
    return tuple(1 if choose.boolean() else n for n in shape[lead:])


def _broadcast_shapes(choose, count=2, max_dims=3):
    """``count`` shapes that broadcast together (0-d, missing leading dims and size-1 dims included)."""
    full = _shape(choose, 0, max_dims)
    return tuple(_broadcast_to_from(choose, full) if choose.boolean() else full for _ in range(count))


def _dim(choose, ndim):
    """A valid dim of a tensor with ``ndim`` dims (negative ones too); 0-d tensors accept 0 and -1."""
    rank = max(ndim, 1)
    return choose.integer(-rank, rank - 1)


def _unary_random(min_dims=0, max_dims=3, min_side=1):
    return lambda choose: case(_shape(choose, min_dims, max_dims, min_side))


def _binary_random(choose):
    return case(*_broadcast_shapes(choose, 2))


def _reduce_random(choose):
    shape = _shape(choose, 0, 3)
    return case(shape, dim=_dim(choose, len(shape)), keepdim=choose.boolean())


def _reduce_dims_random(choose):
    shape = _shape(choose, 1, 3)
    dims = sorted({choose.integer(0, len(shape) - 1) for _ in range(choose.integer(1, len(shape)))})
    return case(shape, dim=[d - len(shape) if choose.boolean() else d for d in dims], keepdim=choose.boolean())


def _dim_random(min_dims=0, min_side=1):
    def draw(choose):
        shape = _shape(choose, min_dims, 3, min_side)
        return case(shape, dim=_dim(choose, len(shape)))

    return draw


# --------------------------------------------------------------------------------------------------- helpers used
# by the op calls (they receive the library as T)

def _leaky_relu(T, x, slope):
    functional = getattr(getattr(T, "nn", None), "functional", None)
    if functional is not None and hasattr(functional, "leaky_relu"):
        return functional.leaky_relu(x, slope)
    return T.ops.LeakyRelu.apply(x, slope)  # minigrad before nn.functional exists


def _functional(name, **kwargs):
    """``T.nn.functional.<name>(x, **kwargs)``."""
    return lambda T, x: getattr(T.nn.functional, name)(x, **kwargs)


def _functional_in_place(name, **kwargs):
    """``y = x * 1; F.<name>(y, inplace=True, ...)``: an in-place activation on a non-leaf."""

    def run(T, x):
        y = x * 1
        getattr(T.nn.functional, name)(y, inplace=True, **kwargs)
        return y

    return run


def _in_place(method, *args):
    """``y = x * 1; y.method(*args); return y``: an in-place op on a non-leaf that carries history."""

    def run(T, x, *rest):
        y = x * 1
        getattr(y, method)(*rest, *args)
        return y

    return run


def _setitem(index_of):
    """``y = x * 1; y[index] = v``: index assignment (CopySlices / IndexPutBackward0)."""

    def run(T, x, value, *aux, **params):
        y = x * 1
        y[index_of(T, aux, params)] = value
        return y

    return run


def _indices(low_high_size):
    """Aux: integer index arrays, ``(low, high, shape)`` each (repeats allowed: their grads add up)."""

    def draw(rng, case_):
        return [rng.integers(low, high, size=size) for low, high, size in low_high_size(case_)]

    return draw


def _permutation_index(rng, case_):
    size = case_.shapes[0][0]
    return [rng.permutation(size)[: case_.params.get("count", size)]]


def _mask(shape_of):
    return lambda rng, case_: [rng.random(shape_of(case_)) < 0.5]


def _matmul_random(choose):
    """Operands of every ``@`` form: 1-D, 2-D and batched (broadcast batch dims) on either side."""
    n, k, m = choose.integer(1, 3), choose.integer(1, 3), choose.integer(1, 3)
    left_dims, right_dims = choose.integer(1, 4), choose.integer(1, 4)
    batch = _shape(choose, 0, 2)

    def batch_for():
        return _broadcast_to_from(choose, batch) if choose.boolean() else batch

    left = (k,) if left_dims == 1 else (n, k) if left_dims == 2 else batch_for() + (n, k)
    right = (k,) if right_dims == 1 else (k, m) if right_dims == 2 else batch_for() + (k, m)
    return case(left, right)


def _gather_random(choose):
    shape = _shape(choose, 1, 3)
    dim = _dim(choose, len(shape))
    index_shape = list(shape)
    index_shape[dim] = choose.integer(1, 3)
    return case(shape, dim=dim, index_shape=index_shape)


def _flip_random(choose):
    shape = _shape(choose, 0, 3)
    rank = max(len(shape), 1)
    dims = sorted({choose.integer(0, rank - 1) for _ in range(choose.integer(0, rank))})
    return case(shape, dims=[d - rank if choose.boolean() else d for d in dims])


def _roll_random(choose):
    shape = _shape(choose, 1, 3)
    if choose.boolean():  # along the flattened tensor
        return case(shape, shifts=choose.integer(-4, 4), dims=None)
    dims = sorted({choose.integer(0, len(shape) - 1) for _ in range(choose.integer(1, len(shape)))})
    return case(shape, shifts=[choose.integer(-4, 4) for _ in dims], dims=dims)


def _triangle_random(choose):
    return case(_shape(choose, 2, 3), diagonal=choose.integer(-2, 2))


def _diag_random(choose):
    return case(_shape(choose, 1, 2), diagonal=choose.integer(-2, 2))


def _index_select_random(choose):
    shape = _shape(choose, 1, 3)
    return case(shape, dim=_dim(choose, len(shape)), count=choose.integer(0, 4))


def _sort_random(choose):
    shape = _shape(choose, 0, 3)
    return case(shape, dim=_dim(choose, len(shape)), descending=choose.boolean())


def _topk_random(choose):
    shape = _shape(choose, 1, 3)
    dim = _dim(choose, len(shape))
    return case(shape, k=choose.integer(0, shape[dim]), dim=dim, largest=choose.boolean())


def _cat_random(choose):
    shape = list(_shape(choose, 1, 3))
    dim = _dim(choose, len(shape))
    shapes = []
    for _ in range(3):
        shape[dim] = choose.integer(1, 3)
        shapes.append(tuple(shape))
    return case(*shapes, dim=dim)


def _stack_random(choose):
    shape = _shape(choose, 0, 2)
    return case(shape, shape, dim=choose.integer(-len(shape) - 1, len(shape)))


def _where_random(choose):
    a, b, condition = _broadcast_shapes(choose, 3)
    return case(a, b, condition_shape=condition)


def _view_random(choose):
    shape = _shape(choose, 0, 3)
    total = int(np.prod(shape, dtype=np.int64))
    divisors = [d for d in range(1, total + 1) if total % d == 0]
    first = divisors[choose.integer(0, len(divisors) - 1)]
    target = [first, total // first] if choose.boolean() else [total]
    if choose.boolean():
        target[choose.integer(0, len(target) - 1)] = -1
    return case(shape, shape_=target)


def _flatten_random(choose):
    shape = _shape(choose, 0, 3)
    rank = max(len(shape), 1)
    start = choose.integer(-rank, rank - 1)
    end = choose.integer(start % rank, rank - 1)
    return case(shape, start_dim=start, end_dim=end)


def _transpose_random(choose):
    shape = _shape(choose, 0, 3)
    return case(shape, dim0=_dim(choose, len(shape)), dim1=_dim(choose, len(shape)))


def _permute_random(choose):
    shape = _shape(choose, 0, 3)
    dims = list(range(len(shape)))
    for i in range(len(dims) - 1, 0, -1):  # Fisher-Yates with the chooser
        j = choose.integer(0, i)
        dims[i], dims[j] = dims[j], dims[i]
    return case(shape, dims=dims)


def _expand_random(choose):
    target = _shape(choose, 0, 3)
    source = _broadcast_to_from(choose, target)
    lead = len(target) - len(source)
    sizes = [n if i < lead or choose.boolean() else -1 for i, n in enumerate(target)]
    return case(source, sizes=sizes)


def _repeat_random(choose):
    shape = _shape(choose, 0, 2)
    return case(shape, sizes=[choose.integer(1, 3) for _ in range(len(shape) + choose.integer(0, 1))])


def _squeeze_dim_random(choose):
    shape = _shape(choose, 0, 3, min_side=1, max_side=2)
    return case(shape, dim=_dim(choose, len(shape)))


def _unsqueeze_random(choose):
    shape = _shape(choose, 0, 3)
    return case(shape, dim=choose.integer(-len(shape) - 1, len(shape)))


def _narrow_random(choose):
    shape = _shape(choose, 1, 3)
    dim = _dim(choose, len(shape))
    size = shape[dim]
    start = choose.integer(0, size - 1)
    return case(shape, dim=dim, start=start, length=choose.integer(1, size - start))


def _split_random(choose):
    shape = _shape(choose, 1, 3, min_side=1)
    dim = _dim(choose, len(shape))
    return case(shape, split_size=choose.integer(1, max(shape[dim], 1)), dim=dim)


def _select_random(choose):
    shape = _shape(choose, 1, 3)
    dim = choose.integer(0, len(shape) - 1)
    return case(shape, dim=dim, index=choose.integer(-shape[dim], shape[dim] - 1))


def _slice_random(choose):
    shape = _shape(choose, 1, 3, max_side=4)
    dim = choose.integer(0, len(shape) - 1)
    size = shape[dim]
    start = choose.integer(-size, size - 1)
    stop = choose.integer(-size, size) if choose.boolean() else None
    return case(shape, dim=dim, start=start, stop=stop, step=choose.integer(1, 2))


def _var_random(choose):
    shape = _shape(choose, 1, 3, min_side=2)
    dim = None if choose.boolean() else _dim(choose, len(shape))
    return case(shape, dim=dim, correction=choose.integer(0, 1), keepdim=choose.boolean())


def _clamp_random(choose):
    shape = _shape(choose, 0, 3)
    which = choose.integer(0, 2)
    return case(shape, min=None if which == 1 else -0.5, max=None if which == 0 else 0.5)


def _fancy_index_random(choose):
    shape = _shape(choose, 1, 3)
    return case(shape, count=choose.integer(1, 4))


def _mask_index_random(choose):
    return case(_shape(choose, 1, 3))


def _bmm_random(choose):
    b, n, k, m = (choose.integer(1, 3) for _ in range(4))
    return case((b, n, k), (b, k, m))


def _mm_random(choose):
    n, k, m = (choose.integer(1, 3) for _ in range(3))
    return case((n, k), (k, m))


def _mv_random(choose):
    n, k = choose.integer(1, 3), choose.integer(1, 3)
    return case((n, k), (k,))


def _dot_random(choose):
    k = choose.integer(1, 4)
    return case((k,), (k,))


def _t_random(choose):
    return case(_shape(choose, 0, 2))


def _setitem_basic_random(choose):
    shape = _shape(choose, 1, 3)
    index = choose.integer(-shape[0], shape[0] - 1)
    value_shape = shape[1:] if choose.boolean() else _broadcast_to_from(choose, shape[1:])
    return case(shape, value_shape, index=index)


def _setitem_slice_random(choose):
    shape = _shape(choose, 2, 3, min_side=2)
    return case(shape, (shape[0] - 1, shape[1] - 1) + shape[2:], stop=shape[1] - 1)


def _setitem_whole_random(choose):
    shape = _shape(choose, 1, 3)
    return case(shape, _broadcast_to_from(choose, shape))


def _masked_fill_random(choose):
    shape = _shape(choose, 0, 3)
    return case(shape, mask_shape=_broadcast_to_from(choose, shape), value=-0.5)


def _in_place_binary_random(choose):
    shape = _shape(choose, 0, 3)
    return case(shape, _broadcast_to_from(choose, shape))


def _in_place_unary_random(choose):
    return case(_shape(choose, 0, 3))


# --------------------------------------------------------------------------------------------------- the registry

UNARY_CASES = (case(()), case((4,)), case((2, 3)))
BINARY_CASES = (case((2, 3), (2, 3)), case((2, 3), (3,)), case((3, 1), (1, 4)), case((), (2, 2)), case((2, 1, 3), ()))

OPS: list[OpSpec] = []


def register(name, fn, cases, random_case=None, **options) -> OpSpec:
    spec = OpSpec(name, fn, tuple(cases), random_case, **options)
    assert spec.name not in {s.name for s in OPS}, f"duplicate op name {name}"
    OPS.append(spec)
    return spec


# --- arithmetic with tensors (broadcasting) ---------------------------------------------------------------------
register("add", lambda T, a, b: a + b, BINARY_CASES, _binary_random, domains=("real", "real"), second_order=True)
register("add_method_alpha", lambda T, a, b: a.add(b, alpha=2), BINARY_CASES[:2], _binary_random,
         domains=("real", "real"))
register("sub", lambda T, a, b: a - b, BINARY_CASES, _binary_random, domains=("real", "real"))
register("sub_method_alpha", lambda T, a, b: a.sub(b, alpha=3), BINARY_CASES[:2], _binary_random,
         domains=("real", "real"))
register("mul", lambda T, a, b: a * b, BINARY_CASES, _binary_random, domains=("real", "real"), second_order=True)
register("mul_method", lambda T, a, b: a.mul(b), BINARY_CASES[:2], _binary_random, domains=("real", "real"))
register("div", lambda T, a, b: a / b, BINARY_CASES, _binary_random, domains=("real", "nonzero"),
         second_order=True)
register("div_method", lambda T, a, b: a.div(b), BINARY_CASES[:2], _binary_random, domains=("real", "nonzero"))
register("remainder", lambda T, a, b: a % b, BINARY_CASES, _binary_random, domains=("dividend", "divisor"),
         second_order=True)
register("remainder_method", lambda T, a, b: a.remainder(b), BINARY_CASES[:2], _binary_random,
         domains=("dividend", "divisor"))
# rounded division is a step function: zero derivative between the jumps, which the domains keep away
register("div_floor", lambda T, a, b: a.div(b, rounding_mode="floor"), BINARY_CASES, _binary_random,
         domains=("dividend", "divisor"))
register("div_trunc", lambda T, a, b: T.div(a, b, rounding_mode="trunc"), BINARY_CASES[:2], _binary_random,
         domains=("dividend", "divisor"))
register("pow_tensor", lambda T, a, b: a ** b, BINARY_CASES, _binary_random, domains=("positive", "real"),
         second_order=True)
register("pow_method_tensor", lambda T, a, b: a.pow(b), BINARY_CASES[:2], _binary_random,
         domains=("positive", "real"))
register("neg", lambda T, a: -a, UNARY_CASES, _unary_random())
register("neg_method", lambda T, a: a.neg(), UNARY_CASES[1:], _unary_random())

# --- arithmetic with Python numbers, reflected forms included -------------------------------------------------
register("add_scalar", lambda T, a: a + 2, UNARY_CASES, _unary_random())
register("radd_scalar", lambda T, a: 2 + a, UNARY_CASES, _unary_random())
register("sub_scalar", lambda T, a: a - 2, UNARY_CASES, _unary_random())
register("rsub_scalar", lambda T, a: 2 - a, UNARY_CASES, _unary_random())
register("mul_scalar", lambda T, a: a * 2.5, UNARY_CASES, _unary_random())
register("rmul_scalar", lambda T, a: 2.5 * a, UNARY_CASES, _unary_random())
register("div_scalar", lambda T, a: a / 4, UNARY_CASES, _unary_random())
register("rdiv_scalar", lambda T, a: 2 / a, UNARY_CASES, _unary_random(), domains=("nonzero",), second_order=True)
register("remainder_scalar", lambda T, a: a % 2, UNARY_CASES, _unary_random(), domains=("dividend",))
register("torch_remainder_scalar", lambda T, a: T.remainder(a, -3), UNARY_CASES[1:], _unary_random(),
         domains=("dividend",))
register("div_floor_scalar", lambda T, a: a.div(-2, rounding_mode="floor"), UNARY_CASES, _unary_random(),
         domains=("dividend",))
register("div_trunc_scalar", lambda T, a: a.div(3, rounding_mode="trunc"), UNARY_CASES[1:], _unary_random(),
         domains=("dividend",))
register("pow_scalar_2", lambda T, a: a ** 2, UNARY_CASES, _unary_random(), second_order=True)
register("pow_scalar_half", lambda T, a: a ** 0.5, UNARY_CASES, _unary_random(), domains=("positive",))
register("pow_scalar_negative", lambda T, a: a ** -1.5, UNARY_CASES, _unary_random(), domains=("positive",))
register("pow_scalar_zero", lambda T, a: a ** 0, UNARY_CASES[1:], _unary_random())
register("rpow_scalar", lambda T, a: 2 ** a, UNARY_CASES, _unary_random(), second_order=True)
register("square", lambda T, a: a.square(), UNARY_CASES[1:], _unary_random())

# --- element-wise functions -------------------------------------------------------------------------------------
register("exp", lambda T, a: a.exp(), UNARY_CASES, _unary_random(), second_order=True)
register("log", lambda T, a: a.log(), UNARY_CASES, _unary_random(), domains=("positive",), second_order=True)
register("sqrt", lambda T, a: a.sqrt(), UNARY_CASES, _unary_random(), domains=("positive",), second_order=True)
register("rsqrt", lambda T, a: a.rsqrt(), UNARY_CASES[1:], _unary_random(), domains=("positive",))
register("reciprocal", lambda T, a: a.reciprocal(), UNARY_CASES[1:], _unary_random(), domains=("nonzero",))
register("abs", lambda T, a: a.abs(), UNARY_CASES, _unary_random(), domains=("nonzero",))
register("sign", lambda T, a: a.sign(), UNARY_CASES[1:], _unary_random(), domains=("nonzero",))
register("sin", lambda T, a: a.sin(), UNARY_CASES, _unary_random(), second_order=True)
register("cos", lambda T, a: a.cos(), UNARY_CASES, _unary_random(), second_order=True)
register("tanh", lambda T, a: a.tanh(), UNARY_CASES, _unary_random(), second_order=True)
register("sigmoid", lambda T, a: a.sigmoid(), UNARY_CASES, _unary_random(), second_order=True)
register("relu", lambda T, a: a.relu(), UNARY_CASES, _unary_random(), domains=("nonzero",))
register("torch_relu", lambda T, a: T.relu(a), UNARY_CASES[1:], _unary_random(), domains=("nonzero",))
register("leaky_relu", lambda T, a: _leaky_relu(T, a, 0.1), UNARY_CASES, _unary_random(), domains=("nonzero",))
# rounding is a step function: zero derivative between the jumps, which the domains keep away from
register("floor", lambda T, a: a.floor(), UNARY_CASES, _unary_random(), domains=("between_steps",))
register("ceil", lambda T, a: a.ceil(), UNARY_CASES, _unary_random(), domains=("between_steps",))
register("round", lambda T, a: a.round(), UNARY_CASES, _unary_random(), domains=("between_steps",))
register("round_decimals", lambda T, a, decimals: a.round(decimals=decimals),
         (case((2, 3), decimals=1), case((4,), decimals=1)), lambda choose: case(_shape(choose), decimals=1),
         domains=("between_tenths",))
register("trunc", lambda T, a: a.trunc(), UNARY_CASES, _unary_random(), domains=("between_steps",))
register("torch_fix", lambda T, a: T.fix(a), UNARY_CASES[1:], _unary_random(), domains=("between_steps",))
register("frac", lambda T, a: a.frac(), UNARY_CASES, _unary_random(), domains=("between_steps",))
register("log1p", lambda T, a: a.log1p(), UNARY_CASES, _unary_random(), domains=("unit",), second_order=True)
register("expm1", lambda T, a: a.expm1(), UNARY_CASES, _unary_random(), second_order=True)
register("log2", lambda T, a: a.log2(), UNARY_CASES, _unary_random(), domains=("positive",))
register("log10", lambda T, a: T.log10(a), UNARY_CASES, _unary_random(), domains=("positive",))
register("erf", lambda T, a: a.erf(), UNARY_CASES + (case((2, 5)),), _unary_random(), second_order=True)
register("torch_erf_wide", lambda T, a: T.erf(a * 3), (case((4, 5)),), _unary_random())  # both of erf's branches
register("gelu", _functional("gelu"), UNARY_CASES + (case((4, 5)),), _unary_random(), second_order=True)
register("gelu_tanh", _functional("gelu", approximate="tanh"), UNARY_CASES, _unary_random(), second_order=True)
register("silu", _functional("silu"), UNARY_CASES, _unary_random(), second_order=True)
register("silu_inplace", _functional_in_place("silu"), (case((2, 3)),), _in_place_unary_random)
register("softplus", _functional("softplus"), UNARY_CASES, _unary_random(), second_order=True)
register("softplus_beta_threshold", _functional("softplus", beta=2.0, threshold=3.0), (case((4, 5)),),
         _unary_random(), domains=("avoid_softplus_threshold",))
# elu has a kink at 0 unless alpha is 1
register("elu", _functional("elu"), UNARY_CASES, _unary_random(), domains=("nonzero",), second_order=True)
register("elu_alpha", _functional("elu", alpha=0.5), UNARY_CASES[1:], _unary_random(), domains=("nonzero",))
register("elu_inplace", _functional_in_place("elu", alpha=1.5), (case((2, 3)),), _in_place_unary_random,
         domains=("nonzero",))
register("clamp", lambda T, a, min=None, max=None: a.clamp(min=min, max=max),
         (case((2, 3), min=-0.5, max=0.5), case((4,), min=-0.5), case((), max=0.5)), _clamp_random,
         domains=("avoid_clamp",))
register("clone", lambda T, a: a.clone(), UNARY_CASES, _unary_random())
register("to_float32", lambda T, a: a.to(T.float32), UNARY_CASES, _unary_random(),
         gradcheck_options={"eps": 1e-3, "atol": 1e-3})
register("to_float64", lambda T, a: a.double(), UNARY_CASES[1:], _unary_random())
register("maximum", lambda T, a, b: T.maximum(a, b), BINARY_CASES, _binary_random, domains=("real", "real"))
register("minimum", lambda T, a, b: T.minimum(a, b), BINARY_CASES, _binary_random, domains=("real", "real"))
register("where", lambda T, a, b, condition, condition_shape: T.where(condition, a, b),
         (case((2, 3), (2, 3), condition_shape=(2, 3)), case((2, 3), (3,), condition_shape=(2, 1)),
          case((), (4,), condition_shape=(4,))),
         _where_random, domains=("real", "real"), aux=_mask(lambda c: c.params["condition_shape"]),
         second_order=True)
register("where_scalar", lambda T, a, condition: T.where(condition, a, 0.0), (case((2, 3)),),
         _unary_random(), aux=_mask(lambda c: c.shapes[0]))
register("masked_fill", lambda T, a, mask, mask_shape, value: a.masked_fill(mask, value),
         (case((2, 3), mask_shape=(2, 3), value=-0.5), case((2, 3), mask_shape=(3,), value=2.0)),
         _masked_fill_random, aux=_mask(lambda c: c.params["mask_shape"]))

# --- matrix products ------------------------------------------------------------------------------------------
MATMUL_CASES = (case((2, 3), (3, 4)), case((3,), (3,)), case((2, 3), (3,)), case((3,), (3, 4)),
                case((2, 2, 3), (3, 4)), case((2, 2, 3), (2, 3, 4)), case((2, 2, 3), (3,)), case((3,), (2, 3, 4)),
                case((2, 3), (2, 3, 4)), case((2, 1, 2, 3), (3, 3, 2)))
register("matmul", lambda T, a, b: a @ b, MATMUL_CASES, _matmul_random, domains=("real", "real"),
         second_order=True)
register("matmul_method", lambda T, a, b: a.matmul(b), MATMUL_CASES[:1], _matmul_random, domains=("real", "real"))
register("mm", lambda T, a, b: a.mm(b), (case((2, 3), (3, 4)), case((1, 1), (1, 2))), _mm_random,
         domains=("real", "real"), second_order=True)
register("bmm", lambda T, a, b: a.bmm(b), (case((2, 2, 3), (2, 3, 4)),), _bmm_random, domains=("real", "real"))
register("mv", lambda T, a, b: a.mv(b), (case((2, 3), (3,)),), _mv_random, domains=("real", "real"))
register("dot", lambda T, a, b: a.dot(b), (case((3,), (3,)),), _dot_random, domains=("real", "real"))

# --- reductions -------------------------------------------------------------------------------------------------
register("sum", lambda T, a: a.sum(), UNARY_CASES, _unary_random(), second_order=True)
register("sum_dim", lambda T, a, dim, keepdim: a.sum(dim, keepdim=keepdim),
         (case((2, 3), dim=0, keepdim=False), case((2, 3), dim=-1, keepdim=True), case((), dim=0, keepdim=False)),
         _reduce_random)
register("sum_dims", lambda T, a, dim, keepdim: a.sum(dim, keepdim=keepdim),
         (case((2, 3, 2), dim=[0, 2], keepdim=False), case((2, 3), dim=[-1, 0], keepdim=True)), _reduce_dims_random)
register("mean", lambda T, a: a.mean(), UNARY_CASES, _unary_random(), second_order=True)
register("mean_dim", lambda T, a, dim, keepdim: a.mean(dim, keepdim=keepdim),
         (case((2, 3), dim=1, keepdim=False), case((2, 3, 2), dim=[0, 2], keepdim=True)), _reduce_random)
register("max", lambda T, a: a.max(), UNARY_CASES, _unary_random(), domains=("distinct",))
register("min", lambda T, a: a.min(), UNARY_CASES, _unary_random(), domains=("distinct",))
register("max_dim", lambda T, a, dim, keepdim: a.max(dim, keepdim=keepdim),
         (case((2, 3), dim=1, keepdim=False), case((2, 3), dim=0, keepdim=True), case((), dim=0, keepdim=False)),
         _reduce_random, domains=("distinct",))
register("min_dim", lambda T, a, dim, keepdim: a.min(dim, keepdim=keepdim),
         (case((2, 3), dim=-1, keepdim=False), case((3, 2), dim=0, keepdim=True)), _reduce_random,
         domains=("distinct",))
register("var", lambda T, a, dim, correction, keepdim: a.var(dim, correction=correction, keepdim=keepdim),
         (case((2, 3), dim=None, correction=1, keepdim=False), case((2, 3), dim=1, correction=0, keepdim=True)),
         _var_random, second_order=True)
register("std", lambda T, a, dim, correction, keepdim: a.std(dim, correction=correction, keepdim=keepdim),
         (case((2, 3), dim=None, correction=1, keepdim=False), case((3, 2), dim=0, correction=1, keepdim=False)),
         _var_random)
register("logsumexp", lambda T, a, dim, keepdim: a.logsumexp(dim, keepdim=keepdim),
         (case((2, 3), dim=1, keepdim=False), case((2, 3), dim=0, keepdim=True)), _reduce_random,
         second_order=True)
register("softmax", lambda T, a, dim: a.softmax(dim), (case((2, 3), dim=1), case((2, 3), dim=0), case((), dim=0)),
         _dim_random(), second_order=True)
register("log_softmax", lambda T, a, dim: a.log_softmax(dim), (case((2, 3), dim=-1), case((4,), dim=0)),
         _dim_random(), second_order=True)
register("cumsum", lambda T, a, dim: a.cumsum(dim), (case((2, 3), dim=1), case((2, 3), dim=0), case((), dim=0)),
         _dim_random(), second_order=True)
register("torch_cumsum", lambda T, a, dim: T.cumsum(a, dim), (case((2, 3, 2), dim=-2),), _dim_random())
register("cumprod", lambda T, a, dim: a.cumprod(dim), (case((2, 3), dim=1), case((4,), dim=0), case((), dim=-1)),
         _dim_random(), domains=("nonzero",), second_order=True)
register("cumprod_zeros", lambda T, a, dim: T.cumprod(a, dim), (case((3, 4), dim=1), case((4, 3), dim=0)),
         _dim_random(), domains=("some_zeros",), second_order=True)
register("prod", lambda T, a: a.prod(), UNARY_CASES, _unary_random(), domains=("nonzero",), second_order=True)
register("prod_zeros", lambda T, a: T.prod(a), (case((5,)), case((2, 3))), _unary_random(), domains=("some_zeros",),
         second_order=True)
register("prod_dim", lambda T, a, dim, keepdim: a.prod(dim, keepdim=keepdim),
         (case((2, 3), dim=1, keepdim=False), case((2, 3), dim=0, keepdim=True), case((), dim=0, keepdim=False)),
         _reduce_random, domains=("nonzero",), second_order=True)
register("prod_dim_zeros", lambda T, a, dim, keepdim: a.prod(dim, keepdim=keepdim),
         (case((3, 4), dim=1, keepdim=False), case((4, 3), dim=-2, keepdim=True)), _reduce_random,
         domains=("some_zeros",), second_order=True)
# amax/amin share a tie's gradient (recorded in behaviours.py); finite differences need values apart
register("amax", lambda T, a: a.amax(), UNARY_CASES, _unary_random(), domains=("distinct",))
register("amax_dim", lambda T, a, dim, keepdim: a.amax(dim, keepdim=keepdim),
         (case((2, 3), dim=1, keepdim=False), case((2, 3, 2), dim=[0, 2], keepdim=True),
          case((), dim=0, keepdim=False)), _reduce_random, domains=("distinct",))
register("amin_dim", lambda T, a, dim, keepdim: T.amin(a, dim, keepdim=keepdim),
         (case((2, 3), dim=-1, keepdim=False), case((3, 2), dim=(0, 1), keepdim=True)), _reduce_dims_random,
         domains=("distinct",))
# sort/topk send each value's gradient back through the indices; ties are recorded in behaviours.py
register("sort", lambda T, a, dim, descending: a.sort(dim, descending),
         (case((2, 4), dim=-1, descending=False), case((3, 2), dim=0, descending=True),
          case((), dim=0, descending=False)), _sort_random, domains=("distinct",))
register("torch_sort_stable", lambda T, a: T.sort(a, dim=0, stable=True), (case((3, 2)),), domains=("distinct",))
register("topk", lambda T, a, k, dim, largest: a.topk(k, dim, largest),
         (case((2, 4), k=2, dim=-1, largest=True), case((4, 3), k=3, dim=0, largest=False),
          case((3,), k=0, dim=0, largest=True), case((), k=1, dim=0, largest=True)), _topk_random,
         domains=("distinct",))
# gradgradcheck takes float outputs only: the values alone, differentiated twice
register("topk_values", lambda T, a: a.topk(2, 0, sorted=False).values, (case((4, 2)),), domains=("distinct",),
         second_order=True)
register("torch_topk", lambda T, a: T.topk(a, 1, largest=False), (case((2, 3)),), domains=("distinct",))

# --- lerp, nan_to_num, meshgrid ---
register("lerp", lambda T, a, b, weight: a.lerp(b, weight),
         (case((2, 3), (2, 3), weight=0.3), case((2, 3), (3,), weight=0.8), case((), (2,), weight=-1.5)),
         lambda choose: case(*_broadcast_shapes(choose), weight=(0.0, 0.3, 0.5, 1.0, 1.7)[choose.integer(0, 4)]),
         domains=("real", "real"), second_order=True)
register("lerp_tensor", lambda T, a, b, c: T.lerp(a, b, c),
         (case((2, 3), (2, 3), (2, 3)), case((2, 1), (3,), (2, 3)), case((3,), (3,), ())),
         domains=("real", "real", "real"), second_order=True)
# the gradient of nan_to_num at non-finite inputs (zero) is recorded in behaviours.py
register("nan_to_num", lambda T, a, nan, posinf, neginf: a.nan_to_num(nan, posinf, neginf),
         (case((2, 3), nan=0.0, posinf=None, neginf=None), case((3,), nan=1.5, posinf=2.0, neginf=-2.0)),
         second_order=True)
register("torch_nan_to_num", lambda T, a: T.nan_to_num(a, neginf=0.0), (case((4,)),))
register("meshgrid", lambda T, a, b, indexing: T.meshgrid(a, b, indexing=indexing),
         (case((2,), (3,), indexing="ij"), case((2,), (3,), indexing="xy"), case((), (3,), indexing="xy")),
         domains=("real", "real"), second_order=True)
register("meshgrid_three", lambda T, a, b, c: T.meshgrid([a, b, c], indexing="xy"), (case((2,), (3,), (4,)),),
         domains=("real", "real", "real"))

# --- shape and movement -------------------------------------------------------------------------------------------
register("view", lambda T, a, shape_: a.view(shape_), (case((2, 3), shape_=[3, 2]), case((2, 3), shape_=[-1]),
                                                        case((), shape_=[1, 1])), _view_random)
register("reshape", lambda T, a, shape_: a.reshape(shape_), (case((2, 3), shape_=[6]), case((4,), shape_=[2, -1])),
         _view_random)
register("reshape_of_transposed", lambda T, a: a.t().reshape(-1), (case((2, 3)),), _t_random)
register("flatten", lambda T, a, start_dim, end_dim: a.flatten(start_dim, end_dim),
         (case((2, 3, 2), start_dim=0, end_dim=-1), case((2, 3, 2), start_dim=1, end_dim=2),
          case((), start_dim=0, end_dim=-1)), _flatten_random)
register("unsqueeze", lambda T, a, dim: a.unsqueeze(dim), (case((2, 3), dim=1), case((), dim=0),
                                                           case((2, 3), dim=-1)), _unsqueeze_random)
register("squeeze", lambda T, a: a.squeeze(), (case((2, 1, 3, 1)), case((1,))), _unary_random())
register("squeeze_dim", lambda T, a, dim: a.squeeze(dim), (case((2, 1, 3), dim=1), case((2, 3), dim=0)),
         _squeeze_dim_random)
register("transpose", lambda T, a, dim0, dim1: a.transpose(dim0, dim1),
         (case((2, 3), dim0=0, dim1=1), case((2, 3, 2), dim0=-1, dim1=0)), _transpose_random)
register("t", lambda T, a: a.t(), (case((2, 3)), case((3,))), _t_random)
register("T", lambda T, a: a.T, (case((2, 3)), case((2, 3, 2))), _unary_random())
register("permute", lambda T, a, dims: a.permute(dims), (case((2, 3, 2), dims=[2, 0, 1]), case((2, 3), dims=[1, 0])),
         _permute_random)
register("expand", lambda T, a, sizes: a.expand(sizes),
         (case((3, 1), sizes=[2, 3, 4]), case((), sizes=[2, 2]), case((1, 3), sizes=[-1, 3])), _expand_random)
register("expand_as", lambda T, a, other: a.expand_as(other), (case((3, 1)),), _unary_random(max_dims=2),
         aux=lambda rng, c: [rng.standard_normal((2,) + tuple(3 if n == 1 else n for n in c.shapes[0]))])
register("cat", lambda T, a, b, c, dim: T.cat([a, b, c], dim),
         (case((2, 3), (1, 3), (2, 3), dim=0), case((2, 1), (2, 3), (2, 2), dim=-1)), _cat_random,
         domains=("real", "real", "real"), second_order=True)
register("stack", lambda T, a, b, dim: T.stack([a, b], dim), (case((2, 3), (2, 3), dim=1), case((), (), dim=0)),
         _stack_random, domains=("real", "real"))
register("repeat", lambda T, a, sizes: a.repeat(sizes), (case((2, 3), sizes=[2, 1]), case((3,), sizes=[2, 2]),
                                                         case((), sizes=[3])), _repeat_random)
register("narrow", lambda T, a, dim, start, length: a.narrow(dim, start, length),
         (case((4, 3), dim=0, start=1, length=2),), _narrow_random)
register("split", lambda T, a, split_size, dim: a.split(split_size, dim),
         (case((5, 2), split_size=2, dim=0), case((2, 3), split_size=3, dim=1)), _split_random)
register("split_sizes", lambda T, a: a.split([1, 2], 1), (case((2, 3)),))
register("chunk", lambda T, a: a.chunk(2, 0), (case((4, 3)), case((3,))))
register("unbind", lambda T, a, dim: a.unbind(dim), (case((2, 3), dim=1),), _dim_random(min_dims=1))
register("gather", lambda T, a, index, dim, index_shape: a.gather(dim, index),
         (case((2, 3), dim=1, index_shape=[2, 4]), case((3, 2), dim=0, index_shape=[2, 2])), _gather_random,
         aux=_indices(lambda c: [(0, c.shapes[0][c.params["dim"]], c.params["index_shape"])]))
register("flip", lambda T, a, dims: a.flip(dims), (case((2, 3), dims=[0]), case((2, 3, 2), dims=[-1, 0]),
                                                    case((), dims=[0]), case((2, 3), dims=[])), _flip_random)
register("torch_flip", lambda T, a: T.flip(a, (1,)), (case((2, 3)),))
register("roll", lambda T, a, shifts, dims: a.roll(shifts, dims),
         (case((2, 3), shifts=1, dims=0), case((2, 3), shifts=[1, -2], dims=[0, 1]), case((2, 3), shifts=4, dims=None),
          case((2, 3, 2), shifts=-1, dims=-1)), _roll_random, second_order=True)
register("tril", lambda T, a, diagonal: a.tril(diagonal),
         (case((3, 3), diagonal=0), case((2, 3, 4), diagonal=-1), case((3, 2), diagonal=1)), _triangle_random,
         second_order=True)
register("triu", lambda T, a, diagonal: T.triu(a, diagonal),
         (case((3, 3), diagonal=0), case((2, 3, 4), diagonal=1), case((2, 4), diagonal=-1)), _triangle_random)
register("diag", lambda T, a, diagonal: a.diag(diagonal),
         (case((4,), diagonal=0), case((3,), diagonal=1), case((3, 4), diagonal=-1), case((3, 3), diagonal=0),
          case((2, 3), diagonal=2)), _diag_random, second_order=True)
register("torch_diag", lambda T, a: T.diag(a), (case((3,)), case((2, 2))))
register("outer", lambda T, a, b: a.outer(b), (case((3,), (2,)), case((1,), (4,))),
         lambda choose: case((choose.integer(1, 3),), (choose.integer(1, 3),)), domains=("real", "real"),
         second_order=True)
register("torch_outer", lambda T, a, b: T.outer(a, b), (case((2,), (2,)),), domains=("real", "real"))
register("index_select", lambda T, a, index, dim, count: a.index_select(dim, index),
         (case((3, 2), dim=0, count=4), case((2, 3), dim=-1, count=2), case((2, 3), dim=1, count=0)),
         _index_select_random, aux=_indices(lambda c: [(0, c.shapes[0][c.params["dim"]], (c.params["count"],))]),
         second_order=True)
register("torch_index_select", lambda T, a, index: T.index_select(a, 0, index), (case((4, 2)),),
         aux=lambda rng, c: [np.array([3, 0, 3])])

# --- indexing ---------------------------------------------------------------------------------------------------
register("getitem_int", lambda T, a: a[1], (case((3, 2)), case((3,))), _unary_random(min_dims=1, min_side=2),
         second_order=True)
register("getitem_select", lambda T, a, dim, index: a[(slice(None),) * dim + (index,)],
         (case((2, 3), dim=1, index=-1),), _select_random)
register("getitem_slice", lambda T, a, dim, start, stop, step: a[(slice(None),) * dim + (slice(start, stop, step),)],
         (case((4, 3), dim=0, start=1, stop=None, step=2), case((2, 4), dim=1, start=-3, stop=-1, step=1)),
         _slice_random)
register("getitem_full_slice", lambda T, a: a[:], (case((2, 3)),), _unary_random(min_dims=1))
register("getitem_int_int", lambda T, a: a[0, 1], (case((2, 3)),))
register("getitem_slice_int", lambda T, a: a[1:, 0], (case((3, 2)),))
register("getitem_none", lambda T, a: a[:, None], (case((2, 3)),))
register("getitem_none_int", lambda T, a: a[None, 0], (case((2, 3)),))
register("getitem_ellipsis", lambda T, a: a[..., 1], (case((2, 3)), case((2, 2, 3))))
register("getitem_ellipsis_only", lambda T, a: a[...], (case((2, 3)),))
register("getitem_list", lambda T, a: a[[0, 2, 0]], (case((3, 2)),))
register("getitem_index_tensor", lambda T, a, index, count: a[index], (case((3, 2), count=4), case((4,), count=2)),
         _fancy_index_random, aux=_indices(lambda c: [(-c.shapes[0][0], c.shapes[0][0], (c.params["count"],))]),
         second_order=True)
register("getitem_index_2d", lambda T, a, index: a[index], (case((4, 2)),),
         aux=_indices(lambda c: [(0, 4, (2, 3))]))
register("getitem_mask", lambda T, a, mask: a[mask], (case((2, 3)), case((4,))), _mask_index_random,
         aux=_mask(lambda c: c.shapes[0]))
register("getitem_list_slice", lambda T, a: a[[0, 1], 1:], (case((2, 3)),))
register("getitem_slice_list", lambda T, a: a[1:, [0, 2]], (case((2, 3)),))
register("getitem_int_slice_list", lambda T, a: a[0, :, [0, 1]], (case((2, 3, 4)),))
register("getitem_two_lists", lambda T, a: a[[0, 1, 1], [2, 0, 2]], (case((2, 3)),))
register("getitem_index_tensor_0d", lambda T, a, index: a[index], (case((3, 2)),),
         aux=lambda rng, c: [np.array(1)])

# --- index assignment and in-place ops (on a non-leaf, so that history flows through them) ----------------------
register("setitem_int", _setitem(lambda T, aux, p: p["index"]),
         (case((3, 2), (2,), index=1), case((3, 2), (), index=-1), case((3, 2), (1,), index=0),
          case((2, 3), (1, 3), index=1)),
         _setitem_basic_random, domains=("real", "real"))
register("setitem_whole", _setitem(lambda T, aux, p: slice(None)), (case((2, 3), (3,)), case((2, 3), ()),
                                                                    case((2, 3), (2, 3))),
         _setitem_whole_random, domains=("real", "real"))
register("setitem_slice", _setitem(lambda T, aux, p: (slice(1, None), slice(0, p["stop"]))),
         (case((3, 3), (2, 2), stop=2),), _setitem_slice_random, domains=("real", "real"))
register("setitem_index", _setitem(lambda T, aux, p: aux[0]), (case((4, 2), (2, 2), count=2),
                                                               case((4, 2), (1, 2), count=3)),
         domains=("real", "real"), aux=_permutation_index)
register("setitem_mask", _setitem(lambda T, aux, p: aux[0]), (case((2, 3), ()),), domains=("real", "real"),
         aux=_mask(lambda c: c.shapes[0]))
register("setitem_number", lambda T, a: _set_number(a), (case((2, 3)),))
register("add_", _in_place("add_"), (case((2, 3), (3,)),), _in_place_binary_random, domains=("real", "real"))
register("sub_", _in_place("sub_"), (case((2, 3), (2, 3)),), _in_place_binary_random, domains=("real", "real"))
register("mul_", _in_place("mul_"), (case((2, 3), (2, 1)),), _in_place_binary_random, domains=("real", "real"))
register("div_", _in_place("div_"), (case((2, 3), (3,)),), _in_place_binary_random, domains=("real", "nonzero"))
register("remainder_", _in_place("remainder_"), (case((2, 3), (3,)),), _in_place_binary_random,
         domains=("dividend", "divisor"))
register("imod_scalar", lambda T, a: _modulo_in_place(a, 3), (case((2, 3)),), _in_place_unary_random,
         domains=("dividend",))
register("iadd", lambda T, a, b: _augmented(a, b), (case((2, 3), (3,)),), _in_place_binary_random,
         domains=("real", "real"))
register("mul_scalar_", _in_place("mul_", 3.0), (case((2, 3)),), _in_place_unary_random)
register("clamp_", _in_place("clamp_", -0.5, 0.5), (case((2, 3)),), _in_place_unary_random,
         domains=("avoid_clamp",))
register("floor_", _in_place("floor_"), (case((2, 3)),), _in_place_unary_random, domains=("between_steps",))
register("round_", _in_place("round_"), (case((2, 3)),), _in_place_unary_random, domains=("between_steps",))
register("frac_", _in_place("frac_"), (case((2, 3)),), _in_place_unary_random, domains=("between_steps",))
register("log1p_", _in_place("log1p_"), (case((2, 3)),), _in_place_unary_random, domains=("unit",))
register("expm1_", _in_place("expm1_"), (case((2, 3)),), _in_place_unary_random)
register("erf_", _in_place("erf_"), (case((2, 3)),), _in_place_unary_random)
register("zero_", _in_place("zero_"), (case((2, 3)),), _in_place_unary_random)
register("fill_", _in_place("fill_", 1.5), (case((2, 3)),), _in_place_unary_random)
register("copy_", _in_place("copy_"), (case((2, 3), (2, 3)), case((2, 3), (3,))), _in_place_binary_random,
         domains=("real", "real"))


def _set_number(a):
    y = a * 1
    y[0, 1] = 5.0
    return y


def _augmented(a, b):
    y = a * 1
    y += b
    return y


def _modulo_in_place(a, divisor):
    y = a * 1
    y %= divisor
    return y


# --- no gradient: values and graph flags only -----------------------------------------------------------------
register("gt", lambda T, a, b: a > b, BINARY_CASES[:2], domains=("real", "real"), differentiable=False)
register("eq_scalar", lambda T, a: a == 0.5, (case((2, 3)),), differentiable=False)
# floor division has no derivative in PyTorch (its node, NotImplemented, fails in backward: behaviours.py), and
# neither has `number % tensor`
register("floor_divide", lambda T, a, b: a // b, BINARY_CASES, domains=("dividend", "divisor"),
         differentiable=False)
register("floor_divide_scalar", lambda T, a: a // -2, (case((2, 3)),), domains=("dividend",), differentiable=False)
register("rfloordiv_scalar", lambda T, a: 7.5 // a, (case((2, 3)),), domains=("divisor",), differentiable=False)
register("torch_floor_divide", lambda T, a, b: T.floor_divide(a, b), BINARY_CASES[1:2], domains=("dividend", "divisor"),
         differentiable=False)
register("rremainder_scalar", lambda T, a: 7.5 % a, (case((2, 3)),), domains=("divisor",), differentiable=False)
register("argmax", lambda T, a: a.argmax(), (case((2, 3)),), domains=("distinct",), differentiable=False)
register("argmax_dim", lambda T, a: a.argmax(1), (case((2, 3)),), domains=("distinct",), differentiable=False)
register("any_dim", lambda T, a, dim, keepdim: (a > 0.5).any(dim, keepdim=keepdim),
         (case((2, 3), dim=1, keepdim=False), case((3, 2), dim=0, keepdim=True)), differentiable=False)
register("all_dim", lambda T, a, dim: T.all(a > -0.5, dim), (case((2, 3), dim=-1),), differentiable=False)
register("argsort", lambda T, a, dim, descending: a.argsort(dim, descending),
         (case((2, 4), dim=-1, descending=False), case((3, 2), dim=0, descending=True)), domains=("distinct",),
         differentiable=False)
register("torch_argsort", lambda T, a: T.argsort(a, descending=True), (case((4,)),), domains=("distinct",),
         differentiable=False)


# --- norms: one LinalgVectorNormBackward0 node (issue 15) ------------------------------------------------------
def _first_row_zero(rng, shape):
    """Normal values with the first row (the first entry of a vector) set to 0: a zero vector to norm along
    the last dim (a vector: all of it), where the gradient is 0 (PyTorch's choice at the kink)."""
    values = rng.standard_normal(shape)
    values[0 if len(shape) > 1 else slice(None)] = 0.0
    return values


DOMAINS["first_row_zero"] = _first_row_zero


def _norm_random(choose):
    shape = _shape(choose, 1, 3)
    return case(shape, dim=_dim(choose, len(shape)), keepdim=choose.boolean())


def _vector_norm(ord):
    return lambda T, a, dim=None, keepdim=False: T.linalg.vector_norm(a, ord, dim=dim, keepdim=keepdim)


NORM_CASES = (case((2, 3)), case((2, 3), dim=1), case((2, 3, 2), dim=(0, 2), keepdim=True), case((4,), dim=0))
register("vector_norm", _vector_norm(2), NORM_CASES, _norm_random, second_order=True)
register("vector_norm_p3", _vector_norm(3), NORM_CASES, _norm_random, second_order=True)
register("vector_norm_p1", _vector_norm(1), NORM_CASES[:3], _norm_random, domains=("nonzero",))
register("vector_norm_half", _vector_norm(0.5), NORM_CASES[:3], _norm_random, domains=("nonzero",),
         second_order=True)
register("vector_norm_negative", _vector_norm(-1.5), NORM_CASES[:3], _norm_random, domains=("nonzero",),
         second_order=True)
register("vector_norm_inf", _vector_norm(float("inf")), NORM_CASES[:3], _norm_random, domains=("distinct",))
register("vector_norm_minus_inf", _vector_norm(float("-inf")), NORM_CASES[:3], _norm_random,
         domains=("distinct",))
# at a zero vector the norm has a kink: PyTorch's gradient there is 0, which central differences also give
register("vector_norm_zero_vector", _vector_norm(2), (case((2, 3), dim=1), case((3,))), domains=("first_row_zero",))
register("vector_norm_p3_zero_vector", _vector_norm(3), (case((2, 3), dim=1, keepdim=True),),
         domains=("first_row_zero",))
register("tensor_norm", lambda T, a, p=2, dim=None, keepdim=False: a.norm(p, dim, keepdim),
         (case((2, 3)), case((2, 3), p=3, dim=0), case((2, 3), p="fro", dim=(0, 1), keepdim=True)), _norm_random,
         second_order=True)
register("torch_norm", lambda T, a, p="fro", dim=None, keepdim=False: T.norm(a, p=p, dim=dim, keepdim=keepdim),
         (case((3, 2)), case((3, 2), p=4, dim=-1)), _norm_random)
register("linalg_norm", lambda T, a, ord=None, dim=None: T.linalg.norm(a, ord, dim),
         (case((3, 2)), case((3, 2), ord="fro"), case((2, 3, 2), dim=(0, 2)), case((4,), ord=3),
          case((3, 2), dim=1)), second_order=True)
register("linalg_norm_matrix_1", lambda T, a, ord: T.linalg.norm(a, ord),
         (case((3, 2), ord=1), case((3, 2), ord=float("inf")), case((3, 2), ord=-1),
          case((2, 3), ord=float("-inf"))), domains=("distinct",))

OPS_BY_NAME = {spec.name: spec for spec in OPS}


# --- convolution, pooling, padding, batch norm (minigrad/nn/_conv_ops.py, _pool_ops.py, _norm_ops.py) -----------
def _conv2d(T, x, w, b, stride, padding, dilation, groups):
    return T.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups)


def _max_pool2d(T, x, kernel_size, stride, padding, dilation, ceil_mode):
    return T.nn.functional.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def _batch_norm_eval(T, x, w, b, mean, var):
    return T.nn.functional.batch_norm(x, mean.to(x.dtype), var.to(x.dtype), w, b, training=False)


def _running_statistics(rng, c):
    channels = c.shapes[0][1]
    return [rng.standard_normal(channels), rng.uniform(0.5, 2.0, channels)]


register("conv2d", _conv2d,
         (case((2, 4, 5, 5), (6, 2, 3, 3), (6,), stride=1, padding=1, dilation=1, groups=2),
          case((1, 2, 6, 5), (3, 2, 2, 3), (3,), stride=[2, 1], padding=0, dilation=[1, 2], groups=1),
          case((2, 2, 4, 4), (2, 2, 2, 2), (2,), stride=1, padding="same", dilation=1, groups=1),
          case((3, 3, 3), (4, 3, 2, 2), (4,), stride=1, padding="valid", dilation=1, groups=1)),
         domains=("real", "real", "real"), second_order=True)
register("conv2d_no_bias", lambda T, x, w: T.nn.functional.conv2d(x, w, stride=2, padding=(1, 0)),
         (case((2, 3, 5, 4), (2, 3, 3, 2)),), domains=("real", "real"))
register("conv1d", lambda T, x, w, b, padding, dilation: T.nn.functional.conv1d(x, w, b, 1, padding, dilation),
         (case((2, 3, 7), (4, 3, 3), (4,), padding=2, dilation=2), case((3, 5), (2, 3, 2), (2,), padding="same",
                                                                          dilation=1)),
         domains=("real", "real", "real"), second_order=True)
register("max_pool2d", _max_pool2d,
         (case((2, 2, 5, 5), kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True),
          case((1, 2, 6, 7), kernel_size=[2, 3], stride=1, padding=0, dilation=[2, 1], ceil_mode=False),
          case((2, 4, 4), kernel_size=2, stride=None, padding=0, dilation=1, ceil_mode=False)),
         domains=("distinct",))
# gradgradcheck takes float outputs only: the values alone, differentiated twice
register("max_pool2d_values", lambda T, x: T.nn.functional.max_pool2d(x, 2, 1, 1), (case((1, 2, 3, 4)),),
         domains=("distinct",), second_order=True)
register("avg_pool2d", lambda T, x, **p: T.nn.functional.avg_pool2d(x, **p),
         (case((2, 2, 5, 5), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
          case((1, 3, 4, 6), kernel_size=[2, 3], stride=[1, 2], padding=1, ceil_mode=False, count_include_pad=True),
          case((2, 4, 4), kernel_size=2, divisor_override=3)), second_order=True)
register("pad_constant", lambda T, x, pad, value: T.nn.functional.pad(x, pad, value=value),
         (case((2, 3), pad=[1, 2], value=0.5), case((2, 3, 4), pad=[1, -1, 0, 2], value=0.0)), second_order=True)
register("pad_reflect", lambda T, x, pad: T.nn.functional.pad(x, pad, mode="reflect"),
         (case((2, 3, 4), pad=[2, 1]), case((1, 2, 3, 4), pad=[1, 2, 2, 1])), second_order=True)
register("pad_replicate", lambda T, x, pad: T.nn.functional.pad(x, pad, mode="replicate"),
         (case((2, 3, 4), pad=[2, 1]), case((1, 2, 3, 4), pad=[3, 0, 1, 2])), second_order=True)
register("batch_norm_training", lambda T, x, w, b: T.nn.functional.batch_norm(x, None, None, w, b, training=True),
         (case((4, 3), (3,), (3,)), case((2, 3, 2, 2), (3,), (3,)), case((3, 2, 4), (2,), (2,))),
         domains=("real", "real", "real"), second_order=True)
register("batch_norm_no_affine", lambda T, x: T.nn.functional.batch_norm(x, None, None, training=True, eps=0.1),
         (case((3, 2, 2, 2)),))
register("batch_norm_eval", _batch_norm_eval, (case((4, 3), (3,), (3,)), case((2, 3, 2, 2), (3,), (3,))),
         domains=("real", "real", "real"), aux=_running_statistics, second_order=True)

# PyTorch records clamp_min/clamp_max and tensor bounds as other nodes than clamp(min=number); tensor bounds
# take gradients too (where they won)
register("clamp_min", lambda T, a: T.clamp_min(a, -0.5), UNARY_CASES, _unary_random(), domains=("avoid_clamp",))
register("clamp_max", lambda T, a: a.clamp_max(0.5), UNARY_CASES, _unary_random(), domains=("avoid_clamp",))
register("clamp_tensor_bounds", lambda T, a, low, high: a.clamp(low, high),
         (case((2, 3), (3,), (2, 1)), case((4,), (), ()), case((3,), (3,), (3,))),
         domains=("real", "real", "real"), second_order=True)
register("clamp_tensor_min", lambda T, a, low: a.clamp(min=low), BINARY_CASES, _binary_random,
         domains=("real", "real"), second_order=True)
register("clip_tensor_max", lambda T, a, high: T.clip(a, max=high), BINARY_CASES, _binary_random,
         domains=("real", "real"), second_order=True)
register("clamp_min_tensor", lambda T, a, low: a.clamp_min(low), BINARY_CASES, _binary_random,
         domains=("real", "real"), second_order=True)
register("clamp_max_tensor", lambda T, a, high: T.clamp_max(a, high), BINARY_CASES, _binary_random,
         domains=("real", "real"), second_order=True)



# --- issue 16's extras: scatters, einsum, broadcasting helpers ---------------------------------------------------
def _scatter_index(unique):
    """Aux: the index of a scatter along ``dim`` into the first input (``index_shape`` in the case). ``unique``:
    no slot is written twice (a plain scatter keeps one of repeated writes, and which one is unspecified)."""

    def draw(rng, case_):
        size, dim, shape = case_.shapes[0], case_.params["dim"], list(case_.params["index_shape"])
        axis = dim % len(size)
        if not unique:
            return [rng.integers(0, size[axis], shape)]
        wide = list(shape)
        wide[axis] = size[axis]
        order = np.argsort(rng.random(wide), axis=axis)  # a permutation of the slots along axis, per column
        return [np.take(order, np.arange(shape[axis]), axis=axis)]

    return draw


def _scatter_in_place(method, *args, **kwargs):
    def run(T, a, src, index, dim, index_shape):
        y = a * 1
        getattr(y, method)(dim, index, src, *args, **kwargs)
        return y

    return run


SCATTER_CASES = (case((3, 4), (2, 4), dim=0, index_shape=[2, 4]), case((3, 4), (3, 2), dim=1, index_shape=[3, 2]),
                 case((3, 4), (2, 3), dim=0, index_shape=[2, 3]), case((2, 3), (2, 3), dim=-1, index_shape=[2, 3]))
register("scatter", lambda T, a, src, index, dim, index_shape: a.scatter(dim, index, src), SCATTER_CASES,
         domains=("real", "real"), aux=_scatter_index(unique=True), second_order=True)
register("scatter_value", lambda T, a, index, dim, index_shape: a.scatter(dim, index, 1.5),
         (case((3, 4), dim=0, index_shape=[2, 4]), case((3, 4), dim=1, index_shape=[2, 2])),
         aux=_scatter_index(unique=True), second_order=True)
register("torch_scatter", lambda T, a, src, index, dim, index_shape: T.scatter(a, dim, index, src), SCATTER_CASES[:1],
         domains=("real", "real"), aux=_scatter_index(unique=True))
register("scatter_", _scatter_in_place("scatter_"), SCATTER_CASES[:2], domains=("real", "real"),
         aux=_scatter_index(unique=True))
register("scatter_add", lambda T, a, src, index, dim, index_shape: a.scatter_add(dim, index, src), SCATTER_CASES,
         domains=("real", "real"), aux=_scatter_index(unique=False), second_order=True)
register("scatter_add_", _scatter_in_place("scatter_add_"), SCATTER_CASES[:2], domains=("real", "real"),
         aux=_scatter_index(unique=False))
register("torch_scatter_add", lambda T, a, src, index, dim, index_shape: T.scatter_add(a, dim, index, src),
         SCATTER_CASES[1:2], domains=("real", "real"), aux=_scatter_index(unique=False))
for _reduce, _domain in (("sum", "real"), ("prod", "nonzero"), ("mean", "real"), ("amax", "distinct"),
                         ("amin", "distinct")):
    for _include_self in (True, False):
        register(f"scatter_reduce_{_reduce}" + ("" if _include_self else "_without_self"),
                 lambda T, a, src, index, dim, index_shape, reduce=_reduce, include_self=_include_self:
                 a.scatter_reduce(dim, index, src, reduce, include_self=include_self),
                 SCATTER_CASES, domains=(_domain, _domain), aux=_scatter_index(unique=False), second_order=True)
register("scatter_reduce_", _scatter_in_place("scatter_reduce_", "mean"), SCATTER_CASES[:1],
         domains=("real", "real"), aux=_scatter_index(unique=False))
register("torch_scatter_reduce", lambda T, a, src, index, dim, index_shape: T.scatter_reduce(a, dim, index, src, "mean"),
         SCATTER_CASES[:1], domains=("real", "real"), aux=_scatter_index(unique=False))

register("einsum", lambda T, *operands, equation: T.einsum(equation, *operands),
         (case((2, 3), (3, 4), equation="ij,jk->ik"), case((2, 2, 3), (2, 3, 2), equation="bij,bjk->bik"),
          case((2, 3), equation="ij->ji"), case((2, 3), equation="ij->"), case((3,), (2,), equation="i,j->ij"),
          case((2, 2, 3), (3, 2), equation="...ij,jk->...ik"), case((2, 3), (2, 3), equation="ij,ij->i"),
          case((2, 3), (3, 4), (4, 2), equation="ij,jk,kl->il"), case((2, 3), (3, 4), equation="ij,jk"),
          case((3,), (3,), equation="i,i"), case((2, 3), (4, 3), equation="ik,jk->ij"),
          case((2, 1, 3), (4, 3), equation="b...k,jk->bj...")),
         domains=("real", "real", "real"), second_order=True)
register("broadcast_tensors", lambda T, a, b: T.broadcast_tensors(a, b),
         (case((2, 1), (3,)), case((2, 3), (2, 3)), case((), (2, 2))), _binary_random, domains=("real", "real"))
register("broadcast_to", lambda T, a: T.broadcast_to(a, (2, 3)), (case((3,)), case((2, 1)), case((2, 3))))
register("broadcast_to_method", lambda T, a: a.broadcast_to((2, 2, 3)), (case((1, 3)),))

OPS_BY_NAME = {spec.name: spec for spec in OPS}
