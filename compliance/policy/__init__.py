"""Policy: a source's notices -> permissions (YAML layers) -> one verdict per reused passage."""

from compliance.policy.permissions import Effective, SourceInfo, effective_permissions, license_family
from compliance.policy.verdicts import apply_policy, judge_match, judge_pasted_notices, summarize_source

__all__ = ["Effective", "SourceInfo", "apply_policy", "effective_permissions", "judge_match",
           "judge_pasted_notices", "license_family", "summarize_source"]
