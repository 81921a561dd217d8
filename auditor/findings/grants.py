"""A policy as grants (effect, action) -> scopes, and the difference between two such maps."""

from __future__ import annotations

from collections import defaultdict

from auditor.model.base import Frozen
from auditor.model.policy import Condition, PolicyDocument

Effect = str
ActionKey = str


class Scope(Frozen):
    """Where and when a grant applies: resources and conditions of the statement it came from."""

    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()

    def where(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The resource part alone, to tell a resource change from a condition change."""
        return (self.resources, self.not_resources)


class ScopeChange(Frozen):
    """Actions whose scope differs: same effect, same before and after scopes."""

    effect: Effect
    actions: tuple[ActionKey, ...]
    before: frozenset[Scope]
    after: frozenset[Scope]


class GrantDelta(Frozen):
    """What a target policy lacks, adds or scopes differently, compared with the baseline policy."""

    missing: dict[Effect, tuple[ActionKey, ...]]
    extra: dict[Effect, tuple[ActionKey, ...]]
    resource_changes: tuple[ScopeChange, ...]
    condition_changes: tuple[ScopeChange, ...]


def grants(document: PolicyDocument | None) -> dict[tuple[Effect, ActionKey], frozenset[Scope]]:
    """Each (effect, action key) with the set of scopes it is granted under."""
    found: dict[tuple[Effect, ActionKey], set[Scope]] = defaultdict(set)
    for statement in document.statements if document else ():
        scope = Scope(
            resources=statement.resources, not_resources=statement.not_resources, conditions=statement.conditions
        )
        for action in statement.action_keys:
            found[(statement.effect, action)].add(scope)
    return {key: frozenset(scopes) for key, scopes in found.items()}


def compare_grants(baseline: PolicyDocument | None, target: PolicyDocument | None) -> GrantDelta:
    """Grant-level difference of two documents (by action; a wildcard is one action key here)."""
    before, after = grants(baseline), grants(target)
    missing: dict[Effect, list[ActionKey]] = defaultdict(list)
    extra: dict[Effect, list[ActionKey]] = defaultdict(list)
    resource: dict[tuple[Effect, frozenset[Scope], frozenset[Scope]], list[ActionKey]] = defaultdict(list)
    condition: dict[tuple[Effect, frozenset[Scope], frozenset[Scope]], list[ActionKey]] = defaultdict(list)
    for effect, action in sorted(before.keys() | after.keys()):
        old, new = before.get((effect, action)), after.get((effect, action))
        if new is None:
            missing[effect].append(action)
        elif old is None:
            extra[effect].append(action)
        elif old != new:
            bucket = resource if {s.where() for s in old} != {s.where() for s in new} else condition
            bucket[(effect, old, new)].append(action)
    return GrantDelta(
        missing={effect: tuple(actions) for effect, actions in missing.items()},
        extra={effect: tuple(actions) for effect, actions in extra.items()},
        resource_changes=_changes(resource),
        condition_changes=_changes(condition),
    )


def _changes(
    grouped: dict[tuple[Effect, frozenset[Scope], frozenset[Scope]], list[ActionKey]],
) -> tuple[ScopeChange, ...]:
    return tuple(
        ScopeChange(effect=effect, actions=tuple(actions), before=old, after=new)
        for (effect, old, new), actions in grouped.items()
    )
