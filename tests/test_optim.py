"""``minigrad.optim`` against PyTorch 2.13: every optimizer and option, schedulers, and the lessons'
perceptron trained with each optimizer.

* ``optimizers``: from fixed parameters, six steps with fixed gradients (a third parameter never gets one
  and must be left alone); the parameters after every step, the final ``state_dict`` and the ``repr``.
  float32 to 1e-5 relative, float64 to 1e-10.
* ``perceptron``: the hand-written ``Linear``/``Perception`` of the lessons, PyTorch's initial weights,
  ``CrossEntropyLoss`` on its softmax output, 20 steps: every step's loss equal to PyTorch's within 1e-5.
* fast paths: SGD, Adam and in-place arithmetic compute on NumPy arrays when nothing records; they must give
  the general tensor-op path's values, state and version counts to the bit.
"""
from __future__ import annotations

import contextlib
import copy
import operator
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import optim
from minigrad._tensor_methods import _update_array_in_place
from minigrad.autograd import forward_ad
from minigrad.optim.optimizer import array_updates
from nn_reference import REFERENCE, assert_matches, decode, namespace, tensor


def _kwargs(kwargs):
    return {k: tuple(v) if k == "betas" else v for k, v in kwargs.items()}


def _normalised_groups(groups):
    return [{k: list(v) if isinstance(v, tuple) else v for k, v in group.items()} for group in groups]


def _check_state_dict(state_dict, expected):
    assert _normalised_groups(state_dict["param_groups"]) == expected["param_groups"]
    assert sorted(str(k) for k in state_dict["state"]) == sorted(expected["state"])
    for index, entry in state_dict["state"].items():
        reference = expected["state"][str(index)]
        assert list(entry) == list(reference)
        for key, value in entry.items():
            if isinstance(value, minigrad.Tensor):
                assert_matches(value, reference[key], what=f"state[{index}][{key!r}]")
            else:
                assert value == reference[key]


@pytest.mark.parametrize("case", REFERENCE["optimizers"], ids=[c["id"] for c in REFERENCE["optimizers"]])
def test_optimizer_matches_pytorch(case):
    params = [nn.Parameter(tensor(p)) for p in case["initial"]]
    optimizer = getattr(optim, case["optimizer"])(params, **_kwargs(case["kwargs"]))
    assert repr(optimizer) == case["repr"]
    for step, (gradients, expected) in enumerate(zip(case["gradients"], case["trajectory"])):
        optimizer.zero_grad()
        for param, gradient in zip(params, gradients):
            param.grad = tensor(gradient)
        assert optimizer.step() is None
        for i, (param, reference) in enumerate(zip(params, expected)):
            assert_matches(param, reference, what=f"parameter {i} after step {step + 1}")
    np.testing.assert_array_equal(params[2].detach().numpy(), decode(case["initial"][2]))  # never had a grad
    _check_state_dict(optimizer.state_dict(), case["state_dict"])


def test_param_groups_with_their_own_options():
    case = REFERENCE["optimizer_groups"]
    params = [nn.Parameter(tensor(p)) for p in case["initial"]]
    optimizer = optim.SGD([{"params": [params[0]]}], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": [params[1]], "lr": 0.01, "nesterov": True})
    assert repr(optimizer) == case["repr"]
    for gradients, expected in zip(case["gradients"], case["trajectory"]):
        for param, gradient in zip(params, gradients):
            param.grad = tensor(gradient)
        optimizer.step()
        for param, reference in zip(params, expected):
            assert_matches(param, reference)
    _check_state_dict(optimizer.state_dict(), case["state_dict"])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [params[0]]})


@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.1, "amsgrad": True}),
                                          ("AdamW", {"lr": 0.1}), ("RMSprop", {"centered": True, "momentum": 0.5}),
                                          ("Adagrad", {"lr_decay": 0.1})])
def test_state_dict_round_trip_continues_identically(name, kwargs):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((3, 2)).astype(np.float32)
    gradients = [rng.standard_normal((3, 2)).astype(np.float32) for _ in range(6)]
    first = nn.Parameter(minigrad.tensor(start))
    first_optimizer = getattr(optim, name)([first], **kwargs)
    for gradient in gradients[:3]:
        first.grad = minigrad.tensor(gradient)
        first_optimizer.step()
    second = nn.Parameter(first.detach().clone())
    second_optimizer = getattr(optim, name)([second], lr=123.0)  # options come from the state dict
    # state_dict() hands out the state tensors themselves (as PyTorch does); a saved copy is independent
    second_optimizer.load_state_dict(copy.deepcopy(first_optimizer.state_dict()))
    assert second_optimizer.param_groups[0]["lr"] == first_optimizer.param_groups[0]["lr"]
    for gradient in gradients[3:]:
        for param, optimizer in ((first, first_optimizer), (second, second_optimizer)):
            param.grad = minigrad.tensor(gradient)
            optimizer.step()
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())


def test_load_state_dict_checks_groups():
    optimizer = optim.SGD([nn.Parameter(minigrad.zeros(2))], lr=0.1)
    other = optim.SGD([nn.Parameter(minigrad.zeros(2)), nn.Parameter(minigrad.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optimizer.load_state_dict(other.state_dict())
    two_groups = optim.SGD([{"params": [nn.Parameter(minigrad.zeros(1))]},
                            {"params": [nn.Parameter(minigrad.zeros(1))]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optimizer.load_state_dict(two_groups.state_dict())


def test_zero_grad_closure_and_step_hooks():
    param = nn.Parameter(minigrad.tensor([1.0, -2.0]))
    optimizer = optim.SGD([param], lr=0.5)
    order = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: order.append("pre"))
    handle = optimizer.register_step_post_hook(lambda opt, args, kwargs: order.append("post"))

    def closure():
        optimizer.zero_grad()
        assert minigrad.is_grad_enabled()  # the closure recomputes the loss with grad mode on
        loss = (param * param).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 5.0 and order == ["pre", "post"]
    np.testing.assert_allclose(param.detach().numpy(), [0.0, 0.0])  # p - 0.5 * 2p
    assert param.grad_fn is None and param.requires_grad  # updates are not recorded
    handle.remove()
    optimizer.step(closure)
    assert order == ["pre", "post", "pre"]
    optimizer.zero_grad(set_to_none=False)
    assert (param.grad.numpy() == 0).all()
    optimizer.zero_grad()
    assert param.grad is None


def test_named_parameters_and_non_leaf_checks():
    model = nn.Linear(2, 2)
    optimizer = optim.Adam(model.named_parameters())
    assert optimizer.param_groups[0]["param_names"] == ["weight", "bias"]
    assert optimizer.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {model.weight}}], lr=0.1)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.Adam(model.parameters(), differentiable=True)


# ---------------------------------------------------------------------- schedulers
@pytest.mark.parametrize("case", REFERENCE["schedulers"], ids=lambda c: f"{c['scheduler']}-{c['kwargs']}")
def test_scheduler_matches_pytorch(case):
    param = nn.Parameter(minigrad.zeros(2))
    optimizer = optim.SGD([param], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": [nn.Parameter(minigrad.zeros(1))], "lr": 0.5})
    scheduler = getattr(optim.lr_scheduler, case["scheduler"])(optimizer, **case["kwargs"])
    lrs = [scheduler.get_last_lr()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # optimizer.step() comes first: no warning
        for _ in range(len(case["lrs"]) - 1):
            param.grad = minigrad.ones(2)
            optimizer.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
    np.testing.assert_allclose(lrs, case["lrs"], rtol=1e-15)
    state = scheduler.state_dict()
    assert list(state) == list(case["state_dict"])
    for key, value in case["state_dict"].items():
        if isinstance(value, (list, float)):
            np.testing.assert_allclose(state[key], value, rtol=1e-15, err_msg=key)
        else:
            assert state[key] == value, key
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx(case["group_lrs"], rel=1e-15)
    assert [g["initial_lr"] for g in optimizer.param_groups] == case["initial_lrs"]

    resumed = getattr(optim.lr_scheduler, case["scheduler"])(
        optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1), **case["kwargs"])
    resumed.load_state_dict(state)
    assert resumed.last_epoch == scheduler.last_epoch and resumed.get_last_lr() == scheduler.get_last_lr()


def test_scheduler_warns_when_stepped_before_the_optimizer():
    optimizer = optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1)


# ---------------------------------------------------------------------- the lessons' perceptron
PERCEPTRON = REFERENCE["perceptron"]


@pytest.mark.parametrize("run", PERCEPTRON["runs"], ids=lambda r: f"{r['model']}-{r['optimizer']}-{r['kwargs']}")
def test_perceptron_training_reaches_pytorchs_losses(run):
    scope = namespace()
    data, labels = tensor(PERCEPTRON["data"]), tensor(PERCEPTRON["labels"])
    model_class = scope[run["model"]]
    model = model_class(3, 3, 3) if run["model"] == "Perception" else model_class(3, 4, 3)
    model.load_state_dict({k: tensor(v) for k, v in PERCEPTRON["initial"][run["model"]].items()})
    optimizer = getattr(optim, run["optimizer"])(model.parameters(), **_kwargs(run["kwargs"]))
    criterion = nn.CrossEntropyLoss()
    losses = []
    for _ in range(PERCEPTRON["steps"]):
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    np.testing.assert_allclose(losses, [float(v) for v in run["losses"]], rtol=0, atol=1e-5)
    assert losses[-1] < losses[0]
    for name, value in model.state_dict().items():
        assert_matches(value, run["final_state"][name], tolerance={"rtol": 1e-4, "atol": 1e-5}, what=name)


# ---------------------------------------------------------------------- fast paths on arrays
# SGD and Adam write their step on NumPy arrays when nothing records (``array_updates``), and so do add_,
# sub_, mul_, div_, zero_ and the augmented assignments (``_update_array_in_place``). Both hand the work to
# the general tensor-op path while a forward-AD level is open (tensor ops must then see the update), so the
# same calls inside ``forward_ad.dual_level()`` give the reference the fast paths must equal. The in-place
# methods' path is for host arrays only; the optimizers' also runs on device arrays (checked on strict ones).
FLOAT_DTYPES = [np.float32, np.float64]


def _assert_same_tensor(actual, expected, what):
    """Same dtype, same bytes (NaN payloads and signed zeros included) and the same version count."""
    a, e = actual.detach().numpy(), expected.detach().numpy()
    assert a.dtype == e.dtype and a.shape == e.shape, what
    assert a.tobytes() == e.tobytes(), f"{what}: {a} != {e}"
    assert actual._version == expected._version, f"{what}: version {actual._version} != {expected._version}"


@pytest.mark.host_only
def test_forward_ad_switches_the_fast_paths_off():
    """Guards the tests below: they compare two different paths only if this switch selects them."""
    param = nn.Parameter(minigrad.ones(2))
    param.grad = minigrad.ones(2)
    group = optim.SGD([param], lr=0.1).param_groups[0]
    with minigrad.no_grad():  # as step() runs
        assert array_updates(group, (0.1,)) is not None
        with forward_ad.dual_level():
            assert array_updates(group, (0.1,)) is None
    x = minigrad.zeros(2)
    assert _update_array_in_place(x, operator.iadd, 1.0)
    with forward_ad.dual_level():
        assert not _update_array_in_place(x, operator.iadd, 1.0)


@pytest.mark.host_only
def test_fast_paths_take_equal_dtypes_that_are_other_objects():
    """An unpickled array (the benchmarks send their data to worker processes this way) carries its own
    float32 dtype object, and so do gradients computed from it: equal to the parameter's, not the same
    object. The array paths must still take them (they once compared dtypes by identity and fell back to the
    tensor loop, a quarter slower)."""
    import pickle

    data = np.array(pickle.loads(pickle.dumps(np.ones((3, 2), dtype=np.float32))), copy=True)
    assert data.dtype == np.float32 and data.dtype is not np.dtype(np.float32)
    layer = nn.Linear(2, 1)
    layer(minigrad.from_numpy(data)).sum().backward()
    assert layer.weight.grad._array.dtype is not layer.weight._array.dtype
    with minigrad.no_grad():
        assert array_updates(optim.Adam(layer.parameters()).param_groups[0], (0.1,)) is not None
    assert _update_array_in_place(minigrad.zeros(3, 2), operator.iadd, minigrad.from_numpy(data))


FAST_PATH_OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.25}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01, "maximize": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.9), "maximize": True}),  # 1 - beta1 >= 0.5: lerp's other formula
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
]


def _steps(name, kwargs, dtype, tensor_path_steps, device=None):
    """Four steps from fixed parameters and gradients (the third parameter never gets one); the steps
    numbered in ``tensor_path_steps`` run with the fast path off."""
    rng = np.random.default_rng(0)
    params = [nn.Parameter(minigrad.tensor(rng.standard_normal(shape).astype(dtype), device=device))
              for shape in ((3, 2), (4,), (2,))]
    optimizer = getattr(optim, name)(params, **kwargs)
    for step in range(4):
        for param in params[:2]:
            param.grad = minigrad.tensor(rng.standard_normal(param.shape).astype(dtype), device=device)
        if step in tensor_path_steps:
            with forward_ad.dual_level():
                optimizer.step()
        else:
            optimizer.step()
    return params, optimizer


def _assert_same_optimizer_run(actual, expected):
    (params, optimizer), (expected_params, expected_optimizer) = actual, expected
    for i, (param, reference) in enumerate(zip(params, expected_params)):
        _assert_same_tensor(param, reference, f"parameter {i}")
        if reference.grad is not None:  # maximize negates a copy, never the gradient itself
            _assert_same_tensor(param.grad, reference.grad, f"gradient {i}")
        state, expected_state = optimizer.state.get(param, {}), expected_optimizer.state.get(reference, {})
        assert list(state) == list(expected_state), f"state keys of parameter {i}"
        for key, value in state.items():
            _assert_same_tensor(value, expected_state[key], f"state[{i}][{key!r}]")


@pytest.mark.host_only
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name, kwargs", FAST_PATH_OPTIMIZERS, ids=lambda v: v if isinstance(v, str) else str(v))
def test_optimizer_step_on_arrays_equals_the_tensor_step(name, kwargs, dtype):
    """SGD's and Adam's array steps (``_sgd_on_arrays``, ``Adam._step_on_arrays``) against their tensor-op
    loops: the same parameters, optimizer state and version counts, bit for bit, after four steps."""
    _assert_same_optimizer_run(_steps(name, kwargs, dtype, ()), _steps(name, kwargs, dtype, range(4)))


@pytest.mark.parametrize("name, kwargs", FAST_PATH_OPTIMIZERS, ids=lambda v: v if isinstance(v, str) else str(v))
def test_optimizer_step_on_device_arrays_equals_the_tensor_step(name, kwargs):
    """The array steps compute with the parameter's own namespace, so they run on device arrays too (the
    strict arrays stand in for CuPy's): the same results as the tensor-op loop there."""
    param = nn.Parameter(minigrad.ones(2, device="strict"))
    param.grad = minigrad.ones(2, device="strict")
    with minigrad.no_grad():
        assert array_updates(optim.SGD([param]).param_groups[0], (0.1,)) is not None
    _assert_same_optimizer_run(_steps(name, kwargs, np.float32, (), "strict"),
                               _steps(name, kwargs, np.float32, range(4), "strict"))


@pytest.mark.host_only
@pytest.mark.parametrize("name, kwargs", FAST_PATH_OPTIMIZERS, ids=lambda v: v if isinstance(v, str) else str(v))
def test_optimizer_paths_continue_each_others_state(name, kwargs):
    """Alternating the paths step by step ends where the array path alone does: each path reads the state
    (momentum buffers, step counts, moments) the other one created and left, as its own."""
    _assert_same_optimizer_run(_steps(name, kwargs, np.float32, (1, 3)), _steps(name, kwargs, np.float32, ()))


def _in_other_float_dtype(t):
    return t.to(minigrad.float64 if t.dtype == minigrad.float32 else minigrad.float32)


# In-place updates as an optimizer or a training loop writes them, on a leaf that requires grad (under no_grad)
IN_PLACE_UPDATES = {
    "x -= t": lambda x, t, row: operator.isub(x, t),
    "x += number": lambda x, t, row: operator.iadd(x, 0.1),
    "x += int": lambda x, t, row: operator.iadd(x, 3),
    "x *= number": lambda x, t, row: operator.imul(x, 0.9),
    "x /= t": lambda x, t, row: operator.itruediv(x, t),
    "add_(t, alpha=)": lambda x, t, row: x.add_(t, alpha=-0.1),
    "sub_(t, alpha=)": lambda x, t, row: x.sub_(t, alpha=0.3),
    "mul_(t)": lambda x, t, row: x.mul_(t),
    "div_(number)": lambda x, t, row: x.div_(3),
    "zero_()": lambda x, t, row: x.zero_(),
    "x += bias_row": lambda x, t, row: operator.iadd(x, row),
    "x += t of the other float dtype": lambda x, t, row: operator.iadd(x, _in_other_float_dtype(t)),
    "x.mul_(0-d t of the other float dtype)": lambda x, t, row: x.mul_(_in_other_float_dtype(t[0, 0])),
    "x[1] += row (a view)": lambda x, t, row: operator.iadd(x[1], row),
}


def _update_in_place(update, dtype):
    rng = np.random.default_rng(1)
    x = minigrad.tensor(rng.standard_normal((2, 3)).astype(dtype), requires_grad=True)
    t = minigrad.tensor(rng.standard_normal((2, 3)).astype(dtype))
    row = minigrad.tensor(rng.standard_normal(3).astype(dtype))
    with minigrad.no_grad():
        result = update(x, t, row)
    assert result._version == x._version  # the tensor changed (self, or a view sharing self's counter)
    return x, t


@pytest.mark.host_only
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("update", list(IN_PLACE_UPDATES))
def test_in_place_update_on_arrays_equals_the_general_path(update, dtype):
    """The in-place methods' NumPy shortcut against ``_in_place``'s general path: the same values, and one
    version bump on the updated tensor (shared with its views), the operand untouched."""
    fast = _update_in_place(IN_PLACE_UPDATES[update], dtype)
    with forward_ad.dual_level():
        general = _update_in_place(IN_PLACE_UPDATES[update], dtype)
    _assert_same_tensor(fast[0], general[0], "updated tensor")
    _assert_same_tensor(fast[1], general[1], "operand")
    assert fast[0]._version == 1


@pytest.mark.host_only
@pytest.mark.parametrize("shape", [(4,), (2, 2, 3)], ids=["not broadcastable", "broadcasts to a larger shape"])
def test_refused_in_place_update_raises_as_the_general_path(shape):
    """An operand NumPy refuses makes the shortcut step aside before writing: PyTorch's error from the
    general path, the tensor and its version unchanged."""
    messages = []
    for path in (contextlib.nullcontext, forward_ad.dual_level):  # the shortcut first, then the general path
        x = minigrad.zeros(2, 3)
        with path(), pytest.raises(RuntimeError) as raised:
            x += minigrad.ones(*shape)
        assert x.tolist() == [[0.0] * 3] * 2 and x._version == 0
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
