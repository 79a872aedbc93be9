"""JSON: the shared envelope ``{"version": 1, "summary": {...}, "files": [...]}``."""

from __future__ import annotations

import json
from typing import Any, TextIO

from compliance.pipeline import FileResult, json_report
from compliance.report.common import summarize


def render(results: list[FileResult], stream: TextIO, **_: Any) -> None:
    """The pipeline's JSON envelope plus a top-level ``summary`` with the counts and the summary line."""
    json.dump(json_report(results, summary=summarize(results).to_dict()), stream, ensure_ascii=False, indent=2)
    stream.write("\n")
