"""minigrad's built-in ops, one file per family, every one a ``Function``."""
from .elementwise import *  # noqa: F401,F403
from .elementwise import where  # noqa: F401
from . import norms  # noqa: F401  (Tensor.norm and minigrad.linalg call its functions)
from .linalg import Addmm, BatchedMatmul, Bmm, Dot, Mm, Mv, UnsafeView, matmul  # noqa: F401
from .movement import (  # noqa: F401
    INDEX_FUNCTIONS, Alias, Cat, Copy, CopySlices, Expand, Fill, FillTensor, IndexPut, IndexPutInto, Narrow,
    Permute, Repeat, Reshape, Select, Slice, Split, SplitWithSizes, Squeeze, SqueezeDim, Stack, T, Transpose, Unbind,
    Unsqueeze, View, Zero, index_kind, index_plan, infer_shape, is_advanced_index, prepare_index,
    reshape_needs_copy,
)
from .reductions import (  # noqa: F401
    Gather, LogSoftmax, LogSumExp, MaxAll, MaxDim, Mean, MeanDim, MinAll, MinDim, Softmax, Sum, SumDim,
    Std, SumToSize, Var,
)
from . import scatter  # noqa: F401,E402  (ops.scatter.Scatter, ...)
