"""The one offset convention: Unicode code points into the decoded text, half-open.

Lines and columns are 1-based and derived from offsets. A line ends at ``\\n``, ``\\r\\n`` or a lone
``\\r``; the column counts code points from the start of the line.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import regex

_LINE_BREAK = regex.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int

    def to_dict(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


class LineIndex:
    """Maps code-point offsets to (line, column) and back in O(log lines)."""

    __slots__ = ("_starts", "_length")

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        self._length = len(text)

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def position(self, offset: int) -> Position:
        """Line and column (1-based) of ``offset``; ``offset == len(text)`` is allowed."""
        if not 0 <= offset <= self._length:
            raise ValueError(f"offset {offset} outside text of length {self._length}")
        line = bisect_right(self._starts, offset) - 1
        return Position(line + 1, offset - self._starts[line] + 1)

    def offset(self, line: int, column: int) -> int:
        """Inverse of :meth:`position`."""
        if not 1 <= line <= len(self._starts):
            raise ValueError(f"line {line} outside 1..{len(self._starts)}")
        return self._starts[line - 1] + column - 1

    def line_start(self, line: int) -> int:
        return self._starts[line - 1]
