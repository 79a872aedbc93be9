"""The record parts of a Spark audit: JSONL (the local engine's lines) or Parquet (the CSV layout, typed).

JSONL parts hold exactly the local engine's record lines. Parquet parts hold the flat layout of the CSV
record file (:func:`compliance.audit.sinks.flatten`: verdicts as columns, notices/signals/warnings as JSON
strings) with typed columns, so a part reads back through :func:`~compliance.audit.sinks.unflatten` into the
same records the CSV gives, and Spark or any Parquet reader can filter on ``store`` or ``publisher`` without
parsing JSON. Parquet parts are written by pyarrow (part of the ``[spark]`` extra) in row groups of
:data:`ROW_GROUP` records, so a task never holds a whole WARC's records.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from compliance.audit.sinks import CSV_FIELDS, JsonlSink, flatten, unflatten
from compliance.errors import ConfigError

PART = "part-"
FINGERPRINTS = "_fingerprints"
ROW_GROUP = 1000
_NAME = re.compile(r"^part-([0-9a-f]+)\.(jsonl|parquet)$")
_INTS = ("record", "quote_max_words")
_BOOLS = ("tdm_machine_readable", "tdm_natural_language", "cluster_original")


def unit_of(name: str) -> str | None:
    """The unit id of a records part's file name (None for any other name)."""
    m = _NAME.match(name)
    return m.group(1) if m else None


def fsync_file(path: Path) -> None:
    """A part's bytes on disk before its rename makes it count as complete."""
    import os

    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def part_files(out: Path) -> list[Path]:
    """The complete records parts in ``out``, either format (a part exists only once complete)."""
    return sorted(p for p in out.iterdir() if unit_of(p.name)) if out.is_dir() else []


class PartWriter(ABC):
    @abstractmethod
    def write(self, record: dict[str, Any]) -> None:
        """Add one record."""

    @abstractmethod
    def close(self) -> None:
        """Finish the file (it is then renamed into place by the caller)."""


class PartFormat(ABC):
    name = ""
    suffix = ""

    @abstractmethod
    def writer(self, path: Path) -> PartWriter:
        """A writer of a new part at ``path``."""

    @abstractmethod
    def read(self, path: Path) -> Iterator[dict[str, Any]]:
        """The records of a part, as the local engine writes them."""


class _JsonlWriter(PartWriter):
    def __init__(self, path: Path) -> None:
        self.sink = JsonlSink(path)
        self.sink.open(False)

    def write(self, record: dict[str, Any]) -> None:
        self.sink.write(record)

    def close(self) -> None:
        self.sink.close()


class JsonlFormat(PartFormat):
    name, suffix = "jsonl", ".jsonl"

    def writer(self, path: Path) -> PartWriter:
        return _JsonlWriter(path)

    def read(self, path: Path) -> Iterator[dict[str, Any]]:
        return JsonlSink(path).records()


def _arrow_schema() -> Any:
    import pyarrow as pa

    def kind(name: str) -> Any:
        return pa.int64() if name in _INTS else pa.bool_() if name in _BOOLS else pa.string()

    return pa.schema([(f, kind(f)) for f in CSV_FIELDS])


def _typed(cells: list[str]) -> dict[str, Any]:
    """A CSV row's cells as typed Parquet values ("" is null, as the CSV reads it back)."""
    out: dict[str, Any] = {}
    for name, cell in zip(CSV_FIELDS, cells, strict=True):
        if cell == "":
            out[name] = None
        elif name in _INTS:
            out[name] = int(cell)
        elif name in _BOOLS:
            out[name] = cell == "true"
        else:
            out[name] = cell
    return out


def _cells(row: dict[str, Any]) -> dict[str, str]:
    """Back to CSV cells (as the CSV sink writes them), for :func:`unflatten`."""
    from compliance.audit.sinks import _cell

    return {name: _cell(row.get(name)) for name in CSV_FIELDS}


class _ParquetWriter(PartWriter):
    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.schema = _arrow_schema()
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.rows: list[dict[str, Any]] = []

    def write(self, record: dict[str, Any]) -> None:
        self.rows.append(_typed(flatten(record)))
        if len(self.rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self._flush()
        self.writer.close()


class ParquetFormat(PartFormat):
    name, suffix = "parquet", ".parquet"

    def writer(self, path: Path) -> PartWriter:
        return _ParquetWriter(path)

    def read(self, path: Path) -> Iterator[dict[str, Any]]:
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(str(path))
        for group in range(parquet.num_row_groups):
            for row in parquet.read_row_group(group).to_pylist():
                yield unflatten(_cells(row))


FORMATS: dict[str, PartFormat] = {"jsonl": JsonlFormat(), "parquet": ParquetFormat()}


def part_format(name: str) -> PartFormat:
    """The format named by ``--records-format``; Parquet needs pyarrow (one line naming the extra if missing)."""
    from compliance.errors import optional_module

    if name == "parquet":
        optional_module("pyarrow", "spark", "--records-format parquet")
    return FORMATS[name]


def check_resumable(out: Path, fmt: PartFormat) -> None:
    """Parts of another format in the directory cannot be resumed into (one run, one format)."""
    other = [p.name for p in part_files(out) if not p.name.endswith(fmt.suffix)]
    if other:
        raise ConfigError(f"cannot resume: the directory holds {Path(other[0]).suffix} parts, not "
                          f"{fmt.suffix} (--records-format)", str(out))
