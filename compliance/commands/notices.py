"""``compliance notices PATH...``: which rights notices does each text carry?"""

from __future__ import annotations

from pathlib import Path

import typer

from compliance.commands.common import (
    FAIL_ON_HELP,
    RULES_OPTION,
    check_choice,
    console,
    format_option,
    output_stream,
    write_json,
)
from compliance.commands.inputs import INCLUDE_OPTION
from compliance.commands.limit_options import (
    FOLLOW_SYMLINKS_OPTION,
    MAX_FILE_SIZE_OPTION,
    MAX_LINE_OPTION,
)

FORMATS = ("text", "json", "sarif", "github", "markdown")
FAIL_ON = ("error", "warning", "info", "never")


def notices(
    paths: list[str] = typer.Argument(..., help="Files or directories to scan (directories are walked as by "
                                      "`check`); '-' reads stdin.", metavar="PATH"),
    format: str = format_option(FORMATS),
    rules: list[str] = RULES_OPTION,
    output: Path = typer.Option(None, "--output", "-o", help="Write the report to FILE.", dir_okay=False,
                                metavar="FILE"),
    fail_on: str = typer.Option("never", "--fail-on", metavar="LEVEL", show_default=False, help=FAIL_ON_HELP.format(
        what="notices whose rule has this severity", default="never: notices only lists")),
    config_file: Path = typer.Option(None, "--config", metavar="FILE", dir_okay=False,
                                     help="Config file (default: .compliance.toml or pyproject.toml found "
                                          "from the working directory)."),
    max_file_size: str = MAX_FILE_SIZE_OPTION,
    max_line_length: int = MAX_LINE_OPTION,
    follow_symlinks: bool = FOLLOW_SYMLINKS_OPTION,
    include: list[str] = INCLUDE_OPTION,
) -> None:
    """Detect rights notices: reproduction bans, copyright lines, licences, TDM reservations, credits.

    Exit codes: 0 nothing at or above --fail-on, 1 notices, 2 usage, config or input error."""
    import sys

    from compliance.commands.check import exit_code, resolve
    from compliance.commands.inputs import count_unread
    from compliance.coverage import CheckResults, Coverage, skipped_phrase
    from compliance.pipeline import json_report, scan_notices
    from compliance.readers.warc import noting_not_read
    from compliance.report import render
    from compliance.report.common import worst_severity
    from compliance.report.notice_verdicts import as_verdicts
    from compliance.report.notices_text import render_notices

    check_choice(format, FORMATS, "--format")
    check_choice(fail_on, FAIL_ON, "--fail-on")
    setup = resolve(paths, None, rules, config_file, include, max_file_size=max_file_size,
                    max_line_length=max_line_length, follow_symlinks=follow_symlinks)
    with noting_not_read() as not_text:  # WARC records no reader takes (a PDF): counted skips, not silence
        results = scan_notices(setup.drafts, rule_dirs=setup.rule_dirs, config=setup.config)
    results = count_unread(results, setup.skipped, setup.drafts, not_text)
    findings = CheckResults(as_verdicts(results), Coverage(setup.skipped))  # the summaries count the skips
    if setup.skipped:
        sys.stderr.write(f"compliance: warning: not scanned: {skipped_phrase(setup.skipped)}\n")
    with output_stream(output) as stream:
        if format == "json":
            cov = findings.coverage.to_dict()  # what was not read, as check's JSON says it
            write_json(json_report(results, skipped=cov["skipped"], skipped_by=cov["skipped_by"]), stream)
        elif format == "text":
            render_notices(results, console(stream))
        else:
            render(format, findings, stream)
    raise typer.Exit(exit_code(worst_severity(findings), fail_on))
