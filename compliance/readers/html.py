"""HTML pages (``.html``/``.htm``, optionally gzipped): main text plus the rest of the visible page.

Rights notices mostly live in footers, outside the article, so a Document must carry both the main
text (for reuse and quoting) and the boilerplate (for notices), with exact offsets for either.
``Document.text`` is therefore a rendering of the page::

    main-text blocks (trafilatura), separated by blank lines
    <blank line>
    the page's other visible blocks (nav, footer, ...), one per line, in page order

Main blocks keep their structure (``heading``, ``paragraph``, ``list_item``, ``blockquote`` with
``quoted=True``, ``table``, ``code``); every other block has kind ``boilerplate``.
``metadata["main_end"]`` is the offset where the main text ends: ``text[:main_end]`` is the article.
A visible block whose text already occurs in the main text is not repeated.

The page is parsed once (lxml); signals (meta, links, JSON-LD) and metadata are read from that tree
before it is stripped of non-visible elements, and trafilatura works on the same tree (it copies it).
Metadata comes from meta tags, ``<link rel=canonical>`` and JSON-LD rather than trafilatura's
``extract_metadata``, which would halve throughput (htmldate). The fast path of archive audits
(``EXTRACT_FAST``) parses with lexbor instead and gives the same layout (:mod:`compliance.readers.html_fast`).

Nothing here crashes on bad input: binary data, undecodable text, an empty page, truncated or
oversized gzip data all raise :class:`InputError` with a one-line reason. Hostile pages are bounded by
:mod:`compliance.limits`: a page nested deeper than ``html_max_depth`` is refused (libxml2 would drop
its end silently), one with more than ``html_max_elements`` elements or whose trafilatura run passes
``extract_timeout`` gets the fast main-text extraction (``metadata["extraction"]`` says why).

The full path never loses a page the fast path reads: libxml2 is no HTML5 parser and keeps HTML5
elements (``<article>``, ``<header>``, ...) inside an unclosed ``<head>``, where they would be dropped with
it; they are moved to the body as a browser does. A page whose visible text is still empty (an
article inside ``<noscript>`` in the head) is read by the fast path instead.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import regex

from compliance import limits
from compliance.document import INVISIBLE, Block, Document, PlainBuilder
from compliance.errors import InputError
from compliance.readers import html_fast
from compliance.readers.stream import GZIP_MAGIC, file_size, gunzip, mb, open_binary, read_capped

# False skips main-text extraction (trafilatura is ~2/3 of the time per page): every visible block
# is then "boilerplate" and main_end is 0 — for a fast notices/signals-only pass over an archive.
EXTRACT_MAIN = True
# True reads pages on the fast path for archive audits, where throughput matters more than exact
# boundaries: lexbor parses and resiliparse extracts the main text (:mod:`compliance.readers.html_fast`);
# without resiliparse, lxml parses and the main text is taken from the visible lines (:func:`fast_main`).
EXTRACT_FAST = False
# fast_main: a line of at least FAST_GOOD_WORDS words with at most FAST_GOOD_LINKS of its characters in
# links is article text; a line with more than FAST_BAD_LINKS in links is navigation.
FAST_GOOD_WORDS = 12
FAST_GOOD_LINKS = 0.3
FAST_BAD_LINKS = 0.5
# trafilatura settings: recall over precision (a missed paragraph hides reuse), "fast" skips the
# fallback extractors (2x faster at the same token recall on real pages), comments are not the article.
EXTRACT_OPTIONS: dict[str, Any] = {"favor_recall": True, "fast": True, "include_comments": False,
                                   "include_tables": True}

_META_CHARSET = regex.compile(
    rb"""<meta[^>]+?(?:charset\s*=\s*["']?\s*|content\s*=\s*["'][^"'>]*?charset\s*=\s*)([\w.:-]+)""", regex.I)
_CT_CHARSET = regex.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", regex.I)
_XML_DECL = regex.compile(r"^\s*<\?xml[^>]*\?>")
_UTF8_MULTIBYTE = regex.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL = regex.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# every byte but the control bytes XML forbids (xml_safe_utf8 deletes these and looks at what is left)
_XML_ALLOWED_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))
_UTF8_SURROGATE = re.compile(b"\xed[\xa0-\xbf]")  # a lone surrogate, encoded with surrogatepass
_SINGLE_BYTE_WESTERN = {"iso8859-1", "latin-1", "cp1252", "ascii", "iso8859-15"}  # codecs.lookup names
_INVISIBLE_TABLE = str.maketrans("", "", INVISIBLE)
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")  # re.sub is ~7x faster than str.translate on a whole page
_SEP = "\ufdd0"  # block boundary marker while serializing visible text (a noncharacter: never in text)
# fast_main markers (noncharacters too): link, heading line, blockquote, boilerplate container
_LINK_ON, _LINK_OFF, _HEAD, _QUOTE_ON, _QUOTE_OFF = "\ufdd1", "\ufdd2", "\ufdd3", "\ufdd4", "\ufdd5"
_BOIL_ON, _BOIL_OFF = "\ufdd6", "\ufdd7"
_MARKS = re.compile("[\ufdd1-\ufdd7]")
_MARK_SET = frozenset(chr(c) for c in range(0xFDD1, 0xFDD8))
_MARK_SPLIT = re.compile("([\ufdd1-\ufdd7])")
_EMPTY_RUNS = re.compile("\ufdd0[\\s\ufdd0]*\ufdd0")
# Containers whose text is never the article (fast_main): page furniture, and class/id names of cookie
# banners and privacy dialogs, newsletter boxes, comment sections and polls: long prose a density rule keeps.
# Whole name parts only ("comments", not "commentary"); never the page or article element itself
# (WordPress puts "comments-open" on <body>).
_BOILER_TAGS = frozenset(("nav", "footer", "aside"))
_BOILER_NAMES = re.compile(
    r"(?i)(?:^|[\s_-])(?:cookies?|consent|gdpr|privacy|newsletter|comments?|polls?)(?:$|[\s_-])")
_NEVER_BOILER = frozenset(("html", "body", "main", "article"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_MARKED = frozenset(("a", "blockquote", *_HEADINGS, *_BOILER_TAGS))  # elements that always get markers

# Elements whose content is never shown, and elements that start a new line of text.
_DROP = ("script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas",
         "select", "datalist", "head", "title")
_BLOCK = frozenset(("address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
                    "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
                    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend",
                    "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
                    "td", "tfoot", "th", "thead", "tr", "ul"))
_HIDDEN_STYLE = regex.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", regex.I)

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # its warnings would reach stderr


def max_bytes() -> int:
    """Largest page (after decompression) read at all: the configured max-file-size."""
    return limits.current().max_file_size


def read(data: bytes, path: str) -> Iterator[Document]:
    """A page from bytes in memory (``.gz`` is decompressed with a size and ratio cap)."""
    yield parse_html(_maybe_gunzip(data, path), path)


def read_file(path: str) -> Iterator[Document]:
    """A page from disk: the size is checked before anything is read (a 200 MB file is refused)."""
    size = file_size(path)
    cap = max_bytes()
    if size > cap:
        raise InputError(f"file too large: {mb(size)} (limit {mb(cap)}; {limits.HINT_SIZE})", path)
    with open_binary(path) as fh:
        data = read_capped(fh, path, cap)
    yield parse_html(_maybe_gunzip(data, path), path)


def _maybe_gunzip(data: bytes, path: str) -> bytes:
    if data[:2] == GZIP_MAGIC:
        return gunzip(data, path, max_bytes())
    if path.lower().endswith(".gz"):
        raise InputError("not gzip data (named .gz)", path)
    return data


# --- decoding --------------------------------------------------------------------------------------


def decode_html(data: bytes, path: str, declared: str | None = None) -> str:
    """Bytes to text: BOM, then the HTTP charset, then ``<meta charset>``, then UTF-8, then detection.

    A declared Western single-byte charset on bytes that are valid UTF-8 with multibyte sequences is a
    common mislabel: UTF-8 wins. Invalid bytes in otherwise UTF-8 pages are replaced, not fatal (the web
    is full of them). Binary data is refused.
    """
    from compliance.readers.sniff import refuse_binary_document

    refuse_binary_document(data, path)  # a PDF or Word file (an archived download, a misnamed page)
    head = data[:8192]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("binary data, not HTML", path)
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return _checked(data[len(bom):].decode(enc, errors="replace"), path)
    candidates = [declared, _meta_charset(data)]
    for enc in candidates:
        enc = _encoding_name(enc)
        if not enc:
            continue
        if enc in _SINGLE_BYTE_WESTERN and _UTF8_MULTIBYTE.search(data):
            try:
                return _checked(data.decode("utf-8"), path)
            except UnicodeDecodeError:
                pass
        try:
            return _checked(data.decode(enc), path)
        except (LookupError, UnicodeDecodeError):
            continue  # a wrong declaration: fall through
    try:
        return _checked(data.decode("utf-8"), path)
    except UnicodeDecodeError:
        if _UTF8_MULTIBYTE.search(data):
            return _checked(data.decode("utf-8", errors="replace"), path)
    from charset_normalizer import from_bytes

    best = from_bytes(data[:262144]).best()
    if best is None or best.encoding is None:
        raise InputError("binary or undecodable data, not HTML", path)
    return _checked(data.decode(best.encoding, errors="replace"), path)


def _meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:16384])
    return m.group(1).decode("ascii", "ignore") if m else None


def _encoding_name(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name.replace("_", "-")
    except LookupError:
        return None


def _checked(text: str, path: str) -> str:
    if len(_CONTROL.findall(text[:8192])) > 8:
        raise InputError("binary data, not HTML", path)
    return text


def charset_of(content_type: str | None) -> str | None:
    m = _CT_CHARSET.search(content_type or "")
    return m.group(1) if m else None


# --- the page --------------------------------------------------------------------------------------


def parse_html(data: bytes, path: str, *, url: str | None = None,
               headers: Iterable[tuple[str, str]] = (), record: int | None = None,
               vocab: Any = None) -> Document:
    """One page as a Document with main text, boilerplate, metadata and signals.

    ``headers`` are the HTTP response headers (pairs) when the page came from an archive: they give
    the charset and header signals. Whatever the page holds, the only exception is InputError (an
    unexpected library failure becomes one too, with its cause chained for ``--debug``).
    """
    try:
        return _parse_html(data, path, url, list(headers), record, vocab)
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 - one bad page must not crash an archive run
        raise InputError(f"cannot read HTML ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})",
                         path) from err


def _parse_html(data: bytes, path: str, url: str | None, headers: list[tuple[str, str]],
                record: int | None, vocab: Any, force_fast: bool = False) -> Document:
    from lxml import etree
    from lxml import html as lxml_html

    cap = max_bytes()
    if len(data) > cap:
        raise InputError(f"page too large: {mb(len(data))} (limit {mb(cap)}; {limits.HINT_SIZE})", path)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    text = decode_html(data, path, charset_of(content_type))
    if (decl := _XML_DECL.match(text)) is not None:  # match, not sub: sub tries every position of the page
        text = text[decl.end():]
    fast = EXTRACT_MAIN and (EXTRACT_FAST or force_fast)
    if fast and html_fast.available():
        return _parse_lexbor(text, path, url, headers, record, vocab)
    raw = xml_safe_utf8(text)
    try:
        # huge_tree: libxml2 otherwise drops everything below depth 256 (unclosed tags on old pages).
        # Without trafilatura no HtmlElement methods are needed: plain elements spare a Python class
        # lookup per element, which is a good part of the cost of walking a page.
        if fast:
            tree = etree.fromstring(raw, _plain_parser())
            if tree is None:
                raise ValueError("Document is empty")
        else:
            tree = lxml_html.document_fromstring(raw, parser=_parser())
    except (etree.LxmlError, ValueError) as err:
        raise InputError(f"HTML has no content ({str(err).splitlines()[0] if str(err) else 'empty'})",
                         path) from None
    check_depth(tree, path)
    metadata, signals = _page_facts(tree, url, headers, vocab)
    _body_out_of_head(tree)

    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, *_DROP, with_tail=False)
    main: list[tuple[str, str, bool]] | None = None
    if EXTRACT_MAIN and not fast:
        main, metadata["extraction"] = bounded_main_blocks(tree)
        fast = main is None  # too large or too slow for trafilatura: the fast extraction instead
    if fast:
        lines = visible_lines(tree)
        visible = [line for line, _, _ in lines]
        main = fast_main(lines)
    else:
        visible = visible_blocks(tree)
    if not visible and not fast and EXTRACT_MAIN:  # the fast path may still read it (see the module doc)
        doc = _parse_html(data, path, url, headers, record, vocab, force_fast=True)
        doc.metadata["extraction"] = "fast: no visible text on the full path"
        return doc
    if metadata.get("extraction") is None:
        metadata.pop("extraction", None)
    return _finish(path, main or [], visible, metadata, signals, headers, record, exact=fast)


# Elements that belong in <head>; from the first other element on, a browser puts the rest into the body.
_HEAD_ONLY = frozenset(("title", "meta", "link", "base", "script", "style", "template", "noscript"))


def _body_out_of_head(tree: Any) -> None:
    """Move what libxml2 left in ``<head>`` from the first non-head element on (``<article>`` and other HTML5
    elements it does not know, after an unclosed head) to the start of the body, as an HTML5 parser does."""
    head = tree.find("head")
    if head is None:
        return
    children = list(head)
    first = next((i for i, el in enumerate(children) if isinstance(el.tag, str) and el.tag not in _HEAD_ONLY), None)
    if first is None:
        return
    moved = [el for el in children[first:] if isinstance(el.tag, str)]
    if not moved:
        return
    body = tree.find("body")
    if body is None:
        body = tree.makeelement("body", {})
        tree.append(body)
    for k, el in enumerate(moved):
        body.insert(k, el)


def _parse_lexbor(text: str, path: str, url: str | None, headers: list[tuple[str, str]],
                  record: int | None, vocab: Any) -> Document:
    """The fast path (see :mod:`compliance.readers.html_fast`): the same Document layout, from lexbor."""
    page = html_fast.parse(text.encode("utf-8", "replace"), path)
    metadata, signals = _page_facts(page, url, headers, vocab)
    main, visible = html_fast.texts(page)
    return _finish(path, main, visible, metadata, signals, headers, record, exact=True)


def _page_facts(tree: Any, url: str | None, headers: list[tuple[str, str]],
                vocab: Any) -> tuple[dict[str, Any], list[Any]]:
    """Metadata and signals (headers, meta, links, JSON-LD) of a parsed page, lxml or lexbor."""
    from compliance.detect import signals as sig

    vocab = vocab or sig.load_vocabulary()
    jsonld = sig.jsonld_items(tree)
    metadata = page_metadata(tree, jsonld, url)
    base = metadata.get("url")
    signals = sig.dedupe([*sig.from_headers(headers, vocab, base), *sig.from_html(tree, vocab, base, jsonld)])
    return metadata, signals


def _finish(path: str, main: list[tuple[str, str, bool]], visible: list[str], metadata: dict[str, Any],
            signals: list[Any], headers: list[tuple[str, str]], record: int | None, exact: bool) -> Document:
    if not visible:
        raise InputError("HTML has no body (no visible text)", path)
    doc = compose(path, main, visible, metadata, exact=exact)
    limits.check_lines(doc.text, path)
    doc.record = record
    doc.signals = signals
    if headers:
        doc.metadata["http_headers"] = _header_dict(headers)
    return doc


def xml_safe_utf8(text: str) -> bytes:
    """``text`` as UTF-8 for lxml, with the characters XML forbids as spaces (lxml refuses to set text
    holding them, and a stray form feed in an old page must not cost the page).

    lxml parses UTF-8 bytes ~20 % faster than a ``str`` (which it converts), and the bytes are checked
    with a ``translate`` that keeps only the forbidden control bytes and two ``in`` tests: a tenth of the
    time of a regex over the page, which runs only when one of them is there.
    """
    raw = text.encode("utf-8", "surrogatepass")
    if raw.translate(None, _XML_ALLOWED_BYTES) or b"\xef\xbf\xbe" in raw or b"\xef\xbf\xbf" in raw or (
            b"\xed" in raw and _UTF8_SURROGATE.search(raw)):
        raw = _XML_FORBIDDEN.sub(" ", text).encode("utf-8")
    return raw


@lru_cache(maxsize=1)
def _parser() -> Any:
    from lxml import html as lxml_html

    return lxml_html.HTMLParser(huge_tree=True, encoding="utf-8")


@lru_cache(maxsize=1)
def _plain_parser() -> Any:
    from lxml import etree

    return etree.HTMLParser(huge_tree=True, encoding="utf-8")


def _drop_keep_tail(el: Any) -> None:
    """Remove ``el`` and its content but keep the text after it (``HtmlElement.drop_tree`` for any element)."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _header_dict(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names; repeated headers combined with ", " as HTTP allows."""
    out: dict[str, str] = {}
    for k, v in headers:
        key = k.lower()
        out[key] = f"{out[key]}, {v}" if key in out else v
    return out


def page_metadata(tree: Any, jsonld: list[dict[str, Any]], url: str | None) -> dict[str, Any]:
    """Title, author, sitename, date, language, canonical and URL from meta tags and JSON-LD."""
    from compliance.detect.signals import join_url, jsonld_types, jsonld_values, rel_elements

    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        name = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if name and content and name not in meta:
            meta[name] = content
    article = next((i for i in jsonld if jsonld_types(i) & {"NewsArticle", "Article", "BlogPosting",
                                                               "ReportageNewsArticle", "WebPage"}), {})

    def ld(*keys: str) -> str | None:
        for key in keys:
            values = jsonld_values(article.get(key))
            if values:
                return ", ".join(dict.fromkeys(values))
        return None

    title_el = tree.find(".//title")
    title = meta.get("og:title") or meta.get("twitter:title") or ld("headline", "name") or \
        (" ".join("".join(title_el.itertext()).split()) if title_el is not None else None)
    canonical = next((el.get("href") for el in rel_elements(tree, "canonical", "link") if el.get("href")), None)
    canonical = canonical or meta.get("og:url")
    if canonical:  # join_url: a broken link (``http://[::1``) must not make the page unreadable
        canonical = join_url(url, canonical.strip())
    publisher = article.get("publisher")
    fields = {
        "title": title,
        "author": meta.get("author") or meta.get("article:author") or meta.get("dc.creator")
        or meta.get("dcterms.creator") or ld("author", "creator"),
        "sitename": meta.get("og:site_name") or meta.get("application-name")
        or (jsonld_values(publisher)[0] if jsonld_values(publisher) else None),
        "date": meta.get("article:published_time") or ld("datePublished") or meta.get("date")
        or meta.get("dc.date") or meta.get("dcterms.date") or meta.get("pubdate"),
        "language": (tree.get("lang") or tree.get("xml:lang") or meta.get("og:locale") or "").strip() or None,
        "canonical": canonical,
        "url": url or canonical,
    }
    return {k: " ".join(v.split()) if isinstance(v, str) else v for k, v in fields.items() if v}


def visible_blocks(tree: Any) -> list[str]:
    """The page's visible text as lines (one per block-level element run), whitespace collapsed.

    Mutates ``tree`` (call it after text extraction): hidden elements are dropped, except a hidden footer
    (:func:`compliance.readers.html_fast.shown_anyway`), and block elements get a separator character, so
    lxml serializes the text in C instead of a Python walk.
    """
    lines = (" ".join(line.split()) for line in _serialize(tree).split(_SEP))
    return [line for line in lines if line]


def _serialize(tree: Any, marks: bool = False) -> str:
    """Visible text with ``_SEP`` between blocks; ``marks`` adds link, heading, blockquote and boilerplate
    markers. One pass over the elements (Python-level element visits are the cost here)."""
    from lxml import etree

    for el in tree.xpath("//*[@hidden or @style]"):
        if (el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style") or "")) and \
                el.getparent() is not None and not html_fast.shown_anyway(el.tag, el.get("class"), el.get("id")):
            _drop_keep_tail(el)
    block, sep = _BLOCK, _SEP
    for el in tree.iter():
        tag = el.tag
        if marks and (tag in _MARKED or _boiler_named(el)):
            pre, post = _marks_of(el, tag)
            if tag in block:
                el.text = sep + pre + (el.text or "")
                el.tail = (" " if tag in ("td", "th") else "") + sep + post + (el.tail or "")
            elif pre or post:
                el.text = pre + (el.text or "")
                el.tail = post + (el.tail or "")
        elif tag in block:
            el.text = sep + (el.text or "")
            el.tail = (" " + sep if tag in ("td", "th") else sep) + (el.tail or "")
    text = etree.tostring(tree, method="text", encoding="unicode", with_tail=False)
    if _INVISIBLE_RE.search(text):
        text = _INVISIBLE_RE.sub("", text)
    return text


def _marks_of(el: Any, tag: str) -> tuple[str, str]:
    """Markers put before an element's text and before its tail (see visible_lines)."""
    pre = post = ""
    if tag == "a":
        pre, post = _LINK_ON, _LINK_OFF
    elif tag == "blockquote":
        pre, post = _QUOTE_ON, _QUOTE_OFF
    elif tag in _HEADINGS:
        pre = _HEAD
    if tag in _BOILER_TAGS or (tag not in _NEVER_BOILER and _boiler_named(el)):
        pre, post = pre + _BOIL_ON, _BOIL_OFF + post
    return pre, post


def _boiler_named(el: Any) -> bool:
    """Does the element's class or id name page furniture (``_BOILER_NAMES``)? Pages repeat a few class
    names on hundreds of elements: each distinct value is tested once."""
    cls, ident = el.get("class"), el.get("id")
    return bool((cls and _boiler_name(cls)) or (ident and _boiler_name(ident)))


@lru_cache(maxsize=8192)
def _boiler_name(value: str) -> bool:
    return _BOILER_NAMES.search(value) is not None


def visible_lines(tree: Any) -> list[tuple[str, float, str]]:
    """Like :func:`visible_blocks`, with each line's link density and kind (heading, blockquote, paragraph).

    A line inside a page-furniture container (nav, footer, cookie banner, ...) gets link density 1.0:
    for :func:`fast_main` it is navigation whatever it says.
    """
    out: list[tuple[str, float, str]] = []
    in_link = in_quote = in_boiler = 0
    search = _MARKS.search
    # empty blocks leave runs of separators and spaces: collapse them in C before the Python loop
    for raw in _EMPTY_RUNS.sub(_SEP, _serialize(tree, marks=True)).split(_SEP):
        if not raw or raw.isspace():
            continue
        if not search(raw):
            quoted = in_quote > 0
            out.append((" ".join(raw.split()), 1.0 if in_link or in_boiler else 0.0,
                        "blockquote" if quoted else "paragraph"))
            continue
        kind = "heading" if raw[0] == _HEAD else "paragraph"
        link_chars = 0
        quoted = boiler = False
        texts = []
        for piece in _MARK_SPLIT.split(raw):  # markers and the text between them (nesting never below 0)
            if len(piece) == 1 and piece in _MARK_SET:
                if piece == _LINK_ON:
                    in_link += 1
                elif piece == _LINK_OFF:
                    in_link = in_link - 1 if in_link else 0
                elif piece == _QUOTE_ON:
                    in_quote += 1
                elif piece == _QUOTE_OFF:
                    in_quote = in_quote - 1 if in_quote else 0
                elif piece == _BOIL_ON:
                    in_boiler += 1
                elif piece == _BOIL_OFF:
                    in_boiler = in_boiler - 1 if in_boiler else 0
            else:
                texts.append(piece)
                stripped = piece.strip()
                if stripped:
                    if in_link:
                        link_chars += len(stripped)
                    if in_quote:
                        quoted = True
                    if in_boiler:
                        boiler = True
        line = " ".join("".join(texts).split())
        if line:
            density = 1.0 if boiler else min(1.0, link_chars / len(line))
            out.append((line, density, "blockquote" if quoted and kind == "paragraph" else kind))
    return out


def fast_main(lines: list[tuple[str, float, str]]) -> list[tuple[str, str, bool]]:
    """Main text from visible lines: the densest run of article-like lines (no trafilatura).

    A line is *good* (long, few links), *bad* (mostly link text: menus, teasers) or *short*. The
    article is the contiguous run of lines that maximizes good words minus bad words minus one per
    short line (maximum-subarray, as in Finn et al.'s Body Text Extraction); bad lines inside the run
    are left out. On real pages this keeps ~95 % of the true body's words at ~1/10 of trafilatura's cost;
    a footer sentence next to the article can end up in the main text (lower precision).
    """
    best = cur = 0.0
    best_span = (0, 0)
    start = 0
    bad = []
    for i, (line, links, _) in enumerate(lines):
        words = line.count(" ") + 1
        if links > FAST_BAD_LINKS:
            value, is_bad = -words, True
        elif words >= FAST_GOOD_WORDS and links <= FAST_GOOD_LINKS:
            value, is_bad = words, False
        else:
            value, is_bad = -1, False
        bad.append(is_bad)
        if cur <= 0:
            cur, start = 0.0, i
        cur += value
        if cur > best:
            best, best_span = cur, (start, i + 1)
    lo, hi = best_span
    return [(kind, line, kind == "blockquote") for (line, _, kind), is_bad in
            zip(lines[lo:hi], bad[lo:hi], strict=True) if not is_bad]


@lru_cache(maxsize=4)
def _too_deep(depth: int) -> Any:
    """An XPath that finds an element below ``depth`` levels: one step per level, each over the
    elements at that level only, so it costs one pass over the tree (in C)."""
    from lxml import etree

    return etree.XPath("boolean(/" + "/".join(["*"] * (depth + 1)) + ")")


def check_depth(tree: Any, path: str) -> None:
    """Refuse a page nested deeper than the limit.

    libxml2 stops building the tree at depth 2047 (even with ``huge_tree``) and drops the rest of the
    page without an error, so a page could hide its footer notice behind 2,100 nested ``<div>``: such
    a page is refused, not read in part.
    """
    depth = limits.current().html_max_depth
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    if _too_deep(depth)(root):
        raise InputError(f"HTML nested too deeply: more than {depth} levels of elements (html-max-depth in "
                         "[tool.compliance.limits]; libxml2 drops what lies below 2047)", path)


def bounded_main_blocks(tree: Any) -> tuple[list[tuple[str, str, bool]] | None, str | None]:
    """trafilatura's main text within the limits: ``(blocks, None)``, or ``(None, why)`` when the page has
    too many elements or the extraction runs past its time budget (the caller then uses :func:`fast_main`)."""
    lim = limits.current()
    elements = int(tree.xpath("count(//*)"))
    if elements > lim.html_max_elements:
        return None, f"fast: {elements} elements (html-max-elements {lim.html_max_elements})"
    try:
        with _time_budget(lim.extract_timeout):
            return main_blocks(tree), None
    except _ExtractTimeout:
        return None, f"fast: trafilatura took over {lim.extract_timeout:g}s (extract-timeout)"


class _ExtractTimeout(BaseException):
    """Raised by the alarm inside trafilatura; a BaseException so its ``except Exception`` cannot swallow it."""


class _time_budget:
    """Raise :class:`_ExtractTimeout` after ``seconds`` (SIGALRM; the main thread of a POSIX process only,
    which is where readers run: the CLI and the workers of ``audit`` and ``corpus add``). Elsewhere it does
    nothing, and the element limit is the only bound."""

    def __init__(self, seconds: float) -> None:
        import signal
        import threading

        self.seconds = seconds
        self.active = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self.previous: Any = None

    def __enter__(self) -> _time_budget:
        if self.active:
            import signal

            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    @staticmethod
    def _expired(signum: int, frame: Any) -> None:
        raise _ExtractTimeout

    def __exit__(self, *exc: object) -> None:
        if self.active:
            import signal

            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
            finally:  # the alarm may fire just before it is cancelled: restore the handler anyway
                signal.signal(signal.SIGALRM, self.previous if self.previous is not None else signal.SIG_DFL)


def main_blocks(tree: Any) -> list[tuple[str, str, bool]]:
    """(kind, text, quoted) for each block of trafilatura's main text; [] when it finds none."""
    from trafilatura import bare_extraction

    try:
        result = bare_extraction(tree, **EXTRACT_OPTIONS)
    except Exception:  # noqa: BLE001 - a library failure on one page must not stop an archive
        return []
    body = getattr(result, "body", None)
    if body is None:
        return []
    out: list[tuple[str, str, bool]] = []
    _loose_text(body.text, out, quoted=False)
    for el in body:
        _main_element(el, out, quoted=False)
        _loose_text(el.tail, out, quoted=False)  # text between blocks belongs to no element
    return [(k, t, q) for k, t, q in out if t]


def _loose_text(text: str | None, out: list[tuple[str, str, bool]], quoted: bool) -> None:
    if text and text.strip():
        line = " ".join(text.translate(_INVISIBLE_TABLE).split())
        out.append(("blockquote" if quoted else "paragraph", line, quoted))


_MAIN_KIND = {"head": "heading", "p": "paragraph", "code": "code", "item": "list_item"}


def _main_element(el: Any, out: list[tuple[str, str, bool]], quoted: bool) -> None:
    tag = el.tag
    if tag == "list":
        for item in el.iterchildren("item"):
            out.append(("list_item", _text_of(item), quoted))
    elif tag == "table":
        for row in el.iter("row"):
            cells = [_text_of(c) for c in row.iterchildren("cell")]
            out.append(("table", " | ".join(c for c in cells if c), quoted))
    elif tag == "quote":
        if any(c.tag in ("p", "list", "head", "quote") for c in el):
            _loose_text(el.text, out, quoted=True)
            for child in el:
                _main_element(child, out, quoted=True)
                _loose_text(child.tail, out, quoted=True)
        else:
            out.append(("blockquote", _text_of(el), True))
    elif tag == "graphic":
        return
    else:
        kind = _MAIN_KIND.get(tag, "paragraph")
        out.append(("blockquote" if quoted and kind == "paragraph" else kind, _text_of(el), quoted))


def _text_of(el: Any) -> str:
    """Text of an element with ``<lb/>`` as line breaks, whitespace collapsed within each line."""
    from lxml import etree

    pieces: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if event == "start":
            if node.tag == "lb" or (node is not el and node.tag in ("list", "p", "item", "row")):
                pieces.append("\n")
            if node.text and node.tag != "lb":
                pieces.append(node.text)
        elif node is not el and node.tail:
            pieces.append(node.tail)
    lines = (" ".join(line.translate(_INVISIBLE_TABLE).split()) for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def compose(path: str, main: list[tuple[str, str, bool]], visible: list[str],
            metadata: dict[str, Any], exact: bool = False) -> Document:
    """Lay out main blocks, then the visible blocks not already in the main text, with exact offsets.

    ``exact``: main blocks are visible lines themselves, so only equal lines are duplicates (no
    substring search of the main text for every line).
    """
    pieces: list[str] = []
    blocks: list[Block] = []
    pos = 0
    section = None
    for kind, text, quoted in main:
        if pieces:
            pieces.append("\n\n")
            pos += 2
        if kind == "heading":
            section = " ".join(text.split())
        blocks.append(Block(kind, pos, pos + len(text), quoted=quoted,
                            section=None if kind == "heading" else section))
        pieces.append(text)
        pos += len(text)
    main_end = pos
    main_text = " ".join("".join(pieces).split())
    seen: set[str] = {" ".join(t.split()) for _, t, _ in main}  # exact block matches: no substring scan
    first = True
    for line in visible:
        if line in seen or (not exact and line in main_text):
            continue
        seen.add(line)
        sep = ("\n\n" if pieces else "") if first else "\n"
        first = False
        pieces.append(sep)
        pos += len(sep)
        blocks.append(Block("boilerplate", pos, pos + len(line)))
        pieces.append(line)
        pos += len(line)
    text = "".join(pieces)
    builder = PlainBuilder(text)
    builder.copy(0, len(text))  # invisible characters are already gone: plain has text's offsets
    plain, offset_map = builder.build()
    for b in blocks:
        b.plain_start, b.plain_end = b.start, b.end
    metadata = dict(metadata)
    metadata["main_end"] = main_end
    return Document(path=path, text=text, blocks=blocks, plain=plain, offset_map=offset_map,
                    metadata=metadata, format="html")
