"""Which baseline role pairs with which target role, and by what rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from fnmatch import fnmatchcase

from auditor.config import RolesConfig
from auditor.errors import UsageError
from auditor.model.base import Frozen
from auditor.model.normalized import NormalizedAccount, NormalizedRole
from auditor.normalize.placeholders import ENV, env_segment_pattern

RULE_EXACT = "same name"
RULE_ENV = "same name after env token"


class RolePair(Frozen):
    """A baseline role and its counterpart; one side is None for an unpaired role."""

    baseline: NormalizedRole | None
    target: NormalizedRole | None
    rule: str | None = None


def in_scope(name: str, scope: RolesConfig) -> bool:
    """True if the role name passes the include and exclude globs."""
    included = any(fnmatchcase(name, glob) for glob in scope.include)
    return included and not any(fnmatchcase(name, glob) for glob in scope.exclude)


def role_key(name: str, env: str) -> str:
    """The name with the env token, as a whole segment, replaced: `app-role-prod` -> `app-role-${Env}`."""
    return env_segment_pattern(env).sub(ENV, name)


def match_roles(baseline: NormalizedAccount, target: NormalizedAccount, scope: RolesConfig) -> list[RolePair]:
    """Pair roles by env-neutral name; UsageError when one key names several roles in an account."""
    base = _index(baseline, scope)
    other = _index(target, scope)
    pairs = []
    for key in sorted(base.keys() | other.keys()):
        left, right = base.get(key), other.get(key)
        rule = None
        if left and right:
            rule = RULE_EXACT if left.name == right.name else RULE_ENV
        pairs.append(RolePair(baseline=left, target=right, rule=rule))
    return pairs


def _index(account: NormalizedAccount, scope: RolesConfig) -> dict[str, NormalizedRole]:
    by_key: dict[str, list[NormalizedRole]] = defaultdict(list)
    for role in _scoped(account.roles.values(), scope):
        by_key[role_key(role.name, account.env)].append(role)
    clashes = {key: roles for key, roles in by_key.items() if len(roles) > 1}
    if clashes:
        key, roles = next(iter(sorted(clashes.items())))
        names = ", ".join(sorted(role.name for role in roles))
        raise UsageError(
            f"account {account.name!r}: roles {names} all match {key!r} (env token {account.env!r}); "
            "exclude all but one with roles.exclude"
        )
    return {key: roles[0] for key, roles in by_key.items()}


def _scoped(roles: Iterable[NormalizedRole], scope: RolesConfig) -> Iterable[NormalizedRole]:
    return (role for role in roles if in_scope(role.name, scope))
