"""Effective permissions of a source, from layered YAML policy, remembering which rule decided what.

Layers, general to specific: the default policy (no notice) -> each notice kind's permissions (they only
restrict) -> the licence the source names (it grants, replacing the copyright default; a notice's licence
first, else a machine-readable licence signal) -> a rule's own ``permissions`` -> the publisher profile's
``permissions`` -> machine-readable signals (``policy.signals``: TDMRep, robots ``noai``, robots.txt; they
only restrict). Restrictive notices (reproduction bans, TDM reservations) are applied after a licence too,
so a conflicting footer is never ignored.

A TDM reservation is recorded with every layer that made it (``Effective.tdm_reserved_by``): signal layers
are named ``signal:<key>:<source>``, so a machine-readable reservation (what EU DSM Art. 4(3) / §44b UrhG
require for online works) stays distinguishable from a natural-language one while both reserve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import regex

from compliance.ruleset.model import Licenses, Link, Permissions, QuotePolicy, RuleSet

_ACCESS_RANK = {"allow": 0, "review": 1, "deny": 2}
_TDM_RANK = {"allowed": 0, "reserved": 1}
_FAMILY = regex.compile(r"^(?:LicenseRef-)?(CC-BY(?:-NC)?(?:-ND|-SA)?|CC0|CC)(?:-[\d.]+.*)?$")
DIMENSIONS = ("store", "reproduce", "modify", "commercial", "tdm", "attribution")
RESTRICTIVE_KINDS = ("reproduction-ban", "tdm-reservation")
SIGNAL_PREFIX = "signal:"


@dataclass
class SourceInfo:
    """What policy needs to know about a corpus document."""

    id: str
    path: str
    publisher: str | None = None
    title: str | None = None
    notices: list[dict[str, Any]] = field(default_factory=list)
    words: int = 0
    names: list[str] = field(default_factory=list)  # publisher names, aliases, domains, URLs for attribution
    signals: list[dict[str, Any]] = field(default_factory=list)  # machine-readable signals (Signal.to_dict())


@dataclass
class Effective:
    """Merged permissions plus, per dimension, the rule id that decided it and its legal links."""

    quote: QuotePolicy
    values: dict[str, Any]
    decided_by: dict[str, str]
    links: dict[str, list[Link]]
    license: str | None = None
    share_alike: bool = False
    ban_rule: str | None = None  # the rule that explicitly forbids reproduction (a ban, a publisher's terms)
    tdm_reserved_by: list[str] = field(default_factory=list)  # every layer that reserved TDM, in order

    @property
    def tdm_machine_readable(self) -> bool:
        """Whether a machine-readable signal reserved TDM (the legally effective form for online works)."""
        return any(r.startswith(SIGNAL_PREFIX) for r in self.tdm_reserved_by)

    @property
    def tdm_natural_language(self) -> bool:
        """Whether a notice, rule or publisher profile (prose terms) reserved TDM."""
        return any(not r.startswith(SIGNAL_PREFIX) for r in self.tdm_reserved_by)

    def get(self, dimension: str) -> Any:
        return self.values.get(dimension)

    def rule_for(self, dimension: str) -> str:
        return self.decided_by.get(dimension, "default-policy")


def license_family(spdx: str | None, licenses: Licenses | None = None) -> str | None:
    """CC-BY-SA-4.0 -> CC-BY-SA; CC0-1.0 -> CC0; LicenseRef-public-domain -> public-domain; a named licence
    (``licenses.named``: DL-DE-BY-2.0, GFDL-1.3) -> the family its entry gives."""
    if not spdx:
        return None
    if spdx == "LicenseRef-public-domain":
        return "public-domain"
    if licenses is not None:
        for named in licenses.named:
            if named.spdx == spdx:
                return named.family
    m = _FAMILY.match(spdx)
    return m.group(1) if m else None


class _Merger:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.decided_by: dict[str, str] = {}
        self.links: dict[str, list[Link]] = {}
        self.quote = QuotePolicy()
        self.quote_rule = "default-policy"
        self.share_alike = False
        self.tdm_reserved_by: list[str] = []

    def _set(self, dim: str, value: Any, rule: str, links: list[Link]) -> None:
        self.values[dim] = value
        self.decided_by[dim] = rule
        self.links[dim] = list(links)
        if dim == "tdm" and value == "reserved" and rule not in self.tdm_reserved_by:
            self.tdm_reserved_by.append(rule)

    def apply(self, perms: Permissions | None, rule: str, mode: str) -> None:
        """``mode``: "set" replaces (defaults, licences, profiles), "restrict" only tightens."""
        if perms is None:
            return
        for dim in DIMENSIONS:
            value = getattr(perms, dim)
            if value is None:
                continue
            # ties go to the later, more specific layer, so verdicts cite the notice rather than the default
            if mode == "restrict" and dim in self.values and _looser(dim, value, self.values[dim]):
                continue
            self._set(dim, value, rule, perms.links)
        if perms.share_alike is not None:
            self.share_alike = perms.share_alike
        if perms.quote is not None:
            if mode == "set":
                self.quote, self.quote_rule = perms.quote, rule
                self.links["quote"] = list(perms.links)
            else:
                self.quote, self.quote_rule = _tighter_quote(self.quote, perms.quote), rule
                self.links["quote"] = list(perms.links)


def _looser(dim: str, new: Any, old: Any) -> bool:
    if dim == "tdm":
        return _TDM_RANK[new] < _TDM_RANK[old]
    if dim == "attribution":
        return new == "optional" and old == "required"
    return _ACCESS_RANK[new] < _ACCESS_RANK[old]


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _tighter_quote(a: QuotePolicy, b: QuotePolicy) -> QuotePolicy:
    return QuotePolicy(
        allowed=a.allowed and b.allowed,
        max_words=_min(a.max_words, b.max_words),
        max_share=_min(a.max_share, b.max_share),
        attribution="required" if "required" in (a.attribution, b.attribution) else "optional",
        quotation_marks="required" if "required" in (a.quotation_marks, b.quotation_marks) else "optional",
    )


def effective_permissions(source: SourceInfo, ruleset: RuleSet) -> Effective:
    policy = ruleset.policy
    m = _Merger()
    m.apply(policy.default, "default-policy", "set")
    notices = source.notices
    for n in notices:
        if n["kind"] not in RESTRICTIVE_KINDS:
            m.apply(policy.kinds.get(n["kind"]), n["rule"], "restrict")
    license_id, license_rule = _license(source)
    family = license_family(license_id, ruleset.licenses)
    grant = ruleset.licenses.permissions.get(family) if family else None
    if grant is not None:
        m.apply(grant, license_rule, "set")
    rule_index = {r.id: r for r in ruleset.rules}
    ban_rule = None
    for n in notices:
        explicit = []
        if n["kind"] in RESTRICTIVE_KINDS:
            explicit.append((policy.kinds.get(n["kind"]), n["rule"]))
            m.apply(policy.kinds.get(n["kind"]), n["rule"], "restrict")
        rule = rule_index.get(n["rule"])
        if rule is not None and rule.permissions is not None:
            explicit.append((rule.permissions, rule.id))
            m.apply(rule.permissions, rule.id, "restrict" if grant is not None else "set")
        ban_rule = ban_rule or next((rid for p, rid in explicit if p is not None and p.reproduce == "deny"), None)
    profile = _profile(source, ruleset)
    if profile is not None and profile.permissions is not None:
        m.apply(profile.permissions, f"publisher:{profile.id}", "set")
        if profile.permissions.reproduce == "deny":
            ban_rule = ban_rule or f"publisher:{profile.id}"
    for perms, rule_id in signal_layers(source.signals, policy.signals):
        m.apply(perms, rule_id, "restrict")
    m.decided_by["quote"] = m.quote_rule
    if m.values.get("reproduce") != "deny":
        ban_rule = None
    reserved_by = m.tdm_reserved_by if m.values.get("tdm") == "reserved" else []
    return Effective(m.quote, m.values, m.decided_by, m.links, license_id, m.share_alike, ban_rule, reserved_by)


def _license(source: SourceInfo) -> tuple[str | None, str]:
    """The licence a source names and the rule id citing it: a notice's licence, else a licence signal."""
    for n in source.notices:
        if n.get("license"):
            return n["license"], f"{n['rule']}:{n['license']}"
    for s in source.signals:
        if s.get("kind") == "license" and s.get("machine_readable") and s.get("value"):
            return s["value"], f"{SIGNAL_PREFIX}license:{s.get('source')}:{s['value']}"
    return None, "default-policy"


def signal_layers(signals: list[dict[str, Any]], mapping: dict[str, Permissions]) -> list[tuple[Permissions, str]]:
    """(permissions, rule id) for each machine-readable signal the policy maps (``kind=value`` before ``kind``).

    Values compare case-insensitively, so ``tdm-reservation: 1`` and ``robots: NOAI`` are found; signals
    that are not machine-readable (a copyright line in a meta tag) are findings, not a permission layer.
    """
    out: list[tuple[Permissions, str]] = []
    seen: set[str] = set()
    keys = {k.lower(): k for k in mapping}
    for s in signals:
        if not s.get("machine_readable"):
            continue
        kind = str(s.get("kind", "")).lower()
        value = str(s.get("value", "")).strip().lower()
        key = keys.get(f"{kind}={value}") or keys.get(kind)
        if key is None:
            continue
        rule_id = f"{SIGNAL_PREFIX}{key}:{s.get('source')}"
        if rule_id not in seen:
            seen.add(rule_id)
            out.append((mapping[key], rule_id))
    return out


def _profile(source: SourceInfo, ruleset: RuleSet):
    if not source.publisher:
        return None
    wanted = source.publisher.lower()
    for p in ruleset.publishers.values():
        if wanted in (n.lower() for n in (p.name, *p.aliases, *p.domains)):
            return p
    return None


def attribution_names(source: SourceInfo, ruleset: RuleSet) -> list[str]:
    """Names that count as naming the source: publisher, its aliases and domains, holders, URLs."""
    names: list[str] = []
    profile = _profile(source, ruleset)
    if source.publisher:
        names.append(source.publisher)
    if profile is not None:
        names += [profile.name, *profile.aliases, *profile.domains]
    for n in source.notices:
        for key in ("publisher", "holder"):
            if n.get(key):
                names.append(n[key])
        names += n.get("urls", [])
    names += source.names
    seen: set[str] = set()
    out = []
    for name in names:
        key = name.strip().lower()
        if len(key) >= 3 and key not in seen:
            seen.add(key)
            out.append(name.strip())
    return out
