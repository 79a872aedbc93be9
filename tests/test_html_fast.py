"""The fast HTML path (lexbor via resiliparse, ``audit --extract fast``) against the lxml path it replaces:
the same signals, metadata and notices, captions and labels kept, hidden text dropped, depth bounded."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from compliance import limits
from compliance.detect.notices import NoticeEngine
from compliance.errors import InputError
from compliance.readers import html, html_fast
from compliance.ruleset.loader import load_ruleset

pytest.importorskip("resiliparse")

AEB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "archive-aeb"
PAGES = sorted((AEB / "html").glob("*.html.gz"))
needs_aeb = pytest.mark.skipif(not PAGES, reason="../shared/data/archive-aeb not available")

PAGE = b"""<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Der Titel</title>
<meta name="tdm-reservation" content="1"><meta name="robots" content="index, noai">
<meta property="og:site_name" content="Beispiel Zeitung"><meta name="author" content="Erika Muster">
<link rel="canonical" href="https://example.de/artikel/1"><link rel="license" href="https://creativecommons.org/licenses/by/4.0/">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Der Titel", "datePublished": "2024-05-01",
 "copyrightHolder": {"@type": "Organization", "name": "Beispiel Verlag"}}</script></head>
<body><nav><a href="/">Start</a> <a href="/politik">Politik</a></nav>
<article><h1>Der Titel</h1>
<p>Die Stadtverwaltung hat am Montag den neuen Haushalt vorgestellt, der deutlich mehr Mittel fuer Schulen vorsieht.</p>
<figure><img src="a.jpg" alt="ein Bild"><figcaption>Die Kaemmerin im Rathaus. (AP Photo/Jane Doe)</figcaption></figure>
<p>Der Stadtrat soll im Juni ueber den Entwurf abstimmen, die Opposition kuendigte Widerstand an.</p>
<blockquote><p>Wir investieren in die Zukunft unserer Kinder und in moderne Klassenzimmer.</p></blockquote>
<p style="display: none">Versteckter Text: Alle Rechte vorbehalten.</p><div hidden>Auch versteckt.</div>
</article>
<footer><label>&copy; 2024 Beispiel Verlag. Alle Rechte vorbehalten.</label>
<p>Nachdruck nur mit schriftlicher Genehmigung des Verlags.</p></footer></body></html>"""


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(html, "EXTRACT_FAST", True)


@pytest.fixture(scope="module")
def engine():
    return NoticeEngine(load_ruleset([]))


def _lxml_fast(monkeypatch, data: bytes, path: str = "p.html"):
    """The page read by the lxml fast path (what was used before, and without resiliparse)."""
    with monkeypatch.context() as m:
        m.setattr(html_fast, "available", lambda: False)
        return html.parse_html(data, path)


def test_fast_path_reads_signals_and_metadata_as_the_lxml_path_does(fast, monkeypatch):
    doc = html.parse_html(PAGE, "p.html")
    ref = _lxml_fast(monkeypatch, PAGE)
    assert [s.to_dict() for s in doc.signals] == [s.to_dict() for s in ref.signals]
    kinds = {s.kind for s in doc.signals}
    assert {"tdm-reservation", "license"} <= kinds
    assert {k: v for k, v in doc.metadata.items() if k != "main_end"} == \
        {k: v for k, v in ref.metadata.items() if k != "main_end"}
    assert doc.metadata["title"] == "Der Titel" and doc.metadata["canonical"] == "https://example.de/artikel/1"
    assert doc.metadata["sitename"] == "Beispiel Zeitung" and doc.metadata["date"] == "2024-05-01"


HIDDEN_FOOTER = b"""<html><head><title>T</title></head><body><article><h1>T</h1>
<p>Die Stadtverwaltung hat am Montag den neuen Haushalt vorgestellt,
der mehr Mittel fuer Schulen vorsieht.</p></article>
<div class="menu" style="display:none">Versteckte Navigation</div>
<footer class="site" style="display:none;"><p>Impressum Datenschutz \xc2\xa9 2019 Beispiel Rundfunk</p></footer>
<div id="page-copyright" hidden>Nachdruck nur mit Genehmigung.</div></body></html>"""


@pytest.mark.parametrize("path", ["full", "fast", "lxml-fast"])
def test_a_hidden_footer_is_read_other_hidden_text_is_not(path, monkeypatch, engine):
    """A footer a script shows later holds the page's notice: read it on every path, or the page passes
    as holding none; other hidden elements stay out."""
    monkeypatch.setattr(html, "EXTRACT_FAST", path != "full")
    doc = _lxml_fast(monkeypatch, HIDDEN_FOOTER) if path == "lxml-fast" else html.parse_html(HIDDEN_FOOTER, "p.html")
    assert "Versteckte Navigation" not in doc.text
    assert "Nachdruck nur mit Genehmigung." in doc.text
    kinds = {n.kind for n in engine.scan(doc, [])}
    assert {"copyright", "reproduction-ban"} <= kinds


def test_fast_path_keeps_captions_and_labels_and_drops_hidden_text(fast, engine):
    doc = html.parse_html(PAGE, "p.html")
    lines = doc.text.split("\n")
    assert any("(AP Photo/Jane Doe)" in line for line in lines)  # resiliparse alone drops <figure>
    assert "© 2024 Beispiel Verlag. Alle Rechte vorbehalten." in lines  # ... and <label>
    assert "Versteckter" not in doc.text and "Auch versteckt" not in doc.text
    kinds = {n.kind for n in engine.scan(doc, [])}
    assert {"agency-credit", "copyright", "all-rights-reserved", "reproduction-ban"} <= kinds


def test_fast_path_main_text_blocks_and_layout(fast):
    doc = html.parse_html(PAGE, "p.html")
    main = doc.text[:doc.metadata["main_end"]]
    assert "neuen Haushalt" in main and "Widerstand" in main
    assert "Politik" not in main and "Genehmigung" not in main and "AP Photo" not in main
    kinds = {doc.text[b.start:b.end]: (b.kind, b.quoted) for b in doc.blocks}
    assert kinds["Der Titel"] == ("heading", False)
    assert kinds[next(t for t in kinds if t.startswith("Wir investieren"))] == ("blockquote", True)
    assert kinds["Nachdruck nur mit schriftlicher Genehmigung des Verlags."] == ("boilerplate", False)
    for b in doc.blocks:  # offsets are exact: plain and text agree block by block
        assert doc.plain[b.plain_start:b.plain_end] == doc.text[b.start:b.end]


def test_main_blocks_decode_entities_and_split_breaks():
    blocks = html_fast.main_blocks("<h2>A &amp; B</h2>\n\n<p>x &lt; y<br>\nnext line</p>\n<pre>code</pre>")
    assert blocks == [("heading", "A & B", False), ("paragraph", "x < y", False),
                      ("paragraph", "next line", False), ("paragraph", "code", False)]


def test_fast_path_depth_is_bounded(fast):
    ok = b"<html><body>" + b"<div>" * 300 + b"deep text" + b"</div>" * 300 + b"<p>(c) 2024 Foo</p></body></html>"
    doc = html.parse_html(ok, "ok.html")  # past the cheap check, within the limit: read whole
    assert "deep text" in doc.text and "(c) 2024 Foo" in doc.text
    hostile = b"<html><body>" + b"<div><span>x" * 1500 + b"</body></html>"  # 3,000 levels, unclosed
    with pytest.raises(InputError, match="nested too deeply: more than 2000 levels"):
        html.parse_html(hostile, "deep.html")
    limits.configure(html_max_depth=40)
    try:
        with pytest.raises(InputError, match="more than 40 levels"):
            html.parse_html(b"<html><body>" + b"<div>" * 60 + b"x</body></html>", "d.html")
    finally:
        limits.reset()


@pytest.mark.parametrize(("raw", "expected"), [
    ('<meta charset="windows-1251"><p>Все права защищены.</p>'.encode("cp1251"), "Все права защищены."),
    ('<meta charset="iso-8859-1"><p>Grüße</p>'.encode(), "Grüße"),  # mislabelled UTF-8
    ('\ufeff<?xml version="1.0"?><html><body><p>Grüße &amp; mehr</p></body></html>'.encode("utf-16"), "Grüße & mehr"),
])
def test_fast_path_decodes_as_the_lxml_path_does(fast, raw, expected):
    """The page is decoded once (BOM, HTTP, meta, UTF-8, detection) and handed to lexbor as UTF-8."""
    assert html.parse_html(raw, "enc.html").text == expected


def test_fast_path_bad_input_is_a_one_line_error(fast):
    for data, reason in ((b"", "no body|no content"), (b"<html><body><script>x</script></body></html>", "no body")):
        with pytest.raises(InputError, match=reason):
            html.parse_html(data, "bad.html")


def test_without_resiliparse_the_lxml_fast_path_is_used(fast, monkeypatch):
    monkeypatch.setattr(html_fast, "available", lambda: False)
    calls = []
    monkeypatch.setattr(html_fast, "parse", lambda *a: calls.append(a))
    doc = html.parse_html(PAGE, "p.html")
    assert calls == [] and "(AP Photo/Jane Doe)" in doc.text and doc.metadata["main_end"] > 0


@needs_aeb
def test_real_pages_fast_path_finds_every_notice_the_lxml_path_finds(fast, monkeypatch, engine):
    """On the 181 real pages: no notice of the lxml path lost, the same signals and metadata."""
    lost, gained = [], 0
    for p in PAGES:
        data = gzip.decompress(p.read_bytes())
        doc = html.parse_html(data, str(p))
        ref = _lxml_fast(monkeypatch, data, str(p))
        # rule findings: the scorer's read line lengths and page positions, which the two layouts differ in
        got = {(n.kind, n.rule, " ".join(n.text.split())) for n in engine.scan(doc, []) if n.score is None}
        want = {(n.kind, n.rule, " ".join(n.text.split())) for n in engine.scan(ref, []) if n.score is None}
        lost += [(p.name[:12], *x) for x in sorted(want - got)]
        gained += len(got - want)
        assert [s.to_dict() for s in doc.signals] == [s.to_dict() for s in ref.signals], p.name
        assert {k: v for k, v in doc.metadata.items() if k != "main_end"} == \
            {k: v for k, v in ref.metadata.items() if k != "main_end"}, p.name
    print(f"\nfast path against lxml on {len(PAGES)} pages: {len(lost)} notices lost, {gained} more found")
    assert lost == []
