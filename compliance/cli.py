"""The ``compliance`` command line: parse options, call the pipeline, pick a reporter.

Each command lives in ``compliance/commands/``. User errors end in one line on stderr and exit 2;
``--debug`` shows tracebacks.
"""

from __future__ import annotations

import os
import sys

import typer

from compliance.commands import audit as audit_cmd
from compliance.commands import baseline as baseline_cmd
from compliance.commands import check as check_cmd
from compliance.commands import corpus as corpus_cmd
from compliance.commands import help_style
from compliance.commands import notices as notices_cmd
from compliance.commands import rules as rules_cmd
from compliance.errors import ComplianceError

help_style.install()

app = typer.Typer(
    name="compliance",
    help="Copyright and licence compliance for text: rights notices, reused passages, quote/store verdicts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
_state = {"debug": False}


def _usage_errors() -> tuple[type[BaseException], ...]:
    """Click's exception classes: Typer vendors its own copy of Click, older Typers use Click itself."""
    classes: list[type[BaseException]] = [typer.BadParameter.__mro__[2]]  # ClickException
    try:
        import click

        classes.append(click.ClickException)
    except ImportError:
        pass
    return tuple(classes)


def _aborts() -> tuple[type[BaseException], ...]:
    classes: list[type[BaseException]] = [typer.Abort]
    try:
        import click

        classes.append(click.exceptions.Abort)
    except ImportError:
        pass
    return tuple(classes)


def _print_version(value: bool) -> None:
    """Eager, so ``compliance --version`` answers before Click asks for a command."""
    if value:
        from compliance import __version__

        typer.echo(f"compliance {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True,
                                 callback=_print_version, expose_value=False),
    no_model: bool = typer.Option(False, "--no-model", help=(
        "Notices from the rule packs alone: no cue frames, no trained scorer; their speed, less recall on "
        "unseen sites (also COMPLIANCE_NO_MODEL=1).")),
) -> None:
    _state["debug"] = debug
    if no_model:
        os.environ["COMPLIANCE_NO_MODEL"] = "1"  # read by every notice engine, worker processes included


app.command("notices")(notices_cmd.notices)
app.add_typer(rules_cmd.app, name="rules")
app.command("audit")(audit_cmd.audit)
app.command("check")(check_cmd.check)
app.add_typer(corpus_cmd.app, name="corpus")
app.add_typer(baseline_cmd.app, name="baseline")


def _error(message: str) -> int:
    sys.stderr.write(f"compliance: error: {message}\n")
    return 2


def _no_args_help(err: BaseException) -> int:
    """A command group run without arguments shows its help, never an empty error line.

    Rich help is printed while the error is built (its message is then empty); plain help is the message.
    Exit 2, as Click's own ``no_args_is_help``."""
    message = err.format_message()  # type: ignore[attr-defined]
    if message:
        sys.stdout.write(message.rstrip("\n") + "\n")
    return 2


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and maps every failure to one line and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    if argv is None:  # the process's entry point: it ends with the command (see compliance.startup)
        from compliance.startup import building, one_shot

        one_shot()
        if any(not a.startswith("-") for a in args):  # a command: its options and the config need pydantic
            with building():  # ~0.1 s of imports, Typer's parameter parsing would otherwise do with the GC on
                import pydantic  # noqa: F401
    debug = "--debug" in args
    command = typer.main.get_command(app)
    try:
        code = command.main(args, prog_name="compliance", standalone_mode=False)
    except ComplianceError as err:
        if debug:
            raise
        code = _error(str(err))
    except _aborts():
        sys.stderr.write("compliance: interrupted\n")
        code = 130
    except _usage_errors() as err:
        if debug:
            raise
        code = _no_args_help(err) if type(err).__name__ == "NoArgsIsHelpError" else \
            _error(err.format_message().replace("\n", " "))
    except KeyboardInterrupt:
        sys.stderr.write("compliance: interrupted\n")
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as err:  # a bug: say so in one line, traceback only with --debug
        if debug:
            raise
        code = _error(f"internal error: {type(err).__name__}: {err} (run with --debug for a traceback)")
    code = code if isinstance(code, int) else 0
    if argv is None:
        from compliance.startup import leave

        leave(code)  # without the teardown of every object, when that changes nothing else
    sys.exit(code)
