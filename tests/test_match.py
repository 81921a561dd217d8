"""Role pairing by env token, as whole name segments only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from auditor.config import RolesConfig
from auditor.errors import UsageError
from auditor.match import RULE_ENV, RULE_EXACT, match_roles, role_key
from auditor.model import AccountSnapshot, RoleRecord
from auditor.normalize import normalize_account

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def account(env: str, account_id: str, *names: str):
    roles = {n: RoleRecord(name=n, arn=f"arn:aws:iam::{account_id}:role/{n}") for n in names}
    return normalize_account(
        AccountSnapshot(account_id=account_id, collected_at=NOW, source="t", roles=roles), env, env
    )


DEFAULT_SCOPE = RolesConfig()


def pairs(base: list[str], target: list[str]):
    found = match_roles(account("prod", "111111111111", *base), account("dev", "222222222222", *target), DEFAULT_SCOPE)
    return [(p.baseline.name if p.baseline else None, p.target.name if p.target else None, p.rule) for p in found]


@pytest.mark.parametrize(
    ("prod", "dev"),
    [
        ("app-role-prod", "app-role-dev"),
        ("prod-app-role", "dev-app-role"),
        ("app.prod.role", "app.dev.role"),
        ("app_prod", "app_dev"),
    ],
)
def test_env_token_pairs_as_suffix_prefix_or_infix(prod: str, dev: str):
    assert pairs([prod], [dev]) == [(prod, dev, RULE_ENV)]


def test_device_manager_pairs_by_its_env_segment_only():
    assert role_key("device-manager-dev", "dev") == "device-manager-${Env}"
    assert pairs(["device-manager-prod"], ["device-manager-dev"]) == [
        ("device-manager-prod", "device-manager-dev", RULE_ENV)
    ]


def test_roles_without_env_token_pair_by_exact_name():
    assert pairs(["shared-ci"], ["shared-ci"]) == [("shared-ci", "shared-ci", RULE_EXACT)]


def test_unpaired_roles_are_kept_on_their_side():
    assert sorted(pairs(["only-prod"], ["only-dev-x"]), key=str) == sorted(
        [("only-prod", None, None), (None, "only-dev-x", None)], key=str
    )


def test_excluded_roles_take_no_part():
    assert pairs(["AWSServiceRoleForECS", "a-prod"], ["AWSServiceRoleForECS", "a-dev"]) == [
        ("a-prod", "a-dev", RULE_ENV)
    ]


def test_two_roles_with_one_key_is_an_error_naming_both():
    with pytest.raises(UsageError, match="app-DEV, app-dev"):
        pairs(["app-prod"], ["app-dev", "app-DEV"])
