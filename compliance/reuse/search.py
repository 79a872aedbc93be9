"""Query: which passages of a draft come from which corpus documents?

1. Every word n-gram of the draft outside its notices is looked up in the index; fingerprints held
   by more than ``df_limit`` documents are boilerplate (footers, disclaimers, stock phrases) and
   ignored.
2. Candidate sources are ranked by shared fingerprints, each weighted by 1/document frequency
   (a phrase found in one document says more than one found in forty). A corpus smaller than
   ``exhaustive_below`` is aligned whole: retrieval only saves time, and a heavy paraphrase may
   share no n-gram with its source.
3. The best ``max_candidates`` are aligned word by word (:mod:`compliance.reuse.align`).
4. A second pass looks again where the first one explained nothing: a run of at least
   ``region_words`` draft words covered by indexed n-grams (``common_words`` if all of them are
   common) that no passage found so far covers gets its own best ``region_candidates`` sources,
   ranked on that run's n-grams alone (those in more than ``df_limit`` documents too, each weighted
   by the documents found for it). In a large corpus whose articles share many sentences
   (syndicated news, a prose pool) the global top-``max_candidates`` fills with documents sharing
   common sentences, and a copied passage whose only rare n-grams span a sentence boundary, or
   whose n-grams are all common, gets no candidate; a missed copied passage is the worst failure of
   a pre-publication gate. A passage of this pass that is the same as one of the first pass is
   dropped, so what the first pass found is reported as it was.
5. Where several sources hold the same draft passage (syndicated copies), the best one is the
   match and the others are listed in ``also``.

A corpus document that is the draft itself (same text, or the same file added earlier) is never a
source: a pre-commit check over a repository whose corpus is its own Markdown would match every file
with itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from compliance.document import Document
from compliance.findings import Match, Notice, SourceRef
from compliance.reuse import fingerprint as fp
from compliance.reuse.align import AlignParams, DraftGrams, Passage, align, clip, split
from compliance.reuse.index import DF_LIMIT, CorpusIndex
from compliance.reuse.prepare import doc_key, file_key
from compliance.reuse.quotes import quoted_mask
from compliance.reuse.sentences import SentenceModel, sentences_of
from compliance.reuse.view import TextView, document_view

_FINAL_PUNCT = ".!?…"


@dataclass(frozen=True)
class SearchParams:
    """Knobs of a query (defaults are what ``compliance check`` uses)."""

    max_candidates: int = 40  # sources aligned per draft (first pass)
    region_candidates: int = 1  # second pass: sources aligned per draft run the first pass left unexplained
    region_words: int = 10  # ... a run of this many draft words covered by indexed n-grams, one of them rare
    common_words: int = 20  # ... or of this many if all of them are in more than ``df_limit`` documents
    region_gap: int = 3  # ... counting as one run across this many words outside any indexed n-gram (edits)
    exhaustive_below: int = 40  # a corpus this small is aligned whole (no fingerprint needed)
    min_score: float = 0.0  # weighted shared fingerprints a candidate needs
    df_limit: int = DF_LIMIT
    min_words: int = 0  # drop matches with fewer draft words (0: the aligner's own minimum)
    quoted_share: float = 0.9  # share of a passage's words inside quotes for ``quoted``
    align: AlignParams = field(default_factory=AlignParams)


def find_matches(doc: Document, index: CorpusIndex, notices: list[Notice] | None = None,
                 params: SearchParams | None = None, skipped: list[str] | None = None) -> list[Match]:
    """Reused passages of ``doc`` found in ``index``, in draft order.

    ``notices`` are the draft's own notices (their spans are not matched); pass the result of
    ``NoticeEngine.scan(doc)`` when it is at hand. Paths of corpus documents skipped as the draft itself
    are added to ``skipped``.
    """
    params = params or SearchParams()
    spans = [(n.start_offset, n.end_offset) for n in notices or ()]
    view = document_view(doc, spans)
    itself = index.copies_of(doc.text, doc_key(file_key(doc.path), doc.record))
    if skipped is not None:
        skipped.extend(itself.values())
    exclude = set(itself)
    grams = fp.position_hashes(view.ids, view.excluded)
    common: dict[int, list[int]] = {}
    hits = index.lookup(fp.query_hashes(view.ids, view.excluded, grams), params.df_limit, common)
    candidates = _ranked(hits, index, params, exclude)
    if not candidates and not common:
        return []
    views = {d: v for d in candidates if (v := index.view(d)) is not None}
    draft = DraftGrams(view, params.align) if views else None
    found = align_candidates(view, views, params.align, draft) if views else []
    second: list[tuple[int, Passage]] = []
    firsts = [p for _, p in found]
    regions = unexplained_regions(grams, hits, common, firsts, len(view), params)
    if regions:
        more = region_candidates(regions, grams, hits, common, params, exclude | set(candidates))
        extra = {d: v for d in more if (v := index.view(d)) is not None}
        if extra:
            draft = draft or DraftGrams(view, params.align)
            second = [(d, p) for d, p in align_candidates(view, extra, params.align, draft)
                      if not any(_same_passage(p, q) for q in firsts)]
            views.update(extra)
    return _to_matches(doc, view, found, views, index, params, second)


def rank_candidates(view: TextView, index: CorpusIndex, params: SearchParams,
                    exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Internal numbers of the documents most likely to hold passages of the draft (none in ``exclude``);
    the first pass's candidates (the second pass needs its passages, see :func:`find_matches`)."""
    hits = index.lookup(fp.query_hashes(view.ids, view.excluded), params.df_limit)
    return _ranked(hits, index, params, exclude)


def _ranked(hits: dict[int, list[int]], index: CorpusIndex, params: SearchParams,
            exclude: set[int] | frozenset[int]) -> list[int]:
    scores: dict[int, float] = defaultdict(float)
    for docs in hits.values():
        weight = 1.0 / len(docs)
        for d in docs:
            if d not in exclude:
                scores[d] += weight
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen = [d for d, s in ranked[:params.max_candidates] if s >= params.min_score]
    if not index.has_more_than(params.exhaustive_below):  # retrieval only saves time; read a small corpus whole
        chosen += sorted(set(index.doc_numbers()) - set(chosen) - exclude)
    return chosen


def unexplained_regions(grams: list[int], hits: dict[int, list[int]], common: dict[int, list[int]],
                        passages: list[Passage], size: int, params: SearchParams) -> list[tuple[int, int]]:
    """Draft word ranges ``[a, b)`` of at least ``params.region_words`` words, each word inside an n-gram
    the index holds (``hits`` or ``common``) but for gaps of up to ``params.region_gap`` words, and outside
    the passages found so far; longest first. A range of common n-grams alone (stock phrases, if short)
    needs ``params.common_words`` words.
    ``grams`` are the draft's n-gram hashes by position (:func:`fp.position_hashes`)."""
    if not hits and not common:
        return []
    n = fp.GRAM
    indexed = bytearray(size)
    rare = bytearray(size)
    for i, h in enumerate(grams):
        if h in hits:
            indexed[i:i + n] = b"\x01" * n
            rare[i] = 1
        elif h in common:
            indexed[i:i + n] = b"\x01" * n
    for p in passages:
        indexed[p.d0:p.d1] = bytes(p.d1 - p.d0)
    runs: list[tuple[int, int]] = []
    start = indexed.find(1)
    while start != -1:
        end = indexed.find(0, start)
        end = size if end == -1 else end
        if runs and start - runs[-1][1] <= params.region_gap:  # an edited word or two: one run
            start = runs.pop()[0]
        runs.append((start, end))
        start = indexed.find(1, end)
    out = []
    for start, end in runs:
        need = params.region_words if rare.find(1, start, max(start, end - n + 1)) != -1 else params.common_words
        if end - start >= need:
            out.append((start, end))
    out.sort(key=lambda r: (r[0] - r[1], r[0]))
    return out


def region_candidates(regions: list[tuple[int, int]], grams: list[int], hits: dict[int, list[int]],
                      common: dict[int, list[int]], params: SearchParams, exclude: set[int]) -> list[int]:
    """The best ``params.region_candidates`` sources of each region, ranked on the n-grams inside it alone
    (each weighted by 1 / the documents found for it), none in ``exclude``; at most ``max_candidates``."""
    n = fp.GRAM
    chosen: list[int] = []
    for a, b in regions:
        scores: dict[int, float] = defaultdict(float)
        for i in range(a, b - n + 1):
            h = grams[i]
            docs = hits.get(h) or common.get(h)
            if not docs:
                continue
            weight = 1.0 / len(docs)
            for d in docs:
                if d not in exclude:
                    scores[d] += weight
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:params.region_candidates]
        for d, _ in best:
            chosen.append(d)
            exclude.add(d)
            if len(chosen) >= params.max_candidates:
                return chosen
    return chosen


def align_candidates(view: TextView, sources: dict[int, TextView], params: AlignParams,
                     grams: DraftGrams | None = None) -> list[tuple[int, Passage]]:
    """Passages of the draft in each source: (source key, passage). ``grams``, the draft's seed n-grams,
    are built when not given."""
    grams = grams or DraftGrams(view, params)
    model = None
    source_sentences = {}
    if params.sentences and grams.sentences is not None:
        source_sentences = {d: sentences_of(v) for d, v in sources.items()}
        model = SentenceModel([grams.sentences, *source_sentences.values()])
    found = {d: align(grams, source, model, source_sentences.get(d)) for d, source in sources.items()}
    return _split_interleaved(found, sources, grams, model, params)


def _split_interleaved(found: dict[int, list[Passage]], sources: dict[int, TextView], grams: DraftGrams,
                       model: SentenceModel | None, params: AlignParams) -> list[tuple[int, Passage]]:
    """Split a passage where text between its pieces comes from another source."""
    size = len(grams.view)
    counts = [0] * size  # sources whose pieces cover each draft word
    own: dict[int, bytearray] = {}
    for d, passages in found.items():
        if not passages:  # most candidates hold none: no need to walk the draft for them
            continue
        mask = bytearray(size)
        for p in passages:
            for u in p.units:
                mask[u.d0:u.d1] = b"\x01" * (u.d1 - u.d0)
        for k in range(size):
            if mask[k]:
                counts[k] += 1
        own[d] = mask
    out = []
    for d, passages in found.items():
        if not passages:
            continue
        mine = own[d]

        def claimed(i: int, j: int, mine: bytearray = mine) -> int:
            return sum(1 for k in range(i, j) if counts[k] > mine[k])

        for p in passages:
            parts = split(p, claimed, grams.view, sources[d], params, model) if len(p.units) > 1 else [p]
            out.extend((d, q) for q in parts)
    return out


def _to_matches(doc: Document, view: TextView, found: list[tuple[int, Passage]], views: dict[int, TextView],
                index: CorpusIndex, params: SearchParams,
                second: list[tuple[int, Passage]] | None = None) -> list[Match]:
    """Matches of the first pass's passages (``found``), then of the second pass's (``second``): one of
    those that is the same as a first-pass match is left out, so the first pass's matches stay as they were."""
    second = second or []
    refs = {d: SourceRef(*info) for d, info in index.documents({d for d, _ in found + second}).items()}
    quoted = quoted_mask(view, doc)
    matches: list[tuple[Match, Passage]] = []
    firsts = 0
    for group in (found, second):
        group = [(d, _quote_only(p, quoted, view, views[d], params)) for d, p in group]
        for d, p in sorted(group, key=lambda dp: (-dp[1].matched, -dp[1].similarity, -dp[1].words, dp[0])):
            if d not in refs or p.words < params.min_words:
                continue
            twin = next(((m, k) for k, (m, q) in enumerate(matches) if _same_passage(p, q)), None)
            if twin is not None:
                if twin[1] >= firsts and refs[d] not in twin[0].also:
                    twin[0].also.append(refs[d])
                continue
            matches.append((_match(doc, view, views[d], p, refs[d], quoted, params), p))
        firsts = len(matches)
    result = [m for m, _ in matches]
    result.sort(key=lambda m: (m.draft_start, m.draft_end))
    return result


def _quote_only(p: Passage, quoted: bytearray, view: TextView, source: TextView, params: SearchParams) -> Passage:
    """A quoted passage is the words inside its quotation marks: the lead-in before a quote ("Die
    Hafenzeitung schreibt:") is the draft's own text and must not count towards the quote limit."""
    inside = quoted[p.d0:p.d1]
    if not inside or inside.count(1) < params.quoted_share * p.words or inside[0] and inside[-1]:
        return p
    first, last = inside.index(1), len(inside) - 1 - inside[::-1].index(1)
    return clip(p, p.d0 + first, p.d0 + last + 1, view, source)


def _same_passage(a: Passage, b: Passage) -> bool:
    inter = min(a.d1, b.d1) - max(a.d0, b.d0)
    return inter > 0 and inter * 2 >= min(a.words, b.words)


def _match(doc: Document, view: TextView, source: TextView, p: Passage, ref: SourceRef,
           quoted: bytearray, params: SearchParams) -> Match:
    ds, de = view.text_span(p.d0, p.d1)
    ss, se = source.text_span(p.s0, p.s1)
    de = _final_punct(doc.text, de)
    se = _final_punct(source.text, se)
    inside = quoted[p.d0:p.d1].count(1)
    return Match(
        source=ref, draft_start=ds, draft_end=de, source_start=ss, source_end=se,
        start=doc.position(ds), end=doc.position(de), similarity=p.similarity, words=p.words,
        quoted=inside >= params.quoted_share * p.words, draft_text=doc.text[ds:de],
        source_text=source.text[ss:se],
    )


def _final_punct(text: str, end: int) -> int:
    """Take a sentence-final mark right after the last word into the passage."""
    while end < len(text) and text[end] in _FINAL_PUNCT and end - 1 >= 0:
        end += 1
    return end
