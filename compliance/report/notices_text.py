"""Rich rendering of notices: a table per file and a one-line summary."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from compliance.findings import Notice
from compliance.pipeline import FileResult

KIND_STYLE = {
    "reproduction-ban": "bold red",
    "tdm-reservation": "red",
    "all-rights-reserved": "yellow",
    "copyright": "yellow",
    "license": "green",
    "agency-credit": "cyan",
    "attribution": "blue",
    "disclaimer": "dim",
}


def details(n: Notice) -> str:
    parts = []
    if n.publisher or n.holder:
        parts.append(n.publisher or n.holder)
    if n.years:
        parts.append("–".join(str(y) for y in (n.years[0], n.years[-1])) if len(n.years) > 1 else str(n.years[0]))
    if n.license:
        parts.append(n.license)
    if n.urls:
        parts.append(n.urls[0])
    return " · ".join(parts)


def _shorten(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def render_notices(results: list[FileResult], out: Console) -> None:
    total: Counter[str] = Counter()
    for result in results:
        name = result.path + (f"#{result.record}" if result.record is not None else "")
        for w in result.warnings:
            out.print(Text(f"warning: {w.path}: {w.message}", style="yellow"))
        if not result.notices:
            out.print(Text(f"{name}: no notices", style="dim"))
            continue
        table = Table(title=Text(name, style="bold"), title_justify="left", show_lines=False, expand=False)
        table.add_column("kind", no_wrap=True)
        table.add_column("line:col", justify="right", no_wrap=True)
        table.add_column("notice", overflow="fold")
        table.add_column("holder / years / licence", overflow="fold")
        table.add_column("rule", style="dim", overflow="fold")
        for n in result.notices:
            total[n.kind] += 1
            table.add_row(Text(n.kind, style=KIND_STYLE.get(n.kind, "")), f"{n.start.line}:{n.start.column}",
                          _shorten(n.text), details(n), n.rule)
        out.print(table)
        if result.provenance and result.provenance.chain():
            out.print(Text(f"  provenance: {result.provenance.chain()}", style="italic"))
    count = sum(total.values())
    kinds = ", ".join(f"{v} {k}" for k, v in total.most_common())
    files = len(results)
    out.print(f"{count} notice{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
              + (f" ({kinds})" if kinds else ""))
