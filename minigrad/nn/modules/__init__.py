"""The layers of ``minigrad.nn``, one file per family (as in ``torch.nn.modules``)."""
from ..module import Module  # noqa: F401
from .activation import (  # noqa: F401
    ELU, GELU, LeakyReLU, LogSigmoid, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Softplus, Tanh,
)
from .container import ModuleDict, ModuleList, Sequential  # noqa: F401
from .batchnorm import BatchNorm1d, BatchNorm2d  # noqa: F401
from .conv import Conv1d, Conv2d  # noqa: F401
from .dropout import Dropout, Dropout2d  # noqa: F401
from .linear import Flatten, Identity, Linear  # noqa: F401
from .normalization import LayerNorm  # noqa: F401
from .pooling import AvgPool2d, MaxPool2d  # noqa: F401
from .sparse import Embedding  # noqa: F401
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss  # noqa: F401
