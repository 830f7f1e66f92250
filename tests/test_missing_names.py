"""A missing name says what it is: PyTorch names minigrad lacks raise an AttributeError saying so, other names a
plain one; ``hasattr`` keeps working; no ``__getattr__`` on tensors and nodes; docs/API.md is up to date."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import minigrad
from minigrad import _missing_names, nn, optim
from minigrad.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
NOTE = ": PyTorch has it, minigrad does not implement it (see docs/API.md)"


@pytest.mark.parametrize("owner, label, pytorch_name, unknown", [
    (minigrad, "module 'minigrad'", "fft", "x_unknown"),
    (nn, "module 'minigrad.nn'", "Conv3d", "Conv4d"),
    (F, "module 'minigrad.nn.functional'", "conv3d", "conv4d"),
    (optim, "module 'minigrad.optim'", "LBFGS", "Lion"),
    (minigrad.ones(1), "'Tensor' object", "stft", "stft2"),
    (nn.Parameter(minigrad.ones(1)), "'Parameter' object", "stft", "stft2"),
])
def test_missing_names_say_whether_pytorch_has_them(owner, label, pytorch_name, unknown):
    assert pytorch_name in _missing_names.pytorch_names()[_namespace_of(label)]
    with pytest.raises(AttributeError) as caught:
        getattr(owner, pytorch_name)
    assert str(caught.value) == f"{label} has no attribute '{pytorch_name}'{NOTE}"
    with pytest.raises(AttributeError) as caught:
        getattr(owner, unknown)
    assert str(caught.value) == f"{label} has no attribute '{unknown}'"
    assert not hasattr(owner, pytorch_name) and not hasattr(owner, unknown)
    assert getattr(owner, pytorch_name, "default") == "default"


def _namespace_of(label: str) -> str:
    if "object" in label:
        return "torch.Tensor"
    return "torch" + label.split("'")[1][len("minigrad"):]


def test_lazy_sub_packages_and_private_names():
    assert hasattr(minigrad, "utils") and hasattr(minigrad, "nn") and hasattr(nn, "utils")
    with pytest.raises(AttributeError) as caught:
        minigrad.ones(1).__array_interface__  # NumPy probes such names: plain error, no list needed
    assert str(caught.value) == "'Tensor' object has no attribute '__array_interface__'"


def test_tensors_and_nodes_have_no_getattr():
    """A ``__getattr__`` on a class makes Python 3.11 read every attribute of its instances the slow, generic
    way; the Tensor names PyTorch has and minigrad lacks are raising class attributes instead (hidden from
    ``dir``), and a node's ``_saved_*`` names are properties."""
    x = minigrad.ones(2, requires_grad=True)
    for cls in (minigrad.Tensor, nn.Parameter, type((x * 2).grad_fn), type(x.exp().grad_fn)):
        assert [klass for klass in cls.__mro__ if "__getattr__" in klass.__dict__] == []
    assert "stft" not in dir(x) and "exp" in dir(x)
    with pytest.raises(AttributeError, match="PyTorch has it"):
        minigrad.Tensor.stft


def test_api_table_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "build_api.py"), "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
