"""Sorted lists of document numbers as compact blobs (the cross-language postings, one blob per term).

A blob is one or more *chunks*; a chunk is varints (LEB128, :func:`varints`): the count of its numbers, the
first number and the gaps to each following one. Common terms cost about a byte a document, a term in one
document 4-5 bytes.

Chunks concatenate: appending a batch's documents to a term is ``docs || new`` in SQL (the open segment
grows batch by batch without reading its rows back), and a reader takes the union. Merging segments
re-encodes each term as one sorted chunk (:func:`merge`). :func:`encode_groups` encodes a whole batch's
terms with a few NumPy operations.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def encode(docs: Iterable[int] | np.ndarray) -> bytes:
    """One chunk holding ``docs`` (distinct non-negative numbers, in any order; empty: ``b""``)."""
    arr = np.sort(np.asarray(docs, dtype=np.int64) if not isinstance(docs, np.ndarray) else docs)
    if len(arr) == 0:
        return b""
    return varints(np.concatenate(([len(arr), arr[0]], np.diff(arr))))


def encode_sorted(docs: np.ndarray, start: int = 0, end: int | None = None) -> bytes:
    """One chunk holding ``docs[start:end]`` (sorted, distinct)."""
    return encode_groups(docs, np.array([start]), np.array([len(docs) if end is None else end]))[0]


def encode_groups(docs: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[bytes]:
    """One chunk for each ``docs[starts[i]:ends[i]]`` (each sorted and distinct, the groups in order and
    adjacent: ``starts[i + 1] == ends[i]``, as a sorted batch splits by term)."""
    docs = np.asarray(docs, dtype=np.int64)
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    if len(starts) == 0:
        return []
    span = docs[starts[0]:ends[-1]]
    starts, ends = starts - starts[0], ends - starts[0]
    vals = np.empty(len(span) + len(starts), dtype=np.int64)
    gaps = np.diff(span, prepend=0)
    at = np.arange(len(span)) + np.repeat(np.arange(1, len(starts) + 1), ends - starts)  # after each count
    vals[at] = gaps
    vals[at[starts]] = span[starts]  # the first number of a group, not a gap
    heads = starts + np.arange(len(starts))
    vals[heads] = ends - starts
    lengths = _varint_lengths(vals)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    bounds = offsets[np.concatenate((heads, [len(vals)]))].tolist()
    data = varints(vals, lengths)
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def decode(blob: bytes) -> np.ndarray:
    """The document numbers of every chunk of ``blob`` (sorted when it is one chunk; not deduplicated)."""
    ints = from_varints(blob)
    n = int(ints[0]) if len(ints) else 0
    if len(ints) == n + 1:  # one chunk
        return np.cumsum(ints[1:])
    parts = []
    pos = 0
    while pos < len(ints):
        n = int(ints[pos])
        parts.append(np.cumsum(ints[pos + 1:pos + 1 + n]))
        pos += 1 + n
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def count(blob: bytes) -> int:
    """How many numbers ``blob`` holds."""
    ints = from_varints(blob)
    total = pos = 0
    while pos < len(ints):
        n = int(ints[pos])
        total += n
        pos += 1 + n
    return total


def merge(blobs: list[bytes]) -> bytes:
    """One sorted chunk holding the numbers of all ``blobs`` (one blob of one chunk is returned as is)."""
    if len(blobs) == 1:
        ints = from_varints(blobs[0])
        if len(ints) == int(ints[0]) + 1:
            return blobs[0]
    return encode(np.unique(np.concatenate([decode(b) for b in blobs])))


def without(blob: bytes, doc: int) -> bytes:
    """``blob`` less document ``doc`` (one sorted chunk; ``b""`` when nothing is left)."""
    docs = decode(blob)
    return encode(np.unique(docs[docs != doc]))


# -- varints: the cross-language sentence blobs ---------------------------------------------------

def varints(values: np.ndarray, lengths: np.ndarray | None = None) -> bytes:
    """Unsigned LEB128 of non-negative integers below 2**63 (7 bits a byte, high bit: more follow);
    ``lengths``: their byte counts when known (:func:`_varint_lengths`)."""
    v = np.asarray(values, dtype=np.uint64)
    if len(v) == 0:
        return b""
    n = _varint_lengths(v) if lengths is None else lengths
    ends = np.cumsum(n)
    owner = np.repeat(np.arange(len(v)), n)
    pos = np.arange(int(ends[-1])) - np.repeat(ends - n, n)
    out = (v[owner] >> (np.uint64(7) * pos.astype(np.uint64))) & np.uint64(127)
    out |= (pos < n[owner] - 1).astype(np.uint64) << np.uint64(7)
    return out.astype(np.uint8).tobytes()


def _varint_lengths(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values).astype(np.uint64)
    n = np.ones(len(v), dtype=np.int64)
    for k in range(1, 10):
        n += v >= np.uint64(1 << (7 * k))
    return n


def from_varints(data: bytes) -> np.ndarray:
    """The integers of :func:`varints`."""
    b = np.frombuffer(data, dtype=np.uint8)
    if len(b) == 0:
        return np.zeros(0, dtype=np.int64)
    last = b < 128
    owner = np.concatenate(([0], np.cumsum(last[:-1])))
    starts = np.concatenate(([0], np.flatnonzero(last[:-1]) + 1))
    pos = np.arange(len(b)) - starts[owner]
    parts = (b & 127).astype(np.uint64) << (np.uint64(7) * pos.astype(np.uint64))
    out = np.zeros(int(owner[-1]) + 1, dtype=np.uint64)
    np.add.at(out, owner, parts)
    return out.astype(np.int64)
