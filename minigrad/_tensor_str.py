"""Turn tensor values into text exactly the way PyTorch prints them.

This module is a port of PyTorch's ``torch/_tensor_str.py`` (PyTorch 2.13)
to NumPy, so that after ``import minigrad as torch`` the line ``print(x)``
shows, character for character, what PyTorch would show::

    tensor([1., 2.], requires_grad=True)
    tensor(7.1465, grad_fn=<SumBackward0>)
    tensor([[1., 2.],
            [3., 4.]], dtype=torch.float64)

It deliberately knows nothing about minigrad's ``Tensor`` class: it only sees
a NumPy array, the name of the dtype and the already-written extras such as
``requires_grad=True``. That keeps it a pure function that is easy to test.

How PyTorch decides what a tensor looks like
--------------------------------------------
1. If the tensor is large (more than ``threshold`` elements) it is
   *summarized*: along every dimension only the first and last ``edgeitems``
   entries are shown, with ``...`` in between.
2. One ``_ElementFormatter`` looks at all the values that will be shown and
   picks a single style for all of them:
     * integer and bool tensors are printed as ``str(value)``;
     * float tensors whose finite values are all whole numbers print as
       ``1.`` (``int_mode``);
     * otherwise floats print with ``precision`` digits after the point
       (``1.5000``), or in scientific notation (``1.5000e+08``) when the
       values span a wide range (``sci_mode``).
   Every element is right-aligned to the width of the widest one.
3. The nested brackets are built recursively; rows of a 1-D vector wrap at
   ``linewidth`` characters.
4. The extras (``device=``, ``size=``, ``dtype=``, ``grad_fn=`` ...) are
   appended, each one going to a new line if it would overflow the line.
"""

import contextlib
import dataclasses
import math

from .backend import namespace_of

__all__ = [
    "format_tensor",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
]


# ---------------------------------------------------------------------------
# Print options (module-level state, like torch.set_printoptions)
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4  # digits after the decimal point
    threshold: float = 1000  # more elements than this -> summarize with "..."
    edgeitems: int = 3  # items kept at each end of a summarized dimension
    linewidth: int = 80  # characters per line before wrapping
    sci_mode: bool | None = None  # None: choose automatically


PRINT_OPTS = _PrintOptions()


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set options for printing tensors; mirrors ``torch.set_printoptions``.

    Args:
        precision: digits of precision for floating point output (default 4).
        threshold: number of elements above which the output is summarized
            (default 1000).
        edgeitems: items shown at the beginning and end of each summarized
            dimension (default 3).
        linewidth: characters per line used to wrap long rows (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"`` presets; the other
            arguments override it.
        sci_mode: ``True``/``False`` forces scientific notation on/off;
            ``None`` lets the formatter decide. Like in PyTorch, this one is
            always assigned, so leaving it out resets it to ``None``.
    """
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision = 4
            PRINT_OPTS.threshold = 1000
            PRINT_OPTS.edgeitems = 3
            PRINT_OPTS.linewidth = 80
        elif profile == "short":
            PRINT_OPTS.precision = 2
            PRINT_OPTS.threshold = 1000
            PRINT_OPTS.edgeitems = 2
            PRINT_OPTS.linewidth = 80
        elif profile == "full":
            PRINT_OPTS.precision = 4
            PRINT_OPTS.threshold = math.inf
            PRINT_OPTS.edgeitems = 3
            PRINT_OPTS.linewidth = 80

    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """Return the current print options as a dict that ``set_printoptions`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that changes the print options temporarily."""
    old_options = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old_options)


# ---------------------------------------------------------------------------
# Dtypes
# ---------------------------------------------------------------------------

# dtype names (as in ``torch.<name>``), which are also the names of the array dtypes that hold the values
_PRINTABLE_DTYPES = ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")

# torch.get_default_dtype(); minigrad has no set_default_dtype, so it is fixed.
_DEFAULT_FLOAT_DTYPE = "float32"

# A non-empty tensor of one of these dtypes prints without "dtype=...":
# the values themselves already tell the kind (1.5 / 1 / True).
_DTYPES_PRINTED_WITHOUT_NAME = {_DEFAULT_FLOAT_DTYPE, "int64", "bool"}


# ---------------------------------------------------------------------------
# Formatting single elements
# ---------------------------------------------------------------------------


class _ElementFormatter:
    """Chooses one style and one width for every element of a tensor.

    Port of ``torch._tensor_str._Formatter``. It is built from the values that
    will actually be shown (the summarized data for large tensors) and then
    formats each element with ``format(value)``.
    """

    def __init__(self, values):
        self.is_floating = values.dtype.kind == "f"
        self.int_mode = True  # floats that are all whole numbers: "3."
        self.sci_mode = False  # scientific notation: "3.0000e+00"
        self.max_width = 1  # width every element is padded to

        flat_values = values.reshape(-1)
        xp = namespace_of(flat_values)  # (the host array of the tensor: repr copies device arrays over first)

        if not self.is_floating:
            # Integers and bools: plain str(), padded to the longest one.
            for value in flat_values.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return

        # Only non-zero finite numbers decide the style; nan, inf and zeros
        # print the same way in every style.
        nonzero_finite = flat_values[xp.isfinite(flat_values) & (flat_values != 0)]
        if nonzero_finite.size == 0:
            return

        # The range is measured in float64 (a float16 would overflow at 1e8).
        abs_values = xp.abs(nonzero_finite).astype("float64")
        smallest = float(abs_values.min())
        largest = float(abs_values.max())

        # int_mode stays on only if every value equals its own ceiling.
        self.int_mode = bool(xp.all(nonzero_finite == xp.ceil(nonzero_finite)))

        if PRINT_OPTS.sci_mode is None:
            spans_wide_range = largest / smallest > 1000.0  # (Python floats: 1e300 / 1e-300 is inf, no warning)
            self.sci_mode = bool(
                spans_wide_range or largest > 1.0e8 or smallest < 1.0e-4
            )
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        # Measure the widest element in the chosen style. Python floats are
        # used for the text, exactly as PyTorch does via ``tensor.item()``.
        precision = PRINT_OPTS.precision
        for value in nonzero_finite.tolist():
            if self.sci_mode:
                width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1  # +1 for the trailing "."
            else:
                width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, width)

    def width(self):
        return self.max_width

    def format(self, value):
        """Format one Python number (or bool) and right-align it."""
        if self.is_floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                # The "." marks the tensor as floating point; nan/inf keep
                # their plain spelling.
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


# ---------------------------------------------------------------------------
# Building the nested brackets
# ---------------------------------------------------------------------------


def _summarized_values(values):
    """Keep only the entries that a summarized print shows.

    Port of ``torch._tensor_str.get_summarized_data``: along every dimension
    the first and last ``edgeitems`` entries are kept. The result is only
    used to choose the formatter's style and width.
    """
    edgeitems = PRINT_OPTS.edgeitems
    if values.ndim == 0:
        return values
    if values.ndim == 1:
        if values.shape[0] > 2 * edgeitems:
            # Note: with edgeitems == 0, values[-0:] is the whole vector,
            # exactly as in PyTorch.
            return namespace_of(values).concatenate((values[:edgeitems], values[-edgeitems:]))
        return values
    if not edgeitems:
        return namespace_of(values).empty([0] * values.ndim, dtype=values.dtype)
    if values.shape[0] > 2 * edgeitems:
        kept_rows = list(values[:edgeitems]) + list(values[-edgeitems:])
    else:
        kept_rows = list(values)
    return namespace_of(values).stack([_summarized_values(row) for row in kept_rows])


def _scalar_str(values, formatter):
    return formatter.format(values.item())


def _vector_str(values, indent, summarize, formatter):
    """Format a 1-D array as ``[a, b, c]``, wrapping rows at ``linewidth``.

    ``indent`` is the column at which the opening ``[`` stands.
    """
    edgeitems = PRINT_OPTS.edgeitems
    element_length = formatter.width() + 2  # the element plus ", "
    elements_per_line = max(
        1, math.floor((PRINT_OPTS.linewidth - indent) / element_length)
    )

    if summarize and not edgeitems:
        pieces = ["..."]
    elif summarize and values.shape[0] > 2 * edgeitems:
        pieces = (
            [formatter.format(v) for v in values[:edgeitems].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in values[-edgeitems:].tolist()]
        )
    else:
        pieces = [formatter.format(v) for v in values.tolist()]

    lines = [
        ", ".join(pieces[start : start + elements_per_line])
        for start in range(0, len(pieces), elements_per_line)
    ]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values, indent, summarize, formatter):
    """Recursively format an array of any number of dimensions.

    Sub-arrays of a 2-D array are separated by one newline, those of a 3-D
    array by a blank line, and so on (``ndim - 1`` newlines).
    """
    ndim = values.ndim
    if ndim == 0:
        return _scalar_str(values, formatter)
    if ndim == 1:
        return _vector_str(values, indent, summarize, formatter)

    edgeitems = PRINT_OPTS.edgeitems
    length = values.shape[0]
    if summarize and length > 2 * edgeitems:
        slices = (
            [
                _nested_str(values[i], indent + 1, summarize, formatter)
                for i in range(edgeitems)
            ]
            + ["..."]
            + [
                _nested_str(values[i], indent + 1, summarize, formatter)
                for i in range(length - edgeitems, length)
            ]
        )
    else:
        slices = [
            _nested_str(values[i], indent + 1, summarize, formatter)
            for i in range(length)
        ]

    separator = "," + "\n" * (ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _tensor_str(values, indent):
    """The data part of the repr, e.g. ``[[1., 2.],\\n        [3., 4.]]``."""
    if values.size == 0:
        return "[]"
    summarize = values.size > PRINT_OPTS.threshold
    formatter = _ElementFormatter(_summarized_values(values) if summarize else values)
    return _nested_str(values, indent, summarize, formatter)


def _add_suffixes(tensor_str, suffixes, indent):
    """Append ``, suffix`` parts and the closing ``)``.

    A suffix moves to its own line (indented to line up with the data) when
    it would make the current line longer than ``linewidth``.
    """
    parts = [tensor_str]
    # Length of the last line (PyTorch's formula, including its "+ 1").
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        suffix_len = len(suffix)
        if last_line_len + suffix_len + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
        else:
            parts.append(", " + suffix)
            last_line_len += suffix_len + 2
    parts.append(")")
    return "".join(parts)


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def format_tensor(array, dtype_name, suffixes=(), *, device_suffix=None):
    """Return the text PyTorch's ``repr(tensor)`` would show.

    Args:
        array: a NumPy array (any number of dimensions, possibly 0-d or
            empty) holding the tensor's values. It is viewed as
            ``dtype_name`` before formatting.
        dtype_name: ``"float32"``, ``"float64"``, ``"float16"``, ``"int64"``,
            ``"int32"``, ``"int16"``, ``"int8"``, ``"uint8"`` or ``"bool"``.
        suffixes: already-written trailing parts in PyTorch's order, such as
            ``["grad_fn=<SumBackward0>"]`` or ``["requires_grad=True"]``.
        device_suffix: the device to show, either ``"cuda:0"`` or the full
            ``"device='cuda:0'"``; ``None`` for the default (cpu) device.

    The extras are placed in PyTorch's order: ``device=`` first, then
    ``size=`` (empty tensors that are not 1-D, or when ``edgeitems`` is 0),
    then ``dtype=`` (added here when the dtype is not the default for its
    kind), then the given ``suffixes``. A ``device=...`` entry found inside
    ``suffixes`` is moved to the front as well.
    """
    if dtype_name not in _PRINTABLE_DTYPES:
        raise ValueError(f"unsupported dtype for printing: {dtype_name!r}")
    values = namespace_of(array).asarray(array, dtype=dtype_name)

    prefix = "tensor("
    indent = len(prefix)

    # device= always comes first.
    extra_parts = []
    given_suffixes = list(suffixes)
    if device_suffix is not None:
        if not device_suffix.startswith("device="):
            device_suffix = f"device='{device_suffix}'"
        extra_parts.append(device_suffix)
    extra_parts += [s for s in given_suffixes if s.startswith("device=")]
    given_suffixes = [s for s in given_suffixes if not s.startswith("device=")]

    dtype_part = f"dtype=torch.{dtype_name}"
    shape_part = f"size={tuple(values.shape)}"

    if values.size == 0:
        # "[]" hides the shape unless it is the plain (0,) shape ...
        if values.ndim != 1:
            extra_parts.append(shape_part)
        # ... and hides the kind of the values, so every dtype other than
        # the default float dtype is named (even int64 and bool).
        if dtype_name != _DEFAULT_FLOAT_DTYPE:
            extra_parts.append(dtype_part)
        data_str = "[]"
    else:
        # With edgeitems == 0 the data is just "...", so show the shape.
        if not PRINT_OPTS.edgeitems:
            extra_parts.append(shape_part)
        if dtype_name not in _DTYPES_PRINTED_WITHOUT_NAME:
            extra_parts.append(dtype_part)
        data_str = _tensor_str(values, indent)

    return _add_suffixes(prefix + data_str, extra_parts + given_suffixes, indent)
