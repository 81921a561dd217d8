"""Which fix a policy finding gets: put, attach, update, delete or detach, by which side has the policy."""

from __future__ import annotations

from auditor.findings import remediation
from auditor.findings.model import Remediation
from auditor.findings.sides import Sides
from auditor.model.normalized import NormalizedPolicy, NormalizedRole


def missing_policy_fix(target: NormalizedRole, policy: NormalizedPolicy, expected: object, sides: Sides) -> Remediation:
    """Put the inline policy, or attach the managed one, on the target role."""
    if policy.type == "inline" and isinstance(expected, dict):
        return remediation.inline_put(target.name, policy.name, expected)
    document = expected if isinstance(expected, dict) else None
    return remediation.managed_attach(target.name, sides.target_name(policy.arn or policy.name), document)


def extra_policy_fix(target: NormalizedRole, policy: NormalizedPolicy) -> Remediation:
    """Delete the inline policy, or detach the managed one, from the target role."""
    if policy.type == "inline":
        return remediation.inline_delete(target.name, policy.name)
    return remediation.managed_detach(target.name, policy.arn or policy.name)


def counterpart(policy: NormalizedPolicy, role: NormalizedRole) -> NormalizedPolicy | None:
    """The policy of `role` with the same key (inline name or managed ARN), if it has one."""
    return (role.inline if policy.type == "inline" else role.managed).get(policy.key)


def policy_fix(
    target: NormalizedRole,
    baseline_policy: NormalizedPolicy | None,
    target_policy: NormalizedPolicy | None,
    sides: Sides,
) -> dict[str, object]:
    """Make the target's policy what the baseline's is; or add/remove it when one side lacks it."""
    expected = sides.for_target(baseline_policy.raw) if baseline_policy and baseline_policy.raw else None
    actual = target_policy.raw if target_policy else None
    if baseline_policy is None and target_policy is not None:
        return {"actual_document": actual, "remediation": extra_policy_fix(target, target_policy)}
    if baseline_policy is not None and target_policy is None:
        return {
            "expected_document": expected,
            "remediation": missing_policy_fix(target, baseline_policy, expected, sides),
        }
    if target_policy is None or not isinstance(expected, dict):
        return {"expected_document": expected, "actual_document": actual}
    if target_policy.type == "inline":
        fix = remediation.inline_put(target.name, target_policy.name, expected)
    else:
        fix = remediation.managed_update(target.name, target_policy.arn or target_policy.name, expected)
    return {"expected_document": expected, "actual_document": actual, "remediation": fix}


def absent(policy: NormalizedPolicy, role: NormalizedRole) -> bool:
    """True if `role` has no policy with this one's key."""
    return policy.key not in (role.inline if policy.type == "inline" else role.managed)
