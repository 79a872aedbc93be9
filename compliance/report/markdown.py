"""Markdown for a pull-request comment or a CI job summary: a verdict table, then each passage.

Draft text is untrusted: every piece of it is escaped (Markdown punctuation backslash-escaped; ``<``, ``>``,
``&`` as entities; a zero-width space after ``@`` so a quoted handle notifies nobody), so it cannot add
links, images or HTML, or break the table. Differences: **bold** words are in the draft only, ~~struck~~
words in the source only.
"""

from __future__ import annotations

from typing import Any, TextIO

import regex

from compliance.findings import Verdict
from compliance.pipeline import FileResult
from compliance.report.common import (
    DEFAULT_MAX_WORDS,
    VERDICT_ORDER,
    Segment,
    display_path,
    elide,
    flat,
    link_list,
    not_checked,
    passage_segments,
    passage_text,
    relative_path,
    sorted_verdicts,
    source_label,
    summarize,
)

ICON = {"ok": "✅", "needs-attribution": "🟡", "needs-quotation-marks": "🟡", "exceeds-quote-limit": "🟠",
        "not-allowed": "⛔", "pasted-notice": "📋", "notice": "©"}
_SPECIAL = regex.compile(r"([\\`*_{}\[\]()#+!|~])")
_LINE_START = regex.compile(r"^(\s*)(?:([-+=])|(\d+)\.)")  # list markers and setext underlines


def md(text: str) -> str:
    """``text`` as inert inline Markdown: one line, no markup, no HTML, no mentions."""
    out = _SPECIAL.sub(r"\\\1", flat(text))
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "@\u200b")
    return _LINE_START.sub(_unlist, out)


def _unlist(m: regex.Match[str]) -> str:
    return m.group(1) + (f"\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\.")


def md_url(url: str) -> str:
    """A URL usable inside ``[title](<url>)``."""
    return url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def _lines(v: Verdict) -> str:
    if v.end.line > v.start.line:
        return f"{v.start.line}–{v.end.line}"
    return str(v.start.line)


def _source(v: Verdict) -> str:
    if v.match is not None:
        return md(source_label(v))
    if v.notice is not None:
        return md(v.notice.publisher or v.notice.holder or v.notice.kind)
    return md(v.source_id or "")


def summary_markdown(results: list[FileResult], root: str | None = None) -> str:
    """Heading, summary line and one table row per verdict (suppressed ones marked)."""
    summary = summarize(results)
    out = ["### Compliance check", "", f"**{md(summary.line())}**", "", *_not_checked(results, root)]
    rows = [(r, v) for r in results for v in sorted_verdicts(r)]
    if not rows:
        return "\n".join(out)
    out += ["| Verdict | File | Line | Rule | Source | Words | Reasons |",
            "|---|---|---|---|---|---:|---|"]
    rank = {k: i for i, k in enumerate(VERDICT_ORDER)}
    rows.sort(key=lambda rv: (rv[1].suppressed, rank.get(rv[1].verdict, 99)))
    for result, v in rows:
        verdict = f"{ICON.get(v.verdict, '')} {md(v.verdict)}".strip()
        if v.suppressed:
            verdict = f"~~{verdict}~~ (suppressed)"
        path = md(relative_path(result.path, root) + (f"#{result.record}" if result.record is not None else ""))
        out.append(f"| {verdict} | {path} | {_lines(v)} | {md(v.rule)} | {_source(v)} | {v.words} | "
                   f"{'<br>'.join(md(r) for r in v.reasons)} |")
    return "\n".join(out)


def _not_checked(results: list[FileResult], root: str | None) -> list[str]:
    """A folded list of the files the run skipped, each with why (a reviewer must see what was not read)."""
    skipped, more = not_checked(results)
    if not skipped:
        return []
    items = [f"- {md(relative_path(s.path, root))}: {md(s.reason)}" for s in skipped]
    if more:
        items.append(f"- … and {more} more (the JSON report lists every one)")
    return ["<details><summary>Not checked</summary>", "", *items, "", "</details>", ""]


def _side(segments: list[Segment], mark: str, max_words: int | None) -> str:
    parts = []
    for seg in elide(segments, max_words):
        body = md(seg.text)
        if body:
            parts.append(f"{mark}{body}{mark}" if seg.changed else body)
    return " ".join(parts)


def _verdict_block(result: FileResult, v: Verdict, max_words: int | None) -> list[str]:
    where = f"lines {_lines(v)}" if v.end.line > v.start.line else f"line {_lines(v)}"
    title = f"{ICON.get(v.verdict, '')} **{md(v.verdict)}** · {where} · rule {md(v.rule)}".lstrip()
    if v.suppressed:
        title += " · suppressed"
    out = [f"##### {title}", ""]
    text = passage_text(v, result)
    if v.match is not None and v.match.source_text:
        draft, source = passage_segments(text, v.match)
        out += [f"> **Draft** ({v.words} words):", ">", f"> {_side(draft, '**', max_words)}", "",
                f"> **Source** — {md(source_label(v))}:", ">", f"> {_side(source, '~~', max_words)}", ""]
    elif text:
        out += [f"> {_side([Segment(text, False)], '', max_words)}", ""]
    out += [f"- {md(r)}" for r in v.reasons]
    links = [f"[{md(t)}](<{md_url(u)}>)" if u else md(t) for t, u in link_list(v.links)]
    if links:
        out.append(f"- Legal basis: {' · '.join(links)}")
    if v.fix is not None:
        out += _suggestion(result, v)
    return [*out, ""]


def _suggestion(result: FileResult, v: Verdict) -> list[str]:
    """The fix's message, and its lines as a GitHub ``suggestion`` block (a reviewer applies it with one
    click). The fence is longer than any backtick run in the text, so draft text cannot close it."""
    from compliance.report.fixview import fix_label, preview

    assert v.fix is not None
    out = ["", f"**{md(fix_label(v).capitalize())}:** {md(v.fix.message)}"]
    shown = preview(result, v)
    if shown is not None:
        where = shown.where()
        fence = "`" * max(3, 1 + max((len(run) for run in regex.findall(r"`+", shown.text)), default=0))
        out += ["", f"<sub>{where}:</sub>", "", f"{fence}suggestion", shown.text, fence]
    return out


def _file_section(result: FileResult, root: str | None, max_words: int | None) -> list[str]:
    name = relative_path(result.path, root) + (f"#{result.record}" if result.record is not None else "")
    out = [f"#### {md(name or display_path(result))}", ""]
    for v in sorted_verdicts(result):
        out += _verdict_block(result, v, max_words)
    if result.sources:
        out += ["**Sources**", ""] + [f"- {md(s.line())}" for s in result.sources] + [""]
    if result.notices:
        out += ["**Notices in this draft**", ""]
        out += [f"- line {n.start.line}: {md(n.kind)} — {md(flat(n.text, 160))} ({md(n.rule)})"
                for n in result.notices]
        out.append("")
    out += [f"- ⚠️ {md(w.message)}" for w in result.warnings]
    return out


def render(results: list[FileResult], stream: TextIO, *, root: str | None = None,
           max_words: int | None = DEFAULT_MAX_WORDS, **_: Any) -> None:
    """Summary table first (what a reviewer needs), then the passages file by file."""
    out = [summary_markdown(results, root), ""]
    for result in results:
        if result.verdicts or result.notices or result.sources or result.warnings:
            out += _file_section(result, root, max_words)
    out.append("<sub>differences: **bold** only in the draft, ~~struck~~ only in the source</sub>")
    stream.write("\n".join(out).rstrip() + "\n")
