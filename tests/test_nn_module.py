"""``nn.Module``, ``nn.Parameter``, layers, containers and ``nn.init``.

Against PyTorch 2.13 (``tests/reference/data/nn.json``): module reprs (nested, Sequential, ModuleList,
the lessons' Perception), parameter/buffer/module names, state_dict keys and shapes, ``nn.Linear`` forward
and backward with copied weights and the graph it records. The rest checks behaviour directly: registration,
train/eval, zero_grad, hooks, dtype moves, containers, initialisation statistics and seeding.
"""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from nn_reference import REFERENCE, assert_matches, decode, namespace, tensor

MODULE_CASES = REFERENCE["modules"]


@pytest.fixture(scope="module")
def scope():
    return namespace()


@pytest.mark.parametrize("case", MODULE_CASES, ids=[c["expression"][:50] for c in MODULE_CASES])
def test_module_tree_matches_pytorch(case, scope):
    module = eval(case["expression"], scope)
    assert repr(module) == case["repr"]
    assert [[n, list(p.shape)] for n, p in module.named_parameters()] == case["named_parameters"]
    assert len(list(module.parameters())) == case["parameter_count"]
    assert [[n, list(b.shape)] for n, b in module.named_buffers()] == case["named_buffers"]
    assert [[k, list(v.shape)] for k, v in module.state_dict().items()] == case["state_dict"]
    assert [n for n, _ in module.named_modules()] == case["named_modules"]
    assert [type(c).__name__ for c in module.children()] == case["children"]


# ---------------------------------------------------------------------- nn.Linear against PyTorch
def _graph(fn):
    if fn is None:
        return None
    return fn.name(), [_graph(child) for child, _ in fn.next_functions]


def _reference_graph(node):
    if node is None:
        return None
    return node["name"], [_reference_graph(child) for child in node["next"]]


@pytest.mark.parametrize("case", REFERENCE["linear"], ids=lambda c: f"{c['in_features']}x{c['out_features']}-"
                         f"{len(c['input']['shape'])}d-bias{c['bias']}")
def test_linear_with_copied_weights(case):
    layer = nn.Linear(case["in_features"], case["out_features"], bias=case["bias"])
    assert repr(layer) == case["repr"]
    assert layer.load_state_dict({k: tensor(v) for k, v in case["state"].items()}).missing_keys == []
    x = tensor(case["input"], requires_grad=True)
    y = layer(x)
    assert_matches(y, case["output"], what="output")
    assert _graph(y.grad_fn) == _reference_graph(case["graph"])
    y.backward(tensor(case["grad_output"]))
    assert_matches(x.grad, case["grads"]["input"], what="input gradient")
    for name, param in layer.named_parameters():
        assert_matches(param.grad, case["grads"][name], what=f"{name} gradient")


def test_linear_init_bounds_and_statistics():
    minigrad.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert weight.dtype == np.float32 and weight.shape == (300, 400) and bias.shape == (300,)
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(weight).max() > 0.99 * bound  # the whole range is used
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.01 * bound / math.sqrt(3) + 1e-4
    assert abs(weight.mean()) < 0.01 * bound
    assert layer.weight.requires_grad and layer.weight.is_leaf and isinstance(layer.weight, nn.Parameter)


def test_manual_seed_makes_linear_reproducible():
    minigrad.manual_seed(42)
    first = nn.Linear(3, 3)
    minigrad.manual_seed(42)
    second = nn.Linear(3, 3)
    third = nn.Linear(3, 3)
    np.testing.assert_array_equal(first.weight.detach().numpy(), second.weight.detach().numpy())
    np.testing.assert_array_equal(first.bias.detach().numpy(), second.bias.detach().numpy())
    assert not np.array_equal(second.weight.detach().numpy(), third.weight.detach().numpy())


def test_linear_options():
    layer = nn.Linear(2, 3, bias=False, dtype=minigrad.float64)
    assert layer.bias is None and layer.weight.dtype is minigrad.float64
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer(minigrad.ones(4, 2, dtype=minigrad.float64)).grad_fn.name() == "MmBackward0"


# ---------------------------------------------------------------------- nn.init
def test_init_functions():
    minigrad.manual_seed(1)
    w = minigrad.empty(200, 300)
    nn.init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.99 * bound
    nn.init.xavier_normal_(w)
    assert abs(w.numpy().std() - math.sqrt(2 / 500)) < 0.02 * math.sqrt(2 / 500)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 300)) < 0.02 * math.sqrt(2 / 300)
    nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert np.abs(w.numpy()).max() <= math.sqrt(2) * math.sqrt(3 / 200)
    nn.init.normal_(w, mean=3.0, std=0.5)
    assert abs(w.numpy().mean() - 3.0) < 0.01 and abs(w.numpy().std() - 0.5) < 0.01
    nn.init.uniform_(w, -2.0, -1.0)
    assert w.numpy().min() >= -2.0 and w.numpy().max() <= -1.0
    for fill, value in ((nn.init.zeros_, 0.0), (nn.init.ones_, 1.0), (lambda t: nn.init.constant_(t, 0.25), 0.25)):
        assert fill(w) is w
        assert (w.numpy() == value).all()


def test_init_works_on_parameters_and_helpers():
    param = nn.Parameter(minigrad.zeros(3, 4, 5))
    nn.init.kaiming_uniform_(param)
    assert param.grad_fn is None and param.requires_grad and param._version > 0
    assert nn.init._calculate_fan_in_and_fan_out(param) == (20, 15)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(minigrad.zeros(3))
    assert nn.init.calculate_gain("tanh") == 5.0 / 3
    assert nn.init.calculate_gain("relu") == math.sqrt(2)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert nn.init.calculate_gain("sigmoid") == 1
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")
    with pytest.warns(UserWarning, match="zero-element"):
        nn.init.kaiming_uniform_(minigrad.zeros(0, 3))


# ---------------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_that_requires_grad_and_shares_memory():
    data = minigrad.zeros(2, 2)
    param = nn.Parameter(data)
    assert isinstance(param, minigrad.Tensor) and param.requires_grad and param.is_leaf
    param.data[0, 0] = 5.0
    assert data[0, 0].item() == 5.0
    assert repr(param) == "Parameter containing:\ntensor([[5., 0.],\n        [0., 0.]], requires_grad=True)"
    frozen = nn.Parameter(minigrad.ones(2), requires_grad=False)
    assert repr(frozen) == "Parameter containing:\ntensor([1., 1.])"
    derived = nn.Parameter(minigrad.ones(2, requires_grad=True) * 2)
    assert derived.is_leaf and derived.grad_fn is None
    assert type(param * 2) is minigrad.Tensor  # results of ops are plain tensors
    assert nn.Parameter().shape == (0,)


# ---------------------------------------------------------------------- Module mechanics
class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(3, 4)
        self.second = nn.Linear(4, 2)

    def forward(self, x):
        return self.second(F.relu(self.first(x)))


def test_registration_follows_attribute_assignment():
    model = TwoLayers()
    model.scale = nn.Parameter(minigrad.ones(1))
    model.note = "plain attributes stay plain"
    assert [n for n, _ in model.named_parameters()] == ["scale", "first.weight", "first.bias", "second.weight",
                                                        "second.bias"]
    assert "note" in model.__dict__ and "scale" not in model.__dict__
    model.first = None  # a registered child can be set to None ...
    assert [n for n, _ in model.named_children()] == ["second"]
    del model.scale  # ... or deleted
    assert [n for n, _ in model.named_parameters()] == ["second.weight", "second.bias"]
    model.register_buffer("steps", minigrad.zeros(()))
    model.steps = minigrad.ones(())  # assigning to a buffer name replaces the buffer
    assert model.state_dict()["steps"].item() == 1.0
    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        class Broken(nn.Module):
            def __init__(self):
                self.w = nn.Parameter(minigrad.ones(1))

        Broken()


def test_train_eval_zero_grad_requires_grad_and_apply():
    model = nn.Sequential(TwoLayers(), nn.Dropout())
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())

    model(minigrad.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and (p.grad.numpy() == 0).all() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())

    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "Linear", "TwoLayers", "Dropout", "Sequential"]  # children first


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.named_parameters(remove_duplicate=False))) == 4
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_detaches_and_load_copies_in_place():
    model = TwoLayers()
    state = model.state_dict()
    assert not state["first.weight"].requires_grad
    state["first.weight"][0, 0] = 7.0  # shares memory with the parameter, as in PyTorch
    assert model.first.weight[0, 0].item() == 7.0
    assert model.state_dict(keep_vars=True)["first.weight"] is model.first.weight

    other = TwoLayers()
    weight_object = other.first.weight
    result = other.load_state_dict(model.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert other.first.weight is weight_object  # copied into the existing Parameter
    for (name, a), (_, b) in zip(model.named_parameters(), other.named_parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)

    assigned = TwoLayers()
    assigned.load_state_dict(model.state_dict(), assign=True)
    assert isinstance(assigned.first.weight, nn.Parameter) and assigned.first.weight.requires_grad


def test_buffers_are_state_but_not_parameters(scope):
    module = scope["WithBuffers"]()
    assert [n for n, _ in module.named_parameters()] == ["scale", "inner.weight", "inner.bias"]
    assert [n for n, _ in module.named_buffers()] == ["running", "scratch"]
    assert list(module.state_dict()) == ["scale", "running", "inner.weight", "inner.bias"]  # scratch: not persistent
    module.double()
    assert module.running.dtype is minigrad.float64
    module.register_buffer("marker", nn.Buffer(minigrad.ones(1)).detach())
    module.flag = nn.Buffer(minigrad.zeros(1), persistent=False)
    assert "flag" in dict(module.named_buffers()) and "flag" not in module.state_dict()


def test_dtype_moves_keep_parameter_objects():
    model = TwoLayers()
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1)
    weight = model.first.weight
    model(minigrad.randn(2, 3)).sum().backward()
    assert model.double() is model
    assert model.first.weight is weight and weight.dtype is minigrad.float64
    assert weight.grad.dtype is minigrad.float64
    out = model(minigrad.randn(2, 3, dtype=minigrad.float64))
    assert out.dtype is minigrad.float64
    optimizer.step()  # the optimizer still holds the same (converted) parameters
    model.float()
    assert weight.dtype is minigrad.float32
    assert model.to(minigrad.float64).first.weight.dtype is minigrad.float64
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(minigrad.zeros(1)).first.weight.dtype is minigrad.float32


def test_deepcopy_gives_independent_parameters():
    model = TwoLayers()
    clone = copy.deepcopy(model)
    assert isinstance(clone.first.weight, nn.Parameter)
    with minigrad.no_grad():
        clone.first.weight.fill_(0.0)
    assert not (model.first.weight.detach().numpy() == 0).all()


def test_get_submodule_and_get_parameter(scope):
    model = scope["Perception"](3, 3, 3)
    assert model.get_submodule("layer1") is model.layer1
    assert model.get_parameter("layer2.b") is model.layer2.b
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        model.get_submodule("nope")


# ---------------------------------------------------------------------- hooks
def test_forward_pre_hooks_and_forward_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, output: calls.append(args[0].sum().item()) or output + 1)
    first = layer.register_forward_hook(lambda m, args, output: calls.append("first"), prepend=True)
    y = layer(minigrad.ones(1, 2))
    np.testing.assert_allclose(y.detach().numpy(), layer.bias.detach().numpy()[None] + 1, rtol=1e-6)
    assert calls == ["first", 0.0]
    for handle in (pre, post, first):
        handle.remove()
    np.testing.assert_allclose(layer(minigrad.zeros(1, 2)).detach().numpy(), layer.bias.detach().numpy()[None])

    def with_kwargs(module, args, kwargs):
        return args, {"scale": 3.0}

    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    module = Scaled()
    module.register_forward_pre_hook(with_kwargs, with_kwargs=True)
    assert module(minigrad.ones(1)).item() == 3.0


def test_always_call_forward_hook_runs_when_forward_raises():
    class Failing(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    module = Failing()
    module.register_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        module(minigrad.ones(1))
    assert seen == [None]


def test_full_backward_hook_sees_and_can_replace_gradients():
    layer = nn.Linear(3, 2)
    seen = {}

    def hook(module, grad_input, grad_output):
        seen["grad_input"], seen["grad_output"] = grad_input, grad_output
        return (grad_input[0] * 10,)

    layer.register_full_backward_hook(hook)
    x = minigrad.randn(4, 3, requires_grad=True)
    upstream = minigrad.randn(4, 2)
    y = layer(x)
    y.backward(upstream)
    np.testing.assert_allclose(seen["grad_output"][0].numpy(), upstream.numpy())
    expected = upstream.numpy() @ layer.weight.detach().numpy()
    np.testing.assert_allclose(seen["grad_input"][0].numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), 10 * expected, rtol=1e-5)  # the replacement reached x
    assert y.grad_fn.name() == "BackwardHookFunctionBackward"


def test_full_backward_pre_hook_and_inputs_without_grad():
    layer = nn.Linear(3, 2)
    layer.register_full_backward_pre_hook(lambda module, grad_output: (grad_output[0] * 0,))
    seen = []
    layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that the hook fires on the outputs here
        layer(minigrad.ones(1, 3)).sum().backward()
    (grad_input, grad_output), = seen
    assert grad_input == (None,)
    assert (grad_output[0].numpy() == 0).all()
    assert (layer.weight.grad.numpy() == 0).all()  # the pre-hook zeroed the gradient before the layer


# ---------------------------------------------------------------------- containers
def test_sequential_indexing_and_editing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[3]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail._modules) == ["1", "2", "3"]
    y = seq(minigrad.randn(5, 2))
    assert y.shape == (5, 1) and y.grad_fn.name() == "SigmoidBackward0"
    seq.append(nn.Identity())
    assert len(seq) == 5
    assert seq.pop(1) is layers[1]
    assert list(seq._modules) == ["0", "1", "2", "3"] and seq[1] is layers[2]
    seq.insert(0, nn.Tanh())
    assert type(seq[0]).__name__ == "Tanh" and len(seq) == 5
    del seq[0]
    seq[0] = nn.Linear(2, 3)
    assert seq[0] is not layers[0]
    combined = nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh())
    assert [type(m).__name__ for m in combined] == ["ReLU", "Tanh"]
    seq.extend([nn.ReLU()])
    assert len(seq) == 5


def test_module_list_and_dict():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(blocks) == 3 and len(list(blocks.parameters())) == 6
    blocks.append(nn.ReLU())
    blocks.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in blocks] == ["Tanh", "Linear", "Linear", "Linear", "ReLU"]
    assert isinstance(blocks[1:3], nn.ModuleList) and len(blocks[1:3]) == 2
    del blocks[0]
    assert list(blocks._modules) == ["0", "1", "2", "3"]
    blocks += [nn.Sigmoid()]
    assert len(blocks) == 5
    with pytest.raises(NotImplementedError, match="forward"):
        blocks(minigrad.ones(1))

    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.ReLU()})
    heads["c"] = nn.Tanh()
    assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias"]
    assert type(heads.pop("b")).__name__ == "ReLU"
    heads.update([("d", nn.Identity())])
    assert list(heads.keys()) == ["a", "c", "d"]


# ---------------------------------------------------------------------- the lessons' perceptron
def test_lesson_perception_runs_unchanged(scope):
    minigrad.manual_seed(0)
    model = scope["Perception"](3, 3, 3)
    assert [n for n, _ in model.named_parameters()] == ["layer1.w", "layer1.b", "layer2.w", "layer2.b",
                                                        "fc.weight", "fc.bias"]
    output = model(minigrad.randn(4, 3))
    assert output.shape == (4, 3) and output.grad_fn.name() == "SoftmaxBackward0"
    np.testing.assert_allclose(output.detach().numpy().sum(1), 1, rtol=1e-6)
    label = minigrad.Tensor([0, 1, 2, 0]).long()
    criterion = nn.CrossEntropyLoss()
    loss, loss_functional = criterion(output, label), F.cross_entropy(output, label)
    assert loss.item() == loss_functional.item() and loss.grad_fn.name() == "NllLossBackward0"


def test_perceptron_forward_matches_pytorch(scope):
    """The perceptron with PyTorch's initial weights gives PyTorch's first loss (recorded before step 1)."""
    reference = REFERENCE["perceptron"]
    data, labels = tensor(reference["data"]), tensor(reference["labels"])
    for model_name in ("Perception", "SigmoidPerception"):
        model = scope[model_name](3, 3, 3) if model_name == "Perception" else scope[model_name](3, 4, 3)
        model.load_state_dict({k: tensor(v) for k, v in reference["initial"][model_name].items()})
        first_loss = next(r["losses"][0] for r in reference["runs"] if r["model"] == model_name)
        loss = nn.CrossEntropyLoss()(model(data), labels)
        assert abs(loss.item() - float(first_loss)) < 1e-6
        assert decode(reference["labels"]).dtype == np.int64
