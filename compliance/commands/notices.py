"""``compliance notices PATH...``: which rights notices does each text carry?"""

from __future__ import annotations

from pathlib import Path

import typer

from compliance.commands.common import RULES_OPTION, check_choice, console, output_stream, write_json
from compliance.commands.limit_options import MAX_FILE_SIZE_OPTION, MAX_LINE_OPTION, apply_limits

FORMATS = ("text", "json")


def notices(
    paths: list[str] = typer.Argument(..., help="Files to scan (.txt, .md, ...); '-' reads stdin.",
                                      metavar="PATH..."),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    rules: list[str] = RULES_OPTION,
    output: Path = typer.Option(None, "--output", "-o", help="Write the report to FILE.", dir_okay=False),
    max_file_size: str = MAX_FILE_SIZE_OPTION,
    max_line_length: int = MAX_LINE_OPTION,
) -> None:
    """Detect rights notices: reproduction bans, copyright lines, licences, TDM reservations, credits."""
    from compliance.config import load_config
    from compliance.pipeline import json_report, scan_notices
    from compliance.report.notices_text import render_notices

    check_choice(format, FORMATS, "--format")
    apply_limits(load_config(), max_file_size, max_line_length)
    results = scan_notices(paths, rule_dirs=rules)
    with output_stream(output) as stream:
        if format == "json":
            write_json(json_report(results), stream)
        else:
            render_notices(results, console(stream))
