"""Reused passages: normalize → fingerprint → index (SQLite) → search → align.

Public API (stable; the policy stage builds on it):

- :class:`CorpusIndex` ``(path, create=False)``: ``add_paths``, ``add_documents``, ``remove``,
  ``list``, ``stats``, ``get(source_id)`` → :class:`SourceRecord`
- :func:`find_matches` ``(doc, index, notices=None, params=None)`` → ``list[Match]``
- :func:`check_documents` ``(paths, index, engine=None, rule_dirs=None)`` → ``list[FileResult]``

Imports are lazy: ``import compliance.reuse`` costs nothing until a name is used.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "CorpusIndex": "compliance.reuse.index",
    "SourceRecord": "compliance.reuse.index",
    "AddReport": "compliance.reuse.index",
    "DEFAULT_INDEX": "compliance.reuse.index",
    "find_matches": "compliance.reuse.search",
    "SearchParams": "compliance.reuse.search",
    "check_documents": "compliance.reuse.pipeline",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
