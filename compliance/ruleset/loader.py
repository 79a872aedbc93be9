"""Load rule packs from YAML with positions, validate them, expand macros and compile patterns.

Every problem is reported as ``path:line:col: message`` (a :class:`RuleError`, exit 2). ruamel's
round-trip loader keeps line/column of every key and item and refuses duplicate keys; it never
constructs Python objects from tags.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import regex
from pydantic import ValidationError

from compliance.errors import RuleError
from compliance.ruleset.model import GROUP_NAMES, FixRules, Pack, PolicyConfig, Rule, RuleSet
from compliance.ruleset.names import fast_expansion
from compliance.ruleset.required import Required, required_sets

_MACRO = regex.compile(r"\{\{\s*([A-Za-z_][\w-]*)\s*\}\}")
BUILTIN_MACROS = ("agencies", "publishers")


def _code_stamp() -> str:
    """Size and mtime of the modules whose objects the rule cache pickles, as they were *imported*
    (all are imported by now): a process that imported older code and writes the cache after an
    edit must not label its result with the edited files' stamp."""
    here = Path(__file__).resolve().parent
    parts = []
    for name in ("loader.py", "model.py", "names.py", "required.py"):
        try:
            st = (here / name).stat()
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:-")
    return ",".join(parts)


CODE_STAMP = _code_stamp()


def builtin_rules_dir() -> Path:
    """The shipped packs: inside the wheel (``compliance/_rules``) or the source tree's ``rules/``."""
    packaged = resources.files("compliance") / "_rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rules"


@dataclass
class CompiledRule:
    rule: Rule
    patterns: list[regex.Pattern]
    keywords: list[str]
    origin: str
    required: list[Required] | None = None  # per pattern, derived on first use (or cached)
    flat: list[str] | None = None  # expansions with flat name lists, where the compiled ones use trees

    def required_literals(self) -> list[Required]:
        """Per pattern, the sets of literals every match contains (``compliance.ruleset.required``),
        read from the flat expansion, where whole names are visible."""
        if self.required is None:
            sources = self.flat or [p.pattern for p in self.patterns]
            self.required = [required_sets(src, p.flags) for src, p in zip(sources, self.patterns, strict=True)]
        return self.required

    # Pickled (the rule cache), the compiled patterns stay pickled until first used: rebuilding all ~720 from
    # their code took 25 of the cache's 31 ms at every start-up, and the engine runs only the patterns of rules
    # whose keywords a text hits (a one-draft check touches a few dozen rules).
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if "patterns" in state:
            state[_PICKLED_PATTERNS] = pickle.dumps(state.pop("patterns"), protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __getattr__(self, name: str) -> Any:  # only for attributes not set: ``patterns`` still pickled
        pickled = self.__dict__.get(_PICKLED_PATTERNS) if name == "patterns" else None
        if pickled is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self.patterns = pickle.loads(pickled)  # noqa: S301 - our own bytes, inside the trusted rule cache
        del self.__dict__[_PICKLED_PATTERNS]
        return self.patterns


_PICKLED_PATTERNS = "_patterns_pickle"


class LoadedRules:
    """A validated RuleSet plus compiled patterns, ready for the engine."""

    def __init__(self, ruleset: RuleSet, compiled: list[CompiledRule]) -> None:
        self.ruleset = ruleset
        self.compiled = compiled
        self.by_id = {c.rule.id: c for c in compiled}

    def __len__(self) -> int:
        return len(self.compiled)


def yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_ruleset(extra_dirs: list[str] | None = None, builtin: bool = True, cache: bool = True) -> LoadedRules:
    """Load the built-in packs plus each of ``extra_dirs`` (a directory or a single YAML file).

    With ``cache`` the result comes from the rule cache when no rule file changed (see
    :mod:`compliance.ruleset.cache`); a changed or invalid file is loaded, and reported, as without it.
    """
    sources = rule_sources(extra_dirs, builtin)
    if not cache:
        return _load_sources(sources)
    from compliance.ruleset.cache import cached

    return cached("rules", sources, lambda: _load_sources(sources, derive=True))


def rule_sources(extra_dirs: list[str] | None = None, builtin: bool = True) -> list[Path]:
    """The YAML files ``load_ruleset`` reads, in load order, each once (``rules test rules/notices/en.yaml``
    names a built-in pack that is loaded already)."""
    sources: list[Path] = []
    if builtin:
        sources += yaml_files(builtin_rules_dir())
    for entry in extra_dirs or []:
        p = Path(entry)
        if p.is_dir():
            sources += yaml_files(p)
        elif p.is_file():
            sources.append(p)
        else:
            raise RuleError("no such rules directory or file", entry)
    if not extra_dirs:
        return sources  # the built-in packs alone: no duplicates, and no path resolving at start-up
    seen: set[Path] = set()
    unique = []
    for path in sources:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _load_sources(sources: list[Path], derive: bool = False) -> LoadedRules:
    packs = [(str(path), *_load_pack(path)) for path in sources]
    loaded = _merge_and_compile(packs)
    if derive:  # worth it only when the result is kept: the engine derives them lazily otherwise
        for compiled in loaded.compiled:
            compiled.required_literals()
    return loaded


def _load_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise RuleError(f"cannot read rule file: {err}", str(path)) from None
    try:
        data = yaml.load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = (err.problem or err.context or "invalid YAML").strip()
        raise RuleError(problem, str(path), mark.line + 1 if mark else None,
                        mark.column + 1 if mark else None) from None
    except YAMLError as err:
        raise RuleError(f"invalid YAML: {str(err).splitlines()[0]}", str(path)) from None
    except (ValueError, TypeError, LookupError, RecursionError) as err:  # ``!!int x``, nesting too deep
        first = str(err).splitlines()[0] if str(err) else ""
        raise RuleError(f"invalid YAML: {type(err).__name__}: {first}", str(path)) from None
    _refuse_tags(data, str(path))
    return data


# Tags a plain-data rule pack may carry: YAML's own types. Anything else (``!!python/object``, ``!custom``)
# is refused by name rather than left for validation to trip over.
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq"))


def _refuse_tags(data: Any, path: str) -> None:
    """Raise a RuleError at the first explicitly tagged node that is not a plain YAML type.

    Each container is visited once: aliases share nodes, so a walk that followed them would be exponential.
    """
    seen: set[int] = set()
    stack: list[tuple[Any, int | None, int | None]] = [(data, 1, 1)]
    while stack:
        node, line, col = stack.pop()
        lc = getattr(node, "lc", None)
        if lc is not None and lc.line is not None:
            line, col = lc.line + 1, lc.col + 1
        tag = getattr(getattr(node, "tag", None), "value", None)
        if tag and tag not in _PLAIN_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise RuleError(f"YAML tag {shown} is not allowed: rule packs are plain data", path, line, col)
        if not isinstance(node, (dict, list)) or id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            where = _child_position(lc, key, isinstance(node, dict))
            stack.append((value, *(where or (line, col))))


def _child_position(lc: Any, key: Any, mapping: bool) -> tuple[int, int] | None:
    try:
        pos = lc.value(key) if mapping else lc.item(key)
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    if not pos or pos[0] is None:
        return None
    return pos[0] + 1, pos[1] + 1


def _load_pack(path: Path) -> tuple[Pack, Any]:
    data = _load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RuleError("a rule pack must be a mapping (rules:, publishers:, macros:, licenses:)", str(path), 1, 1)
    try:
        return Pack.model_validate(data), data
    except ValidationError as err:
        first = err.errors()[0]
        line, col = position(data, first["loc"])
        where = ".".join(str(x) for x in first["loc"])
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = f"unknown key {first['loc'][-1]!r}"
        raise RuleError(f"{where}: {msg}", str(path), line, col) from None


def position(node: Any, loc: tuple) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the deepest part of ``loc`` that exists in the YAML tree."""
    line = col = None
    lc = getattr(node, "lc", None)
    if lc is not None:
        line, col = lc.line + 1, lc.col + 1
    for key in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and key in node:
                if lc is not None:
                    kl, kc = lc.key(key)
                    line, col = kl + 1, kc + 1
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                if lc is not None:
                    il, ic = lc.item(key)
                    line, col = il + 1, ic + 1
                node = node[key]
            else:
                break
        except (KeyError, TypeError, AttributeError):
            break
    return line, col


def _merge_and_compile(packs: list[tuple[str, Pack, Any]]) -> LoadedRules:
    ruleset = RuleSet()
    seen: dict[str, tuple[str, Any, int]] = {}
    for path, pack, raw in packs:
        ruleset.macros.update(pack.macros)
        for pub in pack.publishers:
            ruleset.publishers[pub.id] = pub
        if pack.licenses is not None:
            ruleset.licenses = _merge_licenses(ruleset.licenses, pack.licenses)
        if pack.policy is not None:
            ruleset.policy = merge_policy(ruleset.policy, pack.policy)
        if pack.xling:
            ruleset.xling = merge_xling(ruleset.xling, pack.xling)
        _merge_cues(ruleset, path, pack, raw, seen)
        if pack.fixes is not None:
            ruleset.fixes = merge_fixes(ruleset.fixes, pack.fixes)
        if pack.quoted is not None:
            ruleset.quoted = pack.quoted
        if pack.veto is not None:
            ruleset.veto = pack.veto
        for i, rule in enumerate(pack.rules):
            _claim_id(seen, rule.id, path, raw, "rules", i)
            ruleset.rules.append(rule)
            ruleset.origins[rule.id] = path
    macros = dict(ruleset.macros)
    macros.update(_builtin_macros(ruleset))
    names = {name: _macro_names(ruleset, name) or [] for name in BUILTIN_MACROS}
    compiled = []
    for rule in ruleset.rules:
        path, raw, i = seen[rule.id]
        compiled.append(_compile_rule(rule, macros, names, ruleset, path, raw, i))
    return LoadedRules(ruleset, compiled)


def _claim_id(seen: dict, item_id: str, path: str, raw: Any, section: str, index: int) -> None:
    """Record where a rule or frame id is defined; a second definition is an error at its position."""
    if item_id in seen:
        line, col = position(raw, (section, index, "id"))
        raise RuleError(f"duplicate rule id {item_id!r} (first in {seen[item_id][0]})", path, line, col)
    seen[item_id] = (path, raw, index)


def _merge_cues(ruleset: RuleSet, path: str, pack: Pack, raw: Any, seen: dict) -> None:
    """Cue lexicons add to their language's slots; frames and the scorer are named like rules."""
    for lexicon in pack.cues:
        slots = ruleset.cues.setdefault(lexicon.language, {})
        for slot, words in lexicon.slots.items():
            slots.setdefault(slot, []).extend(w for w in words if w not in slots.get(slot, ()))
    for i, frame in enumerate(pack.frames):
        _claim_id(seen, frame.id, path, raw, "frames", i)
        ruleset.frames.append(frame)
        ruleset.origins[frame.id] = path
    if pack.scorer is not None:
        ruleset.scorer = pack.scorer
        ruleset.scorer_path = str(Path(path).resolve().parent / pack.scorer.weights)


def merge_xling(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A later pack's cross-language settings override key by key (e.g. one pair's dictionary path)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merge_xling(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else _plain(value)
    return out


def _plain(value: Any) -> Any:
    """YAML round-trip data (ruamel's subclasses of dict, list, bool, int, float and str, which carry comments
    and positions) as plain Python data, so the rule cache holds no ruamel objects: reading it back then
    does not import ruamel.yaml (~10 ms of every start-up)."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if type(value).__name__ == "ScalarBoolean":  # ruamel's anchored booleans subclass int
        return bool(value)
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _merge_licenses(base, extra):
    terms = base.terms.model_dump()
    for key, words in extra.terms.model_dump().items():
        if key == "ports":
            for code, names in words.items():
                terms["ports"].setdefault(code, []).extend(names)
        else:
            terms[key] = terms[key] + words
    permissions = {**base.permissions, **extra.permissions}
    # a later pack's named licences come first: a user pack can name a licence more precisely
    named = [n.model_dump() for n in (*extra.named, *base.named)]
    return type(base).model_validate({"terms": terms, "spdx_ports": base.spdx_ports + extra.spdx_ports,
                                      "permissions": permissions, "named": named})


def merge_fixes(base: FixRules, extra: FixRules) -> FixRules:
    """A later pack's fix settings override field by field; fallbacks merge by character, languages by
    language and then field (a pack may change only German quotation marks)."""
    data = base.model_dump(exclude_unset=True)
    for key, value in extra.model_dump(exclude_unset=True).items():
        if key == "languages":
            langs = data.setdefault(key, {})
            for code, fields in value.items():
                langs[code] = {**langs.get(code, {}), **fields}
        else:
            data[key] = {**data.get(key, {}), **value} if key == "fallback" else value
    return FixRules.model_validate(data)


def merge_policy(base: PolicyConfig, extra: PolicyConfig) -> PolicyConfig:
    """A later pack's policy overrides field by field; lists of names are extended."""
    data = base.model_dump(exclude_unset=True)
    new = extra.model_dump(exclude_unset=True)
    for key, value in new.items():
        if key in ("kinds", "pasted_notice", "verdict_severity", "signals", "audit_severity"):
            data[key] = {**data.get(key, {}), **value}
        elif key in ("credit_sections", "own_publishers"):
            data[key] = [*data.get(key, []), *value]
        else:
            data[key] = value
    return PolicyConfig.model_validate(data)


def _alternation(names: list[str]) -> str:
    unique = sorted({n for n in names if n}, key=lambda n: (-len(n), n))
    return "(?:" + "|".join(regex.escape(n) for n in unique) + ")" if unique else "(?!)"


def _builtin_macros(ruleset: RuleSet) -> dict[str, str]:
    agencies = [n for p in ruleset.publishers.values() if p.agency for n in (p.name, *p.aliases)]
    everyone = [n for p in ruleset.publishers.values() for n in (p.name, *p.aliases, *p.domains)]
    return {"agencies": _alternation(agencies), "publishers": _alternation(everyone)}


def _macro_names(ruleset: RuleSet, name: str) -> list[str] | None:
    if name == "agencies":
        return [n for p in ruleset.publishers.values() if p.agency for n in (p.name, *p.aliases)]
    if name == "publishers":
        return [n for p in ruleset.publishers.values() for n in (p.name, *p.aliases, *p.domains)]
    return None


def expand_macros(pattern: str, macros: dict[str, str], depth: int = 0) -> str:
    if depth > 8:
        raise ValueError("macros nest too deeply (a macro that uses itself?)")

    def replace(m: regex.Match) -> str:
        name = m.group(1)
        if name not in macros:
            raise ValueError(f"unknown macro {{{{{name}}}}}")
        return expand_macros(macros[name], macros, depth + 1)

    return _MACRO.sub(replace, pattern)


def _compile_rule(rule: Rule, macros: dict[str, str], names: dict[str, list[str]], ruleset: RuleSet,
                  path: str, raw: Any, index: int) -> CompiledRule:
    flags = regex.V0 | (0 if rule.case_sensitive else regex.IGNORECASE)
    patterns = []
    flat_sources: list[str] = []
    for j, source in enumerate(rule.patterns):
        try:
            flat = expand_macros(source, macros)
            fast = fast_expansion(source, macros, names, flags, expand_macros) if "{{" in source else flat
            try:
                pattern = regex.compile(fast, flags)
            except regex.error:
                if fast == flat:
                    raise
                pattern = regex.compile(flat, flags)  # its error, with positions in the flat expansion
            flat_sources.append(flat)
        except (regex.error, ValueError, LookupError, TypeError, OverflowError, RecursionError) as err:
            # not only regex.error: ``(?V1)`` inside a V0 pattern is a KeyError out of the regex module
            line, col = position(raw, ("rules", index, "patterns", j))
            reason = str(err) if isinstance(err, (regex.error, ValueError)) else f"{type(err).__name__}: {err}"
            raise RuleError(f"rule {rule.id}: pattern does not compile: {reason}", path, line, col) from None
        unknown = set(pattern.groupindex) - set(GROUP_NAMES)
        if unknown:
            line, col = position(raw, ("rules", index, "patterns", j))
            raise RuleError(f"rule {rule.id}: unknown named group(s) {sorted(unknown)}; "
                            f"use {', '.join(GROUP_NAMES)}", path, line, col)
        patterns.append(pattern)
    keywords: list[str] = []
    for k, kw in enumerate(rule.keywords):
        # "{{agencies}}" alone, or a template such as "({{agencies}}": one keyword per name, so that
        # short names ("AP", "SID") can be anchored to the punctuation around them.
        m = _MACRO.search(kw)
        if m:
            names = _macro_names(ruleset, m.group(1))
            if names is None:
                line, col = position(raw, ("rules", index, "keywords", k))
                raise RuleError(f"rule {rule.id}: keyword macro {kw!r} is not a name list "
                                f"(use one of {', '.join(BUILTIN_MACROS)})", path, line, col)
            keywords += [(kw[:m.start()] + n + kw[m.end():]).lower() for n in names]
        else:
            keywords.append(kw)
    if rule.publisher and rule.publisher not in ruleset.publishers:
        line, col = position(raw, ("rules", index, "publisher"))
        raise RuleError(f"rule {rule.id}: unknown publisher profile {rule.publisher!r}", path, line, col)
    flat = flat_sources if any(p.pattern != f for p, f in zip(patterns, flat_sources, strict=True)) else None
    return CompiledRule(rule, patterns, sorted(set(keywords)), path, flat=flat)
