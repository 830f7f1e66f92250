"""Generate reference data for ``torch.func.vmap``, ``functional_call`` and ``stack_module_state`` with PyTorch.

Run with torch installed, from the repository root:

    python tests/reference/gen_vmap.py

It writes ``tests/reference/data/vmap.json``, read by ``tests/test_func_vmap.py`` (which never imports torch).
The format is ``gen_jacobians.py``'s: a ``prelude`` every case sees, ``values`` (an expression and its encoded
result, structure included) and ``errors`` (a statement, PyTorch's exception type and exact message).
"""
from __future__ import annotations

import os

import numpy as np
import torch

from gen_jacobians import encode, literal, record_errors, write_data

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "data", "vmap.json")
rng = np.random.default_rng(20261207)

PRELUDE = f"""
functional_call, stack_module_state, vmap = torch.func.functional_call, torch.func.stack_module_state, torch.func.vmap
grad, grad_and_value, vjp, jvp = torch.func.grad, torch.func.grad_and_value, torch.func.vjp, torch.func.jvp
jacrev, jacfwd, hessian = torch.func.jacrev, torch.func.jacfwd, torch.func.hessian
F = torch.nn.functional

X = {literal(rng.standard_normal((4, 3)))}
Y = {literal(rng.standard_normal((4, 3)))}
Z = {literal(rng.standard_normal((3, 4)))}
V = {literal(rng.standard_normal(3))}
CUBE = {literal(rng.standard_normal((2, 4, 3)))}
W1 = {literal(rng.standard_normal((5, 3)) * 0.6)}
B1 = {literal(rng.standard_normal(5) * 0.2)}
W2 = {literal(rng.standard_normal((2, 5)) * 0.6)}
B2 = {literal(rng.standard_normal(2) * 0.2)}
TARGETS = torch.tensor([0, 1, 1, 0])

def mlp():
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    with torch.no_grad():
        for param, value in zip(model.parameters(), (W1, B1, W2, B2)):
            param.copy_(value)
    return model

MODEL = mlp()
PARAMS = {{name: p.detach() for name, p in MODEL.named_parameters()}}

def example_loss(params, x, target):
    logits = functional_call(MODEL, params, (x.unsqueeze(0),))
    return F.cross_entropy(logits, target.unsqueeze(0))

def linear_of(weight, bias):
    layer = torch.nn.Linear(3, 5).double()
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
    return layer

class Tied(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(3, 3, bias=False).double()
        self.b = torch.nn.Linear(3, 3, bias=False).double()
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))

TIED = Tied()
LAYER = linear_of(W1, B1)
EYE = torch.eye(3, dtype=torch.float64)

IMAGES = {literal(rng.standard_normal((3, 2, 2, 5, 5)))}
SIGNALS = {literal(rng.standard_normal((3, 2, 7)))}
CW = {literal(rng.standard_normal((4, 2, 3, 3)) * 0.4)}
CB = {literal(rng.standard_normal(4) * 0.2)}
CWS = {literal(rng.standard_normal((3, 4, 1, 3, 3)) * 0.4)}
CBS = {literal(rng.standard_normal((3, 4)) * 0.2)}
KW = {literal(rng.standard_normal((3, 2, 3)) * 0.4)}
KBS = {literal(rng.standard_normal((3, 3)) * 0.2)}
RUNNING_MEANS = {literal(rng.standard_normal((3, 2)))}
RUNNING_VARS = {literal(rng.uniform(0.5, 2.0, (3, 2)))}
CLASSES = torch.tensor([1, 0, 2])

def conv_of(weight, bias):
    layer = torch.nn.Conv2d(2, 4, 3, padding=1).double()
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
    return layer

CONV = conv_of(CW, CB)
CONVS = [conv_of(CW * (1 + k), CB * k) for k in range(3)]

def cnn_loss(weight, image, target):
    features = F.max_pool2d(F.relu(F.conv2d(image.unsqueeze(0), weight, CB, padding=1)), 2)
    return F.cross_entropy(features.flatten(1)[:, :3], target.unsqueeze(0))

def energy(x):
    return (x.sin() * x.roll(1)).sum() + (x ** 2).sum() * 0.5
"""

VALUES = [
    ("elementwise", "vmap(lambda a: a.sin() * 2 + a.exp())(X)"),
    ("broadcast_unbatched", "vmap(lambda a, b: a * b + V, in_dims=(0, None))(X, V)"),
    ("in_dims_1", "vmap(lambda a: a.sum(), in_dims=1)(X)"),
    ("out_dims_1", "vmap(lambda a: a * 2, out_dims=1)(X)"),
    ("out_dims_tuple", "vmap(lambda a: (a.sum(), a * 2), out_dims=(0, 1))(X)"),
    ("unbatched_output", "vmap(lambda a: V)(X)"),
    ("out_dims_none", "vmap(lambda a: (a * 2, V), out_dims=(0, None))(X)"),
    ("reductions", "vmap(lambda a: (a.sum(0), a.mean(), a.max(), a.softmax(-1), a.cumsum(0)))(CUBE)"),
    ("movement", "vmap(lambda a: (a.t(), a.reshape(-1), a.unsqueeze(0).expand(2, 4, 3), a[1:, 0], a.flip(0)))(CUBE)"),
    ("matmul", "vmap(lambda a, z: (a @ z, a @ z[:, 0], a[0] @ a[0], torch.mm(a, z)), in_dims=(0, None))(CUBE, Z)"),
    ("matmul_batched_right", "vmap(lambda z: X @ z, in_dims=1)(Z)"),
    ("nested", "vmap(vmap(lambda a: a.sin().sum()))(CUBE)"),
    ("nested_in_dims", "vmap(vmap(lambda a, b: a * b, in_dims=(0, None)), in_dims=(None, 0))(X, Y)"),
    ("dict_input", "vmap(lambda d: d['a'] * d['b'], in_dims=({'a': 0, 'b': None},))({'a': X, 'b': V})"),
    ("kwargs_unbatched", "vmap(lambda a, scale=1.0: a * scale)(X, scale=V)"),
    ("chunked", "vmap(lambda a: a.exp().sum(), chunk_size=3)(X)"),
    ("losses", "vmap(lambda a, b: (F.mse_loss(a, b), F.cross_entropy(a.unsqueeze(0), torch.tensor([1]))))(X, Y)"),
    ("layer_norm", "vmap(lambda a: F.layer_norm(a, (3,)))(X)"),
    ("in_place_on_batched", "vmap(lambda a: a.clone().mul_(2).add_(V))(X)"),
    ("randomness_same_shape", "vmap(lambda a: a * 0 + torch.rand(3).shape[0], randomness='same')(X)"),
    ("per_example_grad", "vmap(grad(example_loss), in_dims=(None, 0, 0))(PARAMS, X, TARGETS)"),
    ("per_example_grad_and_value", "vmap(grad_and_value(example_loss), in_dims=(None, 0, 0))(PARAMS, X, TARGETS)"),
    ("grad_of_vmap", "grad(lambda w: vmap(lambda a: (a * w).sin().sum())(X).sum())(V)"),
    ("vmap_of_vjp", "vmap(lambda a, c: vjp(lambda b: b.exp() * b, a)[1](c))(X, Y)"),
    ("vmap_of_jvp", "vmap(lambda a, t: jvp(lambda b: b.sin().cumsum(0), (a,), (t,)))(X, Y)"),
    ("vmap_of_jacrev", "vmap(jacrev(lambda a: a.sin() * a.sum()))(X)"),
    ("jacrev", "jacrev(lambda a: a.tanh() * a.roll(1))(V)"),
    ("jacfwd", "jacfwd(lambda a: a.tanh() * a.roll(1))(V)"),
    ("jacrev_argnums", "jacrev(lambda a, b: a @ b, argnums=(0, 1))(X[0], Z)"),
    ("hessian", "hessian(energy)(V)"),
    ("functional_call", "functional_call(MODEL, {'0.weight': W1 * 2}, (X,))"),
    ("functional_call_tuple_of_dicts", "functional_call(MODEL, ({'0.weight': W1 * 2}, {'2.bias': B2 * 0}), X)"),
    ("functional_call_kwargs", "functional_call(linear_of(W1, B1), {'bias': B1 * 0}, (), {'input': X})"),
    ("functional_call_tied", "functional_call(TIED, {'a.weight': EYE * 2}, (X,))"),
    ("functional_call_untied", "functional_call(TIED, {'a.weight': EYE * 2, 'b.weight': EYE * 3}, (X,), "
                               "tie_weights=False)"),
    ("functional_call_restores", "[functional_call(MODEL, {'0.weight': W1 * 0}, (X,)), MODEL(X)][1]"),
    ("stack_module_state", "stack_module_state([linear_of(W1, B1), linear_of(W1 * 2, B1 * 3)])"),
    ("stack_module_state_flags", "[p.requires_grad for p in stack_module_state([MODEL, mlp()])[0].values()]"),
    ("ensemble", "vmap(lambda p, x: functional_call(LAYER, p, (x,)), in_dims=(0, None))("
                 "stack_module_state([linear_of(W1, B1), linear_of(W1 * 2, B1 * 3)])[0], X)"),
    # convolution, pooling, padding, batch norm
    ("conv_shared_weight", "vmap(lambda a: F.conv2d(a, CW, CB, padding=1))(IMAGES)"),
    ("conv_unbatched_examples", "vmap(lambda a: F.conv2d(a, CW, CB, stride=2))(IMAGES[:, 0])"),
    ("conv_weight_per_example", "vmap(lambda w, b: F.conv2d(IMAGES[0], w, b, padding='same', groups=2), "
                                "in_dims=(0, 0))(CWS, CBS)"),
    ("conv_both_per_example", "vmap(lambda a, w: F.conv2d(a, w, CB, dilation=2, groups=2))(IMAGES, CWS)"),
    ("conv1d_bias_per_example", "vmap(lambda a, b: F.conv1d(a, KW, b, padding=1))(SIGNALS, KBS)"),
    ("conv_ensemble", "vmap(lambda p, x: functional_call(CONV, p, (x,)), in_dims=(0, None))("
                      "stack_module_state(CONVS)[0], IMAGES[0])"),
    ("conv_per_example_grad", "vmap(grad(cnn_loss), in_dims=(None, 0, 0))(CW, IMAGES[:, 0], CLASSES)"),
    ("conv_grad_of_vmap", "grad(lambda w: vmap(lambda a: F.conv2d(a, w).sin().sum())(IMAGES).sum())(CW)"),
    ("pools_and_pads", "vmap(lambda a: (F.max_pool2d(a, 2, return_indices=True), F.avg_pool2d(a, 3, 1, 1), "
                       "F.pad(a, (1, 2)), F.pad(a, (1, 1, 2, 0), mode='reflect'), "
                       "F.pad(a, (2, 0, 0, 1), mode='replicate')))(IMAGES)"),
    ("pools_unbatched_examples", "vmap(lambda a: (F.max_pool2d(a, 2, 1), F.avg_pool2d(a, 2), "
                                 "F.pad(a, (1, 1), mode='reflect')))(IMAGES[:, 0])"),
    ("batch_norm_training", "vmap(lambda a: F.batch_norm(a, None, None, training=True))(IMAGES)"),
    ("batch_norm_training_affine", "vmap(lambda a, w: F.batch_norm(a, None, None, w, CB[:2], training=True), "
                                   "in_dims=(0, None))(IMAGES[:, :, :, 0], CB[2:])"),
    ("batch_norm_eval", "vmap(lambda a: F.batch_norm(a, RUNNING_MEANS[0], RUNNING_VARS[0], CB[:2], CB[2:]))("
                        "IMAGES)"),
    ("batch_norm_eval_per_example_statistics", "vmap(lambda a, m, v: F.batch_norm(a, m, v))(IMAGES, RUNNING_MEANS, "
                                               "RUNNING_VARS)"),
    ("batch_norm_running_per_example", "[vmap(lambda a, m, v: F.batch_norm(a, m, v, training=True, momentum=0.3))("
                                       "IMAGES, M := RUNNING_MEANS.clone(), S := RUNNING_VARS.clone()), M, S]"),
    ("batch_norm_per_example_grad", "vmap(grad(lambda a: F.batch_norm(a, None, None, training=True).exp().sum()))("
                                    "IMAGES)"),
]

ERRORS = [
    ("item", "vmap(lambda a: a.item())(X)"),
    ("float", "vmap(lambda a: float(a[0]))(X)"),
    ("control_flow", "vmap(lambda a: a if a[0] > 0 else -a)(X)"),
    ("tolist", "vmap(lambda a: a.tolist())(X)"),
    ("sizes_differ", "vmap(lambda a, b: a + b)(X, Z)"),
    ("in_dims_type", "vmap(lambda a: a, in_dims='a')(X)"),
    ("in_dims_none", "vmap(lambda a: a, in_dims=None)(X)"),
    ("in_dims_structure", "vmap(lambda a, b: a, in_dims=(0,))(X, X)"),
    ("in_dims_dict_structure", "vmap(lambda d: d['a'], in_dims=({'c': 0},))({'a': X})"),
    ("in_dim_out_of_range", "vmap(lambda a: a, in_dims=2)(X)"),
    ("in_dim_negative_out_of_range", "vmap(lambda a: a, in_dims=-3)(X)"),
    ("in_dim_number_input", "vmap(lambda a: a, in_dims=0)(3.0)"),
    ("in_dim_0d_input", "vmap(lambda a: a)(torch.tensor(1.0))"),
    ("no_inputs", "vmap(lambda: X)()"),
    ("out_dim_out_of_range", "vmap(lambda a: a, out_dims=2)(X)"),
    ("out_dims_structure", "vmap(lambda a: (a, a), out_dims=(0,))(X)"),
    ("out_dims_type", "vmap(lambda a: a, out_dims='x')(X)"),
    ("output_not_tensor", "vmap(lambda a: 3.0)(X)"),
    ("output_none", "vmap(lambda a: None)(X)"),
    ("out_dims_none_batched", "vmap(lambda a: a, out_dims=None)(X)"),
    ("randomness_error", "vmap(lambda a: a + torch.randn(3))(X)"),
    ("randomness_error_like", "vmap(lambda a: torch.rand_like(a))(X)"),
    ("randomness_error_dropout", "vmap(lambda a: F.dropout(a, 0.5))(X)"),
    ("randomness_value", "vmap(lambda a: a, randomness='foo')(X)"),
    ("in_place_into_unbatched_mul", "vmap(lambda a: V.clone().mul_(a))(X)"),
    ("in_place_into_unbatched_copy", "vmap(lambda a: V.clone().copy_(a))(X)"),
    ("chunk_size", "vmap(lambda a: a, chunk_size=0)(X)"),
    ("functional_call_missing", "functional_call(linear_of(W1, B1), {'weight': W1}, (X,), strict=True)"),
    ("functional_call_unexpected", "functional_call(linear_of(W1, B1), {'weight': W1, 'bias': B1, 'foo': V}, "
                                   "(X,), strict=True)"),
    ("functional_call_both", "functional_call(linear_of(W1, B1), {'weight': W1, 'foo': V}, (X,), strict=True)"),
    ("functional_call_repeated", "functional_call(MODEL, ({'0.weight': W1}, {'0.weight': W1}), (X,))"),
    ("functional_call_bad_type", "functional_call(MODEL, 3, (X,))"),
    ("functional_call_tied_twice", "functional_call(TIED, {'a.weight': EYE, 'b.weight': EYE * 2}, (X,))"),
    ("stack_module_state_empty", "stack_module_state([])"),
    ("stack_module_state_modes", "stack_module_state([mlp(), mlp().eval()])"),
    ("batch_norm_shared_running_statistics", "vmap(lambda a: F.batch_norm(a, RUNNING_MEANS[0].clone(), "
                                             "RUNNING_VARS[0].clone(), training=True))(IMAGES)"),
    ("batch_norm_module_training", "vmap(torch.nn.BatchNorm2d(2).double())(IMAGES)"),
    ("randomness_same_batched_mean", "vmap(lambda a: torch.normal(a, 1.0), randomness='same')(X)"),
]


def fresh_namespace():
    namespace = {"torch": torch}
    exec(PRELUDE, namespace)
    return namespace


def main():
    values = [{"id": case_id, "code": code, "result": encode(eval(code, fresh_namespace()))}
              for case_id, code in VALUES]
    write_data(OUT_PATH, PRELUDE, values, record_errors(ERRORS, fresh_namespace))


if __name__ == "__main__":
    main()
