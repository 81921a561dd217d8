"""Effective-permission differences of a role pair -> findings, each naming where its grants come from.

Grants are (effect, action, resource, conditions) after wildcard expansion. A grant the other side
covers is no drift; an action both sides grant, on other resources or under other conditions, is resource
or condition drift; an action only one side grants is missing or extra; and policies that differ without
changing any grant are "restructured".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from auditor.diff import PermissionDelta, RoleDiff
from auditor.effective import Grant, Permissions, Scope, Source, covers
from auditor.findings import remediation
from auditor.findings.conditions import Change, compare_conditions
from auditor.findings.model import Finding, FindingKind, GrantGroup, Remediation, Severity
from auditor.findings.severity import breaks_workload, grant_severity, worst
from auditor.findings.sides import Sides, make_finding, plural, policy_ref
from auditor.iamdb import display_name, expand
from auditor.model.normalized import NormalizedPolicy, NormalizedRole
from auditor.model.policy import Condition

Grants = dict[Grant, tuple[Source, ...]]


@dataclass(frozen=True)
class _Scoped:
    """Actions whose grants differ only in resources or only in conditions, between two policies."""

    kind: FindingKind
    effect: str
    actions: tuple[str, ...]
    before: Grants
    after: Grants


def permission_findings(base: NormalizedRole, target: NormalizedRole, diff: RoleDiff, sides: Sides) -> list[Finding]:
    """Findings for what the two roles can do differently."""
    delta = diff.permissions
    if delta is None:
        return []
    unreadable = unknown_policies(base, target)
    missing = _without(delta.missing, unreadable)
    extra = _without(delta.extra, unreadable)
    # _scoped takes the grants it pairs (same action, other resources or conditions) out of missing and extra.
    scoped = _scoped(missing, extra, delta, None)
    # What is left on one side only is drift unless a grant of the other side already allows every request
    # it does (prod `orders-*` against dev's `orders-*` and `orders-jobs`).
    missing = _uncovered(missing, delta.target)
    extra = _uncovered(extra, delta.baseline)
    # A grant left on one side of an action the other side also grants elsewhere widens or narrows its scope.
    whole = _whole_policy_grants(target, missing, delta.baseline) | _whole_policy_grants(base, extra, delta.target)
    scoped = [change for change in scoped + _scoped(missing, extra, delta, whole) if not _same_requests(change, delta)]
    found = [_scope_finding(base, target, change, sides) for change in scoped]
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


def _uncovered(grants: Grants, other: Permissions) -> Grants:
    """The grants `other` does not cover (see Permissions.actions_covering), each scope looked up once."""
    covering: dict[Scope, frozenset[str]] = {}
    kept: Grants = {}
    for grant, sources in grants.items():
        scope = (grant.effect, grant.resource, grant.conditions)
        if scope not in covering:
            covering[scope] = other.actions_covering(scope)
        if grant.action not in covering[scope]:
            kept[grant] = sources
    return kept


def _same_requests(change: _Scoped, delta: PermissionDelta) -> bool:
    # Other resources or conditions on each side, yet each side's grants are covered by the other's (prod
    # `x*` and `x-1`, dev `x*` and `x-2`), or the conditions accept the same values written differently.
    if change.kind == FindingKind.CONDITION_DRIFT and _condition_change(change) == Change.SAME:
        return True
    return not _uncovered(change.before, delta.target) and not _uncovered(change.after, delta.baseline)


def _without(grants: Grants, unreadable: set[str]) -> Grants:
    return {g: s for g, s in grants.items() if not all(source.policy.key in unreadable for source in s)}


def _whole_policy_grants(other: NormalizedRole, grants: Grants, mine: Permissions) -> set[Grant]:
    """The one-sided grants of policies the other role lacks and whose every grant is one-sided: they stay
    together as one missing or extra policy, even where the other role grants some of their actions elsewhere."""
    by_policy: dict[str, list[Grant]] = defaultdict(list)
    for grant, sources in grants.items():
        by_policy[sources[0].policy.key].append(grant)
    whole: set[Grant] = set()
    for key, found in by_policy.items():
        policy = grants[found[0]][0].policy
        if _absent(policy, other) and len(found) == mine.count_from(key):
            whole.update(found)
    return whole


def _scoped(missing: Grants, extra: Grants, delta: PermissionDelta, whole: set[Grant] | None) -> list[_Scoped]:
    """Group the grants of actions that both sides grant with the same effect, on other resources or under
    other conditions: such actions are not gained or lost. With `whole` None, only actions with grants on
    each side are paired; else actions with grants on one side, except those of `whole` policies."""
    lost: dict[tuple[str, str], Grants] = defaultdict(dict)
    gained: dict[tuple[str, str], Grants] = defaultdict(dict)
    for grant, sources in missing.items():
        lost[(grant.effect, grant.action)][grant] = sources
    for grant, sources in extra.items():
        gained[(grant.effect, grant.action)][grant] = sources
    granted = {
        effect: delta.baseline.actions_of(effect) & delta.target.actions_of(effect)
        if whole is not None
        else frozenset()
        for effect in ("Allow", "Deny")
    }
    base_at, target_at = delta.baseline.actions_at(), delta.target.actions_at()
    groups: dict[tuple[object, ...], tuple[list[str], Grants, Grants]] = {}
    for key in sorted(lost.keys() | gained.keys()):
        before, after = lost.get(key, {}), gained.get(key, {})
        if (whole is None) != bool(before and after):
            continue
        if whole is not None and (key[1] not in granted[key[0]] or not whole.isdisjoint(before or after)):
            continue
        # Condition drift when every such grant names a resource the other side grants the action on too.
        same_resources = all(key[1] in target_at.get((g.effect, g.resource), ()) for g in before) and all(
            key[1] in base_at.get((g.effect, g.resource), ()) for g in after
        )
        kind = FindingKind.CONDITION_DRIFT if same_resources else FindingKind.RESOURCE_DRIFT
        signature = (kind, key[0], _scopes(before), _scopes(after), _policy_keys(before), _policy_keys(after))
        actions, old, new = groups.setdefault(signature, ([], {}, {}))
        actions.append(key[1])
        old.update(before)
        new.update(after)
        for grant in before:
            del missing[grant]
        for grant in after:
            del extra[grant]
    return [
        _Scoped(kind=signature[0], effect=signature[1], actions=tuple(actions), before=old, after=new)  # type: ignore[arg-type]
        for signature, (actions, old, new) in groups.items()
    ]


def _scopes(grants: Grants) -> frozenset[tuple[str, object]]:
    return frozenset((g.resource, g.conditions) for g in grants)


def _policy_keys(grants: Grants) -> frozenset[str]:
    return frozenset(sources[0].policy.key for sources in grants.values())


def _scope_finding(base: NormalizedRole, target: NormalizedRole, change: _Scoped, sides: Sides) -> Finding:
    # The policy whose grants changed, on the target side where it has one: the fix makes it the baseline's.
    policy = next(iter((change.after or change.before).values()))[0].policy
    where = f"{policy.type} policy {policy.name} on {target.name}"
    noun = "resources" if change.kind == FindingKind.RESOURCE_DRIFT else "conditions"
    undecided = change.kind == FindingKind.CONDITION_DRIFT and _condition_change(change) == Change.CHANGED
    # Neither side's conditions clearly contain the other's: say so, at the severity of the wider direction.
    verdict = " The requests they allow may differ either way." if undecided else ""
    return make_finding(
        change.kind,
        _scope_severity(change),
        sides,
        actions=change.actions,
        baseline_role=base.name,
        target_role=target.name,
        policy=policy_ref(policy),
        title=f"{change.effect} on {plural(len(change.actions), 'action')} has different {noun} in {where}",
        message=f"{sides.baseline.name} and {sides.target.name} both {change.effect.lower()} "
        f"{plural(len(change.actions), 'action')} in {where}, with different {noun}.{verdict}",
        details=_scope_lines(change, sides),
        written_as=_written([*change.before.values(), *change.after.values()], change.actions),
        grants=_groups("baseline", change.before, sides) + _groups("target", change.after, sides),
        **_fix(target, _counterpart(policy, base), _counterpart(policy, target), sides),
    )


def _scope_severity(change: _Scoped) -> Severity:
    allow = change.effect == "Allow"
    extra_severity = grant_severity(change.actions)
    if change.kind == FindingKind.RESOURCE_DRIFT:
        before = {g.resource for g in change.before}
        after = {g.resource for g in change.after}
        wider = all(any(covers(a, b) for a in after) for b in before)
        narrower = all(any(covers(b, a) for b in before) for a in after)
        if wider and not narrower:
            return extra_severity if allow else Severity.HIGH
        if narrower and not wider:
            return Severity.HIGH if allow else extra_severity
        return worst([extra_severity], floor=Severity.HIGH)
    direction = _condition_change(change)
    if not allow:
        direction = {Change.LOOSENED: Change.TIGHTENED, Change.TIGHTENED: Change.LOOSENED}.get(direction, direction)
    # Tightened: the target no longer allows some requests the baseline allows, as with a narrowed resource.
    return Severity.HIGH if direction == Change.TIGHTENED else extra_severity


def _condition_change(change: _Scoped) -> Change:
    # One side only adds a grant to those both have: for an Allow, the target gains (or loses) requests.
    if not change.before:
        return Change.LOOSENED
    if not change.after:
        return Change.TIGHTENED
    return compare_conditions(
        {c for g in change.before for c in g.conditions}, {c for g in change.after for c in g.conditions}
    )


def _scope_lines(change: _Scoped, sides: Sides) -> list[str]:
    lines = []
    for side, grants in (("baseline", change.before), ("target", change.after)):
        context = sides.context(side)
        if not grants:
            lines.append(f"{sides.name(side)}: no grant of these actions beyond those both have")
        for resource, conditions in sorted({(g.resource, g.conditions) for g in grants}, key=str):
            text = f"Resource {resource}" if change.kind == FindingKind.RESOURCE_DRIFT else _condition_text(conditions)
            lines.append(f"{sides.name(side)}: {context.from_placeholders(text)}")
    return lines


def _one_sided(
    base: NormalizedRole, target: NormalizedRole, side: str, grants: Grants, delta: PermissionDelta, sides: Sides
) -> Iterator[Finding]:
    by_policy: dict[tuple[str, str], Grants] = defaultdict(dict)
    for grant, sources in grants.items():
        by_policy[(grant.effect, sources[0].policy.key)][grant] = sources
    allowed: frozenset[str] | None = None  # computed only if a Deny differs
    for (effect, _), written in sorted(by_policy.items()):
        policy = next(iter(written.values()))[0].policy
        group = written
        if effect == "Deny":
            # A Deny changes the target's decisions only for actions the target allows; on the others the
            # difference is in explicit Deny alone, which matters only against resource-based policies.
            allowed = delta.target.allowed_actions() if allowed is None else allowed
            group = {grant: sources for grant, sources in written.items() if grant.action in allowed}
            if not group:
                yield _deny_only(base, target, side, policy, written, sides)
                continue
        other = target if side == "baseline" else base
        own = delta.baseline if side == "baseline" else delta.target
        whole = _absent(policy, other) and len(group) == own.count_from(policy.key)
        yield _one_sided_finding(base, target, side, effect, policy, group, whole, sides)


def _deny_only(
    base: NormalizedRole, target: NormalizedRole, side: str, policy: NormalizedPolicy, group: Grants, sides: Sides
) -> Finding:
    actions = sorted({grant.action for grant in group})
    holder, other = sides.name(side), sides.name("target" if side == "baseline" else "baseline")
    counterpart = _counterpart(policy, target if side == "baseline" else base)
    baseline_policy, target_policy = (policy, counterpart) if side == "baseline" else (counterpart, policy)
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
        written_as=_written(group.values(), actions),
        grants=_groups(side, group, sides),
        **_fix(target, baseline_policy, target_policy, sides),
    )


def _absent(policy: NormalizedPolicy, role: NormalizedRole) -> bool:
    return policy.key not in (role.inline if policy.type == "inline" else role.managed)


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
        "written_as": _written(group.values(), actions),
        "grants": _groups(side, group, sides),
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
    counterpart = _counterpart(policy, target if lacks else base)
    baseline_policy = policy if lacks else counterpart
    target_policy = counterpart if lacks else policy
    fix = _fix(target, baseline_policy, target_policy, sides)
    return make_finding(kind, severity, sides, actions=actions, title=title, message=message, **common, **fix)


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
            remediation=missing_policy_fix(target, policy, expected, sides),
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
        remediation=extra_policy_fix(target, policy),
        **common,
    )


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


def _counterpart(policy: NormalizedPolicy, role: NormalizedRole) -> NormalizedPolicy | None:
    return (role.inline if policy.type == "inline" else role.managed).get(policy.key)


def _fix(
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


def _groups(side: str, grants: Grants, sides: Sides) -> list[GrantGroup]:
    """Provenance rows: grants sharing effect, resource, conditions and source statement, together."""
    context = sides.context(side)
    grouped: dict[tuple[str, str, tuple[Condition, ...], Source], list[str]] = defaultdict(list)
    for grant, sources in grants.items():
        grouped[(grant.effect, grant.resource, grant.conditions, sources[0])].append(grant.action)
    groups = [
        GrantGroup(
            side="baseline" if side == "baseline" else "target",
            effect="Deny" if effect == "Deny" else "Allow",
            actions=sorted((display_name(action) for action in actions), key=str.casefold),
            resource=context.from_placeholders(resource),
            conditions=[context.from_placeholders(_condition_text((condition,))) for condition in conditions],
            policy=source.policy.name,
            policy_type=source.policy.type,
            statement=source.statement,
            written_as=_written([(source,)], actions),
        )
        for (effect, resource, conditions, source), actions in grouped.items()
    ]
    return sorted(groups, key=lambda g: (g.side, g.policy, g.statement, g.resource, g.conditions))


def _written(source_lists: Iterable[tuple[Source, ...]], actions: Iterable[str]) -> list[str]:
    """The patterns, as written in the source statements, that produced these actions."""
    concerned = set(actions)
    patterns = {pattern for sources in source_lists for source in sources for pattern in source.written}
    return sorted((p for p in patterns if _produces(p, concerned)), key=str.casefold)


def _produces(pattern: str, actions: set[str]) -> bool:
    if pattern.startswith("NotAction "):
        return True
    return pattern.casefold() in actions or not expand(pattern).isdisjoint(actions)


def _condition_text(conditions: Iterable[Condition]) -> str:
    tests = [f"{c.operator} {c.key} = {', '.join(c.values)}" for c in conditions]
    return "; ".join(tests) or "no Condition"
