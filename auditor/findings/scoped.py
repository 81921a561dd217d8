"""Actions both sides grant on other resources or under other conditions: resource and condition drift,
widened, narrowed or either way; and which one-sided grants the other side already covers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from auditor.diff import PermissionDelta
from auditor.findings.conditions import Change, compare_conditions
from auditor.findings.make import make_finding, plural, policy_ref
from auditor.findings.model import Finding, FindingKind, Severity
from auditor.findings.policy_sides import absent, counterpart, policy_documents
from auditor.findings.provenance import Grants, condition_text, groups, written
from auditor.findings.severity import grant_severity, worst
from auditor.findings.sides import Sides
from auditor.grants import Grant, Permissions, Scope, covers
from auditor.model.normalized import NormalizedRole


@dataclass(frozen=True)
class Scoped:
    """Actions whose grants differ only in resources or only in conditions, between two policies."""

    kind: FindingKind
    effect: str
    actions: tuple[str, ...]
    before: Grants
    after: Grants


def uncovered(grants: Grants, other: Permissions) -> Grants:
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


def same_requests(change: Scoped, delta: PermissionDelta) -> bool:
    """True if the two sides allow the same requests after all: each side's grants are covered by the other's
    (prod `x*` and `x-1`, dev `x*` and `x-2`), or the conditions accept the same values written differently."""
    if change.kind == FindingKind.CONDITION_DRIFT and _condition_change(change) == Change.SAME:
        return True
    return not uncovered(change.before, delta.target) and not uncovered(change.after, delta.baseline)


def whole_policy_grants(other: NormalizedRole, grants: Grants, mine: Permissions) -> set[Grant]:
    """The one-sided grants of policies the other role lacks and whose every grant is one-sided: they stay
    together as one missing or extra policy, even where the other role grants some of their actions elsewhere."""
    by_policy: dict[str, list[Grant]] = defaultdict(list)
    for grant, sources in grants.items():
        by_policy[sources[0].policy.key].append(grant)
    whole: set[Grant] = set()
    for key, found in by_policy.items():
        policy = grants[found[0]][0].policy
        if absent(policy, other) and len(found) == mine.count_from(key):
            whole.update(found)
    return whole


def scoped(missing: Grants, extra: Grants, delta: PermissionDelta, whole: set[Grant] | None) -> list[Scoped]:
    """Group the grants of actions that both sides grant with the same effect, on other resources or under
    other conditions: such actions are not gained or lost. With `whole` None, only actions with grants on
    each side are paired; else actions with grants on one side, except those of `whole` policies."""
    lost: dict[tuple[str, str], Grants] = defaultdict(dict)
    gained: dict[tuple[str, str], Grants] = defaultdict(dict)
    for grant, sources in missing.items():
        lost[(grant.effect, grant.action)][grant] = sources
    for grant, sources in extra.items():
        gained[(grant.effect, grant.action)][grant] = sources
    if not (lost.keys() & gained.keys() if whole is None else lost or gained):
        return []  # nothing to pair: spare the per-scope indexes below
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
        Scoped(kind=signature[0], effect=signature[1], actions=tuple(actions), before=old, after=new)  # type: ignore[arg-type]
        for signature, (actions, old, new) in groups.items()
    ]


def _scopes(grants: Grants) -> frozenset[tuple[str, object]]:
    return frozenset((g.resource, g.conditions) for g in grants)


def _policy_keys(grants: Grants) -> frozenset[str]:
    return frozenset(sources[0].policy.key for sources in grants.values())


def scope_finding(base: NormalizedRole, target: NormalizedRole, change: Scoped, sides: Sides) -> Finding:
    """The resource or condition drift finding for one group of actions."""
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
        written_as=written([*change.before.values(), *change.after.values()], change.actions),
        grants=groups("baseline", change.before, sides) + groups("target", change.after, sides),
        **policy_documents(counterpart(policy, base), counterpart(policy, target), sides),
    )


def _scope_severity(change: Scoped) -> Severity:
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


def _condition_change(change: Scoped) -> Change:
    # One side only adds a grant to those both have: for an Allow, the target gains (or loses) requests.
    if not change.before:
        return Change.LOOSENED
    if not change.after:
        return Change.TIGHTENED
    return compare_conditions(
        {c for g in change.before for c in g.conditions}, {c for g in change.after for c in g.conditions}
    )


def _scope_lines(change: Scoped, sides: Sides) -> list[str]:
    lines = []
    for side, grants in (("baseline", change.before), ("target", change.after)):
        context = sides.context(side)
        if not grants:
            lines.append(f"{sides.name(side)}: no grant of these actions beyond those both have")
        for resource, conditions in sorted({(g.resource, g.conditions) for g in grants}, key=str):
            text = f"Resource {resource}" if change.kind == FindingKind.RESOURCE_DRIFT else condition_text(conditions)
            lines.append(f"{sides.name(side)}: {context.from_placeholders(text)}")
    return lines
