"""The words a fix writes: attribution lines from templates, and quotations trimmed to a word limit.

Templates come from ``rules/fixes.yaml``: ``{field}`` is a field, a ``[bracketed]`` part is left out when a
field in it is empty. A trimmed quotation keeps whole sentences (else clauses, else leading words), the ones
the draft's own text around the passage refers to first, in their order, with the language's omission mark
where words were left out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import regex

from compliance.policy.permissions import Effective, SourceInfo, _profile, license_family
from compliance.reuse.normalize import tokenize
from compliance.ruleset.model import RuleSet

_OPTIONAL = regex.compile(r"\[([^\[\]]*\{[a-z]+\}[^\[\]]*)\]")
_FIELD = regex.compile(r"\{([a-z]+)\}")
_CC = regex.compile(r"^CC-(BY(?:-NC)?(?:-ND|-SA)?)-(\d\.\d)(?:-([A-Za-z]+))?$")
_SENTENCE_END = regex.compile(r"(?<=[.!?…][\"'“”«»’)]*)\s+(?=\S)")
_CLAUSE_END = regex.compile(r"(?<=[,;:–—])\s+(?=\S)")


def fill(template: str, fields: dict[str, str | None]) -> str:
    """``template`` with its fields; optional parts with an empty field dropped."""
    def optional(m: regex.Match) -> str:
        return m.group(1) if all(fields.get(f) for f in _FIELD.findall(m.group(1))) else ""

    text = _OPTIONAL.sub(optional, template)
    return _FIELD.sub(lambda m: fields.get(m.group(1)) or "", text).strip(" ,")


def license_name_and_deed(spdx: str | None, effective: Effective, ruleset: RuleSet) -> tuple[str | None, str | None]:
    """"CC BY-ND 4.0" and its deed URL for a CC SPDX id; other licences: the id and the family's first link."""
    if not spdx:
        return None, None
    m = _CC.match(spdx)
    rules = ruleset.fixes
    if m:
        elements, version, port = m.group(1), m.group(2), m.group(3) or ""
        values = {"elements": elements.lower(), "ELEMENTS": elements, "version": version,
                  "port": f"{port.lower()}/" if port else "", "PORT": f" {port.upper()}" if port else ""}
        return rules.cc_name.format(**values), rules.cc_deed.format(**values)
    family = license_family(spdx, ruleset.licenses)
    grant = ruleset.licenses.permissions.get(family) if family else None
    links = grant.links if grant is not None else []
    return spdx, links[0].url if links else None


def attribution_fields(source: SourceInfo, effective: Effective, ruleset: RuleSet) -> dict[str, str | None]:
    """Title, author, publisher, URL, licence and deed of a source, from its index entry and notices.

    The publisher is the index's (front matter, site name), else the one a publisher-role notice names ("Dieser
    Artikel stammt von …"), else the profile's; the URL is one a publisher or source notice gives (the article's
    address), never a licence deed; the author is an author-role notice's holder when it is not the publisher."""
    notices = source.notices
    by_role = {role: [n for n in notices if n.get("role") == role] for role in ("publisher", "source", "author")}
    publisher = source.publisher or next((n.get("publisher") for n in by_role["publisher"] if n.get("publisher")),
                                         None)
    profile = _profile(SourceInfo(id=source.id, path=source.path, publisher=publisher), ruleset)
    if profile is not None:
        publisher = profile.name
    deeds = {urlsplit(link.url).netloc for perms in ruleset.licenses.permissions.values() for link in perms.links}
    ordered = [*by_role["publisher"], *by_role["source"], *notices]
    urls = [u for n in ordered for u in n.get("urls", []) if urlsplit(u).netloc not in deeds]
    if not urls and source.path.startswith(("http://", "https://")):
        urls.append(source.path)
    author = next((n.get("holder") or n.get("publisher") for n in by_role["author"]
                   if (n.get("holder") or n.get("publisher"))), None)
    if author and publisher and author.lower() == publisher.lower():
        author = None
    name, deed = license_name_and_deed(effective.license, effective, ruleset)
    return {"title": source.title, "author": author, "publisher": publisher or source.title or source.path,
            "url": urls[0] if urls else None, "license": name, "deed": deed}


def _units(text: str, pattern: regex.Pattern) -> list[tuple[int, int]]:
    """Spans of ``text`` between the separators ``pattern`` finds."""
    spans, pos = [], 0
    for m in pattern.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text.rstrip())))
    return [(s, e) for s, e in spans if e > s]


def _stems(text: str, common: set[str]) -> set[str]:
    """Content-word prefixes: a language-independent stand-in for a stem ("Streik" ~ "Streiks")."""
    return {w[:5] for w in tokenize(text).words if len(w) >= 4 and w not in common}


def _words(text: str) -> int:
    return len(tokenize(text).words)


def _pick(text: str, units: list[tuple[int, int]], budget: int, context: set[str], common: set[str]) -> list[int]:
    """Indexes of the units to keep: the most referred-to first, then in order, within ``budget`` words."""
    scored = sorted(range(len(units)), key=lambda i: (-len(_stems(text[slice(*units[i])], common) & context), i))
    kept, used = [], 0
    for i in scored:
        n = _words(text[slice(*units[i])])
        if used + n <= budget:
            kept.append(i)
            used += n
    return sorted(kept)


def trim_to_words(text: str, budget: int, omission: str, context_text: str, common: set[str]) -> str | None:
    """``text`` cut to at most ``budget`` words at sentence (else clause) boundaries, omissions marked."""
    if _words(text) <= budget:
        return text
    context = _stems(context_text, common)
    for pattern in (_SENTENCE_END, _CLAUSE_END):
        units = _units(text, pattern)
        kept = _pick(text, units, budget, context, common)
        if kept:
            return _join(text, units, kept, omission)
    tokens = tokenize(text)
    if budget <= 0 or not tokens.words:
        return None
    return f"{text[:tokens.ends[budget - 1]]} {omission}"


def _join(text: str, units: list[tuple[int, int]], kept: list[int], omission: str) -> str:
    """Kept units with their own separators where they were adjacent, the omission mark where not."""
    out = "" if kept[0] == 0 else f"{omission} "
    for k, i in enumerate(kept):
        if k:
            prev = kept[k - 1]
            out += text[units[prev][1]:units[i][0]] if i == prev + 1 else f" {omission} "
        out += text[slice(*units[i])]
    return out + ("" if kept[-1] == len(units) - 1 else f" {omission}")
