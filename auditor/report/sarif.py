"""report.sarif: SARIF 2.1.0 for GitHub code scanning; one rule per finding kind, one run per target."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from auditor.findings import AuditResult, AuditRun, Finding, FindingKind, Severity
from auditor.findings.model import KIND_PRIORITY

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_RULE_TEXT = {
    FindingKind.ROLE_MISSING: "A baseline role has no counterpart in the target account",
    FindingKind.ROLE_EXTRA: "A target role has no counterpart in the baseline account",
    FindingKind.POLICY_MISSING: "A policy of the baseline role is missing on the target role",
    FindingKind.POLICY_EXTRA: "The target role has a policy the baseline role does not",
    FindingKind.PERMISSIONS_MISSING: "The target role lacks permissions the baseline role has",
    FindingKind.PERMISSIONS_EXTRA: "The target role has permissions the baseline role does not",
    FindingKind.RESOURCE_DRIFT: "The same actions apply to different resources",
    FindingKind.CONDITION_DRIFT: "The same actions are allowed under different conditions",
    FindingKind.TRUST_DRIFT: "Different principals may assume the role",
    FindingKind.BOUNDARY_DRIFT: "The permissions boundary differs",
    FindingKind.UNREADABLE: "A policy could not be read",
    FindingKind.RESTRUCTURED: "Policies are packaged differently with the same permissions",
    FindingKind.UNKNOWN_ACTION: "An action unknown to the IAM dataset",
}


def render_sarif(run: AuditRun, location: str = "config.yaml") -> str:
    """SARIF with results located at `location` (the config or baseline file, relative to the repository)."""
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [_run(result, location) for result in run.comparisons]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _run(result: AuditResult, location: str) -> dict[str, Any]:
    return {
        "tool": {
            "driver": {"name": "iam-drift-auditor", "version": _version(), "rules": [_rule(k) for k in KIND_PRIORITY]}
        },
        "automationDetails": {"id": f"{result.baseline.name}-vs-{result.target.name}/"},
        "results": [_result(finding, result, location) for finding in result.findings if not finding.waived],
    }


def _rule(kind: FindingKind) -> dict[str, Any]:
    name = "".join(part.capitalize() for part in kind.value.split("_"))
    return {"id": kind.value, "name": name, "shortDescription": {"text": _RULE_TEXT[kind]}}


def _result(finding: Finding, result: AuditResult, location: str) -> dict[str, Any]:
    text = f"{finding.title}. {finding.message}"
    return {
        "ruleId": finding.kind.value,
        "ruleIndex": KIND_PRIORITY.index(finding.kind),
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": location}, "region": {"startLine": 1}}}],
        "partialFingerprints": {"iamDriftAuditor/v1": finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "baselineAccount": result.baseline.name,
            "targetAccount": result.target.name,
            "baselineRole": finding.baseline_role,
            "targetRole": finding.target_role,
            "policy": finding.policy.name if finding.policy else None,
            "actions": finding.actions[:100],
        },
    }


def _version() -> str:
    try:
        return version("iam-drift-auditor")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0+unknown"
