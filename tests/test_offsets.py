"""The one offset convention: code points, half-open; lines/columns 1-based; exact maps back from plain."""

from __future__ import annotations

from compliance.readers import read_text
from compliance.readers.plain import build_plain_document
from compliance.textpos import LineIndex


def test_positions_count_code_points_and_every_line_break_style():
    text = "a😀b\r\ncd\re\nf"
    idx = LineIndex(text)
    assert idx.position(0).to_dict() == {"line": 1, "column": 1}
    assert idx.position(2).to_dict() == {"line": 1, "column": 3}  # the emoji is one code point
    assert idx.position(5).to_dict() == {"line": 2, "column": 1}  # after \r\n
    assert idx.position(8).to_dict() == {"line": 3, "column": 1}  # after lone \r
    assert idx.position(10).to_dict() == {"line": 4, "column": 1}
    for offset in range(len(text) + 1):
        pos = idx.position(offset)
        assert idx.offset(pos.line, pos.column) == offset


def test_markdown_plain_view_strips_markup_and_maps_back_exactly():
    text = "# Title\n\nSee **[Rohstoff-Welt.de](https://x.de)** and `code` \\*here\\*.\n\n> quoted *line*\n"
    doc = read_text(text, "a.md")
    assert "See Rohstoff-Welt.de and code *here*." in doc.plain
    i = doc.plain.index("Rohstoff-Welt.de")
    s, e = doc.source_span(i, i + len("Rohstoff-Welt.de"))
    assert text[s:e] == "Rohstoff-Welt.de"
    kinds = [(b.kind, b.quoted) for b in doc.blocks]
    assert kinds == [("heading", False), ("paragraph", False), ("blockquote", True)]
    quoted = doc.blocks[2]
    assert doc.plain[quoted.plain_start:quoted.plain_end] == "quoted line"
    assert doc.blocks[1].section == "Title"
    assert doc.metadata["links"][0]["url"] == "https://x.de"


def test_soft_hyphens_are_invisible_to_detectors_but_offsets_stay_exact():
    text = "Crea\u00adtive Com\u00admons by\n\nnext"
    doc = build_plain_document(text, "x.txt")
    assert doc.plain.startswith("Creative Commons by")
    s, e = doc.source_span(0, len("Creative Commons"))
    assert text[s:e] == "Crea\u00adtive Com\u00admons"
    assert [(b.start, b.end) for b in doc.blocks] == [(0, 21), (23, 27)]
    assert doc.plain[doc.blocks[1].plain_start:doc.blocks[1].plain_end] == "next"


def test_front_matter_becomes_metadata_and_a_block():
    text = "---\ntitle: Hello\nsource: Reuters\n---\nBody text.\n"
    doc = read_text(text, "a.md")
    assert doc.metadata["title"] == "Hello"
    assert doc.blocks[0].kind == "front_matter"
    assert doc.blocks[1].kind == "paragraph"
    assert text[doc.blocks[1].start:doc.blocks[1].end] == "Body text."
