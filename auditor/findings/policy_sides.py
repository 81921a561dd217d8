"""A policy finding's documents: which side has the policy, and how it should read in the target."""

from __future__ import annotations

from auditor.findings.sides import Sides
from auditor.model.normalized import NormalizedPolicy, NormalizedRole


def counterpart(policy: NormalizedPolicy, role: NormalizedRole) -> NormalizedPolicy | None:
    """The policy of `role` with the same key (inline name or managed ARN), if it has one."""
    return (role.inline if policy.type == "inline" else role.managed).get(policy.key)


def policy_documents(
    baseline_policy: NormalizedPolicy | None, target_policy: NormalizedPolicy | None, sides: Sides
) -> dict[str, object]:
    """The policy as it should be in the target (the baseline's, retargeted) and as it is, where each exists."""
    expected = sides.for_target(baseline_policy.raw) if baseline_policy and baseline_policy.raw else None
    actual = target_policy.raw if target_policy else None
    if baseline_policy is None:
        return {"actual_document": actual}
    if target_policy is None:
        return {"expected_document": expected}
    return {"expected_document": expected, "actual_document": actual}


def absent(policy: NormalizedPolicy, role: NormalizedRole) -> bool:
    """True if `role` has no policy with this one's key."""
    return policy.key not in (role.inline if policy.type == "inline" else role.managed)
