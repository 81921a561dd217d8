"""One way to make a Finding: its actions spelled as the dataset does, explained and grouped per service, its
impact sentence, and its fingerprints (its identity across runs)."""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterable
from json.encoder import encode_basestring_ascii as quoted
from typing import Any

from auditor.findings.model import ActionExplanation, Finding, FindingKind, PolicyRef, ServiceGroup, Severity
from auditor.findings.sides import Sides
from auditor.iamdb import describe, display_name, primary_access_level, service_actions
from auditor.model.documents import conventional_order
from auditor.model.normalized import NormalizedPolicy

EXPLAIN_LIMIT = 60
"""Above this many actions a finding is summarized per service instead of explained action by action."""

_IMPACT = {
    FindingKind.ROLE_MISSING: "Workloads in {target} that expect this role cannot assume it.",
    FindingKind.ROLE_EXTRA: "A role {baseline} does not have widens what can act in {target}; confirm it is wanted.",
    FindingKind.POLICY_MISSING: "Calls that rely on these permissions fail with AccessDenied in {target}; "
    "behaviour differs from {baseline} in ways that are hard to trace.",
    FindingKind.POLICY_EXTRA: "{target} grants more than {baseline}: exposure that {baseline} does not carry.",
    FindingKind.PERMISSIONS_MISSING: "Calls that need these actions fail with AccessDenied in {target}.",
    FindingKind.PERMISSIONS_EXTRA: "{target} grants actions that {baseline} does not: exposure to review.",
    FindingKind.RESOURCE_DRIFT: "The same actions apply to different resources in {target}: "
    "either calls fail there or they reach more than intended.",
    FindingKind.CONDITION_DRIFT: "The same actions are allowed under different conditions in {target}.",
    FindingKind.TRUST_DRIFT: "Different principals can assume this role in {target} than in {baseline}.",
    FindingKind.BOUNDARY_DRIFT: "The permissions boundary caps what the role can do; "
    "a different boundary in {target} changes that cap.",
    FindingKind.UNREADABLE: "The auditor could not read this policy, so it cannot say whether it drifted.",
    FindingKind.RESTRUCTURED: "Nothing changes in what the role can do; the policies are only packaged differently.",
    FindingKind.UNKNOWN_ACTION: "IAM ignores actions it does not know: a typo grants nothing, "
    "and a new action is compared as written.",
}


def make_finding(
    kind: FindingKind, severity: Severity, sides: Sides, actions: Iterable[str] = (), **facts: Any
) -> Finding:
    """A finding with its actions spelled as the dataset does, explained, and summarized per service."""
    names = sorted({display_name(action) for action in actions}, key=str.casefold)
    for key in ("expected_document", "actual_document"):
        facts[key] = conventional_order(facts.get(key))
    fingerprint, units = fingerprints(sides, kind, names, facts)
    return Finding(
        fingerprint=fingerprint,
        units=units,
        kind=kind,
        severity=severity,
        actions=names,
        explanations=[_explained(name) for name in names] if len(names) <= EXPLAIN_LIMIT else [],
        services=service_groups(names),
        impact=impact(sides, kind),
        **facts,
    )


def _digest(identity: list[Any], length: int) -> str:
    return _hashed(json.dumps(identity), length)


def _hashed(text: str, length: int) -> str:
    # Interned: across the accounts of an organization the same role drifts the same way, and a role that grants
    # thousands of actions carries a fingerprint per action, kept until the run's reports are written.
    return sys.intern(hashlib.sha256(text.encode("utf-8")).hexdigest()[:length])


def unit_texts(head: list[str], actions: Iterable[str]) -> list[str]:
    """`json.dumps([*head, action])` for each action, character for character (fingerprints in kept histories
    depend on it), built from one quoted head: a finding may name thousands of actions."""
    opened = "[" + "".join(f"{quoted(part)}, " for part in head)
    return [f"{opened}{quoted(action)}]" for action in actions]


def service_groups(actions: list[str]) -> list[ServiceGroup]:
    """Per service: how many of its actions are concerned, out of how many, by access level."""
    return list(_service_groups(tuple(actions)))


@functools.lru_cache(maxsize=256)
def _service_groups(actions: tuple[str, ...]) -> tuple[ServiceGroup, ...]:
    # The same grants recur across an organization's accounts; their (immutable) groups are made once.
    by_service: dict[str, list[str]] = {}
    for action in actions:
        by_service.setdefault(action.partition(":")[0].casefold(), []).append(action)
    return tuple(
        ServiceGroup(
            service=service,
            count=len(items),
            total=len(service_actions(service)),
            access_levels=dict(Counter(primary_access_level(a) or "unknown" for a in items)),
        )
        for service, items in sorted(by_service.items())
    )


def policy_ref(policy: NormalizedPolicy) -> PolicyRef:
    """How a finding names a policy."""
    return PolicyRef(name=policy.name, type=policy.type, arn=policy.arn)


def plural(count: int, noun: str) -> str:
    """`1 action`, `8 actions`."""
    return f"{count} {noun}{'s' * (count != 1)}"


def _explained(action: str) -> ActionExplanation:
    info = describe(action)
    return ActionExplanation(
        action=info.action, known=info.known, description=info.description, access_level=info.access_level
    )


def fingerprints(sides: Sides, kind: FindingKind, actions: list[str], facts: dict[str, Any]) -> tuple[str, list[str]]:
    """A finding's identity across runs, and one per grant: kind, env-neutral role, policy, action."""
    base, target = facts.get("baseline_role"), facts.get("target_role")
    role = sides.base_context.to_placeholders(base) if base else sides.target_context.to_placeholders(target or "")
    policy = facts.get("policy")
    head = [kind.value, role, policy.name if policy else ""]
    whole = _digest([*head, [a.casefold() for a in actions], sorted(facts.get("details", []))], 20)
    units = [_hashed(text, 12) for text in unit_texts(head, (a.casefold() for a in actions))] or [whole]
    return whole, units


def impact(sides: Sides, kind: FindingKind) -> str:
    """The why-this-matters sentence for a kind, with the account names filled in."""
    return _IMPACT[kind].format(baseline=sides.baseline.name, target=sides.target.name)
