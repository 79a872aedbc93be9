"""A gate never passes what it did not read, in archives too: an audit with no document at all is exit 2 (either
engine), and a WARC's content of a type no reader takes (a PDF, an image) is counted, never passed over in
silence: in the audit summary (text, JSON ``summary.not_read``, HTML) and as ``not text`` skips of ``notices``
and ``check``. Redirects, host files (robots.txt) and warcinfo/request records are not content: not counted."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import ROOT, assert_skips_reported, build_index, one_line

CORPUS = ROOT / "fixtures" / "corpus"
PAGE = (b"<html><head><title>Harbour news</title></head><body><article><h1>Harbour news</h1>"
        b"<p>The harbour authority approved the new container terminal on Monday after a long debate in the "
        b"city council about noise, traffic and the cost of dredging the channel.</p>"
        b"<p>Copyright 2024 Example Harbour Times. All rights reserved.</p></article></body></html>")


def write_warc(path: Path, responses: list[tuple[str, str, bytes, str]], extras: bool = False) -> Path:
    """A gzipped WARC (warcio): a warcinfo record, then one response per ``(url, content type, payload,
    status)``; with ``extras`` also a request record and a robots.txt (not content: never counted)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        if extras:
            req = StatusAndHeaders("GET /robots.txt HTTP/1.1", [("Host", "x.example")], is_http_request=True)
            writer.write_record(writer.create_warc_record("https://x.example/robots.txt", "request",
                                                          http_headers=req))
            robots = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record("https://x.example/robots.txt", "response",
                                                          payload=io.BytesIO(b"User-agent: *\nAllow: /\n"),
                                                          http_headers=robots))
        for url, ctype, payload, status in responses:
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                          http_headers=http))
    return path


PDF = ("https://x.example/report.pdf", "Application/PDF; qs=0.9", b"%PDF-1.4\n% not a page\n", "200 OK")
HTML = ("https://x.example/news", "text/html; charset=utf-8", PAGE, "200 OK")
REDIRECT = ("https://x.example/old.pdf", "application/pdf", b"", "301 Moved Permanently")
PNG = ("https://x.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n....", "200 OK")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    return build_index(tmp_path_factory.mktemp("corpus") / "corpus.sqlite", CORPUS)


@pytest.fixture
def mixed(project) -> Path:
    """One PDF, one HTML page with visible text, a redirect, a robots.txt and a request record."""
    return write_warc(project / "mixed.warc.gz", [PDF, HTML, REDIRECT], extras=True)


@pytest.fixture
def pdf_only(project) -> Path:
    return write_warc(project / "pdfonly.warc.gz", [PDF])


# -- audit: nothing at all is exit 2 ------------------------------------------------------------------------


def test_audit_of_an_empty_jsonl_is_exit_2_naming_it(cli, project):
    (project / "empty.jsonl").write_bytes(b"")
    res = cli("audit", "empty.jsonl", "--records", project / "o.jsonl")
    assert res.code == 2 and res.out == ""
    assert one_line(res.err) == "compliance: error: empty.jsonl: nothing to audit: no documents"


def test_audit_of_a_pdf_only_warc_is_exit_2_counting_the_pdf(cli, pdf_only):
    res = cli("audit", pdf_only.name)
    assert res.code == 2 and res.out == ""
    line = one_line(res.err)
    assert line.startswith("compliance: error: pdfonly.warc.gz: nothing to audit: no documents")
    assert "1 record not read, no reader for its type (application/pdf: 1)" in line


def test_audit_of_several_inputs_with_nothing_names_them(cli, project, pdf_only):
    (project / "empty.jsonl").write_bytes(b"")
    line = one_line(cli("audit", "empty.jsonl", pdf_only.name, "-f", "json").err)
    assert "nothing to audit in empty.jsonl, pdfonly.warc.gz: no documents" in line
    assert "(application/pdf: 1)" in line


def test_audit_resumed_with_nothing_new_is_not_an_error(cli, project, mixed):
    """Documents from an earlier --resume run count: only a run with none at all is exit 2."""
    first = cli("audit", mixed.name, "--records", project / "o.jsonl")
    again = cli("audit", mixed.name, "--records", project / "o.jsonl", "--resume")
    assert again.code == first.code in (0, 1), again.err
    assert "1 documents (0 audited now, 1 from an earlier run)" in again.out
    assert "(application/pdf: 1)" in again.out


# -- audit: records no reader takes are counted ------------------------------------------------------------


def test_audit_of_a_mixed_warc_counts_the_pdf(cli, project, mixed):
    alone = write_warc(project / "page.warc.gz", [HTML])
    expected = cli("audit", alone.name).code  # what the page's findings dictate, the PDF aside
    assert expected in (0, 1)
    text = cli("audit", mixed.name)
    assert text.code == expected, text.err
    last = text.out.strip().splitlines()[-1]
    assert last.startswith("1 documents (1 audited now")
    assert "; 1 record not read, no reader for its type (application/pdf: 1)" in last  # not the 301, not robots
    data = json.loads(cli("audit", mixed.name, "-f", "json").out)
    assert data["summary"]["documents"] == 1 and len(data["records"]) == 1
    assert data["summary"]["not_read"] == {"application/pdf": 1}
    assert "(application/pdf: 1)" in data["summary"]["line"]
    html = cli("audit", mixed.name, "-f", "html").out
    assert "(application/pdf: 1)" in html


def test_audit_json_not_read_is_always_present(cli, project):
    page = write_warc(project / "page.warc.gz", [HTML])
    data = json.loads(cli("audit", page.name, "-f", "json").out)
    assert data["summary"]["not_read"] == {}
    assert "not read" not in data["summary"]["line"]


def test_not_read_counts_by_normalized_media_type_without_reading_payloads(project):
    from compliance.readers import warc

    path = write_warc(project / "many.warc.gz", [PDF, PNG, HTML, PDF, REDIRECT], extras=True)
    seen: list[tuple[str, int, str]] = []
    with path.open("rb") as fh:
        got = list(warc.iter_raw(fh, str(path), not_read=lambda *a: seen.append(a)))
    assert [r.url for r in got] == ["https://x.example/news"]
    assert seen == [(str(path), 4, "application/pdf"), (str(path), 5, "image/png"), (str(path), 7, "application/pdf")]
    # without a callback, the reading `notices` and `check` reach through iter_path reports to noting_not_read
    from compliance.readers import iter_path

    with warc.noting_not_read() as found:
        docs = list(iter_path(str(path)))
    assert len(docs) == 1 and found == seen
    assert len(list(iter_path(str(path)))) == 1  # outside the block nothing is noted (and nothing breaks)


# -- notices and check: counted skips ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["notices", "check"])
def test_notices_and_check_count_the_pdf_of_a_mixed_warc(cli, index, mixed, command):
    args = ("--index", str(index)) if command == "check" else ()
    data = json.loads(cli(command, mixed.name, *args, "-f", "json", "--fail-on", "never").out)
    summary = data if command == "notices" else data["summary"]
    assert summary["skipped_by"] == {"not text": 1}
    assert summary["skipped"] == [{"path": "mixed.warc.gz#4", "group": "not text",
                                   "reason": "not text: application/pdf (no reader for this content type)"}]
    assert [f.get("record") for f in data["files"]] == [5]
    text = cli(command, mixed.name, *args, "--fail-on", "never")
    assert text.code == 0
    assert_skips_reported(command, text, "1 skipped (not text: 1)")


@pytest.mark.parametrize("command", ["notices", "check"])
def test_notices_and_check_of_a_pdf_only_warc_are_exit_2(cli, index, pdf_only, command):
    args = ("--index", str(index)) if command == "check" else ()
    res = cli(command, pdf_only.name, *args)
    assert res.code == 2 and res.out == ""
    assert one_line(res.err) == "compliance: error: pdfonly.warc.gz: nothing to check: 1 skipped (not text: 1)"
