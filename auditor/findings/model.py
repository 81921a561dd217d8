"""Findings are data: kind, severity, the facts, the fix. Templates only lay them out."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from auditor.iamdb import ActionInfo
from auditor.model.base import Frozen


class Severity(StrEnum):
    """How bad a finding is; ordered from worst to least."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: critical 4 ... info 0."""
        return len(_ORDER) - 1 - _ORDER.index(self)

    def at_least(self, other: Severity) -> bool:
        """True if this severity is `other` or worse."""
        return self.rank >= other.rank


_ORDER = list(Severity)


class FindingKind(StrEnum):
    """Every kind of drift the tool reports. "missing": in baseline only; "extra": in target only."""

    ROLE_MISSING = "role_missing"
    ROLE_EXTRA = "role_extra"
    POLICY_MISSING = "policy_missing"
    POLICY_EXTRA = "policy_extra"
    PERMISSIONS_MISSING = "permissions_missing"
    PERMISSIONS_EXTRA = "permissions_extra"
    RESOURCE_DRIFT = "resource_drift"
    CONDITION_DRIFT = "condition_drift"
    TRUST_DRIFT = "trust_drift"
    BOUNDARY_DRIFT = "boundary_drift"
    UNREADABLE = "unreadable"


class PolicyRef(Frozen):
    """The policy a finding is about."""

    name: str
    type: Literal["inline", "managed", "trust", "boundary"]
    arn: str | None = None


class Remediation(Frozen):
    """How to check, fix and verify, as commands and templates ready to paste."""

    check: str = ""
    """Command that shows the drift in the target account."""
    aws_cli: str = ""
    cloudformation: str = ""
    verify: list[str] = Field(default_factory=list)
    """Commands to run after the fix, each with its expected output as a trailing comment."""


class Finding(Frozen):
    """One difference between a baseline role and its target counterpart."""

    kind: FindingKind
    severity: Severity
    baseline_role: str | None
    target_role: str | None
    policy: PolicyRef | None = None
    actions: list[str] = Field(default_factory=list)
    title: str
    message: str
    impact: str = ""
    """Why this matters, in one or two sentences."""
    expected_document: dict[str, Any] | None = None
    """The policy as it should be in the target (baseline's, with the target's account ID and env)."""
    actual_document: dict[str, Any] | None = None
    """The policy as it is in the target, where it exists."""
    details: list[str] = Field(default_factory=list)
    """Specific differences, one line each (resources, conditions, principals)."""
    explanations: list[ActionInfo] = Field(default_factory=list)
    remediation: Remediation = Remediation()

    @property
    def role(self) -> str:
        """The role name to show: the target's where it exists."""
        return self.target_role or self.baseline_role or ""
