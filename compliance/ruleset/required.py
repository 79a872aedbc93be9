"""Literals that every match of a pattern contains, read from the ``regex`` module's parse tree.

The notice engine runs a rule's patterns only in windows around the rule's keywords, but most
windows hold the keyword and not the rest of a pattern: a window around "copyright" in a licence
text has no "©", one around "contributed" names no news agency. For each pattern this module
derives *required sets*: sets of strings such that every match contains at least one string of
every set (``\\bcopyright\\s*(?:©|\\(c\\))`` gives ``{"copyright"}`` and ``{"©", "(c)"}``). The
engine skips a window that lacks a set with a few ``str.find`` calls instead of a regex search.

Only what is certain is derived: runs of literal characters in a sequence (a small set such as
``[cс]`` gives one spelling per member; zero-width items such as ``\\b`` or a lookaround do not
break a run, anything else does), alternations whose every branch requires something, repeats
with a minimum of one, groups. Lookarounds, larger sets, properties, conditionals, named lists
and fuzzy matching contribute nothing. Strings and windows are compared *folded*
(:func:`fold_text`), so that whatever ``regex``'s IGNORECASE matches to a literal holds the
literal's fold; a letter whose case-insensitive class folds in more than one way ends a run. The
parser is the ``regex`` module's private ``_regex_core``: if it fails or changes, a pattern gets
no required sets and runs in every window, as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

MAX_ALTERNATIVES = 160  # a bigger alternation costs more str.find calls than it saves
MAX_SETS = 6
MAX_SPELLINGS = 8  # spellings of one literal run ("(c)" and "(с)" for ``\\([cс]\\)``)
_FIX = str.maketrans({"\u0131": "i", "\u0307": None})  # dotless i; the dot casefold leaves of İ

Required = tuple[tuple[str, ...], ...]  # sets of alternatives; every set must be present


def fold_text(text: str) -> str:
    """``text`` case-folded so that whatever ``regex``'s IGNORECASE matches to a literal folds to
    the literal's own fold: ``str.casefold`` (context-free, unlike ``lower``'s final sigma), with
    the dotless ``ı`` (which ``regex`` matches as ``i``) as ``i`` and the combining dot of a folded
    ``İ`` dropped. Lengths change (ß folds to ss): only presence is tested in the result."""
    folded = text.casefold()
    if not folded.isascii() and ("\u0131" in folded or "\u0307" in folded):
        folded = folded.translate(_FIX)
    return folded


def required_sets(pattern: str, flags: int) -> Required:
    """Required sets of ``pattern`` compiled with ``flags`` (most selective first); ``()`` if none."""
    try:
        parsed = _parse(pattern, flags)
        sets = _dedupe(_requirements(parsed))
    except Exception:  # noqa: BLE001 - private parser API: no requirement is always safe
        return ()
    sets = [s for s in sets if _useful(s)]
    sets.sort(key=lambda s: (len(s) > 8, -min(map(len, s)), len(s)))
    return tuple(tuple(sorted(s)) for s in sets[:MAX_SETS])


def _parse(pattern: str, flags: int) -> Any:
    from regex import _regex_core as core

    global_flags = flags
    while True:  # as regex._compile: a global flag found later restarts the parse with it
        source = core.Source(pattern)
        info = core.Info(global_flags, source.char_type, {})
        source.ignore_space = bool(info.flags & core.VERBOSE)
        try:
            parsed = core._parse_pattern(source, info)
        except core._UnscopedFlagSet:
            global_flags = info.global_flags
            continue
        if not source.at_end():
            raise ValueError("unbalanced parenthesis")
        return parsed


def _requirements(node: Any) -> list[frozenset[str]]:
    from regex import _regex_core as core

    if isinstance(node, core.Sequence):
        return _sequence(node.items, core)
    if isinstance(node, core.StringSet):  # a named list: not derived
        return []
    if isinstance(node, core.Branch):
        alternatives: set[str] = set()
        for branch in node.branches:
            best = _best(_requirements(branch))
            if best is None:
                return []
            alternatives |= best
        return [frozenset(alternatives)] if len(alternatives) <= MAX_ALTERNATIVES else []
    if isinstance(node, (core.Group, core.Atomic)):
        return _requirements(node.subpattern)
    if isinstance(node, core.GreedyRepeat):  # also LazyRepeat and PossessiveRepeat
        return _requirements(node.subpattern) if node.min_count >= 1 else []
    if isinstance(node, (core.Character, core.String)):
        return _sequence([node], core)
    return []


def _sequence(items: list[Any], core: Any) -> list[frozenset[str]]:
    out: list[frozenset[str]] = []
    run: list[frozenset[str] | None] = []  # per character: the folded forms it may take
    for item in items:
        chars = _literal(item, core)
        if chars is not None:
            run += chars  # a None in it (a character that cannot be folded) splits the run
        elif not isinstance(item, (core.ZeroWidthBase, core.LookAround, core.LookAroundConditional)):
            out += _runs(run)
            run = []
            out += _requirements(item)
        # a zero-width item consumes nothing: the characters around it stay adjacent in the match
    out += _runs(run)
    return out


def _runs(run: list[frozenset[str] | None]) -> list[frozenset[str]]:
    """The spellings of each piece of a literal run: split where a character cannot be folded and
    where the number of spellings (``[cс]`` gives two) would pass ``MAX_SPELLINGS``."""
    out: list[frozenset[str]] = []
    spellings: set[str] = set()
    for choice in [*run, None]:
        if choice is not None and spellings and len(spellings) * len(choice) <= MAX_SPELLINGS:
            spellings = {s + c for s in spellings for c in choice}
            continue
        if spellings:
            out.append(frozenset(spellings))
        spellings = set(choice) if choice is not None else set()
    return out


def _literal(item: Any, core: Any) -> list[frozenset[str] | None] | None:
    """Per character of a literal item (a character, a string, a small set of characters), the
    folded forms it matches (None where they are not one character); None for other items."""
    if isinstance(item, core.Character):
        if not item.positive or item.zerowidth:
            return None
        return [_choice((item.value,), item.case_flags)]
    if type(item) in (core.String, core.Literal):
        return [_choice((v,), item.case_flags) for v in item.characters]
    if type(item) is core.SetUnion and item.positive and not item.zerowidth \
            and all(type(m) is core.Character and m.positive for m in item.items):
        return [_choice(tuple(m.value for m in item.items), item.case_flags)]
    return None


def _choice(values: tuple[int, ...], case_flags: int) -> frozenset[str] | None:
    folded = [_fold_char(v, case_flags) for v in values]
    if None in folded or len(set(folded)) > MAX_SPELLINGS:
        return None
    return frozenset(folded)


@lru_cache(maxsize=4096)
def _fold_char(value: int, case_flags: int) -> str | None:
    """The fold every character this literal matches has, or None if they differ (a few letters
    newer than Python's Unicode tables); full case folding (which matches 'ß' as 'ss') is not used."""
    from regex import _regex
    from regex import _regex_core as core

    if case_flags & core.FULLCASE and case_flags & core.IGNORECASE:
        return None
    forms = {value}
    if case_flags & core.IGNORECASE:
        forms.update(_regex.get_all_cases(core.IGNORECASE | core.UNICODE | core.VERSION0, value))
    folded = {fold_text(chr(v)) for v in forms}
    return folded.pop() if len(folded) == 1 else None


def _best(sets: list[frozenset[str]]) -> frozenset[str] | None:
    if not sets:
        return None
    return max(sets, key=lambda s: (min(map(len, s)), -len(s)))


def _useful(alternatives: frozenset[str]) -> bool:
    """Worth a check: not a lone space, letter or digit, which nearly every window holds, and no
    long list with a two-letter word in it ("ap" among 80 agency names is in "apt", "happen")."""
    shortest = min(map(len, alternatives))
    if shortest < 2:
        return all(not (a.isalnum() or a.isspace()) for a in alternatives)
    return shortest > 2 or len(alternatives) <= 8


def _dedupe(sets: list[frozenset[str]]) -> list[frozenset[str]]:
    """Distinct sets, without one implied by a stronger one ({"copy"} by {"copyright"})."""
    kept: list[frozenset[str]] = []
    for s in sorted(set(sets), key=lambda s: (-min(map(len, s)), len(s), sorted(s))):
        if not any(all(any(a in b for a in s) for b in t) for t in kept):
            kept.append(s)
    return kept
