"""Signals as a policy layer, and the audit record's verdicts: machine-readable vs natural-language reservations."""

from __future__ import annotations

import pytest

from compliance.audit.records import RECORD_FIELDS, verdicts
from compliance.policy import SourceInfo, effective_permissions
from compliance.ruleset import load_ruleset


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset().ruleset


def sig(kind: str, value: str, source: str = "meta", machine_readable: bool = True, agent: str | None = None):
    return {"kind": kind, "value": value, "source": source, "machine_readable": machine_readable, "agent": agent,
            "url": None}


def notice(kind: str, rule: str, license: str | None = None):
    return {"kind": kind, "rule": rule, "publisher": None, "holder": None, "urls": [], "license": license}


def judge(ruleset, notices=(), signals=()):
    eff = effective_permissions(SourceInfo("d", "d.html", notices=list(notices), signals=list(signals)), ruleset)
    return eff, verdicts(eff)


def test_no_notice_no_signal_is_the_default(ruleset):
    _, v = judge(ruleset)
    assert v["store"] == {"verdict": "review", "rule": "default-policy"}
    assert v["tdm"] == {"verdict": "allowed", "rule": "default-policy", "machine_readable": False,
                        "natural_language": False}
    assert v["quote"] == {"verdict": "limited", "max_words": 50, "rule": "default-policy"}


@pytest.mark.parametrize(("signal", "rule"), [
    (sig("tdm-reservation", "1", "header"), "signal:tdm-reservation=1:header"),
    (sig("tdm-reservation", "1", "file"), "signal:tdm-reservation=1:file"),
    (sig("robots", "noai", "meta", agent="GPTBot"), "signal:robots=noai:meta"),
    (sig("robots", "NOAI", "header"), "signal:robots=noai:header"),
    (sig("robots-disallow", "disallow", "robots", agent="CCBot"), "signal:robots-disallow:robots"),
])
def test_machine_readable_reservation_reserves_and_denies_storing(ruleset, signal, rule):
    eff, v = judge(ruleset, signals=[signal])
    assert v["tdm"] == {"verdict": "reserved", "rule": rule, "machine_readable": True, "natural_language": False}
    assert v["store"] == {"verdict": "deny", "rule": rule}
    assert eff.tdm_reserved_by == [rule]


@pytest.mark.parametrize("signal", [
    sig("tdm-reservation", "0", "meta"),  # explicitly not reserved
    sig("robots", "noindex", "meta"),  # a search directive, not a reservation
    sig("robots", "noai", "meta", machine_readable=False),  # only machine-readable signals are a layer
    sig("copyright", "© 2024 Foo", "meta", machine_readable=False),
])
def test_other_signals_change_nothing(ruleset, signal):
    _, v = judge(ruleset, signals=[signal])
    assert v["tdm"]["verdict"] == "allowed" and v["store"]["verdict"] == "review"


def test_natural_language_reservation_is_kept_apart(ruleset):
    _, v = judge(ruleset, notices=[notice("tdm-reservation", "en.tdm-reservation")])
    assert v["tdm"] == {"verdict": "reserved", "rule": "en.tdm-reservation", "machine_readable": False,
                        "natural_language": True}
    assert v["store"]["verdict"] == "deny"


def test_both_reservations_cite_the_signal_and_keep_both_flags(ruleset):
    _, v = judge(ruleset, notices=[notice("tdm-reservation", "de.tdm-reservation")],
                 signals=[sig("tdm-reservation", "1", "header")])
    assert v["tdm"] == {"verdict": "reserved", "rule": "signal:tdm-reservation=1:header", "machine_readable": True,
                        "natural_language": True}


def test_signal_reservation_tightens_a_licence(ruleset):
    notices = [notice("license", "en.license.creative-commons", "CC-BY-4.0")]
    _, v = judge(ruleset, notices=notices)
    assert v["store"]["verdict"] == "allow" and v["quote"]["verdict"] == "allowed"
    _, v = judge(ruleset, notices=notices, signals=[sig("tdm-reservation", "1")])
    assert v["tdm"]["verdict"] == "reserved" and v["store"]["verdict"] == "deny"
    assert v["quote"]["verdict"] == "allowed"  # the licence still allows quoting


def test_licence_signal_grants_when_no_notice_names_a_licence(ruleset):
    eff, v = judge(ruleset, signals=[sig("license", "CC-BY-SA-4.0", "link")])
    assert eff.license == "CC-BY-SA-4.0" and eff.share_alike
    assert v["store"] == {"verdict": "allow", "rule": "signal:license:link:CC-BY-SA-4.0"}
    assert v["quote"]["verdict"] == "allowed"
    # a licence named in the text wins over a licence link (which may belong to an embedded image)
    eff, _ = judge(ruleset, notices=[notice("license", "en.license.creative-commons", "CC-BY-ND-4.0")],
                   signals=[sig("license", "CC-BY-SA-4.0", "link")])
    assert eff.license == "CC-BY-ND-4.0"
    # a licence link to prose terms (no SPDX id: not machine-readable) grants nothing
    _, v = judge(ruleset, signals=[sig("license", "https://example.org/terms", "link", machine_readable=False)])
    assert v["store"]["verdict"] == "review"


def test_reproduction_ban_quote_and_no_quote(ruleset):
    _, v = judge(ruleset, notices=[notice("reproduction-ban", "rohstoff-welt.reproduction-ban")])
    assert v["store"] == {"verdict": "deny", "rule": "rohstoff-welt.reproduction-ban"}
    assert v["quote"]["verdict"] == "limited" and v["quote"]["max_words"] == 50


def test_user_pack_overrides_the_signal_mapping(tmp_path):
    pack = tmp_path / "house.yaml"
    pack.write_text("policy:\n  signals:\n    tdm-reservation=1: {tdm: reserved, store: review}\n"
                    "    robots=nosnippet: {quote: {allowed: false}}\n", encoding="utf-8")
    ruleset = load_ruleset([str(pack)]).ruleset
    assert "robots=noai" in ruleset.policy.signals  # built-in entries are kept
    _, v = judge(ruleset, signals=[sig("tdm-reservation", "1"), sig("robots", "nosnippet")])
    assert v["tdm"]["verdict"] == "reserved" and v["store"]["verdict"] == "review"
    assert v["quote"] == {"verdict": "no", "max_words": None, "rule": "signal:robots=nosnippet:meta"}


def test_record_fields_are_the_contract():
    assert RECORD_FIELDS == ("path", "record", "url", "title", "publisher", "license", "notices", "signals",
                             "verdicts", "cluster", "error", "warnings")
