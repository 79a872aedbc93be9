"""A text prepared for matching: normalized tokens over the plain view, mapped back to ``text``.

Drafts come from the readers (a :class:`~compliance.document.Document`); corpus sources come back
from the index as stored text, plain view and offset-map runs. Both become a :class:`TextView`, so
alignment never needs to know where a text came from. Tokens inside rights notices are *excluded*:
footers and credit lines are shared by every article of a portal and are not evidence of reuse.
Headings and front matter are *barriers*: each is a segment of its own, and a passage lies in one
segment on each side, so a quote never takes in the heading above it or the source's title.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from compliance.document import Document, OffsetMap
from compliance.reuse.normalize import Tokens, tokenize

Span = tuple[int, int]


@dataclass
class TextView:
    """Tokens of ``plain`` with the map back to ``text`` and per-token flags."""

    text: str
    plain: str
    offset_map: OffsetMap | None  # None: plain and text are the same string
    tokens: Tokens
    ids: list[int]
    excluded: bytearray  # 1 where a token lies in a notice
    seg: list[int] | None = None  # segment number of each token (None: one segment)

    def __len__(self) -> int:
        return len(self.ids)

    def plain_span(self, i: int, j: int) -> Span:
        """Plain-view span of tokens ``[i, j)``."""
        return self.tokens.starts[i], self.tokens.ends[j - 1]

    def text_span(self, i: int, j: int) -> Span:
        """Span in ``text`` of tokens ``[i, j)`` (what findings report)."""
        s, e = self.plain_span(i, j)
        return self.offset_map.span(s, e) if self.offset_map is not None else (s, e)

    def token_range(self, plain_start: int, plain_end: int) -> Span:
        """Tokens ``[i, j)`` that overlap the plain span."""
        return bisect_right(self.tokens.ends, plain_start), bisect_left(self.tokens.starts, plain_end)

    def same_segment(self, i: int, j: int) -> bool:
        """Do tokens ``i`` and ``j`` lie in one segment (no heading or front matter between them)?"""
        return self.seg is None or self.seg[i] == self.seg[j]


def make_view(text: str, plain: str, offset_map: OffsetMap | None,
              excluded_text_spans: Iterable[Span] = (), barrier_text_spans: Iterable[Span] = ()) -> TextView:
    tokens = tokenize(plain)
    view = TextView(text, plain, offset_map, tokens, tokens.ids(), bytearray(len(tokens)))
    for s, e in excluded_text_spans:
        ps, pe = to_plain_span(offset_map, s, e)
        i, j = view.token_range(ps, pe)
        view.excluded[i:j] = b"\x01" * max(0, j - i)
    view.seg = _segments(view, offset_map, barrier_text_spans)
    return view


def _segments(view: TextView, offset_map: OffsetMap | None, barriers: Iterable[Span]) -> list[int] | None:
    """Segment number of each token: a barrier's tokens are one segment, the text between two is another."""
    n = len(view)
    cuts = set()
    for s, e in barriers:
        i, j = view.token_range(*to_plain_span(offset_map, s, e))
        cuts.update(k for k in (i, j) if 0 < k < n)
    if not cuts:
        return None
    seg: list[int] = []
    prev = 0
    for k, c in enumerate([*sorted(cuts), n]):
        seg.extend([k] * (c - prev))
        prev = c
    return seg


def document_view(doc: Document, notice_spans: Iterable[Span] = ()) -> TextView:
    """The view of a document as read (a draft, or a source being indexed)."""
    om = None if is_identity(doc) else doc.offset_map
    notice_spans = list(notice_spans)
    return make_view(doc.text, doc.plain, om, [*notice_spans, *skip_spans(doc, notice_spans)],
                     barrier_spans(doc))


BARRIER_KINDS = ("heading", "front_matter")  # blocks no passage runs across


def barrier_spans(doc: Document) -> list[Span]:
    """Text spans of headings and front matter: a passage never crosses one (on either side)."""
    return [(b.start, b.end) for b in doc.blocks if b.kind in BARRIER_KINDS]


def skip_spans(doc: Document, notice_spans: list[Span]) -> list[Span]:
    """Text not matched besides the notices themselves: a web page's boilerplate, blocks that are
    mostly notices (a footer paragraph of disclaimers keeps a few words between its notices that
    every article of the portal shares), and front matter (fields, not prose)."""
    front = [(b.start, b.end) for b in doc.blocks if b.kind == "front_matter"]
    return boilerplate_spans(doc) + notice_blocks(doc, notice_spans) + front


def boilerplate_spans(doc: Document) -> list[Span]:
    """Text outside the article (a web page's navigation and footer after ``main_end``)."""
    end = doc.metadata.get("main_end")
    if isinstance(end, int) and 0 <= end < len(doc.text):
        return [(end, len(doc.text))]
    return []


def notice_blocks(doc: Document, notice_spans: list[Span], share: float = 0.5) -> list[Span]:
    """Blocks whose characters are at least ``share`` notices."""
    if not notice_spans:
        return []
    spans = sorted(notice_spans)
    out = []
    for b in doc.blocks:
        size = b.end - b.start
        if size <= 0:
            continue
        covered = _covered(spans, b.start, b.end)
        if covered and covered >= share * size:
            out.append((b.start, b.end))
    return out


def _covered(spans: list[Span], start: int, end: int) -> int:
    total, pos = 0, start
    for s, e in spans:
        s, e = max(s, pos), min(e, end)
        if e > s:
            total += e - s
            pos = e
    return total


def is_identity(doc: Document) -> bool:
    return doc.plain == doc.text


# -- offset-map runs: stored with each corpus document so offsets survive a round trip ----------

def map_runs(offset_map: OffsetMap) -> array:
    """The map as a flat int array ``[plain, src, length, ...]`` (for storage)."""
    out = array("q")
    for p, s, n in zip(offset_map._plain, offset_map._src, offset_map._len, strict=True):
        out.extend((p, s, n))
    return out


def map_from_runs(runs: array) -> OffsetMap:
    om = OffsetMap()
    for k in range(0, len(runs), 3):
        om.add_run(runs[k], runs[k + 1], runs[k + 2])
    return om


def plain_spans(offset_map: OffsetMap | None, spans: Iterable[Span]) -> list[Span]:
    """Text spans as plain-view spans."""
    return [to_plain_span(offset_map, s, e) for s, e in spans]


def to_plain_span(offset_map: OffsetMap | None, start: int, end: int) -> Span:
    """The plain-view span holding the text span ``[start, end)`` (inverse of the offset map)."""
    if offset_map is None:
        return start, end
    plain, src, length = offset_map._plain, offset_map._src, offset_map._len
    if not plain:
        return start, end
    return _inverse(plain, src, length, start, True), _inverse(plain, src, length, end, False)


def _inverse(plain: list[int], src: list[int], length: list[int], off: int, is_start: bool) -> int:
    """Plain offset of text offset ``off``; offsets in skipped markup snap inwards."""
    i = bisect_right(src, off) - 1
    if i < 0:
        return plain[0]
    if off < src[i] + length[i] or (not is_start and off == src[i] + length[i]):
        return plain[i] + (off - src[i])
    # off lies in markup between runs: a start moves to the next run, an end back to this one's end
    if is_start:
        return plain[i + 1] if i + 1 < len(plain) else plain[i] + length[i]
    return plain[i] + length[i]
