"""minigrad's built-in ops, one file per family, every one a ``Function``."""
from .elementwise import *  # noqa: F401,F403
from .elementwise import where  # noqa: F401
from .linalg import Addmm, BatchedMatmul, Bmm, Dot, Mm, Mv, UnsafeView, matmul  # noqa: F401
from .movement import (  # noqa: F401
    INDEX_FUNCTIONS, Cat, CopySlices, Expand, IndexPutInto, Narrow, Permute, Reshape, Squeeze, SqueezeDim,
    Stack, T, Transpose, Unsqueeze, View, index_kind, prepare_index,
)
from .reductions import (  # noqa: F401
    Gather, LogSoftmax, LogSumExp, MaxAll, MaxDim, Mean, MeanDim, MinAll, MinDim, Softmax, Sum, SumDim,
    SumToSize, Var,
)
