"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning, VS Code SARIF viewer, Azure DevOps).

Scheme, so results stay comparable between runs:

- ``ruleId`` is ``<verdict>/<rule id>``, e.g. ``not-allowed/rohstoff-welt.reproduction-ban``: the same rule
  can lead to different verdicts, and each verdict is a different problem to fix.
- Columns and character offsets count Unicode code points (``run.columnKind = "unicodeCodePoints"``), 1-based
  columns, ``endColumn`` exclusive — exactly the project's offset convention.
- ``partialFingerprints["complianceMatch/v1"]`` hashes ruleId, path and the normalized passage text, so a
  passage keeps its identity when lines move.
- ``ok`` verdicts are ``kind: "pass"`` with level ``none``; suppressed verdicts carry ``suppressions``.
- The source passage is a ``relatedLocation`` (character offsets into the corpus document, with a snippet).
- A verdict's fix is a ``fixes`` entry (``artifactChanges`` with ``replacements``; ``properties.safe``).
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any, TextIO
from urllib.parse import quote

from compliance import __version__
from compliance.findings import Verdict
from compliance.pipeline import FileResult
from compliance.report.common import (
    fingerprint,
    link_list,
    normalized,
    passage_text,
    relative_path,
    rule_id,
    sorted_verdicts,
    source_label,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "complianceMatch/v1"
SRCROOT = "%SRCROOT%"
VERDICT_TEXT = {
    "ok": "Reuse within the quotation right",
    "needs-attribution": "Reused passage needs attribution",
    "needs-quotation-marks": "Reused passage needs quotation marks",
    "exceeds-quote-limit": "Reused passage exceeds the quote limit",
    "not-allowed": "Reuse not allowed by the source's terms",
    "pasted-notice": "Third-party rights notice pasted into the draft",
    "notice": "Rights notice",
}


def information_uri() -> str | None:
    """The project's home page from the installed package metadata (``[project.urls]``), if any."""
    try:
        meta = metadata.metadata("compliance")
    except metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        _, _, url = entry.partition(",")
        if url.strip().startswith(("http://", "https://")):
            return url.strip()
    home = meta.get("Home-page")
    return home if home and home.startswith(("http://", "https://")) else None


def uri(path: str, root: str | None) -> str:
    """A URI reference for ``path``: relative (to ``root``) and percent-encoded, or ``file:`` when outside."""
    rel = relative_path(path, root)
    if rel.startswith("/"):
        return "file://" + quote(rel)
    return quote(rel)


def _rule(v: Verdict) -> dict[str, Any]:
    links = link_list(v.links)
    title = VERDICT_TEXT.get(v.verdict, v.verdict)
    out: dict[str, Any] = {
        "id": rule_id(v),
        "name": "".join(p.capitalize() for p in v.verdict.split("-")),
        "shortDescription": {"text": f"{title} ({v.rule})"},
        "fullDescription": {"text": f"{title}; decided by rule {v.rule}."},
        "defaultConfiguration": {"level": LEVEL.get(v.severity, "warning") if v.verdict != "ok" else "none"},
        "properties": {"tags": ["compliance", v.verdict], "decidedBy": v.rule},
    }
    helps = [f"- [{t}]({u})" if u else f"- {t}" for t, u in links]
    if helps:
        out["help"] = {"text": "Legal basis: " + "; ".join(f"{t} {u or ''}".strip() for t, u in links),
                       "markdown": "Legal basis:\n\n" + "\n".join(helps)}
    first = next((u for _, u in links if u), None)
    if first:
        out["helpUri"] = first
    return out


def _region(result: FileResult, v: Verdict) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": v.start.line, "startColumn": v.start.column,
                              "endLine": v.end.line, "endColumn": v.end.column,
                              "charOffset": v.draft_start, "charLength": v.draft_end - v.draft_start}
    text = passage_text(v, result)
    if text:
        region["snippet"] = {"text": text}
    return region


def _message(v: Verdict) -> str:
    head = VERDICT_TEXT.get(v.verdict, v.verdict)
    if v.match is not None:
        head += f": {v.words} words from {source_label(v)}"
    elif v.notice is not None:
        head += f": {v.notice.kind} notice" + (f" of {v.notice.publisher}" if v.notice.publisher else "")
    reasons = "; ".join(v.reasons)
    return f"{head} — {reasons}." if reasons else f"{head}."


def _related(v: Verdict, root: str | None) -> list[dict[str, Any]]:
    if v.match is None:
        return []
    m = v.match
    region: dict[str, Any] = {"charOffset": m.source_start, "charLength": m.source_end - m.source_start}
    if m.source_text:
        region["snippet"] = {"text": m.source_text}
    return [{"id": 1, "message": {"text": f"source passage: {source_label(v)}"},
             "physicalLocation": {"artifactLocation": _artifact(m.source.path or m.source.id, root),
                                  "region": region}}]


def _artifact(path: str, root: str | None) -> dict[str, Any]:
    ref = uri(path, root)
    return {"uri": ref} if ref.startswith("file:") else {"uri": ref, "uriBaseId": SRCROOT}


def _fixes(result: FileResult, v: Verdict, root: str | None) -> list[dict[str, Any]]:
    """The verdict's fix as SARIF ``fixes``: one artifactChange of the draft, a replacement per edit (the
    deleted region in lines/columns and code-point offsets; an insertion deletes nothing). A fix that only
    advises (no edits) has none: SARIF requires at least one change."""
    fix, doc = v.fix, result.document
    if fix is None or not fix.replacements or doc is None:
        return []
    replacements = []
    for r in fix.replacements:
        start, end = doc.position(r.start), doc.position(r.end)
        region = {"startLine": start.line, "startColumn": start.column, "endLine": end.line,
                  "endColumn": end.column, "charOffset": r.start, "charLength": r.end - r.start}
        replacements.append({"deletedRegion": region, "insertedContent": {"text": r.text}})
    return [{"description": {"text": f"{fix.message} ({'safe' if fix.safe else 'unsafe'} fix)"},
             "artifactChanges": [{"artifactLocation": _artifact(result.path, root), "replacements": replacements}],
             "properties": {"kind": fix.kind, "safe": fix.safe}}]


def _result(result: FileResult, v: Verdict, index: int, root: str | None) -> dict[str, Any]:
    rel = relative_path(result.path, root)
    out: dict[str, Any] = {
        "ruleId": rule_id(v),
        "ruleIndex": index,
        "kind": "pass" if v.verdict == "ok" else "fail",
        "level": "none" if v.verdict == "ok" else LEVEL.get(v.severity, "warning"),
        "message": {"text": _message(v)},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(result.path, root),
                                            "region": _region(result, v)}}],
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint(rule_id(v), rel, normalized(passage_text(v, result)))},
        "properties": {"verdict": v.verdict, "rule": v.rule, "words": v.words,
                       "reasons": list(v.reasons)},
    }
    if v.source_id or v.match is not None:
        out["properties"]["sourceId"] = v.source_id or v.match.source.id  # type: ignore[union-attr]
    if result.record is not None:
        out["properties"]["record"] = result.record
    related = _related(v, root)
    if related:
        out["relatedLocations"] = related
    fixes = _fixes(result, v, root)
    if fixes:
        out["fixes"] = fixes
    if v.suppressed:
        suppression: dict[str, Any] = {"kind": "inSource", "status": "accepted"}
        justification = getattr(v, "suppression_reason", None)
        if justification:
            suppression["justification"] = str(justification)
        out["suppressions"] = [suppression]
    return out


def sarif_log(results: list[FileResult], root: str | None = None) -> dict[str, Any]:
    """The whole SARIF log as a dict: one run, one rule per distinct ruleId (in order of first use)."""
    rules: dict[str, dict[str, Any]] = {}
    index: dict[str, int] = {}
    sarif_results = []
    for result in results:
        for v in sorted_verdicts(result):
            rid = rule_id(v)
            if rid not in rules:
                rules[rid] = _rule(v)
                index[rid] = len(index)
            sarif_results.append(_result(result, v, index[rid], root))
    driver: dict[str, Any] = {"name": "compliance", "version": __version__, "semanticVersion": __version__,
                              "rules": list(rules.values())}
    home = information_uri()
    if home:
        driver["informationUri"] = home
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    notes = _not_checked(results, root)
    if notes:
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": notes}]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _not_checked(results: list[FileResult], root: str | None) -> list[dict[str, Any]]:
    """Files the run skipped and an empty corpus index, as notifications: SARIF has no summary line, and a
    code-scanning view must not show a clean run for what was never read."""
    from compliance.coverage import coverage_of

    cov = coverage_of(results)
    if cov is None:
        return []
    notes: list[dict[str, Any]] = [
        {"level": "warning", "message": {"text": f"not checked: {s.reason}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(s.path, root)}}}]}
        for s in cov.skipped]
    if cov.index_documents == 0:
        notes.append({"level": "warning", "message": {"text": f"corpus index {cov.index_path} has no documents: "
                                                              "no reused passage could be found"}})
    return notes


def render(results: list[FileResult], stream: TextIO, *, root: str | None = None, **_: Any) -> None:
    json.dump(sarif_log(results, root), stream, ensure_ascii=False, indent=2)
    stream.write("\n")
