"""Sentence pairs of the draft and its candidate sources, scored all at once with NumPy.

A pair's similarity is the geometric mean of two shares: the weighted share of the draft sentence's words
with a stem in the source sentence, and the share of the source sentence's stems that some word of the draft
sentence may translate to. Walking every candidate sentence's stems in Python (a set per pair, ~150
candidate sources at 10k) was the largest cost of a check against an index with cross-language rows; here
each stem occurrence of the candidates is expanded, by array operations, to the draft sentences and words it
stands for, and both shares are summed per pair from those rows. Every pair sharing a stem is scored (no
bound skips any), so the pairs at or above the floor are exactly those of a walk over all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compliance.reuse.xling.postings import SentTable


@dataclass
class DraftIndex:
    """The draft's side, by vocabulary number: for each stem of the draft that the index knows (``stems``,
    sorted), the distinct draft sentences it may come from and the (sentence, word) *slots* it translates,
    as offset/value arrays; each slot's sentence and weight; each sentence's summed word weight."""

    stems: Any
    sent_at: Any
    sents: Any
    slot_at: Any
    slots: Any
    slot_sent: Any
    slot_weight: Any
    totals: Any


def draft_index(groups: list[list[tuple[str, tuple[str, ...]]]], weight: dict[str, float], totals: list[float],
                ids: dict[str, int]) -> DraftIndex:
    """Index the draft sentences ``groups`` (word, English stems) for :func:`similar_pairs`; ``ids`` maps
    stems to vocabulary numbers (a stem no stored sentence holds is left out: it can match nothing)."""
    slot_of: dict[tuple[int, str], int] = {}  # a word twice in a sentence is one slot, as it is one found word
    slot_stems: list[tuple[int, int]] = []  # (vocabulary number, slot)
    for i, sent in enumerate(groups):
        for word, alts in sent:
            slot = slot_of.setdefault((i, word), len(slot_of))
            slot_stems += [(ids[t], slot) for t in alts if t in ids]
    slot_sent = np.array([i for i, _ in slot_of], dtype=np.int64)
    slot_weight = np.array([weight[w] for _, w in slot_of], dtype=np.float64)
    slots, n = max(len(slot_of), 1), max(len(groups), 1)
    pairs = np.array(slot_stems, dtype=np.int64).reshape(-1, 2)
    stem_of, slot = np.divmod(_distinct(pairs[:, 0] * slots + pairs[:, 1])[0], slots)  # by stem, then slot
    stems, first = _distinct(stem_of)
    slot_at = np.append(first, len(slot))
    stem_of, sent = np.divmod(_distinct(stem_of * n + slot_sent[slot])[0], n)
    sent_at = np.append(np.searchsorted(stem_of, stems), len(sent))
    return DraftIndex(stems, sent_at, sent, slot_at, slot, slot_sent, slot_weight,
                      np.array(totals, dtype=np.float64))


def similar_pairs(draft: DraftIndex, table: SentTable, floor: float) -> tuple[Any, Any, Any]:
    """(source sentence, draft sentence, similarity) of every pair whose similarity is at least ``floor``,
    ordered by source sentence, then draft sentence (sentences numbered as in ``table``)."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(draft.stems) or not len(table.stems):
        return empty, empty, np.zeros(0)
    at = np.minimum(np.searchsorted(draft.stems, table.stems), len(draft.stems) - 1)
    hit = draft.stems[at] == table.stems
    owner, stem = table.owner[hit], at[hit]  # the candidates' stem occurrences the draft may translate to
    if not len(stem):
        return empty, empty, np.zeros(0)
    keys, explained = _shared_stems(draft, owner, stem)
    found_keys, summed = _found_weights(draft, owner, stem)
    if not np.array_equal(found_keys, keys):  # a pair shares a stem exactly when a word of it is found
        raise AssertionError("sentence pairs of both shares differ")
    source, i = np.divmod(keys, len(draft.totals))
    sims = np.sqrt(summed / draft.totals[i] * explained / table.size[source])
    keep = sims >= floor
    return source[keep], i[keep], sims[keep]


def _shared_stems(draft: DraftIndex, owner: Any, stem: Any) -> tuple[Any, Any]:
    """Per pair sharing a stem (key: source sentence times the draft's sentences, plus the draft sentence), how
    many of the source sentence's stems the draft sentence may translate to."""
    occ, sent = _expand(draft.sent_at, draft.sents, stem)
    keys, first = _distinct(owner[occ] * len(draft.totals) + sent)
    return keys, np.diff(np.append(first, len(occ)))


def _found_weights(draft: DraftIndex, owner: Any, stem: Any) -> tuple[Any, Any]:
    """Per pair (keyed as in :func:`_shared_stems`), the summed weight of the draft sentence's words found in the
    source sentence: each word once however many of its stems are there, added one by one in sentence order."""
    slots = len(draft.slot_sent)
    occ, slot = _expand(draft.slot_at, draft.slots, stem)
    found, _ = _distinct(owner[occ] * slots + slot)
    source, slot = np.divmod(found, slots)
    keys, first = _distinct(source * len(draft.totals) + draft.slot_sent[slot])  # slots go in sentence order
    pair = np.zeros(len(found), dtype=np.int64)
    pair[first[1:]] = 1
    return keys, np.bincount(np.cumsum(pair), weights=draft.slot_weight[slot])


def _expand(at: Any, values: Any, rows: Any) -> tuple[Any, Any]:
    """For each entry of ``rows``, every value of its row of the offset/value arrays: (which entry, value)."""
    lo = at[rows]
    counts = at[rows + 1] - lo
    entry = np.repeat(np.arange(len(rows)), counts)
    offsets = np.cumsum(counts) - counts
    return entry, values[np.arange(int(counts.sum())) - np.repeat(offsets - lo, counts)]


def _distinct(keys: Any) -> tuple[Any, Any]:
    """The distinct values of ``keys`` in order, and where each first occurs once sorted: a stable sort, since
    the keys come nearly sorted (by source sentence) and NumPy's ``unique`` hashes them, ~8x slower here."""
    keys = np.sort(keys, kind="stable")
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    first = np.flatnonzero(new)
    return keys[first], first
