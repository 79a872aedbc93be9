"""One verdict per reused passage, from the source's effective permissions and how the draft quotes it.

Order of questions: does a licence grant reuse (then: modification allowed? commercial use allowed? named?);
otherwise the quotation right applies: within the quote limit (words, share, per source)? in quotation marks?
attributed? A reproduction ban turns "too long" into "not allowed".
"""

from __future__ import annotations

from collections import defaultdict

from compliance.document import Document
from compliance.findings import Match, Notice, SourceSummary, Verdict
from compliance.policy.attribution import is_attributed
from compliance.policy.permissions import Effective, SourceInfo, attribution_names, effective_permissions
from compliance.ruleset.model import RuleSet

MODIFIED_BELOW = 0.995  # similarity under which a passage counts as modified (NoDerivatives)


def _links(eff: Effective, *dims: str) -> list[dict[str, str]]:
    out, seen = [], set()
    for dim in dims:
        for link in eff.links.get(dim, []):
            if link.url not in seen:
                seen.add(link.url)
                out.append(link.model_dump())
    return out


def _verdict(kind: str, rule: str, match: Match, reasons: list[str], eff: Effective, ruleset: RuleSet,
             *dims: str) -> Verdict:
    severity = ruleset.policy.verdict_severity.get(kind, "warning")
    return Verdict(kind, rule, severity, match.draft_start, match.draft_end, match.start, match.end, match.words,
                   reasons, match.source.id, _links(eff, *dims), match=match)


def judge_match(match: Match, draft: Document, source: SourceInfo, eff: Effective, ruleset: RuleSet,
                source_total_words: int) -> Verdict:
    """The verdict for one passage; ``source_total_words`` is what the draft takes from this source in all."""
    policy = ruleset.policy
    names = attribution_names(source, ruleset)
    named = is_attributed(draft, match.draft_start, match.draft_end, names, policy.credit_sections)
    who = source.publisher or source.title or source.path
    attributed_reason = f"source named ({named})" if named else f"source not named ({who})"
    quoted_reason = "in quotation marks" if match.quoted else "not in quotation marks"
    modified = match.similarity < MODIFIED_BELOW

    if eff.get("reproduce") == "allow":  # a licence grants reuse
        lic = eff.license or "licence"
        if modified and eff.get("modify") == "deny" and not (match.quoted and named):
            return _verdict("not-allowed", eff.rule_for("modify"), match,
                            [f"{lic} forbids modification; the passage is changed "
                             f"(similarity {match.similarity:.2f})", quoted_reason], eff, ruleset, "modify")
        if policy.commercial_use and eff.get("commercial") == "deny" and not (match.quoted and named):
            return _verdict("not-allowed", eff.rule_for("commercial"), match,
                            [f"{lic} forbids commercial use, and this use is commercial"], eff, ruleset,
                            "commercial")
        if eff.get("attribution") == "required" and not named:
            return _verdict("needs-attribution", eff.rule_for("attribution"), match,
                            [f"{lic} requires naming the source", attributed_reason], eff, ruleset, "attribution")
        reasons = [f"{lic} allows reuse", attributed_reason]
        if eff.share_alike:
            reasons.append("share-alike: the adapted text must carry the same licence")
        return _verdict("ok", eff.rule_for("reproduce"), match, reasons, eff, ruleset, "reproduce")

    quote = eff.quote
    limit_reasons = []
    if not quote.allowed:
        limit_reasons.append("the source allows no quotation")
    if quote.max_words is not None and source_total_words > quote.max_words:
        limit_reasons.append(f"{source_total_words} words from this source, limit {quote.max_words}")
    if quote.max_share is not None and source.words:
        share = source_total_words / source.words
        if share > quote.max_share:
            limit_reasons.append(f"{share:.0%} of the source, limit {quote.max_share:.0%}")
    if limit_reasons:
        if eff.ban_rule is not None:  # an explicit ban, not just copyright: beyond a quote is not allowed
            return _verdict("not-allowed", eff.ban_rule, match,
                            ["the source forbids reproduction", *limit_reasons, quoted_reason], eff, ruleset,
                            "reproduce", "quote")
        return _verdict("exceeds-quote-limit", eff.rule_for("quote"), match, [*limit_reasons, quoted_reason],
                        eff, ruleset, "quote")
    if quote.quotation_marks == "required" and not match.quoted:
        return _verdict("needs-quotation-marks", eff.rule_for("quote"), match,
                        [f"{match.words} words within the quote limit", quoted_reason], eff, ruleset, "quote")
    if quote.attribution == "required" and not named:
        return _verdict("needs-attribution", eff.rule_for("quote"), match,
                        [f"{match.words} words within the quote limit", attributed_reason], eff, ruleset, "quote")
    return _verdict("ok", eff.rule_for("quote"), match,
                    [f"{match.words} words within the quote limit", quoted_reason, attributed_reason], eff,
                    ruleset, "quote")


def judge_pasted_notices(doc: Document, notices: list[Notice], ruleset: RuleSet) -> list[Verdict]:
    """Third-party rights notices standing in the draft: the text around them was probably pasted."""
    policy = ruleset.policy
    own = {o.lower() for o in policy.own_publishers}
    out = []
    for n in notices:
        severity = policy.pasted_notice.get(n.kind)
        if severity is None:
            continue
        names = {x.lower() for x in (n.publisher, n.holder) if x}
        if names & own:
            continue
        who = n.publisher or n.holder or "a third party"
        out.append(Verdict("pasted-notice", n.rule, severity, n.start_offset, n.end_offset, n.start, n.end,
                           len(n.text.split()),
                           [f"a {n.kind} notice of {who} stands in the draft: the text around it was probably "
                            "copied"], None, list(n.links), notice=n))
    return out


def summarize_source(source: SourceInfo, eff: Effective) -> SourceSummary:
    if eff.get("reproduce") == "allow":
        quote = "free" + (" with attribution" if eff.get("attribution") == "required" else "")
        if eff.get("modify") == "deny":
            quote += ", unmodified"
        if eff.get("commercial") == "deny":
            quote += ", non-commercial"
    elif not eff.quote.allowed:
        quote = "no"
    else:
        parts = []
        if eff.quote.max_words is not None:
            parts.append(f"≤ {eff.quote.max_words} words")
        if eff.quote.max_share is not None:
            parts.append(f"≤ {eff.quote.max_share:.0%} of the text")
        quote = ", ".join(parts) or "yes"
        if eff.quote.quotation_marks == "required":
            quote += " in quotation marks"
        if eff.quote.attribution == "required":
            quote += " with attribution"
    rules = sorted({r for r in eff.decided_by.values() if r != "default-policy"})
    return SourceSummary(source.id, source.publisher, quote, eff.get("store") or "review",
                         eff.get("reproduce") or "deny", eff.get("tdm") or "allowed", eff.license, rules)


def apply_policy(doc: Document, notices: list[Notice], matches: list[Match], sources: dict[str, SourceInfo],
                 ruleset: RuleSet) -> tuple[list[Verdict], list[SourceSummary]]:
    """Verdicts for every match and pasted notice of one draft, plus a summary per source used."""
    effective = {sid: effective_permissions(src, ruleset) for sid, src in sources.items()}
    totals: dict[str, int] = defaultdict(int)
    for m in matches:
        totals[m.source.id] += m.words
    verdicts = [judge_match(m, doc, sources[m.source.id], effective[m.source.id], ruleset, totals[m.source.id])
                for m in matches]
    verdicts += judge_pasted_notices(doc, notices, ruleset)
    verdicts.sort(key=lambda v: (v.draft_start, v.draft_end))
    used = [sid for sid in dict.fromkeys(m.source.id for m in matches)]
    return verdicts, [summarize_source(sources[sid], effective[sid]) for sid in used]
