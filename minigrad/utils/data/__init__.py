"""``minigrad.utils.data``: datasets, samplers and the ``DataLoader`` that batches them, as ``torch.utils.data``.

    from minigrad.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(features, labels), batch_size=32, shuffle=True)
    for x, y in loader:          # x: [32, ...] stacked by default_collate
        ...

Shuffling draws from minigrad's seeded generator (``minigrad.manual_seed``), or from ``generator=``.
"""
from .collate import default_collate, default_convert  # noqa: F401
from .dataloader import DataLoader  # noqa: F401
from .dataset import (  # noqa: F401
    ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split,
)
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler  # noqa: F401
