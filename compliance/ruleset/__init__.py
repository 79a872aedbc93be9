"""Rules as data: YAML packs in ``rules/`` validated by pydantic models, compiled for the engine."""

from compliance.ruleset.loader import builtin_rules_dir, load_ruleset
from compliance.ruleset.model import KINDS, Pack, Publisher, Rule, RuleSet

__all__ = ["KINDS", "Pack", "Publisher", "Rule", "RuleSet", "builtin_rules_dir", "load_ruleset"]
