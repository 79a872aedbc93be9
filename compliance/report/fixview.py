"""A verdict's fix as reporters show it: the draft's lines it touches, rewritten.

Text and HTML reports print the proposed lines under the verdict, Markdown puts them in a GitHub
``suggestion`` block (which replaces whole lines), SARIF gives the raw replacements.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.findings import Replacement, Verdict
from compliance.pipeline import FileResult
from compliance.policy.fixes import apply_replacements


@dataclass
class FixPreview:
    """Lines ``first``..``last`` (1-based, inclusive) of the draft become ``text`` (``\\n`` line ends)."""

    first: int
    last: int
    text: str
    label: str  # "safe fix" | "unsafe fix" | "advice"

    def where(self) -> str:
        """"line 3 becomes" / "lines 3–5 become", for a heading over the proposed text."""
        return f"line {self.first} becomes" if self.first == self.last else f"lines {self.first}–{self.last} become"


def fix_label(v: Verdict) -> str:
    fix = v.fix
    if fix is None or not fix.replacements:
        return "advice"
    return "safe fix" if fix.safe else "unsafe fix (--unsafe-fixes)"


def preview(result: FileResult, v: Verdict) -> FixPreview | None:
    """The rewritten lines, or None when the fix has no edits (advice only) or the text is unknown."""
    doc, fix = result.document, v.fix
    if doc is None or fix is None or not fix.replacements:
        return None
    text = doc.text
    lo = min(r.start for r in fix.replacements)
    hi = max(r.end for r in fix.replacements)
    line_start = text.rfind("\n", 0, lo) + 1
    nl = text.find("\n", hi)
    line_end = len(text) if nl < 0 else nl
    if line_end > line_start and text[line_end - 1] == "\r":
        line_end -= 1
    shifted = [Replacement(r.start - line_start, r.end - line_start, r.text) for r in fix.replacements]
    new = apply_replacements(text[line_start:line_end], shifted).replace("\r\n", "\n").replace("\r", "\n")
    return FixPreview(doc.position(line_start).line, doc.position(line_end).line, new, fix_label(v))
