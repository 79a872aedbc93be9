"""The notice engine's keyword and cue tables, read back from the cache directory, must be those it builds.

``NoticeEngine`` derives its automata's literals, each literal's owners, cue entries and edge masks from the
rule packs' keywords and the cue lexicons (~0.1 s of Python); the result is kept in the cache directory keyed
by those inputs. A cached table must equal a fresh one, and a change of any input must build anew.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest

from compliance.detect import tables as engine_tables_module
from compliance.detect.notices import NoticeEngine
from compliance.detect.tables import build_tables, engine_tables
from compliance.ruleset.loader import LoadedRules, load_ruleset


@pytest.fixture(scope="module")
def rules() -> LoadedRules:
    return load_ruleset()


def _plain(tables) -> dict:
    return dataclasses.asdict(tables)


def test_cached_tables_are_the_built_ones(rules, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path))
    fresh = build_tables(rules, True, True, frozenset({"COPY"}))
    first = engine_tables(rules, True, True, frozenset({"COPY"}))  # writes the cache
    assert list(tmp_path.glob("engine-*.pickle"))
    second = engine_tables(rules, True, True, frozenset({"COPY"}))  # reads it
    assert second is not first
    assert _plain(first) == _plain(second) == _plain(fresh)


def test_every_input_keys_the_cache(rules, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path))
    base = _plain(engine_tables(rules, True, True, frozenset()))
    assert _plain(engine_tables(rules, False, True, frozenset())) == \
        _plain(build_tables(rules, False, True, frozenset()))
    assert _plain(engine_tables(rules, True, False, frozenset()))["cue_literals"] == []
    edited = LoadedRules(rules.ruleset, [copy.copy(c) for c in rules.compiled])
    edited.compiled[0].keywords = [*edited.compiled[0].keywords, "zqxjkeyword"]  # as a rule edit would add it
    tables = _plain(engine_tables(edited, True, True, frozenset()))
    assert "zqxjkeyword" in tables["literals"] and "zqxjkeyword" not in base["literals"]
    assert len(list(tmp_path.glob("engine-*.pickle"))) == 4


def test_an_engine_from_the_cache_finds_what_a_fresh_one_finds(rules, tmp_path, monkeypatch):
    text = "Photo: Jane Miller (AP)\nAll rights reserved © 2020 Example Media\nBy Mara Lind\nnearby map apt"
    monkeypatch.setenv("COMPLIANCE_NO_CACHE", "1")
    fresh = NoticeEngine(rules)
    monkeypatch.delenv("COMPLIANCE_NO_CACHE")
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path))
    NoticeEngine(rules)
    cached = NoticeEngine(rules)
    assert cached.keywords.literals == fresh.keywords.literals and cached.keywords.edges == fresh.keywords.edges
    assert cached.cues.specs == fresh.cues.specs and cached.cue_of == fresh.cue_of
    rows = [[(m.rule.rule.id, m.start, m.end, m.score, m.cues) for m in e.match_text(text)] for e in (fresh, cached)]
    assert rows[0] == rows[1] and rows[0]
    assert engine_tables_module.EngineTables.__slots__  # plain data, pickled as such
