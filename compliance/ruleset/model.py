"""Pydantic models of a rule pack. Unknown keys are errors (a typo must not silently disable a rule)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

KINDS = (
    "reproduction-ban",
    "copyright",
    "all-rights-reserved",
    "license",
    "tdm-reservation",
    "agency-credit",
    "attribution",
    "disclaimer",
)
Kind = Literal[
    "reproduction-ban", "copyright", "all-rights-reserved", "license", "tdm-reservation",
    "agency-credit", "attribution", "disclaimer",
]
Severity = Literal["error", "warning", "info"]
# Which link of the provenance chain a notice names: who wrote it, who published it, where it came from.
Role = Literal["author", "publisher", "source"]
GROUP_NAMES = ("holder", "years", "url", "license", "publisher")


class Strict(BaseModel):
    # defer_build: a model's validator is built when it first validates (a cold rule load), not at import; a
    # start-up that reads the rule cache unpickles the models without validating (~25 ms less per command)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Link(Strict):
    title: str
    url: str


class Examples(Strict):
    match: list[str] = Field(default_factory=list)
    no_match: list[str] = Field(default_factory=list)


Access = Literal["allow", "deny", "review"]


class QuotePolicy(Strict):
    """How much of a source may be quoted, and how (German § 51 UrhG with § 63 attribution; US fair use)."""

    allowed: bool = True
    max_words: int | None = Field(None, ge=0, description="words per source passage")
    max_share: float | None = Field(None, ge=0, le=1, description="share of the source's words")
    attribution: Literal["required", "optional"] = "required"
    quotation_marks: Literal["required", "optional"] = "required"


class Permissions(Strict):
    """What a notice, licence, publisher or the default policy allows. Unset fields inherit."""

    quote: QuotePolicy | None = None
    store: Access | None = None
    reproduce: Access | None = None
    modify: Access | None = None
    commercial: Access | None = None
    tdm: Literal["allowed", "reserved"] | None = None
    attribution: Literal["required", "optional"] | None = Field(
        None, description="for reuse a licence grants (CC BY): must the source be named?")
    share_alike: bool | None = None
    links: list[Link] = Field(default_factory=list)


class Rule(Strict):
    """One named, tested notice rule."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: Kind
    languages: list[str] = Field(min_length=1)
    keywords: list[str] = Field(min_length=1, description=(
        "Lower-case literals; the rule runs only near a hit of one of them. Every match must contain one."))
    patterns: list[str] = Field(min_length=1)
    message: str
    severity: Severity = "warning"
    case_sensitive: bool = False
    publisher: str | None = Field(None, description="id of a publisher profile this rule belongs to")
    vetoable: bool = Field(True, description=(
        "whether the notice scorer may drop a finding whose sentence reads as no notice; false for forms that are "
        "a notice whatever surrounds them (a copyright sign with a holder, a machine-readable reservation)"))
    role: Role | None = Field(None, description="the provenance link this notice names")
    links: list[Link] = Field(default_factory=list)
    permissions: Permissions | None = Field(None, description="overrides the kind's policy for this rule")
    examples: Examples = Field(default_factory=Examples)

    @field_validator("keywords")
    @classmethod
    def _keywords_lower(cls, value: list[str]) -> list[str]:
        for kw in value:
            if not kw.strip():
                raise ValueError("empty keyword")
            if kw != kw.lower() and "{{" not in kw:
                raise ValueError(f"keyword {kw!r} must be lower case")
        return value


class Publisher(Strict):
    """A publisher or agency profile: how its name appears in text."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    aliases: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    agency: bool = False
    country: str | None = None
    permissions: Permissions | None = Field(None, description="the publisher's own terms, most specific layer")


class LicenseTerms(Strict):
    """Words that name Creative Commons elements, per language, for SPDX normalization."""

    cc: list[str] = Field(default_factory=list, description=(
        "names of Creative Commons itself in scripts where the Latin name is not used (クリエイティブ・コモンズ, "
        "知识共享): matched as written, inside words too (Chinese writes them without spaces)"))
    by: list[str] = Field(default_factory=list)
    sa: list[str] = Field(default_factory=list)
    nc: list[str] = Field(default_factory=list)
    nd: list[str] = Field(default_factory=list)
    zero: list[str] = Field(default_factory=list)
    public_domain: list[str] = Field(default_factory=list)
    ports: dict[str, list[str]] = Field(default_factory=dict,
                                        description="jurisdiction code -> words naming it (DE: Deutschland)")


class NamedLicense(Strict):
    """A licence that is not Creative Commons (GNU FDL, government open-data licences), by its names."""

    spdx: str
    names: list[str] = Field(min_length=1, description=(
        "phrases that name it, matched ignoring case, hyphens and punctuation; the first entry of the list "
        "with a name in the text wins, so version-specific entries come first"))
    family: str | None = Field(None, description=(
        "the licences.permissions key whose grant it shares (CC-BY: attribution; CC-BY-SA: share-alike; CC0)"))


class Licenses(Strict):
    terms: LicenseTerms = Field(default_factory=LicenseTerms)
    named: list[NamedLicense] = Field(default_factory=list, description="licences that are not Creative Commons")
    spdx_ports: list[str] = Field(default_factory=list, description="SPDX ids that exist for ported licences")
    permissions: dict[str, Permissions] = Field(default_factory=dict, description=(
        "licence family (CC-BY, CC-BY-SA, CC-BY-ND, CC-BY-NC, CC-BY-NC-SA, CC-BY-NC-ND, CC0, public-domain, "
        "CC) -> what it grants"))


class PolicyConfig(Strict):
    """The policy layers that are not tied to one rule: defaults, per-kind permissions, vocabulary."""

    default: Permissions | None = Field(None, description="for a source with no notice at all")
    kinds: dict[str, Permissions] = Field(default_factory=dict, description="notice kind -> permissions")
    credit_sections: list[str] = Field(default_factory=list, description=(
        "headings of a draft's sources/credits section (any language)"))
    pasted_notice: dict[str, Severity] = Field(default_factory=dict, description=(
        "notice kind -> severity when a third-party notice of that kind stands in a draft"))
    commercial_use: bool | None = Field(None, description="is the draft's use commercial (newsrooms: yes)?")
    own_publishers: list[str] = Field(default_factory=list, description="the house's own names (not third-party)")
    verdict_severity: dict[str, Severity] = Field(default_factory=dict, description="verdict -> severity")
    signals: dict[str, Permissions] = Field(default_factory=dict, description=(
        "machine-readable signal -> permissions (restrictive layer): key 'kind' (any value) or 'kind=value' "
        "(tdm-reservation=1, robots=noai); a machine-readable licence signal grants its licence's permissions"))
    audit_severity: dict[str, Severity] = Field(default_factory=dict, description=(
        "audit finding -> severity for --fail-on: 'error' (unreadable document), 'store:deny', 'store:review', "
        "'tdm:reserved', 'quote:no'"))


SLOTS = ("ACTION", "RESTRICTION", "OBJECT", "RIGHT", "OWNERSHIP", "RESERVE", "AI", "LICENSE", "GRANT", "SOURCE",
         "CREDIT", "AGENCY", "DISCLAIM", "COUNTER")


class CueLexicon(Strict):
    """One language's cue words per slot: lower-case literals (``\\b`` marks a word edge, as in rule
    keywords). A sentence holding cues of a frame's slots is a candidate notice; the scorer reads them too."""

    language: str
    slots: dict[str, list[str]] = Field(description=(
        "slot -> cue literals. ACTION (copy, reproduce...), RESTRICTION (prohibited, without permission...), "
        "OBJECT (content, texts, photos...), RIGHT (copyright, Urheberrecht...), OWNERSHIP (belongs to, lies "
        "with...), RESERVE (reserved...), AI (text and data mining, AI training...), LICENSE, GRANT (licensed "
        "under...), SOURCE (source:, first published in...), CREDIT (photo:, image:...), AGENCY (news agency "
        "names: a feature, never a reason to score), DISCLAIM (no "
        "liability, not investment advice...), COUNTER (explanation and report: according to, court, lawsuit...)"))

    @field_validator("slots")
    @classmethod
    def _known_slots(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for slot, words in value.items():
            if slot not in SLOTS:
                raise ValueError(f"unknown slot {slot!r}; use one of {', '.join(SLOTS)}")
            for word in words:
                if not word.strip() or word != word.lower():
                    raise ValueError(f"cue {word!r} of {slot} must be lower case and not empty")
        return value


class Frame(Strict):
    """A cue frame: a sentence holding a cue of every slot in ``all`` (and of one slot of each group in
    ``any``), and none of ``none``, is a notice of ``kind``: e.g. ACTION + RESTRICTION -> reproduction-ban."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: Kind
    all: list[str] = Field(min_length=1)
    any: list[list[str]] = Field(default_factory=list)
    none: list[str] = Field(default_factory=list)
    max_chars: int = Field(300, description="longer sentences are not this frame's notices")
    message: str
    severity: Severity = "warning"
    examples: Examples = Field(default_factory=Examples)

    @field_validator("all", "none", "any")
    @classmethod
    def _slots(cls, value: list) -> list:
        for slot in (s for item in value for s in ([item] if isinstance(item, str) else item)):
            if slot not in SLOTS:
                raise ValueError(f"unknown slot {slot!r}; use one of {', '.join(SLOTS)}")
        return value


class ScorerConfig(Strict):
    """The trained scorer: which weights file, and what its findings say per kind."""

    weights: str = Field(description="file of the weights, relative to the pack")
    messages: dict[str, str] = Field(default_factory=dict, description="kind -> message of a scorer finding")
    framed_only: list[str] = Field(default_factory=list, description=(
        "slots that alone do not make a short line worth scoring: a sentence whose only notice slot is one of "
        "these is scored only when a frame names it (a bare 'copy' or 'download' in a list item)"))

    @field_validator("framed_only")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(SLOTS))
        if unknown:
            raise ValueError(f"unknown slot(s) {unknown}; slots are {', '.join(SLOTS)}")
        return value


class QuotedNotices(Strict):
    """A notice quoted inside a paragraph of its own is the page talking about a notice, not having one
    ('Now the wording states: “No part of this book may be used …”', '“Past performance is no guarantee of
    future results” is a disclaimer found on every prospectus'): its finding is dropped. Publisher rules
    and rules marked ``vetoable: false`` are kept, as with the scorer's vetoes."""

    inside_share: float = Field(0.8, gt=0, le=1, description=(
        "share of the finding that must lie between one pair of quotation marks"))
    quote_share: float = Field(0.5, gt=0, le=1, description=(
        "share of the quotation the findings in it must cover: a quotation that is the notice, not a name that holds "
        "its key words ('unter der Lizenz “Namensnennung 3.0 Unported (CC BY-SA 3.0)”' keeps its licence)"))
    outside_letters: int = Field(15, ge=0, description=(
        "letters of the paragraph outside that quotation: fewer, and the quote is the whole line "
        "(a footer in quotation marks stays a notice)"))
    example_labels: tuple[str, ...] = Field((), description=(
        "labels that show a notice as an example when a line starts with one ('Example: Copyright © 2015 Jane Doe', "
        "'Ex: © Nom de la photo / Nom de l’auteur'): a finding after one on its line is dropped, whatever the rule "
        "(publisher rules aside); compared case-insensitively, after leading spaces and list marks"))

    @field_validator("example_labels")
    @classmethod
    def _labels_lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Lower-cased once here, not for every document scanned."""
        return tuple(label.lower() for label in value)


class VetoSettings(Strict):
    """When the trained scorer may drop (veto) a rule's finding."""

    min_known: float = Field(0.0, ge=0, le=1, description=(
        "share of a sentence's character and word n-grams the scorer was trained on, below which it cannot "
        "read the sentence (a script or language it never saw: its 'no notice' is only its prior) and vetoes "
        "nothing there"))


class QuotationMarks(Strict):
    open: str = Field(min_length=1)
    close: str = Field(min_length=1)


class AttributionTemplates(Strict):
    """Attribution lines a fix writes; {field}s: title, author, publisher, url, license, deed; a [bracketed]
    part is left out when a field in it is empty."""

    quote: str = Field(description="naming the source of a quotation (§ 63 UrhG)")
    license: str = Field(description="reuse a licence grants: TASL (title, author, source, licence) for CC")


class FixLanguage(Strict):
    """How one language quotes and credits."""

    quotation_marks: QuotationMarks
    omission: str = Field("[…]", description="marks words left out of a quotation")
    attribution: AttributionTemplates
    words: list[str] = Field(default_factory=list, description=(
        "common words of the language: the most frequent in a draft tells its language when no metadata does"))


class FixRules(Strict):
    """What ``check --fix`` writes (rules/fixes.yaml)."""

    default_language: str = "en"
    remove_pasted: list[str] = Field(default_factory=list, description=(
        "notice kinds a fix removes when pasted into a draft (others may be the draft's own credit line)"))
    cc_name: str = Field("CC {ELEMENTS} {version}{PORT}", description="a CC licence's name from its SPDX id")
    cc_deed: str = Field("https://creativecommons.org/licenses/{elements}/{version}/{port}", description=(
        "a CC licence's deed from its SPDX id"))
    fallback: dict[str, str] = Field(default_factory=dict, description=(
        "character -> what to write instead when the draft's encoding cannot hold it"))
    languages: dict[str, FixLanguage] = Field(default_factory=dict)


class Pack(Strict):
    """One YAML file. Every section is optional; packs are merged into one RuleSet."""

    pack: str | None = None
    description: str | None = None
    macros: dict[str, str] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    publishers: list[Publisher] = Field(default_factory=list)
    licenses: Licenses | None = None
    policy: PolicyConfig | None = None
    # validated by compliance.detect.signals (its own model keeps the reader side free of rule imports)
    signals: dict[str, Any] | None = None
    # cross-language reuse settings, validated by compliance.reuse.xling.settings
    xling: dict[str, Any] | None = None
    fixes: FixRules | None = None
    cues: list[CueLexicon] = Field(default_factory=list)
    frames: list[Frame] = Field(default_factory=list)
    scorer: ScorerConfig | None = None
    quoted: QuotedNotices | None = None
    veto: VetoSettings | None = None


class RuleSet(BaseModel):
    """All packs merged: rules in load order, publishers by id, macros, licence vocabulary."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    rules: list[Rule] = Field(default_factory=list)
    publishers: dict[str, Publisher] = Field(default_factory=dict)
    macros: dict[str, str] = Field(default_factory=dict)
    licenses: Licenses = Field(default_factory=Licenses)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    origins: dict[str, str] = Field(default_factory=dict, description="rule id -> file it came from")
    cues: dict[str, dict[str, list[str]]] = Field(default_factory=dict, description="language -> slot -> cues")
    frames: list[Frame] = Field(default_factory=list)
    scorer: ScorerConfig | None = None
    scorer_path: str | None = Field(None, description="the weights file, resolved")
    quoted: QuotedNotices | None = Field(None, description="dropping quoted notices (off when no pack sets it)")
    veto: VetoSettings = Field(default_factory=VetoSettings)
    xling: dict[str, Any] = Field(default_factory=dict, description="cross-language settings, merged by key")
    fixes: FixRules = Field(default_factory=FixRules)
