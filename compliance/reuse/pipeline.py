"""``check``'s pipeline in one function: read drafts → notices → matches → policy verdicts → noise control."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from compliance.config import Config, apply_to_ruleset
from compliance.detect.notices import NoticeEngine
from compliance.document import Document
from compliance.findings import Warning_
from compliance.pipeline import FileResult, iter_documents, load_engine, scan_document
from compliance.policy.fixes import propose_fixes
from compliance.policy.permissions import SourceInfo
from compliance.policy.verdicts import apply_policy
from compliance.reuse.index import CorpusIndex
from compliance.reuse.search import SearchParams, find_matches
from compliance.reuse.xling import add_translations, load_xling
from compliance.suppress import apply_baseline, apply_suppressions


def source_info(index: CorpusIndex, source_id: str) -> SourceInfo:
    """What policy needs about a corpus document, from what the index stored when it was added."""
    rec = index.get(source_id)
    if rec is None:  # removed between search and policy (another process): judge it by the default policy
        return SourceInfo(id=source_id, path=source_id)
    return SourceInfo(id=rec.id, path=rec.path, publisher=rec.publisher, title=rec.title, notices=rec.notices,
                      words=rec.words or len(rec.text.split()))


def check_documents(paths: Iterable[str], index: CorpusIndex | str, engine: NoticeEngine | None = None,
                    rule_dirs: list[str] | None = None, params: SearchParams | None = None,
                    config: Config | None = None, baseline: set[str] | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    documents: Iterable[Document] | None = None) -> list[FileResult]:
    """Read every draft first (bad input fails before any output), then find notices, matches and verdicts.

    ``config`` adjusts the policy (quote limits, own publishers, default policy); ``baseline`` holds keys
    of accepted findings, which are marked suppressed like inline suppressions. ``progress(done, total)``
    is called after each draft (the command's progress bar). ``documents``, already read, replace reading
    ``paths`` (``check --fix`` checks the fixed text before it writes it).
    """
    engine = engine or load_engine(rule_dirs)
    ruleset = engine.rules.ruleset
    if config is not None:
        ruleset = apply_to_ruleset(ruleset, config)
    own = not isinstance(index, CorpusIndex)
    idx = CorpusIndex(index) if own else index
    try:
        docs = list(documents) if documents is not None else list(iter_documents(paths))
        xling = load_xling(ruleset, config)
        results = []
        sources: dict[str, SourceInfo] = {}
        for doc in docs:
            result = scan_document(engine, doc)
            itself: list[str] = []
            result.matches = find_matches(doc, idx, result.notices, params, itself)
            result.warnings += [Warning_(doc.path, f"skipped {path}: the draft itself") for path in itself]
            result.matches = add_translations(result.matches, doc, idx, xling, result.notices)
            for m in result.matches:
                if m.source.id not in sources:
                    sources[m.source.id] = source_info(idx, m.source.id)
            used = {m.source.id: sources[m.source.id] for m in result.matches}
            result.verdicts, result.sources = apply_policy(doc, result.notices, result.matches, used, ruleset)
            propose_fixes(doc, result.verdicts, used, ruleset)
            result.warnings += apply_suppressions(doc, result.verdicts)
            if baseline:
                apply_baseline(baseline, doc, doc.path, result.verdicts)
            results.append(result)
            if progress is not None:
                progress(len(results), len(docs))
        return results
    finally:
        if own:
            idx.close()
