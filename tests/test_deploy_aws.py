"""deploy/aws: the CloudFormation template passes AWS's linter, and its state machine, run step by step with
each Batch job's command given to the real CLI, shards the audit, merges it and keeps the run in S3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from cfnlint.api import ManualArgs, lint_file

from auditor.cli import main
from tests.asl import TaskFailedError, execute

TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "aws" / "org-audit.yaml"
BUCKET, PREFIX = "org-audit-history", "iam-drift"


class _Template(yaml.SafeLoader):
    """CloudFormation YAML: short-form functions (!Ref, !Sub, !GetAtt) read as their plain values."""


_Template.add_multi_constructor("!", lambda loader, tag, node: loader.construct_scalar(node))  # type: ignore[arg-type]


def _state_machine() -> dict[str, Any]:
    """The definition with its substitutions made as CloudFormation makes them."""
    template = yaml.load(TEMPLATE.read_text(), Loader=_Template)
    properties = template["Resources"]["StateMachine"]["Properties"]
    text = json.dumps(properties["Definition"])
    values = {"JobQueue": "queue", "JobDefinition": "job", "Parts": f"s3://{BUCKET}/{PREFIX}/parts"}
    values["History"] = f"s3://{BUCKET}/{PREFIX}"
    assert set(values) == set(properties["DefinitionSubstitutions"])
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return dict(json.loads(text))


def test_the_template_passes_cfn_lint_with_informational_checks():
    matches = lint_file(TEMPLATE, config=ManualArgs(regions=["us-east-1"], include_checks=["I"]))
    assert [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches] == []


def test_cfn_lint_would_catch_a_broken_state_machine(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text().replace("StartAt: Shard\n", "StartAt: Shrd\n"))
    assert any(m.rule.id == "E3601" for m in lint_file(broken, config=ManualArgs(regions=["us-east-1"])))


@pytest.fixture
def organization_job(demo: Path, aws: str) -> Path:
    """The demo config as the image holds it: one audit of three targets, history in S3."""
    for name in ("staging", "qa"):
        (demo / "baselines" / "demo" / f"{name}.json").write_text(
            (demo / "baselines" / "demo" / "dev.json").read_text()
        )
    config = (demo / "config.yaml").read_text()
    config = config.replace(
        "\nroles:",
        "\n  staging: {snapshot: baselines/demo/staging.json, env: dev}\n"
        "  qa: {snapshot: baselines/demo/qa.json, env: dev}\n\nroles:",
        1,
    )
    config = config.replace("    targets: [dev]\n", "    targets: [dev, staging, qa]\n", 1)
    (demo / "config.yaml").write_text(config)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return demo


def _keys(prefix: str) -> set[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_the_state_machine_runs_every_shard_then_merges_into_the_history(organization_job: Path):
    commands: list[list[str]] = []

    def batch_job(command: list[str]) -> int:
        commands.append(command)
        return main(command)

    end, _ = execute(_state_machine(), {"shards": 3}, "weekly-1", batch_job)
    assert end == "DriftFound"  # the demo's dev drifts: the merge exits 1, and that is not a failure
    assert [c[c.index("--shard") + 1] for c in commands[:3]] == ["1/3", "2/3", "3/3"]
    assert _keys(f"{PREFIX}/parts/weekly-1/") == {f"{PREFIX}/parts/weekly-1/shard-{k}-of-3.json" for k in (1, 2, 3)}
    [run_id] = {key.split("/")[1] for key in _keys(f"{PREFIX}/2") if key.endswith("/run.json")}
    record = json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=f"{PREFIX}/{run_id}/run.json")["Body"].read())
    assert [c["target"] for c in record["comparisons"]] == ["dev", "staging", "qa"]  # the config's order
    assert record["complete"] is True


def test_a_merge_missing_a_shards_part_fails_the_execution(organization_job: Path):
    def batch_job(command: list[str]) -> int:
        if "--merge" in command:  # shard 1's part lost between the map and the merge
            boto3.client("s3").delete_object(Bucket=BUCKET, Key=f"{PREFIX}/parts/weekly-2/shard-1-of-2.json")
        return main(command)

    runs_before = _keys(f"{PREFIX}/2")
    with pytest.raises(AssertionError, match="execution failed in AuditFailed"):
        execute(_state_machine(), {"shards": 2}, "weekly-2", batch_job)
    assert _keys(f"{PREFIX}/2") == runs_before  # no run kept


def test_a_shard_that_fails_stops_the_execution_before_the_merge(organization_job: Path):
    merged = []

    def batch_job(command: list[str]) -> int:
        merged.append("--merge" in command)
        return 4 if "2/2" in command else main(command)

    with pytest.raises(TaskFailedError):
        execute(_state_machine(), {"shards": 2}, "weekly-3", batch_job)
    assert not any(merged)
