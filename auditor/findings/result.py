"""The outcome of one comparison: the JSON report's contract (`schema_version` 1)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from auditor.findings.model import Finding, Severity, WaiverMark
from auditor.model.base import Frozen

RESULT_SCHEMA_VERSION = 2
"""report.json's shape: 2 is always the run object (`comparisons`, `unreadable`); 1 was the comparison object
alone for one target. Additions keep the number; a removed or changed field raises it (README)."""


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
    waived: int = 0
    """Findings covered by an unexpired waiver; not in the severity counts above."""

    def count(self, severity: Severity) -> int:
        """Findings of exactly this severity."""
        return int(getattr(self, severity.value))


class RolePairing(Frozen):
    """How one baseline role was paired, for the report's pairing table."""

    baseline_role: str | None
    target_role: str | None
    rule: str | None


class Stats(Frozen):
    """What a run cost: AWS API calls per operation."""

    api_calls: dict[str, int] = Field(default_factory=dict)


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
    stale_waivers: list[WaiverMark] = Field(default_factory=list)
    stats: Stats = Stats()
    previous_run: date | None = None
    """The date of the run this one was compared with (scheduled audits)."""
    previous_run_id: str | None = None
    """The id of the run this one was compared with: its folder in the history."""
    resolved: list[Finding] = Field(default_factory=list)
    """Findings of the previous run that are gone in this one."""
    warnings: list[str] = Field(default_factory=list)
    """What makes the comparison itself doubtful (no role pairs at all): shown first in every report."""

    def new_at_or_above(self, threshold: Severity) -> list[Finding]:
        """Unwaived findings at `threshold` or worse that the previous run did not have: --fail-on-new."""
        return [f for f in self.at_or_above(threshold) if f.is_new]

    def at_or_above(self, threshold: Severity) -> list[Finding]:
        """Unwaived findings at `threshold` or worse: what --fail-on counts."""
        return [f for f in self.findings if f.severity.at_least(threshold) and not f.waived]

    @property
    def worst(self) -> Finding | None:
        """The most urgent unwaived finding: the report's headline."""
        return min((f for f in self.findings if not f.waived), key=lambda f: f.urgency, default=None)


class UnreadableAccount(Frozen):
    """An account the run could not read: compared with nothing, never reported as "no drift"."""

    name: str
    reason: str
    fix: str = ""
    """The IAM statement (JSON) or setting that would let the auditor read it."""


class AuditRun(Frozen):
    """One baseline compared with one or more targets in one run: report.json, whatever the number of targets."""

    schema_version: int = RESULT_SCHEMA_VERSION
    baseline: AccountRef
    generated_at: datetime
    comparisons: list[AuditResult]
    unreadable: list[UnreadableAccount] = Field(default_factory=list)
    stale_waivers: list[WaiverMark] = Field(default_factory=list)
    stats: Stats = Stats()

    def at_or_above(self, threshold: Severity) -> list[Finding]:
        """Unwaived findings at `threshold` or worse, in every comparison."""
        return [finding for result in self.comparisons for finding in result.at_or_above(threshold)]

    def new_at_or_above(self, threshold: Severity) -> list[Finding]:
        """Unwaived new findings at `threshold` or worse, in every comparison."""
        return [finding for result in self.comparisons for finding in result.new_at_or_above(threshold)]
