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

from compliance import limits
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
# Archives are streamed record by record: the size limit applies to each record, not to the file.
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".jsonl", ".jsonl.gz")


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
    """Read a file (or stdin for ``-``) with one-line errors; a document over the size limit is refused
    before it is read (archives excepted: their limit is per record)."""
    if path == STDIN:
        cap = limits.current().max_file_size
        data = sys.stdin.buffer.read(cap + 1)
        if len(data) > cap:
            raise InputError(f"input too large: over {limits.mb(cap)} (limit {limits.mb(cap)}; "
                             f"{limits.HINT_SIZE})", path)
        return data
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", path)
    if p.is_dir():
        raise InputError("is a directory, not a file", path)
    try:
        if not path.lower().endswith(ARCHIVE_SUFFIXES):
            limits.check_size(p.stat().st_size, path)
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


def expand_paths(paths: Iterable[str], allow_dirs: bool, follow_symlinks: bool | None = None,
                 skipped: list[str] | None = None) -> Iterator[str]:
    """Files named by ``paths``; directories are walked (known suffixes only) when allowed.

    A symlink met while walking is followed only when its target lies inside the directory being
    walked, unless ``follow_symlinks`` (default: the ``follow-symlinks`` setting, off): a checked-out
    repository or a scraped tree must not make the scan read ``/etc`` or a home directory. Symlinked
    directories are entered only with ``follow_symlinks`` (then each real directory once: no loops).
    Paths named explicitly are always read. ``skipped`` collects a one-line note per symlink passed over.
    """
    follow = limits.current().follow_symlinks if follow_symlinks is None else follow_symlinks
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            if not allow_dirs:
                raise InputError("is a directory, not a file", path)
            yield from _walk(path, follow, skipped)
        else:
            yield path


def _walk(top: str, follow: bool, skipped: list[str] | None) -> Iterator[str]:
    real_top = os.path.realpath(top)
    seen: set[str] = {real_top}
    for root, dirs, files in os.walk(top, followlinks=follow):
        kept = []
        for d in sorted(d for d in dirs if not d.startswith(".")):
            full = os.path.join(root, d)
            if os.path.islink(full):
                if not follow:
                    _note(skipped, full, "symlinked directory not entered (--follow-symlinks enters it)")
                    continue
                real = os.path.realpath(full)
                if real in seen or _inside(real_top, real):
                    continue  # a loop, or a directory of this tree (walked anyway)
                seen.add(real)
            kept.append(d)
        dirs[:] = kept
        for name in sorted(files):
            if not is_known(name):
                continue
            full = os.path.join(root, name)
            if not follow and os.path.islink(full) and not _inside(real_top, os.path.realpath(full)):
                _note(skipped, full, "symlink to a file outside the scanned directory, not followed "
                                     "(--follow-symlinks follows it)")
                continue
            yield full


def _inside(directory: str, path: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _note(skipped: list[str] | None, path: str, why: str) -> None:
    if skipped is not None:
        skipped.append(f"{path}: {why}")
