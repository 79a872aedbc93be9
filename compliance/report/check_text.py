"""The terminal report of ``compliance check``: per file, each passage beside its source, then a summary.

Everything user-supplied is rendered as :class:`rich.text.Text` (never as markup), so a draft containing
``[bold]`` or ``[/]`` prints literally. Without colour (piped output) differences are marked the way
``wdiff`` does: ``{+draft words+}`` and ``[-source words-]``.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.style import Style
from rich.table import Table
from rich.text import Text

from compliance.coverage import Skipped, coverage_of
from compliance.findings import Verdict
from compliance.pipeline import FileResult
from compliance.report.common import (
    DEFAULT_MAX_WORDS,
    Segment,
    display_path,
    elide,
    flat,
    link_list,
    passage_segments,
    passage_text,
    plural,
    sorted_verdicts,
    summarize,
)
from compliance.suppress import is_baselined

VERDICT_STYLE = {
    "ok": "bold green",
    "needs-attribution": "bold yellow",
    "needs-quotation-marks": "bold yellow",
    "exceeds-quote-limit": "bold dark_orange",
    "not-allowed": "bold red",
    "pasted-notice": "bold magenta",
}
DIFF_STYLE = {"draft": "black on yellow", "source": "black on cyan"}
MARKERS = {"draft": ("{+", "+}"), "source": ("[-", "-]")}
SIDE_BY_SIDE_MIN_WIDTH = 90  # below this, draft and source are stacked
SKIPPED_SHOWN = 20  # files listed as not checked; a walk over a big tree would flood the report


def make_console(stream: TextIO, width: int | None = None, color: bool | None = None) -> Console:
    """Colours and the terminal's width on a terminal (rich honours NO_COLOR/FORCE_COLOR); no colour and
    120 columns when piped. ``color`` forces colour on or off."""
    tty = stream.isatty() if hasattr(stream, "isatty") else False
    common: dict[str, Any] = {"file": stream, "width": width or (None if tty else 120), "highlight": False,
                              "soft_wrap": False, "emoji": False, "markup": False}
    if color is None:
        return Console(**common)
    return Console(**common, force_terminal=color, no_color=not color, color_system="auto" if color else None)


def render(results: list[FileResult], stream: TextIO | None = None, *, console: Console | None = None,
           width: int | None = None, color: bool | None = None, max_words: int | None = DEFAULT_MAX_WORDS,
           **_: Any) -> None:
    """Print every file's passages, pasted notices, source lines, draft notices and warnings; then one
    summary line for all files."""
    out = console or make_console(stream or sys.stdout, width, color)
    plain = _plain(out)
    for result in results:
        _render_file(out, result, plain, max_words)
    if any(v.match is not None and not is_baselined(v) for r in results for v in r.verdicts):
        out.print(_legend(plain))
    coverage = coverage_of(results)
    if coverage is not None and coverage.skipped:
        _render_skipped(out, coverage.skipped)
    out.print(Text(summarize(results).line(), style="bold"), soft_wrap=True)  # one greppable line


def _render_skipped(out: Console, skipped: list[Skipped]) -> None:
    """The files not read, each with why (the first SKIPPED_SHOWN; JSON lists every one)."""
    out.print(Text(f"Not checked ({len(skipped)})", style="bold underline"))
    for s in skipped[:SKIPPED_SHOWN]:
        out.print(Text(f"  {s.path}: {s.reason}", style="yellow"))
    if len(skipped) > SKIPPED_SHOWN:
        out.print(Text(f"  … and {len(skipped) - SKIPPED_SHOWN} more (--format json lists every one)", style="dim"))
    out.print()


def _plain(out: Console) -> bool:
    """Whether differences need text markers: no colour system (piped), or colour switched off on a
    terminal (NO_COLOR, ``no_color``), where rich would drop the highlight styles and with them the diff."""
    return out.color_system is None or out.no_color


def _legend(plain: bool) -> Text:
    if plain:
        return Text("differences: {+only in the draft+} [-only in the source-]", style="dim")
    return Text.assemble(("differences: ", "dim"), ("only in the draft", DIFF_STYLE["draft"]), " ",
                         ("only in the source", DIFF_STYLE["source"]))


def _render_file(out: Console, result: FileResult, plain: bool, max_words: int | None) -> None:
    name = display_path(result)
    accepted = sum(1 for v in result.verdicts if is_baselined(v))  # counted in one line, not shown again
    shown = [v for v in sorted_verdicts(result) if not is_baselined(v)]
    if not (shown or result.notices or result.sources or result.warnings):
        out.print(Text(f"{name}: " + (f"no new findings ({accepted} baselined)" if accepted else
                                      "no reused passages, no notices"), style="dim"))
        return
    out.print(Rule(Text(name, style="bold"), align="left"))
    for v in shown:
        _render_verdict(out, result, v, plain, max_words)
    if accepted:
        out.print(Text(f"{plural(accepted, 'finding')} baselined (not shown)", style="dim"))
    if result.sources:
        out.print(Text("Sources", style="bold underline"))
        for s in result.sources:
            out.print(Text("  " + s.line()))
    own = [n for n in result.notices if not _pasted(result, n.start_offset, n.end_offset)]
    if own:
        out.print(Text("Notices in this draft", style="bold underline"))
        for n in own:
            out.print(Text.assemble(f"  {n.start.line}:{n.start.column} ", (n.kind, "cyan"),
                                    f"  {flat(n.text, 100)}  ", (n.rule, "dim")))
    for w in result.warnings:
        out.print(Text(f"warning: {w.path}: {w.message}", style="yellow"))
    out.print()


def _pasted(result: FileResult, start: int, end: int) -> bool:
    """Whether a draft notice is already shown as a pasted-notice verdict."""
    return any(v.notice is not None and v.notice.start_offset == start and v.notice.end_offset == end
               for v in result.verdicts)


def _headline(v: Verdict) -> Text:
    where = f"{v.start.line}:{v.start.column}–{v.end.line}:{v.end.column}"
    head = Text.assemble((f"{v.verdict}", VERDICT_STYLE.get(v.verdict, "bold")), "  ", where, "  ",
                         (v.rule, "cyan"))
    if v.suppressed:
        head.append("  (suppressed)", style="dim")
    details = [f"{v.words} words"] if v.words else []
    if v.match is not None:
        source = v.match.source.path or v.match.source.id
        details.append(f"translated from {source}" if v.match.kind == "translation"
                       else f"{v.match.similarity:.0%} similar to {source}")
    elif v.notice is not None and (v.notice.publisher or v.notice.holder):
        details.append(f"notice of {v.notice.publisher or v.notice.holder}")
    if details:
        head.append("  · " + " · ".join(details), style="dim")
    return head


def _side(segments: list[Segment], side: str, plain: bool, max_words: int | None) -> Text:
    text = Text()
    left, right = MARKERS[side]
    for seg in elide(segments, max_words):
        body = flat(seg.text) + (" " if seg.text[-1:].isspace() else "")
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


def _passages(out: Console, v: Verdict, draft: str, plain: bool, max_words: int | None):
    """Draft and source side by side (stacked on narrow terminals), differences highlighted."""
    assert v.match is not None
    seg_draft, seg_source = passage_segments(draft, v.match) if v.match.source_text else (
        [Segment(draft, False)], [])
    left = _side(seg_draft, "draft", plain, max_words)
    right = _side(seg_source, "source", plain, max_words) if seg_source else Text("(source text not available)",
                                                                                 style="dim")
    src = v.match.source
    source_title = Text(f"source: {src.publisher or src.title or src.id}", no_wrap=True, overflow="ellipsis")
    table = Table(box=box.ROUNDED, expand=True, show_header=True, header_style="bold", pad_edge=True)
    if out.width >= SIDE_BY_SIDE_MIN_WIDTH:
        table.add_column(Text("draft"), ratio=1, overflow="fold", vertical="top")
        table.add_column(source_title, ratio=1, overflow="fold", vertical="top")
        table.add_row(left, right)
    else:
        table.add_column(Text("draft / ") + source_title, overflow="fold")
        table.add_row(left)
        table.add_row(right)
        table.show_lines = True
    return table


def _render_verdict(out: Console, result: FileResult, v: Verdict, plain: bool, max_words: int | None) -> None:
    out.print(_headline(v))
    text = passage_text(v, result)
    parts: list[Any] = []
    if v.match is not None:
        parts.append(_passages(out, v, text, plain, max_words))
    elif text:
        parts.append(Padding(Text(flat(text, 400), style="italic"), (0, 0, 0, 4), expand=False))
    for reason in v.reasons:
        parts.append(Text("  • " + reason))
    for title, url in link_list(v.links):
        line = Text("  ↳ ")
        line.append(title, style=Style(link=url) if url and not plain else "")
        if url:
            line.append(f" <{url}>", style="dim")
        parts.append(line)
    if v.fix is not None:
        parts += _fix(result, v, plain)
    out.print(Group(*parts))
    out.print()


def _fix(result: FileResult, v: Verdict, plain: bool) -> list[Any]:
    """The fix's message, then the draft's lines as the fix would write them."""
    from compliance.report.fixview import fix_label, preview

    assert v.fix is not None
    head = Text(f"  ✎ {fix_label(v)}: ", style="" if plain else "bold")
    head.append(v.fix.message)
    shown = preview(result, v)
    if shown is None:
        return [head]
    where = shown.where()
    head.append(f" ({where}:)", style="dim")
    return [head, Padding(Text(shown.text, style="" if plain else "green"), (0, 0, 0, 4), expand=False)]
