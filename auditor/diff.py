"""Per role pair: equal? nothing to do. Otherwise deepdiff says which policies changed, and the
effective permissions of both roles say what the change means."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from auditor.effective import effective_permissions
from auditor.grants import Grant, Permissions, Source
from auditor.match import RolePair
from auditor.model.normalized import NormalizedPolicy, NormalizedRole
from auditor.normalize.placeholders import spelled

if TYPE_CHECKING:
    from deepdiff import DeepDiff

Section = Literal["inline", "managed", "trust", "boundary"]
_PERMISSION_SECTIONS = frozenset({"inline", "managed", "boundary"})


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """One policy that differs between the paired roles; a side is None where the policy is absent."""

    section: Section
    key: str
    baseline: NormalizedPolicy | None
    target: NormalizedPolicy | None


@dataclass(frozen=True, slots=True)
class PermissionDelta:
    """Grants only the baseline role has (`missing`) and only the target role has (`extra`)."""

    baseline: Permissions
    target: Permissions
    missing: dict[Grant, tuple[Source, ...]] = field(default_factory=dict)
    extra: dict[Grant, tuple[Source, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RoleDiff:
    """What differs between two paired roles: the policies, and the permissions they add up to."""

    changes: list[PolicyChange]
    permissions: PermissionDelta | None = None
    unbounded: bool = False
    """A side's permissions boundary could not be read: its grants are unknown, so none are compared."""


NO_DIFF = RoleDiff(changes=[])


def import_deepdiff() -> None:
    """Import deepdiff now rather than at the first pair that differs (45 ms or more): for a process with time
    to spare before its comparison, such as one waiting for a worker process's read."""
    import deepdiff  # noqa: F401


def diff_pair(pair: RolePair, envs: tuple[str, str] = ("", "")) -> RoleDiff:
    """The policies that differ between a matched pair and their effect; NO_DIFF for an unpaired role.

    `envs`: the env tokens of the baseline and target accounts, to compare resource names as written."""
    if pair.baseline is None or pair.target is None:
        return NO_DIFF
    if pair.baseline.signature == pair.target.signature:
        return NO_DIFF  # equal in meaning; nothing needs canonicalizing
    if pair.baseline.comparable() == pair.target.comparable():
        return NO_DIFF
    from deepdiff import DeepDiff  # 45 ms to import: a run where no pair differs does without

    ids: dict[Any, int] = {}
    delta = DeepDiff(_view(pair.baseline, ids), _view(pair.target, ids), view="tree")
    changes = [_change(pair.baseline, pair.target, section, key) for section, key in sorted(_touched(delta))]
    if not any(change.section in _PERMISSION_SECTIONS for change in changes):
        return RoleDiff(changes=changes)
    ours, theirs = effective_permissions(pair.baseline), effective_permissions(pair.target)
    if ours.unbounded_reason or theirs.unbounded_reason:
        # Grants computed without the boundary would overstate what the role can do: say nothing of them.
        return RoleDiff(changes=changes, unbounded=True)
    ours, theirs = same_spelling(ours, theirs, envs)
    return RoleDiff(changes=changes, permissions=compare_permissions(ours, theirs))


def same_spelling(baseline: Permissions, target: Permissions, envs: tuple[str, str]) -> tuple[Permissions, Permissions]:
    """Both sides' grants, with a resource pattern that reads letter for letter the same on both sides written
    the same: AWS-owned names hold env-like words (`*/prod/*/put-log-data`, `.../dev/sys/athena/*`) that
    placeholders turn into `${Env}` on one side only. A side that has its own environment's name too keeps it
    apart (dev's `orders-prod` next to its `orders-dev` is still dev reaching prod's queue)."""
    base_env, target_env = envs
    ours = {resource for (_, resource, _) in baseline.blocks}
    theirs = {resource for (_, resource, _) in target.blocks}
    only_ours, only_theirs = ours - theirs, theirs - ours
    if not (base_env and target_env and only_ours and only_theirs):
        return baseline, target
    by_spelling: dict[str, list[str]] = {}
    for resource in only_ours:
        by_spelling.setdefault(spelled(resource, base_env), []).append(resource)
    base_names: dict[str, str] = {}
    target_names: dict[str, str] = {}
    for resource in only_theirs:
        written = spelled(resource, target_env)
        found = by_spelling.get(written)
        if found is None or len(found) != 1:
            continue
        # Written out: each side then shows its own name as it reads in its own account.
        if found[0] != written:
            base_names[found[0]] = written
        if resource != written:
            target_names[resource] = written
    return baseline.renamed(base_names), target.renamed(target_names)


def compare_permissions(baseline: Permissions, target: Permissions) -> PermissionDelta:
    """Set difference of two roles' effective grants, each side keeping its sources.

    Compared scope by scope as action sets; only the grants that differ are spelled out one by one.
    """
    missing: dict[Grant, tuple[Source, ...]] = {}
    extra: dict[Grant, tuple[Source, ...]] = {}
    scopes = list(baseline.blocks) + [scope for scope in target.blocks if scope not in baseline.blocks]
    for scope in scopes:
        ours, theirs = baseline.blocks.get(scope), target.blocks.get(scope)
        have = ours.actions if ours else frozenset()
        other = theirs.actions if theirs else frozenset()
        if have is other or have == other:
            continue
        effect, resource, conditions = scope
        if ours is not None:
            missing.update((Grant(effect, a, resource, conditions), ours.sources(a)) for a in sorted(have - other))
        if theirs is not None:
            extra.update((Grant(effect, a, resource, conditions), theirs.sources(a)) for a in sorted(other - have))
    return PermissionDelta(baseline=baseline, target=target, missing=missing, extra=extra)


def _view(role: NormalizedRole, ids: dict[Any, int]) -> dict[tuple[Section, str], int | None]:
    # Each policy's meaning becomes a small integer (equal meanings, equal integers), so deepdiff never walks into
    # the documents; keyed by (section, key) in one flat mapping, it compares one level, not three (half the time).
    def ident(policy: NormalizedPolicy | None) -> int | None:
        return None if policy is None else ids.setdefault(policy.comparable(), len(ids))

    view: dict[tuple[Section, str], int | None] = {("inline", key): ident(p) for key, p in role.inline.items()}
    view.update({("managed", key): ident(policy) for key, policy in role.managed.items()})
    view[("trust", "trust")] = ident(role.trust)
    view[("boundary", "boundary")] = ident(role.boundary)
    return view


def _touched(delta: DeepDiff) -> set[tuple[Section, str]]:
    return {level.path(output_format="list")[0] for levels in delta.tree.values() for level in levels}


def _change(baseline: NormalizedRole, target: NormalizedRole, section: Section, key: str) -> PolicyChange:
    return PolicyChange(
        section=section, key=key, baseline=_part(baseline, section, key), target=_part(target, section, key)
    )


def _part(role: NormalizedRole, section: Section, key: str) -> NormalizedPolicy | None:
    if section == "inline":
        return role.inline.get(key)
    if section == "managed":
        return role.managed.get(key)
    return role.trust if section == "trust" else role.boundary
