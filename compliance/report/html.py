"""One self-contained HTML file: summary, verdict table, side-by-side passages, sources, notices.

No scripts, no external assets: CSS is inline and a Content-Security-Policy (``default-src 'none'``)
forbids any script or network load even if something slipped through. Every piece of text from a draft,
a source, a rule or a path goes through :func:`esc`; link targets must be http(s)/mailto URLs.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any, TextIO

import regex

from compliance import __version__
from compliance.findings import Verdict
from compliance.pipeline import FileResult
from compliance.report.common import (
    DEFAULT_MAX_WORDS,
    VERDICT_ORDER,
    Segment,
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

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"
_CLASS = regex.compile(r"^[a-z0-9-]+$")

CSS = """
:root { --fg:#1f2328; --bg:#fff; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa;
  --ok:#1a7f37; --warn:#9a6700; --limit:#bc4c00; --bad:#cf222e; --pasted:#8250df;
  --add:#fff1a8; --del:#c8e8ff; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --bg:#0d1117; --muted:#9198a1; --line:#3d444d;
  --soft:#151b23; --add:#5c4b00; --del:#0b3e66; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line);
  padding-bottom: .25rem; margin-top: 2rem; word-break: break-all; } h3 { font-size: 1rem; margin: 0 0 .5rem; }
.summary { font-weight: 600; font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); } td.num { text-align: right; }
.badge { display: inline-block; border-radius: 1em; padding: 0 .6em; color: #fff; font-weight: 600;
  font-size: .85em; white-space: nowrap; background: var(--muted); }
.v-ok { background: var(--ok); } .v-needs-attribution, .v-needs-quotation-marks { background: var(--warn); }
.v-exceeds-quote-limit { background: var(--limit); } .v-not-allowed { background: var(--bad); }
.v-pasted-notice { background: var(--pasted); }
article { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
article.suppressed { opacity: .6; }
.meta { color: var(--muted); font-size: .9rem; }
pre.fix { white-space: pre-wrap; overflow-wrap: anywhere; border-left: 3px solid var(--muted); padding-left: .5rem; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; }
@media (max-width: 800px) { .pair { grid-template-columns: 1fr; } }
.side { background: var(--soft); border-radius: 4px; padding: .5rem .75rem; }
.side h4 { margin: 0 0 .25rem; font-size: .8rem; text-transform: uppercase; color: var(--muted); }
.side p { margin: 0; overflow-wrap: anywhere; }
mark.add { background: var(--add); color: inherit; } mark.del { background: var(--del); color: inherit; }
blockquote { margin: .25rem 0; padding: .25rem .75rem; border-left: 3px solid var(--line); }
ul { margin: .4rem 0; padding-left: 1.4rem; } .legend { color: var(--muted); font-size: .85rem; }
footer { margin-top: 2rem; color: var(--muted); font-size: .8rem; }
"""


def esc(text: object) -> str:
    """HTML-escape anything shown (quotes too, so it is safe in attributes)."""
    return html.escape(str(text), quote=True)


def _cls(verdict: str) -> str:
    return f"v-{verdict}" if _CLASS.match(verdict) else "v-other"


def _badge(verdict: str) -> str:
    return f'<span class="badge {_cls(verdict)}">{esc(verdict)}</span>'


def _where(v: Verdict) -> str:
    if v.end.line > v.start.line:
        return f"lines {v.start.line}–{v.end.line}"
    return f"line {v.start.line}, col {v.start.column}–{v.end.column}"


def _path(result: FileResult, root: str | None) -> str:
    return relative_path(result.path, root) + (f"#{result.record}" if result.record is not None else "")


def _link(title: str, url: str | None) -> str:
    if not url:
        return esc(title)
    return f'<a href="{esc(url)}" rel="noreferrer noopener">{esc(title)}</a>'


def _segments(segments: Iterable[Segment], mark: str) -> str:
    out = []
    for seg in segments:
        body = esc(flat(seg.text))
        if body:
            out.append(f'<mark class="{mark}">{body}</mark>' if seg.changed else body)
    return " ".join(out)


def _verdict_table(results: list[FileResult], ids: dict[int, str], root: str | None) -> str:
    rows = [(r, v) for r in results for v in sorted_verdicts(r)]
    if not rows:
        return ""
    rank = {k: i for i, k in enumerate(VERDICT_ORDER)}
    rows.sort(key=lambda rv: (rv[1].suppressed, rank.get(rv[1].verdict, 99)))
    body = []
    for result, v in rows:
        source = source_label(v) if v.match is not None else (
            (v.notice.publisher or v.notice.holder or v.notice.kind) if v.notice is not None else v.source_id or "")
        state = " (suppressed)" if v.suppressed else ""
        body.append(
            f'<tr><td><a href="#{ids[id(v)]}">{_badge(v.verdict)}</a>{state}</td>'
            f"<td>{esc(_path(result, root))}</td><td>{v.start.line}</td><td>{esc(v.rule)}</td>"
            f'<td>{esc(source)}</td><td class="num">{v.words}</td>'
            f"<td>{'<br>'.join(esc(r) for r in v.reasons)}</td></tr>")
    head = "<tr><th>Verdict</th><th>File</th><th>Line</th><th>Rule</th><th>Source</th><th>Words</th>" \
           "<th>Reasons</th></tr>"
    return f"<table class=\"verdicts\"><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _verdict(result: FileResult, v: Verdict, anchor: str, max_words: int | None) -> str:
    meta = [_where(v), f"rule {esc(v.rule)}"]
    if v.words:
        meta.append(f"{v.words} words")
    if v.match is not None:
        meta.append(f"{v.match.similarity:.0%} similar")
    if v.suppressed:
        meta.append("suppressed")
    css = ' class="suppressed"' if v.suppressed else ""
    parts = [f'<article id="{anchor}"{css}>',
             f'<h3>{_badge(v.verdict)} <span class="meta">{" · ".join(meta)}</span></h3>']
    text = passage_text(v, result)
    if v.match is not None:
        draft, source = (passage_segments(text, v.match) if v.match.source_text
                         else ([Segment(text, False)], []))
        right = (_segments(elide(source, max_words), "del") if source
                 else '<em class="meta">source text not available</em>')
        parts.append(
            '<div class="pair">'
            f'<div class="side"><h4>Draft</h4><p>{_segments(elide(draft, max_words), "add")}</p></div>'
            f'<div class="side"><h4>Source: {esc(source_label(v))}</h4><p>{right}</p></div></div>')
    elif text:
        parts.append(f"<blockquote>{esc(flat(text))}</blockquote>")
    if v.reasons:
        parts.append("<ul>" + "".join(f"<li>{esc(r)}</li>" for r in v.reasons) + "</ul>")
    links = link_list(v.links)
    if links:
        parts.append('<p class="meta">Legal basis: ' + " · ".join(_link(t, u) for t, u in links) + "</p>")
    if v.fix is not None:
        parts.append(_fix(result, v))
    parts.append("</article>")
    return "\n".join(parts)


def _fix(result: FileResult, v: Verdict) -> str:
    """The fix's message and the draft's lines as the fix would write them (escaped like all draft text)."""
    from compliance.report.fixview import fix_label, preview

    assert v.fix is not None
    out = f'<p class="fix"><strong>{esc(fix_label(v))}:</strong> {esc(v.fix.message)}</p>'
    shown = preview(result, v)
    if shown is not None:
        where = shown.where()
        out += f'<p class="meta">{where}:</p><pre class="fix">{esc(shown.text)}</pre>'
    return out


def _file(result: FileResult, ids: dict[int, str], root: str | None, max_words: int | None) -> str:
    parts = [f"<section><h2>{esc(_path(result, root))}</h2>"]
    verdicts = sorted_verdicts(result)
    parts += [_verdict(result, v, ids[id(v)], max_words) for v in verdicts]
    if not (verdicts or result.notices or result.sources):
        parts.append('<p class="meta">No reused passages, no notices.</p>')
    if result.sources:
        parts.append("<h3>Sources</h3><ul>" + "".join(f"<li>{esc(s.line())}</li>" for s in result.sources)
                     + "</ul>")
    if result.notices:
        rows = "".join(
            f"<tr><td>{n.start.line}:{n.start.column}</td><td>{esc(n.kind)}</td><td>{esc(flat(n.text, 300))}</td>"
            f"<td>{esc(n.publisher or n.holder or '')}</td><td>{esc(n.rule)}</td></tr>" for n in result.notices)
        parts.append("<h3>Notices in this draft</h3><table><thead><tr><th>Line</th><th>Kind</th><th>Notice</th>"
                     f"<th>Holder</th><th>Rule</th></tr></thead><tbody>{rows}</tbody></table>")
    if result.warnings:
        parts.append("<ul>" + "".join(f"<li>warning: {esc(w.message)}</li>" for w in result.warnings) + "</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _not_checked(results: list[FileResult], root: str | None) -> str:
    """The files the run skipped, each with why, folded under the summary ("" when none)."""
    skipped, more = not_checked(results)
    if not skipped:
        return ""
    items = "".join(f"<li>{esc(relative_path(s.path, root))}: {esc(s.reason)}</li>" for s in skipped)
    if more:
        items += f"<li>… and {more} more (the JSON report lists every one)</li>"
    return f'<details class="skipped"><summary>Not checked</summary><ul>{items}</ul></details>'


def html_report(results: list[FileResult], root: str | None = None,
                max_words: int | None = DEFAULT_MAX_WORDS, title: str = "Compliance report") -> str:
    """The whole document as a string."""
    ids = {id(v): f"v{i}" for i, v in enumerate(v for r in results for v in sorted_verdicts(r))}
    summary = summarize(results)
    body = [f"<header><h1>{esc(title)}</h1>", f'<p class="summary">{esc(summary.line())}</p></header>',
            _not_checked(results, root), _verdict_table(results, ids, root)]
    body += [_file(r, ids, root, max_words) for r in results]
    if ids:
        body.append('<p class="legend">Highlighted: <mark class="add">only in the draft</mark> · '
                    '<mark class="del">only in the source</mark></p>')
    body.append(f"<footer>compliance {esc(__version__)}</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(b for b in body if b) + "\n</body>\n</html>\n")


def render(results: list[FileResult], stream: TextIO, *, root: str | None = None,
           max_words: int | None = DEFAULT_MAX_WORDS, **_: Any) -> None:
    stream.write(html_report(results, root, max_words))
