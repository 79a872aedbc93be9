"""The registry, JSON and Markdown reporters."""

from __future__ import annotations

import io
import json

import pytest
from test_report_data import REF_A, SOURCE_A, passage, sample_results

from compliance.errors import ConfigError
from compliance.pipeline import FileResult
from compliance.readers import read_text
from compliance.report import FORMATS, render
from compliance.report.markdown import md


def rendered(fmt: str, results, **options) -> str:
    buf = io.StringIO()
    render(fmt, results, buf, **options)
    return buf.getvalue()


def test_registry_names_every_format_and_rejects_unknown_ones():
    assert set(FORMATS) == {"text", "json", "sarif", "github", "markdown", "html"}
    for fmt in FORMATS:
        assert rendered(fmt, sample_results(), step_summary=None, color=False).strip()
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        render("xml", [], io.StringIO())


def test_json_has_summary_verdicts_and_sources():
    data = json.loads(rendered("json", sample_results()))
    assert data["version"] == 1
    assert data["summary"]["line"] == (
        "3 passages from 2 sources: 1 not-allowed, 1 needs-attribution, 1 ok; 1 pasted notice")
    assert data["summary"]["verdicts"] == {"not-allowed": 1, "needs-attribution": 1, "ok": 1}
    (file,) = data["files"]
    banned = next(v for v in file["verdicts"] if v["verdict"] == "not-allowed")
    assert banned["rule"] == "erzkurier.reproduction-ban"
    assert banned["source_id"] == "erzkurier-kupfer"
    doc_text = sample_results()[0].document.text
    start, end = banned["draft_offset"]
    assert doc_text[start:end].startswith("Die Minengesellschaft meldete höhere")
    assert banned["words"] == 27 and banned["reasons"][0] == "the source forbids reproduction"
    assert {k: file["sources"][0][k] for k in ("id", "publisher", "quote", "store", "reproduce")} == {
        "id": "erzkurier-kupfer", "publisher": "Erzkurier.de", "quote": "≤ 50 words with attribution",
        "store": "deny", "reproduce": "deny"}


def test_markdown_table_and_blockquoted_passages_with_differences():
    out = rendered("markdown", sample_results())
    assert "**3 passages from 2 sources: 1 not-allowed, 1 needs-attribution, 1 ok; 1 pasted notice**" in out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(table) == 5 and all(line.count(" | ") == 6 for line in table)
    assert table[1].startswith("| ⛔ not-allowed | drafts/kupfer.md | 5–6 | erzkurier.reproduction-ban |")
    assert "> Die Minengesellschaft meldete höhere Fördermengen im dritten Quartal und kündigte neue Bohrungen " \
           "in **Chile** an" in out
    assert "> Die Minengesellschaft meldete ~~am Dienstag~~ höhere" in out
    assert "[§ 15 UrhG – Verwertungsrechte](<https://www.gesetze-im-internet.de/urhg/__15.html>)" in out


def test_markdown_escapes_links_html_pipes_and_mentions():
    assert md("[x](javascript:alert(1)) <img src=x> a|b @octocat **bold**") == (
        "\\[x\\]\\(javascript:alert\\(1\\)\\) &lt;img src=x&gt; a\\|b @\u200boctocat \\*\\*bold\\*\\*")
    assert md("1. not a list") == "1\\. not a list" and md("- item") == "\\- item"
    text = "Sie sagte: [klick](javascript:alert(1)) <img src=x onerror=alert(1)> | @octocat ende.\n"
    doc = read_text(text, "drafts/x|y.md")
    src = read_text(SOURCE_A, REF_A.path)
    snippet = "[klick](javascript:alert(1)) <img src=x onerror=alert(1)> | @octocat"
    v = passage(doc, src, REF_A, snippet, "Die Nachfrage aus China", "needs-quotation-marks", "default.quote",
                "warning", ["a | b"])
    out = rendered("markdown", [FileResult(doc.path, doc, verdicts=[v])])
    assert "<img" not in out and "](javascript" not in out and "@octocat" not in out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert all(line.replace("\\|", "").count("|") == 8 for line in rows)
    # rendered the way GitHub would (CommonMark, HTML allowed, GFM tables): still no image, link or extra cell
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(out)
    assert "<img" not in html and "<a " not in html
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<td") == 7
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_worst_severity_ignores_ok_and_suppressed_verdicts():
    from compliance.report.common import worst_severity

    (result,) = sample_results()
    assert worst_severity([result]) == "error"
    for v in result.verdicts:
        v.suppressed = v.severity == "error"
    assert worst_severity([result]) == "warning"
    result.verdicts = [v for v in result.verdicts if v.verdict == "ok"]
    assert worst_severity([result]) is None
