"""``minigrad.load`` reads files written by the real ``torch.save``, with an allow-list unpickler.

The ``.pt`` files under ``tests/reference/data/torch_files`` were written by PyTorch 2.13
(``tests/reference/gen_torch_files.py``), with what PyTorch itself reads back recorded beside them: values,
dtypes, shapes, strides. Checks: state dicts load into minigrad models and give PyTorch's outputs; views keep
sharing their storage; malicious pickles are refused, naming the global, and nothing in them runs; crafted
pickles (out-of-bounds views, huge storages, cycles, deep nesting, attribute setting) are refused with the one
error type.
"""
from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import optim

FILES = Path(__file__).parent / "reference" / "data" / "torch_files"
EXPECTED = json.loads((FILES / "torch_files.json").read_text())["files"]


def _check(loaded, expected, path="obj"):
    """``loaded`` is what PyTorch read back, described in ``expected``."""
    if isinstance(expected, dict) and "tensor" in expected:
        assert isinstance(loaded, nn.Parameter) is expected["parameter"], path
        assert loaded.dtype.name == expected["dtype"] and list(loaded.shape) == expected["shape"], path
        assert loaded.requires_grad is expected["requires_grad"], path
        array = loaded.detach().numpy()
        assert [s // array.itemsize for s in array.strides] == expected["stride"], path  # a view, as in PyTorch
        np.testing.assert_array_equal(array, np.array(expected["tensor"], dtype=array.dtype).reshape(array.shape),
                                      err_msg=path)
    elif isinstance(expected, dict) and "dict" in expected:
        assert type(loaded) is (OrderedDict if expected["ordered"] else dict), path
        assert list(loaded) == [key for key, _ in expected["dict"]], path
        for key, value in expected["dict"]:
            _check(loaded[key], value, f"{path}[{key!r}]")
    elif isinstance(expected, dict) and "tuple" in expected:
        assert isinstance(loaded, tuple) and len(loaded) == len(expected["tuple"]), path
        for i, value in enumerate(expected["tuple"]):
            _check(loaded[i], value, f"{path}[{i}]")
    elif isinstance(expected, dict) and "dtype" in expected:
        assert loaded is getattr(minigrad, expected["dtype"]), path
    elif isinstance(expected, list):
        assert isinstance(loaded, list) and len(loaded) == len(expected), path
        for i, value in enumerate(expected):
            _check(loaded[i], value, f"{path}[{i}]")
    else:
        assert loaded == expected and type(loaded) is type(expected), path


@pytest.mark.parametrize("name", ["linear.pt", "sequential.pt", "values.pt", "optimizer.pt"])
def test_reads_what_pytorch_reads(name):
    _check(minigrad.load(FILES / name), EXPECTED[name]["object"])


def test_pytorch_weights_drive_a_minigrad_model():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    assert repr(model.load_state_dict(minigrad.load(FILES / "sequential.pt"))) == "<All keys matched successfully>"
    recorded = EXPECTED["sequential.pt"]
    output = model(minigrad.tensor(recorded["input"]))
    np.testing.assert_allclose(output.detach().numpy(), recorded["output"], rtol=1e-5, atol=1e-6)


def test_pytorch_optimizer_state_loads_into_minigrad():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.5)
    optimizer.load_state_dict(minigrad.load(FILES / "optimizer.pt"))
    assert optimizer.param_groups[0]["lr"] == 0.01


def test_views_share_their_storage_as_in_pytorch():
    loaded = minigrad.load(FILES / "values.pt")
    base = loaded["base"].numpy()
    assert np.shares_memory(base, loaded["transposed"].numpy()) and np.shares_memory(base, loaded["sliced"].numpy())
    loaded["base"].add_(1.0)
    assert loaded["transposed"][1, 1].item() == 6.0 and loaded["sliced"][0, 0].item() == 5.0
    assert not loaded["expanded"].numpy().flags.writeable  # stride 0: one element in several places


def test_file_objects_and_map_location():
    buffer = io.BytesIO((FILES / "linear.pt").read_bytes())
    loaded = minigrad.load(buffer, map_location="cpu")
    assert loaded["weight"].shape == (2, 3) and loaded["weight"].device.type == "cpu"


def test_malicious_pickles_are_refused_without_running_anything(capfd):
    with pytest.raises(RuntimeError, match=r"evil_exec.pt asks in its pickle for the global 'builtins.exec', which is "
                                           r"not on the allow-list .* Nothing from the file was run"):
        minigrad.load(FILES / "evil_exec.pt")
    assert not hasattr(sys, "minigrad_was_pwned")
    with pytest.raises(RuntimeError, match="evil_system.pt asks in its pickle for the global 'posix.system'"):
        minigrad.load(FILES / "evil_system.pt")
    assert "minigrad-was-pwned" not in capfd.readouterr().out


def test_legacy_format_and_unknown_dtypes_are_refused_clearly():
    with pytest.raises(RuntimeError, match=r"legacy.pt is in PyTorch's legacy format \(torch.save before PyTorch 1.6 "
                                           r"or with _use_new_zipfile_serialization=False\), which minigrad.load does "
                                           r"not read"):
        minigrad.load(FILES / "legacy.pt")
    with pytest.raises(RuntimeError, match="bfloat16.pt holds tensors of type torch.BFloat16Storage, which minigrad "
                                           "has no dtype for"):
        minigrad.load(FILES / "bfloat16.pt")


# ------------------------------------------------------------------ crafted pickles in a torch-format zip
def _text(value: str) -> bytes:
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _int(value: int) -> bytes:
    data = value.to_bytes(9, "little", signed=True)
    return b"\x8a\x09" + data  # LONG1: any size


def _global(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def _ints(values) -> bytes:
    return b"(" + b"".join(_int(v) for v in values) + b"t"


def _storage(key="0", numel=6, kind="FloatStorage") -> bytes:
    return b"(" + _text("storage") + _global("torch", kind) + _text(key) + _text("cpu") + _int(numel) + b"tQ"


def _tensor(storage=None, offset=0, size=(2, 3), stride=(3, 1)) -> bytes:
    storage = _storage() if storage is None else storage
    return (_global("torch._utils", "_rebuild_tensor_v2") + b"(" + storage + _int(offset) + _ints(size)
            + _ints(stride) + b"\x89" + _global("collections", "OrderedDict") + b")RtR")


def _torch_zip(path, pickle_ops: bytes, storages=None):
    storages = {"0": np.arange(6, dtype=np.float32).tobytes()} if storages is None else storages
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("crafted/data.pkl", b"\x80\x02" + pickle_ops + b".")
        archive.writestr("crafted/byteorder", b"little")
        for key, data in storages.items():
            archive.writestr(f"crafted/data/{key}", data)
    return path


def test_a_hand_made_torch_file_loads(tmp_path):
    loaded = minigrad.load(_torch_zip(tmp_path / "ok.pt", b"}" + _text("w") + _tensor() + b"s"))
    assert loaded["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    size = _global("torch", "Size") + b"(" + _ints((2, 3)) + b"tR"
    assert minigrad.load(_torch_zip(tmp_path / "size.pt", size)) == (2, 3)


_CRAFTED = {
    "view past the end": (_tensor(size=(3, 3)), r"reaching past the end of storage '0' \(6 items\)"),
    "negative offset": (_tensor(offset=-1), "invalid arguments to _rebuild_tensor_v2"),
    "storage bigger than stored": (_tensor(_storage(numel=2**40)), "should hold 1099511627776 items of float32"),
    "missing storage": (_tensor(_storage(key="7")), "has no member 'crafted/data/7'"),
    "storage with two dtypes": (b"(" + _tensor() + _tensor(_storage(kind="IntStorage")) + b"t",
                                "uses storage '0' as torch.IntStorage"),
    "not a storage": (_global("torch._utils", "_rebuild_tensor_v2") + b"(" + _int(1) + b"t" + b"R",
                      "corrupt pickle"),
    "bad persistent id": (_text("storage") + b"Q", "unexpected persistent id"),
    "refused global": (_global("builtins", "eval") + b"(" + _text("1") + b"tR", "global 'builtins.eval'"),
    "refused stack global": (_text("os") + _text("system") + b"\x93", "global 'os.system'"),
    "attributes on a dtype": (_global("torch", "float32") + b"}" + _text("name") + _text("x") + b"sb",
                              "tries to set the state of torch.float32"),
    "attributes on a function": (_global("torch._utils", "_rebuild_tensor_v2") + b"N}" + _text("__defaults__")
                                 + b")s\x86b", "tries to set the state"),
    "memo index far ahead": (b"Nr\xff\xff\xff\xff0N", "stores memo entry 4294967295 after only 0 entries"),
    "a list that holds itself": (b"]q\x00h\x00a", r"contains itself \(at obj\[0\]\)"),
    "a dict that holds itself": (b"}q\x00" + _text("me") + b"h\x00s", r"contains itself \(at obj\['me'\]\)"),
    "deep nesting": (b"]" * 5000 + b"a" * 4999, "nested more than 200 levels"),
    "a set": (b"\x8f(" + _int(1) + b"\x90", r"holds \{1\} \(a set\)"),
    "bytes": (b"C\x03abc", r"holds b'abc' \(a bytes\)"),
    "tensor dict key": (b"}" + _tensor() + _int(1) + b"s", "has the dict key"),
    "truncated pickle": (b"(" + _text("abc")[:-1], "corrupt pickle"),
    "grad on integers": (_global("torch._utils", "_rebuild_tensor_v2") + b"(" + _storage(kind="LongStorage", numel=3)
                         + _int(0) + _ints((3,)) + _ints((1,)) + b"\x88" + _global("collections", "OrderedDict")
                         + b")RtR", "marks a torch.int64 tensor as requiring grad"),
    "hooks": (_global("torch._utils", "_rebuild_tensor_v2") + b"(" + _storage() + _int(0) + _ints((6,)) + _ints((1,))
              + b"\x89}" + _text("hook") + _int(1) + b"stR", "backward hooks"),
}


@pytest.mark.parametrize("case", list(_CRAFTED))
def test_crafted_pickles_are_refused(tmp_path, case):
    pickle_ops, message = _CRAFTED[case]
    storages = {"0": np.arange(6, dtype=np.float32).tobytes()}
    if case == "grad on integers":
        storages = {"0": np.arange(3, dtype=np.int64).tobytes()}
    path = _torch_zip(tmp_path / "crafted.pt", pickle_ops, storages)
    with pytest.raises(RuntimeError, match=f"crafted.pt .*{message}"):
        minigrad.load(path)
    assert minigrad.float32.name == "float32"  # nothing a pickle did reached minigrad's own objects
