"""Crash safety of the corpus index: SIGKILL at random moments, two writers and readers at once, a full disk.

The promise (compliance/reuse/index.py): every batch of documents is one SQLite transaction (WAL), so
whatever stops ``corpus add`` — a kill, a cancelled CI job, a full disk — the index opens, passes
``PRAGMA integrity_check`` and holds exactly the documents of the batches committed before: each one
whole (row, text, every posting) or absent, and re-running ``add`` completes the set.

Every check here compares with a reference index built without interruption from the same files:
the same documents must have exactly the same postings.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compliance.reuse.index import DOC_BITS, CorpusIndex
from compliance.reuse.segments import all_postings, table

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL, process groups and rlimits are POSIX")

SEED = 20261126
DOCS_PER_DIR = 2000
KILLS = 20
WORDS = ["markt", "stadt", "rat", "haus", "jahr", "woche", "frage", "antwort", "bürger", "plan", "geld",
         "schule", "straße", "bahn", "wasser", "strom", "preis", "arbeit", "firma", "kunde", "zeit", "tag",
         "nacht", "land", "bund", "gesetz", "recht", "gericht", "polizei", "feuer", "wehr", "arzt", "klinik",
         "brücke", "hafen", "wald", "feld", "dorf", "kirche", "turm", "garten", "ufer", "insel", "berg", "tal",
         "see", "fluss", "weg", "platz"]
MASK = (1 << DOC_BITS) - 1


def _cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "compliance", *map(str, args)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """4,000 small generated documents in two directories, and the reference state of their index."""
    root = tmp_path_factory.mktemp("crash")
    rnd = random.Random(SEED)
    docs = root / "docs"
    for part in ("a", "b"):
        (docs / part).mkdir(parents=True)
        for i in range(DOCS_PER_DIR):
            text = " ".join(rnd.choice(WORDS) for _ in range(40))
            (docs / part / f"{i:05d}.txt").write_text(f"Meldung {part}{i}. {text}.\n", encoding="utf-8")
    reference = root / "reference.sqlite"
    from compliance.pipeline import load_engine

    with CorpusIndex(reference, create=True) as idx:
        idx.add_paths([str(docs)], load_engine(None), jobs=1)
    order = sorted(str(p.resolve()) for p in docs.rglob("*.txt"))
    return docs, state(reference), order


def state(path: Path) -> dict[str, frozenset[int]]:
    """Document key -> its posting hashes, after checking everything that makes an index whole.

    Opens the index as the CLI does (schema, format, parameters), runs ``PRAGMA integrity_check``, and
    asserts that rows, texts, file entries, postings and segment counters agree: no half-written
    document, no orphan posting.
    """
    with CorpusIndex(path) as idx:
        assert idx.integrity() == "ok"
        count = len(idx)
    db = sqlite3.connect(path)
    try:
        docs = dict(db.execute("SELECT doc, key FROM documents"))
        seg_of = dict(db.execute("SELECT doc, seg FROM documents"))
        assert len(docs) == count
        assert {d for (d,) in db.execute("SELECT doc FROM texts")} == set(docs)
        files = dict(db.execute("SELECT path, docs FROM files"))
        per_file: dict[str, int] = {}
        for (file,) in db.execute("SELECT file FROM documents"):
            per_file[file] = per_file.get(file, 0) + 1
        assert per_file == files  # a file is registered exactly when all its documents are stored
        postings: dict[int, set[int]] = {d: set() for d in docs}
        for seg, key in all_postings(db):
            doc = key & MASK
            assert doc in postings, f"orphan posting of document {doc}"
            assert seg == seg_of[doc], f"posting of document {doc} in another segment"
            postings[doc].add(key >> DOC_BITS)
        for seg, n_docs, n_postings in db.execute("SELECT seg, docs, postings FROM segments").fetchall():
            assert n_docs == db.execute("SELECT count(*) FROM documents WHERE seg = ?", (seg,)).fetchone()[0]
            assert n_postings == db.execute(f"SELECT count(*) FROM {table(seg)}").fetchone()[0]
    finally:
        db.close()
    return {docs[d]: frozenset(h) for d, h in postings.items()}


def assert_committed_prefix(got: dict[str, frozenset[int]], reference: dict[str, frozenset[int]],
                            order: list[str]) -> None:
    """The documents present are the first files in add order, each with exactly its reference postings."""
    assert set(got) == set(order[:len(got)]), "documents present are not the committed batches"
    for key, hashes in got.items():
        assert hashes == reference[key], f"{key}: postings differ from an uninterrupted add"


def _index_state(index: Path) -> dict[str, frozenset[int]]:
    if not index.exists():
        return {}
    try:
        return state(index)
    except Exception as err:  # killed before the first batch: the file exists but holds no schema yet
        if "stopped before its first batch" not in str(err):
            raise
        db = sqlite3.connect(index)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        return {}


@pytest.mark.timeout(300)
def test_sigkill_at_random_moments_keeps_exactly_the_committed_batches(corpus, tmp_path):
    docs, reference, order = corpus
    index = tmp_path / "killed.sqlite"
    rnd = random.Random(SEED)
    survived = hit_running = grew_then_killed = 0
    before = 0
    for i in range(KILLS):
        jobs = "2" if i % 2 else "1"  # a worker pool (fork) every other run: its group dies too
        proc = subprocess.Popen(_cmd("corpus", "add", docs, "--index", index, "--batch", "10", "-j", jobs, "-q"),
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if i % 5 == 0:  # any moment: start-up, schema creation, first batch
            time.sleep(rnd.uniform(0.05, 0.9))
        else:  # a random moment while it writes: once its first batch is in, up to 0.06 s (~10 batches) later
            _wait_for_growth(index, before, proc)
            time.sleep(rnd.uniform(0.0, 0.06))
        running = proc.poll() is None
        if running:
            os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        assert running or proc.returncode == 0, err.decode()
        got = _index_state(index)
        assert_committed_prefix(got, reference, order)
        assert len(got) >= before  # committed batches are never lost
        hit_running += running
        grew_then_killed += running and before < len(got) < len(order)
        before = len(got)
        survived += 1
    run = subprocess.run(_cmd("corpus", "add", docs, "--index", index, "-q"), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert state(index) == reference  # re-running add completes the set, identical to an uninterrupted add
    print(f"\n{survived}/{KILLS} SIGKILLs survived ({hit_running} hit a running add, {grew_then_killed} in the "
          f"middle of writing): index opened, integrity ok, committed batches exact; re-run completed "
          f"{len(reference)} documents")
    assert grew_then_killed >= KILLS // 2  # most kills really landed while an add was writing


@pytest.mark.timeout(300)
def test_two_writers_and_readers_at_once(corpus, tmp_path):
    docs, reference, _ = corpus
    index = tmp_path / "shared.sqlite"
    writers = [subprocess.Popen(_cmd("corpus", "add", docs / part, "--index", index, "--batch", "10", "-j", "1",
                                     "-q"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for part in ("a", "b")]
    reads = lookups = 0
    while any(w.poll() is None for w in writers):
        if not index.exists() or not _has_schema(index):
            time.sleep(0.05)
            continue
        listed = subprocess.run(_cmd("corpus", "list", "--index", index, "--format", "json"), capture_output=True,
                                text=True)
        assert listed.returncode == 0 and listed.stderr == "", listed.stderr
        reads += 1
        with CorpusIndex(index) as idx:  # the queries `check` makes, between the writers' batches
            for _ in range(20):
                found = idx.lookup(list(next(iter(reference.values())))[:50])
                assert all(isinstance(d, list) for d in found.values())
                idx.has_more_than(10)
                lookups += 1
    for w in writers:
        out, err = w.communicate()
        assert w.returncode == 0 and "locked" not in err and "busy" not in err, err
    assert state(index) == reference  # the union of both writers, each document whole
    assert reads >= 2, "the readers never ran while the writers did"
    print(f"\n2 writers + readers: {reads} `corpus list` runs and {lookups} lookups during the adds, "
          f"no lock error; final index = union ({len(reference)} documents)")


def _wait_for_growth(index: Path, count: int, proc: subprocess.Popen, limit: float = 60.0) -> None:
    """Until the index holds more than ``count`` documents (a batch of this run committed) or ``proc`` ends."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if _has_schema(index):
            db = sqlite3.connect(index, timeout=5)
            try:
                if db.execute("SELECT count(*) FROM documents").fetchone()[0] > count:
                    return
            except sqlite3.Error:
                pass
            finally:
                db.close()
        time.sleep(0.01)


def _has_schema(index: Path) -> bool:
    try:
        db = sqlite3.connect(index, timeout=5)
        try:
            return db.execute("PRAGMA application_id").fetchone()[0] != 0
        finally:
            db.close()
    except sqlite3.Error:
        return False


def _file_size_limit(size: int):
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return apply


@pytest.mark.timeout(120)
def test_full_disk_is_one_clean_error_and_the_index_stays_whole(corpus, tmp_path):
    docs, reference, order = corpus
    index = tmp_path / "full.sqlite"
    run = subprocess.run(_cmd("corpus", "add", docs / "a", "--index", index, "--batch", "25", "-j", "1", "-q"),
                         capture_output=True, text=True, preexec_fn=_file_size_limit(300_000))
    assert run.returncode == 2, (run.returncode, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert lines[0].startswith(f"compliance: error: {index}: corpus index: disk I/O error"), lines[0]
    got = state(index)
    assert 0 < len(got) < DOCS_PER_DIR
    assert_committed_prefix(got, reference, order)
    again = subprocess.run(_cmd("corpus", "add", docs / "a", "--index", index, "-q"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert state(index) == {k: v for k, v in reference.items() if k in order[:DOCS_PER_DIR]}
    print(f"\nfull disk (300 KB file size limit): exit 2, one line; {len(got)} of {DOCS_PER_DIR} documents kept "
          "whole, integrity ok; re-run completed the set")


def test_database_full_error_is_clear_and_the_index_stays_whole(corpus, tmp_path):
    """SQLITE_FULL (what ENOSPC gives) through ``PRAGMA max_page_count``: one message, batches kept."""
    from compliance.errors import ConfigError
    from compliance.pipeline import load_engine

    docs, reference, order = corpus
    index = tmp_path / "capped.sqlite"
    engine = load_engine(None)
    with CorpusIndex(index, create=True) as idx:
        pages = idx.db.execute("PRAGMA page_count").fetchone()[0]
        idx.db.execute(f"PRAGMA max_page_count = {pages + 40}")
        with pytest.raises(ConfigError, match="corpus index: disk full"):
            idx.add_paths([str(docs / "a")], engine, jobs=1, batch=25)
    got = state(index)
    assert 0 < len(got) < DOCS_PER_DIR
    assert_committed_prefix(got, reference, order)
    print(f"\nSQLITE_FULL (max_page_count): one message; {len(got)} of {DOCS_PER_DIR} documents kept whole")
