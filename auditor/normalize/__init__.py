"""Canonical form: equal in meaning compares equal (case, order, string-vs-list, account IDs, env)."""

from auditor.normalize.account import normalize_account
from auditor.normalize.placeholders import AccountContext, env_segment_pattern
from auditor.normalize.policy import canonical_document

__all__ = ["AccountContext", "canonical_document", "env_segment_pattern", "normalize_account"]
