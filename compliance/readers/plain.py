"""Plain text: paragraphs separated by blank lines are the blocks."""

from __future__ import annotations

from collections.abc import Iterator

import regex

from compliance import limits
from compliance.document import Block, Document, PlainBuilder
from compliance.readers.decode import decode

# A paragraph starts at a line start (the lookbehind) and never backtracks into a line of spaces
# (possessive ``*+``): matching stays linear on a megabyte of whitespace, where ``[^\r\n]*\S`` tried
# every start position and took minutes.
_PARAGRAPH = regex.compile(
    r"(?<![^\r\n])[^\S\r\n]*+\S[^\r\n]*+(?:\r?\n|\r)?(?:[^\S\r\n]*+\S[^\r\n]*+(?:\r?\n|\r)?)*+")


def build_plain_document(text: str, path: str, fmt: str = "text") -> Document:
    """Blocks are runs of non-blank lines; the plain view is the text minus invisible characters."""
    limits.check_lines(text, path)
    builder = PlainBuilder(text)
    builder.copy(0, len(text))
    plain, offset_map = builder.build()
    doc = Document(path=path, text=text, plain=plain, offset_map=offset_map, format=fmt)
    identity = len(plain) == len(text)
    for m in _PARAGRAPH.finditer(text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in "\r\n":
            end -= 1
        block = Block("paragraph", start, end)
        if identity:
            block.plain_start, block.plain_end = start, end
        else:  # invisible characters were removed: find the block in plain coordinates
            block.plain_start, block.plain_end = _plain_bounds(doc, start, end)
        doc.blocks.append(block)
    return doc


def _plain_bounds(doc: Document, start: int, end: int) -> tuple[int, int]:
    # Binary search over plain offsets: the smallest p with map.start(p) >= start, etc.
    def first_at_or_after(target: int) -> int:
        lo, hi = 0, len(doc.plain)
        while lo < hi:
            mid = (lo + hi) // 2
            if doc.offset_map.start(mid) < target:
                lo = mid + 1
            else:
                hi = mid
        return lo
    return first_at_or_after(start), first_at_or_after(end)


def read(data: bytes, path: str) -> Iterator[Document]:
    yield build_plain_document(decode(data, path), path)
