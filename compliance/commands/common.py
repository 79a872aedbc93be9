"""Options and helpers shared by commands."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from compliance.errors import ConfigError

RULES_OPTION = typer.Option(None, "--rules", help="Add a directory (or file) of YAML rule packs. Repeatable.",
                            metavar="DIR")
FAIL_ON_HELP = "Exit 1 on {what} or above: error, warning, info or never (default: {default})."


def format_option(formats: tuple[str, ...], default: str = "text", what: str = "") -> Any:
    """``--format/-f FORMAT``, spelt the same in every command; the help lists the formats."""
    names = ", ".join(formats[:-1]) + f" or {formats[-1]}" if len(formats) > 1 else formats[0]
    return typer.Option(default, "--format", "-f", metavar="FORMAT", help=f"{what}{names}.")


def console(file=None):
    """A rich console: colours on a terminal, plain and wide enough when piped."""
    from rich.console import Console

    stream = file or sys.stdout
    width = None if stream.isatty() else 120
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


@contextmanager
def output_stream(output: Path | None):
    """stdout, or ``--output FILE`` written whole: a temporary file beside FILE renamed into place, so a
    reader never sees half a report and nothing is written outside FILE's directory (see safe_write)."""
    if output is None:
        yield sys.stdout
        return
    from compliance.safe_write import sibling_temp

    if not output.name or output.is_dir():
        raise ConfigError("cannot write output: is a directory", str(output))
    try:
        fd, tmp = sibling_temp(output)
    except OSError as err:
        raise ConfigError(f"cannot write output: {err.strerror or err}", str(output)) from None
    try:
        with open(fd, "w", encoding="utf-8") as fh:
            yield fh
        tmp.replace(output)
    except OSError as err:
        raise ConfigError(f"cannot write output: {err.strerror or err}", str(output)) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_json(data: Any, stream) -> None:
    json.dump(data, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def check_choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)
    return value


QUIET_OPTION = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary on stderr.")


class StderrProgress:
    """A rich progress bar on stderr, only when ``enabled`` and stderr is a terminal: a piped or logged
    run gets no control sequences. Entering yields ``update(done, total)`` or None."""

    def __init__(self, label: str, enabled: bool = True, every: int = 1) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.every = every  # redraw every N items (indexing reports thousands of small steps)
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task(self.label, total=None)
        return self.update

    def update(self, done: int, total: int) -> None:
        if done == 1 or done % self.every == 0 or done == total:
            self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
