"""Rights-notice detection: an Aho–Corasick keyword prefilter, then full patterns near the hits.

Running 100 case-insensitive patterns over every byte costs ~2 MB/s; a keyword automaton over the
lowered text runs at ~70 MB/s, and patterns then run only in windows around hits of their own
keywords. A rule's contract is that each match contains one of its keywords and lies within
``WINDOW`` characters of it, so the findings equal those of running every pattern everywhere
(``bench/notices.py`` checks this on real prose).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import ahocorasick

from compliance.detect.extract import (
    PublisherIndex,
    clean_holder,
    normalize_license,
    urls_of,
    years_of,
)
from compliance.document import Document
from compliance.findings import Notice, Warning_
from compliance.ruleset.loader import CompiledRule, LoadedRules

WINDOW = 600  # characters scanned on each side of a keyword hit
RULE_TIMEOUT = 1.0  # seconds one rule may spend on one document
_YEAR_KINDS = {"copyright", "all-rights-reserved", "reproduction-ban", "license", "attribution"}


@dataclass(slots=True)
class RawMatch:
    rule: CompiledRule
    start: int  # plain-view offsets
    end: int
    groups: dict[str, str | None]


def lowered(text: str) -> str:
    """``text.lower()`` with the same length (U+0130 lowers to two code points)."""
    low = text.lower()
    if len(low) != len(text):
        low = text.replace("\u0130", "I").lower()
        if len(low) != len(text):
            low = "".join(c.lower()[:1] or c for c in text)
    return low


class NoticeEngine:
    """Compiled rules plus their keyword automaton; one instance scans many documents."""

    def __init__(self, rules: LoadedRules, timeout: float = RULE_TIMEOUT) -> None:
        self.rules = rules
        self.timeout = timeout
        self.publishers = PublisherIndex(rules.ruleset.publishers)
        self.automaton = ahocorasick.Automaton()
        owners: dict[str, list[int]] = {}
        for i, compiled in enumerate(rules.compiled):
            for kw in compiled.keywords:
                owners.setdefault(kw, []).append(i)
        for kw, idx in owners.items():
            self.automaton.add_word(kw, (len(kw), tuple(idx)))
        if owners:
            self.automaton.make_automaton()
        self._has_words = bool(owners)

    # -- matching -------------------------------------------------------------------------------

    def windows(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """Per rule index, merged windows of ``text`` around that rule's keyword hits."""
        if not self._has_words:
            return {}
        hits: dict[int, list[tuple[int, int]]] = {}
        n = len(text)
        for end, (length, idx) in self.automaton.iter(lowered(text)):
            lo, hi = max(0, end + 1 - length - WINDOW), min(n, end + 1 + WINDOW)
            for i in idx:
                spans = hits.setdefault(i, [])
                if spans and lo <= spans[-1][1]:
                    if hi > spans[-1][1]:
                        spans[-1] = (spans[-1][0], hi)
                else:
                    spans.append((lo, hi))
        return {i: [_snap(text, lo, hi) for lo, hi in spans] for i, spans in hits.items()}

    def match_text(self, text: str, warnings: list[Warning_] | None = None, path: str = "",
                   only: set[str] | None = None) -> list[RawMatch]:
        """All raw matches in ``text`` (prefiltered), deduplicated per kind."""
        found: list[RawMatch] = []
        for i, spans in self.windows(text).items():
            compiled = self.rules.compiled[i]
            if only is not None and compiled.rule.id not in only:
                continue
            found += self._run(compiled, text, spans, warnings, path)
        return dedupe(found)

    def match_text_naive(self, text: str) -> list[RawMatch]:
        """Every pattern over the whole text: the reference the prefilter must equal."""
        found: list[RawMatch] = []
        for compiled in self.rules.compiled:
            found += self._run(compiled, text, [(0, len(text))], None, "")
        return dedupe(found)

    def _run(self, compiled: CompiledRule, text: str, spans, warnings, path) -> list[RawMatch]:
        out: list[RawMatch] = []
        seen: set[tuple[int, int]] = set()
        try:
            for pattern in compiled.patterns:
                for lo, hi in spans:
                    for m in pattern.finditer(text, lo, hi, timeout=self.timeout):
                        if m.end() > m.start() and (m.start(), m.end()) not in seen:
                            seen.add((m.start(), m.end()))
                            out.append(RawMatch(compiled, m.start(), m.end(), m.groupdict()))
        except TimeoutError:
            if warnings is not None:
                warnings.append(Warning_(path, f"rule {compiled.rule.id} timed out after {self.timeout:g}s "
                                               "on this document and was skipped", compiled.rule.id))
            return []
        return out

    # -- documents --------------------------------------------------------------------------------

    def scan(self, doc: Document, warnings: list[Warning_] | None = None,
             only: set[str] | None = None) -> list[Notice]:
        """Notices in ``doc``, in document order, with offsets into ``doc.text``."""
        notices = [self.to_notice(doc, m) for m in self.match_text(doc.plain, warnings, doc.path, only)]
        notices.sort(key=lambda n: (n.start_offset, n.end_offset, n.kind))
        return notices

    def to_notice(self, doc: Document, m: RawMatch) -> Notice:
        rule = m.rule.rule
        start, end = doc.source_span(m.start, m.end)
        matched = doc.plain[m.start:m.end]
        g = m.groups
        holder = clean_holder(g.get("holder"))
        profile = (self.publishers.profiles.get(rule.publisher) if rule.publisher else None) \
            or self.publishers.find(g.get("publisher")) or self.publishers.find(holder)
        publisher = profile.name if profile else clean_holder(g.get("publisher"))
        urls = urls_of(g["url"]) if g.get("url") else urls_of(matched)
        years = years_of(g.get("years")) if g.get("years") is not None else (
            years_of(matched) if rule.kind in _YEAR_KINDS else [])
        license_id = None
        if rule.kind in ("license", "attribution"):
            license_id = normalize_license(g.get("license") or matched, self.rules.ruleset.licenses)
        block = _block_at(doc, m.start)
        return Notice(
            kind=rule.kind, rule=rule.id, text=doc.text[start:end], start_offset=start, end_offset=end,
            start=doc.position(start), end=doc.position(end), severity=rule.severity, message=rule.message,
            language=list(rule.languages), holder=holder, years=years, urls=urls, publisher=publisher,
            license=license_id, role=rule.role, scope=block.kind if block else None,
            quoted=bool(block and block.quoted), links=[link.model_dump() for link in rule.links],
        )


def _snap(text: str, lo: int, hi: int) -> tuple[int, int]:
    """Widen a window to whitespace so no word is cut (a cut word would fake a ``\\b``)."""
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    n = len(text)
    while hi < n and not text[hi].isspace():
        hi += 1
    return lo, hi


def dedupe(matches: list[RawMatch]) -> list[RawMatch]:
    """Overlapping matches of one kind collapse to the best one: publisher-specific, then longest."""
    ranked = sorted(matches, key=lambda m: (m.rule.rule.publisher is None, -(m.end - m.start), m.start,
                                            m.rule.rule.id))
    kept: list[RawMatch] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for m in ranked:
        spans = taken.setdefault(m.rule.rule.kind, [])
        if any(m.start < e and s < m.end for s, e in spans):
            continue
        spans.append((m.start, m.end))
        kept.append(m)
    kept.sort(key=lambda m: (m.start, m.end, m.rule.rule.id))
    return kept


def _block_at(doc: Document, plain_offset: int):
    starts = [b.plain_start for b in doc.blocks]
    i = bisect_right(starts, plain_offset) - 1
    if i >= 0 and plain_offset < doc.blocks[i].plain_end:
        return doc.blocks[i]
    return None


