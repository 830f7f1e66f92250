"""Generate reference data for Jacobians, Hessians and forward-mode AD with real PyTorch.

Run with torch installed, from the repository root:

    python tests/reference/gen_jacobians.py

It writes ``tests/reference/data/jacobians.json``, read by ``tests/test_functional.py``,
``tests/test_forward_ad.py`` and ``tests/test_func.py`` (which never import torch). Each case is Python
source run with ``torch`` bound to torch here and to minigrad there:

* ``prelude`` -- definitions every case sees: the lesson's two-output function, a small tanh MLP with fixed
  float64 weights, a softmax, scalar losses for Hessians;
* ``values``  -- ``{"id", "code", "result"}``: ``code`` is an expression; ``result`` its value, encoded
  (tensors with dtype/shape/values/requires_grad; tuples, lists, dicts and Python values kept as
  structure), so both the numbers and the nesting (tuple of tuples...) are checked;
* ``errors``  -- ``{"id", "code", "type", "message"}``: a statement that raises, PyTorch's exception type
  and exact message.

Floats are shortest round-trip strings: decode with ``np.array([float(s) for s in values]).astype(dtype)``.
"""
from __future__ import annotations

import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "data", "jacobians.json")
rng = np.random.default_rng(20240604)


def literal(array) -> str:
    """Source text that builds ``array`` as a float64 tensor in either library (exact: repr round-trips)."""
    return f"torch.tensor({np.asarray(array, dtype=np.float64).tolist()!r}, dtype=torch.float64)"


W1, B1 = rng.standard_normal((3, 4)) * 0.7, rng.standard_normal(3) * 0.3
W2, B2 = rng.standard_normal((2, 3)) * 0.7, rng.standard_normal(2) * 0.3
X4 = rng.standard_normal(4)
Z4 = rng.standard_normal(4)
TARGET4 = np.array([0.1, 0.2, 0.3, 0.4])

PRELUDE = f"""
fwAD = torch.autograd.forward_ad
F = torch.autograd.functional

def lesson(x):
    # the lesson's example: y1 = x1^2 + 3 x2, y2 = x2^2 + 2 x1
    return torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]])

def lesson_split(x1, x2):
    return x1 ** 2 + 3 * x2, x2 ** 2 + 2 * x1

x = torch.tensor([2.0, 3.0], dtype=torch.float64)
x1 = torch.tensor(2.0, dtype=torch.float64)
x2 = torch.tensor(3.0, dtype=torch.float64)
e1 = torch.tensor([1.0, 0.0], dtype=torch.float64)
e2 = torch.tensor([0.0, 1.0], dtype=torch.float64)
v2 = torch.tensor([0.5, -2.0], dtype=torch.float64)

W1 = {literal(W1)}
b1 = {literal(B1)}
W2 = {literal(W2)}
b2 = {literal(B2)}
x4 = {literal(X4)}
v4 = torch.tensor([1.0, -1.0, 0.5, 2.0], dtype=torch.float64)

def mlp(x):
    return W2 @ (W1 @ x + b1).tanh() + b2

def mlp_weights(W1, x):
    return W2 @ (W1 @ x + b1).tanh() + b2

def mlp_loss(x):
    return (mlp(x) ** 2).sum()

z4 = {literal(Z4)}
target4 = {literal(TARGET4)}

def softmax(z):
    return z.softmax(0)

def cross_entropy(z):
    return -(z.log_softmax(0) * target4).sum()

def cubic(a, b):
    return (a * b.sin()).sum() + (a ** 3).sum()

a2 = torch.tensor([0.5, -1.5], dtype=torch.float64)
b2v = torch.tensor([1.0, 2.0], dtype=torch.float64)

def forward_jvp(f, primal, tangent):
    with fwAD.dual_level():
        out = f(fwAD.make_dual(primal, tangent))
        return fwAD.unpack_dual(out).tangent

def vjp_apply(result, cotangent):
    output, vjp_fn = result
    return output, vjp_fn(cotangent)
"""

VALUES = [
    # --- the lesson's example ----------------------------------------------------------------------------
    ("lesson_jacobian", "F.jacobian(lesson, x)"),
    ("lesson_jacobian_vectorized", "F.jacobian(lesson, x, vectorize=True)"),
    ("lesson_jacobian_forward_mode", "F.jacobian(lesson, x, vectorize=True, strategy='forward-mode')"),
    ("lesson_jacobian_create_graph", "F.jacobian(lesson, x, create_graph=True)"),
    ("lesson_jacobian_tuple_inputs", "F.jacobian(lesson_split, (x1, x2))"),
    ("lesson_jacobian_tuple_inputs_forward", "F.jacobian(lesson_split, (x1, x2), vectorize=True, "
                                             "strategy='forward-mode')"),
    ("lesson_vjp_row_1", "F.vjp(lesson, x, e1)"),
    ("lesson_vjp_row_2", "F.vjp(lesson, x, e2)"),
    ("lesson_vjp_v", "F.vjp(lesson, x, v2)"),
    ("lesson_vjp_create_graph", "F.vjp(lesson, x, v2, create_graph=True)"),
    ("lesson_jvp_column_1", "F.jvp(lesson, x, e1)"),
    ("lesson_jvp_column_2", "F.jvp(lesson, x, e2)"),
    ("lesson_jvp_v", "F.jvp(lesson, x, v2)"),
    ("lesson_jvp_create_graph", "F.jvp(lesson, x, v2, create_graph=True)"),
    ("lesson_jvp_create_graph_leaf", "F.jvp(lesson, x.clone().requires_grad_(), v2, create_graph=True)"),
    ("lesson_vjp_tuple", "F.vjp(lesson_split, (x1, x2), (torch.tensor(1.0, dtype=torch.float64), "
                         "torch.tensor(0.0, dtype=torch.float64)))"),
    ("lesson_jvp_tuple", "F.jvp(lesson_split, (x1, x2), (torch.tensor(1.0, dtype=torch.float64), "
                         "torch.tensor(0.0, dtype=torch.float64)))"),
    ("lesson_forward_ad", "forward_jvp(lesson, x, v2)"),
    ("lesson_unpack_dual", "(lambda: [fwAD.dual_level().__enter__(), fwAD.unpack_dual(lesson(fwAD.make_dual(x, e1))), "
                           "fwAD.exit_dual_level()][1])()"),
    ("lesson_func_jacrev", "torch.func.jacrev(lesson)(x)"),
    ("lesson_func_jacfwd", "torch.func.jacfwd(lesson)(x)"),
    ("lesson_func_jvp", "torch.func.jvp(lesson, (x,), (v2,))"),
    ("lesson_func_vjp", "vjp_apply(torch.func.vjp(lesson, x), v2)"),
    ("lesson_func_jacrev_argnums", "torch.func.jacrev(lesson_split, argnums=(0, 1))(x1, x2)"),
    ("lesson_func_jacfwd_argnums", "torch.func.jacfwd(lesson_split, argnums=(0, 1))(x1, x2)"),
    ("lesson_func_grad", "torch.func.grad(lambda x: lesson(x).sum())(x)"),
    ("lesson_func_grad_and_value", "torch.func.grad_and_value(lambda x: lesson(x).sum())(x)"),
    # --- a tanh MLP ------------------------------------------------------------------------------------------
    ("mlp_jacobian", "F.jacobian(mlp, x4)"),
    ("mlp_jacobian_forward_mode", "F.jacobian(mlp, x4, vectorize=True, strategy='forward-mode')"),
    ("mlp_jacobian_weights", "F.jacobian(mlp_weights, (W1, x4))"),
    ("mlp_vjp", "F.vjp(mlp, x4, v2)"),
    ("mlp_jvp", "F.jvp(mlp, x4, v4)"),
    ("mlp_forward_ad", "forward_jvp(mlp, x4, v4)"),
    ("mlp_func_jacrev", "torch.func.jacrev(mlp)(x4)"),
    ("mlp_func_jacfwd", "torch.func.jacfwd(mlp)(x4)"),
    ("mlp_func_jvp", "torch.func.jvp(mlp, (x4,), (v4,))"),
    ("mlp_hessian", "F.hessian(mlp_loss, x4)"),
    ("mlp_hessian_forward_over_reverse", "F.hessian(mlp_loss, x4, vectorize=True, "
                                         "outer_jacobian_strategy='forward-mode')"),
    ("mlp_vhp", "F.vhp(mlp_loss, x4, v4)"),
    ("mlp_hvp", "F.hvp(mlp_loss, x4, v4)"),
    ("mlp_hvp_create_graph", "F.hvp(mlp_loss, x4, v4, create_graph=True)"),
    ("mlp_vhp_create_graph", "F.vhp(mlp_loss, x4, v4, create_graph=True)"),
    ("mlp_hessian_create_graph_leaf", "F.hessian(mlp_loss, x4.clone().requires_grad_(), create_graph=True)"),
    ("mlp_hessian_forward_leaf", "F.hessian(mlp_loss, x4.clone().requires_grad_(), vectorize=True, "
                                 "outer_jacobian_strategy='forward-mode')"),
    ("mlp_func_hessian", "torch.func.hessian(mlp_loss)(x4)"),
    ("mlp_func_grad", "torch.func.grad(mlp_loss)(x4)"),
    # --- softmax -------------------------------------------------------------------------------------------
    ("softmax_jacobian", "F.jacobian(softmax, z4)"),
    ("softmax_jacobian_forward_mode", "F.jacobian(softmax, z4, vectorize=True, strategy='forward-mode')"),
    ("softmax_jvp", "F.jvp(softmax, z4, v4)"),
    ("softmax_vjp", "F.vjp(softmax, z4, v4)"),
    ("softmax_forward_ad", "forward_jvp(softmax, z4, v4)"),
    ("softmax_func_jacfwd", "torch.func.jacfwd(softmax)(z4)"),
    ("cross_entropy_hessian", "F.hessian(cross_entropy, z4)"),
    ("cross_entropy_hvp", "F.hvp(cross_entropy, z4, v4)"),
    ("cross_entropy_vhp", "F.vhp(cross_entropy, z4, v4)"),
    # --- Hessians of a scalar function of two inputs ---------------------------------------------------------
    ("cubic_hessian", "F.hessian(cubic, (a2, b2v))"),
    ("cubic_hessian_create_graph", "F.hessian(cubic, (a2, b2v), create_graph=True)"),
    ("cubic_vhp", "F.vhp(cubic, (a2, b2v), (e1, e2))"),
    ("cubic_hvp", "F.hvp(cubic, (a2, b2v), (e1, e2))"),
    ("cubic_func_hessian", "torch.func.hessian(cubic, argnums=(0, 1))(a2, b2v)"),
    # --- outputs independent of an input (strict=False gives zeros) ----------------------------------------
    ("independent_jacobian", "F.jacobian(lambda a, b: a * 2, (a2, b2v))"),
    ("independent_vjp", "F.vjp(lambda a, b: a * 2, (a2, b2v), e1)"),
    ("independent_jvp", "F.jvp(lambda a, b: a * 2, (a2, b2v), (e1, e2))"),
    ("constant_output_jacobian", "F.jacobian(lambda a: torch.ones(2, dtype=torch.float64), a2)"),
    ("linear_hessian", "F.hessian(lambda a: a.sum(), a2)"),
    ("func_jvp_constant", "torch.func.jvp(lambda a: torch.ones(2, dtype=torch.float64), (a2,), (e1,))"),
]

ERRORS = [
    # --- autograd.functional: v of the wrong shape or length -------------------------------------------
    ("vjp_v_wrong_size", "F.vjp(lesson, x, torch.ones(3, dtype=torch.float64))"),
    ("vjp_v_tuple_wrong_length", "F.vjp(lesson_split, (x1, x2), (x1,))"),
    ("vjp_v_entry_wrong_size", "F.vjp(lesson_split, (x1, x2), (x1, torch.ones(2, dtype=torch.float64)))"),
    ("vjp_v_tuple_for_single_output", "F.vjp(lesson, x, (v2, v2))"),
    ("vjp_v_missing", "F.vjp(lesson, x)"),
    ("jvp_v_wrong_size", "F.jvp(lesson, x, torch.ones(3, dtype=torch.float64))"),
    ("jvp_v_missing", "F.jvp(lesson, x)"),
    ("vhp_v_wrong_size", "F.vhp(mlp_loss, x4, v2)"),
    ("hvp_v_missing", "F.hvp(mlp_loss, x4)"),
    # --- non-tensor inputs / outputs ------------------------------------------------------------------------
    ("jacobian_list_inputs", "F.jacobian(lesson, [x])"),
    ("jacobian_number_in_tuple", "F.jacobian(lesson_split, (x1, 3.0))"),
    ("vjp_number_input", "F.vjp(lesson, 2.0, v2)"),
    ("jvp_v_not_tensor", "F.jvp(lesson, x, [1.0, 0.0])"),
    ("jacobian_output_list", "F.jacobian(lambda x: [x * 2], x)"),
    ("hessian_list_inputs", "F.hessian(mlp_loss, [x4])"),
    # --- strict mode -----------------------------------------------------------------------------------------
    ("jacobian_strict_independent_input", "F.jacobian(lambda a, b: a * 2, (a2, b2v), strict=True)"),
    ("jacobian_strict_constant_output", "F.jacobian(lambda a: torch.ones(2, dtype=torch.float64), a2, strict=True)"),
    ("vjp_strict_independent_input", "F.vjp(lambda a, b: a * 2, (a2, b2v), e1, strict=True)"),
    ("jvp_strict_independent_input", "F.jvp(lambda a, b: a * 2, (a2, b2v), (e1, e2), strict=True)"),
    ("jvp_strict_constant_output", "F.jvp(lambda a: torch.ones(2, dtype=torch.float64), a2, e1, strict=True)"),
    ("hessian_strict_linear", "F.hessian(lambda a: a.sum(), a2, strict=True)"),
    ("hessian_strict_independent_input", "F.hessian(lambda a, b: (a ** 2).sum(), (a2, b2v), strict=True)"),
    ("vhp_strict_linear", "F.vhp(lambda a: a.sum(), a2, e1, strict=True)"),
    ("hvp_strict_linear", "F.hvp(lambda a: a.sum(), a2, e1, strict=True)"),
    ("jacobian_strict_vectorize", "F.jacobian(lesson, x, strict=True, vectorize=True)"),
    # --- scalar-only functions and strategies ---------------------------------------------------------------
    ("hessian_vector_output", "F.hessian(lesson, x)"),
    ("hessian_tuple_output", "F.hessian(lambda a: (a.sum(), a.sum()), a2)"),
    ("vhp_vector_output", "F.vhp(lesson, x, v2)"),
    ("hvp_tuple_output", "F.hvp(lambda a: (a.sum(), a.sum()), a2, e1)"),
    ("jacobian_unknown_strategy", "F.jacobian(lesson, x, strategy='sideways')"),
    ("jacobian_forward_mode_unvectorized", "F.jacobian(lesson, x, strategy='forward-mode')"),
    ("jacobian_forward_mode_create_graph", "F.jacobian(lesson, x, create_graph=True, vectorize=True, "
                                           "strategy='forward-mode')"),
    ("jacobian_forward_mode_strict", "F.jacobian(lesson, x, strict=True, vectorize=True, strategy='forward-mode')"),
    ("hessian_unknown_strategy", "F.hessian(mlp_loss, x4, outer_jacobian_strategy='sideways')"),
    # --- forward_ad ---------------------------------------------------------------------------------------------
    ("make_dual_without_level", "fwAD.make_dual(x, e1)"),
    ("make_dual_wrong_size", "[fwAD.dual_level().__enter__(), fwAD.make_dual(x, v4)]"),
    ("make_dual_integer_primal", "[fwAD.dual_level().__enter__(), fwAD.make_dual(torch.tensor([1, 2]), e1)]"),
    ("make_dual_integer_tangent", "[fwAD.dual_level().__enter__(), fwAD.make_dual(x, torch.tensor([1, 2]))]"),
    ("make_dual_twice", "[fwAD.dual_level().__enter__(), fwAD.make_dual(fwAD.make_dual(x, e1), e2)]"),
    ("nested_dual_level", "[fwAD.dual_level().__enter__(), fwAD.dual_level().__enter__()]"),
    ("exit_other_level", "[fwAD.dual_level().__enter__(), fwAD.exit_dual_level(level=3)]"),
    ("make_dual_invalid_level", "[fwAD.dual_level().__enter__(), fwAD.make_dual(x, e1, level=2)]"),
    # --- torch.func ---------------------------------------------------------------------------------------------
    ("func_jvp_primals_not_tuple", "torch.func.jvp(lesson, x, (e1,))"),
    ("func_jvp_structure_mismatch", "torch.func.jvp(lesson, (x,), [e1])"),
    ("func_jvp_tangent_wrong_size", "torch.func.jvp(lesson, (x,), (v4,))"),
    ("func_jvp_strict_constant", "torch.func.jvp(lambda a: torch.ones(2, dtype=torch.float64), (a2,), (e1,), "
                                 "strict=True)"),
    ("func_jvp_empty_primals", "torch.func.jvp(lesson, (), ())"),
    ("func_jvp_number_primal", "torch.func.jvp(lesson, (2.0,), (1.0,))"),
    ("func_grad_vector_output", "torch.func.grad(lesson)(x)"),
    ("func_grad_number_output", "torch.func.grad(lambda a: 1.0)(x)"),
    ("func_grad_argnum_out_of_range", "torch.func.grad(lambda a, b: (a * b).sum(), argnums=2)(a2, a2)"),
    ("func_grad_argnums_repeated", "torch.func.grad(lambda a, b: (a * b).sum(), argnums=(0, 0))(a2, a2)"),
    ("func_grad_argnums_empty", "torch.func.grad(lambda a, b: (a * b).sum(), argnums=())(a2, a2)"),
    ("func_grad_argnums_list", "torch.func.grad(lambda a, b: (a * b).sum(), argnums=[0])(a2, a2)"),
    ("func_grad_number_argument", "torch.func.grad(lambda a, b: (a * b).sum(), argnums=1)(a2, 2.0)"),
    ("func_grad_has_aux_not_pair", "torch.func.grad(lambda a: a.sum(), has_aux=True)(a2)"),
    ("func_vjp_integer_output", "torch.func.vjp(lambda a: a.argmax(), a2)"),
    ("func_vjp_cotangent_structure", "torch.func.vjp(lambda a: (a, a * 2), a2)[1](e1)"),
    ("func_jacrev_chunk_size", "torch.func.jacrev(lesson, chunk_size=0)"),
]


def encode_tensor(tensor):
    array = tensor.detach().numpy()
    flat = array.reshape(-1)
    if array.dtype.kind == "f":
        values = [str(v) for v in flat]
        assert np.array([float(s) for s in values]).astype(array.dtype).tobytes() == flat.tobytes()
    else:
        values = flat.tolist()
    return {"dtype": str(array.dtype), "shape": list(array.shape), "values": values,
            "requires_grad": bool(tensor.requires_grad)}


def encode(value):
    """A result as JSON, keeping its structure: which levels are tuples matters for these APIs."""
    if isinstance(value, torch.Tensor):
        return {"tensor": encode_tensor(value)}
    if isinstance(value, tuple):
        return {"tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return {"list": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": {key: encode(item) for key, item in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"python": value}
    raise TypeError(f"cannot encode {type(value)}")


def fresh_namespace():
    namespace = {"torch": torch}
    exec(PRELUDE, namespace)
    return namespace


def leave_dual_level():
    """Error snippets may leave a dual level open; close it so the next case starts clean."""
    import torch.autograd.forward_ad as fwAD

    while fwAD._current_level >= 0:
        fwAD.exit_dual_level()


def record_errors(cases, fresh_namespace, cleanup=lambda: None) -> list:
    """``{"id", "code", "type", "message"}`` of each ``(id, code)`` case, run in a fresh namespace; each must raise."""
    errors = []
    for case_id, code in cases:
        try:
            eval(code, fresh_namespace())
        except Exception as error:  # noqa: BLE001 -- recording whatever PyTorch raises is the point
            errors.append({"id": case_id, "code": code, "type": type(error).__name__, "message": str(error)})
        else:
            raise AssertionError(f"{case_id}: PyTorch raised nothing")
        finally:
            cleanup()
    return errors


def main():
    values = []
    for case_id, code in VALUES:
        result = eval(code, fresh_namespace())
        leave_dual_level()
        if case_id == "lesson_unpack_dual":
            result = tuple(result)  # the namedtuple is compared as (primal, tangent)
        values.append({"id": case_id, "code": code, "result": encode(result)})
    write_data(OUT_PATH, PRELUDE, values, record_errors(ERRORS, fresh_namespace, cleanup=leave_dual_level))


def write_data(out_path, prelude, values, errors) -> None:
    data = {"torch_version": torch.__version__, "prelude": prelude, "values": values, "errors": errors}
    with open(out_path, "w") as file:
        json.dump(data, file, indent=1)
        file.write("\n")
    print(f"wrote {len(values)} value cases and {len(errors)} error cases to {out_path}")


if __name__ == "__main__":
    main()
