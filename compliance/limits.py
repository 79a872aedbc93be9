"""Resource limits for hostile or broken input: sizes, line length, compression ratio, HTML shape, time.

A compliance gate must never hang or run out of memory on one odd file, so every reader checks the
limits here and turns a breach into a one-line :class:`~compliance.errors.InputError` (exit 2 for a
single file; an error record or a skipped file when scanning many). The limits are process-wide: a
command sets them once from ``[tool.compliance.limits]`` and its options (:func:`configure`), and they
travel to worker processes in the environment (``COMPLIANCE_LIMITS``), so forked and spawned workers
apply the same ones.

Defaults, and why:

- ``max_file_size`` 50 MB per document (a file, a WARC record or a JSONL line, after decompression):
  news articles are well under 1 MB and real web pages under 10 MB; 50 MB still fits a book.
  Archives themselves (WARC, JSONL) are streamed and may be any size.
- ``max_line_length`` 1,000,000 characters: a line of prose is a paragraph (a few thousand characters);
  a megabyte without a line break is minified data or an attack, and costs every line-based step.
- ``max_compression_ratio`` 100: text compresses 3-10x, rarely 30x; gzip can reach 1000x (bombs).
  Apache POI refuses zip entries over the same 100:1 (``ZipSecureFile`` minimum inflate ratio 0.01).
  Checked once a document has decompressed past ``RATIO_FLOOR``, so small files are never refused.
- ``html_max_depth`` 2000 elements: libxml2 silently drops everything below depth 2047 (even with
  ``huge_tree``), which would hide a footer notice behind 2,100 nested ``<div>``, so deeper pages are
  refused rather than read in part; 2000 is as deep as libxml2 reads whole (the ceiling). The deepest
  of 181 real news pages is 51, but unclosed tags on old pages nest into the thousands.
- ``html_max_elements`` 50,000: real pages have a few thousand; trafilatura's cost grows faster than
  linearly with element count (200k links take a minute), so larger pages get the fast line-density
  extraction instead.
- ``extract_timeout`` 5 s per page for trafilatura (typically 20-50 ms): past it the page falls back to
  the fast extraction; the notices and the visible text are kept either way.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace

import regex

from compliance.errors import ConfigError, InputError

MB = 1024 * 1024
RATIO_FLOOR = 1 * MB  # decompressed bytes below which the ratio is not checked
HTML_DEPTH_CEILING = 2000  # libxml2 truncates documents at depth 2047 even with huge_tree
ENV = "COMPLIANCE_LIMITS"
HINT_SIZE = "raise it with --max-file-size or max-file-size in [tool.compliance.limits]"
HINT_LINE = "raise it with --max-line-length or max-line-length in [tool.compliance.limits]"


@dataclass(frozen=True)
class Limits:
    max_file_size: int = 50 * MB
    max_line_length: int = 1_000_000
    max_compression_ratio: float = 100.0
    html_max_depth: int = 2000
    html_max_elements: int = 50_000
    extract_timeout: float = 5.0
    follow_symlinks: bool = False


def _from_env() -> Limits:
    raw = os.environ.get(ENV)
    if not raw:
        return Limits()
    try:
        data = json.loads(raw)
        known = {f.name for f in fields(Limits)}
        return Limits(**{k: v for k, v in data.items() if k in known})
    except (ValueError, TypeError):
        return Limits()  # a damaged variable must not stop a worker: defaults are safe


_current = _from_env()


def current() -> Limits:
    return _current


def configure(**changes: object) -> Limits:
    """Set limits for this process and its future workers; ``None`` values leave a limit as it is."""
    global _current
    updates = {k: v for k, v in changes.items() if v is not None}
    _current = replace(_current, **updates)
    if _current.html_max_depth > HTML_DEPTH_CEILING:
        depth = _current.html_max_depth
        _current = replace(_current, html_max_depth=HTML_DEPTH_CEILING)
        raise ConfigError(f"html-max-depth {depth} is above {HTML_DEPTH_CEILING}: libxml2 cannot parse "
                          "deeper pages whole")
    os.environ[ENV] = json.dumps(asdict(_current))
    return _current


def reset() -> None:
    """Back to the defaults (tests)."""
    global _current
    _current = Limits()
    os.environ.pop(ENV, None)


# -- sizes -----------------------------------------------------------------------------------------

_SIZE = regex.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", regex.I)
_UNITS = {"": 1, "k": 1024, "m": MB, "g": 1024 * MB, "t": 1024 * 1024 * MB}


def parse_size(value: int | float | str) -> int:
    """Bytes from ``52428800``, ``"50MB"``, ``"50 MiB"``, ``"512k"`` (binary units: 1 MB = 2**20 bytes)."""
    if isinstance(value, bool):
        raise ValueError("a size, not a boolean")
    if isinstance(value, (int, float)):
        size = int(value)
    else:
        m = _SIZE.match(value)
        if not m:
            raise ValueError(f"not a size: {value!r} (write e.g. 50MB, 512k or a number of bytes)")
        size = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if size <= 0:
        raise ValueError("a size must be positive")
    return size


def mb(n: int) -> str:
    """A size for messages: ``50.0 MB``, ``64.0 KB`` (binary units, as in the options)."""
    if n >= MB:
        return f"{n / MB:.1f} MB"
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} bytes"


# -- checks ----------------------------------------------------------------------------------------


def check_size(size: int, path: str, what: str = "file too large") -> None:
    """Refuse a document of ``size`` bytes over the limit (call before reading it when possible)."""
    limit = _current.max_file_size
    if size > limit:
        raise InputError(f"{what}: {mb(size)} (limit {mb(limit)}; {HINT_SIZE})", path)


def ratio_cap(compressed: int, limit: int) -> int:
    """The most a ``compressed``-byte gzip stream may inflate to: ``limit``, or less by the ratio check."""
    by_ratio = max(RATIO_FLOOR, int(compressed * _current.max_compression_ratio))
    return min(limit, by_ratio)


def bomb_message(decompressed: int, compressed: int) -> str:
    return (f"decompression bomb: more than {mb(decompressed)} from {compressed:,} compressed bytes "
            f"(over {_current.max_compression_ratio:g}:1; max-compression-ratio in [tool.compliance.limits])")


def too_compressed(decompressed: int, compressed: int) -> bool:
    """Whether a stream that inflated ``compressed`` bytes into ``decompressed`` breaks the ratio limit."""
    return decompressed > RATIO_FLOOR and decompressed > compressed * _current.max_compression_ratio


def check_lines(text: str, path: str) -> None:
    """Refuse text with a line longer than the limit (lines end at ``\\n``, ``\\r\\n`` or ``\\r``).

    str.split runs in C: 20 MB of text cost ~30 ms, and only texts longer than the limit are split.
    """
    limit = _current.max_line_length
    if len(text) <= limit:
        return
    lines = text.replace("\r", "\n").split("\n") if "\r" in text else text.split("\n")
    longest = max(lines, key=len)
    if len(longest) <= limit:
        return
    index = next(i for i, line in enumerate(lines) if len(line) > limit)
    line = index + 1 - text.count("\r\n", 0, sum(len(x) + 1 for x in lines[:index]))
    raise InputError(f"line of {len(lines[index]):,} characters (limit {limit:,}): not prose; {HINT_LINE}",
                     path, line)
