"""The shipped GitHub Actions workflow: valid for GitHub, and its history and ticket steps run as written
against stand-ins here (moto's S3 for the history, a `gh` stand-in for artifacts, a GitHub API stand-in)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.conftest import REPO
from tests.github_standin import TOKEN, Repository, github_standin
from tests.workflow_steps import BIN, run_step, steps

WORKFLOW = REPO / ".github" / "workflows" / "weekly-iam-audit.yml"


def _steps() -> dict[str, dict[str, Any]]:
    return steps(WORKFLOW.name, "audit")


@pytest.mark.parametrize("workflow", ["weekly-iam-audit.yml", "org-iam-audit.yml"])
@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_the_workflows_are_valid_for_github(schema: str, workflow: str):
    checked = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(WORKFLOW.parent / workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_workflow_runs_weekly_with_oidc_and_may_write_issues_and_code_scanning_alerts_only():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow[True]["schedule"][0]["cron"]  # YAML 1.1 reads the key `on` as a boolean
    assert workflow["permissions"] == {
        "id-token": "write",
        "contents": "read",
        "security-events": "write",
        "issues": "write",
        "actions": "read",
    }
    assert workflow["concurrency"]["cancel-in-progress"] is False
    uses = [step.get("uses", "") for step in _steps().values()]
    for action in (
        "aws-actions/configure-aws-credentials",
        "actions/upload-artifact",
        "github/codeql-action/upload-sarif",
    ):
        assert any(u.startswith(action) for u in uses)


@pytest.mark.parametrize(
    ("workflow", "job"),
    [("weekly-iam-audit.yml", "audit"), ("org-iam-audit.yml", "shard"), ("org-iam-audit.yml", "merge")],
)
def test_run_steps_take_values_from_env_never_from_expressions_inside_the_script(workflow: str, job: str):
    # ${{ }} inside `run:` is pasted into the shell before it runs: a value with quotes would run as code.
    for name, step in steps(workflow, job).items():
        assert "${{" not in step.get("run", ""), name


def _run(step: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_step(WORKFLOW.name, "audit", step, folder, env)


def _fresh_runner(demo: Path) -> None:
    """A new job: the checkout as committed, nothing left of the last one."""
    shutil.rmtree(demo / "reports", ignore_errors=True)
    (demo / ".github-output").unlink(missing_ok=True)


def _output(demo: Path) -> dict[str, str]:
    lines = (demo / ".github-output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def _report(demo: Path) -> dict[str, Any]:
    [comparison] = json.loads((demo / _output(demo)["run"] / "prod-vs-dev" / "report.json").read_text())["comparisons"]
    return comparison


def test_with_s3_history_the_second_week_on_a_fresh_runner_sees_the_first(demo: Path, aws: str):
    boto3.client("s3").create_bucket(Bucket="workflow-history")
    history = {"AUDITOR_HISTORY": "s3://workflow-history/iam"}
    first = _run("Audit", demo, history)
    assert first.returncode == 1, first.stderr  # drift, all of it new
    week_1 = _output(demo)["run"]
    _fresh_runner(demo)
    second = _run("Audit", demo, history)
    assert second.returncode == 0, second.stdout + second.stderr  # --fail-on-new high: nothing new
    assert _report(demo)["previous_run_id"] == Path(week_1).name


def test_without_s3_history_the_previous_runs_artifact_is_restored_and_compared_with(demo: Path, tmp_path: Path):
    assert _steps()["Restore the previous runs"]["if"] == "env.AUDITOR_HISTORY == ''"
    no_history = {"AUDITOR_HISTORY": ""}
    assert _run("Audit", demo, no_history).returncode == 1
    week_1 = _output(demo)["run"]
    artifact = tmp_path / "artifact-101"
    shutil.copytree(demo / "reports", artifact)  # what "Keep the reports" uploaded
    runs = [
        {"databaseId": 102, "status": "completed", "artifacts": {}},  # a run that failed before uploading
        {"databaseId": 101, "status": "completed", "artifacts": {"iam-drift-reports": str(artifact)}},
    ]
    (tmp_path / "gh.json").write_text(json.dumps({"runs": runs}))
    _fresh_runner(demo)
    restored = _run("Restore the previous runs", demo, {"GH_TOKEN": "t", "GH_STANDIN": str(tmp_path / "gh.json")})
    assert restored.returncode == 0 and "from run 101" in restored.stdout, restored.stdout + restored.stderr
    second = _run("Audit", demo, no_history)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _report(demo)["previous_run_id"] == Path(week_1).name


def test_with_no_earlier_artifact_the_restore_step_says_first_run_and_succeeds(demo: Path, tmp_path: Path):
    (tmp_path / "gh.json").write_text(json.dumps({"runs": []}))
    restored = _run("Restore the previous runs", demo, {"GH_TOKEN": "t", "GH_STANDIN": str(tmp_path / "gh.json")})
    assert restored.returncode == 0 and "first run" in restored.stdout


def test_an_audit_that_wrote_nothing_gives_the_later_steps_no_run(demo: Path):
    (demo / "config.yaml").write_text("accounts: {}\n")  # exit 2: nothing written, nothing to upload or ticket
    assert _run("Audit", demo, {"AUDITOR_HISTORY": ""}).returncode == 2
    assert not (demo / ".github-output").exists()
    assert _steps()["Tickets"]["if"] == _steps()["Upload SARIF"]["if"] == "always() && steps.audit.outputs.run != ''"


def test_the_ticket_step_opens_the_issue_for_the_run_the_audit_step_wrote(demo: Path):
    assert _run("Audit", demo, {"AUDITOR_HISTORY": ""}).returncode == 1
    repository = Repository("acme/platform")
    with github_standin(repository) as api:
        env = {
            "GITHUB_API_URL": api,
            "GITHUB_REPOSITORY": repository.name,
            "GITHUB_TOKEN": TOKEN,
            "AUDITOR_TICKET_THRESHOLD": "high",
            "REPORTS_URL": "https://github.com/acme/platform/actions/runs/101",
        }
        ticket = _run("Tickets", demo, env)
    assert ticket.returncode == 0, ticket.stderr
    [issue] = repository.open_issues()
    assert "actions/runs/101" in issue["body"] and Path(_output(demo)["run"]).name in issue["body"]
