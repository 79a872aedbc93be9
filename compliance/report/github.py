"""GitHub Actions: workflow-command annotations on the draft's lines, and a job summary table.

Each unsuppressed verdict that asks for a change becomes ``::error``/``::warning``/``::notice`` (by
severity) with file, line and column; ``ok`` verdicts are not annotated (nothing to fix) but appear in
the summary. Data and properties are escaped the way ``@actions/core`` does, so a ``%``, newline, ``:``
or ``,`` in a path or message cannot end the command early or inject another one.
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from compliance.errors import ConfigError
from compliance.findings import Verdict
from compliance.pipeline import FileResult
from compliance.report.common import link_list, relative_path, sorted_verdicts, source_label, summarize

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (``@actions/core`` escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``@actions/core`` escapeProperty): also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _message(v: Verdict) -> str:
    lines = []
    if v.match is not None:
        lines.append(f"{v.words} words from {source_label(v)}")
    elif v.notice is not None:
        where = " pasted into the draft" if v.verdict == "pasted-notice" else ""
        lines.append(f"{v.notice.kind} notice{where}" + (f" ({v.notice.publisher})" if v.notice.publisher else ""))
    lines += v.reasons
    lines += [f"{title}: {url}" if url else title for title, url in link_list(v.links)]
    if v.fix is not None:
        lines.append(f"{'safe fix' if v.fix.safe and v.fix.replacements else 'fix'}: {v.fix.message}")
    return "\n".join(lines) or v.verdict


def annotation(result: FileResult, v: Verdict, root: str | None = None) -> str:
    """One workflow command. Columns only on one-line spans (GitHub ignores them otherwise);
    ``endColumn`` is inclusive there, our end column is exclusive."""
    props = {"file": relative_path(result.path, root), "line": str(v.start.line)}
    end_line = v.end.line
    if v.end.column == 1 and end_line > v.start.line:
        end_line -= 1  # a span ending just after a line break ends on the line before
    elif end_line == v.start.line:
        props["col"] = str(v.start.column)
        props["endColumn"] = str(max(v.start.column, v.end.column - 1))
    props["endLine"] = str(end_line)
    props["title"] = f"{v.verdict} ({v.rule})"
    head = ",".join(f"{k}={escape_property(val)}" for k, val in props.items())
    return f"::{COMMAND.get(v.severity, 'warning')} {head}::{escape_data(_message(v))}"


def annotations(results: list[FileResult], root: str | None = None) -> list[str]:
    return [annotation(r, v, root) for r in results for v in sorted_verdicts(r)
            if not v.suppressed and v.verdict != "ok"]


def write_step_summary(results: list[FileResult], path: str, root: str | None = None) -> None:
    """Append the Markdown summary (the ``markdown`` format's table) to the job summary file."""
    from compliance.report.markdown import summary_markdown

    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(summary_markdown(results, root) + "\n")
    except OSError as err:
        raise ConfigError(f"cannot write the GitHub step summary: {err.strerror or err}", path) from None


def render(results: list[FileResult], stream: TextIO, *, root: str | None = None,
           step_summary: str | None = None, **_: Any) -> None:
    """Annotations, then the summary line; the table goes to ``step_summary`` or $GITHUB_STEP_SUMMARY."""
    for line in annotations(results, root):
        stream.write(line + "\n")
    stream.write(summarize(results).line() + "\n")
    target = step_summary or os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        write_step_summary(results, target, root)
