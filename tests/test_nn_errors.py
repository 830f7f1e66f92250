"""Errors and warnings of nn, nn.functional and optim in PyTorch's exact words.

Each case of the ``errors`` section of ``tests/reference/data/nn.json`` is a line of code that PyTorch 2.13
ran (with ``torch``, ``nn``, ``F`` and the lessons' classes in scope); we run the same line on minigrad and
expect the same exception type and message, the same warnings, or the same result text (e.g. the
``<All keys matched successfully>`` that ``load_state_dict`` returns).
"""
from __future__ import annotations

import warnings

import pytest

from nn_reference import REFERENCE, namespace

CASES = REFERENCE["errors"]


@pytest.mark.parametrize("case", CASES, ids=[c["code"][:60] for c in CASES])
def test_same_error_message_as_pytorch(case):
    scope = namespace()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = eval(case["code"], scope)
            error = None
        except Exception as raised:  # noqa: BLE001 - the reference says which type to expect
            error = raised
    if case["error"] is None:
        assert error is None, f"minigrad raised {type(error).__name__}: {error}"
        if case["result"] is not None:
            assert str(result) == case["result"]
    else:
        assert error is not None, f"expected {case['error']}: {case['message']}"
        assert type(error).__name__ == case["error"]
        message = error.args[0] if isinstance(error, KeyError) else str(error)
        assert message == case["message"]
    ours = [[w.category.__name__, str(w.message)] for w in caught]
    for expected in case["warnings"]:
        assert expected in ours
