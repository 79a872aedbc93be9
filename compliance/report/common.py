"""What every check reporter shares: ordering, counting, the summary line, word diffs, fingerprints.

Reporters differ only in markup; the numbers, the order of verdicts and the diff between a passage and
its source are computed here once so that text, Markdown, HTML, SARIF and GitHub output always agree.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from compliance.coverage import Coverage, Skipped, coverage_of, skipped_phrase
from compliance.findings import SEVERITY_RANK, VERDICTS, Verdict
from compliance.pipeline import FileResult
from compliance.suppress import is_baselined

PASTED = "pasted-notice"
NOTICE = "notice"  # `compliance notices` in the check formats (report/notice_verdicts.py)
# Worst first: the order of counts in the summary line and of rows in tables.
VERDICT_ORDER = tuple(reversed([v for v in VERDICTS if v != PASTED])) + (PASTED,)
_RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}

_TOKEN = regex.compile(r"\S+\s*")
# Characters that do not make two words different: quotation marks a drafter adds, Markdown emphasis.
_EDGE = "\"'„“”‚‘’«»‹›「」『』*_`>()[].,;:!?…"
_SPACE = regex.compile(r"\s+")
SAFE_SCHEMES = ("http://", "https://", "mailto:")
DEFAULT_MAX_WORDS = 200  # words shown per side of a passage; the rest is elided


def display_path(result: FileResult) -> str:
    """The path as users know it, with the record number for container files (WARC, JSONL)."""
    return result.path + (f"#{result.record}" if result.record is not None else "")


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def is_passage(v: Verdict) -> bool:
    """A verdict on a reused passage (as opposed to a third-party notice pasted into the draft, or a
    notice listed by ``compliance notices``)."""
    return v.verdict not in (PASTED, NOTICE)


def sorted_verdicts(result: FileResult) -> list[Verdict]:
    """Verdicts in reading order, worst first at the same offset."""
    return sorted(result.verdicts, key=lambda v: (v.draft_start, v.draft_end, _RANK.get(v.verdict, 99)))


def source_id(v: Verdict) -> str | None:
    if v.source_id:
        return v.source_id
    return v.match.source.id if v.match is not None else None


def source_label(v: Verdict) -> str:
    """A human name for the passage's source: publisher, title or path, whichever is known."""
    if v.match is None:
        return v.source_id or ""
    src = v.match.source
    name = src.publisher or src.title or src.id
    return f"{name} ({src.path})" if src.path and src.path != name else name


def passage_text(v: Verdict, result: FileResult | None = None) -> str:
    """The draft text the verdict is about, taken from the match, the notice or the document."""
    if v.match is not None and v.match.draft_text:
        return v.match.draft_text
    if v.notice is not None and v.notice.text:
        return v.notice.text
    if result is not None and result.document is not None:
        return result.document.text[v.draft_start:v.draft_end]
    return ""


def flat(text: str, width: int | None = None) -> str:
    """Whitespace collapsed to single spaces, optionally cut to ``width`` characters with an ellipsis."""
    out = _SPACE.sub(" ", text).strip()
    if width is not None and len(out) > width:
        out = out[: width - 1].rstrip() + "…"
    return out


def normalized(text: str) -> str:
    """The form fingerprints and baselines compare: case-folded words, quotation marks and markup dropped."""
    words = (w.strip().strip(_EDGE).casefold() for w in text.split())
    return " ".join(w for w in words if w)


def fingerprint(*parts: str) -> str:
    """A stable hash of ``parts`` (rule, path, normalized text) — independent of line numbers."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:32]


def rule_id(v: Verdict) -> str:
    """The stable id of what was decided: verdict kind and the rule that decided it."""
    return f"{v.verdict}/{v.rule}"


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a web or mail link; never a ``javascript:`` or ``data:`` URL."""
    if url and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None


def relative_path(path: str, root: str | None = None) -> str:
    """``path`` relative to ``root`` (default: the working directory) when below it, with ``/`` separators."""
    if path in ("-", "") or path.startswith("<"):
        return path
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(Path(root or os.getcwd()).resolve()).as_posix()
    except ValueError:
        return p.as_posix()


# -- counting ---------------------------------------------------------------------------------------------


@dataclass
class Summary:
    """Counts over all files; ``line()`` is the report's last line."""

    files: int
    passages: int
    sources: int
    verdicts: Counter[str]
    pasted: int
    suppressed: int
    notices: int
    listed: int = 0  # notice verdicts (`compliance notices`): the line counts notices, not passages
    baselined: int = 0  # accepted by the baseline (not in ``suppressed``, which counts inline suppressions)
    coverage: Coverage | None = None  # what the run skipped, the index it used (check runs)

    def _files(self) -> str:
        """`` in 3 files``; with skips even `` in 1 file``: the line says how much was read."""
        if self.files > 1 or (self.coverage is not None and self.coverage.skipped):
            return f" in {plural(self.files, 'file')}"
        return ""

    def line(self) -> str:
        if self.listed and not (self.passages or self.pasted):
            return plural(self.listed, "rights notice") + self._files() + self._coverage_text()
        if self.passages:
            head = f"{plural(self.passages, 'passage')} from {plural(self.sources, 'source')}"
        else:
            head = "no reused passages"
        head += self._files()
        counts = ", ".join(f"{self.verdicts[v]} {v}" for v in VERDICT_ORDER if self.verdicts.get(v))
        out = f"{head}: {counts}" if counts else head
        extra = []
        if self.pasted:
            extra.append(plural(self.pasted, "pasted notice"))
        if self.suppressed:
            extra.append(f"{self.suppressed} suppressed")
        if self.baselined:
            extra.append(f"{plural(self.baselined, 'finding')} baselined")
        return out + (f"; {', '.join(extra)}" if extra else "") + self._coverage_text()

    def _coverage_text(self) -> str:
        """``; 2 skipped (.pdf: 1, .mdx: 1); corpus index empty (PATH)``: what was not read or compared."""
        cov = self.coverage
        if cov is None:
            return ""
        parts = [skipped_phrase(cov.skipped)] if cov.skipped else []
        if cov.index_documents == 0:
            parts.append(f"corpus index empty ({cov.index_path})")
        return "".join(f"; {p}" for p in parts)

    def to_dict(self) -> dict[str, Any]:
        return {"files": self.files, "passages": self.passages, "sources": self.sources,
                "verdicts": {v: self.verdicts[v] for v in VERDICT_ORDER if self.verdicts.get(v)},
                "pasted_notices": self.pasted, "suppressed": self.suppressed, "notices": self.notices,
                "baselined": self.baselined, **(self.coverage or Coverage()).to_dict(), "line": self.line()}


def summarize(results: list[FileResult]) -> Summary:
    """Active (unsuppressed) passages per verdict, distinct sources, pasted notices and suppressions."""
    verdicts: Counter[str] = Counter()
    sources: set[str] = set()
    pasted = suppressed = listed = baselined = 0
    for result in results:
        for v in result.verdicts:
            if is_baselined(v):
                baselined += 1
            elif v.suppressed:
                suppressed += 1
            elif v.verdict == NOTICE:
                listed += 1
            elif not is_passage(v):
                pasted += 1
            else:
                verdicts[v.verdict] += 1
                sid = source_id(v)
                if sid:
                    sources.add(sid)
    return Summary(files=len(results), passages=sum(verdicts.values()), sources=len(sources),
                   verdicts=verdicts, pasted=pasted, suppressed=suppressed,
                   notices=sum(len(r.notices) for r in results), listed=listed, baselined=baselined,
                   coverage=coverage_of(results))


SKIPPED_SHOWN = 50  # files listed as not checked in Markdown/HTML; JSON lists every one


def not_checked(results: list[FileResult], limit: int = SKIPPED_SHOWN) -> tuple[list[Skipped], int]:
    """The files a check run skipped (the first ``limit``) and how many more there are."""
    cov = coverage_of(results)
    skipped = cov.skipped if cov is not None else []
    return skipped[:limit], max(0, len(skipped) - limit)


def findings_line(results: list[FileResult]) -> str:
    """``3 drafts, 2 findings (1 error, 1 warning)``: what a run found, for the terminal when the report
    itself went to a file. Findings are active verdicts other than ``ok``."""
    counts = Counter(v.severity for r in results for v in r.verdicts if not v.suppressed and v.verdict != "ok")
    head = plural(len(results), "draft")
    if not counts:
        return f"{head}, no findings"
    order = sorted(counts, key=lambda s: -SEVERITY_RANK.get(s, 0))
    by_severity = ", ".join(plural(counts[s], s, "info" if s == "info" else None) for s in order)
    return f"{head}, {plural(sum(counts.values()), 'finding')} ({by_severity})"


def worst_severity(results: list[FileResult]) -> str | None:
    """The highest severity among active findings (``ok`` verdicts are not findings) — for ``--fail-on``."""
    ranks = [SEVERITY_RANK.get(v.severity, 0) for r in results for v in r.verdicts
             if not v.suppressed and v.verdict != "ok"]
    if not ranks:
        return None
    best = max(ranks)
    return next(name for name, rank in SEVERITY_RANK.items() if rank == best)


# -- word diff --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of words (with their trailing whitespace) on one side of a diff."""

    text: str
    changed: bool


def _tokens(text: str) -> tuple[str, list[str]]:
    lead = text[: len(text) - len(text.lstrip())]
    return lead, [m.group() for m in _TOKEN.finditer(text)]


def _key(token: str) -> str:
    return token.strip().strip(_EDGE).casefold()


def _segments(lead: str, tokens: list[str], changed: list[bool]) -> list[Segment]:
    out: list[Segment] = [Segment(lead, False)] if lead else []
    for token, flag in zip(tokens, changed, strict=True):
        if out and out[-1].changed == flag:
            out[-1] = Segment(out[-1].text + token, flag)
        else:
            out.append(Segment(token, flag))
    return out


def word_diff(draft: str, source: str) -> tuple[list[Segment], list[Segment]]:
    """Word-level differences between a passage and its source, as segments for each side.

    Words compare case-insensitively and without surrounding quotation marks or emphasis markup, so a
    properly quoted copy shows no differences; what differs is what the drafter changed.
    """
    from rapidfuzz.distance import Levenshtein

    lead_a, tok_a = _tokens(draft)
    lead_b, tok_b = _tokens(source)
    changed_a = [True] * len(tok_a)
    changed_b = [True] * len(tok_b)
    for op in Levenshtein.opcodes([_key(t) for t in tok_a], [_key(t) for t in tok_b]):
        if op.tag == "equal":
            changed_a[op.src_start:op.src_end] = [False] * (op.src_end - op.src_start)
            changed_b[op.dest_start:op.dest_end] = [False] * (op.dest_end - op.dest_start)
    return _segments(lead_a, tok_a, changed_a), _segments(lead_b, tok_b, changed_b)


def passage_segments(draft: str, match) -> tuple[list[Segment], list[Segment]]:
    """Both sides of a match: word differences for reuse in the same language; a translation is shown plain
    (every word of the other language would be marked as changed)."""
    if getattr(match, "kind", "verbatim") == "translation":
        return [Segment(draft, False)], [Segment(match.source_text, False)]
    return word_diff(draft, match.source_text)


def elide(segments: list[Segment], max_words: int | None) -> Iterator[Segment]:
    """The segments cut after ``max_words`` words, with a marker saying how many were left out."""
    if not max_words:
        yield from segments
        return
    left = max_words
    for i, seg in enumerate(segments):
        tokens = _TOKEN.findall(seg.text)
        if len(tokens) <= left:
            yield seg
            left -= len(tokens)
            continue
        if left:
            yield Segment("".join(tokens[:left]), seg.changed)
        rest = len(tokens) - left + sum(len(_TOKEN.findall(s.text)) for s in segments[i + 1:])
        yield Segment(f"… ({plural(rest, 'more word')})", False)
        return


def link_list(links: list[dict[str, str]]) -> list[tuple[str, str | None]]:
    """(title, safe url or None) for each legal-basis link."""
    return [(link.get("title") or link.get("url") or "", safe_url(link.get("url"))) for link in links]
