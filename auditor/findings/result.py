"""The outcome of one comparison: the JSON report's contract (`schema_version` 1)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from auditor.findings.model import Finding, Severity
from auditor.model.base import Frozen

RESULT_SCHEMA_VERSION = 1


class AccountRef(Frozen):
    """An account as the report names it."""

    name: str
    account_id: str
    env: str
    source: str
    collected_at: datetime


class Summary(Frozen):
    """Counts for the report header and the CLI's summary line."""

    roles_compared: int
    roles_baseline: int
    roles_target: int
    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    info: int = 0

    def count(self, severity: Severity) -> int:
        """Findings of exactly this severity."""
        return int(getattr(self, severity.value))


class RolePairing(Frozen):
    """How one baseline role was paired, for the report's pairing table."""

    baseline_role: str | None
    target_role: str | None
    rule: str | None


class AuditResult(Frozen):
    """Everything a report shows; findings are sorted worst first, then by role."""

    schema_version: int = RESULT_SCHEMA_VERSION
    baseline: AccountRef
    target: AccountRef
    generated_at: datetime
    iam_dataset_version: str
    summary: Summary
    findings: list[Finding]
    pairs: list[RolePairing] = Field(default_factory=list)

    def at_or_above(self, threshold: Severity) -> list[Finding]:
        """Findings at `threshold` or worse."""
        return [finding for finding in self.findings if finding.severity.at_least(threshold)]

    @property
    def worst(self) -> Finding | None:
        """The most severe finding (the first, since findings are sorted)."""
        return self.findings[0] if self.findings else None
