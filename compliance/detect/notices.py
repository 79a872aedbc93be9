"""Rights-notice detection: a multi-keyword prefilter, then full patterns near the hits.

Running 300 case-insensitive patterns over every byte costs ~0.3 MB/s; the keyword scan (lowering,
whitespace, an Aho–Corasick or Hyperscan automaton: :mod:`compliance.detect.keywords`) runs at
~100-130 MB/s, and patterns then run only in windows around hits of their
own keywords. A rule's contract is that each match contains one of its keywords (a run of whitespace
in the text stands for a keyword's single space, but no keyword spans a blank line) and lies, with
anything its lookarounds inspect, within ``WINDOW`` characters of it; then the findings equal those
of running every pattern everywhere (``match_text_naive``; ``bench/notices.py`` checks this).

A keyword written ``\\bap\\b`` (a ``\\b`` at either end) only counts where the text has a word boundary
there: short names ("AP", "SID", "dts") otherwise hit inside every "apt", "inside", "dtstart" and make
their rules scan nearly all text. Use it only where every pattern of the rule has that boundary too.
A keyword written ``^by `` only counts at the start of a line (the text's start or just after a
``\\n``), for rules whose every pattern starts with ``(?m)^`` right before the keyword: "by " is in
every other sentence, a line that starts with "By " is rare.

Inside a window a pattern runs only if the window holds its *required literals* (strings every
match contains, derived from the pattern: :mod:`compliance.ruleset.required`); most windows around a
keyword do not hold the rest of a pattern, and a few ``in`` tests cost less than a search.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass

from compliance.detect.extract import (
    PublisherIndex,
    clean_holder,
    normalize_license,
    urls_of,
    years_of,
)
from compliance.detect.keywords import (
    SPACE_RUN,
    KeywordIndex,
    char_offsets,
    keyword_spec,
    word_after,
    word_after_utf8,
    word_before,
    word_before_utf8,
)
from compliance.detect.watchdog import WATCHDOG
from compliance.document import Document
from compliance.findings import Notice, Warning_
from compliance.ruleset.loader import CompiledRule, LoadedRules
from compliance.ruleset.required import fold_text

WINDOW = 400  # characters scanned on each side of a keyword hit (the longest real notice reaches 166)
MARGIN = 40  # characters past a window that lookarounds may still see (matches must start inside)
RULE_TIMEOUT = 1.0  # seconds one rule may spend on one document
_YEAR_KINDS = {"copyright", "all-rights-reserved", "reproduction-ban", "license", "attribution"}


@dataclass(slots=True)
class RawMatch:
    rule: CompiledRule
    start: int  # plain-view offsets
    end: int
    groups: dict[str, str | None]


class NoticeEngine:
    """Compiled rules plus their keyword automaton; one instance scans many documents."""

    def __init__(self, rules: LoadedRules, timeout: float = RULE_TIMEOUT) -> None:
        self.rules = rules
        self.timeout = timeout
        self.watchdog = WATCHDOG
        self.publishers = PublisherIndex(rules.ruleset.publishers)
        # literal -> (boundary_before, boundary_after, line_start) -> rule indexes
        owners: dict[str, dict[tuple[bool, bool, bool], list[int]]] = {}
        for i, compiled in enumerate(rules.compiled):
            for kw in compiled.keywords:
                literal, left, right, line = keyword_spec(kw)
                literal = SPACE_RUN.sub(" ", literal)  # as the text is matched (collapse_spaces)
                idx = owners.setdefault(literal, {}).setdefault((left, right, line), [])
                if i not in idx:
                    idx.append(i)
        self.keywords = KeywordIndex(list(owners))
        self._plans: dict[int, tuple] = {}  # per rule, on its first window: (pattern, required sets) pairs
        # per literal: rules that take every hit, and (before, after, line, rules) that need a check
        self.owners: list[tuple[tuple[int, ...], tuple[tuple[bool, bool, bool, tuple[int, ...]], ...]]] = []
        for groups in owners.values():
            free = tuple(groups.pop((False, False, False), ()))
            self.owners.append((free, tuple((*flags, tuple(idx)) for flags, idx in groups.items())))

    # -- matching -------------------------------------------------------------------------------

    def keyword_hits(self, text: str) -> list[tuple[int, int, int]]:
        """``(literal index, start, end)`` in ``text`` of every keyword, any whitespace run in the text
        standing for the single space of a keyword ("all rights reserved" hits "All rights\\n  reserved")."""
        return self.keywords.hits(text)

    def windows(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """Per rule index, sorted disjoint windows of ``text`` around that rule's keyword hits."""
        hits, raw = self.keywords.scan(text)
        if not hits:
            return {}
        kept = self._owned(hits, text if raw is None else raw)
        if raw is not None and kept:
            kept = char_offsets(raw, kept)
        # One flat [lo, hi, lo, hi, ...] list per rule, merged as hits arrive (this loop runs once
        # per keyword hit, so it stays free of function calls on the common path).
        flat: dict[int, list[int]] = {}
        unsorted: set[int] = set()
        n = len(text)
        for owners, start, end in kept:
            lo = start - WINDOW if start > WINDOW else 0
            hi = end + WINDOW
            if hi > n:
                hi = n
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

    def _owned(self, hits, text: str | bytes) -> list[tuple[tuple[int, ...], int, int]]:
        """``(rules, start, end)`` per hit with at least one rule: the literal's rules, less those whose
        ``\\b`` marker finds no word boundary or whose ``^`` finds no line start there (checked in
        ``text``, or in its UTF-8 bytes)."""
        if isinstance(text, str):
            before, after, newline = word_before, word_after, "\n"
        else:
            before, after, newline = word_before_utf8, word_after_utf8, 10
        kept = []
        owners_of = self.owners
        for k, start, end in hits:
            owners, bounded = owners_of[k]
            if bounded:
                owners = list(owners)
                for left, right, line, idx in bounded:
                    if not ((left and before(text, start)) or (right and after(text, end))
                            or (line and start and text[start - 1] != newline)):
                        owners += idx
                if not owners:
                    continue
            kept.append((owners, start, end))
        return kept

    def match_text(self, text: str, warnings: list[Warning_] | None = None, path: str = "",
                   only: set[str] | None = None) -> list[RawMatch]:
        """All raw matches in ``text`` (prefiltered), deduplicated per kind."""
        found: list[RawMatch] = []
        folds: dict[tuple[int, int], str] = {}  # folded window text, shared by rules with the same window
        windows = self.windows(text)
        if not windows:
            return found
        timed = self.watchdog.start()
        try:
            for i, spans in windows.items():
                compiled = self.rules.compiled[i]
                if only is not None and compiled.rule.id not in only:
                    continue
                found += self._run(compiled, text, spans, warnings, path, folds, timed)
        finally:
            if timed:
                self.watchdog.stop()
        return dedupe(found)

    def match_text_naive(self, text: str) -> list[RawMatch]:
        """Every pattern over the whole text: the reference the prefilter must equal."""
        found: list[RawMatch] = []
        for compiled in self.rules.compiled:
            found += self._run(compiled, text, [(0, len(text))], None, "", None)
        return dedupe(found)

    def _run(self, compiled: CompiledRule, text: str, spans, warnings, path,
             folds: dict[tuple[int, int], str] | None, timed: bool = False) -> list[RawMatch]:
        """Matches of ``compiled`` starting in ``spans``. With ``folds`` (a cache of folded windows), a
        pattern runs only in the spans that hold its required literals; without, in every span. The
        rule's budget is kept by the watchdog when ``timed``, else by ``regex``'s ``timeout=``.
        (Runs once per rule with a window in every document: it keeps to local names and loops.)"""
        plan = self._plans.get(id(compiled)) or self._plan(compiled)
        out: list[RawMatch] = []
        seen: set[tuple[int, int]] = set()
        # the watchdog is armed at the rule's first search (most rules' windows lack their literals)
        deadline = None if timed else time.monotonic() + self.budget(len(text))
        dog = self.watchdog
        try:
            for span in spans:
                window = None
                for pattern, needs in plan:
                    if needs and folds is not None:
                        if window is None:
                            window = folds.get(span)
                            if window is None:
                                window = folds[span] = fold_text(text[span[0]:span[1] + MARGIN])
                        missing = False
                        for alternatives in needs:
                            for literal in alternatives:
                                if literal in window:
                                    break
                            else:
                                missing = True
                                break
                        if missing:
                            continue
                    if timed and not dog.armed:
                        dog.arm(self.budget(len(text)))
                    for m in self._scan(pattern, text, span[0], span[1], deadline):
                        key = m.span()
                        if key not in seen:
                            seen.add(key)
                            out.append(RawMatch(compiled, key[0], key[1], m.groupdict()))
            dog.armed = False  # the timer runs on (the next rule resets it) but fires in vain
        except TimeoutError:
            dog.armed = False
            if warnings is not None:
                warnings.append(Warning_(path, f"rule {compiled.rule.id} timed out (its budget on this document: "
                                               f"{self.budget(len(text)):g}s) and was skipped",
                                         compiled.rule.id))
            return []
        return out

    def _plan(self, compiled: CompiledRule) -> tuple:
        """``(pattern, required sets)`` per pattern, less the sets every keyword of the rule implies (a
        window is around a keyword hit: "copyright" is always in a window of a rule whose keyword it is).
        Built on the rule's first window, from the required literals the rule cache keeps."""
        words = [SPACE_RUN.sub(" ", keyword_spec(k)[0]) for k in compiled.keywords]
        needs = [tuple(s for s in sets if not _implied(s, words)) for sets in compiled.required_literals()]
        plan = self._plans[id(compiled)] = tuple(zip(compiled.patterns, needs, strict=True))
        return plan

    def budget(self, length: int) -> float:
        """A rule's time on one document: ``timeout`` seconds per started megabyte of text, so one
        runaway rule cannot hold a scan for long however many keyword windows it is given."""
        return self.timeout * max(1, -(-length // 1_000_000))

    def _scan(self, pattern, text: str, lo: int, hi: int, deadline: float | None) -> list:
        """Non-empty matches starting in ``[lo, hi)``, as a scan of the whole ``text`` finds them.

        The search stops a little past the window (lookarounds see ``MARGIN`` more characters), which
        would make a ``$`` or ``\\b`` match at that cut; so every hit is confirmed on the whole text
        from the same start, and the scan goes on where the confirmed match (or the failed start) ends,
        as a whole-text scan would. A search per step, not ``finditer``: most windows hold no match,
        and one ``search`` call is the cheapest way to learn that. With no ``deadline`` the watchdog
        keeps the time.
        """
        end = min(len(text), hi + MARGIN)
        search, match, clock = pattern.search, pattern.match, time.monotonic
        found = []
        pos = lo
        while pos < hi:
            if deadline is None:  # the watchdog keeps the time: no timeout= (its set-up costs ~5 %)
                m = search(text, pos, end)
            else:
                timeout = deadline - clock()  # what is left of the rule's budget on this document
                if timeout <= 0:
                    raise TimeoutError
                m = search(text, pos, end, timeout=timeout)
            if m is None or m.start() >= hi:
                break
            start = m.start()
            if m.end() <= start:
                full = None
            else:
                full = match(text, start) if deadline is None else match(text, start, timeout=timeout)
            if full is not None and full.end() > start:
                found.append(full)
                pos = full.end()
            else:
                pos = start + 1
        return found

    # -- documents --------------------------------------------------------------------------------

    def scan(self, doc: Document, warnings: list[Warning_] | None = None,
             only: set[str] | None = None) -> list[Notice]:
        """Notices in ``doc``, in document order, with offsets into ``doc.text``."""
        notices = [self.to_notice(doc, m) for m in self.match_text(doc.plain, warnings, doc.path, only)]
        notices.sort(key=lambda n: (n.start_offset, n.end_offset, n.kind))
        return notices

    def to_notice(self, doc: Document, m: RawMatch) -> Notice:
        rule = m.rule.rule
        # a pattern's ``\s``/``[^\n]`` may take the ``\r`` of a CRLF line end: a notice never ends (or
        # starts) with whitespace, or its span and end column would be one off
        p_start, p_end = m.start, m.end
        while p_end > p_start and doc.plain[p_end - 1].isspace():
            p_end -= 1
        while p_start < p_end and doc.plain[p_start].isspace():
            p_start += 1
        start, end = doc.source_span(p_start, p_end)
        matched = doc.plain[p_start:p_end]
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


def _implied(alternatives: tuple[str, ...], keywords: list[str]) -> bool:
    """Does every keyword hit put one of ``alternatives`` into the text? Only for alternatives of
    ASCII without spaces: a keyword's space stands for any whitespace run, and a hit is found in
    ``lowered`` text while windows are ``casefold``-ed (the two agree on ASCII results)."""
    usable = [a for a in alternatives if a.isascii() and " " not in a]
    return bool(usable) and all(any(a in k for a in usable) for k in keywords)


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


