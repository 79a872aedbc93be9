"""Is a draft passage a quotation? Quotation marks („…“ "…" «…» »…« ‘…’ ‚…‘) and blockquotes.

Quote pairs are found in the plain view with a small stack per paragraph: a German closing mark
(“ after „, ‘ after ‚) closes, the same mark elsewhere opens an English quote; guillemets pair both
ways round. ’ between two letters is an apostrophe; straight ' is never a quote (too ambiguous).
Unclosed quotes mark nothing.
"""

from __future__ import annotations

from compliance.document import Document
from compliance.reuse.view import TextView, to_plain_span

# opening mark -> closing marks that end it
_PAIRS = {"„": "“”", "“": "”", "‚": "‘’", "‘": "’", "«": "»", "»": "«", "‹": "›", "›": "‹",
          "「": "」", "『": "』", '"': '"'}
_MARKS = set(_PAIRS) | set("”’」』")


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Half-open spans of ``text`` between matching quotation marks (marks excluded)."""
    regions: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "\n" and i + 1 < n and text[i + 1] == "\n":
            stack.clear()  # quotes do not run across paragraphs
            continue
        if ch not in _MARKS:
            continue
        if ch == "’" and 0 < i < n - 1 and text[i - 1].isalpha() and text[i + 1].isalpha():
            continue  # apostrophe
        if stack and ch in _PAIRS[stack[-1][0]]:
            _, start = stack.pop()
            regions.append((start + 1, i))
        elif ch in _PAIRS:
            stack.append((ch, i))
    return sorted(regions)


def quoted_mask(view: TextView, doc: Document | None) -> bytearray:
    """1 for each token of ``view`` inside quotation marks or a blockquote block."""
    mask = bytearray(len(view))
    spans = quote_regions(view.plain)
    if doc is not None:
        for b in doc.blocks:
            if b.quoted:
                spans.append((b.plain_start, b.plain_end) if b.plain_end > b.plain_start
                             else to_plain_span(view.offset_map, b.start, b.end))
    for s, e in spans:
        i, j = view.token_range(s, e)
        if j > i:
            mask[i:j] = b"\x01" * (j - i)
    return mask
