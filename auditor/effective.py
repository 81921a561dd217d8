"""What a role can do: (effect, action, resource, condition) grants from all its identity policies.

Wildcards and NotAction are expanded with the IAM dataset, explicit unconditional Denies are
subtracted, and the permissions boundary is intersected. Each grant keeps its provenance: the
policy and statement it comes from. Unknown actions are kept verbatim, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from auditor.grants import ANY_RESOURCE, Block, Permissions, Scope, Source, covers
from auditor.iamdb import actions_on, all_actions, expand
from auditor.model.normalized import NormalizedPolicy, NormalizedRole
from auditor.model.policy import Condition, Origin, Statement


@dataclass(frozen=True, slots=True)
class _Rule:
    statement: Statement
    source: Source
    actions: frozenset[str]
    unknown: frozenset[str]
    named: frozenset[str]
    """The actions written out by name, without a wildcard: granted as written, whatever the resource."""

    def acting_on(self, resource: str) -> frozenset[str]:
        """The statement's actions that can act on some resource the pattern names (see iamdb.actions_on).

        Only what a wildcard or NotAction brings in is left out; actions named one by one and unknown ones are kept,
        as the dataset may not know every resource an action accepts.
        """
        known = actions_on(resource)
        if known is None:
            return self.actions
        return (self.actions & known) | self.named | (self.actions & self.unknown)


def effective_permissions(role: NormalizedRole) -> Permissions:
    """The role's effective identity-based permissions (inline + managed, minus Deny, within the boundary)."""
    rules = list(_rules([*role.inline.values(), *role.managed.values()]))
    blocks = _allowed(rules)
    _subtract_denies(blocks, [rule for rule in rules if rule.statement.effect == "Deny"])
    reason = None
    if role.boundary is not None:
        if role.boundary.document is None:
            reason = role.boundary.unreadable or "the boundary's document is not available"
        else:
            blocks = _within_boundary(blocks, list(_rules([role.boundary])))
    unknown: dict[str, tuple[Source, ...]] = {}
    for rule in rules:
        for pattern in rule.unknown:
            unknown[pattern] = (*unknown.get(pattern, ()), rule.source)
    return Permissions(blocks=blocks, unknown=unknown, unbounded_reason=reason)


def policy_grants(policy: NormalizedPolicy) -> dict[Scope, frozenset[str]]:
    """What one policy allows on its own (after its own Denies): to tell rewording from change."""
    return _policy_permissions(policy).shape()


def allows_no_more(narrow: NormalizedPolicy, wide: NormalizedPolicy) -> bool:
    """True if every request `narrow` allows on its own, `wide` allows too (a boundary tightened, or the same)."""
    outer = _policy_permissions(wide)
    return all(actions <= outer.actions_covering(scope) for scope, actions in policy_grants(narrow).items())


def _policy_permissions(policy: NormalizedPolicy) -> Permissions:
    rules = list(_rules([policy]))
    blocks = _allowed(rules)
    _subtract_denies(blocks, [rule for rule in rules if rule.statement.effect == "Deny"])
    return Permissions(blocks=blocks)


def _rules(policies: Iterable[NormalizedPolicy]) -> Iterator[_Rule]:
    for policy in policies:
        if policy.document is None:
            continue
        origins = policy.document.origins or tuple(Origin((), ()) for _ in policy.document.statements)
        for statement, origin in zip(policy.document.statements, origins, strict=True):
            actions, unknown = statement_actions(statement)
            source = Source(policy=policy, statement=", ".join(origin.labels), written=origin.written)
            named = frozenset() if statement.not_actions else _named(statement.actions) & actions
            yield _Rule(statement=statement, source=source, actions=actions, unknown=unknown, named=named)


def statement_actions(statement: Statement) -> tuple[frozenset[str], frozenset[str]]:
    """(actions the statement covers, its unknown action patterns); NotAction covers all the others."""
    if statement.not_actions:
        excluded, unknown = _expand_patterns(statement.not_actions)
        return all_actions() - excluded, unknown
    known, unknown = _expand_patterns(statement.actions)
    return known | unknown, unknown


@cache
def _named(patterns: tuple[str, ...]) -> frozenset[str]:
    return frozenset(pattern.casefold() for pattern in patterns if "*" not in pattern and "?" not in pattern)


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


def _allowed(rules: list[_Rule]) -> dict[Scope, Block]:
    blocks: dict[Scope, Block] = {}
    for rule in rules:
        if rule.statement.effect != "Allow":
            continue
        for resource in _resources(rule.statement):
            scope = ("Allow", resource, rule.statement.conditions)
            block = blocks.get(scope)
            if block is None:
                block = blocks[scope] = Block(frozenset(), [])
            block.add(rule.acting_on(resource), rule.source)
    return blocks


def _subtract_denies(blocks: dict[Scope, Block], denies: list[_Rule]) -> None:
    for rule in denies:
        resources = _resources(rule.statement)
        full = not rule.statement.conditions
        if full:
            for (effect, resource, _), block in blocks.items():
                if effect == "Allow" and any(covers(pattern, resource) for pattern in resources):
                    block.actions = block.actions - rule.actions
        # A Deny with conditions or on specific resources only restricts part of what is allowed:
        # it is kept as a grant of its own, so losing it shows as drift.
        if full and resources == (ANY_RESOURCE,):
            continue
        for resource in resources:
            scope = ("Deny", resource, rule.statement.conditions)
            denied = blocks.get(scope)
            if denied is None:
                denied = blocks[scope] = Block(frozenset(), [])
            denied.add(rule.acting_on(resource), rule.source)


def _within_boundary(blocks: dict[Scope, Block], boundary: list[_Rule]) -> dict[Scope, Block]:
    limits = _allowed(boundary)
    _subtract_denies(limits, [rule for rule in boundary if rule.statement.effect == "Deny"])
    allowed_limits = [(scope, limit) for scope, limit in limits.items() if scope[0] == "Allow" and limit.actions]
    kept: dict[Scope, Block] = {}
    for scope, block in blocks.items():
        effect, resource, conditions = scope
        if effect == "Deny":
            kept[scope] = block
            continue
        for (_, limit_resource, limit_conditions), limit in allowed_limits:
            narrowed = _intersect(resource, limit_resource)
            if narrowed is None:
                continue
            actions = block.actions & limit.actions
            if not actions:
                continue
            both = tuple(sorted(set(conditions) | set(limit_conditions), key=_condition_order))
            target = kept.get(("Allow", narrowed, both))
            if target is None:
                target = kept[("Allow", narrowed, both)] = Block(frozenset(), [])
            target.actions = target.actions | actions
            target.pieces.extend((piece & actions, source) for piece, source in block.pieces)
    return kept


def _intersect(resource: str, limit: str) -> str | None:
    """The resource pattern both name: the narrower of the two, if one contains the other."""
    if covers(limit, resource):
        return resource
    if covers(resource, limit):
        return limit
    return None


def _condition_order(condition: Condition) -> tuple[str, str, tuple[str, ...]]:
    return (condition.operator, condition.key, condition.values)
