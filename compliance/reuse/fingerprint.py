"""Winnowed word n-gram fingerprints: a few hashes per document that any copied passage shares.

Every n-gram of normalized words is hashed; in each window of ``w`` consecutive n-gram hashes the
smallest one is kept (Schleimer et al., "Winnowing", SIGMOD 2003). Two texts that share a run of
``w + n - 1`` words therefore always share a fingerprint, while only about ``2 / (w + 1)`` of the
n-grams are stored. A query hashes *every* n-gram of the draft and looks each one up, so the
guarantee holds without winnowing the draft.

N-gram hashes are Python's tuple hash over stable 61-bit word ids: computed in C, and the same in
every process of one Python build. The index records a probe value and refuses to mix builds.
"""

from __future__ import annotations

import sys

GRAM = 4  # words per n-gram
WINDOW = 4  # n-grams per winnowing window
HASH_BITS = 39  # stored with a 24-bit document number in one 63-bit SQLite integer
_MASK = (1 << HASH_BITS) - 1
_EXCLUDED = sys.maxsize  # never a window minimum unless the whole window is excluded


def hash_probe() -> int:
    """A value that changes if the n-gram hash function changes (stored in the index)."""
    return hash((1, 2, 3, 2**60 + 7)) & _MASK


def gram_hashes(ids: list[int], excluded: bytearray | None = None, n: int = GRAM) -> list[int]:
    """Raw hash of every n-gram; n-grams touching an excluded token get a sentinel."""
    if len(ids) < n:
        return []
    hashes = list(map(hash, zip(*(ids[k:] for k in range(n)), strict=False)))
    if excluded is not None and any(excluded):
        for i in _touching(excluded, n, len(hashes)):
            hashes[i] = _EXCLUDED
    return hashes


def _touching(excluded: bytearray, n: int, count: int) -> set[int]:
    out: set[int] = set()
    pos = excluded.find(1)
    while pos != -1:
        out.update(range(max(0, pos - n + 1), min(count, pos + 1)))
        pos = excluded.find(1, pos + 1)
    return out


def winnow(hashes: list[int], w: int = WINDOW) -> set[int]:
    """The set of window minima (masked to ``HASH_BITS``), excluded n-grams dropped."""
    if not hashes:
        return set()
    short = len(hashes) <= w
    minima = {min(hashes)} if short else set(map(min, zip(*(hashes[k:] for k in range(w)), strict=False)))
    minima.discard(_EXCLUDED)
    return {h & _MASK for h in minima}


def fingerprints(ids: list[int], excluded: bytearray | None = None) -> set[int]:
    """What the index stores for a document."""
    return winnow(gram_hashes(ids, excluded))


def text_fingerprints(plain: str, excluded: list[tuple[int, int]] | None = None) -> tuple[set[int], int]:
    """Fingerprints of a text with ``excluded`` spans (notices, boilerplate) cut out, and its word
    count. The text between excluded spans is fingerprinted piece by piece (no n-gram spans a cut).
    The index uses this both to add and to remove a document, so the two always agree."""
    from compliance.reuse.normalize import text_ids

    out: set[int] = set()
    words = 0
    pos = 0
    for start, end in sorted(excluded or ()) + [(len(plain), len(plain))]:
        if start > pos:
            ids = text_ids(plain[pos:start])
            words += len(ids)
            out |= winnow(gram_hashes(ids))
        if end > start:
            words += len(text_ids(plain[max(start, pos):end]))
        pos = max(pos, end)
    return out, words


def position_hashes(ids: list[int], excluded: bytearray | None = None) -> list[int]:
    """The hash the index keys on of every n-gram, by position (n-grams touching an excluded token: a sentinel
    no query holds)."""
    return [h & _MASK for h in gram_hashes(ids, excluded)]


def query_hashes(ids: list[int], excluded: bytearray | None = None, hashes: list[int] | None = None) -> set[int]:
    """What a draft looks up: every n-gram outside notices (``hashes``: its :func:`position_hashes`, when at
    hand)."""
    out = set(hashes if hashes is not None else position_hashes(ids, excluded))
    out.discard(_EXCLUDED & _MASK)
    return out
