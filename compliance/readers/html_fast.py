"""The fast HTML path (``audit --extract fast``): lexbor via resiliparse instead of lxml and trafilatura.

Archive audits read pages by the hundred thousand. The lxml path walks the tree element by element in
Python to lay out the visible text and measure each line's links; here the page is parsed by lexbor (C)
and both texts the Document needs come out of resiliparse's C extractor:

- the page's visible text, one line per block (for notices, which live in footers), and
- its main content (resiliparse's own boilerplate removal), whose lines become the main blocks.

On the 181 real pages of ``archive-aeb`` the main text keeps 98.8 % of the true body's words (the
line-density heuristic of the lxml fast path: 94.8 %), the notices are those of the lxml path (and three
bylines more), and a page costs ~15 % less (3.7 against 4.3 ms of CPU, decompressed page to Document).

The layout, offsets, signals and metadata are those of :mod:`compliance.readers.html`: signals and
metadata read the lexbor tree through :class:`LexborPage`, which offers the few lxml calls they use.
Main blocks are headings or blockquotes when their text is that of an ``<h1>``-``<h6>`` or a
``<blockquote>``; every other main block is a paragraph (the extractor keeps no element kinds).

resiliparse's main-content pass costs time quadratic in nesting depth (20,000 unclosed ``<span>``
take seconds), so pages deeper than :data:`MAIN_DEPTH_CHECK` are measured exactly and refused past
``html_max_depth``, as on the lxml path.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from compliance import limits
from compliance.document import INVISIBLE
from compliance.errors import InputError

MAIN_DEPTH_CHECK = 100  # a cheap test first (real pages nest ~20-60 deep); the exact limit only past it
_EXTRACT = {"preserve_formatting": True, "list_bullets": False, "alt_texts": False, "links": False,
            "form_fields": False, "noscript": False}
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# candidates only: building a Python node costs ~3 us, and pages put inline styles on hundreds of elements
_HIDDEN_SELECTOR = '[hidden], [style*="none" i], [style*="hidden" i]'
# A hidden footer is read all the same: sites render their footer hidden and let a script show it, and
# the footer is where the rights notice stands; dropping it would pass the page as holding none.
_FOOTER_NAME = re.compile(r"(?i)(?:^|[\s_-])(?:footer|copyright)(?:$|[\s_-])")
# minimal HTML of the main content: its few tags, a heading line, a <br> (a line break in the plain text)
_TAG = re.compile(r"</?(?:h[1-6]|p|pre|ul|ol|li|br|a)\b[^>]*>")
_HEADING = re.compile(r"\s*<h[1-6]\b")
_BREAK = re.compile(r"<br\b[^>]*>\s*")
# Visible elements the extractor drops, found in the page's bytes before parsing (<figure>/<figcaption>
# become blocks, <label> stays inline), and the attribute that marks their replacements
_DROPPED_TAG = re.compile(rb"<(/?)(fig(?:ure|caption)|label)(?=[\s/>])", re.I)
_MARK = "data-compliance-renamed"


def _renamed(m: re.Match[bytes]) -> bytes:
    tag = b"span" if m.group(2).lower() == b"label" else b"div"
    return b"</" + tag if m.group(1) else b"<" + tag + b" " + _MARK.encode()


def clean_lines(text: str) -> list[str]:
    """Non-empty lines of extracted text, whitespace collapsed, invisible characters removed."""
    if _INVISIBLE_RE.search(text):
        text = _INVISIBLE_RE.sub("", text)
    return [line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line]


@lru_cache(maxsize=1)
def available() -> bool:
    """Is resiliparse installed (the ``archive`` extra)? Without it the lxml fast path is used."""
    try:
        import resiliparse.extract.html2text  # noqa: F401
    except ImportError:
        return False
    return True


class LexborElement:
    """An element with lxml's ``get``/``text``/``itertext``, as signals and metadata read them."""

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.node.getattr(name, default)

    @property
    def text(self) -> str | None:
        return self.node.text

    def itertext(self) -> Iterator[str]:
        yield self.node.text or ""


class LexborPage:
    """The parsed page, offering the lxml tree calls of :mod:`compliance.detect.signals` and
    :func:`compliance.readers.html.page_metadata`: ``iter(*tags)`` in document order, ``get`` on the
    root element and ``find(".//title")``."""

    def __init__(self, tree: Any) -> None:
        self.tree = tree
        self.document = tree.document
        self._by_tags: dict[tuple[str, ...], list[LexborElement]] = {}

    def iter(self, *tags: str) -> Iterator[LexborElement]:
        """Elements of these tags (kept: metadata and signals both read every ``<meta>``)."""
        if tags not in self._by_tags:
            self._by_tags[tags] = list(self.select(", ".join(tags)))
        return iter(self._by_tags[tags])

    def select(self, css: str) -> Iterator[LexborElement]:
        """Elements matching a CSS selector, in document order (``values()``: indexing the collection
        one by one costs time quadratic in its length)."""
        return map(LexborElement, self.document.query_selector_all(css).values())

    def get(self, name: str, default: str | None = None) -> str | None:
        root = self.document.first_element_child
        return root.getattr(name, default) if root is not None else default

    def find(self, path: str) -> LexborElement | None:
        node = self.document.query_selector(path.removeprefix(".//"))
        return LexborElement(node) if node is not None else None


def parse(raw: bytes, path: str) -> LexborPage:
    """The page's UTF-8 bytes parsed by lexbor; refused when nested deeper than ``html_max_depth``.

    ``<figure>``, ``<figcaption>`` and ``<label>`` are renamed first (to marked ``<div>`` and ``<span>``):
    resiliparse's extractor drops them whole, but captions carry the photo credits ("(AP Photo/...)",
    "Credit: Getty Images") and some sites set their footer in a ``<label>``. The main-content pass
    skips the marked elements, as it skipped the originals.
    """
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse_from_bytes(_DROPPED_TAG.sub(_renamed, raw), "utf-8")
    if tree.document is None or tree.document.first_element_child is None:
        raise InputError("HTML has no content (empty)", path)
    check_depth(tree, path)
    return LexborPage(tree)


@lru_cache(maxsize=8)
def _deeper_than(depth: int) -> str:
    """A selector that matches an element below ``depth`` levels of elements."""
    return " > ".join(["*"] * (depth + 1))


def check_depth(tree: Any, path: str) -> None:
    depth = limits.current().html_max_depth
    doc = tree.document
    if doc.query_selector(_deeper_than(min(MAIN_DEPTH_CHECK, depth))) is None:
        return
    if depth <= MAIN_DEPTH_CHECK or doc.query_selector(_deeper_than(depth)) is not None:
        raise InputError(f"HTML nested too deeply: more than {depth} levels of elements (html-max-depth in "
                         "[tool.compliance.limits])", path)


def shown_anyway(tag: str, cls: str | None, ident: str | None) -> bool:
    """Is a hidden element read as visible text? A ``<footer>``, or an element whose class or id names a
    footer or copyright line (``site-footer``, ``copyright``): page furniture a script shows later."""
    return tag == "footer" or bool((cls and _FOOTER_NAME.search(cls)) or (ident and _FOOTER_NAME.search(ident)))


def drop_hidden(page: LexborPage) -> None:
    """Remove elements the page hides (``hidden``, inline ``display:none``/``visibility:hidden``): the
    extractor keeps them in its visible text, the lxml path never shows them. Hidden footers stay
    (:func:`shown_anyway`)."""
    for node in page.document.query_selector_all(_HIDDEN_SELECTOR).values():
        if (node.hasattr("hidden") or _HIDDEN_STYLE.search(node.getattr("style", ""))) and not shown_anyway(
                node.tag.lower(), node.getattr("class"), node.getattr("id")):
            node.decompose()


def texts(page: LexborPage) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """(main blocks as ``(kind, text, quoted)``, visible lines) of a parsed page.

    The main content comes as resiliparse's minimal HTML (``<h1>``-``<h6>``, ``<p>``, ``<pre>``, lists):
    cheaper than its plain text (0.8 against 1.1 ms a page), and it says which lines are headings.
    """
    from resiliparse.extract.html2text import extract_plain_text

    drop_hidden(page)
    visible = clean_lines(extract_plain_text(page.tree, main_content=False, **_EXTRACT))
    marked = extract_plain_text(page.tree, main_content=True, comments=False, skip_elements=[f"[{_MARK}]"],
                                **{**_EXTRACT, "preserve_formatting": "minimal_html"})
    main = main_blocks(marked)
    if main and (quotes := _texts_of(page, "blockquote")):
        main = [("blockquote", line, True) if kind == "paragraph" and any(line in q for q in quotes) else
                (kind, line, quoted) for kind, line, quoted in main]
    return main, visible


def main_blocks(marked: str) -> list[tuple[str, str, bool]]:
    """``(kind, text, False)`` per line of resiliparse's minimal HTML: tags dropped, entities decoded."""
    out: list[tuple[str, str, bool]] = []
    for raw in _BREAK.sub("\n", marked).split("\n"):
        if not raw or raw.isspace():
            continue
        heading = _HEADING.match(raw) is not None
        text = _TAG.sub("", raw)
        if "&" in text:
            text = html.unescape(text)
        for line in clean_lines(text):
            out.append(("heading" if heading else "paragraph", line, False))
    return out


def _texts_of(page: LexborPage, selector: str) -> set[str]:
    return {" ".join(n.text.split()) for n in page.document.query_selector_all(selector).values() if n.text}
