"""JSON Lines dumps (``.jsonl``, ``.jsonl.gz``): one Document per line, streamed.

Each line is a JSON object; its text comes from ``text_field`` (default ``"text"``; a dotted path
such as ``"content.body"`` reaches into nested objects), its URL and title from ``url_field`` and
``title_field``. ``Document.record`` is the 1-based line number. Blank lines are skipped.

As in the WARC reader, a line that cannot be used (invalid JSON, not an object, no text field,
a line over the size cap) becomes an *error Document* (empty text, ``metadata["error"]``) and reading
goes on with the next line; a gzip stream that is cut off ends the file with one such error.
Other fields of the object are kept in ``metadata["fields"]`` when they are short scalars (ids,
dates, licence strings) so policy can see them.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from compliance import limits
from compliance.document import Document
from compliance.errors import InputError
from compliance.readers.decode import without_surrogates
from compliance.readers.plain import build_plain_document
from compliance.readers.stream import GZIP_MAGIC, GuardedGzip, error_document, mb, open_binary

MAX_FIELD_CHARS = 500  # scalar fields longer than this are not copied into metadata


@dataclass(frozen=True)
class JsonlOptions:
    text_field: str = "text"
    url_field: str = "url"
    title_field: str = "title"


def reader(text_field: str = "text", url_field: str = "url",
           title_field: str = "title") -> Callable[[bytes, str], Iterator[Document]]:
    """A reader function with other field names (for ``register`` or a command's option)."""
    options = JsonlOptions(text_field, url_field, title_field)

    def read_with(data: bytes, path: str) -> Iterator[Document]:
        return iter_documents(_maybe_gzip(io.BytesIO(data), path), path, options)

    return read_with


def read(data: bytes, path: str) -> Iterator[Document]:
    yield from iter_documents(_maybe_gzip(io.BytesIO(data), path), path, JsonlOptions())


def read_file(path: str, options: JsonlOptions | None = None) -> Iterator[Document]:
    with open_binary(path) as raw:
        yield from iter_documents(_maybe_gzip(raw, path), path, options or JsonlOptions())


def _maybe_gzip(fh: BinaryIO, path: str = "") -> BinaryIO:
    """``fh``, or a gzip reader over it that refuses decompression bombs (ratio limit)."""
    head = fh.read(2)
    fh.seek(0)
    return GuardedGzip(fh, path) if head == GZIP_MAGIC else fh  # type: ignore[return-value]


def max_line_bytes() -> int:
    """Largest line (one document) read: the configured max-file-size."""
    return limits.current().max_file_size


def iter_documents(fh: BinaryIO, path: str, options: JsonlOptions) -> Iterator[Document]:
    for item in iter_lines(fh, path):
        if isinstance(item, Document):
            yield item
        else:
            yield document_from_line(item[1], path, item[0], options)


def iter_lines(fh: BinaryIO, path: str,
               skip: Callable[[int], bool] | None = None) -> Iterator[tuple[int, bytes] | Document]:
    """``(line number, raw line)`` per non-blank line, or an error Document (over-long line, cut-off gzip).

    Lines are parsed elsewhere (:func:`document_from_line`), so a reader process can hand raw lines to
    parser processes; ``skip(number)`` true passes a line over unparsed (``--resume``).
    """
    number = 0
    cap = max_line_bytes()
    while True:
        try:
            line = fh.readline(cap + 1)
        except (EOFError, OSError, zlib.error, InputError) as err:
            reason = "truncated gzip data (file ends mid-stream)" if isinstance(err, EOFError) else \
                err.message if isinstance(err, InputError) else f"unreadable data: {err}"
            yield error_document(path, number + 1, reason)
            return
        if not line:
            return
        number += 1
        if len(line) > cap:
            yield error_document(path, number, f"line exceeds the {mb(cap)} limit ({limits.HINT_SIZE})")
            try:
                _skip_rest_of_line(fh)
            except (EOFError, OSError, zlib.error, InputError) as err:
                yield error_document(path, number + 1, getattr(err, "message", None) or f"unreadable data: {err}")
                return
            continue
        if not line.strip() or (skip is not None and skip(number)):
            continue
        yield number, line


def document_from_line(line: bytes, path: str, number: int, options: JsonlOptions | None = None) -> Document:
    """The Document of one line, or an error Document naming why the line cannot be used."""
    try:
        return _document(line, path, number, options or JsonlOptions())
    except InputError as err:
        return error_document(path, number, err.message)


def _skip_rest_of_line(fh: BinaryIO) -> None:
    while True:
        chunk = fh.readline(1 << 20)
        if not chunk or chunk.endswith(b"\n"):
            return


def _document(line: bytes, path: str, number: int, options: JsonlOptions) -> Document:
    try:
        obj = json.loads(line, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise InputError("line is not UTF-8", path, number) from None
    except ValueError as err:
        raise InputError(f"invalid JSON: {str(err).split(':')[0]}", path, number) from None
    except RecursionError:  # ``[[[[...`` thousands deep: the parser's stack, not the machine's, runs out
        raise InputError("invalid JSON: nested too deeply", path, number) from None
    if not isinstance(obj, dict):
        raise InputError("line is not a JSON object", path, number)
    text = _field(obj, options.text_field)
    if not isinstance(text, str):
        what = "missing" if text is None else f"not a string ({type(text).__name__})"
        raise InputError(f"text field {options.text_field!r} {what}", path, number)
    doc = build_plain_document(without_surrogates(text), path, fmt="jsonl")
    doc.record = number
    for key, field in (("url", options.url_field), ("title", options.title_field)):
        value = _field(obj, field)
        if isinstance(value, str) and value.strip():
            doc.metadata[key] = without_surrogates(value.strip())
    used = {options.text_field, options.url_field, options.title_field}
    doc.metadata["fields"] = {without_surrogates(k): without_surrogates(v) if isinstance(v, str) else v
                              for k, v in obj.items() if k not in used and _short_scalar(v)}
    return doc


def _no_constant(name: str) -> None:
    """``NaN`` and ``Infinity`` are not JSON (Python's parser takes them): read as null."""
    return None


def _field(obj: dict[str, Any], dotted: str) -> Any:
    value: Any = obj
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _short_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float)) or \
        (isinstance(value, str) and len(value) <= MAX_FIELD_CHARS)
