"""The shipped rule packs: every rule is documented by its own examples, and they all pass.

A rule's examples are its specification (semgrep-test style): at least two texts it must match and two
it must not. The engine only runs a pattern near a hit of one of the rule's keywords, so every match a
pattern can produce must contain a keyword; that contract is checked on every example and on the real
notices, where a violation would make the prefiltered engine silently miss what the naive loop finds.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pytest

from compliance.detect.notices import NoticeEngine, lowered, parse_keyword
from compliance.readers.plain import build_plain_document
from compliance.ruleset import load_ruleset
from compliance.ruleset.model import KINDS
from tests.conftest import DATA, SEED

CORE_LANGUAGES = ("de", "en", "fr", "es", "it", "nl", "pl", "pt")
SEVERITY = {"reproduction-ban": "error", "tdm-reservation": "error", "copyright": "warning",
            "all-rights-reserved": "warning", "license": "warning", "agency-credit": "info",
            "attribution": "info", "disclaimer": "info"}


@lru_cache(maxsize=1)
def loaded():
    return load_ruleset()


@lru_cache(maxsize=1)
def engine() -> NoticeEngine:
    return NoticeEngine(loaded())


def rule_ids() -> list[str]:
    return [c.rule.id for c in loaded().compiled]


def test_rules_test_command_passes(cli):
    run = cli("rules", "test")
    assert run.code == 0, run.out
    passed, failed = run.out.strip().splitlines()[-1].split(", ")
    assert failed == "0 failed" and int(passed.split()[0]) >= 4 * len(loaded().compiled)


@pytest.mark.parametrize("rule_id", rule_ids())
def test_rule_is_documented(rule_id):
    rule = loaded().by_id[rule_id].rule
    assert len(rule.examples.match) >= 2, "at least two match examples"
    assert len(rule.examples.no_match) >= 2, "at least two no_match examples"
    assert rule.message.strip() and rule.keywords
    if not rule.publisher:  # publisher profiles may be stricter than the house default
        assert rule.severity == SEVERITY[rule.kind], f"{rule.kind} rules have severity {SEVERITY[rule.kind]}"


@pytest.mark.parametrize("rule_id", rule_ids())
def test_examples(rule_id):
    """The same check as `compliance rules test`, per rule, so a failure names the rule."""
    rule = loaded().by_id[rule_id].rule
    for text in rule.examples.match:
        hits = engine().scan(build_plain_document(text, "<example>"), only={rule_id})
        assert hits, f"{rule_id} should match {text!r}"
        assert all(h.kind == rule.kind for h in hits)
    for text in rule.examples.no_match:
        hits = engine().scan(build_plain_document(text, "<example>"), only={rule_id})
        assert not hits, f"{rule_id} should not match {text!r}, matched {hits[0].text!r}"


def test_every_kind_in_every_core_language():
    have = {(kind, lang) for c in loaded().compiled for kind in [c.rule.kind] for lang in c.rule.languages}
    missing = [(k, lang) for k in KINDS for lang in CORE_LANGUAGES
               if (k, lang) not in have and (k, "mul") not in have]
    assert not missing, f"no rule for {missing}"


def _contract_texts() -> list[str]:
    texts = [t for c in loaded().compiled for t in (*c.rule.examples.match, *c.rule.examples.no_match)]
    for name in ("notices.jsonl", "negatives.jsonl"):
        path = DATA / "notices" / name
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    if SEED.exists():
        texts.append(SEED.read_text(encoding="utf-8"))
    return texts


def _has_keyword(plain: str, low: str, start: int, end: int, keywords) -> bool:
    segment = low[start:end]
    for literal, left, right in keywords:
        i = segment.find(literal)
        while i >= 0:
            s, e = start + i, start + i + len(literal)
            if not (left and s > 0 and (plain[s - 1].isalnum() or plain[s - 1] == "_")) and \
                    not (right and e < len(plain) and (plain[e].isalnum() or plain[e] == "_")):
                return True
            i = segment.find(literal, i + 1)
    return False


def test_every_match_contains_a_keyword():
    """The prefilter contract, on all examples, the real notices and the seed article."""
    violations = []
    keywords = {c.rule.id: [parse_keyword(k) for k in c.keywords] for c in loaded().compiled}
    for text in _contract_texts():
        plain = build_plain_document(text, "<contract>").plain
        low = lowered(plain)
        for m in engine().match_text_naive(plain):
            if not _has_keyword(plain, low, m.start, m.end, keywords[m.rule.rule.id]):
                violations.append((m.rule.rule.id, plain[m.start:m.end][:80]))
    assert not violations, violations[:10]


def test_prefiltered_engine_equals_naive_loop_on_examples():
    for text in _contract_texts():
        plain = build_plain_document(text, "<same>").plain
        fast = {(m.rule.rule.id, m.start, m.end) for m in engine().match_text(plain)}
        slow = {(m.rule.rule.id, m.start, m.end) for m in engine().match_text_naive(plain)}
        assert fast == slow, text[:120]


def test_agency_rules_follow_the_profiles(tmp_path):
    """A new agency needs only a profile: the agency-credit rules pick it up through {{agencies}}."""
    (tmp_path / "agency.yaml").write_text(
        "publishers:\n  - {id: zz, name: ZNA, aliases: [Zentrale Nachrichtenagentur], agency: true}\n",
        encoding="utf-8")
    extended = NoticeEngine(load_ruleset([str(tmp_path)]))
    for text in ("Lissabon (ZNA) - Die Regierung beschloss neue Hilfen.", "Foto: Hans Berg/ZNA", "© ZNA"):
        found = extended.scan(build_plain_document(text, "<agency>"))
        assert any(n.kind == "agency-credit" and n.publisher == "ZNA" for n in found), text
    assert not [n for n in engine().scan(build_plain_document("Foto: Hans Berg/ZNA", "<x>"))
                if n.kind == "agency-credit"]


@pytest.mark.parametrize("text", [
    "Wie die Nachrichtenagentur Reuters am Montag berichtete, plant der Konzern Stellenabbau.",
    "Laut einem AFP-Bericht wurden drei Menschen verletzt.",
    "The figures were first reported by the Associated Press on Tuesday.",
    "Die Deutsche Presse-Agentur (dpa) feiert ihr Jubiläum.",
    "According to AFP, the talks will resume on Friday.",
])
def test_agency_mentions_in_prose_are_not_credits(text):
    found = engine().scan(build_plain_document(text, "<prose>"))
    assert not [n for n in found if n.kind == "agency-credit"], found


@pytest.mark.parametrize(("text", "holder", "years"), [
    ("Copyright © by Musterportal.de -1999-2026. Es gelten unsere AGB.", "Musterportal.de", [1999, 2026]),
    ("© 2015–2021 Harbour Lights Media Ltd. All rights reserved.", "Harbour Lights Media Ltd", [2015, 2021]),
    ("© Westfälische Rundschau Verlag 1998-2022", "Westfälische Rundschau Verlag", [1998, 2022]),
    ("Copyright 2017 Riverside Courier Inc. All Rights Reserved.", "Riverside Courier Inc", [2017]),
    ("©2019 Kleiner Bote Verlag GmbH & Co. KG - Alle Rechte vorbehalten", "Kleiner Bote Verlag GmbH & Co. KG",
     [2019]),
    ("© All rights reserved Beispiel Institute 2019", "Beispiel Institute", [2019]),
    ("Copyright (c) 2008, 2012 by Musterhaus Publishing", "Musterhaus Publishing", [2008, 2012]),
])
def test_copyright_holder_and_years(text, holder, years):
    found = [n for n in engine().scan(build_plain_document(text, "<c>")) if n.kind == "copyright"]
    assert len(found) == 1, found
    assert found[0].holder == holder
    assert found[0].years == years
