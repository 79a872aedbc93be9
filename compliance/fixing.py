"""``check --fix`` and ``--diff``: apply the verdicts' fixes to Markdown and plain-text drafts, check again.

Fixes are applied in memory, pass after pass (a fix left out because it overlapped another is taken on the
next pass), until no fix applies or after :data:`MAX_PASSES`; each pass checks the fixed text exactly as
``check`` would, so the exit code and report are those of the fixed drafts. Only then are files written
(atomically, every byte outside the edits kept: :func:`compliance.safe_write.splice`), or, for ``--diff``,
a unified diff printed. HTML drafts, stdin and archive records get their fixes reported, not applied.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from compliance.document import Document
from compliance.pipeline import FileResult
from compliance.policy.fixes import chosen_replacements
from compliance.readers import STDIN, reader_for
from compliance.safe_write import replace_bytes, splice

FIXABLE_FORMATS = ("markdown", "text")
MAX_PASSES = 4


@dataclass
class FixOutcome:
    """What the fix passes did: bytes before and after per changed file, counts, files left alone."""

    originals: dict[str, bytes] = field(default_factory=dict)
    fixed: dict[str, bytes] = field(default_factory=dict)
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (text before, text after)
    applied: int = 0  # fixes applied, over all passes
    unsafe_left: int = 0  # unsafe fixes of the fixed drafts not applied (no --unsafe-fixes)
    not_applied: dict[str, str] = field(default_factory=dict)  # path -> why its fixes were not applied

    def summary(self, dry_run: bool) -> str:
        files = len(self.fixed)
        verb = "would fix" if dry_run else "fixed"
        line = f"{verb} {self.applied} finding{'s' * (self.applied != 1)} in {files} file{'s' * (files != 1)}"
        if self.unsafe_left:
            line += f"; {self.unsafe_left} more with --unsafe-fixes"
        for path, why in self.not_applied.items():
            line += f"; {path}: not fixed ({why})"
        return line

    def diff(self) -> str:
        """A unified diff of every changed draft (paths as given, a/ and b/ prefixed as git does)."""
        out = []
        for path, (before, after) in self.texts.items():
            out += difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"a/{path}", f"b/{path}")
            if out and not out[-1].endswith(("\n", "\r")):
                out[-1] += "\n\\ No newline at end of file\n"
        return "".join(out)


def _fixable(result: FileResult) -> str | None:
    """Why this draft's fixes cannot be applied, or None."""
    doc = result.document
    if doc is None or result.path == STDIN:
        return "read from stdin" if result.path == STDIN else "not read"
    if doc.record is not None:
        return "a record of an archive"
    if doc.format not in FIXABLE_FORMATS:
        return f"{doc.format} drafts: fixes are reported, not applied"
    return None


def fix_results(results: list[FileResult], recheck: Callable[[list[Document]], list[FileResult]], unsafe: bool,
                fallback: dict[str, str]) -> tuple[list[FileResult], FixOutcome]:
    """Apply fixes to the drafts of ``results`` in memory and check them again with ``recheck``; returns the
    results of the fixed drafts (the others unchanged) and what was done."""
    outcome = FixOutcome()
    current = list(results)
    where = {r.path: i for i, r in enumerate(current)}
    for _ in range(MAX_PASSES):
        fixed_docs: list[Document] = []
        for result in current:
            edits, count, _left = chosen_replacements(result.verdicts, unsafe)
            if not edits:
                continue
            why = _fixable(result)
            if why is not None:
                outcome.not_applied[result.path] = why
                continue
            doc = result.document
            assert doc is not None
            try:
                data = outcome.fixed.get(result.path) or outcome.originals.setdefault(
                    result.path, Path(result.path).read_bytes())
                new = splice(data, doc.text, [(r.start, r.end, r.text) for r in edits], fallback)
            except (OSError, ValueError) as err:
                outcome.not_applied[result.path] = str(err)
                continue
            new_docs = list(reader_for(result.path)(new, result.path))
            outcome.fixed[result.path] = new
            before = outcome.texts.get(result.path, (doc.text, ""))[0]
            outcome.texts[result.path] = (before, new_docs[0].text)
            outcome.applied += count
            fixed_docs += new_docs
        if not fixed_docs:
            break
        for result in recheck(fixed_docs):
            current[where[result.path]] = result
    if not unsafe:
        outcome.unsafe_left = sum(chosen_replacements(r.verdicts, False)[2] for r in current
                                  if _fixable(r) is None)
    return current, outcome


def run_fix_options(results: list[FileResult], recheck: Callable[[list[Document]], list[FileResult]], *,
                    unsafe: bool, dry_run: bool, quiet: bool, fallback: dict[str, str]) -> list[FileResult]:
    """What ``check --fix/--diff`` does between checking and reporting: fix in memory, then print the diff
    (``dry_run``) or write the files; a summary line goes to stderr unless ``quiet``."""
    import sys

    from compliance.errors import InputError

    fixed, outcome = fix_results(results, recheck, unsafe, fallback)
    if dry_run:
        sys.stdout.write(outcome.diff())
    else:
        for path, data in outcome.fixed.items():
            try:
                replace_bytes(Path(path), data, outcome.originals[path])
            except (OSError, ValueError) as err:
                raise InputError(f"not fixed: {getattr(err, 'strerror', None) or err}", path) from None
    if not quiet:
        print(outcome.summary(dry_run), file=sys.stderr)
    return fixed
