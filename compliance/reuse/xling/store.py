"""What cross-language search keeps in the corpus index, beside the monolingual fingerprints.

Two tables in the same SQLite file, created on first use (indexes built before them simply gain them
on the next ``corpus add``):

- ``xling_docs``: per document its language, the content hash it was computed from, and its sentences
  as ``[text_start, text_end, [stems], segment]`` (zlib JSON; a heading is a segment of
  its own, and no run crosses from one segment to another) for documents in a source language (English);
- ``xling_postings``: one integer per (stem, document), ``hash(stem) << 24 | doc`` as in the
  monolingual postings, so a range scan with ``LIMIT cap + 1`` yields a stem's documents as an array and
  stops at the document-frequency cap however large the corpus grows.

:func:`sync` runs after ``corpus add`` and ``corpus remove``: it computes rows for documents that have
none (or whose text changed) from the stored text, and drops rows of removed documents.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable
from hashlib import blake2b

import numpy as np

from compliance.reuse.index import DOC_BITS, CorpusIndex
from compliance.reuse.sentences import split_sentences
from compliance.reuse.xling.terms import Analyzer, detect_language, source_terms

_MASK = (1 << DOC_BITS) - 1
_BATCH = 500  # documents per write transaction
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS xling_docs (doc INTEGER PRIMARY KEY, hash TEXT NOT NULL, lang TEXT, sents BLOB)",
    "CREATE TABLE IF NOT EXISTS xling_postings (key INTEGER PRIMARY KEY)",
)


def term_hash(stem: str) -> int:
    """A stable 39-bit hash: shifted by 24 bits for the document number it still fits a signed 64-bit key."""
    return int.from_bytes(blake2b(stem.encode("utf-8"), digest_size=8).digest(), "little") >> 25


def has_tables(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'xling_docs'").fetchone() is not None


def sync(index: CorpusIndex, analyzers: dict[str, Analyzer] | None, sources: Iterable[str] = ("en",)) -> int:
    """Bring the cross-language rows up to date with the documents; returns how many were (re)computed.

    ``analyzers`` None only drops rows of removed documents (``corpus remove``).
    """
    db = index.db
    for statement in _SCHEMA:
        db.execute(statement)
    gone = [d for (d,) in db.execute("SELECT x.doc FROM xling_docs x LEFT JOIN documents d USING (doc) "
                                     "WHERE d.doc IS NULL")]
    _delete(db, gone)
    if analyzers is None:
        return 0
    stale = db.execute("SELECT d.doc, d.hash FROM documents d LEFT JOIN xling_docs x USING (doc) "
                       "WHERE x.doc IS NULL OR x.hash != d.hash").fetchall()
    wanted = set(sources)
    for start in range(0, len(stale), _BATCH):
        rows = []
        for doc, digest in stale[start:start + _BATCH]:
            view = index.view(doc)
            if view is None:
                continue
            lang = detect_language(view.tokens.words, analyzers)
            sents = _sentences(view, analyzers[lang]) if lang in wanted else None
            rows.append((doc, digest, lang, sents))
        _write(db, rows)
    return len(stale)


def _sentences(view, analyzer: Analyzer) -> list[list]:
    words, ex = view.tokens.words, view.excluded
    out = []
    for i, j in split_sentences(view):
        terms = source_terms([words[k] for k in range(i, j) if not ex[k]], analyzer)
        if terms:
            s, e = view.text_span(i, j)
            out.append([s, e, terms, view.seg[i] if view.seg else 0])
    return out


def _write(db: sqlite3.Connection, rows: list[tuple[int, str, str | None, list | None]]) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        _delete(db, [r[0] for r in rows], commit=False)
        keys: list[int] = []
        for doc, digest, lang, sents in rows:
            blob = zlib.compress(json.dumps(sents, ensure_ascii=False).encode("utf-8")) if sents else None
            db.execute("INSERT OR REPLACE INTO xling_docs VALUES (?, ?, ?, ?)", (doc, digest, lang, blob))
            if sents:
                keys.extend((term_hash(t) << DOC_BITS) | doc for t in {t for s in sents for t in s[2]})
        keys.sort()
        db.execute("INSERT OR IGNORE INTO xling_postings SELECT value FROM json_each(?)", (str(keys),))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _delete(db: sqlite3.Connection, docs: list[int], commit: bool = True) -> None:
    if not docs:
        return
    own = commit and not db.in_transaction
    if own:
        db.execute("BEGIN IMMEDIATE")
    for doc in docs:
        row = db.execute("SELECT sents FROM xling_docs WHERE doc = ?", (doc,)).fetchone()
        if row and row[0]:
            terms = {t for s in _decode(row[0]) for t in s[2]}
            db.executemany("DELETE FROM xling_postings WHERE key = ?", [((term_hash(t) << DOC_BITS) | doc,)
                                                                       for t in terms])
        db.execute("DELETE FROM xling_docs WHERE doc = ?", (doc,))
    if own:
        db.execute("COMMIT")


def _decode(blob: bytes) -> list[list]:
    return json.loads(zlib.decompress(blob))


class Postings:
    """Read side: stems -> documents (capped), source counts and candidate sentences."""

    def __init__(self, index: CorpusIndex) -> None:
        self.db = index.db
        self.ready = has_tables(self.db)

    def documents(self, lang: str) -> int:
        if not self.ready:
            return 0
        return self.db.execute("SELECT count(*) FROM xling_docs WHERE lang = ? AND sents IS NOT NULL",
                               (lang,)).fetchone()[0]

    def lookup(self, stems: Iterable[str], cap: int) -> dict[str, np.ndarray | int]:
        """Stem -> its documents (an array), or the int ``cap + 1`` when more documents hold it."""
        stems = list(set(stems))
        if not stems or not self.ready:
            return {}
        by_hash = {term_hash(s): s for s in stems}
        sql = ("SELECT q.value, (SELECT group_concat(key & ?2) FROM (SELECT key FROM xling_postings WHERE key "
               "BETWEEN (q.value << ?3) AND ((q.value << ?3) | ?2) LIMIT ?1)) FROM json_each(?4) AS q")
        out: dict[str, np.ndarray | int] = {}
        for h, docs in self.db.execute(sql, (cap + 1, _MASK, DOC_BITS, str(list(by_hash)))):
            if docs is None:
                continue
            found = np.array(docs.split(","), dtype=np.int64)
            out[by_hash[h]] = cap + 1 if len(found) > cap else found
        return out

    def sentences(self, docs: Iterable[int]) -> dict[int, list[list]]:
        ids = list(docs)
        if not ids or not self.ready:
            return {}
        rows = self.db.execute("SELECT doc, sents FROM xling_docs WHERE sents IS NOT NULL AND doc IN "
                               "(SELECT value FROM json_each(?))", (json.dumps(ids),))
        return {d: _decode(b) for d, b in rows}
