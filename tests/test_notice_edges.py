"""Hits left out by the keyword automata's edge test must be hits no rule or cue could use.

With ``KeywordIndex.scan(edges=True)`` the Hyperscan path drops a hit whose literal every use marks with
``^`` or ``\\b`` when the collapsed text plainly lacks that edge ("ap" inside "map"). The findings must be
those of the same engine given every hit; the texts are built to be awkward at the edges (line breaks of
every kind, blank lines, non-ASCII letters next to a keyword, keywords at the text's ends).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.detect.keywords import (
    EDGE_LEFT,
    EDGE_LINE,
    EDGE_RIGHT,
    EDGE_UPPER,
    KeywordIndex,
    char_offsets,
    keyword_spec,
)
from compliance.detect.notices import NoticeEngine
from compliance.ruleset.loader import load_ruleset

pytest.importorskip("hyperscan")

ROOT = Path(__file__).resolve().parent.parent

FRAGMENTS = [
    "AP", "(AP)", "map", "apt", "ap", "By Mara Lind", "nearby ", "by ", "Von Anna", "Foto: dpa", "di Mario",
    "Quelle: dpa", "© 2024 Example", "All rights reserved.", "Reuters/AP", ", AP", "äap", "apä", "_ap", "ap_",
    "APA", "Getty Images", "Photo: Jane Miller", "Source: Harbour Ledger", "Copyright", "por Ana", "par Luc",
    "Все права защищены.", "Фото: ТАСС", "EFE", "sid", "epa", "Ú", "1ap", "ap1",
    "Milos Bicanski/Getty Images", "(Jane Doe/Harbour Post)", "/usr/share", "Doe /Éditions Lune", "GNU/Linux",
    "Doe/ Getty", "Doe/\nGetty",
]
SEPARATORS = ["\n", " ", "\r\n", "\n\n", "  \n ", "\t", ". ", "", "\n\n\n", "\r", "\u00a0", "/", "-"]


@pytest.fixture(scope="module")
def engine() -> NoticeEngine:
    engine = NoticeEngine(load_ruleset(), model=True)
    engine.keywords.to_fast()
    engine.cue_keywords.to_fast()
    assert any(engine.cue_keywords.edges)  # cue words marked \b or ^ (a few hundred)
    if not engine.keywords._mapped:
        pytest.skip("the edge test runs on the Hyperscan path only")
    return engine


def _findings(engine: NoticeEngine, text: str, edges: bool) -> list[tuple]:
    kept = engine.keywords.edges, engine.cue_keywords.edges
    if not edges:
        engine.keywords.edges = engine.cue_keywords.edges = None  # every hit, as before the edge test
    try:
        engine._scored.clear()
        return [(m.rule.rule.id, m.start, m.end, m.score, m.cues) for m in engine.match_text(text)]
    finally:
        engine.keywords.edges, engine.cue_keywords.edges = kept


def _same(engine: NoticeEngine, text: str) -> None:
    assert _findings(engine, text, True) == _findings(engine, text, False), text[:200]


def test_edges_leave_out_only_hits_that_lack_them(engine):
    text = "map apt\nAP reports\n(AP)\nnearby\nBy Mara Lind"
    everything, _ = engine.keywords.scan(text)
    kept, _ = engine.keywords.scan(text, edges=True)
    assert set(kept) < set(everything)  # something was left out...
    literals = engine.keywords.literals
    dropped = [(literals[k], text[s:e]) for k, s, e in set(everything) - set(kept)]
    assert ("ap", "ap") in dropped  # "map", "apt"
    assert any(literals[k] == "ap" and s == text.index("AP reports") for k, s, _ in kept)  # ...not a line's AP
    _same(engine, text)


def test_a_mask_is_what_every_use_needs():
    index = KeywordIndex(["ap", "by ", "copyright"], fast="hyperscan")
    index.to_fast()
    if not index._mapped:
        pytest.skip("no Hyperscan")
    index.edges = [EDGE_LINE | EDGE_RIGHT, EDGE_LINE, 0]
    text = "map\nap x\napt by\nby copyright"
    every = [(index.literals[k], s) for k, s, _ in index.scan(text)[0]]
    assert every == [("ap", 1), ("ap", 4), ("ap", 9), ("by ", 13), ("by ", 16), ("copyright", 19)]
    # "map" has no line start, "apt" no word boundary after "ap"; " by" after "apt" is kept (a space before
    # it: only the engine's test on the text itself tells a line break from a space)
    hits = [(index.literals[k], s) for k, s, _ in index.scan(text, edges=True)[0]]
    assert hits == [("ap", 4), ("by ", 13), ("by ", 16), ("copyright", 19)]
    index.edges = [EDGE_LEFT, 0, 0]
    assert [s for k, s, _ in index.scan(text, edges=True)[0] if k == 0] == [4, 9]


def test_an_upper_edge_keeps_a_capital_after_at_most_one_space():
    index = KeywordIndex(["/"], fast="hyperscan")
    index.to_fast()
    if not index._mapped:
        pytest.skip("no Hyperscan")
    index.edges = [EDGE_UPPER]
    assert index.needs_case
    text = "see /usr/share, Doe/Getty, Doe / Reuters, x/ y, Lind/\u00c9ditions, a/  B, end/"
    found, raw = index.scan(text, edges=True)
    kept = [text[s + 1:s + 3] for _, s, _ in char_offsets(raw, found)]
    assert kept == ["Ge", " R", "\u00c9d", "  "]  # "/usr", "/ y" and the text's end are left out; a non-ASCII
    # letter is kept (its case is not read from its bytes), and so are two spaces (one in the collapsed text)
    assert len(index.scan(text)[0]) == 8  # without the edge test: every "/"
    assert keyword_spec("/\\u") == ("/", False, False, False)


def test_a_keyword_marked_upper_next_sets_the_edge(engine):
    k = engine.keywords.literals.index("/")
    assert engine.keywords.edges[k] == EDGE_UPPER  # the photo-credit rule's '/\\u' is the only '/' keyword


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(SEPARATORS)), max_size=16))
def test_random_texts_find_the_same_with_edges(engine, parts):
    _same(engine, "".join(f + s for f, s in parts))


def test_dev_pages_find_the_same_with_edges(engine):
    with (ROOT / "fixtures/notices/real/dev.jsonl").open(encoding="utf-8") as fh:
        lines = [json.loads(line)["text"] for line in fh if line.strip()]
    for i in range(0, len(lines), 15):
        _same(engine, "\n".join(lines[i:i + 15]))
        _same(engine, " ".join(lines[i:i + 15]))
