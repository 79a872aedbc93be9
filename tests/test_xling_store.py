"""Cross-language rows in index format 3: computed where documents are prepared, stored per segment as compact
document lists, merged with the segments; a format-2 index is converted by ``corpus add`` and refused with one
line (exit 2) by the commands that only read it."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import numpy as np
import pytest

from compliance.pipeline import load_engine
from compliance.reuse import CorpusIndex, doclists
from compliance.reuse import segments as sg
from compliance.reuse.index import SCHEMA_VERSION
from compliance.reuse.xling import postings as xp
from compliance.reuse.xling import store
from compliance.reuse.xling.rows import sents_terms
from compliance.reuse.xling.store import Postings
from tests.conftest import ROOT

CORPUS = ROOT / "fixtures" / "corpus"
XLING = ROOT / "fixtures" / "xling"
DRAFT = XLING / "hafen-solar.de.md"


@pytest.fixture(scope="module")
def engine():
    return load_engine(None)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project directory naming the test dictionary, with a copy of the fixture corpus; the working directory."""
    (tmp_path / ".compliance.toml").write_text(f'[dictionaries]\nde-en = "{XLING / "de-en.ding"}"\n', encoding="utf-8")
    shutil.copytree(CORPUS, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COMPLIANCE_NO_XLING", raising=False)
    return tmp_path


def xling_state(path: Path) -> tuple[dict, set, dict]:
    """(doc -> (lang, sentences), {(doc, term)} postings over all segments, lang -> source documents)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT * FROM xling_docs").fetchall()
        sents = xp.read_sents(db, {d: b for d, _, b in rows if b})
        docs = {d: (lang, sents.get(d)) for d, lang, _ in rows}
        postings = set()
        for (seg,) in db.execute("SELECT seg FROM segments"):
            for term, blob in db.execute(f"SELECT term, docs FROM xling_{seg}"):
                postings |= {(int(d), term) for d in doclists.decode(blob)}
        langs = dict(db.execute("SELECT lang, docs FROM xling_langs WHERE docs > 0"))
        return docs, postings, langs
    finally:
        db.close()


def assert_xling_whole(path: Path) -> None:
    """Every document's cross-language postings are in its segment's table once, one sorted chunk or more, and
    nothing else is there; the language counts add up."""
    db = sqlite3.connect(path)
    try:
        seg_of = dict(db.execute("SELECT doc, seg FROM documents"))
        expected = set()
        langs: dict[str, int] = {}
        for doc, lang, blob in db.execute("SELECT doc, lang, sents FROM xling_docs").fetchall():
            assert doc in seg_of
            if blob is not None:
                expected |= {(seg_of[doc], t, doc) for t in sents_terms(xp.read_sents(db, {doc: blob})[doc])}
                langs[lang] = langs.get(lang, 0) + 1
        stored = []
        for (seg,) in db.execute("SELECT seg FROM segments"):
            for term, blob in db.execute(f"SELECT term, docs FROM xling_{seg}"):
                assert blob, "empty lists are deleted"
                stored += [(seg, term, int(d)) for d in doclists.decode(blob)]
        assert len(stored) == len(set(stored))
        assert set(stored) == expected
        assert dict(db.execute("SELECT lang, docs FROM xling_langs WHERE docs > 0")) == langs
        tables = {t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE name GLOB 'xling_[0-9]*'")}
        assert tables == {f"xling_{s}" for (s,) in db.execute("SELECT seg FROM segments")}
    finally:
        db.close()


def check_json(cli, index: Path, draft: Path = DRAFT) -> dict:
    from tests.test_corpus_segments import check_json as segments_check_json

    return segments_check_json(cli, index, draft)


def translations(out: dict) -> list[dict]:
    return [m for f in out["files"] for m in f["matches"] if m.get("kind") == "translation"]


def downgrade_to_v2(path: Path) -> None:
    """Rewrite a format-3 index's cross-language rows as format 2 kept them: the content hash beside each
    document's sentences, and one ``xling_postings`` row per (stem, document)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    db.execute("ALTER TABLE xling_docs RENAME TO xling_docs_v3")
    db.execute("CREATE TABLE xling_docs (doc INTEGER PRIMARY KEY, hash TEXT NOT NULL, lang TEXT, sents BLOB)")
    rows = db.execute("SELECT x.doc, d.hash, x.lang, x.sents FROM xling_docs_v3 x JOIN documents d "
                      "USING (doc)").fetchall()
    sents = xp.read_sents(db, {doc: blob for doc, _, _, blob in rows if blob})
    db.executemany("INSERT INTO xling_docs VALUES (?, ?, ?, ?)", [  # sentences as zlib JSON
        (doc, digest, lang, zlib.compress(json.dumps(sents[doc], ensure_ascii=False).encode()) if blob else None)
        for doc, digest, lang, blob in rows])
    db.execute("CREATE TABLE xling_postings (key INTEGER PRIMARY KEY)")
    for (seg,) in db.execute("SELECT seg FROM segments").fetchall():
        for term, blob in db.execute(f"SELECT term, docs FROM xling_{seg}").fetchall():
            db.executemany("INSERT INTO xling_postings VALUES (?)",
                           [((term << sg.DOC_BITS) | int(d),) for d in doclists.decode(blob)])
        db.execute(f"DROP TABLE xling_{seg}")
    db.execute("DROP TABLE xling_docs_v3")
    db.execute("DROP TABLE xling_langs")
    db.execute("DROP TABLE xling_vocab")
    db.execute("PRAGMA user_version = 2")
    db.execute("COMMIT")
    db.close()


def drop_xling_v2(path: Path) -> None:
    """A format-2 index written before cross-language search (or with ``COMPLIANCE_NO_XLING=1``): no xling tables."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TABLE xling_docs")
    db.execute("DROP TABLE xling_postings")
    db.close()


# -- document lists --------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 63, 64, 300, 5000])
def test_doc_lists_round_trip_concatenate_and_shrink(n):
    rnd = np.random.default_rng(n)
    docs = np.sort(rnd.choice(1 << 24 if n < 50 else 3 * n, size=n, replace=False)).astype(np.int64)
    blob = doclists.encode(docs)
    assert doclists.encode_sorted(docs) == blob
    assert (doclists.decode(blob) == docs).all() and doclists.count(blob) == n
    cut = n // 3
    parts = (doclists.encode_sorted(docs[:cut]) if cut else b"") + doclists.encode_sorted(docs[cut:])
    assert doclists.count(parts) == n and doclists.merge([parts]) == blob  # concatenated chunks, merged back
    assert (doclists.decode(doclists.without(blob, int(docs[n // 2]))) == np.delete(docs, n // 2)).all()
    if n > 50:
        assert len(blob) < 2 * n + 8  # about a byte or two a document
    groups = [docs[: n // 2], docs[n // 2:]] if n > 1 else [docs]  # a batch's terms encoded at once
    lens = np.array([len(g) for g in groups])
    assert doclists.encode_groups(docs, np.cumsum(lens) - lens, np.cumsum(lens)) == [doclists.encode(g) for g in groups]


# -- where the rows are computed ---------------------------------------------------------------------

def test_rows_prepared_with_documents_equal_the_catch_up_serial_or_in_workers(tmp_path, engine, monkeypatch):
    monkeypatch.delenv("COMPLIANCE_NO_XLING", raising=False)
    with CorpusIndex(tmp_path / "prepared.sqlite", create=True) as idx:
        idx.add_paths([str(CORPUS)], engine)
    monkeypatch.setenv("COMPLIANCE_NO_XLING", "1")
    with CorpusIndex(tmp_path / "later.sqlite", create=True) as idx:
        idx.add_paths([str(CORPUS)], engine)
        assert idx.db.execute("SELECT count(*) FROM xling_docs").fetchone()[0] == 0
    monkeypatch.delenv("COMPLIANCE_NO_XLING")
    with CorpusIndex(tmp_path / "later.sqlite", create=True) as idx:
        report = idx.add_paths([str(CORPUS)], engine)  # nothing new: the catch-up computes the rows
        assert report.added == 0
    prepared, later = xling_state(tmp_path / "prepared.sqlite"), xling_state(tmp_path / "later.sqlite")
    assert prepared == later
    monkeypatch.setenv("COMPLIANCE_NO_XLING", "1")
    with CorpusIndex(tmp_path / "parallel.sqlite", create=True) as idx:
        idx.add_paths([str(CORPUS)], engine)
    monkeypatch.delenv("COMPLIANCE_NO_XLING")
    monkeypatch.setattr(store, "PARALLEL_DOCS", 1)  # the catch-up in two worker processes, two documents a task
    monkeypatch.setattr(store, "_BATCH", 2)
    with CorpusIndex(tmp_path / "parallel.sqlite", create=True) as idx:
        idx.add_paths([str(CORPUS)], engine, jobs=2)
    assert xling_state(tmp_path / "parallel.sqlite") == prepared
    docs, postings, langs = prepared
    assert langs.get("en", 0) >= 2 and len(postings) > 100
    assert {lang for lang, _ in docs.values()} >= {"en", "de"}
    for path in (tmp_path / "prepared.sqlite", tmp_path / "later.sqlite", tmp_path / "parallel.sqlite"):
        assert_xling_whole(path)


def test_merges_replacements_and_removals_keep_the_cross_language_postings(project, engine, cli, monkeypatch):
    from tests.test_corpus_segments import build

    monkeypatch.setattr(sg, "SEGMENT_DOCS", 1)
    merged = build(project / "merged.sqlite", engine, fanout=2)
    plain = build(project / "plain.sqlite", engine, fanout=10**6)
    assert merged.db.execute("SELECT max(level) FROM segments").fetchone()[0] >= 2
    stems = {t for d in Postings(plain).sentences(plain.doc_numbers()).values() for s in d for t in s[2]}
    assert len(stems) > 100
    for cap in (1, 300):
        got, want = Postings(merged).lookup(stems, cap), Postings(plain).lookup(stems, cap)
        assert got.keys() == want.keys()
        assert all(np.array_equal(got[s], want[s]) for s in want)
    merged.close()
    plain.close()
    assert xling_state(project / "merged.sqlite")[0] == xling_state(project / "plain.sqlite")[0]
    for path in (project / "merged.sqlite", project / "plain.sqlite"):
        assert_xling_whole(path)
    assert check_json(cli, project / "merged.sqlite") == check_json(cli, project / "plain.sqlite")

    src = project / "doc.md"  # a translated source replaced around merges, then removed
    shutil.copy(CORPUS / "openwire-harbour.md", src)
    with CorpusIndex(project / "merged.sqlite", create=True) as idx:
        idx.add_paths([str(src)], engine)
        src.write_text(src.read_text(encoding="utf-8") + "\n\nA new closing paragraph about harbour cranes.\n",
                       encoding="utf-8")
        for _ in range(3):
            idx.add_paths([str(src)], engine)
            idx.compact(2)
        assert_xling_whole(project / "merged.sqlite")
        idx.remove([str(src)])
    assert_xling_whole(project / "merged.sqlite")


# -- the old layout ----------------------------------------------------------------------------------

def test_format_2_is_refused_by_readers_and_converted_by_corpus_add(project, cli, monkeypatch):
    monkeypatch.setattr(sg, "SEGMENT_DOCS", 2)
    fresh, old = project / "fresh.sqlite", project / "old.sqlite"
    assert cli("corpus", "add", "corpus", "--index", str(fresh), "-q").code == 0
    expected = check_json(cli, fresh)
    assert translations(expected)
    shutil.copy(fresh, old)
    downgrade_to_v2(old)
    for args in (("check", str(DRAFT), "--corpus", str(old)), ("corpus", "stats", "--index", str(old)),
                 ("corpus", "list", "--index", str(old))):
        run = cli(*args)
        assert run.code == 2
        assert len(run.err.strip().splitlines()) == 1
        assert "format 2" in run.err and "compliance corpus add" in run.err and "Traceback" not in run.err
    run = cli("corpus", "add", "corpus", "--index", str(old), "-q")
    assert run.code == 0, run.err
    with CorpusIndex(old) as idx:
        assert idx.stats()["format"] == SCHEMA_VERSION == 3
        assert idx.db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'xling_postings'").fetchone()[0] == 0
    assert xling_state(old) == xling_state(fresh)
    assert_xling_whole(old)
    assert check_json(cli, old) == expected


def test_format_2_without_cross_language_rows_is_read_and_completed_by_corpus_add(project, cli):
    fresh, old = project / "fresh.sqlite", project / "old.sqlite"
    assert cli("corpus", "add", "corpus", "--index", str(fresh), "-q").code == 0
    expected = check_json(cli, fresh)
    shutil.copy(fresh, old)
    downgrade_to_v2(old)
    drop_xling_v2(old)
    run = cli("check", str(DRAFT), "--corpus", str(old), "--format", "json")
    assert run.code in (0, 1), run.err
    lines = [x for x in run.err.splitlines() if "cross-language" in x]
    assert len(lines) == 1 and "corpus add" in lines[0]
    assert translations(json.loads(run.out)) == []
    assert cli("corpus", "stats", "--index", str(old)).code == 0
    assert cli("corpus", "add", "corpus", "--index", str(old), "-q").code == 0
    assert xling_state(old) == xling_state(fresh)
    assert_xling_whole(old)
    assert check_json(cli, old) == expected


def test_no_xling_leaves_rows_out_and_the_next_add_computes_them(project, cli, monkeypatch):
    fresh, later = project / "fresh.sqlite", project / "later.sqlite"
    assert cli("corpus", "add", "corpus", "--index", str(fresh), "-q").code == 0
    monkeypatch.setenv("COMPLIANCE_NO_XLING", "1")
    assert cli("corpus", "add", "corpus", "--index", str(later), "-q").code == 0
    run = cli("check", str(DRAFT), "--corpus", str(later), "--format", "json")
    assert [x for x in run.err.splitlines() if "no cross-language data" in x]
    monkeypatch.delenv("COMPLIANCE_NO_XLING")
    assert cli("corpus", "add", "corpus", "--index", str(later), "-q").code == 0
    assert xling_state(later) == xling_state(fresh)
    assert check_json(cli, later) == check_json(cli, fresh)


def test_lookup_settles_long_lists_by_their_length_and_matches_decoding_every_segment(tmp_path, engine, monkeypatch):
    """``Postings.lookup`` reads the largest segments first and counts a blob longer than ``over_cap_bytes(cap)``
    as over the cap without reading it: the same answer as decoding every segment's list, for caps small enough
    that the length rule decides terms (stems in all 30 documents, in some, in one)."""
    monkeypatch.setattr(sg, "SEGMENT_DOCS", 2)
    words = ["copper", "timber", "granite", "cotton", "silver", "marble"]
    docs = tmp_path / "docs"
    docs.mkdir()
    for k in range(30):
        (docs / f"a{k:02d}.txt").write_text(
            "The harbour authority opened the new container terminal on Monday morning. "
            f"Ships carrying {words[k % 6]} and {words[k % 5]} waited outside the breakwater for the pilots. "
            f"Report number {k} was filed by the shipping office of the northern quay.\n", encoding="utf-8")
    with CorpusIndex(tmp_path / "i.sqlite", create=True) as idx:
        for f in sorted(docs.iterdir()):
            idx.add_paths([str(f)], engine)
            idx.compact(3)
        db = idx.db
        lists: dict[int, set[int]] = {}
        longest = 0
        for (seg,) in db.execute("SELECT seg FROM segments").fetchall():
            for term, blob in db.execute(f"SELECT term, docs FROM {xp.table(seg)}"):
                assert len(blob) <= store.MAX_BLOB_BYTES_PER_DOC * doclists.count(blob)  # the rule's premise
                lists.setdefault(term, set()).update(doclists.decode(blob).tolist())
                longest = max(longest, len(blob))
        assert longest > store.over_cap_bytes(1)  # some blob is settled by its length at cap 1
        stems = {t for d in Postings(idx).sentences(idx.doc_numbers()).values() for s in d for t in s[2]}
        by_hash = {store.term_hash(s): s for s in stems}
        assert {len(v) for v in lists.values()} >= {1, 30}
        for cap in (1, 2, 5, 29, 30, 300):
            got = Postings(idx).lookup(stems, cap)
            want = {by_hash[h]: (cap + 1 if len(d) > cap else sorted(d)) for h, d in lists.items() if h in by_hash}
            assert {s: v if isinstance(v, int) else v.tolist() for s, v in got.items()} == want
        assert Postings(idx).lookup({"zzyzxq", *stems}, 300).keys() == want.keys()  # not in the vocabulary: nowhere
