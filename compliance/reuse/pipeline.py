"""``check``'s pipeline in one function, so later stages (policy verdicts) extend one place."""

from __future__ import annotations

from compliance.detect.notices import NoticeEngine
from compliance.pipeline import FileResult, iter_documents, load_engine, scan_document
from compliance.reuse.index import CorpusIndex
from compliance.reuse.search import SearchParams, find_matches


def check_documents(paths: list[str], index: CorpusIndex | str, engine: NoticeEngine | None = None,
                    rule_dirs: list[str] | None = None,
                    params: SearchParams | None = None) -> list[FileResult]:
    """Read every draft first (bad input fails before any output), then find notices and matches."""
    engine = engine or load_engine(rule_dirs)
    own = not isinstance(index, CorpusIndex)
    idx = CorpusIndex(index) if own else index
    try:
        docs = list(iter_documents(paths))
        results = []
        for doc in docs:
            result = scan_document(engine, doc)
            result.matches = find_matches(doc, idx, result.notices, params)
            results.append(result)
        return results
    finally:
        if own:
            idx.close()
