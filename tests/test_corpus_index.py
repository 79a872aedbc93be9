"""The corpus index: refresh semantics, remove/list/stats, crash and concurrency safety, bad files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compliance.errors import ConfigError
from compliance.pipeline import load_engine
from compliance.reuse import CorpusIndex
from compliance.reuse import fingerprint as fp
from compliance.reuse.index import DOC_BITS
from compliance.reuse.view import plain_spans
from tests.conftest import DATA, ROOT

PORTAL = ROOT / "fixtures" / "corpus" / "portal"
DRAFT = ROOT / "fixtures" / "drafts" / "reuse-mixed.md"


@pytest.fixture(scope="module")
def engine():
    return load_engine(None)


def assert_whole(path: Path) -> int:
    """The index passes integrity_check and every document has its text, file and all its postings,
    and nothing else is there; returns the document count."""
    idx = CorpusIndex(path)
    try:
        db = idx.db
        assert idx.integrity() == "ok"
        docs = db.execute("SELECT doc, seg, file FROM documents").fetchall()
        assert db.execute("SELECT count(*) FROM texts").fetchone()[0] == len(docs)
        files = {f for (f,) in db.execute("SELECT path FROM files")}
        expected = set()
        for doc, seg, file in docs:
            assert file in files
            text, plain, om, spans = idx._stored(doc)
            hashes, _ = fp.text_fingerprints(plain, plain_spans(om, spans))
            expected |= {(seg, (h << DOC_BITS) | doc) for h in hashes}
        stored = set(idx.postings())
        assert stored == expected
        segs = db.execute("SELECT coalesce(sum(docs), 0), coalesce(sum(postings), 0) FROM segments").fetchone()
        assert segs == (len(docs), len(stored))
        assert len(idx) == len(docs)  # read from the segments' counts
        from tests.test_xling_store import assert_xling_whole

        assert_xling_whole(path)  # the cross-language rows too
        return len(docs)
    finally:
        idx.close()


def write_news(target: Path, count: int, offset: int = 0) -> list[Path]:
    """Real news texts (read from ../shared at test time) as files in a temporary directory."""
    with open(DATA / "wikinews-de.jsonl", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(offset, offset + count):
        p = target / f"n{i:04d}.txt"
        p.write_text(texts[i % len(texts)] + f"\n\nArchiv Nr. {i}.\n", encoding="utf-8")
        out.append(p)
    return out


def cli_add(index: Path, *paths, batch: int = 2000) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "compliance", "corpus", "add", *map(str, paths), "--index",
                             str(index), "-j", "1", "-q", "--batch", str(batch)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)


def test_readd_unchanged_is_noop_and_changed_file_replaces(tmp_path, engine):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in PORTAL.iterdir():
        (corpus / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "i.sqlite"
    with CorpusIndex(path, create=True) as idx:
        first = idx.add_paths([str(corpus)], engine)
        assert (first.added, first.replaced, first.unchanged) == (3, 0, 0)
        before = {r["id"]: r for r in idx.list()}
        postings = idx.stats()["postings"]
        again = idx.add_paths([str(corpus)], engine)
        assert (again.added, again.replaced, again.unchanged) == (0, 0, 3)
        assert idx.stats()["postings"] == postings
        target = corpus / "stahlmarkt-schrott.md"
        target.write_text(target.read_text(encoding="utf-8").replace("Schrottpreise steigen",
                                                                     "Schrottpreise sinken"), encoding="utf-8")
        changed = idx.add_paths([str(corpus)], engine)
        assert (changed.added, changed.replaced, changed.unchanged) == (0, 1, 2)
        after = {r["id"]: r for r in idx.list()}
        assert after.keys() == before.keys()  # the id of a path is stable
        schrott = next(r for r in after.values() if r["path"].endswith("stahlmarkt-schrott.md"))
        assert schrott["title"] == "Schrottpreise sinken vor dem Winter deutlich"
        assert "sinken" in idx.get(schrott["id"]).text
    assert assert_whole(path) == 3


def test_remove_list_stats_and_get(tmp_path, engine, cli):
    path = tmp_path / "i.sqlite"
    run = cli("corpus", "add", str(PORTAL), "--index", str(path))
    assert run.code == 0 and run.out.startswith("3 added, 0 replaced, 0 unchanged; 3 documents in")
    listed = json.loads(cli("corpus", "list", "--index", str(path), "--format", "json").out)
    assert [Path(r["path"]).name for r in listed] == ["stahlmarkt-hochofen.md", "stahlmarkt-schrott.md",
                                                      "tidewater-ferries.md"]
    assert {r["publisher"] for r in listed} == {"Stahlmarkt-Nachrichten.de", "Tidewater Courier"}
    assert all(r["notices"] > 0 for r in listed)
    with CorpusIndex(path) as idx:
        rec = idx.get(listed[0]["id"])
        assert rec.text == (PORTAL / "stahlmarkt-hochofen.md").read_text(encoding="utf-8")
        assert {n["kind"] for n in rec.notices} >= {"copyright", "reproduction-ban"}
        assert idx.get("no-such-id") is None
    stats = json.loads(cli("corpus", "stats", "--index", str(path), "--format", "json").out)
    assert stats["documents"] == 3 and stats["words"] > 300 and stats["postings"] > 50
    assert "documents  3 from 3 files" in cli("corpus", "stats", "--index", str(path)).out
    run = cli("corpus", "remove", listed[0]["id"], str(PORTAL / "tidewater-ferries.md"), "--index", str(path))
    assert run.code == 0 and run.out.startswith("2 removed; 1 documents")
    assert assert_whole(path) == 1
    assert cli("corpus", "remove", str(PORTAL), "--index", str(path)).out.startswith("1 removed; 0 documents")
    assert assert_whole(path) == 0


def test_not_an_index_or_corrupt_gives_one_line_and_exit_2(tmp_path, cli, engine):
    text = tmp_path / "notes.txt"
    text.write_text("just some text, not a database\n" * 100)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    missing = tmp_path / "missing.sqlite"
    good = tmp_path / "good.sqlite"
    with CorpusIndex(good, create=True) as idx:
        idx.add_paths([str(PORTAL)], engine)
    corrupt = tmp_path / "corrupt.sqlite"
    data = bytearray(good.read_bytes())
    data[100:4096 * 3] = os.urandom(4096 * 3 - 100)  # header tail, schema page and more
    corrupt.write_bytes(bytes(data))
    for index in (text, other, missing, corrupt):
        for args in (("corpus", "stats", "--index", str(index)), ("check", str(DRAFT), "--corpus", str(index)),
                     ("corpus", "list", "--index", str(index))):
            run = cli(*args)
            assert run.code == 2, (index.name, args, run)
            assert run.err.count("\n") == 1 and run.err.startswith(f"compliance: error: {index}"), run.err
            assert "Traceback" not in run.err
    assert not missing.exists()  # reading never creates an index
    for index in (text, other):  # adding never clobbers someone else's file
        assert cli("corpus", "add", str(PORTAL), "--index", str(index)).code == 2
    with pytest.raises(ConfigError):
        CorpusIndex(other)


def test_kill_9_during_add_leaves_whole_documents(tmp_path):
    files = write_news(tmp_path / "news", 900)
    index = tmp_path / "k.sqlite"
    for delay_docs in (60, 400):
        proc = cli_add(index, tmp_path / "news", batch=20)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if index.exists():
                try:
                    with sqlite3.connect(f"file:{index}?mode=ro", uri=True, timeout=5) as con:
                        if con.execute("SELECT count(*) FROM documents").fetchone()[0] >= delay_docs:
                            break
                except sqlite3.OperationalError:
                    pass
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        count = assert_whole(index)
        assert 0 < count < len(files)
    finish = cli_add(index, tmp_path / "news")
    assert finish.wait(120) == 0, finish.stderr.read()
    assert assert_whole(index) == len(files)


def test_two_concurrent_adds_both_finish_and_lose_nothing(tmp_path):
    write_news(tmp_path / "a", 300, 0)
    write_news(tmp_path / "b", 300, 150)  # 150 files of b have the texts of a's second half
    index = tmp_path / "c.sqlite"
    procs = [cli_add(index, tmp_path / "a", batch=15), cli_add(index, tmp_path / "b", batch=15)]
    for p in procs:
        assert p.wait(180) == 0, p.stderr.read()
    assert assert_whole(index) == 600
    with CorpusIndex(index) as idx:
        names = sorted(Path(r["path"]).parent.name + "/" + Path(r["path"]).name for r in idx.list())
    assert len(set(names)) == 600


def test_check_json_contract(tmp_path, cli):
    index = tmp_path / "i.sqlite"
    assert cli("corpus", "add", str(PORTAL), "--index", str(index), "-q").code == 0
    run = cli("check", str(DRAFT), "--corpus", str(index), "--format", "json")
    assert run.code == 1, run.err  # unquoted reuse is a finding: the CI gate fails
    data = json.loads(run.out)
    assert data["version"] == 1
    (file,) = data["files"]
    assert file["path"] == str(DRAFT)
    assert {"notices", "matches", "verdicts", "provenance", "warnings"} <= file.keys()
    text = DRAFT.read_text(encoding="utf-8")
    assert len(file["matches"]) == 4
    for m in file["matches"]:
        assert set(m) >= {"source", "draft_offset", "source_offset", "start", "end", "similarity", "words",
                          "quoted", "draft_text", "source_text", "also"}
        assert set(m["source"]) == {"id", "path", "title", "publisher"}
        a, b = m["draft_offset"]
        assert text[a:b] == m["draft_text"]
        assert set(m["start"]) == set(m["end"]) == {"line", "column"}
        assert 0 < m["similarity"] <= 1 and isinstance(m["words"], int) and isinstance(m["quoted"], bool)
    first = file["matches"][0]
    assert first["source"]["publisher"] == "Stahlmarkt-Nachrichten.de"
    assert first["start"] == {"line": 7, "column": text.splitlines()[6].index("Das Hüttenwerk") + 1}
    assert [m["quoted"] for m in file["matches"]] == [False, False, True, True]
    assert len(file["verdicts"]) >= 4 and {v["source_id"] for v in file["verdicts"]} >= {
        m["source"]["id"] for m in file["matches"]}
    out = cli("check", str(DRAFT), "--corpus", str(index))
    assert out.code == 1 and "4 passages from 3 sources" in out.out and "Stahlmarkt-Nachrichten.de" in out.out


def _open_new_index(path: str, start, failures) -> None:
    start.wait()
    try:
        CorpusIndex(path, create=True).close()
    except ConfigError as err:
        failures.put(str(err))


def test_processes_creating_one_index_at_once_all_open_it(tmp_path):
    """Creating the index races on the schema and the switch to WAL; every opener must get the index."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    failures = ctx.Queue()
    for trial in range(30):
        path = tmp_path / f"race{trial}.sqlite"
        start = ctx.Barrier(4)
        procs = [ctx.Process(target=_open_new_index, args=(str(path), start, failures)) for _ in range(4)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        with CorpusIndex(path) as idx:
            assert idx.list() == []
    found = []
    while not failures.empty():
        found.append(failures.get())
    assert found == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"race{i}.sqlite" for i in range(30))


def test_an_index_that_cannot_be_created_is_one_line_naming_it(tmp_path, cli):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where the index directory should be", encoding="utf-8")
    index = blocker / "corpus.sqlite"
    run = cli("corpus", "add", str(PORTAL), "--index", str(index))
    assert run.code == 2
    assert run.err.strip().splitlines() == [f"compliance: error: {index}: cannot create a corpus index here "
                                            f"({blocker} is not a directory)"]
    assert list(tmp_path.iterdir()) == [blocker]  # no temporary file left behind


def test_a_shard_is_prepared_as_its_documents_are_one_by_one(tmp_path, engine):
    """prepare_file finds the notices of a multi-document file a chunk at a time (NoticeEngine.scan_many): every
    row equals what prepare_document gives for that document alone."""
    from compliance.readers import reader_for
    from compliance.reuse.prepare import file_key, prepare_document, prepare_file

    lines = [{"text": f"Story {i}. The harbour council met on Monday and approved the budget for the ferry. "
                      + ("© 2024 Harbour Press. All rights reserved." if i % 3 == 0 else
                         "Reproduction without written permission is prohibited." if i % 3 == 1 else
                         "Photo: Reuters/Jane Doe")} for i in range(70)]  # more than one chunk of 64
    shard = tmp_path / "shard.jsonl"
    shard.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    batch = prepare_file(str(shard), None, engine)
    docs = list(reader_for(str(shard))(shard.read_bytes(), str(shard)))
    alone = [prepare_document(d, engine, file_key(str(shard)), str(shard)) for d in docs]
    assert [p.notices for p in batch.docs] == [p.notices for p in alone]
    kinds = [{n["kind"] for n in json.loads(p.notices)} for p in batch.docs]
    assert len(kinds) == 70 and all(kinds) and {"reproduction-ban", "all-rights-reserved"} <= set().union(*kinds)
