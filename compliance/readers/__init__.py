"""One reader registry: a file suffix names the module that turns bytes into Documents.

Readers are imported lazily (HTML and WARC readers pull in heavy libraries). A reader is a function
``read(data: bytes, path: str) -> Iterable[Document]``; container formats (WARC, JSONL) yield many.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from compliance.document import Document
from compliance.errors import InputError

Reader = Callable[[bytes, str], Iterable[Document]]

# suffix -> "module:function"; the longest matching suffix wins (".warc.gz" before ".gz").
READERS: dict[str, str] = {
    ".txt": "compliance.readers.plain:read",
    ".text": "compliance.readers.plain:read",
    ".md": "compliance.readers.markdown:read",
    ".markdown": "compliance.readers.markdown:read",
    ".html": "compliance.readers.html:read",
    ".htm": "compliance.readers.html:read",
    ".html.gz": "compliance.readers.html:read",
    ".htm.gz": "compliance.readers.html:read",
    ".warc": "compliance.readers.warc:read",
    ".warc.gz": "compliance.readers.warc:read",
    ".jsonl": "compliance.readers.jsonl:read",
    ".jsonl.gz": "compliance.readers.jsonl:read",
}
DEFAULT_READER = "compliance.readers.plain:read"
STDIN = "-"


def register(suffix: str, target: str) -> None:
    """Add or replace the reader for ``suffix`` (``target`` is ``"module:function"``)."""
    READERS[suffix.lower()] = target


def reader_for(path: str) -> Reader:
    name = path.lower()
    best = max((s for s in READERS if name.endswith(s)), key=len, default=None)
    module, func = (READERS[best] if best else DEFAULT_READER).split(":")
    return getattr(importlib.import_module(module), func)


def is_known(path: str) -> bool:
    name = path.lower()
    return any(name.endswith(s) for s in READERS)


def read_bytes(path: str) -> bytes:
    """Read a file (or stdin for ``-``) with one-line errors."""
    if path == STDIN:
        return sys.stdin.buffer.read()
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", path)
    if p.is_dir():
        raise InputError("is a directory, not a file", path)
    try:
        return p.read_bytes()
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as err:
        raise InputError(err.strerror or str(err), path) from None


def read_path(path: str, stdin_name: str = "stdin.md") -> list[Document]:
    """All Documents in one file (``-`` is stdin, read as Markdown unless named otherwise)."""
    return list(iter_path(path, stdin_name))


def iter_path(path: str, stdin_name: str = "stdin.md") -> Iterator[Document]:
    """Documents in one file, streamed when the reader module has ``read_file(path)``.

    Archive readers (WARC, JSONL) stream records from disk and check sizes before reading, so a
    large archive never sits in memory; other readers get the file's bytes.
    """
    if path != STDIN:
        best = max((s for s in READERS if path.lower().endswith(s)), key=len, default=None)
        module = importlib.import_module((READERS[best] if best else DEFAULT_READER).split(":")[0])
        read_file = getattr(module, "read_file", None)
        if read_file is not None:
            yield from read_file(path)
            return
    data = read_bytes(path)
    yield from reader_for(stdin_name if path == STDIN else path)(data, path)


def read_text(text: str, path: str = "<text>") -> Document:
    """A Document from text in memory; the reader is chosen by ``path``'s suffix."""
    return next(iter(reader_for(path)(text.encode("utf-8"), path)))


def expand_paths(paths: Iterable[str], allow_dirs: bool) -> Iterator[str]:
    """Files named by ``paths``; directories are walked (known suffixes only) when allowed."""
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            if not allow_dirs:
                raise InputError("is a directory, not a file", path)
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if is_known(name):
                        yield os.path.join(root, name)
        else:
            yield path
