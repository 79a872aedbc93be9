"""Passage alignment between a draft and one corpus source.

1. **Exact seeds**: word n-grams (``seed_gram`` words) found in both texts; notices excluded,
   n-grams repeated many times in either text and n-grams of only numbers or single letters
   (score tables, list markers) skipped. Seeds on one diagonal chain into verbatim *fragments*.
2. **Sentence seeds** (paraphrase): sentence pairs whose tf-isf cosine and Dice coefficient pass a
   threshold (:mod:`compliance.reuse.sentences`), unless exact fragments already explain them.
3. **Clusters**: pieces within ``gap`` words of each other in *both* texts merge into one passage,
   so edits, deletions and reordered phrases leave a passage whole (granularity 1). A lone short
   fragment joins only within ``weak_gap`` words, and is dropped again when it lies inside the passage
   in the draft but outside it in the source: one chance n-gram ("nach Angaben des") must not stretch a
   passage.
   Pieces never join across a heading or front matter (a segment boundary) in either text.
   Text between two pieces that another source explains splits them again (:func:`split`): two
   quotes from one article with a quote from another article between them are two passages.
4. **Trimming**: where a passage has copied words, a paraphrased sentence may extend it beyond
   them only if the extension itself is similar on both sides; otherwise a planted passage that
   ends mid-sentence would swallow the rest of the sentence around it.
5. **Verification**: a copied passage needs ``min_matched`` copied words at ``min_density``
   (short ones also ``short_similarity``); a paraphrased one needs ``min_words`` on each side and
   a tf-isf cosine of its two spans. A passage of mostly numbers (line-ups, results tables) needs
   ``template_similarity``: filled-in templates share their frame, not their text. Similarity is
   rapidfuzz's normalized Indel similarity of the two word sequences (1.0 = verbatim).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz.distance import Indel

from compliance.reuse.normalize import weak_flags
from compliance.reuse.sentences import (
    STEM,
    SentenceMatcher,
    SentenceModel,
    SentenceParams,
    Sentences,
    sentences_of,
)
from compliance.reuse.view import TextView


@dataclass(frozen=True, slots=True)
class AlignParams:
    seed_gram: int = 3  # words per exact seed n-gram
    max_repeats: int = 6  # an n-gram seen more often than this in one text is not a seed
    gap: int = 80  # words two pieces of one passage may be apart, in each text
    weak_gap: int = 8  # a lone short fragment (under ``strong`` words) joins only this close
    strong: int = 6
    min_matched: int = 10  # copied words a copied passage needs
    min_density: float = 0.3  # copied words / passage words (draft side)
    short_similarity: float = 0.6  # a copied passage less similar than this (reordered, rewritten) ...
    short_words: int = 25  # ... needs this many words ...
    loose_cos: float = 0.4  # ... and this tf-isf cosine of its two spans
    sentences: bool = True  # also seed with paraphrased sentences
    min_cos: float = 0.25  # sentence seed: tf-isf cosine
    min_dice: float = 0.25  # sentence seed: Dice of the word sets
    min_sentence: int = 6  # words a sentence needs on both sides to be a seed
    extend_cos: float = 0.3  # cosine a sentence needs to extend a copied passage beyond its copied words
    edge_cos: float = 0.2  # cosine of the sentences just before/after a passage (both texts) to take them in
    min_words: int = 30  # a paraphrased passage: words on each side
    max_ratio: float = 3.0  # a paraphrased passage: longer side / shorter side
    min_passage_cos: float = 0.6  # a paraphrased passage on one sentence pair: cosine of its spans
    min_passage_cos2: float = 0.45  # ... on two sentence pairs
    min_passage_cos3: float = 0.35  # ... on three or more, if also ...
    min_passage_similarity3: float = 0.22  # ... this similar in word order
    # A passage this much numbers and single letters (a line-up, a results or standings table) shares a template
    # with the source, not text, unless it is at least ``template_similarity`` similar (a copied table is nearly
    # verbatim; two match reports of one league are 0.33-0.38). PAN's prose passages are at most 0.1 numbers.
    template_share: float = 0.2
    template_similarity: float = 0.5


@dataclass(slots=True)
class Passage:
    """Draft tokens ``[d0, d1)`` reused from source tokens ``[s0, s1)``."""

    d0: int
    d1: int
    s0: int
    s1: int
    matched: int = 0  # draft words inside exact fragments
    similarity: float = 0.0
    sentences: int = 0  # paraphrased sentence pairs inside
    units: list[Unit] = field(default_factory=list, repr=False)  # the evidence, for splitting

    @property
    def words(self) -> int:
        return self.d1 - self.d0


@dataclass(slots=True)
class Unit:
    """One piece of evidence: an exact fragment or a paraphrased sentence pair."""

    d0: int
    d1: int
    s0: int
    s1: int
    matched: int = 0
    sentence: bool = False


@dataclass(slots=True)
class Cluster:
    d0: int
    d1: int
    s0: int
    s1: int
    units: list[Unit] = field(default_factory=list)

    @classmethod
    def of(cls, u: Unit) -> Cluster:
        return cls(u.d0, u.d1, u.s0, u.s1, [u])

    def absorb(self, other: Cluster) -> None:
        self.d0, self.d1 = min(self.d0, other.d0), max(self.d1, other.d1)
        self.s0, self.s1 = min(self.s0, other.s0), max(self.s1, other.s1)
        self.units += other.units

    def weak(self, strong: int) -> bool:
        return len(self.units) == 1 and not self.units[0].sentence and self.units[0].matched < strong


class DraftGrams:
    """The draft's seed n-grams and sentences, built once and probed with every candidate."""

    def __init__(self, view: TextView, params: AlignParams) -> None:
        self.view = view
        self.params = params
        hashes = _grams(view, params.seed_gram)
        counts = Counter(hashes)
        self.positions: dict[int, list[int]] = {}
        for i, h in enumerate(hashes):
            if h is not None and counts[h] <= params.max_repeats:
                self.positions.setdefault(h, []).append(i)
        self.sentences = sentences_of(view) if params.sentences else None
        self._matcher: SentenceMatcher | None = None

    def matcher(self, model: SentenceModel) -> SentenceMatcher:
        """Sentence matching against ``model`` (built on first use, reused for every candidate)."""
        if self._matcher is None or self._matcher.model is not model:
            p = self.params
            self._matcher = SentenceMatcher(model, self.sentences, SentenceParams(p.min_cos, p.min_dice))
        return self._matcher

    def seeds(self, source: TextView) -> list[tuple[int, int]]:
        """(draft position, source position) of every shared seed n-gram."""
        hashes = _grams(source, self.params.seed_gram)
        counts = Counter(hashes)
        limit = self.params.max_repeats
        get = self.positions.get
        out: list[tuple[int, int]] = []
        for j, h in enumerate(hashes):
            hits = get(h)
            if hits is not None and counts[h] <= limit:
                out.extend((i, j) for i in hits)
        return out


def _grams(view: TextView, n: int) -> list[int | None]:
    """Hash of each n-gram; None where it touches a notice or holds only numbers/single letters."""
    ids = view.ids
    if len(ids) < n:
        return []
    hashes: list[int | None] = list(map(hash, zip(*(ids[k:] for k in range(n)), strict=False)))
    weak = weak_flags(view.tokens.words)
    last = len(hashes)  # n-grams start at 0 .. last - 1
    for a, b in _runs(view.excluded):  # an n-gram touching an excluded word
        hashes[max(0, a - n + 1):min(b, last)] = [None] * (min(b, last) - max(0, a - n + 1))
    for a, b in _runs(weak):  # an n-gram of weak words only: inside a run of at least n of them
        if b - a >= n:
            hashes[a:b - n + 1] = [None] * (b - n + 1 - a)
    seg = view.seg
    if seg is not None:  # an n-gram across a heading or front matter is no seed
        for i in range(len(hashes)):
            if seg[i] != seg[i + n - 1]:
                hashes[i] = None
    return hashes


_FLAGGED = re.compile(b"\x01+")


def _runs(flags: bytes | bytearray) -> list[tuple[int, int]]:
    """``[a, b)`` of each run of flagged (1) positions: the n-grams to drop are found from the runs, not by
    slicing a window at every position (~40 % of building a source's n-grams)."""
    return [m.span() for m in _FLAGGED.finditer(flags)] if 1 in flags else []


# -- alignment -------------------------------------------------------------------------------------

def align(grams: DraftGrams, source: TextView, model: SentenceModel | None = None,
          source_sentences: Sentences | None = None) -> list[Passage]:
    """Reused passages of the draft in ``source``, verified, in draft order."""
    params = grams.params
    seeds = grams.seeds(source)
    units = fragments(seeds, params.seed_gram, params.weak_gap, grams.view, source) if seeds else []
    if model is not None and grams.sentences is not None and source_sentences is not None:
        units += _sentence_units(grams, source_sentences, model, units)
    if not units:
        return []
    out = []
    for cluster in cluster_units(units, params, grams.view, source):
        if model is not None:
            _trim(cluster, grams.view, source, model, params)
        p = _verify(cluster, grams.view, source, params, model)
        if p is not None:
            if model is not None and source_sentences is not None and grams.sentences is not None:
                _extend_edges(p, grams, source, source_sentences, model)
            out.append(p)
    return _drop_overlaps(out)


def _extend_edges(p: Passage, grams: DraftGrams, source: TextView, ssent: Sentences,
                  model: SentenceModel) -> None:
    """Take in the rest of the sentences at both ends of a passage when, on both sides, they say the
    same (a paraphrase often starts or ends a sentence or two beyond the copied words); never across a
    heading or front matter."""
    limit = grams.params.edge_cos
    draft = grams.view
    dr, sr = grams.sentences.ranges, ssent.ranges
    dstarts, sstarts = [a for a, _ in dr], [a for a, _ in sr]
    while p.d0 > 0 and p.s0 > 0:
        k, j = bisect_right(dstarts, p.d0 - 1) - 1, bisect_right(sstarts, p.s0 - 1) - 1
        if k < 0 or j < 0 or not _same_segments(draft, dr[k][0], p.d0, source, sr[j][0], p.s0) or \
                _cos_ranges(model, draft, [(dr[k][0], p.d0)], source, [(sr[j][0], p.s0)]) < limit:
            break
        p.d0, p.s0 = dr[k][0], sr[j][0]
    while p.d1 < len(draft) and p.s1 < len(source):
        k, j = bisect_right(dstarts, p.d1) - 1, bisect_right(sstarts, p.s1) - 1
        if k < 0 or j < 0 or not _same_segments(draft, dr[k][1] - 1, p.d1 - 1, source, sr[j][1] - 1, p.s1 - 1) \
                or _cos_ranges(model, draft, [(p.d1, dr[k][1])], source, [(p.s1, sr[j][1])]) < limit:
            break
        p.d1, p.s1 = dr[k][1], sr[j][1]
    p.similarity = Indel.normalized_similarity(draft.ids[p.d0:p.d1], source.ids[p.s0:p.s1])


def fragments(seeds: list[tuple[int, int]], n: int, gap: int, draft: TextView | None = None,
              source: TextView | None = None) -> list[Unit]:
    """Verbatim runs: seeds on one diagonal with at most ``gap`` words between them (in one segment)."""
    seeds.sort(key=lambda s: (s[1] - s[0], s[0]))
    out: list[Unit] = []
    cur: Unit | None = None
    cur_diag = None
    for i, j in seeds:
        diag = j - i
        if cur is not None and diag == cur_diag and i <= cur.d1 + gap and _same_segments(
                draft, cur.d0, i, source, cur.s0, j):
            cur.matched += n if i >= cur.d1 else max(0, i + n - cur.d1)
            cur.d1 = max(cur.d1, i + n)
            cur.s1 = max(cur.s1, j + n)
            continue
        cur = Unit(i, i + n, j, j + n, n)
        cur_diag = diag
        out.append(cur)
    return out


def _sentence_units(grams: DraftGrams, source: Sentences, model: SentenceModel,
                    exact: list[Unit]) -> list[Unit]:
    """Sentence pairs that exact fragments do not already explain."""
    p = grams.params
    draft = grams.sentences
    covered = bytearray(len(grams.view))
    for u in exact:
        covered[u.d0:u.d1] = b"\x01" * (u.d1 - u.d0)
    out = []
    for k, j, _cos in grams.matcher(model).seeds(source):
        d0, d1 = draft.ranges[k]
        s0, s1 = source.ranges[j]
        if min(d1 - d0, s1 - s0) < p.min_sentence or covered[d0:d1].count(1) * 2 >= d1 - d0:
            continue
        out.append(Unit(d0, d1, s0, s1, 0, True))
    return out


def _gap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, max(a0, b0) - min(a1, b1))


def _same_segments(draft: TextView | None, d: int, d2: int, source: TextView | None, s: int, s2: int) -> bool:
    return (draft is None or draft.same_segment(d, d2)) and (source is None or source.same_segment(s, s2))


def cluster_units(units: list[Unit], params: AlignParams, draft: TextView | None = None,
                  source: TextView | None = None) -> list[Cluster]:
    """Merge pieces close in both texts until none are (a passage may be reordered inside); pieces in
    different segments (a heading or front matter between them) never merge."""
    clusters = sorted((Cluster.of(u) for u in units), key=lambda c: (c.d0, c.s0))
    gap, weak_gap, strong = params.gap, params.weak_gap, params.strong
    while len(clusters) > 1:
        out: list[Cluster] = []
        active: list[Cluster] = []
        changed = False
        for c in clusters:
            active = [m for m in active if m.d1 + gap >= c.d0]
            c_weak = c.weak(strong)
            for m in active:
                if not _same_segments(draft, m.d0, c.d0, source, m.s0, c.s0):
                    continue
                limit = weak_gap if c_weak or m.weak(strong) else gap
                if _gap(m.d0, m.d1, c.d0, c.d1) <= limit and _gap(m.s0, m.s1, c.s0, c.s1) <= limit:
                    m.absorb(c)
                    changed = True
                    break
            else:
                out.append(c)
                active.append(c)
        clusters = sorted(out, key=lambda c: (c.d0, c.s0))
        if not changed:
            break
    for c in clusters:
        _drop_stray(c, strong)
    return clusters


def _drop_stray(c: Cluster, strong: int) -> None:
    """Drop short fragments that lie inside the passage in the draft but stretch it in the source: a phrase
    of a quote ("nach Angaben des") that the source has again a few words after the quoted part is chance,
    and keeping it would carry the source span past the quote. (The other way round, a draft span past a
    quote is cut back to its quotation marks by the search; in a paraphrase, such a fragment is often
    reordered text that belongs to the passage.)"""
    core = [u for u in c.units if u.sentence or u.matched >= strong]
    if not core or len(core) == len(c.units):
        return
    d0, d1 = min(u.d0 for u in core), max(u.d1 for u in core)
    s0, s1 = min(u.s0 for u in core), max(u.s1 for u in core)
    kept = [u for u in c.units if not (d0 <= u.d0 and u.d1 <= d1) or (s0 <= u.s0 and u.s1 <= s1)]
    if len(kept) < len(c.units):
        c.units = kept
        c.d0, c.d1 = min(u.d0 for u in kept), max(u.d1 for u in kept)
        c.s0, c.s1 = min(u.s0 for u in kept), max(u.s1 for u in kept)


def _trim(cluster: Cluster, draft: TextView, source: TextView, model: SentenceModel,
          params: AlignParams) -> None:
    """Keep a copied passage to its copied words unless a sentence pair beyond them is similar too."""
    exact = [u for u in cluster.units if not u.sentence]
    sentences = [u for u in cluster.units if u.sentence]
    if not exact or not sentences or sum(u.matched for u in exact) < params.min_matched:
        return
    box = [min(u.d0 for u in exact), max(u.d1 for u in exact), min(u.s0 for u in exact), max(u.s1 for u in exact)]
    kept = list(exact)
    pending = sentences
    while pending:
        rest = []
        for u in pending:
            if box[0] <= u.d0 and u.d1 <= box[1] and box[2] <= u.s0 and u.s1 <= box[3]:
                kept.append(u)
                continue
            outside_d = _outside(u.d0, u.d1, box[0], box[1])
            outside_s = _outside(u.s0, u.s1, box[2], box[3])
            if _cos_ranges(model, draft, outside_d, source, outside_s) >= params.extend_cos:
                kept.append(u)
                box = [min(box[0], u.d0), max(box[1], u.d1), min(box[2], u.s0), max(box[3], u.s1)]
            else:
                rest.append(u)
        if len(rest) == len(pending):
            break
        pending = rest
    cluster.d0, cluster.d1, cluster.s0, cluster.s1 = box
    cluster.units = kept


def _outside(a0: int, a1: int, b0: int, b1: int) -> list[tuple[int, int]]:
    """Parts of ``[a0, a1)`` outside ``[b0, b1)``."""
    parts = []
    if a0 < b0:
        parts.append((a0, min(a1, b0)))
    if a1 > b1:
        parts.append((max(a0, b1), a1))
    return parts


def _bag(view: TextView, ranges: list[tuple[int, int]]) -> Counter:
    words, ex = view.tokens.words, view.excluded
    return Counter(words[k][:STEM] for a, b in ranges for k in range(a, b) if not ex[k])


def _cos_ranges(model: SentenceModel, a: TextView, ra: list[tuple[int, int]], b: TextView,
                rb: list[tuple[int, int]]) -> float:
    if sum(y - x for x, y in ra) < 3 or sum(y - x for x, y in rb) < 3:
        return 0.0
    va, na = model.weigh(_bag(a, ra))
    vb, nb = model.weigh(_bag(b, rb))
    if not na or not nb:
        return 0.0
    return sum(v * vb.get(w, 0.0) for w, v in va.items()) / (na * nb)


def _verify(c: Cluster, draft: TextView, source: TextView, params: AlignParams,
            model: SentenceModel | None) -> Passage | None:
    d0, d1, s0, s1 = c.d0, c.d1, c.s0, c.s1
    matched = min(d1 - d0, sum(u.matched for u in c.units))
    nsent = sum(1 for u in c.units if u.sentence)
    sim = Indel.normalized_similarity(draft.ids[d0:d1], source.ids[s0:s1])
    words = d1 - d0
    copied = (matched >= params.min_matched and matched >= params.min_density * words
              and (sim >= params.short_similarity or (words >= params.short_words and (
                  model is None or _cos_ranges(model, draft, [(d0, d1)], source, [(s0, s1)])
                  >= params.loose_cos))))
    if not copied:
        short, long_ = sorted((words, s1 - s0))
        if not nsent or model is None or short < params.min_words or long_ > params.max_ratio * short:
            return None
        cos = _cos_ranges(model, draft, [(d0, d1)], source, [(s0, s1)])
        if nsent >= 3 and cos >= params.min_passage_cos3 and sim >= params.min_passage_similarity3:
            pass
        elif cos < (params.min_passage_cos if nsent < 2 else params.min_passage_cos2):
            return None
    if sim < params.template_similarity and _template(draft, d0, d1, params.template_share):
        return None
    return Passage(d0, d1, s0, s1, matched, sim, nsent, list(c.units))


def _template(view: TextView, i: int, j: int, share: float) -> bool:
    """Are tokens ``[i, j)`` mostly numbers and single letters (scores, minutes, ranks: a filled-in template)?"""
    return weak_flags(view.tokens.words[i:j]).count(1) >= share * max(1, j - i)


def split(p: Passage, claimed: Callable[[int, int], int], draft: TextView, source: TextView,
          params: AlignParams, model: SentenceModel | None) -> list[Passage]:
    """Cut a passage where the text between two of its pieces is mostly claimed by another source
    (``claimed(i, j)`` counts such words in ``[i, j)``); the parts are verified again."""
    units = sorted(p.units, key=lambda u: (u.d0, u.d1))
    groups: list[list[Unit]] = [[units[0]]]
    end = units[0].d1
    for u in units[1:]:
        gap = u.d0 - end
        if gap >= params.weak_gap and claimed(end, u.d0) * 2 >= gap:
            groups.append([])
        groups[-1].append(u)
        end = max(end, u.d1)
    if len(groups) == 1:
        return [p]
    out = []
    for g in groups:
        c = Cluster(min(u.d0 for u in g), max(u.d1 for u in g), min(u.s0 for u in g), max(u.s1 for u in g), g)
        part = _verify(c, draft, source, params, model)
        if part is not None:
            out.append(part)
    return out


def clip(p: Passage, d0: int, d1: int, draft: TextView, source: TextView) -> Passage:
    """The part of ``p`` on draft tokens ``[d0, d1)``: where an end moves, the source end moves with the
    copied run it cuts (word for word), so the two sides stay aligned."""
    units = [u for u in p.units if u.d1 > d0 and u.d0 < d1]
    if not units or (d0, d1) == (p.d0, p.d1):
        return p
    s0 = p.s0 if d0 <= p.d0 else min(u.s0 + (0 if u.sentence else max(0, d0 - u.d0)) for u in units)
    s1 = p.s1 if d1 >= p.d1 else max(u.s1 - (0 if u.sentence else max(0, u.d1 - d1)) for u in units)
    d0, d1 = max(d0, p.d0), min(d1, p.d1)
    sim = Indel.normalized_similarity(draft.ids[d0:d1], source.ids[s0:s1])
    return Passage(d0, d1, s0, s1, min(p.matched, d1 - d0), sim, p.sentences, units)


def _covered(spans: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(spans):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def _drop_overlaps(passages: list[Passage]) -> list[Passage]:
    """Where two passages claim the same draft words, keep the one with more copied words."""
    passages.sort(key=lambda p: (-p.matched, -p.words, p.d0))
    kept: list[Passage] = []
    for p in passages:
        if all(_overlap_share(p, k) < 0.5 for k in kept):
            kept.append(p)
    kept.sort(key=lambda p: p.d0)
    return kept


def _overlap_share(p: Passage, k: Passage) -> float:
    inter = max(0, min(p.d1, k.d1) - max(p.d0, k.d0))
    return inter / max(1, p.d1 - p.d0)
