"""The op methods of ``Tensor``, one mixin class per concern, each method a ``def`` under its own name.

``Tensor`` (``minigrad/_tensor.py``) inherits them all, so ``grep "def exp"`` and an editor's
go-to-definition land on the line that runs ``x.exp()``:

* ``arithmetic.py``  -- operators (``a + b``, ``a @ b``, ``a < b``, ``~a``), ``add``/``mul``/..., ``mm``/``matmul``;
* ``elementwise.py`` -- ``exp``, ``sin``, ``clamp``, ``where``, ``softmax``, ``clone``, ...;
* ``reductions.py``  -- ``sum``, ``mean``, ``max``, ``sort``, ``var``, ``all``, ... (with NumPy's ``axis=`` spelling);
* ``shape.py``       -- ``view``, ``reshape``, ``transpose``, ``split``, ``x[i]`` and ``x[i] = v``, ...;
* ``in_place.py``    -- ``add_``, ``x += y``, ``zero_``, ``copy_``, ... and ``_in_place``, their shared rules;
* ``conversions.py`` -- ``to``, ``float``, ``cpu``, ``type``, ``new_zeros``, ...
"""
from __future__ import annotations


from . import arithmetic, conversions, elementwise, in_place, reductions, shape
from .arithmetic import ArithmeticMethods
from .conversions import ConversionMethods
from .elementwise import ElementwiseMethods
from .in_place import InPlaceMethods, _bump_version_of, _in_place, _update_array_in_place  # noqa: F401
from .reductions import ReductionMethods
from .shape import ShapeMethods

MIXINS = (ArithmeticMethods, ElementwiseMethods, ReductionMethods, ShapeMethods, InPlaceMethods, ConversionMethods)


def bind(tensor_class, ops_module) -> None:
    """Give the method modules ``Tensor`` and ``ops``, which they cannot import themselves: ``Tensor``'s class
    statement needs these mixins before it exists, and ``minigrad.ops`` imports ``Tensor`` at import time.
    ``minigrad/_tensor.py`` calls this once, right after the class and ``ops`` exist."""
    for module in (arithmetic, elementwise, reductions, shape, in_place, conversions):
        module.Tensor, module.ops = tensor_class, ops_module
    arithmetic._OPERAND_TYPES = (tensor_class, *arithmetic._NUMBER_TYPES)
