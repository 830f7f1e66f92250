"""``minigrad.save`` / ``minigrad.load``: state dicts round-trip through a pickle-free ``.npz`` file.

Checks: module and optimizer state dicts (training continues identically after a reload), nested
structures, dtypes and 0-d tensors, the on-disk format (readable with ``allow_pickle=False``, with a format
marker, members stored uncompressed), and that every file that cannot be loaded -- foreign, malicious,
malformed (wrong JSON types, self-reference, deep nesting, object arrays, shapes that do not match the stored
bytes), compressed, empty, a directory -- raises RuntimeError naming the file; a seeded fuzz over truncations,
flipped bytes and crafted ``.npy`` headers proves no other exception escapes. torch.save files:
``test_load_torch_files.py``; peak memory: ``test_load_memory.py``.
"""
from __future__ import annotations

import io
import json
import math
import pickle
import re
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import optim
from nn_reference import namespace

REFERENCE_FILES = Path(__file__).parent / "reference" / "data" / "torch_files"


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
    with pytest.raises(RuntimeError, match="minigrad never unpickles"):
        minigrad.load(path)


# ------------------------------------------------------------------ bad files: one error type, naming the file
def _write_npz(path, document, **arrays):
    """A file shaped like minigrad.save's, with a hand-written structure description (for malformed cases)."""
    text = document if isinstance(document, str) else json.dumps(document)
    np.savez(path, __minigrad__=np.array(text), **arrays)
    return path


def _document(obj):
    return {"format": "minigrad.save", "version": 1, "object": obj}


def _tensor_entry(name="tensor_0", dtype="float32", requires_grad=False, parameter=False):
    return {"tensor": name, "dtype": dtype, "requires_grad": requires_grad, "parameter": parameter}


def _nested(depth):
    text = "[" * depth + "]" * depth
    return '{"format": "minigrad.save", "version": 1, "object": %s}' % text


def _npy_bytes(header: dict, data: bytes) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


def _zip(path, members: dict, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _structure_npy(document) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array(json.dumps(document)))
    return buffer.getvalue()


_MALFORMED = {
    "not JSON": ("{not json", "not valid JSON"),
    "JSON list": ("[1, 2]", "format marker missing"),
    "version is a string": ({"format": "minigrad.save", "version": "1", "object": 1}, "invalid format version"),
    "version is a bool": ({"format": "minigrad.save", "version": True, "object": 1}, "invalid format version"),
    "extra top-level key": ({"format": "minigrad.save", "version": 1, "object": 1, "x": 2}, "unexpected"),
    "dict is a number": (_document({"dict": 5}), r"unexpected entry .* at obj: \{'dict': 5\}"),
    "dict item not a pair": (_document({"dict": [[{"key": "a"}]]}), "unexpected dict item"),
    "unhashable key": (_document({"dict": [[{"key": [1]}, 1]]}), "unexpected dict item"),
    "key not tagged": (_document({"dict": [["a", 1]]}), "unexpected dict item"),
    "tuple is a dict": (_document({"tuple": {}}), "unexpected entry"),
    "unknown dtype": (_document({"dtype": "complex64"}), "unexpected entry"),
    "float text": (_document({"float": "1e5000x"}), "unexpected entry"),
    "two tags": (_document({"dtype": "float32", "tuple": []}), "unexpected entry"),
    "unknown tag": (_document({"pickle": "cos\nsystem\n"}), "unexpected entry"),
    "tensor name not a string": (_document(_tensor_entry(name=5)), "unexpected tensor entry"),
    "requires_grad not a bool": (_document(_tensor_entry(requires_grad="yes")), "unexpected tensor entry"),
    "tensor missing a key": (_document({"tensor": "tensor_0", "dtype": "float32"}), "unexpected entry"),
    "self-reference": (_document(_tensor_entry(name="__minigrad__")), "refers to the structure description"),
    "missing member": (_document(_tensor_entry(name="tensor_9")), "has no member 'tensor_9.npy'"),
    "nested past the limit": (_nested(300), "nested more than 200 levels"),
    "nested past JSON's limit": (_nested(100_000), "nested too deeply"),
}


@pytest.mark.parametrize("case", list(_MALFORMED))
def test_malformed_descriptions_are_refused_with_one_error(tmp_path, case):
    document, message = _MALFORMED[case]
    path = _write_npz(tmp_path / "bad.npz", document, tensor_0=np.ones(2, np.float32))
    with pytest.raises(RuntimeError, match="bad.npz (is|has|was|declares) ") as info:
        minigrad.load(path)
    assert re.search(message, str(info.value)), str(info.value)


def test_arrays_that_do_not_match_their_description_are_refused(tmp_path):
    cases = {
        # a pickled object array: refused from its header, never unpickled
        "object": (np.array([{"a": 1}, None], dtype=object), _tensor_entry(), "holding Python objects"),
        "dtype": (np.ones(2, np.float64), _tensor_entry(), "holding dtype <f8; expected <f4"),
        "int grad": (np.ones(2, np.int64), _tensor_entry(dtype="int64", requires_grad=True), "requiring grad"),
    }
    for case, (array, entry, message) in cases.items():
        path = _write_npz(tmp_path / f"{case}.npz", _document(entry), tensor_0=array)
        with pytest.raises(RuntimeError, match=f"{case}.npz .*{message}"):
            minigrad.load(path)
    twice = _document({"tuple": [_tensor_entry(), _tensor_entry(dtype="float64")]})
    with pytest.raises(RuntimeError, match="declares the tensor at obj\\[1\\] as torch.float64"):
        minigrad.load(_write_npz(tmp_path / "twice.npz", twice, tensor_0=np.ones(2, np.float32)))


def test_declared_shapes_are_checked_against_the_stored_bytes_before_reading(tmp_path):
    huge = _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (2**40,)}, b"\0" * 16)
    path = _zip(tmp_path / "huge.npz", {"__minigrad__.npy": _structure_npy(_document(_tensor_entry(dtype="float64"))),
                                        "tensor_0.npy": huge})
    with pytest.raises(RuntimeError, match=r"huge.npz has a member 'tensor_0.npy' declaring shape \(1099511627776,\) "
                                           r"of float64 \(8796093022208 bytes\) but storing 16 bytes"):
        minigrad.load(path)
    negative = _npy_bytes({"descr": "<f4", "fortran_order": False, "shape": (-2, -2)}, b"\0" * 16)
    path = _zip(tmp_path / "negative.npz", {"__minigrad__.npy": _structure_npy(_document(_tensor_entry())),
                                            "tensor_0.npy": negative})
    with pytest.raises(RuntimeError, match="negative.npz has a corrupt or truncated member 'tensor_0.npy'"):
        minigrad.load(path)


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_compressed_members_are_refused(tmp_path, compression):
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(1000))
    path = _zip(tmp_path / "packed.npz", {"__minigrad__.npy": _structure_npy(_document(_tensor_entry(dtype="float64"))),
                                          "tensor_0.npy": buffer.getvalue()}, compression)
    expected = r"packed.npz has a compressed member '__minigrad__.npy' \((deflate|bzip2|lzma)\)"
    with pytest.raises(RuntimeError, match=expected):
        minigrad.load(path)
    path = tmp_path / "numpy_compressed.npz"
    np.savez_compressed(path, __minigrad__=np.array(json.dumps(_document(1))))
    with pytest.raises(RuntimeError, match="numpy_compressed.npz has a compressed member"):
        minigrad.load(path)


def test_overlapping_members_cannot_multiply_the_file(tmp_path):
    """Two directory entries pointing at one stored member would make a small file read as a large one."""
    path = tmp_path / "overlap.npz"
    minigrad.save({"w": minigrad.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
    # point the second central-directory entry at the first member (offset field: 42 bytes into the entry)
    directory = [i for i in range(len(data)) if data[i:i + 4] == b"PK\x01\x02"]
    struct.pack_into("<I", data, directory[1] + 42, first.header_offset)
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="overlap.npz (has members declaring|has a corrupt)"):
        minigrad.load(path)


def test_empty_files_directories_and_missing_paths(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(RuntimeError, match="empty.pt is empty"):
        minigrad.load(tmp_path / "empty.pt")
    (tmp_path / "folder.pt").mkdir()
    with pytest.raises(RuntimeError, match="folder.pt is a directory"):
        minigrad.load(tmp_path / "folder.pt")
    with pytest.raises(FileNotFoundError):  # not a bad file but no file: as open() and torch.load
        minigrad.load(tmp_path / "missing.pt")
    with pytest.raises(RuntimeError, match="<_io.BytesIO object .*> is empty"):
        minigrad.load(io.BytesIO(b""))


def test_deeply_nested_objects_are_refused_when_saving(tmp_path):
    deep = []
    for _ in range(250):
        deep = [deep]
    with pytest.raises(ValueError, match="nested more than 200 levels"):
        minigrad.save(deep, tmp_path / "deep.pt")
    ok = []
    for _ in range(150):
        ok = [ok]
    minigrad.save(ok, tmp_path / "ok.pt")
    assert minigrad.load(tmp_path / "ok.pt") == ok


# ------------------------------------------------------------------ fuzz: truncations and flipped bytes
def _assert_same(loaded, original, path="obj"):
    assert type(loaded) is type(original), path
    if isinstance(original, minigrad.Tensor):
        assert loaded.dtype is original.dtype and loaded.shape == original.shape, path
        np.testing.assert_array_equal(loaded.detach().numpy(), original.detach().numpy(), err_msg=path)
    elif isinstance(original, dict):
        assert list(loaded) == list(original), path
        for key in original:
            _assert_same(loaded[key], original[key], f"{path}[{key!r}]")
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), path
        for i, (a, b) in enumerate(zip(loaded, original)):
            _assert_same(a, b, f"{path}[{i}]")
    else:
        assert loaded == original or (loaded != loaded and original != original), path


def _fuzz(tmp_path, good: bytes, original, cases: int, seed: int):
    """Every truncation (on a stride) and ``cases`` random byte flips: loads equal to the original, or raises
    RuntimeError naming the file. Anything else (another exception type, a different value) fails."""
    rng = np.random.default_rng(seed)
    path = tmp_path / "fuzzed.pt"
    variants = [good[:end] for end in range(0, len(good), max(1, len(good) // 150))]
    for _ in range(cases):
        data = bytearray(good)
        for position in rng.integers(0, len(data), size=rng.integers(1, 4)):
            data[position] ^= int(rng.integers(1, 256))
        variants.append(bytes(data))
    outcomes = {"loaded": 0, "refused": 0}
    for data in variants:
        path.write_bytes(data)
        try:
            loaded = minigrad.load(path)
        except RuntimeError as error:
            assert str(error).startswith(f"{path} "), str(error)
            outcomes["refused"] += 1
        else:
            _assert_same(loaded, original)
            outcomes["loaded"] += 1
    assert outcomes["refused"] > len(variants) // 2, outcomes  # most damage is detected (CRC, sizes, names)
    return outcomes


def test_fuzz_minigrad_files(tmp_path):
    minigrad.manual_seed(3)
    model = _model()
    optimizer = optim.Adam(model.parameters())
    nn.functional.mse_loss(model(minigrad.randn(4, 3)), minigrad.randn(4, 2)).backward()
    optimizer.step()
    original = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 1,
                "extras": [minigrad.tensor(True), (minigrad.float16, -math.inf), {None: "x"}]}
    buffer = io.BytesIO()
    minigrad.save(original, buffer)
    _fuzz(tmp_path, buffer.getvalue(), original, cases=250, seed=0)


def test_fuzz_torch_files(tmp_path):
    good = (REFERENCE_FILES / "values.pt").read_bytes()
    original = minigrad.load(REFERENCE_FILES / "values.pt")
    _fuzz(tmp_path, good, original, cases=250, seed=1)


def test_structure_text_and_array_layouts(tmp_path):
    for descr, data, message in [("<U0", b"", "should hold one string"), (">U2", b"", "should hold one string"),
                                 ("<U1", b"\xff\xff\xff\x7f", "not valid unicode"),
                                 ("<U1", b"\x00\xd8\x00\x00", "not valid unicode")]:
        header = _npy_bytes({"descr": descr, "fortran_order": False, "shape": ()}, data)
        with pytest.raises(RuntimeError, match=f"text.npz has a member '__minigrad__.npy' .*{message}"):
            minigrad.load(_zip(tmp_path / "text.npz", {"__minigrad__.npy": header}))
    fortran = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))  # another writer's layout: read right
    loaded = minigrad.load(_write_npz(tmp_path / "f.npz", _document(_tensor_entry()), tensor_0=fortran))
    assert loaded.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_fuzz_crafted_npy_headers(tmp_path):
    """Headers with valid CRCs (so nothing but our checks stands between them and NumPy): random dtypes, shapes
    and data lengths load as declared or raise RuntimeError naming the file."""
    rng = np.random.default_rng(7)
    descrs = ["<f4", "<f8", "<i8", "|b1", "|u1", "|O", "<U0", "<U3", ">f4", "<c8", "|V8", "<M8[s]", "<f2",
              [("a", "<f4")], "<i2"]
    shapes = [(), (0,), (3,), (2, 2), (-1,), (2**62, 2**62), (1, 0, 5), (2**40,)]
    path = tmp_path / "crafted.npz"
    for _ in range(200):
        descr = descrs[rng.integers(len(descrs))]
        shape = shapes[rng.integers(len(shapes))]
        member = _npy_bytes({"descr": descr, "fortran_order": bool(rng.integers(2)), "shape": shape},
                            bytes(int(rng.choice([0, 4, 8, 16, 12]))))
        entry = _tensor_entry(dtype=["float32", "float64", "int64", "bool", "uint8"][rng.integers(5)])
        as_text = rng.integers(4) == 0
        members = {"__minigrad__.npy": member} if as_text else {"__minigrad__.npy": _structure_npy(_document(entry)),
                                                                "tensor_0.npy": member}
        _zip(path, members)
        try:
            loaded = minigrad.load(path)
        except RuntimeError as error:
            assert str(error).startswith(f"{path} "), str(error)
        else:
            assert not as_text and loaded.dtype.name == entry["dtype"] and loaded.shape == shape
