"""The postings of the corpus index: one small SQLite table per *segment*, merged as the corpus grows.

Each segment is a table ``postings_<seg> (key INTEGER PRIMARY KEY)`` holding ``hash << 24 | doc``
(a rowid table with no other column: the key is the B-tree key itself, ~13 bytes a posting). Why
segments: random inserts into one large B-tree touch pages all over the file and fall to a few hundred
documents per second at 100k documents, so new documents go to a small *open* segment (``SEGMENT_DOCS``
documents, which fits the write cache). Why merging: a query probes every segment (~2,200 B-tree range
probes a draft, ~5 ms a segment), so one segment per 8,192 documents would cost ~0.6 s of lookups at 1M
documents. Once ``FANOUT`` full segments of one level exist they are merged into one segment of the
next level: SQLite merges the sorted tables (``UNION ALL ... ORDER BY key`` runs as a merge, no sort)
and appends into a fresh table (pages filled completely, no random writes), then drops the old tables
(their pages are reused by the next inserts). Each posting is rewritten once per level, and the number
of segments stays below ``FANOUT`` per level (at most ~2 × 15 + 1 up to 2M documents with the defaults).

Each segment also has an ``xling_<seg>`` table, the cross-language postings of its documents
(:mod:`compliance.reuse.xling.postings`, format 3): merged with it, dropped with it.

The ``segments`` table lists every segment with its level, live documents, postings and how many
documents it was ever given (``filled``: a level-0 segment is full when that reaches ``SEGMENT_DOCS``).
``documents.seg`` names the segment holding a document's postings and follows merges.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from compliance.reuse.xling import postings as xp

SEGMENT_DOCS = 8192  # documents per level-0 segment (its table stays within the write cache)
FANOUT = 16  # this many full segments of one level are merged into one of the next level
DOC_BITS = 24  # internal document numbers below 2**24 share a posting key with the hash
DOC_MASK = (1 << DOC_BITS) - 1

SEGMENTS_SCHEMA = ("CREATE TABLE segments (seg INTEGER PRIMARY KEY, level INTEGER NOT NULL, docs INTEGER NOT NULL, "
                   "postings INTEGER NOT NULL, filled INTEGER NOT NULL)")


@contextlib.contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error (or interrupt): all or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def table(seg: int) -> str:
    """The postings table of segment ``seg`` (an integer from our own ``segments`` table, never user input)."""
    return f"postings_{int(seg)}"


def create(db: sqlite3.Connection, seg: int, level: int) -> None:
    db.execute(f"CREATE TABLE {table(seg)} (key INTEGER PRIMARY KEY)")
    xp.create(db, seg)
    db.execute("INSERT INTO segments VALUES (?, ?, 0, 0, 0)", (seg, level))


def open_segment(db: sqlite3.Connection) -> tuple[int, int]:
    """The level-0 segment new documents go to, and how many it was given (a new one when it is full).

    Runs inside the write transaction."""
    row = db.execute("SELECT seg, filled FROM segments WHERE level = 0 ORDER BY seg DESC LIMIT 1").fetchone()
    if row is not None and row[1] < SEGMENT_DOCS:
        return row[0], row[1]
    return new_segment(db), 0


def new_segment(db: sqlite3.Connection) -> int:
    seg = db.execute("SELECT coalesce(max(seg) + 1, 0) FROM segments").fetchone()[0]
    create(db, seg, 0)
    return seg


def insert(db: sqlite3.Connection, seg: int, keys: list[int], docs: int) -> None:
    """Add sorted posting keys of ``docs`` new documents to segment ``seg`` (inside the write transaction)."""
    keys.sort()  # appending in key order touches each page of the segment once
    db.execute(f"INSERT OR IGNORE INTO {table(seg)} SELECT value FROM json_each(?)", (str(keys),))
    db.execute("UPDATE segments SET docs = docs + ?, filled = filled + ?, postings = postings + ? WHERE seg = ?",
               (docs, docs, len(keys), seg))


def delete(db: sqlite3.Connection, seg: int, keys: list[int]) -> None:
    """Remove one document's posting keys from its segment (inside the write transaction)."""
    db.executemany(f"DELETE FROM {table(seg)} WHERE key = ?", [(k,) for k in keys])
    db.execute("UPDATE segments SET docs = docs - 1, postings = postings - ? WHERE seg = ?", (len(keys), seg))


def merge_due(db: sqlite3.Connection, fanout: int = FANOUT) -> list[int] | None:
    """The oldest ``fanout`` full segments of the lowest level that has that many, or None."""
    rows = db.execute("SELECT seg, level FROM segments WHERE level > 0 OR filled >= ? ORDER BY level, seg",
                      (SEGMENT_DOCS,)).fetchall()
    by_level: dict[int, list[int]] = {}
    for seg, level in rows:
        by_level.setdefault(level, []).append(seg)
    for level in sorted(by_level):
        if len(by_level[level]) >= fanout:
            return by_level[level][:fanout]
    return None


def merge(db: sqlite3.Connection, segs: list[int]) -> int:
    """Merge ``segs`` into one new segment of the next level, in one transaction; returns its number.

    Readers keep their snapshot (WAL): a query sees either the old segments or the merged one."""
    with write_transaction(db):
        marks = ",".join("?" * len(segs))
        level, docs, postings = db.execute(f"SELECT max(level) + 1, sum(docs), sum(postings) FROM segments "
                                           f"WHERE seg IN ({marks})", segs).fetchone()
        seg = db.execute("SELECT max(seg) + 1 FROM segments").fetchone()[0]
        db.execute(f"CREATE TABLE {table(seg)} (key INTEGER PRIMARY KEY)")
        union = " UNION ALL ".join(f"SELECT key FROM {table(s)}" for s in segs)
        db.execute(f"INSERT INTO {table(seg)} {union} ORDER BY key")  # a merge of sorted scans, no sorter
        xp.merge(db, segs, seg)  # the segments' cross-language postings, in the same transaction
        db.execute("INSERT INTO segments VALUES (?, ?, ?, ?, ?)", (seg, level, docs, postings, docs))
        db.execute(f"UPDATE documents SET seg = ? WHERE seg IN ({marks})", [seg, *segs])
        db.execute(f"DELETE FROM segments WHERE seg IN ({marks})", segs)
        for s in segs:
            db.execute(f"DROP TABLE {table(s)}")
            xp.drop(db, s)
    return seg


def compact(db: sqlite3.Connection, fanout: int = FANOUT) -> int:
    """Merge while some level holds ``fanout`` full segments; returns how many merges ran."""
    merges = 0
    while (due := merge_due(db, fanout)) is not None:
        merge(db, due)
        merges += 1
    return merges


def lookup(db: sqlite3.Connection, hashes: list[int], limit: int) -> dict[int, list[int]]:
    """Documents holding each hash (at most ``limit`` + 1 found, so boilerplate stops early), over all
    segments in one read snapshot (a merge committing meanwhile cannot drop a table under the query)."""
    sql = ("SELECT h, docs FROM (SELECT q.value AS h, (SELECT group_concat(key & ?3) FROM "
           "(SELECT key FROM {t} WHERE key BETWEEN (q.value << ?4) AND ((q.value << ?4) | ?3) LIMIT ?1)) "
           "AS docs FROM json_each(?2) AS q) WHERE docs IS NOT NULL")
    found: dict[int, list[int]] = {}
    own = not db.in_transaction
    if own:
        db.execute("BEGIN")
    try:
        segs = [s for (s,) in db.execute("SELECT seg FROM segments WHERE docs > 0 ORDER BY seg DESC")]
        # Probed in key order: neighbouring probes share the B-tree's inner pages, which an 8 MB page cache
        # otherwise reloads (~10 % of the lookups at 1M). Each segment's hits are put back in the order of
        # ``hashes``, so callers summing over the result add in the same order as before.
        order = {h: k for k, h in reversed(list(enumerate(hashes)))}
        live = sorted(order)
        for seg in segs:
            rows = db.execute(sql.format(t=table(seg)), (limit, str(live), DOC_MASK, DOC_BITS)).fetchall()
            rows.sort(key=lambda row: order[row[0]])
            for h, docs in rows:
                found.setdefault(h, []).extend(map(int, docs.split(",")))
            common = {h for h, d in found.items() if len(d) >= limit}
            if common:  # boilerplate: no need to look for it in the other segments
                live = [h for h in live if h not in common]
                if not live:
                    break
    finally:
        if own and db.in_transaction:
            db.execute("COMMIT")
    return found


def all_postings(db: sqlite3.Connection) -> Iterator[tuple[int, int]]:
    """Every stored ``(segment, key)`` (tests and integrity checks)."""
    for (seg,) in db.execute("SELECT seg FROM segments ORDER BY seg").fetchall():
        for (key,) in db.execute(f"SELECT key FROM {table(seg)}"):
            yield seg, key


def migrate_v1(db: sqlite3.Connection) -> None:
    """Format 1 (one ``postings (seg, key)`` table) to format 2, inside the caller's transaction: each
    segment's keys are copied, in key order, into its own table. Compaction merges them afterwards."""
    old = db.execute("SELECT seg, docs, postings FROM segments ORDER BY seg").fetchall()
    db.execute("ALTER TABLE segments RENAME TO segments_v1")
    db.execute(SEGMENTS_SCHEMA)
    for seg, docs, postings in old:
        db.execute(f"CREATE TABLE {table(seg)} (key INTEGER PRIMARY KEY)")
        db.execute(f"INSERT INTO {table(seg)} SELECT key FROM postings WHERE seg = ? ORDER BY key", (seg,))
        db.execute("INSERT INTO segments VALUES (?, 0, ?, ?, ?)", (seg, docs, postings, max(docs, SEGMENT_DOCS)))
    if old:  # the newest segment stays open for new documents
        db.execute("UPDATE segments SET filled = (SELECT docs FROM segments_v1 WHERE seg = ?) WHERE seg = ?",
                   (old[-1][0], old[-1][0]))
    db.execute("DROP TABLE segments_v1")
    db.execute("DROP TABLE postings")
