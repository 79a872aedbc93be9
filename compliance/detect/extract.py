"""Turn a raw pattern match into structured fields: holder, years, URLs, publisher, SPDX licence.

The vocabulary (licence element names per language, publisher names) comes from the rule packs; this
module only holds the grammar of how those parts combine.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from compliance.ruleset.model import Licenses, Publisher

_YEAR = regex.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_URL = regex.compile(r"(?:https?://|www\.)[^\s<>\"'\]]+", regex.I)
_TRIM = " \t\r\n.,;:|-–—/()[]*_\"'«»„“”"
_HOLDER_NOISE = regex.compile(r"^(?:by|von|par|por|di|door|przez)\s+|^(?:©|\(c\)|copyright)\s*", regex.I)
_NORMALIZE = regex.compile(r"[\s\-–_/.,;:()«»\"“”„]+")
_VERSION = regex.compile(
    r"(?<![\d.])([1-4])[.,]([05])(?![\d])"
    r"|(?<![\d.])([1-4])(?=\s*(?:lizenz|license|licence|licencia|licenza|licentie|licencj|licença|$|\)))")
_CC = regex.compile(r"\b(?:cc|creative\s*commons)\b", regex.I)
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_CC_CODE = regex.compile(r"\b(?:cc[\s-]*)?(by(?:[\s-]+(?:nc|nd|sa)){0,2})\b(?![\s-]*(?:the|a|an)\b)", regex.I)
_CC0 = regex.compile(r"\bcc[\s-]*(?:0|zero)\b", regex.I)
# a port code right after the version: upper case ("at" is a word), or lower case ending the text ("3.0/de/")
_PORT_CODE = regex.compile(r"(?<![\d.])[1-4][.,][05][\s/-]+(?:([A-Z]{2,3})(?![\w])|([a-z]{2,3})[\s/]*$)")
# a licence deed URL: creativecommons.org/licenses/by-sa/3.0/de/, .../publicdomain/zero/1.0/
_CC_URL = regex.compile(r"creativecommons\.org/(?:licenses/(?P<code>[a-z]+(?:-[a-z]+)*)(?:/(?P<ver>\d\.\d))?"
                        r"(?:/(?P<port>[a-z]{2,3})(?=[/\s]|$))?|publicdomain/(?P<pd>zero|mark))", regex.I)


def years_of(text: str | None) -> list[int]:
    """All four-digit years in ``text``, sorted and unique (ranges give their two ends)."""
    return sorted({int(y) for y in _YEAR.findall(text or "")})


def urls_of(text: str) -> list[str]:
    return [u.rstrip(".,;:!?)>]}") for u in _URL.findall(text)]


def clean_holder(value: str | None) -> str | None:
    if not value:
        return None
    holder = _YEAR.sub(" ", value)
    holder = regex.sub(r"\s+", " ", holder).strip(_TRIM)
    for _ in range(3):
        holder = _HOLDER_NOISE.sub("", holder).strip(_TRIM)
    return holder or None


def _norm(text: str) -> str:
    return " " + _NORMALIZE.sub(" ", text.lower()).strip() + " "


def normalize_license(text: str | None, licenses: Licenses) -> str | None:
    """An SPDX id for a licence named in ``text`` (CC in any configured language, or a named licence of
    ``licenses.named``), else None.

    Versionless CC licences become ``LicenseRef-CC-<elements>``; public-domain marks
    ``LicenseRef-public-domain``; "a Creative Commons licence" with no elements ``LicenseRef-CC``.
    """
    if not text:
        return None
    url = _CC_URL.search(text)
    if url:  # spell the deed URL as a licence name and read that
        if url.group("pd"):
            text = "cc0" if url.group("pd").lower() == "zero" else "public domain"
        else:
            text = " ".join(x for x in ("CC", url.group("code").replace("-", " "), url.group("ver"),
                                        (url.group("port") or "").upper()) if x)
    terms = licenses.terms
    norm = _norm(text)
    for named in licenses.named:  # before CC: "Datenlizenz Deutschland – Namensnennung" is no CC BY
        if _has_any(norm, named.names):
            return named.spdx
    if _CC0.search(text) or _has_any(norm, terms.zero):
        return "CC0-1.0"
    elements = set()
    code = None
    named_cc = bool(_CC.search(text)) or any(name.lower() in norm for name in terms.cc)
    for m in _CC_CODE.finditer(text):
        # an abbreviation counts when it says more than a bare "by", or stands right after CC
        if "-" in m.group(1) or " " in m.group(1).strip() or m.group(0).lower().startswith("cc") or named_cc:
            code = m.group(1)
            if code.lower() != "by" or m.group(0).lower().startswith("cc") or _is_by_after_cc(text, m):
                break
            code = None
    if code:
        elements |= {p.upper() for p in regex.split(r"[\s-]+", code.lower()) if p}
    for name in ("by", "nc", "nd", "sa"):
        if _has_any(norm, getattr(terms, name), named_cc):
            elements.add(name.upper())
    if not elements:
        if _has_any(norm, terms.public_domain):
            return "LicenseRef-public-domain"
        return "LicenseRef-CC" if named_cc else None
    elements.add("BY")
    parts = "-".join(e for e in ("BY", "NC", "ND", "SA") if e in elements)
    version = _version(text)
    if not version:
        return f"LicenseRef-CC-{parts}"
    spdx = f"CC-{parts}-{version}"
    port = _port(text, norm, terms.ports)
    if port and f"{spdx}-{port}" in licenses.spdx_ports:
        return f"{spdx}-{port}"
    return spdx


def _is_by_after_cc(text: str, m: regex.Match) -> bool:
    before = text[max(0, m.start() - 25):m.start()].lower()
    return bool(regex.search(r"(?:cc|commons)[\s:-]*$", before))


def _has_any(norm: str, words: list[str], cc: bool = False) -> bool:
    """Does ``norm`` hold one of ``words`` as whole words? A word in a script written without spaces (署名,
    저작자표시) cannot be told by its edges: it counts inside a word, and only where the text names Creative
    Commons (``cc``), where it is a licence element and not the everyday word it also is."""
    for w in words:
        term, unspaced = _norm_term(w)
        if (cc and w in norm) if unspaced else term in norm:
            return True
    return False


@lru_cache(maxsize=8192)
def _norm_term(word: str) -> tuple[str, bool]:
    """``_norm`` of a vocabulary term, and whether it is written without spaces: the same few hundred terms
    are tested against every licence notice (a regex test per term and notice was 5 % of an HTML audit)."""
    return _norm(word), bool(_UNSPACED.search(word))


def _version(text: str) -> str | None:
    m = _VERSION.search(text)
    if not m:
        return None
    if m.group(1):
        return f"{m.group(1)}.{m.group(2)}"
    return f"{m.group(3)}.0"


def _port(text: str, norm: str, ports: dict[str, list[str]]) -> str | None:
    """The jurisdiction of a ported licence: a code right after the version ("3.0 DE", "3.0/de/",
    "4.0-DE") or a country name anywhere ("Deutschland"); a bare "at" or "us" elsewhere is a word."""
    m = _PORT_CODE.search(text)
    code = (m.group(1) or m.group(2)).upper() if m else None
    if code in ports:
        return code
    for code, words in ports.items():
        if _has_any(norm, words):
            return code
    return None


class PublisherIndex:
    """Finds the publisher profile named by a holder/publisher string or a URL."""

    def __init__(self, publishers: dict[str, Publisher]) -> None:
        self.profiles = publishers
        names: list[tuple[str, Publisher]] = []
        for p in publishers.values():
            for n in (p.name, *p.aliases, *p.domains):
                names.append((n.lower(), p))
        names.sort(key=lambda item: -len(item[0]))
        self._names = names
        self._pattern = _name_pattern(tuple(n for n, _ in names))

    def find(self, text: str | None) -> Publisher | None:
        if not text or self._pattern is None:
            return None
        m = self._pattern.search(text.lower())
        if not m:
            return None
        found = m.group(0)
        return next(p for n, p in self._names if n == found)


@lru_cache(maxsize=8)
def _name_pattern(names: tuple[str, ...]) -> regex.Pattern | None:
    if not names:
        return None
    return regex.compile(r"(?<![\w-])(?:" + "|".join(regex.escape(n) for n in names) + r")(?![\w-])")
