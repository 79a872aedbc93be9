"""``compliance audit --format html``: one self-contained page for triage.

Order of the page is the order of work: the decision (what must not be stored, what needs review, the exit
code and why), then the documents grouped by store verdict (deny, unreadable, review, allow), then the
publishers (a table sortable by any column), then clusters of copies.

No scripts and no external assets: CSS is inline and a Content-Security-Policy forbids any script or
network load, so a hostile page title can never run in the reader's browser. The publisher table is
sorted without JavaScript: every row carries its rank under each column as a CSS variable, and the
column links target an anchor that switches the rows' ``order`` (``:target``). Every value from a page
(titles, URLs, notice text) is escaped; links are only made from http(s) URLs. On a phone (≤ 640 px)
document rows become cards and wide tables scroll inside their own box, never the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from compliance import __version__
from compliance.audit.report import (
    COLUMNS,
    MAX_HTML_DOCS,
    Column,
    Outcome,
    Row,
    Summary,
    decision_lines,
    summary_line,
    triage_key,
    where,
)
from compliance.report.common import safe_url
from compliance.report.html import CSP, esc

# The groups documents are listed in, most urgent first: (key, heading, what it means).
GROUPS = (
    ("deny", "Must not be stored", "The rule named in the store column forbids keeping a copy."),
    ("error", "Could not be read", "No verdict: the document could not be read (see the reason)."),
    ("review", "Need review", "No notice or signal decides: a person must check the terms before storing."),
    ("allow", "May be stored", "A licence or the publisher's terms allow keeping a copy."),
)
OPEN_ROWS = 40  # groups longer than this start collapsed

CSS = """
:root { --fg:#1f2328; --bg:#fff; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa;
  --allow:#1a7f37; --review:#9a6700; --deny:#cf222e; --signal:#8250df; --text:#bc4c00; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --bg:#0d1117; --muted:#9198a1; --line:#3d444d;
  --soft:#151b23; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  margin: 0 auto; max-width: 1280px; padding: 1.5rem; overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line);
  padding-bottom: .25rem; margin: 2rem 0 .5rem; }
.lead { font-size: 1.15rem; font-weight: 700; margin: .25rem 0; }
.decision p { margin: .2rem 0; } code { font-size: .85em; background: var(--soft); padding: .1em .3em;
  border-radius: 3px; }
.groups { display: flex; flex-wrap: wrap; gap: .5rem; margin: .75rem 0; padding: 0; list-style: none; }
.groups a { display: block; padding: .35rem .75rem; border-radius: 6px; color: #fff; text-decoration: none;
  font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .88rem; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--soft); white-space: nowrap; }
.badge { display: inline-block; border-radius: 1em; padding: 0 .55em; color: #fff; font-weight: 600;
  font-size: .82em; white-space: nowrap; background: var(--muted); }
.b-allow, .b-allowed { background: var(--allow); } .b-review, .b-limited { background: var(--review); }
.b-deny, .b-no, .b-error { background: var(--deny); } .b-signal { background: var(--signal); }
.b-text { background: var(--text); }
details { margin: .15rem 0; } summary { cursor: pointer; color: var(--muted); }
section > details > summary { color: var(--fg); font-weight: 600; }
ul { margin: .3rem 0; padding-left: 1.3rem; } .meta { color: var(--muted); font-size: .85rem; }
footer { margin-top: 2rem; color: var(--muted); font-size: .8rem; }
/* publisher table: a grid, so rows can be reordered by CSS (see the module docstring) */
.ptable { display: grid; min-width: 44rem; font-size: .88rem; margin: .5rem 0; }
.ptable .prow { display: grid; grid-template-columns: minmax(9rem, 2.4fr) repeat(10, minmax(3.6rem, 1fr));
  border-bottom: 1px solid var(--line); }
.ptable .prow > * { padding: .2rem .45rem; } .ptable .num { text-align: right; font-variant-numeric: tabular-nums; }
.ptable .prow > :first-child { position: sticky; left: 0; background: var(--bg); }
.ptable .head, .ptable .head > :first-child, .ptable .total, .ptable .total > :first-child {
  background: var(--soft); }
.ptable .head { font-weight: 600; overflow-wrap: normal; } .ptable .head a { color: inherit; }
.ptable .total { font-weight: 700; }
.ptable .deny { color: var(--deny); font-weight: 600; }
.anchor { display: block; position: relative; top: -1rem; }
@media (max-width: 640px) {
  body { padding: .75rem; font-size: 14px; }
  table.docs, table.docs tbody, table.docs tr, table.docs td { display: block; width: 100%; }
  table.docs thead { display: none; }
  table.docs tr { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; padding: .25rem 0; }
  table.docs td { border: 0; padding: .15rem .6rem; }
  table.docs td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
  table.docs td:empty { display: none; }
}
"""


def write_html(records: Iterable[dict[str, Any]], summary: Summary, clusters: list[Any], run: Any,
               stream: TextIO, result: Outcome | None = None, records_path: str | None = None) -> None:
    """The whole page; ``result`` and ``records_path`` let the lead say why the exit code and where the
    records are, as the terminal summary does."""
    stream.write("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
                 '<meta name="viewport" content="width=device-width, initial-scale=1">'
                 f"<title>compliance audit</title><style>{CSS}{_sort_css()}</style></head><body>\n")
    stream.write(_decision(summary, clusters, run, result, records_path))
    stream.write(_groups(records, summary))
    stream.write(_publishers(summary))
    stream.write(_clusters(clusters))
    stream.write(f"<footer>compliance {esc(__version__)} · store/TDM/quote verdicts come from the rule named in "
                 "each row; a TDM reservation by machine-readable signal and one in natural language are "
                 "counted apart.</footer></body></html>\n")


# --- the lead ----------------------------------------------------------------------------------------


def _decision(summary: Summary, clusters: list[Any], run: Any, result: Outcome | None,
              records_path: str | None) -> str:
    lead, *rest = decision_lines(summary, result, records_path)
    body = "".join(_decision_line(line) for line in rest)
    counts = {"deny": summary.total.store["deny"], "error": summary.total.errors,
              "review": summary.total.store["review"], "allow": summary.total.store["allow"]}
    links = "".join(f'<li><a class="b-{key}" href="#{key}">{counts[key]} {esc(title.lower())}</a></li>'
                    for key, title, _ in GROUPS if counts[key])
    return (f'<h1>Archive audit</h1><div class="decision"><p class="lead">{esc(lead)}</p>{body}</div>'
            f'<ul class="groups">{links}</ul><p class="meta">{esc(summary_line(summary, clusters, run))}</p>\n')


def _decision_line(line: str) -> str:
    """A jq command is shown as code, everything else as text."""
    label, sep, command = line.strip().partition(": ")
    if sep and command.startswith("jq "):
        return f"<p>{esc(label)}: <code>{esc(command)}</code></p>"
    return f"<p>{esc(line)}</p>"


# --- documents by decision ---------------------------------------------------------------------------


def group_of(record: dict[str, Any]) -> str:
    if record.get("error") or not record.get("verdicts"):
        return "error"
    return record["verdicts"]["store"]["verdict"]


def _groups(records: Iterable[dict[str, Any]], summary: Summary) -> str:
    """Every document under its store verdict, most urgent group first, by publisher within a group.

    One pass over the records; at most MAX_HTML_DOCS rows are kept, so the urgent groups are never cut
    for the sake of the long review list."""
    rows: dict[str, list[tuple[tuple[str, str, int], str]]] = {key: [] for key, _, _ in GROUPS}
    for record in records:
        bucket = rows.setdefault(group_of(record), [])
        if len(bucket) < MAX_HTML_DOCS:
            key = ((record.get("publisher") or "\uffff").casefold(), record["path"], record.get("record") or 0)
            bucket.append((key, _document(record)))
    out, shown = [], 0
    for key, title, meaning in GROUPS:
        items = sorted(rows.get(key, []))[: max(0, MAX_HTML_DOCS - shown)]
        if not items:
            continue
        shown += len(items)
        total = _group_total(summary, key)
        more = (f'<p class="meta">{len(items)} of {total} listed; the record file (--output) has them all.</p>'
                if total > len(items) else "")
        table = (f'<div class="scroll"><table class="docs"><thead><tr><th>document</th><th>publisher / licence</th>'
                 f"<th>store</th><th>TDM</th><th>quote</th><th>cluster</th></tr></thead><tbody>\n"
                 f'{"".join(row + chr(10) for _, row in items)}</tbody></table></div>{more}')
        opened = " open" if len(items) <= OPEN_ROWS else ""
        out.append(f'<section id="{key}"><h2>{esc(title)} ({total})</h2><p class="meta">{esc(meaning)}</p>'
                   f"<details{opened}><summary>{total} documents</summary>{table}</details></section>\n")
    return "".join(out)


def _group_total(summary: Summary, key: str) -> int:
    return summary.total.errors if key == "error" else summary.total.store[key]


def _link(text: str, url: str | None) -> str:
    safe = safe_url(url)
    return f'<a href="{esc(safe)}" rel="noreferrer noopener">{esc(text)}</a>' if safe else esc(text)


def _badge(value: str | None, cls: str | None = None) -> str:
    if value is None:
        return ""
    return f'<span class="badge b-{esc(cls or value)}">{esc(value)}</span>'


def _verdict_cells(record: dict[str, Any]) -> str:
    v = record.get("verdicts")
    if not v:
        return f'<td data-label="error" colspan="3">{_badge("error")} {esc(record.get("error") or "")}</td>'
    tdm = v["tdm"]
    tdm_cls = "signal" if tdm.get("machine_readable") else "text" if tdm["verdict"] == "reserved" else "allow"
    quote = v["quote"]["verdict"] + (f" ≤ {v['quote']['max_words']} words" if v["quote"].get("max_words") else "")
    return "".join(f'<td data-label="{label}">{badge} <span class="meta">{esc(rule)}</span></td>'
                   for label, badge, rule in (
                       ("store", _badge(v["store"]["verdict"]), v["store"]["rule"]),
                       ("TDM", _badge(tdm["verdict"], tdm_cls), tdm["rule"]),
                       ("quote", _badge(quote, v["quote"]["verdict"]), v["quote"]["rule"])))


def _details(record: dict[str, Any]) -> str:
    notices, signals = record.get("notices") or [], record.get("signals") or []
    if not (notices or signals):
        return ""
    items = "".join(f"<li>{esc(n['kind'])} <span class=\"meta\">{esc(n['rule'])}</span>: {esc(n['text'])}</li>"
                    for n in notices)
    items += "".join(f"<li>{esc(s['kind'])} = {esc(s['value'])} <span class=\"meta\">({esc(s['source'])}"
                     f"{', machine-readable' if s.get('machine_readable') else ''})</span></li>" for s in signals)
    return (f"<details><summary>{len(notices)} notices, {len(signals)} signals</summary>"
            f"<ul>{items}</ul></details>")


def _document(record: dict[str, Any]) -> str:
    cluster = record.get("cluster")
    cluster_cell = "" if not cluster else (f'<a href="#{esc(cluster["id"])}">{esc(cluster["id"])}</a>'
                                           + (" (original)" if cluster.get("original") else ""))
    title = record.get("title") or record.get("url") or ""
    licence = f"<div class=\"meta\">{esc(record['license'])}</div>" if record.get("license") else ""
    return (f"<tr><td><div>{_link(title, record.get('url')) if title else ''}</div>"
            f"<div class=\"meta\">{esc(where(record['path'], record.get('record')))}</div>{_details(record)}</td>"
            f"<td data-label=\"publisher\">{esc(record.get('publisher') or '')}{licence}</td>"
            f"{_verdict_cells(record)}<td data-label=\"cluster\">{cluster_cell}</td></tr>")


# --- publishers, sortable without script ---------------------------------------------------------------


def _slug(column: Column | None) -> str:
    return "by-publisher" if column is None else "by-" + column.header.replace(":", "-")


def _sort_css() -> str:
    """One rule per column: when its anchor is the URL's target, rows take their rank under it as order."""
    keys = [None, *COLUMNS]
    rules = "".join(f"#{_slug(c)}:target ~ .scroll .prow {{ order: var(--{_slug(c)}); }}"
                    f"#{_slug(c)}:target ~ .scroll .h-{_slug(c)}::after {{ content: ' ▼'; }}\n" for c in keys)
    return "\n" + rules


def _ranks(rows: list[tuple[str, Row]]) -> list[dict[str, int]]:
    """Per row, its position when sorted by each column (largest first; names alphabetically)."""
    ranks: list[dict[str, int]] = [{} for _ in rows]
    by_name = sorted(range(len(rows)), key=lambda i: rows[i][0].casefold())
    for pos, i in enumerate(by_name):
        ranks[i][_slug(None)] = pos
    for column in COLUMNS:
        for pos, i in enumerate(sorted(range(len(rows)), key=lambda i: -column.value(rows[i][1]))):
            ranks[i][_slug(column)] = pos
    return ranks


def _prow(name: str, row: Row, ranks: dict[str, int], cls: str = "prow") -> str:
    style = ";".join(f"--{k}:{v}" for k, v in ranks.items())
    cells = "".join(f'<span class="num{" deny" if c.header == "deny" and row.store["deny"] else ""}">'
                    f"{c.value(row)}</span>" for c in COLUMNS)
    return f'<div class="{cls}" role="row" style="{style}"><span>{esc(name)}</span>{cells}</div>'


def _publishers(summary: Summary) -> str:
    """All publishers in triage order (most store-deny, errors, review first); a column heading sorts by it."""
    rows = sorted(summary.publishers.items(), key=triage_key)
    anchors = "".join(f'<i class="anchor" id="{_slug(c)}"></i>' for c in (None, *COLUMNS))
    head = "".join(f'<a class="h-{_slug(c)}{" num" if c else ""}" href="#{_slug(c)}">'
                   f'{esc(c.header if c else "publisher").replace(":", ":<wbr>")}</a>' for c in (None, *COLUMNS))
    body = "".join(_prow(name, row, ranks) for (name, row), ranks in zip(rows, _ranks(rows), strict=True))
    last = {_slug(c): len(rows) for c in (None, *COLUMNS)}  # the total stays last in every order
    first = ";".join(f"--{_slug(c)}:-1" for c in (None, *COLUMNS))  # the heading first
    total = _prow("all", summary.total, last, "prow total")
    return (f'<section id="publishers"><h2>Publishers ({len(rows)})</h2><p class="meta">Most store-deny and '
            "unreadable documents first; a column heading sorts by that column. store: deny / review / allow; "
            "tdm: TDM reserved by machine-readable signal or in text only; quote: no / limited / free.</p>"
            f'{anchors}<div class="scroll"><div class="ptable" role="table">'
            f'<div class="prow head" role="row" style="{first}">{head}</div>{body}{total}</div></div></section>\n')


# --- clusters ------------------------------------------------------------------------------------------


def _clusters(clusters: list[Any]) -> str:
    if not clusters:
        return "<section id=\"clusters\"><h2>Clusters</h2><p>No near-duplicate or syndicated copies.</p></section>\n"
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
    return f"<section id=\"clusters\"><h2>Clusters ({len(clusters)})</h2><ul>{''.join(items)}</ul></section>\n"
