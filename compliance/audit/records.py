"""The audit record of one document (the contract of ``compliance audit``) and what clustering keeps of it.

A record is a plain dict, one JSON line::

    {"path", "record", "url", "title", "publisher", "license", "notices", "signals",
     "verdicts": {"store": {"verdict", "rule"},
                  "tdm": {"verdict", "rule", "machine_readable", "natural_language"},
                  "quote": {"verdict": allowed|limited|no, "max_words", "rule"}},
     "cluster": {"id", "original"} | null, "error": null | "one-line reason"}

``record`` is the position in a WARC/JSONL file (null for single files); ``(path, record)`` is the
record's key (``--resume``). An unreadable document still gets a record: ``error`` names the problem
and the other fields are empty. ``verdicts.tdm.machine_readable`` says whether a machine-readable
signal (TDMRep, robots ``noai``, robots.txt) reserved TDM, ``natural_language`` whether a notice or
publisher terms in prose did; ``rule`` names the layer that decided (``signal:<key>:<source>`` for a
signal, else a notice rule id), so the legally relevant distinction survives while policy treats
both as a reservation.
"""

from __future__ import annotations

import base64
from array import array
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from compliance.detect.provenance import provenance
from compliance.document import Document
from compliance.findings import Notice
from compliance.policy.permissions import Effective, SourceInfo, effective_permissions
from compliance.ruleset.model import RuleSet

RECORD_FIELDS = ("path", "record", "url", "title", "publisher", "license", "notices", "signals", "verdicts",
                 "cluster", "error", "warnings")
Key = tuple[str, int | None]

# Clustering keeps a sample of each document's winnowed fingerprints: those divisible by SAMPLE (the same
# rule in every document, so shared fingerprints stay shared and containment is estimated without bias),
# at most MAX_SKETCH of them (the smallest: a consistent subset again).
SAMPLE = 4
MAX_SKETCH = 256
# Notices that name where a text comes from: a copy says "Source: X", "Dieser Artikel stammt von X".
ORIGIN_ROLES = ("source", "publisher")
ORIGIN_KINDS = ("attribution", "agency-credit")


def key_of(record: dict[str, Any]) -> Key:
    return record["path"], record.get("record")


def empty_record(path: str, record: int | None) -> dict[str, Any]:
    return {"path": path, "record": record, "url": None, "title": None, "publisher": None, "license": None,
            "notices": [], "signals": [], "verdicts": None, "cluster": None, "error": None, "warnings": []}


def error_record(path: str, record: int | None, reason: str, url: str | None = None) -> dict[str, Any]:
    """The record of a document that could not be read: ``error`` is one line naming the problem."""
    out = empty_record(path, record)
    out["url"] = url
    out["error"] = " ".join(str(reason).split()) or "unreadable"
    return out


@dataclass(slots=True)
class DocInfo:
    """What clustering keeps per document: its key, a fingerprint sample, who it is and whom it credits."""

    key: Key
    url: str | None = None
    sketch: array = field(default_factory=lambda: array("q"))
    names: list[str] = field(default_factory=list)  # publisher, site name, hosts: who published this copy
    claims: list[str] = field(default_factory=list)  # names/URLs its notices give as the text's origin
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"k": list(self.key), "u": self.url, "f": base64.b64encode(self.sketch.tobytes()).decode("ascii"),
                "n": self.names, "c": self.claims, "d": self.date}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocInfo:
        sketch = array("q")
        sketch.frombytes(base64.b64decode(data.get("f") or ""))
        path, record = data["k"]
        return cls((path, record), data.get("u"), sketch, list(data.get("n") or []), list(data.get("c") or []),
                   data.get("d"))


def host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        name = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    return name.lower().removeprefix("www.") if name else None


def publisher_of(doc: Document, notices: list[Notice], publishers: Any) -> str | None:
    """Who published this copy: a known publisher profile matching the site (its name or host) or the
    notices, else the page's site name, else the publisher the notices name, else the host.

    ``publishers`` is the notice engine's :class:`PublisherIndex` (profile lookup by name or domain).
    """
    meta = doc.metadata
    hosts = [h for h in (host(meta.get("url")), host(meta.get("canonical"))) if h]
    prov = provenance(notices).publisher
    for candidate in (meta.get("sitename"), *hosts, prov):
        profile = publishers.find(candidate) if candidate else None
        if profile is not None:
            return profile.name
    return meta.get("sitename") or prov or (hosts[0] if hosts else None)


def origin_claims(notices: list[Notice]) -> list[str]:
    """Names and URLs the notices give as the origin of the text ("Source: X", agency credits)."""
    out: list[str] = []
    for n in notices:
        if n.role == "source" or (n.kind in ORIGIN_KINDS and n.role in ORIGIN_ROLES):
            for value in (n.publisher or n.holder, *n.urls):
                if value and value not in out:
                    out.append(value)
    return out


def verdicts(eff: Effective) -> dict[str, Any]:
    """store / tdm / quote with the rule that decided each."""
    if eff.get("reproduce") == "allow":  # a licence grants reuse: quoting is free
        quote = {"verdict": "allowed", "max_words": None, "rule": eff.rule_for("reproduce")}
    elif not eff.quote.allowed:
        quote = {"verdict": "no", "max_words": None, "rule": eff.rule_for("quote")}
    else:
        quote = {"verdict": "limited", "max_words": eff.quote.max_words, "rule": eff.rule_for("quote")}
    return {
        "store": {"verdict": eff.get("store") or "review", "rule": eff.rule_for("store")},
        "tdm": {"verdict": eff.get("tdm") or "allowed", "rule": eff.rule_for("tdm"),
                "machine_readable": eff.tdm_machine_readable, "natural_language": eff.tdm_natural_language},
        "quote": quote,
    }


def main_text(doc: Document) -> str:
    """The article part of a page (``text[:main_end]``), or the whole text of other documents."""
    end = doc.metadata.get("main_end")
    return doc.text[:end] if end else doc.text


def sketch(text: str) -> array:
    """A sample of the text's winnowed word-4-gram fingerprints (see SAMPLE, MAX_SKETCH)."""
    from compliance.reuse.fingerprint import fingerprints
    from compliance.reuse.normalize import text_ids

    kept = sorted(h for h in fingerprints(text_ids(text)) if h % SAMPLE == 0)
    return array("q", kept[:MAX_SKETCH])


def document_record(doc: Document, notices: list[Notice], ruleset: RuleSet,
                    publishers: Any) -> tuple[dict[str, Any], DocInfo]:
    """The record of a readable document and its clustering data."""
    meta = doc.metadata
    signals = [s.to_dict() for s in doc.signals]
    notice_dicts = [n.to_dict() for n in notices]
    publisher = publisher_of(doc, notices, publishers)
    source = SourceInfo(id=doc.path, path=doc.path, publisher=publisher, title=meta.get("title"),
                        notices=notice_dicts, signals=signals)
    eff = effective_permissions(source, ruleset)
    url = meta.get("url") or meta.get("canonical")
    record = empty_record(doc.path, doc.record)
    record.update({"url": url, "title": meta.get("title"), "publisher": publisher, "license": eff.license,
                   "notices": notice_dicts, "signals": signals, "verdicts": verdicts(eff)})
    names = [n for n in dict.fromkeys((publisher, meta.get("sitename"), host(url), host(meta.get("canonical"))))
             if n]
    info = DocInfo(key=(doc.path, doc.record), url=url, sketch=sketch(main_text(doc)), names=names,
                   claims=origin_claims(notices), date=meta.get("date"))
    return record, info
