"""Suggested fixes: for each verdict with a remedy, the edits that make its passage compliant.

A fix brings the passage all the way (a quote that also lacks its source gets both the marks and the
attribution), so one ``--fix`` pass reaches a fixed point. Quotation marks, omission marks and attribution
lines come from ``rules/fixes.yaml`` in the draft's language (front matter ``language``, else the language
whose common words the draft uses most). Edits are :class:`Replacement` s in the draft's text coordinates;
:func:`apply_replacements` applies them, :func:`chosen_replacements` picks what ``--fix`` may apply.

Safe fixes keep the draft's meaning (quotation marks, an attribution line); unsafe ones change its words
(a quotation trimmed to the limit, a modified CC BY-ND passage restored, a pasted notice removed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import regex

from compliance.document import Block, Document
from compliance.findings import Fix, Replacement, Verdict
from compliance.policy.attribution import is_attributed
from compliance.policy.fixtext import attribution_fields, fill, trim_to_words
from compliance.policy.permissions import Effective, SourceInfo, attribution_names, effective_permissions
from compliance.policy.verdicts import MODIFIED_BELOW, summarize_source
from compliance.ruleset.model import FixLanguage, FixRules, RuleSet

_WORD = regex.compile(r"\w+")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")


def draft_language(doc: Document, fixes: FixRules) -> str:
    """The language a fix writes in: the draft's declared language, else its most used common words."""
    declared = str(doc.metadata.get("language") or "").strip().lower()[:2]
    if declared in fixes.languages:
        return declared
    counts = Counter(w.lower() for w in _WORD.findall(doc.plain))
    best, score = fixes.default_language, 0
    for code, lang in fixes.languages.items():
        s = sum(doc.plain.count(w) if _CJK.match(w) else counts[w] for w in lang.words)
        if s > score:
            best, score = code, s
    return best


def newline(text: str) -> str:
    """The draft's own line ending, for inserted lines."""
    return "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"


class _Context:
    """What every fix of one draft needs: its language, line ending, the policy and per-source totals."""

    def __init__(self, doc: Document, verdicts: list[Verdict], sources: dict[str, SourceInfo],
                 ruleset: RuleSet) -> None:
        self.doc, self.ruleset, self.sources = doc, ruleset, sources
        self.rules = ruleset.fixes
        code = draft_language(doc, self.rules)
        self.lang: FixLanguage | None = self.rules.languages.get(code)
        self.nl = newline(doc.text)
        self.effective = {sid: effective_permissions(src, ruleset) for sid, src in sources.items()}
        self.totals: Counter[str] = Counter()
        for v in verdicts:
            if v.match is not None:
                self.totals[v.match.source.id] += v.match.words


def propose_fixes(doc: Document, verdicts: list[Verdict], sources: dict[str, SourceInfo], ruleset: RuleSet) -> None:
    """Set ``fix`` on every verdict that has a remedy (none for ``ok``)."""
    ctx = _Context(doc, verdicts, sources, ruleset)
    if ctx.lang is None:  # no fix rules loaded (a user's --rules replaced them): report, fix nothing
        return
    for v in verdicts:
        if v.verdict == "pasted-notice":
            v.fix = _remove_notice(v, ctx)
        elif v.match is not None and v.source_id in sources and v.verdict != "ok":
            v.fix = _fix_passage(v, ctx)


def _fix_passage(v: Verdict, ctx: _Context) -> Fix | None:
    m = v.match
    assert m is not None and v.source_id is not None
    source, eff = ctx.sources[v.source_id], ctx.effective[v.source_id]
    if v.verdict == "needs-quotation-marks":
        return _complete(v, ctx, source, eff, "quote", True, None)
    if v.verdict == "needs-attribution":
        return _complete(v, ctx, source, eff, "attribute", True, None)
    if v.verdict == "exceeds-quote-limit":
        return _trim(v, ctx, source, eff, "")
    if v.verdict != "not-allowed":
        return None
    allows = _allows(source, eff)
    if eff.get("reproduce") == "allow":  # a licence: modified (ND) or commercial (NC)
        if m.similarity < MODIFIED_BELOW and eff.get("modify") == "deny" and getattr(m, "kind", "") != "translation":
            return _complete(v, ctx, source, eff, "restore", False, m.source_text)
        return Fix("advice", False, [], allows)
    if eff.quote.allowed:
        return _trim(v, ctx, source, eff, allows)
    return Fix("advice", False, [], allows)


def _allows(source: SourceInfo, eff: Effective) -> str:
    """What the source allows, and whom to ask for more (a contact URL from its notices, else its site)."""
    who = source.publisher or source.title or source.path
    quote = summarize_source(source, eff).quote
    urls = [u for n in source.notices if n.get("rule") == eff.ban_rule for u in n.get("urls", [])]
    urls += [u for n in source.notices for u in n.get("urls", [])]
    contact = f": {urls[0]}" if urls else ""
    if quote == "no":
        return f"{who} allows no quotation; ask {who} for permission{contact}"
    return f"{who} allows quoting {quote}; for more, ask {who} for permission{contact}"


def _complete(v: Verdict, ctx: _Context, source: SourceInfo, eff: Effective, kind: str, safe: bool,
              body: str | None) -> Fix:
    """Quotation marks and attribution as the source's permissions require; ``body`` replaces the words."""
    assert v.match is not None and ctx.lang is not None
    m = v.match
    licensed = eff.get("reproduce") == "allow"
    marks = (eff.quote.quotation_marks == "required" and not licensed) or kind == "quote"
    quote_it = marks and not m.quoted
    text = ctx.doc.text[m.draft_start:m.draft_end] if body is None else body
    replacements = []
    if quote_it or body is not None:
        q = ctx.lang.quotation_marks
        new = f"{q.open}{text}{q.close}" if quote_it else text
        replacements.append(Replacement(m.draft_start, m.draft_end, new))
    line = _attribution(v, ctx, source, eff)
    if line is not None:
        replacements.append(line)
    parts = {"quote": "put the passage in quotation marks", "attribute": "name the source",
             "restore": f"restore the source's wording ({eff.license or 'its licence'} forbids changes)",
             "trim": "shorten the quotation"}
    message = parts[kind]
    if kind != "attribute" and line is not None:
        message += " and name the source"
    if line is not None:
        message += f": {line.text.strip()}"
    return Fix(kind, safe, replacements, message)


def _attribution(v: Verdict, ctx: _Context, source: SourceInfo, eff: Effective) -> Replacement | None:
    """An attribution line after the passage's block, unless the source is named already or need not be."""
    assert v.match is not None and ctx.lang is not None
    licensed = eff.get("reproduce") == "allow"
    required = eff.get("attribution") == "required" if licensed else eff.quote.attribution == "required"
    names = attribution_names(source, ctx.ruleset)
    if not required or is_attributed(ctx.doc, v.match.draft_start, v.match.draft_end, names,
                                     ctx.ruleset.policy.credit_sections):
        return None
    fields = attribution_fields(source, eff, ctx.ruleset)
    template = ctx.lang.attribution.license if licensed and eff.license else ctx.lang.attribution.quote
    at = _block_end(ctx.doc, v.match.draft_start, v.match.draft_end)
    return Replacement(at, at, ctx.nl * 2 + fill(template, fields))


def _block_end(doc: Document, start: int, end: int) -> int:
    """End of the last block the span touches (the line's end when no block holds it)."""
    touched = [b for b in doc.blocks if b.start < max(end, start + 1) and start < b.end]
    if touched:
        return max(b.end for b in touched)
    eol = doc.text.find("\n", end)
    return len(doc.text) if eol < 0 else eol - (1 if doc.text[eol - 1:eol] == "\r" else 0)


def _trim(v: Verdict, ctx: _Context, source: SourceInfo, eff: Effective, allows: str) -> Fix:
    """The passage cut to the words this source still allows, omissions marked, quoted and attributed."""
    assert v.match is not None and ctx.lang is not None
    m = v.match
    limits = [eff.quote.max_words] if eff.quote.max_words is not None else []
    if eff.quote.max_share is not None and source.words:
        limits.append(int(eff.quote.max_share * source.words))
    budget = min(limits, default=m.words) - (ctx.totals[m.source.id] - m.words)
    text = ctx.doc.text[m.draft_start:m.draft_end]
    trimmed = trim_to_words(text, budget, ctx.lang.omission, _context_text(ctx.doc, m.draft_start, m.draft_end),
                            set(ctx.lang.words)) if budget > 0 else None
    if trimmed is None:
        return Fix("advice", False, [], allows or f"no words of {source.publisher or source.path} may be quoted "
                                                  "beyond what the draft quotes already")
    fix = _complete(v, ctx, source, eff, "trim", False, trimmed)
    fix.message = (f"shorten the quotation to {len(_WORD.findall(trimmed))} words (limit {budget} for this "
                   f"passage), omissions marked {ctx.lang.omission}, in quotation marks"
                   + ("" if len(fix.replacements) < 2 else f", and name the source: {fix.replacements[1].text.strip()}")
                   + (f". {allows}" if allows else ""))
    return fix


def _context_text(doc: Document, start: int, end: int) -> str:
    """The draft's own words around a passage: its block outside the passage, the block before, the heading."""
    blocks = doc.blocks
    idx = [i for i, b in enumerate(blocks) if b.start < end and start < b.end]
    parts: list[str] = []
    if idx:
        first, last = idx[0], idx[-1]
        parts.append(doc.text[blocks[first].start:start])
        parts.append(doc.text[end:blocks[last].end])
        if first > 0:
            parts.append(doc.text[blocks[first - 1].start:blocks[first - 1].end])
        parts.append(blocks[first].section or "")
    return " ".join(parts)


def _remove_notice(v: Verdict, ctx: _Context) -> Fix | None:
    """Take a pasted third-party notice out: its whole paragraph when it is the paragraph."""
    n = v.notice
    if n is None:
        return None
    who = n.publisher or n.holder or "a third party"
    if n.kind not in ctx.rules.remove_pasted:  # a credit line: right under a quote of ``who``, wrong elsewhere
        return Fix("advice", False, [], f"keep this {n.kind} line only as the credit of a quotation from {who}; "
                                        "otherwise remove it with the text it came with")
    doc = ctx.doc
    start, end = n.start_offset, n.end_offset
    block = doc.block_at(start)
    if block is not None and _covers(doc.text[block.start:block.end], doc.text[start:end]):
        start, end = _paragraph_span(doc, block)
    else:
        tail = regex.match(r"[.!]?[^\S\r\n]*", doc.text[end:])
        end += tail.end() if tail else 0
    return Fix("remove-notice", False, [Replacement(start, end, "")],
               f"remove the {n.kind} notice of {who} pasted into the draft (and check the text it came with)")


def _covers(block_text: str, notice_text: str) -> bool:
    """Is the notice (nearly) the whole paragraph? A few characters of punctuation may be left over."""
    return len("".join(block_text.split())) - len("".join(notice_text.split())) <= 3


def _paragraph_span(doc: Document, block: Block) -> tuple[int, int]:
    """A block with the blank lines before it (after it, at the top): removing it leaves no gap, and a
    line that is no block (a thematic break) stays."""
    head = doc.text[:block.start]
    start = len(head.rstrip())
    if start:
        return start, block.end
    tail = doc.text[block.end:]
    return block.start, block.end + len(tail) - len(tail.lstrip())


def chosen_replacements(verdicts: Iterable[Verdict], unsafe: bool) -> tuple[list[Replacement], int, int]:
    """Edits ``--fix`` applies: unsuppressed verdicts' fixes (unsafe ones only with ``unsafe``), a fix whose
    edits overlap one already taken left for the next pass. Returns (replacements, fixes taken, unsafe left)."""
    taken: list[Replacement] = []
    count = skipped_unsafe = 0
    for v in verdicts:
        fix = v.fix
        if fix is None or v.suppressed or not fix.replacements:
            continue
        if not fix.safe and not unsafe:
            skipped_unsafe += 1
            continue
        new = [r for r in fix.replacements if not any(_same(r, t) for t in taken)]
        if any(_overlap(r, t) for r in new for t in taken):
            continue
        taken += new
        count += 1
    return sorted(taken, key=lambda r: (r.start, r.end)), count, skipped_unsafe


def _same(a: Replacement, b: Replacement) -> bool:
    return (a.start, a.end, a.text) == (b.start, b.end, b.text)


def _overlap(a: Replacement, b: Replacement) -> bool:
    """Edits conflict when they share a character, or insert at the same place (order would be a guess)."""
    if a.start == a.end or b.start == b.end:
        return a.start == b.start and a.end == b.end or (a.start < b.end and b.start < a.end)
    return a.start < b.end and b.start < a.end


def apply_replacements(text: str, replacements: list[Replacement]) -> str:
    """``text`` with non-overlapping replacements applied (last first, so offsets stay valid)."""
    out = text
    for r in sorted(replacements, key=lambda r: (r.start, r.end), reverse=True):
        out = out[:r.start] + r.text + out[r.end:]
    return out
