"""Classification: each kind of drift, its severity, and what must not be reported."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from auditor.config import Config
from auditor.findings import FindingKind, Severity
from auditor.model import AccountSnapshot, ManagedPolicyRecord, RoleRecord
from auditor.normalize import normalize_account
from auditor.pipeline import compare_accounts

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PROD, DEV = "111111111111", "222222222222"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
CONFIG = Config(accounts={"prod": {}, "dev": {}})


def allow(actions: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource, **extra}],
    }


def role(
    env: str, account: str, inline: dict[str, Any] | None = None, trust: dict[str, Any] | None = None, **extra: Any
) -> RoleRecord:
    name = f"app-role-{env}"
    return RoleRecord(
        name=name,
        arn=f"arn:aws:iam::{account}:role/{name}",
        trust_policy=trust or TRUST,
        inline_policies=inline or {},
        **extra,
    )


def findings(prod_role: RoleRecord | None, dev_role: RoleRecord | None, envs: tuple[str, str] = ("prod", "dev")):
    def account(name: str, env: str, account_id: str, record: RoleRecord | None):
        roles = {record.name: record} if record else {}
        snapshot = AccountSnapshot(account_id=account_id, collected_at=NOW, source="test", roles=roles)
        return normalize_account(snapshot, name, env)

    baseline = account("prod", envs[0], PROD, prod_role)
    result = compare_accounts(baseline, account("dev", envs[1], DEV, dev_role), CONFIG, NOW)
    return result.findings


def only(prod_role: RoleRecord | None, dev_role: RoleRecord | None):
    [finding] = findings(prod_role, dev_role)
    return finding


def test_identical_roles_in_two_accounts_have_no_findings():
    policy = {"P": allow("s3:GetObject", "arn:aws:s3:::data-prod/*")}
    same = {"P": allow(["S3:GETOBJECT"], ["arn:aws:s3:::data-dev/*"])}
    assert findings(role("prod", PROD, policy), role("dev", DEV, same)) == []


def test_missing_policy_with_write_actions_is_critical_and_lists_its_actions():
    finding = only(role("prod", PROD, {"P": allow(["logs:CreateDelivery", "logs:GetDelivery"])}), role("dev", DEV))
    assert (finding.kind, finding.severity) == (FindingKind.POLICY_MISSING, Severity.CRITICAL)
    assert finding.actions == ["logs:CreateDelivery", "logs:GetDelivery"]
    assert "put-role-policy" in finding.remediation.aws_cli


def test_missing_read_only_policy_is_high():
    finding = only(role("prod", PROD, {"P": allow(["logs:GetDelivery"])}), role("dev", DEV))
    assert (finding.kind, finding.severity) == (FindingKind.POLICY_MISSING, Severity.HIGH)


@pytest.mark.parametrize(
    ("extra_action", "severity"),
    [
        ("iam:PassRole", Severity.CRITICAL),
        ("*", Severity.CRITICAL),
        ("iam:*", Severity.CRITICAL),
        ("iam:PutRolePolicy", Severity.CRITICAL),
        ("s3:*", Severity.CRITICAL),  # includes s3:PutBucketPolicy: permissions management
        ("s3:PutObject", Severity.HIGH),
        ("s3:GetObject", Severity.MEDIUM),
        ("s3:List*", Severity.MEDIUM),
        ("s3:TagResource", Severity.LOW),
    ],
)
def test_extra_permissions_rank_by_access_level(extra_action: str, severity: Severity):
    base = role("prod", PROD, {"P": allow(["sqs:SendMessage"])})
    target = role("dev", DEV, {"P": allow(["sqs:SendMessage", extra_action])})
    finding = only(base, target)
    assert (finding.kind, finding.severity) == (FindingKind.PERMISSIONS_EXTRA, severity)
    assert extra_action in finding.written_as


def test_missing_permission_in_a_shared_policy_is_permissions_missing():
    finding = only(
        role("prod", PROD, {"P": allow(["sqs:SendMessage", "sqs:GetQueueUrl"])}),
        role("dev", DEV, {"P": allow(["sqs:SendMessage"])}),
    )
    assert (finding.kind, finding.severity, finding.actions) == (
        FindingKind.PERMISSIONS_MISSING,
        Severity.HIGH,
        ["sqs:GetQueueUrl"],
    )


def test_resource_widened_to_star_has_the_severity_of_the_extra_grant():
    finding = only(
        role("prod", PROD, {"P": allow("s3:PutObject", "arn:aws:s3:::data-prod/*")}),
        role("dev", DEV, {"P": allow("s3:PutObject", "*")}),
    )
    assert (finding.kind, finding.severity) == (FindingKind.RESOURCE_DRIFT, Severity.HIGH)
    assert "prod: Resource arn:aws:s3:::data-prod/*" in finding.details


def test_resource_narrowed_in_target_is_high_because_calls_fail():
    finding = only(
        role("prod", PROD, {"P": allow("s3:GetObject", "*")}),
        role("dev", DEV, {"P": allow("s3:GetObject", "arn:aws:s3:::data-dev/*")}),
    )
    assert (finding.kind, finding.severity) == (FindingKind.RESOURCE_DRIFT, Severity.HIGH)


def test_condition_dropped_in_target_has_extra_grant_severity_and_added_is_high():
    conditioned = allow("s3:PutObject", Condition={"Bool": {"aws:SecureTransport": "true"}})
    dropped = only(role("prod", PROD, {"P": conditioned}), role("dev", DEV, {"P": allow("s3:PutObject")}))
    added = only(role("prod", PROD, {"P": allow("s3:PutObject")}), role("dev", DEV, {"P": conditioned}))
    assert (dropped.kind, dropped.severity) == (FindingKind.CONDITION_DRIFT, Severity.HIGH)
    assert (added.kind, added.severity) == (FindingKind.CONDITION_DRIFT, Severity.HIGH)  # plain-http calls now fail


def test_lost_deny_is_reported_as_extra_permissions():
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
        ],
    }
    finding = only(role("prod", PROD, {"P": deny}), role("dev", DEV, {"P": allow("s3:*")}))
    assert (finding.kind, finding.severity) == (FindingKind.PERMISSIONS_EXTRA, Severity.HIGH)
    assert finding.actions == ["s3:DeleteBucket"]


def test_trust_open_to_everyone_is_critical():
    anyone = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}
    finding = only(role("prod", PROD), role("dev", DEV, trust=anyone))
    assert (finding.kind, finding.severity) == (FindingKind.TRUST_DRIFT, Severity.CRITICAL)
    assert "update-assume-role-policy" in finding.remediation.aws_cli


def test_own_account_principal_is_not_trust_drift():
    def trusting(account: str) -> dict[str, Any]:
        return {"Statement": [{"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"}]}

    assert (
        findings(role("prod", PROD, trust=trusting(PROD)), role("dev", DEV, trust=trusting(f"arn:aws:iam::{DEV}:root")))
        == []
    )


def test_unreadable_customer_managed_policy_is_unreadable_not_missing():
    def with_managed(env: str, account: str, document: Any, unreadable: str | None) -> RoleRecord:
        arn = f"arn:aws:iam::{account}:policy/app-{env}"
        return role(
            env,
            account,
            managed_policies=[
                ManagedPolicyRecord(name=f"app-{env}", arn=arn, document=document, unreadable=unreadable)
            ],
        )

    finding = only(
        with_managed("prod", PROD, allow("s3:GetObject"), None),
        with_managed("dev", DEV, None, "AccessDenied on iam:GetPolicyVersion"),
    )
    assert finding.kind == FindingKind.UNREADABLE
    assert "AccessDenied" in finding.message


def test_aws_managed_policy_compares_by_arn_even_without_its_document():
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    with_doc = role(
        "prod", PROD, managed_policies=[ManagedPolicyRecord(name="ReadOnlyAccess", arn=arn, document=allow("s3:Get*"))]
    )
    without = role("dev", DEV, managed_policies=[ManagedPolicyRecord(name="ReadOnlyAccess", arn=arn)])
    assert findings(with_doc, without) == []


def test_extra_admin_managed_policy_is_critical_and_detached_in_the_fix():
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    admin = role(
        "dev", DEV, managed_policies=[ManagedPolicyRecord(name="AdministratorAccess", arn=arn, document=allow("*"))]
    )
    finding = only(role("prod", PROD), admin)
    assert (finding.kind, finding.severity) == (FindingKind.POLICY_EXTRA, Severity.CRITICAL)
    assert "detach-role-policy" in finding.remediation.aws_cli


def test_removed_boundary_that_capped_grants_is_high():
    boundary = ManagedPolicyRecord(name="b", arn=f"arn:aws:iam::{PROD}:policy/b", document=allow("s3:*"))
    found = findings(
        role("prod", PROD, {"P": allow(["s3:GetObject", "sqs:SendMessage"])}, permissions_boundary=boundary),
        role("dev", DEV, {"P": allow(["s3:GetObject", "sqs:SendMessage"])}),
    )
    [finding] = [f for f in found if f.kind == FindingKind.BOUNDARY_DRIFT]
    assert finding.severity == Severity.HIGH
    assert f"arn:aws:iam::{DEV}:policy/b" in finding.remediation.aws_cli
    assert any(f.kind == FindingKind.PERMISSIONS_EXTRA and f.actions == ["sqs:SendMessage"] for f in found)


@pytest.mark.parametrize(
    ("prod_boundary", "dev_boundary", "severity"),
    [
        ("s3:*", None, Severity.LOW),
        (None, "s3:*", Severity.INFO),
        ("s3:*", "s3:Get*", Severity.INFO),
        ("s3:Get*", "s3:*", Severity.LOW),
    ],
    ids=[
        "removed: the cap on future grants is gone",
        "added: caps only future grants",
        "tightened: caps future grants more tightly",
        "loosened: the cap on future grants moved",
    ],
)
def test_a_boundary_without_effect_on_current_grants_is_a_guardrail_finding(prod_boundary, dev_boundary, severity):
    def boundary(account: str, actions: str | None) -> ManagedPolicyRecord | None:
        if actions is None:
            return None
        return ManagedPolicyRecord(name="b", arn=f"arn:aws:iam::{account}:policy/b", document=allow(actions))

    inline = {"P": allow("s3:GetObject")}
    prod = role("prod", PROD, inline, permissions_boundary=boundary(PROD, prod_boundary))
    dev = role("dev", DEV, inline, permissions_boundary=boundary(DEV, dev_boundary))
    finding = only(prod, dev)
    assert (finding.kind, finding.severity) == (FindingKind.BOUNDARY_DRIFT, severity)
    assert "Current grants are unchanged" in finding.message


def test_role_only_in_baseline_is_role_missing_with_create_role_fix():
    finding = only(role("prod", PROD, {"P": allow("s3:GetObject")}), None)
    assert (finding.kind, finding.baseline_role, finding.target_role) == (
        FindingKind.ROLE_MISSING,
        "app-role-prod",
        None,
    )
    assert "aws iam create-role" in finding.remediation.aws_cli and "app-role-dev" in finding.remediation.aws_cli


def test_not_action_allow_in_target_only_is_critical():
    not_action = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    finding = only(
        role("prod", PROD, {"P": allow("s3:GetObject")}),
        role("dev", DEV, {"P": {"Statement": [*allow("s3:GetObject")["Statement"], *not_action["Statement"]]}}),
    )
    assert (finding.kind, finding.severity) == (FindingKind.PERMISSIONS_EXTRA, Severity.CRITICAL)


def test_condition_direction_does_not_depend_on_the_order_conditions_come_in():
    from auditor.findings.conditions import compare_conditions
    from auditor.model.policy import Condition

    exact = Condition("StringEquals", "aws:principaltag/team", ("a",))
    if_exists = Condition("StringEqualsIfExists", "aws:principaltag/team", ("b",))
    before = [Condition("StringEquals", "aws:principaltag/team", ("a", "b"))]
    assert compare_conditions(before, [exact, if_exists]) == compare_conditions(before, [if_exists, exact])


def test_an_unreadable_boundary_leaves_the_roles_grants_unjudged():
    arn = f"arn:aws:iam::{DEV}:policy/guard"
    guard = ManagedPolicyRecord(name="guard", arn=arn, unreadable="AccessDenied on iam:GetPolicy")
    readable = ManagedPolicyRecord(name="guard", arn=arn.replace(DEV, PROD), document=allow("s3:*"))
    found = findings(
        role("prod", PROD, {"P": allow("s3:GetObject")}, permissions_boundary=readable),
        role("dev", DEV, {"P": allow("*")}, permissions_boundary=guard),
    )
    assert [f.kind for f in found] == [FindingKind.UNREADABLE]


@pytest.mark.parametrize(
    ("operator", "before", "after", "change"),
    [
        ("StringEquals", ("a", "b"), ("a",), "tightened"),
        ("StringNotEquals", ("a",), ("a", "b"), "tightened"),
        ("StringLike", ("orders-*",), ("orders-dev-*",), "tightened"),
        ("StringLike", ("orders-dev-*",), ("orders-*",), "loosened"),
        ("StringLike", ("orders-*",), ("orders-*", "orders-jobs"), "same"),  # the new value was already accepted
        ("IpAddress", ("10.0.0.0/8",), ("10.20.0.0/16",), "tightened"),
        ("IpAddress", ("10.20.0.0/16",), ("10.0.0.0/8",), "loosened"),
        ("NotIpAddress", ("10.0.0.0/8",), ("10.20.0.0/16",), "loosened"),
        ("IpAddress", ("10.0.0.0/8",), ("192.168.0.0/16",), "changed"),
        ("NumericLessThan", ("10",), ("5",), "tightened"),
        ("NumericGreaterThan", ("10",), ("5",), "loosened"),
        ("DateLessThan", ("2027-01-01T00:00:00Z",), ("2026-01-01T00:00:00Z",), "tightened"),
        ("StringEquals", ("a",), ("b",), "changed"),
    ],
)
def test_condition_changes_are_judged_per_operator_family(operator, before, after, change):
    from auditor.findings.conditions import compare_conditions
    from auditor.model.policy import Condition

    old = [Condition(operator, "aws:sourceip", tuple(before))]
    new = [Condition(operator, "aws:sourceip", tuple(after))]
    assert compare_conditions(old, new).value == change


def test_classify_finds_nothing_in_a_pair_of_equal_signatures_whose_policies_all_read():
    # The comparison does not call classify for such pairs, nearly all of an account: this is why it need not.
    from auditor.diff import diff_pair
    from auditor.findings import Sides, classify
    from auditor.match import match_roles

    def account(name: str, account_id: str) -> Any:
        boundary = f"arn:aws:iam::{account_id}:policy/cap-{name}"
        trust = {
            **TRUST,
            "Statement": [
                *TRUST["Statement"],
                {"Effect": "Allow", "Principal": {"AWS": account_id}, "Action": "sts:AssumeRole"},
            ],
        }
        record = role(
            name,
            account_id,
            inline={
                "Data": allow(
                    ["s3:GetObject", "s3:List*"], [f"arn:aws:s3:::data-{name}/*", f"arn:aws:s3:::data-{name}"]
                ),
                "Queue": allow("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{account_id}:jobs-{name}"),
            },
            trust=trust,
            managed_policies=[
                ManagedPolicyRecord(name="ReadOnlyAccess", arn="arn:aws:iam::aws:policy/ReadOnlyAccess"),
                ManagedPolicyRecord(name=f"cap-{name}", arn=boundary, document=allow("*")),
            ],
            permissions_boundary=ManagedPolicyRecord(name=f"cap-{name}", arn=boundary, document=allow("*")),
        )
        snapshot = AccountSnapshot(account_id=account_id, collected_at=NOW, source="test", roles={record.name: record})
        return normalize_account(snapshot, name, name)

    prod, dev = account("prod", PROD), account("dev", DEV)
    [pair] = match_roles(prod, dev, CONFIG.roles)
    assert pair.baseline and pair.target and pair.baseline.signature == pair.target.signature
    assert not pair.baseline.has_unreadable and not pair.target.has_unreadable
    assert classify(pair, diff_pair(pair, ("prod", "dev")), Sides(baseline=prod, target=dev)) == []
