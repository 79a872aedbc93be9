"""Policy: source notices -> permissions -> one verdict per passage, citing the deciding rule."""

from __future__ import annotations

import pytest

from compliance.findings import Match, SourceRef
from compliance.policy import SourceInfo, apply_policy, effective_permissions
from compliance.readers import read_text
from compliance.ruleset import load_ruleset
from tests.conftest import SEED


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset().ruleset


SENTENCE = ("Japan versucht seine Wirtschaftsbeziehungen zu den Vereinigten Staaten zu stärken indem es eine "
            "Partnerschaft vorschlägt die sich auf kritische Mineralien insbesondere seltene Erden konzentriert und "
            "Teil umfassenderer Verhandlungen ist")
WORDS = SENTENCE.split()


def passage(n: int) -> str:
    return " ".join((WORDS * 10)[:n])


def match_in(draft_text: str, path: str, text: str, source: SourceInfo, similarity: float = 1.0):
    doc = read_text(draft_text, path)
    start = draft_text.index(text)
    end = start + len(text)
    quoted = draft_text[start - 1:start] in "„\"«‘“" and start > 0
    m = Match(SourceRef(source.id, source.path, None, source.publisher), start, end, 0, len(text),
              doc.position(start), doc.position(end), similarity, len(text.split()), quoted, text, text)
    return doc, m


def notice(kind: str, rule: str, **fields):
    return {"kind": kind, "rule": rule, "publisher": None, "holder": None, "urls": [], "license": None, **fields}


def seed_source() -> SourceInfo:
    from compliance.pipeline import load_engine
    from compliance.readers import read_path

    doc = read_path(str(SEED))[0]
    notices = [n.to_dict() for n in load_engine(None).scan(doc)]
    return SourceInfo("seed", str(SEED), "Rohstoff-Welt.de", "Japan …", notices, len(doc.text.split()))


def verdict_for(draft_text, text, source, ruleset, similarity=1.0):
    doc, m = match_in(draft_text, "draft.md", text, source, similarity)
    verdicts, summaries = apply_policy(doc, [], [m], {source.id: source}, ruleset)
    return verdicts[0], summaries[0]


def test_short_quoted_attributed_quote_of_the_seed_is_ok(ruleset):
    text = passage(28)
    v, summary = verdict_for(f"Wie Rohstoff-Welt.de schreibt: „{text}“.\n", text, seed_source(), ruleset)
    assert v.verdict == "ok", v.reasons
    assert summary.store == "deny" and summary.reproduce == "deny"
    assert summary.line().startswith("Rohstoff-Welt.de — quote: ≤ 50 words")


def test_long_unquoted_reuse_of_the_seed_is_not_allowed_citing_the_ban(ruleset):
    text = passage(120)
    v, _ = verdict_for(f"{text}\n", text, seed_source(), ruleset)
    assert v.verdict == "not-allowed"
    assert v.rule == "rohstoff-welt.reproduction-ban"
    assert v.severity == "error"
    assert any("120 words" in r for r in v.reasons)
    assert any("gesetze-im-internet.de" in link["url"] for link in v.links)


def test_short_unquoted_passage_needs_quotation_marks(ruleset):
    text = passage(20)
    v, _ = verdict_for(f"Laut Rohstoff-Welt.de: {text}\n", text, seed_source(), ruleset)
    assert v.verdict == "needs-quotation-marks"


def test_quoted_but_unnamed_needs_attribution(ruleset):
    text = passage(20)
    v, _ = verdict_for(f"Ein Portal schrieb: „{text}“\n", text, seed_source(), ruleset)
    assert v.verdict == "needs-attribution"


def test_attribution_in_a_sources_section_counts(ruleset):
    text = passage(20)
    draft = f"# Bericht\n\nEin Portal schrieb: „{text}“\n\n## Quellen\n\n- [Rohstoff-Welt](https://www.rohstoff-welt.de/)\n"
    v, _ = verdict_for(draft, text, seed_source(), ruleset)
    assert v.verdict == "ok", v.reasons


def test_source_without_notices_gets_the_conservative_default(ruleset):
    src = SourceInfo("plain", "a.md", "Example News", None, [], 400)
    text = passage(80)
    v, summary = verdict_for(f"Example News berichtet: „{text}“\n", text, src, ruleset)
    assert v.verdict == "exceeds-quote-limit"
    assert v.rule == "default-policy"
    assert summary.store == "review"


def test_cc_by_source_reused_without_naming_it_needs_attribution(ruleset):
    src = SourceInfo("ccby", "b.md", "Open Wire", None,
                     [notice("license", "en.license.cc", license="CC-BY-4.0")], 500)
    text = passage(120)
    v, summary = verdict_for(f"{text}\n", text, src, ruleset)
    assert v.verdict == "needs-attribution"
    assert v.rule == "en.license.cc:CC-BY-4.0"
    assert summary.quote.startswith("free with attribution")
    v, _ = verdict_for(f"{text}\n\nQuelle: Open Wire\n", text, src, ruleset)
    assert v.verdict == "ok"


def test_cc_by_nd_source_with_modified_text_is_not_allowed(ruleset):
    src = SourceInfo("ccnd", "c.md", "Open Wire", None,
                     [notice("license", "en.license.cc", license="CC-BY-ND-4.0")], 500)
    text = passage(60)
    v, _ = verdict_for(f"{text}\n\nSource: Open Wire\n", text, src, ruleset, similarity=0.9)
    assert v.verdict == "not-allowed"
    assert "forbids modification" in v.reasons[0]
    v, _ = verdict_for(f"{text}\n\nSource: Open Wire\n", text, src, ruleset, similarity=1.0)
    assert v.verdict == "ok"


def test_reproduction_ban_beats_a_licence_it_contradicts(ruleset):
    src = SourceInfo("mixed", "d.md", "Mixed", None,
                     [notice("license", "en.license.cc", license="CC-BY-4.0"),
                      notice("reproduction-ban", "x.ban")], 500)
    eff = effective_permissions(src, ruleset)
    assert eff.get("store") == "deny"
    assert eff.rule_for("store") == "x.ban"


def test_tdm_reservation_reserves_tdm_and_denies_store(ruleset):
    src = SourceInfo("tdm", "e.md", "X", None, [notice("tdm-reservation", "de.tdm.vorbehalt")], 500)
    eff = effective_permissions(src, ruleset)
    assert eff.get("tdm") == "reserved" and eff.rule_for("tdm") == "de.tdm.vorbehalt"


def test_quote_limit_counts_all_passages_from_one_source(ruleset):
    src = SourceInfo("plain", "a.md", "Example News", None, [], 10_000)
    a, b = passage(30), " ".join(reversed(passage(30).split()))
    draft = f"Example News: „{a}“\n\nExample News: „{b}“\n"
    doc = read_text(draft, "d.md")
    _, m1 = match_in(draft, "d.md", a, src)
    _, m2 = match_in(draft, "d.md", b, src)
    verdicts, _ = apply_policy(doc, [], [m1, m2], {"plain": src}, ruleset)
    assert [v.verdict for v in verdicts] == ["exceeds-quote-limit", "exceeds-quote-limit"]
    assert "60 words from this source, limit 50" in verdicts[0].reasons[0]


def test_plain_copyright_source_beyond_the_quote_limit_exceeds_it_but_is_not_banned(ruleset):
    src = SourceInfo("wire", "w.md", "dpa", None,
                     [notice("copyright", "common.copyright.word", holder="dpa"),
                      notice("all-rights-reserved", "de.all-rights-reserved")], 400)
    text = passage(70)
    v, summary = verdict_for(f"Die dpa meldet: „{text}“\n", text, src, ruleset)
    assert v.verdict == "exceeds-quote-limit"
    assert summary.reproduce == "deny" and summary.store == "review"
