"""The cases of ``tests/op_registry.py`` as the property tests walk them: which ops, their fixed cases, and
random cases drawn by hypothesis (gradcheck, forward AD and ``minigrad.func`` all check the same ones)."""
from __future__ import annotations

from hypothesis import note, strategies as st

from op_registry import OPS

DIFFERENTIABLE = [spec for spec in OPS if spec.differentiable]
RANDOM = [spec for spec in DIFFERENTIABLE if spec.random_case is not None]
SECOND_ORDER = [spec for spec in DIFFERENTIABLE if spec.second_order]
FIXED_CASES = [(spec, index) for spec in DIFFERENTIABLE for index in range(len(spec.cases))]
FIXED_IDS = [f"{spec.name}-{index}" for spec, index in FIXED_CASES]
RANDOM_IDS = [spec.name for spec in RANDOM]
SECOND_ORDER_IDS = [spec.name for spec in SECOND_ORDER]


class HypothesisChooser:
    """The registry's ``Chooser`` protocol on hypothesis draws, so failing shapes shrink to small ones."""

    def __init__(self, data):
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def boolean(self) -> bool:
        return self.data.draw(st.booleans())


def draw_case(spec, data, seed):
    """A random case of ``spec`` drawn from hypothesis ``data``, noted (with ``seed``) so a failure shows it."""
    case = spec.random_case(HypothesisChooser(data))
    note(f"{spec.name}: {case.describe()}, seed={seed}")
    return case
