"""Where grants come from: provenance rows per statement, the patterns as written, conditions as text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from auditor.findings.model import GrantGroup
from auditor.findings.sides import Sides
from auditor.grants import Grant, Source
from auditor.iamdb import display_name, expand
from auditor.model.policy import Condition

Grants = dict[Grant, tuple[Source, ...]]


def groups(side: str, grants: Grants, sides: Sides) -> list[GrantGroup]:
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
            conditions=[context.from_placeholders(condition_text((condition,))) for condition in conditions],
            policy=source.policy.name,
            policy_type=source.policy.type,
            statement=source.statement,
            written_as=written([(source,)], actions),
        )
        for (effect, resource, conditions, source), actions in grouped.items()
    ]
    return sorted(groups, key=lambda g: (g.side, g.policy, g.statement, g.resource, g.conditions))


def written(source_lists: Iterable[tuple[Source, ...]], actions: Iterable[str]) -> list[str]:
    """The patterns, as written in the source statements, that produced these actions."""
    concerned = set(actions)
    patterns = {pattern for sources in source_lists for source in sources for pattern in source.written}
    return sorted((p for p in patterns if _produces(p, concerned)), key=str.casefold)


def _produces(pattern: str, actions: set[str]) -> bool:
    if pattern.startswith("NotAction "):
        return True
    return pattern.casefold() in actions or not expand(pattern).isdisjoint(actions)


def condition_text(conditions: Iterable[Condition]) -> str:
    """Conditions as one readable line (`no Condition` when there are none)."""
    tests = [f"{c.operator} {c.key} = {', '.join(c.values)}" for c in conditions]
    return "; ".join(tests) or "no Condition"
