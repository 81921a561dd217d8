"""The command line on the bundled demo: reports, exit codes, and one-line errors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import hcl2
import pytest
import yaml

from auditor.cli import main
from auditor.model import AccountSnapshot, RoleRecord
from auditor.sources import write_snapshot
from bench.synth import write
from tests.conftest import SNAPSHOTS_CONFIG
from tests.hostile import hostile_demo

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_demo_compare_writes_three_reports_and_exits_1(demo: Path, capsys):
    assert main(["compare", "prod", "dev"]) == 1
    [out_dir] = (demo / "reports").iterdir()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-prod-vs-dev", out_dir.name)
    assert sorted(p.name for p in out_dir.iterdir()) == [
        ".iam-drift-auditor",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert "ObservabilityAccess" in capsys.readouterr().out


def test_demo_markdown_has_the_put_role_policy_fix_for_observability_access(demo: Path):
    main(["compare", "prod", "dev", "-o", "out"])
    markdown = (demo / "out" / "report.md").read_text()
    assert (
        "aws iam put-role-policy \\\n  --role-name deep-insight-task-execution-role-dev \\\n"
        "  --policy-name ObservabilityAccess" in markdown
    )
    assert "logs:UpdateDeliveryConfiguration" in markdown
    assert "PolicyName: ObservabilityAccess" in markdown  # CloudFormation
    assert "# expected: 8" in markdown


def test_json_report_follows_the_contract(demo: Path):
    main(["compare", "prod", "dev", "-o", "out", "-f", "json"])
    run = json.loads((demo / "out" / "report.json").read_text())
    assert run["schema_version"] == 2 and run["unreadable"] == []
    [report] = run["comparisons"]
    assert report["baseline"]["name"] == "prod" and report["baseline"]["account_id"] == "111111111111"
    assert report["target"]["name"] == "dev" and report["target"]["account_id"] == "222222222222"
    assert set(report["summary"]) >= {"roles_compared", "critical", "high", "medium", "low", "info"}
    [finding] = [f for f in report["findings"] if f["kind"] == "policy_missing"]
    assert finding["policy"] == {"name": "ObservabilityAccess", "type": "inline", "arn": None}
    assert finding["baseline_role"] == "deep-insight-task-execution-role-prod"
    assert (
        len(finding["actions"]) == 8 and finding["remediation"]["aws_cli"] and finding["remediation"]["cloudformation"]
    )
    assert next(f for f in report["findings"] if f["kind"] == "role_missing")["target_role"] is None


def test_every_code_block_in_the_markdown_parses(demo: Path):
    main(["compare", "prod", "dev", "-o", "out", "-f", "md"])
    markdown = (demo / "out" / "report.md").read_text()
    blocks = re.findall(r"^```(\w+)\n(.*?)^```$", markdown, flags=re.M | re.S)
    parsers = {"json": json.loads, "yaml": yaml.safe_load, "hcl": hcl2.loads, "bash": _shell}
    assert {language for language, _ in blocks} == set(parsers)
    for language, body in blocks:
        parsers[language](body)


def _shell(script: str) -> None:
    without_heredocs = re.sub(r"<<'(\w+)'\n.*?\n\1$", "", script, flags=re.S | re.M)
    for line in without_heredocs.replace("\\\n", " ").splitlines():
        shlex.split(line, comments=True)


def test_html_report_is_self_contained_and_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    hostile_demo(tmp_path)
    main(["compare", "prod", "dev", "-o", "out", "-f", "html"])
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 1 and "onerror" not in scripts[0] and "<img" not in scripts[0]  # data never enters it
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html  # the page runs that script and no other


def _snapshot(path: Path, account: str, env: str, actions: list[str]) -> None:
    role = RoleRecord(
        name=f"app-{env}",
        arn=f"arn:aws:iam::{account}:role/app-{env}",
        inline_policies={"P": {"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}},
    )
    write_snapshot(AccountSnapshot(account_id=account, collected_at=NOW, source="t", roles={role.name: role}), path)


@pytest.mark.parametrize(("fail_on", "code"), [("high", 0), ("medium", 1), ("info", 1)])
def test_exit_code_follows_fail_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str, code: int):
    monkeypatch.chdir(tmp_path)
    _snapshot(tmp_path / "prod.json", "111111111111", "prod", ["s3:GetObject"])
    _snapshot(tmp_path / "dev.json", "222222222222", "dev", ["s3:GetObject", "s3:ListBucket"])  # List: medium
    (tmp_path / "c.yaml").write_text("accounts:\n  prod: {snapshot: prod.json}\n  dev: {snapshot: dev.json}\n")
    assert main(["compare", "prod", "dev", "-c", "c.yaml", "-o", "out", "--fail-on", fail_on]) == code


def test_same_account_twice_has_no_drift_and_exits_0(demo: Path):
    assert main(["compare", "prod", "prod", "-o", "out"]) == 0
    [report] = json.loads((demo / "out" / "report.json").read_text())["comparisons"]
    assert report["findings"] == []


def test_baseline_defaults_to_config(demo: Path):
    assert main(["compare", "dev", "-o", "out", "-f", "json"]) == 1
    assert json.loads((demo / "out" / "report.json").read_text())["baseline"]["name"] == "prod"


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_unknown_config_key_exits_2_naming_file_and_key(demo: Path, capsys):
    (demo / "bad.yaml").write_text((demo / "config.yaml").read_text() + "colour: blue\n")
    assert main(["compare", "prod", "dev", "-c", "bad.yaml"]) == 2
    line = _one_error_line(capsys)
    assert "bad.yaml" in line and "unknown key 'colour'" in line


def test_unknown_nested_key_is_named_with_its_path(demo: Path, capsys):
    text = (demo / "config.yaml").read_text().replace("    env: dev\n", "    env: dev\n    rol_arn: x\n")
    (demo / "bad.yaml").write_text(text)
    assert main(["compare", "prod", "dev", "-c", "bad.yaml"]) == 2
    assert "unknown key 'accounts.dev.rol_arn'" in _one_error_line(capsys)


@pytest.mark.parametrize("arn", ["arn:aws:iam::123456789012:role/bad name", "arn:aws:iam::123456789012:role/rôle"])
def test_a_role_arn_iam_would_refuse_is_refused_in_the_config_as_in_a_snapshot(demo: Path, capsys, arn: str):
    text = (demo / "config.yaml").read_text().replace("    env: dev\n", f"    env: dev\n    role_arn: '{arn}'\n")
    (demo / "bad.yaml").write_text(text, encoding="utf-8")
    assert main(["compare", "prod", "dev", "-c", "bad.yaml"]) == 2
    line = _one_error_line(capsys)
    assert "bad.yaml" in line and "accounts.dev.role_arn" in line and "not an IAM role ARN" in line


def test_baseline_not_among_accounts_exits_2(demo: Path, capsys):
    (demo / "bad.yaml").write_text((demo / "config.yaml").read_text().replace("baseline: prod", "baseline: prd"))
    assert main(["compare", "dev", "-c", "bad.yaml"]) == 2
    line = _one_error_line(capsys)
    assert "bad.yaml" in line and "baseline 'prd'" in line


def test_account_missing_from_config_exits_2(demo: Path, capsys):
    assert main(["compare", "prod", "staging"]) == 2
    assert "unknown account 'staging'" in _one_error_line(capsys)


def test_invalid_yaml_exits_2_naming_file(demo: Path, capsys):
    (demo / "bad.yaml").write_text("accounts: [unclosed\n")
    assert main(["compare", "prod", "dev", "-c", "bad.yaml"]) == 2
    line = _one_error_line(capsys)
    assert "bad.yaml" in line and "invalid YAML" in line


def test_malformed_snapshot_exits_2_naming_file(demo: Path, capsys):
    (demo / "baselines" / "demo" / "dev.json").write_text('{"format": "iam-drift-auditor-snapshot", "roles": 1}')
    assert main(["compare", "prod", "dev", "-o", "out"]) == 2
    line = _one_error_line(capsys)
    assert "dev.json" in line
    assert not (demo / "out").exists()


def test_failed_run_leaves_the_previous_report_untouched(demo: Path):
    assert main(["compare", "prod", "dev", "-o", "out"]) == 1
    before = {p.name: p.read_text() for p in (demo / "out").iterdir()}
    (demo / "baselines" / "demo" / "dev.json").write_text("{broken")
    assert main(["compare", "prod", "dev", "-o", "out"]) == 2
    assert {p.name: p.read_text() for p in (demo / "out").iterdir()} == before


def test_unknown_format_exits_2(demo: Path, capsys):
    assert main(["compare", "prod", "dev", "-o", "out", "-f", "pdf"]) == 2
    assert "unknown report format 'pdf'" in _one_error_line(capsys)


def test_help_works_without_a_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "--help"]) == 0
    assert "BASELINE" in capsys.readouterr().out


def test_markdown_explains_each_of_the_eight_permissions_with_its_access_level(demo: Path):
    main(["compare", "prod", "dev", "-o", "out", "-f", "md"])
    markdown = (demo / "out" / "report.md").read_text()
    assert "**The 8 permissions explained**" in markdown
    assert "| `logs:CreateDelivery` | Write | Grants permission to create a delivery" in markdown
    assert "| `logs:GetDelivery` | Read |" in markdown
    assert "IAM action data 0.1." in markdown


def test_ambiguous_pairing_exits_2_listing_the_candidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.chdir(tmp_path)

    def write(path: str, account: str, names: list[str]) -> None:
        roles = {n: RoleRecord(name=n, arn=f"arn:aws:iam::{account}:role/{n}") for n in names}
        write_snapshot(AccountSnapshot(account_id=account, collected_at=NOW, source="t", roles=roles), tmp_path / path)

    write("prod.json", "111111111111", ["api-prod"])
    write("dev.json", "222222222222", ["api-dev", "api-DEV"])
    (tmp_path / "c.yaml").write_text("accounts:\n  prod: {snapshot: prod.json}\n  dev: {snapshot: dev.json}\n")
    assert main(["compare", "prod", "dev", "-c", "c.yaml", "-o", "out"]) == 2
    line = _one_error_line(capsys)
    assert "ambiguous role pairing" in line and "dev: api-DEV, api-dev" in line and "roles.map" in line
    assert not (tmp_path / "out").exists()


def test_markdown_over_the_size_limit_keeps_the_tables_and_points_to_the_html(demo: Path):
    (demo / "small.yaml").write_text((demo / "config.yaml").read_text() + "report:\n  markdown_limit_kb: 16\n")
    main(["compare", "prod", "dev", "-c", "small.yaml", "-o", "out"])
    markdown = (demo / "out" / "report.md").read_text()
    assert len(markdown.encode()) <= 16 * 1024
    assert "Per-finding detail (policy JSON, fixes, explanations) is in **report.html**" in markdown
    assert "over the 16 KB limit (`report.markdown_limit_kb`)" in markdown
    assert "| [1](#" in markdown and "## How roles were paired" in markdown
    assert "put-role-policy" in (demo / "out" / "report.html").read_text()


def test_a_large_comparison_lists_only_the_pairs_not_made_by_name_in_markdown_and_html(tmp_path: Path):
    write(80, tmp_path, drift_rate=0.3)  # some roles dropped in dev, some extra: unpaired
    (tmp_path / "c.yaml").write_text(SNAPSHOTS_CONFIG)
    main(["compare", "prod", "dev", "-c", str(tmp_path / "c.yaml"), "-o", str(tmp_path / "out"), "-f", "md,html,json"])
    pairs = json.loads((tmp_path / "out" / "report.json").read_text())["comparisons"][0]["pairs"]
    unusual = [p for p in pairs if p["rule"] is None]
    assert len(pairs) > 50 and unusual and all(p["rule"] is None or "name" in p["rule"] for p in pairs)
    listed = f"Listed below: the {len(unusual)} not paired by their name; report.json lists all {len(pairs)}."
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert listed in markdown and listed in (tmp_path / "out" / "report.html").read_text()
    rows = markdown[markdown.index("## How roles were paired") : markdown.index("## Summary per account")]
    assert rows.count("| unpaired |") == len(unusual) and "same name after env token |" not in rows


def test_an_internal_error_exits_4_in_one_line_and_shows_its_traceback_with_auditor_debug(demo, monkeypatch, capsys):
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("auditor.cli.compare_many", broken)
    assert main(["compare", "prod", "dev"]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["auditor: internal error: RuntimeError: boom (set AUDITOR_DEBUG=1 for details)"]
    monkeypatch.setenv("AUDITOR_DEBUG", "1")
    assert main(["compare", "prod", "dev"]) == 4
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err and 'raise RuntimeError("boom")' in err


def _loaded_by_a_quiet_compare(demo: Path, packages: tuple[str, ...]) -> list[str]:
    """The modules of these packages a fresh `auditor compare prod dev -q` has imported by its end."""
    inside = tuple(f"{package}." for package in packages)
    script = (
        "import json, sys\nfrom auditor.cli import main\ncode = main(['compare', 'prod', 'dev', '-o', 'out', '-q'])\n"
        f"print(code, json.dumps(sorted(m for m in sys.modules if m in {packages!r} or m.startswith({inside!r}))))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=demo, capture_output=True, text=True, check=True)
    code, loaded = done.stdout.split(" ", 1)
    assert code == "1"
    loaded_modules: list[str] = json.loads(loaded)
    return loaded_modules


def test_an_offline_compare_does_without_boto3(demo: Path):
    # boto3 and botocore take a tenth of a second to import; a run on snapshot files must not pay it.
    assert _loaded_by_a_quiet_compare(demo, ("boto3", "botocore")) == []


def test_compare_does_without_the_modules_of_scheduled_audits(demo: Path):
    # History stores, trends and the ticket client are start-up time that only `audit`, `merge` and `ticket` use.
    later = ("auditor.audit", "auditor.cli.scheduled", "auditor.merge", "auditor.store", "auditor.tickets")
    assert _loaded_by_a_quiet_compare(demo, later) == []


def test_a_quiet_compare_draws_nothing_and_so_never_loads_the_terminal_library(demo: Path):
    # rich draws the tables and progress bars; importing it took 0.02 s of start-up.
    assert _loaded_by_a_quiet_compare(demo, ("rich",)) == []


def test_help_lists_the_commands_imported_only_when_used(capsys):
    assert main(["--help"]) == 0
    listed = capsys.readouterr().out.split("Commands:")[1].split()
    assert {"audit", "compare", "merge", "policy", "snapshot", "ticket"} <= set(listed)
