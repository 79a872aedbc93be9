"""``compliance check DRAFT... --corpus INDEX``: which passages of a draft come from the corpus?"""

from __future__ import annotations

from pathlib import Path

import typer

from compliance.commands.common import RULES_OPTION, check_choice, output_stream

FORMATS = ("text", "json")


def check(
    paths: list[str] = typer.Argument(..., help="Drafts to check (.txt, .md, ...); '-' reads stdin.",
                                      metavar="DRAFT..."),
    corpus: Path = typer.Option(None, "--corpus", "--index", "-c", help="Corpus index (default: `corpus` in "
                                "the config, else .compliance/corpus.sqlite).", metavar="INDEX", dir_okay=False),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    rules: list[str] = RULES_OPTION,
    output: Path = typer.Option(None, "--output", "-o", help="Write the report to FILE.", dir_okay=False),
) -> None:
    """Find passages reused from corpus documents (verbatim, edited or paraphrased), with exact spans
    in the draft and in the source, and the draft's own rights notices."""
    from compliance.commands.corpus import index_path
    from compliance.reuse.pipeline import check_documents

    check_choice(format, FORMATS, "--format")
    results = check_documents(paths, index_path(corpus), rule_dirs=rules)
    with output_stream(output) as stream:
        if format == "json":
            from compliance.commands.common import write_json
            from compliance.pipeline import json_report

            write_json(json_report(results), stream)
        else:
            from compliance.reuse.render import render_matches

            render_matches(results, stream)
