"""File access for archive readers: one-line errors, size caps, gzip that cannot blow up, error records.

Archive readers stream from an open file instead of taking the whole file as bytes (a WARC can be
larger than memory), so they open files here; every OS error becomes an :class:`InputError` naming
the problem in one line, and decompression stops at a configurable cap (decompression bombs).
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from typing import BinaryIO

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


def mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


def gunzip(data: bytes, path: str, limit: int) -> bytes:
    """Decompress gzip ``data`` (all members) up to ``limit`` bytes; truncated or corrupt data is an error."""
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
        return read_capped(fh, path, limit, what="decompressed size")


def read_capped(fh: BinaryIO, path: str, limit: int, what: str = "size") -> bytes:
    """Read all of ``fh`` but refuse more than ``limit`` bytes; gzip errors become one-line InputErrors."""
    try:
        data = fh.read(limit + 1)
    except EOFError:
        raise InputError("truncated gzip data (file ends mid-stream)", path) from None
    except gzip.BadGzipFile as err:
        raise InputError(f"not gzip data ({err})", path) from None
    except zlib.error as err:
        raise InputError(f"corrupt gzip data ({err})", path) from None
    except OSError as err:
        raise InputError(err.strerror or str(err), path) from None
    if len(data) > limit:
        raise InputError(f"{what} exceeds the {mb(limit)} limit", path)
    return data


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
