"""``compliance audit`` on damaged input, interrupted and resumed runs, output formats and exit codes.

Every damaged document must become an error record naming the problem while the audit goes on with the
rest, the summary counts it, and nothing already written is lost.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compliance.audit.report import summarize
from compliance.audit.sinks import CSV_FIELDS, CsvSink, JsonlSink
from compliance.cli import main
from tests.test_audit_support import page, read_jsonl, run, story, warc_bytes, write

ROOT = Path(__file__).resolve().parents[1]


def good_page(d: Path, name: str = "good.html", seed: int = 60) -> str:
    return write(d / name, page("Good page", story(seed), "Good Site", f"https://good.example/{seed}"))


def audit_with_bad(tmp_path: Path, bad: str, jobs: int = 1) -> tuple[dict, dict, list[dict]]:
    """Audit a directory holding one good page and ``bad``; returns (bad record, good record, all)."""
    good = good_page(tmp_path / "in")
    records, result = run([str(tmp_path / "in")], tmp_path / "out.jsonl", jobs=jobs)
    by_path = {r["path"]: r for r in records}
    assert by_path[good]["error"] is None and by_path[good]["verdicts"]  # the audit went on
    assert result.errors == 1 and summarize(records, {}).total.errors == 1  # and counted the error
    assert len(read_jsonl(tmp_path / "out.jsonl")) == len(records) == 2  # nothing lost
    return by_path[bad], by_path[good], records


def assert_error(record: dict, *words: str) -> None:
    assert record["error"] and "\n" not in record["error"]
    assert all(w in record["error"] for w in words), record["error"]
    assert record["verdicts"] is None and record["notices"] == []


def test_truncated_gz(tmp_path):
    data = gzip.compress(page("Cut", story(61) * 5, "Cut Site"))
    bad = write(tmp_path / "in" / "cut.html.gz", data[: len(data) // 2])
    record, _, _ = audit_with_bad(tmp_path, bad)
    assert_error(record, "truncated")


def test_html_with_no_body(tmp_path):
    bad = write(tmp_path / "in" / "empty.html", b"<html><head><title>Nothing</title></head><body></body></html>")
    record, _, _ = audit_with_bad(tmp_path, bad)
    assert_error(record, "no body")


def test_huge_file_is_refused_before_reading(tmp_path):
    bad = tmp_path / "in" / "huge.html"
    bad.parent.mkdir(parents=True)
    with open(bad, "wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * 1024 * 1024)
    record, _, _ = audit_with_bad(tmp_path, str(bad))
    assert_error(record, "too large", "200.0 MB")


def test_binary_bytes_named_html(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16
    record, _, _ = audit_with_bad(tmp_path, write(tmp_path / "in" / "image.html", png))
    assert_error(record, "binary")


def test_symlink_loop(tmp_path):
    loop = tmp_path / "in" / "loop.html"
    loop.parent.mkdir(parents=True)
    os.symlink(loop, loop)
    record, _, _ = audit_with_bad(tmp_path, str(loop))
    assert_error(record, "symbolic links")


def test_unreadable_file(tmp_path, monkeypatch):
    from compliance.readers import stream

    bad = good_page(tmp_path / "in", "secret.html", seed=62)
    real_open = open

    def deny(path, *args, **kwargs):  # root ignores chmod 000: refuse this one file instead
        if str(path) == bad:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(stream, "open", deny, raising=False)
    record, _, _ = audit_with_bad(tmp_path, bad)
    assert_error(record, "permission denied")


def test_corrupt_warc_record_between_good_ones(tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    html = [("Content-Type", "text/html")]
    data = warc_bytes([(f"https://w.example/{i}", page(f"W{i}", story(70 + i), "W Site"), html) for i in range(5)])
    it = ArchiveIterator(__import__("io").BytesIO(data))
    offsets = []
    for rec in it:
        offsets.append(it.get_record_offset())
        rec.content_stream().read()
    mid = (offsets[3] + offsets[4]) // 2  # inside record 4, the third page
    damaged = data[:mid] + b"\x00\xffGARBAGE" * 8 + data[mid + 40:]
    records, result = run([write(tmp_path / "crawl.warc.gz", damaged)], tmp_path / "out.jsonl", jobs=2)
    assert [r["url"] for r in records if not r["error"]] == [f"https://w.example/{i}" for i in (0, 1, 3, 4)]
    (bad,) = [r for r in records if r["error"]]
    assert bad["record"] == 4 and "corrupt" in bad["error"] and result.errors == 1
    assert [r["record"] for r in records] == [2, 3, 4, 5, 6]


def test_worker_crash_costs_one_record(tmp_path, monkeypatch):
    from compliance.audit import runner

    real = runner._documents

    def crashing(item):
        if item[0] == "file" and item[1].endswith("crash.html"):
            os._exit(3)  # a parser segfault, as far as the pool can tell
        return real(item)

    monkeypatch.setattr(runner, "_documents", crashing)  # forked workers inherit the patch
    for i in range(6):
        good_page(tmp_path / "in", f"p{i}.html", seed=80 + i)
    good_page(tmp_path / "in", "crash.html", seed=90)
    records, result = run([str(tmp_path / "in")], tmp_path / "out.jsonl", jobs=2)
    assert len(records) == 7 and result.errors == 1
    (bad,) = [r for r in records if r["error"]]
    assert bad["path"].endswith("crash.html") and "crashed" in bad["error"]


def test_a_batch_gives_the_records_of_its_tasks_one_at_a_time(tmp_path):
    """process_batch scans the documents of all its tasks in one call: the same records, in task order, as
    process_item task by task, with unreadable inputs as error records in their places."""
    from compliance.audit import runner
    from compliance.config import Config

    d = tmp_path / "in"
    for i in range(3):
        good_page(d, f"p{i}.html", seed=70 + i)
    write(d / "notice.html", page("Notice", story(75), "Harbour", footer="<p>© 2024 Harbour Press.</p>"))
    write(d / "empty.html", b"")
    html = [("Content-Type", "text/html")]
    crawl = write(tmp_path / "crawl.warc.gz", warc_bytes([(f"https://w.example/{i}", page(f"W{i}", story(76 + i),
                                                                                            "W"), html)
                                                          for i in range(2)]))
    runner._STATE.clear()
    runner._STATE.update(runner.load_state([], Config(), "full", None))
    tasks = list(runner.iter_tasks([str(d), crawl, str(tmp_path / "missing.html")], set(), runner._STATE["vocab"]))
    one_by_one = [result for task in tasks for result in runner.process_item(task)]
    batched = runner.process_batch(tasks)
    assert [r for r, _ in batched] == [r for r, _ in one_by_one]
    assert len(batched) == 8 and sum(r["error"] is not None for r, _ in batched) == 2
    assert any(n["kind"] == "copyright" for r, _ in batched if r["path"].endswith("notice.html")
               for n in r["notices"])


def test_missing_path_is_an_error_record(tmp_path):
    records, result = run([str(tmp_path / "nope.html"), good_page(tmp_path)], tmp_path / "out.jsonl")
    assert_error(records[0], "no such file")
    assert records[1]["error"] is None


# --- resume and interruption ----------------------------------------------------------------------------


def test_resume_skips_written_records_repairs_a_torn_line_and_still_clusters(tmp_path):
    d = tmp_path / "in"
    text = story(95)
    write(d / "a.html", page("Original", text, "Times", "https://times.example/1", nav_seed=1))
    for i in range(3):
        good_page(d, f"b{i}.html", seed=96 + i)
    write(d / "z.html", page("Copy", text, "Courier", "https://courier.example/1",
                             extra="<p>Source: Times</p>", nav_seed=2))
    out = tmp_path / "out.jsonl"
    full, _ = run([str(d)], out)
    assert full[0]["cluster"] == {"id": "c1", "original": True}
    # an interrupted run: two whole lines (cluster not yet filled in) and half a third one
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    first = [json.loads(line) for line in lines[:2]]
    out.write_text("".join(json.dumps({**r, "cluster": None}) + "\n" for r in first) + lines[2][:40],
                   encoding="utf-8")
    records, result = run([str(d)], out, resume=True)
    assert result.skipped == 2 and result.written == 3
    assert [r["path"] for r in records] == [r["path"] for r in full]
    assert len({r["path"] for r in records}) == 5
    # a.html came from the first run, z.html from this one: the sidecar still puts them in one cluster
    assert records[0]["cluster"] == {"id": "c1", "original": True}
    assert records[-1]["cluster"] == {"id": "c1", "original": False}


def test_killed_run_leaves_valid_jsonl_and_resume_completes(tmp_path):
    d = tmp_path / "in"
    n = 300
    for i in range(n):
        write(d / f"p{i:03d}.html", page(f"P{i}", story(1000 + i, paragraphs=3), "Site", f"https://s.example/{i}"))
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "compliance", "audit", str(d), "-j", "2", "-o", str(out), "--no-progress",
           "--fail-on", "never"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.read_bytes().count(b"\n") >= 20:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGKILL)  # the audit and its workers, mid-run
    finally:
        proc.wait(timeout=30)
    data = out.read_bytes()
    assert data.endswith(b"\n")
    partial = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    assert 20 <= len(partial) < n
    assert [r["path"] for r in partial] == sorted(str(p) for p in d.glob("*.html"))[: len(partial)]
    assert main_exit(["audit", str(d), "-j", "2", "-o", str(out), "--resume", "--fail-on", "never"]) == 0
    records = read_jsonl(out)
    assert len(records) == n == len({r["path"] for r in records})


# --- formats and exit codes ------------------------------------------------------------------------------


def main_exit(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def small_archive(tmp_path):
    d = tmp_path / "in"
    good_page(d, "a.html", seed=110)
    write(d / "b.html", page("Banned", story(111), "Ban Site", "https://ban.example/1",
                             footer="<p>© 2024 Ban Site. All rights reserved. Reproduction without permission is "
                                    "prohibited.</p>"))
    write(d / "c.html", page("<script>alert(1)</script> & co", story(112), "Evil <b>Site</b>",
                             "javascript:alert(2)"))
    return d


def test_csv_output_round_trips_the_records(small_archive, tmp_path, capsys):
    assert main_exit(["audit", str(small_archive), "-o", str(tmp_path / "r.jsonl"), "--fail-on", "never"]) == 0
    assert main_exit(["audit", str(small_archive), "-o", str(tmp_path / "r.csv"), "--fail-on", "never"]) == 0
    capsys.readouterr()
    header = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(CSV_FIELDS)
    assert list(CsvSink(tmp_path / "r.csv").records()) == list(JsonlSink(tmp_path / "r.jsonl").records())


def test_text_summary_and_exit_codes(small_archive, tmp_path, capsys):
    assert main_exit(["audit", str(small_archive)]) == 1  # a reproduction ban denies storing: an error finding
    out = capsys.readouterr().out
    assert "Audit by publisher" in out and "3 documents" in out and "0 errors" in out
    assert main_exit(["audit", str(small_archive), "--fail-on", "never"]) == 0
    good = tmp_path / "only-good"
    good_page(good)
    assert main_exit(["audit", str(good)]) == 0  # store review is info, below --fail-on error
    assert main_exit(["audit", str(good), "--fail-on", "info"]) == 1
    write(good / "broken.html", b"\x00\x01binary")
    assert main_exit(["audit", str(good), "--fail-on", "error"]) == 1  # an unreadable document is an error
    capsys.readouterr()


@pytest.mark.parametrize(("argv", "message"), [
    (["--rules", "/nonexistent/rules"], "no such rules directory"),
    (["--resume"], "needs --records"),
    (["--records", "report.html"], "use .jsonl or .csv"),
    (["--format", "pdf"], "is not one of"),
])
def test_exit_2_only_when_the_command_cannot_run(small_archive, tmp_path, capsys, argv, message):
    argv = [a if a != "report.html" else str(tmp_path / a) for a in argv]
    assert main_exit(["audit", str(small_archive), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_json_format_wraps_the_records(small_archive, tmp_path, capsys):
    assert main_exit(["audit", str(small_archive), "--format", "json", "-o", str(tmp_path / "r.jsonl")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1 and data["records"] == read_jsonl(tmp_path / "r.jsonl")
    assert data["summary"]["documents"] == 3 and data["summary"]["store"]["deny"] == 1
    assert data["summary"]["worst_severity"] == "error" and data["clusters"] == []


def test_html_report_is_self_contained_and_escaped(small_archive, capsys):
    assert main_exit(["audit", str(small_archive), "--format", "html", "--fail-on", "never"]) == 0
    html = capsys.readouterr().out
    assert html.startswith("<!doctype html>") and "Content-Security-Policy" in html
    assert "<script" not in html.lower() and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html and "Evil &lt;b&gt;Site&lt;/b&gt;" in html
    assert 'class="ptable"' in html and "Publishers (" in html
    assert html.count("<tr><td><div>") == 3


def test_corpus_add_takes_html_directories_and_warcs(tmp_path, capsys):
    pages = tmp_path / "pages"
    for i in range(2):
        good_page(pages, f"p{i}.html", seed=120 + i)
    crawl = write(tmp_path / "crawl.warc.gz", warc_bytes(
        [(f"https://w.example/{i}", page(f"W{i}", story(130 + i), "W Site"), [("Content-Type", "text/html")])
         for i in range(2)]))
    index = str(tmp_path / "idx.sqlite")
    assert main_exit(["corpus", "add", "-i", index, "-q", str(pages), crawl]) == 0
    capsys.readouterr()
    assert main_exit(["corpus", "list", "-i", index]) == 0
    listing = capsys.readouterr().out
    assert listing.count("\n") == 4 and "crawl.warc.gz#2" in listing and "crawl.warc.gz#3" in listing
