"""A file cannot make ``minigrad.load`` allocate more than about its own size.

Each check loads in a fresh Python process and reads its resident memory before and its peak (``VmHWM``) after:
small crafted files that declare or inflate to hundreds of MB are refused with almost no memory used, and a
real file loads with a peak close to its tensors' own size (no second copy).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minigrad

pytestmark = pytest.mark.skipif(sys.platform != "linux",
                                reason="reads peak memory from /proc/self/status, which is Linux's")

MiB = 1 << 20
REPO_ROOT = Path(__file__).resolve().parent.parent

# Loads each file given, after a warm-up load (imports); prints the memory in use before and the peak after.
_MEASURE = """
import json, sys
import minigrad

def status(field):  # in bytes
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field + ":"))

def resident_now():
    return status("VmRSS")

def peak():
    # VmHWM, the peak RSS of this process's memory since exec. Not ru_maxrss: Linux carries that over from the
    # parent across fork and exec, so it would report pytest's own peak.
    return status("VmHWM")

minigrad.load(sys.argv[1])  # warm up: every module loading needs is imported before measuring
before, outcomes = resident_now(), []  # the peak may be higher already, from imports: growth from the present
for path in sys.argv[2:]:
    try:
        minigrad.load(path)
        outcomes.append("loaded")
    except RuntimeError as error:
        outcomes.append(str(error))
print(json.dumps({"before": before, "after": peak(), "outcomes": outcomes}))
"""


def _measure(warm_up, *paths):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(warm_up), *map(str, paths)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    return report["after"] - report["before"], report["outcomes"]


def _structure(dtype="float64"):
    document = {"format": "minigrad.save", "version": 1, "object": {"tensor": "tensor_0", "dtype": dtype,
                                                                     "requires_grad": False, "parameter": False}}
    buffer = io.BytesIO()
    np.save(buffer, np.array(json.dumps(document)))
    return buffer.getvalue()


def _npy_header(shape, descr="<f8"):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _declares_a_huge_tensor(path):
    """1.2 KB that say 'a 1 GiB float64 tensor follows' and then hold 16 bytes."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__minigrad__.npy", _structure())
        archive.writestr("tensor_0.npy", _npy_header((1 << 27,)) + b"\0" * 16)
    return path


def _compressed_bomb(path, size=256 * MiB):
    """A few hundred KB of deflate that inflate to a ``size``-byte float64 tensor of zeros."""
    zeros = bytes(4 * MiB)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("__minigrad__.npy", _structure())
        with archive.open("tensor_0.npy", "w", force_zip64=True) as member:
            member.write(_npy_header((size // 8,)))
            for _ in range(size // len(zeros)):
                member.write(zeros)
    return path


def _torch_storage_claims_a_huge_size(path):
    """A torch.save-style zip whose pickle says storage '0' holds 2**28 floats; it holds 24 bytes."""
    text = lambda value: b"X" + len(value).to_bytes(4, "little") + value.encode()  # noqa: E731
    count = b"J" + (1 << 28).to_bytes(4, "little")
    storage = b"(" + text("storage") + b"ctorch\nFloatStorage\n" + text("0") + text("cpu") + count + b"tQ"
    tensor = (b"ctorch._utils\n_rebuild_tensor_v2\n(" + storage + b"K\x00" + count
              + b"\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("huge/data.pkl", b"\x80\x02" + tensor + b".")
        archive.writestr("huge/data/0", bytes(24))
    return path


def _torch_pickle_with_a_far_memo_index(path):
    """A 10-byte pickle naming memo entry 2**25: CPython's unpickler would allocate a 512 MiB memo table."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("memo/data.pkl", b"\x80\x02Nr" + (1 << 25).to_bytes(4, "little") + b".")
    return path


def test_small_files_that_ask_for_a_lot_are_refused_without_allocating(tmp_path):
    warm_up = tmp_path / "small.pt"
    minigrad.save({"w": minigrad.ones(3)}, warm_up)
    files = [_declares_a_huge_tensor(tmp_path / "declares.npz"), _compressed_bomb(tmp_path / "bomb.npz"),
             _torch_storage_claims_a_huge_size(tmp_path / "storage.pt"),
             _torch_pickle_with_a_far_memo_index(tmp_path / "memo.pt")]
    assert all(path.stat().st_size < 2 * MiB for path in files)
    grown, outcomes = _measure(warm_up, *files)
    assert "declares.npz has a member 'tensor_0.npy' declaring shape (134217728,)" in outcomes[0], outcomes[0]
    assert "bomb.npz has a compressed member" in outcomes[1], outcomes[1]
    assert "storage.pt has a member 'huge/data/0' that should hold 268435456 items" in outcomes[2], outcomes[2]
    assert "memo.pt has a pickle that stores memo entry 33554432 after only 0 entries" in outcomes[3], outcomes[3]
    assert grown < 200 * MiB, f"peak memory grew by {grown / MiB:.0f} MiB"


def test_a_real_file_loads_with_one_copy_of_its_tensors(tmp_path):
    warm_up, path = tmp_path / "small.pt", tmp_path / "big.pt"
    minigrad.save({"w": minigrad.ones(3)}, warm_up)
    size = 64 * MiB  # one tensor: a second copy, even a passing one, would double the peak
    minigrad.save({"w": minigrad.ones(size // 4, dtype=minigrad.float32)}, path)
    grown, outcomes = _measure(warm_up, path)
    assert outcomes == ["loaded"]
    message = f"peak memory grew by {grown / MiB:.0f} MiB for {size / MiB:.0f} MiB of tensors"
    assert 0.9 * size < grown < 1.25 * size, message
