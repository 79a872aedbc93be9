"""One document's cross-language rows: its language and, for a source language, its sentences as English stems.

Computed where the document is prepared (``corpus add``'s worker processes, or Spark tasks), from the same view
the index gives back for the stored document, so the rows equal what :func:`compute` makes from the stored text
(the catch-up pass in :mod:`.store` for documents added with ``COMPLIANCE_NO_XLING=1``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

from compliance.reuse.sentences import split_sentences
from compliance.reuse.xling.terms import Analyzer, detect_language, source_terms


@dataclass
class XlingRow:
    """What the index stores for one document: language, sentences (None unless a source language) and the
    sorted distinct term hashes of their stems (the cross-language postings)."""

    lang: str | None
    sents: list[list] | None = None  # [text_start, text_end, [stems], segment] per sentence
    terms: list[int] = field(default_factory=list)


def enabled() -> bool:
    """``COMPLIANCE_NO_XLING=1`` leaves new documents without cross-language rows."""
    return os.environ.get("COMPLIANCE_NO_XLING") != "1"


def term_hash(stem: str) -> int:
    """A stable 39-bit hash: shifted by 24 bits for a document number it still fits a signed 64-bit key."""
    h = _HASHES.get(stem)
    if h is None:
        h = int.from_bytes(blake2b(stem.encode("utf-8"), digest_size=8).digest(), "little") >> 25
        if len(_HASHES) > 500_000:
            _HASHES.clear()
        _HASHES[stem] = h
    return h


_HASHES: dict[str, int] = {}  # memo: a corpus's vocabulary repeats from document to document


def compute(view: Any, analyzers: dict[str, Analyzer], sources: set[str]) -> XlingRow:
    """The rows of a document from its matching view (notices excluded, barriers as segments)."""
    lang = detect_language(view.tokens.words, analyzers)
    if lang not in sources:
        return XlingRow(lang)
    sents = sentences(view, analyzers[lang])
    if not sents:
        return XlingRow(lang)
    return XlingRow(lang, sents, sents_terms(sents))


def sents_terms(sents: list[list]) -> list[int]:
    """The sorted distinct term hashes of sentences' stems."""
    return sorted({term_hash(t) for t in {t for s in sents for t in s[2]}})  # each distinct stem hashed once


def sentences(view: Any, analyzer: Analyzer) -> list[list]:
    """``[text_start, text_end, [stems], segment]`` per sentence with content words."""
    words, ex = view.tokens.words, view.excluded
    out = []
    for i, j in split_sentences(view):
        kept = [words[k] for k in range(i, j) if not ex[k]] if 1 in ex[i:j] else words[i:j]
        terms = source_terms(kept, analyzer)
        if terms:
            s, e = view.text_span(i, j)
            out.append([s, e, terms, view.seg[i] if view.seg else 0])
    return out


_ANALYZERS: dict[int, tuple[Any, dict[str, Analyzer], set[str]]] = {}  # id(ruleset) -> (it, analyzers, sources)
_BUILTIN: list[Any] = []  # the built-in rule set, loaded once when there is no engine


def analyzers_for(engine: Any) -> tuple[dict[str, Analyzer], set[str]]:
    """The analyzers and source languages of the notice engine's rule packs (the built-in ones without an
    engine), loaded once per process and rule set."""
    ruleset = getattr(getattr(engine, "rules", None), "ruleset", None)
    if ruleset is None:
        if not _BUILTIN:
            from compliance.ruleset.loader import load_ruleset

            _BUILTIN.append(load_ruleset().ruleset)
        ruleset = _BUILTIN[0]
    cached = _ANALYZERS.get(id(ruleset))
    if cached is None or cached[0] is not ruleset:
        from compliance.reuse.xling import load_xling

        xl = load_xling(ruleset)
        cached = (ruleset, xl.analyzers, xl.source_languages())
        _ANALYZERS[id(ruleset)] = cached
    return cached[1], cached[2]


def prepare(view: Any, engine: Any) -> XlingRow | None:
    """The rows of a document being prepared for the index (None with ``COMPLIANCE_NO_XLING=1``)."""
    if not enabled():
        return None
    analyzers, sources = analyzers_for(engine)
    return compute(view, analyzers, sources)
