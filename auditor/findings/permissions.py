"""Effective-permission differences of a role pair -> findings, each naming where its grants come from.

Grants are (effect, action, resource, conditions) after wildcard expansion. A grant the other side
covers is no drift; an action both sides grant, on other resources or under other conditions, is resource
or condition drift; an action only one side grants is missing or extra; and policies that differ without
changing any grant are "restructured".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from auditor.diff import PermissionDelta, RoleDiff
from auditor.findings.make import make_finding, plural, policy_ref
from auditor.findings.model import Finding, FindingKind, Severity
from auditor.findings.policy_sides import absent, counterpart, policy_documents
from auditor.findings.provenance import Grants, groups, written
from auditor.findings.scoped import same_requests, scope_finding, scoped, uncovered, whole_policy_grants
from auditor.findings.severity import breaks_workload, grant_severity, worst
from auditor.findings.sides import Sides
from auditor.model.normalized import NormalizedPolicy, NormalizedRole


def permission_findings(base: NormalizedRole, target: NormalizedRole, diff: RoleDiff, sides: Sides) -> list[Finding]:
    """Findings for what the two roles can do differently."""
    delta = diff.permissions
    if delta is None:
        return []
    unreadable = unknown_policies(base, target)
    missing = _without(delta.missing, unreadable)
    extra = _without(delta.extra, unreadable)
    # scoped() takes the grants it pairs (same action, other resources or conditions) out of missing and extra.
    changes = scoped(missing, extra, delta, None)
    # What is left on one side only is drift unless a grant of the other side already allows every request
    # it does (prod `orders-*` against dev's `orders-*` and `orders-jobs`).
    missing = uncovered(missing, delta.target)
    extra = uncovered(extra, delta.baseline)
    # A grant left on one side of an action the other side also grants elsewhere widens or narrows its scope.
    whole = whole_policy_grants(target, missing, delta.baseline) | whole_policy_grants(base, extra, delta.target)
    changes += scoped(missing, extra, delta, whole)
    found = [scope_finding(base, target, change, sides) for change in changes if not same_requests(change, delta)]
    found += list(_one_sided(base, target, "baseline", missing, delta, sides))
    found += list(_one_sided(base, target, "target", extra, delta, sides))
    return found


def unknown_policies(base: NormalizedRole, target: NormalizedRole) -> set[str]:
    """Keys of policies whose document one side lacks (unreadable, or not in a GAAD file): their grants are
    unknown there, so they count neither as missing nor as extra."""
    return {
        policy.key
        for role in (base, target)
        for policy in [*role.inline.values(), *role.managed.values()]
        if policy.document is None
    }


def _without(grants: Grants, unreadable: set[str]) -> Grants:
    return {g: s for g, s in grants.items() if not all(source.policy.key in unreadable for source in s)}


def _one_sided(
    base: NormalizedRole, target: NormalizedRole, side: str, grants: Grants, delta: PermissionDelta, sides: Sides
) -> Iterator[Finding]:
    by_policy: dict[tuple[str, str], Grants] = defaultdict(dict)
    for grant, sources in grants.items():
        by_policy[(grant.effect, sources[0].policy.key)][grant] = sources
    allowed: frozenset[str] | None = None  # computed only if a Deny differs
    for (effect, _), by_one in sorted(by_policy.items()):
        policy = next(iter(by_one.values()))[0].policy
        group = by_one
        if effect == "Deny":
            # A Deny changes the target's decisions only for actions the target allows; on the others the
            # difference is in explicit Deny alone, which matters only against resource-based policies.
            allowed = delta.target.allowed_actions() if allowed is None else allowed
            group = {grant: sources for grant, sources in by_one.items() if grant.action in allowed}
            if not group:
                yield _deny_only(base, target, side, policy, by_one, sides)
                continue
        other = target if side == "baseline" else base
        own = delta.baseline if side == "baseline" else delta.target
        whole = absent(policy, other) and len(group) == own.count_from(policy.key)
        yield _one_sided_finding(base, target, side, effect, policy, group, whole, sides)


def _deny_only(
    base: NormalizedRole, target: NormalizedRole, side: str, policy: NormalizedPolicy, group: Grants, sides: Sides
) -> Finding:
    actions = sorted({grant.action for grant in group})
    holder, other = sides.name(side), sides.name("target" if side == "baseline" else "baseline")
    paired = counterpart(policy, target if side == "baseline" else base)
    baseline_policy, target_policy = (policy, paired) if side == "baseline" else (paired, policy)
    return make_finding(
        FindingKind.PERMISSIONS_MISSING if side == "target" else FindingKind.PERMISSIONS_EXTRA,
        Severity.LOW,
        sides,
        actions=actions,
        baseline_role=base.name,
        target_role=target.name,
        policy=policy_ref(policy),
        title=f"Explicit Deny on {plural(len(actions), 'action')} only in {holder} "
        f"({policy.type} policy {policy.name})",
        message=f"{holder} denies {plural(len(actions), 'action')} through {policy.type} policy {policy.name}; "
        f"{other} does not. {target.name} is not allowed these actions by its own policies either way, so its "
        "decisions are the same; the explicit Deny matters only where a resource-based policy would allow them.",
        written_as=written(group.values(), actions),
        grants=groups(side, group, sides),
        **policy_documents(baseline_policy, target_policy, sides),
    )


def _one_sided_finding(
    base: NormalizedRole,
    target: NormalizedRole,
    side: str,
    effect: str,
    policy: NormalizedPolicy,
    group: Grants,
    whole: bool,
    sides: Sides,
) -> Finding:
    actions = sorted({g.action for g in group})
    lacks = side == "baseline"  # grants only the baseline has: the target lacks them
    holder, other = sides.name(side), sides.name("target" if lacks else "baseline")
    where = f"{policy.type} policy {policy.name}"
    common = {
        "baseline_role": base.name,
        "target_role": target.name,
        "policy": policy_ref(policy),
        "written_as": written(group.values(), actions),
        "grants": groups(side, group, sides),
    }
    count = plural(len(actions), "action")
    if whole and effect == "Allow":
        return _whole_policy(base, target, policy, lacks, actions, common, sides)
    if effect == "Allow":
        kind = FindingKind.PERMISSIONS_MISSING if lacks else FindingKind.PERMISSIONS_EXTRA
        severity = Severity.HIGH if lacks else grant_severity(actions)
        title = f"{count} {'missing from' if lacks else 'extra in'} {target.name} ({where} in {holder})"
        message = f"{holder} allows {count} through {where} that {other} does not allow."
    else:
        # A Deny only the baseline has lets the target allow more; a Deny only the target has takes away.
        kind = FindingKind.PERMISSIONS_EXTRA if lacks else FindingKind.PERMISSIONS_MISSING
        severity = worst([grant_severity(actions)], floor=Severity.HIGH) if lacks else Severity.MEDIUM
        title = f"Deny on {count} only in {holder} ({where})"
        message = f"{holder} denies {count} through {where}; {other} does not."
    paired = counterpart(policy, target if lacks else base)
    baseline_policy = policy if lacks else paired
    target_policy = paired if lacks else policy
    documents = policy_documents(baseline_policy, target_policy, sides)
    return make_finding(kind, severity, sides, actions=actions, title=title, message=message, **common, **documents)


def _whole_policy(
    base: NormalizedRole,
    target: NormalizedRole,
    policy: NormalizedPolicy,
    lacks: bool,
    actions: list[str],
    common: dict[str, object],
    sides: Sides,
) -> Finding:
    label = "Inline policy" if policy.type == "inline" else "Managed policy"
    count = f" ({plural(len(actions), 'action')})"
    if lacks:
        expected = sides.for_target(policy.raw) if policy.raw is not None else None
        return make_finding(
            FindingKind.POLICY_MISSING,
            Severity.CRITICAL if breaks_workload(actions) else Severity.HIGH,
            sides,
            actions=actions,
            title=f"{label} {policy.name} is missing on {target.name}",
            message=f"{sides.baseline.name}'s {base.name} has the {policy.type} policy {policy.name}{count}; "
            f"{sides.target.name}'s {target.name} does not.",
            expected_document=expected,
            **common,
        )
    return make_finding(
        FindingKind.POLICY_EXTRA,
        worst([grant_severity(actions)], floor=Severity.LOW),
        sides,
        actions=actions,
        title=f"{label} {policy.name} on {target.name} is not in {sides.baseline.name}",
        message=f"{sides.target.name}'s {target.name} has the {policy.type} policy {policy.name}{count}; "
        f"{sides.baseline.name}'s {base.name} does not.",
        actual_document=policy.raw,
        **common,
    )


def restructured(
    base: NormalizedRole, target: NormalizedRole, diff: RoleDiff, found: list[Finding], sides: Sides
) -> Finding | None:
    """One `info` finding for policies that changed without changing any grant (moved, split, reworded)."""
    explained = {finding.policy.name for finding in found if finding.policy}
    moved = [
        change
        for change in diff.changes
        if change.section != "trust"
        and not any(p is not None and p.name in explained for p in (change.baseline, change.target))
    ]
    if not moved:
        return None
    lines = []
    for change in moved:
        if change.baseline and change.target:
            lines.append(f"{change.section} policy {change.target.name}: written differently, same grants")
        elif change.baseline:
            lines.append(f"{change.section} policy {change.baseline.name}: only in {sides.baseline.name}")
        elif change.target:
            lines.append(f"{change.section} policy {change.target.name}: only in {sides.target.name}")
    return make_finding(
        FindingKind.RESTRUCTURED,
        Severity.INFO,
        sides,
        baseline_role=base.name,
        target_role=target.name,
        title=f"Policies of {target.name} are packaged differently, with the same permissions",
        message=f"{target.name}'s policies differ from {base.name}'s in how they are split or written; "
        "the effective permissions are the same.",
        details=lines,
    )
