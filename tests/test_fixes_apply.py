"""The fixes fix: every AWS CLI fix the report gives is run, as written, with the real AWS CLI against the
target account on moto (the test makes these write calls, never the tool), and the next comparison of the
two accounts no longer reports what it fixed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from auditor import load_config
from auditor.findings import FindingKind, Severity
from auditor.pipeline import compare
from tests.conftest import account_iam
from tests.scenario import data_policy, seed

# Accounts of this test alone: it changes the target, and the session's other accounts must stay as seeded.
PROD, DEV = "555555555551", "555555555552"
# role_extra's deletion sequence is written commented out on purpose (deleting a role is a decision, not a
# fix); role_missing needs the role's own policies too, which the other findings of the pair bring.
NOT_APPLIED = {FindingKind.ROLE_EXTRA}


def _aws_cli() -> str:
    found = shutil.which("aws", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the AWS CLI is not installed; install the test extras: pip install -e '.[test]'")
    return found


def _credentials(account: str) -> dict[str, str]:
    issued = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/platform-admin", RoleSessionName="apply-fix"
    )["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": issued["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": issued["SecretAccessKey"],
        "AWS_SESSION_TOKEN": issued["SessionToken"],
    }


@pytest.fixture(scope="module")
def accounts(moto_server: str) -> str:
    seed(account_iam(PROD), "prod", PROD)
    dev = account_iam(DEV)
    seed(dev, "dev", DEV)
    # Beyond the seed's drift, one of each kind the seed lacks: a policy only dev has, an action dev lost, a
    # resource dev names differently, and an AWS managed policy only dev attaches.
    dev.put_role_policy(
        RoleName="deep-insight-task-role-dev",
        PolicyName="ScratchQueue",
        PolicyDocument=json.dumps(_allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:*:scratch-dev")),
    )
    dev.put_role_policy(
        RoleName="deep-insight-task-execution-role-dev",
        PolicyName="CloudWatchLogsAccess",
        PolicyDocument=json.dumps(_allow(["logs:CreateLogStream", "logs:PutLogEvents"], "*")),
    )
    narrower = json.loads(json.dumps(data_policy("dev", DEV)).replace("orders-dev/*", "orders-dev/2026/*"))
    dev.put_role_policy(
        RoleName="deep-insight-task-role-dev", PolicyName="DataAccess", PolicyDocument=json.dumps(narrower)
    )
    dev.attach_role_policy(RoleName="deep-insight-api-role-dev", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    return moto_server


def _allow(actions: object, resource: str) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        "baseline: prod\n"
        "accounts:\n"
        f"  prod:\n    role_arn: arn:aws:iam::{PROD}:role/iam-drift-auditor-readonly\n    env: prod\n"
        f"  dev:\n    role_arn: arn:aws:iam::{DEV}:role/iam-drift-auditor-readonly\n    env: dev\n",
        encoding="utf-8",
    )
    return path


def test_every_aws_cli_fix_run_as_written_removes_its_finding(accounts: str, tmp_path: Path):
    config = load_config(_config(tmp_path))
    before = [f for f in compare(config, "prod", "dev").findings if f.severity.at_least(Severity.LOW)]
    applied = [f for f in before if f.kind not in NOT_APPLIED and f.remediation and f.remediation.aws_cli]
    # Every kind that has a fix to run (unreadable asks for read access, role_extra is left to a person).
    assert {f.kind for f in applied} == {
        FindingKind.POLICY_MISSING,
        FindingKind.POLICY_EXTRA,
        FindingKind.PERMISSIONS_MISSING,
        FindingKind.PERMISSIONS_EXTRA,
        FindingKind.RESOURCE_DRIFT,
        FindingKind.CONDITION_DRIFT,
        FindingKind.TRUST_DRIFT,
        FindingKind.BOUNDARY_DRIFT,
        FindingKind.ROLE_MISSING,
    }
    environment = {**os.environ, **_credentials(DEV), "PATH": f"{Path(_aws_cli()).parent}{os.pathsep}/usr/bin:/bin"}
    # A role the baseline has and the target lacks is created first: the other fixes of that role need it.
    for finding in sorted(applied, key=lambda f: f.kind != FindingKind.ROLE_MISSING):
        assert finding.remediation is not None
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", finding.remediation.aws_cli],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert run.returncode == 0, f"{finding.kind.value} {finding.title}\n{finding.remediation.aws_cli}\n{run.stderr}"
    after = compare(config, "prod", "dev").findings
    left = {f.fingerprint for f in after} & {f.fingerprint for f in applied}
    assert left == set(), [f.title for f in after if f.fingerprint in left]
    assert [f.kind for f in after if f.severity.at_least(Severity.LOW)] == [FindingKind.ROLE_EXTRA], (
        "only the role dev alone has is left, which is not deleted for the user"
    )
