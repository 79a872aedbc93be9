"""``compliance audit PATH...``: may we keep, mine and quote each document of a scraped archive?"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from compliance.commands.common import RULES_OPTION, check_choice
from compliance.commands.limit_options import (
    FOLLOW_SYMLINKS_OPTION,
    MAX_FILE_SIZE_OPTION,
    MAX_LINE_OPTION,
    apply_limits,
)

FORMATS = ("text", "json", "html")
FAIL_ON = ("error", "warning", "info", "never")


def audit(
    paths: list[str] = typer.Argument(..., help="HTML pages, WARC files, JSONL dumps, text files or directories.",
                                      metavar="PATH..."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes (default: all cores)."),
    output: Path = typer.Option(None, "--output", "-o", dir_okay=False,
                                help="Write one record per document to FILE.jsonl or FILE.csv."),
    format: str = typer.Option("text", "--format", "-f", help="stdout: text (summary), json or html (report)."),
    resume: bool = typer.Option(False, "--resume", help="Skip documents already in --output."),
    rules: list[str] = RULES_OPTION,
    fail_on: str = typer.Option(None, "--fail-on", help="error | warning | info | never (default: config, else "
                                                         "error)."),
    extract: str = typer.Option("full", "--extract", help="Main text of HTML pages: full (trafilatura) or fast "
                                                          "(lexbor/resiliparse, ~2x faster, lower precision)."),
    progress: bool = typer.Option(None, "--progress/--no-progress",
                                  help="Progress bar on stderr (default: when stderr is a terminal)."),
    max_file_size: str = MAX_FILE_SIZE_OPTION,
    max_line_length: int = MAX_LINE_OPTION,
    follow_symlinks: bool = FOLLOW_SYMLINKS_OPTION,
) -> None:
    """Audit an archive: per document the rights notices, machine-readable signals, store/TDM/quote verdicts
    with the deciding rule, and clusters of copies. Exit 1 when findings or unreadable documents reach
    --fail-on."""
    import tempfile

    from compliance.audit.report import outcome, render_text, summarize, write_json
    from compliance.audit.runner import EXTRACT_MODES, AuditOptions, run_audit
    from compliance.audit.sinks import JsonlSink, Sidecar, sink_for
    from compliance.commands.common import console
    from compliance.config import load_config, rule_dirs

    check_choice(format, FORMATS, "--format")
    check_choice(extract, EXTRACT_MODES, "--extract")
    if fail_on is not None:
        check_choice(fail_on, FAIL_ON, "--fail-on")
    if resume and output is None:
        raise typer.BadParameter("needs --output (the file to resume)", param_hint="--resume")
    config = load_config()
    apply_limits(config, max_file_size, max_line_length, follow_symlinks)
    options = AuditOptions(jobs=jobs, rule_dirs=[*rule_dirs(config), *(rules or [])], resume=resume, extract=extract,
                           progress=sys.stderr.isatty() if progress is None else progress)
    with tempfile.TemporaryDirectory(prefix="compliance-audit-") as spool:
        sink = sink_for(output) if output is not None else JsonlSink(Path(spool) / "records.jsonl")
        sidecar = Sidecar(output) if output is not None else None
        run = run_audit(paths, sink, options, config, sidecar)
        summary = summarize(sink.records(), run.severity)
        result = outcome(summary, run.severity, fail_on or config.fail_on)
        records = str(output) if output is not None else None
        if format == "json":
            write_json(sink.records(), summary, run.clusters, run, sys.stdout)
        elif format == "html":
            from compliance.audit.html_report import write_html

            write_html(sink.records(), summary, run.clusters, run, sys.stdout, result, records)
        else:
            render_text(summary, run.clusters, run, console(), result, records)
    if result.exit_code:
        raise typer.Exit(result.exit_code)

