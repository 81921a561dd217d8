"""Findings: kinds, severity, facts and remediation, built from role pairs and their changes."""

from auditor.findings.classify import classify
from auditor.findings.model import (
    Finding,
    FindingHistory,
    FindingKind,
    PolicyRef,
    Remediation,
    Severity,
    WaiverMark,
)
from auditor.findings.result import (
    AccountRef,
    AuditResult,
    AuditRun,
    RolePairing,
    Stats,
    Summary,
    UnreadableAccount,
)
from auditor.findings.sides import Sides

__all__ = [
    "AccountRef",
    "AuditResult",
    "AuditRun",
    "Finding",
    "FindingHistory",
    "FindingKind",
    "PolicyRef",
    "Remediation",
    "RolePairing",
    "Severity",
    "Sides",
    "Stats",
    "Summary",
    "UnreadableAccount",
    "WaiverMark",
    "classify",
]
