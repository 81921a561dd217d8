"""report.sarif: SARIF 2.1.0 for GitHub code scanning; one rule per finding kind, one run per target."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.config import Config
from auditor.findings import AuditResult, AuditRun, Finding, FindingKind, Severity
from auditor.findings.model import KIND_PRIORITY
from auditor.model.documents import indented
from auditor.sources.snapshot import RoleLines

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


SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.5",
}
"""GitHub code scanning's scale: 9.0 and above critical, 7.0 high, 4.0 medium, above 0 low."""
_WHY = {
    FindingKind.ROLE_MISSING: "Workloads that assume the role in the target fail, or run under another role.",
    FindingKind.ROLE_EXTRA: "A principal the baseline does not know can act in the target account.",
    FindingKind.POLICY_MISSING: "Requests the baseline allows are denied in the target.",
    FindingKind.POLICY_EXTRA: "The target grants what the baseline does not.",
    FindingKind.PERMISSIONS_MISSING: "Requests the baseline allows are denied in the target.",
    FindingKind.PERMISSIONS_EXTRA: "The target allows requests the baseline denies: wider access than intended.",
    FindingKind.RESOURCE_DRIFT: "The same actions reach other resources in the target than in the baseline.",
    FindingKind.CONDITION_DRIFT: "The same actions are allowed under looser or tighter conditions.",
    FindingKind.TRUST_DRIFT: "Other principals can assume the role: who may act as it differs.",
    FindingKind.BOUNDARY_DRIFT: "The ceiling on the role's permissions differs.",
    FindingKind.UNREADABLE: "Its grants are unknown, so they count neither as missing nor as extra.",
    FindingKind.RESTRUCTURED: "Nothing differs in what is allowed; the policies are packaged differently.",
    FindingKind.UNKNOWN_ACTION: "An action AWS may not have, or a typo that grants nothing.",
}
_AREA = {
    FindingKind.TRUST_DRIFT: "trust",
    FindingKind.BOUNDARY_DRIFT: "boundary",
    FindingKind.ROLE_MISSING: "roles",
    FindingKind.ROLE_EXTRA: "roles",
}


def render_sarif(run: AuditRun, location: str = "config.yaml", role_lines: Mapping[str, int] | None = None) -> str:
    """SARIF with results located at `location` (the config or baseline file, relative to the repository), on the
    baseline role's line when `role_lines` knows it."""
    lines = role_lines or {}
    runs = [_run(result, location, lines) for result in run.comparisons]
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": runs}
    return indented(document) + "\n"


def _run(result: AuditResult, location: str, lines: Mapping[str, int]) -> dict[str, Any]:
    shown = [finding for finding in result.findings if not finding.waived]
    # A rule per kind and severity found: code scanning takes the severity from the rule, not the result.
    rules = sorted({(f.kind, f.severity) for f in shown}, key=lambda r: (KIND_PRIORITY.index(r[0]), -r[1].rank))
    index = {rule: number for number, rule in enumerate(rules)}
    notes = [{"level": "warning", "message": {"text": warning}} for warning in result.warnings]
    return {
        "tool": {
            "driver": {
                "name": "iam-drift-auditor",
                "version": _version(),
                "rules": [_rule(kind, severity) for kind, severity in rules],
            }
        },
        "automationDetails": {"id": f"{result.baseline.name}-vs-{result.target.name}/"},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
        "results": [_result(f, result, location, lines, index[(f.kind, f.severity)]) for f in shown],
    }


def _rule_id(kind: FindingKind, severity: Severity) -> str:
    return f"{kind.value}/{severity.value}"


def _rule(kind: FindingKind, severity: Severity) -> dict[str, Any]:
    name = "".join(part.capitalize() for part in kind.value.split("_")) + severity.value.capitalize()
    help_text = (
        f"**{_RULE_TEXT[kind]}** ({severity.value}).\n\n{_WHY[kind]}\n\n"
        "Each result names the baseline and target roles and the policy. The Markdown and HTML reports of the "
        "same run show the expected and actual policy, the AWS CLI, CloudFormation and Terraform fix, and the "
        "commands that verify it."
    )
    return {
        "id": _rule_id(kind, severity),
        "name": name,
        "shortDescription": {"text": _RULE_TEXT[kind]},
        "fullDescription": {"text": f"{_RULE_TEXT[kind]}. {_WHY[kind]}"},
        "help": {"text": help_text.replace("**", ""), "markdown": help_text},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "precision": "high",
            "tags": ["security", "iam", "drift", _AREA.get(kind, "permissions")],
        },
    }


def _result(
    finding: Finding, result: AuditResult, location: str, lines: Mapping[str, int], rule_index: int
) -> dict[str, Any]:
    text = f"{finding.title}. {finding.message}"
    line = lines.get(finding.baseline_role or "", 1)
    return {
        "ruleId": _rule_id(finding.kind, finding.severity),
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": location}, "region": {"startLine": line}}}],
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
    from importlib.metadata import PackageNotFoundError, version  # only SARIF asks; 30 ms of start-up otherwise

    try:
        return version("iam-drift-auditor")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0+unknown"


def sarif_location(config_path: Path, config: Config, baseline: str) -> tuple[str, Mapping[str, int]]:
    """The file SARIF results point at (the baseline's snapshot, or the config), and each role's line in it."""
    snapshot = config.accounts[baseline].snapshot if baseline in config.accounts else None
    path = snapshot or config_path
    try:
        uri = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        uri = path.as_posix()
    return uri, RoleLines(snapshot) if snapshot else {}
