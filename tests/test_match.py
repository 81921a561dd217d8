"""Role pairing: every pair has a rule, every rule is tested, ambiguity is an error."""

from __future__ import annotations

from datetime import UTC, datetime
from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.config import RolesConfig
from auditor.errors import UsageError
from auditor.match import (
    RULE_ENV,
    RULE_EXACT,
    RULE_MAP,
    RULE_SERVICE,
    RULE_SSO,
    RULE_STACK,
    RULE_TAGS,
    in_scope,
    match_roles,
    role_key,
)
from auditor.model import AccountSnapshot, RoleRecord
from auditor.normalize import normalize_account

NOW = datetime(2026, 11, 27, tzinfo=UTC)
Role = str | RoleRecord


def account(env: str | tuple[str, ...], account_id: str, *roles: Role):
    tokens = (env,) if isinstance(env, str) else env
    records = [
        r if isinstance(r, RoleRecord) else RoleRecord(name=r, arn=f"arn:aws:iam::{account_id}:role/{r}") for r in roles
    ]
    snapshot = AccountSnapshot(account_id=account_id, collected_at=NOW, source="t", roles={r.name: r for r in records})
    return normalize_account(snapshot, tokens[0], tokens[0], tokens)


def pairs(base: list[Role], target: list[Role], scope: RolesConfig | None = None, envs=("prod", "dev"), only=()):
    found = match_roles(
        account(envs[0], "111111111111", *base),
        account(envs[1], "222222222222", *target),
        scope or RolesConfig(),
        only,
    )
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


def test_an_account_can_have_several_env_tokens():
    envs = (("prod", "prd", "production"), ("dev", "development"))
    assert pairs(["api-prd", "web-production"], ["api-dev", "web-development"], envs=envs) == [
        ("api-prd", "api-dev", RULE_ENV),
        ("web-production", "web-development", RULE_ENV),
    ]


def test_roles_without_env_token_pair_by_exact_name():
    assert pairs(["shared-ci"], ["shared-ci"]) == [("shared-ci", "shared-ci", RULE_EXACT)]


def test_unpaired_roles_are_kept_on_their_side():
    assert pairs(["only-prod"], ["only-dev-x"]) == [(None, "only-dev-x", None), ("only-prod", None, None)]


def test_cloudformation_random_suffixes_are_set_aside():
    assert pairs(["orders-prod-TaskRole-1ABCDEFGHIJK"], ["orders-dev-TaskRole-9ZYXWVUT5RQP"]) == [
        ("orders-prod-TaskRole-1ABCDEFGHIJK", "orders-dev-TaskRole-9ZYXWVUT5RQP", RULE_STACK)
    ]


def test_cloudformation_example_without_env_in_the_stack_name():
    assert pairs(["mystack-TaskRoleABC123-1XYZ9QWERTY"], ["mystack-TaskRoleABC123-7LKJH2GFDSA"]) == [
        ("mystack-TaskRoleABC123-1XYZ9QWERTY", "mystack-TaskRoleABC123-7LKJH2GFDSA", RULE_STACK)
    ]


def test_cdk_hash_and_random_suffix_are_set_aside():
    base = "orders-prod-ApiHandlerServiceRole30FC0FBB-1A2B3C4D5E6F"
    target = "orders-dev-ApiHandlerServiceRole30FC0FBB-Z9Y8X7W6V5U4"
    assert pairs([base], [target]) == [(base, target, RULE_STACK)]


def test_stack_roles_with_different_logical_ids_do_not_pair():
    found = pairs(["orders-prod-TaskRole-1ABCDEFGHIJK"], ["orders-dev-ExecRole-9ZYXWVUT5RQP"])
    assert all(rule is None for _, _, rule in found)


def test_sso_roles_pair_by_permission_set():
    base = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
    target = "AWSReservedSSO_AdministratorAccess_fedcba9876543210"
    assert pairs([base], [target]) == [(base, target, RULE_SSO)]


def _service_role(account_id: str) -> RoleRecord:
    name = "AWSServiceRoleForECS"
    return RoleRecord(
        name=name,
        arn=f"arn:aws:iam::{account_id}:role/aws-service-role/ecs.amazonaws.com/{name}",
        path="/aws-service-role/ecs.amazonaws.com/",
    )


def test_service_linked_roles_are_excluded_by_default():
    assert pairs([_service_role("111111111111"), "a-prod"], [_service_role("222222222222"), "a-dev"]) == [
        ("a-prod", "a-dev", RULE_ENV)
    ]


def test_service_linked_roles_pair_by_exact_name_when_included():
    scope = RolesConfig(include_service_roles=True)
    assert pairs([_service_role("111111111111")], [_service_role("222222222222")], scope) == [
        ("AWSServiceRoleForECS", "AWSServiceRoleForECS", RULE_SERVICE)
    ]


def test_roles_that_exist_to_reach_the_account_are_left_out_by_default():
    # AWS Organizations creates OrganizationAccountAccessRole in members only: with the management account as
    # baseline it would be an extra role in every member.
    assert pairs(["a-prod"], ["a-dev", "OrganizationAccountAccessRole", "iam-drift-auditor-readonly"]) == [
        ("a-prod", "a-dev", RULE_ENV)
    ]


def test_roles_that_exist_to_reach_the_account_are_compared_when_asked():
    found = pairs(["a-prod"], ["a-dev", "OrganizationAccountAccessRole"], RolesConfig(access_roles=()))
    assert (None, "OrganizationAccountAccessRole", None) in found


def test_explicit_map_wins_over_every_rule():
    scope = RolesConfig(map={"legacy-api-prod": "api-v2-dev"})
    assert pairs(["legacy-api-prod", "api-v2-prod"], ["api-v2-dev", "legacy-api-dev"], scope) == [
        ("api-v2-prod", None, None),
        (None, "legacy-api-dev", None),
        ("legacy-api-prod", "api-v2-dev", RULE_MAP),
    ]


def test_tags_pair_what_no_name_rule_pairs():
    def tagged(name: str, account_id: str, app: str) -> RoleRecord:
        return RoleRecord(name=name, arn=f"arn:aws:iam::{account_id}:role/{name}", tags={"app": app, "team": "x"})

    scope = RolesConfig(match_tags=("app", "team"))
    assert pairs(
        [tagged("blue-role", "111111111111", "orders-prod")],
        [tagged("green-role", "222222222222", "orders-dev")],
        scope,
    ) == [("blue-role", "green-role", RULE_TAGS)]


def test_include_and_exclude_take_globs_and_path_prefixes():
    def at(path: str, name: str, account_id: str) -> RoleRecord:
        return RoleRecord(name=name, arn=f"arn:aws:iam::{account_id}:role{path}{name}", path=path)

    scope = RolesConfig(include=("/app/",), exclude=("*-debug-*",))
    found = pairs(
        [
            at("/app/", "api-prod", "111111111111"),
            at("/app/", "x-debug-prod", "111111111111"),
            at("/", "ci-prod", "111111111111"),
        ],
        [at("/app/", "api-dev", "222222222222")],
        scope,
    )
    assert found == [("api-prod", "api-dev", RULE_ENV)]


def test_role_globs_from_the_command_line_narrow_the_scope():
    assert pairs(["api-prod", "web-prod"], ["api-dev", "web-dev"], only=("api-*",)) == [
        ("api-prod", "api-dev", RULE_ENV)
    ]


def test_two_candidates_for_one_role_is_an_error_naming_them_and_the_rule():
    with pytest.raises(UsageError) as error:
        pairs(["app-prod"], ["app-dev", "app-DEV"])
    message = str(error.value)
    assert "app-DEV, app-dev" in message and RULE_ENV in message and "roles.map" in message


def test_a_role_named_like_a_service_linked_role_outside_its_path_is_compared():
    def lookalike(account_id: str) -> RoleRecord:
        return RoleRecord(name="AWSServiceRoleForECS", arn=f"arn:aws:iam::{account_id}:role/AWSServiceRoleForECS")

    assert pairs([lookalike("111111111111")], [lookalike("222222222222")]) == [
        ("AWSServiceRoleForECS", "AWSServiceRoleForECS", RULE_EXACT)
    ]


def test_a_tag_value_that_spells_the_env_placeholder_does_not_pair():
    def tagged(name: str, account_id: str, value: str) -> RoleRecord:
        return RoleRecord(name=name, arn=f"arn:aws:iam::{account_id}:role/{name}", tags={"app": value})

    scope = RolesConfig(match_tags=("app",))
    found = pairs(
        [tagged("alpha", "111111111111", "shop-prod")], [tagged("beta", "222222222222", "shop-${Env}")], scope
    )
    assert found == [("alpha", None, None), (None, "beta", None)]


_GLOB_TEXT = st.text(alphabet="ab-*?[]!/", max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(alphabet="ab-_.", min_size=1, max_size=6),
    path=st.sampled_from(["/", "/app/", "/app/x/", "/ab/"]),
    include=st.lists(_GLOB_TEXT, max_size=3),
    exclude=st.lists(_GLOB_TEXT, max_size=3),
    only=st.lists(_GLOB_TEXT, max_size=2),
)
def test_scope_reads_every_glob_as_fnmatchcase_and_every_slash_entry_as_a_path_prefix(
    name: str, path: str, include: list[str], exclude: list[str], only: list[str]
):
    def selects(entry: str) -> bool:
        return path.startswith(entry) if entry.startswith("/") else fnmatchcase(name, entry)

    role = account("prod", "111111111111", RoleRecord(name=name, arn="arn:aws:iam::111111111111:role/x", path=path))
    scope = RolesConfig(include=tuple(include), exclude=tuple(exclude))
    expected = (
        (not only or any(fnmatchcase(name, glob) for glob in only))
        and any(map(selects, include))
        and not any(map(selects, exclude))
    )
    assert in_scope(role.roles[name], scope, only) == expected
