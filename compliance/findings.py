"""The finding model shared by every detector and reporter.

Spans are code-point offsets into the document's decoded text, half-open; ``start``/``end`` are the
1-based line/column of the span's first character and of its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance.textpos import Position


@dataclass
class Notice:
    """A rights notice (or disclaimer) found in a document."""

    kind: str
    rule: str
    text: str
    start_offset: int
    end_offset: int
    start: Position
    end: Position
    severity: str = "warning"
    message: str = ""
    language: list[str] = field(default_factory=list)
    holder: str | None = None
    years: list[int] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    publisher: str | None = None
    license: str | None = None
    role: str | None = None
    scope: str | None = None  # block kind the notice starts in
    quoted: bool = False
    links: list[dict[str, str]] = field(default_factory=list)
    score: float | None = None  # the scorer's probability, for frame and scorer findings
    cues: list[str] = field(default_factory=list)  # "SLOT:word" cues that decided a frame/scorer finding

    @property
    def offset(self) -> tuple[int, int]:
        return self.start_offset, self.end_offset

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "text": self.text,
            "offset": [self.start_offset, self.end_offset],
            "start": self.start.to_dict(),
            "end": self.end.to_dict(),
            "severity": self.severity,
            "message": self.message,
            "holder": self.holder,
            "years": self.years,
            "urls": self.urls,
            "publisher": self.publisher,
            "license": self.license,
            "role": self.role,
            "scope": self.scope,
            "quoted": self.quoted,
            "links": self.links,
            "score": self.score,
            "cues": self.cues,
        }


@dataclass
class Warning_:
    """A problem that did not stop the scan (a rule that timed out, an unused suppression)."""

    path: str
    message: str
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rule": self.rule, "message": self.message}


@dataclass
class SourceRef:
    """The corpus document a passage was reused from."""

    id: str
    path: str
    title: str | None = None
    publisher: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "path": self.path, "title": self.title, "publisher": self.publisher}


@dataclass
class Match:
    """A passage of a draft reused from a corpus document, with exact spans on both sides."""

    source: SourceRef
    draft_start: int
    draft_end: int
    source_start: int
    source_end: int
    start: Position
    end: Position
    similarity: float
    words: int
    quoted: bool = False
    draft_text: str = ""
    source_text: str = ""
    also: list[SourceRef] = field(default_factory=list)  # other sources holding the same passage
    kind: str = "verbatim"  # "verbatim": same language (copied or edited); "translation": another language

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.to_dict(),
            "draft_offset": [self.draft_start, self.draft_end],
            "source_offset": [self.source_start, self.source_end],
            "start": self.start.to_dict(),
            "end": self.end.to_dict(),
            "similarity": round(self.similarity, 4),
            "words": self.words,
            "quoted": self.quoted,
            "draft_text": self.draft_text,
            "source_text": self.source_text,
            "also": [s.to_dict() for s in self.also],
            "kind": self.kind,
        }


VERDICTS = ("ok", "needs-attribution", "needs-quotation-marks", "exceeds-quote-limit", "not-allowed",
            "pasted-notice")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass
class Replacement:
    """Replace ``text[start:end]`` (code points into the draft's decoded text, half-open) by ``text``."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass
class Fix:
    """A verdict's remedy: edits that make the passage compliant (``safe``: they keep the draft's meaning)."""

    kind: str  # quote | attribute | trim | restore | remove-notice | advice (a message, no edits)
    safe: bool
    replacements: list[Replacement]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "safe": self.safe, "replacements": [r.to_dict() for r in self.replacements],
                "message": self.message}


@dataclass
class Verdict:
    """What policy says about one reused passage (or one third-party notice pasted into the draft)."""

    verdict: str  # one of VERDICTS
    rule: str  # the rule (or licence/default policy id) that decided
    severity: str  # error | warning | info
    draft_start: int
    draft_end: int
    start: Position
    end: Position
    words: int
    reasons: list[str] = field(default_factory=list)
    source_id: str | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    match: Match | None = None
    notice: Notice | None = None
    suppressed: bool = False
    fix: Fix | None = None  # None: no remedy (an ok passage)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "rule": self.rule,
            "severity": self.severity,
            "source_id": self.source_id,
            "draft_offset": [self.draft_start, self.draft_end],
            "start": self.start.to_dict(),
            "end": self.end.to_dict(),
            "words": self.words,
            "reasons": self.reasons,
            "links": self.links,
            "suppressed": self.suppressed,
            "fix": self.fix.to_dict() if self.fix else None,
        }


@dataclass
class SourceSummary:
    """Per source: what may be quoted, stored and reproduced, in one line."""

    id: str
    publisher: str | None
    quote: str  # e.g. "≤ 50 words with attribution"
    store: str  # allow | deny | review
    reproduce: str  # allow | deny | review
    tdm: str = "allowed"
    license: str | None = None
    rules: list[str] = field(default_factory=list)

    def line(self) -> str:
        yes_no = {"allow": "yes", "deny": "no", "review": "review"}
        return (f"{self.publisher or self.id} — quote: {self.quote} · store: {yes_no.get(self.store, self.store)}"
                f" · reproduce: {yes_no.get(self.reproduce, self.reproduce)}")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "publisher": self.publisher, "quote": self.quote, "store": self.store,
                "reproduce": self.reproduce, "tdm": self.tdm, "license": self.license, "rules": self.rules,
                "summary": self.line()}
