"""Errors that teach: PyTorch's words first, then one line naming the lesson that explains the error.

Tests compare the first line(s) with PyTorch's message; the hint is always the last line, so code
that matches PyTorch's text with ``startswith`` or a regex keeps working.
"""
from __future__ import annotations

LESSONS = {
    "requires_grad": "01_tensors_that_remember",
    "second_backward": "03_scalar_backward",
    "non_leaf_grad": "03_scalar_backward",
    "scalar_outputs": "05_non_scalar_backward",
    "no_grad_fn": "01_tensors_that_remember",
    "in_place": "07_switching_autograd_off",
    "custom_function": "08_your_own_function",
}


def with_lesson(message: str, topic: str) -> str:
    """``message`` plus the line that points to the lesson about ``topic``."""
    lesson = LESSONS[topic]
    return f"{message}\n(minigrad: lesson {lesson[:2]}, lessons/{lesson}.ipynb, explains this error.)"
