"""Semantic diff: roles compared by what they can do, after wildcard expansion, Deny and boundary."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import iamdb
from auditor.findings import FindingKind, Severity
from auditor.findings.severity import grant_severity
from auditor.model import ManagedPolicyRecord
from tests.test_findings import DEV, PROD, allow, findings, only, role

DYNAMODB_ALL = len(iamdb.service_actions("dynamodb"))


def test_wildcard_widening_names_the_gained_actions_and_the_pattern_as_written():
    finding = only(
        role("prod", PROD, {"Data": allow(["dynamodb:GetItem", "dynamodb:Query"])}),
        role("dev", DEV, {"Data": allow("dynamodb:*")}),
    )
    assert finding.kind == FindingKind.PERMISSIONS_EXTRA
    assert finding.written_as == ["dynamodb:*"]
    assert len(finding.actions) == DYNAMODB_ALL - 2
    assert "dynamodb:GetItem" not in finding.actions and "dynamodb:DeleteTable" in finding.actions
    [group] = finding.services
    assert (group.service, group.count, group.total) == ("dynamodb", DYNAMODB_ALL - 2, DYNAMODB_ALL)


def test_wildcard_narrowing_names_the_lost_actions():
    finding = only(role("prod", PROD, {"P": allow("s3:Get*")}), role("dev", DEV, {"P": allow("s3:GetObject")}))
    assert (finding.kind, finding.severity) == (FindingKind.PERMISSIONS_MISSING, Severity.HIGH)
    assert "s3:GetObject" not in finding.actions and "s3:GetBucketPolicy" in finding.actions
    assert finding.written_as == ["s3:Get*"]


def test_a_list_written_as_a_wildcard_is_only_restructured():
    every = sorted(iamdb.service_actions("sqs"))
    found = findings(role("prod", PROD, {"P": allow("sqs:*")}), role("dev", DEV, {"P": allow(every)}))
    assert [(f.kind, f.severity) for f in found] == [(FindingKind.RESTRUCTURED, Severity.INFO)]


def test_not_action_allow_equals_the_explicit_complement():
    rest = sorted(iamdb.service_actions("iam") - {"iam:passrole"})
    written = {"Statement": [{"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}]}
    everything_but = role("prod", PROD, {"P": written})
    explicit = {"Statement": [{"Effect": "Allow", "NotAction": ["iam:PassRole"], "Resource": "*"}]}
    assert findings(everything_but, role("dev", DEV, {"P": explicit})) == []
    narrowed = only(everything_but, role("dev", DEV, {"P": allow(rest)}))
    assert narrowed.kind == FindingKind.PERMISSIONS_MISSING and "iam:CreateRole" not in narrowed.actions


def test_deny_with_not_action_subtracts_everything_it_does_not_name():
    guarded = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"},
            {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"},
        ]
    }
    found = findings(role("prod", PROD, {"P": guarded}), role("dev", DEV, {"P": allow("s3:*")}))
    assert [f.kind for f in found] == [FindingKind.RESTRUCTURED]


def test_explicit_deny_removes_the_allow_it_covers():
    denied = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        ]
    }
    found = findings(role("prod", PROD, {"P": denied}), role("dev", DEV, {"P": allow("s3:GetObject")}))
    assert [f.kind for f in found] == [FindingKind.RESTRUCTURED]


def test_removing_the_boundary_reports_the_boundary_and_what_it_used_to_cap():
    boundary = ManagedPolicyRecord(name="cap", arn=f"arn:aws:iam::{PROD}:policy/cap", document=allow("s3:Get*"))
    capped = role("prod", PROD, {"P": allow("s3:*")}, permissions_boundary=boundary)
    uncapped = role("dev", DEV, {"P": allow("s3:*")})
    found = {f.kind: f for f in findings(capped, uncapped)}
    assert found[FindingKind.BOUNDARY_DRIFT].severity == Severity.HIGH
    extra = found[FindingKind.PERMISSIONS_EXTRA]
    assert "s3:PutObject" in extra.actions and "s3:GetObject" not in extra.actions


def test_boundary_with_the_same_cap_written_differently_is_no_drift():
    def capped(env: str, account: str, document: dict[str, Any]):
        arn = f"arn:aws:iam::{account}:policy/cap-{env}"
        return role(
            env,
            account,
            {"P": allow("s3:*")},
            permissions_boundary=ManagedPolicyRecord(name=f"cap-{env}", arn=arn, document=document),
        )

    listed = sorted(iamdb.expand("s3:Get*"))
    found = findings(capped("prod", PROD, allow("s3:Get*")), capped("dev", DEV, allow(listed)))
    assert [f.kind for f in found] == [FindingKind.RESTRUCTURED]


def test_condition_removed_is_drift_with_extra_grant_severity_and_tightened_is_high():
    tagged = allow("s3:PutObject", Condition={"StringEquals": {"aws:ResourceTag/env": "prod"}})
    tighter = allow(
        "s3:PutObject",
        Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}, "Bool": {"aws:SecureTransport": "true"}},
    )
    removed = only(role("prod", PROD, {"P": tagged}), role("dev", DEV, {"P": allow("s3:PutObject")}))
    tightened = only(role("prod", PROD, {"P": tagged}), role("dev", DEV, {"P": tighter}))
    assert (removed.kind, removed.severity) == (FindingKind.CONDITION_DRIFT, Severity.HIGH)
    assert (tightened.kind, tightened.severity) == (FindingKind.CONDITION_DRIFT, Severity.HIGH)  # dev loses access


def test_condition_operator_spelling_and_if_exists_are_normalized():
    a = allow("s3:GetObject", Condition={"StringEqualsIgnoreCase": {"aws:PrincipalTag/Team": "Ops"}})
    b = allow("s3:GetObject", Condition={"stringequalsignorecase": {"aws:principaltag/team": ["ops"]}})
    assert findings(role("prod", PROD, {"P": a}), role("dev", DEV, {"P": b})) == []
    relaxed = allow("s3:GetObject", Condition={"StringEqualsIgnoreCaseIfExists": {"aws:PrincipalTag/Team": "ops"}})
    finding = only(role("prod", PROD, {"P": a}), role("dev", DEV, {"P": relaxed}))
    assert (finding.kind, finding.severity) == (FindingKind.CONDITION_DRIFT, Severity.MEDIUM)


def _trust(principal: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}


def test_trust_to_everyone_in_the_target_is_critical():
    finding = only(role("prod", PROD), role("dev", DEV, trust=_trust("*")))
    assert (finding.kind, finding.severity) == (FindingKind.TRUST_DRIFT, Severity.CRITICAL)


def test_trust_to_a_new_external_account_is_critical():
    finding = only(role("prod", PROD), role("dev", DEV, trust=_trust({"AWS": "999999999999"})))
    assert (finding.kind, finding.severity) == (FindingKind.TRUST_DRIFT, Severity.CRITICAL)
    assert "only in dev: AWS:arn:aws:iam::999999999999:root" in finding.details


def test_trust_written_with_star_or_aws_star_and_service_list_is_no_drift():
    a = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": "sts:AssumeRole"}
        ]
    }
    b = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
        }
    }
    assert findings(role("prod", PROD, trust=a), role("dev", DEV, trust=b)) == []
    assert findings(role("prod", PROD, trust=_trust("*")), role("dev", DEV, trust=_trust({"AWS": "*"}))) == []


def test_trust_naming_a_deleted_principal_is_its_own_high_finding():
    deleted = _trust({"AWS": "AROAEXAMPLEDELETED12"})
    kinds = {(f.kind, f.severity, f.title) for f in findings(role("prod", PROD), role("dev", DEV, trust=deleted))}
    assert (FindingKind.TRUST_DRIFT, Severity.HIGH, "Trust policy of app-role-dev names a deleted principal") in kinds


def test_unknown_action_is_kept_compared_and_flagged_info_where_roles_differ():
    typo = {"P": allow(["s3:GetObject", "s3:GetObjekt"])}
    assert findings(role("prod", PROD, typo), role("dev", DEV, typo)) == []  # the same on both sides: no drift
    drift = findings(role("prod", PROD, typo), role("dev", DEV, {"P": allow("s3:GetObject")}))
    assert any(f.kind == FindingKind.PERMISSIONS_MISSING and f.actions == ["s3:getobjekt"] for f in drift)
    [flag] = [f for f in drift if f.kind == FindingKind.UNKNOWN_ACTION]
    assert flag.severity == Severity.INFO
    assert any("s3:getobjekt" in line for line in flag.details)


def test_policy_moved_from_inline_to_customer_managed_is_one_info_finding():
    document = allow(["sqs:SendMessage", "sqs:ReceiveMessage"])
    managed = ManagedPolicyRecord(name="queue", arn=f"arn:aws:iam::{DEV}:policy/queue", document=document)
    finding = only(role("prod", PROD, {"Queue": document}), role("dev", DEV, managed_policies=[managed]))
    assert (finding.kind, finding.severity) == (FindingKind.RESTRUCTURED, Severity.INFO)


def test_missing_grants_name_the_policy_and_statement_they_come_from():
    document = {
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "Send", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
        ]
    }
    finding = only(role("prod", PROD, {"Mixed": document}), role("dev", DEV, {"Mixed": allow("s3:GetObject")}))
    [group] = finding.grants
    assert (group.side, group.policy, group.statement, group.actions) == (
        "baseline",
        "Mixed",
        "Sid Send",
        ["sqs:SendMessage"],
    )


# Property tests: the answer must not change with packaging ------------------------------------------------

_actions = st.lists(
    st.sampled_from(
        [
            "s3:GetObject",
            "s3:Put*",
            "sqs:SendMessage",
            "logs:*Delivery*",
            "dynamodb:Query",
            "kms:Decrypt",
            "iam:PassRole",
        ]
    ),
    min_size=1,
    max_size=4,
)
_statement = st.builds(
    lambda effect, actions, resource: {"Effect": effect, "Action": actions, "Resource": resource},
    st.sampled_from(["Allow", "Allow", "Deny"]),
    _actions,
    st.sampled_from(["*", "arn:aws:s3:::data-prod/*", "arn:aws:sqs:us-east-1:111111111111:q-prod"]),
)
_document = st.builds(lambda s: {"Version": "2012-10-17", "Statement": s}, st.lists(_statement, min_size=2, max_size=6))


def _for_dev(document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(document).replace("111111111111", DEV).replace("-prod", "-dev"))


@settings(max_examples=60, deadline=None)
@given(_document, st.integers(0, 1000))
def test_splitting_a_policy_in_two_gives_only_the_restructured_finding(document: dict[str, Any], seed: int):
    statements = copy.deepcopy(document["Statement"])
    random.Random(seed).shuffle(statements)
    cut = len(statements) // 2
    split = {
        "A": {"Version": "2012-10-17", "Statement": statements[:cut]},
        "B": {"Version": "2012-10-17", "Statement": statements[cut:]},
    }
    found = findings(role("prod", PROD, {"A": document}), role("dev", DEV, {k: _for_dev(v) for k, v in split.items()}))
    assert [f.kind for f in found] == [FindingKind.RESTRUCTURED]


@settings(max_examples=60, deadline=None)
@given(_document, st.integers(0, 1000))
def test_a_shuffled_recased_copy_shows_no_drift(document: dict[str, Any], seed: int):
    rng = random.Random(seed)
    copy_ = _for_dev(document)
    rng.shuffle(copy_["Statement"])
    for statement in copy_["Statement"]:
        statement["Action"] = [a.upper() if rng.random() < 0.5 else a for a in reversed(statement["Action"])]
    assert findings(role("prod", PROD, {"P": document}), role("dev", DEV, {"P": copy_})) == []


def test_every_action_on_many_resources_compares_by_scope_naming_only_the_changed_resource():
    # One statement, every action on 300 resources, one resource moved: the grants that differ are those of the
    # moved resource (computed as whole action sets per resource, not one grant per action and resource).
    resources = [f"arn:aws:s3:::bucket-{{env}}-{index:03d}/*" for index in range(300)]
    prod = [r.format(env="prod") for r in resources]
    dev = [r.format(env="dev") for r in resources[:-1]] + ["arn:aws:s3:::other-dev/*"]
    wide = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": prod}]}
    moved = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": dev}]}
    finding = only(role("prod", PROD, {"Everything": wide}), role("dev", DEV, {"Everything": moved}))
    # `*` on an object ARN grants what can act on objects (and buckets: the dataset's bucket format is `*`).
    acting = iamdb.actions_on("arn:aws:s3:::bucket-prod-299/*")
    assert acting is not None and 100 < len(acting) < len(iamdb.all_actions())
    assert finding.kind == FindingKind.RESOURCE_DRIFT and len(finding.actions) == len(acting)
    assert any("bucket-prod-299" in line for line in finding.details)
    assert any("other-dev" in line for line in finding.details)


def test_string_like_without_wildcards_is_string_equals_and_arn_equals_is_arn_like():
    def conditioned(operator: str, value: str) -> dict[str, Any]:
        return {"P": allow("s3:GetObject", Condition={operator: {"aws:SourceArn": value}})}

    exact = "arn:aws:sns:us-east-1:123456789012:topic"
    assert (
        findings(
            role("prod", PROD, conditioned("StringEquals", exact)), role("dev", DEV, conditioned("StringLike", exact))
        )
        == []
    )
    assert (
        findings(
            role("prod", PROD, conditioned("ArnEquals", exact + "*")),
            role("dev", DEV, conditioned("ArnLike", exact + "*")),
        )
        == []
    )
    assert (
        findings(
            role("prod", PROD, conditioned("StringEquals", exact + "*")),
            role("dev", DEV, conditioned("StringLike", exact + "*")),
        )
        != []
    )


def _statements(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _grant(action: str, resource: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _drift(prod: dict[str, Any], dev: dict[str, Any]) -> list[tuple[FindingKind, Severity]]:
    found = findings(role("prod", PROD, {"P": prod}), role("dev", DEV, {"P": dev}))
    return [(f.kind, f.severity) for f in found if f.severity.at_least(Severity.LOW)]


COVERED = {
    "a resource inside a wildcard the other side has": (
        _statements(_grant("sqs:SendMessage", f"arn:aws:sqs:*:{PROD}:orders-prod-*")),
        _statements(
            _grant("sqs:SendMessage", f"arn:aws:sqs:*:{DEV}:orders-dev-*"),
            _grant("sqs:SendMessage", f"arn:aws:sqs:*:{DEV}:orders-dev-jobs"),
        ),
    ),
    "a path under a prefix that already spans `/`": (
        _statements(
            _grant("firehose:PutRecord", "arn:aws:firehose:*:*:deliverystream/aws-discovery-service-*"),
            _grant("firehose:PutRecord", "arn:aws:firehose:*:*:deliverystream/aws-discovery-service-*/*"),
        ),
        _statements(_grant("firehose:PutRecord", "arn:aws:firehose:*:*:deliverystream/aws-discovery-service-*")),
    ),
    "a conditioned grant next to the same action unconditioned": (
        _statements(
            _grant("ram:Get*", "*"),
            _grant("ram:GetResourceShares", "*", Condition={"StringEquals": {"ram:ResourceOwner": "SELF"}}),
        ),
        _statements(_grant("ram:Get*", "*")),
    ),
    "each side's extra resource inside the other's wildcard": (
        _statements(_grant("s3:GetObject", "arn:aws:s3:::x*"), _grant("s3:GetObject", "arn:aws:s3:::x-1")),
        _statements(_grant("s3:GetObject", "arn:aws:s3:::x*"), _grant("s3:GetObject", "arn:aws:s3:::x-2")),
    ),
}


@pytest.mark.parametrize(("prod", "dev"), COVERED.values(), ids=COVERED.keys())
def test_a_grant_the_other_side_already_covers_is_not_drift(prod: dict[str, Any], dev: dict[str, Any]):
    assert _drift(prod, dev) == []


@pytest.mark.parametrize(
    ("pattern", "resource", "covered"),
    [
        ("arn:aws:s3:::a*", "arn:aws:s3:::a/b/c", True),  # `*` spans `/`
        ("arn:aws:s3:::a?c", "arn:aws:s3:::abc", True),
        ("arn:aws:s3:::a?c", "arn:aws:s3:::a*c", False),  # `?` is one character; `*` is any number
        ("arn:aws:s3:::a*c", "arn:aws:s3:::a?c", True),
        ("arn:aws:s3:::[ab]", "arn:aws:s3:::a", False),  # no character classes in IAM
        ("arn:aws:s3:::[ab]*", "arn:aws:s3:::[ab]x", True),
        ("arn:aws:s3:::A*", "arn:aws:s3:::a1", False),
    ],
)
def test_resource_patterns_cover_by_iam_wildcard_rules(pattern: str, resource: str, covered: bool):
    from auditor.grants import covers

    assert covers(pattern, resource) is covered


def test_a_narrowed_resource_is_still_drift():
    prod = _statements(_grant("s3:GetObject", "arn:aws:s3:::data-prod/*"))
    dev = _statements(_grant("s3:GetObject", "arn:aws:s3:::data-dev/reports/*"))
    assert _drift(prod, dev) == [(FindingKind.RESOURCE_DRIFT, Severity.HIGH)]


def test_a_conditional_deny_names_only_the_actions_the_role_is_allowed():
    guarded = _statements(
        _grant("dynamodb:Query", "*"),
        {
            "Effect": "Deny",
            "Action": "dynamodb:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
    finding = only(
        role("prod", PROD, {"P": guarded}), role("dev", DEV, {"P": _statements(_grant("dynamodb:Query", "*"))})
    )
    assert finding.kind == FindingKind.PERMISSIONS_EXTRA and finding.actions == ["dynamodb:Query"]


def test_a_difference_in_explicit_deny_alone_is_one_low_finding_that_says_so():
    denied = _statements(_grant("s3:GetObject", "*"), {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "x"})
    finding = only(role("prod", PROD, {"P": denied}), role("dev", DEV, {"P": _statements(_grant("s3:GetObject", "*"))}))
    assert (
        finding.severity == Severity.LOW
        and "explicit Deny matters only where a resource-based policy" in finding.message
    )


def test_conditions_neither_side_implies_say_the_requests_may_differ_at_the_wider_severity():
    def tagged(value: str) -> dict[str, Any]:
        return {"P": allow("s3:PutObject", Condition={"StringEquals": {"aws:ResourceTag/team": value}})}

    finding = only(role("prod", PROD, tagged("blue")), role("dev", DEV, tagged("green")))
    assert finding.kind == FindingKind.CONDITION_DRIFT and finding.severity == Severity.HIGH
    assert "may differ either way" in finding.message


def test_a_like_condition_value_already_accepted_by_the_others_pattern_is_no_drift():
    def like(*values: str) -> dict[str, Any]:
        return _statements(_grant("s3:GetObject", "*", Condition={"StringLike": {"aws:userid": list(values)}}))

    assert _drift(like("AIDA*"), like("AIDA*", "AIDAEXAMPLE")) == []


def test_an_action_granted_on_a_new_resource_is_resource_drift_not_an_extra_action():
    prod = _statements(_grant("ec2:CreateTags", "arn:aws:ec2:*:*:snapshot/*"))
    dev = _statements(_grant("ec2:CreateTags", ["arn:aws:ec2:*:*:snapshot/*", "arn:aws:ec2:*:*:image/*"]))
    finding = only(role("prod", PROD, {"P": prod}), role("dev", DEV, {"P": dev}))
    assert (finding.kind, finding.actions) == (FindingKind.RESOURCE_DRIFT, ["ec2:CreateTags"])
    assert finding.details == [
        "prod: no grant of these actions beyond those both have",
        "dev: Resource arn:aws:ec2:*:*:image/*",
    ]


def test_an_action_that_loses_one_of_its_resources_is_high_resource_drift():
    prod = _statements(_grant("s3:GetObject", ["arn:aws:s3:::a-prod/*", "arn:aws:s3:::b-prod/*"]))
    dev = _statements(_grant("s3:GetObject", "arn:aws:s3:::a-dev/*"))
    assert _drift(prod, dev) == [(FindingKind.RESOURCE_DRIFT, Severity.HIGH)]


def test_an_action_granted_under_a_second_condition_is_loosened_condition_drift():
    tag = {"StringEquals": {"aws:ResourceTag/team": "blue"}}
    prod = _statements(_grant("ec2:StopInstances", "*", Condition=tag))
    dev = _statements(
        _grant("ec2:StopInstances", "*", Condition=tag),
        _grant("ec2:StopInstances", "*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    )
    finding = only(role("prod", PROD, {"P": prod}), role("dev", DEV, {"P": dev}))
    assert finding.kind == FindingKind.CONDITION_DRIFT and "may differ" not in finding.message
    assert finding.severity == grant_severity(["ec2:StopInstances"])


def test_a_policy_only_the_target_has_stays_one_finding_though_some_of_its_actions_are_granted_elsewhere():
    extra_policy = _statements(_grant(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::other-dev/*"))
    found = findings(
        role("prod", PROD, {"P": _statements(_grant("s3:GetObject", "arn:aws:s3:::data-prod/*"))}),
        role("dev", DEV, {"P": _statements(_grant("s3:GetObject", "arn:aws:s3:::data-dev/*")), "Q": extra_policy}),
    )
    assert [(f.kind, f.actions) for f in found] == [(FindingKind.POLICY_EXTRA, ["s3:GetObject", "s3:PutObject"])]


AWS_OWNED = {
    "an API stage named like the baseline's environment": "arn:aws:execute-api:*:*:*/prod/*/put-log-data",
    "a path segment named like the target's environment": "arn:aws:s3:::*/dzd_*/*/dev/sys/athena/*",
    "a bucket name holding the baseline's environment": "arn:aws:s3:::jumpstart-cache-prod-us-east-1/*",
}


@pytest.mark.parametrize("resource", AWS_OWNED.values(), ids=AWS_OWNED.keys())
def test_a_resource_written_the_same_on_both_sides_is_the_same_resource(resource: str):
    same = _statements(_grant("s3:GetObject", resource))
    assert _drift(same, copy.deepcopy(same)) == []


def test_a_target_that_names_the_baselines_resource_beside_its_own_still_reaches_it():
    prod = _statements(_grant("sqs:SendMessage", f"arn:aws:sqs:*:{PROD}:orders-prod"))
    dev = _statements(
        _grant("sqs:SendMessage", f"arn:aws:sqs:*:{DEV}:orders-dev"),
        _grant("sqs:SendMessage", f"arn:aws:sqs:*:{DEV}:orders-prod"),
    )
    finding = only(role("prod", PROD, {"P": prod}), role("dev", DEV, {"P": dev}))
    assert finding.kind == FindingKind.RESOURCE_DRIFT
    assert f"dev: Resource arn:aws:sqs:*:{DEV}:orders-prod" in finding.details


def test_a_widened_wildcard_gains_only_the_actions_that_can_act_on_its_resources():
    # `cloudwatch:Disable*` also names DisableInsightRules, which acts on insight rules, not on alarms.
    alarms = "arn:aws:cloudwatch:*:*:alarm:*"
    prod = _statements(_grant("cloudwatch:DisableAlarmActions", alarms))
    assert _drift(prod, _statements(_grant("cloudwatch:Disable*", alarms))) == []
    on_anything = _statements(_grant("cloudwatch:Disable*", "*"))
    found = findings(role("prod", PROD, {"P": prod}), role("dev", DEV, {"P": on_anything}))
    assert (FindingKind.PERMISSIONS_EXTRA, ["cloudwatch:DisableInsightRules"]) in [(f.kind, f.actions) for f in found]


def test_a_wildcard_grants_nothing_on_a_resource_none_of_its_actions_can_act_on():
    # `s3:*Object` names object actions; a bucket ARN names no object.
    prod = _statements(_grant("s3:*Object", "arn:aws:s3:::data-prod"))
    found = findings(role("prod", PROD, {"P": prod}), role("dev", DEV, {}))
    assert [f.kind for f in found] == [FindingKind.RESTRUCTURED]


def test_an_action_named_one_by_one_is_granted_as_written_whatever_its_resource():
    # The dataset may not know every resource an action accepts: doubt keeps a named action.
    prod = _statements(_grant("fsx:DescribeVolumes", "arn:aws:fsx:*:*:volume/*/*"))
    finding = only(role("prod", PROD, {"P": prod}), role("dev", DEV, {}))
    assert (finding.kind, finding.actions) == (FindingKind.POLICY_MISSING, ["fsx:DescribeVolumes"])


def test_an_action_pattern_has_iam_wildcards_only():
    # `[` is a plain character in IAM (fnmatch would read `[O]` as a class): the pattern names no known action.
    assert iamdb.expand("s3:Get[O]bject") == frozenset()
    assert iamdb.expand("s3:GetObjec?") == {"s3:getobject"}
