"""WARC archives (``.warc``, ``.warc.gz``) via fastwarc: one Document per HTML or plain-text response.

The archive is streamed record by record, never loaded whole. ``Document.record`` is the record's
1-based position among all records of the file (warcinfo and request records count too, so the number
is stable whatever is kept); ``metadata`` carries ``url`` (WARC-Target-URI), ``warc_offset`` (byte
offset of the record, for seeking), ``warc_record_id``, ``warc_date``, ``http_status`` and
``http_headers`` (lower-cased names, repeated headers joined with ", "). HTTP header signals
(``tdm-reservation``, ``X-Robots-Tag``, ``Link: rel=license``) join the page's signals.

Kept: ``response`` records with a 2xx status and ``resource`` records whose content type is HTML
(``text/html``, ``application/xhtml+xml``) or ``text/plain``. Skipped silently: other record types
(warcinfo, request, metadata), redirects and error pages, and the host-level files (``robots.txt``,
``/.well-known/tdmrep.json``), which :func:`collect_host_policies` gathers in a cheap first pass so
that the caller can apply them to every document of their host (``HostPolicies.apply``). Content of
another type (a 2xx PDF, an image) is not read but *counted*, never passed over in silence: ``iter_raw``
names each such record to its ``not_read`` callback (or, when none is given, to the one set by
:func:`noting_not_read`, as ``notices`` and ``check`` do around their reading), with its media type
(lower case, parameters stripped; ``(none)`` when the response has no Content-Type); its payload is
never read.

Errors, one per bad record, never fatal: a record that cannot be used comes out as an *error
Document* — ``text`` empty, ``record`` set, ``metadata["error"]`` a one-line reason — and iteration
goes on. (An exception would end the generator; a Document keeps "one Document-or-error per record"
for the caller, which tests ``is_error(doc)``.) A record whose block digest does not match, whose
page cannot be decoded, or that exceeds the size cap is such an error. When the archive itself is
damaged (bad gzip member, garbled header), one error Document is produced for the damaged region and
reading resumes at the next record boundary found after it (next gzip member, or next ``WARC/1.``
line), so the good records before and after still come out. A file that cannot be opened at all
raises :class:`InputError` as for any other file.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, BinaryIO

from compliance import limits
from compliance.document import Document
from compliance.errors import InputError
from compliance.readers.stream import GZIP_MAGIC, error_document, is_error, mb, open_binary, tell

__all__ = ["NO_TYPE", "NotRead", "RawRecord", "build_document", "collect_host_policies", "error_document",
           "is_error", "iter_documents", "iter_raw", "noting_not_read", "read", "read_file"]

MAX_HOST_FILE_BYTES = 512 * 1024  # robots.txt / tdmrep.json larger than this are ignored
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml+xhtml"})
TEXT_TYPES = frozenset({"text/plain"})
_SCAN_CHUNK = 1 << 20
NO_TYPE = "(none)"  # the media type counted for a 2xx response without a Content-Type

NotRead = Callable[[str, int, str], None]  # (path, record ordinal, media type) of a record with no reader
_NOTING: ContextVar[NotRead | None] = ContextVar("compliance_warc_not_read", default=None)


@contextmanager
def noting_not_read() -> Iterator[list[tuple[str, int, str]]]:
    """Within the block, every WARC read without its own ``not_read`` callback (``read``, ``read_file``:
    the readers a command reaches through ``iter_path``) appends ``(path, ordinal, media type)`` of each
    content record it has no reader for to the list yielded: the caller counts them as skips."""
    found: list[tuple[str, int, str]] = []
    token = _NOTING.set(lambda path, ordinal, ctype: found.append((path, ordinal, ctype)))
    try:
        yield found
    finally:
        _NOTING.reset(token)


def read(data: bytes, path: str) -> Iterator[Document]:
    """Documents of a WARC held in memory (prefer :func:`read_file`, which streams)."""
    yield from iter_documents(io.BytesIO(data), path)


def read_file(path: str) -> Iterator[Document]:
    """Documents of a WARC file, streamed."""
    with open_binary(path) as fh:
        yield from iter_documents(fh, path)


def iter_documents(fh: BinaryIO, path: str, vocab: Any = None) -> Iterator[Document]:
    from compliance.detect import signals as sig

    vocab = vocab or sig.load_vocabulary()
    for item in iter_raw(fh, path, vocab=vocab):
        if isinstance(item, Document):
            yield item
            continue
        try:
            yield build_document(item, vocab)
        except InputError as err:
            yield error_document(path, item.ordinal, err.message, url=item.url, warc_offset=item.offset)


@dataclass(slots=True)
class RawRecord:
    """A page record's payload and headers, not yet parsed: picklable, so a reader process can hand
    records to parser processes (parsing costs far more than reading) and the archive still streams."""

    path: str
    ordinal: int
    url: str | None
    ctype: str
    headers: list[tuple[str, str]]
    status: int | None
    payload: bytes
    offset: int
    record_id: str | None = None
    date: str | None = None


def iter_raw(fh: BinaryIO, path: str, vocab: Any = None, skip: Callable[[int], bool] | None = None,
             not_read: NotRead | None = None) -> Iterator[RawRecord | Document]:
    """The page records of an archive as :class:`RawRecord` (or error Documents), in file order.

    ``skip(ordinal)`` true: the record is passed over without reading its payload (``--resume``).
    ``not_read(path, ordinal, media type)`` is told of each 2xx content record of a type no reader takes
    (a PDF, an image; default: the :func:`noting_not_read` callback, if any); its payload is not read.
    """
    from compliance.detect import signals as sig

    note = not_read or _NOTING.get()
    hosts = sig.HostPolicies(vocab or sig.load_vocabulary())  # only used to recognize host-level files
    records = RecordStream(fh, path)
    for ordinal, rec in records:
        if isinstance(rec, str):
            yield error_document(path, ordinal, rec)
            continue
        try:
            ctype, headers, status = _content(rec)
            url = _target_uri(rec)
            if ctype is None or (status is not None and not 200 <= status < 300) or hosts.is_host_file(url):
                continue
            if ctype not in HTML_TYPES and ctype not in TEXT_TYPES:
                if note is not None:
                    note(path, ordinal, ctype or NO_TYPE)
                continue
            if skip is not None and skip(ordinal):
                continue
            payload = _read_payload(rec, None, fh)
        except InputError as err:
            yield error_document(path, ordinal, err.message, url=_target_uri(rec), warc_offset=rec.stream_pos)
            continue
        except OSError as err:  # payload could not be read or decompressed: the archive is damaged here
            records.mark_damaged()
            yield error_document(path, ordinal, f"unreadable record payload: {err}", url=_target_uri(rec),
                                 warc_offset=rec.stream_pos)
            continue
        yield RawRecord(path, ordinal, url, ctype, headers, status, payload, rec.stream_pos,
                        rec.headers.get("WARC-Record-ID"), rec.headers.get("WARC-Date"))


# --- record stream with recovery -------------------------------------------------------------------


class RecordStream:
    """``(ordinal, record)`` for each record of an archive, or ``(ordinal, reason)`` once per damaged region.

    Each record is yielded before the next is read (the consumer reads its payload in between); a
    consumer that fails to read a payload calls :meth:`mark_damaged` so the region is reported once.
    A record whose block digest is present and wrong is reported as damaged (its content is garbage).
    """

    def __init__(self, fh: BinaryIO, path: str) -> None:
        self.fh = fh
        self.path = path
        self.damaged = False

    def mark_damaged(self) -> None:
        self.damaged = True

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        from fastwarc.warc import ArchiveIterator

        fh = self.fh
        head = fh.read(2)
        gz = head == GZIP_MAGIC
        seekable = fh.seekable()
        if not seekable:
            fh = _Prefixed(head, fh)  # type: ignore[assignment]
        ordinal = 0
        start = 0
        while True:
            if seekable:
                fh.seek(start)
            last = start
            resync = False
            try:
                for rec in ArchiveIterator(fh, parse_http=False, auto_decode="all"):
                    last = rec.stream_pos
                    ordinal += 1
                    problem = _header_problem(rec)
                    if problem:
                        if not self.damaged:
                            self.damaged = True
                            yield ordinal, f"corrupt WARC record at byte {last}: {problem}"
                        # a wrong length may have swallowed the next record's header: look for it
                        resync = seekable
                        if resync:
                            break
                        continue
                    self.damaged = False
                    if rec.is_http:
                        rec.parse_http()
                    yield ordinal, rec
            except OSError as err:
                if not self.damaged:
                    ordinal += 1
                    self.damaged = True
                    yield ordinal, f"corrupt WARC data after byte {last}: {err}"
                resync = seekable
                if not resync:
                    return
            if not resync:
                if gz and seekable and _truncated_member(fh, last + 1):
                    yield ordinal + 1, f"truncated WARC file: the record after byte {last} is cut off"
                return
            nxt = _next_boundary(fh, last + 1, gz)
            if nxt is None:
                return
            start = nxt


def _header_problem(rec: Any) -> str | None:
    if not rec.headers.get("WARC-Type"):
        return "no WARC-Type (garbled header)"
    if rec.headers.get("Content-Length") is None:
        return "no Content-Length (truncated or garbled header)"
    if rec.headers.get("WARC-Block-Digest") and not rec.verify_block_digest(consume=False):
        return "block digest mismatch"
    return None


def _truncated_member(fh: BinaryIO, pos: int) -> bool:
    """Whether a gzip member starting after ``pos`` runs to end of file without finishing.

    fastwarc ends quietly on a gzip file cut mid-member; this looks at the file's tail only.
    """
    import zlib

    while (start := _next_boundary(fh, pos, True)) is not None:
        fh.seek(start)
        member = zlib.decompressobj(wbits=31)
        try:
            while not member.eof and (chunk := fh.read(_SCAN_CHUNK)):
                member.decompress(chunk, 0)
        except zlib.error:
            pos = start + 1  # not a member start after all (magic bytes inside compressed data)
            continue
        if not member.eof:
            return True
        pos = start + 1
    return False


def _next_boundary(fh: BinaryIO, pos: int, gz: bool) -> int | None:
    """Offset of the next plausible record start at or after ``pos`` (gzip member or WARC header line)."""
    magic = GZIP_MAGIC + b"\x08" if gz else b"WARC/1."
    fh.seek(pos)
    offset = pos
    tail = b""
    while True:
        chunk = fh.read(_SCAN_CHUNK)
        if not chunk:
            return None
        buf = tail + chunk
        i = buf.find(magic)
        if i >= 0:
            found = offset - len(tail) + i
            return found
        tail = buf[-(len(magic) - 1):]
        offset += len(chunk)


class _Prefixed(io.RawIOBase):
    """A non-seekable stream with its already-read first bytes put back."""

    def __init__(self, head: bytes, fh: BinaryIO) -> None:
        self._head = head
        self._fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._fh.read(len(b))
        b[:len(data)] = data
        return len(data)


# --- one record ------------------------------------------------------------------------------------


def _target_uri(rec: Any) -> str | None:
    uri = rec.headers.get("WARC-Target-URI")
    return uri.strip().strip("<>") if uri else None


def _content(rec: Any) -> tuple[str | None, list[tuple[str, str]], int | None]:
    """(media type, HTTP header pairs, HTTP status) of a response or resource record: the type lower case
    without parameters, "" when the record names none; None = not a content record (warcinfo, request,
    metadata, a non-HTTP response)."""
    from fastwarc.warc import WarcRecordType

    if rec.record_type == WarcRecordType.response:
        if not rec.is_http:
            return None, [], None
        status = rec.http_headers.status_code
        pairs = [(str(k), str(v)) for k, v in rec.http_headers.astuples()]
        ctype = next((v for k, v in pairs if k.lower() == "content-type"), "")
        return media_type(ctype), pairs, status
    if rec.record_type == WarcRecordType.resource:
        ctype = rec.headers.get("Content-Type") or ""
        return media_type(ctype), [("Content-Type", ctype)], None
    return None, [], None


def media_type(content_type: str) -> str:
    """``"Application/PDF; qs=1"`` -> ``"application/pdf"``; "" for none."""
    return content_type.split(";")[0].strip().lower()


def _read_payload(rec: Any, limit: int | None, fh: BinaryIO | None = None) -> bytes:
    """The record's payload (transfer and content encodings undone), at most ``limit`` bytes (default:
    the configured max-file-size; a larger HTML/text record becomes an error Document).

    With the archive's file handle ``fh``, the payload's size is also held against the compressed bytes
    read for it (``fh``'s position; fastwarc reads ahead, so that overestimates them): a record that
    inflates past the compression-ratio limit is a decompression bomb, refused after a few MB.
    """
    if limit is None:
        limit = limits.current().max_file_size
    guard = fh is not None and tell(fh) >= rec.stream_pos > -1  # a file position (not a pipe) to compare with
    chunks = []
    size = 0
    while size <= limit:
        chunk = rec.reader.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if guard and size > limits.RATIO_FLOOR:
            consumed = max(1, tell(fh) - rec.stream_pos)
            if limits.too_compressed(size, consumed):
                raise InputError(limits.bomb_message(size, consumed))
    if size > limit:
        raise InputError(f"record payload exceeds the {mb(limit)} limit ({limits.HINT_SIZE})")
    return b"".join(chunks)


def build_document(raw: RawRecord, vocab: Any = None) -> Document:
    """The Document of a page record (raises InputError when the page cannot be read)."""
    from compliance.readers.html import charset_of, parse_html

    if vocab is None:
        from compliance.detect.signals import load_vocabulary

        vocab = load_vocabulary()
    if raw.ctype in HTML_TYPES:
        doc = parse_html(raw.payload, raw.path, url=raw.url, headers=raw.headers, record=raw.ordinal, vocab=vocab)
    else:
        doc = _plain_document(raw.payload, raw.path, raw.url, raw.headers,
                              charset_of(dict(raw.headers).get("Content-Type")), vocab)
        doc.record = raw.ordinal
    doc.metadata.update({"url": raw.url or doc.metadata.get("url"), "warc_offset": raw.offset,
                         "warc_record_id": raw.record_id, "warc_date": raw.date, "http_status": raw.status})
    return doc


def _plain_document(payload: bytes, path: str, url: str | None, headers: list[tuple[str, str]],
                    charset: str | None, vocab: Any) -> Document:
    from compliance.detect.signals import from_headers
    from compliance.readers.decode import decode
    from compliance.readers.html import _header_dict
    from compliance.readers.plain import build_plain_document

    doc = build_plain_document(decode(payload, path, charset), path)
    doc.signals = from_headers(headers, vocab, url)
    doc.metadata["http_headers"] = _header_dict(headers)
    return doc


# --- host-level files --------------------------------------------------------------------------------


def collect_host_policies(paths: Iterable[str], vocab: Any = None) -> Any:
    """A first pass over WARC files: their robots.txt and tdmrep.json, as a ``HostPolicies``.

    Only the WARC headers of other records are looked at, so this costs little more than
    decompression. Unreadable files are skipped here (the document pass reports them).
    """
    from compliance.detect import signals as sig

    policies = sig.HostPolicies(vocab or sig.load_vocabulary())
    for path in paths:
        if not path.lower().endswith((".warc", ".warc.gz")):
            continue
        try:
            with open_binary(path) as fh:
                _collect(fh, path, policies)
        except InputError as err:
            policies.errors.append(str(err))
    return policies


def _collect(fh: BinaryIO, path: str, policies: Any) -> None:
    records = RecordStream(fh, path)
    for _, rec in records:
        if isinstance(rec, str):
            continue
        url = _target_uri(rec)
        if not policies.is_host_file(url):
            continue
        ctype, _, status = _content(rec)
        if status is not None and not 200 <= status < 300:
            continue
        try:
            payload = _read_payload(rec, MAX_HOST_FILE_BYTES)
        except OSError as err:
            records.mark_damaged()
            policies.errors.append(f"{path}: {url}: unreadable record payload: {err}")
            continue
        except InputError as err:
            policies.errors.append(f"{path}: {url}: {err.message}")
            continue
        policies.add(url, payload.decode("utf-8", errors="replace"))
