"""The keyword prefilter must find exactly what running every pattern over the whole text finds."""

from __future__ import annotations

import pytest
from conftest import engine_for, spans
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.detect.keywords import _IRREGULAR, KeywordIndex, collapse_spaces, lowered, parse_keyword
from compliance.detect.notices import WINDOW, NoticeEngine

AP_RULE = r"""
  - id: t.agency
    kind: agency-credit
    languages: [en]
    keywords: ['\bap\b']
    patterns: ['\((?P<publisher>AP)\)']
    message: Agency.
"""


def test_boundary_keyword_ignores_hits_inside_words(tmp_path):
    engine = engine_for(tmp_path, AP_RULE)
    assert engine.windows("sudo apt install; snap; map.") == {}
    text = "Berlin (AP) - and (ap)."
    assert engine.windows(text)
    assert spans(engine.match_text(text)) == spans(engine.match_text_naive(text)) == [
        ("t.agency", 7, 11), ("t.agency", 18, 22)]


def test_parse_keyword_markers():
    assert parse_keyword(r"\bap\b") == ("ap", True, True)
    assert parse_keyword(r"/ap\b") == ("/ap", False, True)
    # a boundary next to punctuation means nothing (as in a regex), so it is not checked
    assert parse_keyword(r"\b(ap") == ("(ap", False, False)
    assert parse_keyword("copyright") == ("copyright", False, False)


def test_phrase_keyword_hits_across_line_breaks_and_space_runs(tmp_path):
    engine = engine_for(tmp_path, r"""
  - id: t.arr
    kind: all-rights-reserved
    languages: [en]
    keywords: [all rights reserved]
    patterns: ['all\s+rights\s+reserved']
    message: ARR.
""")
    text = "Text.\n\n(c) Example Ltd. All rights\r\n     reserved." + " filler" * 200 + "\nAll  rights\treserved"
    found = spans(engine.match_text(text))
    assert found == spans(engine.match_text_naive(text))
    assert [text[s:e] for _, s, e in found] == ["All rights\r\n     reserved", "All  rights\treserved"]


@given(st.text(alphabet="ab \n\r\t", max_size=60))
def test_collapse_spaces_maps_every_character_back(low):
    from bisect import bisect_right

    collapsed, after, removed = collapse_spaces(low)
    flat = low.replace("\n\n", "\0\0").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    assert "  " not in collapsed and collapsed.replace(" ", "") == flat.replace(" ", "")
    assert collapse_spaces(low.encode()) == (collapsed.encode(), after, removed)  # ASCII: same offsets
    for p, c in enumerate(collapsed):
        i = bisect_right(after, p)
        assert flat[p + (removed[i - 1] if i else 0)] == c


def test_truncated_window_does_not_invent_a_match(tmp_path):
    # `$` without MULTILINE matches only at the very end: cutting the text at a window's end would
    # make it match there. The naive loop finds nothing, so the prefiltered engine must not either.
    engine = engine_for(tmp_path, r"""
  - id: t.tail
    kind: attribution
    languages: [de]
    keywords: [stammt von]
    patterns: ['stammt von [^\n]*$']
    message: Tail.
""")
    text = "Dieser Text stammt von " + "wort " * 400 + "\nund weiter."
    assert engine.match_text_naive(text) == []
    assert engine.match_text(text) == []
    ending = "Dieser Text stammt von " + "wort " * 400
    assert spans(engine.match_text(ending)) == spans(engine.match_text_naive(ending)) == [
        ("t.tail", 12, len(ending))]


def test_windows_merge_when_a_longer_keyword_starts_earlier(tmp_path):
    engine = engine_for(tmp_path, r"""
  - id: t.two
    kind: disclaimer
    languages: [en]
    keywords: [b, aaaaaaaaab]
    patterns: ['a+b']
    message: Two.
""")
    text = "x" * 2000 + "aaaaaaaaab" + "x" * 2000
    (wins,) = engine.windows(text).values()
    assert wins == [(2000 - WINDOW, 2010 + WINDOW)]


def test_keyword_backends_agree():
    pytest.importorskip("ahocorasick_rs")
    literals = ["ap", "/ap", ", ap", "by ap", "copyright", "©", "(c)", "rechte vorbehalten", "a"]
    text = "(c) Copyright by AP/ap, ap © alle Rechte vorbehalten. snap".lower()
    rust = KeywordIndex(literals, backend="ahocorasick_rs").find(text)
    python = KeywordIndex(literals, backend="pyahocorasick").find(text)
    assert sorted(rust) == sorted(python)
    assert all(text[s:e] == literals[k] for k, s, e in rust)


def test_irregular_lowercase_table_is_complete():
    # Letters a bytes lower() leaves alone and that are not the plain upper/title case of their lower
    # case: the UTF-8 path must route texts holding them to the str path. Unicode updates may add some.
    found: dict[str, set[str]] = {}
    for code in range(0x80, 0x110000):
        c = chr(code)
        low = lowered(c)
        if low != c and c not in (low.upper(), low.title()):
            found.setdefault(low, set()).add(c)
    assert found == {k: set(v) for k, v in _IRREGULAR.items()}


LETTERS = st.sampled_from(list("abkiß süÜéÉ\n’êÊ") + ["\u1e9e", "\u212a", "\u0130", "Σ", "σ", "ς", "ΟΣ", "Ж", "ж",
                                                       "ǅ", "ǆ", "Ⓒ", "ⓒ", "\u0301", "  ", "\r\n", "\ud800", "тасс",
                                                       "ТАСС", "Т", "с"])
CASE_LITERALS = ["für", "straße", "ök", "kö", "ss", "is", "σος", "ος", "жж", "ǆa", "ⓒ", "é", "a b", "ü ü",
                 "всё право", "\u03b8", "l’тасс", "ê интерфакс", "ê’ê’ê’ê’ê", "éüéüéü", "éüéüésé"]


@pytest.mark.skipif(not KeywordIndex.__init__ or not __import__("importlib").util.find_spec("ahocorasick_rs"),
                    reason="needs ahocorasick_rs")
@settings(max_examples=300, deadline=None)
@given(st.lists(LETTERS, max_size=40))
def test_utf8_path_hits_equal_str_path_hits(letters):
    text = "".join(letters)
    fast = KeywordIndex(CASE_LITERALS, backend="ahocorasick_rs")
    reference = KeywordIndex(CASE_LITERALS, backend="pyahocorasick")
    assert sorted(fast.hits(text)) == sorted(reference.hits(text))


def test_only_a_letter_of_a_many_spelled_keyword_routes_a_text_to_the_str_path():
    """A keyword with too many case spellings for the UTF-8 automaton ("l’интерфакс") sends texts holding one of
    its Cyrillic letters to the slower str path, not every text with a typographic apostrophe or an "ê"."""
    pytest.importorskip("ahocorasick_rs")
    index = KeywordIndex(["l’интерфакс", "copyright"], backend="ahocorasick_rs")
    western = "L’été à Paris, copyright chez l’éditeur."
    hits, raw = index.scan(western)
    assert raw is not None  # the UTF-8 path (hits in bytes)
    assert [western[s:e].lower() for _, s, e in index.hits(western)] == ["copyright"]
    cyrillic = "Quelle: L’ИНТЕРФАКС meldet"
    assert index.scan(cyrillic)[1] is None  # the str path
    assert [cyrillic[s:e] for _, s, e in index.hits(cyrillic)] == ["L’ИНТЕРФАКС"]


def test_a_many_spelled_latin_keyword_routes_by_its_rarest_letter_not_by_a_shared_lead_byte():
    """All Latin-1 letters share the UTF-8 lead byte 0xC3: a Czech keyword with too many case spellings
    routed by its "á" sent every text with an "é" or "ü" to the slower str path (a fifth of the notice
    engine's time on documentation prose). It routes by its "ř" (more than ``MAX_LATIN_VARIANTS``
    spellings: 7 accented letters)."""
    pytest.importorskip("ahocorasick_rs")
    index = KeywordIndex(["vyjádřením osobních názorů a úvah", "copyright"], backend="ahocorasick_rs")
    western = "Café, Müller & Söhne, copyright 2024."
    assert index.scan(western)[1] is not None  # the UTF-8 path
    czech = "Jsou VYJÁDŘENÍM OSOBNÍCH NÁZORŮ A ÚVAH autorů."
    assert index.scan(czech)[1] is None  # the str path
    assert [czech[s:e] for _, s, e in index.hits(czech)] == ["VYJÁDŘENÍM OSOBNÍCH NÁZORŮ A ÚVAH"]


def test_a_latin_keyword_with_up_to_64_spellings_stays_on_the_utf8_path():
    """Six accented letters (64 case spellings) are spelled out, not routed: routing a dozen such French,
    Czech and Hungarian keywords by their "é" or "č" sent a third of documentation prose down the str path,
    where no edge test leaves out a hit."""
    pytest.importorskip("ahocorasick_rs")
    index = KeywordIndex(["vyjádřením osobních názorů", "copyright"], backend="ahocorasick_rs")
    for text in ("Jsou VYJÁDŘENÍM OSOBNÍCH NÁZORŮ autorů.", "Jsou vyjádřením Osobních NÁzorů autorů, café."):
        found, raw = index.scan(text)
        assert raw is not None  # the UTF-8 path
        assert [lowered(text[s:e]) for _, s, e in index.hits(text)] == ["vyjádřením osobních názorů"]


WORDS = st.sampled_from(["ab", "ba", "abc", "c", " ", "\n", ".", "AB", "x"])
RANDOM_PATTERNS = [r"\bab\w*", r"(?:ab|ba)[^\n]{0,300}?c", r"c[ .]*$"]
_engines: dict[int, NoticeEngine] = {}


def random_engine(tmp_path_factory, variant: int) -> NoticeEngine:
    if variant not in _engines:
        patterns = ", ".join(f"'{p}'" for p in RANDOM_PATTERNS[variant:variant + 2])
        _engines[variant] = engine_for(tmp_path_factory.mktemp("p"), f"""
  - id: t.random
    kind: disclaimer
    languages: [en]
    keywords: [ab, ba, c]
    patterns: [{patterns}]
    message: Random.
""")
    return _engines[variant]


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=400), st.integers(min_value=0, max_value=1))
def test_prefilter_equals_naive_on_random_text(tmp_path_factory, words, variant):
    engine = random_engine(tmp_path_factory, variant)
    text = "".join(words)
    assert spans(engine.match_text(text)) == spans(engine.match_text_naive(text))
