"""Findings are data: kind, severity, the facts, the fix. Templates only lay them out."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

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
    RESTRUCTURED = "restructured"
    """Policies differ in packaging (moved, split, merged, rewritten) but grant the same permissions."""
    UNKNOWN_ACTION = "unknown_action"
    """An action the IAM dataset does not know (new, or a typo); kept and compared verbatim."""


class PolicyRef(Frozen):
    """The policy a finding is about."""

    name: str
    type: Literal["inline", "managed", "trust", "boundary"]
    arn: str | None = None


# Within one severity, what breaks the target comes first, then what widens it, then the rest.
KIND_PRIORITY = [
    FindingKind.POLICY_MISSING,
    FindingKind.PERMISSIONS_MISSING,
    FindingKind.ROLE_MISSING,
    FindingKind.TRUST_DRIFT,
    FindingKind.PERMISSIONS_EXTRA,
    FindingKind.POLICY_EXTRA,
    FindingKind.ROLE_EXTRA,
    FindingKind.CONDITION_DRIFT,
    FindingKind.RESOURCE_DRIFT,
    FindingKind.BOUNDARY_DRIFT,
    FindingKind.UNREADABLE,
    FindingKind.UNKNOWN_ACTION,
    FindingKind.RESTRUCTURED,
]


class ActionExplanation(Frozen):
    """One action as the AWS Service Authorization Reference describes it (the report's own shape, whatever
    the dataset's)."""

    action: str
    known: bool
    description: str = ""
    access_level: str = ""


class GrantGroup(Frozen):
    """Grants that share a resource, conditions and source statement: the provenance of a finding."""

    side: Literal["baseline", "target"]
    """The account the grants are in (the side that has them)."""
    effect: Literal["Allow", "Deny"] = "Allow"
    actions: list[str]
    resource: str
    conditions: list[str] = Field(default_factory=list)
    policy: str
    policy_type: Literal["inline", "managed", "trust", "boundary"]
    statement: str = ""
    written_as: list[str] = Field(default_factory=list)


class ServiceGroup(Frozen):
    """How many of a service's actions a finding concerns (for wildcard-sized findings)."""

    service: str
    count: int
    total: int
    """How many actions the service has in the IAM dataset (0 if unknown)."""
    access_levels: dict[str, int] = Field(default_factory=dict)


class Remediation(Frozen):
    """How to check, fix and verify, as commands and templates ready to paste."""

    check: str = ""
    """Command that shows the drift in the target account."""
    aws_cli: str = ""
    cloudformation: str = ""
    terraform: str = ""
    verify: list[str] = Field(default_factory=list)
    """Commands to run after the fix, each with its expected output as a trailing comment."""


class WaiverMark(Frozen):
    """The waiver that covers a finding (or a stale waiver): entry number in the file, why, who, until when."""

    entry: int
    reason: str
    owner: str
    expires: date
    expired: bool


class FindingHistory(Frozen):
    """Where a finding stands against the previous run of the same audit."""

    status: Literal["new", "persisting"]
    """`new` if any of its grants (units) was not in the previous run."""
    first_seen: date
    """When the earliest of its grants was first reported."""
    new_actions: list[str] = Field(default_factory=list)
    """For a finding that grew: the actions the previous run did not report."""


class Finding(Frozen):
    """One difference between a baseline role and its target counterpart."""

    fingerprint: str = ""
    """Stable across runs: kind, env-neutral role, policy, actions and details; not titles or counts."""
    units: list[str] = Field(default_factory=list)
    """One fingerprint per grant (kind, role, policy, action), so history follows grants, not groupings."""
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
    written_as: list[str] = Field(default_factory=list)
    """The action patterns as written in the statements concerned (`dynamodb:*`)."""
    grants: list[GrantGroup] = Field(default_factory=list)
    services: list[ServiceGroup] = Field(default_factory=list)
    explanations: list[ActionExplanation] = Field(default_factory=list)
    """Each action with its description and access level (left empty above EXPLAIN_LIMIT actions)."""
    remediation: Remediation = Remediation()
    waiver: WaiverMark | None = None
    """Set when a waiver covers this finding; an expired waiver no longer waives it."""
    history: FindingHistory | None = None
    """Set by a scheduled audit that has a previous run to compare with."""

    @property
    def waived(self) -> bool:
        """True if an unexpired waiver covers this finding: it is shown but does not count."""
        return self.waiver is not None and not self.waiver.expired

    @property
    def is_new(self) -> bool:
        """True if a scheduled audit found it (or a grant of it) for the first time in this run."""
        return self.history is not None and self.history.status == "new"

    @property
    def urgency(self) -> tuple[int, int]:
        """Sort key, most urgent first: severity, then what breaks the target before what widens it."""
        return (-self.severity.rank, KIND_PRIORITY.index(self.kind))

    @property
    def role(self) -> str:
        """The role name to show: the target's where it exists."""
        return self.target_role or self.baseline_role or ""
