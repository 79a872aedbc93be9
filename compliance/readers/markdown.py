"""Markdown: block structure from markdown-it-py, inline markup stripped for the plain view.

markdown-it gives block line ranges but no character offsets for inline content, so each content
line is located in its source line and inline markup (links, emphasis, code spans, autolinks,
escapes, inline HTML) is removed by a small tokenizer that records exactly which source characters
it kept. HTML comments are not in the plain view at all: a reader never sees them, so they are neither
prose to match nor notices nor attribution (``<!-- compliance: ignore … reason="licensed from dpa" -->``
names a source without crediting it); suppressions are read from ``text``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from typing import Any

import regex
from markdown_it import MarkdownIt

from compliance import limits
from compliance.document import Block, Document, PlainBuilder
from compliance.errors import InputError
from compliance.readers.decode import decode, without_surrogates
from compliance.textpos import LineIndex

_FRONT_MATTER = regex.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)---[ \t]*(?:\r?\n|\Z)", regex.S)
# Bracket and tag bodies exclude their own opener ("[", "<"), so a line of "[[[[" or "<a <a <a" is
# scanned once instead of once per opener (that took minutes on a few hundred KB). A code span starts
# only at the start of a backtick run, takes the whole run (possessive) and moves through its body a
# run at a time: with a backtracking `+ and .+?, 4,000 backticks in a line took 5 s (cubic).
_INLINE = regex.compile(
    r"""\\(?P<esc>[!-/:-@\[-`{-~])
      | !?\[(?P<text>[^\[\]\n]*)\]\((?P<url>[^)\s]*)(?:\s+"[^"\n]*")?\)
      | !?\[(?P<ref>[^\[\]\n]*)\]\[[^\[\]\n]*\]
      | <(?P<auto>(?:https?|ftp|mailto):[^>\s]+|[^>\s@]+@[^>\s@]+)>
      | (?<!`)(?P<ticks>`++)(?P<code>(?:[^`]++|`++)+?)(?P=ticks)(?!`)
      | (?P<tag></?[A-Za-z][^<>\n]*>)
      | (?P<emph>\*+|~~|(?<!\w)_+|_+(?!\w))
    """,
    regex.X,
)
_KEEP_GROUPS = ("esc", "text", "ref", "auto", "code")
_LEAF_OPEN = {"paragraph_open", "heading_open"}
_RAW_LEAVES = {"fence": "code", "code_block": "code", "html_block": "html"}

_md = MarkdownIt("commonmark").enable("table")


def read(data: bytes, path: str) -> Iterator[Document]:
    text = decode(data, path)
    limits.check_lines(text, path)
    yield parse_markdown(text, path)


def parse_markdown(text: str, path: str) -> Document:
    lines = LineIndex(text)
    builder = PlainBuilder(text)
    blocks: list[Block] = []
    links: list[dict[str, Any]] = []
    metadata: dict[str, Any] = {}
    body_start = 0
    m = _FRONT_MATTER.match(text)
    if m:
        metadata = _parse_front_matter(m.group(1), path)
        _copy_block(builder, blocks, Block("front_matter", m.start(1), m.end(1)))
        body_start = m.end()
    line_offset = lines.position(body_start).line - 1
    tokens = _md.parse(text[body_start:])
    _walk(tokens, text, lines, line_offset, builder, blocks, links)
    plain, offset_map = builder.build()
    doc = Document(path=path, text=text, blocks=blocks, plain=plain, offset_map=offset_map,
                   metadata=metadata, format="markdown")
    if links:
        doc.metadata.setdefault("links", links)
    return doc


# Keys readers set themselves: front matter must not shadow them (an ``error`` key would make a good
# document look unreadable, a ``links`` key would hide the document's own links).
_RESERVED_KEYS = frozenset(("error", "links", "main_end", "fields", "http_headers"))
# Metadata that every reader gives as text (the HTML reader takes them from meta tags): coerced to str.
_TEXT_KEYS = frozenset(("title", "author", "publisher", "source", "sitename", "date", "language", "canonical",
                        "url", "license"))
# Values in the front matter once aliases are expanded: ``&a [*b, *b, ...]`` chains ("billion laughs")
# are tiny on disk and exponential for whoever walks them (JSON output, policy).
MAX_FRONT_MATTER_VALUES = 10_000


def _parse_front_matter(raw: str, path: str) -> dict[str, Any]:
    """The front matter as JSON-safe metadata: a YAML mapping of the writer's fields, never Python objects."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(raw)
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise InputError(f"invalid front matter: {getattr(err, 'problem', err)}", path, line) from None
    except (ValueError, TypeError, LookupError, RecursionError) as err:  # ``!!int x``, nesting too deep
        first = str(err).splitlines()[0] if str(err) else ""
        raise InputError(f"invalid front matter: {type(err).__name__}: {first}", path, 2) from None
    if not isinstance(data, dict):
        return {}
    budget = [MAX_FRONT_MATTER_VALUES]
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = without_surrogates(str(k))
        if key in _RESERVED_KEYS:
            continue
        value = _json_value(v, budget, path)
        if key in _TEXT_KEYS:
            value = _text_value(value)
        if value is not None:
            out[key] = value
    return out


def _json_value(value: Any, budget: list[int], path: str) -> Any:
    """``value`` with dates as ISO strings, non-finite floats and bytes as text, sets as lists."""
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError(f"front matter too large: over {MAX_FRONT_MATTER_VALUES} values once aliases are "
                         "expanded", path, 2)
    if isinstance(value, str):  # YAML can spell lone surrogates ("\ud800"), which UTF-8 output cannot hold
        return without_surrogates(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {_json_value(str(k), budget, path): _json_value(v, budget, path) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_value(v, budget, path) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _text_value(value: Any) -> str | None:
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list):
        parts = [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]
        return ", ".join(parts) or None
    return str(value)


def _open_block(builder: PlainBuilder, blocks: list[Block], block: Block) -> Block:
    """Start ``block`` in the plain view (blocks are separated by a blank line); fill it, then close it."""
    if blocks:
        builder.insert("\n\n")
    block.plain_start = builder.length
    blocks.append(block)
    return block


def _close_block(builder: PlainBuilder, block: Block) -> None:
    block.plain_end = builder.length


def _copy_block(builder: PlainBuilder, blocks: list[Block], block: Block) -> None:
    _open_block(builder, blocks, block)
    builder.copy(block.start, block.end)
    _close_block(builder, block)


def _walk(tokens, text: str, lines: LineIndex, line_offset: int, builder: PlainBuilder,
          blocks: list[Block], links: list[dict[str, Any]]) -> None:
    quote_depth = 0
    list_depth = 0
    section: str | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "blockquote_open":
            quote_depth += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif tok.type in _LEAF_OPEN and tok.map and i + 1 < len(tokens):
            inline = tokens[i + 1]
            kind = "heading" if tok.type == "heading_open" else (
                "list_item" if list_depth else "blockquote" if quote_depth else "paragraph")
            start, end = _span(lines, text, tok.map, line_offset)
            block = _open_block(builder, blocks, Block(kind, start, end, quoted=quote_depth > 0, section=section))
            _copy_inline(inline.content, tok.map[0] + line_offset, lines, text, builder, links,
                         _comment_spans(text, start, end))
            _close_block(builder, block)
            if kind == "heading":
                section = builder_text(builder, block)
            i += 2
            continue
        elif tok.type in _RAW_LEAVES and tok.map:
            start, end = _span(lines, text, tok.map, line_offset)
            block = _open_block(builder, blocks, Block(_RAW_LEAVES[tok.type], start, end, quoted=quote_depth > 0,
                                                       section=section))
            if tok.type == "html_block":
                for a, b in _outside_comments(text, start, end):
                    builder.copy(a, b)
            else:
                builder.copy(start, end)
            _close_block(builder, block)
        elif tok.type == "table_open" and tok.map:
            start, end = _span(lines, text, tok.map, line_offset)
            _copy_block(builder, blocks, Block("table", start, end, quoted=quote_depth > 0, section=section))
            while i < len(tokens) and tokens[i].type != "table_close":
                i += 1
        i += 1


def builder_text(builder: PlainBuilder, block: Block) -> str:
    return "".join(builder.parts)[block.plain_start:block.plain_end].strip()


def _span(lines: LineIndex, text: str, line_map: list[int], line_offset: int) -> tuple[int, int]:
    first, last = line_map[0] + line_offset, line_map[1] + line_offset
    start = lines.line_start(first + 1)
    end = lines.line_start(last + 1) if last < lines.line_count else len(text)
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return start, end


def _line_text(lines: LineIndex, text: str, line_no0: int) -> tuple[int, str]:
    if line_no0 >= lines.line_count:
        return len(text), ""
    start = lines.line_start(line_no0 + 1)
    end = lines.line_start(line_no0 + 2) if line_no0 + 1 < lines.line_count else len(text)
    return start, text[start:end].rstrip("\r\n")


def _comment_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``<!-- … -->`` spans in ``text[start:end]`` (linear: an unclosed ``<!--`` ends the search)."""
    spans = []
    pos = text.find("<!--", start, end)
    while pos >= 0:
        close = text.find("-->", pos + 4, end)
        if close < 0:
            break
        spans.append((pos, close + 3))
        pos = text.find("<!--", close + 3, end)
    return spans


def _outside_comments(text: str, start: int, end: int,
                      comments: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """The parts of ``[start, end)`` outside HTML comments."""
    if comments is None:
        comments = _comment_spans(text, start, end)
    parts, pos = [], start
    for a, b in comments:
        if b <= pos or a >= end:
            continue
        if a > pos:
            parts.append((pos, a))
        pos = max(pos, b)
    if pos < end:
        parts.append((pos, end))
    return parts


def _copy_inline(content: str, first_line0: int, lines: LineIndex, text: str, builder: PlainBuilder,
                 links: list[dict[str, Any]], comments: list[tuple[int, int]] | None = None) -> None:
    """Copy each content line from its source line, stripping inline markup and HTML comments."""
    for k, content_line in enumerate(content.split("\n")):
        if k:
            builder.insert("\n")
        line_start, source_line = _line_text(lines, text, first_line0 + k)
        stripped = content_line.strip()
        idx = source_line.find(stripped) if stripped else -1
        if idx < 0:
            continue
        for a, b in _outside_comments(text, line_start + idx, line_start + idx + len(stripped), comments or []):
            _strip_inline(a, b, text, builder, links)


def _strip_inline(start: int, end: int, text: str, builder: PlainBuilder,
                  links: list[dict[str, Any]]) -> None:
    pos = start
    for m in _INLINE.finditer(text, start, end):
        builder.copy(pos, m.start())
        kept = next((g for g in _KEEP_GROUPS if m.group(g) is not None), None)
        if kept:
            plain_start = builder.length
            builder.copy(m.start(kept), m.end(kept))
            url = m.group("url") if kept == "text" else m.group("auto") if kept == "auto" else None
            if url and url != "#":
                links.append({"plain": [plain_start, builder.length], "url": url})
        pos = m.end()
    builder.copy(pos, end)
