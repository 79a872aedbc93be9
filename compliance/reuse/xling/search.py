"""Translated passages: translate the draft (not the corpus), retrieve English sources, align sentences.

1. Each draft sentence becomes groups of English stems (:mod:`.terms`, :mod:`.ding`).
2. Retrieval: a group votes, with the best idf of its stems, for every source holding one of them
   (stems in more than ``df_cap`` sources are left out). Sources are ranked for the whole draft and for
   each window of a few sentences, so a short translated passage inside a long draft still surfaces.
3. Alignment: a sentence pair's similarity is the weighted share of the draft sentence's groups found
   in the source sentence (damped when their lengths differ a lot), all candidates' pairs scored at once
   (:mod:`.pairs`); pairs above a threshold are chained
   into order-preserving runs (a few sentences may be skipped on either side) by dynamic programming.
4. One source per draft region: runs are taken best first; a run overlapping a taken region (or a
   monolingual match) is dropped, or listed in ``also`` when it covers the same sentences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from compliance.document import Document
from compliance.findings import Match, Notice, SourceRef
from compliance.reuse.index import CorpusIndex
from compliance.reuse.quotes import quoted_mask
from compliance.reuse.sentences import split_sentences
from compliance.reuse.view import TextView, document_view
from compliance.reuse.xling.engine import XlingEngine
from compliance.reuse.xling.pairs import draft_index, similar_pairs
from compliance.reuse.xling.postings import SentTable, sorted_unique
from compliance.reuse.xling.settings import Search
from compliance.reuse.xling.store import Postings
from compliance.reuse.xling.terms import detect_language, draft_groups

_FINAL_PUNCT = ".!?…"
_NO_DOCS = np.zeros(0, dtype=np.int64)
QUOTED_SHARE = 0.9


@dataclass
class Draft:
    """The draft's sentences as groups of English stems, with each group's weight."""

    ranges: list[tuple[int, int]]
    groups: list[list[tuple[str, tuple[str, ...]]]]
    segments: list[int]  # barrier segment of each sentence (headings are their own)
    weight: dict[str, float] = field(default_factory=dict)  # German word -> weight
    docs: dict[str, np.ndarray] = field(default_factory=dict)  # German word -> sources holding a stem of it
    stem_idf: dict[str, float] = field(default_factory=dict)
    totals: list[float] = field(default_factory=list)  # summed weights of each sentence's words


@dataclass
class Run:
    doc: int
    pairs: list[tuple[int, int, float]]  # (draft sentence, source sentence, similarity)

    @property
    def score(self) -> float:
        return sum(p[2] for p in self.pairs)

    @property
    def i0(self) -> int:
        return self.pairs[0][0]

    @property
    def i1(self) -> int:
        return self.pairs[-1][0] + 1


def find_translations(doc: Document, index: CorpusIndex, engine: XlingEngine, notices: list[Notice] | None = None,
                      taken: list[Match] | None = None) -> list[Match]:
    """Passages of ``doc`` translated from sources in ``index`` (in another language), in draft order."""
    view = document_view(doc, [(n.start_offset, n.end_offset) for n in notices or ()])
    lang = detect_language(view.tokens.words, engine.analyzers)
    found = engine.settings.pair_for(lang) if lang else None
    if found is None:
        return []
    src, dst, _ = found
    postings = Postings(index)
    if not postings.ready:
        if len(index):  # an empty index is said once already, by the check itself
            engine.warn(f"compliance: warning: {index.path} has no cross-language data (built by an older "
                        "version): run `compliance corpus add` on its sources again to find translated passages")
        return []
    total = postings.documents(dst)
    if total == 0:
        return []
    bridge = engine.bridge(f"{src}-{dst}")
    params = engine.settings.search
    draft = _translate(view, engine, src, dst, bridge)
    _weigh(draft, postings, total, params)
    candidates = _candidates(draft, params)
    sources = postings.sentence_table(candidates)
    seeds = _seeds(draft, postings, sources, params.min_sentence_similarity)
    runs = [r for d in sources.docs for r in _runs(draft, d, seeds.get(d, []), sources, params)]
    runs = [r for r in runs if _words(view, draft, r) >= params.min_words]
    chosen = _one_source_per_region(runs, view, draft, taken or [])
    return _to_matches(doc, view, draft, chosen, sources, index)


def _translate(view: TextView, engine: XlingEngine, src: str, dst: str, bridge) -> Draft:
    words, ex = view.tokens.words, view.excluded
    de, en = engine.analyzers[src], engine.analyzers[dst]
    ranges = split_sentences(view)
    content = {w for i, w in enumerate(words) if not ex[i] and de.is_content(w)}
    table = bridge.translate(content) if bridge is not None else {}
    groups = [draft_groups([words[k] for k in range(i, j) if not ex[k]], de, en, table) for i, j in ranges]
    segments = [view.seg[i] if view.seg else 0 for i, _ in ranges]
    return Draft(ranges, groups, segments)


def _weigh(draft: Draft, postings: Postings, total: int, params: Search) -> None:
    """Idf of each stem from the source postings; a group weighs as its rarest stem found."""
    stems = {t for sent in draft.groups for _, alts in sent for t in alts}
    hits = postings.lookup(stems, params.df_cap)
    floor = math.log(1 + total / (params.df_cap + 1))
    for t, docs in hits.items():
        df = docs if isinstance(docs, int) else len(docs)
        draft.stem_idf[t] = math.log(1 + total / df)
    for sent in draft.groups:
        for word, alts in sent:
            if word in draft.weight:
                continue
            draft.weight[word] = max((draft.stem_idf.get(t, 0.0) for t in alts), default=0.0) or floor
            held = [docs for t in alts if not isinstance(docs := hits.get(t, 0), int)]
            draft.docs[word] = sorted_unique(np.concatenate(held)) if held else _NO_DOCS
    draft.totals = [sum(draft.weight[w] for w, _ in sent) for sent in draft.groups]


def _candidates(draft: Draft, params: Search) -> list[int]:
    """Sources ranked for the whole draft, plus the best few of each window of sentences."""
    universe, local = _local_numbers(draft.docs)
    chosen: dict[int, None] = {}
    chosen.update(dict.fromkeys(_rank(draft, local, universe, range(len(draft.groups)), params.candidates)))
    n = len(draft.groups)
    if n > params.window:
        for start in range(0, n - params.window + params.window_step, params.window_step):
            chosen.update(dict.fromkeys(_rank(draft, local, universe, range(start, min(n, start + params.window)),
                                              params.window_candidates)))
    return list(chosen)


def _local_numbers(docs: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The sources any draft word votes for (sorted), and each word's sources as positions in that array.

    Ranking sums votes with ``np.bincount``, whose array is as long as the largest number counted: over the
    corpus's document numbers that is ~1M slots to fill and scan for every window at 1M documents, over these
    positions a few thousand. Positions keep the documents' order, so ranks and ties come out the same."""
    held = [d for d in docs.values() if len(d)]
    universe = sorted_unique(np.concatenate(held)) if held else _NO_DOCS
    return universe, {w: np.searchsorted(universe, d) if len(d) else d for w, d in docs.items()}


def _rank(draft: Draft, local: dict[str, np.ndarray], universe: np.ndarray, sentences: range, k: int) -> list[int]:
    """The ``k`` sources with the highest summed weight of the words of ``sentences`` they hold (``local``:
    each word's sources as positions in ``universe``)."""
    words = list(dict.fromkeys(w for i in sentences for w, _ in draft.groups[i]))
    lists = [local[w] for w in words if len(local[w])]
    if not lists or k <= 0:
        return []
    docs = np.concatenate(lists)
    weights = np.repeat([draft.weight[w] for w in words if len(local[w])], [len(x) for x in lists])
    scores = np.bincount(docs, weights=weights)
    hit = np.flatnonzero(scores)
    best = hit[np.lexsort((hit, -scores[hit]))][:k]  # highest first, ties by document number
    return universe[best].tolist()


def _seeds(draft: Draft, postings: Postings, sources: SentTable,
           floor: float) -> dict[int, list[tuple[int, int, float]]]:
    """Per candidate document, its sentence pairs at or above ``floor`` as (draft sentence, the document's
    sentence, similarity), in that order: the chains' seeds."""
    ids = postings.vocab_ids(t for sent in draft.groups for _, alts in sent for t in alts)
    index = draft_index(draft.groups, draft.weight, draft.totals, ids)
    source, i, sims = similar_pairs(index, sources, floor)
    k = np.searchsorted(sources.first, source, side="right") - 1  # the document of each source sentence
    order = np.lexsort((source, i, k))
    seeds: dict[int, list[tuple[int, int, float]]] = {}
    local = (source - sources.first[k])[order].tolist()
    for d, a, b, sim in zip(k[order].tolist(), i[order].tolist(), local, sims[order].tolist(), strict=True):
        seeds.setdefault(sources.docs[d], []).append((a, b, sim))
    return seeds


def _runs(draft: Draft, doc: int, seeds: list[tuple[int, int, float]], sources: SentTable,
          params: Search) -> list[Run]:
    """Order-preserving chains of similar sentence pairs (``seeds``, sorted), best first, each draft sentence
    used once."""
    runs: list[Run] = []
    if not seeds:
        return runs
    sseg = sources.seg[sources.sentences(doc)].tolist()
    used_i: set[int] = set()
    used_j: set[int] = set()
    while seeds:
        best, prev = _chain(seeds, params.max_gap, draft.segments, sseg)
        k = max(range(len(seeds)), key=lambda x: best[x])
        pairs = []
        while k is not None:
            pairs.append(seeds[k])
            k = prev[k]
        pairs.reverse()
        run = Run(doc, _trim(pairs, params.edge_similarity))
        if _accepted(run, params):
            runs.append(run)
        elif run.score < params.min_run_score and run.score < params.single_sentence_similarity:
            break
        lo_i, hi_i = pairs[0][0], pairs[-1][0]
        lo_j, hi_j = pairs[0][1], pairs[-1][1]
        used_i.update(range(lo_i, hi_i + 1))
        used_j.update(range(lo_j, hi_j + 1))
        seeds = [s for s in seeds if s[0] not in used_i and s[1] not in used_j]
    return runs


def _chain(seeds: list[tuple[int, int, float]], gap: int, dseg: list[int],
           sseg: list[int]) -> tuple[list[float], list[int | None]]:
    """Best chain score ending at each seed, and its predecessor (no chain crosses a heading)."""
    best = [s[2] for s in seeds]
    prev: list[int | None] = [None] * len(seeds)
    for k, (i, j, s) in enumerate(seeds):
        for q in range(k - 1, -1, -1):
            pi, pj, _ = seeds[q]
            if i - pi > gap + 1:
                break
            if pi < i and pj < j <= pj + gap + 1 and best[q] + s > best[k] and dseg[pi] == dseg[i] \
                    and sseg[pj] == sseg[j]:
                best[k] = best[q] + s
                prev[k] = q
    return best, prev


def _accepted(run: Run, params: Search) -> bool:
    if len(run.pairs) >= params.min_run_sentences:
        return run.score >= params.min_run_score and run.score / len(run.pairs) >= params.min_run_mean
    return run.pairs[0][2] >= params.single_sentence_similarity


def _trim(pairs: list[tuple[int, int, float]], edge: float) -> list[tuple[int, int, float]]:
    """Cut weak pairs off both ends: a run's span ends where the evidence does."""
    lo, hi = 0, len(pairs)
    while hi - lo > 1 and pairs[lo][2] < edge:
        lo += 1
    while hi - lo > 1 and pairs[hi - 1][2] < edge:
        hi -= 1
    return pairs[lo:hi]


def _words(view: TextView, draft: Draft, run: Run) -> int:
    i, j = draft.ranges[run.i0][0], draft.ranges[run.i1 - 1][1]
    return sum(1 for k in range(i, j) if not view.excluded[k])


def _one_source_per_region(runs: list[Run], view: TextView, draft: Draft,
                           taken: list[Match]) -> list[tuple[Run, list[int]]]:
    """Best runs first; a run over sentences already claimed is dropped (or an ``also`` when it is the same)."""
    blocked = [(m.draft_start, m.draft_end) for m in taken]
    chosen: list[tuple[Run, list[int]]] = []
    for run in sorted(runs, key=lambda r: (-r.score, r.doc, r.i0)):
        s, e = view.text_span(draft.ranges[run.i0][0], draft.ranges[run.i1 - 1][1])
        if any(min(e, b) - max(s, a) > (e - s) / 2 for a, b in blocked):
            continue
        twin = next((c for c in chosen if c[0].i0 < run.i1 and run.i0 < c[0].i1), None)
        if twin is None:
            chosen.append((run, []))
        elif twin[0].i0 == run.i0 and twin[0].i1 == run.i1 and run.score >= 0.9 * twin[0].score:
            twin[1].append(run.doc)
    return chosen


def _to_matches(doc: Document, view: TextView, draft: Draft, chosen: list[tuple[Run, list[int]]],
                sources: SentTable, index: CorpusIndex) -> list[Match]:
    refs = {d: SourceRef(*info) for d, info in index.documents(
        {r.doc for r, _ in chosen} | {d for _, also in chosen for d in also}).items()}
    quoted = quoted_mask(view, doc)
    out = []
    for run, also in chosen:
        record = index.record(run.doc)
        if record is None or run.doc not in refs:
            continue
        t0, t1 = draft.ranges[run.i0][0], draft.ranges[run.i1 - 1][1]
        ds, de = view.text_span(t0, t1)
        de = _final_punct(doc.text, de)
        first = sources.sentences(run.doc).start
        ss = int(sources.start[first + run.pairs[0][1]])
        se = _final_punct(record.text, int(sources.end[first + run.pairs[-1][1]]))
        words = sum(1 for k in range(t0, t1) if not view.excluded[k])
        similarity = min(1.0, run.score / len(run.pairs))
        out.append(Match(
            source=refs[run.doc], draft_start=ds, draft_end=de, source_start=ss, source_end=se,
            start=doc.position(ds), end=doc.position(de), similarity=similarity, words=words,
            quoted=quoted[t0:t1].count(1) >= QUOTED_SHARE * words, draft_text=doc.text[ds:de],
            source_text=record.text[ss:se], also=[refs[d] for d in also if d in refs], kind="translation",
        ))
    out.sort(key=lambda m: (m.draft_start, m.draft_end))
    return out


def _final_punct(text: str, end: int) -> int:
    """Take a sentence-final mark right after the last word into the passage (as monolingual matches do)."""
    while end < len(text) and text[end] in _FINAL_PUNCT:
        end += 1
    return end
