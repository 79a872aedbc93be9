"""Record files: JSONL or CSV, written line by line so an interrupted audit leaves a valid prefix.

Every record is encoded first and written with one ``os.write`` of the whole line (no userspace
buffer holds half a line), so a killed run leaves complete lines only, except at worst a torn last
line if the machine itself stops mid-write; :meth:`Sink.open` with ``resume`` cuts such a tail off and
returns the keys already written, which the runner skips.

Clusters are known only when every document has been seen, so records are first written with
``"cluster": null``; :meth:`Sink.rewrite` then fills the field in by writing a new file next to the
old one and renaming it into place (atomic: at every moment the output is either the streamed file or
the finished one; nothing written is ever lost). The CSV form keeps nested fields (notices, signals)
as JSON in their cells, so :meth:`Sink.records` reads back exactly what was written.

A sidecar ``<output>.fingerprints`` (JSONL, one :class:`DocInfo` per document, written before the
document's record) lets ``--resume`` cluster documents written by an earlier run without reading
them again. It is kept after the run for a later ``--resume`` and may be deleted.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from compliance.audit.records import DocInfo, Key, key_of
from compliance.errors import ConfigError
from compliance.safe_write import NOFOLLOW, sibling_temp

SIDECAR_SUFFIX = ".fingerprints"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise OSError(errno.ELOOP, "is a symbolic link")


def _reason(err: OSError) -> str:
    """Record files are written in place and never through a symlink (it could point anywhere)."""
    if err.errno == errno.ELOOP:
        return "is a symbolic link (record files are not written through links)"
    return err.strerror or str(err)


def _cut_torn_tail(path: Path) -> None:
    """Drop a last line without its newline (a write cut off mid-line)."""
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        pos = size
        chunk = 1 << 16
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            block = fh.read(pos - start)
            i = block.rfind(b"\n")
            if i >= 0:
                fh.truncate(start + i + 1)
                return
            pos = start
        fh.truncate(0)


class Sink(ABC):
    """A record file: open (fresh or resumed), write records, read them back, rewrite them atomically.

    A format (JSONL, CSV) says how one record becomes bytes and how the file reads back."""

    suffix = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    # -- format ------------------------------------------------------------------------------------
    def header(self) -> bytes:
        return b""

    @abstractmethod
    def encode(self, record: dict[str, Any]) -> bytes:
        """One record as a whole line of the file."""

    @abstractmethod
    def records(self) -> Iterator[dict[str, Any]]:
        """The records in the file, in order."""

    # -- lifecycle ---------------------------------------------------------------------------------
    def open(self, resume: bool) -> set[Key]:
        """Open for appending; with ``resume`` an existing file is kept and its keys returned."""
        done: set[Key] = set()
        try:
            if resume and self.path.exists():
                _refuse_link(self.path)
                _cut_torn_tail(self.path)
                done = {key_of(r) for r in self.records()}
                fresh = self.path.stat().st_size == 0
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | NOFOLLOW)
            else:
                fresh = True
                flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | NOFOLLOW
                self._fd = os.open(self.path, flags, 0o644)
        except OSError as err:
            raise ConfigError(f"cannot write output: {_reason(err)}", str(self.path)) from None
        except (ValueError, csv.Error) as err:
            raise ConfigError(f"cannot resume: the output is not a {self.suffix} record file ({err})",
                              str(self.path)) from None
        if fresh and self.header():
            _write_all(self._fd, self.header())
        return done

    def write(self, record: dict[str, Any]) -> None:
        assert self._fd is not None
        _write_all(self._fd, self.encode(record))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def rewrite(self, update: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Rewrite every record through ``update`` into a new file, then rename it over the old one."""
        fd, tmp = sibling_temp(self.path)
        try:
            _write_all(fd, self.header())
            buf = bytearray()
            for record in self.records():
                buf += self.encode(update(record))
                if len(buf) >= 1 << 20:
                    _write_all(fd, bytes(buf))
                    buf.clear()
            _write_all(fd, bytes(buf))
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        os.replace(tmp, self.path)


class JsonlSink(Sink):
    suffix = ".jsonl"

    def encode(self, record: dict[str, Any]) -> bytes:
        return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    def records(self) -> Iterator[dict[str, Any]]:
        with self.path.open("r", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


# --- CSV -------------------------------------------------------------------------------------------

CSV_FIELDS = ("path", "record", "url", "title", "publisher", "license", "store", "store_rule", "tdm", "tdm_rule",
              "tdm_machine_readable", "tdm_natural_language", "quote", "quote_max_words", "quote_rule", "cluster",
              "cluster_original", "error", "notice_kinds", "notices", "signals", "warnings")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _opt_bool(text: str) -> bool | None:
    return None if text == "" else text == "true"


def _opt_int(text: str) -> int | None:
    return None if text == "" else int(text)


def flatten(record: dict[str, Any]) -> list[str]:
    """One CSV row; nested lists stay JSON so the row reads back losslessly."""
    v = record.get("verdicts") or {}
    store, tdm, quote = v.get("store") or {}, v.get("tdm") or {}, v.get("quote") or {}
    cluster = record.get("cluster") or {}
    row = {
        **{k: record.get(k) for k in ("path", "record", "url", "title", "publisher", "license", "error")},
        "store": store.get("verdict"), "store_rule": store.get("rule"),
        "tdm": tdm.get("verdict"), "tdm_rule": tdm.get("rule"),
        "tdm_machine_readable": tdm.get("machine_readable"), "tdm_natural_language": tdm.get("natural_language"),
        "quote": quote.get("verdict"), "quote_max_words": quote.get("max_words"), "quote_rule": quote.get("rule"),
        "cluster": cluster.get("id"), "cluster_original": cluster.get("original"),
        "notice_kinds": "; ".join(dict.fromkeys(n["kind"] for n in record.get("notices") or [])),
        "notices": json.dumps(record.get("notices") or [], ensure_ascii=False),
        "signals": json.dumps(record.get("signals") or [], ensure_ascii=False),
        "warnings": json.dumps(record.get("warnings") or [], ensure_ascii=False),
    }
    return [_cell(row[f]) for f in CSV_FIELDS]


def unflatten(row: dict[str, str]) -> dict[str, Any]:
    def opt(name: str) -> str | None:
        return row.get(name) or None

    verdicts = None
    if row.get("store"):
        verdicts = {
            "store": {"verdict": row["store"], "rule": opt("store_rule")},
            "tdm": {"verdict": opt("tdm"), "rule": opt("tdm_rule"),
                    "machine_readable": _opt_bool(row.get("tdm_machine_readable", "")),
                    "natural_language": _opt_bool(row.get("tdm_natural_language", ""))},
            "quote": {"verdict": opt("quote"), "max_words": _opt_int(row.get("quote_max_words", "")),
                      "rule": opt("quote_rule")},
        }
    cluster = None
    if row.get("cluster"):
        cluster = {"id": row["cluster"], "original": _opt_bool(row.get("cluster_original", ""))}
    return {"path": row["path"], "record": _opt_int(row.get("record", "")), "url": opt("url"),
            "title": opt("title"), "publisher": opt("publisher"), "license": opt("license"),
            "notices": json.loads(row.get("notices") or "[]"), "signals": json.loads(row.get("signals") or "[]"),
            "verdicts": verdicts, "cluster": cluster, "error": opt("error"),
            "warnings": json.loads(row.get("warnings") or "[]")}


class CsvSink(Sink):
    suffix = ".csv"

    def header(self) -> bytes:
        return self._row(list(CSV_FIELDS))

    @staticmethod
    def _row(cells: list[str]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        return buf.getvalue().encode("utf-8")

    def encode(self, record: dict[str, Any]) -> bytes:
        return self._row(flatten(record))

    def records(self) -> Iterator[dict[str, Any]]:
        with self.path.open("r", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is not None and "path" not in reader.fieldnames:
                raise ValueError("no 'path' column")
            for row in reader:
                yield unflatten(row)


SINKS: dict[str, type[Sink]] = {".jsonl": JsonlSink, ".csv": CsvSink}


def sink_for(path: Path) -> Sink:
    cls = SINKS.get(path.suffix.lower())
    if cls is None:
        raise ConfigError(f"unknown records format {path.suffix or '(none)'!r}: use .jsonl or .csv "
                          "(the report, in --format, goes to stdout or -o FILE)", str(path))
    return cls(path)


# --- clustering sidecar ----------------------------------------------------------------------------


class Sidecar:
    """``<output>.fingerprints``: one DocInfo per line, so ``--resume`` can cluster earlier documents."""

    def __init__(self, output: Path) -> None:
        self.path = output.with_name(output.name + SIDECAR_SUFFIX)
        self._fd: int | None = None

    def open(self, resume: bool) -> dict[Key, DocInfo]:
        """Open for appending; with ``resume`` return the infos already there (last entry per key wins)."""
        infos: dict[Key, DocInfo] = {}
        if resume and self.path.exists():
            try:
                _refuse_link(self.path)
            except OSError as err:
                raise ConfigError(f"cannot write output: {_reason(err)}", str(self.path)) from None
            _cut_torn_tail(self.path)
            with self.path.open("r", encoding="utf-8") as fh:
                for line in fh:
                    try:
                        info = DocInfo.from_dict(json.loads(line))
                    except (ValueError, KeyError, TypeError):
                        continue  # a damaged line: that document just joins no cluster
                    infos[info.key] = info
            flags = os.O_WRONLY | os.O_APPEND
        else:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND
        try:
            self._fd = os.open(self.path, flags | NOFOLLOW, 0o644)
        except OSError as err:
            raise ConfigError(f"cannot write output: {_reason(err)}", str(self.path)) from None
        return infos

    def write(self, info: DocInfo) -> None:
        assert self._fd is not None
        _write_all(self._fd, (json.dumps(info.to_dict(), separators=(",", ":")) + "\n").encode("utf-8"))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
