"""A role's grants as data: (effect, action, resource, conditions), gathered by scope with their sources, and
whether one grant covers another (IAM glob containment)."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.globs import contains
from auditor.model.normalized import NormalizedPolicy
from auditor.model.policy import Condition

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


Scope = tuple[str, str, tuple[Condition, ...]]
"""(effect, resource pattern, conditions): what the grants of one block share."""


@dataclass(slots=True)
class Block:
    """The actions a role is granted in one scope, and the statements (their actions, their source) they come from.

    A statement on N resources shares one action set across its N blocks, so the work and memory of a
    policy do not grow with actions x resources (`Action: "*"` on 300 resources is 300 small blocks).
    """

    actions: frozenset[str]
    pieces: list[tuple[frozenset[str], Source]]

    def sources(self, action: str) -> tuple[Source, ...]:
        """The sources that grant `action` in this scope, in the order their statements were written."""
        return tuple(source for actions, source in self.pieces if action in actions)

    def add(self, actions: frozenset[str], source: Source) -> None:
        """Add a statement's actions; the set is shared, not copied, while the block has only one."""
        self.actions = actions if not self.pieces else self.actions | actions
        self.pieces.append((actions, source))


@dataclass(frozen=True, slots=True)
class Permissions:
    """A role's effective grants, by scope, with their sources, and the unknown action patterns its policies use."""

    blocks: dict[Scope, Block]
    unknown: dict[str, tuple[Source, ...]] = field(default_factory=dict)
    unbounded_reason: str | None = None
    """Why the permissions boundary could not be applied, if the role has one that could not be read."""

    def allowed_actions(self) -> frozenset[str]:
        """Every action allowed somewhere, on some resource."""
        return self.actions_of("Allow")

    def actions_of(self, effect: str) -> frozenset[str]:
        """Every action with a grant of this effect, on some resource."""
        return frozenset().union(*(block.actions for (other, _, _), block in self.blocks.items() if other == effect))

    def actions_at(self) -> dict[tuple[str, str], frozenset[str]]:
        """(effect, resource pattern) -> the actions granted there under any conditions."""
        found: dict[tuple[str, str], frozenset[str]] = {}
        for (effect, resource, _), block in self.blocks.items():
            found[(effect, resource)] = found.get((effect, resource), frozenset()) | block.actions
        return found

    def count_from(self, policy_key: str) -> int:
        """How many grants (action and scope) have `policy_key` among their sources."""
        total = 0
        for block in self.blocks.values():
            from_policy = [actions for actions, source in block.pieces if source.policy.key == policy_key]
            if from_policy:
                total += len(block.actions & frozenset().union(*from_policy))
        return total

    def actions_covering(self, scope: Scope) -> frozenset[str]:
        """The actions these permissions grant, with the same effect, on every request `scope` describes.

        A grant covers another when its resource pattern names every resource the other's does and its
        conditions are among the other's (fewer conditions accept more requests).
        """
        effect, resource, conditions = scope
        wanted = set(conditions)
        found = [
            block.actions
            for (other_effect, other_resource, other_conditions), block in self.blocks.items()
            if other_effect == effect and wanted.issuperset(other_conditions) and covers(other_resource, resource)
        ]
        return frozenset().union(*found)

    def renamed(self, names: dict[str, str]) -> Permissions:
        """The same grants with some resource patterns written another way (`names`: old -> new)."""
        if not names:
            return self
        blocks: dict[Scope, Block] = {}
        for (effect, resource, conditions), block in self.blocks.items():
            scope = (effect, names.get(resource, resource), conditions)
            merged = blocks.get(scope)
            if merged is None:
                blocks[scope] = block
            else:
                blocks[scope] = Block(merged.actions | block.actions, [*merged.pieces, *block.pieces])
        return Permissions(blocks=blocks, unknown=self.unknown, unbounded_reason=self.unbounded_reason)

    def shape(self) -> dict[Scope, frozenset[str]]:
        """What the grants mean, without their sources: equal shapes allow the same requests."""
        return {scope: block.actions for scope, block in self.blocks.items() if block.actions}


def covers(pattern: str, resource: str) -> bool:
    """True if every resource `resource` can name is also named by `pattern` (IAM wildcards, case-sensitive)."""
    if pattern in (ANY_RESOURCE, resource):
        return True
    if resource.startswith("NotResource:") or pattern.startswith("NotResource:"):
        return False
    return contains(pattern, resource)
