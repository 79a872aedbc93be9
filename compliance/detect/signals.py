"""Machine-readable rights signals: findings of their own, kept apart from natural-language notices.

EU DSM Art. 4(3) / §44b UrhG only honour a *machine-readable* TDM reservation for online works, so a
signal records where it came from (``source``: header, meta, json-ld, link, file, robots) and whether a
machine can act on its value without reading prose (``machine_readable``). What a signal *means* for
store/tdm/quote is the policy's business; this module only finds and normalizes them.

Page-level signals come from one parsed lxml tree (the HTML reader shares it with text extraction) and
from HTTP headers; host-level signals (``robots.txt`` via protego, ``/.well-known/tdmrep.json``) are
collected from an archive into :class:`HostPolicies` and applied to the documents of their host.
The vocabulary (meta names, headers, JSON-LD properties, AI agents, licence URLs) is ``signals:`` in
``rules/signals.yaml``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from compliance.errors import RuleError

SOURCES = ("header", "meta", "json-ld", "link", "file", "robots")
MAX_JSONLD_CHARS = 1_000_000  # a JSON-LD block larger than this is not parsed (pathological pages)


@dataclass(frozen=True, slots=True)
class Signal:
    """One machine-readable (or machine-located) rights signal of a document."""

    kind: str  # tdm-reservation | tdm-policy | robots | license | copyright | rights | copyright-holder | ...
    value: str
    source: str  # one of SOURCES
    machine_readable: bool
    agent: str | None = None  # the crawler the signal addresses (None: every agent)
    url: str | None = None  # the link behind the value (licence URL, policy URL, robots.txt URL)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "source": self.source,
                "machine_readable": self.machine_readable, "agent": self.agent, "url": self.url}


# --- configuration ---------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalSpec(_Strict):
    kind: str
    machine_readable: bool = True
    spdx: bool = Field(False, description="resolve the value to an SPDX id (licence URL or name)")


class HostFiles(_Strict):
    robots: str = "/robots.txt"
    tdmrep: str = "/.well-known/tdmrep.json"


class SignalConfig(_Strict):
    ai_agents: list[str] = Field(default_factory=list)
    other_agents: list[str] = Field(default_factory=list)
    robots_directives: list[str] = Field(default_factory=list)
    valued_directives: list[str] = Field(default_factory=list)
    meta: dict[str, SignalSpec] = Field(default_factory=dict)
    headers: dict[str, SignalSpec] = Field(default_factory=dict)
    jsonld: dict[str, SignalSpec] = Field(default_factory=dict)
    jsonld_skip_types: list[str] = Field(default_factory=list)
    cc_hosts: list[str] = Field(default_factory=list)
    license_urls: dict[str, str] = Field(default_factory=dict)
    host_files: HostFiles = Field(default_factory=HostFiles)


class Vocabulary:
    """A validated SignalConfig plus the licence vocabulary and lower-cased lookup tables."""

    def __init__(self, config: SignalConfig, licenses: Any = None) -> None:
        self.config = config
        self.licenses = licenses
        self.meta = {k.lower(): v for k, v in config.meta.items()}
        self.headers = {k.lower(): v for k, v in config.headers.items()}
        self.directives = {d.lower() for d in config.robots_directives}
        self.valued = {d.lower() for d in config.valued_directives}
        self.agents = {a.lower(): a for a in (*config.other_agents, *config.ai_agents)}
        self.skip_types = set(config.jsonld_skip_types)
        self.license_urls = sorted(((k.lower().rstrip("/"), v) for k, v in config.license_urls.items()),
                                   key=lambda kv: -len(kv[0]))
        hosts = "|".join(regex.escape(h.lower()) for h in config.cc_hosts) or "(?!)"
        self.cc_url = regex.compile(
            rf"^(?:www\.)?(?:{hosts})/(?:licenses/(?P<code>[a-z-]+)(?:/(?P<ver>\d\.\d))?(?:/(?P<port>[a-z]{{2,4}}))?"
            rf"|publicdomain/(?P<pd>zero|mark))", regex.I)


def load_vocabulary(extra_dirs: list[str] | None = None) -> Vocabulary:
    """The ``signals:`` sections of the built-in packs (plus ``extra_dirs``) and the licence vocabulary."""
    return _load_vocabulary(tuple(extra_dirs or ()))


@lru_cache(maxsize=4)
def _load_vocabulary(extra_dirs: tuple[str, ...]) -> Vocabulary:
    """From the rule cache when no pack (and not this module) changed: parsing the packs' YAML costs ~0.3 s,
    paid by every process that reads HTML or WARC, and by every Spark worker."""
    from compliance.ruleset.cache import cached
    from compliance.ruleset.loader import builtin_rules_dir, yaml_files

    files = yaml_files(builtin_rules_dir())
    for entry in extra_dirs:
        p = Path(entry)
        files += yaml_files(p) if p.is_dir() else [p]
    return cached("vocabulary", [*files, Path(__file__)], lambda: _build_vocabulary(files))


def _build_vocabulary(files: list[Path]) -> Vocabulary:
    from compliance.ruleset.loader import _load_pack, _merge_licenses, position

    merged: dict[str, Any] = {}
    licenses = None
    for path in files:
        head = _read_text(path)
        if head is None or not regex.search(r"(?m)^(?:signals|licenses):", head):
            continue  # parse only the packs that matter here (start-up time)
        pack, raw = _load_pack(path)
        if pack.licenses is not None:
            licenses = pack.licenses if licenses is None else _merge_licenses(licenses, pack.licenses)
        if pack.signals:
            try:
                SignalConfig.model_validate(pack.signals)
            except ValidationError as err:
                first = err.errors()[0]
                line, col = position(raw, ("signals", *first["loc"]))
                msg = f"unknown key {first['loc'][-1]!r}" if first["type"] == "extra_forbidden" else first["msg"]
                where = ".".join(str(x) for x in ("signals", *first["loc"]))
                raise RuleError(f"{where}: {msg}", str(path), line, col) from None
            _merge_config(merged, dict(pack.signals))
    return Vocabulary(SignalConfig.model_validate(merged), licenses)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _merge_config(into: dict[str, Any], extra: dict[str, Any]) -> None:
    """Later packs extend lists and override mapping entries of earlier ones."""
    for key, value in extra.items():
        if isinstance(value, list):
            into[key] = [*into.get(key, []), *value]
        elif isinstance(value, dict):
            into[key] = {**into.get(key, {}), **value}
        else:
            into[key] = value


# --- licences --------------------------------------------------------------------------------------


def license_id(value: str | None, vocab: Vocabulary) -> str | None:
    """An SPDX id for a licence URL or name, else None."""
    if not value:
        return None
    value = value.strip()
    if regex.match(r"(?i)^(?:https?:)?//", value):
        return _license_from_url(value, vocab)
    if vocab.licenses is None:
        return None
    from compliance.detect.extract import normalize_license

    return normalize_license(value, vocab.licenses)


def _license_from_url(url: str, vocab: Vocabulary) -> str | None:
    parts = _split(url if "//" in url else "//" + url)
    if parts is None:
        return None
    where = ((parts.hostname or "") + parts.path).lower().rstrip("/")
    m = vocab.cc_url.match(where)
    if m and vocab.licenses is not None:
        from compliance.detect.extract import normalize_license

        # Spell the URL path as a licence name and let the shared vocabulary decide the SPDX id.
        if m.group("pd"):
            text = "cc0" if m.group("pd").lower() == "zero" else "public domain"
        else:
            text = " ".join(x for x in ("CC", m.group("code"), m.group("ver"), m.group("port")) if x)
        return normalize_license(text, vocab.licenses)
    for prefix, spdx in vocab.license_urls:
        if where == prefix or where.startswith(prefix + "/") or where.startswith(prefix + "."):
            return spdx
    return None


_LINK_VALUE = regex.compile(r"(?i)^(?:https?:)?//|^/")


def _signal(spec: SignalSpec, value: str, source: str, vocab: Vocabulary, base_url: str | None = None,
            agent: str | None = None) -> Signal:
    """A signal for ``value``; licence-bearing values become SPDX ids where they can (then machine-readable)."""
    value = " ".join(value.split())
    url = None
    machine = spec.machine_readable
    if (spec.spdx or spec.kind == "tdm-policy") and _LINK_VALUE.match(value):
        url = join_url(base_url, value)
        if not spec.spdx:
            value = url
    if spec.spdx:
        spdx = license_id(url or value, vocab)
        if spdx:
            value, machine = spdx, True
        elif url:
            value = url
            machine = False  # a link to prose terms: a machine cannot act on it
    return Signal(spec.kind, value, source, machine, agent, url)


# --- robots directives -----------------------------------------------------------------------------

_DIRECTIVE_SPLIT = regex.compile(r"[,;\s]+")
_AGENT_PREFIX = regex.compile(r"^\s*([A-Za-z0-9_.\- ]+?)\s*:\s*(.*)$", regex.S)


def robots_directives(content: str, vocab: Vocabulary, source: str, agent: str | None = None,
                      agent_prefixes: bool = False) -> list[Signal]:
    """Reported directives of a robots meta tag or X-Robots-Tag value.

    With ``agent_prefixes`` (X-Robots-Tag), ``otherbot: noai, noindex`` addresses ``otherbot``: a token
    before ``:`` that is not a valued directive (``max-snippet: 20``) names the agent of the directives
    that follow it in the same value.
    """
    out: list[Signal] = []
    current = agent
    for part in content.split(","):
        part = part.strip()
        if not part:
            continue
        m = _AGENT_PREFIX.match(part) if agent_prefixes else None
        if m and m.group(1).lower() not in vocab.valued:
            current = vocab.agents.get(m.group(1).lower(), m.group(1))
            part = m.group(2)
        for token in _DIRECTIVE_SPLIT.split(part.lower()):
            if token in vocab.directives:
                out.append(Signal("robots", token, source, True, current))
    return out


# --- headers ---------------------------------------------------------------------------------------

_LINK_HEADER = regex.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")


def from_headers(headers: Iterable[tuple[str, str]], vocab: Vocabulary, url: str | None = None) -> list[Signal]:
    """Signals in HTTP response headers (pairs, so repeated headers keep their own agent scope)."""
    out: list[Signal] = []
    for name, value in headers:
        key = name.strip().lower()
        if key == "x-robots-tag":
            out += robots_directives(value, vocab, "header", agent_prefixes=True)
        elif key == "link":
            for m in _LINK_HEADER.finditer(value):
                if regex.search(r"""(?i)\brel\s*=\s*"?[^";]*\blicense\b""", m.group(2)):
                    out.append(_signal(SignalSpec(kind="license", spdx=True), m.group(1), "header", vocab, url))
        elif key in vocab.headers and value.strip():
            out.append(_signal(vocab.headers[key], value, "header", vocab, url))
    return dedupe(out)


# --- HTML ------------------------------------------------------------------------------------------


def from_html(tree: Any, vocab: Vocabulary, base_url: str | None = None,
              jsonld: list[dict[str, Any]] | None = None) -> list[Signal]:
    """Signals in a parsed page: meta tags, rel=license links, JSON-LD (pass ``jsonld`` if already parsed)."""
    out: list[Signal] = []
    for el in tree.iter("meta"):
        out += _meta_signals(el, vocab, base_url)
    for el in _license_links(tree):
        href = (el.get("href") or "").strip()
        if href:
            out.append(_signal(SignalSpec(kind="license", spdx=True), href, "link", vocab, base_url))
    for item in jsonld if jsonld is not None else jsonld_items(tree):
        out += _jsonld_signals(item, vocab, base_url)
    return dedupe(out)


def rel_elements(tree: Any, value: str, *tags: str) -> Iterable[Any]:
    """Elements of ``tags`` with ``value`` among their rel values. A lexbor page
    (:class:`~compliance.readers.html_fast.LexborPage`) selects them in C; an lxml tree is walked."""
    select = getattr(tree, "select", None)
    if select is not None:
        return select(", ".join(f'{tag}[rel~="{value}" i]' for tag in tags))
    return [el for el in tree.iter(*tags) if value in (el.get("rel") or "").lower().split()]


def _license_links(tree: Any) -> Iterable[Any]:
    return rel_elements(tree, "license", "a", "link", "area")


def _meta_signals(el: Any, vocab: Vocabulary, base_url: str | None) -> list[Signal]:
    content = el.get("content")
    if content is None or not content.strip():
        return []
    equiv = (el.get("http-equiv") or "").strip().lower()
    if equiv:
        if equiv == "x-robots-tag":
            return robots_directives(content, vocab, "meta", agent_prefixes=True)
        spec = vocab.headers.get(equiv)
        return [_signal(spec, content, "meta", vocab, base_url)] if spec else []
    name = (el.get("name") or el.get("property") or "").strip().lower()
    if name == "robots":
        return robots_directives(content, vocab, "meta")
    if name in vocab.agents:
        return robots_directives(content, vocab, "meta", agent=vocab.agents[name])
    spec = vocab.meta.get(name)
    return [_signal(spec, content, "meta", vocab, base_url)] if spec else []


def jsonld_items(tree: Any) -> list[dict[str, Any]]:
    """Top-level JSON-LD objects of a page (``@graph`` members flattened); broken blocks are skipped."""
    items: list[dict[str, Any]] = []
    select = getattr(tree, "select", None)  # lexbor: only the candidates become Python objects
    scripts = select('script[type*="ld+json" i]') if select is not None else tree.iter("script")
    for script in scripts:
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        if not raw or len(raw) > MAX_JSONLD_CHARS:
            continue
        raw = regex.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$|^<!--|-->$", "", raw)
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        _flatten(data, items, depth=0)
    return items


def _flatten(data: Any, items: list[dict[str, Any]], depth: int) -> None:
    if depth > 3:
        return
    if isinstance(data, list):
        for x in data:
            _flatten(x, items, depth + 1)
    elif isinstance(data, dict):
        if isinstance(data.get("@graph"), list):
            _flatten(data["@graph"], items, depth + 1)
        if any(k for k in data if k != "@context" and k != "@graph"):
            items.append(data)


def jsonld_types(item: dict[str, Any]) -> set[str]:
    t = item.get("@type")
    types = t if isinstance(t, list) else [t]
    return {str(x).rsplit("/", 1)[-1] for x in types if x}


def _jsonld_signals(item: dict[str, Any], vocab: Vocabulary, base_url: str | None) -> list[Signal]:
    if jsonld_types(item) & vocab.skip_types:
        return []
    out = []
    for prop, spec in vocab.config.jsonld.items():
        for value in jsonld_values(item.get(prop)):
            out.append(_signal(spec, value, "json-ld", vocab, base_url))
    return out


def jsonld_values(value: Any) -> list[str]:
    """Plain strings of a JSON-LD property: a thing's name (or @id/url), numbers and booleans as text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [v for x in value[:20] for v in jsonld_values(x)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (int, float)):
        return [str(value)]
    if isinstance(value, dict):
        for key in ("name", "@id", "url", "@value"):
            if isinstance(value.get(key), (str, int, float)):
                return [str(value[key])]
        return []
    text = str(value).strip()
    return [text] if text else []


def dedupe(signals: Iterable[Signal]) -> list[Signal]:
    seen: set[Signal] = set()
    out = []
    for s in signals:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


# --- host-level files: robots.txt and TDMRep ---------------------------------------------------------


class HostPolicies:
    """robots.txt and tdmrep.json files found in an archive, applied to the documents of their host.

    Hosts are compared by hostname (any scheme or port, ``www.`` ignored): an archive often mixes http and https
    captures of one site, and applying a site's reservation to both is the conservative reading.
    """

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self._robots: dict[str, tuple[str, Any, set[str]]] = {}
        self._tdmrep: dict[str, tuple[str, list[tuple[regex.Pattern, dict[str, Any]]]]] = {}
        self.errors: list[str] = []  # one line per host file that could not be used

    def __bool__(self) -> bool:
        return bool(self._robots or self._tdmrep)

    def is_host_file(self, url: str | None) -> str | None:
        """``"robots"`` or ``"tdmrep"`` when ``url`` names a host-level file, else None."""
        if not url:
            return None
        parts = _split(url)
        path = parts.path if parts is not None else None
        files = self.vocab.config.host_files
        return "robots" if path == files.robots else "tdmrep" if path == files.tdmrep else None

    def add(self, url: str, text: str) -> None:
        kind = self.is_host_file(url)
        if kind == "robots":
            self.add_robots(url, text)
        elif kind == "tdmrep":
            self.add_tdmrep(url, text)

    def add_robots(self, url: str, text: str) -> None:
        from protego import Protego

        agents = {m.lower() for m in regex.findall(r"(?im)^\s*user-agent\s*:\s*([^#\r\n]*?)\s*$", text)}
        self._robots[_host(url)] = (url, Protego.parse(text), agents)

    def add_tdmrep(self, url: str, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError as err:
            self.errors.append(f"{url}: invalid tdmrep.json: {err}")
            return
        if not isinstance(data, list):
            self.errors.append(f"{url}: tdmrep.json must be a JSON array of rules")
            return
        rules = [(_location_pattern(str(r.get("location", ""))), r) for r in data if isinstance(r, dict)]
        self._tdmrep[_host(url)] = (url, rules)

    def signals_for(self, url: str | None) -> list[Signal]:
        if not url:
            return []
        host = _host(url)
        out: list[Signal] = []
        if host in self._robots:
            out += self._robots_signals(url, *self._robots[host])
        if host in self._tdmrep:
            out += self._tdmrep_signals(url, *self._tdmrep[host])
        return out

    def apply(self, doc: Any) -> None:
        """Add the host-level signals for ``doc``'s URL to ``doc.signals``."""
        doc.signals = dedupe([*doc.signals, *self.signals_for(doc.metadata.get("url"))])

    def _robots_signals(self, url: str, robots_url: str, parser: Any, agents: set[str]) -> list[Signal]:
        out = []
        if "*" in agents and not parser.can_fetch(url, "*"):
            out.append(Signal("robots-disallow", "disallow", "robots", True, "*", robots_url))
        for agent in self.vocab.config.ai_agents:
            if agent.lower() in agents and not parser.can_fetch(url, agent):
                out.append(Signal("robots-disallow", "disallow", "robots", True, agent, robots_url))
        return out

    def _tdmrep_signals(self, url: str, rep_url: str, rules: list) -> list[Signal]:
        parts = _split(url)
        if parts is None:
            return []
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for pattern, rule in rules:
            if pattern.match(path):
                out = []
                if "tdm-reservation" in rule:
                    out.append(Signal("tdm-reservation", str(rule["tdm-reservation"]), "file", True, None, rep_url))
                if rule.get("tdm-policy"):
                    policy = join_url(url, str(rule["tdm-policy"]))
                    out.append(Signal("tdm-policy", policy, "file", True, None, policy))
                return out  # the first matching rule decides
        return []


def _host(url: str) -> str:
    parts = _split(url)
    return ((parts.hostname if parts is not None else None) or "").lower().removeprefix("www.")


def _split(url: str) -> Any:
    """``urlsplit(url)``, or None for a URL it refuses (``http://[::1``: pages carry such links)."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def join_url(base: str | None, url: str) -> str:
    """``urljoin(base, url)``, or ``url`` as written when the parser refuses one of them."""
    try:
        return urljoin(base or "", url)
    except ValueError:
        return url


def _location_pattern(location: str) -> regex.Pattern:
    """A TDMRep ``location`` (robots.txt path syntax: ``*`` wildcard, ``$`` end) as an anchored regex."""
    location = location or "/"
    if not location.startswith("/"):
        location = "/" + location
    end = location.endswith("$")
    body = regex.escape(location.rstrip("$")).replace(r"\*", ".*")
    return regex.compile(body + ("$" if end else ""))
