"""Record, with real PyTorch, what the training utilities do: learning-rate schedulers, ``torch.utils.data``,
``torch.nn.utils`` (gradient clipping, parameters as one vector), ``autograd.Variable`` /
``once_differentiable`` and how tensors behave with ``copy``, ``pickle`` and NumPy.

Run from the repository root with torch installed:

    python tests/reference/gen_utils.py

It writes ``tests/reference/data/utils.json``, read by tests/test_lr_scheduler.py, test_utils_data.py,
test_nn_utils.py and test_interop.py. Tensors are encoded as in gen_nn.py (floats as strings, bit for bit).
Lambdas of ``LambdaLR`` are stored as source text (``"lambda epoch: 0.95 ** epoch"``) that the tests ``eval``.
"""
from __future__ import annotations

import copy
import json
import math
import os
import pickle
import warnings
from collections import Counter

import numpy as np
import torch
from torch import nn

from gen_nn import decode, encode  # noqa: E402  (tensors encoded as in nn.json)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "data", "utils.json")
rng = np.random.default_rng(20261206)
STEPS = 30


def error_of(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001 -- recording whatever PyTorch raises
        return {"type": type(error).__name__, "message": str(error)}
    raise AssertionError("expected an error")


def plain(value):
    """A state_dict value as JSON: Counters become dicts, infinities strings."""
    if isinstance(value, Counter):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------------------------
# learning-rate schedulers: two groups (lr 0.1 and 0.5), SGD with momentum or Adam, 30 steps
# ---------------------------------------------------------------------------------------------------------
SCHEDULERS = [
    ("LambdaLR", {"lr_lambda": "lambda epoch: 0.95 ** epoch"}, "SGD"),
    ("LambdaLR", {"lr_lambda": ["lambda epoch: 1.0 / (epoch + 1)", "lambda epoch: 0.5 if epoch > 4 else 1.0"]},
     "SGD"),
    ("MultiStepLR", {"milestones": [5, 12, 12, 20], "gamma": 0.5}, "SGD"),
    ("MultiStepLR", {"milestones": [3, 9]}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 10}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}, "SGD"),
    ("LinearLR", {}, "SGD"),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.6, "total_iters": 12}, "SGD"),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 30}, "SGD"),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 30}, "SGD"),
    ("OneCycleLR", {"max_lr": [0.4, 2.0], "epochs": 3, "steps_per_epoch": 10, "pct_start": 0.25,
                    "anneal_strategy": "linear", "three_phase": True}, "SGD"),
    ("OneCycleLR", {"max_lr": 0.01, "total_steps": 30, "div_factor": 10.0, "final_div_factor": 100.0}, "Adam"),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 31, "cycle_momentum": False}, "SGD"),
]


def make_optimizer(kind):
    params = [nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))]
    if kind == "SGD":
        optimizer = torch.optim.SGD([params[0]], lr=0.1, momentum=0.9)
    else:
        optimizer = torch.optim.Adam([params[0]], lr=0.1)
    optimizer.add_param_group({"params": [params[1]], "lr": 0.5})
    return params, optimizer


def build_kwargs(kwargs):
    if "lr_lambda" not in kwargs:
        return dict(kwargs)
    lr_lambda = kwargs["lr_lambda"]
    return {**kwargs, "lr_lambda": [eval(s) for s in lr_lambda] if isinstance(lr_lambda, list) else eval(lr_lambda)}


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def scheduler_cases():
    cases = []
    for name, kwargs, optimizer_kind in SCHEDULERS:
        params, optimizer = make_optimizer(optimizer_kind)
        scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **build_kwargs(kwargs))
        lrs, momenta = [scheduler.get_last_lr()], [[momentum_of(g) for g in optimizer.param_groups]]
        steps = min(STEPS, getattr(scheduler, "total_steps", STEPS + 1) - 1)
        for _ in range(steps):
            for param in params:
                param.grad = torch.ones_like(param)
            optimizer.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
            momenta.append([momentum_of(g) for g in optimizer.param_groups])
        state = scheduler.state_dict()
        cases.append({"scheduler": name, "kwargs": kwargs, "optimizer": optimizer_kind, "lrs": lrs,
                      "momenta": momenta, "state_keys": list(state),
                      "state_dict": {k: plain(v) for k, v in state.items()
                                     if isinstance(v, (int, float, str, list, Counter, type(None)))
                                     and k != "_schedule_phases"},
                      "group_keys": sorted(optimizer.param_groups[0])})
    return cases


def closed_form_cases():
    """The deprecated ``step(epoch)``: PyTorch jumps with the closed form."""
    cases = []
    for name, kwargs in (("MultiStepLR", {"milestones": [2, 5], "gamma": 0.5}), ("CosineAnnealingLR", {"T_max": 6}),
                         ("LinearLR", {"start_factor": 0.25, "total_iters": 4})):
        _, optimizer = make_optimizer("SGD")
        scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **kwargs)
        lrs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 7, 1, 5):
                scheduler.step(epoch)
                lrs.append(scheduler.get_last_lr())
        cases.append({"scheduler": name, "kwargs": kwargs, "epochs": [3, 7, 1, 5], "lrs": lrs})
    return cases


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.899, 0.8999, 0.95, 0.96, 0.97, 0.98, 0.5, 0.6, 0.7, 0.8,
                   0.9, 1.0, 1.1, 0.49, 0.48, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]


def plateau_cases():
    cases = []
    for kwargs in ({"patience": 2}, {"patience": 1, "factor": 0.5, "cooldown": 2},
                   {"mode": "max", "patience": 0, "factor": 0.5, "threshold_mode": "abs", "threshold": 0.01},
                   {"patience": 0, "factor": 0.1, "min_lr": [0.001, 0.02]}, {"patience": 0, "eps": 0.05}):
        _, optimizer = make_optimizer("SGD")
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
        lrs = [scheduler.get_last_lr()]
        for metric in PLATEAU_METRICS:
            optimizer.step()
            scheduler.step(metric)
            lrs.append(scheduler.get_last_lr())
        state = scheduler.state_dict()
        cases.append({"kwargs": kwargs, "metrics": PLATEAU_METRICS, "lrs": lrs,
                      "state_dict": {k: plain(v) for k, v in state.items()}})
    return cases


def scheduler_errors():
    _, optimizer = make_optimizer("SGD")
    sched = torch.optim.lr_scheduler
    cases = {
        "lambda_count": lambda: sched.LambdaLR(optimizer, [lambda e: 1.0]),
        "linear_start": lambda: sched.LinearLR(optimizer, start_factor=0),
        "linear_end": lambda: sched.LinearLR(optimizer, end_factor=1.5),
        "onecycle_no_steps": lambda: sched.OneCycleLR(optimizer, max_lr=1.0),
        "onecycle_total": lambda: sched.OneCycleLR(optimizer, max_lr=1.0, total_steps=0),
        "onecycle_epochs": lambda: sched.OneCycleLR(optimizer, max_lr=1.0, epochs=0, steps_per_epoch=3),
        "onecycle_pct": lambda: sched.OneCycleLR(optimizer, max_lr=1.0, total_steps=5, pct_start=1.5),
        "onecycle_anneal": lambda: sched.OneCycleLR(optimizer, max_lr=1.0, total_steps=5, anneal_strategy="exp"),
        "onecycle_max_lr_len": lambda: sched.OneCycleLR(optimizer, max_lr=[1.0], total_steps=5),
        "plateau_factor": lambda: sched.ReduceLROnPlateau(optimizer, factor=1.0),
        "plateau_mode": lambda: sched.ReduceLROnPlateau(optimizer, mode="up"),
        "plateau_threshold_mode": lambda: sched.ReduceLROnPlateau(optimizer, threshold_mode="pct"),
        "plateau_min_lrs": lambda: sched.ReduceLROnPlateau(optimizer, min_lr=[0.1]),
        "not_an_optimizer": lambda: sched.CosineAnnealingLR("sgd", T_max=3),
    }
    out = {key: error_of(fn) for key, fn in cases.items()}

    def overstep():
        _, fresh = make_optimizer("SGD")
        scheduler = sched.OneCycleLR(fresh, max_lr=1.0, total_steps=3)
        for _ in range(4):  # epochs 1..3 are allowed, the 4th goes past total_steps
            fresh.step()
            scheduler.step()
    out["onecycle_overstep"] = error_of(overstep)
    _, plain_sgd = make_optimizer("SGD")
    plain_sgd.defaults.pop("momentum")
    out["onecycle_no_momentum"] = error_of(lambda: sched.OneCycleLR(plain_sgd, max_lr=1.0, total_steps=5))
    return out


# ---------------------------------------------------------------------------------------------------------
# torch.utils.data: default_collate, TensorDataset, DataLoader, random_split
# ---------------------------------------------------------------------------------------------------------
def build(spec):
    """A sample from its JSON spec: {"tensor": encoded}, {"ndarray": encoded}, {"np_float32": x}, {"tuple": [...]},
    {"dict": {...}}, lists, numbers and strings as themselves."""
    if isinstance(spec, list):
        return [build(s) for s in spec]
    if isinstance(spec, dict):
        (kind, value), = spec.items()
        if kind == "tensor":
            return decode(value)
        if kind == "ndarray":
            return decode(value).numpy()
        if kind == "np_float32":
            return np.float32(value)
        if kind == "tuple":
            return tuple(build(s) for s in value)
        if kind == "dict":
            return {k: build(v) for k, v in value.items()}
    return spec


def describe(value):
    """A collated batch as JSON, keeping which containers PyTorch returned."""
    if isinstance(value, torch.Tensor):
        return {"tensor": encode(value)}
    if isinstance(value, tuple):
        return {"tuple": [describe(v) for v in value]}
    if isinstance(value, list):
        return {"list": [describe(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {k: describe(v) for k, v in value.items()}}
    return value


def t(values, dtype="float32"):
    return {"tensor": encode(np.array(values, dtype=dtype))}


COLLATE_BATCHES = {
    "tensors": [t([1, 2]), t([3, 4]), t([5, 6])],
    "scalar_tensors": [t(1.5), t(2.5)],
    "int_tensors": [t([1], "int64"), t([2], "int64")],
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "strings": ["a", "b"],
    "tuples": [{"tuple": [t([1.0, 2.0]), 0]}, {"tuple": [t([3.0, 4.0]), 1]}],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"dict": {"x": t([1.0]), "y": 1, "name": "a"}}, {"dict": {"x": t([2.0]), "y": 2, "name": "b"}}],
    "nested": [{"dict": {"pair": {"tuple": [1, t([0.5])]}}}, {"dict": {"pair": {"tuple": [2, t([1.5])]}}}],
    "ndarrays": [{"ndarray": encode(np.array([1.0, 2.0]))}, {"ndarray": encode(np.array([3.0, 4.0]))}],
    "numpy_scalars": [{"np_float32": 1.0}, {"np_float32": 2.0}],
}


def collate_cases():
    from torch.utils.data import default_collate

    cases = {name: {"batch": batch, "collated": describe(default_collate(build(batch)))}
             for name, batch in COLLATE_BATCHES.items()}
    errors = {"unequal_lists": error_of(lambda: default_collate([[1, 2], [3]])),
              "object": error_of(lambda: default_collate([object()])),
              "tensor_dataset_sizes": error_of(lambda: torch.utils.data.TensorDataset(torch.ones(3), torch.ones(2)))}
    return cases, errors


def data_cases():
    from torch.utils.data import DataLoader, TensorDataset, random_split

    dataset = TensorDataset(torch.arange(10.0), torch.arange(10))
    loaders = []
    for kwargs in ({"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": 5}, {"batch_size": 20},
                   {"batch_size": 20, "drop_last": True}, {}):
        loader = DataLoader(dataset, **kwargs)
        loaders.append({"kwargs": kwargs, "len": len(loader), "batches": [describe(b) for b in loader]})
    errors = {
        "sampler_and_shuffle": error_of(lambda: DataLoader(dataset, shuffle=True, sampler=[1])),
        "batch_sampler_and_batch_size": error_of(lambda: DataLoader(dataset, batch_sampler=[[1]], batch_size=2)),
        "batch_size_none_and_drop_last": error_of(lambda: DataLoader(dataset, batch_size=None, drop_last=True)),
        "split_sum": error_of(lambda: random_split(dataset, [3, 3])),
        "split_fraction_sum": error_of(lambda: random_split(range(10), [0.5, 0.6])),
        "split_fraction_range": error_of(lambda: random_split(range(10), [0.5, -0.5, 1.0])),
    }
    splits = []
    for n, lengths in ((10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (2, [0.1, 0.9]), (10, [3, 7]), (5, [0.2] * 5),
                       (3, [0.1, 0.1, 0.8])):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parts = random_split(range(n), lengths)
        splits.append({"n": n, "lengths": lengths, "sizes": [len(p) for p in parts],
                       "warnings": [str(w.message) for w in caught]})
    unbatched = [describe(b) for b in DataLoader(TensorDataset(torch.arange(3.0)), batch_size=None)]
    return {"loaders": loaders, "errors": errors, "splits": splits, "unbatched": unbatched}


# ---------------------------------------------------------------------------------------------------------
# torch.nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters
# ---------------------------------------------------------------------------------------------------------
def clip_cases():
    shapes = [(3, 2), (4,), ()]
    grads = [np.asarray(rng.standard_normal(s) * 2, dtype=np.float32) for s in shapes]
    cases = []
    for kwargs in ({"max_norm": 1.0}, {"max_norm": 100.0}, {"max_norm": 0.5, "norm_type": 1}, {"max_norm": 2, "norm_type": 3.0},
                   {"max_norm": 1.0, "norm_type": "inf"}, {"max_norm": 1.0, "norm_type": 0.5},
                   {"max_norm": 0.0}):
        params = [nn.Parameter(torch.zeros(s)) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g.copy())
        call = {**kwargs, "norm_type": float(kwargs["norm_type"]) if "norm_type" in kwargs else 2.0}
        total = torch.nn.utils.clip_grad_norm_(params, **call)
        cases.append({"kwargs": kwargs, "total_norm": encode(total), "grads": [encode(p.grad) for p in params]})
    value_cases = []
    for clip in (0.5, 3):
        params = [nn.Parameter(torch.zeros(s)) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g.copy())
        result = torch.nn.utils.clip_grad_value_(params, clip)
        value_cases.append({"clip_value": clip, "returns": repr(result), "grads": [encode(p.grad) for p in params]})

    def nonfinite():
        p = nn.Parameter(torch.zeros(2))
        p.grad = torch.tensor([1.0, float("inf")])
        torch.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)

    p = nn.Parameter(torch.zeros(2))
    p.grad = torch.tensor([1.0, float("nan")])
    nan_total = torch.nn.utils.clip_grad_norm_([p], 1.0)
    empty_total = torch.nn.utils.clip_grad_norm_([nn.Parameter(torch.zeros(2))], 1.0)
    single = nn.Parameter(torch.zeros(2))
    single.grad = torch.tensor([3.0, 4.0])
    single_total = torch.nn.utils.clip_grad_norm_(single, 1.0)
    errors = {
        "nonfinite": error_of(nonfinite),
        "vector_not_tensor": error_of(lambda: torch.nn.utils.vector_to_parameters([1.0], [nn.Parameter(torch.zeros(1))])),
    }
    linear = nn.Linear(3, 2)
    vector = torch.nn.utils.parameters_to_vector(linear.parameters())
    return {"grads": [encode(g) for g in grads], "norm": cases, "value": value_cases, "errors": errors,
            "nan_total": encode(nan_total), "nan_grad": encode(p.grad), "empty_total": repr(empty_total),
            "single": {"total": encode(single_total), "grad": encode(single.grad)},
            "parameters_to_vector": {"shape": list(vector.shape), "grad_fn": type(vector.grad_fn).__name__}}


# ---------------------------------------------------------------------------------------------------------
# autograd.Variable, once_differentiable
# ---------------------------------------------------------------------------------------------------------
def autograd_cases():
    from torch.autograd import Variable
    from torch.autograd.function import once_differentiable

    base = torch.ones(2)
    made = Variable(base, requires_grad=True)

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return 2 * x * grad

    x = torch.tensor([1.0, 3.0], dtype=torch.float64, requires_grad=True)
    # d/dx of x^2 * x through Square: the gradient reaching Square's backward (x) requires grad under create_graph
    (first,) = torch.autograd.grad((Square.apply(x) * x).sum(), x, create_graph=True)
    error_node = first.grad_fn.next_functions[1][0]
    (ones_in,) = torch.autograd.grad(Square.apply(x).sum(), x, create_graph=True)  # a constant gradient came in
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Variable(torch.ones(1), volatile=True)
    return {
        "variable": {"is_same_object": made is base, "requires_grad": made.requires_grad, "is_leaf": made.is_leaf,
                     "shares_storage": made.data_ptr() == base.data_ptr(), "type": repr(type(made)),
                     "isinstance": isinstance(base, Variable), "default_requires_grad": Variable(base).requires_grad,
                     "of_non_leaf_grad_fn": repr(Variable(torch.ones(1) * x.float()).grad_fn),
                     "empty": repr(Variable()),
                     "volatile_warning": [str(w.message) for w in caught]},
        "variable_errors": {"list": error_of(lambda: Variable([1.0])),
                            "int_requires_grad": error_of(lambda: Variable(torch.ones(1, dtype=torch.long),
                                                                           requires_grad=True))},
        "once_differentiable": {
            "first_grad": encode(first), "first_grad_fn": first.grad_fn.name(),
            "error_node": error_node.name(), "error_node_next": error_node.next_functions[0][0].name(),
            "constant_grad_requires_grad": ones_in.requires_grad,
            "double_backward": error_of(lambda: first.sum().backward()),
        },
    }


# ---------------------------------------------------------------------------------------------------------
# tensors in copy, pickle and NumPy
# ---------------------------------------------------------------------------------------------------------
def interop_cases():
    leaf = torch.tensor([1.0, 2.0], requires_grad=True)
    leaf.grad = torch.tensor([0.5, 0.5])
    computed = leaf * 2
    shallow = copy.copy(leaf)
    deep = copy.deepcopy(leaf)
    pickled = pickle.loads(pickle.dumps(leaf))
    pickled_computed = pickle.loads(pickle.dumps(computed))
    shallow_computed = copy.copy(computed)
    ints = torch.tensor([1, 2])

    def facts(t, source):
        return {"requires_grad": t.requires_grad, "is_leaf": t.is_leaf, "grad": None if t.grad is None else encode(t.grad),
                "shares_storage": t.data_ptr() == source.data_ptr(), "values": encode(t), "dtype": str(t.dtype)}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PyTorch's __array_wrap__ signature, NumPy 2
        ufuncs = {
            "exp_float32": np.exp(torch.tensor([0.0, 1.0])),
            "exp_float64": np.exp(torch.tensor([0.0, 1.0], dtype=torch.float64)),
            "exp_int64": np.exp(ints),
            "exp_0d": np.exp(torch.tensor(1.0)),
            "add_scalar": np.add(torch.tensor([1.0, 2.0]), 1),
            "maximum": np.maximum(torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0])),
            "greater": np.greater(torch.tensor([1.0, 5.0]), 2),
            "sqrt_int": np.sqrt(torch.tensor([4, 9])),
        }
    ufunc_out = {k: {"type": type(v).__qualname__, "value": encode(v), "repr": repr(v)} for k, v in ufuncs.items()}
    return {
        "copy": facts(shallow, leaf), "deepcopy": facts(deep, leaf), "pickle": facts(pickled, leaf),
        "pickle_computed": facts(pickled_computed, computed), "copy_computed": facts(shallow_computed, computed),
        "deepcopy_computed": error_of(lambda: copy.deepcopy(computed)),
        "asarray_requires_grad": error_of(lambda: np.asarray(leaf)),
        "ufunc_requires_grad": error_of(lambda: np.exp(leaf)),
        "asarray_dtype": str(np.asarray(torch.tensor([1.0, 2.0])).dtype),
        "asarray_to_float64": str(np.asarray(torch.tensor([1.0, 2.0]), dtype=np.float64).dtype),
        "ufuncs": ufunc_out,
        "type_repr": repr(type(leaf)), "parameter_type_repr": repr(nn.Parameter), "linear_type_repr": repr(nn.Linear),
        "parameter_pickle": facts(pickle.loads(pickle.dumps(nn.Parameter(torch.ones(2)))), leaf),
        "parameter_pickle_type": repr(type(pickle.loads(pickle.dumps(nn.Parameter(torch.ones(2)))))),
    }


def main():
    collate, collate_errors = collate_cases()
    data = {
        "schedulers": scheduler_cases(), "closed_form": closed_form_cases(), "plateau": plateau_cases(),
        "scheduler_errors": scheduler_errors(),
        "collate": collate, "collate_errors": collate_errors, "data": data_cases(),
        "clip": clip_cases(), "autograd": autograd_cases(), "interop": interop_cases(),
    }
    with open(OUT_PATH, "w") as file:
        json.dump(data, file, indent=1, sort_keys=False)
        file.write("\n")
    print(f"wrote {OUT_PATH}")


if __name__ == "__main__":
    main()
