"""Keyword matching for the notice prefilter: every rule keyword found in a text in one automaton pass.

Case-insensitive, with any run of whitespace in the text standing for a keyword's single space (but no
keyword spans a blank line); keyword markers ``\\b`` (a word boundary there), ``^`` (the start of a
line) and a closing ``\\u`` (an upper-case letter follows, after at most one space) are parsed here.
:class:`KeywordIndex` wraps ``ahocorasick_rs`` (an automaton over UTF-8 bytes, replaced by a ``hyperscan``
literal database once a process has scanned enough text) with ``pyahocorasick`` as the fallback; offsets of
hits are code points into the text given.
"""

from __future__ import annotations

import platform
from bisect import bisect_right
from collections.abc import Callable
from itertools import product
from math import prod
from pathlib import Path
from typing import Any, AnyStr

import regex

BOUNDARY = "\\b"  # keyword edge marker: a word boundary is required there
LINE_START = "^"  # keyword start marker: the hit must start a line
UPPER_NEXT = "\\u"  # keyword end marker: an upper-case letter follows the hit, after at most one space
_FREQUENT = " etaoinsrhldcumfpgwybvkzäöüéàèj.,-/:()0123456789"  # rough letter frequency in prose


def lowered(text: str) -> str:
    """``text.lower()`` with the same length (U+0130 lowers to two code points)."""
    low = text.lower()
    if len(low) != len(text):
        low = text.replace("\u0130", "I").lower()
        if len(low) != len(text):
            low = "".join(c.lower()[:1] or c for c in text)
    return low


SPACE_RUN = regex.compile(r"\s+")
_SURROGATE = regex.compile("[\ud800-\udfff]")


# line breaks and tabs to spaces, and ASCII lower-cased in the same pass (bytes.lower() is one more)
_WHITE_BYTES = bytes.maketrans(b"\n\r\tABCDEFGHIJKLMNOPQRSTUVWXYZ", b"   abcdefghijklmnopqrstuvwxyz")
_WHITE_ONLY = bytes.maketrans(b"\n\r\t", b"   ")  # the same, keeping case (for ``\\u`` keywords)


def collapse_spaces(low: AnyStr, lower: bool = True) -> tuple[AnyStr, list[int], list[int]]:
    """``low`` (``str``, or UTF-8 ``bytes``, whose ASCII letters are lowered here too unless ``lower`` is
    false) with line breaks and tabs as spaces and runs of spaces as one,
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
        s = low.replace(b"\n\n", b"\0\0").translate(_WHITE_BYTES if lower else _WHITE_ONLY)
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
    """``(literal, boundary_before, boundary_after, line_start)`` of a keyword with its markers (a closing
    ``\\u`` is dropped: :func:`upper_next` tells it)."""
    if upper_next(keyword):
        keyword = keyword[:-len(UPPER_NEXT)]
    line = keyword.startswith(LINE_START) and len(keyword) > len(LINE_START)
    if line:
        keyword = keyword[len(LINE_START):]
    left = keyword.startswith(BOUNDARY)
    right = keyword.endswith(BOUNDARY) and len(keyword) > len(BOUNDARY) * left + 1
    literal = keyword[len(BOUNDARY) if left else 0:len(keyword) - len(BOUNDARY) if right else None]
    if not literal:
        return keyword, False, False, line
    return literal, left and _is_word(literal[0]), right and _is_word(literal[-1]), line


def upper_next(keyword: str) -> bool:
    """Does ``keyword`` end in the ``\\u`` marker: an upper-case letter follows each hit, after at most one
    space? (Case-sensitive rules whose keyword has no letter: a credit's "/" before a capital.)"""
    return keyword.endswith(UPPER_NEXT) and len(keyword) > len(UPPER_NEXT)


class KeywordIndex:
    """Every occurrence of a set of lower-case literals in a text, overlapping ones included, found
    case-insensitively and with any run of whitespace standing for a literal's single space.

    With ``ahocorasick_rs`` (a DFA over UTF-8 bytes) the text is encoded and lowered as bytes, which
    lowers ASCII only: each literal is entered in every case its non-ASCII letters can take (``für``
    and ``fÜr``), so the hits equal those on the fully lowered text. Literals with more than
    ``MAX_VARIANTS`` such spellings (Cyrillic, Greek; ``MAX_LATIN_VARIANTS`` for accented Latin) send a
    text that holds one of their letters (its rarest in Western text), and the few letters that lower
    irregularly (KELVIN SIGN to ``k``) a text that holds them, down the ``str`` path: ``lowered`` text
    and a second automaton (``pyahocorasick`` when ``ahocorasick_rs`` is missing). Measured with
    ~2,500 keywords: the bytes path finds hits ~10-15 % faster than the ``str`` one (no Unicode
    ``lower()``), and ``ahocorasick_rs`` scans 2-3x faster than ``pyahocorasick``, whose trie looks up
    each node's children linearly. The bytes automaton starts as an NFA (built in ~10 ms) and, after
    ``FAST_AFTER`` bytes, becomes the faster of a Hyperscan literal database (``hyperscan``, SIMD;
    ~130 ms to build, 2.5x the DFA's speed over 5,000 keywords: :func:`_hyperscan_finder`; kept in the
    cache directory, and switched to after ``FAST_AFTER_CACHED`` bytes when it is there) or a DFA
    (~70 ms to build, twice the NFA's speed) when Hyperscan is not installed; both report the same
    hits in the same order. The str one is built on first use, an NFA too until the str path has
    scanned ``FAST_AFTER`` characters.
    """

    MAX_VARIANTS = 16
    # ... for a literal whose accented letters are all common Latin ones (é, č, ž): routing it would send every
    # text holding that letter down the str path (a third of documentation prose, for a dozen Czech, French and
    # Hungarian literals with 5-6 accents), and 64 spellings of a dozen literals cost the automaton nothing
    MAX_LATIN_VARIANTS = 64
    FAST_AFTER = 16_000_000  # bytes: the fast automaton's build time pays for itself after ~15-20 MB of text
    FAST_AFTER_CACHED = 1_000_000  # ... when a Hyperscan database for these keywords is in the cache (~5 ms)

    def __init__(self, literals: list[str], backend: str | None = None, fast: str | None = None) -> None:
        self.literals = literals
        self.backend = backend or ("ahocorasick_rs" if _has_rust() else "pyahocorasick")
        if self.backend == "ahocorasick_rs" and not _has_rust():
            raise ImportError("ahocorasick_rs is not installed")
        # the automaton the bytes path switches to after FAST_AFTER bytes: "hyperscan" or "dfa"
        self.fast = fast or ("hyperscan" if _has_hyperscan() else "dfa")
        self._str_find = None  # the str-path automaton, built when a text first needs it (start-up time)
        self._str_budget: int | None = self.FAST_AFTER  # characters the str path scans with its NFA first
        self._nfa_budget: int | None = self.FAST_AFTER  # bytes scanned with the quick-to-build NFA first
        self._mapped = False  # does the bytes automaton report literal indexes itself (not variant ones)?
        # Per literal, what every use of a hit needs at its edges (EDGE_* bits, 0: nothing), set by the user of
        # the index: with ``scan(edges=True)`` the Hyperscan path leaves out hits that plainly lack it (in
        # "map" or "apt", ``^ap\b`` hits: ~40 % of the raw hits of prose), before any Python step per hit.
        self._edges: list[int] | None = None
        self.needs_case = False  # does an edge test read the case of the text (``EDGE_UPPER``)?
        self._bytes = self._bytes_automaton() if self.backend == "ahocorasick_rs" and literals else None

    def _find(self, low: str) -> list[tuple[int, int, int]]:
        if self._str_find is None:
            self._str_find = self._rust() if self.backend == "ahocorasick_rs" else self._python()
        if self._str_budget is not None:
            self._str_budget -= len(low)
            if self._str_budget < 0:
                self._str_budget = None
                if self.backend == "ahocorasick_rs":
                    self._str_find = self._rust()
        return self._str_find(low)

    def hits(self, text: str) -> list[tuple[int, int, int]]:
        """``(literal index, start, end)`` of every hit, as offsets into ``text``."""
        found, raw = self.scan(text)
        return char_offsets(raw, found) if raw is not None and found else found

    def scan(self, text: str, edges: bool = False) -> tuple[list[tuple[int, int, int]], bytes | None]:
        """The hits, and the UTF-8 of ``text`` when their offsets are into it rather than into ``text``
        (a non-ASCII text read as bytes); callers convert only the hits they keep (``char_offsets``).
        With ``edges``, hits of a literal whose :attr:`edges` mask fails may be left out (see there)."""
        if not self.literals:
            return [], None
        if self._bytes is not None:
            raw = text.encode("utf-8", "surrogatepass")
            if self._nfa_budget is not None:
                self._nfa_budget -= len(raw)
                if self._nfa_budget < 0:
                    self._to_fast()
            find, owner, leads, odd = self._bytes
            ascii_only = text.isascii()
            if ascii_only or not _holds_any(text, raw, odd, leads):
                cased = None
                if self._mapped and edges and self.needs_case:  # a \\u edge reads the letters' case
                    cased, after, removed = collapse_spaces(raw, lower=False)
                    collapsed = cased.lower()
                else:
                    collapsed, after, removed = collapse_spaces(raw)  # lowers ASCII as it goes
                if self._mapped:
                    found = find(collapsed, self.edges if edges else None, cased)
                else:
                    found = [(owner[v], s, e) for v, s, e in find(collapsed)]
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
        """The ``str``-path automaton: a contiguous NFA until the str path itself has scanned ``FAST_AFTER``
        characters, then a DFA (over ~22,000 literals it takes 0.5 s to build: a one-draft ``check``, or an
        archive whose few non-Latin pages take this path, would pay more for it than it saves)."""
        import ahocorasick_rs

        kind = ahocorasick_rs.Implementation
        automaton = ahocorasick_rs.AhoCorasick(
            self.literals, implementation=kind.ContiguousNFA if self._str_budget is not None else kind.DFA)

        def find(low: str) -> list[tuple[int, int, int]]:
            try:
                return automaton.find_matches_as_indexes(low, overlapping=True)
            except UnicodeEncodeError:  # a lone surrogate (from a lenient decoder): no keyword holds one
                return automaton.find_matches_as_indexes(_SURROGATE.sub("\ufffd", low), overlapping=True)
        return find

    def _bytes_automaton(self):
        """The UTF-8 automaton over every case spelling, its variant -> literal map, and the byte
        strings whose presence sends a text down the ``str`` path. The spellings of the ~13,000 literals
        take ~0.25 s to work out, so they are kept in the cache directory, keyed by the literals."""
        import hashlib

        import ahocorasick_rs

        from compliance.ruleset.cache import has_memo, memo

        key = hashlib.sha256("\0".join(self.literals).encode("utf-8", "surrogatepass")).hexdigest()
        limits = f"{self.MAX_VARIANTS}\0{self.MAX_LATIN_VARIANTS}"
        spelled = memo("keywords", f"{key}\0{limits}", Path(__file__), self._spell)
        if spelled is None:
            return None
        variants, owner, leads, odd = spelled
        self._variants = variants
        if self.fast == "hyperscan" and has_memo(*_hyperscan_key(variants)):
            self._nfa_budget = self.FAST_AFTER_CACHED  # the switch costs a cache read, not a 0.2-0.8 s build
        nfa = ahocorasick_rs.Implementation.ContiguousNFA
        return _rust_finder(variants, nfa), owner, leads, odd

    def _spell(self) -> tuple[list[bytes], list[int], tuple[bytes, ...], str] | None:
        """Every case spelling of the literals as UTF-8 (variants), the literal of each, and what routes a
        text to the ``str`` path: lead bytes of a non-Latin letter of literals with too many spellings, and
        characters (a Latin letter of such literals in each of its cases, irregular upper cases)."""
        variants: list[bytes] = []
        owner: list[int] = []
        leads: set[bytes] = set()  # lead bytes of letters of literals left to the str path
        odd: set[str] = set()  # characters that route a text to the str path
        irregular_ascii = "".join(c for c in _IRREGULAR if c.isascii())
        for i, literal in enumerate(self.literals):
            if literal.isascii():  # most keywords: one spelling
                odd.update(x for c in irregular_ascii if c in literal for x in _IRREGULAR[c])
                variants.append(literal.encode())
                owner.append(i)
                continue
            forms = [_spellings(c) for c in literal]
            odd.update(x for c in literal for x in _IRREGULAR.get(c, ()))
            latin = all(_commonness(c) for c in literal if not c.isascii())
            limit = self.MAX_LATIN_VARIANTS if latin else self.MAX_VARIANTS
            if prod(len(f) for f in forms) > limit or any(c in "σς" for c in literal):
                # too many spellings (or Greek sigma, which lowers by context): a text holding the
                # literal holds each of its letters, so one letter routes it: the one whose bytes are
                # rarest in Western text ("’" or "ê" in a Cyrillic name would send nearly every text
                # down the slower path), outside Latin-1 where it can be. A letter of another script
                # routes by its lead bytes (any Cyrillic letter); a Latin one by its own spellings, as a
                # shared lead byte (0xC3: every é, ü, ñ) would route every accented text
                letter = min((c for c in literal if not c.isascii()), key=_rarity)
                if _commonness(letter):
                    odd.update(_spellings(letter))
                else:
                    leads.update(f.encode()[:1] for f in _spellings(letter))
                continue
            for spelling in product(*forms):
                variants.append("".join(spelling).encode())
                owner.append(i)
        if not variants:
            return None
        return variants, owner, tuple(sorted(leads)), "".join(sorted(odd))

    @property
    def edges(self) -> list[int] | None:
        """Per literal, the ``EDGE_*`` bits every use of its hits needs (see ``__init__``)."""
        return self._edges

    @edges.setter
    def edges(self, masks: list[int] | None) -> None:
        self._edges = masks
        self.needs_case = bool(masks) and any(m & EDGE_UPPER for m in masks)

    @property
    def is_fast(self) -> bool:
        """Is the bytes automaton the fast one (or is there none to rebuild)?"""
        return self._nfa_budget is None or self._bytes is None

    def to_fast(self) -> None:
        """Rebuild for speed now: for an index that reads only part of what another one reads (the notice
        engine's cue words, read on a tenth of the lines), whose own byte count would keep it on the NFA
        long after the build paid for itself."""
        if not self.is_fast:
            self._to_fast()

    def _to_fast(self) -> None:
        """Rebuild the bytes automaton for speed (Hyperscan, else a DFA): 0.2-0.8 s or 0.1-0.5 s to build
        with the shipped keywords' ~12,000 and ~29,000 spellings (a cached Hyperscan database: ~5 ms), then
        1/5 or 1/2 of the NFA's scan time. A short run (``check`` of one draft) never pays for it."""
        import ahocorasick_rs

        find = None
        if self.fast == "hyperscan":
            try:
                find = _hyperscan_finder(self._variants, self._bytes[1])
                self._mapped = True
            except Exception:  # noqa: BLE001 - e.g. a CPU without the SIMD Hyperscan needs: the DFA instead
                self.fast = "dfa"
        if find is None:
            find = _rust_finder(self._variants, ahocorasick_rs.Implementation.DFA)
        self._bytes = (find, *self._bytes[1:])
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


def _rust_finder(variants: list[bytes], implementation: Any) -> Callable[[bytes], list]:
    """Overlapping hits ``(variant, start, end)`` of ``variants`` in bytes, by ``ahocorasick_rs``."""
    import ahocorasick_rs

    automaton = ahocorasick_rs.BytesAhoCorasick(variants, implementation=implementation)

    def find(data: bytes) -> list:
        return automaton.find_matches_as_indexes(data, overlapping=True)
    return find


def _hyperscan_finder(variants: list[bytes], owner: list[int] | None = None) -> Callable[[bytes], list]:
    """The same hits as :func:`_rust_finder`, in the same order (by end, then start), from a Hyperscan
    literal database: every occurrence of every literal is reported, so overlapping ones too, with its
    exact start (``SOM_LEFTMOST`` costs nothing for a literal). Hyperscan needs one scratch space per
    thread scanning at once, so each thread gets its own. With ``owner`` (variant -> literal) a hit names
    its literal, mapped as it is reported (a second pass over the ~110,000 hits of 16 MB of prose cost
    a tenth of the keyword scan's Python time)."""
    import threading

    import hyperscan

    db = _hyperscan_database(variants)
    local = threading.local()

    def find(data: bytes, edges: list[int] | None = None, cased: bytes | None = None) -> list:
        scratch = getattr(local, "scratch", None)
        if scratch is None:
            scratch = local.scratch = hyperscan.Scratch(db)
        out: list = []
        if data:
            handler = on_hit if edges is None or owner is None else _edge_handler(data, owner, edges, cased)
            db.scan(data, match_event_handler=handler, context=out, scratch=scratch)
        return out

    on_hit = _on_hit
    if owner is not None:
        def on_hit(variant: int, start: int, end: int, flags: int, out: list, owner: list[int] = owner) -> None:
            out.append((owner[variant], start, end))
    return find


def _hyperscan_key(variants: list[bytes]) -> tuple[str, str, Path]:
    """The cache entry of the Hyperscan database of ``variants`` (:func:`compliance.ruleset.cache.memo`)."""
    import hashlib

    import hyperscan

    digest = hashlib.sha256(b"\0".join(variants)).hexdigest()
    return "hyperscan", f"{digest}\0{getattr(hyperscan, '__version__', '')}\0{platform.machine()}", Path(__file__)


def _hyperscan_database(variants: list[bytes]) -> Any:
    """The compiled literal database, from the cache when an earlier process compiled it (serialized, ~4 MB;
    compiling ~29,000 spellings takes 0.8 s, per process that switches). A cached database this machine's
    Hyperscan cannot load (another CPU, a damaged file) is compiled again."""
    import hyperscan

    def compile_() -> Any:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=variants, ids=list(range(len(variants))), elements=len(variants), literal=True,
                   flags=[hyperscan.HS_FLAG_SOM_LEFTMOST] * len(variants))
        return db

    from compliance.ruleset.cache import memo

    try:
        return hyperscan.loadb(memo(*_hyperscan_key(variants), lambda: hyperscan.dumpb(compile_())),
                               hyperscan.HS_MODE_BLOCK)
    except Exception:  # noqa: BLE001 - incompatible or damaged serialization: compile here
        return compile_()


EDGE_LINE = 1  # every use of the literal's hits needs a line start before it
EDGE_LEFT = 2  # ... a non-word character (or the text's start) before it
EDGE_RIGHT = 4  # ... a non-word character (or the text's end) after it
EDGE_UPPER = 8  # ... an upper-case letter after it, past at most one space (a ``\\u`` keyword)
_WORD_BYTE = [b < 0x80 and (chr(b).isalnum() or b == 0x5F) for b in range(256)]  # a non-ASCII byte: unknown


def _edge_handler(data: bytes, owner: list[int], edges: list[int], cased: bytes | None = None) -> Callable[..., None]:
    """A Hyperscan match handler for ``data`` (collapsed, lowered UTF-8: see :func:`collapse_spaces`) that
    maps a variant to its literal and leaves out a hit whose literal's ``edges`` plainly fail there: a line
    start needs a space or NUL before it in collapsed text (a line break becomes one, or a blank line two
    NULs), a word boundary a byte that is not an ASCII letter, digit or ``_`` (a non-ASCII byte may be part
    of a letter: kept), and an upper-case letter an A-Z or non-ASCII byte of ``cased`` (``data`` before
    lowering; not given: no test) after the hit, past at most one space. Only a hit every use would reject is
    left out, so the findings do not change."""
    n = len(data)
    word = _WORD_BYTE
    upper = EDGE_UPPER if cased is not None else 0

    def handler(variant: int, start: int, end: int, flags: int, out: list) -> None:
        k = owner[variant]
        m = edges[k]
        if m:
            if start:
                b = data[start - 1]
                if (m & EDGE_LINE and b != 32 and b != 0) or (m & EDGE_LEFT and word[b]):
                    return
            if m & EDGE_RIGHT and end < n and word[data[end]]:
                return
            if m & upper:
                j = end + 1 if end < n and data[end] == 32 else end
                if j >= n or (cased[j] < 0x80 and not 65 <= cased[j] <= 90):
                    return
        out.append((k, start, end))
    return handler


def _on_hit(variant: int, start: int, end: int, flags: int, out: list) -> None:
    out.append((variant, start, end))


def _has_hyperscan() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


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


_COMMON_LEADS = frozenset((0xC2, 0xC3, 0xC4, 0xC5, 0xE2))  # Latin-1/Extended-A letters, NBSP, ©, quotes, dashes


def _commonness(c: str) -> int:
    """How many of the lead bytes of ``c``'s spellings are common in Western text (fewer is better)."""
    return len({f.encode()[0] for f in _spellings(c)} & _COMMON_LEADS)


def _rarity(c: str) -> tuple[int, bool]:
    """Sort key of a literal's letters for routing (lower is better): common lead bytes, then Latin-1."""
    return _commonness(c), ord(c) <= 0xFF


def _holds_any(text: str, raw: bytes, chars: str, leads: tuple[bytes, ...]) -> bool:
    """Does ``text`` hold one of ``chars`` or its UTF-8 ``raw`` one of the bytes ``leads``? (Single
    characters and single bytes: both ``in`` tests are a memchr.)"""
    return any(map(text.__contains__, chars)) or any(map(raw.__contains__, leads))


def word_before(text: str, i: int) -> bool:
    return i > 0 and _is_word(text[i - 1])


def word_after(text: str, i: int) -> bool:
    return i < len(text) and _is_word(text[i])


def word_before_utf8(raw: bytes, i: int) -> bool:
    if i == 0:
        return False
    if raw[i - 1] < 0x80:
        return _ASCII_WORD[raw[i - 1]]
    j = i - 1
    while j > 0 and raw[j] & 0xC0 == 0x80:  # back to the lead byte
        j -= 1
    return _is_word(raw[j:i].decode("utf-8", "surrogatepass"))


def word_after_utf8(raw: bytes, i: int) -> bool:
    if i >= len(raw):
        return False
    if raw[i] < 0x80:
        return _ASCII_WORD[raw[i]]
    j = i + 1
    while j < len(raw) and raw[j] & 0xC0 == 0x80:
        j += 1
    return _is_word(raw[i:j].decode("utf-8", "surrogatepass"))


_ASCII_WORD = [chr(b).isalnum() or b == 0x5F for b in range(128)]


def char_offsets(raw: bytes, hits: list[tuple[Any, int, int]]) -> list[tuple[Any, int, int]]:
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
