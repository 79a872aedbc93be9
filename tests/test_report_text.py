"""The terminal report: summary line, passages beside sources with differences, readable when piped."""

from __future__ import annotations

import io

from test_report_data import REF_A, SOURCE_A, passage, sample_results

from compliance.findings import Notice, Warning_
from compliance.pipeline import FileResult
from compliance.readers import read_text
from compliance.report import render
from compliance.report.common import summarize, word_diff


def text_report(results, **options) -> str:
    buf = io.StringIO()
    render("text", results, buf, **options)
    return buf.getvalue()


def test_summary_line_counts_passages_sources_and_verdicts_worst_first():
    out = text_report(sample_results())
    assert out.rstrip().splitlines()[-1] == (
        "3 passages from 2 sources: 1 not-allowed, 1 needs-attribution, 1 ok; 1 pasted notice")


def test_summary_line_singular_multi_file_suppressed_and_empty():
    (one,) = sample_results()
    ok_only = FileResult(one.path, one.document, verdicts=[one.verdicts[0]])
    assert summarize([ok_only]).line() == "1 passage from 1 source: 1 ok"
    one.verdicts[1].suppressed = True
    empty = FileResult("drafts/clean.md", read_text("Nothing borrowed here.\n", "drafts/clean.md"))
    assert summarize([one, empty]).line() == (
        "2 passages from 2 sources in 2 files: 1 needs-attribution, 1 ok; 1 pasted notice, 1 suppressed")
    assert summarize([empty]).line() == "no reused passages"


def test_piped_report_shows_passage_beside_source_with_marked_differences(monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    out = text_report(sample_results())  # a StringIO is not a terminal: plain, 120 columns
    assert "\x1b[" not in out  # no colour codes when piped
    assert "{+Chile+}" in out and "[-Peru-]" in out and "[-am Dienstag-]" in out
    assert "not-allowed  5:1–6:89  erzkurier.reproduction-ban" in out
    assert "source: Erzkurier.de" in out and "90% similar to corpus/erzkurier-kupfer.md" in out
    assert "• the source forbids reproduction" in out
    assert "§ 15 UrhG – Verwertungsrechte <https://www.gesetze-im-internet.de/urhg/__15.html>" in out
    assert "Erzkurier.de — quote: ≤ 50 words with attribution · store: no · reproduce: no" in out
    assert "Alle Inhalte sind urheberrechtlich geschützt. Nachdruck verboten." in out
    # one side-by-side row: the draft's first words and the source's first words share a line
    assert any("Die Minengesellschaft meldete höhere" in line and "Die Minengesellschaft meldete [-am" in line
               for line in out.splitlines())
    assert max(len(line) for line in out.splitlines()[:-1]) <= 120


def test_100_columns_side_by_side_and_narrow_terminals_stacked():
    wide = text_report(sample_results(), color=False, width=100)
    assert max(len(line) for line in wide.splitlines()[:-1]) <= 100
    assert any("│ draft" in line and "│ source:" in line for line in wide.splitlines())
    narrow = text_report(sample_results(), color=False, width=70)
    assert max(len(line) for line in narrow.splitlines()[:-1]) <= 70
    assert not any("│ draft " in line and "│ source:" in line for line in narrow.splitlines())
    assert "{+Chile+}" in narrow and "[-Peru-]" in narrow


def test_colour_highlights_differences_instead_of_markers():
    out = text_report(sample_results(), color=True, width=100)
    assert "\x1b[" in out
    assert "{+Chile+}" not in out and "[-Peru-]" not in out


def test_markup_in_draft_text_prints_literally():
    hostile = "Er schrieb [bold red]laut[/] und [link=https://x.invalid]hier[/link] weiter im Text.\n"
    doc = read_text(hostile, "drafts/markup.md")
    src = read_text(SOURCE_A, REF_A.path)
    snippet = "[bold red]laut[/] und [link=https://x.invalid]hier[/link] weiter"
    v = passage(doc, src, REF_A, snippet, "Die Nachfrage aus China", "needs-quotation-marks", "default.quote",
                "warning", ["[red]not quoted[/red]"])
    out = text_report([FileResult(doc.path, doc, verdicts=[v])], color=False)
    assert "[bold red]laut[/]" in out and "[link=https://x.invalid]hier[/link]" in out
    assert "[red]not quoted[/red]" in out


def test_file_without_findings_says_so():
    doc = read_text("Nothing borrowed here.\n", "drafts/clean.md")
    out = text_report([FileResult(doc.path, doc)], color=False)
    assert "drafts/clean.md: no reused passages, no notices" in out
    assert out.rstrip().endswith("no reused passages")


def test_word_diff_ignores_added_quotation_marks_and_case_but_marks_changed_words():
    draft, source = word_diff("„Die Preise steigen“, sagte er.", "die Preise fallen, sagte er")
    assert [s.text.strip() for s in draft if s.changed] == ["steigen“,"]
    assert [s.text.strip() for s in source if s.changed] == ["fallen,"]
    same_draft, same_source = word_diff("„Die Preise steigen.“", "Die Preise steigen.")
    assert not any(s.changed for s in same_draft + same_source)
    assert "".join(s.text for s in draft) == "„Die Preise steigen“, sagte er."  # text kept exactly


def test_draft_notices_and_warnings_are_listed_once():
    (result,) = sample_results()
    doc = result.document
    own_text = "Dieser Text steht unter CC BY 4.0."
    doc2 = read_text(doc.text + "\n" + own_text + "\n", doc.path)
    s = doc2.text.index(own_text)
    own = Notice(kind="license", rule="license.cc-by", text=own_text, start_offset=s, end_offset=s + len(own_text),
                 start=doc2.position(s), end=doc2.position(s + len(own_text)), license="CC-BY-4.0")
    pasted = result.verdicts[3].notice
    out = text_report([FileResult(doc.path, doc2, verdicts=result.verdicts, notices=[pasted, own],
                                  warnings=[Warning_(doc.path, "rule x timed out", "x")])], color=False)
    assert "Notices in this draft" in out
    assert f"{own.start.line}:1 license  Dieser Text steht unter CC BY 4.0." in out
    assert out.count("Nachdruck verboten.") == 1  # the pasted notice is shown as a verdict, not twice
    assert "warning: drafts/kupfer.md: rule x timed out" in out


def test_no_color_on_a_terminal_keeps_differences_as_markers(monkeypatch):
    """NO_COLOR on a terminal: rich strips styles, so the highlighted diff would vanish; markers remain."""
    from rich.console import Console

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    buf = io.StringIO()
    terminal = Console(file=buf, force_terminal=True, width=100)
    assert terminal.is_terminal and terminal.color_system is not None and terminal.no_color
    render("text", sample_results(), buf, console=terminal)
    out = buf.getvalue()
    assert "{+Chile+}" in out and "[-Peru-]" in out
    assert "differences: {+only in the draft+} [-only in the source-]" in out


def test_make_console_on_a_terminal_honours_no_color(monkeypatch):
    """The console the command builds for a terminal with NO_COLOR set marks differences with text."""
    from compliance.report.check_text import make_console

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    stream = Tty()
    render("text", sample_results(), stream, console=make_console(stream, width=100))
    assert "{+Chile+}" in stream.getvalue() and "[-Peru-]" in stream.getvalue()
