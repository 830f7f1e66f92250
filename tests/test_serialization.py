"""``minigrad.save`` / ``minigrad.load``: state dicts round-trip through a pickle-free ``.npz`` file.

Checks: module and optimizer state dicts (training continues identically after a reload), nested
structures, dtypes and 0-d tensors, the on-disk format (readable with ``allow_pickle=False``, with a format
marker), and clear errors, naming the file, for anything that is not ours -- a malicious pickle is never
unpickled.
"""
from __future__ import annotations

import io
import json
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import optim
from nn_reference import namespace


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_module_state_dict_round_trip(tmp_path):
    minigrad.manual_seed(0)
    model = _model()
    path = tmp_path / "model.pt"
    minigrad.save(model.state_dict(), path)
    loaded = minigrad.load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(model.state_dict())
    for name, value in model.state_dict().items():
        assert loaded[name].dtype is value.dtype and not loaded[name].requires_grad
        np.testing.assert_array_equal(loaded[name].numpy(), value.numpy())
    fresh = _model()
    assert repr(fresh.load_state_dict(loaded)) == "<All keys matched successfully>"
    x = minigrad.randn(5, 3)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_lesson_perception_round_trip(tmp_path):
    scope = namespace()
    model = scope["Perception"](3, 3, 3)
    minigrad.save(model.state_dict(), str(tmp_path / "perception.pt"))  # str paths too, name kept as given
    assert (tmp_path / "perception.pt").exists()
    other = scope["Perception"](3, 3, 3)
    other.load_state_dict(minigrad.load(str(tmp_path / "perception.pt")))
    for (name, a), (_, b) in zip(model.named_parameters(), other.named_parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)


@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                          ("Adam", {"lr": 0.05, "amsgrad": True}),
                                          ("RMSprop", {"centered": True}), ("Adagrad", {})])
def test_optimizer_checkpoint_resumes_identically(tmp_path, name, kwargs):
    minigrad.manual_seed(1)
    data, target = minigrad.randn(8, 3), minigrad.randn(8, 2)
    model = _model()
    optimizer = getattr(optim, name)(model.parameters(), **kwargs)

    def train(model, optimizer, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(data), target).backward()
            optimizer.step()

    train(model, optimizer, 3)
    path = tmp_path / "checkpoint.npz"
    minigrad.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, path)
    train(model, optimizer, 3)

    checkpoint = minigrad.load(path)
    assert checkpoint["epoch"] == 3 and isinstance(checkpoint["optimizer"]["state"], dict)
    assert all(isinstance(k, int) for k in checkpoint["optimizer"]["state"])  # parameter indices stay ints
    resumed = _model()
    resumed.load_state_dict(checkpoint["model"])
    resumed_optimizer = getattr(optim, name)(resumed.parameters(), lr=99.0)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    train(resumed, resumed_optimizer, 3)
    for (key, a), (_, b) in zip(model.state_dict().items(), resumed.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=key)


def test_nested_values_dtypes_and_shared_tensors(tmp_path):
    shared = minigrad.arange(6).reshape(2, 3)
    obj = {
        "float64": minigrad.tensor([1.5, -2.0], dtype=minigrad.float64),
        "scalar": minigrad.tensor(3.0),
        "ints": shared, "again": shared,
        "bools": minigrad.tensor([True, False]),
        "nested": [1, 2.5, None, True, "text", (0.9, 0.999), {"inner": minigrad.zeros(0)}],
        "specials": [math.inf, -math.inf, math.nan],
        7: "int key", None: "none key",
        "dtype": minigrad.float16,
        "param": nn.Parameter(minigrad.ones(2)),
        "grad": minigrad.ones(2, requires_grad=True),
    }
    path = tmp_path / "values.pt"
    minigrad.save(obj, path)
    loaded = minigrad.load(path)
    assert loaded["float64"].dtype is minigrad.float64 and loaded["float64"].tolist() == [1.5, -2.0]
    assert loaded["scalar"].shape == () and loaded["scalar"].item() == 3.0
    assert loaded["ints"].dtype is minigrad.int64 and loaded["ints"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert loaded["again"] is loaded["ints"]  # one array on disk, one tensor back
    assert loaded["bools"].tolist() == [True, False]
    assert loaded["nested"][:6] == [1, 2.5, None, True, "text", (0.9, 0.999)]
    assert loaded["nested"][6]["inner"].shape == (0,)
    assert loaded["specials"][:2] == [math.inf, -math.inf] and math.isnan(loaded["specials"][2])
    assert loaded[7] == "int key" and loaded[None] == "none key"
    assert loaded["dtype"] is minigrad.float16
    assert isinstance(loaded["param"], nn.Parameter) and loaded["param"].requires_grad
    assert loaded["grad"].requires_grad and loaded["grad"].is_leaf
    assert list(loaded) == list(obj)


def test_file_objects_and_format(tmp_path):
    buffer = io.BytesIO()
    minigrad.save({"w": minigrad.ones(2, 2)}, buffer)
    buffer.seek(0)
    assert minigrad.load(buffer)["w"].tolist() == [[1.0, 1.0], [1.0, 1.0]]

    path = tmp_path / "format.npz"
    minigrad.save({"w": minigrad.ones(2)}, path)
    with np.load(path, allow_pickle=False) as archive:  # plain NumPy can read it, no pickles inside
        document = json.loads(str(archive["__minigrad__"]))
        assert document["format"] == "minigrad.save" and document["version"] == 1
        assert archive["tensor_0"].dtype == np.float32


def test_refuses_objects_it_cannot_store_safely(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save function at obj\['hook'\]"):
        minigrad.save({"hook": lambda: None}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="dict key"):
        minigrad.save({(1, 2): 3}, tmp_path / "y.pt")


class _Exploit:
    """Unpickling this would create a file: proof that load never unpickles."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_not_ours_gives_a_clear_error_naming_the_file(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps(_Exploit(str(marker))))
    with pytest.raises(RuntimeError, match="evil.pt is not a file written by minigrad.save"):
        minigrad.load(evil)
    assert not marker.exists()

    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01not a checkpoint")
    with pytest.raises(RuntimeError, match="garbage.bin is not a file written by minigrad.save"):
        minigrad.load(garbage)

    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.ones(3))
    with pytest.raises(RuntimeError, match="foreign.npz is not a file written by minigrad.save"):
        minigrad.load(foreign)

    bare = tmp_path / "bare.npy"
    np.save(bare, np.ones(3))
    with pytest.raises(RuntimeError, match="bare.npy is not a file written by minigrad.save"):
        minigrad.load(bare)

    newer = tmp_path / "newer.npz"
    np.savez(newer, __minigrad__=np.array(json.dumps({"format": "minigrad.save", "version": 99, "object": 1})))
    with pytest.raises(RuntimeError, match="newer minigrad"):
        minigrad.load(newer)


def test_tensors_pickle_as_pytorchs_but_load_still_never_unpickles(tmp_path):
    # pickling is the user's choice (multiprocessing, copy); minigrad.load reads only its own .npz format
    assert pickle.loads(pickle.dumps(minigrad.ones(2))).tolist() == [1.0, 1.0]
    path = tmp_path / "tensor.pkl"
    path.write_bytes(pickle.dumps(minigrad.ones(2)))
    with pytest.raises(Exception, match="never loaded"):
        minigrad.load(path)
