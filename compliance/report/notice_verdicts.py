"""``compliance notices`` in the check formats (SARIF, GitHub, Markdown): each notice as a ``notice`` verdict.

The reporters render verdicts (a location, a severity, reasons, links), so a notice becomes one with
the severity its rule declares; ``--fail-on`` then compares those severities exactly as ``check`` does.
The JSON format keeps the notices themselves (``files[].notices``), unchanged.
"""

from __future__ import annotations

from dataclasses import replace

from compliance.findings import Notice, Verdict
from compliance.pipeline import FileResult

NOTICE = "notice"


def notice_verdict(n: Notice) -> Verdict:
    """One rights notice as a finding at its rule's severity, its message as the reason."""
    who = n.publisher or n.holder
    reason = n.message.strip() or f"a {n.kind} notice" + (f" of {who}" if who else "")
    return Verdict(NOTICE, n.rule, n.severity, n.start_offset, n.end_offset, n.start, n.end, len(n.text.split()),
                   [reason], None, list(n.links), notice=n)


def as_verdicts(results: list[FileResult]) -> list[FileResult]:
    """Copies of ``results`` whose verdicts are their notices (the originals are left as they are)."""
    return [replace(r, verdicts=[notice_verdict(n) for n in r.notices]) for r in results]
