"""Per-document provenance: who wrote it (author/credit) → who published it → what it reports from.

Built only from the document's own notices: roles come from the rules (``role:``), agency credits
name an original source, and a copyright holder stands in for a publisher nobody named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance.findings import Notice


@dataclass
class Provenance:
    author: list[str] = field(default_factory=list)
    publisher: str | None = None
    source: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"author": self.author, "publisher": self.publisher, "source": self.source, "urls": self.urls}

    def chain(self) -> str:
        """One line: ``author → publisher → source`` (missing links left out)."""
        parts = [", ".join(self.author), self.publisher or "", ", ".join(self.source)]
        labels = ["by", "published by", "reported from"]
        return " → ".join(f"{label} {p}" for label, p in zip(labels, parts, strict=True) if p)


def _name(n: Notice) -> str | None:
    return n.publisher or n.holder


def _add(items: list[str], value: str | None) -> None:
    if value and value.lower() not in (i.lower() for i in items):
        items.append(value)


def provenance(notices: list[Notice]) -> Provenance:
    prov = Provenance()
    holders: list[str] = []
    for n in notices:
        name = _name(n)
        if n.role == "author":
            _add(prov.author, name)
        elif n.role == "publisher" and name and prov.publisher is None:
            prov.publisher = name
        elif n.role == "source" or n.kind == "agency-credit":
            _add(prov.source, name)
        elif n.kind in ("copyright", "all-rights-reserved", "reproduction-ban") and name:
            _add(holders, name)
        for url in n.urls:
            _add(prov.urls, url)
    if prov.publisher is None and holders:
        prov.publisher = holders[-1]  # site footers come last
    prov.author = [a for a in prov.author if a != prov.publisher]
    return prov


def document_publisher(metadata: dict[str, Any], prov: Provenance | None) -> str | None:
    """Who published a document: its metadata's publisher (or source), else the publisher its notices
    name. One answer for ``corpus add`` (a source's publisher) and ``notices`` (its own quote/store line)."""
    publisher = metadata.get("publisher") or metadata.get("source") or (prov.publisher if prov else None)
    return str(publisher) if publisher else None
