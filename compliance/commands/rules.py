"""``compliance rules list|test|schema``: inspect, test and describe rule packs."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from compliance.commands.common import RULES_OPTION, console

app = typer.Typer(help="List, test and describe rule packs.", no_args_is_help=True)


@app.command("list")
def list_rules(rules: list[str] = RULES_OPTION,
               format: str = typer.Option("text", "--format", "-f", help="text or json.")) -> None:
    """List every loaded rule: id, kind, languages, publisher, file."""
    from rich.table import Table

    from compliance.ruleset import load_ruleset

    loaded = load_ruleset(rules)
    if format == "json":
        typer.echo(json.dumps([{**c.rule.model_dump(exclude={"examples"}), "file": c.origin}
                               for c in loaded.compiled], ensure_ascii=False, indent=2))
        return
    table = Table(show_lines=False)
    for col in ("id", "kind", "languages", "publisher", "severity", "file"):
        table.add_column(col, overflow="fold")
    for c in loaded.compiled:
        r = c.rule
        table.add_row(r.id, r.kind, ",".join(r.languages), r.publisher or "", r.severity, c.origin)
    out = console()
    out.print(table)
    out.print(f"{len(loaded)} rules, {len(loaded.ruleset.publishers)} publisher profiles")


@app.command("test")
def test_rules(paths: list[str] = typer.Argument(None, help="Rule files or directories to test "
                                                 "(default: the built-in packs and --rules).", metavar="PATH"),
               rules: list[str] = RULES_OPTION) -> None:
    """Run every rule's and cue frame's examples: each `match` must match, each `no_match` must not.

    Frames are tested alone (their cue lexicons, no trained scorer), so an example says what the frame
    itself recognises."""
    from compliance.detect.notices import NoticeEngine
    from compliance.readers.plain import build_plain_document
    from compliance.ruleset import load_ruleset

    loaded = load_ruleset([*(rules or []), *(paths or [])])
    engine = NoticeEngine(loaded, model=False, cues=True)
    wanted = [Path(p).resolve() for p in paths or []]
    out = console()
    passed = failed = 0
    cases = [(c.rule.id, c.origin, c.rule.examples, lambda doc, rid: engine.scan(doc, only={rid}))
             for c in loaded.compiled]
    cases += [(f.id, loaded.ruleset.origins.get(f.id, ""), f.examples, lambda doc, rid: _frame_hits(engine, doc, rid))
              for f in loaded.ruleset.frames]
    for rule_id, origin, examples_of, scan in cases:
        where = Path(origin).resolve()
        if wanted and not any(where == w or w in where.parents for w in wanted):
            continue
        for expect, examples in ((True, examples_of.match), (False, examples_of.no_match)):
            for example in examples:
                hits = scan(build_plain_document(example, f"<{rule_id}>"), rule_id)
                if bool(hits) == expect:
                    passed += 1
                    continue
                failed += 1
                what = "did not match" if expect else f"matched {hits[0].text!r}"
                out.print(f"[red]FAIL[/red] {rule_id} ({origin}): {what}: {example!r}", markup=True,
                          highlight=False)
    out.print(f"{passed} passed, {failed} failed")
    raise typer.Exit(1 if failed else 0)


def _frame_hits(engine, doc, frame_id: str) -> list:
    """The findings of one cue frame in ``doc`` (rule findings do not cover its sentences here)."""
    text = doc.plain
    cands = engine.cues.candidates(text, engine.cue_hits(text))
    return [engine.to_notice(doc, m) for m in engine.cue_matches(text, cands, [])
            if m.rule.rule.id == frame_id]


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of a rule pack (for editor completion and validation)."""
    from compliance.ruleset.model import Pack

    typer.echo(json.dumps(Pack.model_json_schema(), indent=2, ensure_ascii=False))
