"""What a command reads, said out loud: drafts found and skipped, the index compared with, the baseline.

A gate never passes what it did not read: zero drafts, an index with no documents and a corpus ``add`` that
added nothing are errors (exit 2), and every skip is counted in the report (see ``compliance.coverage``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from compliance.coverage import CheckResults, Coverage, Skipped, skipped_phrase
from compliance.errors import ConfigError, InputError

if TYPE_CHECKING:
    from compliance.config import Config

INCLUDE_OPTION = typer.Option(None, "--include", metavar="GLOB",
                              help="Also read files matching GLOB when walking directories (e.g. '*.mdx'; "
                                   "repeatable; the reader follows the suffix, else plain text).")
ALLOW_EMPTY_INDEX_OPTION = typer.Option(False, "--allow-empty-index",
                                        help="Check against a corpus index with no documents (only pasted "
                                             "notices can be found) instead of failing with exit 2.")
HINT_SUFFIXES = "--include GLOB or `extensions` in the config reads other suffixes"


def configure_readers(config: Config, include: list[str] | None) -> None:
    """The config's ``extensions`` and ``--include`` globs for this run's walks and reader choice."""
    from compliance.readers import configure

    configure(config.extensions, include or [])


def collect(paths: list[str], config: Config, include: list[str] | None = None) -> tuple[list[str], list[Skipped]]:
    """Files to read from ``paths`` (directories walked), and those passed over with the reason.

    Symlinks not followed are named on stderr as before; other skips are counted in the report. Zero files
    to read is an input error naming what was skipped."""
    from compliance.config import is_ignored, load_ignore
    from compliance.readers import expand_paths

    configure_readers(config, include)
    root = Path(config.root) if config.path else None
    ignore = load_ignore(root)
    skipped: list[Skipped] = []
    files = []
    for path in expand_paths(paths, allow_dirs=True, skipped=skipped):
        if is_ignored(ignore, path, root):
            skipped.append(Skipped(path, "ignored by .complianceignore", "ignored"))
        else:
            files.append(path)
    for note in skipped:
        if note.group == "symlink":
            sys.stderr.write(f"compliance: warning: {note}\n")
    if not files:
        raise nothing_to_read(paths, skipped)
    return files, skipped


def nothing_to_read(paths: list[str], skipped: list[Skipped]) -> InputError:
    """One line: the named paths held nothing readable, and what was skipped there."""
    where = paths[0] if len(paths) == 1 else None
    place = "this directory" if where else ", ".join(paths)
    if not skipped:
        return InputError(f"nothing to read: no files in {place}", where)
    hint = f"; {HINT_SUFFIXES}" if any(_by_suffix(s) for s in skipped) else ""
    return InputError(f"nothing to read in {place}: {skipped_phrase(skipped)}{hint}", where)


def count_unread(results: list, skipped: list[Skipped], inputs: list[str],
                 not_text: Iterable[tuple[str, int, str]] = ()) -> list:
    """Drafts with no text are skips ("empty"), not clean drafts, and so are records a reader could not read
    (a JSONL line that is not JSON, a WARC record cut short: they keep their warning in the report),
    ``inputs`` that held no document at all (an empty JSONL file, a WARC with no response record) and the
    ``not_text`` records, ``(path, record, media type)`` of WARC content no reader takes (a PDF, an image:
    ``readers.warc.noting_not_read``). Nothing read at all is an input error, however many files were named:
    a gate must not pass what it did not read."""
    from compliance.readers.stream import is_error

    not_text = list(not_text)
    seen = {r.path for r in results} | {path for path, _, _ in not_text}
    skipped.extend(Skipped(path, "no documents: nothing in it to read", "no documents")
                   for path in inputs if path not in seen)
    skipped.extend(Skipped(f"{path}#{ordinal}", f"not text: {ctype} (no reader for this content type)", "not text")
                   for path, ordinal, ctype in not_text)
    kept = []
    read = 0
    for r in results:
        doc = r.document
        if doc is not None and is_error(doc):
            skipped.append(Skipped(f"{r.path}#{r.record}", f"not read: {doc.metadata['error']}", "unreadable record"))
            kept.append(r)
        elif doc is not None and r.record is None and not doc.text.strip():
            skipped.append(Skipped(r.path, "empty: no text to check", "empty"))
        else:
            kept.append(r)
            read += 1
    if inputs and not read:
        named = set(inputs)
        raise InputError(f"nothing to check: {skipped_phrase(skipped)}", named.pop() if len(named) == 1 else None)
    return kept


def index_documents(index: str, allow_empty: bool) -> int:
    """How many documents the index holds; none is exit 2 unless allowed, then a warning naming the index.

    An empty index cannot find a reused passage, so its green check would be a pass of what was never
    compared: the ``--allow-empty-index`` run (e.g. CI before the first ``corpus add``) says so."""
    from compliance.reuse.index import CorpusIndex

    with CorpusIndex(index) as idx:
        count = len(idx)
    if count == 0 and not allow_empty:
        raise ConfigError("the corpus index has no documents, so no reused passage can be found (add sources "
                          "with `compliance corpus add`, or pass --allow-empty-index)", index)
    if count == 0:
        sys.stderr.write(f"compliance: warning: {index}: the corpus index has no documents; only notices "
                         "pasted into the drafts were checked\n")
    return count


def baseline_file(option: Path | None, config: Config) -> Path | None:
    """``--baseline``, else ``baseline`` in the config, else the default file that ``baseline update``
    writes, when it exists (found from the working directory up, as the config and the index are)."""
    from compliance.config import find_upwards
    from compliance.suppress import DEFAULT_BASELINE

    if option is not None:
        return option
    if config.baseline:
        return Path(config.root) / config.baseline
    return find_upwards(DEFAULT_BASELINE)


def with_coverage(results: list, skipped: list[Skipped], inputs: list[str], index: str | None,
                  documents: int | None, baseline: Path | None,
                  not_text: Iterable[tuple[str, int, str]] = ()) -> CheckResults:
    return CheckResults(count_unread(results, skipped, inputs, not_text),
                        Coverage(skipped, index, documents, None if baseline is None else str(baseline)))


def check_added(report, paths: list[str]) -> None:
    """Warn about the files ``corpus add`` did not read; nothing read at all is exit 2 naming why.

    Exit 2, not 1: no finding was made, the input gave nothing to index, and an index left empty would
    turn every later ``check`` green. Read errors are named one per line; files without a reader (a walk
    over a tree of images or PDFs) are counted in one line."""
    unread = list(report.errors)  # Skipped: path and reason apart, so each warning names its file once
    for s in unread:
        if not _by_suffix(s):
            sys.stderr.write(f"compliance: warning: {s} (skipped)\n")
    no_reader = [s for s in unread if _by_suffix(s)]
    if report.added + report.replaced + report.unchanged == 0:
        raise nothing_to_read(paths, unread)
    if no_reader:
        sys.stderr.write(f"compliance: warning: files without a reader: {skipped_phrase(no_reader)}; "
                         f"{HINT_SUFFIXES}\n")


def _by_suffix(s: Skipped) -> bool:
    return s.group.startswith(".") or s.group == "no suffix"


def audit_inputs(paths: list[str], config: Config) -> None:
    """Before an audit: zero files to read is exit 2 (an archive run must not report "no documents, exit
    0"); files a walk passed over are counted in one warning line (the summary counts documents)."""
    from compliance.readers import expand_paths

    configure_readers(config, None)
    skipped: list[Skipped] = []
    if not sum(1 for _ in expand_paths(paths, allow_dirs=True, skipped=skipped)):  # the whole walk: every skip
        raise nothing_to_read(paths, skipped)
    if skipped:
        sys.stderr.write(f"compliance: warning: not audited: {skipped_phrase(skipped)}\n")


def audited_something(paths: list[str], documents: int, not_read: dict[str, int]) -> None:
    """After an audit (either engine): no document at all, none audited now and none from an earlier
    ``--resume`` run, is exit 2 naming the input and why, never "0 documents, exit 0". An empty JSONL file and
    a WARC holding only PDFs or images both land here; what no reader took is counted in the message."""
    if documents:
        return
    from compliance.audit.report import not_read_phrase

    unread = not_read_phrase(not_read)
    where = paths[0] if len(paths) == 1 else None
    place = "" if where else f" in {short_list(paths)}"
    raise InputError(f"nothing to audit{place}: no documents" + (f"; {unread}" if unread else ""), where)


def short_list(paths: list[str], shown: int = 3) -> str:
    """``a, b, c`` or ``a, b, c and 4 more``: inputs named in one line however many there are."""
    head = ", ".join(paths[:shown])
    return head if len(paths) <= shown else f"{head} and {len(paths) - shown} more"
