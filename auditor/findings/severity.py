"""How dangerous granted actions are, from the IAM dataset's access levels."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.findings.model import Severity
from auditor.iamdb import primary_access_level

# Write-level actions that hand over identities; as dangerous as permissions management.
CRITICAL_ACTIONS = frozenset({"iam:passrole", "sts:assumerole"})
_BY_ACCESS_LEVEL = {
    "permissions management": Severity.CRITICAL,
    "write": Severity.HIGH,
    "read": Severity.MEDIUM,
    "list": Severity.MEDIUM,
    "tagging": Severity.LOW,
}


def grant_severity(actions: Iterable[str]) -> Severity:
    """The worst severity among granted actions (case-folded concrete actions or unknown patterns)."""
    return worst(action_severity(action) for action in actions)


def action_severity(action: str) -> Severity:
    """Permissions management, iam:PassRole and patterns nobody can expand are critical; then by access level."""
    action = action.casefold()
    if action in CRITICAL_ACTIONS or action == "*" or action.startswith("notaction:"):
        return Severity.CRITICAL
    level = primary_access_level(action).casefold()
    return _BY_ACCESS_LEVEL.get(level, Severity.MEDIUM)


def breaks_workload(actions: Iterable[str]) -> bool:
    """True if losing these actions stops writes or permission changes (not just reads)."""
    return any(action_severity(action).at_least(Severity.HIGH) for action in actions)


def worst(severities: Iterable[Severity], floor: Severity = Severity.INFO) -> Severity:
    """The most severe of `severities`, never below `floor`."""
    return max([floor, *severities], key=lambda severity: severity.rank)
