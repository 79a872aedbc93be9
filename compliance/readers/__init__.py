"""One reader registry: a file suffix names the module that turns bytes into Documents.

Readers are imported lazily (HTML and WARC readers pull in heavy libraries). A reader is a function
``read(data: bytes, path: str) -> Iterable[Document]``; container formats (WARC, JSONL) yield many.
"""

from __future__ import annotations

import fnmatch
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from compliance import limits
from compliance.coverage import Skipped
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
# Readers by name, for the ``extensions`` config key: {".mdx" = "markdown"}.
READER_NAMES: dict[str, str] = {
    "text": "compliance.readers.plain:read",
    "markdown": "compliance.readers.markdown:read",
    "html": "compliance.readers.html:read",
}
# Text formats with markup our readers do not parse: read when named or opted into (--include, extensions),
# skipped by a walk with a hint, since MDX components or reST directives may read as noise.
OPT_IN: dict[str, str] = {".mdx": "markdown", ".rst": "text", ".adoc": "text", ".asciidoc": "text"}
STDIN = "-"
# Archives are streamed record by record: the size limit applies to each record, not to the file.
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".jsonl", ".jsonl.gz")


# The run's own suffixes (``extensions`` in the config) and ``--include`` globs: set by :func:`configure`.
_EXTRA: dict[str, str] = {}
_INCLUDE: list[str] = []


def register(suffix: str, target: str) -> None:
    """Add or replace the reader for ``suffix`` (``target`` is ``"module:function"``)."""
    READERS[suffix.lower()] = target


def configure(extensions: dict[str, str] | None = None, include: Iterable[str] = ()) -> None:
    """This run's suffix -> reader name map and ``--include`` globs (replacing the last run's: tests and
    commands share a process). Unknown reader names are the config's to reject."""
    _EXTRA.clear()
    _EXTRA.update({normal_suffix(k): READER_NAMES[v] for k, v in (extensions or {}).items()})
    _INCLUDE[:] = list(include)


def normal_suffix(suffix: str) -> str:
    """``"mdx"`` and ``".MDX"`` -> ``".mdx"``."""
    suffix = suffix.strip().lower()
    return suffix if suffix.startswith(".") else "." + suffix


def _target(path: str) -> str:
    """``"module:function"`` for ``path``: the longest matching suffix wins; opt-in suffixes count when a
    file is read at all (named, or included); anything else is read as plain text."""
    table = {**{k: READER_NAMES[v] for k, v in OPT_IN.items()}, **READERS, **_EXTRA}
    name = path.lower()
    best = max((s for s in table if name.endswith(s)), key=len, default=None)
    return table[best] if best else DEFAULT_READER


def reader_for(path: str) -> Reader:
    module, func = _target(path).split(":")
    return getattr(importlib.import_module(module), func)


def is_known(path: str, relative: str | None = None) -> bool:
    """Whether a walk reads ``path``: a registered or configured suffix, or an ``--include`` glob matching
    its name or its path below the walked directory (``relative``)."""
    name = path.lower()
    if any(name.endswith(s) for s in (*READERS, *_EXTRA)):
        return True
    base = os.path.basename(path)
    return any(fnmatch.fnmatch(base, g) or (relative and fnmatch.fnmatch(relative, g)) for g in _INCLUDE)


def skip_reason(name: str) -> Skipped:
    """Why a walk passes ``name`` over: a binary format to convert, an opt-in suffix, or no reader at all."""
    from compliance.readers.sniff import kind_by_suffix

    suffix = os.path.splitext(name)[1].lower()
    group = suffix or "no suffix"
    kind = kind_by_suffix(name)
    if kind is not None:
        return Skipped(name, f"{kind.name}, not text (convert it with {kind.convert.split()[0]} first)", group)
    if suffix in OPT_IN:
        return Skipped(name, f"{suffix} is not read by default (--include '*{suffix}', or extensions = "
                             f"{{ \"{suffix}\" = \"{OPT_IN[suffix]}\" }} in the config)", group)
    return Skipped(name, f"no reader for {suffix or 'files without a suffix'}", group)


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
        module = importlib.import_module(_target(path).split(":")[0])
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
                 skipped: list[Skipped] | None = None) -> Iterator[str]:
    """Files named by ``paths``; directories are walked (known suffixes only) when allowed.

    A symlink met while walking is followed only when its target lies inside the directory being
    walked, unless ``follow_symlinks`` (default: the ``follow-symlinks`` setting, off): a checked-out
    repository or a scraped tree must not make the scan read ``/etc`` or a home directory. Symlinked
    directories are entered only with ``follow_symlinks`` (then each real directory once: no loops).
    Paths named explicitly are always read. ``skipped`` collects each file passed over (no reader for its
    suffix, a symlink not followed) with the reason, so a report can count them: a gate must not call a
    directory of PDFs clean.
    """
    follow = limits.current().follow_symlinks if follow_symlinks is None else follow_symlinks
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            if not allow_dirs:
                raise InputError("is a directory, not a file", path)
            yield from _walk(path, follow, skipped)
        else:
            yield path


def _walk(top: str, follow: bool, skipped: list[Skipped] | None) -> Iterator[str]:
    real_top = os.path.realpath(top)
    seen: set[str] = {real_top}
    for root, dirs, files in os.walk(top, followlinks=follow):
        kept = []
        for d in sorted(d for d in dirs if not d.startswith(".")):
            full = os.path.join(root, d)
            if os.path.islink(full):
                if not follow:
                    _note(skipped, full, "symlinked directory not entered (--follow-symlinks enters it)",
                          "symlink")
                    continue
                real = os.path.realpath(full)
                if real in seen or _inside(real_top, real):
                    continue  # a loop, or a directory of this tree (walked anyway)
                seen.add(real)
            kept.append(d)
        dirs[:] = kept
        for name in sorted(files):
            full = os.path.join(root, name)
            if not is_known(name, os.path.relpath(full, top)):
                if skipped is not None:
                    skipped.append(skip_reason(full))
                continue
            if not follow and os.path.islink(full) and not _inside(real_top, os.path.realpath(full)):
                _note(skipped, full, "symlink to a file outside the scanned directory, not followed "
                                     "(--follow-symlinks follows it)", "symlink")
                continue
            yield full


def _inside(directory: str, path: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _note(skipped: list[Skipped] | None, path: str, why: str, group: str) -> None:
    if skipped is not None:
        skipped.append(Skipped(path, why, group))
