"""HTML: one self-contained file, side-by-side passages, and nothing from a draft can run as script."""

from __future__ import annotations

import io

from conftest import Collector
from test_report_data import REF_A, SOURCE_A, passage, pasted_notice, sample_results

from compliance.findings import SourceRef, SourceSummary, Warning_
from compliance.pipeline import FileResult
from compliance.readers import read_text
from compliance.report import render

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_DRAFT = f"""# Bericht {SCRIPT}

Die Nachfrage aus China {SCRIPT} bleibt hoch {IMG} und die Lagerbestände sinken weiter.

Alle Inhalte sind geschützt {IMG}. Nachdruck verboten.
"""


def html_report(results) -> str:
    buf = io.StringIO()
    render("html", results, buf)
    return buf.getvalue()


def parse(doc: str) -> Collector:
    parser = Collector()
    parser.feed(doc)
    parser.close()
    return parser


def hostile_results() -> list[FileResult]:
    path = f"drafts/{IMG}.md"
    doc = read_text(HOSTILE_DRAFT, path)
    src = read_text(SOURCE_A, REF_A.path)
    ref = SourceRef(id=f"src{SCRIPT}", path=f"corpus/{IMG}.md", title=SCRIPT, publisher=f"Pub {IMG}")
    v = passage(doc, src, ref, f"Die Nachfrage aus China {SCRIPT} bleibt hoch {IMG} und die Lagerbestände",
                "Die Nachfrage aus China bleibt hoch und die Lagerbestände", f"not-allowed{IMG}", f"rule{SCRIPT}",
                "error", [f"reason {SCRIPT}", IMG],
                [{"title": f"law {SCRIPT}", "url": "javascript:alert(1)"},
                 {"title": IMG, "url": f"https://example.org/?q={IMG}"}])
    notice = pasted_notice(doc, f"Alle Inhalte sind geschützt {IMG}. Nachdruck verboten.", f"r{IMG}", IMG)
    result = FileResult(path, doc, verdicts=[v, notice], notices=[notice.notice],
                        sources=[SourceSummary(id=SCRIPT, publisher=IMG, quote=SCRIPT, store="deny",
                                               reproduce=IMG)],
                        warnings=[Warning_(path, f"warn {SCRIPT}")])
    return [result]


def test_hostile_text_everywhere_cannot_run_script():
    doc = html_report(hostile_results())
    parsed = parse(doc)
    tags = [t for t, _ in parsed.tags]
    assert "script" not in tags and "img" not in tags and "iframe" not in tags
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = attrs.get(name)
            if value is not None:
                assert name == "href" and value.startswith(("#", "https://")), (tag, attrs)
    text = "".join(parsed.text)
    assert SCRIPT in text and IMG in text  # shown as text, escaped in the markup
    assert "javascript:" not in doc  # the unsafe link lost its target, its title stays as text
    assert 'href="https://example.org/?q=&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in doc


def test_self_contained_with_a_strict_content_security_policy():
    doc = html_report(sample_results())
    parsed = parse(doc)
    tags = [t for t, _ in parsed.tags]
    assert tags.count("style") == 1 and "link" not in tags and "script" not in tags
    assert not any("src" in attrs for _, attrs in parsed.tags)
    assert "url(" not in doc and "@import" not in doc
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") ==
               "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src" not in csp


def test_summary_verdict_table_and_side_by_side_passages():
    doc = html_report(sample_results())
    parsed = parse(doc)
    text = "".join(parsed.text)
    assert "3 passages from 2 sources: 1 not-allowed, 1 needs-attribution, 1 ok; 1 pasted notice" in text
    rows = doc.split('<table class="verdicts">')[1].split("</table>")[0].count("<tr>")
    assert rows == 5  # header and four verdicts
    assert '<mark class="add">Chile</mark>' in doc and '<mark class="del">Peru</mark>' in doc
    assert '<mark class="del">am Dienstag</mark>' in doc
    assert doc.count('<div class="pair">') == 3  # three passages, the pasted notice has no source side
    anchors = {a["href"][1:] for t, a in parsed.tags if t == "a" and a.get("href", "").startswith("#")}
    ids = {a["id"] for t, a in parsed.tags if t == "article"}
    assert anchors == ids and len(ids) == 4
    assert "Erzkurier.de — quote: ≤ 50 words with attribution · store: no · reproduce: no" in text
