"""Cross-language reuse: a German draft that translates an English source (issue 16).

Translate the draft, not the corpus: German sentences become bags of English stems through a bilingual
dictionary read from the user's system (:mod:`.ding`), are retrieved against the English sentences
``corpus add`` stored (:mod:`.store`) and aligned sentence by sentence (:mod:`.search`). Matches carry
``kind: "translation"`` and go through the same policy as monolingual reuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compliance.config import Config
    from compliance.document import Document
    from compliance.findings import Match, Notice
    from compliance.reuse.index import CorpusIndex
    from compliance.reuse.xling.engine import XlingEngine


def load_xling(ruleset: Any, config: Config | None = None) -> XlingEngine:
    """The cross-language engine for a run: the rules' ``xling`` settings, the config's dictionary paths."""
    from compliance.reuse.xling.engine import XlingEngine

    return XlingEngine.load(getattr(ruleset, "xling", {}) or {}, config.dictionaries if config else None,
                            config.root if config else ".")


def add_translations(matches: list[Match], doc: Document, index: CorpusIndex, engine: XlingEngine,
                     notices: list[Notice] | None = None) -> list[Match]:
    """``matches`` plus the draft's translated passages, in draft order (monolingual matches keep their region)."""
    from compliance.reuse.xling.search import find_translations

    found = find_translations(doc, index, engine, notices, matches)
    if not found:
        return matches
    return sorted([*matches, *found], key=lambda m: (m.draft_start, m.draft_end))


def sync_index(index: CorpusIndex, ruleset: Any | None = None, prune_only: bool = False, jobs: int = 1) -> int:
    """After documents were added: compute the cross-language rows of documents that have none (those added
    with ``COMPLIANCE_NO_XLING=1``; the others got theirs where they were prepared). Removed documents' rows go
    with them in their transaction, so ``prune_only`` has nothing to do.

    ``ruleset`` holds the ``xling`` settings (the built-in rules when None); ``jobs`` worker processes compute
    a large catch-up."""
    from compliance.reuse.xling.store import sync

    if prune_only:
        return 0
    if ruleset is None:
        from compliance.ruleset.loader import load_ruleset

        ruleset = load_ruleset().ruleset
    engine = load_xling(ruleset)
    return sync(index, engine.analyzers, engine.source_languages(), jobs)
