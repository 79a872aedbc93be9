"""Rights-notice detection: an Aho–Corasick keyword prefilter, then full patterns near the hits.

Running 300 case-insensitive patterns over every byte costs ~0.3 MB/s; the keyword scan (lowering,
whitespace, automaton) runs at ~100 MB/s, and patterns then run only in windows around hits of their
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
from itertools import product
from math import prod
from typing import Any, AnyStr

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
from compliance.ruleset.required import fold_text

WINDOW = 600  # characters scanned on each side of a keyword hit
MARGIN = 40  # characters past a window that lookarounds may still see (matches must start inside)
RULE_TIMEOUT = 1.0  # seconds one rule may spend on one document
BOUNDARY = "\\b"  # keyword edge marker: a word boundary is required there
LINE_START = "^"  # keyword start marker: the hit must start a line
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
_SURROGATE = regex.compile("[\ud800-\udfff]")


# line breaks and tabs to spaces, and ASCII lower-cased in the same pass (bytes.lower() is one more)
_WHITE_BYTES = bytes.maketrans(b"\n\r\tABCDEFGHIJKLMNOPQRSTUVWXYZ", b"   abcdefghijklmnopqrstuvwxyz")


def collapse_spaces(low: AnyStr) -> tuple[AnyStr, list[int], list[int]]:
    """``low`` (``str``, or UTF-8 ``bytes``, whose ASCII letters are lowered here too) with line breaks and
    tabs as spaces and runs of spaces as one,
    plus the map back: ``after[i]`` is the collapsed offset just past the i-th shortened run,
    ``removed[i]`` the characters dropped up to it. A blank line stays a break no keyword spans (two
    NULs), which also keeps the runs to map few. Plain ``str``/``bytes`` methods only: a regex over
    every byte would cost more than the keyword scan.
    """
    if isinstance(low, str):
        space, double = " ", "  "
        s = low.replace("\n\n", "\0\0").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    else:
        space, double = b" ", b"  "
        s = low.replace(b"\n\n", b"\0\0").translate(_WHITE_BYTES)
    i = s.find(double)
    if i < 0:
        return s, [], []
    space_item = space[0]
    parts = []
    after: list[int] = []
    removed: list[int] = []
    prev = dropped = 0
    n = len(s)
    while i >= 0:
        j = i + 2
        while j < n and s[j] == space_item:
            j += 1
        parts.append(s[prev:i + 1])
        after.append(i + 1 - dropped)
        dropped += j - i - 1
        removed.append(dropped)
        prev = j
        i = s.find(double, j)
    parts.append(s[prev:])
    return s[:0].join(parts), after, removed


def _unmap(hits: list[tuple[int, int, int]], after: list[int], removed: list[int]) -> list[tuple[int, int, int]]:
    """Hits in collapsed text -> hits in the text before collapsing."""
    out = []
    for k, start, end in hits:
        i = bisect_right(after, start)
        j = bisect_right(after, end - 1)
        out.append((k, start + (removed[i - 1] if i else 0), end + (removed[j - 1] if j else 0)))
    return out


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def parse_keyword(keyword: str) -> tuple[str, bool, bool]:
    """``(literal, boundary_before, boundary_after)``; a boundary is only checked next to a word character."""
    return keyword_spec(keyword)[:3]


def keyword_spec(keyword: str) -> tuple[str, bool, bool, bool]:
    """``(literal, boundary_before, boundary_after, line_start)`` of a keyword with its markers."""
    line = keyword.startswith(LINE_START) and len(keyword) > len(LINE_START)
    if line:
        keyword = keyword[len(LINE_START):]
    left = keyword.startswith(BOUNDARY)
    right = keyword.endswith(BOUNDARY) and len(keyword) > len(BOUNDARY) * left + 1
    literal = keyword[len(BOUNDARY) if left else 0:len(keyword) - len(BOUNDARY) if right else None]
    if not literal:
        return keyword, False, False, line
    return literal, left and _is_word(literal[0]), right and _is_word(literal[-1]), line


class KeywordIndex:
    """Every occurrence of a set of lower-case literals in a text, overlapping ones included, found
    case-insensitively and with any run of whitespace standing for a literal's single space.

    With ``ahocorasick_rs`` (a DFA over UTF-8 bytes) the text is encoded and lowered as bytes, which
    lowers ASCII only: each literal is entered in every case its non-ASCII letters can take (``für``
    and ``fÜr``), so the hits equal those on the fully lowered text. Literals with more than
    ``MAX_VARIANTS`` such spellings (Cyrillic, Greek) and the few letters that lower irregularly
    (KELVIN SIGN to ``k``) send a text that holds their bytes down the ``str`` path: ``lowered`` text
    and a second automaton (``pyahocorasick`` when ``ahocorasick_rs`` is missing). Measured with
    ~2,500 keywords: the bytes path finds hits ~10-15 % faster than the ``str`` one (no Unicode
    ``lower()``), and ``ahocorasick_rs`` scans 2-3x faster than ``pyahocorasick``, whose trie looks up
    each node's children linearly. The bytes automaton starts as an NFA (built in ~10 ms) and becomes
    a DFA (~70 ms to build, twice as fast to scan) after ``DFA_AFTER`` bytes; the str one is built on
    first use.
    """

    MAX_VARIANTS = 8
    DFA_AFTER = 16_000_000  # bytes: the DFA's build time pays for itself after ~15 MB of text

    def __init__(self, literals: list[str], backend: str | None = None) -> None:
        self.literals = literals
        self.backend = backend or ("ahocorasick_rs" if _has_rust() else "pyahocorasick")
        if self.backend == "ahocorasick_rs" and not _has_rust():
            raise ImportError("ahocorasick_rs is not installed")
        self._str_find = None  # the str-path automaton, built when a text first needs it (start-up time)
        self._nfa_budget: int | None = self.DFA_AFTER  # bytes scanned with the quick-to-build NFA first
        self._bytes = self._bytes_automaton() if self.backend == "ahocorasick_rs" and literals else None

    def _find(self, low: str) -> list[tuple[int, int, int]]:
        if self._str_find is None:
            self._str_find = self._rust() if self.backend == "ahocorasick_rs" else self._python()
        return self._str_find(low)

    def hits(self, text: str) -> list[tuple[int, int, int]]:
        """``(literal index, start, end)`` of every hit, as offsets into ``text``."""
        found, raw = self.scan(text)
        return _chars(raw, found) if raw is not None and found else found

    def scan(self, text: str) -> tuple[list[tuple[int, int, int]], bytes | None]:
        """The hits, and the UTF-8 of ``text`` when their offsets are into it rather than into ``text``
        (a non-ASCII text read as bytes); callers convert only the hits they keep (``_chars``)."""
        if not self.literals:
            return [], None
        if self._bytes is not None:
            raw = text.encode("utf-8", "surrogatepass")
            if self._nfa_budget is not None:
                self._nfa_budget -= len(raw)
                if self._nfa_budget < 0:
                    self._to_dfa()
            automaton, owner, leads, odd = self._bytes
            ascii_only = text.isascii()
            if ascii_only or not _holds_any(text, raw, odd, leads):
                collapsed, after, removed = collapse_spaces(raw)  # lowers ASCII as it goes
                found = [(owner[v], s, e) for v, s, e in automaton.find_matches_as_indexes(collapsed, overlapping=True)]
                if after and found:
                    found = _unmap(found, after, removed)
                return found, None if ascii_only else raw
        collapsed, after, removed = collapse_spaces(lowered(text))
        found = self._find(collapsed)
        return (_unmap(found, after, removed) if after and found else found), None

    def find(self, low: str) -> list[tuple[int, int, int]]:
        """``(literal index, start, end)`` of every hit in ``low``, text already lowered and collapsed."""
        return self._find(low) if self.literals else []

    def _rust(self):
        import ahocorasick_rs

        automaton = ahocorasick_rs.AhoCorasick(self.literals, implementation=ahocorasick_rs.Implementation.DFA)

        def find(low: str) -> list[tuple[int, int, int]]:
            try:
                return automaton.find_matches_as_indexes(low, overlapping=True)
            except UnicodeEncodeError:  # a lone surrogate (from a lenient decoder): no keyword holds one
                return automaton.find_matches_as_indexes(_SURROGATE.sub("\ufffd", low), overlapping=True)
        return find

    def _bytes_automaton(self):
        """The UTF-8 automaton over every case spelling, its variant -> literal map, and the byte
        strings whose presence sends a text down the ``str`` path."""
        import ahocorasick_rs

        variants: list[bytes] = []
        owner: list[int] = []
        leads: set[bytes] = set()  # lead bytes of letters of literals left to the str path
        odd: set[str] = set()  # irregular upper-case forms of the literals' letters
        irregular_ascii = "".join(c for c in _IRREGULAR if c.isascii())
        for i, literal in enumerate(self.literals):
            if literal.isascii():  # most keywords: one spelling
                odd.update(x for c in irregular_ascii if c in literal for x in _IRREGULAR[c])
                variants.append(literal.encode())
                owner.append(i)
                continue
            forms = [_spellings(c) for c in literal]
            odd.update(x for c in literal for x in _IRREGULAR.get(c, ()))
            if prod(len(f) for f in forms) > self.MAX_VARIANTS or any(c in "σς" for c in literal):
                # too many spellings (or Greek sigma, which lowers by context)
                leads.update(f.encode()[:1] for form in forms for f in form if not f.isascii())
                continue
            for spelling in product(*forms):
                variants.append("".join(spelling).encode())
                owner.append(i)
        if not variants:
            return None
        self._variants = variants
        nfa = ahocorasick_rs.Implementation.ContiguousNFA
        automaton = ahocorasick_rs.BytesAhoCorasick(variants, implementation=nfa)
        return automaton, owner, tuple(sorted(leads)), "".join(sorted(odd))

    def _to_dfa(self) -> None:
        """Rebuild the bytes automaton as a DFA: ~70 ms to build with ~4,500 keywords, then half the
        NFA's scan time. A short run (``check`` of one draft) never pays for it."""
        import ahocorasick_rs

        automaton = ahocorasick_rs.BytesAhoCorasick(self._variants, implementation=ahocorasick_rs.Implementation.DFA)
        self._bytes = (automaton, *self._bytes[1:])
        self._nfa_budget = None

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


def _has_rust() -> bool:
    try:
        import ahocorasick_rs  # noqa: F401
    except ImportError:
        return False
    return True


# The only characters whose lower case is not the inverse of their upper or title case (all of Unicode
# checked in tests/test_notice_prefilter.py): lower case -> such characters.
_IRREGULAR = {"i": ("\u0130",), "\u03b8": ("\u03f4",), "\u00df": ("\u1e9e",), "\u03c9": ("\u2126",),
              "k": ("\u212a",), "\u00e5": ("\u212b",)}


def _spellings(c: str) -> tuple[str, ...]:
    """The characters whose ``lowered`` form is ``c`` and that a bytes ``lower()`` leaves alone, apart
    from ``_IRREGULAR`` ones: ``c`` itself, and its upper and title case if ``c`` is not ASCII."""
    if c.isascii():
        return (c,)
    return tuple(sorted({c} | {f for f in (c.upper(), c.title()) if len(f) == 1 and lowered(f) == c}))


def _holds_any(text: str, raw: bytes, chars: str, leads: tuple[bytes, ...]) -> bool:
    """Does ``text`` hold one of ``chars`` or its UTF-8 ``raw`` one of the bytes ``leads``? (Single
    characters and single bytes: both ``in`` tests are a memchr.)"""
    for c in chars:
        if c in text:
            return True
    return any(b in raw for b in leads)


def _word_before(text: str, i: int) -> bool:
    return i > 0 and _is_word(text[i - 1])


def _word_after(text: str, i: int) -> bool:
    return i < len(text) and _is_word(text[i])


def _word_before_utf8(raw: bytes, i: int) -> bool:
    if i == 0:
        return False
    if raw[i - 1] < 0x80:
        return _ASCII_WORD[raw[i - 1]]
    j = i - 1
    while j > 0 and raw[j] & 0xC0 == 0x80:  # back to the lead byte
        j -= 1
    return _is_word(raw[j:i].decode("utf-8", "surrogatepass"))


def _word_after_utf8(raw: bytes, i: int) -> bool:
    if i >= len(raw):
        return False
    if raw[i] < 0x80:
        return _ASCII_WORD[raw[i]]
    j = i + 1
    while j < len(raw) and raw[j] & 0xC0 == 0x80:
        j += 1
    return _is_word(raw[i:j].decode("utf-8", "surrogatepass"))


_ASCII_WORD = [chr(b).isalnum() or b == 0x5F for b in range(128)]


def _chars(raw: bytes, hits: list[tuple[Any, int, int]]) -> list[tuple[Any, int, int]]:
    """Byte offsets of hits in UTF-8 ``raw`` -> character offsets. Hits come ordered by end and start
    and end on whole characters, so each offset is one short decode away from the previous end."""
    out = []
    at_byte = at_char = 0
    for k, start, end in hits:
        if start >= at_byte:
            first = at_char + len(raw[at_byte:start].decode("utf-8", "surrogatepass"))
        else:
            first = at_char - len(raw[start:at_byte].decode("utf-8", "surrogatepass"))
        at_char = first + len(raw[start:end].decode("utf-8", "surrogatepass"))
        at_byte = end
        out.append((k, first, at_char))
    return out


_FREQUENT = " etaoinsrhldcumfpgwybvkzäöüéàèj.,-/:()0123456789"  # rough letter frequency in prose


class NoticeEngine:
    """Compiled rules plus their keyword automaton; one instance scans many documents."""

    def __init__(self, rules: LoadedRules, timeout: float = RULE_TIMEOUT) -> None:
        self.rules = rules
        self.timeout = timeout
        self.publishers = PublisherIndex(rules.ruleset.publishers)
        # literal -> (boundary_before, boundary_after, line_start) -> rule indexes
        owners: dict[str, dict[tuple[bool, bool, bool], list[int]]] = {}
        for i, compiled in enumerate(rules.compiled):
            for kw in compiled.keywords:
                literal, left, right, line = keyword_spec(kw)
                literal = _SPACE_RUN.sub(" ", literal)  # as the text is matched (collapse_spaces)
                idx = owners.setdefault(literal, {}).setdefault((left, right, line), [])
                if i not in idx:
                    idx.append(i)
        self.keywords = KeywordIndex(list(owners))
        self._required: dict[int, list] = {}  # per rule, on its first window (derivation is lazy)
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
            kept = _chars(raw, kept)
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
            word_before, word_after, newline = _word_before, _word_after, "\n"
        else:
            word_before, word_after, newline = _word_before_utf8, _word_after_utf8, 10
        kept = []
        owners_of = self.owners
        for k, start, end in hits:
            owners, bounded = owners_of[k]
            if bounded:
                owners = list(owners)
                for left, right, line, idx in bounded:
                    if not ((left and word_before(text, start)) or (right and word_after(text, end))
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
        for i, spans in self.windows(text).items():
            compiled = self.rules.compiled[i]
            if only is not None and compiled.rule.id not in only:
                continue
            found += self._run(compiled, text, spans, warnings, path, folds)
        return dedupe(found)

    def match_text_naive(self, text: str) -> list[RawMatch]:
        """Every pattern over the whole text: the reference the prefilter must equal."""
        found: list[RawMatch] = []
        for compiled in self.rules.compiled:
            found += self._run(compiled, text, [(0, len(text))], None, "", None)
        return dedupe(found)

    def _run(self, compiled: CompiledRule, text: str, spans, warnings, path,
             folds: dict[tuple[int, int], str] | None) -> list[RawMatch]:
        """Matches of ``compiled`` starting in ``spans``. With ``folds`` (a cache of folded windows), a
        pattern runs only in the spans that hold its required literals; without, in every span."""
        out: list[RawMatch] = []
        seen: set[tuple[int, int]] = set()
        required = self._needs(compiled) if folds is not None else [()] * len(compiled.patterns)
        deadline = time.monotonic() + self.budget(len(text))
        try:
            for pattern, needs in zip(compiled.patterns, required, strict=True):
                for span in spans:
                    if needs:
                        window = folds.get(span)
                        if window is None:
                            lo, hi = span
                            window = folds[span] = fold_text(text[lo:hi + MARGIN])
                        missing = False
                        for alternatives in needs:  # inline: this runs per pattern and window
                            for literal in alternatives:
                                if literal in window:
                                    break
                            else:
                                missing = True
                                break
                        if missing:
                            continue
                    for m in self._scan(pattern, text, *span, deadline):
                        if (m.start(), m.end()) not in seen:
                            seen.add((m.start(), m.end()))
                            out.append(RawMatch(compiled, m.start(), m.end(), m.groupdict()))
        except TimeoutError:
            if warnings is not None:
                warnings.append(Warning_(path, f"rule {compiled.rule.id} timed out (its budget on this document: "
                                               f"{self.budget(len(text)):g}s) and was skipped",
                                         compiled.rule.id))
            return []
        return out

    def _needs(self, compiled: CompiledRule) -> list:
        """Per pattern, its required sets less those every keyword of the rule implies (a window is
        around a keyword hit: "copyright" is always in a window of a rule whose keyword it is)."""
        needs = self._required.get(id(compiled))
        if needs is None:
            words = [_SPACE_RUN.sub(" ", keyword_spec(k)[0]) for k in compiled.keywords]
            needs = [tuple(s for s in sets if not _implied(s, words)) for sets in compiled.required_literals()]
            self._required[id(compiled)] = needs
        return needs

    def budget(self, length: int) -> float:
        """A rule's time on one document: ``timeout`` seconds per started megabyte of text, so one
        runaway rule cannot hold a scan for long however many keyword windows it is given."""
        return self.timeout * max(1, -(-length // 1_000_000))

    def _scan(self, pattern, text: str, lo: int, hi: int, deadline: float) -> list:
        """Non-empty matches starting in ``[lo, hi)``, as a scan of the whole ``text`` finds them.

        The search stops a little past the window (lookarounds see ``MARGIN`` more characters), which
        would make a ``$`` or ``\\b`` match at that cut; so every hit is confirmed on the whole text
        from the same start, and the scan goes on where the confirmed match (or the failed start) ends,
        as a whole-text scan would. A search per step, not ``finditer``: most windows hold no match,
        and one ``search`` call is the cheapest way to learn that.
        """
        end = min(len(text), hi + MARGIN)
        search, match, clock = pattern.search, pattern.match, time.monotonic
        found = []
        pos = lo
        while pos < hi:
            timeout = deadline - clock()  # what is left of the rule's budget on this document
            if timeout <= 0:
                raise TimeoutError
            m = search(text, pos, end, timeout=timeout)
            if m is None or m.start() >= hi:
                break
            start = m.start()
            full = match(text, start, timeout=timeout) if m.end() > start else None
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


