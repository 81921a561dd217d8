"""One pass over a role pair's findings: each gets the fix its facts call for (put, attach, update, delete or
detach a policy; set a boundary; update a trust policy; create or review a role; grant read access)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.findings.model import Finding, FindingKind, PolicyRef, Remediation
from auditor.findings.sides import Sides
from auditor.fixes import commands
from auditor.match import RolePair
from auditor.model.normalized import NormalizedPolicy, NormalizedRole

_POLICY_KINDS = frozenset(
    {
        FindingKind.POLICY_MISSING,
        FindingKind.POLICY_EXTRA,
        FindingKind.PERMISSIONS_MISSING,
        FindingKind.PERMISSIONS_EXTRA,
        FindingKind.RESOURCE_DRIFT,
        FindingKind.CONDITION_DRIFT,
    }
)


def with_fixes(findings: Iterable[Finding], pair: RolePair, sides: Sides) -> list[Finding]:
    """The findings of one role pair, each with its fix."""
    return [finding.model_copy(update={"remediation": fix(finding, pair, sides)}) for finding in findings]


def fix(finding: Finding, pair: RolePair, sides: Sides) -> Remediation:
    """The fix for one finding: what to run on the target so it matches the baseline; empty where none applies."""
    base, target, ref = pair.baseline, pair.target, finding.policy
    if finding.kind == FindingKind.ROLE_MISSING and base is not None:
        return commands.role_create(sides.target_role(base))
    if finding.kind == FindingKind.ROLE_EXTRA and target is not None:
        return commands.role_review(target.name)
    if finding.kind == FindingKind.UNREADABLE and ref is not None:
        return commands.grant_read_access(ref.arn or ref.name)
    if base is None or target is None:
        return Remediation()
    expected = finding.expected_document
    if finding.kind == FindingKind.BOUNDARY_DRIFT:
        wanted = sides.target_name(base.boundary.arn) if base.boundary and base.boundary.arn else None
        return commands.boundary_set(target.name, wanted, expected)
    if finding.kind == FindingKind.TRUST_DRIFT and finding.baseline_role is not None:
        return commands.trust_update(target.name, expected or {})
    if finding.kind in _POLICY_KINDS and ref is not None and ref.type in ("inline", "managed"):
        return _policy_fix(target, _find(ref, base, sides), _find(ref, target, sides), expected, sides)
    return Remediation()


def _policy_fix(
    target: NormalizedRole,
    baseline_policy: NormalizedPolicy | None,
    target_policy: NormalizedPolicy | None,
    expected: dict[str, Any] | None,
    sides: Sides,
) -> Remediation:
    """Make the target's policy what the baseline's is; or add or remove it where one side lacks it."""
    if baseline_policy is None and target_policy is not None:
        if target_policy.type == "inline":
            return commands.inline_delete(target.name, target_policy.name)
        return commands.managed_detach(target.name, target_policy.arn or target_policy.name)
    if baseline_policy is not None and target_policy is None:
        if baseline_policy.type == "inline" and expected is not None:
            return commands.inline_put(target.name, baseline_policy.name, expected)
        return commands.managed_attach(
            target.name, sides.target_name(baseline_policy.arn or baseline_policy.name), expected
        )
    if target_policy is None or expected is None:
        return Remediation()
    if target_policy.type == "inline":
        return commands.inline_put(target.name, target_policy.name, expected)
    return commands.managed_update(target.name, target_policy.arn or target_policy.name, expected)


def _find(ref: PolicyRef, role: NormalizedRole, sides: Sides) -> NormalizedPolicy | None:
    """The role's policy that a finding's policy reference names: by name inline, by ARN (written with either
    account's placeholders) managed."""
    if ref.type == "inline":
        return role.inline.get(ref.name)
    if ref.arn is None:
        return None
    keys = {sides.base_context.to_placeholders(ref.arn), sides.target_context.to_placeholders(ref.arn)}
    return next((policy for key, policy in role.managed.items() if key in keys), None)
