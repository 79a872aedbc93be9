"""The notice engine's keyword and cue tables: what it derives from the rule packs' keywords and the cue
lexicons before it can scan (the two automata's literals, each literal's rules and cues, what a cue asks of
its line, the edge bits a hit needs). ~0.1 s of Python over ~18,000 keywords, so the result is kept in the
cache directory, keyed by every input and by this module's code.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.detect.cues import CueSet
from compliance.detect.keywords import (
    EDGE_LEFT,
    EDGE_LINE,
    EDGE_RIGHT,
    EDGE_UPPER,
    SPACE_RUN,
    keyword_spec,
    upper_next,
)
from compliance.ruleset.loader import LoadedRules

# what a cue's hit in the rule automaton asks of its line: to be read, or to be read if short
# (NoticeEngine._lines_to_read)
ANY_LINE, SHORT_LINE = 2, 1


@dataclass(slots=True)
class EngineTables:
    """What an engine derives from its rule packs' keywords and cue lexicons before it can scan: ~0.1 s of
    Python over ~18,000 keywords, so kept in the cache directory keyed by those inputs (:func:`engine_tables`)."""

    cue_words: tuple[list[str], list[tuple[str, ...]], list[tuple[str, bool, bool, bool]]]  # CueSet's lists
    # per cue literal (the cue automaton's), its cues: (cue index, before, after, line start)
    cue_of: dict[int, list[tuple[int, bool, bool, bool]]]
    cue_literals: list[str]
    literals: list[str]  # the rule automaton's: rule keywords, then cue literals that ask for their line
    # per literal, None or (may span a line break, ((what it asks of its line, before, after, line start), ...))
    lead: list[tuple[bool, tuple[tuple[int, bool, bool, bool], ...]] | None]
    # per literal: rules that take every hit, and (before, after, line, rules) that need a check
    owners: list[tuple[tuple[int, ...], tuple[tuple[bool, bool, bool, tuple[int, ...]], ...]]]
    edges: list[int]  # per literal, the EDGE_* bits every use of a hit needs (KeywordIndex.edges)
    cue_edges: list[int]  # the same for the cue automaton's literals


def engine_tables(rules: LoadedRules, model: bool, cues: bool, framed_only: frozenset[str]) -> EngineTables:
    """:func:`build_tables`, or its result from an earlier run with the same inputs: every rule's keywords in
    order, the cue lexicons, the frames' slots, the scorer's ``framed_only``, ``model`` and ``cues``, and the
    code of the modules that derive them (an edit of any of these builds the tables anew)."""
    import hashlib
    from pathlib import Path

    from compliance.detect import cues as cues_module
    from compliance.detect import keywords as keywords_module
    from compliance.ruleset.cache import code_bytes, memo

    ruleset = rules.ruleset
    inputs = repr(([c.keywords for c in rules.compiled], ruleset.cues,
                   [(f.id, f.all, f.any) for f in ruleset.frames], sorted(framed_only), model, cues))
    digest = hashlib.sha256(inputs.encode("utf-8", "surrogatepass"))
    for module in (cues_module, keywords_module):
        digest.update(code_bytes(Path(module.__file__)))
    return memo("engine", digest.hexdigest(), Path(__file__),
                lambda: build_tables(rules, model, cues, framed_only))


def build_tables(rules: LoadedRules, model: bool, cues: bool, framed_only: frozenset[str]) -> EngineTables:
    """The keyword and cue tables of an engine (see :class:`EngineTables`)."""
    # literal -> (boundary_before, boundary_after, line_start) -> rule indexes
    owners: dict[str, dict[tuple[bool, bool, bool], list[int]]] = {}
    upper: dict[str, bool] = {}  # literal -> does every keyword of it carry the \\u marker?
    for i, compiled in enumerate(rules.compiled):
        for kw in compiled.keywords:
            literal, left, right, line = keyword_spec(kw)
            literal = SPACE_RUN.sub(" ", literal)  # as the text is matched (collapse_spaces)
            upper[literal] = upper.get(literal, True) and upper_next(kw)
            idx = owners.setdefault(literal, {}).setdefault((left, right, line), [])
            if i not in idx:
                idx.append(i)
    cue_set = CueSet(rules.ruleset)
    cue_literals, cue_of = _cue_index(cue_set, cues)
    # the rule keywords' automaton also holds the cue literals that make a line worth reading or may span a
    # line break
    literals = list(owners)
    position = {lit: k for k, lit in enumerate(literals)}
    lead: list[tuple[bool, tuple[tuple[int, bool, bool, bool], ...]] | None] = [None] * len(literals)
    framing = cue_set.trigger_slots(False, framed_only)
    scored = cue_set.trigger_slots(model, framed_only)
    asks = [ANY_LINE if not framing.isdisjoint(slots) else SHORT_LINE if not scored.isdisjoint(slots) else 0
            for slots in cue_set.slots]  # per cue
    for k, literal in enumerate(cue_literals):
        entries = tuple([(asks[c], left, right, line) for c, left, right, line in cue_of[k]])
        spans = " " in literal
        if spans or any(entry[0] for entry in entries):
            j = position.get(literal)
            if j is None:
                j = position[literal] = len(literals)
                literals.append(literal)
                lead.append(None)
            lead[j] = (spans, entries)
    owned: list[tuple[tuple[int, ...], tuple[tuple[bool, bool, bool, tuple[int, ...]], ...]]] = []
    for groups in owners.values():
        free = tuple(groups.pop((False, False, False), ()))
        owned.append((free, tuple((*flags, tuple(idx)) for flags, idx in groups.items())))
    owned += [((), ())] * (len(literals) - len(owners))  # cue-only literals own no rule
    cue_owners = [((), tuple((left, right, line, ()) for _, left, right, line in cue_of[k]))
                  for k in range(len(cue_literals))]
    return EngineTables((cue_set.words, cue_set.slots, cue_set.specs), cue_of, cue_literals, literals, lead, owned,
                   _edges(literals, owned, lead, upper),
                   _edges(cue_literals, cue_owners, [None] * len(cue_literals), {}))


def _edges(literals: list[str], owners: list, lead: list, upper: dict[str, bool]) -> list[int]:
    """Per literal of the rule automaton, the ``EDGE_*`` bits every use of its hits needs (a rule's
    ``\\b``/``^``/``\\u`` marker, a cue's when it asks for its line): a hit that lacks one is of no use to any."""
    out = []
    for literal, (free, bounded), asked in zip(literals, owners, lead, strict=True):
        flags = [(left, right, line) for left, right, line, _ in bounded]
        flags += [(left, right, line) for _, left, right, line in (asked[1] if asked else ())]
        mask = 0
        if flags and not free:
            mask = EDGE_LINE | EDGE_LEFT | EDGE_RIGHT
            for left, right, line in flags:
                mask &= ((EDGE_LINE if line and not literal[:1].isspace() else 0)
                         | (EDGE_LEFT if left else 0) | (EDGE_RIGHT if right else 0))
        if upper.get(literal) and not asked:
            mask |= EDGE_UPPER
        out.append(mask)
    return out


def _cue_index(cue_set: CueSet, on: bool) -> tuple[list[str], dict[int, list[tuple[int, bool, bool, bool]]]]:
    """The cue literals of the cue automaton (read only on the lines that can matter) and each literal's cues
    ``(cue index, before, after, line start)``. A separate automaton: in the rule keywords' one, the
    ~3,500 cue literals cost the rule pass a third of its speed (their frequent words hit in nearly every
    line of prose)."""
    index: dict[str, int] = {}
    cue_of: dict[int, list[tuple[int, bool, bool, bool]]] = {}
    for c, (literal, left, right, line) in enumerate(cue_set.specs if on else ()):
        k = index.setdefault(SPACE_RUN.sub(" ", literal), len(index))
        cue_of.setdefault(k, []).append((c, left, right, line))
    return list(index), cue_of
