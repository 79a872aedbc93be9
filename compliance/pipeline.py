"""The one-way flow shared by every command: read → detect → (policy) → results for reporters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from compliance.detect.notices import NoticeEngine
from compliance.detect.provenance import Provenance, document_publisher, provenance
from compliance.document import Document
from compliance.findings import Notice, Warning_
from compliance.readers import expand_paths, read_path
from compliance.readers.stream import is_error
from compliance.ruleset.loader import LoadedRules, load_ruleset

JSON_VERSION = 1


@dataclass
class FileResult:
    """Everything found in one document; reporters render lists of these."""

    path: str
    document: Document | None
    notices: list[Notice] = field(default_factory=list)
    matches: list[Any] = field(default_factory=list)
    verdicts: list[Any] = field(default_factory=list)
    sources: list[Any] = field(default_factory=list)
    provenance: Provenance | None = None
    warnings: list[Warning_] = field(default_factory=list)
    record: int | None = None
    # What the document's own notices allow (a SourceSummary): ``notices`` prints it per file. Not in the
    # JSON report, whose ``files[]`` fields are a contract.
    permissions: Any = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.record is not None:
            out["record"] = self.record
        out.update({
            "notices": [n.to_dict() for n in self.notices],
            "matches": [m.to_dict() for m in self.matches],
            "verdicts": [v.to_dict() for v in self.verdicts],
            "sources": [s.to_dict() for s in self.sources],
            "provenance": self.provenance.to_dict() if self.provenance else None,
            "warnings": [w.to_dict() for w in self.warnings],
        })
        return out


def load_engine(rule_dirs: list[str] | None) -> NoticeEngine:
    from compliance.startup import building

    with building():  # ~0.5M long-lived objects and no garbage: collections during the build are pure cost
        return NoticeEngine(load_ruleset(rule_dirs))


def iter_documents(paths: Iterable[str], allow_dirs: bool = False) -> Iterator[Document]:
    for path in expand_paths(paths, allow_dirs):
        yield from read_path(path)


def scan_document(engine: NoticeEngine, doc: Document) -> FileResult:
    warnings: list[Warning_] = []
    if is_error(doc):  # an unreadable WARC/JSONL record: say so, rather than "no notices"
        warnings.append(Warning_(doc.path, f"record {doc.record} not read: {doc.metadata['error']}"))
        return FileResult(doc.path, doc, warnings=warnings, record=doc.record)
    notices = engine.scan(doc, warnings)
    return FileResult(doc.path, doc, notices=notices, provenance=provenance(notices), warnings=warnings,
                      record=doc.record)


def scan_notices(paths: list[str], rules: LoadedRules | None = None,
                 rule_dirs: list[str] | None = None, config: Any = None) -> list[FileResult]:
    """Read every path first (so a bad input fails before any output), then detect notices and judge what
    they allow (``config`` adjusts the policy as it does for ``check``)."""
    from compliance.config import apply_to_ruleset

    engine = NoticeEngine(rules) if rules is not None else load_engine(rule_dirs)
    ruleset = engine.rules.ruleset if config is None else apply_to_ruleset(engine.rules.ruleset, config)
    docs = list(iter_documents(paths))
    results = [scan_document(engine, doc) for doc in docs]
    for result in results:
        if result.document is not None and not is_error(result.document):
            result.permissions = own_permissions(result, ruleset)
    return results


def own_permissions(result: FileResult, ruleset: Any) -> Any:
    """What a document's own notices allow anyone reusing it, judged exactly as ``check`` judges a corpus
    source (the same layers, the same :class:`SourceSummary` line), so both commands say the same."""
    from compliance.policy.permissions import SourceInfo, effective_permissions
    from compliance.policy.verdicts import summarize_source

    doc = result.document
    assert doc is not None
    meta = doc.metadata
    source = SourceInfo(id=result.path, path=result.path, publisher=document_publisher(meta, result.provenance),
                        title=meta.get("title"), notices=[n.to_dict() for n in result.notices],
                        words=len(doc.plain.split()), signals=[s.to_dict() for s in doc.signals])
    return summarize_source(source, effective_permissions(source, ruleset))


def json_report(results: list[FileResult], **extra: Any) -> dict[str, Any]:
    return {"version": JSON_VERSION, **extra, "files": [r.to_dict() for r in results]}
