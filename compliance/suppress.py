"""Noise control: inline suppressions in drafts, and a baseline of accepted findings.

Inline: ``<!-- compliance: ignore RULE-ID[,RULE-ID] reason="…" -->`` silences verdicts whose rule id or
verdict kind is named, in the next block. A suppression without a reason is an input error; one that
silenced nothing is reported as a warning.

Baseline: a JSON file of accepted findings keyed by rule, path and the normalized matched text (not by line
numbers, so edits elsewhere in the file do not invalidate it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import regex

from compliance.document import Document
from compliance.errors import ConfigError, InputError
from compliance.findings import Verdict, Warning_

_COMMENT = regex.compile(r"<!--\s*compliance:\s*ignore\b(?P<body>.*?)-->", regex.S)
_REASON = regex.compile(r"""\breason\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""")
BASELINE_VERSION = 1
DEFAULT_BASELINE = ".compliance/baseline.json"  # written by `baseline update`, read by `check` when present
IN_BASELINE = "in baseline"  # the reason a baselined verdict carries


@dataclass
class Suppression:
    ids: set[str]
    reason: str
    line: int
    start: int  # the block it covers, source offsets
    end: int
    used: bool = False


def parse_suppressions(doc: Document) -> list[Suppression]:
    out = []
    for m in _COMMENT.finditer(doc.text):
        body = m.group("body")
        line = doc.position(m.start()).line
        reason_m = _REASON.search(body)
        reason = (reason_m.group("dq") or reason_m.group("sq") or "").strip() if reason_m else ""
        if not reason:
            raise InputError('suppression needs a reason: <!-- compliance: ignore RULE-ID reason="…" -->',
                             doc.path, line)
        ids_text = body[:reason_m.start()] if reason_m else body
        ids = {i for i in regex.split(r"[\s,]+", ids_text.strip()) if i}
        if not ids:
            raise InputError("suppression names no rule id", doc.path, line)
        nxt = next((b for b in doc.blocks if b.start >= m.end() and not _is_comment(doc, b.start, b.end)), None)
        start, end = (nxt.start, nxt.end) if nxt else (m.end(), m.end())
        out.append(Suppression(ids, reason, line, start, end))
    return out


def _is_comment(doc: Document, start: int, end: int) -> bool:
    chunk = doc.text[start:end].strip()
    return chunk.startswith("<!--") and chunk.endswith("-->")


def apply_suppressions(doc: Document, verdicts: list[Verdict]) -> list[Warning_]:
    """Mark suppressed verdicts; return warnings for suppressions that silenced nothing."""
    sups = parse_suppressions(doc)
    for v in verdicts:
        for s in sups:
            if s.start <= v.draft_start < max(s.end, s.start + 1) and (v.rule in s.ids or v.verdict in s.ids):
                v.suppressed = True
                v.reasons.append(f"suppressed: {s.reason}")
                s.used = True
    return [Warning_(doc.path, f"line {s.line}: unused suppression of {', '.join(sorted(s.ids))}")
            for s in sups if not s.used]


def fingerprint(rule: str, path: str, text: str) -> str:
    """Stable key of a finding: rule, path and the matched text with case and spacing normalized."""
    normalized = " ".join(text.casefold().split())
    return hashlib.sha256(f"{rule}\0{Path(path).as_posix()}\0{normalized}".encode()).hexdigest()[:32]


def verdict_key(v: Verdict, doc: Document, path: str) -> str:
    return fingerprint(f"{v.verdict}/{v.rule}", path, doc.text[v.draft_start:v.draft_end])


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("baseline file not found (create it with `compliance baseline update`)",
                          str(path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read baseline: {err}", str(path)) from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"invalid JSON: {err.msg}", str(path), err.lineno, err.colno) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or \
            not isinstance(data.get("findings"), list):
        raise ConfigError("not a compliance baseline (expected version 1 with a findings list)", str(path))
    return {f["key"] for f in data["findings"] if isinstance(f, dict) and "key" in f}


def apply_baseline(keys: set[str], doc: Document, path: str, verdicts: list[Verdict]) -> int:
    """Mark verdicts already in the baseline as suppressed; return how many."""
    n = 0
    for v in verdicts:
        if not v.suppressed and verdict_key(v, doc, path) in keys:
            v.suppressed = True
            v.reasons.append(IN_BASELINE)
            n += 1
    return n


def is_baselined(v: Verdict) -> bool:
    """Accepted by the baseline: reports count these in one line instead of showing each again."""
    return v.suppressed and IN_BASELINE in v.reasons


def write_baseline(path: Path, entries: list[dict]) -> None:
    data = {"version": BASELINE_VERSION, "findings": sorted(entries, key=lambda e: (e["path"], e["rule"], e["key"]))}
    from compliance.safe_write import replace_text

    try:
        replace_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    except OSError as err:
        raise ConfigError(f"cannot write baseline: {err.strerror or err}", str(path)) from None
