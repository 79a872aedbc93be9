"""Cue words and frames: candidate notice sentences found by the roles of their words.

The regex rules know phrasings; real notices come in endless others ("Kopien, auch auszugsweise,
bedürfen unserer Zustimmung"). The cue lexicons (``rules/cues/<lang>.yaml``) sort words into slots
(ACTION, RESTRICTION, RIGHT, OWNERSHIP, SOURCE, COUNTER...), the notice engine finds their literals on
the lines that can come to something (``NoticeEngine._read_cues``), and each sentence around a cue hit
becomes a :class:`Candidate` with the slots it fills. Frames (``rules/cues/frames.yaml``) name slot
combinations that make a notice kind; the trained scorer (:mod:`compliance.detect.scorer`) reads the same
slots among its features.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter

import regex

from compliance.detect.keywords import SPACE_RUN, keyword_spec
from compliance.ruleset.model import Frame, RuleSet

CONTEXT = frozenset({"COUNTER", "OBJECT", "AGENCY"})  # never a reason to score a sentence, only features
REACH = 300  # characters a candidate extends on each side of its cue at most
# a sentence ends at a line break, a separator of footer parts, or a sentence mark before a capital
_BOUNDARY = regex.compile(r"\n|\s[|•·]\s|[.!?](?=\s+[\p{Lu}\p{N}\"“„«(©\[])|[。！？]")


@dataclass(slots=True)
class Candidate:
    """A sentence (plain-view offsets) holding cue words, with the slots and frames it fills."""

    start: int
    end: int
    cues: list[tuple[str, str]] = field(default_factory=list)  # (slot, cue literal)
    frames: list[Frame] = field(default_factory=list)

    @property
    def slots(self) -> set[str]:
        return {slot for slot, _ in self.cues}

    def worth_scoring(self) -> bool:
        """A sentence is scored when it holds a cue of a slot that can make a notice (a lone "according to"
        or "article" cannot)."""
        return bool(self.slots - CONTEXT)


class CueSet:
    """The cue literals of every language, as keyword specs, with the slots each one fills."""

    def __init__(self, ruleset: RuleSet, derived: tuple[list, list, list] | None = None) -> None:
        """``derived``: ``(words, slots, specs)`` as an earlier CueSet of the same lexicons had them (the notice
        engine keeps them in the cache directory: working them out is ~15 ms of every start-up)."""
        if derived is None:
            by_literal: dict[str, list[str]] = {}
            for slots in ruleset.cues.values():
                for slot, words in slots.items():
                    for word in words:
                        bucket = by_literal.setdefault(word, [])
                        if slot not in bucket:
                            bucket.append(slot)
            literals = sorted(by_literal)
            specs = [keyword_spec(w) for w in literals]  # (literal, boundary before, after, line start)
            derived = ([SPACE_RUN.sub(" ", spec[0]) for spec in specs], [tuple(by_literal[w]) for w in literals],
                       specs)
        self.words, self.slots, self.specs = derived  # words as reports name them
        self.context_only = [set(slots) <= CONTEXT for slots in self.slots]
        self.frames = list(ruleset.frames)
        self._framable: dict[frozenset[str], bool] = {}
        self._fitting: dict[frozenset[str], list[Frame]] = {}  # per slot set, the frames it fills (any length)

    def could_frame(self, slots: frozenset[str]) -> bool:
        """Could a sentence whose slots are among ``slots`` fill a frame? A frame's ``none`` and ``max_chars``
        only take frames away, so they are not asked. Cached per slot set (prose repeats a few dozen)."""
        known = self._framable.get(slots)
        if known is None:
            known = self._framable[slots] = any(
                all(s in slots for s in f.all) and all(any(s in slots for s in group) for group in f.any)
                for f in self.frames)
        return known

    def trigger_slots(self, scored: bool, framed_only: frozenset[str]) -> frozenset[str]:
        """Slots one of which a line must hold before any sentence on it can fill a frame or, when ``scored``
        (the scorer on), be scored as a short line: one slot of each frame's ``all`` (every frame has one:
        the rarest, preferring slots beyond ``CONTEXT`` and ``framed_only``), and with the scorer every slot
        beyond those. Lines without a cue of these slots are never read for sentences, so the fewer and
        rarer the slots, the fewer lines are read; which slot of a frame is named does not change a finding."""
        count = Counter(slot for slots in self.slots for slot in set(slots))
        weak = CONTEXT | framed_only
        out = {slot for slot in count if slot not in weak} if scored else set()
        out.update(min(f.all, key=lambda s: (s in weak, count.get(s, 0))) for f in self.frames)
        return frozenset(out)

    def candidates(self, text: str, hits: list[tuple[int, int, int]]) -> list[Candidate]:
        """Sentences of ``text`` around ``hits`` (``(cue index, start, end)`` in code points, boundaries
        already checked), merged per sentence, with their frames."""
        out: list[Candidate] = []
        context: list[tuple[int, int]] = []  # hits of context-only cues: they join sentences, never open one
        context_only, add = self.context_only, self._add
        last = None
        for i, start, end in sorted(hits, key=itemgetter(1)):
            if context_only[i]:
                context.append((i, start))
                continue
            if last is None or start >= last.end:
                last = Candidate(*sentence_around(text, start, end))
                out.append(last)
            add(last, i)
        if out and context:
            starts = [c.start for c in out]
            for i, start in context:
                k = bisect_right(starts, start) - 1
                if k >= 0 and start < out[k].end:
                    self._add(out[k], i)
        for cand in out:
            cand.frames = self.frames_of(cand)
        return out

    def _add(self, cand: Candidate, i: int) -> None:
        word = self.words[i]
        for slot in self.slots[i]:
            if (slot, word) not in cand.cues:
                cand.cues.append((slot, word))

    def frames_of(self, cand: Candidate) -> list[Frame]:
        """The frames ``cand`` fills: none unless its slots could fill one (cached per slot set: most cue
        sentences of prose fill none, and testing every frame on each was a third of cutting them out); which
        frames a slot set fills is cached too, leaving the length test per sentence."""
        slots = frozenset(cand.slots)
        if not self.could_frame(slots):
            return []
        fitting = self._fitting.get(slots)
        if fitting is None:  # the frames these slots fill, in order, but for their length
            fitting = self._fitting[slots] = [
                f for f in self.frames if all(s in slots for s in f.all)
                and all(any(s in slots for s in group) for group in f.any) and not any(s in slots for s in f.none)]
        length = cand.end - cand.start
        return [f for f in fitting if length <= f.max_chars]


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding ``text[start:end]``: from the last boundary before it to the next after it,
    at most ``REACH`` characters either side, trimmed of whitespace.

    The search for the last boundary starts just past the last line break before the cue: a ``\n`` is a
    boundary (a match of its own, or the end of the one holding it), and a scan from anywhere before it
    takes the same matches after it, so starting there gives the same sentence for half the work."""
    lo = max(0, start - REACH)
    left = text.rfind("\n", lo, start) + 1 or lo
    for m in _BOUNDARY.finditer(text, left, min(len(text), start + 2)):  # the lookahead sees the cue's capital
        if m.end() <= start:
            left = m.end()
    hi = min(len(text), end + REACH)
    m = _BOUNDARY.search(text, end, hi)
    right = (m.start() + (1 if text[m.start()] in ".!?。！？" else 0)) if m else hi
    while left < right and text[left].isspace():
        left += 1
    while right > left and text[right - 1].isspace():
        right -= 1
    return left, right
