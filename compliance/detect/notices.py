"""Rights-notice detection: a multi-keyword prefilter, then full patterns near the hits.

Running 300 case-insensitive patterns over every byte costs ~0.3 MB/s; the keyword scan (lowering,
whitespace, an Aho–Corasick or Hyperscan automaton: :mod:`compliance.detect.keywords`) runs at
~100-130 MB/s, and patterns then run only in windows around hits of their
own keywords. A rule's contract is that each match contains one of its keywords (a run of whitespace
in the text stands for a keyword's single space, but no keyword spans a blank line) and lies, with
anything its lookarounds inspect, within ``WINDOW`` characters of it; then the findings equal those
of running every pattern everywhere (``match_text_naive``; ``bench/notices.py`` checks this).

A keyword written ``\\bap\\b`` (a ``\\b`` at either end) only counts where the text has a word boundary
there: short names ("AP", "SID", "dts") otherwise hit inside every "apt", "inside", "dtstart" and make
their rules scan nearly all text. Use it only where every pattern of the rule has that boundary too.
A keyword written ``^by `` only counts at the start of a line (the text's start or just after a
``\\n``), for rules whose every pattern starts with ``(?m)^`` right before the keyword: "by " is in
every other sentence, a line that starts with "By " is rare.

Inside a window a pattern runs only if the window holds its *required literals* (strings every
match contains, derived from the pattern: :mod:`compliance.ruleset.required`); most windows around a
keyword do not hold the rest of a pattern, and a few ``in`` tests cost less than a search.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_right
from dataclasses import dataclass, field

from compliance.detect.cues import CONTEXT, Candidate, CueSet, sentence_around
from compliance.detect.extract import (
    PublisherIndex,
    clean_holder,
    normalize_license,
    urls_of,
    years_of,
)
from compliance.detect.keywords import (
    SPACE_RUN,
    KeywordIndex,
    char_offsets,
    keyword_spec,
    word_after,
    word_after_utf8,
    word_before,
    word_before_utf8,
)
from compliance.detect.quoted import unquoted
from compliance.detect.tables import ANY_LINE, engine_tables
from compliance.detect.watchdog import WATCHDOG
from compliance.document import Document
from compliance.findings import Notice, Warning_
from compliance.ruleset.loader import CompiledRule, LoadedRules
from compliance.ruleset.model import Examples, Rule
from compliance.ruleset.required import fold_text

WINDOW = 400  # characters scanned on each side of a keyword hit (the longest real notice reaches 166)
LINE = 300  # a cue sentence on a line of at most this many characters is scored even without a frame
SCORED_MEMO = 8192  # sentences whose probabilities an engine keeps (emptied when full: a few MB)
MARGIN = 40  # characters past a window that lookarounds may still see (matches must start inside)
RULE_TIMEOUT = 1.0  # seconds one rule may spend on one document
_YEAR_KINDS = {"copyright", "all-rights-reserved", "reproduction-ban", "license", "attribution"}
# severity of a scorer finding per kind, as the rule packs give the kind's rules (bans are errors)
_MODEL_SEVERITY = {"reproduction-ban": "error", "tdm-reservation": "error", "license": "info", "attribution": "info",
                   "agency-credit": "info", "disclaimer": "info"}


@dataclass(slots=True)
class RawMatch:
    rule: CompiledRule
    start: int  # plain-view offsets
    end: int
    groups: dict[str, str | None]
    score: float | None = None  # the scorer's probability (frame and scorer findings)
    cues: tuple[str, ...] = ()  # "SLOT:word" of the cues that decided (frame and scorer findings)


@dataclass(slots=True)
class _Pending:
    """A document between its rule pass and its scoring: what :meth:`NoticeEngine._match_cues` finishes."""

    text: str
    context: object
    kept: list[RawMatch]  # rule findings, deduplicated
    cands: list[Candidate]
    around: dict[int, Candidate] = field(default_factory=dict)  # per vetoable rule finding, its sentence
    chosen: list[Candidate] | None = None  # cue sentences the scorer reads (None: without the scorer)
    probs: dict[tuple[int, int], object] = field(default_factory=dict)  # per sentence span, probabilities


class NoticeEngine:
    """Compiled rules plus their keyword automaton; one instance scans many documents."""

    def __init__(self, rules: LoadedRules, timeout: float = RULE_TIMEOUT, model: bool | None = None,
                 cues: bool | None = None) -> None:
        """``model``: the trained scorer on (default: on unless ``COMPLIANCE_NO_MODEL=1``); ``cues``: cue
        sentences and frames on (default: as ``model``, so ``--no-model`` is the rule packs alone, at their
        speed; frames without the scorer are for ``rules test``, training and benches)."""
        self.rules = rules
        self.timeout = timeout
        self.watchdog = WATCHDOG
        self.publishers = PublisherIndex(rules.ruleset.publishers)
        self.model = model_enabled() if model is None else model
        config = rules.ruleset.scorer
        self._framed_only = frozenset(config.framed_only) if config is not None else frozenset()
        tables = engine_tables(rules, self.model, self.model if cues is None else cues, self._framed_only)
        self.cues = CueSet(rules.ruleset, tables.cue_words)
        self.cue_of = tables.cue_of
        self.cue_keywords = KeywordIndex(tables.cue_literals)
        self.cue_keywords.edges = tables.cue_edges
        self._lead = tables.lead
        self.owners = tables.owners
        self.keywords = KeywordIndex(tables.literals)
        self.keywords.edges = tables.edges
        self._scorer = None
        self._synthetic: dict[str, CompiledRule] = {}
        self._scored: dict[tuple[str, tuple[str, ...]], object] = {}  # (sentence, named features) -> probabilities
        if self.model and self.cue_of:
            self.scorer()  # a missing or damaged weights file is said now, once, before any output
        self._plans: dict[int, tuple] = {}  # per rule, on its first window: (pattern, required sets) pairs

    # -- matching -------------------------------------------------------------------------------

    def keyword_hits(self, text: str) -> list[tuple[int, int, int]]:
        """``(literal index, start, end)`` in ``text`` of every keyword, any whitespace run in the text
        standing for the single space of a keyword ("all rights reserved" hits "All rights\\n  reserved")."""
        return self.keywords.hits(text)

    def windows(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """Per rule index, sorted disjoint windows of ``text`` around that rule's keyword hits."""
        hits, raw = self.keywords.scan(text, edges=True)
        return self._windows(text, hits, raw)

    def _windows(self, text: str, hits, raw: bytes | None) -> dict[int, list[tuple[int, int]]]:
        if not hits:
            return {}
        kept = self._owned(hits, text if raw is None else raw)
        if raw is not None and kept:
            kept = char_offsets(raw, kept)
        # One flat [lo, hi, lo, hi, ...] list per rule, merged as hits arrive (this loop runs once
        # per keyword hit, so it stays free of function calls on the common path).
        flat: dict[int, list[int]] = {}
        unsorted: set[int] = set()
        n = len(text)
        for owners, start, end in kept:
            lo = start - WINDOW if start > WINDOW else 0
            hi = end + WINDOW
            if hi > n:
                hi = n
            for i in owners:
                spans = flat.get(i)
                if spans is None:
                    flat[i] = [lo, hi]
                elif lo <= spans[-1]:
                    if hi > spans[-1]:
                        spans[-1] = hi
                    if lo < spans[-2]:  # a longer keyword ending later can start earlier
                        spans[-2] = lo
                        unsorted.add(i)
                else:
                    spans += (lo, hi)
        out = {}
        for i, spans in flat.items():
            pairs = list(zip(spans[::2], spans[1::2], strict=True))
            out[i] = _merge(pairs) if i in unsorted else pairs
        return out

    def _owned(self, hits, text: str | bytes) -> list[tuple[tuple[int, ...], int, int]]:
        """``(rules, start, end)`` per hit with at least one rule: the literal's rules, less those whose
        ``\\b`` marker finds no word boundary or whose ``^`` finds no line start there (checked in
        ``text``, or in its UTF-8 bytes)."""
        before, after, newline = _marker_tests(text)
        kept = []
        owners_of = self.owners
        for k, start, end in hits:
            owners, bounded = owners_of[k]
            if bounded:  # the line-start test first: no call, and most raw hits of a ^ keyword fail it
                for left, right, line, idx in bounded:
                    if not ((line and start and text[start - 1] != newline) or (left and before(text, start))
                            or (right and after(text, end))):
                        owners += idx
                if not owners:
                    continue
            elif not owners:
                continue  # a cue literal that is no rule's keyword (it tells which lines to read for cues)
            kept.append((owners, start, end))
        return kept

    def match_text(self, text: str, warnings: list[Warning_] | None = None, path: str = "",
                   only: set[str] | None = None, context=None, cues: bool = True) -> list[RawMatch]:
        """All raw matches in ``text`` (prefiltered), deduplicated per kind, less those the scorer vetoes;
        then the frame and scorer findings of cue sentences that no rule finding overlaps (not with ``only``).
        ``context(start, end)`` gives position features of a sentence (see :meth:`scan`)."""
        state = self._match_rules(text, warnings, path, only, context, cues)
        if isinstance(state, list):
            return state
        self._score_pending([state])
        return self._match_cues(state)

    def match_texts(self, texts: list[str], contexts: list | None = None, warnings: list[Warning_] | None = None,
                    paths: list[str] | None = None,
                    warnings_each: list[list[Warning_]] | None = None) -> list[list[RawMatch]]:
        """:meth:`match_text` of each of ``texts`` (with its ``contexts`` and ``paths`` entries; a rule that
        times out is reported to ``warnings``), the same findings, but the scorer's sentences of all of them
        scored in one batch: numpy's cost is per call, and a document of prose has one to three sentences to
        score (one call per document was a quarter of a pass over documentation prose). A sentence's
        probabilities do not depend on the rest of its batch (bit for bit: ``tests/test_notice_batch.py``).
        ``warnings_each``, one list per text, takes each text's warnings apart (a record per document)."""
        contexts = contexts if contexts is not None else [None] * len(texts)
        paths = paths if paths is not None else [""] * len(texts)
        sinks = warnings_each if warnings_each is not None else [warnings] * len(texts)
        states = [self._match_rules(text, sink, path, None, context, True)
                  for text, context, path, sink in zip(texts, contexts, paths, sinks, strict=True)]
        self._score_pending([s for s in states if not isinstance(s, list)])
        return [s if isinstance(s, list) else self._match_cues(s) for s in states]

    def _match_rules(self, text: str, warnings, path: str, only, context, cues: bool) -> list[RawMatch] | _Pending:
        """The rule findings of ``text`` and its cue sentences: the findings when no sentence is to be scored,
        else what :meth:`_match_cues` finishes once :meth:`_score_pending` has scored the sentences."""
        folds: dict[tuple[int, int], str] = {}  # folded window text, shared by rules with the same window
        hits, raw = self.keywords.scan(text, edges=True)
        windows = self._windows(text, hits, raw)
        if cues and only is None and hits and self.cue_of:
            # with the scorer, a finding it may not veto stays beside a vetoable one that overlaps it until the veto
            kept = self._unquoted(text, dedupe(self._rule_matches(text, windows, warnings, path, folds, only),
                                               guarded=self.model))
            cands = self.cues.candidates(text, self._read_cues(text, hits, raw, kept))
            state = _Pending(text, context, kept, cands)
            if self.model:
                state.around = self._rule_sentences(text, kept, cands)
                state.chosen = self.to_score(text, cands, dedupe(kept))
            return state
        if not windows:
            return []
        return self._unquoted(text, dedupe(self._rule_matches(text, windows, warnings, path, folds, only)))

    def _unquoted(self, text: str, matches: list[RawMatch]) -> list[RawMatch]:
        """``matches`` less the notices quoted in running text (:mod:`compliance.detect.quoted`)."""
        return unquoted(text, matches, self.rules.ruleset.quoted)

    def _score_pending(self, states: list[_Pending]) -> None:
        """Score the sentences of every state (the rule findings' sentences and those chosen) in one batch."""
        if self.model and states:
            self.prefetch_many([(s.text, [*s.around.values(), *(s.chosen or ())], s.context, s.probs)
                               for s in states])

    def _match_cues(self, state: _Pending) -> list[RawMatch]:
        """The rule findings the scorer does not veto, then the frame and scorer findings of the cue sentences."""
        text, kept, cands, context, probs, chosen = (state.text, state.kept, state.cands, state.context,
                                                      state.probs, state.chosen)
        if self.model:
            vetted = self.vetoed(text, kept, cands, context, probs, state.around)
            if len(vetted) < len(kept):  # a vetoed finding's sentence may be scored now
                chosen = None
            kept = dedupe(vetted)  # the guarded findings a kept one overlaps go now
        return kept + self._unquoted(text, self.cue_matches(text, cands, kept, context, probs, chosen))

    def _rule_matches(self, text: str, windows, warnings, path: str, folds, only) -> list[RawMatch]:
        found: list[RawMatch] = []
        if not windows:
            return found
        timed = self.watchdog.start()
        try:
            for i, spans in windows.items():
                compiled = self.rules.compiled[i]
                if only is not None and compiled.rule.id not in only:
                    continue
                found += self._run(compiled, text, spans, warnings, path, folds, timed)
        finally:
            if timed:
                self.watchdog.stop()
        return found

    # -- cue frames and the scorer ------------------------------------------------------------------

    def cue_hits(self, text: str) -> list[tuple[int, int, int]]:
        """``(cue index, start, end)`` in code points of every cue word in ``text`` whose word-edge and
        line-start markers hold (all of them: for frame tests and training, which read every sentence)."""
        found, raw = self.cue_keywords.scan(text)
        return self._checked_cue_hits(text, found, raw)

    def _checked_cue_hits(self, text: str, hits, raw: bytes | None) -> list[tuple[int, int, int]]:
        """``(cue index, start, end)`` in code points of the cue automaton's ``hits`` whose word-edge and
        line-start markers hold (offsets into ``raw``, the UTF-8 of ``text``, when given)."""
        data = text if raw is None else raw
        before, after, newline = _marker_tests(data)
        kept = []
        cue_of = self.cue_of
        for k, start, end in hits:
            for c, left, right, line in cue_of[k]:
                if not ((line and start and data[start - 1] != newline) or (left and before(data, start))
                        or (right and after(data, end))):
                    kept.append((c, start, end))
        if raw is not None and kept:
            kept = char_offsets(raw, kept)
        return kept

    def _read_cues(self, text: str, hits, raw: bytes | None, ruled: list[RawMatch]) -> list[tuple[int, int, int]]:
        """The cue hits (as :meth:`cue_hits`) on the lines whose cue sentences can come to anything, the only
        ones worth cutting sentences for.

        A cue sentence ends at a line break, so a line's sentences draw only on that line's cue words (unless
        a cue word spans a line break: then every one is read). A sentence matters when a frame may describe
        it, when (with the scorer) it stands on a short line and holds a slot beyond ``framed_only``, or when
        it holds a rule finding the scorer may veto. The first two only grow with the slots, so the union of
        a line's slots answers for all its sentences, and neither holds without a cue of a slot
        :meth:`CueSet.trigger_slots` names. Those cues ride in the rule automaton (``hits``), so the lines
        to read are known from the rule pass (:meth:`_lines_to_read`); they are read with the cue automaton
        in one scan of them joined (a tenth of the text of documentation prose), and a line is kept when its
        slots pass :meth:`_line_read`. Nine of ten cue words in prose are of other slots ("data", "download",
        "process"): scanning for them everywhere cost the rule pass a third of its speed.
        """
        if self.keywords.is_fast:
            self.cue_keywords.to_fast()
        lines = self._lines_to_read(text, hits, raw, ruled)
        if lines is None:
            return self.cue_hits(text)
        if not lines:
            return []
        parts = [text[lo:hi] for lo, hi, _ in lines]
        at = [0] * len(parts)  # where each line starts in the joined text
        for i in range(1, len(parts)):
            at[i] = at[i - 1] + len(parts[i - 1]) + 2
        joined = "\n\n".join(parts)  # a blank line: no cue word spans it
        found, raw = self.cue_keywords.scan(joined, edges=True)
        out: list[tuple[int, int, int]] = []
        group: list[tuple[int, int, int]] = []  # the current line's cue hits, in code points of ``text``
        slots: set[str] = set()
        line = -1
        slots_of = self.cues.slots
        for c, start, end in self._checked_cue_hits(joined, found, raw):  # the markers read the same there
            if line < 0 or start >= at[line] + len(parts[line]):
                self._keep_line(lines, line, group, frozenset(slots), out)
                line = bisect_right(at, start) - 1
                group, slots = [], set()
            shift = lines[line][0] - at[line]
            group.append((c, start + shift, end + shift))
            slots.update(slots_of[c])
        self._keep_line(lines, line, group, frozenset(slots), out)
        return out

    def _keep_line(self, lines, line: int, group: list, slots: frozenset[str], out: list) -> None:
        """Add one line's cue hits to ``out`` when the line holds a rule finding or can be framed or scored."""
        if group:
            lo, hi, ruled = lines[line]
            if ruled or self._line_read(hi - lo, slots):
                out += group

    def _lines_to_read(self, text: str, hits, raw: bytes | None, ruled: list[RawMatch]
                       ) -> list[tuple[int, int, bool]] | None:
        """``(start, end, holds a rule finding)`` in code points, in order, of the lines to read for cue words:
        those with a rule finding, those where a cue of a slot some frame needs holds (markers checked), and
        short lines where a cue of a slot the scorer reads holds; None when a cue's hit spans a line break
        (only literals with a space can: theirs ride in ``hits`` too). Any more lines would give the same
        findings: a sentence stays on its line, and one on a line without such a cue is neither framed nor
        scored."""
        data = text if raw is None else raw
        before, after, newline = _marker_tests(data)
        leads = self._lead
        spans: list[tuple[int, int, int]] = []  # (what the line's cues ask, start, end) in data offsets
        lo = hi = -1
        for k, start, end in hits:
            lead = leads[k]
            if lead is None:
                continue
            may_span, entries = lead
            want = -1
            for asks, left, right, line in entries:
                if asks > want and not ((line and start and data[start - 1] != newline)
                                        or (left and before(data, start)) or (right and after(data, end))):
                    want = asks
            if want < 0:
                continue
            if may_span and data.find(newline, start, end) >= 0:
                return None
            if not want:
                continue
            if not lo <= start <= hi:
                lo = data.rfind(newline, 0, start) + 1
                hi = data.find(newline, start)
                hi = len(data) if hi < 0 else hi
                spans.append((want, lo, hi))
            elif want > spans[-1][0]:
                spans[-1] = (want, lo, hi)
        if raw is not None and spans:
            spans = char_offsets(raw, spans)
        lines = {lo: (hi, False) for want, lo, hi in spans if want == ANY_LINE or hi - lo <= LINE}
        lo = hi = -1
        for start in sorted(m.start for m in ruled):  # one search back per line, not per finding
            if not lo <= start <= hi:
                lo = text.rfind("\n", 0, start) + 1
                hi = text.find("\n", start)
                hi = len(text) if hi < 0 else hi
                lines[lo] = (hi, True)
        return [(lo, hi, rule) for lo, (hi, rule) in sorted(lines.items())]

    def _line_read(self, length: int, slots: frozenset[str]) -> bool:
        """Can a cue sentence on a line of ``length`` characters, with slots among ``slots``, be framed or
        scored?"""
        if self.cues.could_frame(slots):
            return True
        if not self.model or (slots - CONTEXT) <= self._framed_only:
            return False
        return length <= LINE

    def _rule_sentences(self, text: str, ruled: list[RawMatch], cands: list[Candidate]) -> dict[int, Candidate]:
        """Per rule finding the scorer may veto (index into ``ruled``), the sentence that holds it."""
        if not ruled or not self.scorer().may_veto:
            return {}
        starts = [c.start for c in cands]
        out = {}
        for n, m in enumerate(ruled):
            if m.rule.rule.publisher or not m.rule.rule.vetoable:
                continue
            i = bisect_right(starts, m.start) - 1
            if i >= 0 and cands[i].start <= m.start < cands[i].end:
                out[n] = cands[i]
            else:
                out[n] = Candidate(*sentence_around(text, m.start, m.end))
        return out

    def to_score(self, text: str, cands: list[Candidate], ruled: list[RawMatch]) -> list[Candidate]:
        """The cue sentences the scorer reads: those with a slot that can make a notice, that no rule finding
        overlaps, and that a frame describes or that stand on a short line of their own (footers, captions,
        bylines; a sentence inside running prose is a notice only when a frame says so), except short lines
        whose only slots are the scorer config's ``framed_only`` (a bare "copy" in a list item: 3/4 of the short
        lines of documentation prose, a tenth of the notices, none found by the scorer on dev). Scoring every
        cue sentence of running text cost ~90 % of the engine's time on documentation prose."""
        out = []
        framed_only = self._framed_only
        for cand in cands:
            if not cand.worth_scoring() or any(m.start < cand.end and cand.start < m.end for m in ruled):
                continue
            if cand.frames or (_line_length(text, cand.start, cand.end) <= LINE
                               and not (cand.slots - CONTEXT) <= framed_only):
                out.append(cand)
        return out

    def prefetch(self, text: str, cands: list[Candidate], context, cache: dict) -> None:
        """Score ``cands`` in one batch into ``cache`` (see :meth:`prefetch_many`)."""
        self.prefetch_many([(text, cands, context, cache)])

    def prefetch_many(self, jobs: list[tuple[str, list[Candidate], object, dict]]) -> None:
        """Score the candidates of every ``(text, cands, context, cache)`` in one batch, each into its ``cache``
        (per sentence span; numpy's cost is per call, not per sentence). A sentence scored before with the same
        named features (a site's footer on every page; half the scored lines of documentation prose) takes its
        probabilities from the engine's memo: a sentence's row does not depend on the rest of its batch."""
        from compliance.detect.features import cue_features, shape_features

        wanted: list[tuple[dict, tuple[int, int], tuple[str, tuple[str, ...]]]] = []
        for text, cands, context, cache in jobs:
            todo = {(c.start, c.end): c for c in cands if (c.start, c.end) not in cache}
            for span, cand in todo.items():
                sentence = text[cand.start:cand.end]
                names = cue_features(cand.cues, [f.kind for f in cand.frames]) + shape_features(sentence)
                if context is not None:
                    names += context(cand.start, cand.end)
                wanted.append((cache, span, (sentence, tuple(names))))
        if not wanted:
            return
        memo = self._scored
        if len(memo) + len(wanted) > SCORED_MEMO:
            memo.clear()
        rows = {f: memo.get(f) for _, _, f in wanted}  # read once: another thread may empty the memo meanwhile
        fresh = [f for f, row in rows.items() if row is None]
        if fresh:
            from compliance.detect.features import keys_many

            keys, owners = keys_many([f[0] for f in fresh], [list(f[1]) for f in fresh])
            scored = dict(zip(fresh, self.scorer().probabilities_many(keys, owners, len(fresh)), strict=True))
            rows.update(scored)
            memo.update(scored)
        for cache, span, f in wanted:
            cache[span] = rows[f]

    def vetoed(self, text: str, ruled: list[RawMatch], cands: list[Candidate], context, probs: dict,
               around: dict[int, Candidate] | None = None) -> list[RawMatch]:
        """Rule findings less those whose sentence the scorer reads as no notice with probability over its
        veto threshold: sentences that *explain or report* notices ("Wer ein Werk vervielfältigen will,
        braucht die Zustimmung des Urhebers"). Publisher rules and rules marked `vetoable: false` are never vetoed,
        nor findings in sentences the scorer cannot read (:meth:`reads`)."""
        scorer = self.scorer()
        if not scorer.may_veto or not ruled:
            return ruled
        if around is None:
            around = self._rule_sentences(text, ruled, cands)
        none = scorer.classes.index("none")
        return [m for n, m in enumerate(ruled)
                if n not in around
                or self.probabilities(text, around[n], context, probs)[none] < scorer.veto_for(m.rule.rule.kind)
                or not self.reads(text[around[n].start:around[n].end])]

    def reads(self, sentence: str) -> bool:
        """Can the scorer read ``sentence``: were enough of its n-grams in its training data (rule data
        ``veto.min_known``)? In a script it never saw, its "no notice" is its prior, not a judgement, and a
        rule's finding there stands (a Persian or Hebrew ban was vetoed for it)."""
        least = self.rules.ruleset.veto.min_known
        if least <= 0:
            return True
        from compliance.detect.features import normalise, text_keys

        return self.scorer().known_share(text_keys(normalise(sentence))) >= least

    def cue_matches(self, text: str, cands: list[Candidate], ruled: list[RawMatch], context=None,
                    probs: dict | None = None, chosen: list[Candidate] | None = None) -> list[RawMatch]:
        """Frame and scorer findings in the cue sentences of ``text`` that no rule finding (in ``ruled``)
        overlaps: a rule's match is exact and extracts fields, and a sentence a rule explains gets no
        second, guessed kind ("© Redaktion X" is a copyright line, not also a source line). ``chosen``:
        what :meth:`to_score` gives for these ``ruled``, when the caller has it."""
        out: list[RawMatch] = []
        if chosen is None and self.model:
            chosen = self.to_score(text, cands, ruled)
        elif chosen is None:
            chosen = [c for c in cands if c.worth_scoring() and not any(m.start < c.end and c.start < m.end
                                                                        for m in ruled)]
        for cand in chosen:
            covered: set[str] = set()
            for kind, rule_id, score in self.judge(text, cand, context, probs):
                if kind not in covered:
                    covered.add(kind)
                    cues = tuple(f"{slot}:{word}" for slot, word in cand.cues)
                    out.append(RawMatch(self._synthetic_rule(rule_id, kind), cand.start, cand.end, {}, score, cues))
        return out

    def judge(self, text: str, cand: Candidate, context=None, probs: dict | None = None
              ) -> list[tuple[str, str, float | None]]:
        """``(kind, rule id, score)`` of a candidate: its frames alone without the model; with it, what
        :meth:`Scorer.decide` stands for (named after the frame that named the kind, else ``model.<kind>``)."""
        framed = {f.kind: f.id for f in cand.frames}
        if not self.model:
            return [(kind, rule_id, None) for kind, rule_id in framed.items()]
        p = self.probabilities(text, cand, context, probs)
        return [(kind, framed.get(kind) or f"model.{kind}", q) for kind, q in self.scorer().decide(p, set(framed))]

    def probabilities(self, text: str, cand: Candidate, context=None, cache: dict | None = None):
        """The scorer's class probabilities for a candidate sentence (cached per span in ``cache``)."""
        cache = {} if cache is None else cache
        known = cache.get((cand.start, cand.end))
        if known is not None:  # the common case: scored in the document's batch
            return known
        self.prefetch(text, [cand], context, cache)
        return cache[(cand.start, cand.end)]

    def scorer(self):
        """The trained scorer, loaded on first use (a :class:`RuleError` naming a missing or bad file)."""
        if self._scorer is None:
            from compliance.detect.scorer import Scorer
            from compliance.errors import RuleError

            path = self.rules.ruleset.scorer_path
            if path is None:
                raise RuleError("no rule pack names the notice scorer's weights (a `scorer:` section); "
                                "run with --no-model", "rules")
            self._scorer = Scorer.load(path)
        return self._scorer

    def _synthetic_rule(self, rule_id: str, kind: str) -> CompiledRule:
        """A rule object for frame and scorer findings, so reports and policy treat them like rules."""
        compiled = self._synthetic.get(rule_id)
        if compiled is None:
            frame = next((f for f in self.rules.ruleset.frames if f.id == rule_id), None)
            scorer = self.rules.ruleset.scorer
            message = frame.message if frame else (scorer.messages.get(kind, "") if scorer else "")
            severity = frame.severity if frame else _MODEL_SEVERITY.get(kind, "warning")
            rule = Rule.model_construct(id=rule_id, kind=kind, languages=["mul"], keywords=[], patterns=[],
                                        message=message.strip(), severity=severity, case_sensitive=False,
                                        publisher=None, role=None, links=[], permissions=None, examples=Examples())
            origin = self.rules.ruleset.origins.get(rule_id) or self.rules.ruleset.scorer_path or ""
            compiled = self._synthetic[rule_id] = CompiledRule(rule, [], [], origin)
        return compiled

    def match_text_naive(self, text: str) -> list[RawMatch]:
        """Every pattern over the whole text: the reference the prefilter must equal."""
        found: list[RawMatch] = []
        for compiled in self.rules.compiled:
            found += self._run(compiled, text, [(0, len(text))], None, "", None)
        return self._unquoted(text, dedupe(found))

    def _run(self, compiled: CompiledRule, text: str, spans, warnings, path,
             folds: dict[tuple[int, int], str] | None, timed: bool = False) -> list[RawMatch]:
        """Matches of ``compiled`` starting in ``spans``. With ``folds`` (a cache of folded windows), a
        pattern runs only in the spans that hold its required literals; without, in every span. The
        rule's budget is kept by the watchdog when ``timed``, else by ``regex``'s ``timeout=``.
        (Runs once per rule with a window in every document: it keeps to local names and loops.)"""
        plan = self._plans.get(id(compiled)) or self._plan(compiled)
        out: list[RawMatch] = []
        seen: set[tuple[int, int]] = set()
        # the watchdog is armed at the rule's first search (most rules' windows lack their literals)
        deadline = None if timed else time.monotonic() + self.budget(len(text))
        dog = self.watchdog
        try:
            for span in spans:
                window = None
                for pattern, needs in plan:
                    if needs and folds is not None:
                        if window is None:
                            window = folds.get(span)
                            if window is None:
                                window = folds[span] = fold_text(text[span[0]:span[1] + MARGIN])
                        missing = False
                        for alternatives in needs:
                            for literal in alternatives:
                                if literal in window:
                                    break
                            else:
                                missing = True
                                break
                        if missing:
                            continue
                    if timed and not dog.armed:
                        dog.arm(self.budget(len(text)))
                    for m in self._scan(pattern, text, span[0], span[1], deadline):
                        key = m.span()
                        if key not in seen:
                            seen.add(key)
                            out.append(RawMatch(compiled, key[0], key[1], m.groupdict()))
            dog.armed = False  # the timer runs on (the next rule resets it) but fires in vain
        except TimeoutError:
            dog.armed = False
            if warnings is not None:
                warnings.append(Warning_(path, f"rule {compiled.rule.id} timed out (its budget on this document: "
                                               f"{self.budget(len(text)):g}s) and was skipped",
                                         compiled.rule.id))
            return []
        return out

    def _plan(self, compiled: CompiledRule) -> tuple:
        """``(pattern, required sets)`` per pattern, less the sets every keyword of the rule implies (a
        window is around a keyword hit: "copyright" is always in a window of a rule whose keyword it is).
        Built on the rule's first window, from the required literals the rule cache keeps."""
        words = [SPACE_RUN.sub(" ", keyword_spec(k)[0]) for k in compiled.keywords]
        needs = [tuple(s for s in sets if not _implied(s, words)) for sets in compiled.required_literals()]
        plan = self._plans[id(compiled)] = tuple(zip(compiled.patterns, needs, strict=True))
        return plan

    def budget(self, length: int) -> float:
        """A rule's time on one document: ``timeout`` seconds per started megabyte of text, so one
        runaway rule cannot hold a scan for long however many keyword windows it is given."""
        return self.timeout * max(1, -(-length // 1_000_000))

    def _scan(self, pattern, text: str, lo: int, hi: int, deadline: float | None) -> list:
        """Non-empty matches starting in ``[lo, hi)``, as a scan of the whole ``text`` finds them.

        The search stops a little past the window (lookarounds see ``MARGIN`` more characters), which
        would make a ``$`` or ``\\b`` match at that cut; so every hit is confirmed on the whole text
        from the same start, and the scan goes on where the confirmed match (or the failed start) ends,
        as a whole-text scan would. A search per step, not ``finditer``: most windows hold no match,
        and one ``search`` call is the cheapest way to learn that. With no ``deadline`` the watchdog
        keeps the time.
        """
        end = min(len(text), hi + MARGIN)
        search, match, clock = pattern.search, pattern.match, time.monotonic
        found = []
        pos = lo
        while pos < hi:
            if deadline is None:  # the watchdog keeps the time: no timeout= (its set-up costs ~5 %)
                m = search(text, pos, end)
            else:
                timeout = deadline - clock()  # what is left of the rule's budget on this document
                if timeout <= 0:
                    raise TimeoutError
                m = search(text, pos, end, timeout=timeout)
            if m is None or m.start() >= hi:
                break
            start = m.start()
            if m.end() <= start:
                full = None
            else:
                full = match(text, start) if deadline is None else match(text, start, timeout=timeout)
            if full is not None and full.end() > start:
                found.append(full)
                pos = full.end()
            else:
                pos = start + 1
        return found

    # -- documents --------------------------------------------------------------------------------

    def scan(self, doc: Document, warnings: list[Warning_] | None = None,
             only: set[str] | None = None) -> list[Notice]:
        """Notices in ``doc``, in document order, with offsets into ``doc.text``."""
        context = _position_context(doc) if doc.blocks else None
        notices = [self.to_notice(doc, m) for m in self.match_text(doc.plain, warnings, doc.path, only, context)]
        notices.sort(key=lambda n: (n.start_offset, n.end_offset, n.kind))
        return notices

    def scan_many(self, docs: list[Document], warnings: list[Warning_] | None = None,
                  warnings_each: list[list[Warning_]] | None = None) -> list[list[Notice]]:
        """:meth:`scan` of each of ``docs``, their scorer sentences scored in one batch (:meth:`match_texts`);
        ``warnings_each`` as there."""
        contexts = [_position_context(doc) if doc.blocks else None for doc in docs]
        found = self.match_texts([doc.plain for doc in docs], contexts, warnings, [doc.path for doc in docs],
                                 warnings_each)
        out = []
        for doc, matches in zip(docs, found, strict=True):
            notices = [self.to_notice(doc, m) for m in matches]
            notices.sort(key=lambda n: (n.start_offset, n.end_offset, n.kind))
            out.append(notices)
        return out

    def to_notice(self, doc: Document, m: RawMatch) -> Notice:
        rule = m.rule.rule
        # a pattern's ``\s``/``[^\n]`` may take the ``\r`` of a CRLF line end: a notice never ends (or
        # starts) with whitespace, or its span and end column would be one off
        p_start, p_end = m.start, m.end
        while p_end > p_start and doc.plain[p_end - 1].isspace():
            p_end -= 1
        while p_start < p_end and doc.plain[p_start].isspace():
            p_start += 1
        start, end = doc.source_span(p_start, p_end)
        matched = doc.plain[p_start:p_end]
        g = m.groups
        holder = clean_holder(g.get("holder"))
        profile = (self.publishers.profiles.get(rule.publisher) if rule.publisher else None) \
            or self.publishers.find(g.get("publisher")) or self.publishers.find(holder)
        publisher = profile.name if profile else clean_holder(g.get("publisher"))
        urls = urls_of(g["url"]) if g.get("url") else urls_of(matched)
        years = years_of(g.get("years")) if g.get("years") is not None else (
            years_of(matched) if rule.kind in _YEAR_KINDS else [])
        license_id = None
        if rule.kind in ("license", "attribution"):
            license_id = normalize_license(g.get("license") or matched, self.rules.ruleset.licenses)
        block = _block_at(doc, m.start)
        return Notice(
            kind=rule.kind, rule=rule.id, text=doc.text[start:end], start_offset=start, end_offset=end,
            start=doc.position(start), end=doc.position(end), severity=rule.severity, message=rule.message,
            language=list(rule.languages), holder=holder, years=years, urls=urls, publisher=publisher,
            license=license_id, role=rule.role, scope=block.kind if block else None,
            quoted=bool(block and block.quoted), links=[link.model_dump() for link in rule.links],
            score=None if m.score is None else round(m.score, 4), cues=list(m.cues),
        )


def _marker_tests(data: str | bytes):
    """(word character before, word character after, line break) tests for a text or its UTF-8 bytes:
    a keyword's ``\\b`` marker fails where a word character touches the hit, ``^`` off a line start."""
    if isinstance(data, str):
        return word_before, word_after, "\n"
    return word_before_utf8, word_after_utf8, 10


def _line_length(text: str, start: int, end: int) -> int:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return (len(text) if hi < 0 else hi) - lo


def model_enabled() -> bool:
    """Is the trained scorer on? Off with ``--no-model`` (which sets ``COMPLIANCE_NO_MODEL=1``)."""
    return os.environ.get("COMPLIANCE_NO_MODEL", "").strip() in ("", "0")


def _position_context(doc: Document):
    """Position features of a sentence in ``doc``: its block's kind and where it stands on the page
    (notices gather at the end of a page and in captions). Features, not rules: the scorer weighs them."""
    n = len(doc.plain)

    def context(start: int, end: int) -> list[str]:
        out = []
        block = _block_at(doc, start)
        if block is not None:
            out.append(f"scope:{block.kind}")
        if n > 1500:
            out.append("pos:tail" if start >= 0.8 * n else "pos:head" if end <= 0.1 * n else "pos:body")
        return out

    return context


def _implied(alternatives: tuple[str, ...], keywords: list[str]) -> bool:
    """Does every keyword hit put one of ``alternatives`` into the text? Only for alternatives of
    ASCII without spaces: a keyword's space stands for any whitespace run, and a hit is found in
    ``lowered`` text while windows are ``casefold``-ed (the two agree on ASCII results)."""
    usable = [a for a in alternatives if a.isascii() and " " not in a]
    return bool(usable) and all(any(a in k for a in usable) for k in keywords)


def _merge(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pairs.sort()
    merged = [pairs[0]]
    for lo, hi in pairs[1:]:
        if lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def dedupe(matches: list[RawMatch], guarded: bool = False) -> list[RawMatch]:
    """Overlapping matches of one kind collapse to the best one: publisher-specific, then longest.

    With ``guarded`` (before the scorer's veto), a match the scorer may not veto (a publisher's, or a rule's
    with ``vetoable: false``) that overlaps only matches it may veto is kept beside them: were the longer one
    vetoed, the kind would go with it, which the other rule says must stand. After the veto the caller dedupes
    again, so when nothing is vetoed the findings are those without ``guarded``."""
    ranked = sorted(matches, key=lambda m: (m.rule.rule.publisher is None, -(m.end - m.start), m.start,
                                            m.rule.rule.id))
    kept: list[RawMatch] = []
    taken: dict[str, list[tuple[int, int, bool]]] = {}  # per kind: (start, end, may be vetoed)
    for m in ranked:
        spans = taken.setdefault(m.rule.rule.kind, [])
        firm = bool(m.rule.rule.publisher) or not m.rule.rule.vetoable
        over = [v for s, e, v in spans if m.start < e and s < m.end]
        if over and not (guarded and firm and all(over)):
            continue
        spans.append((m.start, m.end, not firm))
        kept.append(m)
    kept.sort(key=lambda m: (m.start, m.end, m.rule.rule.id))
    return kept


def _block_at(doc: Document, plain_offset: int):
    starts = [b.plain_start for b in doc.blocks]
    i = bisect_right(starts, plain_offset) - 1
    if i >= 0 and plain_offset < doc.blocks[i].plain_end:
        return doc.blocks[i]
    return None


