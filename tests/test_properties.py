"""Properties that hold for any input: offsets, readers, notices, matches, normalization, output schemas.

Hypothesis generates the inputs from the characters that break offset code (CRLF, lone CR, combining
marks, astral emoji, RTL text, NUL, soft hyphens, exotic spaces) and from the syntax of each format.
Runs are derandomized (the same examples on every run, no example database), so CI is repeatable; the
example counts keep this whole module well under a minute. ``bench/fuzz.py`` runs the same kind of
inputs for as long as one likes.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from compliance.document import _SPACES, Document, OffsetMap, PlainBuilder
from compliance.errors import ComplianceError
from compliance.pipeline import FileResult, load_engine, scan_document
from compliance.readers import iter_path
from compliance.readers.stream import is_error
from compliance.report import render
from compliance.reuse import CorpusIndex
from compliance.reuse.pipeline import check_documents
from compliance.reuse.view import document_view, to_plain_span
from compliance.textpos import LineIndex
from tests.conftest import ROOT

SARIF_SCHEMA = ROOT / ".." / "shared" / "data" / "schemas" / "sarif-schema-2.1.0.json"
OUTPUT_SCHEMA = ROOT / "tests" / "schemas" / "compliance-output.schema.json"
CORPUS = ROOT / "fixtures" / "corpus"

_BASE = settings(derandomize=True, database=None, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])


def props(examples: int) -> settings:
    """Repeatable, bounded settings: the same ``examples`` inputs on every run."""
    return settings(_BASE, max_examples=examples)

# Characters that break offset arithmetic: every line-break style, combining marks, astral characters
# (two UTF-16 units, one code point), right-to-left text and marks, NUL and other controls, invisible
# characters the plain view drops, and spaces it substitutes.
TRICKY = ["\n", "\r\n", "\r", "\r\r\n", "\n\r", "e\u0301", "a\u0308\u0323", "😀", "👩\u200d👩\u200d👧", "🇩🇪",
          "שלום", "مرحبا", "\u202e", "\u200f", "\x00", "\x0b", "\x0c", "\u2028", "\u0085", "\u00ad", "\u200b",
          "\ufeff", "\u00a0", "\u2009", "\t", "ß", "İ", "ﬁ", "Ａ", " ", "  ", "x", "Wort", "."]
TRICKY_TEXT = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=3)), max_size=40).map("".join)

NOTICE_BITS = ["© 2024 Erzkurier.de", "Copyright (c) 2019-2023 Foo GmbH.", "Alle Rechte vorbehalten.",
               "All rights reserved.", "Nachdruck verboten.", "(dpa)", "Foto: dpa/Max Muster", "Quelle: Reuters",
               "Dieser Artikel steht unter CC BY-SA 4.0.", "Text and data mining is reserved.",
               "https://creativecommons.org/licenses/by/4.0/", "Die Preise stiegen am Montag.",
               "Die Minengesellschaft meldete höhere Fördermengen."]
MD_BITS = ["# ", "## ", "> ", "- ", "1. ", "**", "*", "_", "`", "[", "](https://example.org)", "<b>", "</b>",
           "\\", "```\n", "    ", "| a | b |\n|---|---|\n", "---\n"]
HTML_BITS = ["<p>", "</p>", "<div>", "</div>", "<footer>", "</footer>", "<h1>", "</h1>", "<blockquote>",
             "</blockquote>", "<br>", "<a href='https://example.org'>", "</a>", "&amp;", "&nbsp;", "&#169;",
             "<script>x()</script>", "<!-- c -->", "<li>", "<table><tr><td>", "</td></tr></table>"]


def text_of(bits: list[str], max_size: int = 40) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(bits), st.sampled_from(TRICKY)), max_size=max_size).map("".join)


@pytest.fixture(scope="module")
def engine():
    return load_engine(None)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("props")


def read_file(workdir: Path, name: str, data: bytes) -> list[Document]:
    path = workdir / name
    path.write_bytes(data)
    return list(iter_path(str(path)))


def line_starts(text: str) -> list[int]:
    """An independent oracle: offsets where lines start (after \\r\\n, a lone \\r or \\n)."""
    starts = [0]
    i = 0
    while i < len(text):
        if text[i] == "\r" and text[i + 1:i + 2] == "\n":
            i += 2
            starts.append(i)
            continue
        i += 1
        if text[i - 1] in "\r\n":
            starts.append(i)
    return starts


# --- offsets <-> line/column ---------------------------------------------------------------------


@props(500)
@given(TRICKY_TEXT)
def test_offsets_and_line_columns_round_trip_for_any_text(text):
    index = LineIndex(text)
    starts = line_starts(text)
    assert index.line_count == len(starts)
    previous = None
    for offset in range(len(text) + 1):
        pos = index.position(offset)
        line = max(k for k, s in enumerate(starts) if s <= offset)
        assert (pos.line, pos.column) == (line + 1, offset - starts[line] + 1)
        assert index.offset(pos.line, pos.column) == offset
        if previous is not None:
            assert (pos.line, pos.column) > (previous.line, previous.column)
        previous = pos
    for bad in (-1, len(text) + 1):
        with pytest.raises(ValueError):
            index.position(bad)


@props(150)
@given(TRICKY_TEXT)
def test_document_positions_are_the_text_positions(workdir, text):
    try:
        docs = read_file(workdir, "pos.txt", text.encode("utf-8"))
    except ComplianceError:  # control characters can make a file "binary"
        return
    for doc in docs:
        assert doc.text == text.removeprefix("\ufeff") or doc.text == text
        for offset in range(0, len(doc.text) + 1, max(1, len(doc.text) // 7)):
            pos = doc.position(offset)
            assert doc.lines.offset(pos.line, pos.column) == offset


# --- readers: a Document or a clean error, for any bytes ------------------------------------------


READER_FILES = ["x.txt", "x.md", "x.html", "x.html.gz", "x.warc", "x.warc.gz", "x.jsonl", "x.jsonl.gz"]


def assert_document_invariants(doc: Document) -> None:
    """Blocks and plain-view runs lie inside their texts, each run is a copy, any span maps inside."""
    assert isinstance(doc, Document) and isinstance(doc.text, str) and isinstance(doc.plain, str)
    if is_error(doc):
        assert doc.text == "" and "\n" not in doc.metadata["error"]
        return
    n, m = len(doc.text), len(doc.plain)
    for b in doc.blocks:
        assert 0 <= b.start <= b.end <= n and 0 <= b.plain_start <= b.plain_end <= m, b
    om = doc.offset_map
    for p, s, length in zip(om._plain, om._src, om._len, strict=True):
        assert p + length <= m and s + length <= n
        assert doc.plain[p:p + length] == _SPACES.sub(" ", doc.text[s:s + length])
    for a in range(0, m + 1, max(1, m // 5)):
        for b in (a, min(m, a + 3), m):
            s, e = om.span(a, b)
            assert 0 <= s <= e <= n
    json.dumps(doc.metadata, allow_nan=False)


def container(name: str, data: bytes) -> bytes:
    return gzip.compress(data) if name.endswith(".gz") else data


# Bytes that get a reader past its first checks: a format's opening, a BOM, gzip magic.
PREFIXES = [b"", b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 40\r\n\r\n", b'{"text": "', b"<html><p>",
            b"---\ntitle: ", b"\xef\xbb\xbf", b"\xff\xfe", b"\x1f\x8b\x08\x00", b"# Titel\n\n"]


@props(200)
@given(st.sampled_from(READER_FILES), st.sampled_from(PREFIXES), st.binary(max_size=600))
def test_every_reader_returns_documents_or_a_clean_error_for_arbitrary_bytes(workdir, name, prefix, data):
    data = prefix + data
    for payload in (data, container(name, data)):
        try:
            docs = read_file(workdir, name, payload)
        except ComplianceError as err:
            assert str(err) and "\n" not in str(err)
            continue
        for doc in docs:
            assert_document_invariants(doc)


def _warc(page: bytes) -> bytes:
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
    block = head + page
    return (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://example.org/a\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % len(block)
            + block + b"\r\n\r\n")


def _jsonl(text: str) -> bytes:
    return json.dumps({"text": text, "url": "https://example.org/a"}).encode() + b"\n"


FORMATTERS = {
    "x.txt": lambda t: t.encode("utf-8", "surrogatepass"),
    "x.md": lambda t: t.encode("utf-8", "surrogatepass"),
    "x.html": lambda t: ("<html><body><article><p>" + t + "</p></article></body></html>").encode("utf-8"),
    "x.warc": lambda t: _warc(("<html><body><p>" + t + "</p></body></html>").encode("utf-8")),
    "x.jsonl": _jsonl,
}


@props(200)
@given(st.sampled_from(sorted(FORMATTERS)), text_of(NOTICE_BITS + MD_BITS + HTML_BITS, 30), st.booleans())
def test_every_reader_handles_structured_hostile_text(workdir, name, text, gz):
    data = FORMATTERS[name](text)
    if gz and name != "x.txt" and name != "x.md":
        name, data = name + ".gz", gzip.compress(data)
    try:
        docs = read_file(workdir, name, data)
    except ComplianceError:
        return
    for doc in docs:
        assert_document_invariants(doc)


# --- notices lie inside the text -----------------------------------------------------------------


@props(300)
@given(st.sampled_from(["x.txt", "x.md", "x.html"]), text_of(NOTICE_BITS + MD_BITS + HTML_BITS, 40))
def test_notices_lie_inside_the_text_and_are_the_slice_at_their_offsets(workdir, engine, name, text):
    try:
        docs = read_file(workdir, name, FORMATTERS[name](text))
    except ComplianceError:
        return
    for doc in docs:
        result = scan_document(engine, doc)
        event(f"notices found: {len(result.notices) > 0}")
        for n in result.notices:
            assert 0 <= n.start_offset < n.end_offset <= len(doc.text)
            assert n.text == doc.text[n.start_offset:n.end_offset]
            assert n.start == doc.position(n.start_offset) and n.end == doc.position(n.end_offset)
            assert n.text.strip() == n.text  # a notice starts and ends on a visible character
        spans = [n.offset for n in result.notices]
        assert spans == sorted(spans)


# --- normalization maps offsets back exactly ---------------------------------------------------------


@props(300)
@given(st.lists(st.tuples(st.booleans(), TRICKY_TEXT), max_size=12))
def test_plain_builder_runs_map_back_exactly(pieces):
    source = "".join(t for copy, t in pieces if copy)
    builder = PlainBuilder(source)
    pos = 0
    for copy, t in pieces:
        if copy:
            builder.copy(pos, pos + len(t))
            pos += len(t)
        else:
            builder.insert("\n\n")
    plain, om = builder.build()
    # every plain character copied from the source maps to an equal character (spaces normalized)
    for p, s, length in zip(om._plain, om._src, om._len, strict=True):
        assert plain[p:p + length] == _SPACES.sub(" ", source[s:s + length])
        for k in range(length):
            assert om.span(p + k, p + k + 1) == (s + k, s + k + 1)
    if not om._plain:
        return  # nothing was copied: a map without runs is the identity (see the test below)
    # any plain span maps to an ordered span inside the source
    for a in range(len(plain) + 1):
        s, e = om.span(a, len(plain))
        assert 0 <= s <= e <= len(source)


def _same_char(a: str, b: str) -> bool:
    return a == b or _SPACES.sub(" ", b) == a


@props(250)
@given(st.sampled_from(["x.txt", "x.md", "x.html"]), text_of(NOTICE_BITS + MD_BITS + HTML_BITS, 40))
def test_normalized_tokens_map_to_exact_text_spans_and_back(workdir, name, text):
    try:
        docs = read_file(workdir, name, FORMATTERS[name](text))
    except ComplianceError:
        return
    for doc in docs:
        view = document_view(doc)
        om = view.offset_map
        for i in range(len(view)):
            ps, pe = view.plain_span(i, i + 1)
            s, e = view.text_span(i, i + 1)
            assert 0 <= s < e <= len(doc.text)
            # the span starts on the token's first character and ends on its last one
            assert _same_char(doc.plain[ps], doc.text[s]) and _same_char(doc.plain[pe - 1], doc.text[e - 1])
            assert to_plain_span(om, s, e) == (ps, pe)


def test_offset_map_without_runs_is_the_identity():
    om = OffsetMap()
    assert om.span(3, 7) == (3, 7) and om.span(5, 5) == (5, 5)


# --- matches lie inside both texts; JSON and SARIF are valid ---------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, engine):
    index = CorpusIndex(tmp_path_factory.mktemp("props-corpus") / "corpus.sqlite", create=True)
    index.add_paths([str(CORPUS)], engine, jobs=1)
    yield index
    index.close()


def _sentences() -> list[str]:
    """Sentences of the fixture corpus (our own texts): drafts reuse them with hostile noise around."""
    out: list[str] = []
    for path in sorted(CORPUS.rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if len(s.split()) >= 8 and "#" not in s]
    return out[:60]


SENTENCES = _sentences()
NOISE = ["\n", "\r\n", "\r", "\n\n", " ", "\u00ad", "\u00a0", "😀", "e\u0301", "„", "“", "> ", "**", "_", "- ",
         "<b>", "</b>", "\u202e", "© 2024 Foo GmbH. Alle Rechte vorbehalten.", "[", "](https://example.org)"]


@st.composite
def drafts(draw) -> str:
    """A run of consecutive corpus sentences (so that there is reuse to find) amid sentences and noise."""
    i = draw(st.integers(0, len(SENTENCES) - 1))
    parts = draw(st.lists(st.one_of(st.sampled_from(SENTENCES), st.sampled_from(NOISE)), max_size=8))
    parts.insert(draw(st.integers(0, len(parts))), " ".join(SENTENCES[i:i + draw(st.integers(1, 4))]))
    text = " ".join(parts)
    if draw(st.booleans()):  # soft hyphen or line break inside words of a copied sentence
        words = text.split(" ")
        k = draw(st.integers(0, len(words) - 1))
        words[k] = words[k][: len(words[k]) // 2] + draw(st.sampled_from(["\u00ad", "-\n", "\r\n"])) + \
            words[k][len(words[k]) // 2:]
        text = " ".join(words)
    return text


@pytest.fixture(scope="module")
def validators():
    jsonschema = pytest.importorskip("jsonschema")
    sarif = jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    ours = json.loads(OUTPUT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(ours)
    return {"sarif": sarif, "json": jsonschema.Draft202012Validator(ours)}


def assert_valid(validator, data) -> None:
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def rendered(fmt: str, results: list[FileResult]) -> dict:
    buf = io.StringIO()
    render(fmt, results, buf)
    return json.loads(buf.getvalue())


@props(120)
@given(st.sampled_from(["draft.md", "draft.txt", "dr aft <x>&.md"]), drafts())
def test_matches_lie_inside_both_texts_and_reports_are_schema_valid(workdir, engine, corpus, validators, name,
                                                                    text):
    path = workdir / name
    path.write_text(text, encoding="utf-8", newline="")
    results = check_documents([str(path)], corpus, engine=engine)
    event(f"matches found: {sum(len(r.matches) for r in results) > 0}")
    for result in results:
        doc = result.document
        for m in result.matches:
            assert 0 <= m.draft_start < m.draft_end <= len(doc.text)
            assert m.draft_text == doc.text[m.draft_start:m.draft_end]
            assert m.start == doc.position(m.draft_start) and m.end == doc.position(m.draft_end)
            source = corpus.get(m.source.id)
            assert 0 <= m.source_start < m.source_end <= len(source.text)
            assert m.source_text == source.text[m.source_start:m.source_end]
            assert 0 < m.similarity <= 1
        for v in result.verdicts:
            assert 0 <= v.draft_start <= v.draft_end <= len(doc.text)
            assert v.start == doc.position(v.draft_start)
    assert_valid(validators["json"], rendered("json", results))
    assert_valid(validators["sarif"], rendered("sarif", results))


@props(100)
@given(st.sampled_from(["n.md", "n.txt", "n.html", "a b/<x>\"&'.md", "ü/ç.txt"]),
       text_of(NOTICE_BITS + MD_BITS, 30))
def test_notices_json_and_sarif_are_schema_valid(workdir, engine, validators, name, text):
    path = workdir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(FORMATTERS["x" + path.suffix](text))
    try:
        docs = list(iter_path(str(path)))
    except ComplianceError:
        return
    results = [scan_document(engine, doc) for doc in docs]
    from compliance.pipeline import json_report

    out = io.StringIO()
    json.dump(json_report(results), out, ensure_ascii=False, allow_nan=False)
    assert_valid(validators["json"], json.loads(out.getvalue()))
    assert_valid(validators["json"], rendered("json", results))
    assert_valid(validators["sarif"], rendered("sarif", results))


def test_the_output_schema_is_not_vacuous(validators):
    good = {"version": 1, "files": [{"path": "a.md", "notices": [], "matches": [], "verdicts": [], "sources": [],
                                     "provenance": None, "warnings": []}]}
    assert_valid(validators["json"], good)
    for bad in ({**good, "version": 2}, {**good, "extra": 1}, {"version": 1},
                {"version": 1, "files": [{**good["files"][0], "notices": [{"kind": "copyright"}]}]},
                {"version": 1, "files": [{**good["files"][0], "path": None}]}):
        assert list(validators["json"].iter_errors(bad))
