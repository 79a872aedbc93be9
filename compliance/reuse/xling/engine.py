"""Loading the cross-language machinery once per run: settings, analyzers and the dictionary bridge.

Without a dictionary the search still runs on anchors (names, numbers, words spelled alike), which finds
about one translated article in five and one passage in twenty (bench/xling.py --anchors-only), so the
user is told once, in one line, how to install it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.reuse.xling.ding import Bridge, DictionaryError, open_bridge
from compliance.reuse.xling.settings import Settings, load_settings
from compliance.reuse.xling.terms import Analyzer


@dataclass
class XlingEngine:
    settings: Settings
    analyzers: dict[str, Analyzer]
    bridges: dict[str, Bridge | None] = field(default_factory=dict)  # pair -> bridge (None: anchors only)
    warned: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, raw: dict[str, Any], dictionaries: dict[str, str] | None = None, root: str = ".") -> XlingEngine:
        settings = load_settings(raw, dictionaries, root)
        analyzers = {k: Analyzer(k, v.stopwords, v.stemmer) for k, v in settings.languages.items()}
        return cls(settings, analyzers)

    def source_languages(self) -> set[str]:
        return {name.partition("-")[2] for name in self.settings.pairs}

    def bridge(self, pair_name: str) -> Bridge | None:
        """The pair's dictionary, opened on first use; None (with one warning line) when there is none."""
        if pair_name in self.bridges:
            return self.bridges[pair_name]
        pair = self.settings.pairs[pair_name]
        src, _, dst = pair_name.partition("-")
        path = next((Path(p) for p in pair.dictionary if Path(p).is_file()), None)
        bridge = None
        problem = "no dictionary found (looked for " + ", ".join(pair.dictionary) + ")"
        if path is not None:
            try:
                bridge = open_bridge(path, self.analyzers[src], self.analyzers[dst], pair.max_alternatives,
                                     pair.min_compound_part, _cache(), self._building)
            except DictionaryError as err:
                problem = str(err)
        if bridge is None:
            self.warn(f"compliance: warning: {pair_name} cross-language search on names and numbers only "
                      f"(finds ~1 in 5 translated articles, ~1 in 20 passages): {problem}; install it with "
                      f"`{pair.install}` or set [tool.compliance.dictionaries] {pair_name} = \"PATH\"")
        self.bridges[pair_name] = bridge
        return bridge

    def _building(self, path: Path) -> None:
        print(f"compliance: reading {path} into the dictionary cache (once per version of the file, ~20 s)",
              file=sys.stderr)

    def warn(self, line: str) -> None:
        if line not in self.warned:
            self.warned.add(line)
            print(line, file=sys.stderr)


def _cache() -> Path:
    """Where parsed dictionaries go: the rule cache directory, also when rule caching is off
    (``COMPLIANCE_NO_CACHE``), since parsing again on every run would cost ~20 s each time."""
    from compliance.ruleset import cache

    return (cache.cache_dir() or _default_cache()) / "xling"


def _default_cache() -> Path:
    explicit = os.environ.get("COMPLIANCE_CACHE_DIR")
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return Path(explicit) if explicit else base / "compliance"
