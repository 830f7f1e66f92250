"""``minigrad.save`` / ``minigrad.load``: state dicts on disk, loaded without ever running code from a file.

``torch.save`` pickles, and unpickling a file from a stranger can run any code. minigrad writes a NumPy
``.npz`` archive instead (``minigrad_format.py``), and reads two formats:

* its own ``.npz`` files, parsed as JSON plus arrays -- never unpickled;
* the zip files ``torch.save`` writes (``torch_format.py``), whose pickle is read by an allow-list unpickler
  that knows only tensors, storages, dtypes, ``OrderedDict`` and plain containers, as PyTorch's own
  ``torch.load(weights_only=True)`` does. ``model.load_state_dict(minigrad.load("from_pytorch.pt"))`` works
  without PyTorch installed. PyTorch's legacy (pre-1.6, non-zip) format is refused.

Loading is bounded by construction (``minigrad/backend/array_files.py``): only stored (uncompressed) zip
members are read, every declared shape is checked against the bytes actually stored before anything is
allocated, and arrays are read straight into their final buffers, so the tensors take at most the file's own
bytes, once. The structure (JSON or pickle) becomes Python objects, a small multiple of its own bytes; a pickle's
memo indices are checked before unpickling, since CPython's unpickler would size its memo table by them.

Errors: every file that cannot be loaded -- truncated, corrupt, compressed, foreign, malicious, empty, a
directory -- raises ``RuntimeError`` with a message that starts with the file's name and says what is wrong.
PyTorch raises ``RuntimeError`` for a damaged zip ("PytorchStreamReader failed reading zip archive: ...") but
``pickle.UnpicklingError`` for a refused global, and ``EOFError`` or ``KeyError`` for some other files; minigrad
uses ``RuntimeError`` for all of them, so one ``except RuntimeError`` catches every bad file. A path that does
not exist raises ``FileNotFoundError``, as ``open`` and ``torch.load`` do.
"""
from __future__ import annotations

import os

from ..backend.array_files import ArchiveError, ArrayArchive, NotAZipArchive
from . import minigrad_format, torch_format
from .minigrad_format import save

__all__ = ["save", "load"]


def load(f, map_location=None, weights_only=None, **unused):
    """Load what ``minigrad.save`` or ``torch.save`` wrote, from a path or a seekable binary file object.

    Tensors come back on the CPU (or on ``map_location``, a device). Whatever ``weights_only`` says, nothing
    in the file is ever run: minigrad reads only data. Any file it cannot load raises ``RuntimeError`` naming
    the file and what is wrong.
    """
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", repr(f))
    try:
        with ArrayArchive(f) as archive:
            if minigrad_format.is_minigrad_archive(archive):
                return minigrad_format.read(archive, map_location)
            if torch_format.is_torch_archive(archive):
                return torch_format.read(archive, map_location)
            raise ArchiveError("is not a file written by minigrad.save or torch.save: it is a zip archive with "
                               f"neither a '{minigrad_format.STRUCTURE_MEMBER}' member nor a 'data.pkl'.")
    except NotAZipArchive as problem:
        raise RuntimeError(f"{name} {_not_zip_message(problem.leading_bytes)}") from None
    except ArchiveError as problem:
        raise RuntimeError(f"{name} {problem}") from None


# torch.save's legacy format (before PyTorch 1.6, or _use_new_zipfile_serialization=False) starts with this
# magic number, pickled: protocol 2, LONG1 of 10 bytes.
_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"


def _not_zip_message(leading_bytes: bytes) -> str:
    if leading_bytes.startswith(_TORCH_LEGACY_MAGIC):
        return ("is in PyTorch's legacy format (torch.save before PyTorch 1.6 or with "
                "_use_new_zipfile_serialization=False), which minigrad.load does not read: that format is a bare "
                "pickle, and unpickling can run code. Re-save it with a current torch.save, which writes a zip "
                "archive minigrad can read safely.")
    if leading_bytes.startswith(b"\x93NUMPY"):
        what = "it holds a single NumPy array (.npy)"
    elif leading_bytes[:1] == b"\x80":
        what = "it is a pickle, and minigrad never unpickles, since unpickling can run code"
    else:
        what = "it is not a zip archive (truncated, corrupt, or some other kind of file)"
    return f"is not a file written by minigrad.save or torch.save: {what}."
