"""Notices quoted inside running text are not the page's own.

A page that writes 'Now the wording states: “No part of this book may be used …”' or '“Past performance is
no guarantee of future results” is a disclaimer found on every prospectus' talks *about* a notice; the
rules match the words inside the quotation marks all the same. A finding that lies (mostly) between one
pair of quotation marks which the findings there mostly fill, in a paragraph with enough words outside
them, is dropped. A quoted licence *name* that holds a licence code is not a quoted notice (the code fills
little of the quotation), and a line that is only a quotation (a footer set in quotation marks) keeps its
finding. The thresholds are rule data (``quoted:`` in a pack); publisher rules and rules marked
``vetoable: false`` are always kept. A notice shown as an example ("Example: Copyright © 2015 Jane Doe", a
how-to page's template) is dropped too, from any rule but a publisher's: the line it stands on starts with one
of the rule data's ``example_labels``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compliance.quotation import ANY_MARK, quote_regions

if TYPE_CHECKING:
    from compliance.ruleset.model import QuotedNotices

REACH = 2000  # code points read either side of a finding for its paragraph: quotes do not run further


def paragraph_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph (between blank lines) that holds ``text[start:end]``, at most ``REACH`` either side."""
    floor = max(0, start - REACH)
    lo = text.rfind("\n\n", floor, start)
    lo = floor if lo < 0 else lo + 2
    ceiling = min(len(text), end + REACH)
    hi = text.find("\n\n", end, ceiling)
    return lo, ceiling if hi < 0 else hi


def quotation_of(text: str, start: int, end: int, settings: QuotedNotices) -> tuple[int, int, int, int] | None:
    """``(quote start, quote end, paragraph start, paragraph end)`` of the quotation that ``text[start:end]``
    starts in and that holds ``settings.inside_share`` of it, or None."""
    if end <= start:
        return None
    lo, hi = paragraph_around(text, start, end)
    if ANY_MARK.search(text, lo, hi) is None:
        return None
    for qs, qe in quote_regions(text[lo:hi]):
        qs, qe = qs + lo, qe + lo
        # it starts inside: a finding that starts before the mark holds the page's own lead-in ("Excerpted from
        # “Title”" is a source line, whatever the title says)
        if qs <= start < qe and min(end, qe) - start >= settings.inside_share * (end - start):
            return qs, qe, lo, hi
    return None


def _covered(spans: list[tuple[int, int]], qs: int, qe: int) -> int:
    """Code points of ``[qs, qe)`` that the union of ``spans`` covers."""
    total, reach = 0, qs
    for s, e in sorted(spans):
        s, e = max(s, reach), min(e, qe)
        if e > s:
            total += e - s
            reach = e
    return total


def _letters_outside(text: str, qs: int, qe: int, lo: int, hi: int) -> int:
    return sum(ch.isalpha() for ch in text[lo:max(lo, qs - 1)]) + sum(ch.isalpha() for ch in text[min(hi, qe + 1):hi])


LIST_MARKS = " \t*-•>#_\u2013\u2014"  # stripped from a line's start before its example label is read


def shown_as_example(text: str, start: int, labels: tuple[str, ...]) -> bool:
    """Does the line holding ``start`` begin, before ``start``, with one of ``labels`` (lower case)?"""
    lo = text.rfind("\n", 0, start) + 1
    return text[lo:start].lstrip(LIST_MARKS).lower().startswith(labels)


def unquoted(text: str, matches: list, settings: QuotedNotices | None) -> list:
    """``matches`` (raw matches with ``rule``, ``start``, ``end``) less those quoted in running text and those
    shown as an example."""
    if settings is None or not matches:
        return matches
    labels = settings.example_labels
    if labels:
        matches = [m for m in matches if m.rule.rule.publisher or not shown_as_example(text, m.start, labels)]
    spans = [(m.start, m.end) for m in matches]
    out = []
    for m in matches:
        found = None if m.rule.rule.publisher or not m.rule.rule.vetoable else quotation_of(
            text, m.start, m.end, settings)
        if found is not None:
            qs, qe, lo, hi = found
            if (_covered(spans, qs, qe) >= settings.quote_share * (qe - qs)
                    and _letters_outside(text, qs, qe, lo, hi) >= settings.outside_letters):
                continue
        out.append(m)
    return out
