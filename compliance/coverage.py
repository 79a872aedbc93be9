"""What a run read and what it did not, so that "no findings" never hides "nothing read".

A walk that finds only ``.mdx`` or ``.pdf`` files, an empty corpus index, findings accepted by a baseline:
each is counted here and shown by every report's summary (see ``report.common.Summary``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Skipped:
    """A file a command did not read, and why; ``group`` is what skips are counted by in one line."""

    path: str
    reason: str
    group: str  # a suffix (".pdf", "no suffix"), or "symlink", "ignored", "empty", "unreadable"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason, "group": self.group}


def most_first(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts most first, then by name, zeros left out: ``{".pdf": 2, ".docx": 1}``."""
    return dict(sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0])))


def by_group(skipped: Iterable[Skipped]) -> dict[str, int]:
    """Counts per group, most first: ``{".pdf": 2, ".docx": 1}``."""
    return most_first(Counter(s.group for s in skipped))


def skipped_phrase(skipped: list[Skipped]) -> str:
    """``3 skipped (.pdf: 2, .docx: 1)``, or "" when nothing was skipped."""
    if not skipped:
        return ""
    return f"{len(skipped)} skipped (" + ", ".join(f"{g}: {n}" for g, n in by_group(skipped).items()) + ")"


@dataclass
class Coverage:
    """What a check run read: files skipped, the index compared with, the baseline applied."""

    skipped: list[Skipped] = field(default_factory=list)
    index_path: str | None = None
    index_documents: int | None = None
    baseline_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"skipped": [s.to_dict() for s in self.skipped], "skipped_by": by_group(self.skipped),
                "index": None if self.index_path is None else {"path": self.index_path,
                                                               "documents": self.index_documents},
                "baseline": self.baseline_path}


class CheckResults(list):
    """A check run's ``FileResult`` list carrying its :class:`Coverage`: every reporter's summary reads it
    through ``summarize(results)``, so no format can leave out what was skipped."""

    def __init__(self, results: Iterable[Any], coverage: Coverage) -> None:
        super().__init__(results)
        self.coverage = coverage


def coverage_of(results: Iterable[Any]) -> Coverage | None:
    return getattr(results, "coverage", None)
