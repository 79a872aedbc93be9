"""Quotation marks in running text: the spans between matching marks („…“ "…" «…» »…« ‘…’ ‚…‘ 「…」).

Quote pairs are found with a small stack per paragraph: a German closing mark (“ after „, ‘ after ‚)
closes, the same mark elsewhere opens an English quote; guillemets pair both ways round. ’ between two
letters is an apostrophe; straight ' is never a quote (too ambiguous). Unclosed quotes mark nothing.
Shared by reuse (is a passage a quotation?) and notices (is a notice quoted, not the page's own?).
"""

from __future__ import annotations

import regex

# opening mark -> closing marks that end it
_PAIRS = {"„": "“”", "“": "”", "‚": "‘’", "‘": "’", "«": "»", "»": "«", "‹": "›", "›": "‹",
          "「": "」", "『": "』", '"': '"'}
_MARKS = set(_PAIRS) | set("”’」』")
ANY_MARK = regex.compile("[" + regex.escape("".join(sorted(_MARKS))) + "]")  # a C-speed test for any mark


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
