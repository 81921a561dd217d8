"""Findings: kinds, severity, facts and remediation, built from role pairs and their changes."""

from auditor.findings.classify import Sides, classify
from auditor.findings.model import Finding, FindingKind, PolicyRef, Remediation, Severity
from auditor.findings.result import AccountRef, AuditResult, RolePairing, Summary

__all__ = [
    "AccountRef",
    "AuditResult",
    "Finding",
    "FindingKind",
    "PolicyRef",
    "Remediation",
    "RolePairing",
    "Severity",
    "Sides",
    "Summary",
    "classify",
]
