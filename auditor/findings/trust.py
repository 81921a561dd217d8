"""Trust policy drift: who may assume the role, compared principal by principal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from auditor.findings.conditions import Change, compare_conditions
from auditor.findings.make import make_finding
from auditor.findings.model import Finding, FindingKind, PolicyRef, Severity
from auditor.findings.sides import Sides
from auditor.model.normalized import NormalizedPolicy, NormalizedRole
from auditor.model.policy import Condition
from auditor.normalize.placeholders import ACCOUNT

# IAM shows a principal's unique ID in place of its ARN once the principal has been deleted.
_UNIQUE_ID = re.compile(r"^(AROA|AIDA|AGPA|AIPA|ANPA|ANVA|ASIA|AKIA)[A-Z0-9]{12,}$")
_ACCOUNT_IN_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")
TRUST = PolicyRef(name="trust policy", type="trust")


def trust_findings(base: NormalizedRole, target: NormalizedRole, sides: Sides) -> Iterator[Finding]:
    """Trust drift between two paired roles: principals added or removed, conditions loosened."""
    old, new = _principals(base.trust), _principals(target.trust)
    added, removed = sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys())
    expected = sides.for_target(base.trust.raw) if base.trust and base.trust.raw else None
    common: dict[str, Any] = {
        "baseline_role": base.name,
        "target_role": target.name,
        "policy": TRUST,
        "expected_document": expected,
        "actual_document": target.trust.raw if target.trust else None,
    }
    if added or removed:
        severities = [_added_severity(p) for p in added] + [Severity.HIGH] * bool(removed)
        show_new, show_old = sides.target_context.from_placeholders, sides.base_context.from_placeholders
        yield make_finding(
            FindingKind.TRUST_DRIFT,
            max(severities, key=lambda s: s.rank),
            sides,
            title=f"Trust policy of {target.name} trusts other principals than {sides.baseline.name}",
            message=f"{_summary(added, removed, sides)} in the trust policy of {target.name}.",
            details=[f"only in {sides.target.name}: {show_new(p)}" for p in added]
            + [f"only in {sides.baseline.name}: {show_old(p)}" for p in removed],
            **common,
        )
    shared = sorted(old.keys() & new.keys())
    direction = compare_conditions({c for p in shared for c in old[p]}, {c for p in shared for c in new[p]})
    if direction != Change.SAME:
        # Loosened: more may assume the role; tightened: principals that assume it today may be refused.
        severity = Severity.MEDIUM if direction == Change.CHANGED else Severity.HIGH
        yield make_finding(
            FindingKind.TRUST_DRIFT,
            severity,
            sides,
            title=f"Trust conditions of {target.name} are {direction.value} compared with {sides.baseline.name}",
            message=f"The same principals may assume {target.name}, under {direction.value} conditions.",
            **common,
        )


def deleted_principals(target: NormalizedRole, sides: Sides) -> Finding | None:
    """A trust policy naming a principal by unique ID (AROA...) trusts a principal that was deleted."""
    ids = sorted(p.split(":", 1)[1].split(" ", 1)[0] for p in _principals(target.trust) if _is_unique_id(p))
    if not ids:
        return None
    return make_finding(
        FindingKind.TRUST_DRIFT,
        Severity.HIGH,
        sides,
        baseline_role=None,
        target_role=target.name,
        policy=TRUST,
        title=f"Trust policy of {target.name} names a deleted principal",
        message=f"The trust policy of {target.name} names {', '.join(ids)}: IAM shows a unique ID like this "
        "when the trusted role or user was deleted, so nothing can use that trust now.",
        details=[f"unique ID: {unique}" for unique in ids],
        actual_document=target.trust.raw if target.trust else None,
    )


def _principals(policy: NormalizedPolicy | None) -> dict[str, frozenset[Condition]]:
    """`AWS:arn...` -> the conditions it is trusted under (Allow statements; Deny principals prefixed)."""
    found: dict[str, set[Condition]] = {}
    if policy is None or policy.document is None:
        return {}
    for statement in policy.document.statements:
        prefix = "" if statement.effect == "Allow" else "Deny "
        for principal in statement.principals:
            found.setdefault(f"{prefix}{principal.type}:{principal.value}", set()).update(statement.conditions)
    return {key: frozenset(value) for key, value in found.items()}


def _is_unique_id(principal: str) -> bool:
    return bool(_UNIQUE_ID.match(principal.partition(":")[2]))


def _added_severity(principal: str) -> Severity:
    kind, _, value = principal.partition(":")
    if principal.startswith("Deny "):
        return Severity.LOW
    if value == "*":
        return Severity.CRITICAL
    account = _ACCOUNT_IN_ARN.match(value)
    if kind == "AWS" and account and ACCOUNT not in value:
        return Severity.CRITICAL  # an account that is neither this one nor trusted in the baseline
    return Severity.HIGH


def _summary(added: list[str], removed: list[str], sides: Sides) -> str:
    parts = []
    if added:
        parts.append(f"{len(added)} principal{'s' * (len(added) != 1)} only in {sides.target.name}")
    if removed:
        parts.append(f"{len(removed)} only in {sides.baseline.name}")
    return " and ".join(parts).capitalize()
