"""``compliance check DRAFT...``: which passages come from the corpus, and may they be used as they are?"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from compliance.commands.common import QUIET_OPTION, RULES_OPTION, StderrProgress, check_choice, output_stream
from compliance.commands.inputs import ALLOW_EMPTY_INDEX_OPTION, INCLUDE_OPTION
from compliance.commands.limit_options import (
    FOLLOW_SYMLINKS_OPTION,
    MAX_FILE_SIZE_OPTION,
    MAX_LINE_OPTION,
    apply_limits,
)

if TYPE_CHECKING:
    from compliance.config import Config
    from compliance.coverage import Skipped
    from compliance.detect.notices import NoticeEngine

FAIL_ON = ("error", "warning", "info", "never")
CORPUS_OPTION = typer.Option(None, "--index", "-i", help="Corpus index (default: `corpus` in the "
                             "config, else .compliance/corpus.sqlite).", metavar="INDEX", dir_okay=False)
CORPUS_ALIAS_OPTION = typer.Option(None, "--corpus", "-c", hidden=True, metavar="INDEX", dir_okay=False,
                                   help="Old spelling of --index (kept for scripts).")
FIX_OPTION = typer.Option(False, "--fix", help="Apply safe fixes (quotation marks, attribution lines) to "
                          "Markdown and text drafts in place.")
UNSAFE_FIXES_OPTION = typer.Option(False, "--unsafe-fixes", help="With --fix or --diff, also fixes that change "
                                   "the words: trim a quotation to the limit, restore a CC BY-ND passage, remove "
                                   "a pasted notice.")
DIFF_OPTION = typer.Option(False, "--diff", help="Print the fixes as a unified diff; change nothing.")
PROGRESS_MIN_DRAFTS = 5  # fewer drafts finish before a bar is worth drawing
CONFIG_OPTION = typer.Option(None, "--config", help="Config file (default: .compliance.toml or pyproject.toml "
                             "found from the working directory).", metavar="FILE", dir_okay=False)


@dataclass
class CheckSetup:
    """Everything a check run needs besides the drafts, resolved from options and the project config."""

    config: Config
    index: str
    rule_dirs: list[str]
    drafts: list[str]
    skipped: list[Skipped] = field(default_factory=list)  # files the walk passed over, with the reason


def resolve(paths: list[str], corpus: Path | None, rules: list[str] | None, config_file: Path | None,
            include: list[str] | None = None, **limit_options: object) -> CheckSetup:
    """Options override the config; config paths are relative to the config file; ignored drafts are skipped.

    ``limit_options`` (``max_file_size``, ``max_line_length``, ``follow_symlinks``) override the config's
    limits; symlinks the walk passes over are named on stderr; no draft to read at all is an input error."""
    from compliance.commands.corpus import index_path
    from compliance.commands.inputs import collect
    from compliance.config import load_config, rule_dirs

    config = load_config(config_file)  # None: the one found from the working directory
    apply_limits(config, **limit_options)  # type: ignore[arg-type]
    drafts, skipped = collect(paths, config, include)
    return CheckSetup(config, index_path(corpus, config), [*rule_dirs(config), *(rules or [])], drafts, skipped)


def check(
    paths: list[str] = typer.Argument(..., help="Drafts to check (files or directories; '-' reads stdin).",
                                      metavar="DRAFT"),
    corpus: Path = CORPUS_OPTION,
    corpus_alias: Path = CORPUS_ALIAS_OPTION,
    format: str = typer.Option("text", "--format", "-f", help="text, json, sarif, github, markdown or html.",
                               metavar="FORMAT"),
    output: Path = typer.Option(None, "--output", "-o", help="Write the report to FILE (a one-line summary "
                                "goes to stderr).", dir_okay=False, metavar="FILE"),
    fail_on: str = typer.Option(None, "--fail-on", help="Exit 1 on findings of this severity or above: error "
                                "(default), warning, info or never.", metavar="LEVEL"),
    quiet: bool = QUIET_OPTION,
    baseline: Path = typer.Option(None, "--baseline", help="Accept the findings listed in FILE (written by "
                                  "`compliance baseline update`).", metavar="FILE", dir_okay=False),
    rules: list[str] = RULES_OPTION,
    config_file: Path = CONFIG_OPTION,
    include: list[str] = INCLUDE_OPTION,
    allow_empty_index: bool = ALLOW_EMPTY_INDEX_OPTION,
    max_file_size: str = MAX_FILE_SIZE_OPTION,
    max_line_length: int = MAX_LINE_OPTION,
    follow_symlinks: bool = FOLLOW_SYMLINKS_OPTION,
    fix: bool = FIX_OPTION,
    unsafe_fixes: bool = UNSAFE_FIXES_OPTION,
    diff: bool = DIFF_OPTION,
) -> None:
    """Find passages reused from the corpus, with exact spans on both sides, and judge each one by the
    source's notices, licence and the policy: ok, needs-attribution, needs-quotation-marks,
    exceeds-quote-limit, not-allowed; plus third-party notices pasted into the draft.

    Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage, config or input error (also: no
    draft read, an index with no documents unless --allow-empty-index).

    --fix applies the safe fixes (quotation marks, attribution) to Markdown and text drafts, --unsafe-fixes
    also those that change words; --diff shows them instead. Report and exit code are the fixed drafts'."""
    from compliance.startup import building

    with building():  # modules, rule packs and notice engine: long-lived, no garbage (see compliance.startup)
        from compliance.commands.inputs import baseline_file, index_documents, with_coverage
        from compliance.pipeline import load_engine
        from compliance.readers.warc import noting_not_read
        from compliance.report import FORMATS, render
        from compliance.report.common import findings_line, worst_severity
        from compliance.reuse.pipeline import check_documents
        from compliance.suppress import load_baseline

    check_choice(format, tuple(FORMATS), "--format")
    if unsafe_fixes and not (fix or diff):
        raise typer.BadParameter("needs --fix or --diff", param_hint="--unsafe-fixes")
    setup = resolve(paths, corpus or corpus_alias, rules, config_file, include, max_file_size=max_file_size,
                    max_line_length=max_line_length, follow_symlinks=follow_symlinks)
    threshold = check_choice(fail_on or setup.config.fail_on, FAIL_ON, "--fail-on")
    accepted = baseline_file(baseline, setup.config)
    keys = load_baseline(accepted) if accepted is not None else None
    documents = index_documents(setup.index, allow_empty_index)
    engine = load_engine(setup.rule_dirs)  # one engine for the check and, with --fix or --diff, the re-check
    with (StderrProgress("checking", not quiet and len(setup.drafts) >= PROGRESS_MIN_DRAFTS) as progress,
          noting_not_read() as not_text):  # WARC records no reader takes (a PDF): counted skips, not silence
        results = check_documents(setup.drafts, setup.index, engine=engine, config=setup.config, baseline=keys,
                                  progress=progress)
    if fix or diff:
        results = _fix(results, setup, engine, keys, unsafe_fixes, diff, quiet)
    results = with_coverage(results, setup.skipped, setup.drafts, setup.index, documents, accepted, not_text)
    if not diff or output is not None:  # --diff prints the diff, the report only to a file
        with output_stream(output) as stream:
            render(format, results, stream)
    if output is not None and not quiet:
        typer.echo(f"{findings_line(results)}; report: {output}", err=True)
    raise typer.Exit(exit_code(worst_severity(results), threshold))


def _fix(results: list, setup: CheckSetup, engine: NoticeEngine, keys: set[str] | None, unsafe: bool,
         dry_run: bool, quiet: bool) -> list:
    """Apply (or, ``dry_run``, diff) the verdicts' fixes; the results are those of the fixed drafts, checked with
    the ``engine`` that checked the drafts."""
    from compliance.fixing import run_fix_options
    from compliance.reuse.pipeline import check_documents

    def recheck(docs: list) -> list:
        return check_documents([], setup.index, engine=engine, config=setup.config, baseline=keys, documents=docs)

    return run_fix_options(results, recheck, unsafe=unsafe, dry_run=dry_run, quiet=quiet,
                           fallback=engine.rules.ruleset.fixes.fallback)


def exit_code(worst: str | None, fail_on: str) -> int:
    """1 when the worst active finding is at or above ``fail_on``; the output format never matters."""
    from compliance.findings import SEVERITY_RANK

    if worst is None or fail_on == "never":
        return 0
    return 1 if SEVERITY_RANK[worst] >= SEVERITY_RANK[fail_on] else 0
