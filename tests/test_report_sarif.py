"""SARIF 2.1.0: valid against the official schema, stable ruleIds and fingerprints, code-point columns."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from test_report_data import DRAFT, REF_A, SOURCE_A, passage, sample_results

from compliance.pipeline import FileResult
from compliance.readers import read_text
from compliance.report import render
from compliance.report.sarif import FINGERPRINT_KEY, sarif_log

SCHEMA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_valid(validator, log) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def by_rule(log) -> dict[str, dict]:
    return {r["ruleId"]: r for r in log["runs"][0]["results"]}


def test_rendered_sarif_is_valid_against_the_official_schema(validator):
    buf = io.StringIO()
    render("sarif", sample_results(), buf)
    log = json.loads(buf.getvalue())
    assert_valid(validator, log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["tool"]["driver"]["name"] == "compliance"
    assert run["tool"]["driver"]["version"]


def test_rule_ids_results_levels_and_help_links():
    log = sarif_log(sample_results())
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = by_rule(log)
    assert set(results) == {"ok/erzkurier.quote", "not-allowed/erzkurier.reproduction-ban",
                            "needs-attribution/license.cc-by", "pasted-notice/erzkurier.reproduction-ban"}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    banned = results["not-allowed/erzkurier.reproduction-ban"]
    assert (banned["level"], banned["kind"]) == ("error", "fail")
    assert (results["needs-attribution/license.cc-by"]["level"]) == "warning"
    assert (results["ok/erzkurier.quote"]["level"], results["ok/erzkurier.quote"]["kind"]) == ("none", "pass")
    rule = next(r for r in rules if r["id"] == "not-allowed/erzkurier.reproduction-ban")
    assert rule["helpUri"] == "https://www.gesetze-im-internet.de/urhg/__15.html"
    assert "§ 51 UrhG" in rule["help"]["markdown"]


def test_region_columns_count_code_points_and_end_exclusive():
    log = sarif_log(sample_results())
    region = by_rule(log)["not-allowed/erzkurier.reproduction-ban"]["locations"][0]["physicalLocation"]["region"]
    last_line = DRAFT.splitlines()[5]  # "die bis zum … Analysten 😀 erwarten steigende Preise."
    assert "😀" in last_line
    assert (region["startLine"], region["startColumn"]) == (5, 1)
    assert (region["endLine"], region["endColumn"]) == (6, len(last_line) + 1)  # code points, not UTF-16 units
    assert DRAFT[region["charOffset"]:region["charOffset"] + region["charLength"]] == region["snippet"]["text"]


def test_related_location_points_at_the_source_passage():
    result = by_rule(sarif_log(sample_results()))["not-allowed/erzkurier.reproduction-ban"]
    (related,) = result["relatedLocations"]
    loc = related["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "corpus/erzkurier-kupfer.md"
    region = loc["region"]
    assert SOURCE_A[region["charOffset"]:region["charOffset"] + region["charLength"]] == region["snippet"]["text"]
    assert region["snippet"]["text"].startswith("Die Minengesellschaft meldete am Dienstag")


def _single(text: str, path: str = "drafts/moved.md"):
    doc = read_text(text, path)
    src = read_text(SOURCE_A, REF_A.path)
    snippet = "Die Nachfrage aus China bleibt hoch und die Lagerbestände sinken weiter."
    v = passage(doc, src, REF_A, snippet, snippet, "needs-quotation-marks", "default.quote", "warning", ["unquoted"])
    return by_rule(sarif_log([FileResult(path, doc, verdicts=[v])]))["needs-quotation-marks/default.quote"]


def test_fingerprints_survive_line_moves_and_change_with_text_or_path():
    text = "Intro.\n\nDie Nachfrage aus China bleibt hoch und die Lagerbestände sinken weiter.\n"
    first = _single(text)
    moved = _single("# New heading\n\nMore intro.\n\n" + text.replace("\n", "\n\n", 1))
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] != \
        moved["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert first["partialFingerprints"][FINGERPRINT_KEY] == moved["partialFingerprints"][FINGERPRINT_KEY]
    other_path = _single(text, "drafts/other.md")
    assert other_path["partialFingerprints"][FINGERPRINT_KEY] != first["partialFingerprints"][FINGERPRINT_KEY]


def test_suppressed_verdicts_carry_suppressions_and_paths_are_uri_encoded(validator):
    results = sample_results("drafts/Kupfer Bericht, März.md")
    results[0].verdicts[2].suppressed = True
    results[0].record = 3
    log = sarif_log(results)
    assert_valid(validator, log)
    suppressed = by_rule(log)["needs-attribution/license.cc-by"]
    assert suppressed["suppressions"] == [{"kind": "inSource", "status": "accepted"}]
    assert "suppressions" not in by_rule(log)["not-allowed/erzkurier.reproduction-ban"]
    uri = suppressed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "drafts/Kupfer%20Bericht%2C%20M%C3%A4rz.md"
    assert suppressed["properties"]["record"] == 3


def test_absolute_paths_outside_the_root_become_file_uris(validator, tmp_path):
    results = sample_results(str(tmp_path / "draft.md"))
    log = sarif_log(results, root=str(tmp_path / "elsewhere"))
    assert_valid(validator, log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/draft.md")
    inside = sarif_log(results, root=str(tmp_path))
    loc = inside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "draft.md", "uriBaseId": "%SRCROOT%"}


def test_empty_run_is_valid(validator):
    doc = read_text("Nothing borrowed.\n", "drafts/clean.md")
    log = sarif_log([FileResult(doc.path, doc)])
    assert_valid(validator, log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_the_schema_check_is_not_vacuous(validator):
    log = sarif_log(sample_results())
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    log["runs"][0]["columnKind"] = "bytes"
    assert len(list(validator.iter_errors(log))) == 2
