"""Cross-language postings in the index's segments (index format 3): stem -> documents, compact and merged.

Beside each fingerprint segment's ``postings_<seg>`` table, ``xling_<seg> (term INTEGER PRIMARY KEY, docs
BLOB)`` holds, per stem hash of the English sentences of that segment's documents, their numbers as a
delta-encoded blob (:mod:`compliance.reuse.doclists`: 1-2 bytes a posting with the term's row, where one row
per posting took ~15 bytes in a randomly filled B-tree). A document's cross-language postings live in the segment its
fingerprints live in (``documents.seg``), so the segments' merges carry both (:func:`merge`, called by
:func:`compliance.reuse.segments.merge` in the same transaction) and a query probes as many tables.

Per document, ``xling_docs`` keeps its language and its sentences (read back for alignment: positions and
stems as numbers of the ``xling_vocab`` table, varints, zlib), and ``xling_langs`` counts the documents with
sentences per language (the idf's corpus size, without a scan).
Everything here runs inside the caller's write transaction.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DOCS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS xling_docs (doc INTEGER PRIMARY KEY, lang TEXT, sents BLOB)",
    "CREATE TABLE IF NOT EXISTS xling_langs (lang TEXT PRIMARY KEY, docs INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS xling_vocab (id INTEGER PRIMARY KEY, stem TEXT NOT NULL UNIQUE)",
)
SENTS_LEVEL = 6  # zlib level of the sentence blobs
_MERGE_BATCH = 20_000  # merged terms written at once (bounds the memory of a merge)
_APPEND = ("INSERT INTO {t} (term, docs) VALUES (?, ?) "
           "ON CONFLICT (term) DO UPDATE SET docs = CAST(docs || excluded.docs AS BLOB)")


def table(seg: int) -> str:
    """The cross-language postings table of segment ``seg`` (an integer from the ``segments`` table)."""
    return f"xling_{int(seg)}"


def create(db: sqlite3.Connection, seg: int, name: str | None = None) -> None:
    db.execute(f"CREATE TABLE IF NOT EXISTS {name or table(seg)} (term INTEGER PRIMARY KEY, docs BLOB NOT NULL)")


def create_schema(db: sqlite3.Connection) -> None:
    for statement in DOCS_SCHEMA:
        db.execute(statement)


def write(db: sqlite3.Connection, rows: list[tuple[int, int, Any]]) -> None:
    """Store ``(doc, seg, XlingRow)`` of documents that have no rows (deleted before when replaced)."""
    if not rows:
        return
    ids = stem_ids(db, Counter(t for _, _, r in rows if r.sents for s in r.sents for t in s[2]))
    db.executemany("INSERT OR REPLACE INTO xling_docs VALUES (?, ?, ?)",
                   [(d, r.lang, encode_sents(r.sents, ids) if r.sents else None) for d, _, r in rows])
    counts = Counter(r.lang for _, _, r in rows if r.sents)
    db.executemany("INSERT INTO xling_langs VALUES (?, ?) ON CONFLICT (lang) DO UPDATE SET docs = docs + excluded.docs",
                   list(counts.items()))
    by_seg: dict[int, list[tuple[int, list[int]]]] = {}
    for doc, seg, row in rows:
        if row.sents and row.terms:
            by_seg.setdefault(seg, []).append((doc, row.terms))
    for seg, docs in by_seg.items():
        append(db, seg, docs)


def stem_ids(db: sqlite3.Connection, stems: Counter[str]) -> dict[str, int]:
    """The vocabulary numbers of ``stems``; new stems are numbered after the others, the most frequent in this
    batch first (small numbers are one-byte varints: a fifth smaller sentence blobs than in sorted order)."""
    if not stems:
        return {}
    known = dict(db.execute("SELECT stem, id FROM xling_vocab WHERE stem IN (SELECT value FROM json_each(?))",
                            (json.dumps(sorted(stems), ensure_ascii=False),)))
    new = sorted((t for t in stems if t not in known), key=lambda t: (-stems[t], t))
    if new:
        start = db.execute("SELECT coalesce(max(id) + 1, 0) FROM xling_vocab").fetchone()[0]
        numbered = list(zip(range(start, start + len(new)), new, strict=True))
        db.executemany("INSERT INTO xling_vocab VALUES (?, ?)", numbered)
        known.update((t, i) for i, t in numbered)
    return known


def encode_sents(sents: list[list], ids: dict[str, int]) -> bytes:
    """Sentences as zlib'd varints: their count, then per sentence the gap from the previous one's end
    (zigzag), its length, its segment, its stem count and its stems' vocabulary numbers (about half the size
    of the stems spelled out in compressed JSON)."""
    import numpy as np

    from compliance.reuse import doclists

    ints = [len(sents)]
    prev = 0
    for start, end, terms, seg in sents:
        gap = start - prev
        ints += (2 * gap if gap >= 0 else -2 * gap - 1, end - start, seg, len(terms))
        ints += [ids[t] for t in terms]
        prev = end
    return zlib.compress(doclists.varints(np.array(ints, dtype=np.int64)), SENTS_LEVEL)


def read_sents(db: sqlite3.Connection, blobs: dict[int, bytes]) -> dict[int, list[list]]:
    """Documents' sentence blobs as ``[text_start, text_end, [stems], segment]`` lists."""
    from compliance.reuse import doclists

    out: dict[int, list[list]] = {}
    used: set[int] = set()
    for doc, blob in blobs.items():
        ints = doclists.from_varints(zlib.decompress(blob)).tolist()
        sents = []
        k, prev = 1, 0
        for _ in range(ints[0]):
            gap, length, seg, n = ints[k:k + 4]
            start = prev + (gap >> 1 if not gap & 1 else -((gap + 1) >> 1))
            terms = ints[k + 4:k + 4 + n]
            k += 4 + n
            used.update(terms)
            sents.append([start, start + length, terms, seg])
            prev = start + length
        out[doc] = sents
    names = dict(db.execute("SELECT id, stem FROM xling_vocab WHERE id IN (SELECT value FROM json_each(?))",
                            (json.dumps(sorted(used)),)))
    for sents in out.values():
        for sent in sents:
            sent[2] = [names[i] for i in sent[2]]
    return out


@dataclass
class SentTable:
    """Candidate documents' sentences as flat arrays (what the alignment reads, without a Python list per
    sentence or the stems spelled out): sentences are numbered across documents, document ``docs[k]`` holding
    ``first[k]`` to ``first[k + 1] - 1``; ``stems`` lists each sentence's vocabulary numbers in turn, ``owner``
    the sentence of each."""

    docs: list[int]
    first: Any
    start: Any
    end: Any
    seg: Any
    size: Any  # stems per sentence
    stems: Any
    owner: Any

    def sentences(self, doc: int) -> range:
        """The numbers of ``doc``'s sentences."""
        k = self.docs.index(doc)
        return range(int(self.first[k]), int(self.first[k + 1]))


def read_sent_table(blobs: list[tuple[int, bytes]]) -> SentTable:
    """The sentence blobs of ``(doc, blob)`` (:func:`encode_sents`), in that order, as one :class:`SentTable`."""
    import numpy as np

    ints, bounds = varint_blocks([zlib.decompress(b) for _, b in blobs])
    counts = ints[bounds[:-1]] if len(blobs) else np.zeros(0, dtype=np.int64)
    heads = _sentence_heads(ints, bounds.tolist())
    gap, size, seg, n = (ints[heads + k] for k in range(4))
    move = np.where(gap & 1, -((gap + 1) >> 1), gap >> 1) + size  # start - previous end, then the length
    ran = np.cumsum(move)
    first = np.concatenate(([0], np.cumsum(counts)))
    base = np.concatenate(([0], ran))[first[:-1]]  # where each document's run of sentences starts
    end = ran - np.repeat(base, counts)
    keep = np.ones(len(ints), dtype=bool)
    keep[bounds[:-1]] = False
    for k in range(4):
        keep[heads + k] = False
    return SentTable([d for d, _ in blobs], first, end - size, end, seg, n, ints[keep],
                     np.repeat(np.arange(len(heads)), n))


def _sentence_heads(ints: Any, bounds: list[int]) -> Any:
    """Where each sentence's four numbers start (a blob is its sentence count, then per sentence four numbers
    and as many stems as the fourth says)."""
    import numpy as np

    heads = []
    for k in range(len(bounds) - 1):
        pos = bounds[k] + 1
        for _ in range(int(ints[bounds[k]])):
            heads.append(pos)
            pos += 4 + int(ints[pos + 3])
    return np.array(heads, dtype=np.int64)


def varint_blocks(blobs: list[bytes]) -> tuple[Any, Any]:
    """The integers of many varint blobs decoded at once, and where each blob's integers start (one more
    entry than ``blobs``, the last the total): one pass of NumPy over all the bytes instead of one per blob,
    which at ~150 sentence blobs or ~3,000 postings a check cost more in per-call overhead than in decoding."""
    import numpy as np

    sizes = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    b = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    last = b < 128  # a varint's final byte; every blob ends with one
    bounds = np.concatenate(([0], np.cumsum(last)))[np.concatenate(([0], np.cumsum(sizes)))]
    if last.all():  # every number below 128: one byte each
        return b.astype(np.int64), bounds
    tails = np.flatnonzero(last)
    heads = np.concatenate(([0], tails[:-1] + 1))
    pos = np.arange(len(b)) - np.repeat(heads, tails - heads + 1)
    parts = (b & 127).astype(np.uint64) << (np.uint64(7) * pos.astype(np.uint64))
    return np.add.reduceat(parts, heads).astype(np.int64), bounds


def decode_lists(blobs: list[bytes]) -> list[Any]:
    """:func:`compliance.reuse.doclists.decode` of each blob (the same numbers in the same order), all decoded
    at once: a check reads a few thousand terms' lists, and decoding them one by one cost ~0.1 s of overhead."""
    import numpy as np

    ints, bounds = varint_blocks(blobs)
    heads = _chunk_heads(ints, bounds.tolist())
    gaps = ints.copy()
    gaps[heads] = 0  # a chunk's count is no gap: the running sum restarts at each chunk's first number
    sums = np.cumsum(gaps)
    sizes = ints[heads]
    numbers = (sums - np.repeat(sums[heads], sizes + 1))
    keep = np.ones(len(ints), dtype=bool)
    keep[heads] = False
    flat = numbers[keep]
    cuts = (bounds - np.searchsorted(heads, bounds)).tolist()  # each blob's start, its chunk counts dropped
    return [flat[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def list_counts(blobs: list[bytes]) -> list[int]:
    """:func:`compliance.reuse.doclists.count` of each blob, read from its chunks' counts (the numbers are
    stepped over, not decoded): most of the bytes a check reads hold terms in more documents than the cap, whose
    numbers are never used."""
    import numpy as np

    data = b"".join(blobs)
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) < 128)  # the last byte of each varint
    out = []
    pos = k = 0  # a chunk's first byte, and the number of varints before it
    for blob in blobs:
        end, total = pos + len(blob), 0
        while pos < end:
            n, shift = 0, 0
            while data[pos] >= 128:
                n |= (data[pos] & 127) << shift
                pos, shift = pos + 1, shift + 7
            n |= data[pos] << shift
            total += n
            k += 1 + n
            pos = int(ends[k - 1]) + 1 if k <= len(ends) else end  # a truncated blob ends the count
        out.append(total)
    return out


def sorted_unique(values: Any) -> Any:
    """``np.unique`` of a 1-D integer array (the same sorted distinct values): NumPy 2's ``unique`` hashes
    first, ~15 µs more a call, and a check unites a term's or a word's document lists ~1,600 times."""
    import numpy as np

    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _chunk_heads(ints: Any, bounds: list[int]) -> Any:
    """Where each chunk's count sits in ``ints`` (blobs are ``bounds`` apart; a chunk is its count, then as
    many numbers)."""
    import numpy as np

    heads = []
    for k in range(len(bounds) - 1):
        pos, end = bounds[k], bounds[k + 1]
        while pos < end:
            heads.append(pos)
            pos += 1 + int(ints[pos])
    return np.array(heads, dtype=np.int64)


def append(db: sqlite3.Connection, seg: int, docs: list[tuple[int, list[int]]]) -> None:
    """Add documents' term hashes to segment ``seg``: one chunk per term, appended to the term's blob."""
    import numpy as np

    from compliance.reuse import doclists

    terms = np.concatenate([np.asarray(t, dtype=np.int64) for _, t in docs])
    owners = np.concatenate([np.full(len(t), d, dtype=np.int64) for d, t in docs])
    order = np.lexsort((owners, terms))
    terms, owners = terms[order], owners[order]
    bounds = np.flatnonzero(np.diff(terms)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(terms)]))
    blobs = doclists.encode_groups(owners, starts, ends)
    db.executemany(_APPEND.format(t=table(seg)), zip(terms[starts].tolist(), blobs, strict=True))


def delete(db: sqlite3.Connection, doc: int, seg: int) -> None:
    """Drop one document's rows and its postings in segment ``seg``."""
    from compliance.reuse import doclists
    from compliance.reuse.xling.rows import sents_terms

    row = db.execute("SELECT lang, sents FROM xling_docs WHERE doc = ?", (doc,)).fetchone()
    if row is None:
        return
    lang, sents = row
    if sents is not None:
        t = table(seg)
        for term in sents_terms(read_sents(db, {doc: sents})[doc]):
            found = db.execute(f"SELECT docs FROM {t} WHERE term = ?", (term,)).fetchone()
            if found is None:
                continue
            rest = doclists.without(found[0], doc)
            if rest:
                db.execute(f"UPDATE {t} SET docs = ? WHERE term = ?", (rest, term))
            else:
                db.execute(f"DELETE FROM {t} WHERE term = ?", (term,))
        db.execute("UPDATE xling_langs SET docs = docs - 1 WHERE lang = ?", (lang,))
    db.execute("DELETE FROM xling_docs WHERE doc = ?", (doc,))


def merge(db: sqlite3.Connection, segs: Iterable[int], seg: int) -> None:
    """Fill segment ``seg``'s table with the postings of ``segs`` (each term one sorted chunk), in term order;
    the caller drops the old tables."""
    create(db, seg)
    merge_into(db, [table(s) for s in segs], table(seg))


def merge_into(db: sqlite3.Connection, sources: list[str], target: str) -> None:
    """Append the union of the ``sources`` tables to the (empty) ``target`` table, one sorted chunk per term."""
    from compliance.reuse import doclists

    union = " UNION ALL ".join(f"SELECT term, docs FROM {t}" for t in sources)
    insert = f"INSERT INTO {target} (term, docs) VALUES (?, ?)"
    batch: list[tuple[int, bytes]] = []
    term, blobs = None, []
    for t, blob in db.execute(f"SELECT term, docs FROM ({union}) ORDER BY term"):  # a merge of sorted scans
        if t != term:
            if blobs:
                batch.append((term, doclists.merge(blobs)))
                if len(batch) >= _MERGE_BATCH:
                    db.executemany(insert, batch)
                    batch = []
            term, blobs = t, []
        blobs.append(blob)
    if blobs:
        batch.append((term, doclists.merge(blobs)))
    db.executemany(insert, batch)


def drop(db: sqlite3.Connection, seg: int) -> None:
    db.execute(f"DROP TABLE IF EXISTS {table(seg)}")


def count_langs(db: sqlite3.Connection) -> None:
    """Recount ``xling_langs`` from ``xling_docs`` (after a migration)."""
    db.execute("DELETE FROM xling_langs")
    db.execute("INSERT INTO xling_langs SELECT lang, count(*) FROM xling_docs WHERE sents IS NOT NULL "
               "AND lang IS NOT NULL GROUP BY lang")
