"""``compliance audit`` on the real scraped pages (../shared/data/archive-aeb, read in place), on a WARC built
from them with injected HTTP signals, and on pages that reserve TDM in prose or by robots.txt."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from compliance.audit.records import RECORD_FIELDS
from compliance.audit.report import summarize
from tests.test_audit_support import page, run, story, warc_bytes, write

AEB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "archive-aeb"
PAGES = sorted((AEB / "html").glob("*.html.gz"))
needs_aeb = pytest.mark.skipif(not PAGES, reason="../shared/data/archive-aeb not available")
_TOKEN = re.compile(r"\w+")


@pytest.fixture(scope="module")
def aeb(tmp_path_factory):
    """The whole real archive audited once, through the process pool (-j 2)."""
    out = tmp_path_factory.mktemp("aeb") / "records.jsonl"
    records, result = run([str(AEB / "html")], out, jobs=2)
    return records, result, out


def _contract(record: dict) -> None:
    assert tuple(record) == RECORD_FIELDS
    assert isinstance(record["path"], str)
    if record["error"] is None:
        v = record["verdicts"]
        assert set(v) == {"store", "tdm", "quote"}
        assert set(v["store"]) == {"verdict", "rule"} and v["store"]["verdict"] in ("allow", "review", "deny")
        assert set(v["tdm"]) == {"verdict", "rule", "machine_readable", "natural_language"}
        assert v["tdm"]["verdict"] in ("allowed", "reserved")
        assert set(v["quote"]) == {"verdict", "max_words", "rule"}
        assert v["quote"]["verdict"] in ("allowed", "limited", "no")
        assert all(isinstance(x["rule"], str) and x["rule"] for x in v.values())
        for n in record["notices"]:
            assert {"kind", "rule", "text", "offset", "start", "end", "scope"} <= set(n)
        for s in record["signals"]:
            assert set(s) == {"kind", "value", "source", "machine_readable", "agent", "url"}
    assert record["cluster"] is None or set(record["cluster"]) == {"id", "original"}


@needs_aeb
def test_every_real_page_gets_a_record_without_error(aeb):
    records, result, out = aeb
    assert len(records) == len(PAGES) == result.written
    assert {Path(r["path"]).name for r in records} == {p.name for p in PAGES}
    assert [r["error"] for r in records if r["error"]] == []
    for r in records:
        _contract(r)
        assert r["record"] is None and r["title"]
    # the file on disk is exactly one JSON object per line
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(PAGES) and all(json.loads(line)["path"] for line in lines)


@needs_aeb
def test_real_pages_notices_found_in_footers(aeb):
    records, _, _ = aeb
    in_footer = sum(any(n["scope"] == "boilerplate" for n in r["notices"]) for r in records)
    print(f"\npages with a notice outside the main text: {in_footer}/{len(records)}")
    assert in_footer >= len(records) // 2
    summary = summarize(records, {})
    kinds = Counter(n["kind"] for r in records for n in r["notices"])
    assert kinds["copyright"] > 50 and kinds["reproduction-ban"] > 5
    # a reproduction ban in a footer denies storing, citing the rule
    banned = [r for r in records if any(n["kind"] == "reproduction-ban" for n in r["notices"])]
    assert banned and all(r["verdicts"]["store"]["verdict"] == "deny" for r in banned)
    assert summary.total.docs == len(records) and summary.total.errors == 0


@needs_aeb
def test_no_spurious_clusters_among_unrelated_real_pages(aeb):
    records, result, _ = aeb
    # 181 different articles (two per site): sharing a site's boilerplate must not make them copies
    assert result.clusters == [] and all(r["cluster"] is None for r in records)


@needs_aeb
def test_fast_extraction_audit_of_real_pages(aeb, tmp_path):
    """--extract fast: every page read, no spurious cluster, and every notice the full run found in a
    footer (outside its main text) found too: by the same rule, ending in the same line (the two paths lay
    out a page's lines in a slightly different order, so a two-line credit may start elsewhere)."""
    records, result = run([str(AEB / "html")], tmp_path / "fast.jsonl", jobs=2, extract="fast")
    assert len(records) == len(PAGES) and result.errors == 0 and result.clusters == []
    full = {r["path"]: r for r in aeb[0]}

    def key(n: dict) -> tuple[str, str]:
        return n["rule"], n["text"].splitlines()[-1]

    # rule findings: the scorer's ("score" set) read line lengths and positions, where the layouts differ
    missing = [(Path(r["path"]).name[:12], n["text"]) for r in records for n in full[r["path"]]["notices"]
               if n["scope"] == "boilerplate" and n.get("score") is None
               and key(n) not in {key(m) for m in r["notices"]}]
    assert missing == []


def token_recall(truth: str, got: str) -> float:
    want = Counter(_TOKEN.findall(truth.lower()))
    have = Counter(_TOKEN.findall(got.lower()))
    total = sum(want.values())
    return sum(min(n, have[w]) for w, n in want.items()) / total if total else 1.0


@needs_aeb
@pytest.mark.parametrize(("engine", "target"), [("lexbor", 0.97), ("lxml", 0.9)])
def test_fast_main_text_covers_the_true_body(monkeypatch, engine, target):
    """lexbor: resiliparse's main content (the fast path); lxml: the line-density fallback without it."""
    from compliance.readers import html, html_fast

    if engine == "lexbor" and not html_fast.available():
        pytest.skip("resiliparse not installed")
    monkeypatch.setattr(html, "EXTRACT_FAST", True)
    if engine == "lxml":
        monkeypatch.setattr(html_fast, "available", lambda: False)
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    recalls = []
    for p in PAGES:
        doc = html.parse_html(gzip.decompress(p.read_bytes()), str(p))
        recalls.append(token_recall(truth[p.name.split(".")[0]]["articleBody"], doc.text[: doc.metadata["main_end"]]))
    mean = sum(recalls) / len(recalls)
    print(f"\nfast main text ({engine}): mean token recall {mean:.4f} over {len(recalls)} real pages")
    assert mean >= target


# --- WARC built from the real pages --------------------------------------------------------------------


@needs_aeb
def test_warc_of_real_pages_gives_the_same_records_plus_header_signals(aeb, tmp_path):
    records, _, _ = aeb
    by_name = {Path(r["path"]).name: r for r in records}
    chosen = [p for p in PAGES if by_name[p.name]["url"]][::15][:10]
    headers = [("Content-Type", "text/html"), ("tdm-reservation", "1")]
    data = warc_bytes([(by_name[p.name]["url"], gzip.decompress(p.read_bytes()), headers) for p in chosen])
    warc_records, result = run([write(tmp_path / "crawl.warc.gz", data)], tmp_path / "warc.jsonl", jobs=2)
    assert [r["record"] for r in warc_records] == list(range(2, 2 + len(chosen)))  # record 1 is warcinfo
    assert result.errors == 0
    for p, got in zip(chosen, warc_records, strict=True):
        ref = by_name[p.name]
        _contract(got)
        for key in ("url", "title", "publisher", "license", "notices"):
            assert got[key] == ref[key], key
        assert {json.dumps(s, sort_keys=True) for s in ref["signals"]} <= \
            {json.dumps(s, sort_keys=True) for s in got["signals"]}
        assert {"kind": "tdm-reservation", "value": "1", "source": "header", "machine_readable": True,
                "agent": None, "url": None} in got["signals"]
        assert got["verdicts"]["tdm"] == {"verdict": "reserved", "rule": "signal:tdm-reservation=1:header",
                                          "machine_readable": True, "natural_language": False}
        assert got["verdicts"]["store"] == {"verdict": "deny", "rule": "signal:tdm-reservation=1:header"}
        assert got["verdicts"]["quote"] == ref["verdicts"]["quote"]
        assert ref["verdicts"]["tdm"]["verdict"] == "allowed"


def test_robots_txt_in_the_warc_reserves_tdm_for_its_host(tmp_path):
    html_type = [("Content-Type", "text/html")]
    records = [("https://news.example/a", page("A", story(30), "News"), html_type),
               ("https://other.example/b", page("B", story(31), "Other"), html_type),
               ("https://news.example/robots.txt", b"User-agent: GPTBot\nDisallow: /\n",
                [("Content-Type", "text/plain")])]
    got, _ = run([write(tmp_path / "site.warc.gz", warc_bytes(records))], tmp_path / "out.jsonl", jobs=2)
    assert [r["url"] for r in got] == ["https://news.example/a", "https://other.example/b"]
    assert got[0]["verdicts"]["tdm"] == {"verdict": "reserved", "rule": "signal:robots-disallow:robots",
                                         "machine_readable": True, "natural_language": False}
    assert got[1]["verdicts"]["tdm"]["verdict"] == "allowed"


def test_natural_language_reservation_is_not_machine_readable(tmp_path):
    footer = ("<p>© 2024 Harbour News. We expressly reserve the right to use our content for text and data "
              "mining.</p>")
    path = write(tmp_path / "p.html", page("Harbour", story(40), "Harbour News", "https://harbour.example/1",
                                           footer=footer))
    (record,), _ = run([path], tmp_path / "out.jsonl")
    reserving = [n["rule"] for n in record["notices"] if n["kind"] == "tdm-reservation"]
    assert reserving
    tdm = record["verdicts"]["tdm"]
    assert tdm == {"verdict": "reserved", "rule": tdm["rule"], "machine_readable": False, "natural_language": True}
    assert tdm["rule"] in reserving  # the notice rule decided, not a signal
    assert record["verdicts"]["store"]["verdict"] == "deny"


def test_meta_reservation_and_licence_link_on_a_page(tmp_path):
    head = ('<meta name="tdm-reservation" content="1">'
            '<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">')
    path = write(tmp_path / "p.html", page("Open", story(41), "Open Site", "https://open.example/1", head=head,
                                           footer="<p>Open Site</p>"))
    (record,), _ = run([path], tmp_path / "out.jsonl")
    assert record["license"] == "CC-BY-4.0"
    assert record["verdicts"]["quote"]["verdict"] == "allowed"  # the licence grants reuse
    assert record["verdicts"]["tdm"]["rule"] == "signal:tdm-reservation=1:meta"
    assert record["verdicts"]["store"]["verdict"] == "deny"  # ... but mining and keeping it are reserved


def test_jsonl_dump_records_are_numbered_by_line(tmp_path):
    lines = [json.dumps({"text": " ".join(story(50 + i)), "url": f"https://j.example/{i}", "title": f"T{i}"})
             for i in range(3)]
    lines.insert(1, "{broken")
    got, result = run([write(tmp_path / "dump.jsonl", "\n".join(lines).encode())], tmp_path / "out.jsonl", jobs=2)
    assert [r["record"] for r in got] == [1, 2, 3, 4]
    assert [r["error"] is not None for r in got] == [False, True, False, False]
    assert "invalid JSON" in got[1]["error"] and result.errors == 1
    assert got[0]["url"] == "https://j.example/0" and got[0]["title"] == "T0"
