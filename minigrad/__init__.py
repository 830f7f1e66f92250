"""minigrad: a compact autograd engine on NumPy that reads exactly like PyTorch.

    import minigrad as torch
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = (x ** 2).sum()
    y.backward()
    x.grad            # tensor([4., 6.])

The engine (``Tensor``, ``autograd``) imports nothing from Jupyter or plotting; the pictures and widgets
live in ``minigrad.viz`` and ``minigrad.widgets`` (install ``minigrad[widgets]``).
"""
from __future__ import annotations

from . import _dtype
from ._device import device, get_default_device, set_default_device  # noqa: F401
from ._dtype import (  # noqa: F401
    bool, double, dtype, float, float16, float32, float64, half, int, int8, int16, int32, int64, long, short,
    uint8,
)
from ._tensor import Size, Tensor  # noqa: F401
from ._tensor_str import set_printoptions  # noqa: F401
from . import autograd  # noqa: F401
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly  # noqa: F401,E501
from .factories import (  # noqa: F401
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones, ones_like, tensor,
    zeros, zeros_like,
)
from .random import (  # noqa: F401
    Generator, initial_seed, manual_seed, normal, rand, rand_like, randint, randn, randn_like, randperm, seed,
)
from ._functions import *  # noqa: F401,F403
from ._functions import cat, concat, stack, where, is_tensor, addmm  # noqa: F401
from ._functions import broadcast_shapes, broadcast_tensors, einsum  # noqa: F401
from . import cuda  # noqa: F401

__version__ = "0.1.0"

float_ = _dtype.float32


def get_default_dtype():
    return _dtype.DEFAULT_FLOAT


def __getattr__(name):
    # Sub-packages that pull in more code load on first use, keeping `import minigrad` fast.
    import importlib

    if name in ("nn", "optim", "viz", "widgets", "func", "jit", "exercises", "utils", "linalg"):
        return importlib.import_module(f"{__name__}.{name}")
    if name in ("save", "load"):
        from . import serialization

        return getattr(serialization, name)
    from ._missing_names import missing_attribute

    raise missing_attribute("module 'minigrad'", name, "torch")
