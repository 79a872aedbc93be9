"""File access for archive readers: one-line errors, size caps, gzip that cannot blow up, error records.

Archive readers stream from an open file instead of taking the whole file as bytes (a WARC can be
larger than memory), so they open files here; every OS error becomes an :class:`InputError` naming
the problem in one line, and decompression stops at a configurable cap (decompression bombs).
"""

from __future__ import annotations

import gzip
import os
import zlib
from typing import BinaryIO

from compliance import limits
from compliance.document import Document
from compliance.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def open_binary(path: str) -> BinaryIO:
    """Open ``path`` for reading; missing, directory, permission, symlink-loop errors in one line."""
    try:
        if os.path.isdir(path):
            raise InputError("is a directory, not a file", path)
        return open(path, "rb")  # noqa: SIM115 - the caller owns the handle
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as err:
        raise InputError(err.strerror or str(err), path) from None


def file_size(path: str) -> int:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as err:
        raise InputError(err.strerror or str(err), path) from None
    if os.path.isdir(path):
        raise InputError("is a directory, not a file", path)
    return st.st_size


mb = limits.mb


def gunzip(data: bytes, path: str, limit: int) -> bytes:
    """Decompress gzip ``data`` (all members) up to ``limit`` bytes; truncated or corrupt data is an error.

    A bomb is refused at the compression-ratio cap (``limits.ratio_cap``), long before ``limit`` when
    the input is small: a 100 KB file never inflates past 10 MB with the default ratio.
    """
    cap = limits.ratio_cap(len(data), limit)
    out = _inflate_members(data, path, cap + 1)
    if len(out) > cap:
        if cap < limit:
            raise InputError(limits.bomb_message(cap, len(data)), path)
        raise InputError(f"decompressed size exceeds the {mb(limit)} limit", path)
    return out


def _inflate_members(data: bytes, path: str, size: int) -> bytes:
    """At most ``size`` bytes of every gzip member in ``data``, one zlib call per member (GzipFile reads
    in 128 KB steps: a quarter slower on a web page). As gzip does: zero padding after a member is
    allowed, anything else after it is an error, and so is a member cut short."""
    pieces: list[bytes] = []
    total = 0
    rest = data
    while rest and total < size:
        if not rest.startswith(GZIP_MAGIC):
            raise InputError(f"not gzip data (bad magic number {rest[:2]!r})", path)
        inflater = zlib.decompressobj(wbits=31)
        try:
            piece = inflater.decompress(rest, size - total)
        except zlib.error as err:
            raise InputError(f"corrupt gzip data ({err})", path) from None
        pieces.append(piece)
        total += len(piece)
        if total >= size or inflater.unconsumed_tail:  # stopped at the size cap: the caller refuses it
            break
        if not inflater.eof:
            raise InputError("truncated gzip data (file ends mid-stream)", path)
        rest = inflater.unused_data.lstrip(b"\x00")
    return b"".join(pieces)


class GuardedGzip(gzip.GzipFile):
    """A streaming gzip reader that stops at the compression-ratio limit (JSONL dumps, line by line).

    The compressed bytes consumed so far come from the underlying file's position (read-ahead makes
    that an overestimate, so the ratio is never overstated); a breach raises :class:`InputError`.
    """

    def __init__(self, fileobj: BinaryIO, path: str) -> None:
        super().__init__(fileobj=fileobj)
        self._raw = fileobj
        self._path = path
        self._start = tell(fileobj)
        self._out = 0

    def _check(self, data: bytes) -> bytes:
        self._out += len(data)
        if self._out > limits.RATIO_FLOOR and self._start >= 0:  # a pipe has no position to compare
            consumed = max(1, tell(self._raw) - self._start)
            if limits.too_compressed(self._out, consumed):
                raise InputError(limits.bomb_message(self._out, consumed), self._path)
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._check(super().read(size))

    def readline(self, size: int | None = -1) -> bytes:
        return self._check(super().readline(size))


def tell(fh: BinaryIO) -> int:
    """``fh``'s position, or -1 where it has none (a pipe): then no compression-ratio check."""
    try:
        return fh.tell()
    except (OSError, ValueError, AttributeError):
        return -1


def read_capped(fh: BinaryIO, path: str, limit: int, what: str = "size") -> bytes:
    """Read all of ``fh`` but refuse more than ``limit`` bytes; gzip errors become one-line InputErrors."""
    data = _read_upto(fh, path, limit + 1)
    if len(data) > limit:
        raise InputError(f"{what} exceeds the {mb(limit)} limit", path)
    return data


def _read_upto(fh: BinaryIO, path: str, size: int) -> bytes:
    try:
        return fh.read(size)
    except EOFError:
        raise InputError("truncated gzip data (file ends mid-stream)", path) from None
    except gzip.BadGzipFile as err:
        raise InputError(f"not gzip data ({err})", path) from None
    except zlib.error as err:
        raise InputError(f"corrupt gzip data ({err})", path) from None
    except OSError as err:
        raise InputError(err.strerror or str(err), path) from None


def open_text_source(path: str) -> BinaryIO:
    """A binary stream of ``path``'s content, transparently gunzipped when the file is gzip."""
    fh = open_binary(path)
    if fh.peek(2)[:2] != GZIP_MAGIC:  # type: ignore[attr-defined]
        return fh
    fh.close()
    return gzip.open(path, "rb")  # type: ignore[return-value]  # owns (and closes) its file


def error_document(path: str, record: int | None, reason: str, **metadata: object) -> Document:
    """The stand-in for a record of a container (WARC, JSONL) that could not be read.

    Empty text, ``format="error"``, ``metadata["error"]`` a one-line reason: a container yields one
    Document-or-error per record and keeps going, where an exception would end its generator.
    """
    return Document(path=path, text="", record=record, format="error", metadata={"error": reason, **metadata})


def is_error(doc: Document) -> bool:
    return bool(doc.metadata.get("error"))
