"""The zip archives behind ``minigrad.save`` / ``minigrad.load``, read with every size bounded by the file's.

A zip member may be compressed, and a few KB of deflate or bzip2 can inflate to gigabytes. So this reader takes
only *stored* (uncompressed) members, and only if their declared sizes, all together, fit inside the file:
whatever a file makes us allocate is then at most the file's own size. Each size in a header is checked
before anything is allocated, and each member is read straight into the buffer that backs its array (no
second copy). Zip's CRC-32 of a member is checked as its last byte is read, so a flipped byte anywhere in a
member's data is caught.

minigrad's ``.npz`` files (NumPy ``.npy`` members) and ``torch.save``'s zip files (raw storages) both come
through here. A problem raises ``ArchiveError`` saying what is wrong; the caller adds the file's name.
"""
from __future__ import annotations

import math
import os
import struct
import zipfile

import numpy as _np

_CHUNK = 1 << 20  # members are read in pieces of this size, so the only extra memory is one piece
_COMPRESSION_NAMES = {zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}
# What zipfile and NumPy's header parser raise on damaged input (OSError: e.g. a file object that cannot seek).
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, SyntaxError, struct.error,
                OSError, NotImplementedError, UnicodeDecodeError, OverflowError, KeyError, IndexError)


class ArchiveError(Exception):
    """A file cannot be loaded; the message says what is wrong with it (the caller names the file)."""


class NotAZipArchive(ArchiveError):
    """The file is not a zip archive at all; ``leading_bytes`` lets the caller say what it looks like."""

    def __init__(self, message: str, leading_bytes: bytes):
        super().__init__(message)
        self.leading_bytes = leading_bytes


class ArrayArchive:
    """A zip archive opened for bounded reading. ``file``: a path or a seekable binary file object.

    Use as a context manager; a path's file is closed at exit, a file object given by the caller is not.
    """

    def __init__(self, file):
        self._handle = None
        if isinstance(file, (str, os.PathLike)):
            if os.path.isdir(file):
                raise ArchiveError("is a directory, not a file")
            self._handle = open(file, "rb")  # a missing file raises FileNotFoundError, as open() and torch.load do
            file = self._handle
        try:
            self._open(file)
        except ArchiveError:
            self.close()
            raise
        except _READ_ERRORS as error:
            self.close()
            raise ArchiveError(f"is not a readable zip archive ({_describe(error)})") from None

    def _open(self, file):
        start = file.tell()
        size = file.seek(0, os.SEEK_END) - start
        file.seek(start)
        if size == 0:
            raise ArchiveError("is empty (0 bytes)")
        leading = file.read(16)
        file.seek(start)
        if not leading.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise NotAZipArchive("is not a zip archive", leading)
        self._zip = zipfile.ZipFile(file)
        self.size = size
        self._infos = {}
        for info in self._zip.infolist():
            self._check_member(info)
        declared = sum(info.file_size for info in self._infos.values())
        if declared > size:  # members that overlap each other would multiply the file's data
            raise ArchiveError(f"has members declaring {declared} bytes in all, more than the file's {size} bytes")

    def _check_member(self, info):
        name = info.filename
        if name in self._infos:
            raise ArchiveError(f"holds two members named '{name}'")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"has an encrypted member '{name}'")
        if info.compress_type != zipfile.ZIP_STORED:
            method = _COMPRESSION_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise ArchiveError(f"has a compressed member '{name}' ({method}); only stored (uncompressed) members are "
                               "read, so that a small file cannot inflate into a huge allocation. minigrad.save "
                               "and torch.save write stored members.")
        if info.compress_size != info.file_size or info.header_offset + info.file_size > self.size:
            raise ArchiveError(f"has a member '{name}' declaring {info.file_size} bytes that the file does not hold "
                               "(truncated or corrupt)")
        self._infos[name] = info

    @property
    def names(self) -> list:
        return list(self._infos)

    def read_bytes(self, name: str) -> bytearray:
        """A whole member's bytes."""
        info = self._info(name)
        buffer = bytearray(info.file_size)
        with _Guard(name):
            with self._zip.open(info) as member:
                _read_into(member, buffer, name)
        return buffer

    def read_raw_array(self, name: str, dtype, count: int, byteorder: str = "little"):
        """A member holding ``count`` items of ``dtype`` (a NumPy dtype) back to back, as a 1-d array."""
        info = self._info(name)
        expected = count * _np.dtype(dtype).itemsize
        if info.file_size != expected:
            raise ArchiveError(f"has a member '{name}' that should hold {count} items of {dtype} ({expected} bytes) "
                               f"but holds {info.file_size} bytes")
        array = _np.frombuffer(self.read_bytes(name), dtype=dtype)
        if byteorder != _native_byteorder():
            array.byteswap(inplace=True)
        return array

    def read_npy(self, name: str, dtype):
        """A NumPy ``.npy`` member that must hold ``dtype`` (a NumPy dtype); shape and size checked first."""
        expected = _np.dtype(dtype)

        def refusal(shape, stored_dtype):
            if stored_dtype != expected:
                what = ("Python objects, which could only be read by unpickling" if stored_dtype.hasobject
                        else f"dtype {stored_dtype.str}")
                return f"holding {what}; expected {expected.str}"
            return None

        buffer, shape, fortran_order = self._read_npy(name, refusal)
        array = _np.frombuffer(buffer, dtype=expected)
        return array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)

    def read_npy_text(self, name: str) -> str:
        """A ``.npy`` member holding one string (a 0-d unicode array, as ``numpy.array(str)`` saves)."""

        def refusal(shape, stored_dtype):
            if not (stored_dtype.str.startswith("<U") and stored_dtype.itemsize and shape == ()):
                return f"that should hold one string but holds shape {shape} of dtype {stored_dtype.str}"
            return None

        buffer, _, _ = self._read_npy(name, refusal)
        try:  # NumPy stores the text as UTF-32, padded with NULs
            return buffer.decode("utf-32-le").rstrip("\0")
        except UnicodeDecodeError:
            raise ArchiveError(f"has a member '{name}' holding text that is not valid unicode") from None

    def _read_npy(self, name, refusal):
        """(data, shape, fortran_order) of a ``.npy`` member, after ``refusal(shape, dtype)`` found nothing wrong
        with its header and the declared size matched the stored one: all checked before allocating."""
        info = self._info(name)
        with _Guard(name):
            with self._zip.open(info) as member:
                shape, fortran_order, dtype = _read_npy_header(member)
                problem = refusal(shape, dtype)
                if problem:
                    raise ArchiveError(f"has a member '{name}' {problem}")
                nbytes = math.prod(shape) * dtype.itemsize
                stored = info.file_size - member.tell()
                if nbytes != stored:  # a header cannot ask for more than the file holds
                    raise ArchiveError(f"has a member '{name}' declaring shape {shape} of {dtype} ({nbytes} bytes) "
                                       f"but storing {stored} bytes")
                buffer = bytearray(nbytes)
                _read_into(member, buffer, name)
        return buffer, shape, fortran_order

    def _info(self, name: str):
        try:
            return self._infos[name]
        except KeyError:
            raise ArchiveError(f"has no member '{name}'") from None

    def close(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class _Guard:
    """Turns zipfile's and NumPy's exceptions while reading one member into an ArchiveError naming it."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is not None and issubclass(kind, _READ_ERRORS):
            raise ArchiveError(f"has a corrupt or truncated member '{self.name}' ({_describe(error)})") from None
        return False


def _read_npy_header(member):
    """(shape, fortran_order, dtype) from a ``.npy`` header; NumPy's parser, which evaluates only literals."""
    version = _np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran_order, dtype = _np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran_order, dtype = _np.lib.format.read_array_header_2_0(member)
    else:
        raise ValueError(f".npy format version {version} is not read")
    if any(dim < 0 for dim in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    return shape, fortran_order, dtype


def _read_into(member, buffer, name):
    """Fill ``buffer`` from a zip member piece by piece; the member's CRC is checked at its last byte."""
    view = memoryview(buffer)
    filled = 0
    while filled < len(view):
        count = member.readinto(view[filled:filled + _CHUNK])
        if not count:
            raise ArchiveError(f"has a member '{name}' that ends early (truncated)")
        filled += count
    if member.read(1):
        raise ArchiveError(f"has a member '{name}' holding more bytes than it declares")


def _describe(error) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _native_byteorder() -> str:
    return "little" if _np.little_endian else "big"


def strided_view(storage, offset: int, shape: tuple, strides: tuple):
    """A view of a 1-d ``storage`` array, PyTorch-style (offset and strides in items; bounds checked by caller).

    Read-only when elements may overlap (a stride of 0, as ``expand`` makes), since writing one would write
    several.
    """
    itemsize = storage.itemsize
    overlaps = _may_overlap(shape, strides)
    return _np.lib.stride_tricks.as_strided(storage[offset:], shape=shape, strides=[s * itemsize for s in strides],
                                            writeable=not overlaps)


def _may_overlap(shape, strides) -> bool:
    # sorted by stride, each dim's step must jump past everything the smaller dims span
    extent = 0
    for size, stride in sorted((pair for pair in zip(shape, strides) if pair[0] > 1), key=lambda p: p[1]):
        if stride <= extent:
            return True
        extent += (size - 1) * stride
    return False


def contiguous_host_array(array):
    """``array`` in C order (0-d stays 0-d, unlike ``ascontiguousarray``), ready for ``write_archive``."""
    return _np.asarray(array, order="C")


def is_numpy_scalar(value) -> bool:
    return isinstance(value, _np.generic)


def write_archive(file, arrays: dict, texts: dict) -> None:
    """Write ``.npy`` members (``name.npy``) for each array and each text string, stored (uncompressed)."""
    entries = dict(arrays)
    entries.update({name: _np.array(text) for name, text in texts.items()})
    if isinstance(file, (str, os.PathLike)):
        with open(file, "wb") as handle:  # savez would otherwise append '.npz' to the name
            _np.savez(handle, **entries)
    else:
        _np.savez(file, **entries)  # savez, not savez_compressed: loading refuses compressed members
