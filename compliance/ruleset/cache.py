"""A cache of loaded rule packs, so that start-up does not parse YAML and compile regexes every time.

Loading the shipped packs costs ~1 s (ruamel.yaml parsing ~0.35 s, ``regex`` compilation ~0.55 s,
pydantic is cheap); unpickling the result costs ~30 ms, because a pickled ``regex`` pattern carries
its compiled code. The cache is keyed by the *content* of every rule file (path, size and a hash of
the bytes: an edit within the same second, or one that keeps the size, still invalidates it) plus the
versions of Python, ``regex``, ``pydantic``, this package and the loader's own modules as imported. A file
that fails to load is never cached, so an invalid edit is reported exactly as without a cache.

The cache is an optimisation only: an unreadable, corrupt, foreign or stale file is ignored and
replaced, a failed write is ignored, and ``COMPLIANCE_NO_CACHE=1`` turns it off. Files go to
``$COMPLIANCE_CACHE_DIR``, else ``$XDG_CACHE_HOME/compliance``, else ``~/.cache/compliance``; the
directory is private (0700) and a file not owned by the user or writable by others is not loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
FORMAT = 1  # bump when the pickled objects change shape in a way the source stamps would not catch
KEEP = 8  # cache files kept per kind (one per set of rule paths; test runs make many)


def cache_dir() -> Path | None:
    """Where cache files go, or None when caching is off."""
    if os.environ.get("COMPLIANCE_NO_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("COMPLIANCE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "compliance"


def cached(kind: str, sources: list[Path], build: Callable[[], T]) -> T:
    """``build()``, or its result from an earlier run with the same ``sources`` (content) and code."""
    directory = cache_dir()
    if directory is None:
        return build()
    try:
        stamp = _stamp(sources)
    except OSError:  # a source vanished or is unreadable: let the loader report it
        return build()
    path = directory / f"{kind}-{_name(sources)}.pickle"
    hit = _read(path, stamp)
    if hit is not None:
        return hit
    value = build()
    _write(directory, path, stamp, value)
    return value


def memo(kind: str, key: str, code: Path, build: Callable[[], T]) -> T:
    """``build()``, or its result from an earlier run for the same ``key`` (a digest of the inputs) and the same
    ``code`` (the module whose function builds it): derived data too slow to compute at every start-up."""
    where = _memo_path(kind, key, code)
    if where is None:
        return build()
    directory, path, stamp = where
    hit = _read(path, stamp)
    if hit is not None:
        return hit
    value = build()
    _write(directory, path, stamp, value)
    return value


_CODE: dict[Path, bytes] = {}


def code_bytes(path: Path) -> bytes:
    """The source file of a module as this process first read it, for stamping what it derives: the code that
    is running, not a newer copy installed meanwhile (a long ``audit`` or training run during an upgrade filed
    its tables under the new code's key, and every later process loaded the stale ones)."""
    data = _CODE.get(path)
    if data is None:
        data = _CODE[path] = path.read_bytes()
    return data


def has_memo(kind: str, key: str, code: Path) -> bool:
    """Is there (probably) a :func:`memo` result for ``key``? A cheap look, for choosing whether to ask for it."""
    where = _memo_path(kind, key, code)
    return where is not None and where[1].is_file()


def _memo_path(kind: str, key: str, code: Path) -> tuple[Path, Path, str] | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        stamp = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{key}\0".encode() + code_bytes(code)).hexdigest()
    except OSError:
        return None
    return directory, directory / f"{kind}-{stamp[:16]}.pickle", stamp


def _name(sources: list[Path]) -> str:
    """One file per set of rule paths (the shipped packs, or those plus ``--rules`` ones)."""
    joined = "\0".join(str(p.resolve()) for p in sources)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _stamp(sources: list[Path]) -> str:
    import pydantic
    import regex

    import compliance
    from compliance.ruleset.loader import CODE_STAMP

    digest = hashlib.sha256()
    versions = (FORMAT, sys.version, regex.__version__, pydantic.VERSION, compliance.__version__, CODE_STAMP)
    digest.update(repr(versions).encode())
    for source in sources:
        data = source.read_bytes()
        digest.update(f"\0{source.resolve()}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _read(path: Path, stamp: str):
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not _trusted(st):
                return None
            saved, value = pickle.load(fh)
    except Exception:  # noqa: BLE001 - missing, truncated, corrupt or from another version: rebuild
        return None
    return value if saved == stamp else None


def _trusted(st: os.stat_result) -> bool:
    """Only a regular file of our own that nobody else may write (a pickle runs code when loaded)."""
    if not stat.S_ISREG(st.st_mode) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    getuid = getattr(os, "getuid", None)
    return getuid is None or st.st_uid == getuid()


def _write(directory: Path, path: Path, stamp: str, value: object) -> None:
    """Write atomically (temporary file, then rename); any failure leaves the run unaffected."""
    tmp = None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((stamp, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        _prune(directory, path.name.split("-")[0])
    except Exception:  # noqa: BLE001 - read-only home, full disk, unpicklable value: run uncached
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(directory: Path, kind: str) -> None:
    """Delete all but the ``KEEP`` most recently written files of ``kind``."""
    files = sorted(directory.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)
