"""GitHub Actions output: workflow-command annotations (escaped) and the job summary table."""

from __future__ import annotations

import io

import pytest
from test_report_data import REF_A, SOURCE_A, passage, sample_results

from compliance.errors import ConfigError
from compliance.pipeline import FileResult
from compliance.readers import read_text
from compliance.report import render
from compliance.report.github import annotation, annotations, escape_data, escape_property


def test_escaping_follows_actions_toolkit():
    assert escape_data("100% sure\r\nnext: a, b") == "100%25 sure%0D%0Anext: a, b"
    assert escape_property("a,b: 50%\n") == "a%2Cb%3A 50%25%0A"


def test_annotations_by_severity_skip_ok_and_suppressed(monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    results = sample_results()
    buf = io.StringIO()
    render("github", results, buf)
    lines = buf.getvalue().splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["::error", "::warning", "::error"]
    assert lines[-1] == "3 passages from 2 sources: 1 not-allowed, 1 needs-attribution, 1 ok; 1 pasted notice"
    results[0].verdicts[1].suppressed = True
    assert [a.split(" ", 1)[0] for a in annotations(results)] == ["::warning", "::error"]


def test_one_line_span_has_inclusive_columns_multi_line_span_has_none():
    results = sample_results()
    wind = results[0].verdicts[2]
    assert annotation(results[0], wind).startswith(
        "::warning file=drafts/kupfer.md,line=8,col=1,endColumn=75,endLine=8,"
        "title=needs-attribution (license.cc-by)::13 words from Recycled blades (corpus/green-grid.txt)%0A")
    copied = annotation(results[0], results[0].verdicts[1])
    assert copied.startswith("::error file=drafts/kupfer.md,line=5,endLine=6,title=")
    assert "col=" not in copied.split("::")[1]


def test_hostile_path_and_message_cannot_break_the_command():
    path = "drafts/a,b:c%.md"
    doc = read_text("Die Nachfrage aus China bleibt hoch und die Lagerbestände sinken weiter.\n", path)
    src = read_text(SOURCE_A, REF_A.path)
    snippet = "Die Nachfrage aus China bleibt hoch"
    v = passage(doc, src, REF_A, snippet, snippet, "needs-quotation-marks", "x:y,z", "warning",
                ["50% copied\n::error file=evil.md::injected"])
    line = annotation(FileResult(path, doc, verdicts=[v]), v)
    assert "\n" not in line
    assert line.startswith("::warning file=drafts/a%2Cb%3Ac%25.md,line=1,col=1,endColumn=35,endLine=1,"
                           "title=needs-quotation-marks (x%3Ay%2Cz)::")
    assert line.endswith("%0A50%25 copied%0A::error file=evil.md::injected")


def test_step_summary_is_appended_to_the_file_named_by_the_environment(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    render("github", sample_results(), io.StringIO())
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### Compliance check")
    assert "| ⛔ not-allowed | drafts/kupfer.md | 5–6 | erzkurier.reproduction-ban |" in text
    assert "**3 passages from 2 sources: 1 not-allowed, 1 needs-attribution, 1 ok; 1 pasted notice**" in text


def test_unwritable_step_summary_is_a_one_line_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot write the GitHub step summary"):
        render("github", sample_results(), io.StringIO(), step_summary=str(tmp_path / "missing" / "s.md"))
