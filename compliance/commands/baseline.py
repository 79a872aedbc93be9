"""``compliance baseline update DRAFT...``: accept today's findings so CI fails only on new ones."""

from __future__ import annotations

from pathlib import Path

import typer

from compliance.commands.check import CONFIG_OPTION, CORPUS_ALIAS_OPTION, CORPUS_OPTION, resolve
from compliance.commands.common import RULES_OPTION
from compliance.suppress import DEFAULT_BASELINE  # shared with `check`, which reads it when it exists

app = typer.Typer(help="Accept current findings (a baseline), so CI fails only on new ones.",
                  no_args_is_help=True)


@app.command("update")
def update(
    paths: list[str] = typer.Argument(..., help="Drafts to check (files or directories).", metavar="DRAFT"),
    baseline: Path = typer.Option(None, "--baseline", help="Baseline file to write (default: `baseline` in the "
                                  f"config, else {DEFAULT_BASELINE}).", metavar="FILE", dir_okay=False),
    corpus: Path = CORPUS_OPTION,
    corpus_alias: Path = CORPUS_ALIAS_OPTION,
    rules: list[str] = RULES_OPTION,
    config_file: Path = CONFIG_OPTION,
) -> None:
    """Write every current finding (not ok, not suppressed inline) to the baseline file, keyed by verdict,
    rule, path and the normalized passage text — not by line numbers, so edits elsewhere keep it valid."""
    from compliance.commands.inputs import baseline_file
    from compliance.reuse.pipeline import check_documents
    from compliance.suppress import verdict_key, write_baseline

    setup = resolve(paths, corpus or corpus_alias, rules, config_file)
    target = baseline_file(baseline, setup.config) or Path(setup.config.root) / DEFAULT_BASELINE
    results = check_documents(setup.drafts, setup.index, rule_dirs=setup.rule_dirs, config=setup.config)
    entries = []
    for r in results:
        for v in r.verdicts:
            if v.verdict == "ok" or v.suppressed or r.document is None:
                continue
            text = " ".join(r.document.text[v.draft_start:v.draft_end].split())
            entries.append({"key": verdict_key(v, r.document, r.path), "verdict": v.verdict, "rule": v.rule,
                            "path": Path(r.path).as_posix(), "line": v.start.line,
                            "text": text if len(text) <= 80 else text[:77] + "..."})
    write_baseline(target, entries)
    typer.echo(f"{len(entries)} findings written to {target}", err=True)
