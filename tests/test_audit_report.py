"""What people read of an audit: the terminal summary (decision first, nothing elided at 80 columns, every
store-deny publisher in its own row, the exit code explained, a jq line that lists the documents) and the
HTML report (deny and review groups first, rows in decision order, usable on a phone)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console
from typer.testing import CliRunner

from compliance.audit.report import outcome, render_text, summarize
from tests.test_audit_support import page, run, story, write

AEB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "archive-aeb" / "html"
needs_aeb = pytest.mark.skipif(not any(AEB.glob("*.html.gz")), reason="../shared/data/archive-aeb not available")
DEFAULT_SEVERITY = {"error": "error", "store:deny": "error", "store:review": "info", "tdm:reserved": "warning",
                    "quote:no": "warning"}


@pytest.fixture(scope="module")
def aeb(tmp_path_factory):
    """The real archive audited once; the records and the run."""
    out = tmp_path_factory.mktemp("aeb-report") / "records.jsonl"
    records, result = run([str(AEB)], out, jobs=2)
    return records, result, out


def _text(records, result, out: Path, width: int, threshold: str = "error") -> str:
    summary = summarize(records, result.severity)
    buf = io.StringIO()
    render_text(summary, result.clusters, result, Console(file=buf, width=width, color_system=None),
                outcome(summary, result.severity, threshold), str(out))
    return buf.getvalue()


def _table_rows(text: str) -> list[list[str]]:
    """The body rows of the publisher table, split into cells (columns are 3+ spaces apart or more)."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("publisher "))
    rows = []
    for line in lines[head + 2:]:
        if not line.strip() or line.startswith(("not shown", "cluster ", "error:")) or line[0] in "─━":
            if line.startswith(("not shown", "cluster ", "error:")) or not line.strip():
                break
            continue
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


@needs_aeb
def test_summary_at_80_columns_leads_with_the_decision_and_elides_no_number(aeb):
    records, result, out = aeb
    deny = sum(1 for r in records if r["verdicts"] and r["verdicts"]["store"]["verdict"] == "deny")
    review = sum(1 for r in records if r["verdicts"] and r["verdicts"]["store"]["verdict"] == "review")
    assert deny and review  # the real archive has both
    text = _text(records, result, out, 80)
    lines = text.splitlines()
    assert lines[0].startswith(f"{deny} documents must not be stored; {review} need review")
    assert lines[1] == f"records: {out}"
    assert lines[2] == f"exit 1 because {deny} store:deny (error) ≥ --fail-on error"
    assert "jq -r 'select(.verdicts.store.verdict == \"deny\") | .url // .path'" in text
    rows = _table_rows(text)
    unbroken = ("  list", f"{len(records)} documents")  # jq commands and the statistics line are not wrapped
    assert rows and all(len(line) <= 80 for line in lines[3:] if not line.startswith(unbroken))
    for cells in rows:
        assert all(re.fullmatch(r"\d+", c) for c in cells[1:]), cells  # every count in full, no "…"
    assert rows[-1][0] == "all" and rows[-1][1] == str(len(records)) and rows[-1][2] == str(deny)


@needs_aeb
def test_every_store_deny_publisher_has_its_own_row_most_denied_first(aeb):
    records, result, out = aeb
    rows = _table_rows(_text(records, result, out, 80))
    denied = {r["publisher"] for r in records if r["verdicts"] and r["verdicts"]["store"]["verdict"] == "deny"}
    deny_counts = [int(c[2]) for c in rows[:-1]]
    assert deny_counts == sorted(deny_counts, reverse=True)
    shown = [c[0] for c in rows if int(c[2])]
    assert len(shown) == len(denied) + 1  # each publisher with a deny, plus the "all" row
    assert not any(c[0].startswith("(") and int(c[2]) for c in rows)  # "others" hide no deny


@needs_aeb
@pytest.mark.skipif(shutil.which("jq") is None, reason="jq not installed")
def test_the_jq_line_lists_exactly_the_store_deny_documents(aeb):
    records, result, out = aeb
    line = next(x for x in _text(records, result, out, 200).splitlines() if "list store:deny:" in x)
    command = line.split("list store:deny: ", 1)[1]
    listed = subprocess.run(command, shell=True, capture_output=True, text=True, check=True, timeout=60).stdout
    expected = [r["url"] or r["path"] for r in records if r["verdicts"] and r["verdicts"]["store"]["verdict"] == "deny"]
    assert listed.splitlines() == expected


def test_exit_reason_names_the_findings_at_or_above_the_threshold():
    summary = SimpleNamespace(findings={"store:review": 3, "store:deny": 2, "tdm:reserved": 1})
    assert outcome(summary, DEFAULT_SEVERITY, "error").line() == "exit 1 because 2 store:deny (error) ≥ --fail-on error"
    warn = outcome(summary, DEFAULT_SEVERITY, "warning")
    assert [f for f, _, _ in warn.failing] == ["store:deny", "tdm:reserved"] and warn.exit_code == 1
    assert outcome(summary, DEFAULT_SEVERITY, "never").exit_code == 0
    clean = outcome(SimpleNamespace(findings={"store:review": 3}), DEFAULT_SEVERITY, "error")
    assert clean.exit_code == 0 and clean.line() == "exit 0: no finding at or above --fail-on error"


def test_cli_summary_says_where_the_records_went_and_why_it_exits_1(tmp_path):
    from compliance.cli import app

    pages = tmp_path / "pages"
    pages.mkdir()
    write(pages / "a.html", page("Kept", story(50), "Open News", "https://open.example/a"))
    write(pages / "b.html", page("Banned", story(51), "Closed News", "https://closed.example/b",
                                 footer="<p>© 2024 Closed News. All rights reserved. Reproduction prohibited.</p>"))
    out = tmp_path / "records.jsonl"
    result = CliRunner().invoke(app, ["audit", str(pages), "--output", str(out), "-j", "1", "--no-progress"])
    records = [json.loads(x) for x in out.read_text().splitlines()]
    deny = [r for r in records if r["verdicts"]["store"]["verdict"] == "deny"]
    assert deny, records
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{len(deny)} document{'s' if len(deny) > 1 else ''} must not be stored")
    assert f"records: {out}" in lines
    assert result.exit_code == 1 and lines[2].startswith(f"exit 1 because {len(deny)} store:deny (error)")


GROUP_RANK = {"deny": 0, "error": 1, "review": 2, "allow": 3}


@pytest.fixture(scope="module")
def aeb_html(aeb):
    from compliance.audit.html_report import write_html

    records, result, out = aeb
    summary = summarize(records, result.severity)
    buf = io.StringIO()
    write_html(iter(records), summary, result.clusters, result, buf, outcome(summary, result.severity, "error"),
               str(out))
    return buf.getvalue()


@needs_aeb
def test_html_leads_with_the_decision_then_the_deny_and_review_groups(aeb, aeb_html):
    records, _, out = aeb
    html = aeb_html
    deny = sum(1 for r in records if r["verdicts"] and r["verdicts"]["store"]["verdict"] == "deny")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script" not in html.lower()
    lead = re.search(r'<p class="lead">([^<]*)</p>', html)
    assert lead and lead.group(1).startswith(f"{deny} documents must not be stored")
    assert f"records: {out}" in html and "exit 1 because" in html and "<code>jq -r" in html
    sections = re.findall(r'<section id="([a-z]+)">', html)
    assert sections[:2] == ["deny", "review"] and sections.index("publishers") > sections.index("allow")
    assert f"<h2>Must not be stored ({deny})</h2>" in html
    headings = re.findall(r"<h2>([^<(]*)", html)
    assert len(headings) == len(set(headings))  # no section twice
    assert 'class="bar"' not in html and "Verdicts by publisher" not in html  # the chart repeated the table


@needs_aeb
def test_html_document_rows_are_in_decision_order_each_once(aeb, aeb_html):
    records, _, _ = aeb
    rows = re.findall(r"<tr><td><div>.*?</tr>", aeb_html, re.S)
    assert len(rows) == len(records)
    groups = [re.search(r'data-label="store"><span class="badge b-([a-z]+)"', row).group(1) for row in rows]
    assert [GROUP_RANK[g] for g in groups] == sorted(GROUP_RANK[g] for g in groups)
    paths = [re.search(r'<div class="meta">([^<]*)</div>', row).group(1) for row in rows]
    assert sorted(paths) == sorted(r["path"] for r in records)


@needs_aeb
def test_html_tables_scroll_in_their_own_box_and_rows_become_cards_on_a_phone(aeb_html):
    html = aeb_html
    tables = html.count("<table")
    assert tables and html.count('<div class="scroll"><table') == tables
    assert html.count('<div class="scroll"><div class="ptable"') == 1
    assert ".scroll { overflow-x: auto;" in html and "@media (max-width: 640px)" in html
    assert "table.docs td[data-label]::before" in html


@needs_aeb
def test_html_publisher_table_sorts_by_every_column_without_script(aeb, aeb_html):
    from compliance.audit.report import COLUMNS

    records, _, _ = aeb
    rows = re.findall(r'<div class="prow" role="row" style="([^"]*)"><span>([^<]*)</span>(.*?)</div>', aeb_html)
    assert len(rows) == len({r["publisher"] or "(unknown)" for r in records})
    for i, column in enumerate(COLUMNS):
        slug = "by-" + column.header.replace(":", "-")
        assert f"#{slug}:target ~ .scroll .prow {{ order: var(--{slug}); }}" in aeb_html
        assert f'href="#{slug}"' in aeb_html and f'id="{slug}"' in aeb_html
        ranked = sorted(rows, key=lambda r: int(re.search(rf"--{slug}:(\d+)", r[0]).group(1)))
        values = [int(re.findall(r">(\d+)</span>", r[2])[i]) for r in ranked]
        assert values == sorted(values, reverse=True), column.header
    deny = [int(re.findall(r">(\d+)</span>", r[2])[1]) for r in rows]
    assert deny == sorted(deny, reverse=True)  # default order: most store-deny first


def test_html_groups_an_unreadable_document_after_deny_and_before_review(tmp_path):
    from compliance.audit.html_report import write_html

    pages = tmp_path / "pages"
    write(pages / "a.html", page("Kept", story(60), "Open News", "https://open.example/a"))
    write(pages / "b.html", page("Banned", story(61), "Closed News", "https://closed.example/b",
                                 footer="<p>© 2024 Closed News. Reproduction prohibited.</p>"))
    write(pages / "c.html", b"\x00\x01binary")
    records, result = run([str(pages)], tmp_path / "r.jsonl")
    summary = summarize(records, result.severity)
    buf = io.StringIO()
    write_html(iter(records), summary, result.clusters, result, buf)
    html = buf.getvalue()
    assert re.findall(r'<section id="([a-z]+)">', html)[:3] == ["deny", "error", "review"]
    assert "records: not kept" in html and "Could not be read (1)" in html
    assert html.count("<tr><td><div>") == 3
