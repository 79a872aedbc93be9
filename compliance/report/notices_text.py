"""Rich rendering of notices: a list per file, what the file's notices allow, and a one-line summary."""

from __future__ import annotations

from collections import Counter

import regex
from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.text import Text

from compliance.findings import Notice
from compliance.pipeline import FileResult
from compliance.readers.stream import is_error
from compliance.report.common import display_path, flat, safe_url

NOTICE_CHARS = 240  # of a notice's text shown (about three lines at 80 columns)
INDENT = 4
# [text](url "title"), a URL may hold one level of parentheses
_LINK = regex.compile(r"!?\[([^\]\n]*)\]\(\s*((?:[^()\s]|\([^()\s]*\))*)(?:\s+[\"'][^\"'\n]*[\"'])?\s*\)")
_AUTOLINK = regex.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
_EMPHASIS = regex.compile(r"(\*\*|__|\*|`)(\S(?:.*?\S)?)\1")
_STRAY = regex.compile(r"\]\([^)\s]*\)?|[\[\]]|<(?=(?:https?://|mailto:))")  # left of a link the span cut

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


def details(n: Notice, shown: str = "") -> str:
    """Who, when, which licence and the first link of a notice; a link already in ``shown`` is left out."""
    parts = []
    if n.publisher or n.holder:
        parts.append(n.publisher or n.holder)
    if n.years:
        parts.append("–".join(str(y) for y in (n.years[0], n.years[-1])) if len(n.years) > 1 else str(n.years[0]))
    if n.license:
        parts.append(n.license)
    if n.urls and n.urls[0] not in shown:
        parts.append(n.urls[0])
    return " · ".join(parts)


def display_text(text: str, width: int = NOTICE_CHARS) -> str:
    """A notice as a reader sees it: Markdown link syntax, autolink brackets and emphasis removed (a web
    link target is kept in parentheses, ``#`` and relative ones are dropped), whitespace collapsed, cut
    at ``width`` characters. Notice spans often end inside a link (``berichtet [Mining.com``), so stray
    brackets go too."""
    out = _AUTOLINK.sub(r"\1", text)
    out = _LINK.sub(_link_text, out)
    out = _EMPHASIS.sub(r"\2", out)
    out = _STRAY.sub("", out)
    return flat(out, width)


def _link_text(m: regex.Match) -> str:
    url = safe_url(m.group(2))
    return m.group(1) + (f" ({url})" if url and url != m.group(1) else "")


def _entry(n: Notice) -> Group:
    """One notice as a short list entry: position, kind and rule on one line, then its text and who/when/
    which licence, indented and wrapped at word boundaries (a narrow table column broke words)."""
    head = Text.assemble(f"{n.start.line}:{n.start.column}  ", (n.kind, KIND_STYLE.get(n.kind, "")), "  ",
                         (n.rule, "dim"))
    text = display_text(n.text)
    body = [Text(text)]
    extra = details(n, shown=text)
    if extra:
        body.append(Text(extra, style="cyan"))
    return Group(head, Padding(Group(*body), (0, 0, 0, INDENT), expand=False))


def render_notices(results: list[FileResult], out: Console) -> None:
    """Per file: its notices as a list, the provenance chain, and what the notices allow (the line
    ``check`` prints for a source); then one summary line for all files."""
    total: Counter[str] = Counter()
    for result in results:
        name = display_path(result)
        for w in result.warnings:
            out.print(Text(f"warning: {w.path}: {w.message}", style="yellow"))
        if result.document is not None and is_error(result.document):
            continue  # not read: its warning says so, "no notices" would not be true
        if not result.notices:
            out.print(Text(f"{name}: no notices", style="dim"))
            continue
        out.print(Rule(Text(name, style="bold"), align="left"))
        for n in result.notices:
            total[n.kind] += 1
            out.print(_entry(n))
        if result.provenance and result.provenance.chain():
            out.print(Text(f"provenance: {result.provenance.chain()}", style="italic"))
        if result.permissions is not None:
            out.print(Text(result.permissions.line(), style="bold"))
        out.print()
    count = sum(total.values())
    kinds = ", ".join(f"{v} {k}" for k, v in total.most_common())
    files = len(results)
    out.print(f"{count} notice{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
              + (f" ({kinds})" if kinds else ""))
