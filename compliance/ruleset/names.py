"""Name lists (``{{agencies}}``, ``{{publishers}}``) as prefix trees, for patterns that are fast to run.

A flat alternation of 85 agency names, longest first, is what the macro means; but ``regex`` tries
its branches one by one at every position, ~150 ns per character of a window when the names start
a pattern. The same names as a prefix tree (``A(?:FP|P(?:A|))``) cost a third of that and match
exactly the same: at each node the children match disjoint characters, and the branch that ends a
name comes after the longer ones, so the names that match at a position are tried longest first,
as in the flat list.

Which characters are disjoint depends on the case mode where the macro stands: case-sensitively a
node's children are distinct characters; case-insensitively they are keyed by their case class
(``D`` and ``d`` share a child). :func:`fast_expansion` finds each macro's mode by parsing the
pattern with markers in place of the macros, and keeps the flat list where the mode is mixed or
unclear, or where classes overlap. Required literals are still derived from the flat expansion
(:mod:`compliance.ruleset.required`), where whole names are visible.
"""

from __future__ import annotations

from functools import lru_cache

import regex

_MARK = 0xE000  # private-use characters stand for the macros while the pattern is parsed


def fast_expansion(source: str, macros: dict[str, str], names: dict[str, list[str]], flags: int,
                   expand) -> str:
    """``source`` with its macros expanded, name-list macros as prefix trees where that is exact.

    ``macros`` maps every macro to its flat text, ``names`` the name-list macros to their names;
    ``expand`` is the loader's macro expansion (so that nesting and errors stay the same).
    """
    markers = {name: chr(_MARK + k) for k, name in enumerate(sorted(names))}
    marked = expand(source, {**macros, **markers})
    used = {name: mark for name, mark in markers.items() if mark in marked}
    if not used:
        return expand(source, macros)
    modes = _modes(marked, flags, set(used.values()))
    for name, mark in used.items():
        tree = None
        if modes.get(mark) in ("exact", "fold"):
            tree = prefix_tree(tuple(sorted(set(names[name]))), modes[mark] == "fold")
        marked = marked.replace(mark, tree if tree is not None else macros[name])
    return marked


def _modes(pattern: str, flags: int, marks: set[str]) -> dict[str, str]:
    """Per marker: "fold" if every occurrence is case-insensitive, "exact" if none is; a marker
    also found elsewhere than as a plain character (in a set, say) gets no mode."""
    from regex import _regex_core as core

    from compliance.ruleset.required import _parse

    try:
        parsed = _parse(pattern, flags)
    except Exception:  # noqa: BLE001 - an unclear pattern keeps the flat lists
        return {}
    found: dict[str, list[str]] = {}
    stack = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, core.Character) and chr(node.value) in marks:
            case = node.case_flags & (core.IGNORECASE | core.FULLCASE)
            mode = "fold" if case == core.IGNORECASE else "exact" if not case else "mixed"
            found.setdefault(chr(node.value), []).append(mode if node.positive and not node.zerowidth else "mixed")
        for attr in ("items", "branches"):
            stack.extend(getattr(node, attr, None) or ())
        for attr in ("subpattern", "yes_item", "no_item"):
            child = getattr(node, attr, None)
            if child is not None and not isinstance(child, (int, str)):
                stack.append(child)
    out = {}
    for mark, modes in found.items():
        if len(set(modes)) == 1 and len(modes) == pattern.count(mark):
            out[mark] = modes[0]
    return out


@lru_cache(maxsize=16)
def prefix_tree(names: tuple[str, ...], fold: bool) -> str | None:
    """The names as a prefix-tree regex (case-insensitive keys with ``fold``), or None when two
    children of a node could match the same character."""
    names = tuple(n for n in names if n)
    if not names:
        return "(?!)"
    root: dict[str, dict] = {}
    for name in names:
        node = root
        for c in name:
            node = node.setdefault(_key(c) if fold else c, {})
        node[""] = {}
    tree = _emit(root, fold)
    return None if tree is None else f"(?:{tree})"  # one atom, as the flat list is: {{agencies}}? stays right


def _emit(node: dict[str, dict], fold: bool) -> str | None:
    keys = sorted(k for k in node if k)
    if fold and not _exclusive(node, keys):
        return None
    branches = []
    for k in keys:
        rest = _emit(node[k], fold)
        if rest is None:
            return None
        branches.append(regex.escape(k) + rest)
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]
    return "(?:" + "|".join(branches) + ("|" if "" in node else "") + ")"


def _cases(c: str) -> frozenset[int]:
    from regex import _regex

    return frozenset((ord(c), *_regex.get_all_cases(regex.I | regex.U | regex.V0, ord(c))))


@lru_cache(maxsize=4096)
def _key(c: str) -> str:
    """One character standing for ``c``'s case class: its smallest member, if that member's class
    is the same (else ``c``, which :func:`_disjoint` then checks)."""
    first = chr(min(_cases(c)))
    return first if _cases(first) == _cases(c) else c


def _exclusive(node: dict[str, dict], keys: list[str]) -> bool:
    """Can no text match names of different lengths under two different children? Children whose
    case classes overlap (``I`` and ``i``: ``regex`` matches ``ı`` to one and ``İ`` to the other)
    are allowed when no such pair of names is compatible, character by character."""
    for a, first in enumerate(keys):
        for second in keys[a + 1:]:
            if _cases(first) & _cases(second) and any(
                    _compatible(x, y) for x in _spellings(first, node[first])
                    for y in _spellings(second, node[second])):
                return False
    return True


def _spellings(key: str, node: dict[str, dict]) -> list[str]:
    out = []
    for k, child in node.items():
        out += [key] if not k else _spellings(key + k, child)
    return out


def _compatible(x: str, y: str) -> bool:
    """Could one text match both, with different lengths? (Same length: the same span, so the order
    in which the two are tried changes nothing.)"""
    return len(x) != len(y) and all(_cases(a) & _cases(b) for a, b in zip(x, y, strict=False))
