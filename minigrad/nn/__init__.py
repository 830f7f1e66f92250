"""``minigrad.nn``: modules, parameters, layers, losses, ``functional`` and ``init`` -- as ``torch.nn``.

    import minigrad as torch
    from minigrad import nn

    class Perception(nn.Module):
        def __init__(self, in_dim, hid_dim, out_dim):
            super().__init__()
            self.layer1 = nn.Linear(in_dim, hid_dim)
            self.layer2 = nn.Linear(hid_dim, out_dim)

        def forward(self, x):
            return torch.softmax(self.layer2(torch.sigmoid(self.layer1(x))), dim=1)
"""
from . import functional, init, utils  # noqa: F401
from .module import Module  # noqa: F401
from .modules import (  # noqa: F401
    AvgPool2d, BatchNorm1d, BatchNorm2d, BCELoss, BCEWithLogitsLoss, Conv1d, Conv2d, CrossEntropyLoss, Dropout,
    Dropout2d, ELU, Embedding, Flatten, GELU, Identity, L1Loss, LayerNorm, LeakyReLU, Linear, LogSigmoid,
    LogSoftmax, MaxPool2d, ModuleDict, ModuleList, MSELoss, NLLLoss, ReLU, Sequential, SiLU, Sigmoid, Softmax,
    Softplus, Tanh,
)
from .parameter import Buffer, Parameter  # noqa: F401
from .._missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a PyTorch name minigrad lacks says so
