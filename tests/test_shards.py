"""An organization compared in shards (`--shard K/N`) and merged gives what one unsharded run gives."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.cli import main
from auditor.errors import UsageError
from auditor.shards import Shard
from bench.org import new_organization
from tests.conftest import account_iam
from tests.scenario import PASS_ROLE, observability_policy, seed
from tests.workflow_steps import WORKFLOWS, run_step

MANAGEMENT = "777777777777"  # an organization of its own: test_organization.py uses 555... and 666...
MEMBERS = 40


@pytest.fixture(scope="module")
def organization(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prod in the management account and 40 members, every fifth a staging account; the config to read them."""
    org = new_organization(MANAGEMENT)
    seed(account_iam(MANAGEMENT), "prod", MANAGEMENT)
    members = {}
    for number in range(MEMBERS):
        env = "staging" if number % 5 == 0 else "dev"
        made = org.create_account(Email=f"m{number}@example.com", AccountName=f"svc{number:02d}-{env}")
        account = made["CreateAccountStatus"]["AccountId"]
        seed(account_iam(account), env, account)
        members[f"svc{number:02d}-{env}"] = account
    folder = tmp_path_factory.mktemp("org")
    (folder / "config.yaml").write_text(
        f"accounts:\n  prod: {{role_arn: 'arn:aws:iam::{MANAGEMENT}:role/iam-drift-auditor-readonly', env: prod}}\n"
    )
    (folder / "members.json").write_text(json.dumps(members))
    return folder


def _comparable(folder: Path) -> dict[str, Any]:
    run = json.loads((folder / "report.json").read_text())
    for comparison in run["comparisons"]:
        for key in ("generated_at", "stats"):  # the clock, and the baseline read once per shard
            comparison.pop(key)
        for side in ("baseline", "target"):
            comparison[side].pop("collected_at")
    return {"comparisons": run["comparisons"], "unreadable": run["unreadable"]}


def test_four_shards_merged_equal_one_unsharded_run(organization: Path):
    config = str(organization / "config.yaml")
    whole = main(["compare", "prod", "--all-accounts", "-c", config, "-o", str(organization / "all"), "-f", "json"])
    shards = []
    for k in range(1, 5):
        out = organization / f"shard-{k}"
        main(["compare", "prod", "--all-accounts", "--shard", f"{k}/4", "-c", config, "-o", str(out), "-f", "json"])
        shards.append(out)
    merged = main(["merge", *map(str, shards), "-c", config, "-o", str(organization / "merged"), "-f", "json,md"])
    assert merged == whole == 1
    assert _comparable(organization / "merged") == _comparable(organization / "all")
    held = [{c["target"]["name"] for c in json.loads((s / "report.json").read_text())["comparisons"]} for s in shards]
    assert sum(map(len, held)) == MEMBERS and all(held)  # a partition: every member in exactly one shard
    markdown = (organization / "merged" / "report.md").read_text()
    assert markdown.count("# IAM drift: prod (777777777777) vs") == MEMBERS


def test_a_shard_is_the_same_accounts_whatever_else_joins_the_organization():
    ids = [f"{300000000000 + 7919 * n:012d}" for n in range(500)]
    before = {i for i in ids[:400] if Shard(3, 8).holds(i)}
    after = {i for i in ids if Shard(3, 8).holds(i)}
    assert before == after & set(ids[:400])
    sizes = [sum(Shard(k, 8).holds(i) for i in ids) for k in range(1, 9)]
    assert sum(sizes) == 500 and min(sizes) > 40  # even enough


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "1/0"])
def test_a_shard_that_is_not_k_of_n_is_refused(text: str):
    with pytest.raises(UsageError, match="expected K/N"):
        Shard.parse(text)


def test_shard_without_all_accounts_exits_2(demo: Path, capsys):
    assert main(["compare", "prod", "dev", "--shard", "1/2"]) == 2
    assert "use it with --all-accounts" in capsys.readouterr().err


def test_merging_one_target_twice_is_refused(organization: Path, capsys):
    shard = organization / "shard-1"
    if not shard.exists():
        pytest.skip("needs the shards of the test above")
    assert main(["merge", str(shard), str(shard), "-o", str(organization / "twice")]) == 2
    assert "in more than one shard run" in capsys.readouterr().err


WEEK_1, WEEK_2 = "2026-11-23T06:00:00Z", "2026-11-30T06:00:00Z"
RUN_2 = "2026-11-30T060000Z"


@pytest.fixture(scope="module")
def audited(organization: Path) -> Path:
    """The organization audited once (week 1), then changed: two members fixed, one given a new grant."""
    folder = organization / "audit"
    folder.mkdir()
    (folder / "config.yaml").write_text(
        (organization / "config.yaml").read_text() + "audits:\n  - {baseline: prod, all_accounts: true}\n"
    )
    assert main(["audit", "-c", str(folder / "config.yaml"), "-o", str(folder / "week-1"), "--now", WEEK_1]) == 1
    members = json.loads((organization / "members.json").read_text())
    for name, role, policy, document in (
        ("svc01-dev", "deep-insight-task-execution-role-dev", "ObservabilityAccess", observability_policy()),
        ("svc22-dev", "deep-insight-task-execution-role-dev", "ObservabilityAccess", observability_policy()),
        ("svc33-dev", "deep-insight-task-role-dev", "PassAnything", PASS_ROLE),
    ):
        account_iam(members[name]).put_role_policy(
            RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document)
        )
    return folder


def _audit(folder: Path, *args: str) -> int:
    return main(["audit", "-c", str(folder / "config.yaml"), "--now", WEEK_2, *args])


# A row of the API calls table (Markdown or HTML): each shard reads the baseline and lists the organization.
_CALLS_ROW = re.compile(r"^(\| `|<tr><td><code>)[a-z0-9-]+:[A-Za-z]+(` \||</code></td>).*$", re.MULTILINE)


def _run_files(run: Path) -> dict[str, Any]:
    """Every file of a run, less what differs by design between one run and shards: the clock of each read,
    and the API calls (each shard reads the baseline and lists the organization)."""
    files: dict[str, Any] = {}
    for path in sorted(run.rglob("*")):
        if path.is_file():
            name = path.relative_to(run).as_posix()
            text = path.read_text()
            files[name] = _comparable(path.parent) if path.name == "report.json" else _CALLS_ROW.sub("", text)
    return files


def test_an_audit_in_four_shards_merged_equals_the_unsharded_audit_marks_included(audited: Path):
    for history in ("whole", "sharded"):
        shutil.copytree(audited / "week-1", audited / history)
    assert _audit(audited, "-o", str(audited / "whole")) == 1
    for k in range(1, 5):
        assert _audit(audited, "--shard", f"{k}/4", "--parts", str(audited / "parts")) == 0
    assert not (audited / "sharded" / RUN_2).exists()  # a shard leaves the history alone
    assert _audit(audited, "--merge", "4", "--parts", str(audited / "parts"), "-o", str(audited / "sharded")) == 1
    whole, sharded = _run_files(audited / "whole" / RUN_2), _run_files(audited / "sharded" / RUN_2)
    assert sharded == whole
    record = json.loads(whole["run.json"])
    assert len(record["comparisons"]) == MEMBERS
    # Member names carry their account ID: svc33-dev-123456789012.
    changed = {c["target"].split("-")[0]: (sum(c["new"].values()), c["resolved"]) for c in record["comparisons"]}
    assert changed["svc33"][0] > 0
    assert changed["svc01"][1] == changed["svc22"][1] == 1
    assert sum(new for new, _ in changed.values()) == changed["svc33"][0]
    rows = [line for line in whole["index.md"].splitlines() if line.startswith("| prod vs ")]
    assert len(rows) == MEMBERS and rows[0].startswith("| prod vs svc33-dev-")  # the worst account first


def test_an_audit_merge_with_a_shard_missing_exits_3_and_writes_no_run(audited: Path, capsys):
    parts = audited / "parts-incomplete"
    parts.mkdir()
    for k in (1, 2, 4):
        shutil.copy(audited / "parts" / f"shard-{k}-of-4.json", parts)
    out = audited / "incomplete"
    assert _audit(audited, "--merge", "4", "--parts", str(parts), "-o", str(out)) == 3
    assert "shard-3-of-4.json" in capsys.readouterr().err
    assert not out.exists()


def test_an_audit_merge_under_other_audits_is_refused(audited: Path, capsys):
    other = audited / "other.yaml"
    other.write_text((audited / "config.yaml").read_text().replace("all_accounts: true", "targets: [prod]"))
    code = main(
        ["audit", "-c", str(other), "--merge", "4", "--parts", str(audited / "parts"), "-o", str(audited / "x")]
    )
    assert code == 2
    assert "other `audits`" in capsys.readouterr().err


def test_the_matrix_workflows_shard_and_merge_steps_give_the_unsharded_audit(audited: Path):
    whole = audited / "whole" / RUN_2
    if not whole.exists():
        pytest.skip("needs the unsharded week 2 of the test above")
    workflow = yaml.safe_load((WORKFLOWS / "org-iam-audit.yml").read_text())
    count = workflow["env"]["SHARDS"]
    assert workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"] == list(range(1, count + 1))
    merger = audited / "runner-merge"
    shutil.copytree(audited / "week-1", merger / "reports")  # what "Restore the previous runs" brings back
    for k in range(1, count + 1):  # each shard on a runner of its own; the download merges their parts
        runner = audited / f"runner-{k}"
        runner.mkdir()
        shutil.copy(audited / "config.yaml", runner / "config.yaml")
        env = {"SHARD": str(k), "SHARDS": str(count), "AUDITOR_NOW": WEEK_2}
        done = run_step("org-iam-audit.yml", "shard", "Audit shard", runner, env)
        assert done.returncode == 0, done.stderr  # drift is the merge's to report
        shutil.copytree(runner / "parts", merger / "parts", dirs_exist_ok=True)
    shutil.copy(audited / "config.yaml", merger / "config.yaml")
    merged = run_step("org-iam-audit.yml", "merge", "Merge", merger, {"SHARDS": str(count), "AUDITOR_HISTORY": ""})
    assert merged.returncode == 1, merged.stderr
    assert (merger / ".github-output").read_text() == f"run=reports/{RUN_2}\n"
    merged_files, whole_files = _run_files(merger / "reports" / RUN_2), _run_files(whole)
    sarif = {name for name in merged_files if name.endswith("/report.sarif")}  # the workflow asks for SARIF too
    assert len(sarif) == MEMBERS
    record, expected = json.loads(merged_files.pop("run.json")), json.loads(whole_files.pop("run.json"))
    for comparison in record["comparisons"]:
        comparison["reports"].remove("report.sarif")
    assert record == expected
    assert {name: text for name, text in merged_files.items() if name not in sarif} == whole_files
    (merger / "parts" / "shard-2-of-4.json").unlink()  # a part lost: the merge writes no run and says so
    (merger / ".github-output").write_text("")
    assert run_step("org-iam-audit.yml", "merge", "Merge", merger, {"SHARDS": str(count)}).returncode == 3
    assert (merger / ".github-output").read_text() == ""
