"""Generate reference data for minigrad.nn / minigrad.optim with real PyTorch.

Run with torch installed, from the repository root:

    python tests/reference/gen_nn.py

It writes ``tests/reference/data/nn.json``, read by ``tests/test_nn_*.py`` and ``tests/test_optim.py``
(which never import torch). Sections:

* ``prelude``      -- Python source run before module/error cases (the lessons' hand-written ``Linear``
                      and ``Perception``), with ``torch``/``nn``/``F`` bound to torch here, minigrad there;
* ``functional``   -- calls of ``torch.nn.functional`` (losses, activations, linear) with their inputs,
                      output, gradients and ``grad_fn`` name; ``module`` names the equivalent layer;
* ``linear``       -- ``nn.Linear`` forward/backward with copied weights, and the graph it records;
* ``modules``      -- module expressions with their repr, parameter names/shapes, state_dict keys;
* ``errors``       -- code that raises (or warns): exception type and PyTorch's exact message;
* ``optimizers``   -- each optimizer over fixed parameters and per-step gradients: trajectory + state_dict;
* ``schedulers``   -- learning rates per epoch and the scheduler state_dict;
* ``perceptron``   -- the lessons' perceptron trained with each optimizer: the loss at every step.

Tensors are stored as ``{"dtype", "shape", "values"}``; floats as shortest round-trip strings (so nan and
inf survive JSON): decode with ``np.array([float(s) for s in values]).astype(dtype)``.
"""
from __future__ import annotations

import json
import os
import warnings
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "data", "nn.json")
rng = np.random.default_rng(20240603)


def encode(tensor):
    array = tensor.detach().numpy() if isinstance(tensor, torch.Tensor) else np.asarray(tensor)
    flat = array.reshape(-1)
    if array.dtype.kind == "f":
        values = [str(v) for v in flat]
        assert np.array([float(s) for s in values]).astype(array.dtype).tobytes() == flat.tobytes()
    else:
        values = flat.tolist()
    return {"dtype": str(array.dtype), "shape": list(array.shape), "values": values}


def decode(data):
    dtype = np.dtype(data["dtype"])
    values = data["values"]
    array = np.array([float(s) for s in values]).astype(dtype) if dtype.kind == "f" else np.array(values, dtype)
    return torch.from_numpy(array.reshape(data["shape"]).copy())


def normal(*shape, scale=1.0, dtype=np.float32):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def uniform(*shape, low=0.0, high=1.0, dtype=np.float32):
    return rng.uniform(low, high, shape).astype(dtype)


# ---------------------------------------------------------------------------------------------------------
# functional calls: losses, activations, linear
# ---------------------------------------------------------------------------------------------------------
functional_cases = []


def resolve(value, tensors):
    if isinstance(value, dict) and "$tensor" in value:
        return tensors[value["$tensor"]]
    return value


def add_functional(name, call, arrays, args, kwargs=None, requires_grad=("input",), module=None,
                   module_kwargs=None, upstream=True):
    """Run F.<call>(*args, **kwargs); args/kwargs name entries of ``arrays`` via {"$tensor": name}."""
    kwargs = kwargs or {}
    tensors = {key: torch.from_numpy(np.array(value, copy=True)) for key, value in arrays.items()}
    for key in requires_grad:
        tensors[key].requires_grad_(True)
    call_args = [tensors[a] if isinstance(a, str) and a in tensors else a for a in args]
    call_kwargs = {k: resolve(v, tensors) for k, v in kwargs.items()}
    output = getattr(F, call)(*call_args, **call_kwargs)
    case = {"id": f"{len(functional_cases):03d}-{name}", "call": call, "args": list(args), "kwargs": kwargs,
            "tensors": {k: encode(v) for k, v in tensors.items()}, "requires_grad": list(requires_grad),
            "output": encode(output), "grad_fn": output.grad_fn.name() if output.grad_fn is not None else None,
            "module": module, "module_kwargs": module_kwargs or {}}
    if requires_grad:
        grad_output = None
        if upstream and output.dim() > 0:
            grad_output = torch.from_numpy(normal(*output.shape, dtype=output.detach().numpy().dtype))
        output.backward(grad_output if grad_output is not None else torch.ones_like(output))
        case["grad_output"] = encode(grad_output) if grad_output is not None else None
        case["grads"] = {key: encode(tensors[key].grad) for key in requires_grad}
        for key in requires_grad:
            assert torch.isfinite(tensors[key].grad).all() or "nonfinite" in name, name
    if module is not None:  # the layer must compute the same thing as the function
        layer_kwargs = {k: resolve(v, tensors) for k, v in (module_kwargs or {}).items()}
        layer = getattr(nn, module)(**layer_kwargs)
        with torch.no_grad():
            assert torch.equal(layer(*call_args[:2]), output.detach()) or torch.allclose(
                layer(*call_args[:2]), output.detach(), equal_nan=True)
    functional_cases.append(case)


def losses():
    shapes = (4, 5)
    for dtype in (np.float32, np.float64):
        tag = np.dtype(dtype).name
        for reduction in ("mean", "sum", "none"):
            common = {"reduction": reduction}
            # regression losses
            arrays = {"input": normal(*shapes, dtype=dtype), "target": normal(*shapes, dtype=dtype)}
            for call, module in (("mse_loss", "MSELoss"), ("l1_loss", "L1Loss")):
                add_functional(f"{call}-{reduction}-{tag}", call, arrays, ["input", "target"], common,
                               requires_grad=("input", "target"), module=module, module_kwargs=common)
            # classification on logits, class indices
            logits = normal(6, 4, scale=2.0, dtype=dtype)
            target = np.array([0, 3, 1, 2, 3, 1], dtype=np.int64)
            weight = uniform(4, low=0.2, high=2.0, dtype=dtype)
            variants = {
                "plain": ({}, {}),
                "weight": ({"weight": {"$tensor": "weight"}}, {"weight": weight}),
                "ignore": ({"ignore_index": 3}, {}),
                "smoothing": ({"label_smoothing": 0.2}, {}),
                "all": ({"weight": {"$tensor": "weight"}, "ignore_index": 1, "label_smoothing": 0.1},
                        {"weight": weight}),
            }
            for variant, (options, extra) in variants.items():
                arrays = {"input": logits, "target": target, **extra}
                kwargs = {**options, **common}
                add_functional(f"cross_entropy-{variant}-{reduction}-{tag}", "cross_entropy", arrays,
                               ["input", "target"], kwargs, module="CrossEntropyLoss", module_kwargs=kwargs)
                if "label_smoothing" not in options:
                    log_probs = torch.log_softmax(torch.from_numpy(logits), 1).numpy()
                    arrays = {"input": log_probs, "target": target, **extra}
                    add_functional(f"nll_loss-{variant}-{reduction}-{tag}", "nll_loss", arrays,
                                   ["input", "target"], kwargs, module="NLLLoss", module_kwargs=kwargs)
            # extreme logits: +-1000 must give finite losses and gradients
            extreme = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0], [0.0, 0.0, -1000.0]], dtype=dtype)
            arrays = {"input": extreme, "target": np.array([1, 0, 2], dtype=np.int64)}
            add_functional(f"cross_entropy-extreme-{reduction}-{tag}", "cross_entropy", arrays, ["input", "target"],
                           common, module="CrossEntropyLoss", module_kwargs=common)
            add_functional(f"cross_entropy-extreme-smoothing-{reduction}-{tag}", "cross_entropy", arrays,
                           ["input", "target"], {**common, "label_smoothing": 0.3})
            # other shapes: one sample (C,), spatial (N, C, d), (N, C, h, w)
            add_functional(f"cross_entropy-1d-{reduction}-{tag}", "cross_entropy",
                           {"input": normal(5, dtype=dtype), "target": np.array(2, dtype=np.int64)},
                           ["input", "target"], common)
            add_functional(f"cross_entropy-3d-{reduction}-{tag}", "cross_entropy",
                           {"input": normal(2, 3, 4, dtype=dtype), "target": rng.integers(0, 3, (2, 4))},
                           ["input", "target"], {**common, "ignore_index": 0})
            add_functional(f"nll_loss-4d-{reduction}-{tag}", "nll_loss",
                           {"input": normal(2, 3, 2, 2, dtype=dtype), "target": rng.integers(0, 3, (2, 2, 2)),
                            "weight": uniform(3, low=0.5, high=1.5, dtype=dtype)},
                           ["input", "target"], {**common, "weight": {"$tensor": "weight"}})
            # class probabilities as targets
            probabilities = torch.softmax(torch.from_numpy(normal(4, 3, dtype=dtype)), 1).numpy()
            add_functional(f"cross_entropy-probabilities-{reduction}-{tag}", "cross_entropy",
                           {"input": normal(4, 3, dtype=dtype), "target": probabilities,
                            "weight": uniform(3, low=0.5, high=1.5, dtype=dtype)},
                           ["input", "target"], {**common, "weight": {"$tensor": "weight"}, "label_smoothing": 0.1})
            # binary cross-entropy on probabilities (incl. exactly 0 and 1: logs clamp at -100)
            probs = uniform(3, 4, low=0.02, high=0.98, dtype=dtype)
            binary = (rng.random((3, 4)) < 0.5).astype(dtype)
            soft = uniform(3, 4, dtype=dtype)
            bce_weight = uniform(4, low=0.5, high=2.0, dtype=dtype)
            add_functional(f"binary_cross_entropy-{reduction}-{tag}", "binary_cross_entropy",
                           {"input": probs, "target": soft}, ["input", "target"], common,
                           requires_grad=("input", "target"), module="BCELoss", module_kwargs=common)
            add_functional(f"binary_cross_entropy-weight-{reduction}-{tag}", "binary_cross_entropy",
                           {"input": probs, "target": binary, "weight": bce_weight}, ["input", "target"],
                           {**common, "weight": {"$tensor": "weight"}}, module="BCELoss",
                           module_kwargs={**common, "weight": {"$tensor": "weight"}})
            edges = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 1e-30]], dtype=dtype)
            add_functional(f"binary_cross_entropy-edges-{reduction}-{tag}", "binary_cross_entropy",
                           {"input": edges, "target": np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.3]], dtype=dtype)},
                           ["input", "target"], common)
            # binary cross-entropy on logits, with weight / pos_weight, and extreme logits
            logits = normal(3, 4, scale=3.0, dtype=dtype)
            pos_weight = uniform(4, low=0.5, high=3.0, dtype=dtype)
            for variant, options, extra in (
                    ("plain", {}, {}),
                    ("weight", {"weight": {"$tensor": "weight"}}, {"weight": bce_weight}),
                    ("pos_weight", {"pos_weight": {"$tensor": "pos_weight"}}, {"pos_weight": pos_weight}),
                    ("both", {"weight": {"$tensor": "weight"}, "pos_weight": {"$tensor": "pos_weight"}},
                     {"weight": bce_weight, "pos_weight": pos_weight})):
                kwargs = {**options, **common}
                add_functional(f"binary_cross_entropy_with_logits-{variant}-{reduction}-{tag}",
                               "binary_cross_entropy_with_logits", {"input": logits, "target": soft, **extra},
                               ["input", "target"], kwargs, requires_grad=("input", "target"),
                               module="BCEWithLogitsLoss", module_kwargs=kwargs)
            extreme = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [0.0, 50.0]], dtype=dtype)
            add_functional(f"binary_cross_entropy_with_logits-extreme-{reduction}-{tag}",
                           "binary_cross_entropy_with_logits",
                           {"input": extreme, "target": np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 0.25]], dtype=dtype),
                            "pos_weight": np.array([2.0, 0.5], dtype=dtype)},
                           ["input", "target"], {**common, "pos_weight": {"$tensor": "pos_weight"}},
                           requires_grad=("input", "target"))


def activations():
    x = normal(3, 5, scale=2.0)
    x[0, 0] = 1000.0
    x[1, 1] = -1000.0
    for call, kwargs, module, module_kwargs in (
            ("relu", {}, "ReLU", {}), ("sigmoid", {}, "Sigmoid", {}), ("tanh", {}, "Tanh", {}),
            ("softmax", {"dim": 1}, "Softmax", {"dim": 1}), ("softmax", {"dim": 0}, "Softmax", {"dim": 0}),
            ("log_softmax", {"dim": 1}, "LogSoftmax", {"dim": 1}),
            ("log_softmax", {"dim": -1}, "LogSoftmax", {"dim": -1}),
            ("leaky_relu", {}, "LeakyReLU", {}),
            ("leaky_relu", {"negative_slope": 0.2}, "LeakyReLU", {"negative_slope": 0.2}),
            ("logsigmoid", {}, "LogSigmoid", {})):
        add_functional(f"{call}-{len(kwargs)}", call, {"input": x}, ["input"], kwargs, module=module,
                       module_kwargs=module_kwargs)
    weight, bias = normal(5, 4), normal(5)
    for shape in ((3, 4), (4,), (2, 3, 4)):
        add_functional(f"linear-{len(shape)}d", "linear",
                       {"input": normal(*shape), "weight": weight, "bias": bias}, ["input", "weight", "bias"],
                       requires_grad=("input", "weight", "bias"))
        add_functional(f"linear-{len(shape)}d-nobias", "linear", {"input": normal(*shape), "weight": weight},
                       ["input", "weight"], requires_grad=("input", "weight"))


def smooth_activations():
    """GELU, SiLU, Softplus and ELU (recorded last, so that their random draws leave the other cases as they were)."""
    for dtype in (np.float32, np.float64):
        x = normal(3, 5, scale=2.0, dtype=dtype)
        x[0, 0] = 1000.0
        x[1, 1] = -1000.0
        x[2, 2] = 0.0
        x[2, 3] = 10.25  # softplus(beta=2, threshold=20): just above its threshold
        tag = np.dtype(dtype).name
        for call, kwargs, module, module_kwargs in (
                ("gelu", {}, "GELU", {}), ("gelu", {"approximate": "tanh"}, "GELU", {"approximate": "tanh"}),
                ("silu", {}, "SiLU", {}), ("softplus", {}, "Softplus", {}),
                ("softplus", {"beta": 2.0, "threshold": 20.0}, "Softplus", {"beta": 2.0, "threshold": 20.0}),
                ("softplus", {"beta": 0.5}, "Softplus", {"beta": 0.5}),
                ("elu", {}, "ELU", {}), ("elu", {"alpha": 0.5}, "ELU", {"alpha": 0.5})):
            add_functional(f"{call}-{'-'.join(f'{k}={v}' for k, v in kwargs.items()) or 'default'}-{tag}", call,
                           {"input": x}, ["input"], kwargs, module=module, module_kwargs=module_kwargs)


def layer_norms():
    """F.layer_norm with and without weight/bias, over one and two trailing dimensions (recorded after the
    smooth activations, so that the earlier cases keep their random draws)."""
    for dtype in (np.float32, np.float64):
        tag = np.dtype(dtype).name
        x = normal(3, 5, scale=2.0, dtype=dtype)
        x[1] = 0.75  # a constant row: variance 0, so 1 / sqrt(eps) scales it
        layer = "LayerNorm" if dtype == np.float32 else None  # a float64 input needs float64 parameters
        add_functional(f"layer_norm-plain-{tag}", "layer_norm", {"input": x}, ["input"], {"normalized_shape": [5]},
                       module=layer, module_kwargs={"normalized_shape": 5})
        add_functional(f"layer_norm-eps-{tag}", "layer_norm", {"input": x}, ["input"],
                       {"normalized_shape": [5], "eps": 1e-3}, module=layer,
                       module_kwargs={"normalized_shape": [5], "eps": 1e-3})
        arrays = {"input": normal(2, 3, 4, scale=3.0, dtype=dtype) + 1.5, "weight": normal(3, 4, dtype=dtype),
                  "bias": normal(3, 4, dtype=dtype)}
        add_functional(f"layer_norm-affine-{tag}", "layer_norm", arrays, ["input"],
                       {"normalized_shape": [3, 4], "weight": {"$tensor": "weight"}, "bias": {"$tensor": "bias"}},
                       requires_grad=("input", "weight", "bias"))
        arrays = {"input": normal(2, 2, 6, dtype=dtype), "weight": normal(6, dtype=dtype)}
        add_functional(f"layer_norm-weight-{tag}", "layer_norm", arrays, ["input"],
                       {"normalized_shape": [6], "weight": {"$tensor": "weight"}}, requires_grad=("input", "weight"))
        add_functional(f"layer_norm-weight-frozen-{tag}", "layer_norm", arrays, ["input"],
                       {"normalized_shape": [2, 6], "weight": None, "eps": 0.1}, requires_grad=("input",))


def embeddings_and_similarities():
    """F.embedding (repeated indices, padding_idx), F.normalize and F.cosine_similarity at and around their
    eps floors (recorded after the layer norms, so that the earlier cases keep their random draws)."""
    for dtype in (np.float32, np.float64):
        tag = np.dtype(dtype).name
        weight = normal(6, 3, dtype=dtype)
        indices = np.array([[0, 2, 2, 5], [4, 1, 0, 2]], dtype=np.int64)
        for name, kwargs in (("plain", {}), ("padding", {"padding_idx": 2}), ("padding-negative", {"padding_idx": -1})):
            add_functional(f"embedding-{name}-{tag}", "embedding", {"input": indices, "weight": weight},
                           ["input", "weight"], kwargs, requires_grad=("weight",))
        add_functional(f"embedding-int32-scalar-{tag}", "embedding",
                       {"input": np.array(3, dtype=np.int32), "weight": weight}, ["input", "weight"],
                       requires_grad=("weight",))
        x = normal(4, 5, dtype=dtype)
        x[1] = 0.0  # norm 0: the floor eps
        x[2] = 0.0
        x[2, 1] = 1e-13  # a norm under normalize's eps (1e-12)
        x[3, :2] = 2.5  # ties for the inf-norm
        x[3, 2:] = -2.5
        for name, kwargs in (("default", {}), ("dim0", {"dim": 0}), ("p1", {"p": 1}), ("p3", {"p": 3.0}),
                             ("pinf", {"p": float("inf")}), ("eps", {"eps": 0.5}), ("dim-neg", {"dim": -1})):
            add_functional(f"normalize-{name}-{tag}", "normalize", {"input": x}, ["input"], kwargs)
        x1, x2 = normal(4, 5, dtype=dtype), normal(4, 5, dtype=dtype)
        x1[1] = 0.0
        x1[2] = 0.0
        x1[2, 0] = 1e-9  # a norm under cosine_similarity's eps (1e-8)
        x2[3] = x1[3] * 3  # parallel: similarity 1
        arrays = {"x1": x1, "x2": x2}
        for name, kwargs in (("default", {}), ("dim0", {"dim": 0}), ("eps", {"eps": 0.5})):
            add_functional(f"cosine_similarity-{name}-{tag}", "cosine_similarity", arrays, ["x1", "x2"], kwargs,
                           requires_grad=("x1", "x2"))
        add_functional(f"cosine_similarity-broadcast-{tag}", "cosine_similarity",
                       {"x1": x1, "x2": normal(5, dtype=dtype)}, ["x1", "x2"], {"dim": -1},
                       requires_grad=("x1", "x2"))
        add_functional(f"cosine_similarity-integer-{tag}", "cosine_similarity",
                       {"x1": x1, "x2": np.arange(20, dtype=np.int64).reshape(4, 5) - 7}, ["x1", "x2"],
                       requires_grad=("x1",))


# ---------------------------------------------------------------------------------------------------------
# nn.Linear with copied weights, and the graph it records
# ---------------------------------------------------------------------------------------------------------
def graph_of(fn, depth=0, limit=4):
    if fn is None:
        return None
    node = {"name": fn.name(), "next": []}
    if depth < limit:
        node["next"] = [graph_of(child, depth + 1, limit) for child, _ in fn.next_functions]
    return node


def linear_cases():
    cases = []
    for in_features, out_features, bias, shape in ((4, 5, True, (3, 4)), (3, 3, True, (2, 3)),
                                                   (4, 2, False, (6, 4)), (4, 5, True, (2, 3, 4))):
        layer = nn.Linear(in_features, out_features, bias=bias)
        state = {name: encode(value) for name, value in layer.state_dict().items()}
        x = torch.from_numpy(normal(*shape)).requires_grad_(True)
        y = layer(x)
        grad_output = torch.from_numpy(normal(*y.shape))
        y.backward(grad_output)
        cases.append({"in_features": in_features, "out_features": out_features, "bias": bias, "state": state,
                      "input": encode(x), "output": encode(y), "grad_output": encode(grad_output),
                      "grads": {"input": encode(x.grad), **{n: encode(p.grad) for n, p in layer.named_parameters()}},
                      "graph": graph_of(y.grad_fn), "repr": repr(layer)})
    return cases


# ---------------------------------------------------------------------------------------------------------
# modules: repr, names, state dicts
# ---------------------------------------------------------------------------------------------------------
PRELUDE = '''
class Linear(nn.Module):
    def __init__(self, in_dim, out_dim):
        super(Linear, self).__init__()
        self.w = nn.Parameter(torch.randn(in_dim, out_dim))
        self.b = nn.Parameter(torch.randn(out_dim))

    def forward(self, x):
        x = x.matmul(self.w)
        y = x + self.b.expand_as(x)
        return y


class Perception(nn.Module):
    def __init__(self, in_dim, hid_dim, out_dim):
        super(Perception, self).__init__()
        self.layer1 = Linear(in_dim, hid_dim)
        self.relu = nn.ReLU(inplace=True)
        self.layer2 = Linear(hid_dim, out_dim)
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        x = self.layer1(x)
        y = torch.relu(x)
        y = self.layer2(y)
        y = torch.softmax(y, dim=1)
        return y


class SigmoidPerception(nn.Module):
    def __init__(self, in_dim, hid_dim, out_dim):
        super().__init__()
        self.layer1 = Linear(in_dim, hid_dim)
        self.layer2 = Linear(hid_dim, out_dim)

    def forward(self, x):
        x = self.layer1(x)
        y = torch.sigmoid(x)
        y = self.layer2(y)
        return torch.softmax(y, dim=1)


class SequentialPerception(nn.Module):
    def __init__(self, in_dim, hid_dim, out_dim):
        super(SequentialPerception, self).__init__()
        self.layer = nn.Sequential(
            nn.Linear(in_dim, hid_dim),
            nn.Sigmoid(),
            nn.Linear(hid_dim, out_dim),
            nn.Sigmoid()
        )

    def forward(self, x):
        y = self.layer(x)
        return y


class WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(2))
        self.register_buffer("running", torch.zeros(2))
        self.register_buffer("scratch", torch.zeros(3), persistent=False)
        self.inner = nn.Linear(2, 2)


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = self.a
        self.seq = nn.Sequential(self.a, nn.Tanh())
'''

MODULE_EXPRESSIONS = [
    "nn.Linear(3, 3)", "nn.Linear(4, 2, bias=False)", "nn.ReLU()", "nn.ReLU(inplace=True)", "nn.Sigmoid()",
    "nn.Tanh()", "nn.Softmax(dim=1)", "nn.LogSoftmax(dim=-1)", "nn.Softmax()", "nn.LeakyReLU()",
    "nn.LeakyReLU(0.2, inplace=True)", "nn.Dropout()", "nn.Dropout(p=0.1, inplace=True)", "nn.Identity()",
    "nn.Flatten()", "nn.Flatten(0, 2)", "nn.LogSigmoid()",
    "nn.GELU()", "nn.GELU(approximate='tanh')", "nn.SiLU()", "nn.SiLU(inplace=True)", "nn.Softplus()",
    "nn.Softplus(beta=2, threshold=10)", "nn.ELU()", "nn.ELU(alpha=0.5, inplace=True)", "nn.ELU(alpha=2)",
    "nn.MSELoss()", "nn.L1Loss(reduction='sum')", "nn.CrossEntropyLoss()",
    "nn.CrossEntropyLoss(weight=torch.ones(3), label_smoothing=0.1)", "nn.NLLLoss(ignore_index=0)",
    "nn.BCELoss()", "nn.BCEWithLogitsLoss(pos_weight=torch.ones(2))",
    "nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))",
    "nn.Sequential()",
    "nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 3), nn.ReLU()), nn.Softmax(dim=1))",
    "nn.Sequential(OrderedDict([('hidden', nn.Linear(3, 4)), ('act', nn.Tanh()), ('out', nn.Linear(4, 1))]))",
    "nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid())[1:]",
    "nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid())[::2]",
    "nn.Sequential(nn.Linear(2, 3)).append(nn.ReLU()).append(nn.Linear(3, 3))",
    "nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])",
    "nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])",
    "nn.ModuleList()",
    "nn.ModuleDict({'encoder': nn.Linear(3, 2), 'act': nn.ReLU(), 'heads': nn.ModuleList([nn.Linear(2, 1)])})",
    "Linear(3, 3)", "Perception(3, 3, 3)", "SigmoidPerception(3, 4, 3)", "SequentialPerception(1000, 10000, 10)",
    "WithBuffers()", "Shared()",
    "nn.LayerNorm(4)", "nn.LayerNorm((3, 4), eps=1e-3, elementwise_affine=False)", "nn.LayerNorm([2, 5], bias=False)",
    "nn.Embedding(10, 3)", "nn.Embedding(10, 3, padding_idx=-1)", "nn.Embedding(4, 2, padding_idx=0)",
    "nn.Sequential(nn.Embedding(7, 4), nn.LayerNorm(4))",
]


def module_cases():
    cases = []
    namespace = {"torch": torch, "nn": nn, "F": F, "OrderedDict": OrderedDict}
    exec(PRELUDE, namespace)
    for expression in MODULE_EXPRESSIONS:
        module = eval(expression, namespace)
        cases.append({
            "expression": expression,
            "repr": repr(module),
            "named_parameters": [[n, list(p.shape)] for n, p in module.named_parameters()],
            "parameter_count": len(list(module.parameters())),
            "named_buffers": [[n, list(b.shape)] for n, b in module.named_buffers()],
            "state_dict": [[k, list(v.shape)] for k, v in module.state_dict().items()],
            "named_modules": [n for n, _ in module.named_modules()],
            "children": [type(c).__name__ for c in module.children()],
        })
    return cases


# ---------------------------------------------------------------------------------------------------------
# errors and warnings, in PyTorch's words
# ---------------------------------------------------------------------------------------------------------
ERROR_CODE = [
    # load_state_dict
    'nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(3, 3)})',
    'nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(3, 3), "bias": torch.zeros(3), "extra": torch.ones(1)})',
    'nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(3, 4), "bias": torch.zeros(3)})',
    'nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(3, 4), "extra": torch.zeros(2)})',
    'nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(3, 4)}, strict=False)',
    'nn.Linear(3, 3).load_state_dict({"weight": 3, "bias": torch.zeros(3)})',
    'nn.Linear(3, 3).load_state_dict([("weight", torch.zeros(3, 3))])',
    'nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)).load_state_dict({"0.weight": torch.zeros(2, 2), '
    '"0.bias": torch.zeros(2), "2.weight": torch.zeros(1, 2), "1.weight": torch.zeros(1), "3.bias": torch.zeros(1)})',
    'Perception(3, 3, 3).load_state_dict({"layer1.w": torch.zeros(3, 3), "layer2.w": torch.zeros(3, 3), '
    '"fc.weight": torch.zeros(3, 3), "fc.bias": torch.zeros(3)})',
    # load_state_dict results that do not raise
    'nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(3, 3)}, strict=False)',
    'nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(3, 3), "bias": torch.zeros(3)})',
    'nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(3, 3), "bias": torch.zeros(3), "x": torch.ones(1)}, '
    'strict=False)',
    # registration
    'nn.Linear(2, 2).__setattr__("weight", torch.zeros(2, 2))',
    'nn.Module().register_parameter("a.b", nn.Parameter(torch.zeros(1)))',
    'nn.Module().register_parameter("x", torch.zeros(1))',
    'nn.Module().register_buffer("x", 3)',
    'nn.Module().add_module("x", 3)',
    'nn.Linear(2, 2).missing_attribute',
    'nn.Module()(torch.zeros(1))',
    'nn.Module().train("yes")',
    'nn.Parameter(torch.tensor([1, 2]))',
    'nn.Sequential(nn.ReLU())[3]',
    'nn.ModuleList([nn.ReLU()])[-2]',
    'nn.Linear(2, 2).to(torch.int64)',
    # functional errors
    'F.nll_loss(torch.randn(3, 4), torch.tensor([0, 5, 1]))',
    'F.nll_loss(torch.randn(3, 4), torch.tensor([0, -3, 1]))',
    'F.nll_loss(torch.randn(3, 4), torch.tensor([0, 1]))',
    'F.nll_loss(torch.randn(3, 4), torch.tensor([0.0, 1.0, 1.0]))',
    'F.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1, 1]), weight=torch.ones(3))',
    'F.cross_entropy(torch.randn(3, 4), torch.rand(3, 4), ignore_index=1)',
    'F.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1, 1]), label_smoothing=1.5)',
    'F.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1, 1]), reduction="avg")',
    'F.cross_entropy(torch.randn(3, 4), torch.tensor([[0, 1, 1]]))',
    'F.binary_cross_entropy(torch.tensor([0.5, 1.2]), torch.tensor([0.0, 1.0]))',
    'F.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([[0.0], [1.0]]))',
    'F.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([0, 1]))',
    'F.binary_cross_entropy_with_logits(torch.tensor([0.5, 0.2]), torch.tensor([[0.0], [1.0]]))',
    'F.mse_loss(torch.randn(3, 4), torch.randn(4))',
    'F.l1_loss(torch.randn(3, 4), torch.randn(4))',
    'F.mse_loss(torch.randn(3, 4), torch.randn(5))',
    'F.one_hot(torch.tensor([0, 3]), 3)',
    'F.one_hot(torch.tensor([0, -1]), 3)',
    'F.one_hot(torch.tensor([0.0, 1.0]))',
    'F.dropout(torch.randn(3), 1.5)',
    'nn.Dropout(-0.1)',
    'F.softmax(torch.randn(2, 3))',
    'nn.Linear(3, 3)(torch.randn(2, 4))',
    'nn.MSELoss(size_average=False)',
    # optimizers
    'torch.optim.SGD([], lr=0.1)',
    'torch.optim.SGD(torch.zeros(2, requires_grad=True), lr=0.1)',
    'torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=-1)',
    'torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, nesterov=True)',
    'torch.optim.SGD([torch.zeros(2, requires_grad=True) * 2], lr=0.1)',
    'torch.optim.Adam([torch.zeros(2, requires_grad=True)], betas=(1.0, 0.9))',
    'torch.optim.Adam([torch.zeros(2, requires_grad=True)], eps=-1.0)',
    'torch.optim.RMSprop([torch.zeros(2, requires_grad=True)], alpha=-1.0)',
    'torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], lr_decay=-1.0)',
    'torch.optim.SGD({torch.zeros(2, requires_grad=True)}, lr=0.1)',
    'torch.optim.SGD([3], lr=0.1)',
    # smooth activations
    'F.gelu(torch.ones(2), approximate="sigmoid")',
    'nn.GELU(approximate="exact")(torch.ones(2))',
    'F.gelu(torch.tensor([1, 2]))',
    'F.silu(torch.tensor([1, 2]))',
    'F.softplus(torch.tensor([1, 2]))',
    'F.elu(torch.tensor([1, 2]))',
    # layer_norm
    'F.layer_norm(torch.randn(2, 3), (4,))',
    'F.layer_norm(torch.randn(4), (2, 4))',
    'nn.LayerNorm(4)(torch.randn(3))',
    'F.layer_norm(torch.randn(2, 4), (4,), torch.ones(3))',
    'F.layer_norm(torch.randn(2, 4), (4,), None, torch.ones(2, 2))',
    'F.layer_norm(torch.randn(2, 4), 4)',
    'F.layer_norm(torch.randn(2, 4), [])',
    'F.layer_norm(torch.tensor([[1, 2]]), (2,))',
    'nn.LayerNorm(4)(torch.randn(2, 4, dtype=torch.float64))',
    'F.layer_norm(torch.randn(2, 4), (4,), None, torch.ones(4, dtype=torch.float64))',
    'F.layer_norm(torch.randn(2, 4, dtype=torch.float64), (4,), torch.ones(4, dtype=torch.float64), torch.ones(4))',
    'F.layer_norm(torch.randn(2, 4, dtype=torch.float16), (4,), torch.ones(4), torch.ones(4)).dtype',
    # embedding, normalize, cosine_similarity
    'F.embedding(torch.tensor([0.0, 1.0]), torch.randn(3, 2))',
    'F.embedding(torch.tensor([0, 1], dtype=torch.int16), torch.randn(3, 2))',
    'F.embedding(torch.tensor([0, 3]), torch.randn(3, 2))',
    'F.embedding(torch.tensor([0, -1]), torch.randn(3, 2))',
    'F.embedding(torch.tensor([0, 1]), torch.randn(3, 2), padding_idx=3)',
    'F.embedding(torch.tensor([0, 1]), torch.randn(3, 2), padding_idx=-4)',
    'F.embedding(torch.tensor([0, 1]), torch.randn(3))',
    'nn.Embedding(3, 2, padding_idx=3)',
    'nn.Embedding(3, 2, padding_idx=-4)',
    'nn.Embedding(3, 2, _weight=torch.zeros(2, 3))',
    'nn.Embedding(3, 2)(torch.tensor([[0.5]]))',
    'F.normalize(torch.randn(2, 3), dim=2)',
    'F.normalize(torch.tensor([1, 2]), dim=0)',
    'F.cosine_similarity(torch.randn(2, 3), torch.randn(2, 4))',
    'F.cosine_similarity(torch.randn(2, 3), torch.randn(2, 3), dim=2)',
    'F.cosine_similarity(torch.tensor([1, 2]), torch.tensor([1, 2]), dim=0)',
]


def error_cases():
    cases = []
    namespace = {"torch": torch, "nn": nn, "F": F, "OrderedDict": OrderedDict}
    exec(PRELUDE, namespace)
    for code in ERROR_CODE:
        case = {"code": code, "error": None, "message": None, "warnings": [], "result": None}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = eval(code, namespace)
                case["result"] = str(result) if "load_state_dict" in code else None
            except Exception as error:  # noqa: BLE001 - we record whatever PyTorch raises
                case["error"] = type(error).__name__
                case["message"] = str(error) if not isinstance(error, KeyError) else error.args[0]
        case["warnings"] = [[w.category.__name__, str(w.message)] for w in caught]
        cases.append(case)
    return cases


# ---------------------------------------------------------------------------------------------------------
# optimizers over fixed parameters and gradients
# ---------------------------------------------------------------------------------------------------------
OPTIMIZER_CASES = [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}), ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.02, "momentum": 0.7, "nesterov": True, "weight_decay": 0.3}),
    ("Adam", {}), ("Adam", {"lr": 0.05}), ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "betas": [0.8, 0.9], "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.02, "maximize": True, "amsgrad": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.02, "betas": [0.3, 0.5]}),
    ("AdamW", {}), ("AdamW", {"lr": 0.05, "weight_decay": 0.1}), ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "betas": [0.5, 0.7], "maximize": True}),
    ("RMSprop", {}), ("RMSprop", {"lr": 0.01, "alpha": 0.9}), ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.1, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.01, "maximize": True, "alpha": 0.3}),
    ("Adagrad", {}), ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}), ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.05, "maximize": True, "lr_decay": 0.1}),
]
STEPS = 6


def make_kwargs(kwargs):
    return {k: tuple(v) if k == "betas" else v for k, v in kwargs.items()}


def encode_state_dict(state_dict):
    state = {str(index): {key: encode(value) if isinstance(value, torch.Tensor) else value
                          for key, value in entry.items()} for index, entry in state_dict["state"].items()}
    groups = [{key: list(value) if isinstance(value, tuple) else value for key, value in group.items()}
              for group in state_dict["param_groups"]]
    return {"state": state, "param_groups": groups}


def optimizer_cases():
    cases = []
    for dtype in (np.float32, np.float64):
        for name, kwargs in OPTIMIZER_CASES:
            initial = [normal(3, 4, dtype=dtype), normal(4, dtype=dtype), normal(2, dtype=dtype)]
            # the third parameter never gets a gradient: optimizers must skip it
            gradients = [[normal(3, 4, dtype=dtype), normal(4, scale=0.1, dtype=dtype)] for _ in range(STEPS)]
            params = [nn.Parameter(torch.from_numpy(p.copy())) for p in initial]
            optimizer = getattr(torch.optim, name)(params, **make_kwargs(kwargs))
            trajectory = []
            for step_grads in gradients:
                optimizer.zero_grad()
                for param, grad in zip(params, step_grads):
                    param.grad = torch.from_numpy(grad.copy())
                optimizer.step()
                trajectory.append([encode(p) for p in params])
            cases.append({"id": f"{name}-{len(cases):02d}-{np.dtype(dtype).name}", "optimizer": name,
                          "kwargs": kwargs, "initial": [encode(p) for p in initial],
                          "gradients": [[encode(g) for g in step] for step in gradients],
                          "trajectory": trajectory, "state_dict": encode_state_dict(optimizer.state_dict()),
                          "repr": repr(optimizer)})
    # two parameter groups with their own options
    params = [nn.Parameter(torch.from_numpy(normal(3))), nn.Parameter(torch.from_numpy(normal(2)))]
    initial = [p.detach().clone() for p in params]
    optimizer = torch.optim.SGD([{"params": [params[0]]}], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": [params[1]], "lr": 0.01, "nesterov": True})
    gradients = [[normal(3), normal(2)] for _ in range(STEPS)]
    trajectory = []
    for step_grads in gradients:
        for param, grad in zip(params, step_grads):
            param.grad = torch.from_numpy(grad.copy())
        optimizer.step()
        trajectory.append([encode(p) for p in params])
    groups_case = {"initial": [encode(p) for p in initial], "gradients": [[encode(g) for g in s] for s in gradients],
                   "trajectory": trajectory, "state_dict": encode_state_dict(optimizer.state_dict()),
                   "repr": repr(optimizer)}
    return cases, groups_case


def scheduler_cases():
    cases = []
    for name, kwargs, epochs in (("StepLR", {"step_size": 3, "gamma": 0.5}, 10), ("StepLR", {"step_size": 1}, 4),
                                 ("ExponentialLR", {"gamma": 0.9}, 8)):
        param = nn.Parameter(torch.zeros(2))
        optimizer = torch.optim.SGD([param, ], lr=0.1, momentum=0.9)
        optimizer.add_param_group({"params": [nn.Parameter(torch.zeros(1))], "lr": 0.5})
        scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **kwargs)
        lrs = [scheduler.get_last_lr()]
        for _ in range(epochs):
            param.grad = torch.ones(2)
            optimizer.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
        cases.append({"scheduler": name, "kwargs": kwargs, "lrs": lrs, "state_dict": scheduler.state_dict(),
                      "group_lrs": [g["lr"] for g in optimizer.param_groups],
                      "initial_lrs": [g["initial_lr"] for g in optimizer.param_groups]})
    return cases


# ---------------------------------------------------------------------------------------------------------
# the lessons' perceptron trained with each optimizer
# ---------------------------------------------------------------------------------------------------------
PERCEPTRON_OPTIMIZERS = [
    ("SGD", {"lr": 0.5}), ("SGD", {"lr": 0.2, "momentum": 0.9}), ("Adam", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.05}), ("RMSprop", {"lr": 0.01}), ("Adagrad", {"lr": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("Adam", {"lr": 0.02, "amsgrad": True, "weight_decay": 1e-4}),
    ("RMSprop", {"lr": 0.002, "alpha": 0.9, "momentum": 0.5, "centered": True}),
]
PERCEPTRON_STEPS = 20


def perceptron_case():
    namespace = {"torch": torch, "nn": nn, "F": F, "OrderedDict": OrderedDict}
    exec(PRELUDE, namespace)
    torch.manual_seed(3)
    data = torch.randn(8, 3)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    initial = {}
    for model_name in ("Perception", "SigmoidPerception"):
        torch.manual_seed(7)
        model = namespace[model_name](3, 3, 3) if model_name == "Perception" else namespace[model_name](3, 4, 3)
        initial[model_name] = {name: encode(value) for name, value in model.state_dict().items()}
    runs = []
    for model_name in ("Perception", "SigmoidPerception"):
        for name, kwargs in PERCEPTRON_OPTIMIZERS:
            model = namespace[model_name](3, 3, 3) if model_name == "Perception" else namespace[model_name](3, 4, 3)
            model.load_state_dict({k: decode(v) for k, v in initial[model_name].items()})
            optimizer = getattr(torch.optim, name)(model.parameters(), **make_kwargs(kwargs))
            criterion = nn.CrossEntropyLoss()
            step_losses = []
            for _ in range(PERCEPTRON_STEPS):
                optimizer.zero_grad()
                output = model(data)
                loss = criterion(output, labels)
                loss.backward()
                optimizer.step()
                step_losses.append(str(loss.item()))
            runs.append({"model": model_name, "optimizer": name, "kwargs": kwargs, "losses": step_losses,
                         "final_state": {k: encode(v) for k, v in model.state_dict().items()}})
    return {"data": encode(data), "labels": encode(labels), "initial": initial, "steps": PERCEPTRON_STEPS,
            "runs": runs}


def main():
    torch.manual_seed(0)  # nn.Linear's initial weights: the file is the same on every run
    losses()
    activations()
    optimizers, groups_case = optimizer_cases()
    document = {
        "torch_version": torch.__version__,
        "prelude": PRELUDE,
        "functional": functional_cases,
        "linear": linear_cases(),
        "modules": module_cases(),
        "errors": error_cases(),
        "optimizers": optimizers,
        "optimizer_groups": groups_case,
        "schedulers": scheduler_cases(),
        "perceptron": perceptron_case(),
    }
    smooth_activations()  # appended to document["functional"]: see its docstring
    layer_norms()  # appended too
    embeddings_and_similarities()  # and these
    with open(OUT_PATH, "w") as f:
        json.dump(document, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT_PATH}: {len(functional_cases)} functional, {len(document['modules'])} modules, "
          f"{len(document['errors'])} errors, {len(optimizers)} optimizer cases, "
          f"{len(document['perceptron']['runs'])} perceptron runs")


if __name__ == "__main__":
    main()
