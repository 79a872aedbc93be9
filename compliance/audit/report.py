"""Audit output: summary by publisher and verdict (terminal), the JSON wrapper, the HTML report.

Everything here reads records back from the record file as a stream, so rendering a large archive
holds one record at a time (plus counters per publisher).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

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

    def top(self, n: int = TOP_PUBLISHERS) -> list[tuple[str, Row]]:
        rows = sorted(self.publishers.items(), key=lambda kv: (-kv[1].docs, kv[0]))
        if len(rows) <= n:
            return rows
        rest = Row()
        for _, row in rows[n - 1:]:
            rest.merge(row)
        return [*rows[: n - 1], (f"({len(rows) - n + 1} other publishers)", rest)]

    def to_dict(self) -> dict[str, Any]:
        return {**self.total.to_dict(), "worst_severity": self.worst, "findings": dict(self.findings),
                "by_publisher": {k: r.to_dict() for k, r in sorted(self.publishers.items(),
                                                                    key=lambda kv: (-kv[1].docs, kv[0]))}}


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


def summarize(records: Iterable[dict[str, Any]], severity: dict[str, str]) -> Summary:
    summary = Summary()
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


# --- terminal ----------------------------------------------------------------------------------------


def render_text(summary: Summary, clusters: list[Any], run: Any, console: Any) -> None:
    from rich.table import Table

    t = summary.total
    table = Table(title="Audit by publisher (store / TDM reserved by signal or text only / quote)",
                  title_justify="left")
    table.add_column("publisher", no_wrap=True, overflow="ellipsis", max_width=34)
    for name in ("docs", "allow", "review", "deny", "signal", "text", "free", "limited", "no", "errors"):
        table.add_column(name, justify="right")
    for name, row in summary.top():
        table.add_row(name, *_cells(row))
    table.add_section()
    table.add_row("all", *_cells(t), style="bold")
    console.print(table)
    for c in clusters[:MAX_ERRORS_SHOWN]:
        original = where(*c.original) if c.original else "unknown"
        console.print(f"cluster {c.id}: {len(c.members)} documents, original {original}"
                      + (f" ({c.evidence})" if c.evidence else ""), markup=False)
    if len(clusters) > MAX_ERRORS_SHOWN:
        console.print(f"... and {len(clusters) - MAX_ERRORS_SHOWN} more clusters")
    for path, record, reason in summary.errors:
        console.print(f"error: {where(path, record)}: {reason}", markup=False)
    if t.errors > len(summary.errors):
        console.print(f"... and {t.errors - len(summary.errors)} more errors")
    console.print(summary_line(summary, clusters, run), markup=False)


def _cells(row: Row) -> list[str]:
    return [str(row.docs), *(str(row.store[k]) for k in STORE), str(row.tdm_machine), str(row.tdm_text),
            *(str(row.quote[k]) for k in QUOTE), str(row.errors)]


def summary_line(summary: Summary, clusters: list[Any], run: Any) -> str:
    t = summary.total
    clustered = sum(len(c.members) for c in clusters)
    line = (f"{t.docs} documents ({run.written} audited now, {run.skipped} from an earlier run), "
            f"{t.errors} errors, {len(clusters)} clusters of {clustered} documents; "
            f"store: {t.store['allow']} allow, {t.store['review']} review, {t.store['deny']} deny; "
            f"TDM reserved: {t.tdm_machine} machine-readable, {t.tdm_text} natural language only")
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
