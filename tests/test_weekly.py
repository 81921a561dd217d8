"""Months of the scheduled audit against live accounts on moto: weekly runs, same-day reruns, local and S3 history."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from auditor.cli import main
from tests.conftest import account_iam
from tests.scenario import PASS_ROLE, observability_policy, seed


class Weeks:
    """One prod/dev pair of its own on moto, audited with `auditor audit` from a folder of its own."""

    def __init__(self, folder: Path, prod: str, dev: str, history: str | None) -> None:
        self.folder, self.dev, self.history = folder, dev, history
        seed(account_iam(prod), "prod", prod)
        seed(account_iam(dev), "dev", dev)
        (folder / "config.yaml").write_text(
            "baseline: prod\naccounts:\n"
            f"  prod: {{role_arn: 'arn:aws:iam::{prod}:role/iam-drift-auditor-readonly', env: prod}}\n"
            f"  dev: {{role_arn: 'arn:aws:iam::{dev}:role/iam-drift-auditor-readonly', env: dev}}\n"
            "audits: [{baseline: prod, targets: [dev]}]\n" + (f"history: {history}\n" if history else "")
        )

    def audit(self, at: str, *extra: str) -> tuple[int, dict[str, Any]]:
        """Run the audit at `at` (UTC); its exit code and the comparison's report.json as kept in the history."""
        code = main(
            ["audit", "-c", str(self.folder / "config.yaml"), "-o", str(self.folder / "reports"), "--now", at, *extra]
        )
        run_id = datetime.fromisoformat(at).replace(tzinfo=UTC).strftime("%Y-%m-%dT%H%M%SZ")
        [comparison] = json.loads(self.kept(run_id, "prod-vs-dev/report.json"))["comparisons"]
        return code, comparison

    def kept(self, run_id: str, name: str) -> str:
        """A file of a run, read from where the history is kept (the reports folder or S3)."""
        if self.history is None:
            return (self.folder / "reports" / run_id / name).read_text()
        bucket, _, prefix = self.history.removeprefix("s3://").partition("/")
        return boto3.client("s3").get_object(Bucket=bucket, Key=f"{prefix}/{run_id}/{name}")["Body"].read().decode()

    def fix_one_and_break_another(self) -> None:
        """Dev gains the missing ObservabilityAccess and, unasked, iam:PassRole on its task role."""
        iam = account_iam(self.dev)
        for role, name, document in (
            ("deep-insight-task-execution-role-dev", "ObservabilityAccess", observability_policy()),
            ("deep-insight-task-role-dev", "PassAnything", PASS_ROLE),
        ):
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


def _status(report: dict[str, Any], status: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["history"]["status"] == status]


_ACCOUNTS = itertools.count(310000000001, 2)


@pytest.fixture(params=["local", "s3"])
def weeks(request: pytest.FixtureRequest, aws: str, tmp_path: Path) -> Weeks:
    # Every test gets accounts of its own: the accounts change during the test.
    prod = next(_ACCOUNTS)
    if request.param == "local":
        return Weeks(tmp_path, str(prod), str(prod + 1), None)
    bucket = f"weekly-{prod}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return Weeks(tmp_path, str(prod), str(prod + 1), f"s3://{bucket}/iam-audit")


def test_three_weeks_and_two_same_day_reruns(weeks: Weeks):
    code, week_1 = weeks.audit("2026-11-02T06:00:00", "--fail-on-new", "high")
    assert code == 1 and week_1["findings"] and not _status(week_1, "persisting")  # a first run: all new

    weeks.fix_one_and_break_another()
    code, week_2 = weeks.audit("2026-11-09T06:00:00", "--fail-on-new", "high")
    assert code == 1
    [new] = _status(week_2, "new")
    assert (new["target_role"], new["policy"]["name"], new["severity"]) == (
        "deep-insight-task-role-dev",
        "PassAnything",
        "critical",
    )
    assert [(f["target_role"], f["policy"]["name"]) for f in week_2["resolved"]] == [
        ("deep-insight-task-execution-role-dev", "ObservabilityAccess")
    ]
    assert len(_status(week_2, "persisting")) == len(week_1["findings"]) - 1

    for rerun in ("2026-11-09T10:00:00", "2026-11-09T14:30:00"):
        code, again = weeks.audit(rerun, "--fail-on-new", "high")
        assert code == 0 and not _status(again, "new") and not again["resolved"]
        assert len(again["findings"]) == len(week_2["findings"])
    assert again["previous_run_id"] == "2026-11-09T100000Z"  # the rerun before it, not the week before

    code, week_3 = weeks.audit("2026-11-16T06:00:00", "--fail-on-new", "high")
    assert code == 0 and not _status(week_3, "new") and not week_3["resolved"]
    assert {f["history"]["first_seen"] for f in week_3["findings"]} == {"2026-11-02", "2026-11-09"}
    record = json.loads(weeks.kept("2026-11-16T060000Z", "run.json"))
    assert record["complete"] and record["previous_run_id"] == "2026-11-09T143000Z"


def test_every_run_of_the_day_is_kept_in_a_folder_of_its_own(weeks: Weeks):
    weeks.audit("2026-11-09T06:00:00")
    weeks.audit("2026-11-09T06:00:00")  # the same second: a second folder, not the first one replaced
    assert json.loads(weeks.kept("2026-11-09T060000Z-2", "run.json"))["previous_run_id"] == "2026-11-09T060000Z"


def test_an_incomplete_run_is_marked_and_not_the_baseline_for_resolved(weeks: Weeks):
    weeks.audit("2026-11-02T06:00:00")
    config = weeks.folder / "config.yaml"
    kept = config.read_text()
    # Week 2 cannot read dev: its credentials come from a profile that does not exist.
    config.write_text(kept.replace("  dev: {role_arn", "  dev: {profile: no-such-profile, role_arn"))
    assert main(["audit", "-c", str(config), "-o", str(weeks.folder / "reports"), "--now", "2026-11-09T06:00:00"]) == 3
    record = json.loads(weeks.kept("2026-11-09T060000Z", "run.json"))
    assert not record["complete"] and record["unreadable"] == ["dev"] and not record["comparisons"]
    assert "could not be read" in weeks.kept("2026-11-09T060000Z", "summary.md")
    config.write_text(kept)
    weeks.fix_one_and_break_another()
    _, week_3 = weeks.audit("2026-11-16T06:00:00")
    assert week_3["previous_run_id"] == "2026-11-02T060000Z"
    assert len(week_3["resolved"]) == 1 and len(_status(week_3, "new")) == 1
