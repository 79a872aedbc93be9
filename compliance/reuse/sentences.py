"""Sentence-level seeds for paraphrased reuse: tf-isf cosine and Dice between sentences.

Word n-grams find copied and lightly edited text; a paraphrase (synonyms, reordered clauses, words
shuffled) keeps the vocabulary but few n-grams. Following the best PAN 2014 text-alignment system
(Sanchez-Perez, Sidorov and Gelbukh), sentences are compared as bags of words weighted by *tf-isf*
(term frequency times inverse sentence frequency, counted over the texts being compared, so
function words of any language weigh little), and a pair whose cosine and Dice coefficient both
pass a threshold is a seed. Words are cut to a prefix (a language-independent stand-in for a
stemmer) so inflected forms meet.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from compliance.reuse.view import TextView

# A sentence ends at ., !, ? or … (and closing quotes/brackets) before white space, or at a blank
# line (block boundary); the cut falls after the last word before the match.
_BOUNDARY = re.compile(r"[.!?…][\"'”“»«’)\]]*\s|\n\s*\n")
MIN_WORDS = 4  # shorter sentences are joined to the next
MAX_WORDS = 60  # longer ones are cut into pieces
STEM = 6  # characters kept of each word


@dataclass(slots=True)
class Sentences:
    """Sentence token ranges of a view and their stemmed bags of words."""

    ranges: list[tuple[int, int]]
    bags: list[Counter] = field(default_factory=list)


def split_sentences(view: TextView) -> list[tuple[int, int]]:
    """Token ranges ``[i, j)`` of the sentences of ``view`` (excluded tokens still inside)."""
    n = len(view)
    if not n:
        return []
    ends = view.tokens.ends
    hard = _segment_starts(view)  # a heading or front matter: never joined to its neighbours
    cuts = sorted({bisect_right(ends, m.start()) for m in _BOUNDARY.finditer(view.plain)} | hard)
    ranges: list[tuple[int, int]] = []
    start = 0
    for c in cuts + [n]:
        if c > start and (c - start >= MIN_WORDS or c == n or c in hard):
            ranges.extend(_cut(start, c))
            start = c
    if len(ranges) > 1 and ranges[-1][1] - ranges[-1][0] < MIN_WORDS and ranges[-1][0] not in hard:
        last = ranges.pop()
        ranges[-1] = (ranges[-1][0], last[1])
    return ranges


def _segment_starts(view: TextView) -> set[int]:
    seg = view.seg
    if seg is None:
        return set()
    return {k for k in range(1, len(seg)) if seg[k] != seg[k - 1]}


def _cut(start: int, end: int) -> list[tuple[int, int]]:
    if end - start <= MAX_WORDS:
        return [(start, end)]
    pieces = math.ceil((end - start) / MAX_WORDS)
    step = math.ceil((end - start) / pieces)
    return [(s, min(end, s + step)) for s in range(start, end, step)]


def sentences_of(view: TextView) -> Sentences:
    ranges = split_sentences(view)
    words, ex = view.tokens.words, view.excluded
    bags = [Counter(words[k][:STEM] for k in range(i, j) if not ex[k]) for i, j in ranges]
    return Sentences(ranges, bags)


class SentenceModel:
    """Inverse sentence frequencies over a draft and its candidate sources."""

    def __init__(self, texts: list[Sentences]) -> None:
        sf: Counter = Counter()
        total = 0
        for s in texts:
            for bag in s.bags:
                sf.update(bag.keys())
            total += len(s.bags)
        self.total = max(total, 1)
        self.isf = {w: math.log(self.total / c) for w, c in sf.items()}

    def weigh(self, bag: Counter) -> tuple[dict[str, float], float]:
        isf = self.isf
        vec = {w: tf * isf.get(w, 0.0) for w, tf in bag.items()}
        return vec, math.sqrt(sum(v * v for v in vec.values()))


@dataclass(frozen=True, slots=True)
class SentenceParams:
    min_cos: float = 0.33
    min_dice: float = 0.33


class SentenceMatcher:
    """The draft's weighted sentence vectors and an inverted index over them, built once per query."""

    def __init__(self, model: SentenceModel, draft: Sentences, params: SentenceParams) -> None:
        self.model = model
        self.draft = draft
        self.params = params
        self.vectors = [model.weigh(b) for b in draft.bags]
        self.postings: dict[str, list[int]] = {}
        for k, bag in enumerate(draft.bags):
            for w in bag:
                self.postings.setdefault(w, []).append(k)

    def seeds(self, source: Sentences) -> list[tuple[int, int, float]]:
        """(draft sentence, source sentence, cosine) of every pair passing both thresholds.

        Dice is counted first, in integers: most sentence pairs of a check share a word or two and fail it, and
        they then cost neither the source sentence's weights nor the cosine's products. The pairs that pass get
        the same sums, added in the same order, as when every pair's cosine was computed first."""
        p = self.params
        vectors, postings = self.vectors, self.postings
        out = []
        for j, bag in enumerate(source.bags):
            ok = self._dice_passing(bag)
            if not ok:
                continue
            svec, snorm = self.model.weigh(bag)
            if not snorm:
                continue
            dots: dict[int, float] = {}
            for w, sv in svec.items():
                hits = postings.get(w)
                if hits is None or sv <= 0:
                    continue
                for k in hits:
                    if k in ok:
                        dots[k] = dots.get(k, 0.0) + sv * vectors[k][0][w]
            for k, dot in dots.items():
                dnorm = vectors[k][1]
                if dnorm and dot >= p.min_cos * dnorm * snorm:
                    out.append((k, j, dot / (dnorm * snorm)))
        return out

    def _dice_passing(self, bag: Counter) -> set[int]:
        """Draft sentences whose Dice coefficient with ``bag`` reaches the threshold (``postings`` lists each
        draft sentence once per distinct word, so the counts are the shared distinct words)."""
        postings = self.postings
        shared: dict[int, int] = {}
        for w in bag:
            for k in postings.get(w, ()):
                shared[k] = shared.get(k, 0) + 1
        if not shared:
            return set()
        bags, size, floor = self.draft.bags, len(bag), self.params.min_dice
        return {k for k, c in shared.items() if 2 * c / (len(bags[k]) + size) >= floor}


def sentence_seeds(model: SentenceModel, draft: Sentences, source: Sentences,
                   params: SentenceParams) -> list[tuple[int, int, float]]:
    """(draft sentence, source sentence, cosine) of every pair passing both thresholds."""
    return SentenceMatcher(model, draft, params).seeds(source)
