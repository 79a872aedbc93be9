"""The Document every reader produces and every detector consumes.

A Document keeps the decoded ``text`` exactly as read (all reported offsets point into it) and a
``plain`` view for detectors: markup stripped, soft hyphens and zero-width characters removed, blocks
separated by blank lines. :class:`OffsetMap` maps any span of ``plain`` back to ``text`` exactly.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import regex

from compliance.textpos import LineIndex, Position

# Invisible characters that split words for a matcher but carry no text (removed from the plain view).
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE_RE = regex.compile(f"[{INVISIBLE}]+")
# Same-length substitutions applied to the plain view: exotic spaces become plain spaces.
_SPACES = re.compile("[\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t]")  # re.sub: ~7x str.translate


class OffsetMap:
    """Piecewise-linear map from plain-view offsets to source-text offsets.

    Each run says: ``length`` characters starting at plain offset ``p`` were copied from source
    offset ``s``. Characters the builder inserted (block separators) belong to no run and map to
    the end of the run before them.
    """

    __slots__ = ("_plain", "_src", "_len")

    def __init__(self) -> None:
        self._plain: list[int] = []
        self._src: list[int] = []
        self._len: list[int] = []

    def add_run(self, plain_start: int, src_start: int, length: int) -> None:
        if length <= 0:
            return
        if self._plain and self._plain[-1] + self._len[-1] == plain_start and \
                self._src[-1] + self._len[-1] == src_start:
            self._len[-1] += length  # extend a contiguous run
            return
        self._plain.append(plain_start)
        self._src.append(src_start)
        self._len.append(length)

    def _locate(self, p: int) -> int:
        return max(bisect_right(self._plain, p) - 1, 0)

    def start(self, p: int) -> int:
        """Source offset of the character at plain offset ``p`` (a span start)."""
        if not self._plain:
            return p
        i = self._locate(p)
        delta = p - self._plain[i]
        if delta < self._len[i]:
            return self._src[i] + max(delta, 0)
        # inserted character: the next run's start, if any
        return self._src[i + 1] if i + 1 < len(self._plain) else self._src[i] + self._len[i]

    def end(self, p: int) -> int:
        """Source offset just after the character at plain offset ``p - 1`` (a span end)."""
        if not self._plain:
            return p
        if p <= 0:
            return self._src[0]
        i = self._locate(p - 1)
        delta = p - 1 - self._plain[i]
        if delta < self._len[i]:
            return self._src[i] + delta + 1
        return self._src[i] + self._len[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        s = self.start(start)
        e = self.end(end) if end > start else s
        return s, max(s, e)


class PlainBuilder:
    """Builds a plain view piece by piece while recording where each piece came from."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.length = 0
        self.map = OffsetMap()

    def copy(self, src_start: int, src_end: int) -> None:
        """Append ``source[src_start:src_end]``, dropping invisible characters."""
        chunk = self.source[src_start:src_end]
        if not chunk:
            return
        if not _INVISIBLE_RE.search(chunk):
            self._append(chunk, src_start)
            return
        pos = 0
        for m in _INVISIBLE_RE.finditer(chunk):
            self._append(chunk[pos:m.start()], src_start + pos)
            pos = m.end()
        self._append(chunk[pos:], src_start + pos)

    def _append(self, piece: str, src_start: int) -> None:
        if piece:
            self.map.add_run(self.length, src_start, len(piece))
            self.parts.append(piece)
            self.length += len(piece)

    def insert(self, text: str) -> None:
        """Append synthetic text (separators) that has no source."""
        self.parts.append(text)
        self.length += len(text)

    def build(self) -> tuple[str, OffsetMap]:
        return _SPACES.sub(" ", "".join(self.parts)), self.map


@dataclass(slots=True)
class Block:
    """A structural unit of a document: its scope and exact spans in ``text`` and ``plain``."""

    kind: str  # heading | paragraph | list_item | blockquote | code | front_matter | table | html
    start: int
    end: int
    plain_start: int = 0
    plain_end: int = 0
    quoted: bool = False  # inside a blockquote
    section: str | None = None  # text of the nearest heading above

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "offset": [self.start, self.end], "quoted": self.quoted,
                "section": self.section}


@dataclass
class Document:
    """Decoded text, its blocks, a plain view for detectors, and metadata."""

    path: str
    text: str
    blocks: list[Block] = field(default_factory=list)
    plain: str = ""
    offset_map: OffsetMap = field(default_factory=OffsetMap)
    metadata: dict[str, Any] = field(default_factory=dict)
    format: str = "text"
    record: int | None = None  # position inside a container file (WARC, JSONL)
    signals: list[Any] = field(default_factory=list)  # machine-readable signals found by the reader
    notice_text: str | None = None  # extra text scanned only for notices (e.g. a page's footer)

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    def position(self, offset: int) -> Position:
        return self.lines.position(offset)

    def source_span(self, plain_start: int, plain_end: int) -> tuple[int, int]:
        return self.offset_map.span(plain_start, plain_end)

    def block_at(self, offset: int) -> Block | None:
        """The block containing source ``offset`` (None between blocks)."""
        starts = [b.start for b in self.blocks]
        i = bisect_right(starts, offset) - 1
        if i >= 0 and self.blocks[i].start <= offset < max(self.blocks[i].end, self.blocks[i].start + 1):
            return self.blocks[i]
        return None

    @property
    def title(self) -> str | None:
        return self.metadata.get("title")
