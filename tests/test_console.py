"""What the console shows: counts per comparison, the top findings and how many more, colour only where wanted."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main
from bench.synth import write
from tests.conftest import SNAPSHOTS_CONFIG

COLOUR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two synthetic accounts of 2,500 roles with about 250 findings at or above high."""
    folder = tmp_path_factory.mktemp("big")
    write(2500, folder, drift_rate=0.12)
    (folder / "config.yaml").write_text(SNAPSHOTS_CONFIG)
    return folder


def test_250_findings_print_the_top_ten_and_how_many_more_the_report_holds(big: Path, capsys):
    main(["compare", "prod", "dev", "-c", str(big / "config.yaml"), "-o", str(big / "out"), "-f", "md"])
    out = capsys.readouterr().out
    listed = [line for line in out.splitlines() if line.startswith("  [")]
    [more] = re.findall(r"\.\.\.and (\d+) more at or above high \(see report\.md\)", out)
    assert len(listed) == 10 and 10 + int(more) >= 250


def test_a_table_per_comparison_counts_findings_by_severity(demo: Path, capsys):
    main(["compare", "prod", "dev", "-o", "out"])
    header, row = [line.split() for line in capsys.readouterr().out.splitlines()[1:4:2]]
    assert header == ["critical", "high", "medium", "low", "info", "waived"]
    assert row == ["findings", "2", "2", "2", "1", "0", "0"]


def _cli(folder: Path, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | env
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "compare", "prod", "dev", "-o", "out"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    return done.stdout


def test_the_command_leaves_only_once_a_report_larger_than_a_pipe_has_gone_through_it(big: Path):
    # The command leaves without tearing the interpreter down: all it printed must have gone out before.
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "compare", "prod", "dev", "--stdout", "json"],
        cwd=big,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},  # stdout buffered, as it is by default
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert len(done.stdout) > 1_000_000
    assert len(json.loads(done.stdout)["comparisons"][0]["findings"]) >= 250


def test_severities_are_coloured_on_a_colour_terminal(demo: Path):
    assert COLOUR.search(_cli(demo, FORCE_COLOR="1"))


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs, and Linux"
)
def test_what_a_terminal_shows_while_reports_are_written_lets_helpers_write_them(demo: Path):
    # A spinner's thread would keep the run from forking the helpers that render the reports.
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "compare", "prod", "dev", "-o", "out", "-v"],
        cwd=demo,
        env={k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"FORCE_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "rendering and writing reports" in done.stderr
    assert "3 items shared among 2 processes" in done.stderr


def test_no_color_turns_every_escape_code_off(demo: Path):
    out = _cli(demo, FORCE_COLOR="1", NO_COLOR="1")
    assert "\x1b" not in out and "[critical]" in out


def test_quiet_prints_nothing_but_keeps_the_exit_code(demo: Path, capsys):
    assert main(["compare", "prod", "dev", "-o", "out", "--quiet"]) == 1
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("args", [["--stdout", "json"], ["-f", "json", "-o", "-"]])
def test_the_json_report_can_go_to_stdout_alone(demo: Path, capsys, args: list[str]):
    assert main(["compare", "prod", "dev", *args]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["schema_version"] == 2  # nothing else on stdout
    assert "roles compared" in captured.err and not (demo / "-").exists() and not (demo / "reports").exists()


def test_stdout_takes_one_format_only(demo: Path, capsys):
    assert main(["compare", "prod", "dev", "-o", "-"]) == 2
    assert "give one --format" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["-v", "compare"], ["compare", "-v"], ["compare", "--verbose", "-v"]])
def test_global_options_are_accepted_after_the_subcommand_too(demo: Path, capsys, args: list[str]):
    assert main([*args, "prod", "dev", "-o", "out"]) == 1
    assert "reading account prod" in capsys.readouterr().err


def test_an_organization_prints_one_table_of_the_worst_accounts_and_how_many_more(demo: Path, capsys):
    config = (demo / "config.yaml").read_text()
    names = [f"dev{n:02d}" for n in range(12)]
    accounts = "".join(f"  {name}: {{snapshot: baselines/demo/dev.json, env: dev}}\n" for name in names)
    (demo / "config.yaml").write_text(config.replace("\nroles:", accounts + "\nroles:", 1))
    main(["compare", "prod", *names, "-o", "out", "-f", "json"])
    out = capsys.readouterr().out
    assert "prod (" in out and "vs 12 accounts: 12 with findings" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("dev")]
    assert len(rows) == 10 and rows[0][1:6] == ["2", "2", "2", "1", "0"]
    assert "...and 2 more accounts (see report.json)" in out
    assert "roles compared" not in out  # no comparison one by one
