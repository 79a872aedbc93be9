"""``compliance check`` end to end: the fixture corpus and the seed article as sources, a verdict per passage,
every output format, exit codes, config, suppressions and baselines — through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, SEED, build_index

CORPUS = ROOT / "fixtures" / "corpus"
SHOWCASE = ROOT / "fixtures" / "drafts" / "showcase.md"
CLEAN = ROOT / "fixtures" / "drafts" / "clean.md"
FORMATS = ("text", "json", "sarif", "github", "markdown", "html")


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    """The fixture corpus plus the seed article, indexed once for the module."""
    return build_index(tmp_path_factory.mktemp("corpus") / "corpus.sqlite", CORPUS, SEED)


@pytest.fixture
def run(cli, index, tmp_path, monkeypatch):
    """``check`` against the module's index, from an empty working directory (no project config)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    def check(*args: str):
        return cli("check", *args, "--corpus", str(index))

    return check


def check_json(run, *args: str) -> tuple[int, dict]:
    res = run(*args, "--format", "json")
    assert res.code in (0, 1), res.err
    return res.code, json.loads(res.out)


def verdict_at(data: dict, snippet: str, text: str) -> dict:
    """The verdict whose draft span contains ``snippet``."""
    at = text.index(snippet)
    found = [v for f in data["files"] for v in f["verdicts"] if v["draft_offset"][0] <= at < v["draft_offset"][1]]
    assert len(found) == 1, found
    return found[0]


# -- one test per verdict, on the README's showcase draft --------------------------------------------------

SHOWCASE_CASES = [
    # (verdict, a snippet inside the passage, the rule that must decide)
    ("not-allowed", "Nach mehr als zwei Jahren des Preisverfalls", "de.reproduction-ban.nur-mit-genehmigung"),
    ("exceeds-quote-limit", "Reisende müssen sich am Montag", "de.all-rights-reserved"),
    ("ok", "Umstritten ist vor allem der Abschnitt", "default-policy"),
    ("needs-quotation-marks", "Dans les coteaux au-dessus", "fr.reproduction-ban"),
    ("not-allowed", "Seit drei Jahren stehen im Teufelsmoor", "CC-BY-ND-4.0"),
    ("needs-attribution", "Engineers from the municipal utility", "CC-BY-4.0"),
    ("pasted-notice", "Nachdruck und Weiterverbreitung", "de.reproduction-ban.nur-mit-genehmigung"),
]


@pytest.fixture
def showcase(run) -> tuple[int, dict, str]:
    code, data = check_json(run, str(SHOWCASE))
    return code, data, SHOWCASE.read_text(encoding="utf-8")


@pytest.mark.parametrize(("verdict", "snippet", "rule"), SHOWCASE_CASES,
                         ids=[f"{v}-{s.split()[0]}" for v, s, _ in SHOWCASE_CASES])
def test_showcase_verdict(showcase, verdict, snippet, rule):
    _, data, text = showcase
    v = verdict_at(data, snippet, text)
    assert v["verdict"] == verdict
    assert rule in v["rule"]
    assert v["reasons"] and v["words"] > 0 and not v["suppressed"]
    assert {"verdict", "rule", "source_id", "draft_offset", "words", "reasons"} <= v.keys()


def test_showcase_has_every_verdict_sources_and_fails_the_gate(showcase):
    from compliance.findings import VERDICTS

    code, data, _ = showcase
    (file,) = data["files"]
    assert {v["verdict"] for v in file["verdicts"]} == set(VERDICTS)
    assert code == 1
    by_publisher = {s["publisher"]: s for s in file["sources"]}
    assert by_publisher["Erzkurier.de"]["store"] == "deny" and by_publisher["Erzkurier.de"]["reproduce"] == "deny"
    assert by_publisher["OpenWire Collective"]["reproduce"] == "allow"
    for s in file["sources"]:
        assert {"id", "publisher", "quote", "store", "reproduce"} <= s.keys()
    # every passage verdict points at one of the file's matches
    match_sources = {m["source"]["id"] for m in file["matches"]}
    assert {v["source_id"] for v in file["verdicts"] if v["verdict"] != "pasted-notice"} <= match_sources


# -- the seed article as a source (issue acceptance) -------------------------------------------------------

def seed_words() -> list[str]:
    """The seed article's body words (the paragraphs between the dateline and the footer)."""
    text = SEED.read_text(encoding="utf-8")
    body = [p for p in text.split("\n\n") if len(p.split()) > 30 and not p.startswith(("Für den", "Die Repro"))]
    return " ".join(body).split()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def only_verdict(data: dict) -> dict:
    (file,) = data["files"]
    (v,) = file["verdicts"]
    return v


def test_seed_short_named_quote_is_ok(run, tmp_path):
    quote = " ".join(seed_words()[:25]).rstrip(",")
    draft = write(tmp_path, "quote.md", f"# Kommentar\n\nWie Rohstoff-Welt.de berichtet: „{quote}“ Soweit der "
                                        "Bericht; unsere Einschätzung folgt.\n")
    code, data = check_json(run, draft)
    v = only_verdict(data)
    assert v["verdict"] == "ok" and v["words"] <= 30
    assert code == 0


def test_seed_120_words_unquoted_are_not_allowed_citing_the_ban(run, tmp_path):
    words = seed_words()
    draft = write(tmp_path, "copy.md", "# Seltene Erden\n\nUnsere Analyse der Lage.\n\n" + " ".join(words[60:180])
                  + "\n")
    code, data = check_json(run, draft)
    v = only_verdict(data)
    assert v["verdict"] == "not-allowed"
    assert v["rule"] == "rohstoff-welt.reproduction-ban"
    assert 110 <= v["words"] <= 125
    assert any("§" in link["title"] for link in v.get("links", []))
    assert code == 1


def test_cc_by_source_reused_without_naming_it_needs_attribution(run, tmp_path):
    source = (CORPUS / "openwire-harbour.md").read_text(encoding="utf-8")
    para = max(source.split("\n\n"), key=len)
    draft = write(tmp_path, "harbour.md", f"# Harbour news\n\n{para}\n")
    code, data = check_json(run, draft)
    v = only_verdict(data)
    assert v["verdict"] == "needs-attribution" and "CC-BY-4.0" in v["rule"]
    # naming the source fixes it
    draft = write(tmp_path, "harbour-named.md", f"# Harbour news\n\n{para}\n\nSource: OpenWire Collective, CC BY "
                                                "4.0.\n")
    code, data = check_json(run, draft)
    assert only_verdict(data)["verdict"] == "ok" and code == 0


def test_pasted_seed_footer_is_a_finding(run, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    footer = text[text.index("Die Reproduktion"):]
    draft = write(tmp_path, "footer.md", "# Notiz\n\nEin eigener Text über Märkte, ohne fremde Inhalte, von unserer "
                                         f"Redaktion geschrieben.\n\n{footer}")
    code, data = check_json(run, draft)
    (file,) = data["files"]
    pasted = [v for v in file["verdicts"] if v["verdict"] == "pasted-notice"]
    assert "rohstoff-welt.reproduction-ban" in {v["rule"] for v in pasted}
    assert all("Rohstoff-Welt.de" in " ".join(v["reasons"]) for v in pasted)
    assert not file["matches"]  # the footer is a notice, not reused article text
    assert code == 1


def test_clean_draft_passes(run):
    code, data = check_json(run, str(CLEAN))
    assert code == 0
    assert data["files"][0]["verdicts"] == [] and data["files"][0]["matches"] == []


# -- one test per output format: same findings, same exit code ---------------------------------------------

def test_format_text(run):
    res = run(str(SHOWCASE))
    assert res.code == 1
    last = res.out.strip().splitlines()[-1]
    assert re.match(r"\d+ passages from \d+ sources: .*not-allowed.*; 1 pasted notice$", last), last
    assert "Erzkurier.de — quote:" in res.out and "§ 51 UrhG" in res.out


def test_format_json(run):
    code, data = check_json(run, str(SHOWCASE))
    assert code == 1 and data["version"] == 1
    assert {"path", "notices", "matches", "verdicts", "sources"} <= data["files"][0].keys()


def test_format_sarif_is_valid(run):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT.parent / "shared" / "data" / "schemas" / "sarif-schema-2.1.0.json").read_text())
    res = run(str(SHOWCASE), "--format", "sarif")
    assert res.code == 1
    log = json.loads(res.out)
    assert not list(jsonschema.Draft4Validator(schema).iter_errors(log))
    results = log["runs"][0]["results"]
    assert len(results) == 7 and all(r["partialFingerprints"] for r in results)
    assert {r["level"] for r in results} >= {"error", "warning"}


def test_format_github_annotations_and_step_summary(run, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    res = run(str(SHOWCASE), "--format", "github")
    assert res.code == 1
    lines = [line for line in res.out.splitlines() if line.startswith("::")]
    assert len(lines) == 6  # every finding; the ok passage is no annotation
    assert not any("title=ok " in line for line in lines)
    assert all(re.match(r"::(error|warning|notice) file=[^,]+,line=\d+,", line) for line in lines)
    assert "| " in summary.read_text(encoding="utf-8")


def test_format_markdown(run):
    res = run(str(SHOWCASE), "--format", "markdown")
    assert res.code == 1
    assert "not-allowed" in res.out and "|" in res.out and "> " in res.out


def test_format_html_is_self_contained(run, tmp_path):
    out = tmp_path / "report.html"
    res = run(str(SHOWCASE), "--format", "html", "--output", str(out))
    assert res.code == 1 and res.out == ""
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    assert not re.search(r"""<(?:script|link|img)[^>]+(?:src|href)=["']https?:""", html)
    assert "needs-attribution" in html and "Teufelsmoor" in html


# -- exit codes, config, noise control ---------------------------------------------------------------------

def test_fail_on_thresholds(run):
    assert run(str(SHOWCASE), "--fail-on", "never").code == 0
    assert run(str(SHOWCASE), "--fail-on", "warning").code == 1
    assert run(str(SHOWCASE), "--fail-on", "sometimes").code == 2


def test_config_sets_quote_limits_and_fail_on(run, tmp_path):
    (tmp_path / ".compliance.toml").write_text("fail-on = 'never'\nquote = { max-words = 10 }\n", encoding="utf-8")
    res = run(str(SHOWCASE), "--format", "json")
    assert res.code == 0  # fail-on from the config
    data = json.loads(res.out)
    v = verdict_at(data, "Umstritten ist vor allem", SHOWCASE.read_text(encoding="utf-8"))
    assert v["verdict"] == "exceeds-quote-limit"  # 15 words over the configured 10


def test_config_names_the_corpus(cli, index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f"[tool.compliance]\ncorpus = '{index}'\n", encoding="utf-8")
    res = cli("check", str(SHOWCASE), "--format", "json")
    assert res.code == 1 and json.loads(res.out)["files"][0]["matches"]


def test_complianceignore_skips_drafts_in_directories(run, tmp_path):
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "a.md").write_text(SHOWCASE.read_text(encoding="utf-8"), encoding="utf-8")
    (drafts / "b.md").write_text(CLEAN.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ".compliance.toml").write_text("fail-on = 'error'\n", encoding="utf-8")
    (tmp_path / ".complianceignore").write_text("drafts/a.md\n", encoding="utf-8")
    code, data = check_json(run, str(drafts))
    assert [Path(f["path"]).name for f in data["files"]] == ["b.md"] and code == 0


def test_inline_suppression_silences_one_passage_and_reports_unused_ones(run, tmp_path):
    text = SHOWCASE.read_text(encoding="utf-8")
    text = text.replace("Engineers from", '<!-- compliance: ignore needs-attribution reason="credited in the '
                        'caption" -->\n\nEngineers from', 1)
    text = text.replace("## Umwelt", '<!-- compliance: ignore exceeds-quote-limit reason="nothing here" -->\n\n'
                        "## Umwelt", 1)
    code, data = check_json(run, write(tmp_path, "s.md", text))
    v = verdict_at(data, "Engineers from the municipal", text)
    assert v["suppressed"] and "credited in the caption" in " ".join(v["reasons"])
    warnings = " ".join(w["message"] for w in data["files"][0]["warnings"])
    assert "unused suppression of exceeds-quote-limit" in warnings
    assert code == 1  # the other findings remain


def test_suppression_without_reason_is_exit_2(run, tmp_path):
    draft = write(tmp_path, "s.md", "<!-- compliance: ignore not-allowed -->\n\nText.\n")
    res = run(draft)
    assert res.code == 2 and res.err.count("\n") == 1 and "s.md:1" in res.err and "reason" in res.err


def test_baseline_accepts_current_findings_and_catches_new_ones(cli, run, index, tmp_path):
    draft = write(tmp_path, "d.md", SHOWCASE.read_text(encoding="utf-8"))
    baseline = tmp_path / "baseline.json"
    upd = cli("baseline", "update", draft, "--baseline", str(baseline), "--corpus", str(index))
    assert upd.code == 0, upd.err
    entries = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert len(entries) == 6  # every finding but the ok verdict
    assert run(draft, "--baseline", str(baseline)).code == 0
    # moving text around keeps the baseline valid; a new finding fails again
    text = Path(draft).read_text(encoding="utf-8")
    Path(draft).write_text(text.replace("# Wochenüberblick", "Vorspann.\n\n# Wochenüberblick", 1), encoding="utf-8")
    assert run(draft, "--baseline", str(baseline)).code == 0
    harbour = max((CORPUS / "klimablog-moore.md").read_text(encoding="utf-8").split("\n\n"), key=len)
    Path(draft).write_text(Path(draft).read_text(encoding="utf-8") + "\n" + harbour.replace("und", "sowie") + "\n",
                           encoding="utf-8")
    assert run(draft, "--baseline", str(baseline)).code == 1


# -- errors: one line, exit 2 ------------------------------------------------------------------------------

def one_line_error(res, *needles: str) -> None:
    assert res.code == 2, res
    assert res.err.startswith("compliance: error:") and res.err.count("\n") == 1, res.err
    assert "Traceback" not in res.err
    for needle in needles:
        assert needle in res.err, res.err


def test_malformed_config(run, tmp_path):
    (tmp_path / ".compliance.toml").write_text("fail-on = [\n", encoding="utf-8")
    one_line_error(run(str(SHOWCASE)), ".compliance.toml")


def test_unknown_config_value(run, tmp_path):
    (tmp_path / ".compliance.toml").write_text("fail-on = 'loudly'\n", encoding="utf-8")
    one_line_error(run(str(SHOWCASE)), ".compliance.toml", "fail-on")


def test_unknown_format(run):
    one_line_error(run(str(SHOWCASE), "--format", "pdf"), "--format")


def test_missing_corpus_index(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(cli("check", str(SHOWCASE), "--corpus", str(tmp_path / "none.sqlite")), "none.sqlite",
                   "corpus add")
    one_line_error(cli("check", str(SHOWCASE)), "corpus.sqlite")  # the default index is missing too


def test_unreadable_and_missing_drafts(run, tmp_path):
    binary = tmp_path / "blob.md"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 200)
    one_line_error(run(str(binary)), "blob.md")
    one_line_error(run(str(tmp_path / "missing.md")), "missing.md")


def test_bad_baseline_file(run, tmp_path):
    bad = write(tmp_path, "baseline.json", "{not json")
    one_line_error(run(str(SHOWCASE), "--baseline", bad), "baseline.json:1")
