"""The host random generator behind ``minigrad.manual_seed`` (NumPy's PCG64)."""
from __future__ import annotations

import numpy as np


class HostGenerator:
    def __init__(self, seed: int = 0):
        self.seed(seed)

    def seed(self, seed=None) -> int:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.initial_seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return seed

    def manual_seed(self, seed: int) -> "HostGenerator":
        self.seed(int(seed))
        return self

    def uniform(self, shape, dtype):
        return self._rng.random(shape, dtype=np.float64).astype(dtype)

    def normal(self, shape, dtype):
        return self._rng.standard_normal(shape, dtype=np.float64).astype(dtype)

    def integers(self, low, high, shape, dtype):
        return self._rng.integers(low, high, size=shape).astype(dtype)

    def permutation(self, n):
        return self._rng.permutation(n)

    def bernoulli(self, p, shape):
        return self._rng.random(shape) < p


GENERATOR = HostGenerator(0)
