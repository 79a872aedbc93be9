"""``compliance audit --format html``: one self-contained page (summary, chart, clusters, documents).

No scripts and no external assets: CSS is inline, the chart is CSS bars, and a Content-Security-Policy
forbids any script or network load. Every value from a page (titles, URLs, notice text) is escaped;
links are only made from http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from compliance import __version__
from compliance.audit.report import MAX_HTML_DOCS, QUOTE, STORE, Row, Summary, summary_line, where
from compliance.report.common import safe_url
from compliance.report.html import CSP, esc

CSS = """
:root { --fg:#1f2328; --bg:#fff; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa;
  --allow:#1a7f37; --review:#9a6700; --deny:#cf222e; --signal:#8250df; --text:#bc4c00; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --bg:#0d1117; --muted:#9198a1; --line:#3d444d;
  --soft:#151b23; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  margin: 0 auto; max-width: 1280px; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line);
  padding-bottom: .25rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; font-size: .88rem; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--soft); } td.num { text-align: right; } td.wrap { overflow-wrap: anywhere; }
.summary { font-weight: 600; }
.badge { display: inline-block; border-radius: 1em; padding: 0 .55em; color: #fff; font-weight: 600;
  font-size: .82em; white-space: nowrap; background: var(--muted); }
.b-allow, .b-allowed { background: var(--allow); } .b-review, .b-limited { background: var(--review); }
.b-deny, .b-no, .b-error { background: var(--deny); } .b-signal { background: var(--signal); }
.b-text { background: var(--text); }
.chart { display: grid; grid-template-columns: minmax(8rem, 16rem) 1fr 7rem; gap: .2rem .6rem; align-items: center;
  font-size: .85rem; margin: .75rem 0; }
.chart .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar { display: flex; height: 1rem; background: var(--soft); border-radius: 3px; overflow: hidden; }
.bar span { display: block; height: 100%; }
.s-allow { background: var(--allow); } .s-review { background: var(--review); } .s-deny { background: var(--deny); }
.s-error { background: var(--muted); } .s-signal { background: var(--signal); } .s-text { background: var(--text); }
.legend span { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin: 0 .25rem 0 .8rem;
  vertical-align: middle; }
details { margin: .15rem 0; } summary { cursor: pointer; color: var(--muted); }
ul { margin: .3rem 0; padding-left: 1.3rem; } .meta { color: var(--muted); font-size: .85rem; }
footer { margin-top: 2rem; color: var(--muted); font-size: .8rem; }
"""


def write_html(records: Iterator[dict[str, Any]], summary: Summary, clusters: list[Any], run: Any,
               stream: TextIO) -> None:
    stream.write("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
                 '<meta name="viewport" content="width=device-width, initial-scale=1">'
                 f"<title>compliance audit</title><style>{CSS}</style></head><body>\n")
    stream.write(f"<h1>Archive audit</h1><p class=\"summary\">{esc(summary_line(summary, clusters, run))}</p>\n")
    stream.write(_chart(summary))
    stream.write(_publisher_table(summary))
    stream.write(_clusters(clusters))
    stream.write(_errors(summary))
    _documents(records, summary, stream)
    stream.write(f"<footer>compliance {esc(__version__)} · store/TDM/quote verdicts come from the rule named in "
                 "each row; a TDM reservation by machine-readable signal and one in natural language are "
                 "counted apart.</footer></body></html>\n")


def _bar(parts: list[tuple[str, int]], total: int) -> str:
    spans = "".join(f'<span class="s-{cls}" style="width:{100 * n / total:.2f}%" title="{esc(cls)}: {n}"></span>'
                    for cls, n in parts if n and total)
    return f'<div class="bar">{spans}</div>'


def _chart(summary: Summary) -> str:
    rows = []
    for name, row in summary.top():
        parts = [(k, row.store[k]) for k in STORE] + [("error", row.errors)]
        tdm = [("signal", row.tdm_machine), ("text", row.tdm_text)]
        rows.append(f'<div class="name" title="{esc(name)}">{esc(name)}</div>{_bar(parts, row.docs)}'
                    f'<div>{row.docs} docs · TDM {row.tdm_machine}+{row.tdm_text}</div>'
                    f'<div></div>{_bar(tdm, row.docs)}<div></div>')
    legend = "".join(f'<span class="s-{k}"></span>{esc(label)}' for k, label in (
        ("allow", "store allow"), ("review", "review"), ("deny", "deny"), ("error", "unreadable"),
        ("signal", "TDM reserved by machine-readable signal"), ("text", "TDM reserved in text only")))
    return (f'<h2>Verdicts by publisher</h2><div class="legend">{legend}</div>'
            f'<div class="chart">{"".join(rows)}</div>\n')


def _cells(row: Row) -> str:
    values = [row.docs, *(row.store[k] for k in STORE), row.tdm_machine, row.tdm_text, *(row.quote[k] for k in QUOTE),
              row.errors]
    return "".join(f'<td class="num">{v}</td>' for v in values)


def _publisher_table(summary: Summary) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in (
        "publisher", "docs", "store allow", "review", "deny", "TDM: signal", "TDM: text only", "quote free",
        "limited", "no", "errors"))
    body = "".join(f"<tr><td>{esc(name)}</td>{_cells(row)}</tr>" for name, row in summary.top(len(summary.publishers)))
    total = f"<tr><th>all</th>{_cells(summary.total)}</tr>"
    return f"<h2>Summary</h2><table><thead><tr>{head}</tr></thead><tbody>{body}{total}</tbody></table>\n"


def _link(text: str, url: str | None) -> str:
    safe = safe_url(url)
    return f'<a href="{esc(safe)}" rel="noreferrer noopener">{esc(text)}</a>' if safe else esc(text)


def _clusters(clusters: list[Any]) -> str:
    if not clusters:
        return "<h2>Clusters</h2><p>No near-duplicate or syndicated copies.</p>\n"
    items = []
    for c in clusters:
        original = esc(where(*c.original)) if c.original else "unknown"
        mark = ' <span class="badge b-allow">original</span>'
        members = "".join(f"<li>{esc(where(*k))} {_link(u or '', u)}{mark if k == c.original else ''}</li>"
                          for k, u in zip(c.members, c.urls, strict=True))
        evidence = f" — {esc(c.evidence)}" if c.evidence else ""
        origins = f"<div class=\"meta\">named origins outside the archive: {esc(', '.join(c.origins))}</div>" \
            if c.origins else ""
        items.append(f"<li id=\"{esc(c.id)}\"><strong>{esc(c.id)}</strong>: {len(c.members)} documents, original "
                     f"{original}{evidence}{origins}<ul>{members}</ul></li>")
    return f"<h2>Clusters</h2><ul>{''.join(items)}</ul>\n"


def _errors(summary: Summary) -> str:
    if not summary.errors:
        return ""
    items = "".join(f"<li>{esc(where(p, r))}: {esc(reason)}</li>" for p, r, reason in summary.errors)
    more = summary.total.errors - len(summary.errors)
    tail = f"<p class=\"meta\">… and {more} more (see the records).</p>" if more > 0 else ""
    return f"<h2>Unreadable documents ({summary.total.errors})</h2><ul>{items}</ul>{tail}\n"


def _badge(value: str | None, cls: str | None = None) -> str:
    if value is None:
        return ""
    return f'<span class="badge b-{esc(cls or value)}">{esc(value)}</span>'


def _document(record: dict[str, Any]) -> str:
    v = record.get("verdicts")
    if v:
        tdm = v["tdm"]
        tdm_cls = "signal" if tdm.get("machine_readable") else "text" if tdm["verdict"] == "reserved" else "allow"
        quote = v["quote"]["verdict"] + (f" ≤ {v['quote']['max_words']} words" if v["quote"].get("max_words") else "")
        verdicts = "".join(f'<td>{badge}<div class="meta">{esc(rule)}</div></td>' for badge, rule in (
            (_badge(v["store"]["verdict"]), v["store"]["rule"]), (_badge(tdm["verdict"], tdm_cls), tdm["rule"]),
            (_badge(quote, v["quote"]["verdict"]), v["quote"]["rule"])))
    else:
        verdicts = f"<td colspan=\"3\">{_badge('error')} {esc(record.get('error') or '')}</td>"
    cluster = record.get("cluster")
    cluster_cell = "" if not cluster else (f'<a href="#{esc(cluster["id"])}">{esc(cluster["id"])}</a>'
                                           + (" (original)" if cluster.get("original") else ""))
    details = ""
    if record.get("notices") or record.get("signals"):
        notices = "".join(f"<li>{esc(n['kind'])} <span class=\"meta\">{esc(n['rule'])}</span>: {esc(n['text'])}</li>"
                          for n in record.get("notices") or [])
        signals = "".join(f"<li>{esc(s['kind'])} = {esc(s['value'])} <span class=\"meta\">({esc(s['source'])}"
                          f"{', machine-readable' if s.get('machine_readable') else ''})</span></li>"
                          for s in record.get("signals") or [])
        details = (f"<details><summary>{len(record.get('notices') or [])} notices, "
                   f"{len(record.get('signals') or [])} signals</summary><ul>{notices}{signals}</ul></details>")
    title = record.get("title") or ""
    return (f"<tr><td class=\"wrap\">{esc(where(record['path'], record.get('record')))}"
            f"<div>{_link(title or record.get('url') or '', record.get('url'))}</div>{details}</td>"
            f"<td>{esc(record.get('publisher') or '')}<div class=\"meta\">{esc(record.get('license') or '')}</div></td>"
            f"{verdicts}<td>{cluster_cell}</td></tr>")


def _documents(records: Iterator[dict[str, Any]], summary: Summary, stream: TextIO) -> None:
    stream.write("<h2>Documents</h2><table><thead><tr><th>document</th><th>publisher / licence</th><th>store</th>"
                 "<th>TDM</th><th>quote</th><th>cluster</th></tr></thead><tbody>\n")
    shown = 0
    for record in records:
        if shown >= MAX_HTML_DOCS:
            break
        stream.write(_document(record) + "\n")
        shown += 1
    stream.write("</tbody></table>\n")
    if summary.total.docs > shown:
        stream.write(f"<p class=\"meta\">The first {shown} of {summary.total.docs} documents are listed; the "
                     "record file (--output) has them all.</p>\n")
