"""Terminal output of ``compliance check`` before policy verdicts: each match beside its source.

Draft and source passages sit side by side (stacked on narrow terminals) with the words that differ
highlighted; without colour (piped output) they are marked ``{+draft+}`` / ``[-source-]`` like
``wdiff``. The word diff and elision are the check reporters' (:mod:`compliance.report.common`), so
this view and the verdict reports always agree. User text is never parsed as rich markup.
"""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from compliance.findings import Match
from compliance.pipeline import FileResult

DIFF_STYLE = {"draft": "black on yellow", "source": "black on cyan"}
MARKERS = {"draft": ("{+", "+}"), "source": ("[-", "-]")}
SIDE_BY_SIDE_MIN_WIDTH = 90
MAX_WORDS = 200


def make_console(stream: TextIO) -> Console:
    tty = stream.isatty() if hasattr(stream, "isatty") else False
    return Console(file=stream, width=None if tty else 120, highlight=False, soft_wrap=False, emoji=False,
                   markup=False)


def render_matches(results: list[FileResult], stream: TextIO, max_words: int | None = MAX_WORDS) -> None:
    """Every file's matches (draft beside source), the draft's own notices, then one summary line."""
    out = make_console(stream)
    plain = out.color_system is None
    for result in results:
        _render_file(out, result, plain, max_words)
    matches = sum(len(r.matches) for r in results)
    sources = len({m.source.id for r in results for m in r.matches})
    words = sum(m.words for r in results for m in r.matches)
    files = len(results)
    out.print(Text(f"{matches} reused passage{'s' if matches != 1 else ''} ({words} words) from "
                   f"{sources} source{'s' if sources != 1 else ''} in {files} file{'s' if files != 1 else ''}",
                   style="bold"), soft_wrap=True)


def _render_file(out: Console, result: FileResult, plain: bool, max_words: int | None) -> None:
    name = result.path + (f"#{result.record}" if result.record is not None else "")
    if not result.matches and not result.notices and not result.warnings:
        out.print(Text(f"{name}: no reused passages, no notices", style="dim"))
        return
    out.print(Rule(Text(name, style="bold"), align="left"))
    if not result.matches:
        out.print(Text("no reused passages", style="dim"))
    for m in result.matches:
        out.print(_headline(m))
        out.print(_passages(out, m, plain, max_words))
        out.print()
    if result.notices:
        out.print(Text("Notices in this draft", style="bold underline"))
        for n in result.notices:
            out.print(Text.assemble(f"  {n.start.line}:{n.start.column} ", (n.kind, "cyan"),
                                    f"  {_flat(n.text, 100)}  ", (n.rule, "dim")))
    for w in result.warnings:
        out.print(Text(f"warning: {w.path}: {w.message}", style="yellow"))
    out.print()


def _headline(m: Match) -> Text:
    where = f"{m.start.line}:{m.start.column}–{m.end.line}:{m.end.column}"
    head = Text.assemble(("reused", "bold magenta"), "  ", where, "  ", (f"{m.words} words", "bold"),
                         f" · {m.similarity:.0%} similar")
    if m.quoted:
        head.append(" · quoted", style="green")
    src = m.source
    head.append(f"  ← {src.path}", style="cyan")
    label = " · ".join(x for x in (src.publisher, src.title) if x)
    if label:
        head.append(f" ({label})", style="dim")
    head.append(f"  [{src.id}] {m.source_start}–{m.source_end}", style="dim")
    if m.also:
        head.append(f"  also in {len(m.also)} other source{'s' if len(m.also) != 1 else ''}: "
                    + ", ".join(a.path for a in m.also[:3]) + (" …" if len(m.also) > 3 else ""), style="dim")
    return head


def _side(segments, side: str, plain: bool, max_words: int | None) -> Text:
    from compliance.report.common import elide

    text = Text()
    left, right = MARKERS[side]
    for seg in elide(segments, max_words):
        body = _flat(seg.text) + (" " if seg.text[-1:].isspace() else "")
        if not seg.changed:
            text.append(body)
        elif plain:
            stripped = body.rstrip()
            text.append(f"{left}{stripped}{right}" + body[len(stripped):])
        else:
            text.append(body.rstrip(), style=DIFF_STYLE[side])
            text.append(body[len(body.rstrip()):])
    text.rstrip()
    return text


def _passages(out: Console, m: Match, plain: bool, max_words: int | None) -> Table:
    from compliance.report.common import word_diff

    seg_draft, seg_source = word_diff(m.draft_text, m.source_text)
    left = _side(seg_draft, "draft", plain, max_words)
    right = _side(seg_source, "source", plain, max_words)
    table = Table(box=box.ROUNDED, expand=True, show_header=True, header_style="bold")
    if out.width >= SIDE_BY_SIDE_MIN_WIDTH:
        table.add_column(Text("draft"), ratio=1, overflow="fold", vertical="top")
        table.add_column(Text("source"), ratio=1, overflow="fold", vertical="top")
        table.add_row(left, right)
    else:
        table.add_column(Text("draft / source"), overflow="fold")
        table.add_row(left)
        table.add_row(right)
        table.show_lines = True
    return table


def _flat(text: str, width: int | None = None) -> str:
    flat = " ".join(text.split())
    return flat if width is None or len(flat) <= width else flat[:width - 1] + "…"
