"""The notice engine's shortcuts must not change what it finds: the ``^`` keyword marker, required
literals, name lists as prefix trees, and the NFA -> DFA switch. Each is checked against the naive
loop (every pattern over the whole text) or the plain construct."""

from __future__ import annotations

import pytest
import regex
from conftest import engine_for, spans
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.detect.keywords import KeywordIndex, keyword_spec, parse_keyword
from compliance.detect.notices import NoticeEngine
from compliance.ruleset.loader import load_ruleset
from compliance.ruleset.names import fast_expansion, prefix_tree
from compliance.ruleset.required import fold_text, required_sets

FLAGS = regex.V0 | regex.IGNORECASE


# -- the ^ marker ------------------------------------------------------------------------------

def test_line_start_marker_parses():
    assert keyword_spec("^by ") == ("by ", False, False, True)
    assert keyword_spec(r"^\bvon\b") == ("von", True, True, True)
    assert keyword_spec("^") == ("^", False, False, False)
    assert parse_keyword("^by ") == ("by ", False, False)


BYLINE = r"""
  - id: t.byline
    kind: attribution
    languages: [en]
    keywords: ['^by ']
    case_sensitive: true
    patterns: ['(?m)^By (?P<holder>\p{Lu}\w+ \p{Lu}\w+)$']
    message: Byline.
"""


def test_line_start_keyword_only_counts_at_a_line_start(tmp_path):
    engine = engine_for(tmp_path, BYLINE)
    assert engine.windows("Stand by me, said Jane Doe.\nNothing by Jane Doe here.") == {}
    text = "Title\nBy Jane Doe\nBody text written by someone.\nBy John Roe"
    assert spans(engine.match_text(text)) == spans(engine.match_text_naive(text)) == [
        ("t.byline", 6, 17), ("t.byline", 48, 59)]
    assert spans(engine.match_text("By Jane Doe")) == [("t.byline", 0, 11)]  # the text's start is a line start


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["By ", "by ", "Jane", " Doe", "\n", "\r\n", " ", "x", "\n\n"]), max_size=60))
def test_line_start_marker_equals_naive(tmp_path_factory, parts):
    engine = _engine(tmp_path_factory, "byline", BYLINE)
    text = "".join(parts)
    assert spans(engine.match_text(text)) == spans(engine.match_text_naive(text))


_ENGINES: dict[str, NoticeEngine] = {}


def _engine(tmp_path_factory, name: str, rules_yaml: str, extra: str = "") -> NoticeEngine:
    if name not in _ENGINES:
        _ENGINES[name] = engine_for(tmp_path_factory.mktemp(name), rules_yaml, extra)
    return _ENGINES[name]


# -- required literals --------------------------------------------------------------------------

def test_required_sets_of_typical_patterns():
    assert required_sets(r"\bcopyright\s*(?:©|\([cс]\)|&copy;)", FLAGS) == (
        ("copyright",), ("&copy;", "(c)", "(с)", "©"))
    # case-sensitive sets of case variants fold to one spelling; a lone space is no requirement
    assert required_sets(r"(?:[Ww]ritten|[Ww]ords) by (?P<holder>\p{Lu}\w+)", regex.V0) == (
        ("words", "written"), (" by ",))
    # optional parts, lookarounds and repeats with a minimum of zero require nothing
    assert required_sets(r"(?:foo)?bar(?=baz)(?<=qux)(?:zz)*", FLAGS) == (("bar",),)
    assert required_sets(r"\w+\s+", FLAGS) == ()
    # one implied by another is dropped
    assert required_sets(r"copyright.{0,9}copy", FLAGS) == (("copyright",),)
    # folded as regex folds: ß matches ẞ and "ss". Releases of regex parse it differently (one literal
    # "strasse", or "stra" and then a fold node); either way every text the pattern matches holds it
    (alternatives,) = required_sets("Straße", FLAGS)
    assert alternatives in (("strasse",), ("stra",))
    matched = [t for t in ("Straße", "STRASSE", "straẞe", "STRAẞE", "Strasse") if regex.search("Straße", t, FLAGS)]
    assert "Straße" in matched and "straẞe" in matched
    assert all(any(a in fold_text(t) for a in alternatives) for t in matched)


PATTERNS = [
    r"\bcopyright\s*(?:©|\([cс]\))\s*(?P<years>\d{4})",
    r"(?:all|some)\s+rights?\s+reserved",
    r"Straße\s+\d+",
    r"(?i:kelvin)\s+is",
    r"[Ii]nfo(?:rmation)?:\s*\w+",
    r"σος|ΟΣ",
    r"(?:\bBei\s+)?\bÜbersetzung\w*\b.{0,20}?\bFehler",
]
TEXT_PIECES = ["copyright", "COPYRİGHT", "(c)", "(С)", "©", " ", "  ", "\n", "2024", "All", "ALL", "rights",
               "reserved", "reſerved", "Straße", "STRAẞE", "STRASSE", "12", "\u212aelvin", "KELVIN", "is",
               "İnfo", "ınfo", "Information:", "info:", "x", "σος", "ΣΟΣ", "Übersetzung", "ÜBERSETZUNGEN",
               "Fehler", "fehler", "bei", "ſ", "ı"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PATTERNS), st.booleans(), st.lists(st.sampled_from(TEXT_PIECES), max_size=12))
def test_every_match_holds_its_required_literals(pattern, ignorecase, pieces):
    """Soundness: a window where the pattern matches never lacks one of its required sets."""
    flags = regex.V0 | (regex.IGNORECASE if ignorecase else 0)
    compiled = regex.compile(pattern, flags)
    text = "".join(pieces)
    sets = required_sets(pattern, flags)
    for m in compiled.finditer(text, overlapped=True):
        folded = fold_text(m.group())
        assert all(any(a in folded for a in alternatives) for alternatives in sets), (m.group(), sets)


COPYRIGHT_RULES = r"""
  - id: t.word
    kind: copyright
    languages: [en]
    keywords: [copyright, '©']
    patterns:
      - '\bcopyright\s*(?:©\s*)?(?P<years>\d{4})(?:\s+(?P<holder>\p{Lu}\w+))?'
      - '©\s*(?P<years>\d{4})'
      - '(?P<holder>\p{Lu}\w+)\s+holds\s+the\s+copyright'
    message: Copyright.
  - id: t.arr
    kind: all-rights-reserved
    languages: [en]
    keywords: [rights reserved]
    patterns: ['(?:all|some)\s+rights\s+reserved']
    message: ARR.
"""
WORDS = st.sampled_from(["copyright", "Copyright", "COPYRIGHT", "©", "2024", "1999", " ", "\n", "Acme", "holds",
                         "the", "all", "rights", "reserved", ".", "x", "copyrights"])


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=80))
def test_required_literals_keep_findings_equal_to_naive(tmp_path_factory, words):
    engine = _engine(tmp_path_factory, "copyright", COPYRIGHT_RULES)
    text = " ".join(words)
    assert spans(engine.match_text(text)) == spans(engine.match_text_naive(text))


# -- name lists as prefix trees -----------------------------------------------------------------

NAME_CHARS = st.sampled_from(list("aAbBiIıİsSſkK") + ["\u212a", "-", " "])
NAMES = st.lists(st.text(NAME_CHARS, min_size=1, max_size=4), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(NAMES, st.booleans(), st.text(NAME_CHARS | st.sampled_from(["x", "."]), max_size=30))
def test_prefix_tree_matches_like_the_flat_alternation(names, fold, text):
    flat = "(?:" + "|".join(regex.escape(n) for n in sorted(set(names), key=lambda n: (-len(n), n))) + ")"
    tree = prefix_tree(tuple(sorted(set(names))), fold)
    if tree is None:  # overlapping case classes with names of different lengths: kept flat
        return
    flags = regex.V0 | (regex.IGNORECASE if fold else 0)
    for template in ("(?P<n>{})", "(?P<n>{})x", "(?P<n>{})\\b", "(?P<n>{})(?:[ .]|$)", "x{}?", "{}{{2}}"):
        a = [(m.span(), m.groupdict()) for m in regex.finditer(template.format(flat), text, flags)]
        b = [(m.span(), m.groupdict()) for m in regex.finditer(template.format(tree), text, flags)]
        assert a == b, (template, flat, tree)


def test_fast_expansion_uses_the_case_mode_where_the_macro_stands():
    from compliance.ruleset.loader import expand_macros

    names = {"agencies": ["AP", "APA", "dpa", "Deutsche Presse-Agentur"], "publishers": []}
    macros = {"agencies": "(?:Deutsche\\ Presse\\-Agentur|APA|dpa|AP)", "publishers": "(?!)"}
    folded = fast_expansion("\\({{agencies}}\\)", macros, names, FLAGS, expand_macros)
    assert folded == "\\(" + prefix_tree(tuple(sorted(names["agencies"])), True) + "\\)"
    exact = fast_expansion("(?-i:{{agencies}})", macros, names, FLAGS, expand_macros)
    assert exact == "(?-i:" + prefix_tree(tuple(sorted(names["agencies"])), False) + ")"
    mixed = fast_expansion("{{agencies}}(?-i:{{agencies}})", macros, names, FLAGS, expand_macros)
    assert mixed == macros["agencies"] + "(?-i:" + macros["agencies"] + ")"  # two modes: flat


def test_agency_patterns_compile_to_trees_and_keep_whole_names_for_required_literals(tmp_path):
    engine = engine_for(tmp_path, r"""
  - id: t.tag
    kind: agency-credit
    languages: [en]
    keywords: ['({{agencies}})']
    patterns: ['\((?P<publisher>{{agencies}})\)']
    message: Tag.
""", extra="publishers:\n  - {id: a, name: AFP, agency: true}\n  - {id: b, name: APA, agency: true}\n")
    tag = engine.rules.by_id["t.tag"]
    assert tag.patterns[0].pattern == "\\((?P<publisher>(?:A(?:FP|PA)))\\)"
    assert tag.flat == ["\\((?P<publisher>(?:AFP|APA))\\)"]
    assert ("afp", "apa") in tag.required_literals()[0]  # whole names, from the flat expansion
    text = "Paris (AFP) and Wien (apa) but (AP)."
    assert spans(engine.match_text(text)) == spans(engine.match_text_naive(text)) == [
        ("t.tag", 6, 11), ("t.tag", 21, 26)]


def test_shipped_agency_patterns_use_trees():
    loaded = load_ruleset(None, cache=False)
    slash = loaded.by_id["common.agency-credit.slash-line"]
    assert slash.flat is not None and len(slash.patterns[2].pattern) < len(slash.flat[2])


# -- the keyword automaton's NFA -> DFA switch --------------------------------------------------

def test_keyword_hits_are_the_same_before_and_after_the_dfa_switch():
    literals = ["copyright", "by ap", "ap", "für", "rechte vorbehalten", "all rights reserved"]
    text = "COPYRIGHT by AP für Alle\n\nRechte  vorbehalten. All rights\r\n reserved. FÜR"
    index = KeywordIndex(literals, backend="ahocorasick_rs")
    before = index.hits(text)
    index._nfa_budget = 0  # the next scan switches
    after = index.hits(text)
    assert index._nfa_budget is None
    assert sorted(before) == sorted(after) and len(before) >= 7


SWITCH_LITERALS = ["copyright", "by ap", "ap", "a", "für", "ür", "rechte vorbehalten", "all rights reserved",
                   "rights", "l’интерфакс", "©"]
SWITCH_TEXTS = ["COPYRIGHT by AP für Alle\n\nRechte  vorbehalten. All rights\r\n reserved. FÜR",
                "", "a", "aaaa © ap © ap", "x" * 5000 + "copyright" + " " * 300 + "by\tap",
                "Quelle: L’ИНТЕРФАКС meldet, by  ap"]


@pytest.mark.parametrize("fast", ["hyperscan", "dfa"])
def test_the_fast_automaton_finds_what_the_nfa_finds_in_the_same_order(fast):
    """Overlapping and nested hits ("a" in "ap" in "by ap"), whitespace runs, non-ASCII, empty text: the
    automaton the index switches to reports what the NFA did, in the same order (``char_offsets`` relies
    on hits ordered by end)."""
    if fast == "hyperscan":
        pytest.importorskip("hyperscan")
    index = KeywordIndex(SWITCH_LITERALS, backend="ahocorasick_rs", fast=fast)
    before = [index.hits(t) for t in SWITCH_TEXTS]
    index._nfa_budget = 0
    after = [index.hits(t) for t in SWITCH_TEXTS]
    assert index._nfa_budget is None
    assert after == before
    assert sum(map(len, before)) >= 30


def test_hyperscan_keyword_scans_in_many_threads_at_once_agree():
    """Hyperscan's scratch space is per thread: eight threads scanning at once get the hits one thread gets."""
    pytest.importorskip("hyperscan")
    from concurrent.futures import ThreadPoolExecutor

    index = KeywordIndex(SWITCH_LITERALS, backend="ahocorasick_rs", fast="hyperscan")
    index._nfa_budget = 0
    texts = [t * 50 for t in SWITCH_TEXTS] * 20
    expected = [index.hits(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(index.hits, texts)) == expected


def test_a_hyperscan_that_fails_to_build_leaves_the_dfa(monkeypatch):
    """Hyperscan refuses CPUs without the SIMD it needs (and may fail otherwise): the index then switches to
    the DFA, with the same hits, instead of failing the scan."""
    import compliance.detect.keywords as keywords

    def broken(variants, owner=None):
        raise RuntimeError("this CPU lacks SSSE3")

    monkeypatch.setattr(keywords, "_hyperscan_finder", broken)
    index = KeywordIndex(SWITCH_LITERALS, backend="ahocorasick_rs", fast="hyperscan")
    before = [index.hits(t) for t in SWITCH_TEXTS]
    index._nfa_budget = 0
    assert [index.hits(t) for t in SWITCH_TEXTS] == before
    assert index.fast == "dfa"


def test_without_hyperscan_the_index_switches_to_a_dfa(monkeypatch):
    import compliance.detect.keywords as keywords

    monkeypatch.setattr(keywords, "_has_hyperscan", lambda: False)
    index = KeywordIndex(SWITCH_LITERALS, backend="ahocorasick_rs")
    assert index.fast == "dfa"
    index._nfa_budget = 0
    hits = index.hits("All rights reserved")
    assert [SWITCH_LITERALS[k] for k, _, _ in hits] == ["a", "rights", "all rights reserved"]
    assert [(s, e) for _, s, e in hits] == [(0, 1), (4, 10), (0, 19)]


def test_a_cached_hyperscan_database_is_switched_to_early_with_the_same_hits(tmp_path, monkeypatch):
    """The first process that switches compiles the database and caches it; a later index over the same
    keywords switches after FAST_AFTER_CACHED bytes, loading it; a damaged cache file is compiled again."""
    hyperscan = pytest.importorskip("hyperscan")

    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COMPLIANCE_NO_CACHE", raising=False)
    first = KeywordIndex(SWITCH_LITERALS, backend="ahocorasick_rs", fast="hyperscan")
    assert first._nfa_budget == KeywordIndex.FAST_AFTER  # nothing cached yet
    expected = [first.hits(t) for t in SWITCH_TEXTS]
    first._nfa_budget = 0
    assert [first.hits(t) for t in SWITCH_TEXTS] == expected
    cached = list((tmp_path / "cache").glob("hyperscan-*.pickle"))
    assert len(cached) == 1
    second = KeywordIndex(SWITCH_LITERALS, backend="ahocorasick_rs", fast="hyperscan")
    assert second._nfa_budget == KeywordIndex.FAST_AFTER_CACHED
    second._nfa_budget = 0
    assert [second.hits(t) for t in SWITCH_TEXTS] == expected and second._mapped

    def damaged(*args):
        raise hyperscan.error("bad serialization")

    monkeypatch.setattr(hyperscan, "loadb", damaged)
    third = KeywordIndex(SWITCH_LITERALS, backend="ahocorasick_rs", fast="hyperscan")
    third._nfa_budget = 0
    assert [third.hits(t) for t in SWITCH_TEXTS] == expected and third.fast == "hyperscan"


def test_the_str_path_keeps_its_nfa_until_it_has_scanned_enough_itself():
    """A non-Latin text takes the str path; its DFA (0.5 s to build over the shipped keywords) is built only
    after that path scanned FAST_AFTER characters, not when the bytes path switched, with the same hits."""
    index = KeywordIndex(SWITCH_LITERALS, backend="ahocorasick_rs")
    cyrillic = SWITCH_TEXTS[-1]
    before = index.hits(cyrillic)
    assert [SWITCH_LITERALS[k] for k, _, _ in before].count("l’интерфакс") == 1
    index._nfa_budget = 0
    index.hits("plain ascii copyright")
    assert index._nfa_budget is None and index._str_budget is not None
    assert index.hits(cyrillic) == before
    index._str_budget = 0
    assert index.hits(cyrillic) == before and index._str_budget is None
