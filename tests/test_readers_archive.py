"""Archive readers: HTML pages, WARC files, JSONL dumps — on real scraped pages and on damaged input."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from compliance.errors import InputError
from compliance.readers import html as html_reader
from compliance.readers import iter_path, jsonl, reader_for, warc
from compliance.readers.stream import is_error

AEB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "archive-aeb"
PAGES = sorted((AEB / "html").glob("*.html.gz"))
needs_aeb = pytest.mark.skipif(not PAGES, reason="../shared/data/archive-aeb not available")
_TOKEN = re.compile(r"\w+")


def token_recall(truth: str, got: str) -> float:
    """Share of the true body's word tokens (with multiplicity) found in ``got``."""
    want = Counter(_TOKEN.findall(truth.lower()))
    have = Counter(_TOKEN.findall(got.lower()))
    total = sum(want.values())
    return sum(min(n, have[w]) for w, n in want.items()) / total if total else 1.0


def page_hash(path: Path) -> str:
    return path.name.split(".")[0]  # <sha256>.html.gz: ground truth is keyed by the hash


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def real_docs():
    return {p: next(iter_path(str(p))) for p in PAGES}


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _page(body: str, head: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


ARTICLE = ("<article><h1>Der Titel</h1><h2>Abschnitt</h2>"
           + "".join(f"<p>Absatz {i}: Dies ist ein langer Satz über Rohstoffe, Märkte und Preise, "
                     f"der den Hauptteil des Artikels bildet und genug Wörter hat.</p>" for i in range(6))
           + "<blockquote><p>Ein Zitat aus einer anderen Quelle, das lang genug ist, um zu zählen.</p>"
           "</blockquote></article>")
FOOTER = "<footer><p>© 2024 Beispiel Verlag GmbH. Alle Rechte vorbehalten.</p></footer>"


# --- real pages --------------------------------------------------------------------------------------


@needs_aeb
def test_ground_truth_is_keyed_by_file_hash(truth):
    assert {page_hash(p) for p in PAGES} == set(truth)


@needs_aeb
def test_every_real_page_reads_and_main_text_covers_true_body(real_docs, truth):
    recalls = []
    for path, doc in real_docs.items():
        assert doc.format == "html" and doc.text
        main = doc.text[: doc.metadata["main_end"]]
        recalls.append(token_recall(truth[page_hash(path)]["articleBody"], main))
    mean = sum(recalls) / len(recalls)
    print(f"\nmain-text token recall over {len(recalls)} real pages: mean {mean:.4f}, "
          f"min {min(recalls):.3f}, pages >= 0.9: {sum(r >= 0.9 for r in recalls)}")
    assert mean >= 0.9


@needs_aeb
def test_real_pages_blocks_and_offsets_are_exact(real_docs):
    for doc in real_docs.values():
        assert len(doc.plain) == len(doc.text)
        main_end = doc.metadata["main_end"]
        last = 0
        for b in doc.blocks:
            assert last <= b.start < b.end <= len(doc.text)
            assert doc.text[b.start:b.end].strip() == doc.text[b.start:b.end]
            assert (b.kind == "boilerplate") == (b.start >= main_end)
            assert doc.offset_map.span(b.plain_start, b.plain_end) == (b.start, b.end)
            last = b.end


@needs_aeb
def test_notices_are_found_in_real_footers_with_exact_offsets(real_docs):
    from compliance.pipeline import load_engine

    engine = load_engine(None)
    pages_with_footer_notice = 0
    for doc in real_docs.values():
        notices = engine.scan(doc, [])
        for n in notices:
            assert doc.text[n.start_offset:n.end_offset] == n.text
        pages_with_footer_notice += any(n.scope == "boilerplate" for n in notices)
    print(f"\npages with a notice outside the main text: {pages_with_footer_notice}/{len(real_docs)}")
    assert pages_with_footer_notice >= len(real_docs) // 2


@needs_aeb
def test_real_pages_metadata(real_docs, truth):
    docs = list(real_docs.values())
    assert all(d.metadata.get("title") for d in docs)
    with_url = [d for d in docs if d.metadata.get("canonical")]
    assert len(with_url) >= len(docs) * 0.8
    assert all(d.metadata["canonical"].startswith(("http://", "https://")) for d in with_url)


# --- HTML reader -----------------------------------------------------------------------------------


def test_html_layout_main_then_boilerplate(tmp_path):
    nav = "<nav><ul><li>Startseite</li><li>Politik</li></ul></nav>"
    path = _write(tmp_path, "a.html", _page(nav + ARTICLE + FOOTER, "<title>T</title>"))
    doc = next(iter_path(path))
    main_end = doc.metadata["main_end"]
    main, rest = doc.text[:main_end], doc.text[main_end:]
    assert "Absatz 5" in main and "Alle Rechte vorbehalten" not in main
    assert "© 2024 Beispiel Verlag GmbH. Alle Rechte vorbehalten." in rest
    assert "Startseite" in rest and "Absatz 0" not in rest  # main text is not repeated
    kinds = {b.kind for b in doc.blocks}
    assert {"paragraph", "boilerplate"} <= kinds
    quote = next(b for b in doc.blocks if "Zitat" in doc.text[b.start:b.end])
    assert quote.quoted and quote.kind == "blockquote"
    para = next(b for b in doc.blocks if doc.text[b.start:b.end].startswith("Absatz 1"))
    assert para.section == "Abschnitt"


def test_html_footer_notice_offsets_point_into_text(tmp_path):
    from compliance.pipeline import load_engine

    path = _write(tmp_path, "a.html", _page(ARTICLE + FOOTER))
    doc = next(iter_path(path))
    notices = load_engine(None).scan(doc, [])
    footer = [n for n in notices if n.scope == "boilerplate"]
    assert footer, notices
    for n in footer:
        assert doc.text[n.start_offset:n.end_offset] == n.text
        assert n.start_offset >= doc.metadata["main_end"]


def test_html_invisible_parts_are_not_text(tmp_path):
    body = (ARTICLE + "<script>var secret = 'SCRIPTTEXT';</script><style>.x{}</style>"
            "<div hidden>HIDDENTEXT</div><div style='display: none'>NONETEXT</div><!-- COMMENTTEXT -->"
            "<p>Sicht&shy;bar</p>")
    doc = next(iter_path(_write(tmp_path, "a.html", _page(body))))
    for hidden in ("SCRIPTTEXT", "HIDDENTEXT", "NONETEXT", "COMMENTTEXT", ".x{}"):
        assert hidden not in doc.text
    assert "Sichtbar" in doc.text  # soft hyphen removed


def test_html_metadata_from_meta_and_jsonld(tmp_path):
    head = ('<title>Fallback</title><meta property="og:title" content="Der Titel">'
            '<meta name="author" content="Erika Muster"><meta property="og:site_name" content="Beispiel">'
            '<link rel="canonical" href="/artikel/1.html">'
            '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-05-01"}</script>')
    raw = f'<html lang="de"><head>{head}</head><body>{ARTICLE}</body></html>'.encode()
    doc = next(html_reader.read(raw, "a.html"))
    assert doc.metadata["title"] == "Der Titel"
    assert doc.metadata["author"] == "Erika Muster"
    assert doc.metadata["sitename"] == "Beispiel"
    assert doc.metadata["date"] == "2024-05-01"
    assert doc.metadata["language"] == "de"
    doc2 = html_reader.parse_html(raw, "a.html", url="https://ex.de/x")
    assert doc2.metadata["canonical"] == "https://ex.de/artikel/1.html"
    assert doc2.metadata["url"] == "https://ex.de/x"


@pytest.mark.parametrize(("raw", "declared", "expected"), [
    ('<meta charset="windows-1251"><p>Привет мир</p>'.encode("cp1251"), None, "Привет мир"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>Привет</p>'.encode("koi8-r"),
     None, "Привет"),
    ("<p>Grüße aus Köln</p>".encode("cp1252"), "iso-8859-1", "Grüße aus Köln"),
    ('<meta charset="iso-8859-1"><p>Grüße aus Köln</p>'.encode(), None, "Grüße aus Köln"),  # mislabelled
    ("<p>Grüße aus Köln</p>".encode("cp1252"), None, "Grüße aus Köln"),  # no declaration: detected
    (b"\xef\xbb\xbf<p>BOM \xc3\xa4</p>", "iso-8859-1", "BOM ä"),
])
def test_html_encodings(raw, declared, expected):
    headers = [("Content-Type", f"text/html; charset={declared}")] if declared else []
    doc = html_reader.parse_html(raw, "p.html", headers=headers)
    assert expected in doc.text


def test_html_gz_and_registry(tmp_path):
    path = _write(tmp_path, "a.html.gz", gzip.compress(_page(ARTICLE)))
    assert "Absatz 3" in next(iter_path(path)).text
    assert reader_for("x.HTM") is html_reader.read
    assert reader_for("x.warc.gz") is warc.read
    assert reader_for("x.jsonl.gz") is jsonl.read


# --- HTML bad input --------------------------------------------------------------------------------


def _error(path: str) -> str:
    with pytest.raises(InputError) as info:
        list(iter_path(path))
    assert "\n" not in str(info.value)
    return info.value.message


def test_truncated_gz(tmp_path):
    data = gzip.compress(_page(ARTICLE * 20))
    assert "truncated" in _error(_write(tmp_path, "a.html.gz", data[: len(data) // 2]))


def test_gzip_members_padding_and_trailing_bytes(tmp_path):
    """As gzip reads them: every member, zero padding after one; anything else after it, or a second
    member cut short, is an error naming the problem."""
    page = _page(ARTICLE * 3)
    one, two = gzip.compress(page[:500]), gzip.compress(page[500:])
    doc = next(iter_path(_write(tmp_path, "m.html.gz", one + b"\0" * 16 + two)))
    assert doc.text == next(iter_path(_write(tmp_path, "plain.html", page))).text
    assert "truncated" in _error(_write(tmp_path, "cut.html.gz", one + two[:-12]))
    assert "not gzip data" in _error(_write(tmp_path, "junk.html.gz", one + b"junk after it"))
    assert "corrupt gzip" in _error(_write(tmp_path, "bad.html.gz", one[:10] + bytes(40) + one[50:]))


def test_not_gzip_named_gz(tmp_path):
    assert "not gzip" in _error(_write(tmp_path, "a.html.gz", _page(ARTICLE)))


def test_no_body(tmp_path):
    assert "no body" in _error(_write(tmp_path, "a.html", b"<html><head><title>x</title></head></html>"))
    assert "no body" in _error(_write(tmp_path, "b.html", b"<html><body><script>x()</script></body></html>"))
    assert "no content" in _error(_write(tmp_path, "c.html", b"   \n"))


def test_binary_named_html(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    assert "binary" in _error(_write(tmp_path, "a.html", png))


def test_huge_file_refused_before_reading(tmp_path):
    path = tmp_path / "huge.html"
    with open(path, "wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * 1024 * 1024)
    message = _error(str(path))
    assert "too large" in message and "200.0 MB" in message


@pytest.fixture
def max_file_size():
    """Set the configured max-file-size for one test: ``max_file_size(bytes)``."""
    from compliance import limits

    yield lambda size: limits.configure(max_file_size=size)
    limits.reset()


def test_gzip_bomb_capped(tmp_path, max_file_size):
    max_file_size(1024 * 1024)
    bomb = gzip.compress(b"<p>" + b"a" * (3 * 1024 * 1024) + b"</p>")
    assert len(bomb) < 1024 * 1024
    assert "exceeds" in _error(_write(tmp_path, "bomb.html.gz", bomb))


def test_symlink_loop_and_missing(tmp_path):
    loop = tmp_path / "loop.html"
    os.symlink(loop, loop)
    assert _error(str(loop))
    assert "no such file" in _error(str(tmp_path / "missing.html"))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads unreadable files")
def test_unreadable_file(tmp_path):
    path = Path(_write(tmp_path, "a.html", _page(ARTICLE)))
    path.chmod(0)
    assert "permission" in _error(str(path))


# --- WARC ------------------------------------------------------------------------------------------


def _warc(records: list[tuple[str, bytes, list[tuple[str, str]], str]], gz: bool = True) -> bytes:
    """A WARC with a warcinfo record then ``(url, payload, headers, status)`` responses (warcio)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "test"}))
    for url, payload, headers, status in records:
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                      http_headers=http))
    return buf.getvalue()


def _offsets(data: bytes) -> list[int]:
    from warcio.archiveiterator import ArchiveIterator

    it = ArchiveIterator(io.BytesIO(data))
    out = []
    for rec in it:
        out.append(it.get_record_offset())
        rec.content_stream().read()
    return out + [len(data)]


INJECTED = [("Content-Type", "text/html"), ("tdm-reservation", "1"), ("X-Robots-Tag", "noai")]


@needs_aeb
@pytest.mark.parametrize("gz", [True, False])
def test_warc_from_real_pages_matches_html_files(tmp_path, real_docs, gz):
    chosen = PAGES[:: max(1, len(PAGES) // 12)][:12]
    records = [(f"https://example.org/{page_hash(p)}", gzip.decompress(p.read_bytes()), INJECTED, "200 OK")
               for p in chosen]
    records.insert(3, ("https://example.org/logo.png", b"\x89PNG....", [("Content-Type", "image/png")], "200 OK"))
    records.insert(5, ("https://example.org/old", b"", [("Location", "/new")], "301 Moved Permanently"))
    path = _write(tmp_path, "crawl.warc.gz" if gz else "crawl.warc", _warc(records, gz))
    docs = list(iter_path(path))
    assert [d.metadata["url"] for d in docs] == [r[0] for r in records if r[2] is INJECTED]
    assert len({d.record for d in docs}) == len(docs)
    for page, doc in zip(chosen, docs, strict=True):
        ref = real_docs[page]
        assert doc.text == ref.text
        assert [(b.kind, b.start, b.end) for b in doc.blocks] == [(b.kind, b.start, b.end) for b in ref.blocks]
        assert doc.metadata["http_headers"]["tdm-reservation"] == "1"
        found = {(s.kind, s.value, s.source) for s in doc.signals}
        assert {("tdm-reservation", "1", "header"), ("robots", "noai", "header")} <= found
        assert set(ref.signals) <= set(doc.signals)  # page signals are the same as from the file
    assert docs[0].record == 2  # the warcinfo record is record 1


@pytest.mark.parametrize("gz", [True, False])
def test_warc_corrupt_record_between_good_ones(tmp_path, gz):
    pages = [(f"https://ex.org/{i}", _page(ARTICLE.replace("Absatz", f"Seite{i}")), INJECTED, "200 OK")
             for i in range(5)]
    data = _warc(pages, gz)
    offs = _offsets(data)
    a, b = offs[3], offs[4]  # record 4 = the third page
    mid = (a + b) // 2
    damaged = data[:mid] + b"\x00\xffGARBAGE" * 8 + data[mid + 40:]
    docs = list(iter_path(_write(tmp_path, "bad.warc.gz" if gz else "bad.warc", damaged)))
    good = [d for d in docs if not is_error(d)]
    errors = [d for d in docs if is_error(d)]
    assert [d.metadata["url"] for d in good] == ["https://ex.org/0", "https://ex.org/1",
                                                  "https://ex.org/3", "https://ex.org/4"]
    assert len(errors) == 1 and errors[0].record == 4
    assert "corrupt" in errors[0].metadata["error"] and "\n" not in errors[0].metadata["error"]
    assert [d.record for d in docs] == sorted(d.record for d in docs)


def test_warc_truncated_file_keeps_good_records(tmp_path):
    data = _warc([(f"https://ex.org/{i}", _page(ARTICLE), INJECTED, "200 OK") for i in range(3)])
    offs = _offsets(data)
    cut = data[: offs[3] + (offs[4] - offs[3]) // 2]
    docs = list(iter_path(_write(tmp_path, "cut.warc.gz", cut)))
    assert [d.metadata.get("url") for d in docs if not is_error(d)] == ["https://ex.org/0", "https://ex.org/1"]
    assert sum(map(is_error, docs)) == 1


def test_warc_page_errors_are_records_not_exceptions(tmp_path):
    records = [("https://ex.org/a", _page(ARTICLE), INJECTED, "200 OK"),
               ("https://ex.org/bin", b"\x00\x01\x02" * 100, INJECTED, "200 OK"),
               ("https://ex.org/b", _page(ARTICLE), INJECTED, "200 OK")]
    docs = list(warc.read(_warc(records), "x.warc.gz"))
    assert [is_error(d) for d in docs] == [False, True, False]
    assert docs[1].metadata["url"] == "https://ex.org/bin" and "binary" in docs[1].metadata["error"]


def test_warc_host_files_apply_to_their_host(tmp_path):
    robots = b"User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    tdmrep = json.dumps([{"location": "/free/*", "tdm-reservation": 0},
                         {"location": "/*", "tdm-reservation": 1, "tdm-policy": "/policy.json"}]).encode()
    records = [("https://news.example/story", _page(ARTICLE), [("Content-Type", "text/html")], "200 OK"),
               ("https://news.example/free/x", _page(ARTICLE), [("Content-Type", "text/html")], "200 OK"),
               ("https://other.example/y", _page(ARTICLE), [("Content-Type", "text/html")], "200 OK"),
               ("https://news.example/robots.txt", robots, [("Content-Type", "text/plain")], "200 OK"),
               ("https://news.example/.well-known/tdmrep.json", tdmrep, [("Content-Type", "application/json")],
                "200 OK")]
    path = _write(tmp_path, "site.warc.gz", _warc(records))
    policies = warc.collect_host_policies([path])
    docs = list(iter_path(path))
    assert [d.metadata["url"] for d in docs] == [r[0] for r in records[:3]]  # host files are not documents
    for d in docs:
        policies.apply(d)
    story, free, other = ({(s.kind, s.value, s.source, s.agent) for s in d.signals} for d in docs)
    assert ("robots-disallow", "disallow", "robots", "GPTBot") in story
    assert ("tdm-reservation", "1", "file", None) in story
    assert ("tdm-policy", "https://news.example/policy.json", "file", None) in story
    assert ("tdm-reservation", "0", "file", None) in free
    assert not {s for s in other if s[2] in ("robots", "file")}


def test_warc_plain_text_record(tmp_path):
    records = [("https://ex.org/a.txt", "Plain text © 2024 Foo.\n\nSecond paragraph.".encode(),
                [("Content-Type", "text/plain; charset=utf-8"), ("tdm-reservation", "1")], "200 OK")]
    doc = next(warc.read(_warc(records), "x.warc.gz"))
    assert doc.text.startswith("Plain text") and len(doc.blocks) == 2
    assert any(s.kind == "tdm-reservation" for s in doc.signals)


# --- JSONL -----------------------------------------------------------------------------------------


JSONL_LINES = [
    json.dumps({"id": 1, "text": "Erster Text.", "url": "https://a.example/1", "title": "Eins"}),
    "{not json",
    "",
    json.dumps({"id": 3, "body": "kein Textfeld"}),
    json.dumps(["a", "list"]),
    json.dumps({"id": 6, "text": "Sechster Text © 2024 Foo.", "license": "CC BY 4.0"}),
]


def test_jsonl_records_and_errors(tmp_path):
    path = _write(tmp_path, "dump.jsonl", "\n".join(JSONL_LINES).encode() + b"\n")
    docs = list(iter_path(path))
    assert [d.record for d in docs] == [1, 2, 4, 5, 6]  # blank line 3 skipped
    assert [is_error(d) for d in docs] == [False, True, True, True, False]
    assert docs[0].text == "Erster Text." and docs[0].metadata["url"] == "https://a.example/1"
    assert docs[0].title == "Eins"
    assert "invalid JSON" in docs[1].metadata["error"]
    assert "'text' missing" in docs[2].metadata["error"]
    assert "not a JSON object" in docs[3].metadata["error"]
    assert docs[4].metadata["fields"] == {"id": 6, "license": "CC BY 4.0"}


def test_jsonl_custom_fields_and_gzip(tmp_path):
    lines = [json.dumps({"doc": {"body": "Verschachtelt."}, "link": "https://b.example/"})]
    read = jsonl.reader(text_field="doc.body", url_field="link")
    doc = next(read(gzip.compress("\n".join(lines).encode()), "x.jsonl.gz"))
    assert doc.text == "Verschachtelt." and doc.metadata["url"] == "https://b.example/"
    docs = list(iter_path(_write(tmp_path, "d.jsonl.gz", gzip.compress("\n".join(JSONL_LINES).encode()))))
    assert len(docs) == 5


def test_jsonl_truncated_gzip_ends_with_one_error(tmp_path):
    lines = [json.dumps({"text": f"Zeile {i} " + "x" * 200}) for i in range(200)]
    data = gzip.compress("\n".join(lines).encode())
    docs = list(iter_path(_write(tmp_path, "cut.jsonl.gz", data[: len(data) // 2])))
    assert is_error(docs[-1]) and "truncated" in docs[-1].metadata["error"]
    assert not any(map(is_error, docs[:-1])) and docs[0].text.startswith("Zeile 0")


def test_jsonl_line_over_cap(tmp_path, max_file_size):
    max_file_size(1000)
    lines = [json.dumps({"text": "a" * 5000}), json.dumps({"text": "kurz"})]
    docs = list(iter_path(_write(tmp_path, "big.jsonl", "\n".join(lines).encode())))
    assert [is_error(d) for d in docs] == [True, False] and docs[1].record == 2


def test_warc_not_a_warc_is_one_error_record(tmp_path):
    docs = list(iter_path(_write(tmp_path, "x.warc", b"this is not a WARC file\n" * 50)))
    assert len(docs) == 1 and is_error(docs[0]) and docs[0].record == 1


def test_warc_record_over_cap_is_an_error_record(max_file_size):
    max_file_size(10_000)
    records = [("https://ex.org/big", _page("<p>" + "x " * 20_000 + "</p>"), INJECTED, "200 OK"),
               ("https://ex.org/small", _page(ARTICLE), INJECTED, "200 OK")]
    docs = list(warc.read(_warc(records), "x.warc.gz"))
    assert [is_error(d) for d in docs] == [True, False] and "exceeds" in docs[0].metadata["error"]


def test_html_without_main_extraction(monkeypatch, tmp_path):
    monkeypatch.setattr(html_reader, "EXTRACT_MAIN", False)
    doc = next(iter_path(_write(tmp_path, "a.html", _page(ARTICLE + FOOTER))))
    assert doc.metadata["main_end"] == 0 and {b.kind for b in doc.blocks} == {"boilerplate"}
    assert "Absatz 2" in doc.text and "Alle Rechte vorbehalten" in doc.text


def test_deeply_nested_page_keeps_its_text():
    depth = 1500  # unclosed tags on old pages; libxml2 drops content below depth 256 by default
    raw = ("<div>" * depth + "<p>Tief verschachtelter Text mit genug Wörtern für einen Absatz.</p>").encode()
    doc = html_reader.parse_html(raw, "deep.html")
    assert "Tief verschachtelter Text" in doc.text


def test_inline_markup_keeps_word_order():
    sentence = "Ein <b>fetter <i>und kursiver</i> Teil</b> mitten im Satz, dann das Ende des langen Absatzes."
    raw = _page(ARTICLE.replace("<p>Absatz 2:", f"<p>{sentence} Absatz 2:"))
    doc = html_reader.parse_html(raw, "a.html")
    main = doc.text[: doc.metadata["main_end"]]
    assert "Ein fetter und kursiver Teil mitten im Satz, dann das Ende des langen Absatzes." in main
