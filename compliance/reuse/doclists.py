"""Sorted lists of document numbers as compact blobs (the cross-language postings, one blob per term).

A blob is one or more *chunks*; a chunk is one code byte, the first document number in 3 bytes (little
endian; numbers are below ``2**24``, see :data:`compliance.reuse.segments.DOC_BITS`) and the gaps to the
following numbers, all of one width (1, 2 or 4 bytes, the smallest that holds the largest gap). The code
byte is ``width code | count << 2``, the count (1-63) of numbers in the chunk, or 0 when a 4-byte count
follows the code byte. Common terms cost about a byte a document, a term in one document 4 bytes.

Chunks concatenate: appending a batch's documents to a term is ``docs || new`` in SQL (the open segment
grows batch by batch without reading its rows back), and a reader takes the union. Merging segments
re-encodes each term as one sorted chunk (:func:`merge`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_WIDTHS = (1, 2, 4)
_DTYPES = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))
_SMALL = 63  # largest count held in the code byte


def encode(docs: Iterable[int] | np.ndarray) -> bytes:
    """One chunk holding ``docs`` (distinct numbers below 2**24, in any order; empty: ``b""``)."""
    arr = np.sort(np.asarray(docs, dtype=np.int64)) if not isinstance(docs, np.ndarray) else np.sort(docs)
    n = len(arr)
    if n == 0:
        return b""
    gaps = np.diff(arr)
    top = int(gaps.max()) if n > 1 else 0
    code = 0 if top < 1 << 8 else 1 if top < 1 << 16 else 2
    first = int(arr[0]).to_bytes(3, "little")
    head = bytes((code | n << 2,)) if n <= _SMALL else bytes((code,)) + n.to_bytes(4, "little")
    return head + first + gaps.astype(_DTYPES[code]).tobytes()


def encode_sorted(docs: np.ndarray, start: int = 0, end: int | None = None) -> bytes:
    """One chunk holding ``docs[start:end]`` (sorted, distinct); the common short lists without NumPy calls."""
    end = len(docs) if end is None else end
    n = end - start
    if n == 1:
        return bytes((1 << 2,)) + int(docs[start]).to_bytes(3, "little")
    if n <= 8:
        vals = docs[start:end].tolist()
        gaps = [b - a for a, b in zip(vals, vals[1:], strict=False)]
        top = max(gaps)
        code = 0 if top < 1 << 8 else 1 if top < 1 << 16 else 2
        width = _WIDTHS[code]
        return (bytes((code | n << 2,)) + vals[0].to_bytes(3, "little")
                + b"".join(g.to_bytes(width, "little") for g in gaps))
    return encode(docs[start:end])


def decode(blob: bytes) -> np.ndarray:
    """The document numbers of every chunk of ``blob`` (sorted when it is one chunk; not deduplicated)."""
    parts = []
    pos = 0
    while pos < len(blob):
        code, n, pos = _head(blob, pos)
        first = int.from_bytes(blob[pos:pos + 3], "little")
        pos += 3
        if n == 1:
            parts.append(np.array([first], dtype=np.int64))
            continue
        gaps = np.frombuffer(blob, dtype=_DTYPES[code], count=n - 1, offset=pos).astype(np.int64)
        pos += (n - 1) * _WIDTHS[code]
        out = np.empty(n, dtype=np.int64)
        out[0] = first
        np.cumsum(gaps, out=out[1:])
        out[1:] += first
        parts.append(out)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def count(blob: bytes) -> int:
    """How many numbers ``blob`` holds (reads the code bytes only)."""
    total = 0
    pos = 0
    while pos < len(blob):
        code, n, pos = _head(blob, pos)
        pos += 3 + (n - 1) * _WIDTHS[code]
        total += n
    return total


def _head(blob: bytes, pos: int) -> tuple[int, int, int]:
    """Width code and count of the chunk at ``pos``, and where its first number starts."""
    byte = blob[pos]
    if byte >> 2:
        return byte & 3, byte >> 2, pos + 1
    return byte & 3, int.from_bytes(blob[pos + 1:pos + 5], "little"), pos + 5


def merge(blobs: list[bytes]) -> bytes:
    """One sorted chunk holding the numbers of all ``blobs`` (one blob of one chunk is returned as is)."""
    if len(blobs) == 1 and _one_chunk(blobs[0]):
        return blobs[0]
    return encode(np.unique(np.concatenate([decode(b) for b in blobs])))


def without(blob: bytes, doc: int) -> bytes:
    """``blob`` less document ``doc`` (one sorted chunk; ``b""`` when nothing is left)."""
    docs = decode(blob)
    return encode(np.unique(docs[docs != doc]))


def _one_chunk(blob: bytes) -> bool:
    code, n, pos = _head(blob, 0)
    return len(blob) == pos + 3 + (n - 1) * _WIDTHS[code]


# -- varints: the cross-language sentence blobs ---------------------------------------------------

def varints(values: np.ndarray) -> bytes:
    """Unsigned LEB128 of non-negative integers below 2**63 (7 bits a byte, high bit: more follow)."""
    v = np.asarray(values, dtype=np.uint64)
    if len(v) == 0:
        return b""
    n = np.ones(len(v), dtype=np.int64)
    for k in range(1, 10):
        n += v >= np.uint64(1 << (7 * k))
    ends = np.cumsum(n)
    owner = np.repeat(np.arange(len(v)), n)
    pos = np.arange(int(ends[-1])) - np.repeat(ends - n, n)
    out = (v[owner] >> (np.uint64(7) * pos.astype(np.uint64))) & np.uint64(127)
    out |= (pos < n[owner] - 1).astype(np.uint64) << np.uint64(7)
    return out.astype(np.uint8).tobytes()


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
