"""Options for the input limits and symlinks, and how a command applies them with the config."""

from __future__ import annotations

from typing import Any

import typer

MAX_FILE_SIZE_OPTION = typer.Option(
    None, "--max-file-size", metavar="SIZE",
    help="Largest document read: a file, a WARC record or a JSONL line, e.g. 50MB, 512k (default: "
         "max-file-size in the config's limits table, else 50MB). Larger ones are refused.")
MAX_LINE_OPTION = typer.Option(
    None, "--max-line-length", min=1, metavar="CHARS",
    help="Longest line in characters (default: max-line-length in the config's limits table, else 1000000).")
FOLLOW_SYMLINKS_OPTION = typer.Option(
    False, "--follow-symlinks",
    help="Follow symlinks that lead out of a scanned directory, and enter symlinked directories "
         "(default: follow-symlinks in the config, else off).")


def apply_limits(config: Any, max_file_size: str | None = None, max_line_length: int | None = None,
                 follow_symlinks: bool = False) -> None:
    """Set the process-wide limits: defaults, then ``[tool.compliance.limits]``, then the options.

    Starts from the defaults every time, so one in-process run cannot leak its limits into the next.
    """
    from compliance import limits

    values: dict[str, Any] = dict(config.limits.model_dump(exclude_none=True)) if config is not None else {}
    values["follow_symlinks"] = bool(follow_symlinks or (config is not None and config.follow_symlinks))
    if max_file_size is not None:
        try:
            values["max_file_size"] = limits.parse_size(max_file_size)
        except ValueError as err:
            raise typer.BadParameter(str(err), param_hint="--max-file-size") from None
    if max_line_length is not None:
        values["max_line_length"] = max_line_length
    limits.reset()
    limits.configure(**values)
