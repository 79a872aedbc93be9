"""Postings segments (index format 2 and later): merging keeps every result, and a format-1 index is converted by
``corpus add`` and refused with one line (exit 2) by the commands that only read it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from compliance.pipeline import load_engine
from compliance.reuse import CorpusIndex
from compliance.reuse import segments as sg
from compliance.reuse.index import SCHEMA_VERSION
from tests.conftest import ROOT
from tests.test_corpus_index import assert_whole

CORPUS = ROOT / "fixtures" / "corpus"
DRAFT = ROOT / "fixtures" / "drafts" / "showcase.md"


@pytest.fixture(scope="module")
def engine():
    return load_engine(None)


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".md", ".txt", ".html"))


def build(path: Path, engine, fanout: int) -> CorpusIndex:
    """Documents added one file at a time, one replaced and one removed, merging at ``fanout``."""
    idx = CorpusIndex(path, create=True)
    for f in corpus_files():
        idx.add_paths([str(f)], engine)
        idx.compact(fanout)
    idx.add_paths([str(corpus_files()[0])], engine)  # same content: unchanged
    idx.remove([str(corpus_files()[1])])
    idx.compact(fanout)
    return idx


def check_json(cli, index: Path, draft: Path = DRAFT) -> dict:
    run = cli("check", str(draft), "--corpus", str(index), "--format", "json")
    assert run.code in (0, 1), run.err
    out = json.loads(run.out)
    for f in out["files"]:
        f.pop("elapsed", None)
    out.pop("elapsed", None)
    out["summary"]["index"].pop("path")
    return out


def test_merged_segments_give_the_same_postings_lookups_and_check(tmp_path, engine, cli, monkeypatch):
    monkeypatch.setattr(sg, "SEGMENT_DOCS", 1)
    merged = build(tmp_path / "merged.sqlite", engine, fanout=2)
    levels = [lv for (lv,) in merged.db.execute("SELECT level FROM segments")]
    plain = build(tmp_path / "plain.sqlite", engine, fanout=10**6)
    assert max(levels) >= 2 and len(levels) < len(merged) / 2  # merged over levels, fewer tables
    assert plain.db.execute("SELECT max(level) FROM segments").fetchone()[0] == 0
    keys = sorted(k for _, k in merged.postings())
    assert keys == sorted(k for _, k in plain.postings())
    hashes = sorted({k >> sg.DOC_BITS for k in keys})
    assert {h: sorted(d) for h, d in merged.lookup(hashes).items()} == \
        {h: sorted(d) for h, d in plain.lookup(hashes).items()}
    merged.close()
    plain.close()
    assert_whole(tmp_path / "merged.sqlite")  # documents.seg follows merges, counts add up
    assert check_json(cli, tmp_path / "merged.sqlite") == check_json(cli, tmp_path / "plain.sqlite")


def test_a_replaced_document_leaves_its_merged_segment(tmp_path, engine, monkeypatch):
    monkeypatch.setattr(sg, "SEGMENT_DOCS", 1)
    path = tmp_path / "i.sqlite"
    build(path, engine, fanout=2).close()
    src = tmp_path / "doc.md"
    shutil.copy(corpus_files()[2], src)
    with CorpusIndex(path, create=True) as idx:
        idx.add_paths([str(src)], engine)
        src.write_text(src.read_text(encoding="utf-8") + "\n\nEin neuer Absatz mit ganz anderen Worten darin.\n",
                       encoding="utf-8")
        for _ in range(3):  # merges around the replaced document
            idx.add_paths([str(src)], engine)
            idx.compact(2)
    assert_whole(path)


def downgrade_to_v1(path: Path) -> None:
    """Rewrite a format-3 index as format 1 wrote it: one ``postings (seg, key)`` table."""
    from tests.test_xling_store import downgrade_to_v2

    downgrade_to_v2(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    db.execute("CREATE TABLE postings (seg INTEGER NOT NULL, key INTEGER NOT NULL, PRIMARY KEY (seg, key)) "
               "WITHOUT ROWID")
    segs = db.execute("SELECT seg, docs, postings FROM segments").fetchall()
    for seg, _, _ in segs:
        db.execute(f"INSERT INTO postings SELECT ?, key FROM {sg.table(seg)}", (seg,))
        db.execute(f"DROP TABLE {sg.table(seg)}")
    db.execute("DROP TABLE segments")
    db.execute("CREATE TABLE segments (seg INTEGER PRIMARY KEY, docs INTEGER NOT NULL, postings INTEGER NOT NULL)")
    db.executemany("INSERT INTO segments VALUES (?, ?, ?)", segs)
    db.execute("PRAGMA user_version = 1")
    db.execute("COMMIT")
    db.close()


def test_format_1_is_refused_by_readers_and_converted_by_corpus_add(tmp_path, cli, monkeypatch):
    monkeypatch.setattr(sg, "SEGMENT_DOCS", 2)
    fresh, old = tmp_path / "fresh.sqlite", tmp_path / "old.sqlite"
    assert cli("corpus", "add", str(CORPUS), "--index", str(fresh), "-q").code == 0
    expected = check_json(cli, fresh)
    shutil.copy(fresh, old)
    downgrade_to_v1(old)
    for args in (("check", str(DRAFT), "--corpus", str(old)), ("corpus", "stats", "--index", str(old))):
        run = cli(*args)
        assert run.code == 2
        assert len(run.err.strip().splitlines()) == 1
        assert "format 1" in run.err and "compliance corpus add" in run.err
    run = cli("corpus", "add", str(CORPUS), "--index", str(old), "-q")
    assert run.code == 0, run.err
    with CorpusIndex(old) as idx, CorpusIndex(fresh) as ref:
        assert idx.stats()["format"] == SCHEMA_VERSION == 3
        assert sorted(k for _, k in idx.postings()) == sorted(k for _, k in ref.postings())
    assert_whole(old)
    assert check_json(cli, old) == expected
