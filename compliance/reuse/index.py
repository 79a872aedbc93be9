"""The corpus index: one SQLite file with documents, their texts and an inverted fingerprint table.

Layout (schema version in ``PRAGMA user_version``, ours marked by ``PRAGMA application_id``):

- ``documents``: public id, path, content hash, title, publisher, notices (JSON), sizes, segment
- ``texts``: the decoded text (zlib), the plain view (zlib, NULL when equal to the text) and the
  offset-map runs, so source offsets come back exactly without re-reading the file
- ``files``: hash of each added file's bytes: re-adding an unchanged file costs one read and a hash
- ``segments`` and one ``postings_<seg>`` table per segment: winnowed fingerprints as
  ``key = hash << 24 | doc`` (one integer, the B-tree key itself, so a range scan finds a hash).
  New documents go to a small open segment; full segments are merged level by level so a query
  probes a bounded number of tables (:mod:`compliance.reuse.segments` says why and how). Format 1 kept
  all segments in one ``postings (seg, key)`` table; ``corpus add`` converts it in place, other commands
  say to run it.
- ``xling_docs``, ``xling_langs`` and one ``xling_<seg>`` table per segment: the cross-language rows
  (:mod:`compliance.reuse.xling.store`), computed with the fingerprints where documents are prepared and
  merged with their segments. Format 2 kept them in one ``xling_postings`` table, a row per posting;
  ``corpus add`` converts it in place, other commands say to run it (a format-2 index without them is read
  as it is).
- ``meta``: parameters the fingerprints depend on (n-gram size, window, hash probe).

Every batch of documents is one transaction (WAL journal, busy timeout): a killed ``corpus add``
leaves whole documents only, and two concurrent adds take turns. A document's postings are not
stored twice: removing it recomputes its fingerprints from the stored text and notices.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.coverage import Skipped
from compliance.document import Document
from compliance.errors import ConfigError, InputError
from compliance.reuse import fingerprint as fp
from compliance.reuse import segments as sg
from compliance.reuse.prepare import (
    FileBatch,
    Prepared,
    file_key,
    prepare_document,
    prepare_file,
    public_id,
    worker,
    worker_init,
)
from compliance.reuse.view import TextView, make_view, map_from_runs, plain_spans
from compliance.reuse.xling import postings as xp

SCHEMA_VERSION = 3  # 3: cross-language postings per segment; 2: one table per postings segment (1: one table)
APPLICATION_ID = 0x436F5250  # "CoRP"
DEFAULT_INDEX = os.path.join(".compliance", "corpus.sqlite")
BATCH_DOCS = 2000  # documents per write transaction
BATCH_SECONDS = 5.0  # ... or less, so a slow add still commits regularly
BUSY_TIMEOUT_MS = 120_000  # how long a writer waits for another one
WRITE_CACHE_KB = 65536  # SQLite page cache when adding (the open segment stays in memory) ...
READ_CACHE_KB = 8192  # ... and when querying (memory must not grow with the corpus)
WAL_LIMIT_BYTES = 64 << 20  # the WAL shrinks back to this after a checkpoint (a segment merge writes ~1 GB)
DF_LIMIT = 50  # a fingerprint in more documents than this is boilerplate, not evidence
DOC_BITS = sg.DOC_BITS  # internal document numbers below 2**24 share a posting key with the hash
_DOC_MASK = sg.DOC_MASK
CHUNK_BYTES = 1 << 20  # input bytes per task sent to a worker (32 small files, or one large JSONL/WARC)
SERIAL_BYTES = 4 << 20  # fewer than 64 files holding less than this are prepared without worker processes


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (path TEXT PRIMARY KEY, hash TEXT NOT NULL, docs INTEGER NOT NULL);
CREATE TABLE documents (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    key TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL,
    path TEXT NOT NULL,
    record INTEGER,
    hash TEXT NOT NULL,
    title TEXT,
    publisher TEXT,
    notices TEXT NOT NULL,
    skip TEXT,
    words INTEGER NOT NULL,
    chars INTEGER NOT NULL,
    seg INTEGER NOT NULL,
    added REAL NOT NULL
);
CREATE INDEX documents_file ON documents (file);
CREATE INDEX documents_hash ON documents (hash);
CREATE TABLE texts (doc INTEGER PRIMARY KEY, text BLOB NOT NULL, plain BLOB, runs BLOB);
"""


@dataclass
class SourceRecord:
    """A corpus document as stored: what reporters and the policy need about a source."""

    id: str
    path: str
    title: str | None
    publisher: str | None
    notices: list[dict[str, Any]]
    text: str
    record: int | None = None
    hash: str = ""
    words: int = 0

    def to_dict(self, with_text: bool = False) -> dict[str, Any]:
        out = {"id": self.id, "path": self.path, "record": self.record, "title": self.title,
               "publisher": self.publisher, "words": self.words, "notices": self.notices}
        if with_text:
            out["text"] = self.text
        return out


@dataclass
class AddReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    removed: int = 0
    files: int = 0
    errors: list[Skipped] = field(default_factory=list)  # files not read, each with why

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.replaced} replaced", f"{self.unchanged} unchanged"]
        if self.removed:
            parts.append(f"{self.removed} removed")
        if self.errors:
            parts.append(f"{len(self.errors)} files skipped")
        return ", ".join(parts)


# -- the index -------------------------------------------------------------------------------------

class CorpusIndex:
    """A corpus index on disk; open with ``create=True`` to make a new one.

    Every public method turns SQLite failures (not a database, corrupt, locked too long) into a
    one-line :class:`~compliance.errors.ConfigError` naming the index file.
    """

    def __init__(self, path: str | os.PathLike = DEFAULT_INDEX, create: bool = False) -> None:
        self.path = str(path)
        self.cache_kb = WRITE_CACHE_KB if create else READ_CACHE_KB
        p = Path(self.path)
        if p.is_dir():
            raise ConfigError("is a directory, not a corpus index", self.path)
        exists = p.exists() and p.stat().st_size > 0
        if not exists and not create:
            raise ConfigError("no corpus index here (create one with `compliance corpus add`)", self.path)
        if create and not exists:
            try:
                self._guard(lambda: self._create_atomically(p))
            except OSError as err:
                parent = next((d for d in p.parents if d.exists()), None)
                why = f"{parent} is not a directory" if parent and not parent.is_dir() else err.strerror or err
                raise ConfigError(f"cannot create a corpus index here ({why})", self.path) from None
            exists = True
        self.db = self._guard(lambda: self._connect(exists))
        self._params: dict[str, str] = {}
        self._guard(lambda: self._check_or_init(create))

    # -- connection and schema ----------------------------------------------------------------------

    def _connect(self, exists: bool) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                             check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute(f"PRAGMA cache_size = -{self.cache_kb}")
        db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
        if exists:
            db.execute("PRAGMA schema_version").fetchone()  # fails here on a non-database file
        return db

    def _check_or_init(self, create: bool) -> None:
        app = self.db.execute("PRAGMA application_id").fetchone()[0]
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if create and app == 0 and version == 0 and not self._has_tables():  # left empty by an older version
            _init_schema(self.db)
        elif app != APPLICATION_ID:
            if app == 0 and version == 0 and not self._has_tables():  # created, killed before the schema
                raise ConfigError("empty corpus index (a `compliance corpus add` stopped before its first "
                                  "batch): run it again", self.path)
            raise ConfigError("not a compliance corpus index", self.path)
        elif version in (1, 2) and create:
            self._migrate(version)
        elif version == 1 or (version == 2 and self._has_old_xling()):
            raise ConfigError(f"corpus index format {version} is older than this version's format {SCHEMA_VERSION}: "
                              f"run `compliance corpus add PATH --index {self.path}` once (any path; it converts the "
                              "index in place), or delete the file and add the sources again", self.path)
        elif version not in (2, SCHEMA_VERSION):  # 2 without cross-language rows: read as it is
            raise ConfigError(f"corpus index format {version}, this version of compliance reads "
                              f"format {SCHEMA_VERSION}: delete it and rebuild it with `compliance corpus add` "
                              "(or use the newer compliance that wrote it)", self.path)
        if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self._params = dict(self.db.execute("SELECT key, value FROM meta"))
        expected = {"gram": str(fp.GRAM), "window": str(fp.WINDOW), "hash_bits": str(fp.HASH_BITS),
                    "hash_probe": str(fp.hash_probe())}
        if any(self._params.get(k) != v for k, v in expected.items()):
            raise ConfigError("corpus index holds fingerprints of another version of compliance or Python: "
                              "rebuild it with `compliance corpus add`", self.path)

    def _migrate(self, version: int) -> None:
        """Format 1 or 2 -> 3 in one transaction (a killed conversion leaves the old format), then merge segments."""
        from compliance.reuse.xling.store import migrate_v2

        db = self.db
        with sg.write_transaction(db):
            version = db.execute("PRAGMA user_version").fetchone()[0]  # a concurrent add may have converted it
            if version == 1:
                sg.migrate_v1(db)
            if version in (1, 2):
                migrate_v2(db)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        sg.compact(db)

    def _has_old_xling(self) -> bool:
        """Format 2 with cross-language rows (one ``xling_postings`` table): to be converted before reading."""
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'xling_postings'").fetchone() is not None

    def _create_atomically(self, path: Path) -> None:
        """Build an empty index beside ``path`` and link it into place unless another process did first.

        Two processes creating one index at once would otherwise race on the schema and on switching
        the journal to WAL (which SQLite refuses with "database is locked" without waiting). A hard
        link never replaces an existing file, so the first index in place wins and the other is dropped.
        """
        from compliance.safe_write import sibling_temp

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = sibling_temp(path)
        os.close(fd)
        try:
            db = sqlite3.connect(tmp, isolation_level=None)
            try:
                _init_schema(db)
            finally:
                db.close()
            try:
                os.link(tmp, path)
            except FileExistsError:
                if path.stat().st_size == 0:  # an empty placeholder (e.g. `touch`): ours replaces it
                    os.replace(tmp, path)
            except OSError:  # no hard links on this file system
                if not path.exists() or path.stat().st_size == 0:
                    os.replace(tmp, path)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)

    def _has_tables(self) -> bool:
        return self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0

    def _guard(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except sqlite3.DatabaseError as err:
            raise ConfigError(_db_message(err), self.path) from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    def __enter__(self) -> CorpusIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding -------------------------------------------------------------------------------------

    def add_paths(self, paths: Iterable[str], engine, progress: Callable[[int, int], None] | None = None,
                  jobs: int = 1, strict: Iterable[str] = (), batch: int = BATCH_DOCS,
                  prepare: Callable[[list[tuple[str, str | None]]], Iterable[FileBatch]] | None = None) -> AddReport:
        """Add (or refresh) every file named by ``paths`` (directories are walked).

        ``progress(done, total)`` is called as files finish. Files that cannot be read are
        skipped and listed in the report, except those in ``strict`` (named explicitly by the
        user), which raise an :class:`InputError` after the batches before them are committed.
        ``prepare(tasks)`` replaces the local worker pool (``corpus add --engine spark``): it gets
        ``(path, indexed hash)`` per file and yields each file's :class:`FileBatch`, in that order.
        """
        from compliance.readers import expand_paths

        skipped: list[str] = []  # symlinks out of the tree, not followed
        files = list(dict.fromkeys(expand_paths(paths, allow_dirs=True, skipped=skipped)))
        known = self._guard(lambda: dict(self.db.execute("SELECT path, hash FROM files")))
        tasks = [(f, known.get(file_key(f))) for f in files]
        report = AddReport(errors=skipped)
        strict_set = {file_key(s) for s in strict}
        writer = _BatchWriter(self, report, batch)
        prepared = prepare(tasks) if prepare is not None else self._prepared(tasks, engine, jobs)
        for done, batch in enumerate(prepared, 1):
            if batch.error is not None:
                if batch.file in strict_set:
                    writer.flush()
                    raise InputError(batch.message, batch.path, batch.line)
                report.errors.append(Skipped(batch.path or batch.file, batch.message or batch.error, "unreadable"))
            else:
                writer.add(batch)
            if progress is not None:
                progress(done, len(tasks))
        writer.flush()
        self._sync_xling(engine, jobs)
        return report

    def add_documents(self, docs: Iterable[Document], engine) -> AddReport:
        """Add documents already in memory (benchmarks, tests, other commands)."""
        report = AddReport()
        writer = _BatchWriter(self, report)
        for doc in docs:
            file = file_key(doc.path)
            prepared = prepare_document(doc, engine, file, doc.path)
            writer.add(FileBatch(prepared.key, prepared.hash, [prepared], register=False))
        writer.flush()
        self._sync_xling(engine)
        return report

    def _prepared(self, tasks: list[tuple[str, str | None]], engine, jobs: int) -> Iterator[FileBatch]:
        import multiprocessing as mp

        # Workers inherit the notice engine by fork (it is not picklable); without fork, one process. A few
        # small files are not worth forking for; a few large ones (JSONL shards, WARC files) are.
        small = len(tasks) < 64 and sum(_size(t[0]) for t in tasks) < SERIAL_BYTES
        if jobs <= 1 or small or "fork" not in mp.get_all_start_methods():
            for task in tasks:
                yield prepare_file(task[0], task[1], engine)
            return
        from compliance.reuse.xling import rows

        if rows.enabled():
            rows.analyzers_for(engine)  # loaded once here, inherited by the workers
        ctx = mp.get_context("fork")
        with ctx.Pool(jobs, initializer=worker_init, initargs=(engine,)) as pool:
            pending: deque[Any] = deque()
            for chunk in _chunks(tasks):
                pending.append(pool.apply_async(_work_chunk, (chunk,)))
                if len(pending) > 2 * jobs:  # bounded: results wait in memory while the writer merges
                    yield from pending.popleft().get()
            while pending:
                yield from pending.popleft().get()

    def write_batch(self, batches: list[FileBatch], report: AddReport) -> None:
        """Write files' documents in one transaction (skipping what another process already did), then
        merge postings segments if a level is full (separate transactions: readers never wait on it)."""
        self._guard(lambda: self._write(batches, report))
        self._guard(lambda: sg.compact(self.db))

    def _write(self, batches: list[FileBatch], report: AddReport) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            seg, seg_docs = sg.open_segment(db)
            postings: dict[int, list[int]] = {}  # segment -> keys
            per_seg: dict[int, int] = {}  # segment -> new documents
            xling: list[tuple[int, int, Any]] = []  # (doc, segment, cross-language rows)
            for batch in batches:
                if batch.unchanged:
                    row = db.execute("SELECT docs FROM files WHERE path = ?", (batch.file,)).fetchone()
                    report.unchanged += row[0] if row else 0
                    continue
                row = db.execute("SELECT hash FROM files WHERE path = ?", (batch.file,)).fetchone() \
                    if batch.register else None
                if row is not None and row[0] == batch.hash:
                    report.unchanged += len(batch.docs)
                    continue
                keep = set()
                for doc in batch.docs:
                    if seg_docs >= sg.SEGMENT_DOCS:
                        seg, seg_docs = sg.new_segment(db), 0
                    rowid = self._store(doc, seg, report)
                    keep.add(doc.key)
                    if rowid is not None:
                        seg_docs += 1
                        postings.setdefault(seg, []).extend([(h << DOC_BITS) | rowid for h in doc.fingerprints])
                        per_seg[seg] = per_seg.get(seg, 0) + 1
                        if doc.xling is not None:
                            xling.append((rowid, seg, doc.xling))
                report.files += 1
                if not batch.register:
                    continue
                report.removed += self._drop_missing(batch.file, keep)
                db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (batch.file, batch.hash,
                                                                              len(batch.docs)))
            for s, docs in per_seg.items():
                sg.insert(db, s, postings.get(s, []), docs)
            xp.write(db, xling)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _store(self, doc: Prepared, seg: int, report: AddReport) -> int | None:
        """Insert or replace one document; None when the stored one has the same content."""
        db = self.db
        old = db.execute("SELECT doc, hash FROM documents WHERE key = ?", (doc.key,)).fetchone()
        if old is not None and old[1] == doc.hash:
            db.execute("UPDATE documents SET path = ? WHERE doc = ?", (doc.path, old[0]))
            report.unchanged += 1
            return None
        values = (public_id(doc.key), doc.key, doc.file, doc.path, doc.record, doc.hash, doc.title,
                  doc.publisher, doc.notices, doc.skip, doc.words, doc.chars, seg, time.time())
        if old is not None:
            self._delete_postings(old[0])
            db.execute("UPDATE documents SET id=?, key=?, file=?, path=?, record=?, hash=?, title=?, "
                       "publisher=?, notices=?, skip=?, words=?, chars=?, seg=?, added=? WHERE doc = ?",
                       (*values, old[0]))
            rowid = old[0]
            report.replaced += 1
        else:
            rowid = db.execute("INSERT INTO documents (id, key, file, path, record, hash, title, publisher, "
                               "notices, skip, words, chars, seg, added) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               values).lastrowid
            if rowid > _DOC_MASK:
                raise ConfigError(f"corpus index is full ({_DOC_MASK} documents)", self.path)
            report.added += 1
        db.execute("INSERT OR REPLACE INTO texts VALUES (?, ?, ?, ?)", (rowid, doc.text, doc.plain, doc.runs))
        return rowid

    def _drop_missing(self, file: str, keep: set[str]) -> int:
        """Remove documents of ``file`` that it no longer contains (records of a container)."""
        gone = [doc for doc, key in self.db.execute("SELECT doc, key FROM documents WHERE file = ?", (file,))
                if key not in keep]
        for doc in gone:
            self._delete_document(doc)
        return len(gone)

    def _delete_postings(self, doc: int) -> None:
        """Recompute a stored document's fingerprints and delete exactly those postings, and its
        cross-language rows."""
        seg = self.db.execute("SELECT seg FROM documents WHERE doc = ?", (doc,)).fetchone()[0]
        stored = self._stored(doc)
        hashes = fp.text_fingerprints(stored[1], plain_spans(stored[2], stored[3]))[0] if stored else set()
        sg.delete(self.db, seg, [(h << DOC_BITS) | doc for h in hashes])
        xp.delete(self.db, doc, seg)

    def _delete_document(self, doc: int) -> None:
        self._delete_postings(doc)
        self.db.execute("DELETE FROM texts WHERE doc = ?", (doc,))
        self.db.execute("DELETE FROM documents WHERE doc = ?", (doc,))

    # -- removing, listing ----------------------------------------------------------------------------

    def remove(self, targets: Iterable[str]) -> int:
        """Remove documents by public id, file path or directory path; returns how many."""
        return self._guard(lambda: self._remove(list(targets)))  # cross-language rows go in the same transaction

    def _sync_xling(self, engine, jobs: int = 1) -> None:
        """The catch-up for documents without cross-language rows: those added with ``COMPLIANCE_NO_XLING=1``
        (which leaves them out), computed from the stored text (~3 ms per English document, in ``jobs`` workers when
        there are many; the rows of documents added without it come from the preparation workers)."""
        from compliance.reuse.xling import rows, sync_index

        if not rows.enabled():
            return
        ruleset = getattr(getattr(engine, "rules", None), "ruleset", None)
        self._guard(lambda: sync_index(self, ruleset, jobs=jobs))

    def _remove(self, targets: list[str]) -> int:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            docs: set[int] = set()
            files: set[str] = set()
            for t in targets:
                docs.update(d for (d,) in db.execute("SELECT doc FROM documents WHERE id = ?", (t,)))
                key = file_key(t)
                prefix = key.rstrip(os.sep) + os.sep
                for d, f in db.execute("SELECT doc, file FROM documents WHERE file = ? OR "
                                       "substr(file, 1, ?) = ?", (key, len(prefix), prefix)):
                    docs.add(d)
                    files.add(f)
            for d in sorted(docs):
                self._delete_document(d)
            db.executemany("DELETE FROM files WHERE path = ?", [(f,) for f in files])
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return len(docs)

    def list(self) -> list[dict[str, Any]]:
        """Every document: id, path, record, title, publisher, words, notices count."""
        rows = self._guard(lambda: self.db.execute(
            "SELECT id, path, record, title, publisher, words, notices FROM documents ORDER BY path, record"
        ).fetchall())
        return [{"id": r[0], "path": r[1], "record": r[2], "title": r[3], "publisher": r[4], "words": r[5],
                 "notices": len(json.loads(r[6]))} for r in rows]

    def stats(self) -> dict[str, Any]:
        return self._guard(self._stats)

    def _stats(self) -> dict[str, Any]:
        db = self.db
        docs, words, chars = db.execute("SELECT count(*), coalesce(sum(words), 0), coalesce(sum(chars), 0) "
                                        "FROM documents").fetchone()
        segs, postings = db.execute("SELECT count(*), coalesce(sum(postings), 0) FROM segments").fetchone()
        size = sum(os.path.getsize(self.path + s) for s in ("", "-wal") if os.path.exists(self.path + s))
        return {"path": self.path, "documents": docs, "files": db.execute("SELECT count(*) FROM files").fetchone()[0],
                "words": words, "characters": chars, "postings": postings, "segments": segs,
                "bytes": size, "format": db.execute("PRAGMA user_version").fetchone()[0],
                "gram": int(self._params.get("gram", fp.GRAM)), "window": int(self._params.get("window", fp.WINDOW))}

    def __len__(self) -> int:
        """The number of documents, summed from the segments' live counts: every add, replacement and removal
        updates them in the document's own transaction, and ``count(*)`` over ``documents`` scans a whole index
        of it (~50 ms of every ``check`` at 1M documents, which reports the count)."""
        return self._guard(lambda: self.db.execute("SELECT coalesce(sum(docs), 0) FROM segments").fetchone()[0])

    # -- reading ------------------------------------------------------------------------------------

    def get(self, source_id: str) -> SourceRecord | None:
        """The stored document with public id ``source_id`` (None if there is none)."""
        return self._guard(lambda: self._get("id = ?", source_id))

    def record(self, doc: int) -> SourceRecord | None:
        """The stored document with internal number ``doc``."""
        return self._guard(lambda: self._get("doc = ?", doc))

    def _get(self, where: str, value: Any) -> SourceRecord | None:
        row = self.db.execute("SELECT d.id, d.path, d.title, d.publisher, d.notices, t.text, d.record, d.hash, "
                              f"d.words FROM documents d JOIN texts t USING (doc) WHERE d.{where}",
                              (value,)).fetchone()
        if row is None:
            return None
        return SourceRecord(row[0], row[1], row[2], row[3], json.loads(row[4]),
                            zlib.decompress(row[5]).decode("utf-8"), row[6], row[7], row[8])

    def view(self, doc: int) -> TextView | None:
        """The matching view of a stored document (plain view, offset map, notices excluded)."""
        return self._guard(lambda: self._view(doc))

    def _view(self, doc: int) -> TextView | None:
        stored = self._stored_view(doc)
        return make_view(*stored) if stored else None

    def _stored(self, doc: int) -> tuple[str, str, Any, list[tuple[int, int]]] | None:
        """Text, plain view, offset map and excluded text spans (notices, boilerplate) of a document."""
        stored = self._stored_view(doc)
        return stored[:4] if stored else None

    def _stored_view(self, doc: int) -> tuple[str, str, Any, list[tuple[int, int]], list[tuple[int, int]]] | None:
        """What :meth:`_stored` gives, and the barriers (headings, front matter) no passage crosses."""
        row = self.db.execute("SELECT t.text, t.plain, t.runs, d.notices, d.skip FROM texts t JOIN documents d "
                              "USING (doc) WHERE doc = ?", (doc,)).fetchone()
        if row is None:
            return None
        text_bytes = zlib.decompress(row[0])
        text = text_bytes.decode("utf-8")
        if row[1] is None:
            plain, om = text, None
        else:
            dec = zlib.decompressobj(zdict=text_bytes[-32768:])
            plain = (dec.decompress(row[1]) + dec.flush()).decode("utf-8")
            om = map_from_runs(array("q", zlib.decompress(row[2])))
        spans = [tuple(n["offset"]) for n in json.loads(row[3])]
        skip = json.loads(row[4]) if row[4] else []
        breaks = skip.get("breaks", []) if isinstance(skip, dict) else []
        spans += [tuple(s) for s in (skip.get("skip", []) if isinstance(skip, dict) else skip)]
        return text, plain, om, spans, [tuple(b) for b in breaks]

    def lookup(self, hashes: Iterable[int], df_limit: int = DF_LIMIT,
               common: dict[int, list[int]] | None = None) -> dict[int, list[int]]:
        """Documents holding each fingerprint; fingerprints in more than ``df_limit`` documents
        (boilerplate) are left out. A ``common`` dict, if given, receives those: each with the first
        ``df_limit`` + 1 documents found (not all of them; the lookup stops there)."""
        return self._guard(lambda: self._lookup(list(hashes), df_limit, common))

    def _lookup(self, hashes: list[int], df_limit: int,
                common: dict[int, list[int]] | None = None) -> dict[int, list[int]]:
        if not hashes:
            return {}
        found = sg.lookup(self.db, hashes, df_limit + 1)
        if common is not None:
            common.update((h, d) for h, d in found.items() if len(d) > df_limit)
        return {h: d for h, d in found.items() if len(d) <= df_limit}

    def postings(self) -> list[tuple[int, int]]:
        """Every stored ``(segment, key)`` posting (for tests and integrity checks; large on a big index)."""
        return self._guard(lambda: list(sg.all_postings(self.db)))

    def compact(self, fanout: int = sg.FANOUT) -> int:
        """Merge full postings segments (``corpus add`` does this after every batch); returns the merges."""
        return self._guard(lambda: sg.compact(self.db, fanout))

    def has_more_than(self, n: int) -> bool:
        """Whether the index holds more than ``n`` documents (without counting them all)."""
        return self._guard(lambda: self.db.execute("SELECT 1 FROM documents LIMIT 1 OFFSET ?",
                                                   (max(0, n),)).fetchone() is not None)

    def copies_of(self, text: str, key: str) -> dict[int, str]:
        """Stored documents that are a draft itself, by internal number -> path: the same text (content hash),
        or the same file and record (the draft as it was when it was added)."""
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        rows = self._guard(lambda: self.db.execute("SELECT doc, path FROM documents WHERE hash = ? OR key = ?",
                                                   (digest, key)).fetchall())
        return dict(rows)

    def doc_numbers(self) -> list[int]:
        """Internal numbers of all documents."""
        return self._guard(lambda: [d for (d,) in self.db.execute("SELECT doc FROM documents ORDER BY doc")])

    def documents(self, docs: Iterable[int]) -> dict[int, tuple[str, str, str | None, str | None]]:
        """Public id, path, title and publisher of internal document numbers."""
        ids = list(docs)
        if not ids:
            return {}
        rows = self._guard(lambda: self.db.execute(
            "SELECT doc, id, path, title, publisher FROM documents WHERE doc IN "
            "(SELECT value FROM json_each(?))", (json.dumps(ids),)).fetchall())
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def integrity(self) -> str:
        return self._guard(lambda: self.db.execute("PRAGMA integrity_check").fetchone()[0])


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # a missing file fails in the worker, with its message
        return 0


def _chunks(tasks: list[tuple[str, str | None]]) -> Iterator[list[tuple[str, str | None]]]:
    """Tasks in groups of about ``CHUNK_BYTES`` of input (at most 32 files): small files travel to the
    workers together, while a large JSONL shard or WARC file is a task of its own so both workers stay
    busy to the end."""
    chunk: list[tuple[str, str | None]] = []
    size = 0
    for task in tasks:
        size += _size(task[0])
        chunk.append(task)
        if size >= CHUNK_BYTES or len(chunk) >= 32:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _work_chunk(chunk: list[tuple[str, str | None]]) -> list[FileBatch]:
    return [worker(task) for task in chunk]


class _BatchWriter:
    """Collects prepared files and writes them in transactions of about ``size`` documents."""

    def __init__(self, index: CorpusIndex, report: AddReport, size: int = BATCH_DOCS) -> None:
        self.index = index
        self.report = report
        self.size = size
        self.pending: list[FileBatch] = []
        self.count = 0
        self.started = time.monotonic()

    def add(self, batch: FileBatch) -> None:
        self.pending.append(batch)
        self.count += max(1, len(batch.docs))
        if self.count >= self.size or time.monotonic() - self.started > BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.index.write_batch(self.pending, self.report)
        self.pending = []
        self.count = 0
        self.started = time.monotonic()


def _init_schema(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
            db.execute("ROLLBACK")  # a concurrent process created it first
            return
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(sg.SEGMENTS_SCHEMA)
        xp.create_schema(db)
        meta = {"gram": fp.GRAM, "window": fp.WINDOW, "hash_bits": fp.HASH_BITS,
                "hash_probe": fp.hash_probe(), "created": time.time()}
        db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _db_message(err: sqlite3.DatabaseError) -> str:
    text = str(err)
    if "file is not a database" in text:
        return "not a compliance corpus index (not an SQLite database)"
    if "malformed" in text or "corrupt" in text:
        return f"corpus index is corrupt ({text})"
    if "database or disk is full" in text:
        return "corpus index: disk full (batches written before are kept; free space and run the command again)"
    if "disk I/O error" in text:
        return ("corpus index: disk I/O error (disk full, a file size limit or a failing disk; batches "
                "written before are kept)")
    if "locked" in text or "busy" in text:
        return f"corpus index is busy: another process holds it ({text})"
    if "no such table" in text or "no such column" in text:
        return f"not a compliance corpus index ({text})"
    return f"corpus index error: {text}"
