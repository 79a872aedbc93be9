"""What cross-language search keeps in the corpus index, beside the monolingual fingerprints (format 3).

- ``xling_docs``: per document its language and, for documents in a source language (English), its
  sentences as ``[text_start, text_end, [stems], segment]`` (stems as numbers of ``xling_vocab``, varints,
  zlib: :func:`.postings.encode_sents`; a heading is a segment of its own, and no run crosses from one
  segment to another); ``xling_langs`` counts those documents per language;
- ``xling_<seg>``: per segment, stem hash -> the segment's documents holding that stem, as a compact blob
  (:mod:`.postings`), merged with the fingerprint segments.

The rows are computed where documents are prepared (``corpus add``'s worker processes or Spark tasks,
:mod:`.rows`) and written with the document in its transaction; removing or replacing a document drops them
in the same transaction. :func:`sync` is the catch-up for documents added with ``COMPLIANCE_NO_XLING=1``
(computed serially from the stored text), run by the next ``corpus add`` without it.

Format 2 kept one ``xling_postings`` row per (stem, document), the content hash in ``xling_docs`` and the
sentences as zlib JSON; :func:`migrate_v2` converts it (``corpus add`` does, in place: the stored sentences
re-encoded, the postings rebuilt per segment from them).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from compliance.reuse import segments as sg
from compliance.reuse.index import CorpusIndex
from compliance.reuse.xling import postings as xp
from compliance.reuse.xling.rows import XlingRow, compute, sents_terms, term_hash
from compliance.reuse.xling.terms import Analyzer

__all__ = ["Postings", "has_tables", "migrate_v2", "sync", "term_hash"]

_BATCH = 500  # documents per write transaction of the catch-up (and per task of its workers)
PARALLEL_DOCS = 2000  # a catch-up of fewer documents runs in the adding process
_MIGRATE_DOCS = 1000  # documents read at once when a format-2 index is converted (bounds its memory)


def has_tables(db: sqlite3.Connection) -> bool:
    """Does the index have format 3's cross-language tables (not so: format 2 built without them)?"""
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'xling_langs'").fetchone() is not None


def sync(index: CorpusIndex, analyzers: dict[str, Analyzer] | None, sources: Iterable[str] = ("en",),
         jobs: int = 1) -> int:
    """Compute the rows of documents that have none (added with ``COMPLIANCE_NO_XLING=1``) from the stored text,
    in ``jobs`` worker processes when there are many; returns how many.

    ``analyzers`` None does nothing (removals drop rows in their own transaction)."""
    if analyzers is None:
        return 0
    db = index.db
    missing = [d for (d,) in db.execute("SELECT doc FROM documents WHERE doc NOT IN (SELECT doc FROM xling_docs) "
                                        "ORDER BY doc")]
    for computed in _computed(index, missing, analyzers, set(sources), jobs):
        with sg.write_transaction(db):
            segs = {}
            for doc, _ in computed:  # read in the transaction: a merge may have moved the document since
                row = db.execute("SELECT seg FROM documents WHERE doc = ? AND doc NOT IN (SELECT doc FROM "
                                 "xling_docs)", (doc,)).fetchone()
                if row is not None:
                    segs[doc] = row[0]
            xp.write(db, [(doc, segs[doc], row) for doc, row in computed if doc in segs])
    return len(missing)


def _computed(index: CorpusIndex, docs: list[int], analyzers: dict[str, Analyzer], sources: set[str],
              jobs: int) -> Iterator[list[tuple[int, XlingRow]]]:
    """The rows of ``docs``, ``_BATCH`` documents at a time, in order."""
    import multiprocessing as mp

    chunks = [docs[i:i + _BATCH] for i in range(0, len(docs), _BATCH)]
    if jobs <= 1 or len(docs) < PARALLEL_DOCS or "fork" not in mp.get_all_start_methods():
        for chunk in chunks:
            yield _rows_of(index, chunk, analyzers, sources)
        return
    # forked workers read the index through their own connection (none is shared across the fork)
    with mp.get_context("fork").Pool(jobs, initializer=_worker_init, initargs=(index.path, analyzers, sources)) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_worker_rows, (chunk,)))
            if len(pending) > 2 * jobs:  # bounded: results wait in memory while the writer stores them
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _rows_of(index: CorpusIndex, docs: list[int], analyzers: dict[str, Analyzer],
             sources: set[str]) -> list[tuple[int, XlingRow]]:
    out = []
    for doc in docs:
        view = index.view(doc)
        if view is not None:
            out.append((doc, compute(view, analyzers, sources)))
    return out


_WORKER: list[Any] = []  # in a catch-up worker process: its index connection, analyzers and source languages


def _worker_init(path: str, analyzers: dict[str, Analyzer], sources: set[str]) -> None:
    _WORKER[:] = [CorpusIndex(path), analyzers, sources]


def _worker_rows(docs: list[int]) -> list[tuple[int, XlingRow]]:
    return _rows_of(_WORKER[0], docs, _WORKER[1], _WORKER[2])


def migrate_v2(db: sqlite3.Connection) -> None:
    """Format 2 -> 3 inside the caller's transaction: the stored sentences of documents whose text did not change
    since (others are computed again by :func:`sync`) re-encoded, their postings rebuilt per segment."""
    old = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'xling_docs'").fetchone() is not None
    if old:
        db.execute("ALTER TABLE xling_docs RENAME TO xling_docs_v2")
        db.execute("DROP TABLE IF EXISTS xling_postings")
    xp.create_schema(db)
    segs = [s for (s,) in db.execute("SELECT seg FROM segments ORDER BY seg")]
    for seg in segs:
        xp.create(db, seg)
    if not old:
        return
    for seg in segs:
        last = -1
        while True:  # documents in slices, so a large segment is not held in memory at once
            rows = db.execute("SELECT x.doc, x.lang, x.sents FROM xling_docs_v2 x JOIN documents d USING (doc) "
                              "WHERE d.seg = ? AND x.hash = d.hash AND x.doc > ? ORDER BY x.doc LIMIT ?",
                              (seg, last, _MIGRATE_DOCS)).fetchall()
            if not rows:
                break
            xp.write(db, [(doc, seg, _old_row(lang, blob)) for doc, lang, blob in rows])
            last = rows[-1][0]
        if last >= 0:  # one sorted chunk per term, as merges leave them
            xp.create(db, seg, "xling_migrated")
            xp.merge_into(db, [xp.table(seg)], "xling_migrated")
            xp.drop(db, seg)
            db.execute(f"ALTER TABLE xling_migrated RENAME TO {xp.table(seg)}")
    db.execute("DROP TABLE xling_docs_v2")


def _old_row(lang: str | None, blob: bytes | None) -> XlingRow:
    """A format-2 row (sentences as zlib JSON)."""
    if blob is None:
        return XlingRow(lang)
    sents = json.loads(zlib.decompress(blob))
    return XlingRow(lang, sents, sents_terms(sents))


MAX_BLOB_BYTES_PER_DOC = 18  # a document costs at most this many bytes of a postings blob (see over_cap_bytes)


def over_cap_bytes(cap: int) -> int:
    """A postings blob longer than this holds more than ``cap`` documents.

    A blob is chunks of varints (:mod:`compliance.reuse.doclists`): each chunk its count (at least 1), then as many
    numbers; a varint of a number below 2**63 takes at most 9 bytes, so a chunk of ``c`` documents takes at most
    ``9 * (c + 1) <= 18 * c`` bytes and a blob of ``n`` documents at most ``18 * n``."""
    return MAX_BLOB_BYTES_PER_DOC * cap


class Postings:
    """Read side: stems -> documents (capped), source counts and candidate sentences."""

    def __init__(self, index: CorpusIndex) -> None:
        self.db = index.db
        self.ready = has_tables(self.db) and self.db.execute("SELECT 1 FROM xling_docs LIMIT 1").fetchone() is not None
        self._vocab: dict[str, int | None] = {}  # stem -> vocabulary number, None when no stored sentence holds it

    def documents(self, lang: str) -> int:
        if not self.ready:
            return 0
        row = self.db.execute("SELECT docs FROM xling_langs WHERE lang = ?", (lang,)).fetchone()
        return row[0] if row else 0

    def lookup(self, stems: Iterable[str], cap: int) -> dict[str, np.ndarray | int]:
        """Stem -> its documents (a sorted array), or the int ``cap + 1`` when more documents hold it.

        The largest segments are read first, and a blob longer than ``MAX_BLOB_BYTES_PER_DOC * cap`` bytes holds
        more than ``cap`` documents (:func:`over_cap_bytes`), so it is neither read nor counted: at 1M documents
        most of the draft's stems are in more sources than the cap, and the first level-1 segment (131,072
        documents) settles most of them by their lengths alone, where reading the small segments first decoded
        their lists in every segment until the counts added up (~25 % more probes, ~1.6 MB of lists). Stems outside
        the vocabulary are not probed at all: no stored sentence holds them, so no list does (and a stem whose
        39-bit hash equals a stored stem's no longer takes that stem's documents)."""
        stems = list(set(stems))
        if not stems or not self.ready:
            return {}
        found: dict[int, list[np.ndarray]] = {}
        counts: dict[int, int] = {}
        db = self.db
        own = not db.in_transaction
        if own:
            db.execute("BEGIN")  # one snapshot: a merge committing meanwhile cannot drop a table under the query
        try:
            known = self.vocab_ids(stems)  # a stem no stored sentence holds is in no list: one probe, not 18
            by_hash = {term_hash(s): s for s in stems if s in known}
            segs = [s for (s,) in db.execute("SELECT seg FROM segments WHERE docs > 0 ORDER BY docs DESC, seg DESC")]
            live = list(by_hash)
            for seg in segs:
                live = self._lookup_segment(seg, live, cap, counts, found)
                if not live:
                    break
        finally:
            if own and db.in_transaction:
                db.execute("COMMIT")
        out: dict[str, np.ndarray | int] = {}
        for h, n in counts.items():
            if n > cap:
                out[by_hash[h]] = cap + 1
            else:
                parts = found[h]
                out[by_hash[h]] = xp.sorted_unique(np.concatenate(parts)) if len(parts) > 1 else np.sort(parts[0])
        return out

    def _lookup_segment(self, seg: int, live: list[int], cap: int, counts: dict[int, int],
                        found: dict[int, list[np.ndarray]]) -> list[int]:
        """Add segment ``seg``'s documents of the ``live`` term hashes to ``counts`` and ``found`` (only terms
        within the cap so far are decoded); returns the terms still within it. A blob too long to be within the
        cap comes back as NULL (SQLite reads a blob's length without its overflow pages) and counts ``cap + 1``."""
        sql = (f"SELECT term, CASE WHEN length(docs) > ?2 THEN NULL ELSE docs END FROM {xp.table(seg)} "
               "WHERE term IN (SELECT value FROM json_each(?1))")
        rows = self.db.execute(sql, (str(live), over_cap_bytes(cap))).fetchall()
        over = False
        read = [(h, blob) for h, blob in rows if blob is not None]
        for h, blob in rows:
            if blob is None:
                counts[h] = counts.get(h, 0) + cap + 1
                over = True
        kept = []
        for (h, blob), count in zip(read, xp.list_counts([b for _, b in read]), strict=True):
            n = counts[h] = counts.get(h, 0) + count
            if n > cap:
                over = True
            else:
                kept.append((h, blob))
        for (h, _), docs in zip(kept, xp.decode_lists([b for _, b in kept]), strict=True):
            found.setdefault(h, []).append(docs)
        if not over:
            return live
        return [h for h in live if counts.get(h, 0) <= cap]  # in more documents than the cap: not looked up again

    def sentences(self, docs: Iterable[int]) -> dict[int, list[list]]:
        ids = list(docs)
        if not ids or not self.ready:
            return {}
        rows = self.db.execute("SELECT doc, sents FROM xling_docs WHERE sents IS NOT NULL AND doc IN "
                               "(SELECT value FROM json_each(?))", (json.dumps(ids),))
        return xp.read_sents(self.db, dict(rows))

    def sentence_table(self, docs: Iterable[int]) -> xp.SentTable:
        """The sentences of ``docs`` (those that have any, in the order given) as one flat table."""
        ids = list(docs)
        if not ids or not self.ready:
            return xp.read_sent_table([])
        blobs = dict(self.db.execute("SELECT doc, sents FROM xling_docs WHERE sents IS NOT NULL AND doc IN "
                                     "(SELECT value FROM json_each(?))", (json.dumps(ids),)))
        return xp.read_sent_table([(d, blobs[d]) for d in ids if d in blobs])

    def vocab_ids(self, stems: Iterable[str]) -> dict[str, int]:
        """The vocabulary numbers of those ``stems`` some stored sentence holds (the others match nothing).

        Remembered per stem: :meth:`lookup` asks first (about a third of a German draft's English stems are in no
        source at 1M documents, and each was probed in all 18 segments), the sentence pairs then ask again."""
        wanted = set(stems)
        if not wanted or not self.ready:
            return {}
        new = sorted(wanted - self._vocab.keys())
        if new:
            found = dict(self.db.execute("SELECT stem, id FROM xling_vocab WHERE stem IN "
                                         "(SELECT value FROM json_each(?))", (json.dumps(new, ensure_ascii=False),)))
            self._vocab.update((t, found.get(t)) for t in new)
        return {t: i for t in sorted(wanted) if (i := self._vocab[t]) is not None}
