"""Which baseline role pairs with which target role, and by which rule.

Rules run in order, each on the roles still unpaired: the explicit `roles.map`; the same name once
env tokens (whole segments) are set aside, service-linked roles by their exact name; CloudFormation
and CDK generated names by stack (env token set aside) and logical ID; IAM Identity Center roles by
permission set; then the configured tag keys. A key that names several roles on one side is an
error, never a guess.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from auditor.config import RolesConfig
from auditor.errors import UsageError
from auditor.model.normalized import NormalizedAccount, NormalizedRole
from auditor.normalize.placeholders import ENV, env_segment_pattern, escape_literal

RULE_MAP = "roles.map"
RULE_EXACT = "same name"
RULE_ENV = "same name after env token"
RULE_SERVICE = "service-linked role, same name"
RULE_STACK = "CloudFormation/CDK stack and logical ID"
RULE_SSO = "SSO permission set"
RULE_TAGS = "tags"
SERVICE_ROLE_PATH = "/aws-service-role/"

# <stack>-<LogicalId>[<8 hex CDK hash>]-<random suffix>; CloudFormation's suffix is upper-case letters
# and digits. A suffix without a digit is not taken for one, so `app-role-PRODUCTION` stays a name.
_STACK_NAME = re.compile(
    r"^(?P<stack>.+?)-(?P<logical>[A-Z][A-Za-z0-9]*?)(?:[0-9A-F]{8})?-(?=[A-Z0-9]*[0-9])(?=[A-Z0-9]*[A-Z])[A-Z0-9]{8,13}$"
)
_SSO_NAME = re.compile(r"^AWSReservedSSO_(?P<set>.+)_[0-9a-f]{16}$")

KeyFunction = Callable[[NormalizedRole], str | None]


@dataclass(frozen=True)
class RolePair:
    """A baseline role and its counterpart; one side is None for an unpaired role."""

    baseline: NormalizedRole | None
    target: NormalizedRole | None
    rule: str | None = None


def is_service_linked(role: NormalizedRole) -> bool:
    """Service-linked roles are AWS's own, and only AWS creates roles under /aws-service-role/.

    The name alone proves nothing: anyone can create a role named AWSServiceRoleFor... at path `/`,
    and such a role is compared like any other.
    """
    return role.path.startswith(SERVICE_ROLE_PATH)


def in_scope(role: NormalizedRole, scope: RolesConfig, only: Iterable[str] = ()) -> bool:
    """True if the role passes include and exclude (globs on names, or `/path/` prefixes) and `only` globs."""
    return _Selector(scope, tuple(only))(role)


class _Selector:
    """`in_scope` for one scope, its globs compiled once: every role of both accounts passes here."""

    def __init__(self, scope: RolesConfig, only: tuple[str, ...]) -> None:
        self._service_roles = scope.include_service_roles
        self._access_roles = frozenset(scope.access_roles)
        self._only = _names(only) if only else None
        self._include = _entries(scope.include)
        self._exclude = _entries(scope.exclude)
        # The default scope, `*` with no exclusion, selects every role by its name: no pattern need run on it.
        self._everything = "*" in scope.include
        self._excluding = bool(scope.exclude)

    def __call__(self, role: NormalizedRole) -> bool:
        if is_service_linked(role) and not self._service_roles:
            return False
        if role.name in self._access_roles:
            return False
        if self._only is not None and not self._only(role.name):
            return False
        return (self._everything or _selects(self._include, role)) and not (
            self._excluding and _selects(self._exclude, role)
        )


_Entries = tuple[Callable[[str], object], tuple[str, ...]]
"""Name globs as one test, and path prefixes."""


def _entries(entries: Iterable[str]) -> _Entries:
    entries = tuple(entries)
    return _names(e for e in entries if not e.startswith("/")), tuple(e for e in entries if e.startswith("/"))


def _names(globs: Iterable[str]) -> Callable[[str], object]:
    # One pattern for all the globs, each as fnmatchcase reads it.
    pattern = "|".join(fnmatch.translate(glob) for glob in globs)
    return re.compile(pattern).match if pattern else lambda _: None


def _selects(entries: _Entries, role: NormalizedRole) -> bool:
    names, paths = entries
    return names(role.name) is not None or role.path.startswith(paths)


def role_key(name: str, *tokens: str) -> str:
    """The name with env tokens, as whole segments, set aside: `app-role-prod` -> `app-role-${Env}`."""
    return _keyed(env_segment_pattern(*tokens), name)


def _keyed(tokens: re.Pattern[str], name: str) -> str:
    return tokens.sub(ENV, escape_literal(name))


def match_roles(
    baseline: NormalizedAccount, target: NormalizedAccount, scope: RolesConfig, only: Iterable[str] = ()
) -> list[RolePair]:
    """Pair the roles in scope; UsageError when a rule's key names several roles on one side."""
    only = tuple(only)
    selected = _Selector(scope, only)
    left = {name: role for name, role in baseline.roles.items() if selected(role)}
    right = {name: role for name, role in target.roles.items() if selected(role)}
    for account, kept in ((baseline, left), (target, right)):
        _refuse_empty_scope(account, kept, scope, only)
    pairs = [
        RolePair(baseline=left.pop(b), target=right.pop(t), rule=RULE_MAP)
        for b, t in scope.map.items()
        if b in left and t in right
    ]
    for rule, base_key, target_key in _rules(baseline, target, scope):
        pairs += _pair_by(rule, left, right, base_key, target_key, baseline, target)
    pairs += [RolePair(baseline=role, target=None) for role in left.values()]
    pairs += [RolePair(baseline=None, target=role) for role in right.values()]
    return sorted(pairs, key=_order)


def _refuse_empty_scope(
    account: NormalizedAccount, kept: dict[str, NormalizedRole], scope: RolesConfig, only: tuple[str, ...]
) -> None:
    # A mistyped glob must not pass for a clean comparison of nothing. Roles left out by default (AWS's
    # service-linked roles, access roles) do not count: an account holding only those has nothing to select.
    if kept:
        return
    selectable = scope.model_copy(update={"include": ("*",), "exclude": ()})
    if not any(map(_Selector(selectable, ()), account.roles.values())):
        return
    globs = ([f"--role {', '.join(only)}"] if only else []) + [f"roles.include {', '.join(scope.include) or '(none)'}"]
    globs += [f"roles.exclude {', '.join(scope.exclude)}"] if scope.exclude else []
    raise UsageError(
        f"no role of {account.name} is in scope ({len(account.roles)} roles; {'; '.join(globs)}): "
        "check the globs, or the account"
    )


def _order(pair: RolePair) -> tuple[str, str]:
    return ((pair.baseline or pair.target).name, pair.target.name if pair.target else "")  # type: ignore[union-attr]


def _rules(
    baseline: NormalizedAccount, target: NormalizedAccount, scope: RolesConfig
) -> list[tuple[str, KeyFunction, KeyFunction]]:
    # Each key function is role_key with its account's pattern found once, not for every role.
    def by_name(account: NormalizedAccount) -> KeyFunction:
        tokens = env_segment_pattern(*account.env_tokens)
        return lambda role: _keyed(tokens, role.name)

    def by_stack(account: NormalizedAccount) -> KeyFunction:
        tokens = env_segment_pattern(*account.env_tokens)

        def key(role: NormalizedRole) -> str | None:
            found = _STACK_NAME.match(role.name)
            return f"{_keyed(tokens, found['stack'])}/{found['logical']}" if found else None

        return key

    def by_sso(role: NormalizedRole) -> str | None:
        found = _SSO_NAME.match(role.name)
        return found["set"] if found else None

    def by_tags(account: NormalizedAccount) -> KeyFunction:
        tokens = env_segment_pattern(*account.env_tokens)

        def key(role: NormalizedRole) -> str | None:
            if not scope.match_tags or not all(tag in role.tags for tag in scope.match_tags):
                return None
            return ",".join(f"{tag}={_keyed(tokens, role.tags[tag])}" for tag in scope.match_tags)

        return key

    return [
        (RULE_ENV, by_name(baseline), by_name(target)),
        (RULE_STACK, by_stack(baseline), by_stack(target)),
        (RULE_SSO, by_sso, by_sso),
        (RULE_TAGS, by_tags(baseline), by_tags(target)),
    ]


def _pair_by(
    rule: str,
    left: dict[str, NormalizedRole],
    right: dict[str, NormalizedRole],
    base_key: KeyFunction,
    target_key: KeyFunction,
    baseline: NormalizedAccount,
    target: NormalizedAccount,
) -> list[RolePair]:
    ours = _index(left.values(), base_key)
    theirs = _index(right.values(), target_key)
    pairs = []
    # In the baseline's order (the snapshot's, or AWS's listing): the same pairs, and the same error, whatever the
    # hash seed, without sorting ten thousand keys.
    for key, olds in ours.items():
        news = theirs.get(key)
        if news is None:
            continue
        if len(olds) > 1 or len(news) > 1:
            raise UsageError(_ambiguity(rule, key, {baseline.name: olds, target.name: news}))
        old, new = olds[0], news[0]
        del left[old.name], right[new.name]
        pairs.append(RolePair(baseline=old, target=new, rule=_label(rule, old, new)))
    return pairs


def _index(roles: Iterable[NormalizedRole], key: KeyFunction) -> dict[str, list[NormalizedRole]]:
    found: dict[str, list[NormalizedRole]] = defaultdict(list)
    for role in roles:
        value = key(role)
        if value is not None:
            found[value].append(role)
    return found


def _label(rule: str, old: NormalizedRole, new: NormalizedRole) -> str:
    if rule != RULE_ENV:
        return rule
    if is_service_linked(old):
        return RULE_SERVICE
    return RULE_EXACT if old.name == new.name else RULE_ENV


def _ambiguity(rule: str, key: str, candidates: dict[str, list[NormalizedRole]]) -> str:
    listed = "; ".join(
        f"{account}: {', '.join(sorted(role.name for role in roles))}" for account, roles in candidates.items()
    )
    first = sorted(role.name for role in next(iter(candidates.values())))[0]
    return (
        f"ambiguous role pairing by rule '{rule}' (key {key!r}): {listed}. "
        f"Pair them explicitly in config, e.g. roles.map: {{{first}: <target role>}}"
    )
