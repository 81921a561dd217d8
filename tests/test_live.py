"""The live path against moto's server: two accounts reached through STS, as the tool reaches real ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from auditor import compare, load_config
from auditor.cli import main
from auditor.errors import ReadOnlyViolationError
from auditor.findings import FindingKind
from auditor.pipeline import compare_many
from auditor.sources import ManagedPolicyCache, collect, live, read_snapshot
from auditor.sources.live import client
from tests.conftest import REPO, account_iam, live_config_text
from tests.scenario import ECS_EXECUTION, OBSERVABILITY_ACTIONS, PROD, seed

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def live_result(seeded, tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "config.yaml"
    path.write_text(live_config_text())
    return compare(load_config(path), "prod", "dev", now=NOW)


def test_missing_observability_policy_is_exactly_one_finding_with_its_eight_actions(live_result):
    missing = [f for f in live_result.findings if f.kind == FindingKind.POLICY_MISSING]
    assert len(missing) == 1
    finding = missing[0]
    assert finding.policy is not None and finding.policy.name == "ObservabilityAccess"
    assert finding.policy.type == "inline"
    assert finding.target_role == "deep-insight-task-execution-role-dev"
    assert sorted(finding.actions) == sorted(OBSERVABILITY_ACTIONS)


def test_policies_equal_in_meaning_but_written_differently_give_no_finding(live_result):
    # CloudWatchLogsAccess is re-cased, reordered, dict-vs-list; DataAccess's ARNs carry env and account ID;
    # the batch policy's ARN and document carry the env; AWS managed policies compare by ARN.
    quiet = {"CloudWatchLogsAccess", "deep-insight-batch-dev", "AmazonECSTaskExecutionRolePolicy"}
    assert not [f for f in live_result.findings if f.policy and f.policy.name in quiet]
    data = [f for f in live_result.findings if f.policy and f.policy.name == "DataAccess"]
    assert [(f.kind, f.actions) for f in data] == [(FindingKind.PERMISSIONS_EXTRA, ["dynamodb:Scan"])]


def test_every_planted_drift_is_found_once(live_result):
    found = sorted((f.kind.value, f.role) for f in live_result.findings)
    assert found == sorted(
        [
            ("policy_missing", "deep-insight-task-execution-role-dev"),
            ("permissions_extra", "deep-insight-task-role-dev"),
            ("condition_drift", "deep-insight-api-role-dev"),
            ("trust_drift", "deep-insight-deploy-role-dev"),
            ("boundary_drift", "deep-insight-batch-role-dev"),
            ("role_missing", "deep-insight-reporting-role-prod"),
            ("role_extra", "deep-insight-debug-role-dev"),
        ]
    )


def test_service_linked_roles_are_excluded_by_default(live_result):
    names = {p.baseline_role for p in live_result.pairs} | {p.target_role for p in live_result.pairs}
    assert "AWSServiceRoleForECS" not in names


def test_accounts_are_named_with_their_ids(live_result):
    assert (live_result.baseline.account_id, live_result.target.account_id) == (PROD, "222222222222")


def test_aws_managed_documents_are_fetched_once_per_run(seeded, write_config, monkeypatch):
    config = load_config(write_config(live_config_text()))
    fetched: list[str] = []
    original = live._fetch_managed

    def counting(iam, arn):
        fetched.append(arn)
        return original(iam, arn)

    monkeypatch.setattr(live, "_fetch_managed", counting)
    cache = ManagedPolicyCache()
    prod = collect(config.account("prod"), cache, NOW)
    dev = collect(config.account("dev"), cache, NOW)
    assert fetched == [ECS_EXECUTION]
    for snapshot, role in (
        (prod, "deep-insight-task-execution-role-prod"),
        (dev, "deep-insight-task-execution-role-dev"),
    ):
        attached = snapshot.roles[role].managed_policies[0]
        assert attached.arn == ECS_EXECUTION and attached.document is not None


def test_demo_snapshots_are_what_the_live_path_collects_from_the_scenario(seeded, write_config):
    config = load_config(write_config(live_config_text()))
    cache = ManagedPolicyCache()
    for name in ("prod", "dev"):
        bundled = read_snapshot(REPO / "baselines" / "demo" / f"{name}.json")
        collected = collect(config.account(name), cache, bundled.collected_at)
        assert collected.model_dump() == bundled.model_dump(), f"baselines/demo/{name}.json is out of date"


def test_snapshot_command_writes_a_sorted_deterministic_file(seeded, write_config, tmp_path: Path):
    config = write_config(live_config_text())
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["snapshot", "prod", "-c", str(config), "-o", str(first)]) == 0
    assert main(["snapshot", "prod", "-c", str(config), "-o", str(second)]) == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    a.pop("collected_at"), b.pop("collected_at")
    assert a == b
    assert (
        first.read_text()
        == json.dumps(json.loads(first.read_text()), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    assert a["account_id"] == PROD and a["schema_version"] == 1
    assert "deep-insight-task-execution-role-prod" in a["roles"]


def test_compare_command_on_live_accounts_exits_1_and_writes_reports(seeded, write_config, tmp_path: Path):
    config = write_config(live_config_text())
    assert main(["compare", "prod", "dev", "-c", str(config), "-o", str(tmp_path / "out")]) == 1
    [report] = json.loads((tmp_path / "out" / "report.json").read_text())["comparisons"]
    assert report["summary"]["roles_compared"] == 5


def test_read_only_guard_refuses_a_write_before_it_reaches_the_server(seeded):
    iam = client(boto3.Session(), "iam")  # moto's default credentials may do anything
    sent: list[str] = []
    iam.meta.events.register("before-send.iam", lambda request, **_: sent.append(request.url))
    for write in (
        lambda: iam.create_role(RoleName="should-not-exist", AssumeRolePolicyDocument="{}"),
        lambda: iam.put_role_policy(RoleName="x", PolicyName="p", PolicyDocument="{}"),
        lambda: iam.delete_role(RoleName="deep-insight-task-role-prod"),
    ):
        with pytest.raises(ReadOnlyViolationError):
            write()
    assert sent == []  # refused before signing: nothing left the process
    names = [r["RoleName"] for r in account_iam("123456789012").list_roles()["Roles"]]
    assert "should-not-exist" not in names


def test_read_only_guard_lets_the_reads_through_unchanged(seeded):
    issued = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{PROD}:role/reader", RoleSessionName="reads")
    keys = issued["Credentials"]
    session = boto3.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
    guarded = client(session, "iam").get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    plain = session.client("iam").get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    assert guarded == plain
    assert "deep-insight-task-role-prod" in {role["RoleName"] for role in guarded}


def test_unreachable_endpoint_exits_3_with_one_line(aws, write_config, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    config = write_config(live_config_text())
    assert main(["compare", "prod", "dev", "-c", str(config), "-o", str(config.parent / "out")]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sts:AssumeRole" in err[0] and "prod" in err[0]
    assert not (config.parent / "out").exists()


def test_account_without_role_arn_or_snapshot_uses_the_current_credentials(seeded, write_config):
    config = load_config(write_config("accounts:\n  here: {}\n"))
    snapshot = collect(config.account("here"), ManagedPolicyCache(), NOW)
    assert snapshot.account_id == "123456789012"  # moto's account for plain credentials
    assert snapshot.source == "live"


STAGING = "333333333333"


@pytest.fixture(scope="module")
def three_accounts(seeded):
    seed(account_iam(STAGING), "staging", STAGING)
    return seeded


def _three_account_config(write_config):
    extra = f"  staging:\n    role_arn: arn:aws:iam::{STAGING}:role/iam-drift-auditor-readonly\n    env: staging\n"
    return write_config(live_config_text().replace("roles:", "roles:") + extra)


def test_three_accounts_in_one_run_read_the_baseline_once(three_accounts, write_config):
    run = compare_many(load_config(_three_account_config(write_config)), "prod", ["dev", "staging"], now=NOW)
    assert [result.target.name for result in run.comparisons] == ["dev", "staging"]
    assert run.stats.api_calls == {
        "iam:GetAccountAuthorizationDetails": 3,  # one page per account: prod once, not twice
        "iam:GetPolicy": 1,  # the AWS managed policy, fetched once for all three accounts
        "iam:GetPolicyVersion": 1,
        "sts:AssumeRole": 3,
    }
    staging = run.comparisons[1]
    assert any(
        f.kind == FindingKind.POLICY_MISSING and f.target_role == "deep-insight-task-execution-role-staging"
        for f in staging.findings
    )


def test_several_targets_make_one_report_with_a_section_each(three_accounts, write_config, tmp_path: Path):
    config = _three_account_config(write_config)
    assert main(["compare", "prod", "dev", "staging", "-c", str(config), "-o", str(tmp_path / "out")]) == 1
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [c["target"]["name"] for c in report["comparisons"]] == ["dev", "staging"]
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "# IAM drift: prod vs dev, staging" in markdown
    assert markdown.count("# IAM drift: prod (111111111111) vs") == 2
    assert report["stats"]["api_calls"]["sts:AssumeRole"] == 3


@pytest.mark.parametrize(
    ("endpoint", "warned"),
    [
        ("http://iam.internal.example:8080", True),
        ("http://127.0.0.1:5000", False),
        ("http://localhost:5000", False),
        ("https://iam.amazonaws.com", False),
    ],
)
def test_a_plain_http_endpoint_off_this_machine_is_warned_about(endpoint: str, warned: bool):
    from auditor.sources.live import cleartext_warning

    assert (cleartext_warning(endpoint) is not None) == warned
