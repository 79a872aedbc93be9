"""The full HTML path (trafilatura) never loses a page the fast path (``--extract fast``) reads."""

from __future__ import annotations

import pytest

from compliance.errors import InputError
from compliance.readers import html

PARAGRAPH = ("Die Sanierung der alten Kaimauer am Nordufer verzögert sich um ein weiteres Jahr, weil Gutachter "
             "Hohlräume hinter den Spundwänden entdeckt haben, die erst verfüllt werden müssen.")
ARTICLE = "<h1>Neue Kaimauer im Hafen</h1>" + "".join(f"<p>{PARAGRAPH} Absatz {i}.</p>" for i in range(6))

# Pages whose visible-text walk on the full path found nothing ("HTML has no body (no visible text)"):
# libxml2 keeps HTML5 elements inside an unclosed <head>, and the head is dropped as invisible.
SHAPES = {
    "article in an unclosed head": f"<html><head><title>T</title><article>{ARTICLE}</article></head><body>",
    "header and main in the head": f"<html><head><meta charset=utf-8><title>T</title><header>Hafenzeitung</header>"
                                   f"<main>{ARTICLE}</main></head><body></body></html>",
    "noscript in the head": f"<html><head><title>T</title><noscript><article>{ARTICLE}</article></noscript></head>"
                            "<body></body></html>",
}


def read(page: str, fast: bool, monkeypatch) -> html.Document:
    monkeypatch.setattr(html, "EXTRACT_FAST", fast)
    [doc] = list(html.read(page.encode("utf-8"), "page.html"))
    return doc


@pytest.mark.parametrize("shape", SHAPES)
def test_full_path_reads_what_the_fast_path_reads(shape, monkeypatch):
    page = SHAPES[shape]
    assert PARAGRAPH in read(page, True, monkeypatch).text
    doc = read(page, False, monkeypatch)
    main = doc.text[:doc.metadata["main_end"]]
    assert PARAGRAPH in main and "Neue Kaimauer im Hafen" in main
    assert doc.metadata["title"] == "T"


def test_head_elements_stay_out_of_the_text(monkeypatch):
    """Moving misplaced content out of the head moves nothing that belongs there (a comment first included)."""
    page = (f"<html><head><!-- build 7 --><meta name=author content=A><title>Titel</title><style>p{{}}</style>"
            f"</head><body><p>{PARAGRAPH}</p></body></html>")
    doc = read(page, False, monkeypatch)
    assert doc.text == PARAGRAPH and doc.metadata["title"] == "Titel"


def test_a_page_with_no_visible_text_on_either_path_is_still_an_input_error(monkeypatch):
    page = f"<html><head><title>T</title></head><body><div hidden>{ARTICLE}</div></body></html>"
    for fast in (True, False):
        with pytest.raises(InputError, match="no visible text"):
            read(page, fast, monkeypatch)
