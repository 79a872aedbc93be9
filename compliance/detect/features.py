"""Features of a candidate notice sentence for the trained scorer: one function for training and scan.

A sentence becomes a set of 22-bit feature keys: character 3-5-grams and word 1-2-grams of its
normalised text (what carries phrasings across publishers and languages), plus named features for
its cue slots, frames, shape and position (what carries the *role* of the words). Keys are hashes,
so no vocabulary ships with the model; the hash is a polynomial over code points computed with
numpy for all n-grams of a sentence at once (~20 µs a sentence), and identical in every process
(Python's own ``hash`` is salted per process).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import regex

BITS = 22
_SHIFT = np.uint64(64 - BITS)
_TAG = 32  # a key tagged with its text's index: index << 32 | key (uint64) ...
_SMALL_BATCH = 1 << (32 - BITS)  # ... or, for fewer texts, index << 22 | key as uint32: sorted in half the time
_P = 0x100000001B3  # odd: invertible modulo 2**64
_MOD = 1 << 64
MAX_CHARS = 600  # longer candidates are cut (a notice sentence is rarely longer than 300)
_NGRAMS = (3, 4, 5)
_MIX = {n: np.uint64((0x9E3779B97F4A7C15 * (2 * n + 1)) % _MOD | 1) for n in (*_NGRAMS, 101, 102)}
_WORD = regex.compile(r"\w+")
_DIGITS = regex.compile(r"\d")
_SPACES = regex.compile(r"\s+")
_YEAR = regex.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_URL = regex.compile(r"https?://|www\.|\.(?:com|org|net|de|fr|it|es|nl|pl|ru|uk)\b")


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    pw, inv = [1] * n, [1] * n
    p_inv = pow(_P, -1, _MOD)
    for i in range(1, n):
        pw[i] = pw[i - 1] * _P % _MOD
        inv[i] = inv[i - 1] * p_inv % _MOD
    return np.array(pw, dtype=np.uint64), np.array(inv, dtype=np.uint64)


_POW, _INV = _powers(MAX_CHARS + 8)


def normalise(text: str) -> str:
    """Lower case, digits as 0, whitespace runs as one space, cut to ``MAX_CHARS``, padded by spaces."""
    text = _SPACES.sub(" ", _DIGITS.sub("0", text.lower())).strip()
    return f" {text[:MAX_CHARS]} "


def text_keys(norm: str) -> np.ndarray:
    """Feature keys of the character n-grams and word uni- and bigrams of a normalised text."""
    return _grams([norm]).astype(np.uint32)


def _grams(norms: list[str], shift: int = _TAG) -> np.ndarray:
    """Keys of every normalised text at once, each tagged with its text's index (``index << shift | key``): one
    numpy pass over the texts joined, n-grams and word bigrams that would cross two texts dropped. In one
    array, so that one sort makes them unique per text (half the scorer's cost was numpy's cost per call:
    a document scores one to three sentences)."""
    joined = "".join(norms)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes)
    if n > len(_POW):
        _grow(n)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(codes * _POW[:n], out=prefix[1:])  # wraps modulo 2**64, as the hash wants
    owner = None  # one text: nothing to tag or drop
    if len(norms) > 1:
        lengths = np.fromiter((len(t) for t in norms), dtype=np.intp, count=len(norms))
        owner = np.repeat(np.arange(len(norms), dtype=np.uint64), lengths)
        tag = owner << np.uint64(shift)
    parts = []
    for k in _NGRAMS:
        if n >= k:
            grams = (((prefix[k:] - prefix[:-k]) * _INV[:n - k + 1]) * _MIX[k]) >> _SHIFT
            if owner is not None:
                grams = (grams | tag[:n - k + 1])[owner[:n - k + 1] == owner[k - 1:]]
            parts.append(grams)
    spans = [m.span() for m in _WORD.finditer(joined)]
    if spans:
        lo, hi = np.array(spans, dtype=np.intp).T
        words = (prefix[hi] - prefix[lo]) * _INV[lo]
        parts.append((words * _MIX[101]) >> _SHIFT)
        pairs = ((words[:-1] * _MIX[102] + words[1:]) * _MIX[101]) >> _SHIFT
        if owner is not None:
            word_owner = owner[lo]
            parts[-1] |= tag[lo]
            pairs = (pairs | tag[lo[:-1]])[word_owner[:-1] == word_owner[1:]]
        parts.append(pairs)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def _grow(n: int) -> None:
    global _POW, _INV
    _POW, _INV = _powers(n + 8)


@lru_cache(maxsize=65536)
def named_key(name: str) -> int:
    """The key of a named feature ("slot:ACTION", "scope:caption")."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little") >> (64 - BITS)


def shape_features(text: str) -> list[str]:
    """What the line looks like: its length, a leading ©, years, URLs, a question, shouting."""
    out = [f"len:{min(len(text) // 40, 8)}"]
    stripped = text.strip()
    if stripped[:1] in "©(":
        out.append(f"starts:{stripped[:1]}")
    if stripped[:1] in "-–—•*":
        out.append("starts:dash")
    if _YEAR.search(text):
        out.append("has:year")
    if _URL.search(text):
        out.append("has:url")
    if stripped.endswith(("?", "？")):
        out.append("ends:?")
    if stripped.endswith(":"):
        out.append("ends::")
    if len(text) > 12 and text.upper() == text and text.lower() != text:
        out.append("shout")  # a footer in capitals ("ALL RIGHTS RESERVED. NO PART OF ...")
    if '"' in text or "“" in text or "„" in text or "«" in text:
        out.append("has:quote")
    return out


def cue_features(cues: Iterable[tuple[str, str]], frames: Iterable[str]) -> list[str]:
    """Slots, slot pairs, cue words and frames of a sentence: ``cues`` are (slot, literal) pairs."""
    slots = sorted({slot for slot, _ in cues})
    out = [f"slot:{s}" for s in slots]
    out += [f"pair:{a}+{b}" for i, a in enumerate(slots) for b in slots[i + 1:]]
    out += [f"cue:{slot}:{word}" for slot, word in cues]
    out += [f"frame:{f}" for f in frames]
    return out


def sentence_keys(text: str, named: Iterable[str]) -> np.ndarray:
    """All feature keys of one candidate: its text's n-grams plus ``named`` features, unique and sorted."""
    keys, _ = keys_many([text], [list(named)])
    return keys


def keys_many(texts: list[str], named: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """The feature keys of many candidates at once (what :func:`sentence_keys` gives each), as one array
    sorted by candidate and key, unique within a candidate, with the candidate index of each key."""
    shift = BITS if len(texts) <= _SMALL_BATCH else _TAG
    combined = _grams([normalise(t) for t in texts], shift)
    extra = [i << shift | named_key(name) for i, names in enumerate(named) for name in names]
    if extra:
        combined = np.concatenate([combined, np.array(extra, dtype=np.uint64)])
    if shift == BITS:
        combined = combined.astype(np.uint32)
    combined.sort()  # then unique: np.unique's hash table cost 4x a sort on these few hundred keys
    if len(combined) > 1:
        combined = combined[np.concatenate(([True], combined[1:] != combined[:-1]))]
    return (combined & ((1 << shift) - 1)).astype(np.uint32), (combined >> shift).astype(np.intp)
