"""Documents → rows for the index: notices, fingerprints, cross-language rows, compressed texts (in worker processes).

Everything here runs outside the write transaction, and with ``corpus add -j N`` in N processes; the
index only writes what it gets. Removing a document later recomputes its fingerprints from the
stored text with the same function (:func:`compliance.reuse.fingerprint.text_fingerprints`).
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from dataclasses import dataclass, field
from typing import Any

from compliance.document import Document
from compliance.errors import ComplianceError, InputError
from compliance.reuse import fingerprint as fp
from compliance.reuse.view import barrier_spans, is_identity, make_view, map_runs, plain_spans, skip_spans

TEXT_LEVEL = 1  # zlib level: 1 is 1.6x faster than 6 and only 3 % larger on articles


@dataclass
class Prepared:
    """One document ready to write: everything computed outside the write transaction."""

    key: str
    file: str
    path: str
    record: int | None
    hash: str
    title: str | None
    publisher: str | None
    notices: str
    skip: str | None  # JSON: spans of text not matched besides notices; with barriers {"skip": [...], "breaks": [...]}
    words: int
    chars: int
    text: bytes
    plain: bytes | None
    runs: bytes | None
    fingerprints: list[int]
    xling: Any = None  # compliance.reuse.xling.rows.XlingRow (None: computed later, COMPLIANCE_NO_XLING=1)


@dataclass
class FileBatch:
    """The outcome of reading one file: its hash and documents, or that it is unchanged."""

    file: str
    hash: str
    docs: list[Prepared] = field(default_factory=list)
    unchanged: bool = False
    error: str | None = None
    register: bool = True  # remember the file's hash (False for documents added from memory)
    path: str = ""  # as the user named it
    message: str = ""  # the error without the path
    line: int | None = None


def file_key(path: str) -> str:
    return os.path.abspath(path)


def doc_key(file: str, record: int | None) -> str:
    return file if record is None else f"{file}#{record}"


def public_id(key: str) -> str:
    """A stable id: the same path (and record) keeps its id across re-adds and rebuilds."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def prepare_document(doc: Document, engine, file: str, path: str, notices: list | None = None) -> Prepared:
    """Notices (``notices`` when already found), fingerprints, cross-language rows and compressed texts of one
    document."""
    from compliance.detect.provenance import document_publisher, provenance
    from compliance.reuse.xling import rows as xling_rows

    if notices is None:
        notices = engine.scan(doc) if engine is not None else []
    notice_spans = [(n.start_offset, n.end_offset) for n in notices]
    skip = skip_spans(doc, notice_spans)
    om = None if is_identity(doc) else doc.offset_map
    spans = notice_spans + skip
    fingerprints, words = fp.text_fingerprints(doc.plain, plain_spans(om, spans))
    breaks = barrier_spans(doc)
    xling = None
    if xling_rows.enabled():  # from the view the index gives back for the stored document
        xling = xling_rows.prepare(make_view(doc.text, doc.plain, om, spans, breaks), engine)
    text_bytes = doc.text.encode("utf-8")
    plain = runs = None
    if om is not None:
        comp = zlib.compressobj(TEXT_LEVEL, zdict=text_bytes[-32768:])  # plain is mostly text
        plain = comp.compress(doc.plain.encode("utf-8")) + comp.flush()
        runs = zlib.compress(map_runs(om).tobytes(), TEXT_LEVEL)
    return Prepared(
        key=doc_key(file, doc.record), file=file, path=path, record=doc.record,
        hash=hashlib.sha256(text_bytes).hexdigest(), title=_title(doc),
        publisher=document_publisher(doc.metadata, provenance(notices)),
        notices=json.dumps([n.to_dict() for n in notices], ensure_ascii=False),
        skip=_skip_json(skip, breaks), words=words, chars=len(doc.text),
        text=zlib.compress(text_bytes, TEXT_LEVEL), plain=plain, runs=runs, fingerprints=sorted(fingerprints),
        xling=xling,
    )


def _skip_json(skip: list[tuple[int, int]], breaks: list[tuple[int, int]]) -> str | None:
    """The ``skip`` column: spans not matched, and the headings and front matter no passage crosses
    (a plain list when there are none, as indexes written before barriers hold)."""
    if breaks:
        return json.dumps({"skip": skip, "breaks": breaks})
    return json.dumps(skip) if skip else None


def _title(doc: Document) -> str | None:
    title = doc.metadata.get("title")
    if title:
        return str(title).strip()
    for b in doc.blocks:
        if b.kind == "heading":
            return doc.plain[b.plain_start:b.plain_end].strip().lstrip("#").strip() or None
    return None


def prepare_file(path: str, known_hash: str | None, engine) -> FileBatch:
    """Read one file; unchanged files (same bytes as indexed) are not parsed at all."""
    from compliance.readers import read_bytes, reader_for

    file = file_key(path)
    try:
        data = read_bytes(path)
    except InputError as err:
        return FileBatch(file, "", error=str(err), path=path, message=err.message, line=err.line)
    digest = hashlib.sha256(data).hexdigest()
    if digest == known_hash:
        return FileBatch(file, digest, unchanged=True)
    try:
        docs = list(reader_for(path)(data, path))
    except ComplianceError as err:
        return FileBatch(file, digest, error=str(err), path=path, message=err.message, line=err.line)
    return FileBatch(file, digest, [prepare_document(d, engine, file, path, found)
                                    for d, found in zip(docs, _notices_of(docs, engine), strict=True)])


def _notices_of(docs: list[Document], engine, chunk: int = 64) -> list[list]:
    """The notices of ``docs`` (a JSONL shard, a WARC file), found ``chunk`` documents a call: the scorer's
    numpy cost is per call (``NoticeEngine.scan_many``)."""
    if engine is None:
        return [[] for _ in docs]
    return [found for i in range(0, len(docs), chunk) for found in engine.scan_many(docs[i:i + chunk])]


_engine = None


def worker_init(engine) -> None:
    global _engine
    _engine = engine


def worker(task: tuple[str, str | None]) -> FileBatch:
    return prepare_file(task[0], task[1], _engine)
