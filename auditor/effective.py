"""What a role can do: (effect, action, resource, condition) grants from all its identity policies.

Wildcards and NotAction are expanded with the IAM dataset, explicit unconditional Denies are
subtracted, and the permissions boundary is intersected. Each grant keeps its provenance: the
policy and statement it comes from. Unknown actions are kept verbatim, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache

from auditor.iamdb import all_actions, expand
from auditor.model.normalized import NormalizedPolicy, NormalizedRole
from auditor.model.policy import Condition, Origin, Statement

ANY_RESOURCE = "*"


@dataclass(frozen=True, slots=True)
class Grant:
    """One permission: an Allow (or a Deny that only partly restricts) on one action and resource."""

    effect: str
    action: str
    """Case-folded concrete action, or an unknown action pattern as written (case-folded)."""
    resource: str
    """Resource pattern with placeholders; `NotResource:a,b` for a NotResource statement."""
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Source:
    """Where a grant comes from: the policy, the statement (Sid or index) and its actions as written."""

    policy: NormalizedPolicy
    statement: str
    written: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Permissions:
    """A role's effective grants with their sources, and the unknown action patterns its policies use."""

    grants: dict[Grant, tuple[Source, ...]]
    unknown: dict[str, tuple[Source, ...]] = field(default_factory=dict)
    unbounded_reason: str | None = None
    """Why the permissions boundary could not be applied, if the role has one that could not be read."""


@dataclass(frozen=True, slots=True)
class _Rule:
    statement: Statement
    source: Source
    actions: frozenset[str]
    unknown: frozenset[str]


def effective_permissions(role: NormalizedRole) -> Permissions:
    """The role's effective identity-based permissions (inline + managed, minus Deny, within the boundary)."""
    rules = list(_rules([*role.inline.values(), *role.managed.values()]))
    grants = _allowed(rules)
    _subtract_denies(grants, [rule for rule in rules if rule.statement.effect == "Deny"])
    reason = None
    if role.boundary is not None:
        if role.boundary.document is None:
            reason = role.boundary.unreadable or "the boundary's document is not available"
        else:
            grants = _within_boundary(grants, list(_rules([role.boundary])))
    unknown: dict[str, tuple[Source, ...]] = {}
    for rule in rules:
        for pattern in rule.unknown:
            unknown[pattern] = (*unknown.get(pattern, ()), rule.source)
    return Permissions(grants=grants, unknown=unknown, unbounded_reason=reason)


def policy_grants(policy: NormalizedPolicy) -> frozenset[Grant]:
    """What one policy allows on its own (after its own Denies): to tell rewording from change."""
    rules = list(_rules([policy]))
    grants = _allowed(rules)
    _subtract_denies(grants, [rule for rule in rules if rule.statement.effect == "Deny"])
    return frozenset(grants)


def _rules(policies: Iterable[NormalizedPolicy]) -> Iterator[_Rule]:
    for policy in policies:
        if policy.document is None:
            continue
        origins = policy.document.origins or tuple(Origin((), ()) for _ in policy.document.statements)
        for statement, origin in zip(policy.document.statements, origins, strict=True):
            actions, unknown = statement_actions(statement)
            source = Source(policy=policy, statement=", ".join(origin.labels), written=origin.written)
            yield _Rule(statement=statement, source=source, actions=actions, unknown=unknown)


def statement_actions(statement: Statement) -> tuple[frozenset[str], frozenset[str]]:
    """(actions the statement covers, its unknown action patterns); NotAction covers all the others."""
    if statement.not_actions:
        excluded, unknown = _expand_patterns(statement.not_actions)
        return all_actions() - excluded, unknown
    known, unknown = _expand_patterns(statement.actions)
    return known | unknown, unknown


@cache
def _expand_patterns(patterns: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    known: set[str] = set()
    unknown: set[str] = set()
    for pattern in patterns:
        matched = expand(pattern)
        if matched:
            known |= matched
        else:
            unknown.add(pattern)
    return frozenset(known), frozenset(unknown)


def _resources(statement: Statement) -> tuple[str, ...]:
    if statement.not_resources:
        return ("NotResource:" + ",".join(statement.not_resources),)
    return statement.resources or (ANY_RESOURCE,)


def _allowed(rules: list[_Rule]) -> dict[Grant, tuple[Source, ...]]:
    grants: dict[Grant, tuple[Source, ...]] = {}
    for rule in rules:
        if rule.statement.effect != "Allow":
            continue
        for resource in _resources(rule.statement):
            for action in rule.actions:
                grant = Grant("Allow", action, resource, rule.statement.conditions)
                grants[grant] = (*grants.get(grant, ()), rule.source)
    return grants


def _subtract_denies(grants: dict[Grant, tuple[Source, ...]], denies: list[_Rule]) -> None:
    for rule in denies:
        resources = _resources(rule.statement)
        full = not rule.statement.conditions
        for grant in [g for g in grants if g.effect == "Allow" and g.action in rule.actions]:
            if full and any(covers(pattern, grant.resource) for pattern in resources):
                del grants[grant]
        # A Deny with conditions or on specific resources only restricts part of what is allowed:
        # it is kept as a grant of its own, so losing it shows as drift.
        if full and resources == (ANY_RESOURCE,):
            continue
        for resource in resources:
            for action in rule.actions:
                grant = Grant("Deny", action, resource, rule.statement.conditions)
                grants[grant] = (*grants.get(grant, ()), rule.source)


def _within_boundary(grants: dict[Grant, tuple[Source, ...]], boundary: list[_Rule]) -> dict[Grant, tuple[Source, ...]]:
    limits = _allowed(boundary)
    _subtract_denies(limits, [rule for rule in boundary if rule.statement.effect == "Deny"])
    by_action: dict[str, list[Grant]] = {}
    for limit in limits:
        if limit.effect == "Allow":
            by_action.setdefault(limit.action, []).append(limit)
    kept: dict[Grant, tuple[Source, ...]] = {}
    for grant, sources in grants.items():
        if grant.effect == "Deny":
            kept[grant] = sources
            continue
        for limit in by_action.get(grant.action, ()):
            narrowed = _intersect(grant, limit)
            if narrowed is not None:
                kept[narrowed] = (*kept.get(narrowed, ()), *sources)
    return kept


def _intersect(grant: Grant, limit: Grant) -> Grant | None:
    conditions = tuple(sorted(set(grant.conditions) | set(limit.conditions), key=_condition_order))
    if covers(limit.resource, grant.resource):
        return Grant("Allow", grant.action, grant.resource, conditions)
    if covers(grant.resource, limit.resource):
        return Grant("Allow", grant.action, limit.resource, conditions)
    return None


def covers(pattern: str, resource: str) -> bool:
    """True if every resource `resource` can name is also named by `pattern`."""
    if pattern in (ANY_RESOURCE, resource):
        return True
    if resource.startswith("NotResource:") or pattern.startswith("NotResource:"):
        return False
    return ("*" in pattern or "?" in pattern) and fnmatchcase(resource, pattern)


def _condition_order(condition: Condition) -> tuple[str, str, tuple[str, ...]]:
    return (condition.operator, condition.key, condition.values)
