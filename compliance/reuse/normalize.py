"""Normalized word tokens with an exact map back to code-point offsets.

Reuse detection compares words, not characters: case, compatibility forms (NFKC), umlaut spelling
(ä/ae, ß/ss), accents on Latin letters, punctuation and whitespace must not hide a copied passage.
Each token keeps the half-open span ``[start, end)`` of the characters it came from in the text it
was cut from, so a match on tokens maps back to exact offsets.

A word broken across lines with a hyphen (``Zusam-\\nmenarbeit``) is one token when the next line
continues in lower case; ``Ost-\\nWest`` (capital after the break) stays two words, as it would be
written on one line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from hashlib import blake2b
from itertools import accumulate

import regex

_HYPHEN_BREAK = regex.compile(r"\w-[ \t]*(?:\r\n|\r|\n)[ \t]*\p{Ll}")
# Words are split with the stdlib ``re`` (twice as fast as ``regex`` here); its \w lacks combining
# marks, so the common combining blocks are added by hand.
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0900-\u0903" \
    "\u093a-\u094f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_SPLIT = re.compile(f"([^\\w{_MARKS}]+)")
_WORDS = re.compile(f"[\\w{_MARKS}]+")
_MAYBE_BREAK = re.compile(r"-[ \t]*[\r\n]")  # cheap prefilter for _HYPHEN_BREAK
_BREAK = regex.compile(r"-[ \t]*(?:\r\n|\r|\n)[ \t]*")
_COMBINING = regex.compile(r"[\u0300-\u036f]")  # combining diacritics (Latin, Greek, Cyrillic)
_UMLAUT = {"a\u0308": "ae", "o\u0308": "oe", "u\u0308": "ue"}
_UMLAUT_RE = regex.compile("|".join(_UMLAUT))

_CACHE_LIMIT = 200_000
_norm_cache: dict[str, str] = {}
_id_cache: dict[str, int] = {}


def normalize_word(word: str) -> str:
    """NFKC, casefold, ä→ae ö→oe ü→ue ß→ss, other accents dropped: ``Größe`` → ``groesse``."""
    cached = _norm_cache.get(word)
    if cached is not None:
        return cached
    # casefold turns ß into ss
    folded = word.lower() if word.isascii() else unicodedata.normalize("NFKC", word).casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFD", folded)
        folded = _COMBINING.sub("", _UMLAUT_RE.sub(lambda m: _UMLAUT[m.group()], folded))
        folded = unicodedata.normalize("NFC", folded)
    if len(_norm_cache) >= _CACHE_LIMIT:
        _norm_cache.clear()
    _norm_cache[word] = folded
    return folded


def word_id(word: str) -> int:
    """A stable 61-bit id for a normalized word (the same in every process and on every run)."""
    value = _id_cache.get(word)
    if value is None:
        value = int.from_bytes(blake2b(word.encode("utf-8"), digest_size=8).digest(), "little") >> 3
        if len(_id_cache) >= _CACHE_LIMIT:
            _id_cache.clear()
        _id_cache[word] = value
    return value


@dataclass(slots=True)
class Tokens:
    """Normalized words of one text and the half-open spans they came from."""

    words: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.words)

    def ids(self) -> list[int]:
        """Stable integer ids of the words (the input of fingerprints and alignment)."""
        return ids_of(self.words)


def tokenize(text: str) -> Tokens:
    """Split ``text`` into normalized word tokens with exact spans into ``text``."""
    low = text.lower()
    lowered = len(low) == len(text)  # a few characters lower to two code points: keep offsets exact
    parts = _SPLIT.split(low if lowered else text)  # word, separator, word, ... (ends may be empty)
    bounds = list(accumulate(map(len, parts), initial=0))
    words = parts[0::2]
    starts = bounds[0::2]
    ends = bounds[1::2]
    if words and not words[-1]:
        words.pop()
        starts.pop()
    if words and not words[0]:
        del words[0], starts[0], ends[0]
    del starts[len(words):], ends[len(words):]
    if _MAYBE_BREAK.search(text) and _HYPHEN_BREAK.search(text):
        _join_broken(text, words, starts, ends)
    return Tokens(_normalized(words), starts, ends)


def _join_broken(text: str, words: list[str], starts: list[int], ends: list[int]) -> None:
    """Merge words split by a hyphen at a line end when the next line goes on in lower case."""
    k = len(words) - 2
    while k >= 0:
        gap = text[ends[k]:starts[k + 1]]
        if gap[:1] == "-" and _BREAK.fullmatch(gap) and text[starts[k + 1]].islower():
            words[k] += words[k + 1]
            ends[k] = ends[k + 1]
            del words[k + 1], starts[k + 1], ends[k + 1]
        k -= 1


def words_of(text: str) -> list[str]:
    """The normalized words of ``text`` without their spans: what ``tokenize(text).words`` gives,
    at a third of the cost (indexing needs no offsets)."""
    if _MAYBE_BREAK.search(text) and _HYPHEN_BREAK.search(text):
        return tokenize(text).words
    low = text.lower()
    return _normalized(_WORDS.findall(low if len(low) == len(text) else text))


def _normalized(words: list[str]) -> list[str]:
    """``normalize_word`` of each word; new words first fill the cache, then one C-level map."""
    for w in set(words).difference(_norm_cache):
        normalize_word(w)
    out = list(map(_norm_cache.get, words))
    if None in out:  # the cache was cleared while filling it
        out = [normalize_word(w) for w in words]
    return out


_raw_id_cache: dict[str, int] = {}


def text_ids(text: str) -> list[int]:
    """``ids_of(words_of(text))`` in one step, for indexing: raw words map straight to ids."""
    if _MAYBE_BREAK.search(text) and _HYPHEN_BREAK.search(text):
        return ids_of(tokenize(text).words)
    low = text.lower()
    words = _WORDS.findall(low if len(low) == len(text) else text)
    unseen = set(words).difference(_raw_id_cache)
    if unseen:
        if len(_raw_id_cache) + len(unseen) > _CACHE_LIMIT:
            _raw_id_cache.clear()
            unseen = set(words)
        for w in unseen:
            _raw_id_cache[w] = word_id(normalize_word(w))
    return list(map(_raw_id_cache.__getitem__, words))


def ids_of(words: list[str]) -> list[int]:
    """Stable ids of normalized words (see :func:`word_id`)."""
    for w in set(words).difference(_id_cache):
        word_id(w)
    out = list(map(_id_cache.get, words))
    if None in out:  # the cache was cleared while filling it
        out = [word_id(w) for w in words]
    return out


_weak_cache: dict[str, int] = {}


def weak_flags(words: list[str]) -> bytes:
    """1 for each word that is only digits or a single character (weak evidence of reuse)."""
    for w in set(words).difference(_weak_cache):
        if len(_weak_cache) >= _CACHE_LIMIT:
            _weak_cache.clear()
        _weak_cache[w] = int(len(w) < 2 or w.isdigit())
    out = list(map(_weak_cache.get, words))
    return bytes(out) if None not in out else bytes(int(len(w) < 2 or w.isdigit()) for w in words)


def normalize_text(text: str) -> str:
    """The normalized words of ``text`` joined by single spaces (what matching compares)."""
    return " ".join(tokenize(text).words)
