"""Rights-notice detection: an Aho–Corasick keyword prefilter, then full patterns near the hits.

Running 100 case-insensitive patterns over every byte costs ~2 MB/s; a keyword automaton over the
lowered text runs at ~100 MB/s, and patterns then run only in windows around hits of their own
keywords. A rule's contract is that each match contains one of its keywords and lies, with anything
its lookarounds inspect, within ``WINDOW`` characters of it; then the findings equal those of running
every pattern everywhere (``match_text_naive``; ``bench/notices.py`` checks this on real prose).

A keyword written ``\\bap\\b`` (a ``\\b`` at either end) only counts where the text has a word boundary
there: short names ("AP", "SID", "dts") otherwise hit inside every "apt", "inside", "dtstart" and make
their rules scan nearly all text. Use it only where every pattern of the rule has that boundary too.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import regex

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
MARGIN = 40  # characters past a window that lookarounds may still see (matches must start inside)
RULE_TIMEOUT = 1.0  # seconds one rule may spend on one document
BOUNDARY = "\\b"  # keyword edge marker: a word boundary is required there
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


_SPACE_RUN = regex.compile(r"\s+")


def collapse_spaces(low: str) -> tuple[str, list[int], list[int]]:
    """``low`` with line breaks and tabs as spaces and runs of spaces as one, plus the map back: ``after[i]`` is
    the collapsed offset just past the i-th shortened run, ``removed[i]`` the characters dropped up to it.

    Plain ``str`` methods only (a regex over every byte would cost more than the keyword scan).
    """
    s = low.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    i = s.find("  ")
    if i < 0:
        return s, [], []
    parts: list[str] = []
    after: list[int] = []
    removed: list[int] = []
    prev = dropped = 0
    n = len(s)
    while i >= 0:
        j = i + 2
        while j < n and s[j] == " ":
            j += 1
        parts.append(s[prev:i + 1])
        dropped += j - i - 1
        after.append(i + 1 - (dropped - (j - i - 1)))
        removed.append(dropped)
        prev = j
        i = s.find("  ", j)
    parts.append(s[prev:])
    return "".join(parts), after, removed


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def parse_keyword(keyword: str) -> tuple[str, bool, bool]:
    """``(literal, boundary_before, boundary_after)``; a boundary is only checked next to a word character."""
    left = keyword.startswith(BOUNDARY)
    right = keyword.endswith(BOUNDARY) and len(keyword) > len(BOUNDARY) * left + 1
    literal = keyword[len(BOUNDARY) if left else 0:len(keyword) - len(BOUNDARY) if right else None]
    if not literal:
        return keyword, False, False
    return literal, left and _is_word(literal[0]), right and _is_word(literal[-1])


class KeywordIndex:
    """Every occurrence of a set of literals, overlapping ones included, with the fastest automaton
    installed: ``ahocorasick_rs`` (a DFA, ~175 MB/s with 2,000 keywords) or ``pyahocorasick``, whose
    trie scans each node's children linearly (~70 MB/s with the same keywords)."""

    def __init__(self, literals: list[str], backend: str | None = None) -> None:
        self.literals = literals
        find = self._rust() if backend in (None, "ahocorasick_rs") else None
        if find is None and backend == "ahocorasick_rs":
            raise ImportError("ahocorasick_rs is not installed")
        self.backend = "ahocorasick_rs" if find else "pyahocorasick"
        self._find = find or self._python()

    def find(self, low: str) -> list[tuple[int, int, int]]:
        """``(literal index, start, end)`` of every hit in ``low`` (lower-cased text)."""
        return self._find(low) if self.literals else []

    def _rust(self):
        try:
            import ahocorasick_rs
        except ImportError:
            return None
        automaton = ahocorasick_rs.AhoCorasick(self.literals, implementation=ahocorasick_rs.Implementation.DFA)
        return lambda low: automaton.find_matches_as_indexes(low, overlapping=True)

    def _python(self):
        import ahocorasick

        automaton = ahocorasick.Automaton()
        # Children are scanned in insertion order: insert literals whose letters are frequent first.
        rank = {c: i for i, c in enumerate(_FREQUENT)}
        order = sorted(range(len(self.literals)),
                       key=lambda i: [rank.get(c, len(rank)) for c in self.literals[i]])
        for i in order:
            automaton.add_word(self.literals[i], (i, len(self.literals[i])))
        if self.literals:
            automaton.make_automaton()

        def find(low: str) -> list[tuple[int, int, int]]:
            return [(i, end + 1 - length, end + 1) for end, (i, length) in automaton.iter(low)]
        return find


_FREQUENT = " etaoinsrhldcumfpgwybvkzäöüéàèj.,-/:()0123456789"  # rough letter frequency in prose


class NoticeEngine:
    """Compiled rules plus their keyword automaton; one instance scans many documents."""

    def __init__(self, rules: LoadedRules, timeout: float = RULE_TIMEOUT) -> None:
        self.rules = rules
        self.timeout = timeout
        self.publishers = PublisherIndex(rules.ruleset.publishers)
        # literal -> (boundary_before, boundary_after) -> rule indexes
        owners: dict[str, dict[tuple[bool, bool], list[int]]] = {}
        for i, compiled in enumerate(rules.compiled):
            for kw in compiled.keywords:
                literal, left, right = parse_keyword(kw)
                literal = _SPACE_RUN.sub(" ", literal)  # as the text is matched (collapse_spaces)
                idx = owners.setdefault(literal, {}).setdefault((left, right), [])
                if i not in idx:
                    idx.append(i)
        self.keywords = KeywordIndex(list(owners))
        # per literal: rules that take every hit, and (before, after, rules) that need boundaries
        self.owners: list[tuple[tuple[int, ...], tuple[tuple[bool, bool, tuple[int, ...]], ...]]] = []
        for groups in owners.values():
            free = tuple(groups.pop((False, False), ()))
            self.owners.append((free, tuple((left, right, tuple(idx)) for (left, right), idx in groups.items())))

    # -- matching -------------------------------------------------------------------------------

    def keyword_hits(self, text: str) -> list[tuple[int, int, int]]:
        """``(literal index, start, end)`` in ``text`` of every keyword, any whitespace run in the text
        standing for the single space of a keyword ("all rights reserved" hits "All rights\\n  reserved")."""
        collapsed, after, removed = collapse_spaces(lowered(text))
        hits = self.keywords.find(collapsed)
        if not after or not hits:
            return hits
        out = []
        for k, start, end in hits:
            i = bisect_right(after, start)
            j = bisect_right(after, end - 1)
            out.append((k, start + (removed[i - 1] if i else 0), end + (removed[j - 1] if j else 0)))
        return out

    def windows(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """Per rule index, sorted disjoint windows of ``text`` around that rule's keyword hits."""
        hits = self.keyword_hits(text)
        if not hits:
            return {}
        # One flat [lo, hi, lo, hi, ...] list per rule, merged as hits arrive (this loop runs once
        # per keyword hit, so it stays free of function calls on the common path).
        flat: dict[int, list[int]] = {}
        unsorted: set[int] = set()
        n = len(text)
        owners_of = self.owners
        for k, start, end in hits:
            lo = start - WINDOW if start > WINDOW else 0
            hi = end + WINDOW
            if hi > n:
                hi = n
            owners, bounded = owners_of[k]
            if bounded:
                owners = list(owners)
                for left, right, idx in bounded:
                    if (left and start > 0 and _is_word(text[start - 1])) or \
                            (right and end < n and _is_word(text[end])):
                        continue
                    owners += idx
            for i in owners:
                spans = flat.get(i)
                if spans is None:
                    flat[i] = [lo, hi]
                elif lo <= spans[-1]:
                    if hi > spans[-1]:
                        spans[-1] = hi
                    if lo < spans[-2]:  # a longer keyword ending later can start earlier
                        spans[-2] = lo
                        unsorted.add(i)
                else:
                    spans += (lo, hi)
        out = {}
        for i, spans in flat.items():
            pairs = list(zip(spans[::2], spans[1::2], strict=True))
            out[i] = _merge(pairs) if i in unsorted else pairs
        return out

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
                    for m in self._scan(pattern, text, lo, hi):
                        if (m.start(), m.end()) not in seen:
                            seen.add((m.start(), m.end()))
                            out.append(RawMatch(compiled, m.start(), m.end(), m.groupdict()))
        except TimeoutError:
            if warnings is not None:
                warnings.append(Warning_(path, f"rule {compiled.rule.id} timed out after {self.timeout:g}s "
                                               "on this document and was skipped", compiled.rule.id))
            return []
        return out

    def _scan(self, pattern, text: str, lo: int, hi: int):
        """Non-empty matches starting in ``[lo, hi)``, exactly as ``finditer`` over all of ``text``.

        The window's end would truncate the text (a fake ``$`` or ``\\b`` there), so every match is
        confirmed on the full text from the same start; if that differs, the scan resumes where the
        full-text match (or the failed start) leaves off, as a whole-text scan would.
        """
        end = min(len(text), hi + MARGIN)
        pos = lo
        while pos < hi:
            resume = None
            for m in pattern.finditer(text, pos, end, timeout=self.timeout):
                s, e = m.span()
                if s >= hi:
                    break
                if e == s:
                    continue
                full = pattern.match(text, s, timeout=self.timeout)  # endpos: the whole text
                if full is not None and full.end() == e:
                    yield full
                    continue
                if full is not None and full.end() > s:
                    yield full
                    resume = full.end()
                else:
                    resume = s + 1
                break
            if resume is None:
                return
            pos = resume

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


def _merge(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pairs.sort()
    merged = [pairs[0]]
    for lo, hi in pairs[1:]:
        if lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


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


