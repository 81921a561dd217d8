"""--all-accounts: members listed through AWS Organizations, read concurrently, one failure not stopping the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

import pytest
from botocore.awsrequest import AWSResponse

from auditor import load_config
from auditor.cli import main
from auditor.findings import FindingKind
from auditor.pipeline import RunOptions, compare_organization
from auditor.sources import Collector
from bench.org import new_organization
from tests.conftest import account_iam
from tests.scenario import seed

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
MANAGEMENT = "555555555555"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any):
        yield self._body


@pytest.fixture(scope="module")
def organization(moto_server: str) -> dict[str, str]:
    """prod's roles in the management account, three member accounts: two seeded, one sandbox."""
    org = new_organization(MANAGEMENT)
    members = {}
    for name in ("shop-dev", "shop-staging", "sandbox-dev"):
        members[name] = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"][
            "AccountId"
        ]
    seed(account_iam(MANAGEMENT), "prod", MANAGEMENT)
    seed(account_iam(members["shop-dev"]), "dev", members["shop-dev"])
    seed(account_iam(members["shop-staging"]), "staging", members["shop-staging"])
    return members


@pytest.fixture
def org_config(organization, write_config):
    text = (
        "accounts:\n"
        f"  prod:\n    role_arn: arn:aws:iam::{MANAGEMENT}:role/iam-drift-auditor-readonly\n    env: prod\n"
        "organization:\n  exclude: ['sandbox-*']\n"
    )
    return write_config(text)


def test_all_accounts_compares_every_member_in_scope_with_the_baseline(org_config, organization):
    seen: list[tuple[str, int, int]] = []
    options = RunOptions(concurrency=2, progress=lambda name, done, total: seen.append((name, done, total)))
    run = compare_organization(load_config(org_config), "prod", now=NOW, options=options)
    labels = [f"shop-dev-{organization['shop-dev']}", f"shop-staging-{organization['shop-staging']}"]
    assert [r.target.name for r in run.comparisons] == labels
    assert seen[0] == ("read prod (baseline)", 0, 2)
    reads = [(step, done, total) for step, done, total in seen[1:] if step.startswith("read ")]
    assert sorted(step for step, _, _ in reads) == [f"read {label}" for label in labels] and reads[-1][1:] == (2, 2)
    assert sorted(step for step, _, _ in seen if step.startswith("compare ")) == [f"compare {x}" for x in labels]
    for result in run.comparisons:
        missing = [f for f in result.findings if f.kind == FindingKind.POLICY_MISSING]
        assert [f.policy.name for f in missing] == ["ObservabilityAccess"]  # env token from the account name
    assert run.stats.api_calls["organizations:ListAccounts"] == 1


def test_one_unreadable_member_does_not_stop_the_others(org_config, organization):
    def deny_staging(request: Any, **_: Any) -> AWSResponse | None:
        body = unquote_plus(request.body.decode() if isinstance(request.body, bytes) else str(request.body or ""))
        if "AssumeRole" in body and organization["shop-staging"] in body:
            error = b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>"
            return AWSResponse(request.url, 403, {}, _Raw(error))
        return None

    collector = Collector(now=NOW, hooks=(("before-send.sts", deny_staging),))
    run = compare_organization(load_config(org_config), "prod", now=NOW, options=RunOptions(collector=collector))
    assert [r.target.name for r in run.comparisons] == [f"shop-dev-{organization['shop-dev']}"]
    assert [u.name for u in run.unreadable] == [f"shop-staging-{organization['shop-staging']}"]


def test_all_accounts_from_the_command_line(org_config, organization, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", "prod", "--all-accounts", "-c", str(org_config), "-o", str(out), "--stats"]) == 1
    report = json.loads((out / "report.json").read_text())
    labels = [f"shop-dev-{organization['shop-dev']}", f"shop-staging-{organization['shop-staging']}"]
    assert [c["target"]["name"] for c in report["comparisons"]] == labels
    printed = capsys.readouterr().out
    assert "organizations:ListAccounts" in printed and "sts:AssumeRole" in printed


def test_all_accounts_takes_only_the_baseline(org_config, capsys):
    assert main(["compare", "prod", "dev", "--all-accounts", "-c", str(org_config)]) == 2
    assert "name only the baseline" in capsys.readouterr().err


@pytest.fixture(scope="module")
def lookalikes(moto_server: str) -> tuple[str, dict[str, list[str]]]:
    """An organization whose member names collide once made file-safe, repeat, or equal the baseline's name."""
    management = "666666666666"
    org = new_organization(management)
    members: dict[str, list[str]] = {}
    for index, name in enumerate(["payments-dev", "payments dev", "sandbox", "sandbox", "prod"]):
        created = org.create_account(Email=f"m{index}@example.com", AccountName=name)["CreateAccountStatus"]
        members.setdefault(name, []).append(created["AccountId"])
    seed(account_iam(management), "prod", management)
    for ids in members.values():
        for account in ids:
            seed(account_iam(account), "dev", account)
    return management, members


def test_members_whose_names_collide_are_each_read_under_a_label_with_their_id(lookalikes, write_config):
    management, members = lookalikes
    config = write_config(
        f"accounts:\n  prod:\n    role_arn: arn:aws:iam::{management}:role/iam-drift-auditor-readonly\n    env: prod\n"
    )
    run = compare_organization(load_config(config), "prod", now=NOW)
    read = {result.target.name: result.target.account_id for result in run.comparisons}
    every_id = sorted(account for ids in members.values() for account in ids)
    assert sorted(read.values()) == every_id and not run.unreadable  # each member read once, none skipped
    assert all(label.endswith(f"-{account}") for label, account in read.items())
    assert f"prod-{members['prod'][0]}" in read  # the member named like the baseline is read, not the baseline
    assert management not in read.values()
