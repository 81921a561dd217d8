"""How dangerous a set of granted actions is, from the action's shape and its IAM access level."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.findings.model import Severity
from auditor.iamdb import describe

CRITICAL_ACTIONS = frozenset({"*", "*:*", "iam:*", "iam:passrole", "sts:*", "organizations:*"})
_READ_PREFIXES = ("get", "list", "describe", "batchget", "view")
_BY_ACCESS_LEVEL = {
    "permissions management": Severity.CRITICAL,
    "write": Severity.HIGH,
    "read": Severity.MEDIUM,
    "list": Severity.MEDIUM,
    "tagging": Severity.LOW,
}


def grant_severity(actions: Iterable[str]) -> Severity:
    """The worst severity among actions granted (`*`, `iam:*`, `iam:PassRole` are critical)."""
    return worst(action_severity(action) for action in actions)


def action_severity(action: str) -> Severity:
    """Severity of granting one action key (case-folded, possibly a wildcard or a `NotAction:` key)."""
    action = action.casefold()
    if action in CRITICAL_ACTIONS or action.startswith("notaction:"):
        # Allow with NotAction grants everything not listed, including actions AWS adds later.
        return Severity.CRITICAL
    name = action.partition(":")[2]
    if name == "*":
        return Severity.HIGH
    if "*" in name or "?" in name:
        return Severity.MEDIUM if name.startswith(_READ_PREFIXES) else Severity.HIGH
    # The dataset lists the primary level first ("Tagging, Write", "Permissions management, Write").
    primary = describe(action).access_level.split(",")[0].strip().casefold()
    return _BY_ACCESS_LEVEL.get(primary, Severity.MEDIUM)


def worst(severities: Iterable[Severity], floor: Severity = Severity.INFO) -> Severity:
    """The most severe of `severities`, never below `floor`."""
    return max([floor, *severities], key=lambda severity: severity.rank)
