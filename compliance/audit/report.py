"""Audit output: summary by publisher and verdict (terminal), the JSON wrapper, the HTML report.

Everything here reads records back from the record file as a stream, so rendering a large archive
holds one record at a time (plus counters per publisher).
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from compliance.coverage import most_first
from compliance.findings import SEVERITY_RANK

UNKNOWN = "(unknown)"
TOP_PUBLISHERS = 30  # rows of the terminal table; the rest are summed into one row
MAX_ERRORS_SHOWN = 20
MAX_HTML_DOCS = 5000  # per-document details in the HTML report
STORE = ("allow", "review", "deny")
QUOTE = ("allowed", "limited", "no")


@dataclass
class Row:
    """Counts for one publisher (or all of them)."""

    docs: int = 0
    errors: int = 0
    store: Counter = field(default_factory=Counter)
    quote: Counter = field(default_factory=Counter)
    tdm_machine: int = 0  # TDM reserved by a machine-readable signal
    tdm_text: int = 0  # TDM reserved in natural language only

    def add(self, record: dict[str, Any]) -> None:
        self.docs += 1
        if record.get("error"):
            self.errors += 1
        v = record.get("verdicts")
        if not v:
            return
        self.store[v["store"]["verdict"]] += 1
        self.quote[v["quote"]["verdict"]] += 1
        tdm = v["tdm"]
        if tdm["verdict"] == "reserved":
            if tdm.get("machine_readable"):
                self.tdm_machine += 1
            else:
                self.tdm_text += 1

    def merge(self, other: Row) -> None:
        self.docs += other.docs
        self.errors += other.errors
        self.store.update(other.store)
        self.quote.update(other.quote)
        self.tdm_machine += other.tdm_machine
        self.tdm_text += other.tdm_text

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.docs, "errors": self.errors, "store": {k: self.store[k] for k in STORE},
                "tdm_reserved": {"machine_readable": self.tdm_machine, "natural_language_only": self.tdm_text},
                "quote": {k: self.quote[k] for k in QUOTE}}


@dataclass
class Summary:
    total: Row = field(default_factory=Row)
    publishers: dict[str, Row] = field(default_factory=dict)
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)  # the first few, for display
    worst: str | None = None  # highest severity of any finding (for --fail-on)
    findings: Counter = field(default_factory=Counter)  # finding -> documents
    not_read: Counter = field(default_factory=Counter)  # media type -> WARC records no reader takes (a PDF)

    def top(self, n: int = TOP_PUBLISHERS) -> list[tuple[str, Row]]:
        """Publishers in triage order (:func:`triage_key`); every one with store-deny documents or errors
        keeps its own row, only the rest beyond ``n`` rows are summed into one "other publishers" row."""
        rows = sorted(self.publishers.items(), key=triage_key)
        if len(rows) <= n:
            return rows
        urgent = [kv for kv in rows if needs_action(kv[1])]
        keep = max(n - 1, len(urgent))
        if keep >= len(rows):
            return rows
        rest = Row()
        for _, row in rows[keep:]:
            rest.merge(row)
        return [*rows[:keep], (f"({len(rows) - keep} others)", rest)]

    def to_dict(self) -> dict[str, Any]:
        return {**self.total.to_dict(), "worst_severity": self.worst, "findings": dict(self.findings),
                "not_read": most_first(self.not_read),
                "by_publisher": {k: r.to_dict() for k, r in sorted(self.publishers.items(),
                                                                    key=lambda kv: (-kv[1].docs, kv[0]))}}


def not_read_phrase(counts: dict[str, int]) -> str:
    """``2 records not read, no reader for their type (application/pdf: 1, image/png: 1)``, or "" when none:
    content an archive held that no reader takes, counted so that "no documents" never hides it."""
    ordered = most_first(counts)
    n = sum(ordered.values())
    if not n:
        return ""
    kinds = ", ".join(f"{k}: {v}" for k, v in ordered.items())
    return f"{plural(n, 'record')} not read, no reader for {'its' if n == 1 else 'their'} type ({kinds})"


def needs_action(row: Row) -> bool:
    """Documents someone must act on: must not be stored, or could not be read."""
    return bool(row.store["deny"] or row.errors)


def triage_key(item: tuple[str, Row]) -> tuple[int, int, int, int, str]:
    """Most store-deny documents first, then errors, then review, then size: the order people triage in."""
    name, row = item
    return -row.store["deny"], -row.errors, -row.store["review"], -row.docs, name


def findings_of(record: dict[str, Any]) -> list[str]:
    """The audit findings of a record, named as in ``policy.audit_severity``."""
    if record.get("error"):
        return ["error"]
    v = record.get("verdicts") or {}
    out = []
    if v.get("store"):
        out.append(f"store:{v['store']['verdict']}")
    if (v.get("tdm") or {}).get("verdict") == "reserved":
        out.append("tdm:reserved")
    if (v.get("quote") or {}).get("verdict") == "no":
        out.append("quote:no")
    return out


def summarize(records: Iterable[dict[str, Any]], severity: dict[str, str],
              not_read: dict[str, int] | None = None) -> Summary:
    """The summary of ``records``; ``not_read`` (media type -> WARC records no reader takes) is the run's count
    of what it did not read (``AuditRun.not_read``)."""
    summary = Summary(not_read=Counter(not_read or {}))
    worst = -1
    for record in records:
        summary.total.add(record)
        summary.publishers.setdefault(record.get("publisher") or UNKNOWN, Row()).add(record)
        if record.get("error") and len(summary.errors) < MAX_ERRORS_SHOWN:
            summary.errors.append((record["path"], record.get("record"), record["error"]))
        for finding in findings_of(record):
            summary.findings[finding] += 1
            level = severity.get(finding)
            if level is not None:
                worst = max(worst, SEVERITY_RANK[level])
    summary.worst = next((k for k, r in SEVERITY_RANK.items() if r == worst), None)
    return summary


def where(path: str, record: int | None) -> str:
    return path if record is None else f"{path}#{record}"


# --- the decision: what must happen, where the records are, why the exit code ------------------------

# How to list the documents behind each audit finding with jq, by the record fields (see audit.records).
JQ_SELECT = {
    "store:deny": 'select(.verdicts.store.verdict == "deny")',
    "store:review": 'select(.verdicts.store.verdict == "review")',
    "error": "select(.error != null)",
    "tdm:reserved": 'select(.verdicts.tdm.verdict == "reserved")',
    "quote:no": 'select(.verdicts.quote.verdict == "no")',
}
FINDING_ORDER = ("store:deny", "error", "store:review", "tdm:reserved", "quote:no")


@dataclass
class Outcome:
    """The exit code of an audit and the findings that caused it, so the report can say why."""

    threshold: str  # --fail-on: error | warning | info | never
    failing: list[tuple[str, int, str]] = field(default_factory=list)  # (finding, documents, severity)

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def line(self) -> str:
        if self.threshold == "never":
            return "exit 0 (--fail-on never)"
        if not self.failing:
            return f"exit 0: no finding at or above --fail-on {self.threshold}"
        why = ", ".join(f"{n} {finding} ({level})" for finding, n, level in self.failing)
        return f"exit 1 because {why} ≥ --fail-on {self.threshold}"


def outcome(summary: Summary, severity: dict[str, str], threshold: str) -> Outcome:
    """Which findings reach ``threshold`` (``policy.audit_severity`` gives each finding's severity)."""
    out = Outcome(threshold)
    if threshold == "never":
        return out
    for finding in sorted(summary.findings, key=_finding_rank):
        level = severity.get(finding)
        if level is not None and SEVERITY_RANK[level] >= SEVERITY_RANK[threshold]:
            out.failing.append((finding, summary.findings[finding], level))
    return out


def _finding_rank(finding: str) -> tuple[int, str]:
    return (FINDING_ORDER.index(finding) if finding in FINDING_ORDER else len(FINDING_ORDER)), finding


def headline(summary: Summary) -> str:
    """What must happen, most urgent first: "20 documents must not be stored; 159 need review; ..."."""
    t = summary.total
    parts = []
    if t.store["deny"]:
        parts.append(f"{plural(t.store['deny'], 'document')} must not be stored")
    if t.errors:
        parts.append(f"{plural(t.errors, 'document')} could not be read")
    if t.store["review"]:
        parts.append(f"{t.store['review']} need{'s' if t.store['review'] == 1 else ''} review")
    if t.store["allow"]:
        parts.append(f"{t.store['allow']} may be stored")
    return "; ".join(parts) or "no documents"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def jq_line(finding: str, records: str) -> str | None:
    """A shell command listing the documents behind ``finding`` (URL, else path) from a JSONL record file."""
    select = JQ_SELECT.get(finding)
    if select is None or not records.endswith(".jsonl"):
        return None
    return f"jq -r '{select} | .url // .path' {shlex.quote(records)}"


def decision_lines(summary: Summary, result: Outcome | None, records: str | None) -> list[str]:
    """The lead of every audit report: the decision, where the records are, the exit code and why, and
    how to list the documents to act on."""
    lines = [headline(summary), f"records: {records}" if records else
             "records: not kept (--output FILE.jsonl keeps one record per document)"]
    if result is not None:
        lines.append(result.line())
    if records:
        wanted = [f for f in ("store:deny", "error") if summary.findings.get(f)]
        wanted += [f for f, _, _ in result.failing if f not in wanted] if result is not None else []
        for finding in wanted:
            command = jq_line(finding, records)
            if command:
                lines.append(f"  list {finding}: {command}")
    return lines


# --- terminal ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A count column of the terminal table; columns are listed most important first and the ones that do
    not fit the terminal are left out (never elided: a "…" instead of a number helps nobody)."""

    header: str
    value: Callable[[Row], int]


COLUMNS = (
    Column("docs", lambda r: r.docs),
    Column("deny", lambda r: r.store["deny"]),
    Column("errors", lambda r: r.errors),
    Column("review", lambda r: r.store["review"]),
    Column("allow", lambda r: r.store["allow"]),
    Column("tdm:signal", lambda r: r.tdm_machine),
    Column("tdm:text", lambda r: r.tdm_text),
    Column("quote:no", lambda r: r.quote["no"]),
    Column("quote:limited", lambda r: r.quote["limited"]),
    Column("quote:free", lambda r: r.quote["allowed"]),
)
NAME_MIN, NAME_MAX = 14, 34  # width of the publisher column
GAP = 3  # between columns of a SIMPLE_HEAD table without edges: padding 1 + separator 1 + padding 1


def fit_columns(rows: list[Row], width: int) -> tuple[list[Column], int]:
    """The columns that fit ``width`` with every number in full, and the width left for publisher names."""
    chosen: list[Column] = []
    used = NAME_MIN
    for column in COLUMNS:
        need = max(len(column.header), *(len(str(column.value(r))) for r in rows)) + GAP
        if used + need > width:
            break
        chosen.append(column)
        used += need
    return chosen, min(NAME_MAX, NAME_MIN + width - used)


def publisher_table(summary: Summary, width: int) -> tuple[Any, list[Column]]:
    """Publishers in triage order, with the count columns that fit; returns the table and what it left out."""
    from rich import box
    from rich.table import Table

    rows = summary.top()
    columns, name_width = fit_columns([r for _, r in rows] + [summary.total], width)
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, show_footer=True, title_justify="left",
                  title="Audit by publisher, most store-deny and errors first")
    table.add_column("publisher", footer="all", no_wrap=True, overflow="ellipsis", max_width=name_width)
    for column in columns:
        table.add_column(column.header, footer=str(column.value(summary.total)), justify="right", no_wrap=True)
    for name, row in rows:
        table.add_row(name, *(str(c.value(row)) for c in columns),
                      style="bold red" if row.store["deny"] else "red" if row.errors else None)
    return table, [c for c in COLUMNS if c not in columns]


def render_text(summary: Summary, clusters: list[Any], run: Any, console: Any, result: Outcome | None = None,
                records: str | None = None) -> None:
    """Decision first (what must happen, records, exit code), then publishers in triage order, clusters,
    errors, and the one-line statistics."""
    from rich.text import Text

    lines = decision_lines(summary, result, records)
    console.print(Text(lines[0], style="bold"))
    for line in lines[1:]:
        console.print(Text(line), soft_wrap=True)  # not broken: paths and jq commands stay copyable
    console.print()
    table, hidden = publisher_table(summary, console.width)
    console.print(table)
    if hidden:
        console.print(Text(f"not shown at {console.width} columns: {', '.join(c.header for c in hidden)} "
                           "(wider terminal, --format json or html)", style="dim"))
    for c in clusters[:MAX_ERRORS_SHOWN]:
        original = where(*c.original) if c.original else "unknown"
        console.print(f"cluster {c.id}: {len(c.members)} documents, original {original}"
                      + (f" ({c.evidence})" if c.evidence else ""), markup=False)
    if len(clusters) > MAX_ERRORS_SHOWN:
        console.print(f"... and {len(clusters) - MAX_ERRORS_SHOWN} more clusters")
    for path, record, reason in summary.errors:
        console.print(f"error: {where(path, record)}: {reason}", markup=False)
    if summary.total.errors > len(summary.errors):
        console.print(f"... and {summary.total.errors - len(summary.errors)} more errors")
    console.print(summary_line(summary, clusters, run), markup=False, soft_wrap=True)


def summary_line(summary: Summary, clusters: list[Any], run: Any) -> str:
    t = summary.total
    clustered = sum(len(c.members) for c in clusters)
    line = (f"{t.docs} documents ({run.written} audited now, {run.skipped} from an earlier run), "
            f"{t.errors} errors, {len(clusters)} clusters of {clustered} documents; "
            f"store: {t.store['allow']} allow, {t.store['review']} review, {t.store['deny']} deny; "
            f"TDM reserved: {t.tdm_machine} machine-readable, {t.tdm_text} natural language only")
    unread = not_read_phrase(summary.not_read)
    if unread:
        line += f"; {unread}"
    if run.seconds and run.written:
        line += f"; {run.written / run.seconds:.0f} docs/s"
    return line


# --- JSON --------------------------------------------------------------------------------------------


def write_json(records: Iterator[dict[str, Any]], summary: Summary, clusters: list[Any], run: Any,
               stream: TextIO) -> None:
    """``{"version": 1, "summary", "clusters", "records": [...]}``, records streamed one by one."""
    stream.write('{"version": 1,\n"summary": ')
    stream.write(json.dumps({**summary.to_dict(), "line": summary_line(summary, clusters, run)}, ensure_ascii=False))
    stream.write(',\n"clusters": ')
    stream.write(json.dumps([c.to_dict() for c in clusters], ensure_ascii=False))
    stream.write(',\n"records": [')
    first = True
    for record in records:
        stream.write(("\n" if first else ",\n") + json.dumps(record, ensure_ascii=False))
        first = False
    stream.write("\n]}\n")
