"""Cross-language settings from the rule packs' ``xling:`` sections (rules/xling/*.yaml) and the config.

Stop words, stemmers, dictionary paths and thresholds are domain knowledge and live in YAML; this module
only validates them into typed objects, so a bad user pack is one line naming the file's section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from compliance.errors import RuleError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Language(Strict):
    stopwords: frozenset[str] = frozenset()
    stemmer: str  # a snowballstemmer algorithm name


class Pair(Strict):
    dictionary: list[str] = Field(default_factory=list)
    install: str = ""
    max_alternatives: int = Field(8, ge=1)
    min_compound_part: int = Field(3, ge=2)


class Search(Strict):
    df_cap: int = Field(300, ge=1)
    window: int = Field(4, ge=1)
    window_step: int = Field(2, ge=1)
    candidates: int = Field(10, ge=0)
    window_candidates: int = Field(3, ge=0)
    min_sentence_similarity: float = Field(0.25, ge=0, le=1)
    max_gap: int = Field(2, ge=0)
    min_run_sentences: int = Field(2, ge=1)
    single_sentence_similarity: float = Field(0.7, ge=0, le=1)
    min_run_score: float = Field(0.8, ge=0)
    min_run_mean: float = Field(0.5, ge=0, le=1)
    edge_similarity: float = Field(0.35, ge=0, le=1)
    min_words: int = Field(12, ge=1)


class Settings(Strict):
    languages: dict[str, Language] = Field(default_factory=dict)
    pairs: dict[str, Pair] = Field(default_factory=dict)
    search: Search = Field(default_factory=Search)

    def pair_for(self, draft_lang: str) -> tuple[str, str, Pair] | None:
        """(draft language, source language, pair) of the first pair translating from ``draft_lang``."""
        for name, pair in self.pairs.items():
            src, _, dst = name.partition("-")
            if src == draft_lang and dst in self.languages:
                return src, dst, pair
        return None


def load_settings(raw: dict[str, Any], dictionaries: dict[str, str] | None = None,
                  root: str = ".") -> Settings:
    """Settings from the merged ``xling`` section; ``dictionaries`` (the config's, pair -> path) come first."""
    try:
        settings = Settings.model_validate(raw or {})
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise RuleError(f"xling.{where}: {first['msg']}", "rules (xling section)") from None
    if not dictionaries:
        return settings
    pairs = dict(settings.pairs)
    for key, path in dictionaries.items():
        name = key.replace("_", "-")
        full = str(Path(root) / path) if not Path(path).is_absolute() else path
        base = pairs.get(name) or Pair()
        pairs[name] = base.model_copy(update={"dictionary": [full]})
    return settings.model_copy(update={"pairs": pairs})
